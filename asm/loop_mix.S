// loop_mix: 1,000,000 iterations of a 10-instruction loop body with 3 memory accesses
// (2 stores, 1 load), then "done" and PSCI SYSTEM_OFF. A more typical block length than
// loop10m's 2-instruction loop, for tools/bench.py (the mix of ../shared/docs/UNICORN_NOTES.md).
// Instructions: 1 (b over lib.S) + 2 (ldr x0 literal, ldr x3 literal: 1 each) + 10,000,000
// (loop) + 1 (ldr x1) + 10 (5 x mov/strb "done\n") + 1 (ldr x0) + 1 (smc) = 10,000,016.
    .include "lib.S"
    ldr     x0, =1000000
    ldr     x3, =0x41000000
lx_loop:
    add     x2, x2, #1
    str     x2, [x3]
    eor     x4, x2, x0
    ldr     x5, [x3]
    add     x6, x5, x4
    str     x6, [x3, #8]
    lsl     x7, x6, #1
    orr     x8, x7, x2
    subs    x0, x0, #1
    b.ne    lx_loop
bench_end:                          // tools/bench.py runs raw Unicorn up to here
    DONE_OFF                        // 13 instructions: "done\n", SYSTEM_OFF
