// debug_breakpoint: hardware breakpoints (Arm ARM D2, "Breakpoint exceptions"; AArch64.BreakpointMatch
// with an unlinked address match, BT = 0b0000, BAS = 0b1111).
// Checks, with the OS lock released (OSLAR_EL1 = 0) and MDSCR_EL1.MDE:
//   EL1h, KDE = 1, PSTATE.D clear, DBGBCR0 (PMC = EL1 and EL0) on `bp1`: the instruction is not
//   run; ESR_EL1 = 0xc6000022 (EC 0x31 from the current EL, IL, IFSC 0x22 debug exception),
//   ELR_EL1 = `bp1` (vector 0x200); FAR is UNKNOWN, not printed.
//   EL1h with PSTATE.D set: no breakpoint exception (debug exceptions masked at the target EL).
//   EL0, DBGBCR1 (PMC = EL0) on `bp2`: ESR_EL1 = 0xc2000022 (EC 0x30, from a lower EL), vector
//   0x400, whatever KDE and PSTATE.D say (a lower EL can always take it).
// The handler disables the breakpoint it took (DBGBCR<n> = 0) and returns to the instruction.
    .include "lib.S"
    .equ MDSCR_MDE_KDE, 0xa000
    .equ BCR_EL1_EL0, 0x1e7                 // BAS 0b1111, PMC 0b11, E
    .equ BCR_EL0, 0x1e5                     // BAS 0b1111, PMC 0b10, E
    EL2_INIT
    SET_VBAR 1, db_vt1
    ERET_TO 2, db_el1, (SPSR_EL1H + SPSR_DAIF)
db_el1:
    OS_UNLOCK
    adr     x0, db_bp1
    msr     s2_0_c0_c0_4, x0                // DBGBVR0_EL1
    ldr     x0, =BCR_EL1_EL0
    msr     s2_0_c0_c0_5, x0                // DBGBCR0_EL1
    adr     x0, db_bp2
    msr     s2_0_c0_c1_4, x0                // DBGBVR1_EL1
    ldr     x0, =BCR_EL0
    msr     s2_0_c0_c1_5, x0                // DBGBCR1_EL1
    ldr     x0, =MDSCR_MDE_KDE
    msr     s2_0_c0_c2_2, x0                // MDSCR_EL1
    isb
    PUTS    "EL1h PSTATE.D set: no breakpoint\n"
    adr     x20, db_bp1
    bl      db_bp1
    PUTS    "EL1h PSTATE.D clear\n"
    msr     daifclr, #8
    isb
    mov     x21, #0
    bl      db_bp1
    PRINT_REG X21_AFTER, x21
    msr     daifset, #8
    PUTS    "EL0\n"
    adr     x20, db_bp2
    ERET_TO 1, db_el0, SPSR_EL0T
db_el0:
    mov     x21, #0
db_bp2:
    mov     x21, #2
    PRINT_REG X21_AFTER, x21
    svc     #0
    PUTS    "FAIL: still running\n"
    POWER_OFF

db_bp1:
    mov     x21, #1
    ret

db_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15
    b.eq    db_done                         // svc #0 from EL0: the end
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x10, elr_el1
    sub     x10, x10, x20
    PRINT_REG ELR_EL1_MINUS_BP, x10
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x31
    b.ne    db_lower
    msr     s2_0_c0_c0_5, xzr               // from EL1: DBGBCR0_EL1 = 0
    isb
    eret
db_lower:
    msr     s2_0_c0_c1_5, xzr               // from EL0: DBGBCR1_EL1 = 0
    isb
    eret
db_done:
    PUTS    "done\n"
    POWER_OFF

    VECTOR_TABLE db_vt1, db_handler1
