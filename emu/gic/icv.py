"""The ICV_* view (IHI 0069, "Virtual CPU interface"): at EL1 with HCR_EL2.IMO set, the ICC_*
Group 1 encodings reach the virtual CPU interface instead of the physical one. This module maps
each encoding to the VirtualCpuInterface operation behind it; the machine consults it before the
sysreg router."""

from __future__ import annotations

from typing import Callable

from emu.gic.vcpuif import VirtualCpuInterface

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
