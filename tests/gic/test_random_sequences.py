"""Seeded random sequences of line changes, ISPENDR/ICPENDR, acknowledges and deactivations on one
SPI, against a reference written as the transition table of IHI 0069 4.1.2."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emu.gic import GICv3, Lifecycle

I, P, A, AP = Lifecycle.INACTIVE, Lifecycle.PENDING, Lifecycle.ACTIVE, Lifecycle.ACTIVE_PENDING
INTID = 42
WORD, BIT = 4 * (INTID // 32), 1 << (INTID % 32)


class Reference:
    """Edge: explicit transitions. Level: the state's pending half is 'line asserted or pended by
    software'; software pending is dropped by acknowledge and ICPENDR."""

    def __init__(self, edge: bool) -> None:
        self.edge, self.state, self.line, self.soft = edge, I, False, False

    def _pend(self, pending: bool) -> None:
        active = self.state in (A, AP)
        self.state = {(False, False): I, (False, True): P, (True, False): A, (True, True): AP}[(active, pending)]

    def _level_update(self) -> None:
        if not self.edge:
            self._pend(self.line or self.soft)

    def drive(self, level: bool) -> None:
        if self.edge and level and not self.line:
            self._pend(True)
        self.line = level
        self._level_update()

    def ispendr(self) -> None:
        if self.edge:
            self._pend(True)
        self.soft = True
        self._level_update()

    def icpendr(self) -> None:
        if self.edge:
            self._pend(False)
        self.soft = False
        self._level_update()

    def acknowledge(self) -> None:  # only of a delivered (pending, not active) interrupt
        self.state, self.soft = A, False
        if not self.edge and self.line:
            self.state = AP

    def deactivate(self) -> None:
        self.state = {A: I, AP: P}.get(self.state, self.state)


OPS = ["raise", "lower", "ispendr", "icpendr", "ack", "deactivate"]


@pytest.mark.parametrize("seed", range(40))
def test_random_sequence_matches_reference(seed: int) -> None:
    rng = random.Random(seed)
    _check_sequence(seed % 2 == 1, [rng.choice(OPS) for _ in range(200)])


@settings(max_examples=150, derandomize=True, deadline=None)
@given(edge=st.booleans(), ops=st.lists(st.sampled_from(OPS), max_size=60))
def test_any_sequence_matches_reference(edge: bool, ops: list[str]) -> None:
    """hypothesis searches (and shrinks) the sequences the seeded runs may miss."""
    _check_sequence(edge, ops)


def _check_sequence(edge: bool, ops: list[str]) -> None:
    gic = GICv3()
    d = gic.distributor
    d.write(0x0, 4, 0x2)
    d.write(0x80 + WORD, 4, BIT)
    d.write(0x100 + WORD, 4, BIT)
    d.write(0xC00 + 4 * (INTID // 16), 4, (2 if edge else 0) << 2 * (INTID % 16))
    ref = Reference(edge)
    for op in ops:
        if op == "raise":
            gic.line(INTID).raise_(); ref.drive(True)
        elif op == "lower":
            gic.line(INTID).lower(); ref.drive(False)
        elif op == "ispendr":
            d.write(0x200 + WORD, 4, BIT); ref.ispendr()
        elif op == "icpendr":
            d.write(0x280 + WORD, 4, BIT); ref.icpendr()
        elif op == "ack" and gic.hppi() is not None:
            gic.acknowledge(INTID); ref.acknowledge()
        elif op == "deactivate":
            gic.deactivate(INTID); ref.deactivate()
        assert gic.irqs[INTID].lifecycle is ref.state, (edge, op)
        assert (gic.hppi() is not None) == (ref.state is P) == gic.irq_out.level
        assert bool(d.read(0x200 + WORD, 4) & BIT) == (ref.state in (P, AP))
        assert bool(d.read(0x300 + WORD, 4) & BIT) == (ref.state in (A, AP))
