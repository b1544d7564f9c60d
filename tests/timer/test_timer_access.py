"""Every access rule of the generic timer registers, exhaustively over EL x CNTKCTL_EL1 x
CNTHCTL_EL2 x HCR_EL2.{TGE,E2H} x direction, with and without EL2, against a table transcribed
from each register's "Accessing" pseudocode (Arm ARM D24.10; EL3, FEAT_VHE, FEAT_ECV and FEAT_NV
not implemented), plus hand-checked cases."""

from __future__ import annotations

import itertools

import pytest

from emu.sysreg import Decision
from timer_fakes import Rig

OK, TRAP_EL1, TRAP_EL2, UNDEFINED = Decision.OK, Decision.TRAP_EL1, Decision.TRAP_EL2, Decision.UNDEFINED
EL0PCTEN, EL0VCTEN, EL0VTEN, EL0PTEN = 1 << 0, 1 << 1, 1 << 8, 1 << 9
EL1PCTEN, EL1PCEN = 1 << 0, 1 << 1
TGE, E2H = 1 << 27, 1 << 34
KCTL_VALUES = [sum(bits) for n in range(5) for bits in itertools.combinations((EL0PCTEN, EL0VCTEN, EL0VTEN, EL0PTEN), n)]
HCTL_VALUES = [0, EL1PCTEN, EL1PCEN, EL1PCTEN | EL1PCEN]
HCR_VALUES = [0, TGE, E2H, E2H | TGE]  # E2H is RES0 without FEAT_VHE: it must change nothing

# name: (CNTKCTL_EL1 bit EL0 needs, CNTHCTL_EL2 bit EL0 and EL1 need when EL2 is enabled)
EL0_REGISTERS = {
    "CNTPCT_EL0": (EL0PCTEN, EL1PCTEN),
    "CNTVCT_EL0": (EL0VCTEN, 0),
} | {f"CNTP_{v}_EL0": (EL0PTEN, EL1PCEN) for v in ("CTL", "CVAL", "TVAL")} \
  | {f"CNTV_{v}_EL0": (EL0VTEN, 0) for v in ("CTL", "CVAL", "TVAL")}
READ_ONLY = {"CNTPCT_EL0", "CNTVCT_EL0"}
EL2_REGISTERS = {"CNTHCTL_EL2", "CNTVOFF_EL2", "CNTHP_CTL_EL2", "CNTHP_CVAL_EL2", "CNTHP_TVAL_EL2"}


def expected(name: str, el: int, is_read: bool, kctl: int, hctl: int, hcr: int, el2: bool) -> Decision:
    """The pseudocode: EL2Enabled() is HaveEL(EL2); ELIsInHost() is FALSE."""
    el0_trap = TRAP_EL2 if el2 and hcr & TGE else TRAP_EL1
    if name in EL2_REGISTERS:
        return OK if el2 and el == 2 else UNDEFINED
    if name == "CNTKCTL_EL1":
        return UNDEFINED if el == 0 else OK
    if name == "CNTFRQ_EL0":
        if not is_read:  # IsHighestEL(PSTATE.EL)
            return OK if el == (2 if el2 else 1) else UNDEFINED
        return el0_trap if el == 0 and not kctl & (EL0PCTEN | EL0VCTEN) else OK
    if name in READ_ONLY and not is_read:
        return UNDEFINED
    el0_bit, el1_bit = EL0_REGISTERS[name]
    if el == 0 and not kctl & el0_bit:
        return el0_trap
    if el < 2 and el2 and el1_bit and not hctl & el1_bit:
        return TRAP_EL2
    return OK


@pytest.mark.parametrize("el2", [True, False])
def test_every_access_rule(el2: bool) -> None:
    rig = Rig(el2_present=el2)
    names = [reg.name for reg in rig.registry]
    assert set(names) == set(EL0_REGISTERS) | EL2_REGISTERS | {"CNTFRQ_EL0", "CNTKCTL_EL1"}
    els = (0, 1, 2) if el2 else (0, 1)
    checked = 0
    for kctl, hctl in itertools.product(KCTL_VALUES, HCTL_VALUES):
        for name, el, is_read, hcr in itertools.product(names, els, (True, False), HCR_VALUES):
            if not el2 and hcr:
                continue  # without EL2 the core passes HCR_EL2 = 0
            rig.timer.cntkctl, rig.timer.cnthctl = kctl, hctl  # an allowed MSR of 0 may have changed them
            want = expected(name, el, is_read, kctl, hctl, hcr, el2)
            decision = rig.access(name, el, is_read, hcr=hcr).decision
            assert decision is want, (name, el, is_read, hex(kctl), hex(hctl), hex(hcr), el2)
            checked += 1
    assert checked == len(KCTL_VALUES) * len(HCTL_VALUES) * len(names) * len(els) * 2 * (len(HCR_VALUES) if el2 else 1)


