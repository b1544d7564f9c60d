// gic_virtual: a virtual interrupt injected by EL2 through a list register and taken at EL1
// (IHI 0069 "Virtual CPU interface", ICH_LR<n>_EL2, ICV_IAR1_EL1, ICV_EOIR1_EL1; Arm ARM D1.3.3:
// with HCR_EL2.IMO = 1 a virtual IRQ is taken to EL1 and masked by PSTATE.I). EL2 sets
// ICH_HCR_EL2.En, ICH_VMCR_EL2 (VENG1, VPMR = 0xf8), and ICH_LR0_EL2 = pending, Group 1, priority
// 0xa0, vINTID 42 (no HW). EL1 (IMO = 1, so ICC_* are the ICV_* registers) unmasks IRQs, takes
// the interrupt at vector 0x280, reads ICV_IAR1_EL1 (42), ICV_RPR_EL1 (0xa0), EOIs it, and
// reads ICV_IAR1_EL1 again (1023). Back at EL2: ICH_LR0_EL2's state is invalid (0), ICH_ELRSR_EL2
// bit 0 set (empty), ICH_AP1R0_EL2 back to 0.
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, gv_vt2
    SET_VBAR 1, gv_vt1
    mov     x0, #0xf
    msr     icc_sre_el2, x0
    isb
    mov     x0, #1                  // ICH_HCR_EL2.En
    msr     ich_hcr_el2, x0
    ldr     x0, =0xf8000002         // ICH_VMCR_EL2: VPMR = 0xf8, VENG1
    msr     ich_vmcr_el2, x0
    ldr     x0, =0x50a000000000002a // ICH_LR0_EL2: State pending, Group 1, priority 0xa0, vINTID 42
    msr     ich_lr0_el2, x0
    SET_HCR (HCR_RW + 0x10)         // IMO
    mov     x21, #0
    ERET_TO 2, gv_el1, (SPSR_EL1H + SPSR_DAIF)
gv_el1:
    mov     x0, #0xf
    msr     icc_sre_el1, x0
    isb
    msr     daifclr, #2
    mov     x20, #0
gv_wait:
    add     x20, x20, #1
    cmp     x20, #100
    b.ne    gv_wait
    msr     daifset, #2
    PRINT_REG "IRQS_TAKEN", x21
    mrs     x0, icc_iar1_el1
    PRINT_REG "IAR_AFTER", x0
    hvc     #1                      // back to EL2 to look at the list register
gv_handler1:
    cmp     x17, #0x280
    b.ne    gv_unexpected1
    add     x21, x21, #1
    mrs     x22, icc_iar1_el1
    PRINT_REG "INTID", x22
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR", x0
    msr     icc_eoir1_el1, x22
    isb
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_AFTER_EOI", x0
    eret
gv_unexpected1:
    PRINT_EXC 1
    POWER_OFF
gv_handler2:
    cmp     x17, #0x400             // the hvc from EL1
    b.ne    gv_unexpected2
    mrs     x0, ich_lr0_el2
    lsr     x0, x0, #62
    PRINT_REG "LR0_STATE", x0
    mrs     x0, s3_4_c12_c11_5      // ICH_ELRSR_EL2 (keystone lacks the name)
    and     x0, x0, #1
    PRINT_REG "ELRSR_LR0", x0
    mrs     x0, ich_ap1r0_el2
    PRINT_REG "ICH_AP1R0_EL2", x0
    POWER_OFF
gv_unexpected2:
    PRINT_EXC 2
    POWER_OFF

    VECTOR_TABLE gv_vt2, gv_handler2
    VECTOR_TABLE gv_vt1, gv_handler1
