// debug_watchpoint: watchpoints (Arm ARM D2, "Watchpoint exceptions"; AArch64.WatchpointMatch with
// BAS byte lanes and LSC), with the OS lock released and MDSCR_EL1.MDE and KDE.
// DBGWCR0 watches stores to bytes 0-3 of `data` at EL1 (BAS 0x0f, LSC 0b10, PAC 0b01):
//   a store to bytes 4-7 and a load of byte 0 take nothing; STRB to byte 2: ESR_EL1 = 0xd6000062
//   (EC 0x35 from the current EL, IL, WnR, DFSC 0x22), FAR = data + 2, ELR = the store, which has
//   not run (the byte still reads 0 in the handler; it is written after the return, with SPSR.D
//   set); an STP over data - 8 .. data + 7: FAR = data (the first watched byte it writes).
// DBGWCR1 watches loads of bytes 8-15 at EL0 (BAS 0xff, LSC 0b01, PAC 0b10): LDR at EL0:
//   ESR_EL1 = 0xd2000022 (EC 0x34 from a lower EL), FAR = data + 8, vector 0x400.
    .include "lib.S"
    .equ MDSCR_MDE_KDE, 0xa000
    .equ WCR0, 0x1f3                        // BAS 0x0f, LSC store, PAC EL1, E
    .equ WCR1, 0x1fed                       // BAS 0xff, LSC load, PAC EL0, E
    .equ DATA, 0x41000000
    EL2_INIT
    SET_VBAR 1, dw_vt1
    ERET_TO 2, dw_el1, (SPSR_EL1H + SPSR_DAIF)
dw_el1:
    OS_UNLOCK
    ldr     x3, =DATA
    str     xzr, [x3]
    str     xzr, [x3, #8]
    msr     s2_0_c0_c0_6, x3                // DBGWVR0_EL1 = data
    ldr     x0, =WCR0
    msr     s2_0_c0_c0_7, x0                // DBGWCR0_EL1
    add     x0, x3, #8
    msr     s2_0_c0_c1_6, x0                // DBGWVR1_EL1 = data + 8
    ldr     x0, =WCR1
    msr     s2_0_c0_c1_7, x0                // DBGWCR1_EL1
    ldr     x0, =MDSCR_MDE_KDE
    msr     s2_0_c0_c2_2, x0                // MDSCR_EL1
    isb
    msr     daifclr, #8
    mov     x1, #0x11
    str     w1, [x3, #4]
    ldrb    w0, [x3]
    PUTS    "EL1 store to bytes 4-7 and load of byte 0: no watchpoint\n"
    adr     x20, dw_i1
dw_i1:
    strb    w1, [x3, #2]
    ldr     x0, [x3]
    PRINT_REG DATA_0, x0
    msr     daifclr, #8
    sub     x4, x3, #8
    mov     x2, #0x22
    adr     x20, dw_i2
dw_i2:
    stp     x1, x2, [x4]
    ldr     x0, [x3]
    PRINT_REG DATA_0, x0
    PUTS    "EL0\n"
    add     x5, x3, #8
    adr     x20, dw_i3
    ERET_TO 1, dw_el0, SPSR_EL0T
dw_el0:
dw_i3:
    ldr     x6, [x5]
    svc     #0
    PUTS    "FAIL: still running\n"
    POWER_OFF

dw_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15
    b.eq    dw_done                         // svc #0 from EL0: the end
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    PRINT_SYSREG FAR_EL1, far_el1
    mrs     x10, elr_el1
    sub     x10, x10, x20
    PRINT_REG ELR_EL1_MINUS_INSN, x10
    ldr     x10, [x3]
    PRINT_REG DATA_0_IN_HANDLER, x10
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x34
    b.eq    dw_lower
    mrs     x10, spsr_el1
    orr     x10, x10, #0x200                // SPSR.D: the store runs after the return
    msr     spsr_el1, x10
    eret
dw_lower:
    msr     s2_0_c0_c1_7, xzr               // DBGWCR1_EL1 = 0: the load runs after the return
    isb
    eret
dw_done:
    PUTS    "done\n"
    POWER_OFF

    VECTOR_TABLE dw_vt1, dw_handler1
