"""The virtual CPU interface (IHI 0069 chapter 6; ICH_*_EL2 and ICV_* of chapter 12): ICH_* through
the system register router at EL2, the ICV_* side through its methods."""

from __future__ import annotations

import pytest

from emu.gic import GICv3
from emu.gic.vcpuif import (
    HCR_EN,
    HCR_LRENPIE,
    HCR_NPIE,
    HCR_UIE,
    HCR_VGRP1DIE,
    HCR_VGRP1EIE,
    LR_EOI,
    MISR_EOI,
    MISR_LRENP,
    MISR_NP,
    MISR_U,
    MISR_VGRP1D,
    MISR_VGRP1E,
    VMCR_VENG1,
    VMCR_VEOIM,
    VirtualCpuInterface,
)
from emu.sysreg import AccessContext, Decision, Registry, access

GICR_SGI_BASE = 0x1_0000
ISACTIVER0 = GICR_SGI_BASE + 0x300
INVALID, PENDING, ACTIVE, ACTIVE_PENDING = 0, 1, 2, 3


def lr(vintid: int, priority: int, state: int = PENDING, group: int = 1, hw: bool = False,
       pintid: int = 0) -> int:
    """An ICH_LR<n>_EL2 value."""
    return state << 62 | int(hw) << 61 | group << 60 | priority << 48 | pintid << 32 | vintid


def vmcr(vpmr: int = 0xF8, veng1: bool = True, veoim: bool = False, vbpr1: int = 3) -> int:
    return vpmr << 24 | vbpr1 << 18 | (VMCR_VEOIM if veoim else 0) | (VMCR_VENG1 if veng1 else 0)


class Hyp:
    """A GIC, its virtual interface and MRS/MSR at EL2."""

    def __init__(self, **kwargs: int) -> None:
        self.gic = GICv3()
        self.v = VirtualCpuInterface(self.gic, **kwargs)
        self.registry = Registry(self.v.sysregs)

    def mrs(self, name: str) -> int:
        outcome = access(self.registry, self.registry.by_name(name).encoding, AccessContext(2, True, 0, 0))
        assert outcome.decision is Decision.OK
        return outcome.value

    def msr(self, name: str, value: int) -> None:
        outcome = access(self.registry, self.registry.by_name(name).encoding, AccessContext(2, False, 0, 0), value)
        assert outcome.decision is Decision.OK

    def decision(self, name: str, is_read: bool, el: int) -> Decision:
        encoding = self.registry.by_name(name).encoding
        return access(self.registry, encoding, AccessContext(el, is_read, 0, 0), 0).decision

    def state(self, n: int) -> int:
        return self.mrs(f"ICH_LR{n}_EL2") >> 62


@pytest.fixture
def hyp() -> Hyp:
    hyp = Hyp()
    hyp.msr("ICH_VMCR_EL2", vmcr())
    hyp.msr("ICH_HCR_EL2", HCR_EN)
    return hyp


def test_registers_are_el2_only() -> None:
    hyp = Hyp()
    names = [r.name for r in hyp.v.sysregs]
    assert names == ["ICH_HCR_EL2", "ICH_VTR_EL2", "ICH_VMCR_EL2", "ICH_MISR_EL2", "ICH_EISR_EL2",
                     "ICH_ELRSR_EL2", "ICH_AP1R0_EL2", "ICH_LR0_EL2", "ICH_LR1_EL2", "ICH_LR2_EL2",
                     "ICH_LR3_EL2"]
    for name in names:
        for el in (0, 1):
            assert hyp.decision(name, True, el) is Decision.UNDEFINED
    for name in ("ICH_VTR_EL2", "ICH_MISR_EL2", "ICH_EISR_EL2", "ICH_ELRSR_EL2"):
        assert hyp.decision(name, False, 2) is Decision.UNDEFINED
    assert hyp.registry.by_name("ICH_LR3_EL2").encoding == (3, 4, 12, 12, 3)
    assert Hyp(list_registers=16).registry.by_name("ICH_LR9_EL2").encoding == (3, 4, 12, 13, 1)


def test_reset_values() -> None:
    hyp = Hyp()
    # ListRegs 3, TDS, nV4, A3V, IDbits 1, PREbits 4, PRIbits 4 (QEMU's choices).
    assert hyp.mrs("ICH_VTR_EL2") == 3 | 1 << 19 | 1 << 20 | 1 << 21 | 1 << 23 | 4 << 26 | 4 << 29
    assert hyp.mrs("ICH_HCR_EL2") == 0
    assert hyp.mrs("ICH_VMCR_EL2") == 1 << 3 | 3 << 18 | 2 << 21  # VFIQEn, VBPR1 3, VBPR0 2
    assert hyp.mrs("ICH_ELRSR_EL2") == 0xF
    assert hyp.mrs("ICH_EISR_EL2") == 0 and hyp.mrs("ICH_MISR_EL2") == 0
    assert not hyp.v.virq_out.level and not hyp.v.maintenance.level


