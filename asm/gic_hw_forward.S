// gic_hw_forward: a physical interrupt forwarded to EL1 with ICH_LR<n>_EL2.HW = 1, as KVM does
// for the virtual timer (the founding question of this project, ../shared/seeds). The EL1 virtual
// timer (INTID 27, level) fires; EL2 takes it (HCR_EL2.IMO = 1), acknowledges it, drops its
// priority only (ICC_CTLR_EL1.EOImode = 1, so it stays active), and puts it in ICH_LR0_EL2 as
// pending, HW = 1, pINTID = vINTID = 27. EL1 takes the virtual interrupt, masks the timer
// (CNTV_CTL_EL0.IMASK: the line falls) and EOIs it: the virtual EOI deactivates the physical
// INTID 27 (GICR_ISACTIVER0 bit 27 clears). IHI 0069 ICH_LR<n>_EL2.HW, ICV_EOIR1_EL1.
    .include "lib.S"
    .include "gic.S"
    EL2_INIT
    SET_VBAR 2, hw_vt2
    SET_VBAR 1, hw_vt1
    GIC_WAKE hw_gic_wake
    GIC_PRIVATE_IRQ 27
    mov     x0, #0xf
    msr     icc_sre_el2, x0
    isb
    mov     x0, #0xff
    msr     icc_pmr_el1, x0
    mov     x0, #2                  // ICC_CTLR_EL1.EOImode = 1
    msr     icc_ctlr_el1, x0
    mov     x0, #1
    msr     icc_igrpen1_el1, x0
    msr     ich_hcr_el2, x0         // En
    ldr     x0, =0xf8000002         // ICH_VMCR_EL2: VPMR 0xf8, VENG1
    msr     ich_vmcr_el2, x0
    SET_HCR (HCR_RW + 0x10)         // IMO
    msr     cntv_cval_el0, xzr      // the virtual timer's condition holds at once
    mov     x0, #1
    msr     cntv_ctl_el0, x0
    isb
    mov     x21, #0
    msr     daifclr, #2
    mov     x20, #0
hw_wait2:
    add     x20, x20, #1
    cmp     x20, #100
    b.ne    hw_wait2
    msr     daifset, #2
    PRINT_REG "EL2_IRQS", x21
    ERET_TO 2, hw_el1, (SPSR_EL1H + SPSR_DAIF)
hw_el1:
    mov     x0, #0xf
    msr     icc_sre_el1, x0
    isb
    msr     daifclr, #2
    mov     x20, #0
hw_wait1:
    add     x20, x20, #1
    cmp     x20, #100
    b.ne    hw_wait1
    hvc     #1

hw_handler2:
    cmp     x17, #0x280             // physical IRQ at EL2
    b.ne    hw_sync2
    add     x21, x21, #1
    mrs     x22, icc_iar1_el1
    PRINT_REG "EL2_INTID", x22
    msr     icc_eoir1_el1, x22      // EOImode 1: priority drop only
    ldr     x1, =0x080b0300         // GICR_ISACTIVER0
    ldr     w0, [x1]
    ubfx    x0, x0, #27, #1
    PRINT_REG "ACTIVE_AFTER_HOST_EOI", x0
    ldr     x0, =0x70a0001b0000001b // pending, HW, Group 1, priority 0xa0, pINTID 27, vINTID 27
    msr     ich_lr0_el2, x0
    isb
    eret
hw_sync2:
    cmp     x17, #0x400             // the guest's hvc
    b.ne    hw_unexpected2
    ldr     x1, =0x080b0300
    ldr     w0, [x1]
    ubfx    x0, x0, #27, #1
    PRINT_REG "ACTIVE_AFTER_GUEST_EOI", x0
    mrs     x0, ich_lr0_el2
    lsr     x0, x0, #62
    PRINT_REG "LR0_STATE", x0
    POWER_OFF
hw_unexpected2:
    PRINT_EXC 2
    POWER_OFF
hw_handler1:
    cmp     x17, #0x280             // virtual IRQ at EL1
    b.ne    hw_unexpected1
    mrs     x22, icc_iar1_el1       // ICV_IAR1_EL1
    PRINT_REG "EL1_VINTID", x22
    mov     x0, #3                  // CNTV_CTL_EL0: ENABLE | IMASK: the line falls
    msr     cntv_ctl_el0, x0
    isb
    msr     icc_eoir1_el1, x22      // ICV_EOIR1_EL1: deactivates physical INTID 27 too
    isb
    eret
hw_unexpected1:
    PRINT_EXC 1
    POWER_OFF

    VECTOR_TABLE hw_vt2, hw_handler2
    VECTOR_TABLE hw_vt1, hw_handler1
