// timer_regs: generic timer register rules at EL2 (Arm ARM D12 "The Generic Timer in AArch64
// state", D24.10 register descriptions). Only facts are printed, never counts that depend on the
// rate at which time passes (emu: cost-model cycles; QEMU: -icount).
// Checks:
//   CNTFRQ_EL0 = 0x3b9aca0 (62.5 MHz, PLATFORM.md; its value is what firmware wrote: here the
//     platform's reset value).
//   Reset: CNTP_CTL_EL0, CNTV_CTL_EL0, CNTHP_CTL_EL2 ENABLE (bit 0) = 0 (CNTHP_CTL_EL2.ENABLE
//     resets to 0 when the highest implemented Exception level is EL2; the EL1 timers' ENABLE
//     reset to 0 too). IMASK resets UNKNOWN and ISTATUS is UNKNOWN while ENABLE is 0: masked out.
//   CNTPCT_EL0 does not go backwards between two reads separated by ISB (D12.1.2: the count is
//     monotonically increasing), and it moves across a 2001-instruction loop.
//   CNTVOFF_EL2 = 0xffffff0000000000 (-2^40) reads back; CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2
//     modulo 2^64 (CNTVCT_EL0 pseudocode: PhysicalCountInt() - CNTVOFF_EL2): for reads P1, V, P2
//     in this order (ISB between), P1 - off <= V <= P2 - off, and P2 - P1 < 0x100; V[63:32] =
//     0x100 (the count is far below 2^32 ticks).
//   The virtual timer compares with CNTVCT_EL0, not CNTPCT_EL0: CNTV_CVAL_EL0 = 2^39 (below the
//     virtual count, far above the physical one) with ENABLE: CNTV_CTL_EL0 = 0x5; CVAL = 2^41:
//     0x1.
//   CTL.ISTATUS is RO: with CVAL in the future, writing CTL = 0x5 reads 0x1; with CVAL in the past,
//     writing CTL = 0x1 (ISTATUS 0) reads 0x5.
//   CVAL is a 64-bit RW register: 0x0123456789abcdef reads back (in the future: CTL = 0x1).
//   CVAL in the past (CVAL = a CNTPCT_EL0 value read earlier) with ENABLE = 1: ISTATUS = 1 (timer
//     condition CNTPCT - CVAL >= 0, D12.2.4); TVAL once CNTPCT > CVAL: (CVAL - CNTPCT)<31:0>
//     is negative as a signed 32-bit value: bit 31 = 1, bits [63:32] RES0 = 0.
//   IMASK does not affect ISTATUS: CTL = 0x3 reads 0x7 (past) and 0x3 (future).
//   ENABLE = 0: ISTATUS is UNKNOWN, so only CTL & 3 is printed (0x2, ENABLE/IMASK as written);
//     ENABLE = 1 again: 0x7.
//   TVAL write: CompareValue = CNTPCT + SignExtend(TVAL<31:0>): TVAL <- 0xffffff9c (-100) gives
//     P1 - 100 <= CVAL <= P2 - 100 for CNTPCT reads P1 before and P2 after, and ISTATUS 1;
//     TVAL <- 0x7fffffff: ISTATUS 0 (CTL = 0x1).
//   EL2 physical timer: CNTHP_CVAL_EL2 = 0 (past) with ENABLE: CNTHP_CTL_EL2 = 0x5; CVAL
//     0xffffffffffffffff: 0x1.
    .include "lib.S"
    .include "pmu.S"
    EL2_INIT
    mov     x9, #3                      // CNTHCTL_EL2: EL1PCTEN | EL1PCEN (UNKNOWN at reset)
    msr     cnthctl_el2, x9
    msr     cntkctl_el1, xzr
    isb
    PRINT_SYSREG CNTFRQ_EL0, cntfrq_el0

    PUTS    "reset\n"
    mrs     x1, cntp_ctl_el0
    and     x1, x1, #1
    PRINT_REG CNTP_CTL_ENABLE, x1
    mrs     x1, cntv_ctl_el0
    and     x1, x1, #1
    PRINT_REG CNTV_CTL_ENABLE, x1
    mrs     x1, cnthp_ctl_el2
    and     x1, x1, #1
    PRINT_REG CNTHP_CTL_ENABLE, x1
    // Every timer disabled, masked, CVAL far away before anything else.
    mov     x9, #2
    msr     cntp_ctl_el0, x9
    msr     cntv_ctl_el0, x9
    msr     cnthp_ctl_el2, x9
    isb

    PUTS    "counter\n"
    mrs     x1, cntpct_el0
    isb
    mrs     x2, cntpct_el0
    cmp     x2, x1
    PRINT_IF PCT_MONOTONIC, hs
    BUSY_LOOP 1000
    isb
    mrs     x3, cntpct_el0
    cmp     x3, x2
    PRINT_IF PCT_ADVANCES, hi

    PUTS    "CNTVOFF_EL2\n"
    ldr     x5, =0xffffff0000000000
    msr     cntvoff_el2, x5
    isb
    mrs     x1, cntvoff_el2
    PRINT_REG CNTVOFF_EL2, x1
    mrs     x1, cntpct_el0
    isb
    mrs     x2, cntvct_el0
    isb
    mrs     x3, cntpct_el0
    sub     x6, x1, x5                  // P1 - off
    sub     x7, x3, x5                  // P2 - off
    sub     x10, x2, x6                 // V - (P1 - off): small and >= 0 (unsigned, no wrap)
    cmp     x10, #0x100
    PRINT_IF VCT_GE_PCT1_MINUS_OFF, lo
    sub     x10, x7, x2                 // (P2 - off) - V
    cmp     x10, #0x100
    PRINT_IF VCT_LE_PCT2_MINUS_OFF, lo
    sub     x10, x3, x1
    cmp     x10, #0x100
    PRINT_IF PCT2_MINUS_PCT1_LT_0X100, lo
    lsr     x10, x2, #32
    PRINT_REG VCT_HI32, x10

    PUTS    "virtual timer\n"
    mov     x9, #(1 << 39)
    msr     cntv_cval_el0, x9
    mov     x9, #1
    msr     cntv_ctl_el0, x9
    isb
    PRINT_SYSREG CNTV_CTL_EL0, cntv_ctl_el0
    mov     x9, #(1 << 41)
    msr     cntv_cval_el0, x9
    isb
    PRINT_SYSREG CNTV_CTL_EL0, cntv_ctl_el0
    mov     x9, #2
    msr     cntv_ctl_el0, x9

    PUTS    "CNTP CVAL future\n"
    ldr     x9, =0x0123456789abcdef
    msr     cntp_cval_el0, x9
    mov     x9, #5                      // ENABLE, and a 1 written to RO ISTATUS
    msr     cntp_ctl_el0, x9
    isb
    PRINT_SYSREG CNTP_CVAL_EL0, cntp_cval_el0
    PRINT_SYSREG CNTP_CTL_EL0, cntp_ctl_el0
    mov     x9, #3
    msr     cntp_ctl_el0, x9
    isb
    PRINT_SYSREG CNTP_CTL_EL0, cntp_ctl_el0

    PUTS    "CNTP CVAL past\n"
    mrs     x1, cntpct_el0
    msr     cntp_cval_el0, x1
    mov     x9, #1
    msr     cntp_ctl_el0, x9            // ENABLE, ISTATUS written 0
    isb
