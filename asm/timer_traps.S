// timer_traps: access control of the generic timer registers (Arm ARM D24.10 "Accessing"
// pseudocode of each register; no EL3, no FEAT_VHE/ECV/NV/FGT, HCR_EL2.TGE = 0).
//   EL0: CNTPCT_EL0 needs CNTKCTL_EL1.EL0PCTEN, CNTVCT_EL0 EL0VCTEN, CNTFRQ_EL0 (read) EL0PCTEN or
//     EL0VCTEN, CNTP_* EL0PTEN, CNTV_* EL0VTEN; otherwise AArch64.SystemAccessTrap(EL1, 0x18):
//     ESR_EL1 = EC 0x18, IL 1, ISS = Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5],
//     CRm [4:1], Direction [0] (1 = MRS); vector 0x400; ELR = the instruction.
//     Then, with the EL1 check passed: CNTPCT_EL0 with CNTHCTL_EL2.EL1PCTEN = 0, CNTP_* with
//     EL1PCEN = 0: AArch64.SystemAccessTrap(EL2, 0x18) (ESR_EL2, EL2 vector 0x400).
//     CNTKCTL_EL1 at EL0 and an MSR to CNTFRQ_EL0 at EL0: UNDEFINED (EC 0x00, ESR_EL1 0x02000000).
//   EL1: CNTPCT_EL0 with CNTHCTL_EL2.EL1PCTEN = 0 and CNTP_{CTL,CVAL,TVAL}_EL0 with EL1PCEN = 0
//     trap to EL2 (EC 0x18); CNTVCT_EL0 and CNTV_* never trap (no FEAT_ECV).
//     CNTHP_CTL_EL2, CNTHCTL_EL2, CNTVOFF_EL2 at EL1: UNDEFINED (no FEAT_NV): ESR_EL1 0x02000000,
//     vector 0x200. MSR CNTFRQ_EL0 at EL1: UNDEFINED (only the highest implemented Exception level,
//     EL2 here, may write it); CNTFRQ_EL0 then still reads 0x3b9aca0 at EL2.
// Syndromes: mrs x0, cntpct_el0 0x6232f801; mrs x1, cntvct_el0 0x6234f821; mrs x4, cntfrq_el0
//   0x6230f881; mrs x2, cntp_ctl_el0 0x6232f845; msr cntp_ctl_el0, x3 0x6232f864; mrs x5,
//   cntv_ctl_el0 0x6232f8a7; msr cntp_cval_el0, x3 0x6234f864; mrs x4, cntp_tval_el0 0x6230f885.
// Reads that succeed print facts: CNTFRQ_EL0 at EL0 = 0x3b9aca0; CNTVCT_EL0 >= CNTPCT_EL0 read
// just before (CNTVOFF_EL2 = 0); CNTP_CTL_EL0 = CNTV_CTL_EL0 = 0x3 (ENABLE | IMASK written at EL2,
// CVAL = 0xffffffffffffffff: condition not met, ISTATUS 0).
// EL0 asks EL1 with svc: #1 CNTKCTL_EL1 = x10; #2 CNTHCTL_EL2 = x10 (through hvc #1); #0xffff go
// on at EL1. EL1 asks EL2 with hvc: #1 CNTHCTL_EL2 = x10; #0xffff finish at EL2.
// @qemu-differs: QEMU 7.2 checks CNTHCTL_EL2.EL1PCEN (bit 1) instead of EL1PCTEN (bit 0) for an EL0 read of CNTPCT_EL0 with HCR_EL2.E2H = 0 (gt_counter_access); Arm ARM CNTPCT_EL0 pseudocode: at EL0, EL2Enabled() && CNTHCTL_EL2.EL1PCTEN == '0' -> AArch64.SystemAccessTrap(EL2, 0x18), so the read traps (ESR_EL2 0x6232f801) with CNTHCTL_EL2 = EL1PCEN and completes with CNTHCTL_EL2 = EL1PCTEN, the opposite of QEMU
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, tt_vt2
    SET_VBAR 1, tt_vt1
    mov     x9, #3
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr
    msr     cntkctl_el1, xzr
    mov     x9, #-1
    msr     cntp_cval_el0, x9
    msr     cntv_cval_el0, x9
    mov     x9, #3
    msr     cntp_ctl_el0, x9
    msr     cntv_ctl_el0, x9
    isb
    ERET_TO 2, tt_el1, (SPSR_EL1H + SPSR_DAIF)
