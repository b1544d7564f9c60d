// gic_pmr: priority masking and preemption, at EL2 (HCR_EL2.IMO = 1), EOImode 0, BPR1 = 3
// (group priority = priority bits [7:3]). SGIs to self, Group 1: INTID 1 priority 0x40, INTID 2
// priority 0x80, INTID 3 priority 0xa0.
// Part 1: ICC_PMR_EL1 = 0x80, SGI 2 (priority 0x80, not higher than the mask) is pending
// (GICR_ISPENDR0) but not signalled: ISR_EL1.I = 0, no IRQ during a loop with IRQs unmasked,
// ICC_IAR1_EL1 reads 1023 (masked: not acknowledged, still pending). PMR = 0x90 lets it through:
// ISR_EL1.I becomes 1 (polled with IRQs masked, at most 1000 reads), then it is taken.
// Part 2: PMR = 0xff. In the handler of SGI 2 (running priority 0x80), SGI 3 (0xa0) and SGI 1
// (0x40) are sent with IRQs masked, then IRQs are unmasked: SGI 1 preempts (nested handler,
// RPR 0x40 there, 0x80 again after its EOI) and SGI 3 does not; after EOI of SGI 2 and the
// return, SGI 3 is taken. The order of INTIDs acknowledged is printed.
// GIC IHI 0069 4.7 (priority masking: an interrupt is signalled only if its priority is higher
// than ICC_PMR_EL1 and its group priority is higher than the running priority; preemption),
// ICC_PMR_EL1, ICC_BPR1_EL1, ICC_RPR_EL1, ICC_IAR1_EL1 (1023 when no interrupt can be signalled);
// Arm ARM ISR_EL1.I.
    .include "lib.S"
    .include "gic.S"
    EL2_INIT
    SET_VBAR 2, gp_vt2
    GIC_WAKE gp_gic_wake
    ldr     x0, =0x080b0080         // GICR_IGROUPR0: INTIDs 1-3 Group 1
    mov     w1, #0xe
    str     w1, [x0]
    ldr     x0, =0x080b0400         // GICR_IPRIORITYR0: 1 = 0x40, 2 = 0x80, 3 = 0xa0
    ldr     w1, =0xa0804000
    str     w1, [x0]
    ldr     x0, =0x080b0100         // GICR_ISENABLER0: INTIDs 1-3
    mov     w1, #0xe
    str     w1, [x0]
    mov     x0, #0xf
    msr     icc_sre_el2, x0
    msr     icc_sre_el1, x0
    isb
    msr     icc_ctlr_el1, xzr       // EOImode 0
    mov     x0, #3
    msr     icc_bpr1_el1, x0
    mov     x0, #0x80
    msr     icc_pmr_el1, x0
    mov     x0, #1
    msr     icc_igrpen1_el1, x0
    isb
    mrs     x0, icc_pmr_el1
    PRINT_REG "PMR", x0
    SET_HCR (HCR_RW + 0x10)
    mov     x21, #0                 // IRQs taken
    mov     x25, #0                 // INTIDs acknowledged, 8 bits each, the first lowest
    mov     x26, #0                 // shift into x25
    // Part 1: SGI 2 at priority 0x80 with PMR 0x80.
    ldr     x0, =0x02000001
    msr     icc_sgi1r_el1, x0
    isb
    ldr     x1, =0x080b0200         // GICR_ISPENDR0
    ldr     w0, [x1]
    ubfx    x0, x0, #2, #1
    PRINT_REG "MASKED_PENDING", x0
    mrs     x0, isr_el1
    ubfx    x0, x0, #7, #1
    PRINT_REG "MASKED_ISR_I", x0
    mrs     x0, icc_iar1_el1
    PRINT_REG "MASKED_IAR", x0
    msr     daifclr, #2
    isb
    mov     x20, #0
gp_loop1:
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    gp_loop1
    msr     daifset, #2
    PRINT_REG "MASKED_IRQS_TAKEN", x21
    ldr     w0, [x1]
    ubfx    x0, x0, #2, #1
    PRINT_REG "STILL_PENDING", x0
    // PMR = 0x90: 0x80 is now higher than the mask.
    mov     x0, #0x90
    msr     icc_pmr_el1, x0
    isb
    mov     x20, #0                 // poll ISR_EL1.I (IRQs still masked): signalled in finite time
gp_poll:
    mrs     x0, isr_el1
    ubfx    x0, x0, #7, #1
    cbnz    x0, gp_polled
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    gp_poll
gp_polled:
    PRINT_REG "UNMASKED_ISR_I", x0
    mov     x27, #0                 // part 1: the handler does not send more SGIs
    msr     daifclr, #2
    isb
    mov     x20, #0
gp_loop2:
    cbnz    x21, gp_done2
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    gp_loop2
gp_done2:
    msr     daifset, #2
    PRINT_REG "PMR90_IRQS_TAKEN", x21
    PRINT_REG "PMR90_INTIDS", x25
    // Part 2: preemption.
    mov     x0, #0xff
    msr     icc_pmr_el1, x0
    isb
    mov     x21, #0
    mov     x25, #0
    mov     x26, #0
    mov     x27, #1                 // part 2: the handler of SGI 2 sends SGIs 3 and 1
    msr     daifclr, #2
    ldr     x0, =0x02000001
    msr     icc_sgi1r_el1, x0
    isb
    mov     x20, #0
gp_loop3:
    cmp     x21, #3
    b.eq    gp_done3
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    gp_loop3
gp_done3:
    msr     daifset, #2
    PRINT_REG "IRQS_TAKEN", x21
    PRINT_REG "INTIDS_IN_ORDER", x25
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_AT_END", x0
    mrs     x0, icc_iar1_el1
    PRINT_REG "IAR_AT_END", x0
    POWER_OFF

// The handler. Saves what a nested entry clobbers (x17, x22, x23, x24, ELR_EL2, SPSR_EL2).
gp_handler:
    cmp     x17, #0x280
    b.ne    gp_unexpected
    stp     x22, x23, [sp, #-32]!
    str     x24, [sp, #16]
    add     x21, x21, #1
    mrs     x22, icc_iar1_el1
    lsl     x0, x22, x26
    orr     x25, x25, x0
    add     x26, x26, #8
    PRINT_REG "INTID", x22
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR", x0
    cbz     x27, gp_eoi
    cmp     x22, #2
    b.ne    gp_eoi
    // SGI 2 in part 2: send SGI 3 (0xa0) then SGI 1 (0x40), IRQs still masked.
    ldr     x0, =0x03000001
    msr     icc_sgi1r_el1, x0
    ldr     x0, =0x01000001
    msr     icc_sgi1r_el1, x0
    isb
    mrs     x23, elr_el2
    mrs     x24, spsr_el2
    msr     daifclr, #2             // SGI 1 preempts here
    isb
    mov     x7, #0
gp_window:
    add     x7, x7, #1
    cmp     x7, #200
    b.ne    gp_window
    msr     daifset, #2
    isb
    msr     elr_el2, x23
    msr     spsr_el2, x24
    PRINT_REG "TAKEN_INSIDE_SGI2", x21
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_BACK_IN_SGI2", x0
gp_eoi:
    msr     icc_eoir1_el1, x22
    isb
    ldr     x24, [sp, #16]
    ldp     x22, x23, [sp], #32
    eret
gp_unexpected:
    PRINT_REG "UNEXPECTED_VECTOR", x17
    POWER_OFF

    VECTOR_TABLE gp_vt2, gp_handler
