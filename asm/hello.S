// hello: print one line on the PL011 UART and power off with PSCI SYSTEM_OFF (smc).
// Checks: raw image loaded and entered at 0x4008_0000, UART console output byte for byte,
// PSCI SYSTEM_OFF (x0 = 0x8400_0008) ends the run with exit status 0.
    .include "lib.S"
    ldr     x9, =STACK_EL2_TOP
    mov     sp, x9
    PUTS    "hello, world\n"
    POWER_OFF
