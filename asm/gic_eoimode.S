// gic_eoimode: ICC_CTLR_EL1.EOImode = 1 (priority drop and deactivation split), at EL2
// (HCR_EL2.IMO = 1). SGI 3 (Group 1, priority 0x80) to self. In the first handler: a second SGI 3
// is sent while 3 is active: GICR_ISPENDR0 and GICR_ISACTIVER0 both show it (active and pending);
// ICC_EOIR1_EL1 drops the priority (ICC_RPR_EL1 back to idle 0xff) but leaves 3 active; with IRQs
// unmasked for a short loop the active-and-pending SGI is not taken (an active interrupt is not
// signalled again before it is deactivated); ICC_DIR_EL1 deactivates it (ISACTIVER0 bit 0,
// still pending); after the return the second SGI 3 is taken (second handler: EOIR, still active,
// DIR, inactive). Finally ICC_IAR1_EL1 reads 1023.
// GIC IHI 0069: ICC_CTLR_EL1.EOImode, ICC_EOIR1_EL1 (priority drop only with EOImode 1),
// ICC_DIR_EL1, 4.1 interrupt states (active and pending), GICR_ISPENDR0, GICR_ISACTIVER0.
    .include "lib.S"
    .include "gic.S"
    EL2_INIT
    SET_VBAR 2, ge_vt2
    GIC_WAKE ge_gic_wake
    GIC_PRIVATE_IRQ 3
    mov     x0, #0xf
    msr     icc_sre_el2, x0
    msr     icc_sre_el1, x0
    isb
    mov     x0, #2                  // EOImode = 1
    msr     icc_ctlr_el1, x0
    mov     x0, #0xff
    msr     icc_pmr_el1, x0
    mov     x0, #1
    msr     icc_igrpen1_el1, x0
    isb
    mrs     x0, icc_ctlr_el1
    ubfx    x0, x0, #1, #1
    PRINT_REG "CTLR_EOIMODE", x0
    SET_HCR (HCR_RW + 0x10)
    mov     x21, #0
    msr     daifclr, #2
    ldr     x0, =0x03000001         // INTID 3, TargetList = PE 0
    msr     icc_sgi1r_el1, x0
    isb
    mov     x20, #0
ge_wait:
    cmp     x21, #2
    b.eq    ge_done
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    ge_wait
ge_done:
    msr     daifset, #2
    PRINT_REG "IRQS_TAKEN", x21
    mrs     x0, icc_iar1_el1
    PRINT_REG "IAR_AFTER", x0
    ldr     x1, =0x080b0300
    ldr     w0, [x1]
    ubfx    x0, x0, #3, #1
    PRINT_REG "ACTIVE_AT_END", x0
    POWER_OFF

// x5 = GICR_ISPENDR0, x6 = GICR_ISACTIVER0 (the PRINT macros keep them).
ge_handler:
    cmp     x17, #0x280
    b.ne    ge_unexpected
    add     x21, x21, #1
    mrs     x22, icc_iar1_el1
    ldr     x5, =0x080b0200         // GICR_ISPENDR0
    ldr     x6, =0x080b0300         // GICR_ISACTIVER0
    PRINT_REG "IRQ", x21
    PRINT_REG "INTID", x22
    cmp     x21, #1
    b.ne    ge_second
    // First delivery: send SGI 3 again while it is active.
    ldr     x0, =0x03000001
    msr     icc_sgi1r_el1, x0
    isb
    ldr     w0, [x5]
    ubfx    x0, x0, #3, #1
    PRINT_REG "PENDING_WHILE_ACTIVE", x0
    ldr     w0, [x6]
    ubfx    x0, x0, #3, #1
    PRINT_REG "ACTIVE_BEFORE_EOI", x0
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_BEFORE_EOI", x0
    msr     icc_eoir1_el1, x22      // priority drop only
    isb
    ldr     w0, [x6]
    ubfx    x0, x0, #3, #1
    PRINT_REG "ACTIVE_AFTER_EOI", x0
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_AFTER_EOI", x0
    // IRQs unmasked for a while: the active-and-pending SGI must not be taken.
    mrs     x23, elr_el2
    mrs     x24, spsr_el2
    msr     daifclr, #2
    isb
    mov     x7, #0
ge_window:
    add     x7, x7, #1
    cmp     x7, #200
    b.ne    ge_window
    msr     daifset, #2
    isb
    msr     elr_el2, x23
    msr     spsr_el2, x24
    sub     x0, x21, #1
    PRINT_REG "TAKEN_BEFORE_DIR", x0
    msr     icc_dir_el1, x22        // deactivation
    isb
    ldr     w0, [x6]
    ubfx    x0, x0, #3, #1
    PRINT_REG "ACTIVE_AFTER_DIR", x0
    ldr     w0, [x5]
    ubfx    x0, x0, #3, #1
    PRINT_REG "PENDING_AFTER_DIR", x0
    eret
ge_second:
    ldr     w0, [x5]
    ubfx    x0, x0, #3, #1
    PRINT_REG "PENDING_IN_SECOND", x0
    msr     icc_eoir1_el1, x22
    isb
    ldr     w0, [x6]
    ubfx    x0, x0, #3, #1
    PRINT_REG "ACTIVE_AFTER_EOI", x0
    msr     icc_dir_el1, x22
    isb
    ldr     w0, [x6]
    ubfx    x0, x0, #3, #1
    PRINT_REG "ACTIVE_AFTER_DIR", x0
    eret
ge_unexpected:
    PRINT_REG "UNEXPECTED_VECTOR", x17
    POWER_OFF

    VECTOR_TABLE ge_vt2, ge_handler
