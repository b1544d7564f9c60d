// debug_step: software step (Arm ARM D2, "Software Step exceptions"; AArch64.SoftwareStepException,
// the step state machine of MDSCR_EL1.SS and PSTATE.SS), with the OS lock released.
// Checks, at EL1 with MDSCR_EL1.SS and KDE:
//   PSTATE.D cleared with PSTATE.SS = 0 (active-pending): the exception comes before the next
//   instruction, ESR_EL1 = 0xce000022 (EC 0x33, IL, ISV 0, IFSC 0x22), ELR = that instruction.
//   The handler returns with SPSR.SS = 1 (active-not-pending): one instruction runs, then
//   ESR_EL1 = 0xcf000022 (ISV 1), ELR = the next one; after a stepped LDXR EX = 1: 0xcf000062.
//   Returning with SPSR.D set ends stepping at EL1 (debug exceptions masked at the target EL).
//   From EL0 (ERET with SPSR.SS = 1): one instruction, then EC 0x32 (a lower EL), 0xcb000022,
//   vector 0x400; the handler clears MDSCR_EL1.SS and the rest of EL0 runs unstepped.
    .include "lib.S"
    .equ MDSCR_SS_KDE, 0x2001
    .equ MDSCR_KDE, 0x2000
    .equ PSTATE_SS, 0x200000
    EL2_INIT
    SET_VBAR 1, ds_vt1
    ERET_TO 2, ds_el1, (SPSR_EL1H + SPSR_DAIF)
ds_el1:
    OS_UNLOCK
    ldr     x3, =0x41000000
    mov     x22, #0
    ldr     x0, =MDSCR_SS_KDE
    msr     s2_0_c0_c2_2, x0                // MDSCR_EL1
    isb
    PUTS    "EL1: PSTATE.D cleared\n"
    adr     x20, ds_s0
    msr     daifclr, #8
ds_s0:
    mov     x1, #1
    ldxr    x2, [x3]
    add     x1, x1, #1
    msr     daifset, #8
    PRINT_REG X1, x1
    PRINT_REG STEPS, x22
    PUTS    "EL0\n"
    adr     x20, ds_e0
    ERET_TO 1, ds_e0, (SPSR_EL0T + PSTATE_SS)
ds_e0:
    mov     x4, #4
    mov     x5, #5
    svc     #0
    PUTS    "FAIL: still running\n"
    POWER_OFF

ds_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15
    b.eq    ds_done                         // svc #0 from EL0: the end
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x10, elr_el1
    sub     x10, x10, x20
    PRINT_REG ELR_EL1_MINUS_START, x10
    add     x22, x22, #1
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x32
    b.eq    ds_stop                         // from EL0: stepping off
    mrs     x10, spsr_el1
    cmp     x22, #4
    b.eq    ds_mask
    orr     x10, x10, #PSTATE_SS            // step the next instruction
    msr     spsr_el1, x10
    eret
ds_mask:
    orr     x10, x10, #0x200                // SPSR.D: no more stepping at EL1
    msr     spsr_el1, x10
    eret
ds_stop:
    ldr     x10, =MDSCR_KDE
    msr     s2_0_c0_c2_2, x10
    isb
    eret
ds_done:
    PRINT_REG X4, x4
    PRINT_REG X5, x5
    PUTS    "done\n"
    POWER_OFF

    VECTOR_TABLE ds_vt1, ds_handler1
