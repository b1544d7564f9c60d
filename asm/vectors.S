// vectors: which of the 16 vector slots a synchronous exception uses, at EL1 and at EL2.
// Checks (Arm ARM D1.3.x "Exception vectors", AArch64.TakeException vect_offset): offset from
// VBAR_ELx = 0x000 if taken from the current EL with SP_EL0 (ELxt), 0x200 from the current EL
// with SP_ELx (ELxh), 0x400 from a lower EL using AArch64; + 0x000 for a synchronous exception.
// The handler always runs with SP_ELx (SPSel = 1) and SPSR_ELx.M records the mode it came from:
//   EL2h hvc -> EL2 0x200, SPSR_EL2.M = 0x9    EL2t hvc -> EL2 0x000, SPSR_EL2.M = 0x8
//   EL1h svc -> EL1 0x200, SPSR_EL1.M = 0x5    EL1t svc -> EL1 0x000, SPSR_EL1.M = 0x4
//   EL1h hvc -> EL2 0x400, SPSR_EL2.M = 0x5    EL0t svc -> EL1 0x400, SPSR_EL1.M = 0x0
// Each handler prints the slot (VECTOR) and the whole SPSR (NZCV = 0, DAIF = 0xf).
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, vec_vt2
    SET_VBAR 1, vec_vt1
    PUTS    "EL2h hvc\n"
    SET_NZCV 0
    hvc     #1
    PUTS    "EL2t hvc\n"
    msr     spsel, #0               // EL2t: SP = SP_EL0
    SET_NZCV 0
    hvc     #2
    msr     spsel, #1
    ERET_TO 2, vec_el1, (SPSR_EL1H + SPSR_DAIF)
vec_el1:
    PUTS    "EL1h svc\n"
    SET_NZCV 0
    svc     #3
    PUTS    "EL1t svc\n"
    msr     spsel, #0               // EL1t
    SET_NZCV 0
    svc     #4
    msr     spsel, #1
    PUTS    "EL1h hvc\n"
    SET_NZCV 0
    hvc     #5
    ERET_TO 1, vec_el0, (SPSR_EL0T + SPSR_DAIF)
vec_el0:
    PUTS    "EL0t svc\n"
    SET_NZCV 0
    svc     #6
    PUTS    "EL0t svc #0xffff\n"
    svc     #0xffff                 // EL1 powers off
    PUTS    "FAIL: still running\n"
    POWER_OFF

vec_handler1:
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG SPSR_EL1, spsr_el1
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x10, esr_el1
    and     x10, x10, #0xffff
    ldr     x11, =0xffff
    cmp     x10, x11
    b.eq    vec_done
    eret
vec_done:
    POWER_OFF

vec_handler2:
    PRINT_REG EL2_VECTOR, x17
    PRINT_SYSREG SPSR_EL2, spsr_el2
    PRINT_SYSREG ESR_EL2, esr_el2
    eret

    VECTOR_TABLE vec_vt1, vec_handler1
    VECTOR_TABLE vec_vt2, vec_handler2
