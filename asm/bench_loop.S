// bench_loop: the load/store/ALU loop of tools/bench.py (a): 5,000,000 iterations of a
// 10-instruction body (2 stores, 1 load, ALU, a conditional branch) = 50,000,000 instructions,
// with the PMU counting INST_RETIRED (PMEVCNTR0), BR_RETIRED (PMEVCNTR1) and CPU_CYCLES
// (PMCCNTR) at EL2. Prints "done" (the counts depend on the cost model and are not printed).
// @max-insns 60000000
    .include "lib.S"
    ldr     x0, =0x08000008         // PMEVTYPER0: INST_RETIRED, NSH (count at EL2)
    msr     pmevtyper0_el0, x0
    ldr     x0, =0x08000021         // PMEVTYPER1: BR_RETIRED, NSH
    msr     pmevtyper1_el0, x0
    ldr     x0, =0x08000000         // PMCCFILTR: NSH
    msr     pmccfiltr_el0, x0
    ldr     x0, =0x80000003         // cycle counter, counters 0 and 1
    msr     pmcntenset_el0, x0
    mov     x0, #1                  // PMCR_EL0.E
    msr     pmcr_el0, x0
    ldr     x0, =5000000
    ldr     x3, =0x41000000
bl_loop:
    add     x2, x2, #1
    str     x2, [x3]
    eor     x4, x2, x0
    ldr     x5, [x3]
    add     x6, x5, x4
    str     x6, [x3, #8]
    lsl     x7, x6, #1
    orr     x8, x7, x2
    subs    x0, x0, #1
    b.ne    bl_loop
bench_end:                          // tools/bench.py runs raw Unicorn up to here
    DONE_OFF                        // 13 instructions: "done\n", SYSTEM_OFF
