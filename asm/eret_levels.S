// eret_levels: EL2h -> EL1h -> EL0t by ERET, then back up by SVC (EL0 -> EL1) and HVC (EL1 -> EL2).
// Checks (Arm ARM D1.x exception return / AArch64.ExceptionReturn, AArch64.TakeException):
// - ERET with SPSR_EL2.M = 0b0101 (EL1h) enters EL1 with SP_EL1 (CurrentEL = 0x4, SPSel = 1);
//   HCR_EL2.RW = 1 is needed for an AArch64 EL1 (QEMU resets HCR_EL2 to 0).
// - ERET with SPSR_EL1.M = 0b0000 enters EL0t.
// - SVC from EL0 -> EL1, vector VBAR_EL1 + 0x400 (lower EL, AArch64, synchronous); SPSR_EL1 =
//   the EL0 PSTATE: NZCV = 0x8 (N), DAIF = 0xf as set by the ERET, M = EL0t -> 0x800003c0.
//   ESR_EL1 = EC 0x15 (SVC64), IL = 1, ISS = imm16 0x10 -> 0x56000010.
// - HVC from EL1h -> EL2, vector VBAR_EL2 + 0x400; SPSR_EL2 = NZCV 0x4 (Z), DAIF = 0xf (masked
//   by the exception entry to EL1), M = EL1h -> 0x400003c5. ESR_EL2 = EC 0x16 (HVC64), IL = 1,
//   imm16 0x20 -> 0x5a000020.
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, el_vt2
    SET_VBAR 1, el_vt1
    PUTS    "at EL2\n"
    PRINT_SYSREG CurrentEL, currentel
    PRINT_SYSREG SPSel, spsel
    ERET_TO 2, el_at_el1, (SPSR_EL1H + SPSR_DAIF)
el_at_el1:
    PUTS    "at EL1 after eret\n"
    PRINT_SYSREG CurrentEL, currentel
    PRINT_SYSREG SPSel, spsel
    PRINT_SYSREG DAIF, daif
    ERET_TO 1, el_at_el0, (SPSR_EL0T + SPSR_DAIF)
el_at_el0:
    PUTS    "at EL0 after eret\n"     // EL0 may use the UART: MMU off, accesses allowed
    SET_NZCV 0x80000000
    svc     #0x10
    PUTS    "FAIL: svc returned\n"
    POWER_OFF

el_handler1:                        // EL1 vectors
    PUTS    "svc taken to EL1\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG CurrentEL, currentel
    PRINT_SYSREG SPSel, spsel
    PRINT_SYSREG SPSR_EL1, spsr_el1
    PRINT_SYSREG ESR_EL1, esr_el1
    SET_NZCV 0x40000000
    hvc     #0x20
    PUTS    "FAIL: hvc returned\n"
    POWER_OFF

el_handler2:                        // EL2 vectors
    PUTS    "hvc taken to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG CurrentEL, currentel
    PRINT_SYSREG SPSel, spsel
    PRINT_SYSREG SPSR_EL2, spsr_el2
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

    VECTOR_TABLE el_vt1, el_handler1
    VECTOR_TABLE el_vt2, el_handler2
