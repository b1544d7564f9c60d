// sysreg_trap: EL1 accesses to virtual-memory control registers trapped to EL2 by HCR_EL2.TVM
// (writes) and HCR_EL2.TRVM (reads).
// Checks (Arm ARM: ESR_EL2 D24.2.46, "ISS encoding for an exception from MSR, MRS, or System
// instruction execution in AArch64 state": Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10],
// Rt [9:5], CRm [4:1], Direction [0] = 0 write (MSR) / 1 read (MRS); EC = 0x18, IL = 1;
// ELR_EL2 = the trapped instruction; vector 0x400 at EL2):
//   TVM:  msr sctlr_el1, x5     (3,0,c1,c0,0)  -> ISS 0x3004a0 -> ESR_EL2 0x623004a0
//   TVM:  msr mair_el1, x3      (3,0,c10,c2,0) -> ISS 0x302864 -> ESR_EL2 0x62302864
//   TVM does not trap reads:   mrs x6, sctlr_el1 reads the old value (the trapped write was
//                               not performed): 0x30d00800
//   TRVM: mrs x7, ttbr0_el1     (3,0,c2,c0,0)  -> ISS 0x3008e1 -> ESR_EL2 0x623008e1
//   TRVM: mrs xzr, contextidr_el1 (3,0,c13,c0,1) -> ISS 0x3237e1 (Rt = 31) -> 0x623237e1
//   TRVM does not trap writes: msr ttbr0_el1, x8 is performed (read back after the traps are
//                               removed): 0x0000000041230000
// The EL2 handler prints ESR_EL2 and ELR_EL2 and skips the instruction (ELR_EL2 + 4).
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, sr_vt2
    SET_VBAR 1, sr_vt1
    msr     ttbr0_el1, xzr
    SET_HCR (HCR_RW + HCR_TVM)
    ERET_TO 2, sr_el1, (SPSR_EL1H + SPSR_DAIF)
sr_el1:
    PUTS    "HCR_EL2.TVM=1: msr sctlr_el1, x5\n"
    ldr     x5, =(SCTLR_EL1_RES1 + 0x1000)
    adr     x20, sr_i1
sr_i1:
    msr     sctlr_el1, x5
    PUTS    "HCR_EL2.TVM=1: msr mair_el1, x3\n"
    ldr     x3, =0xff
    adr     x20, sr_i2
sr_i2:
    msr     mair_el1, x3
    PUTS    "HCR_EL2.TVM=1: mrs x6, sctlr_el1 (not trapped)\n"
    mrs     x6, sctlr_el1
    PRINT_REG SCTLR_EL1, x6
    hvc     #1                      // EL2: HCR_EL2 = RW + TRVM
    PUTS    "HCR_EL2.TRVM=1: mrs x7, ttbr0_el1\n"
    adr     x20, sr_i3
sr_i3:
    mrs     x7, ttbr0_el1
    PUTS    "HCR_EL2.TRVM=1: mrs xzr, contextidr_el1\n"
    adr     x20, sr_i4
sr_i4:
    mrs     xzr, contextidr_el1
    PUTS    "HCR_EL2.TRVM=1: msr ttbr0_el1, x8 (not trapped)\n"
    ldr     x8, =0x41230000
    msr     ttbr0_el1, x8
    hvc     #2                      // EL2: HCR_EL2 = RW
    mrs     x8, ttbr0_el1
    PRINT_REG TTBR0_EL1, x8
    PUTS    "done\n"
    hvc     #0xffff
    PUTS    "FAIL: still running\n"
    POWER_OFF

sr_handler2:
    mrs     x10, esr_el2
    lsr     x11, x10, #26
    cmp     x11, #0x16              // HVC: commands from EL1
    b.eq    sr_hvc
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    mrs     x10, elr_el2
    sub     x10, x10, x20
    PRINT_REG ELR_EL2_MINUS_INSN, x10
    SKIP_INSN 2
    eret
sr_hvc:
    and     x10, x10, #0xffff
    cmp     x10, #1
    b.ne    sr_hvc_not1
    SET_HCR (HCR_RW + HCR_TRVM)
    eret
sr_hvc_not1:
    cmp     x10, #2
    b.ne    sr_hvc_not2
    SET_HCR HCR_RW
    eret
sr_hvc_not2:
    POWER_OFF

sr_handler1:
    PUTS    "FAIL: unexpected exception to EL1\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    POWER_OFF

    VECTOR_TABLE sr_vt1, sr_handler1
    VECTOR_TABLE sr_vt2, sr_handler2
