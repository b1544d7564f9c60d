"""The ID registers of the HCR_EL2.TID3 group (op0 = 3, op1 = 0, CRn = 0, CRm = 1 to 7): every
encoding of that space is emulated here with a fixed value that describes what emu implements,
not what Unicorn's Cortex-A57 model says. Software probing a FEAT_* takes its fallback path only
if a feature emu does not emulate reads as absent (Arm ARM D23.2 "ID registers"; the values and
the reason for each are in docs/idregs.md, and tests/sysreg/test_idregs.py reads each one from a
guest).

- The AArch64 registers keep the Cortex-A57's values (QEMU 7.2's, which Unicorn's model shares,
  docs/qemu.md) except ID_AA64PFR0_EL1 (AArch64 only at EL0-EL2, no EL3: emu has no AArch32 and
  no EL3) and ID_AA64DFR0_EL1.PMUVer (the PMU emu implements: PMUv3p1, or PMUv3p5 with the
  option). The A57's other fields already say "absent" for every later feature: no SVE, SME,
  MTE, BTI, SSBS, RAS, AMU, SEL2, DIT, CSV2/3 (PFR0/PFR1/ZFR0/SMFR0), no PAuth, LRCPC, atomics,
  RDM, DotProd... (ISAR0 has AES/PMULL, SHA1, SHA2, CRC32 only: Unicorn executes them), no SPE,
  TRBE, BRBE (DFR0), no HAFDBS, VMID16, VHE, HPDS, LOR, PAN, XNX, UAO, CnP, TTL, NV (MMFR1/2).
- The AArch32 registers (ID_PFR0_EL1 ... MVFR2_EL1) read 0: no Exception level can use AArch32
  on emu's core, where the Arm ARM makes their values UNKNOWN; 0 says that every AArch32
  feature is absent (Unicorn's model would describe the A57's AArch32 support).
- Every other encoding of the space is reserved (or a register of a later architecture) and
  reads as 0 (RAZ), as the Arm ARM requires for the ID space.

Not here (left to Unicorn, checked by the same test): MIDR_EL1 and MPIDR_EL1 (EL1 reads
VPIDR_EL2/VMPIDR_EL2), REVIDR_EL1, AIDR_EL1, CLIDR_EL1, CTR_EL0, DCZID_EL0.

Access (the registers' "Accessing" pseudocode, no FEAT_IDST): UNDEFINED at EL0; from EL1 trapped
to EL2 by HCR_EL2.TID3 (EC 0x18); always allowed at EL2. Writes are UNDEFINED (read-only).
"""

from __future__ import annotations

from emu.sysreg.desc import AccessContext, Decision, SysReg, wi

ID_AA64PFR0_EL1 = (3, 0, 0, 4, 0)
ID_AA64DFR0_EL1 = (3, 0, 0, 5, 0)
HCR_TID3 = 1 << 18

# ID_AA64DFR0_EL1: QEMU's Cortex-A57 value 0x10305106 (DebugVer v8, 6 breakpoints, 4 watchpoints,
# 2 context-aware breakpoints, PMUVer = 1) with PMUVer = the PMU emu implements.
PMUVER_SHIFT = 8
PMUVER_V3P1 = 0b0100  # FEAT_PMUv3p1: MDCR_EL2.HPMD, 16-bit event numbers
PMUVER_V3P5 = 0b0110  # FEAT_PMUv3p5: 64-bit event counters (PMCR_EL0.LP, MDCR_EL2.HLP, HCCD)
_DFR0_A57 = 0x1030_5106


def dfr0(pmuv3p5: bool = False) -> int:
    return _DFR0_A57 & ~(0xF << PMUVER_SHIFT) | (PMUVER_V3P5 if pmuv3p5 else PMUVER_V3P1) << PMUVER_SHIFT


DFR0 = dfr0(False)  # 0x1030_5406

# The Cortex-A57's AArch64 ID registers as Unicorn (and QEMU 7.2) report them, by name: the ones
# not listed read 0. ISAR0: AES (with PMULL), SHA1, SHA2, CRC32. MMFR0: PARange 44 bits, 16-bit
# ASIDs, mixed-endian, 4 KiB and 64 KiB granules (not 16 KiB).
A57_VALUES = {
    "ID_AA64ISAR0_EL1": 0x0001_1120,
    "ID_AA64MMFR0_EL1": 0x0000_1124,
}

