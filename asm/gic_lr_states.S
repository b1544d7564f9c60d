// gic_lr_states: list register state transitions and the maintenance status registers of the
// GICv3 virtual CPU interface, with the guest polling (PSTATE.I = 1 at EL1: no interrupt is
// taken; HCR_EL2.IMO = 1, so the guest's ICC_IAR1_EL1 / ICC_EOIR1_EL1 are ICV_IAR1_EL1 /
// ICV_EOIR1_EL1). The physical CPU interface is left disabled (ICC_IGRPEN1_EL1 = 0 at EL2).
// EL2: ICH_HCR_EL2 = En | UIE | NPIE (0xb), ICH_VMCR_EL2 = VPMR 0xf8 | VENG1, ICH_AP1R0_EL2 = 0,
// LR0 = pending, Group 1, priority 0x90, vINTID 40; LR1 = pending, Group 1, priority 0xa0,
// vINTID 41, EOI = 1 (HW = 0); LR2 = active and pending (State 0b11), Group 1, priority 0xb0,
// vINTID 42, read back unchanged; LR3 = 0.
// Guest: IAR (40: LR0 pending -> active); hvc #1: LR states 2/1/3, ELRSR 0x8 (only LR3 empty),
// EISR 0, MISR 0 (3 valid LRs, LR1 pending). Guest: EOIR 40 (LR0 active -> invalid), IAR (41),
// EOIR 41 (LR1 invalid, EOI = 1); hvc #2: LR states 0/0/3, ELRSR 0x9 (LR1 is not "empty": State
// 0b00 with EOI = 1 and HW = 0 is an EOI maintenance request), EISR 0x2; EL2 then makes LR2 active
// only (State 0b10) and reads MISR 0xb = EOI (EISR != 0) | U (one valid LR: "none, or only one")
// | NP (no LR in the pending state), and EOIcount 0 (both EOIs matched an LR). MISR is not read
// while LR2 holds State 0b11: whether an active-and-pending LR is "in the pending state" for NP is
// not spelled out. EL2 puts vINTID 50 (priority 0x90) in LR0; the guest acknowledges it (50);
// hvc #3: LR0 active, an active priority bit set; EL2 evicts LR0 (and LR2) while 50 is active, as
// a hypervisor short of list registers does; the guest's EOIR 50 drops the priority and finds no
// list register: EOIcount 1; hvc #4: EOIcount 1, ICH_AP1R0_EL2 0, MISR 0xb.
// GIC IHI 0069: ICH_LR<n>_EL2 (State, HW, Group, EOI, Priority, vINTID), ICH_HCR_EL2 (En, UIE, NPIE,
// EOIcount: "incremented whenever a successful write to a virtual EOIR or DIR register would have
// resulted in a virtual interrupt deactivation, but the corresponding virtual interrupt is not
// present in a List register"), ICH_ELRSR_EL2 (empty: State 0b00 and (HW == 1 or EOI == 0)),
// ICH_EISR_EL2 (State 0b00, HW 0, EOI 1), ICH_MISR_EL2 (EOI, U, NP), ICH_VMCR_EL2, ICH_VTR_EL2,
// ICV_IAR1_EL1, ICV_EOIR1_EL1 (EOImode 0: priority drop and deactivation), ICH_AP1R<n>_EL2.
// Arm ARM: HCR_EL2.IMO (virtual IRQ, masked at EL1 by PSTATE.I), HVC (preferred return: next
// instruction).
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, lr_vt2
    SET_VBAR 1, lr_vt1
    mov     x0, #0xf
    msr     icc_sre_el2, x0
    isb
    msr     icc_igrpen1_el1, xzr    // physical Group 1 off: no physical interrupt to EL2
    mov     x0, #0xb                // ICH_HCR_EL2: En | UIE | NPIE
    msr     ich_hcr_el2, x0
    ldr     x0, =0xf8000002         // ICH_VMCR_EL2: VPMR = 0xf8, VENG1
    msr     ich_vmcr_el2, x0
    msr     ich_ap1r0_el2, xzr
    ldr     x0, =0x5090000000000028 // LR0: pending, Group 1, priority 0x90, vINTID 40
    msr     ich_lr0_el2, x0
    ldr     x0, =0x50a0020000000029 // LR1: pending, Group 1, EOI, priority 0xa0, vINTID 41
    msr     ich_lr1_el2, x0
    ldr     x0, =0xd0b000000000002a // LR2: active and pending, Group 1, priority 0xb0, vINTID 42
    msr     ich_lr2_el2, x0
    msr     ich_lr3_el2, xzr
    isb
    mrs     x0, ich_vtr_el2
    and     x0, x0, #0x1f
    PRINT_REG "VTR_LISTREGS", x0
    mrs     x0, ich_lr2_el2
    PRINT_REG "LR2_READBACK", x0
    mrs     x0, ich_hcr_el2
    PRINT_REG "ICH_HCR_EL2", x0
    SET_HCR (HCR_RW + 0x10)         // IMO
    ERET_TO 2, lr_el1, (SPSR_EL1H + SPSR_DAIF)