tt_el1:
    ERET_TO 1, tt_el0, (SPSR_EL0T + SPSR_DAIF)

tt_el0:
    PUTS    "EL0, CNTKCTL_EL1=0\n"
    PUTS    "mrs x0, cntpct_el0\n"
    adr     x20, tt_i1
tt_i1:
    mrs     x0, cntpct_el0
    PUTS    "mrs x1, cntvct_el0\n"
    adr     x20, tt_i2
tt_i2:
    mrs     x1, cntvct_el0
    PUTS    "mrs x4, cntfrq_el0\n"
    adr     x20, tt_i3
tt_i3:
    mrs     x4, cntfrq_el0
    PUTS    "mrs x2, cntp_ctl_el0\n"
    adr     x20, tt_i4
tt_i4:
    mrs     x2, cntp_ctl_el0
    PUTS    "msr cntp_ctl_el0, x3\n"
    adr     x20, tt_i5
    mov     x3, #3
tt_i5:
    msr     cntp_ctl_el0, x3
    PUTS    "mrs x5, cntv_ctl_el0\n"
    adr     x20, tt_i6
tt_i6:
    mrs     x5, cntv_ctl_el0
    PUTS    "mrs x6, cntkctl_el1\n"
    adr     x20, tt_i7
tt_i7:
    mrs     x6, cntkctl_el1
    PUTS    "msr cntfrq_el0, x7\n"
    adr     x20, tt_i8
    mov     x7, #0x1234
tt_i8:
    msr     cntfrq_el0, x7

    mov     x10, #3
    svc     #1
    PUTS    "EL0, CNTKCTL_EL1=EL0PCTEN|EL0VCTEN\n"
    PUTS    "mrs x0, cntpct_el0; mrs x1, cntvct_el0\n"
    adr     x20, tt_i9
tt_i9:
    mrs     x0, cntpct_el0
    isb
    mrs     x1, cntvct_el0
    cmp     x1, x0
    cset    x9, hs
    PRINT_REG VCT_GE_PCT, x9
    PUTS    "mrs x4, cntfrq_el0\n"
    adr     x20, tt_i10
    mov     x4, #0xbad
tt_i10:
    mrs     x4, cntfrq_el0
    PRINT_REG X4, x4
    PUTS    "mrs x2, cntp_ctl_el0\n"
    adr     x20, tt_i11
tt_i11:
    mrs     x2, cntp_ctl_el0

    ldr     x10, =0x303
    svc     #1
    PUTS    "EL0, CNTKCTL_EL1=EL0PTEN|EL0VTEN|EL0PCTEN|EL0VCTEN\n"
    PUTS    "mrs x2, cntp_ctl_el0\n"
    adr     x20, tt_i12
    mov     x2, #0xbad
tt_i12:
    mrs     x2, cntp_ctl_el0
    PRINT_REG X2, x2
    PUTS    "mrs x5, cntv_ctl_el0\n"
    adr     x20, tt_i13
    mov     x5, #0xbad
tt_i13:
    mrs     x5, cntv_ctl_el0
    PRINT_REG X5, x5

    mov     x10, #2
    svc     #2
    PUTS    "EL0, CNTHCTL_EL2=EL1PCEN\n"
    PUTS    "mrs x0, cntpct_el0\n"
    adr     x20, tt_i14
tt_i14:
    mrs     x0, cntpct_el0
    PUTS    "mrs x2, cntp_ctl_el0\n"
    adr     x20, tt_i15
    mov     x2, #0xbad
tt_i15:
    mrs     x2, cntp_ctl_el0
    PRINT_REG X2, x2
    mov     x10, #1
    svc     #2
    PUTS    "EL0, CNTHCTL_EL2=EL1PCTEN\n"
    PUTS    "mrs x2, cntp_ctl_el0\n"
    adr     x20, tt_i16
tt_i16:
    mrs     x2, cntp_ctl_el0
    PUTS    "mrs x0, cntpct_el0; mrs x1, cntvct_el0\n"
    adr     x20, tt_i17