tr_wait_past:                           // until CNTPCT > CVAL, so that TVAL < 0
    mrs     x2, cntpct_el0
    cmp     x2, x1
    b.ls    tr_wait_past
    isb
    PRINT_SYSREG CNTP_CTL_EL0, cntp_ctl_el0
    mrs     x3, cntp_tval_el0
    lsr     x4, x3, #31
    and     x4, x4, #1
    PRINT_REG CNTP_TVAL_BIT31, x4
    lsr     x4, x3, #32
    PRINT_REG CNTP_TVAL_HI32, x4
    mov     x9, #3
    msr     cntp_ctl_el0, x9
    isb
    PRINT_SYSREG CNTP_CTL_EL0, cntp_ctl_el0
    mov     x9, #2
    msr     cntp_ctl_el0, x9
    isb
    mrs     x4, cntp_ctl_el0
    and     x4, x4, #3
    PRINT_REG CNTP_CTL_EL0_AND_3, x4
    mov     x9, #3
    msr     cntp_ctl_el0, x9
    isb
    PRINT_SYSREG CNTP_CTL_EL0, cntp_ctl_el0

    PUTS    "CNTP TVAL write\n"
    mov     x9, #1
    msr     cntp_ctl_el0, x9
    ldr     x5, =0xffffff9c             // -100
    isb
    mrs     x1, cntpct_el0
    isb
    msr     cntp_tval_el0, x5
    isb
    mrs     x2, cntpct_el0
    mrs     x3, cntp_cval_el0
    add     x3, x3, #100                // CVAL + 100 = the count at the write
    sub     x10, x3, x1
    cmp     x10, #0x100
    PRINT_IF CVAL_GE_PCT1_MINUS_100, lo
    sub     x10, x2, x3
    cmp     x10, #0x100
    PRINT_IF CVAL_LE_PCT2_MINUS_100, lo
    PRINT_SYSREG CNTP_CTL_EL0, cntp_ctl_el0
    ldr     x5, =0x7fffffff
    msr     cntp_tval_el0, x5
    isb
    PRINT_SYSREG CNTP_CTL_EL0, cntp_ctl_el0
    mov     x9, #2
    msr     cntp_ctl_el0, x9

    PUTS    "CNTHP\n"
    msr     cnthp_cval_el2, xzr
    mov     x9, #1
    msr     cnthp_ctl_el2, x9
    isb
    PRINT_SYSREG CNTHP_CTL_EL2, cnthp_ctl_el2
    mov     x9, #-1
    msr     cnthp_cval_el2, x9
    isb
    PRINT_SYSREG CNTHP_CTL_EL2, cnthp_ctl_el2
    mov     x9, #2
    msr     cnthp_ctl_el2, x9
    PUTS    "done\n"
    POWER_OFF
