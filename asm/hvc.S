// hvc: HVC from EL1h to EL2 (lower EL) and from EL2h to EL2 (current EL).
// Checks (Arm ARM: AArch64.CallHypervisor, AArch64.TakeException; ESR_EL2 D24.2.46):
// - ESR_EL2 = EC 0x16 (HVC instruction execution in AArch64) << 26 | IL = 1 | ISS[15:0] =
//   imm16: hvc #0x5a5a -> 0x5a005a5a, hvc #0x0001 -> 0x5a000001.
// - ELR_EL2 = the instruction after the HVC (preferred return address: next instruction).
// - SPSR_EL2: EL1h, NZCV = 0x2 (C), DAIF = 0xf -> 0x200003c5; EL2h, NZCV = 0x1 (V), DAIF = 0xf
//   -> 0x100003c9.
// - Vector offsets: 0x400 from EL1 (lower EL, AArch64), 0x200 from EL2h (current EL, SP_ELx).
// - x0 is not a PSCI function ID: with QEMU's SMC conduit, HVC is an ordinary exception.
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, hvc_vt2
    PUTS    "hvc #0x1 from EL2h\n"
    mov     x0, #0
    SET_NZCV 0x10000000
hvc_el2_insn:
    hvc     #0x1
    PUTS    "returned to EL2\n"
    ERET_TO 2, hvc_el1, (SPSR_EL1H + SPSR_DAIF)
hvc_el1:
    PUTS    "hvc #0x5a5a from EL1h\n"
    mov     x0, #0
    SET_NZCV 0x20000000
hvc_el1_insn:
    hvc     #0x5a5a
    PUTS    "returned to EL1\n"
    hvc     #0xffff                 // ask EL2 to power off
    PUTS    "FAIL: still running\n"
    POWER_OFF

hvc_handler2:
    mrs     x10, esr_el2
    and     x10, x10, #0xffff
    ldr     x11, =0xffff
    cmp     x10, x11
    b.eq    hvc_done
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    mrs     x10, elr_el2
    mrs     x11, spsr_el2
    and     x11, x11, #0xf
    cmp     x11, #SPSR_EL2H
    b.eq    hvc_from_el2
    PRINT_REL ELR_EL2, x10, hvc_el1_insn
    b       hvc_print_spsr
hvc_from_el2:
    PRINT_REL ELR_EL2, x10, hvc_el2_insn
hvc_print_spsr:
    PRINT_SYSREG SPSR_EL2, spsr_el2
    eret
hvc_done:
    PUTS    "done\n"
    POWER_OFF

    VECTOR_TABLE hvc_vt2, hvc_handler2