tt_i17:
    mrs     x0, cntpct_el0
    isb
    mrs     x1, cntvct_el0
    cmp     x1, x0
    cset    x9, hs
    PRINT_REG VCT_GE_PCT, x9
    mov     x10, #3
    svc     #2
    svc     #0xffff

tt_el1_tests:
    PUTS    "EL1, CNTHCTL_EL2=EL1PCEN\n"
    mov     x10, #2
    hvc     #1
    PUTS    "mrs x0, cntpct_el0\n"
    adr     x20, tt_j1
tt_j1:
    mrs     x0, cntpct_el0
    PUTS    "mrs x0, cntpct_el0; mrs x1, cntvct_el0 (EL1PCTEN back)\n"
    mov     x10, #3
    hvc     #1
    mrs     x0, cntpct_el0
    isb
    mrs     x1, cntvct_el0
    cmp     x1, x0
    cset    x9, hs
    PRINT_REG VCT_GE_PCT, x9
    PUTS    "EL1, CNTHCTL_EL2=EL1PCTEN\n"
    mov     x10, #1
    hvc     #1
    PUTS    "mrs x2, cntp_ctl_el0\n"
    adr     x20, tt_j2
tt_j2:
    mrs     x2, cntp_ctl_el0
    PUTS    "msr cntp_cval_el0, x3\n"
    adr     x20, tt_j3
tt_j3:
    msr     cntp_cval_el0, x3
    PUTS    "mrs x4, cntp_tval_el0\n"
    adr     x20, tt_j4
tt_j4:
    mrs     x4, cntp_tval_el0
    PUTS    "mrs x5, cntv_ctl_el0\n"
    adr     x20, tt_j5
    mov     x5, #0xbad
tt_j5:
    mrs     x5, cntv_ctl_el0
    PRINT_REG X5, x5
    mov     x10, #3
    hvc     #1
    PUTS    "EL1, EL2 registers\n"
    PUTS    "mrs x5, cnthp_ctl_el2\n"
    adr     x20, tt_j6
tt_j6:
    mrs     x5, cnthp_ctl_el2
    PUTS    "msr cnthctl_el2, x6\n"
    adr     x20, tt_j7
    mov     x6, #0
tt_j7:
    msr     cnthctl_el2, x6
    PUTS    "mrs x7, cntvoff_el2\n"
    adr     x20, tt_j8
tt_j8:
    mrs     x7, cntvoff_el2
    PUTS    "msr cntfrq_el0, x8\n"
    adr     x20, tt_j9
    mov     x8, #0x1234
tt_j9:
    msr     cntfrq_el0, x8
    hvc     #0xffff

tt_handler1:
    mrs     x11, esr_el1
    lsr     x12, x11, #26
    cmp     x12, #0x15                  // SVC from EL0: a command
    b.ne    tt_trap1
    and     x11, x11, #0xffff
    cmp     x11, #1
    b.ne    tt_svc2
    msr     cntkctl_el1, x10
    isb
    eret
tt_svc2:
    cmp     x11, #2
    b.ne    tt_svc_end
    hvc     #1
    eret
tt_svc_end:
    b       tt_el1_tests
tt_trap1:
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x11, elr_el1
    sub     x11, x11, x20
    PRINT_REG ELR_EL1_MINUS_INSN, x11
    SKIP_INSN 1
    eret

tt_handler2:
    mrs     x11, esr_el2
    lsr     x12, x11, #26
    cmp     x12, #0x16                  // HVC from EL1: a command
    b.ne    tt_trap2
    and     x11, x11, #0xffff
    cmp     x11, #1
    b.ne    tt_finish
    msr     cnthctl_el2, x10
    isb
    eret
tt_trap2:
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    mrs     x11, elr_el2
    sub     x11, x11, x20
    PRINT_REG ELR_EL2_MINUS_INSN, x11
    SKIP_INSN 2
    eret
tt_finish:
    PUTS    "EL2\n"
    PRINT_SYSREG CNTFRQ_EL0, cntfrq_el0
    PUTS    "done\n"
    POWER_OFF

    VECTOR_TABLE tt_vt1, tt_handler1
    VECTOR_TABLE tt_vt2, tt_handler2
