// svc: SVC taken to EL1 from EL1h (current EL, SP_ELx) and from EL0 (lower EL, AArch64).
// Checks (Arm ARM: AArch64.CallSupervisor, AArch64.TakeException; ESR_EL1 D24.2.45):
// - ESR_EL1 = EC 0x15 (SVC instruction execution in AArch64) << 26 | IL (bit 25) = 1 |
//   ISS[15:0] = imm16: svc #0x1234 -> 0x56001234, svc #0xabcd -> 0x5600abcd.
// - ELR_EL1 = the instruction after the SVC (preferred return address of SVC is the next
//   instruction): label + 4.
// - SPSR_EL1 = PSTATE before the exception: EL1h with NZCV = 0x6 (Z, C), DAIF = 0xf ->
//   0x600003c5; EL0t with NZCV = 0x9 (N, V), DAIF = 0xf -> 0x900003c0.
// - Vector offsets: 0x200 (current EL with SP_ELx, synchronous) and 0x400 (lower EL using
//   AArch64, synchronous).
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, svc_vt2
    SET_VBAR 1, svc_vt1
    ERET_TO 2, svc_el1, (SPSR_EL1H + SPSR_DAIF)
svc_el1:
    PUTS    "svc #0x1234 from EL1h\n"
    SET_NZCV 0x60000000
svc_el1_insn:
    svc     #0x1234
    PUTS    "returned to EL1\n"
    ERET_TO 1, svc_el0, (SPSR_EL0T + SPSR_DAIF)
svc_el0:
    PUTS    "svc #0xabcd from EL0\n"
    SET_NZCV 0x90000000
svc_el0_insn:
    svc     #0xabcd
    PUTS    "returned to EL0\n"
    svc     #0xffff                 // ask EL1 to power off
    PUTS    "FAIL: still running\n"
    POWER_OFF

svc_handler1:
    mrs     x10, esr_el1
    and     x10, x10, #0xffff
    ldr     x11, =0xffff
    cmp     x10, x11
    b.eq    svc_done
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x10, elr_el1
    mrs     x11, spsr_el1
    and     x11, x11, #0xf          // M[3:0] = 0 for EL0t: pick the right reference label
    cbz     x11, svc_from_el0
    PRINT_REL ELR_EL1, x10, svc_el1_insn
    b       svc_print_spsr
svc_from_el0:
    PRINT_REL ELR_EL1, x10, svc_el0_insn
svc_print_spsr:
    PRINT_SYSREG SPSR_EL1, spsr_el1
    eret
svc_done:
    PUTS    "done\n"
    POWER_OFF                       // smc from EL1 (HCR_EL2.TSC = 0): PSCI SYSTEM_OFF

svc_handler2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

    VECTOR_TABLE svc_vt1, svc_handler1
    VECTOR_TABLE svc_vt2, svc_handler2
