"""ID registers that must describe what emu implements, not what Unicorn's Cortex-A57 model
says (it claims EL3 and AArch32 at EL0-EL2, and a v8.0 PMU): software probing features takes
its fallback path only if absent features read as absent (Arm ARM D23.2.64 ID_AA64PFR0_EL1,
D23.2.57 ID_AA64DFR0_EL1). The other ID registers keep Unicorn's values.

Access (the registers' "Accessing" pseudocode, no FEAT_IDST): UNDEFINED at EL0; from EL1 trapped
to EL2 by HCR_EL2.TID3 (EC 0x18); always allowed at EL2.
"""

from __future__ import annotations

from emu.sysreg.desc import AccessContext, Decision, SysReg, wi

ID_AA64PFR0_EL1 = (3, 0, 0, 4, 0)
ID_AA64DFR0_EL1 = (3, 0, 0, 5, 0)
HCR_TID3 = 1 << 18

# ID_AA64DFR0_EL1: QEMU's Cortex-A57 value 0x10305106 (DebugVer v8, 6 breakpoints, 4 watchpoints,
# 2 context-aware breakpoints) with PMUVer = 0b0100: PMUv3 for Armv8.1 (FEAT_PMUv3p1), which the
# model implements (MDCR_EL2.HPMD, 16-bit event numbers).
DFR0 = 0x1030_5406


def pfr0(el2_present: bool, gic_sysregs: bool = False) -> int:
    """EL0, EL1 (and EL2 when present): AArch64 only; EL3 not implemented; FP and AdvSIMD
    implemented (0b0000); GIC system registers per `gic_sysregs`."""
    return 0x11 | (0x100 if el2_present else 0) | (0x0100_0000 if gic_sysregs else 0)


def _access(ctx: AccessContext) -> Decision:
    if ctx.el == 0:
        return Decision.UNDEFINED
    if ctx.el == 1 and ctx.hcr_el2 & HCR_TID3:
        return Decision.TRAP_EL2
    return Decision.OK


def _constant(name: str, encoding: tuple[int, int, int, int, int], value: int) -> SysReg:
    return SysReg(name, encoding, value, _access, lambda ctx: value, wi, read_only=True)


def build(el2_present: bool, gic_sysregs: bool = False) -> tuple[SysReg, ...]:
    return (
        _constant("ID_AA64PFR0_EL1", ID_AA64PFR0_EL1, pfr0(el2_present, gic_sysregs)),
        _constant("ID_AA64DFR0_EL1", ID_AA64DFR0_EL1, DFR0),
    )
