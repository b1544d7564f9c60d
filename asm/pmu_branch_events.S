// @qemu-differs: QEMU does not implement events PC_WRITE_RETIRED (0x0c), BR_IMMED_RETIRED (0x0d), BR_RETURN_RETIRED (0x0e), BR_RETIRED (0x21) (PMCEID0_EL0 bits 12-14 and PMCEID1_EL0 bit 1 clear; its counters stay 0); the Arm ARM allows that (D14.6 does not require them); emu implements them
// pmu_branch_events: exact branch event counts at EL2 over a known sequence (the "exact counts"
// of issue 3, next to pmu_mem_access). Arm ARM D14.3:
//   BR_RETIRED (0x21): every branch on the architecturally executed path; "Conditional branches
//     are always counted, regardless of whether the branch is taken"; whether unconditional
//     direct branches (B, BL) count is IMPLEMENTATION DEFINED without FEAT_PMUv3p9: this PE
//     counts them (Arm recommends it).
//   BR_IMMED_RETIRED (0x0d): every architecturally executed B, B.cond, BL, CBZ/CBNZ, TBZ/TBNZ.
//   BR_RETURN_RETIRED (0x0e): every RET.
//   PC_WRITE_RETIRED (0x0c): every architecturally executed software change of the PC "that is
//     taken": "Conditional branches are only counted if the branch is taken", whatever the
//     target, including the instruction that follows the branch.
// Each count is the difference of two reads of a counter that counts all along (see
// pmu_basic_event_count); the 10 reading MRS are not branches; INST_RETIRED (read 5th of 5) also
// counts 5 of them.
// Sequence (36 instructions): BUSY_LOOP 10 (10 b.ne, 9 taken); bl + ret; b to the next
// instruction; cbz xzr to the next instruction (taken); cbz xzr over a nop (taken); cbnz xzr
// (not taken); tbz xzr, #3 to the next instruction (taken); tbnz xzr, #3 (not taken); cmp + b.eq
// to the next instruction (taken); adr + br to the next instruction; adr + blr + ret.
// Checks: PMCEID0_EL0 & 0x7000 = 0x7000, PMCEID1_EL0 & 0x2 = 0x2; BR_RETIRED 22 = 0x16,
//   BR_IMMED_RETIRED 18 = 0x12, BR_RETURN_RETIRED 2, PC_WRITE_RETIRED 19 = 0x13,
//   INST_RETIRED 41 = 0x29.
    .include "lib.S"
    .include "pmu.S"
    .equ EV_PC_WRITE_RETIRED,   0x0c
    .equ EV_BR_IMMED_RETIRED,   0x0d
    .equ EV_BR_RETURN_RETIRED,  0x0e
    .equ EV_BR_RETIRED,         0x21

// READ5 a, b, c, d, e: a-e = PMEVCNTR0-4_EL0, in that order.
.macro READ5 a, b, c, d, e
    mrs     \a, pmevcntr0_el0
    mrs     \b, pmevcntr1_el0
    mrs     \c, pmevcntr2_el0
    mrs     \d, pmevcntr3_el0
    mrs     \e, pmevcntr4_el0
.endm

    EL2_INIT
    SET_VBAR 2, br_vt2
    PMU_INIT
    mrs     x1, pmceid0_el0
    and     x1, x1, #0x7000
    PRINT_REG PMCEID0_BRANCH_EVENTS, x1
    mrs     x1, pmceid1_el0
    and     x1, x1, #0x2
    PRINT_REG PMCEID1_BR_RETIRED, x1
    ldr     x1, =(EVT_NSH + EV_BR_RETIRED)
    msr     pmevtyper0_el0, x1
    ldr     x1, =(EVT_NSH + EV_BR_IMMED_RETIRED)
    msr     pmevtyper1_el0, x1
    ldr     x1, =(EVT_NSH + EV_BR_RETURN_RETIRED)
    msr     pmevtyper2_el0, x1
    ldr     x1, =(EVT_NSH + EV_PC_WRITE_RETIRED)
    msr     pmevtyper3_el0, x1
    ldr     x1, =(EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper4_el0, x1
    mov     x1, #0x1f
    msr     pmcntenset_el0, x1
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb

    READ5   x1, x2, x3, x4, x5
    BUSY_LOOP 10
    bl      br_fn
    b       br_1
br_1:
    cbz     xzr, br_2
br_2:
    cbz     xzr, br_3
    nop                             // skipped
br_3:
    cbnz    xzr, br_fail
    tbz     xzr, #3, br_4
br_4:
    tbnz    xzr, #3, br_fail
    cmp     x9, x9                  // Z = 1
    b.eq    br_5
br_5:
    adr     x9, br_6
    br      x9
br_6:
    adr     x9, br_fn
    blr     x9
    READ5   x11, x12, x13, x14, x15
    sub     x11, x11, x1
    sub     x12, x12, x2
    sub     x13, x13, x3
    sub     x14, x14, x4
    sub     x15, x15, x5
    PRINT_REG BR_RETIRED, x11
    PRINT_REG BR_IMMED_RETIRED, x12
    PRINT_REG BR_RETURN_RETIRED, x13
    PRINT_REG PC_WRITE_RETIRED, x14
    PRINT_REG INST_RETIRED, x15
    PUTS    "done\n"
    POWER_OFF
br_fail:
    PUTS    "FAIL: a branch went the wrong way\n"
    POWER_OFF

br_fn:
    ret

br_handler2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

    VECTOR_TABLE br_vt2, br_handler2
