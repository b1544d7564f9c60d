// @qemu-differs: QEMU sets ISV=1 (with SAS/SRT/SF) in ESR_EL2 for an EL2 data abort on its own access; Arm ARM (ESR_EL2 ISV): ISV is 0 except for stage 2 aborts, so ESR_EL2 = 0x96000010 / 0x96000050, not 0x97c18010 / 0x97830050 as QEMU reports
// aborts: synchronous External aborts on unmapped physical addresses with the MMU off (stage 1
// disabled: flat mapping, no permission faults, so EL0 may load, store and execute anywhere).
// Addresses: 0x0b00_0000 (a hole in QEMU's virt map) and 0x4800_0000 (just past 128 MiB of RAM).
// Checks (Arm ARM ESR_EL1/ESR_EL2 D24.2.45/46, "ISS encoding for an exception from a Data
// Abort" / "... from an Instruction Abort"; AArch64.TakeException):
//   data abort,  same EL:  EC 0x25; from EL0: EC 0x24; IL = 1; ISV = 0; EA = 0 (the EA bit is
//     an IMPLEMENTATION DEFINED classification; QEMU and emu use 0); WnR = 0 load / 1 store;
//     DFSC = 0x10 (synchronous External abort, not on a translation table walk):
//     load -> 0x96000010 (EC 0x25) / 0x92000010 (EC 0x24), store -> 0x96000050 / 0x92000050.
//     FAR = the faulting address; ELR = the load/store instruction.
//   instruction abort (blr to the address), same EL: EC 0x21 -> 0x86000010; from EL0: EC 0x20
//     -> 0x82000010; IFSC = 0x10; FAR = ELR = the branch target (the fetch that faulted).
//   ISV is 0 in all cases: in ESR_EL1 ISV is 0 for all faults except FEAT_LS64 ones, and in
//   ESR_EL2 ISV is 1 only for stage 2 aborts (an EL2 access has no stage 2).
// Vectors: EL2 0x200 for EL2's own aborts; EL1 0x200 from EL1, 0x400 from EL0.
// The handlers print VECTOR, ESR, FAR and ELR (for a data abort: ELR minus the address of the
// load/store under test, held in x20; for an instruction abort: ELR itself) and resume.
    .include "lib.S"
    .equ HOLE, 0x0b000000
    .equ PAST_RAM, 0x48000000
    EL2_INIT
    SET_VBAR 2, ab_vt2
    SET_VBAR 1, ab_vt1
    ldr     x2, =HOLE
    ldr     x4, =PAST_RAM
    PUTS    "EL2 ldr x1, [0x0b000000]\n"
    adr     x20, ab_i1
ab_i1:
    ldr     x1, [x2]
    PUTS    "EL2 str w3, [0x48000000]\n"
    adr     x20, ab_i2
ab_i2:
    str     w3, [x4]
    PUTS    "EL2 blr 0x0b000000\n"
    blr     x2
    ERET_TO 2, ab_el1, (SPSR_EL1H + SPSR_DAIF)
ab_el1:
    PUTS    "EL1 ldr x1, [0x0b000000]\n"
    adr     x20, ab_i3
ab_i3:
    ldr     x1, [x2]
    PUTS    "EL1 str w3, [0x48000000]\n"
    adr     x20, ab_i4
ab_i4:
    str     w3, [x4]
    PUTS    "EL1 blr 0x0b000000\n"
    blr     x2
    ERET_TO 1, ab_el0, (SPSR_EL0T + SPSR_DAIF)
ab_el0:
    PUTS    "EL0 ldr x1, [0x0b000000]\n"
    adr     x20, ab_i5
ab_i5:
    ldr     x1, [x2]
    PUTS    "EL0 str w3, [0x48000000]\n"
    adr     x20, ab_i6
ab_i6:
    str     w3, [x4]
    PUTS    "EL0 blr 0x0b000000\n"
    blr     x2
    PUTS    "done\n"
    svc     #0xffff
    PUTS    "FAIL: still running\n"
    POWER_OFF

// Resume: after the instruction for a data abort (ELR + 4), at the link register for an
// instruction abort (the blr's return address).
ab_handler2:
    PRINT_REG EL2_VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    PRINT_SYSREG FAR_EL2, far_el2
    mrs     x10, esr_el2
    lsr     x10, x10, #26
    cmp     x10, #0x24
    b.lo    ab_h2_iabt
    mrs     x10, elr_el2
    sub     x10, x10, x20
    PRINT_REG ELR_EL2_MINUS_INSN, x10
    SKIP_INSN 2
    eret
ab_h2_iabt:
    PRINT_SYSREG ELR_EL2, elr_el2
    msr     elr_el2, x30
    eret

ab_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15
    b.eq    ab_done                 // svc #0xffff
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    PRINT_SYSREG FAR_EL1, far_el1
    mrs     x10, esr_el1
    lsr     x10, x10, #26
    cmp     x10, #0x24
    b.lo    ab_h1_iabt
    mrs     x10, elr_el1
    sub     x10, x10, x20
    PRINT_REG ELR_EL1_MINUS_INSN, x10
    SKIP_INSN 1
    eret
ab_h1_iabt:
    PRINT_SYSREG ELR_EL1, elr_el1
    msr     elr_el1, x30
    eret
ab_done:
    POWER_OFF

    VECTOR_TABLE ab_vt1, ab_handler1
    VECTOR_TABLE ab_vt2, ab_handler2
