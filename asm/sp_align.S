// @qemu-differs: QEMU 7.2 does not implement SP alignment checking (SCTLR_ELx.SA/SA0); Arm ARM AArch64.CheckSPAlignment: a load/store using a misaligned SP as base with the check enabled raises an SP alignment fault, EC 0x26
// sp_align: SP alignment fault (SCTLR_ELx.SA for EL1/EL2, SCTLR_EL1.SA0 for EL0).
// Checks (Arm ARM: AArch64.CheckSPAlignment / AArch64.SPAlignmentFault; ESR_ELx EC 0x26 "SP
// alignment fault exception", IL = 1, ISS = 0 -> ESR = 0x9a000000; ELR_ELx = the load; FAR is
// not written (UNKNOWN), so it is not printed):
//   EL2t (SP = SP_EL0 = 0x417ffff8), SCTLR_EL2.SA = 1: ldr x0, [sp] -> EL2 0x000
//   EL1t (SP = SP_EL0 = 0x417ffff8), SCTLR_EL1.SA = 1: ldr x0, [sp] -> EL1 0x000
//   EL0  (SP = SP_EL0 = 0x417ffff8), SCTLR_EL1.SA0 = 1: ldr x0, [sp] -> EL1 0x400
//   no fault: a misaligned SP not used as a base (mov x0, sp); an aligned SP with an offset
//   that is not a multiple of 16 (ldr w0, [sp, #4]): the check is on SP, not on the address.
// Each faulting case is taken with SPSel = 1 at the target EL, whose SP_ELx is aligned; the
// handler prints VECTOR, ESR and ELR (minus the address of the load, in x20) and skips the load.
    .include "lib.S"
    .equ SCTLR_SA, 0x8
    .equ SCTLR_SA0, 0x10
    .equ SP_MISALIGNED, (STACK_EL0_TOP - 8)
    EL2_INIT
    SET_VBAR 2, spa_vt2
    SET_VBAR 1, spa_vt1
    ldr     x9, =(SCTLR_EL2_RES1 + SCTLR_SA)
    msr     sctlr_el2, x9
    ldr     x9, =(SCTLR_EL1_RES1 + SCTLR_SA + SCTLR_SA0)
    msr     sctlr_el1, x9
    isb
    ldr     x21, =SP_MISALIGNED
    ldr     x22, =STACK_EL0_TOP
    PUTS    "EL2t ldr x0, [sp] with SP=0x417ffff8\n"
    msr     spsel, #0
    mov     sp, x21
    adr     x20, spa_i1
spa_i1:
    ldr     x0, [sp]
    mov     sp, x22
    msr     spsel, #1
    PUTS    "EL2h ldr w0, [sp, #4] with SP aligned (no fault)\n"
    ldr     w0, [sp, #4]
    ERET_TO 2, spa_el1, (SPSR_EL1H + SPSR_DAIF)
spa_el1:
    PUTS    "EL1t ldr x0, [sp] with SP=0x417ffff8\n"
    msr     spsel, #0
    mov     sp, x21
    adr     x20, spa_i2
spa_i2:
    ldr     x0, [sp]
    mov     sp, x22
    msr     spsel, #1
    ERET_TO 1, spa_el0, (SPSR_EL0T + SPSR_DAIF)
spa_el0:
    PUTS    "EL0 mov x0, sp with SP=0x417ffff8 (no fault)\n"
    mov     sp, x21
    mov     x0, sp
    mov     sp, x22
    PRINT_REG X0, x0
    PUTS    "EL0 ldr x0, [sp] with SP=0x417ffff8\n"
    mov     sp, x21
    adr     x20, spa_i3
spa_i3:
    ldr     x0, [sp]
    mov     sp, x22
    PUTS    "done\n"
    svc     #0xffff
    PUTS    "FAIL: still running\n"
    POWER_OFF

spa_handler2:
    PRINT_REG EL2_VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    mrs     x10, elr_el2
    sub     x10, x10, x20
    PRINT_REG ELR_EL2_MINUS_INSN, x10
    SKIP_INSN 2
    eret

spa_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15
    b.eq    spa_done                // svc #0xffff
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x10, elr_el1
    sub     x10, x10, x20
    PRINT_REG ELR_EL1_MINUS_INSN, x10
    SKIP_INSN 1
    eret
spa_done:
    POWER_OFF

    VECTOR_TABLE spa_vt1, spa_handler1
    VECTOR_TABLE spa_vt2, spa_handler2
