// pmu_basic_event_count: exact INST_RETIRED (event 0x08) counts over a known instruction sequence,
// at EL2 (NSH = 1) and at EL1 with EL2 excluded (kvm-unit-tests pmu "basic-event-count", in our
// own code). Arm ARM D14.3 INST_RETIRED ("counts each architecturally-executed instruction"),
// D24.5.12 PMEVTYPER<n>_EL0 (P, U, NSH), CountPMUEvents, D13.2.2 (counts are accurate under
// normal operating conditions; boundary conditions such as enabling a counter may be inexact),
// D13.7.3 (during a change of Exception level an instruction may be counted in the other one).
// So every exact count is a difference of two reads of a counter that counts all along, with no
// change of Exception level in between: SEQ is 207 instructions (BUSY_LOOP 100 = 201, add, eor,
// nop, nop, bl, ret), and one of the two reading MRS is counted too, whatever the point at which
// an MRS samples the counter (the same for both reads): difference = 208 = 0xd0.
// Checks:
//   EL2, counter 0 = INST_RETIRED with NSH: difference 0xd0.
//   EL2, counter 1 = INST_RETIRED without NSH (EL0 and EL1 only): unchanged over the EL2 part.
//   EL1, counter 0 = INST_RETIRED, P = U = NSH = 0 (EL0 and EL1): difference 0xd0.
//   EL1, counter 2 = INST_RETIRED with P = 1, NSH = 1 (EL0 and EL2): unchanged over SEQ at EL1.
//   EL1 -> hvc -> EL2 runs 1001 instructions (BUSY_LOOP 500) -> eret -> EL1: counter 0 (EL2
//     excluded) grows by less than 16 (the EL1 instructions around the HVC, give or take the
//     boundary), counter 3 (INST_RETIRED, NSH = 1: every EL) by at least 1001.
    .include "lib.S"
    .include "pmu.S"

// SEQ: 207 instructions. Clobbers x8, x13, x14, x30.
.macro SEQ
    BUSY_LOOP 100
    add     x13, x13, #1
    eor     x13, x13, x14
    nop
    nop
    bl      be_ret
.endm

    EL2_INIT
    SET_VBAR 2, be_vt2
    SET_VBAR 1, be_vt1
    PMU_INIT
    ldr     x1, =(EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper0_el0, x1
    mov     x1, #EV_INST_RETIRED
    msr     pmevtyper1_el0, x1
    ldr     x1, =(EVT_P + EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper2_el0, x1
    ldr     x1, =(EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper3_el0, x1
    mov     x1, #0xf
    msr     pmcntenset_el0, x1
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb

    PUTS    "EL2: counter 0 INST_RETIRED NSH=1, counter 1 INST_RETIRED NSH=0\n"
    mrs     x5, pmevcntr1_el0
    mrs     x1, pmevcntr0_el0
    SEQ
    mrs     x2, pmevcntr0_el0
    mrs     x6, pmevcntr1_el0
    sub     x3, x2, x1
    PRINT_REG COUNTER0_DIFF, x3
    cmp     x5, x6
    PRINT_IF COUNTER1_UNCHANGED, eq
    mov     x1, #EV_INST_RETIRED      // counter 0 now counts at EL0 and EL1 only
    msr     pmevtyper0_el0, x1
    isb
    ERET_TO 2, be_el1, (SPSR_EL1H + SPSR_DAIF)

be_el1:
    PUTS    "EL1: counter 0 INST_RETIRED P=0 NSH=0, counter 2 INST_RETIRED P=1 NSH=1\n"
    mrs     x1, pmevcntr0_el0
    SEQ
    mrs     x2, pmevcntr0_el0
    sub     x3, x2, x1
    PRINT_REG COUNTER0_DIFF, x3
    mrs     x1, pmevcntr2_el0
    SEQ
    mrs     x2, pmevcntr2_el0
    cmp     x1, x2
    PRINT_IF COUNTER2_UNCHANGED, eq
    PUTS    "EL1: hvc to an EL2 loop of 1001 instructions\n"
    mrs     x1, pmevcntr0_el0
    mrs     x5, pmevcntr3_el0
    hvc     #1
    mrs     x2, pmevcntr0_el0
    mrs     x6, pmevcntr3_el0
    sub     x3, x2, x1
    cmp     x3, #16
    PRINT_IF COUNTER0_DIFF_BELOW_16, lo
    sub     x3, x6, x5
    cmp     x3, #1001
    PRINT_IF COUNTER3_DIFF_AT_LEAST_1001, hs
    PUTS    "done\n"
    hvc     #0xffff

be_ret:
    ret

be_handler2:
    mrs     x10, esr_el2
    lsr     x11, x10, #26
    cmp     x11, #0x16              // HVC from EL1: a command
    b.ne    be_fail2
    and     x10, x10, #0xffff
    cmp     x10, #1
    b.ne    be_off
    BUSY_LOOP 500
    eret
be_off:
    POWER_OFF
be_fail2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

be_handler1:
    PUTS    "FAIL: unexpected exception to EL1\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    hvc     #0xffff

    VECTOR_TABLE be_vt1, be_handler1
    VECTOR_TABLE be_vt2, be_handler2
