// undef: instructions that are UNDEFINED, taken as EC 0x00 ("unknown reason").
// Checks (Arm ARM: ESR_ELx.EC = 0b000000 for UNDEFINED instructions, IL = 1, ISS = 0 ->
// ESR = 0x02000000; ELR = the UNDEFINED instruction itself; the exception goes to EL1 from EL1
// and from EL0 when HCR_EL2.TGE = 0):
//   EL1: UDF #0x1234 (0x00001234)                       -> EL1 0x200
//   EL1: unallocated encoding 0x06000000 (op0 = 0b0011) -> EL1 0x200
//   EL1: mrs x0, hcr_el2 (EL2 register at EL1)          -> EL1 0x200
//   EL0: UDF #0x0                                       -> EL1 0x400
//   EL0: hvc #0 (HVC is UNDEFINED at EL0)               -> EL1 0x400
//   EL0: smc #0 (SMC is UNDEFINED at EL0)               -> EL1 0x400
//   EL0: eret (UNDEFINED at EL0)                        -> EL1 0x400
//   EL0: mrs x0, sctlr_el1 (EL1 register at EL0)        -> EL1 0x400
// The EL1 handler prints VECTOR, ESR_EL1, ELR_EL1 (relative to the label of the instruction)
// and skips the instruction.
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, ud_vt2
    SET_VBAR 1, ud_vt1
    ERET_TO 2, ud_el1, (SPSR_EL1H + SPSR_DAIF)
ud_el1:
    PUTS    "EL1 udf #0x1234\n"
    adr     x20, ud_i1
ud_i1:
    .word   0x00001234              // UDF #0x1234
    PUTS    "EL1 unallocated 0x06000000\n"
    adr     x20, ud_i2
ud_i2:
    .word   0x06000000
    PUTS    "EL1 mrs x0, hcr_el2\n"
    adr     x20, ud_i3
ud_i3:
    mrs     x0, hcr_el2
    ERET_TO 1, ud_el0, (SPSR_EL0T + SPSR_DAIF)
ud_el0:
    PUTS    "EL0 udf #0\n"
    adr     x20, ud_i4
ud_i4:
    .word   0x00000000              // UDF #0
    PUTS    "EL0 hvc #0\n"
    adr     x20, ud_i5
ud_i5:
    hvc     #0
    PUTS    "EL0 smc #0\n"
    adr     x20, ud_i6
ud_i6:
    smc     #0
    PUTS    "EL0 eret\n"
    adr     x20, ud_i7
ud_i7:
    eret
    PUTS    "EL0 mrs x0, sctlr_el1\n"
    adr     x20, ud_i8
ud_i8:
    mrs     x0, sctlr_el1
    PUTS    "done\n"
    svc     #0xffff
    PUTS    "FAIL: still running\n"
    POWER_OFF

ud_handler1:
    mrs     x10, esr_el1
    ldr     x11, =0x5600ffff        // svc #0xffff: power off
    cmp     x10, x11
    b.eq    ud_done
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x10, elr_el1
    sub     x10, x10, x20           // x20 = address of the instruction under test
    PRINT_REG ELR_EL1_MINUS_INSN, x10
    SKIP_INSN 1
    eret
ud_done:
    POWER_OFF

ud_handler2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

    VECTOR_TABLE ud_vt1, ud_handler1
    VECTOR_TABLE ud_vt2, ud_handler2
