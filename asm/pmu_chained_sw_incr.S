// @qemu-differs: QEMU does not implement event CHAIN (0x1e) (PMCEID0_EL0 bit 30 clear; the odd counter stays put); the Arm ARM allows that (D14.6 does not require it); emu implements it
// pmu_chained_sw_incr: CHAIN (event 0x1e) on counter 1 counts the overflows of counter 0 counting
// SW_INCR (kvm-unit-tests pmu "chained-sw-incr", in our own code), at EL2 and at EL1.
// Arm ARM D14.3 CHAIN and SW_INCR, PMUSwIncrement, AArch64.IncrementEventCounter ("Check for the
// CHAIN event from an even counter": PMUEvent(PMU_EVENT_CHAIN, 1, idx + 1) on each 32-bit
// overflow of counter idx), D24.5.24 PMSWINC_EL0 (bit n increments counter n only if it counts
// SW_INCR). The pair is read low counter first, an ISB, then the high counter (D14.3 CHAIN).
// Counter 0 = SW_INCR, counter 1 = CHAIN, both P = U = 0, NSH = 1, enabled, PMCR_EL0.E = 1.
// Checks:
//   EL2, counter 0 = 0xfffffff6, counter 1 = 0x10, 10 writes of PMSWINC_EL0 = 0x1: counter 0 = 0,
//     counter 1 = 0x11, PMOVSSET_EL0 = 0x1; 5 more: counter 0 = 5, counter 1 = 0x11.
//   EL2, counter 0 = counter 1 = 0xffffffff, one write: both 0, PMOVSSET_EL0 = 0x3.
//   EL2, 3 writes of PMSWINC_EL0 = 0x2 (bit 1: counter 1 counts CHAIN, not SW_INCR): both still 0.
//   EL1, counter 0 = 0xfffffff6, counter 1 = 0x10, 10 writes: 0, 0x11, PMOVSSET_EL0 = 0x1.
    .include "lib.S"
    .include "pmu.S"

// SWINC value, n: n writes of PMSWINC_EL0 = value, then an ISB. Clobbers x8, x9.
.macro SWINC value, n
    mov     x9, #\value
    mov     x8, #\n
cs_loop\@:
    msr     pmswinc_el0, x9
    subs    x8, x8, #1
    b.ne    cs_loop\@
    isb
.endm

// PRESET c0, c1: PMEVCNTR0/1_EL0 = c0, c1; overflow flags cleared. Clobbers x9.
.macro PRESET c0, c1
    ldr     x9, =PMU_ALL
    msr     pmovsclr_el0, x9
    ldr     x9, =\c0
    msr     pmevcntr0_el0, x9
    ldr     x9, =\c1
    msr     pmevcntr1_el0, x9
    isb
.endm

// SHOW tag: counter 0, ISB, counter 1, then PMOVSSET_EL0. Clobbers x1, x2.
.macro SHOW tag
    mrs     x1, pmevcntr0_el0
    isb
    mrs     x2, pmevcntr1_el0
    PRINT_REG PMEVCNTR0_EL0, x1
    PRINT_REG PMEVCNTR1_EL0, x2
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
.endm

    EL2_INIT
    SET_VBAR 2, cs_vt2
    SET_VBAR 1, cs_vt1
    PMU_INIT
    ldr     x1, =(EVT_NSH + EV_SW_INCR)
    msr     pmevtyper0_el0, x1
    ldr     x1, =(EVT_NSH + EV_CHAIN)
    msr     pmevtyper1_el0, x1
    mov     x1, #0x3
    msr     pmcntenset_el0, x1
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb
    PUTS    "EL2, 0xfffffff6 / 0x10, 10 x PMSWINC_EL0 <- 0x1\n"
    PRESET  0xfffffff6, 0x10
    SWINC   0x1, 10
    SHOW    a
    PUTS    "EL2, 5 x PMSWINC_EL0 <- 0x1\n"
    SWINC   0x1, 5
    SHOW    b
    PUTS    "EL2, 0xffffffff / 0xffffffff, 1 x PMSWINC_EL0 <- 0x1\n"
    PRESET  0xffffffff, 0xffffffff
    SWINC   0x1, 1
    SHOW    c
    PUTS    "EL2, 3 x PMSWINC_EL0 <- 0x2\n"
    SWINC   0x2, 3
    SHOW    d
    ERET_TO 2, cs_el1, (SPSR_EL1H + SPSR_DAIF)
cs_el1:
    PUTS    "EL1, 0xfffffff6 / 0x10, 10 x PMSWINC_EL0 <- 0x1\n"
    PRESET  0xfffffff6, 0x10
    SWINC   0x1, 10
    SHOW    e
    PUTS    "done\n"
    hvc     #0xffff

cs_handler2:
    mrs     x10, esr_el2
    ldr     x11, =0x5a00ffff        // hvc #0xffff: power off
    cmp     x10, x11
    b.ne    cs_fail2
    POWER_OFF
cs_fail2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

cs_handler1:
    PUTS    "FAIL: unexpected exception to EL1\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    hvc     #0xffff

    VECTOR_TABLE cs_vt1, cs_handler1
    VECTOR_TABLE cs_vt2, cs_handler2
