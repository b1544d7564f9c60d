// gic_level: a level-sensitive PPI kept high, at EL2 (HCR_EL2.IMO = 1): the EL1 physical timer,
// INTID 30 (Group 1, priority 0x80, GICR_ICFGR1 field of INTID 30 = 0b00 level at reset), with
// CNTP_CVAL_EL0 = 0 (in the past) and CNTP_CTL_EL0 = ENABLE, IMASK = 0, so ISTATUS = 1 and the
// line stays high. The handler acknowledges INTID 30 and EOIs it (EOImode 0) without clearing the
// timer condition: the interrupt is pending again at once and taken again. At the second delivery
// the handler sets IMASK before EOI: the line falls, no third delivery within the wait loop, the
// INTID is no longer pending (GICR_ISPENDR0 bit 30 = 0) while the timer condition holds
// (CNTP_CTL_EL0 = ENABLE | IMASK | ISTATUS = 0x7).
// GIC IHI 0069 4.1 (level-sensitive interrupts: pending while the line is asserted, so after
// deactivation an asserted level interrupt is pending again), GICR_ICFGR1; Arm ARM D12.2.4 (timer
// condition, CTL.IMASK, ISTATUS), the virt board's EL1 physical timer PPI 14 = INTID 30.
    .include "lib.S"
    .include "gic.S"
    EL2_INIT
    SET_VBAR 2, gl_vt2
    GIC_WAKE gl_gic_wake
    ldr     x0, =0x080b0c04         // GICR_ICFGR1 (INTIDs 16-31): INTID 30 = bits [29:28]
    ldr     w0, [x0]
    ubfx    x0, x0, #28, #2
    PRINT_REG "ICFGR1_INTID30", x0
    GIC_PRIVATE_IRQ 30
    GIC_CPUIF_ON
    SET_HCR (HCR_RW + 0x10)
    mov     x21, #0
    // EL1 physical timer: CVAL 0 (in the past), ENABLE = 1, IMASK = 0.
    msr     cntp_cval_el0, xzr
    mov     x0, #1
    msr     cntp_ctl_el0, x0
    isb
    msr     daifclr, #2
    mov     x20, #0
gl_wait:
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    gl_wait
    msr     daifset, #2
    PRINT_REG "IRQS_TAKEN", x21
    mrs     x0, cntp_ctl_el0
    PRINT_REG "CNTP_CTL_EL0", x0
    ldr     x1, =0x080b0200         // GICR_ISPENDR0
    ldr     w0, [x1]
    ubfx    x0, x0, #30, #1
    PRINT_REG "PENDING_AT_END", x0
    ldr     x1, =0x080b0300         // GICR_ISACTIVER0
    ldr     w0, [x1]
    ubfx    x0, x0, #30, #1
    PRINT_REG "ACTIVE_AT_END", x0
    mrs     x0, icc_iar1_el1
    PRINT_REG "IAR_AT_END", x0
    POWER_OFF

gl_handler:
    cmp     x17, #0x280
    b.ne    gl_unexpected
    add     x21, x21, #1
    mrs     x22, icc_iar1_el1
    PRINT_REG "IRQ", x21
    PRINT_REG "INTID", x22
    mrs     x0, cntp_ctl_el0
    PRINT_REG "CNTP_CTL_EL0", x0
    cmp     x21, #2
    b.lo    gl_eoi
    mov     x0, #3                  // ENABLE | IMASK: the line falls
    msr     cntp_ctl_el0, x0
    isb
gl_eoi:
    msr     icc_eoir1_el1, x22
    isb
    eret
gl_unexpected:
    PRINT_REG "UNEXPECTED_VECTOR", x17
    POWER_OFF

    VECTOR_TABLE gl_vt2, gl_handler