# The named registers of the space (Arm ARM), by (CRm, op2).
NAMES = {
    (1, 0): "ID_PFR0_EL1", (1, 1): "ID_PFR1_EL1", (1, 2): "ID_DFR0_EL1", (1, 3): "ID_AFR0_EL1",
    (1, 4): "ID_MMFR0_EL1", (1, 5): "ID_MMFR1_EL1", (1, 6): "ID_MMFR2_EL1", (1, 7): "ID_MMFR3_EL1",
    (2, 0): "ID_ISAR0_EL1", (2, 1): "ID_ISAR1_EL1", (2, 2): "ID_ISAR2_EL1", (2, 3): "ID_ISAR3_EL1",
    (2, 4): "ID_ISAR4_EL1", (2, 5): "ID_ISAR5_EL1", (2, 6): "ID_MMFR4_EL1", (2, 7): "ID_ISAR6_EL1",
    (3, 0): "MVFR0_EL1", (3, 1): "MVFR1_EL1", (3, 2): "MVFR2_EL1", (3, 4): "ID_PFR2_EL1",
    (3, 5): "ID_DFR1_EL1", (3, 6): "ID_MMFR5_EL1",
    (4, 0): "ID_AA64PFR0_EL1", (4, 1): "ID_AA64PFR1_EL1", (4, 2): "ID_AA64PFR2_EL1",
    (4, 4): "ID_AA64ZFR0_EL1", (4, 5): "ID_AA64SMFR0_EL1", (4, 7): "ID_AA64FPFR0_EL1",
    (5, 0): "ID_AA64DFR0_EL1", (5, 1): "ID_AA64DFR1_EL1", (5, 2): "ID_AA64DFR2_EL1",
    (5, 4): "ID_AA64AFR0_EL1", (5, 5): "ID_AA64AFR1_EL1",
    (6, 0): "ID_AA64ISAR0_EL1", (6, 1): "ID_AA64ISAR1_EL1", (6, 2): "ID_AA64ISAR2_EL1",
    (6, 3): "ID_AA64ISAR3_EL1",
    (7, 0): "ID_AA64MMFR0_EL1", (7, 1): "ID_AA64MMFR1_EL1", (7, 2): "ID_AA64MMFR2_EL1",
    (7, 3): "ID_AA64MMFR3_EL1", (7, 4): "ID_AA64MMFR4_EL1",
}


def pfr0(el2_present: bool, gic_sysregs: bool = False) -> int:
    """EL0, EL1 (and EL2 when present): AArch64 only; EL3 not implemented; FP and AdvSIMD
    implemented (0b0000); GIC system registers per `gic_sysregs`."""
    return 0x11 | (0x100 if el2_present else 0) | (0x0100_0000 if gic_sysregs else 0)


def values(el2_present: bool, gic_sysregs: bool = False, pmuv3p5: bool = False) -> dict[str, int]:
    """The value of every named register of the space (the reserved encodings read 0)."""
    out = {name: 0 for name in NAMES.values()}
    out.update(A57_VALUES)
    out["ID_AA64PFR0_EL1"] = pfr0(el2_present, gic_sysregs)
    out["ID_AA64DFR0_EL1"] = dfr0(pmuv3p5)
    return out


def _access(ctx: AccessContext) -> Decision:
    if ctx.el == 0:
        return Decision.UNDEFINED
    if ctx.el == 1 and ctx.hcr_el2 & HCR_TID3:
        return Decision.TRAP_EL2
    return Decision.OK


def _constant(name: str, encoding: tuple[int, int, int, int, int], value: int) -> SysReg:
    return SysReg(name, encoding, value, _access, lambda ctx: value, wi, read_only=True)


def build(el2_present: bool, gic_sysregs: bool = False, pmuv3p5: bool = False) -> tuple[SysReg, ...]:
    """Every encoding of the TID3 space: the named registers, and S3_0_C0_C<m>_<op2> RAZ."""
    named = values(el2_present, gic_sysregs, pmuv3p5)
    regs = []
    for crm in range(1, 8):
        for op2 in range(8):
            name = NAMES.get((crm, op2), f"S3_0_C0_C{crm}_{op2}")
            regs.append(_constant(name, (3, 0, 0, crm, op2), named.get(name, 0)))
    return tuple(regs)
