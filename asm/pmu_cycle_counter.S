// pmu_cycle_counter: PMCCNTR_EL0, the 64-bit cycle counter (kvm-unit-tests pmu "cycle-counter",
// in our own code). Cycle counts depend on the cost model (emu) or on -icount (QEMU: one cycle
// per instruction), so only facts are printed: equal / greater / flags / bounded.
// Arm ARM: D24.5.2 PMCCNTR_EL0, D24.5.8 PMCR_EL0 (E, C, LC), D24.5.1 PMCCFILTR_EL0 (P, U, NSH),
// D13.3 "Behavior on overflow" (RNTZHW), AArch64.IncrementCycleCounter, CountPMUEvents.
// Checks:
//   PMCCNTR_EL0 is 64 bits read/write: 0x0123456789abcdef reads back (counter disabled).
//   It does not count when PMCNTENSET_EL0.C = 0 (PMCR_EL0.E = 1), nor when PMCR_EL0.E = 0
//     (PMCNTENSET_EL0.C = 1): equal before and after a 301-instruction loop.
//   With both enables and PMCCFILTR_EL0.NSH = 1 it counts at EL2: three reads around loops are
//     strictly increasing.
//   PMCCFILTR_EL0.NSH = 0: no counting at EL2 (equal reads around the loop).
//   PMCR_EL0.C = 1 (counter disabled): PMCCNTR_EL0 = 0, all 64 bits ("The value of PMCR_EL0.LC is
//     ignored, and bits [63:0] of the cycle counter are reset"), PMOVSSET_EL0.C unchanged (1).
//   PMCR_EL0.LC = 0, preset 0x00000000ffffff00: PMOVSSET_EL0.C is set by the carry out of bit 31
//     (polled, within a bound), and PMCCNTR_EL0 goes on counting in bits [63:32] (reads 1 there).
//   PMCR_EL0.LC = 1, preset 0x00000000ffffff00: once PMCCNTR_EL0 >= 2^32 (polled), PMOVSSET_EL0.C
//     is still 0 (no overflow at bit 31).
//   PMCR_EL0.LC = 1, preset 0xffffffffffffff00: PMOVSSET_EL0.C set by the carry out of bit 63
//     (polled); the counter wrapped: it reads below 2^32.
//   At EL1: PMCCFILTR_EL0 = 0 counts at EL1 (reads increase); PMCCFILTR_EL0.P = 1 does not (equal).
    .include "lib.S"
    .include "pmu.S"
    .equ POLL_MAX, 100000           // iterations of a polling loop before giving up

// POLL_OVS bit: wait for PMOVSCLR_EL0 bit `bit` (31: C), at most POLL_MAX iterations; x5 = 1 if
// it came. Clobbers x5-x7.
.macro POLL_OVS bit
    ldr     x7, =POLL_MAX
cc_poll\@:
    mrs     x6, pmovsclr_el0
    tbnz    x6, #\bit, cc_seen\@
    subs    x7, x7, #1
    b.ne    cc_poll\@
    mov     x5, #0
    b       cc_end\@
cc_seen\@:
    mov     x5, #1
cc_end\@:
.endm

// POLL_CCNTR bit: wait for PMCCNTR_EL0 bit `bit`, at most POLL_MAX iterations; x5 = 1 if it
// came. Clobbers x5-x7.
.macro POLL_CCNTR bit
    ldr     x7, =POLL_MAX
cc_poll\@:
    mrs     x6, pmccntr_el0
    tbnz    x6, #\bit, cc_seen\@
    subs    x7, x7, #1
    b.ne    cc_poll\@
    mov     x5, #0
    b       cc_end\@
cc_seen\@:
    mov     x5, #1