def test_vtr_follows_configuration() -> None:
    vtr = Hyp(list_registers=16, priority_bits=8).mrs("ICH_VTR_EL2")
    assert vtr & 0x1F == 15 and vtr >> 26 & 7 == 6 and vtr >> 29 == 7
    with pytest.raises(ValueError):
        Hyp(list_registers=17)


def test_lr_read_back_masks_res0_bits(hyp: Hyp) -> None:
    value = lr(0xFFFF_FFFF, 0xFF, ACTIVE_PENDING, hw=True, pintid=0x3FF)
    hyp.msr("ICH_LR2_EL2", value | 0xF << 56 | 0x3F << 42)
    assert hyp.mrs("ICH_LR2_EL2") == value & ~(0x07 << 48)  # 5 priority bits: [50:48] RES0
    hyp.msr("ICH_LR2_EL2", lr(27, 0xA0, PENDING) | LR_EOI)
    assert hyp.mrs("ICH_LR2_EL2") == lr(27, 0xA0, PENDING) | LR_EOI


def test_hcr_and_vmcr_fields(hyp: Hyp) -> None:
    hyp.msr("ICH_HCR_EL2", 0xFFFF_FFFF_FFFF_FFFF)
    assert hyp.mrs("ICH_HCR_EL2") == 0xF800_5CFF  # EOIcount, TDIR, TALL1, TALL0, TC, bits [7:0]
    hyp.msr("ICH_VMCR_EL2", 0xFFFF_FFFF)
    assert hyp.mrs("ICH_VMCR_EL2") == 0xF8 << 24 | 2 << 21 | 7 << 18 | VMCR_VEOIM | 1 << 3 | VMCR_VENG1
    hyp.msr("ICH_VMCR_EL2", 1 << 18)  # VBPR1 below its minimum
    assert hyp.v.virtual_bpr1() == 3 and hyp.v.virtual_igrpen1() == 0
    hyp.v.set_virtual_pmr(0xFF)
    hyp.v.set_virtual_igrpen1(1)
    hyp.v.set_virtual_ctlr(0x2)
    assert hyp.mrs("ICH_VMCR_EL2") >> 24 == 0xF8 and hyp.v.veng1 and hyp.v.veoim
    assert hyp.v.virtual_ctlr() == 1 << 15 | 1 << 11 | 4 << 8 | 0x2


def test_acknowledge_and_eoi_with_veoim_0(hyp: Hyp) -> None:
    hyp.msr("ICH_LR0_EL2", lr(40, 0xA0))
    hyp.msr("ICH_LR1_EL2", lr(41, 0x80))
    assert hyp.v.virq_out.level and hyp.v.virtual_hppi() == 41
    assert hyp.v.virtual_acknowledge() == 41
    assert hyp.state(1) == ACTIVE and hyp.mrs("ICH_AP1R0_EL2") == 1 << (0x80 >> 3)
    assert hyp.v.virtual_running_priority() == 0x80
    assert not hyp.v.virq_out.level  # 0xA0 does not preempt 0x80
    assert hyp.v.virtual_acknowledge() == 1023
    hyp.v.virtual_eoi(41)
    assert hyp.state(1) == INVALID and hyp.mrs("ICH_AP1R0_EL2") == 0
    assert hyp.v.virtual_running_priority() == 0xFF
    assert hyp.v.virq_out.level and hyp.v.virtual_acknowledge() == 40
    hyp.v.virtual_eoi(40)
    assert hyp.mrs("ICH_ELRSR_EL2") == 0xF and hyp.v.eoi_count == 0


def test_preemption_by_group_priority(hyp: Hyp) -> None:
    hyp.msr("ICH_LR0_EL2", lr(40, 0x88))
    assert hyp.v.virtual_acknowledge() == 40
    hyp.msr("ICH_LR1_EL2", lr(41, 0x80))  # group priority 0x80 beats 0x88 with VBPR1 = 3
    assert hyp.v.virq_out.level
    hyp.v.set_virtual_bpr1(4)  # both group priority 0x80: no preemption
    assert not hyp.v.virq_out.level and hyp.v.virtual_acknowledge() == 1023
    assert hyp.v.virtual_hppi() == 41


