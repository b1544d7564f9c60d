"""The router: decisions become outcomes; read/write run only on OK; flags refuse a direction."""

from __future__ import annotations

import pytest

from emu.sysreg import AccessContext, Decision, Outcome, Registry, SysReg, access, raz, wi

ENC = (3, 0, 15, 1, 0)


class Recorder:
    """A register whose access check returns `decision` and that records reads and writes."""

    def __init__(self, decision: Decision, *, read_only: bool = False, write_only: bool = False) -> None:
        self.decision = decision
        self.calls: list[tuple[str, AccessContext, int]] = []
        self.registry = Registry([SysReg("R", ENC, 0, self.check, self.read, self.write,
                                         read_only=read_only, write_only=write_only)])

    def check(self, ctx: AccessContext) -> Decision:
        return self.decision

    def read(self, ctx: AccessContext) -> int:
        self.calls.append(("read", ctx, 0))
        return -1  # masked to 64 bits by the router

    def write(self, ctx: AccessContext, value: int) -> None:
        self.calls.append(("write", ctx, value))


def ctx(is_read: bool) -> AccessContext:
    return AccessContext(el=1, is_read=is_read, hcr_el2=0, mdcr_el2=6)


def test_ok_read_returns_the_value() -> None:
    r = Recorder(Decision.OK)
    assert access(r.registry, ENC, ctx(True)) == Outcome(Decision.OK, (1 << 64) - 1)
    assert r.calls == [("read", ctx(True), 0)]


def test_ok_write_passes_64_bits() -> None:
    r = Recorder(Decision.OK)
    assert access(r.registry, ENC, ctx(False), (1 << 70) | 5) == Outcome(Decision.OK)
    assert r.calls == [("write", ctx(False), 5)]


@pytest.mark.parametrize("decision", [Decision.TRAP_EL1, Decision.TRAP_EL2, Decision.UNDEFINED])
@pytest.mark.parametrize("is_read", [True, False])
def test_refusals_come_back_without_side_effects(decision: Decision, is_read: bool) -> None:
    r = Recorder(decision)
    assert access(r.registry, ENC, ctx(is_read), 1) == Outcome(decision)
    assert r.calls == []


def test_unknown_encoding_is_undefined() -> None:
    assert access(Registry(), ENC, ctx(True)).decision is Decision.UNDEFINED


def test_write_only_register_refuses_reads() -> None:
    r = Recorder(Decision.OK, write_only=True)
    assert access(r.registry, ENC, ctx(True)).decision is Decision.UNDEFINED
    assert access(r.registry, ENC, ctx(False), 1).decision is Decision.OK


def test_read_only_register_refuses_writes() -> None:
    r = Recorder(Decision.OK, read_only=True)
    assert access(r.registry, ENC, ctx(False), 1).decision is Decision.UNDEFINED
    assert access(r.registry, ENC, ctx(True)).decision is Decision.OK
    assert [call[0] for call in r.calls] == ["read"]


def test_raz_wi() -> None:
    registry = Registry([SysReg("R", ENC, 0, lambda ctx: Decision.OK, raz, wi)])
    assert access(registry, ENC, ctx(False), 5) == Outcome(Decision.OK)
    assert access(registry, ENC, ctx(True)) == Outcome(Decision.OK, 0)
