// pmu_el0_access: EL0 access to the PMU under PMUSERENR_EL0.EN / SW / CR / ER (kvm-unit-tests
// pmu EL0 checks, in our own code). Arm ARM D24.5 "Accessing <register>" pseudocode (no
// FEAT_PMUv3p9, no FEAT_FGT, HCR_EL2.TGE = 0, MDCR_EL2.TPM = TPMCR = 0), D13.11.3:
//   PMCR, PMCNTENSET, PMXEVTYPER: EL0 needs EN (read and write);
//   PMSWINC_EL0 (write): EN or SW;  PMCCNTR_EL0: read EN or CR, write EN;
//   PMEVCNTR<n>_EL0, PMXEVCNTR_EL0: read EN or ER, write EN;  PMSELR_EL0: read/write EN or ER;
//   otherwise AArch64.SystemAccessTrap(EL1, 0x18): ESR_EL1 = EC 0x18, IL 1, ISS = Op0 [21:20],
//   Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], Direction [0] (1 = MRS); vector
//   0x400 of VBAR_EL1; ELR_EL1 = the instruction.
//   PMUSERENR_EL0: MRS allowed at EL0 (no EL0 check), MSR at EL0 UNDEFINED. PMINTENSET_EL1 at
//   EL0: UNDEFINED. UNDEFINED: EC 0x00, ESR_EL1 = 0x02000000.
// Expected syndromes: mrs x0, pmcr_el0 0x6230e419; msr pmswinc_el0, x1 0x6238e438;
//   mrs x2, pmccntr_el0 0x6230e45b; mrs x3, pmevcntr0_el0 0x6230f871; mrs x4, pmselr_el0
//   0x623ae499; msr pmccntr_el0, x2 0x6230e45a; msr pmevcntr0_el0, x3 0x6230f870;
//   mrs x5, pmxevtyper_el0 0x6232e4bb.
// Cases that must not trap print what they read (PMUSERENR_EL0 with EN = 0: 0; PMCR_EL0 with
// EN = 1: 0x41013000 = IMP, IDCODE, N = HPMN = 6, all else 0 as PMU_INIT left it; PMCNTENSET_EL0
// written 0x1 at EL0 reads 0x1).
// EL0 asks EL1 for a PMUSERENR_EL0 value with `svc #value`.
    .include "lib.S"
    .include "pmu.S"
    EL2_INIT
    SET_VBAR 2, ea_vt2
    SET_VBAR 1, ea_vt1
    PMU_INIT
    ERET_TO 2, ea_el1, (SPSR_EL1H + SPSR_DAIF)
ea_el1:
    ERET_TO 1, ea_el0, (SPSR_EL0T + SPSR_DAIF)

ea_el0:
    PUTS    "PMUSERENR_EL0=0\n"
    PUTS    "mrs x0, pmcr_el0\n"
    adr     x20, ea_i1
ea_i1:
    mrs     x0, pmcr_el0
    PUTS    "msr pmswinc_el0, x1\n"
    adr     x20, ea_i2
ea_i2:
    msr     pmswinc_el0, x1
    PUTS    "mrs x2, pmccntr_el0\n"
    adr     x20, ea_i3
ea_i3:
    mrs     x2, pmccntr_el0
    PUTS    "mrs x3, pmevcntr0_el0\n"
    adr     x20, ea_i4
ea_i4:
    mrs     x3, pmevcntr0_el0
    PUTS    "mrs x4, pmselr_el0\n"
    adr     x20, ea_i5
ea_i5:
    mrs     x4, pmselr_el0
    PUTS    "mrs x5, pmuserenr_el0\n"
    adr     x20, ea_i6
    mov     x5, #0xbad
ea_i6:
    mrs     x5, pmuserenr_el0
    PRINT_REG X5, x5
    PUTS    "msr pmuserenr_el0, x6\n"
    adr     x20, ea_i7
    mov     x6, #0xf
ea_i7:
    msr     pmuserenr_el0, x6
    PUTS    "mrs x7, pmintenset_el1\n"
    adr     x20, ea_i8
