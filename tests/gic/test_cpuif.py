"""The physical CPU interface through its system registers (IHI 0069 chapter 12, ICC_*; 4.7
"Interrupt prioritization"), driven as a guest drives it: MRS/MSR through the router."""

from __future__ import annotations

import pytest

from emu.arch.sysregs import HCR_IMO
from emu.gic import CpuInterface, GICv3, Lifecycle
from emu.sysreg import AccessContext, Decision, Registry, access

GICR_SGI_BASE = 0x1_0000
ISPENDR0, ISACTIVER0 = GICR_SGI_BASE + 0x200, GICR_SGI_BASE + 0x300


class Pe:
    """A GIC, its CPU interface and MRS/MSR at a chosen EL."""

    def __init__(self) -> None:
        self.gic = GICv3()
        self.cpuif = CpuInterface(self.gic)
        self.registry = Registry(self.cpuif.sysregs)

    def _ctx(self, is_read: bool, el: int, hcr: int) -> AccessContext:
        return AccessContext(el, is_read, hcr, 0)

    def mrs(self, name: str, el: int = 1, hcr: int = 0) -> int:
        outcome = access(self.registry, self.registry.by_name(name).encoding, self._ctx(True, el, hcr))
        assert outcome.decision is Decision.OK
        return outcome.value

    def msr(self, name: str, value: int, el: int = 1, hcr: int = 0) -> None:
        outcome = access(self.registry, self.registry.by_name(name).encoding, self._ctx(False, el, hcr), value)
        assert outcome.decision is Decision.OK

    def decision(self, name: str, is_read: bool, el: int, hcr: int = 0) -> Decision:
        return access(self.registry, self.registry.by_name(name).encoding, self._ctx(is_read, el, hcr)).decision

    def enable(self, intid: int, priority: int) -> None:
        """Group 1, priority and enable through GICD/GICR, as a guest does."""
        frame, base = (self.gic.redistributor, GICR_SGI_BASE) if intid < 32 else (self.gic.distributor, 0)
        word, bit = 4 * (intid // 32), 1 << (intid % 32)
        frame.write(base + 0x80 + word, 4, frame.read(base + 0x80 + word, 4) | bit)
        frame.write(base + 0x400 + intid, 1, priority)
        frame.write(base + 0x100 + word, 4, bit)
        self.gic.distributor.write(0, 4, 0x2)  # GICD_CTLR.EnableGrp1

    def pend(self, intid: int) -> None:
        self.gic.redistributor.write(ISPENDR0, 4, 1 << intid)

    def active_bits(self) -> int:
        return self.gic.redistributor.read(ISACTIVER0, 4)


@pytest.fixture
def pe() -> Pe:
    pe = Pe()
    pe.msr("ICC_PMR_EL1", 0xFF)
    pe.msr("ICC_IGRPEN1_EL1", 1)
    return pe


def test_reset_values_and_identification() -> None:
    pe = Pe()
    assert pe.mrs("ICC_SRE_EL1") == 0x7 and pe.mrs("ICC_SRE_EL2", el=2) == 0xF
    pe.msr("ICC_SRE_EL1", 0)
    pe.msr("ICC_SRE_EL2", 0, el=2)
    assert pe.mrs("ICC_SRE_EL1") == 0x7 and pe.mrs("ICC_SRE_EL2", el=2) == 0xF
    assert pe.mrs("ICC_PMR_EL1") == 0 and pe.mrs("ICC_IGRPEN1_EL1") == 0
    assert pe.mrs("ICC_BPR1_EL1") == 3  # 5 priority bits: minimum BPR0 2, BPR1 3
    ctlr = pe.mrs("ICC_CTLR_EL1")
    assert ctlr >> 8 & 7 == 4 and ctlr >> 11 & 7 == 1 and ctlr >> 15 & 1 == 1 and ctlr & 3 == 0
    assert pe.mrs("ICC_RPR_EL1") == 0xFF and pe.mrs("ICC_AP1R0_EL1") == 0
    assert pe.mrs("ICC_IAR1_EL1") == 1023 and pe.mrs("ICC_HPPIR1_EL1") == 1023
    assert [r.name for r in pe.registry if r.name.startswith("ICC_AP1R")] == ["ICC_AP1R0_EL1"]


def test_field_masks() -> None:
    pe = Pe()
    pe.msr("ICC_PMR_EL1", 0xFFFF)
    assert pe.mrs("ICC_PMR_EL1") == 0xF8  # 5 implemented bits
    pe.msr("ICC_BPR1_EL1", 0)
    assert pe.mrs("ICC_BPR1_EL1") == 3  # below the minimum sets the minimum
    pe.msr("ICC_BPR1_EL1", 0xF5)
    assert pe.mrs("ICC_BPR1_EL1") == 5
    pe.msr("ICC_CTLR_EL1", 0xFFFF_FFFF)
    assert pe.mrs("ICC_CTLR_EL1") == 0x8000 | 0x0800 | 4 << 8 | 0x2  # only EOImode is writable
    pe.msr("ICC_IGRPEN1_EL1", 0xFF)
    assert pe.mrs("ICC_IGRPEN1_EL1") == 1


@pytest.mark.parametrize("name", ["ICC_PMR_EL1", "ICC_IAR1_EL1", "ICC_HPPIR1_EL1", "ICC_RPR_EL1",
                                  "ICC_BPR1_EL1", "ICC_CTLR_EL1", "ICC_IGRPEN1_EL1", "ICC_AP1R0_EL1",
                                  "ICC_SRE_EL1"])
def test_readable_at_el1_and_el2_undefined_at_el0(name: str) -> None:
    pe = Pe()
    assert pe.decision(name, True, 0) is Decision.UNDEFINED
    assert pe.decision(name, True, 1) is Decision.OK
    assert pe.decision(name, True, 2) is Decision.OK


def test_directions_and_el2_only_registers() -> None:
    pe = Pe()
    for name in ("ICC_EOIR1_EL1", "ICC_DIR_EL1", "ICC_SGI1R_EL1"):
        assert pe.decision(name, True, 1) is Decision.UNDEFINED
        assert pe.decision(name, False, 0) is Decision.UNDEFINED
        assert pe.decision(name, False, 1) is Decision.OK
    for name in ("ICC_IAR1_EL1", "ICC_HPPIR1_EL1", "ICC_RPR_EL1"):
        assert pe.decision(name, False, 1) is Decision.UNDEFINED
    assert pe.decision("ICC_SRE_EL2", True, 1) is Decision.UNDEFINED
    assert pe.decision("ICC_SRE_EL2", False, 1) is Decision.UNDEFINED


def test_sgi1r_traps_to_el2_from_el1_when_imo_is_set() -> None:
    pe = Pe()
    assert pe.decision("ICC_SGI1R_EL1", False, 1, HCR_IMO) is Decision.TRAP_EL2
    assert pe.decision("ICC_SGI1R_EL1", False, 2, HCR_IMO) is Decision.OK


def test_eoimode0_ack_and_eoi(pe: Pe) -> None:
    pe.enable(23, 0x40)
    pe.gic.line(23).raise_()
    assert pe.gic.irq_out.level and pe.mrs("ICC_HPPIR1_EL1") == 23
    assert pe.mrs("ICC_IAR1_EL1") == 23
    assert not pe.gic.irq_out.level
    assert pe.mrs("ICC_RPR_EL1") == 0x40 and pe.mrs("ICC_AP1R0_EL1") == 1 << 8
    assert pe.active_bits() == 1 << 23
    pe.gic.line(23).lower()
    pe.msr("ICC_EOIR1_EL1", 23)
    assert pe.active_bits() == 0 and pe.mrs("ICC_AP1R0_EL1") == 0 and pe.mrs("ICC_RPR_EL1") == 0xFF
    assert pe.gic.irqs[23].lifecycle is Lifecycle.INACTIVE
    assert pe.mrs("ICC_IAR1_EL1") == 1023


def test_eoimode0_level_line_still_high_is_signalled_again(pe: Pe) -> None:
    pe.enable(23, 0x40)
    pe.gic.line(23).raise_()
    assert pe.mrs("ICC_IAR1_EL1") == 23
    pe.msr("ICC_EOIR1_EL1", 23)
    assert pe.gic.irq_out.level and pe.mrs("ICC_IAR1_EL1") == 23


def test_eoimode1_priority_drop_then_dir(pe: Pe) -> None:
    pe.msr("ICC_CTLR_EL1", 1 << 1)
    pe.enable(5, 0x20)
    pe.pend(5)
    assert pe.mrs("ICC_IAR1_EL1") == 5
    pe.msr("ICC_EOIR1_EL1", 5)
    assert pe.mrs("ICC_RPR_EL1") == 0xFF and pe.mrs("ICC_AP1R0_EL1") == 0  # priority dropped
    assert pe.active_bits() == 1 << 5  # still active: not deactivated by the EOI
    pe.pend(5)
    assert not pe.gic.irq_out.level and pe.mrs("ICC_IAR1_EL1") == 1023  # active and pending
    pe.msr("ICC_DIR_EL1", 5)
    assert pe.active_bits() == 0
    assert pe.gic.irq_out.level and pe.mrs("ICC_IAR1_EL1") == 5


def test_dir_is_ignored_with_eoimode0(pe: Pe) -> None:
    pe.enable(5, 0x20)
    pe.pend(5)
    assert pe.mrs("ICC_IAR1_EL1") == 5
    pe.msr("ICC_DIR_EL1", 5)
    assert pe.active_bits() == 1 << 5


def test_eoi_without_active_priority_or_of_special_intid_is_ignored(pe: Pe) -> None:
    pe.msr("ICC_EOIR1_EL1", 5)  # nothing active: no effect
    pe.enable(5, 0x20)
    pe.pend(5)
    assert pe.mrs("ICC_IAR1_EL1") == 5
    pe.msr("ICC_EOIR1_EL1", 1023)
    assert pe.mrs("ICC_RPR_EL1") == 0x20 and pe.active_bits() == 1 << 5


def test_preemption_needs_a_higher_group_priority(pe: Pe) -> None:
    pe.msr("ICC_BPR1_EL1", 5)  # group priority bits [7:5]: 0x20 granules
    pe.enable(1, 0x40)
    pe.enable(2, 0x48)  # same group priority as 0x40
    pe.enable(3, 0x38)  # higher priority, but group priority 0x20 < 0x40: preempts
    pe.pend(1)
    assert pe.mrs("ICC_IAR1_EL1") == 1
    assert pe.mrs("ICC_RPR_EL1") == 0x40
    pe.pend(2)
    assert not pe.gic.irq_out.level and pe.mrs("ICC_IAR1_EL1") == 1023
    assert pe.mrs("ICC_HPPIR1_EL1") == 2  # pending, whatever the running priority
    pe.pend(3)
    assert pe.gic.irq_out.level and pe.mrs("ICC_IAR1_EL1") == 3
    assert pe.mrs("ICC_RPR_EL1") == 0x20 and pe.mrs("ICC_AP1R0_EL1") == 1 << 4 | 1 << 8
    pe.msr("ICC_EOIR1_EL1", 3)
    assert pe.mrs("ICC_RPR_EL1") == 0x40 and not pe.gic.irq_out.level
    pe.msr("ICC_EOIR1_EL1", 1)
    assert pe.mrs("ICC_RPR_EL1") == 0xFF and pe.gic.irq_out.level
    assert pe.mrs("ICC_IAR1_EL1") == 2


def test_equal_priority_does_not_preempt_with_minimum_bpr(pe: Pe) -> None:
    pe.enable(1, 0x40)
    pe.enable(2, 0x40)
    pe.enable(3, 0x38)
    pe.pend(1)
    pe.pend(2)
    assert pe.mrs("ICC_IAR1_EL1") == 1  # lowest INTID first at equal priority
    assert not pe.gic.irq_out.level and pe.mrs("ICC_IAR1_EL1") == 1023
    pe.pend(3)
    assert pe.mrs("ICC_IAR1_EL1") == 3


def test_pmr_masks_priorities_not_below_it(pe: Pe) -> None:
    pe.enable(7, 0x80)
    pe.msr("ICC_PMR_EL1", 0x80)
    pe.pend(7)
    assert not pe.gic.irq_out.level and pe.mrs("ICC_IAR1_EL1") == 1023
    assert pe.mrs("ICC_HPPIR1_EL1") == 7
    pe.msr("ICC_PMR_EL1", 0x88)
    assert pe.gic.irq_out.level
    pe.msr("ICC_PMR_EL1", 0)
    assert not pe.gic.irq_out.level
    pe.msr("ICC_PMR_EL1", 0xFF)
    assert pe.mrs("ICC_IAR1_EL1") == 7


def test_group1_disabled_signals_nothing(pe: Pe) -> None:
    pe.enable(7, 0)
    pe.pend(7)
    assert pe.gic.irq_out.level
    pe.msr("ICC_IGRPEN1_EL1", 0)
    assert not pe.gic.irq_out.level and pe.mrs("ICC_IAR1_EL1") == 1023
    pe.msr("ICC_IGRPEN1_EL1", 1)
    assert pe.mrs("ICC_IAR1_EL1") == 7


def test_spurious_when_nothing_pending_or_only_group0(pe: Pe) -> None:
    assert pe.mrs("ICC_IAR1_EL1") == 1023
    pe.gic.redistributor.write(GICR_SGI_BASE + 0x400 + 9, 1, 0)
    pe.gic.redistributor.write(GICR_SGI_BASE + 0x100, 4, 1 << 9)  # enabled, Group 0
    pe.gic.distributor.write(0, 4, 0x3)
    pe.pend(9)
    assert pe.mrs("ICC_IAR1_EL1") == 1023 and pe.mrs("ICC_HPPIR1_EL1") == 1023
    assert pe.mrs("ICC_RPR_EL1") == 0xFF


def test_sgi_to_self_is_pending_then_acknowledged(pe: Pe) -> None:
    pe.enable(3, 0x10)
    pe.msr("ICC_SGI1R_EL1", 3 << 24 | 1)
    assert pe.gic.redistributor.read(ISPENDR0, 4) == 1 << 3
    assert pe.gic.irq_out.level and pe.mrs("ICC_IAR1_EL1") == 3
    assert pe.gic.redistributor.read(ISPENDR0, 4) == 0 and pe.active_bits() == 1 << 3
    pe.msr("ICC_EOIR1_EL1", 3)
    assert pe.active_bits() == 0 and pe.mrs("ICC_IAR1_EL1") == 1023


@pytest.mark.parametrize("value", [
    1 << 40 | 3 << 24 | 1,  # IRM: all but self, no other PE
    3 << 24 | 2,  # TargetList names PE 1
    3 << 24,  # empty TargetList
    3 << 24 | 1 << 16 | 1,  # Aff1 = 1
    3 << 24 | 1 << 32 | 1,  # Aff2 = 1
    3 << 24 | 1 << 44 | 1,  # RS = 1
    3 << 24 | 1 << 48 | 1,  # Aff3 = 1
])
def test_sgi_to_other_pes_reaches_nobody(pe: Pe, value: int) -> None:
    pe.enable(3, 0x10)
    pe.msr("ICC_SGI1R_EL1", value)
    assert pe.gic.redistributor.read(ISPENDR0, 4) == 0 and not pe.gic.irq_out.level


def test_sgi1r_does_not_forward_a_group0_sgi(pe: Pe) -> None:
    pe.gic.redistributor.write(GICR_SGI_BASE + 0x100, 4, 1 << 3)
    pe.msr("ICC_SGI1R_EL1", 3 << 24 | 1)
    assert pe.gic.redistributor.read(ISPENDR0, 4) == 0


def test_ap1r_write_sets_the_running_priority(pe: Pe) -> None:
    pe.enable(7, 0x40)
    pe.pend(7)
    pe.msr("ICC_AP1R0_EL1", 1 << 8)
    assert pe.mrs("ICC_RPR_EL1") == 0x40 and not pe.gic.irq_out.level
    pe.msr("ICC_AP1R0_EL1", 0)
    assert pe.mrs("ICC_RPR_EL1") == 0xFF and pe.gic.irq_out.level


def test_ap1r_registers_follow_priority_bits() -> None:
    assert CpuInterface(GICv3(priority_bits=4)).ap_registers == 1
    wide = CpuInterface(GICv3(priority_bits=8))
    assert wide.ap_registers == 4 and wide.min_bpr1 == 1
    assert [r.name for r in wide.sysregs if r.name.startswith("ICC_AP1R")] == [
        f"ICC_AP1R{n}_EL1" for n in range(4)]


def test_reset_clears_the_interface(pe: Pe) -> None:
    pe.enable(7, 0x40)
    pe.pend(7)
    assert pe.mrs("ICC_IAR1_EL1") == 7
    pe.cpuif.reset()
    assert pe.mrs("ICC_RPR_EL1") == 0xFF and pe.mrs("ICC_PMR_EL1") == 0 and pe.gic.threshold == 0
