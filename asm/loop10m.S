// loop10m: a tight loop of exactly 10,000,000 instructions, then "done" and PSCI SYSTEM_OFF.
// Checks: instruction counting and run-time budget (no exception, no device access in the loop).
// Instructions executed, from the entry at 0x4008_0000 up to and including the SMC:
//          1  b lib_skip_library_code          (first instruction of lib.S)
//          1  ldr x0, =5000000                 (one literal load)
//  5,000,000  subs x0, x0, #1                  (5,000,000 iterations ...
//  5,000,000  b.ne lm_loop                      ... of 2 instructions = 10,000,000)
//          1  ldr x1, =UART_DR                 (keystone emits one mov)
//         10  5 x (mov w2, #c; strb w2, [x1])  "done\n", no UARTFR polling
//          1  ldr x0, =PSCI_SYSTEM_OFF         (one literal load)
//          1  smc #0
// = 10,000,015 instructions in total (10,000,014 retired before the SMC).
// No stack, no PRINT macros: the count does not depend on the library.
    .include "lib.S"
    ldr     x0, =5000000
lm_loop:
    subs    x0, x0, #1
    b.ne    lm_loop
bench_end:                          // tools/bench.py runs raw Unicorn up to here
    DONE_OFF                        // 13 instructions: "done\n", SYSTEM_OFF