// The guest, EL1h, IRQs masked throughout.
lr_el1:
    mov     x0, #0xf
    msr     icc_sre_el1, x0
    isb
    mrs     x22, icc_iar1_el1       // ICV_IAR1_EL1
    PRINT_REG "GUEST_IAR_A", x22
    hvc     #1
    msr     icc_eoir1_el1, x22      // EOI 40
    isb
    mrs     x23, icc_iar1_el1
    PRINT_REG "GUEST_IAR_B", x23
    msr     icc_eoir1_el1, x23      // EOI 41
    isb
    hvc     #2
    mrs     x24, icc_iar1_el1
    PRINT_REG "GUEST_IAR_C", x24
    hvc     #3
    msr     icc_eoir1_el1, x24      // EOI 50: no list register holds it any more
    isb
    mrs     x0, icc_rpr_el1
    PRINT_REG "GUEST_RPR_END", x0
    hvc     #4
lr_spin:
    b       lr_spin

lr_handler1:
    PRINT_REG "UNEXPECTED_EL1_VECTOR", x17
    PRINT_EXC 1
    POWER_OFF

// EL2: the guest's hvc #imm (x17 = vector offset).
lr_handler2:
    cmp     x17, #0x400
    b.ne    lr_unexpected2
    mrs     x0, esr_el2
    and     x0, x0, #0xffff
    PRINT_REG "HVC", x0
    cmp     x0, #1
    b.eq    lr_hvc1
    cmp     x0, #2
    b.eq    lr_hvc2
    cmp     x0, #3
    b.eq    lr_hvc3
    b       lr_hvc4
lr_hvc1:
    bl      lr_print_states
    mrs     x0, s3_4_c12_c11_5      // ICH_ELRSR_EL2
    PRINT_REG "ELRSR", x0
    mrs     x0, s3_4_c12_c11_3      // ICH_EISR_EL2
    PRINT_REG "EISR", x0
    mrs     x0, s3_4_c12_c11_2      // ICH_MISR_EL2
    PRINT_REG "MISR", x0
    eret
lr_hvc2:
    bl      lr_print_states
    mrs     x0, s3_4_c12_c11_5
    PRINT_REG "ELRSR", x0
    mrs     x0, s3_4_c12_c11_3
    PRINT_REG "EISR", x0
    ldr     x0, =0x90b000000000002a // LR2: active only
    msr     ich_lr2_el2, x0
    isb
    mrs     x0, ich_lr2_el2
    lsr     x0, x0, #62
    PRINT_REG "LR2_STATE_NOW", x0
    mrs     x0, s3_4_c12_c11_2
    PRINT_REG "MISR", x0
    mrs     x0, ich_hcr_el2
    ubfx    x0, x0, #27, #5
    PRINT_REG "EOICOUNT", x0
    ldr     x0, =0x5090000000000032 // LR0: pending, Group 1, priority 0x90, vINTID 50
    msr     ich_lr0_el2, x0
    isb
    eret
lr_hvc3:
    mrs     x0, ich_lr0_el2
    lsr     x0, x0, #62
    PRINT_REG "LR0_STATE", x0
    mrs     x0, ich_ap1r0_el2
    cmp     x0, #0
    cset    x0, ne
    PRINT_REG "AP1R0_NONZERO", x0
    msr     ich_lr0_el2, xzr        // evict the active vINTID 50
    msr     ich_lr2_el2, xzr
    isb
    eret
lr_hvc4:
    mrs     x0, ich_hcr_el2
    ubfx    x0, x0, #27, #5
    PRINT_REG "EOICOUNT", x0
    mrs     x0, ich_ap1r0_el2
    PRINT_REG "ICH_AP1R0_EL2", x0
    mrs     x0, s3_4_c12_c11_5
    PRINT_REG "ELRSR", x0
    mrs     x0, s3_4_c12_c11_3
    PRINT_REG "EISR", x0
    mrs     x0, s3_4_c12_c11_2
    PRINT_REG "MISR", x0
    POWER_OFF
lr_unexpected2:
    PRINT_REG "UNEXPECTED_EL2_VECTOR", x17
    PRINT_EXC 2
    POWER_OFF

// Print the State fields (bits 63:62) of LR0-LR2. Clobbers x0, x19 (x30 saved in x19).
lr_print_states:
    mov     x19, x30
    mrs     x0, ich_lr0_el2
    lsr     x0, x0, #62
    PRINT_REG "LR0_STATE", x0
    mrs     x0, ich_lr1_el2
    lsr     x0, x0, #62
    PRINT_REG "LR1_STATE", x0
    mrs     x0, ich_lr2_el2
    lsr     x0, x0, #62
    PRINT_REG "LR2_STATE", x0
    mov     x30, x19
    ret

    VECTOR_TABLE lr_vt2, lr_handler2
    VECTOR_TABLE lr_vt1, lr_handler1
