// @qemu-differs: QEMU does not implement event CHAIN (0x1e) (PMCEID0_EL0 bit 30 clear; the odd counter stays put); the Arm ARM allows that (D14.6 does not require it); emu implements it
// pmu_chained_counters: an odd counter counting CHAIN (event 0x1e) counts the overflows of the
// even counter below it (kvm-unit-tests pmu "chained-counters", in our own code), at EL2 and EL1.
// Arm ARM D14.3 CHAIN ("For an odd-numbered counter <n+1>, the counter increments when an event
// increments the preceding even-numbered counter <n> ... causing unsigned overflow of bits [31:0]
// of the event counter <n>"; software "Programs PMEVTYPER<n+1>_EL0 to count the CHAIN event in
// all Exception levels"; the pair is read low counter first, then an ISB, then the high counter),
// AArch64.IncrementEventCounter (PMOVSSET_EL0<n> set on each 32-bit overflow).
// Counter 0 = INST_RETIRED (NSH = 1 at EL2; at EL1 too, filters P = U = 0), counter 1 = CHAIN with
// P = U = 0, NSH = 1 (every EL). Each round presets counter 0 to 0xffffffcd (0x33 before the wrap,
// more than the instructions up to the first read) and runs:
//   mrs x1, c0; isb; mrs x2, c1; BUSY_LOOP 100 (201 instructions); mrs x3, c0; isb; mrs x4, c1
// so counter 0 wraps between the two reads of it, which differ (mod 2^32) by 204 = 0xcc (isb,
// mrs, 201, and one of the two reading MRS; see pmu_basic_event_count).
// Checks:
//   PMCEID0_EL0 bit 30 (CHAIN) = 1.
//   EL2, counter 1 preset 0x10: C0_DIFF 0xcc, counter 0 after < 0x100, counter 1 after 0x11,
//     PMOVSSET_EL0 = 0x1 (counter 0 overflowed, counter 1 did not).
//   EL2, counter 1 preset 0xffffffff: C0_DIFF 0xcc, counter 1 after 0 (it wrapped too),
//     PMOVSSET_EL0 = 0x3.
//   EL1, counter 1 preset 0x10: as the first round: 0xcc, counter 1 after 0x11, PMOVSSET_EL0 0x1.
    .include "lib.S"
    .include "pmu.S"

// ROUND c1: the measurement above with counter 1 preset to c1 (from the current EL), then print.
// Clobbers x1-x9.
.macro ROUND c1
    ldr     x9, =PMU_ALL
    msr     pmovsclr_el0, x9
    ldr     x9, =0xffffffcd
    msr     pmevcntr0_el0, x9
    ldr     x9, =\c1
    msr     pmevcntr1_el0, x9
    isb
    mrs     x1, pmevcntr0_el0
    isb
    mrs     x2, pmevcntr1_el0
    BUSY_LOOP 100
    mrs     x3, pmevcntr0_el0
    isb
    mrs     x4, pmevcntr1_el0
    sub     w5, w3, w1
    PRINT_REG C0_DIFF, x5
    cmp     x3, #0x100
    PRINT_IF C0_AFTER_BELOW_0x100, lo
    PRINT_REG C1_BEFORE, x2
    PRINT_REG C1_AFTER, x4
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
.endm

    EL2_INIT
    SET_VBAR 2, ch_vt2
    SET_VBAR 1, ch_vt1
    PMU_INIT
    mrs     x1, pmceid0_el0
    ubfx    x1, x1, #30, #1
    PRINT_REG PMCEID0_CHAIN, x1
    ldr     x1, =(EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper0_el0, x1
    ldr     x1, =(EVT_NSH + EV_CHAIN)
    msr     pmevtyper1_el0, x1
    mov     x1, #0x3
    msr     pmcntenset_el0, x1
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb
    PUTS    "EL2, counter 1 = 0x10\n"
    ROUND   0x10
    PUTS    "EL2, counter 1 = 0xffffffff\n"
    ROUND   0xffffffff
    ERET_TO 2, ch_el1, (SPSR_EL1H + SPSR_DAIF)
ch_el1:
    PUTS    "EL1, counter 1 = 0x10\n"
    ROUND   0x10
    PUTS    "done\n"
    hvc     #0xffff

ch_handler2:
    mrs     x10, esr_el2
    ldr     x11, =0x5a00ffff        // hvc #0xffff: power off
    cmp     x10, x11
    b.ne    ch_fail2
    POWER_OFF
ch_fail2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

ch_handler1:
    PUTS    "FAIL: unexpected exception to EL1\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    hvc     #0xffff

    VECTOR_TABLE ch_vt1, ch_handler1
    VECTOR_TABLE ch_vt2, ch_handler2
