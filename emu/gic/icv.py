"""The ICV_* view (IHI 0069, "Virtual CPU interface"): at EL1 with HCR_EL2.IMO set, the ICC_*
Group 1 encodings reach the virtual CPU interface instead of the physical one. This module maps
each encoding to the VirtualCpuInterface operation behind it, and says which EL1 accesses the
ICH_HCR_EL2 trap bits send to EL2; the machine consults it before the sysreg router."""

from __future__ import annotations

from typing import Callable

from emu.gic.vcpuif import HCR_TALL1, HCR_TC, HCR_TDIR, VirtualCpuInterface

Encoding = tuple[int, int, int, int, int]
ICC_PMR_EL1 = (3, 0, 4, 6, 0)
ICC_DIR_EL1 = (3, 0, 12, 11, 1)
ICC_RPR_EL1 = (3, 0, 12, 11, 3)
ICC_AP1R0_EL1 = (3, 0, 12, 9, 0)
ICC_IAR1_EL1 = (3, 0, 12, 12, 0)
ICC_EOIR1_EL1 = (3, 0, 12, 12, 1)
ICC_HPPIR1_EL1 = (3, 0, 12, 12, 2)
ICC_BPR1_EL1 = (3, 0, 12, 12, 3)
ICC_CTLR_EL1 = (3, 0, 12, 12, 4)
ICC_IGRPEN1_EL1 = (3, 0, 12, 12, 7)
ICC_SGI1R_EL1 = (3, 0, 12, 11, 5)
ICC_ASGI1R_EL1 = (3, 0, 12, 11, 6)
ICC_SGI0R_EL1 = (3, 0, 12, 11, 7)

# The ICH_HCR_EL2 trap bits (IHI 0069 ICH_HCR_EL2) TC, TALL1 and TDIR, and the registers each traps
# (TALL0 would trap the Group 0 registers, which emu does not implement: they stay UNDEFINED): TALL1 those for Group 1 interrupts, TC those common to both
# groups (with the SGI generation registers), TDIR writes to ICC_DIR_EL1.
GROUP1 = frozenset({ICC_IAR1_EL1, ICC_EOIR1_EL1, ICC_HPPIR1_EL1, ICC_BPR1_EL1, ICC_IGRPEN1_EL1}
                   | {(3, 0, 12, 9, n) for n in range(4)})
COMMON = frozenset({ICC_CTLR_EL1, ICC_DIR_EL1, ICC_PMR_EL1, ICC_RPR_EL1, ICC_SGI1R_EL1, ICC_ASGI1R_EL1,
                    ICC_SGI0R_EL1})


def trapped(ich_hcr: int, encoding: Encoding, is_read: bool) -> bool:
    """Whether an EL1 access (with HCR_EL2.IMO or FMO set, as QEMU's gicv3_*_access checks)
    to `encoding` traps to EL2 under ICH_HCR_EL2."""
    return bool(ich_hcr & HCR_TALL1 and encoding in GROUP1
                or ich_hcr & HCR_TC and encoding in COMMON
                or ich_hcr & HCR_TDIR and encoding == ICC_DIR_EL1 and not is_read)


def reads(v: VirtualCpuInterface) -> dict[Encoding, Callable[[], int]]:
    """MRS of an ICV register: the value (IAR1 also acknowledges)."""
    return {
        ICC_IAR1_EL1: v.virtual_acknowledge,
        ICC_HPPIR1_EL1: v.virtual_hppi,
        ICC_RPR_EL1: v.virtual_running_priority,
        ICC_PMR_EL1: v.virtual_pmr,
        ICC_BPR1_EL1: v.virtual_bpr1,
        ICC_CTLR_EL1: v.virtual_ctlr,
        ICC_IGRPEN1_EL1: v.virtual_igrpen1,
        ICC_AP1R0_EL1: lambda: v.ap1r(0),
    }


def writes(v: VirtualCpuInterface) -> dict[Encoding, Callable[[int], None]]:
    """MSR to an ICV register."""
    return {
        ICC_EOIR1_EL1: v.virtual_eoi,
        ICC_DIR_EL1: v.virtual_deactivate,
        ICC_PMR_EL1: v.set_virtual_pmr,
        ICC_BPR1_EL1: v.set_virtual_bpr1,
        ICC_CTLR_EL1: v.set_virtual_ctlr,
        ICC_IGRPEN1_EL1: v.set_virtual_igrpen1,
        ICC_AP1R0_EL1: lambda value: v.set_ap1r(0, value),
    }
