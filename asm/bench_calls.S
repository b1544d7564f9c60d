// bench_calls: the stack-heavy loop of tools/bench.py (c): 1,000,000 calls of a leaf function
// that builds a 32-byte frame (stp pre-index, str, ldr, ldp post-index), with SCTLR_EL2.SA set
// so that every one of its SP-based loads and stores is subject to AArch64.CheckSPAlignment
// (emu checks SP once per block against the block's own SP arithmetic; raw Unicorn checks
// nothing). 12 instructions per iteration. Prints "done".
// @max-insns 14000000
    .include "lib.S"
    .equ SCTLR_SA, 0x8
    EL2_INIT
    ldr     x0, =(SCTLR_EL2_RES1 + SCTLR_SA)
    msr     sctlr_el2, x0
    isb
    ldr     x0, =1000000
bc_loop:
    mov     x1, x0
    bl      bc_leaf
    add     x2, x2, x1
    subs    x0, x0, #1
    b.ne    bc_loop
bench_end:                          // tools/bench.py runs raw Unicorn up to here
    DONE_OFF

bc_leaf:
    stp     x29, x30, [sp, #-32]!
    mov     x29, sp
    str     x1, [sp, #16]
    ldr     x3, [sp, #16]
    eor     x1, x3, x29
    ldp     x29, x30, [sp], #32
    ret