def test_active_and_pending_is_not_signalled(hyp: Hyp) -> None:
    hyp.msr("ICH_LR0_EL2", lr(40, 0x80, ACTIVE_PENDING))
    assert not hyp.v.virq_out.level and hyp.v.virtual_hppi() == 1023
    hyp.msr("ICH_AP1R0_EL2", 1 << (0x80 >> 3))
    hyp.v.virtual_eoi(40)
    assert hyp.state(0) == PENDING and hyp.v.virq_out.level


def test_eoi_with_veoim_1_needs_dir(hyp: Hyp) -> None:
    hyp.msr("ICH_VMCR_EL2", vmcr(veoim=True))
    hyp.msr("ICH_LR0_EL2", lr(40, 0x80))
    assert hyp.v.virtual_acknowledge() == 40
    hyp.v.virtual_eoi(40)
    assert hyp.state(0) == ACTIVE and hyp.v.virtual_running_priority() == 0xFF
    assert hyp.v.eoi_count == 0
    hyp.v.virtual_deactivate(40)
    assert hyp.state(0) == INVALID and hyp.v.eoi_count == 0


def test_dir_with_veoim_0_is_ignored(hyp: Hyp) -> None:
    hyp.msr("ICH_LR0_EL2", lr(40, 0x80, ACTIVE))
    hyp.v.virtual_deactivate(40)
    assert hyp.state(0) == ACTIVE and hyp.v.eoi_count == 0


def _activate_ppi(gic: GICv3, intid: int) -> None:
    gic.redistributor.write(ISACTIVER0, 4, 1 << intid)
    assert gic.redistributor.read(ISACTIVER0, 4) == 1 << intid


@pytest.mark.parametrize("veoim", [False, True])
def test_hw_lr_deactivates_physical_intid(hyp: Hyp, veoim: bool) -> None:
    _activate_ppi(hyp.gic, 27)
    hyp.msr("ICH_VMCR_EL2", vmcr(veoim=veoim))
    hyp.msr("ICH_LR0_EL2", lr(27, 0x80, hw=True, pintid=27))
    assert hyp.v.virtual_acknowledge() == 27
    hyp.v.virtual_eoi(27)
    assert hyp.gic.redistributor.read(ISACTIVER0, 4) == (1 << 27 if veoim else 0)
    hyp.v.virtual_deactivate(27)
    assert hyp.gic.redistributor.read(ISACTIVER0, 4) == 0
    assert hyp.state(0) == INVALID
    assert hyp.mrs("ICH_ELRSR_EL2") == 0xF and hyp.mrs("ICH_EISR_EL2") == 0


def test_hw_lr_with_special_pintid_deactivates_nothing(hyp: Hyp) -> None:
    _activate_ppi(hyp.gic, 27)
    hyp.msr("ICH_LR0_EL2", lr(27, 0x80, hw=True, pintid=1023))
    assert hyp.v.virtual_acknowledge() == 27
    hyp.v.virtual_eoi(27)
    assert hyp.state(0) == INVALID and hyp.gic.redistributor.read(ISACTIVER0, 4) == 1 << 27


def test_eoi_count(hyp: Hyp) -> None:
    hyp.msr("ICH_AP1R0_EL2", 0b11)
    hyp.v.virtual_eoi(50)  # no list register holds 50
    hyp.v.virtual_eoi(51)
    assert hyp.v.eoi_count == 2 and hyp.mrs("ICH_HCR_EL2") >> 27 == 2
    hyp.v.virtual_eoi(52)  # no active priority: ignored
    hyp.v.virtual_eoi(1023)
    assert hyp.v.eoi_count == 2
    hyp.msr("ICH_VMCR_EL2", vmcr(veoim=True))
    hyp.v.virtual_deactivate(53)
    assert hyp.v.eoi_count == 3
    hyp.msr("ICH_HCR_EL2", HCR_EN | 31 << 27)
    hyp.v.virtual_deactivate(53)
    assert hyp.v.eoi_count == 0  # wraps


@pytest.mark.parametrize(
    ("hcr", "vpmr", "veng1", "priority", "level"),
    [
        (HCR_EN, 0xF8, True, 0x80, True),
        (0, 0xF8, True, 0x80, False),
        (HCR_EN, 0xF8, False, 0x80, False),
        (HCR_EN, 0x80, True, 0x80, False),
        (HCR_EN, 0x88, True, 0x80, True),
        (HCR_EN, 0x00, True, 0x00, False),
    ],
)
def test_virq_out_level(hcr: int, vpmr: int, veng1: bool, priority: int, level: bool) -> None:
    hyp = Hyp()
    hyp.msr("ICH_HCR_EL2", hcr)
    hyp.msr("ICH_VMCR_EL2", vmcr(vpmr=vpmr, veng1=veng1))
    hyp.msr("ICH_LR3_EL2", lr(99, priority))
    assert hyp.v.virq_out.level is level
    assert hyp.v.virtual_acknowledge() == (99 if level else 1023)


