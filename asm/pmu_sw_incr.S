// pmu_sw_incr: PMSWINC_EL0 increments only the enabled counters that count SW_INCR (event 0x00),
// and only where their filter admits the current Exception level (kvm-unit-tests pmu "sw-incr",
// in our own code). Arm ARM D24.5.24 PMSWINC_EL0, D14.3 SW_INCR, PMUSwIncrement (PMUEvent
// SW_INCR for each bit set below the accessible counters), CountPMUEvents (enables and
// filters), D13.7.3.2 ("The PMU must filter software increment events according to the
// Exception level in which the software increment occurred ... must also be precise").
// Counters:
//   0: SW_INCR, NSH = 1 (EL0, EL1, EL2), enabled        1: SW_INCR, NSH = 1, NOT enabled
//   2: CHAIN (an even counter never counts it), enabled  3: SW_INCR, NSH = 0 (not EL2), enabled
//   4: SW_INCR, NSH = 1, enabled, its PMSWINC bit never written
//   5: SW_INCR, P = 1, NSH = 1 (not EL1), enabled
// Checks:
//   EL2, PMCR_EL0.E = 1, 100 writes of PMSWINC_EL0 = 0x2f (bits 0, 1, 2, 3, 5):
//     counters 0x64, 0, 0, 0, 0, 0x64.
//   EL2, PMCR_EL0.E = 0, 10 more writes: nothing changes.
//   EL1, PMCR_EL0.E = 1, 10 writes of 0x2f: counters 0x6e, 0, 0, 0xa, 0, 0x64.
//   EL1, counter 0 preset 0xfffffff0, 20 writes of 0x1: counter 0 = 4 and PMOVSSET_EL0 = 0x1
//     (overflow on the 16th write: AArch64.IncrementEventCounter sets PMOVSSET_EL0<0>).
    .include "lib.S"
    .include "pmu.S"

// SWINC value, n: n writes of PMSWINC_EL0 = value. Clobbers x8, x9.
.macro SWINC value, n
    mov     x9, #\value
    mov     x8, #\n
si_loop\@:
    msr     pmswinc_el0, x9
    subs    x8, x8, #1
    b.ne    si_loop\@
    isb
.endm

// PRINT6: PMEVCNTR0-5_EL0.
.macro PRINT6
    PRINT_SYSREG PMEVCNTR0_EL0, pmevcntr0_el0
    PRINT_SYSREG PMEVCNTR1_EL0, pmevcntr1_el0
    PRINT_SYSREG PMEVCNTR2_EL0, pmevcntr2_el0
    PRINT_SYSREG PMEVCNTR3_EL0, pmevcntr3_el0
    PRINT_SYSREG PMEVCNTR4_EL0, pmevcntr4_el0
    PRINT_SYSREG PMEVCNTR5_EL0, pmevcntr5_el0
.endm

    EL2_INIT
    SET_VBAR 2, si_vt2
    SET_VBAR 1, si_vt1
    PMU_INIT
    ldr     x1, =(EVT_NSH + EV_SW_INCR)
    msr     pmevtyper0_el0, x1
    msr     pmevtyper1_el0, x1
    msr     pmevtyper4_el0, x1
    ldr     x1, =(EVT_NSH + EV_CHAIN)
    msr     pmevtyper2_el0, x1
    mov     x1, #EV_SW_INCR
    msr     pmevtyper3_el0, x1
    ldr     x1, =(EVT_P + EVT_NSH + EV_SW_INCR)
    msr     pmevtyper5_el0, x1
    mov     x1, #0x3d               // counters 0, 2, 3, 4, 5
    msr     pmcntenset_el0, x1
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb

    PUTS    "EL2, PMCR_EL0.E=1: 100 x PMSWINC_EL0 <- 0x2f\n"
    SWINC   0x2f, 100
    PRINT6
    PUTS    "EL2, PMCR_EL0.E=0: 10 x PMSWINC_EL0 <- 0x2f\n"
    msr     pmcr_el0, xzr
    isb
    SWINC   0x2f, 10
    PRINT6
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb
    ERET_TO 2, si_el1, (SPSR_EL1H + SPSR_DAIF)

si_el1:
    PUTS    "EL1, PMCR_EL0.E=1: 10 x PMSWINC_EL0 <- 0x2f\n"
    SWINC   0x2f, 10
    PRINT6
    PUTS    "EL1, PMEVCNTR0_EL0=0xfffffff0: 20 x PMSWINC_EL0 <- 0x1\n"
    ldr     x1, =0xfffffff0
    msr     pmevcntr0_el0, x1
    isb
    SWINC   0x1, 20
    PRINT_SYSREG PMEVCNTR0_EL0, pmevcntr0_el0
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
    PUTS    "done\n"
    hvc     #0xffff

si_handler2:
    mrs     x10, esr_el2
    ldr     x11, =0x5a00ffff        // hvc #0xffff: power off
    cmp     x10, x11
    b.ne    si_fail2
    POWER_OFF
si_fail2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

si_handler1:
    PUTS    "FAIL: unexpected exception to EL1\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    hvc     #0xffff

    VECTOR_TABLE si_vt1, si_handler1
    VECTOR_TABLE si_vt2, si_handler2
