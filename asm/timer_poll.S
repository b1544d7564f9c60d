// timer_poll: each timer expires on its own, seen by polling CTL.ISTATUS (no interrupt: the
// timers' lines are not connected to the core without the GIC, so IMASK = 1 and DAIF stay masked;
// IMASK does not affect ISTATUS). Arm ARM D12.2.4 (TimerValue view: a TVAL write sets
// CompareValue = count + SignExtend(TVAL<31:0>); the timer condition is count - CompareValue >=
// 0) and D24.10 CNTP_*_EL0, CNTV_*_EL0, CNTHP_*_EL2.
// For each timer: CTL = ENABLE | IMASK, then, between two reads C1 and C2 of its counter (CNTPCT_EL0,
// or CNTVCT_EL0 for the virtual timer), TVAL <- 100 (ticks); then poll CTL.ISTATUS (at most
// 1,000,000 polls) and read the counter (C3) right after ISTATUS is seen as 1. Printed:
//   C1 + 100 <= CVAL <= C2 + 100 (CVAL read back after the TVAL write);
//   ISTATUS_FIRST_POLL = 0 (100 ticks are 1600 instructions at 1 GHz; the first poll is a few
//   instructions after the write), FIRED = 1 (ISTATUS became 1 within the polls), and
//   C3 >= CVAL (the count had reached CompareValue when ISTATUS read 1); CTL = 0x7 then.
// EL1 physical timer at EL1 (CNTHCTL_EL2 = EL1PCTEN | EL1PCEN), EL1 virtual timer at EL1 with
// CNTVOFF_EL2 = 0xffffff0000000000 (so CNTVCT = CNTPCT + 2^40), EL2 physical timer at EL2.
    .include "lib.S"
    .include "pmu.S"

// POLL_TIMER tag, ctl, tval, cval, counter: the test above for one timer. Clobbers x1-x9.
.macro POLL_TIMER tag, ctl, tval, cval, counter
    PUTS    "\tag\n"
    mov     x9, #3
    msr     \ctl, x9
    mov     x9, #100
    ldr     x6, =1000000
    isb
    mrs     x1, \counter
    msr     \tval, x9
    isb
    mrs     x2, \counter
    mrs     x3, \cval
    mrs     x8, \ctl                    // the first poll
tp_poll\@:
    mrs     x7, \ctl
    tbnz    x7, #2, tp_fired\@
    subs    x6, x6, #1
    b.ne    tp_poll\@
tp_fired\@:
    mrs     x5, \counter                // C3
    sub     x4, x3, #100
    sub     x9, x4, x1
    cmp     x9, #0x100
    PRINT_IF CVAL_GE_C1_PLUS_100, lo
    sub     x9, x2, x4
    cmp     x9, #0x100
    PRINT_IF CVAL_LE_C2_PLUS_100, lo
    ubfx    x8, x8, #2, #1
    PRINT_REG ISTATUS_FIRST_POLL, x8
    ubfx    x4, x7, #2, #1
    PRINT_REG FIRED, x4
    cmp     x5, x3
    PRINT_IF COUNT_GE_CVAL, hs
    PRINT_REG CTL, x7
    mov     x9, #2
    msr     \ctl, x9
    isb
.endm

    EL2_INIT
    SET_VBAR 2, tp_vt2
    mov     x9, #3                      // CNTHCTL_EL2: EL1PCTEN | EL1PCEN (UNKNOWN at reset)
    msr     cnthctl_el2, x9
    ldr     x9, =0xffffff0000000000
    msr     cntvoff_el2, x9
    mov     x9, #2
    msr     cntp_ctl_el0, x9
    msr     cntv_ctl_el0, x9
    msr     cnthp_ctl_el2, x9
    isb
    ERET_TO 2, tp_el1, (SPSR_EL1H + SPSR_DAIF)
tp_el1:
    POLL_TIMER "EL1 physical timer at EL1", cntp_ctl_el0, cntp_tval_el0, cntp_cval_el0, cntpct_el0
    POLL_TIMER "EL1 virtual timer at EL1", cntv_ctl_el0, cntv_tval_el0, cntv_cval_el0, cntvct_el0
    hvc     #0
tp_el2:
    POLL_TIMER "EL2 physical timer at EL2", cnthp_ctl_el2, cnthp_tval_el2, cnthp_cval_el2, cntpct_el0
    PUTS    "done\n"
    POWER_OFF

tp_handler2:
    mrs     x10, esr_el2
    ldr     x11, =0x5a000000            // hvc #0 from EL1: continue at EL2
    cmp     x10, x11
    b.eq    tp_el2
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

    VECTOR_TABLE tp_vt2, tp_handler2
