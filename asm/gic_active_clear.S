// gic_active_clear: the "active" test of kvm-unit-tests arm/gic.c (run_active_clear_test,
// ipi_clear_active_handler) on one PE: an SGI to self (INTID 1, Group 1, priority 0x80) taken at
// EL1 (the kernel starts at EL2, sets up the GIC and ERETs to EL1h with HCR_EL2.IMO = 0, so the
// physical IRQ goes to EL1, vector 0x280). EOImode 0, PMR 0xff, BPR1 0 (its minimum is used).
// First IRQ: the handler reads ICC_IAR1_EL1 (1) and, instead of writing ICC_EOIR1_EL1, clears
// the active state with GICR_ICACTIVER0 (SGI frame 0x080b0380, bit 1): GICR_ISACTIVER0 bit 1
// reads 1 before and 0 after. The running priority is not touched: it comes from the active
// priority registers (ICC_AP1R<n>_EL1), which only an EOI (priority drop) clears, so after a
// 10000-iteration window with IRQs unmasked no further interrupt has come (1 IRQ), ICC_RPR_EL1 is
// still 0x80 and ICC_IAR1_EL1 reads 1023. A second SGI 1 (same priority) is then pending
// (GICR_ISPENDR0 bit 1) and not signalled: its group priority is not higher than the running
// priority, so it is not taken in a second window and ICC_IAR1_EL1 reads 1023. ICC_EOIR1_EL1 = 1
// (the last acknowledged INTID) drops the priority (RPR 0xff); its deactivation names an
// interrupt that is not active, which leaves the pending SGI pending (still not active). With
// IRQs unmasked the second SGI is taken (handler: IAR 1, EOIR, inactive), 2 IRQs in all; RPR 0xff
// and IAR 1023 at the end.
// GIC IHI 0069: 4.1 interrupt states (deactivation: active -> inactive), GICR_ICACTIVER0,
// GICR_ISACTIVER0, GICR_ISPENDR0, ICC_AP1R<n>_EL1 and ICC_RPR_EL1 (running priority = highest
// active priority), 4.7 (signalled only if the group priority is higher than the running
// priority), ICC_IAR1_EL1 (1023 when no interrupt can be signalled), ICC_EOIR1_EL1 (EOImode 0:
// priority drop and deactivation), ICC_SGI1R_EL1. Arm ARM: HCR_EL2.IMO = 0 routing to EL1.
    .include "lib.S"
    .include "gic.S"
    EL2_INIT
    SET_VBAR 1, ac_vt1
    GIC_WAKE ac_gic_wake
    GIC_PRIVATE_IRQ 1
    mov     x0, #0xf
    msr     icc_sre_el2, x0
    msr     icc_sre_el1, x0
    isb
    msr     icc_ctlr_el1, xzr       // EOImode 0
    msr     icc_bpr1_el1, xzr
    mov     x0, #0xff
    msr     icc_pmr_el1, x0
    mov     x0, #1
    msr     icc_igrpen1_el1, x0
    isb
    SET_HCR HCR_RW                  // IMO = 0: physical IRQs to EL1
    mov     x21, #0                 // IRQs taken
    ERET_TO 2, ac_el1, (SPSR_EL1H + SPSR_DAIF)

ac_el1:
    ldr     x5, =0x080b0200         // GICR_ISPENDR0 (x5, x6 kept by the PRINT macros)
    ldr     x6, =0x080b0300         // GICR_ISACTIVER0
    mov     x7, #10000              // window length (x7 kept too)
    msr     daifclr, #2
    ldr     x0, =0x01000001         // SGI 1, TargetList = PE 0
    msr     icc_sgi1r_el1, x0
    isb
    mov     x20, #0
ac_window1:
    add     x20, x20, #1
    cmp     x20, x7
    b.ne    ac_window1
    msr     daifset, #2
    isb
    PRINT_REG "IRQS_AFTER_WINDOW", x21
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_AFTER_WINDOW", x0
    ldr     w0, [x6]
    ubfx    x0, x0, #1, #1
    PRINT_REG "ACTIVE_AFTER_WINDOW", x0
    mrs     x0, icc_iar1_el1
    PRINT_REG "IAR_AFTER_WINDOW", x0
    // A second SGI 1 at the same priority: blocked by the running priority.
    ldr     x0, =0x01000001
    msr     icc_sgi1r_el1, x0
    isb
    msr     daifclr, #2
    mov     x20, #0
ac_window2:
    add     x20, x20, #1
    cmp     x20, x7
    b.ne    ac_window2
    msr     daifset, #2
    isb
    PRINT_REG "IRQS_AFTER_SECOND_SGI", x21
    ldr     w0, [x5]
    ubfx    x0, x0, #1, #1
    PRINT_REG "PENDING_SECOND", x0
    mrs     x0, icc_iar1_el1
    PRINT_REG "IAR_BLOCKED", x0
    // EOI of the first SGI: priority drop; deactivation of a no longer active interrupt.
    mov     x0, #1
    msr     icc_eoir1_el1, x0
    isb
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_AFTER_EOI", x0
    ldr     w0, [x5]
    ubfx    x0, x0, #1, #1
    PRINT_REG "PENDING_AFTER_EOI", x0
    ldr     w0, [x6]
    ubfx    x0, x0, #1, #1
    PRINT_REG "ACTIVE_AFTER_EOI", x0
    msr     daifclr, #2
    mov     x20, #0
ac_window3:
    add     x20, x20, #1
    cmp     x20, x7
    b.ne    ac_window3
    msr     daifset, #2
    isb
    PRINT_REG "IRQS_TOTAL", x21
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_END", x0
    mrs     x0, icc_iar1_el1
    PRINT_REG "IAR_END", x0
    POWER_OFF

// EL1 IRQ handler (x17 = vector offset). First IRQ: clear the active state through
// GICR_ICACTIVER0, no EOI. Second: EOIR.
ac_handler:
    cmp     x17, #0x280
    b.ne    ac_unexpected
    add     x21, x21, #1
    mrs     x22, icc_iar1_el1
    PRINT_REG "IRQ", x21
    PRINT_REG "INTID", x22
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_IN_HANDLER", x0
    ldr     w0, [x6]
    ubfx    x0, x0, #1, #1
    PRINT_REG "ACTIVE_BEFORE", x0
    cmp     x21, #1
    b.ne    ac_second
    ldr     x1, =0x080b0380         // GICR_ICACTIVER0
    mov     w0, #0x2
    str     w0, [x1]
    dsb     sy
    ldr     w0, [x6]
    ubfx    x0, x0, #1, #1
    PRINT_REG "ACTIVE_AFTER_ICACTIVER", x0
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_AFTER_ICACTIVER", x0
    eret
ac_second:
    msr     icc_eoir1_el1, x22
    isb
    ldr     w0, [x6]
    ubfx    x0, x0, #1, #1
    PRINT_REG "ACTIVE_AFTER_EOIR", x0
    eret
ac_unexpected:
    PRINT_REG "UNEXPECTED_VECTOR", x17
    PRINT_EXC 1
    POWER_OFF

    VECTOR_TABLE ac_vt1, ac_handler
