// pc_align: a branch to a misaligned address (PC[1:0] != 0) raises a PC alignment fault when
// the instruction is fetched.
// Checks (Arm ARM: AArch64.PCAlignmentFault, AArch64.TakeException; ESR_ELx EC 0x22 "PC alignment
// fault exception", the same EC from the current EL and from a lower EL; IL = 1, ISS = 0 ->
// ESR = 0x8a000000; FAR_ELx = the misaligned PC; ELR_ELx = the misaligned PC):
//   EL2: blr to pa_target + 2 -> EL2 0x200
//   EL1: blr to pa_target + 2 -> EL1 0x200
//   EL0: blr to pa_target + 1 -> EL1 0x400
// FAR and ELR are printed relative to pa_target (the aligned address the branch was derived
// from). The handlers resume at the branch's return address (x30).
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, pa_vt2
    SET_VBAR 1, pa_vt1
    adr     x2, pa_target
    PUTS    "EL2 blr to pa_target+2\n"
    add     x3, x2, #2
    blr     x3
    ERET_TO 2, pa_el1, (SPSR_EL1H + SPSR_DAIF)
pa_el1:
    PUTS    "EL1 blr to pa_target+2\n"
    add     x3, x2, #2
    blr     x3
    ERET_TO 1, pa_el0, (SPSR_EL0T + SPSR_DAIF)
pa_el0:
    PUTS    "EL0 blr to pa_target+1\n"
    add     x3, x2, #1
    blr     x3
    PUTS    "done\n"
    svc     #0xffff
    PUTS    "FAIL: still running\n"
    POWER_OFF

pa_target:
    nop
    PUTS    "FAIL: pa_target executed\n"
    POWER_OFF

pa_handler2:
    PRINT_REG EL2_VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    PRINT_SYSREG_REL FAR_EL2, far_el2, pa_target
    PRINT_SYSREG_REL ELR_EL2, elr_el2, pa_target
    msr     elr_el2, x30
    eret

pa_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15
    b.eq    pa_done                 // svc #0xffff
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    PRINT_SYSREG_REL FAR_EL1, far_el1, pa_target
    PRINT_SYSREG_REL ELR_EL1, elr_el1, pa_target
    msr     elr_el1, x30
    eret
pa_done:
    POWER_OFF

    VECTOR_TABLE pa_vt1, pa_handler1
    VECTOR_TABLE pa_vt2, pa_handler2
