// pmu_event_counter_config: programming the event counters at EL2 and then at EL1 (kvm-unit-tests
// pmu "event-counter-config", in our own code). Arm ARM D24.5.12 PMEVTYPER<n>_EL0, D24.5.10
// PMEVCNTR<n>_EL0, D24.5.8 PMCR_EL0 (E, P), D13.5 "Controlling the PMU counters", CountPMUEvents,
// D13.2.2 and D13.7.3 (counts around a change of Exception level may be inexact).
// MDCR_EL2.HPMN = 6 (PMU_INIT) and TPM = TPMCR = 0: every counter is in the first range and EL1
// accesses all of them, untrapped. Each part is repeated at EL2 ("EL2, ...": counters count at
// EL2, NSH = 1) and at EL1 ("EL1, ...": counters count at EL0 and EL1, P = NSH = 0).
// Checks:
//   PMEVTYPER0-5_EL0 read back what was written to P, U, NSH and evtCount[9:0] (NSK, NSU, M, MT,
//     SH and evtCount[15:10] are left 0: their behaviour depends on features, RES0 may be
//     stored). EL2 writes 0x08000008, 0x48000011, 0x88000000, 0xc0000008, 0x08000013,
//     0x0800001e; EL1 writes 0x00000008, 0x40000011, 0x80000000, 0xc8000008, 0x00000013,
//     0x0000001e (NSH flipped in each: the EL1 writes take effect, NSH included).
//   An event the PE does not implement does not count: the lowest event n < 32 whose PMCEID0_EL0
//     bit is clear, programmed in PMEVTYPER0_EL0 (EL2: with NSH; EL1: P = NSH = 0), stays at 0
//     over a 201-instruction loop, while counter 1 (INST_RETIRED; EL2: NSH; EL1: P = NSH = 0)
//     counts. Its evtCount reads back as written ("For the range 0x0000 to 0x003F, no events are
//     counted and the value returned by a direct ... read of the PMEVTYPER<n>_EL0.evtCount field
//     is the value written").
//   A counter counts only if PMCR_EL0.E and its PMCNTENSET_EL0 bit are both 1: counter 2
//     (INST_RETIRED, enabled, PMCR_EL0.E = 0) and counter 3 (INST_RETIRED, PMCR_EL0.E = 1, not
//     enabled) stay at 0 over the loop, at EL2 and at EL1.
//   EL1 filtering: counter 4 (INST_RETIRED, P = 1, NSH = 1: EL0 and EL2 only, enabled) stays at 0
//     over the EL1 loop. EL1 -> hvc -> EL2 runs 1001 instructions (BUSY_LOOP 500) -> eret -> EL1,
//     PMCR_EL0.E = 1: counter 1 (EL2 excluded) grows by less than 16 (the EL1 instructions
//     around the HVC, give or take the boundary), counter 4 by at least 1001.
//   PMCR_EL0.P zeroes every event counter (at EL2: both ranges; at EL1: the first range, here
//     all six as HPMN = 6) and leaves PMCCNTR_EL0 and the overflow flags alone ("Resetting the
//     event counters does not change the event counter overflow fields"; "Writes to this field
//     do not affect ... the cycle counter PMCCNTR_EL0"): EL2: counters preset 0x100-0x105,
//     PMCCNTR_EL0 0x777, PMOVSSET_EL0 0x4 -> counters 0, PMCCNTR_EL0 0x777, PMOVSSET_EL0 0x4;
//     EL1: presets 0x200-0x205, 0x888, PMOVSSET_EL0 0x8 (0x4 cleared first) -> 0, 0x888, 0x8.
    .include "lib.S"
    .include "pmu.S"

// PRESET6 base: PMEVCNTR0-5_EL0 = base, base + 1, ..., base + 5. Clobbers x1.
.macro PRESET6 base
    mov     x1, #\base
    msr     pmevcntr0_el0, x1
    add     x1, x1, #1
    msr     pmevcntr1_el0, x1
    add     x1, x1, #1
    msr     pmevcntr2_el0, x1
    add     x1, x1, #1
    msr     pmevcntr3_el0, x1
    add     x1, x1, #1
    msr     pmevcntr4_el0, x1
    add     x1, x1, #1
    msr     pmevcntr5_el0, x1
.endm

// PRINT_TYPERS n: print PMEVTYPER0-5_EL0 (n: unused, keystone wants a parameter).
.macro PRINT_TYPERS n
    PRINT_SYSREG PMEVTYPER0_EL0, pmevtyper0_el0
    PRINT_SYSREG PMEVTYPER1_EL0, pmevtyper1_el0
    PRINT_SYSREG PMEVTYPER2_EL0, pmevtyper2_el0
    PRINT_SYSREG PMEVTYPER3_EL0, pmevtyper3_el0
    PRINT_SYSREG PMEVTYPER4_EL0, pmevtyper4_el0
    PRINT_SYSREG PMEVTYPER5_EL0, pmevtyper5_el0
