"""Names and encodings (op0, op1, CRn, CRm, op2) of the system registers the core touches
(Arm ARM D23 "AArch64 System Register Descriptions")."""

from __future__ import annotations

Encoding = tuple[int, int, int, int, int]

SPSR_EL1: Encoding = (3, 0, 4, 0, 0)
ELR_EL1: Encoding = (3, 0, 4, 0, 1)
SP_EL0: Encoding = (3, 0, 4, 1, 0)
SPSR_EL2: Encoding = (3, 4, 4, 0, 0)
ELR_EL2: Encoding = (3, 4, 4, 0, 1)
SP_EL1: Encoding = (3, 4, 4, 1, 0)
ESR_EL1: Encoding = (3, 0, 5, 2, 0)
ESR_EL2: Encoding = (3, 4, 5, 2, 0)
FAR_EL1: Encoding = (3, 0, 6, 0, 0)
FAR_EL2: Encoding = (3, 4, 6, 0, 0)
VBAR_EL1: Encoding = (3, 0, 12, 0, 0)
VBAR_EL2: Encoding = (3, 4, 12, 0, 0)
HCR_EL2: Encoding = (3, 4, 1, 1, 0)
SCR_EL3: Encoding = (3, 6, 1, 1, 0)
SCTLR_EL1: Encoding = (3, 0, 1, 0, 0)
SCTLR_EL2: Encoding = (3, 4, 1, 0, 0)

SPSR = {1: SPSR_EL1, 2: SPSR_EL2}
ELR = {1: ELR_EL1, 2: ELR_EL2}
ESR = {1: ESR_EL1, 2: ESR_EL2}
FAR = {1: FAR_EL1, 2: FAR_EL2}
VBAR = {1: VBAR_EL1, 2: VBAR_EL2}

# HCR_EL2 bits (D23.2.53)
HCR_VM, HCR_FMO, HCR_IMO, HCR_AMO = 1 << 0, 1 << 3, 1 << 4, 1 << 5
HCR_TWI, HCR_TWE, HCR_TSC, HCR_TVM = 1 << 13, 1 << 14, 1 << 19, 1 << 26
HCR_TGE, HCR_HCD, HCR_TRVM, HCR_RW = 1 << 27, 1 << 29, 1 << 30, 1 << 31

# SCR_EL3 value used by the emulated firmware: NS, RES1 bits 5:4, HCE (HVC enabled), RW (EL2 AArch64).
SCR_EL3_NS_HCE_RW = 0x531

# The registers HCR_EL2.TVM traps on write and TRVM traps on read (D23.2.53, "TVM"/"TRVM").
VM_CONTROL_REGISTERS: dict[Encoding, str] = {
    SCTLR_EL1: "SCTLR_EL1",
    (3, 0, 2, 0, 0): "TTBR0_EL1",
    (3, 0, 2, 0, 1): "TTBR1_EL1",
    (3, 0, 2, 0, 2): "TCR_EL1",
    ESR_EL1: "ESR_EL1",
    FAR_EL1: "FAR_EL1",
    (3, 0, 5, 1, 0): "AFSR0_EL1",
    (3, 0, 5, 1, 1): "AFSR1_EL1",
    (3, 0, 10, 2, 0): "MAIR_EL1",
    (3, 0, 10, 3, 0): "AMAIR_EL1",
    (3, 0, 13, 0, 1): "CONTEXTIDR_EL1",
}


def name(enc: Encoding) -> str:
    """The generic S<op0>_<op1>_C<n>_C<m>_<op2> name of an encoding."""
    op0, op1, crn, crm, op2 = enc
    return f"S{op0}_{op1}_C{crn}_C{crm}_{op2}"

# The Cortex-A57's self-hosted debug resources (ID_AA64DFR0_EL1.BRPs + 1 and WRPs + 1).
BREAKPOINTS, WATCHPOINTS = 6, 4
