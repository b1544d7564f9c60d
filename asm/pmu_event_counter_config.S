// pmu_event_counter_config: programming the event counters at EL2 (kvm-unit-tests pmu
// "event-counter-config", in our own code). Arm ARM D24.5.12 PMEVTYPER<n>_EL0, D24.5.10
// PMEVCNTR<n>_EL0, D24.5.8 PMCR_EL0 (E, P), D13.5 "Controlling the PMU counters", CountPMUEvents.
// Checks:
//   PMEVTYPER0-5_EL0 read back what was written to P, U, NSH and evtCount[9:0]: 0x08000008,
//     0x48000011, 0x88000000, 0xc0000008, 0x08000013, 0x0800001e (NSK, NSU, M, MT, SH and
//     evtCount[15:10] are left 0: their behaviour depends on features, RES0 may be stored).
//   An event the PE does not implement does not count: the lowest event n < 32 whose PMCEID0_EL0
//     bit is clear, programmed in PMEVTYPER0_EL0 with NSH, stays at 0 over a 201-instruction loop
//     at EL2, while counter 1 (INST_RETIRED, NSH) counts. Its evtCount reads back as written
//     ("For the range 0x0000 to 0x003F, no events are counted and the value returned by a
//     direct ... read of the PMEVTYPER<n>_EL0.evtCount field is the value written").
//   A counter counts only if PMCR_EL0.E and its PMCNTENSET_EL0 bit are both 1: counter 2
//     (INST_RETIRED, NSH, enabled, PMCR_EL0.E = 0) and counter 3 (INST_RETIRED, NSH, PMCR_EL0.E =
//     1, not enabled) stay at 0 over the loop.
//   PMCR_EL0.P zeroes every event counter (at EL2: both ranges) and leaves PMCCNTR_EL0 and the
//     overflow flags alone: counters preset 0x100-0x105, PMCCNTR_EL0 0x777, PMOVSSET_EL0 0x4
//     -> counters 0, PMCCNTR_EL0 0x777, PMOVSSET_EL0 0x4 ("Resetting the event counters does not
//     change the event counter overflow fields"; "Writes to this field do not affect ... the
//     cycle counter PMCCNTR_EL0").
    .include "lib.S"
    .include "pmu.S"
    EL2_INIT
    SET_VBAR 2, ec_vt2
    PMU_INIT

    PUTS    "PMEVTYPER0-5_EL0 written\n"
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
    PRINT_SYSREG PMEVTYPER0_EL0, pmevtyper0_el0
    PRINT_SYSREG PMEVTYPER1_EL0, pmevtyper1_el0
    PRINT_SYSREG PMEVTYPER2_EL0, pmevtyper2_el0
    PRINT_SYSREG PMEVTYPER3_EL0, pmevtyper3_el0
    PRINT_SYSREG PMEVTYPER4_EL0, pmevtyper4_el0
    PRINT_SYSREG PMEVTYPER5_EL0, pmevtyper5_el0

    PUTS    "counter 0: lowest event not in PMCEID0_EL0; counter 1: INST_RETIRED\n"
    mrs     x1, pmceid0_el0
    mvn     w1, w1                  // bits of the events not implemented
    rbit    w1, w1
    clz     w1, w1                  // the lowest of them (32 if there is none)
    cmp     w1, #32
    PRINT_IF FOUND, lo
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
    PUTS    "PMCR_EL0.E=0: counters 0-2 enabled\n"
    BUSY_LOOP 100
    PRINT_SYSREG PMEVCNTR2_EL0, pmevcntr2_el0
    PUTS    "PMCR_EL0.E=1: counters 0-2 enabled, 3 not\n"
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

    PUTS    "PMCR_EL0.P=1\n"
    ldr     x1, =PMU_ALL
    msr     pmcntenclr_el0, x1
    mov     x1, #0x100
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
    mov     x1, #0x777
    msr     pmccntr_el0, x1
    mov     x1, #0x4
    msr     pmovsset_el0, x1
    mov     x1, #PMCR_P
    msr     pmcr_el0, x1
    isb
    PRINT_SYSREG PMEVCNTR0_EL0, pmevcntr0_el0
    PRINT_SYSREG PMEVCNTR1_EL0, pmevcntr1_el0
    PRINT_SYSREG PMEVCNTR2_EL0, pmevcntr2_el0
    PRINT_SYSREG PMEVCNTR3_EL0, pmevcntr3_el0
    PRINT_SYSREG PMEVCNTR4_EL0, pmevcntr4_el0
    PRINT_SYSREG PMEVCNTR5_EL0, pmevcntr5_el0
    PRINT_SYSREG PMCCNTR_EL0, pmccntr_el0
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
    PUTS    "done\n"
    POWER_OFF

ec_handler2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

    VECTOR_TABLE ec_vt2, ec_handler2