ea_i8:
    mrs     x7, pmintenset_el1

    svc     #4
    PUTS    "PMUSERENR_EL0=CR\n"
    PUTS    "mrs x2, pmccntr_el0\n"
    adr     x20, ea_i9
ea_i9:
    mrs     x2, pmccntr_el0
    PUTS    "msr pmccntr_el0, x2\n"
    adr     x20, ea_i10
ea_i10:
    msr     pmccntr_el0, x2
    PUTS    "mrs x3, pmevcntr0_el0\n"
    adr     x20, ea_i11
ea_i11:
    mrs     x3, pmevcntr0_el0

    svc     #8
    PUTS    "PMUSERENR_EL0=ER\n"
    PUTS    "mrs x3, pmevcntr0_el0\n"
    adr     x20, ea_i12
ea_i12:
    mrs     x3, pmevcntr0_el0
    PUTS    "msr pmevcntr0_el0, x3\n"
    adr     x20, ea_i13
ea_i13:
    msr     pmevcntr0_el0, x3
    PUTS    "msr pmselr_el0, xzr\n"
    adr     x20, ea_i14
ea_i14:
    msr     pmselr_el0, xzr
    PUTS    "mrs x4, pmxevcntr_el0\n"
    adr     x20, ea_i15
ea_i15:
    mrs     x4, pmxevcntr_el0
    PUTS    "mrs x5, pmxevtyper_el0\n"
    adr     x20, ea_i16
ea_i16:
    mrs     x5, pmxevtyper_el0
    PUTS    "mrs x2, pmccntr_el0\n"
    adr     x20, ea_i17
ea_i17:
    mrs     x2, pmccntr_el0

    svc     #2
    PUTS    "PMUSERENR_EL0=SW\n"
    PUTS    "msr pmswinc_el0, x1\n"
    adr     x20, ea_i18
ea_i18:
    msr     pmswinc_el0, x1
    PUTS    "mrs x0, pmcr_el0\n"
    adr     x20, ea_i19
ea_i19:
    mrs     x0, pmcr_el0

    svc     #1
    PUTS    "PMUSERENR_EL0=EN\n"
    PUTS    "mrs x0, pmcr_el0\n"
    adr     x20, ea_i20
    mov     x0, #0xbad
ea_i20:
    mrs     x0, pmcr_el0
    PRINT_REG X0, x0
    PUTS    "msr pmcntenset_el0, x1\n"
    adr     x20, ea_i21
    mov     x1, #1
ea_i21:
    msr     pmcntenset_el0, x1
    PRINT_SYSREG PMCNTENSET_EL0, pmcntenset_el0
    PUTS    "msr pmevcntr0_el0, x3\n"
    adr     x20, ea_i22
ea_i22:
    msr     pmevcntr0_el0, x3
    PUTS    "mrs x7, pmintenset_el1\n"
    adr     x20, ea_i23
ea_i23:
    mrs     x7, pmintenset_el1
    PUTS    "msr pmuserenr_el0, x6\n"
    adr     x20, ea_i24
ea_i24:
    msr     pmuserenr_el0, x6
    PUTS    "done\n"
    svc     #0xffff

ea_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15              // SVC from EL0: a command
    b.ne    ea_trap
    and     x10, x10, #0xffff
    ldr     x11, =0xffff
    cmp     x10, x11
    b.eq    ea_off
    msr     pmuserenr_el0, x10
    eret
ea_off:
    hvc     #0xffff
ea_trap:
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x10, elr_el1
    sub     x10, x10, x20
    PRINT_REG ELR_EL1_MINUS_INSN, x10
    SKIP_INSN 1
    eret

ea_handler2:
    mrs     x10, esr_el2
    ldr     x11, =0x5a00ffff        // hvc #0xffff: power off
    cmp     x10, x11
    b.ne    ea_fail2
    POWER_OFF
ea_fail2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

    VECTOR_TABLE ea_vt1, ea_handler1
    VECTOR_TABLE ea_vt2, ea_handler2
