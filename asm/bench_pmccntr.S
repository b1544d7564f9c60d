// bench_pmccntr: tools/bench.py (b): 100,000 iterations of a 10-instruction body whose first
// instruction reads PMCCNTR_EL0 (a hooked PMU register access every 10 instructions), with the
// cycle counter enabled at EL2. Checks that the cycle counter never goes backwards; prints "ok".
    .include "lib.S"
    EL2_INIT
    ldr     x0, =0x08000000         // PMCCFILTR: NSH (count at EL2)
    msr     pmccfiltr_el0, x0
    ldr     x0, =0x80000000
    msr     pmcntenset_el0, x0
    mov     x0, #1
    msr     pmcr_el0, x0
    ldr     x1, =100000
    mov     x9, #0                  // previous PMCCNTR
    mov     x10, #0                 // count of backward steps
bp_loop:
    mrs     x2, pmccntr_el0
    cmp     x2, x9
    cinc    x10, x10, lo
    mov     x9, x2
    add     x3, x3, #1
    add     x3, x3, #1
    add     x3, x3, #1
    add     x3, x3, #1
    subs    x1, x1, #1
    b.ne    bp_loop
bench_end:                          // tools/bench.py runs raw Unicorn up to here
    cbnz    x10, bp_bad
    PUTS    "ok\n"
    b       bp_off
bp_bad:
    PUTS    "PMCCNTR went backwards\n"
bp_off:
    ldr     x0, =PSCI_SYSTEM_OFF
    smc     #0