cc_end\@:
.endm

    EL2_INIT
    SET_VBAR 2, cc_vt2
    SET_VBAR 1, cc_vt1
    PMU_INIT
    ldr     x20, =0x80000000        // the C bit
    ldr     x1, =0x0123456789abcdef
    msr     pmccntr_el0, x1
    isb
    PRINT_SYSREG PMCCNTR_EL0, pmccntr_el0

    PUTS    "PMCR_EL0.E=1, PMCNTENSET_EL0.C=0\n"
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    ldr     x1, =EVT_NSH
    msr     pmccfiltr_el0, x1
    isb
    mrs     x1, pmccntr_el0
    BUSY_LOOP 150
    mrs     x2, pmccntr_el0
    cmp     x1, x2
    PRINT_IF UNCHANGED, eq
    PUTS    "PMCR_EL0.E=0, PMCNTENSET_EL0.C=1\n"
    msr     pmcr_el0, xzr
    msr     pmcntenset_el0, x20
    isb
    mrs     x1, pmccntr_el0
    BUSY_LOOP 150
    mrs     x2, pmccntr_el0
    cmp     x1, x2
    PRINT_IF UNCHANGED, eq

    PUTS    "PMCR_EL0.E=1, PMCNTENSET_EL0.C=1, PMCCFILTR_EL0.NSH=1 at EL2\n"
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb
    mrs     x1, pmccntr_el0
    BUSY_LOOP 150
    mrs     x2, pmccntr_el0
    BUSY_LOOP 150
    mrs     x3, pmccntr_el0
    cmp     x2, x1
    PRINT_IF SECOND_GT_FIRST, hi
    cmp     x3, x2
    PRINT_IF THIRD_GT_SECOND, hi

    PUTS    "PMCCFILTR_EL0.NSH=0 at EL2\n"
    msr     pmccfiltr_el0, xzr
    isb
    mrs     x1, pmccntr_el0
    BUSY_LOOP 150
    mrs     x2, pmccntr_el0
    cmp     x1, x2
    PRINT_IF UNCHANGED, eq

    PUTS    "PMOVSSET_EL0.C=1, counter disabled, PMCR_EL0.C=1\n"
    msr     pmcntenclr_el0, x20
    msr     pmovsset_el0, x20
    ldr     x1, =0xffffffff00000000
    msr     pmccntr_el0, x1
    mov     x1, #(PMCR_E + PMCR_C)
    msr     pmcr_el0, x1
    isb
    PRINT_SYSREG PMCCNTR_EL0, pmccntr_el0
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
    msr     pmovsclr_el0, x20

    PUTS    "PMCR_EL0.LC=0, PMCCNTR_EL0=0x00000000ffffff00\n"
    ldr     x1, =EVT_NSH
    msr     pmccfiltr_el0, x1
    ldr     x1, =0xffffff00
    msr     pmccntr_el0, x1
    isb
    msr     pmcntenset_el0, x20
    isb
    POLL_OVS 31
    msr     pmcntenclr_el0, x20
    isb
    PRINT_REG OVERFLOW_SEEN, x5
    mrs     x1, pmccntr_el0
    lsr     x2, x1, #32
    PRINT_REG PMCCNTR_EL0_HI, x2
    mov     w1, w1
    cmp     x1, #0x100000
    PRINT_IF PMCCNTR_EL0_LO_SMALL, lo
    msr     pmovsclr_el0, x20

    PUTS    "PMCR_EL0.LC=1, PMCCNTR_EL0=0x00000000ffffff00\n"
    mov     x1, #(PMCR_E + PMCR_LC)
    msr     pmcr_el0, x1
    ldr     x1, =0xffffff00
    msr     pmccntr_el0, x1
    isb
    msr     pmcntenset_el0, x20
    isb
    POLL_CCNTR 32
    msr     pmcntenclr_el0, x20
    isb
    PRINT_REG BIT32_SEEN, x5
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0

    PUTS    "PMCR_EL0.LC=1, PMCCNTR_EL0=0xffffffffffffff00\n"
    ldr     x1, =0xffffffffffffff00
    msr     pmccntr_el0, x1
    isb
    msr     pmcntenset_el0, x20
    isb
    POLL_OVS 31
    msr     pmcntenclr_el0, x20
    isb
    PRINT_REG OVERFLOW_SEEN, x5
    mrs     x1, pmccntr_el0
    lsr     x2, x1, #32
    cmp     x2, #0
    PRINT_IF PMCCNTR_EL0_BELOW_2_32, eq
    msr     pmovsclr_el0, x20

    PUTS    "EL1, PMCCFILTR_EL0=0\n"
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    msr     pmccfiltr_el0, xzr
    msr     pmcntenset_el0, x20
    isb
    ERET_TO 2, cc_el1, (SPSR_EL1H + SPSR_DAIF)
cc_el1:
    mrs     x1, pmccntr_el0
    BUSY_LOOP 150
    mrs     x2, pmccntr_el0
    cmp     x2, x1
    PRINT_IF INCREASED, hi
    hvc     #1                      // EL2: PMCCFILTR_EL0 = P
    PUTS    "EL1, PMCCFILTR_EL0.P=1\n"
    mrs     x1, pmccntr_el0
    BUSY_LOOP 150
    mrs     x2, pmccntr_el0
    cmp     x1, x2
    PRINT_IF UNCHANGED, eq
    PUTS    "done\n"
    hvc     #0xffff

cc_handler2:
    mrs     x10, esr_el2
    lsr     x11, x10, #26
    cmp     x11, #0x16              // HVC from EL1: a command
    b.ne    cc_fail2
    and     x10, x10, #0xffff
    cmp     x10, #1
    b.ne    cc_off
    ldr     x9, =EVT_P
    msr     pmccfiltr_el0, x9
    isb
    eret
cc_off:
    POWER_OFF
cc_fail2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

cc_handler1:
    PUTS    "FAIL: unexpected exception to EL1\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    hvc     #0xffff

    VECTOR_TABLE cc_vt1, cc_handler1
    VECTOR_TABLE cc_vt2, cc_handler2
