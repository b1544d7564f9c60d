"""The per-INTID state machine (IHI 0069 4.1.2) through IntState alone."""

from __future__ import annotations

from emu.gic import IntState, Lifecycle


def test_level_pending_follows_line_and_survives_acknowledge_while_high() -> None:
    s = IntState(edge=False)
    s.drive(True)
    assert s.lifecycle is Lifecycle.PENDING
    s.acknowledge()
    assert s.lifecycle is Lifecycle.ACTIVE_PENDING
    s.drive(False)
    assert s.lifecycle is Lifecycle.ACTIVE
    s.deactivate()
    assert s.lifecycle is Lifecycle.INACTIVE


def test_level_line_falling_before_acknowledge_drops_pending() -> None:
    s = IntState(edge=False)
    s.drive(True)
    s.drive(False)
    assert s.lifecycle is Lifecycle.INACTIVE


def test_edge_latches_on_rising_edge_only() -> None:
    s = IntState(edge=True)
    s.drive(True)
    s.drive(False)
    assert s.lifecycle is Lifecycle.PENDING
    s.acknowledge()
    assert s.lifecycle is Lifecycle.ACTIVE
    s.drive(True)  # a new edge while active: active and pending
    assert s.lifecycle is Lifecycle.ACTIVE_PENDING
    s.deactivate()
    assert s.lifecycle is Lifecycle.PENDING


def test_edge_line_held_high_does_not_repend() -> None:
    s = IntState(edge=True)
    s.drive(True)
    s.acknowledge()
    s.deactivate()
    assert s.lifecycle is Lifecycle.INACTIVE


def test_software_pending_of_level_interrupt_latches_until_cleared_or_acknowledged() -> None:
    s = IntState(edge=False)
    s.set_pending()
    assert s.pending  # line low, still pending
    s.clear_pending()
    assert not s.pending
    s.set_pending()
    s.acknowledge()
    assert s.lifecycle is Lifecycle.ACTIVE


def test_clear_pending_does_not_clear_an_asserted_level_line() -> None:
    s = IntState(edge=False)
    s.drive(True)
    s.clear_pending()
    assert s.pending
