// gic_ich_traps: ICH_HCR_EL2 traps of EL1 GIC CPU interface accesses (IHI 0069 ICH_HCR_EL2.TALL1,
// TC, TDIR), with HCR_EL2.IMO set. Each trapped access reaches EL2 (vector 0x400) with EC 0x18 and
// the full ISS (Op0, Op2, Op1, CRn, Rt, CRm, direction), ELR = the access, which has not run; the
// EL2 handler prints ESR_EL2 and steps over it.
//   TALL1 | TC | TDIR: MRS ICC_IAR1_EL1 (TALL1), MSR ICC_PMR_EL1, MSR ICC_DIR_EL1, MRS ICC_CTLR_EL1,
//   MSR ICC_SGI1R_EL1 (TC), MSR ICC_EOIR1_EL1 (TALL1): six traps.
//   TDIR only: MSR ICC_DIR_EL1 traps; MRS ICC_RPR_EL1 does not (the idle priority, 0xff).
    .include "lib.S"
    .equ ICH_EN_TALL1_TC_TDIR, 0x5401
    .equ ICH_EN_TDIR, 0x4001
    EL2_INIT
    SET_VBAR 2, it_vt2
    mov     x0, #0xf
    msr     icc_sre_el2, x0
    isb
    ldr     x0, =ICH_EN_TALL1_TC_TDIR
    msr     ich_hcr_el2, x0
    SET_HCR (HCR_RW + 0x10)                 // IMO
    mov     x22, #0
    ERET_TO 2, it_el1, (SPSR_EL1H + SPSR_DAIF)
it_el1:
    mov     x0, #0xf
    msr     icc_sre_el1, x0
    isb
    mov     x1, #0
    mrs     x0, icc_iar1_el1
    msr     icc_pmr_el1, x1
    msr     icc_dir_el1, x1
    mrs     x3, icc_ctlr_el1
    msr     icc_sgi1r_el1, x1
    msr     icc_eoir1_el1, x1
    PRINT_REG TRAPS, x22
    hvc     #1                              // EL2: TDIR only
    msr     icc_dir_el1, x1
    mrs     x0, icc_rpr_el1
    PRINT_REG RPR, x0
    PRINT_REG TRAPS, x22
    hvc     #2
    PUTS    "FAIL: still running\n"
    POWER_OFF

it_handler2:
    mrs     x10, esr_el2
    lsr     x11, x10, #26
    cmp     x11, #0x16
    b.eq    it_hvc
    PRINT_SYSREG ESR_EL2, esr_el2
    add     x22, x22, #1
    SKIP_INSN 2
    eret
it_hvc:
    and     x10, x10, #0xffff
    cmp     x10, #2
    b.eq    it_done
    ldr     x0, =ICH_EN_TDIR
    msr     ich_hcr_el2, x0
    isb
    eret
it_done:
    PUTS    "done\n"
    POWER_OFF

    VECTOR_TABLE it_vt2, it_handler2