def test_group0_lr_is_not_signalled(hyp: Hyp) -> None:
    hyp.msr("ICH_LR0_EL2", lr(40, 0x80, group=0))
    assert not hyp.v.virq_out.level and hyp.v.virtual_hppi() == 1023


def test_special_vintid_goes_invalid(hyp: Hyp) -> None:
    hyp.msr("ICH_LR0_EL2", lr(1022, 0x80))
    assert hyp.v.virtual_acknowledge() == 1022
    assert hyp.state(0) == INVALID and hyp.v.virtual_running_priority() == 0xFF


def test_eoi_maintenance(hyp: Hyp) -> None:
    hyp.msr("ICH_LR1_EL2", lr(40, 0x80) | LR_EOI)
    assert hyp.mrs("ICH_ELRSR_EL2") == 0b1101 and hyp.mrs("ICH_EISR_EL2") == 0
    assert hyp.v.virtual_acknowledge() == 40
    assert not hyp.v.maintenance.level
    hyp.v.virtual_eoi(40)
    assert hyp.mrs("ICH_EISR_EL2") == 0b10 and hyp.mrs("ICH_ELRSR_EL2") == 0b1101
    assert hyp.mrs("ICH_MISR_EL2") == MISR_EOI and hyp.v.maintenance.level
    hyp.msr("ICH_HCR_EL2", 0)  # En = 0 masks the maintenance interrupt
    assert not hyp.v.maintenance.level and hyp.mrs("ICH_MISR_EL2") == MISR_EOI
    hyp.msr("ICH_HCR_EL2", HCR_EN)
    hyp.msr("ICH_LR1_EL2", 0)
    assert not hyp.v.maintenance.level and hyp.mrs("ICH_EISR_EL2") == 0


def test_underflow_and_no_pending_maintenance(hyp: Hyp) -> None:
    hyp.msr("ICH_LR0_EL2", lr(40, 0x80))
    hyp.msr("ICH_LR1_EL2", lr(41, 0x90))
    hyp.msr("ICH_HCR_EL2", HCR_EN | HCR_UIE | HCR_NPIE)
    assert hyp.mrs("ICH_MISR_EL2") == 0 and not hyp.v.maintenance.level
    hyp.msr("ICH_LR1_EL2", 0)  # one valid list register left: underflow
    assert hyp.mrs("ICH_MISR_EL2") == MISR_U and hyp.v.maintenance.level
    assert hyp.v.virtual_acknowledge() == 40  # nothing pending any more
    assert hyp.mrs("ICH_MISR_EL2") == MISR_U | MISR_NP


def test_lrenp_maintenance(hyp: Hyp) -> None:
    hyp.msr("ICH_HCR_EL2", HCR_EN | HCR_LRENPIE)
    hyp.msr("ICH_AP1R0_EL2", 1)
    assert not hyp.v.maintenance.level
    hyp.v.virtual_eoi(60)
    assert hyp.mrs("ICH_MISR_EL2") == MISR_LRENP and hyp.v.maintenance.level
    hyp.msr("ICH_HCR_EL2", HCR_EN | HCR_LRENPIE)  # the hypervisor clears EOIcount
    assert not hyp.v.maintenance.level


def test_group_enable_maintenance(hyp: Hyp) -> None:
    hyp.msr("ICH_HCR_EL2", HCR_EN | HCR_VGRP1EIE | HCR_VGRP1DIE)
    assert hyp.mrs("ICH_MISR_EL2") == MISR_VGRP1E
    hyp.v.set_virtual_igrpen1(0)
    assert hyp.mrs("ICH_MISR_EL2") == MISR_VGRP1D and hyp.v.maintenance.level


def test_maintenance_drives_ppi_25(hyp: Hyp) -> None:
    hyp.v.maintenance.connect(hyp.gic.line(25).set)
    hyp.msr("ICH_HCR_EL2", HCR_EN | HCR_UIE)
    assert hyp.gic.irqs[25].pending
    hyp.msr("ICH_HCR_EL2", HCR_EN)
    assert not hyp.gic.irqs[25].pending


def test_reset_clears_state(hyp: Hyp) -> None:
    hyp.msr("ICH_LR0_EL2", lr(40, 0x80))
    hyp.msr("ICH_HCR_EL2", HCR_EN | HCR_UIE)
    hyp.v.reset()
    assert hyp.mrs("ICH_LR0_EL2") == 0 and hyp.mrs("ICH_HCR_EL2") == 0
    assert not hyp.v.virq_out.level and not hyp.v.maintenance.level