.endm

// PRINT_AFTER_P n: print PMEVCNTR0-5_EL0, PMCCNTR_EL0, PMOVSSET_EL0 (n: unused).
.macro PRINT_AFTER_P n
    PRINT_SYSREG PMEVCNTR0_EL0, pmevcntr0_el0
    PRINT_SYSREG PMEVCNTR1_EL0, pmevcntr1_el0
    PRINT_SYSREG PMEVCNTR2_EL0, pmevcntr2_el0
    PRINT_SYSREG PMEVCNTR3_EL0, pmevcntr3_el0
    PRINT_SYSREG PMEVCNTR4_EL0, pmevcntr4_el0
    PRINT_SYSREG PMEVCNTR5_EL0, pmevcntr5_el0
    PRINT_SYSREG PMCCNTR_EL0, pmccntr_el0
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
.endm

// LOWEST_MISSING n: w1 = the lowest event n < 32 whose PMCEID0_EL0 bit is clear (32 if none);
// prints FOUND. (n: unused.)
.macro LOWEST_MISSING n
    mrs     x1, pmceid0_el0
    mvn     w1, w1                  // bits of the events not implemented
    rbit    w1, w1
    clz     w1, w1                  // the lowest of them (32 if there is none)
    cmp     w1, #32
    PRINT_IF FOUND, lo