@pytest.mark.parametrize("name, el, is_read, kctl, hctl, hcr, want", [
    # CNTKCTL_EL1 decides first: a disabled EL0 access traps to EL1 even when CNTHCTL_EL2 would trap too
    ("CNTPCT_EL0", 0, True, 0, 0, 0, TRAP_EL1),
    ("CNTPCT_EL0", 0, True, 0, 0, TGE, TRAP_EL2),
    # CNTHCTL_EL2.EL1PCTEN traps EL0 to EL2 whatever HCR_EL2.TGE is (not EL1PCEN, as QEMU once checked)
    ("CNTPCT_EL0", 0, True, EL0PCTEN, EL1PCEN, 0, TRAP_EL2),
    ("CNTPCT_EL0", 0, True, EL0PCTEN, EL1PCTEN, TGE, OK),
    ("CNTPCT_EL0", 1, True, 0, EL1PCEN, 0, TRAP_EL2),
    ("CNTPCT_EL0", 1, True, 0, EL1PCTEN, 0, OK),
    ("CNTP_CTL_EL0", 1, False, 0, EL1PCTEN, 0, TRAP_EL2),
    ("CNTP_TVAL_EL0", 0, True, EL0PTEN, EL1PCEN, TGE, OK),
    ("CNTP_CVAL_EL0", 0, False, EL0PCTEN | EL0VTEN, EL1PCTEN | EL1PCEN, 0, TRAP_EL1),
    # the virtual counter and timer have no EL2 control without FEAT_ECV
    ("CNTVCT_EL0", 1, True, 0, 0, 0, OK),
    ("CNTV_CTL_EL0", 0, False, EL0VTEN, 0, 0, OK),
    ("CNTV_CVAL_EL0", 0, True, EL0VCTEN, 3, E2H | TGE, TRAP_EL2),
    # CNTFRQ_EL0: either counter enable lets EL0 read; only EL2 writes
    ("CNTFRQ_EL0", 0, True, EL0VCTEN, 0, 0, OK),
    ("CNTFRQ_EL0", 0, True, EL0PTEN | EL0VTEN, 3, 0, TRAP_EL1),
    ("CNTFRQ_EL0", 0, False, 0x3FF, 3, 0, UNDEFINED),
    ("CNTFRQ_EL0", 1, False, 0x3FF, 3, 0, UNDEFINED),
    ("CNTFRQ_EL0", 2, False, 0, 0, 0, OK),
    ("CNTKCTL_EL1", 0, True, 0x3FF, 3, TGE, UNDEFINED),
    ("CNTVOFF_EL2", 1, True, 0x3FF, 3, 0, UNDEFINED),
    ("CNTHP_TVAL_EL2", 1, False, 0x3FF, 3, TGE, UNDEFINED),
])
def test_hand_checked(name: str, el: int, is_read: bool, kctl: int, hctl: int, hcr: int, want: Decision) -> None:
    rig = Rig()
    rig.timer.cntkctl, rig.timer.cnthctl = kctl, hctl
    assert rig.access(name, el, is_read, hcr=hcr).decision is want


def test_without_el2_el1_is_the_highest_el_and_tge_routes_nothing() -> None:
    rig = Rig(el2_present=False)
    rig.write("CNTFRQ_EL0", 1000, el=1)
    assert rig.read("CNTFRQ_EL0", el=1) == 1000
    assert rig.access("CNTPCT_EL0", 0, True, hcr=TGE).decision is TRAP_EL1
    rig.timer.cnthctl = 0  # no EL2: CNTHCTL_EL2 traps nothing
    assert rig.access("CNTP_CTL_EL0", 1, True).decision is OK
    assert rig.access("CNTHCTL_EL2", 2, True).decision is UNDEFINED


def test_a_refused_write_changes_nothing() -> None:
    rig = Rig()
    rig.timer.cnthctl = 0
    assert rig.access("CNTP_CVAL_EL0", 1, False, 55).decision is TRAP_EL2
    assert rig.access("CNTFRQ_EL0", 1, False, 55).decision is UNDEFINED
    assert rig.timer.el1_physical.cval == 0 and rig.timer.cntfrq == 62_500_000
