// gic_sgi: an SGI to self (INTID 5) through ICC_SGI1R_EL1 (TargetList bit 0, Aff3-Aff1 = 0,
// IRM = 0), taken at EL2 (HCR_EL2.IMO = 1, vector 0x280) and then at EL1 (IMO = 0, vector
// 0x280). GIC: distributor Group 1 on (ARE RAO with DS = 1), redistributor awake, INTID 5 Group 1,
// enabled, priority 0x80; CPU interface: PMR 0xff, EOImode 0, Group 1 on. Each handler prints the
// INTID from ICC_IAR1_EL1, ICC_RPR_EL1 (= the priority of the active interrupt, 0x80), the
// GICR_ISACTIVER0 bit of INTID 5 before and after ICC_EOIR1_EL1 (EOImode 0: priority drop and
// deactivation), ICC_RPR_EL1 after EOI (idle 0xff), then after return ICC_IAR1_EL1 reads 1023
// (0x3ff, no pending interrupt).
// GIC IHI 0069: ICC_SGI1R_EL1, ICC_IAR1_EL1 (1023 = spurious), ICC_RPR_EL1, ICC_EOIR1_EL1,
// GICR_ISACTIVER0; Arm ARM: HCR_EL2.IMO routing of physical IRQs.
    .include "lib.S"
    .include "gic.S"
    EL2_INIT
    SET_VBAR 2, gs_vt2
    GIC_WAKE gs_gic_wake
    GIC_PRIVATE_IRQ 5
    GIC_CPUIF_ON
    mrs     x0, icc_iar1_el1
    PRINT_REG "IAR_IDLE", x0
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_IDLE", x0
    // EL2: IMO = 1, IRQs unmasked.
    SET_HCR (HCR_RW + 0x10)
    mov     x21, #0
    msr     daifclr, #2
    ldr     x0, =0x05000001         // INTID 5, TargetList = PE 0 (Aff0 = 0)
    msr     icc_sgi1r_el1, x0
    isb
    mov     x20, #0
gs_wait2:
    cbnz    x21, gs_done2
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    gs_wait2
gs_done2:
    msr     daifset, #2
    PRINT_REG "EL2_IRQS_TAKEN", x21
    mrs     x0, icc_iar1_el1
    PRINT_REG "EL2_IAR_AFTER", x0
    // EL1: IMO = 0.
    SET_HCR HCR_RW
    SET_VBAR 1, gs_vt1
    mov     x21, #0
    ERET_TO 2, gs_el1, (SPSR_EL1H + SPSR_DAIF)
gs_el1:
    msr     daifclr, #2
    ldr     x0, =0x05000001
    msr     icc_sgi1r_el1, x0
    isb
    mov     x20, #0
gs_wait1:
    cbnz    x21, gs_done1
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    gs_wait1
gs_done1:
    msr     daifset, #2
    PRINT_REG "EL1_IRQS_TAKEN", x21
    mrs     x0, icc_iar1_el1
    PRINT_REG "EL1_IAR_AFTER", x0
    POWER_OFF

// The handler, at EL2 and at EL1 (x17 = vector offset; x19 = the EL, 2 or 1).
gs_handler2:
    mov     x19, #2
    b       gs_handler
gs_handler1:
    mov     x19, #1
gs_handler:
    cmp     x17, #0x280
    b.ne    gs_unexpected
    add     x21, x21, #1
    mrs     x22, icc_iar1_el1
    PRINT_REG "EL", x19
    PRINT_REG "INTID", x22
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_IN_HANDLER", x0
    ldr     x1, =0x080b0300         // GICR_ISACTIVER0
    ldr     w0, [x1]
    ubfx    x0, x0, #5, #1
    PRINT_REG "ACTIVE_BEFORE_EOI", x0
    msr     icc_eoir1_el1, x22
    isb
    ldr     w0, [x1]
    ubfx    x0, x0, #5, #1
    PRINT_REG "ACTIVE_AFTER_EOI", x0
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_AFTER_EOI", x0
    eret
gs_unexpected:
    PRINT_REG "UNEXPECTED_VECTOR", x17
    POWER_OFF

    VECTOR_TABLE gs_vt2, gs_handler2
    VECTOR_TABLE gs_vt1, gs_handler1