.endm

    EL2_INIT
    SET_VBAR 2, ec_vt2
    SET_VBAR 1, ec_vt1
    PMU_INIT

    PUTS    "EL2, PMEVTYPER0-5_EL0 written\n"
    ldr     x1, =(EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper0_el0, x1
    ldr     x1, =(EVT_U + EVT_NSH + EV_CPU_CYCLES)
    msr     pmevtyper1_el0, x1
    ldr     x1, =(EVT_P + EVT_NSH + EV_SW_INCR)
    msr     pmevtyper2_el0, x1
    ldr     x1, =(EVT_P + EVT_U + EV_INST_RETIRED)
    msr     pmevtyper3_el0, x1
    ldr     x1, =(EVT_NSH + EV_MEM_ACCESS)
    msr     pmevtyper4_el0, x1
    ldr     x1, =(EVT_NSH + EV_CHAIN)
    msr     pmevtyper5_el0, x1
    isb
    PRINT_TYPERS 2

    PUTS    "EL2, counter 0: lowest event not in PMCEID0_EL0; counter 1: INST_RETIRED\n"
    LOWEST_MISSING 2
    ldr     x2, =EVT_NSH
    orr     x21, x2, x1             // x21 = PMEVTYPER0_EL0 value written
    msr     pmevtyper0_el0, x21
    ldr     x1, =(EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper1_el0, x1
    msr     pmevtyper2_el0, x1
    msr     pmevtyper3_el0, x1
    msr     pmevcntr0_el0, xzr
    msr     pmevcntr1_el0, xzr
    msr     pmevcntr2_el0, xzr
    msr     pmevcntr3_el0, xzr
    mov     x1, #0x7                // counters 0, 1, 2 enabled; 3 not
    msr     pmcntenset_el0, x1
    isb
    PUTS    "EL2, PMCR_EL0.E=0: counters 0-2 enabled\n"
    BUSY_LOOP 100
    PRINT_SYSREG PMEVCNTR2_EL0, pmevcntr2_el0
    PUTS    "EL2, PMCR_EL0.E=1: counters 0-2 enabled, 3 not\n"
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb
    BUSY_LOOP 100
    msr     pmcr_el0, xzr
    isb
    mrs     x1, pmevtyper0_el0
    eor     x1, x1, x21
    PRINT_REG PMEVTYPER0_EL0_XOR_WRITTEN, x1
    PRINT_SYSREG PMEVCNTR0_EL0, pmevcntr0_el0
    mrs     x1, pmevcntr1_el0
    cmp     x1, #201
    PRINT_IF PMEVCNTR1_EL0_AT_LEAST_201, hs
    PRINT_SYSREG PMEVCNTR3_EL0, pmevcntr3_el0

    PUTS    "EL2, PMCR_EL0.P=1\n"
    ldr     x1, =PMU_ALL
    msr     pmcntenclr_el0, x1
    PRESET6 0x100
    mov     x1, #0x777
    msr     pmccntr_el0, x1
    mov     x1, #0x4
    msr     pmovsset_el0, x1
    mov     x1, #PMCR_P
    msr     pmcr_el0, x1
    isb
    PRINT_AFTER_P 2
    ERET_TO 2, ec_el1, (SPSR_EL1H + SPSR_DAIF)

ec_el1:
    PUTS    "EL1, PMEVTYPER0-5_EL0 written\n"
    mov     x1, #EV_INST_RETIRED
    msr     pmevtyper0_el0, x1
    ldr     x1, =(EVT_U + EV_CPU_CYCLES)
    msr     pmevtyper1_el0, x1
    ldr     x1, =(EVT_P + EV_SW_INCR)
    msr     pmevtyper2_el0, x1
    ldr     x1, =(EVT_P + EVT_U + EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper3_el0, x1
    mov     x1, #EV_MEM_ACCESS
    msr     pmevtyper4_el0, x1
    mov     x1, #EV_CHAIN
    msr     pmevtyper5_el0, x1
    isb
    PRINT_TYPERS 1

    PUTS    "EL1, counter 0: lowest event not in PMCEID0_EL0; counter 1: INST_RETIRED; counter 4: INST_RETIRED P=1 NSH=1\n"
    LOWEST_MISSING 1
    mov     x21, x1                 // x21 = PMEVTYPER0_EL0 value written (P = U = NSH = 0)
    msr     pmevtyper0_el0, x21
    mov     x1, #EV_INST_RETIRED
    msr     pmevtyper1_el0, x1
    msr     pmevtyper2_el0, x1
    msr     pmevtyper3_el0, x1
    ldr     x1, =(EVT_P + EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper4_el0, x1
    msr     pmevcntr0_el0, xzr
    msr     pmevcntr1_el0, xzr
    msr     pmevcntr2_el0, xzr
    msr     pmevcntr3_el0, xzr
    msr     pmevcntr4_el0, xzr
    mov     x1, #0x17               // counters 0, 1, 2, 4 enabled; 3 not
    msr     pmcntenset_el0, x1
    isb
    PUTS    "EL1, PMCR_EL0.E=0: counters 0-2 and 4 enabled\n"
    BUSY_LOOP 100
    PRINT_SYSREG PMEVCNTR2_EL0, pmevcntr2_el0
    PUTS    "EL1, PMCR_EL0.E=1: counters 0-2 and 4 enabled, 3 not\n"
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb
    BUSY_LOOP 100
    msr     pmcr_el0, xzr
    isb
    mrs     x1, pmevtyper0_el0
    eor     x1, x1, x21
    PRINT_REG PMEVTYPER0_EL0_XOR_WRITTEN, x1
    PRINT_SYSREG PMEVCNTR0_EL0, pmevcntr0_el0
    mrs     x1, pmevcntr1_el0
    cmp     x1, #201
    PRINT_IF PMEVCNTR1_EL0_AT_LEAST_201, hs
    PRINT_SYSREG PMEVCNTR3_EL0, pmevcntr3_el0
    PRINT_SYSREG PMEVCNTR4_EL0, pmevcntr4_el0

    PUTS    "EL1, PMCR_EL0.E=1: hvc to an EL2 loop of 1001 instructions\n"
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb
    mrs     x1, pmevcntr1_el0
    mrs     x5, pmevcntr4_el0
    hvc     #1
    mrs     x2, pmevcntr1_el0
    mrs     x6, pmevcntr4_el0
    msr     pmcr_el0, xzr
    isb
    sub     x3, x2, x1
    cmp     x3, #16
    PRINT_IF PMEVCNTR1_EL0_DIFF_BELOW_16, lo
    sub     x3, x6, x5
    cmp     x3, #1001
    PRINT_IF PMEVCNTR4_EL0_DIFF_AT_LEAST_1001, hs

    PUTS    "EL1, PMCR_EL0.P=1\n"
    ldr     x1, =PMU_ALL
    msr     pmcntenclr_el0, x1
    msr     pmovsclr_el0, x1
    PRESET6 0x200
    mov     x1, #0x888
    msr     pmccntr_el0, x1
    mov     x1, #0x8
    msr     pmovsset_el0, x1
    mov     x1, #PMCR_P
    msr     pmcr_el0, x1
    isb
    PRINT_AFTER_P 1
    PUTS    "done\n"
    hvc     #0xffff

ec_handler2:
    mrs     x10, esr_el2
    lsr     x11, x10, #26
    cmp     x11, #0x16              // HVC from EL1: a command
    b.ne    ec_fail2
    and     x10, x10, #0xffff
    cmp     x10, #1
    b.ne    ec_off
    BUSY_LOOP 500
    eret
ec_off:
    POWER_OFF
ec_fail2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

ec_handler1:
    PUTS    "FAIL: unexpected exception to EL1\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    hvc     #0xffff

    VECTOR_TABLE ec_vt1, ec_handler1
    VECTOR_TABLE ec_vt2, ec_handler2
