// pmu_regs: PMUv3 register rules at EL2 (kvm-unit-tests pmu "event-introspection" and register
// checks, in our own code). Arm ARM D24.5 (PMU registers), D24.3.17 (MDCR_EL2), D13.11.
// Checks:
//   Reset (before any PMU write): PMCR_EL0 & 0xfffff807 = 0x41013000: IMP 0x41 and IDCODE 0x01
//     (IMPLEMENTATION DEFINED: the Cortex-A57 values PLATFORM.md's machine reports), N = 6
//     (PLATFORM.md), C and P WO/RAZ, E "On a Warm reset, resets to '0'". D, X, DP, LC and the
//     RES0 bits reset UNKNOWN and are masked out. MDCR_EL2.HPMN "resets to NUM_PMU_COUNTERS" = 6.
//   PMCR_EL0 after writing 0xffffffff, masked with 0xfffff84f (IMP, IDCODE, N, LC, D, C, P, E):
//     0x41013049: IMP/IDCODE/N are RO, C and P are WO/RAZ, LC, D and E are RW (FEAT_AA32 is
//     implemented: ID_AA64PFR0_EL1.EL0 = 2). X (RAZ/WI without an export bus, IMPLEMENTATION
//     DEFINED), DP and the RES0 bits (may be stored, K14.7 RES0) are masked out. After writing 0:
//     0x41013000.
//   PMCEID0_EL0 & 0x20101 = 0x20101: SW_INCR (bit 0), CPU_CYCLES (bit 17) are required events
//     (D14.6 "Required events"), INST_RETIRED (bit 8) is what the other kernels count.
//   msr pmceid0_el0 (read-only register) and mrs pmswinc_el0 (write-only register) have no such
//     encoding: UNDEFINED, EC 0x00, ESR_EL2 = 0x02000000, vector 0x200, ELR = the instruction.
//   SET/CLR pairs are two views of one state; bits of unimplemented counters (6-30) are RAZ/WI:
//     PMCNTENSET <- 0xffffffff: SET = CLR = 0x8000003f; PMCNTENCLR <- 0x80000005: 0x3a;
//     PMINTENSET_EL1 <- 0x8000002a: SET = CLR = 0x8000002a; PMINTENCLR <- 0x2a: 0x80000000;
//     PMOVSSET <- 0x80000011: SET = CLR = 0x80000011; PMOVSCLR <- 0x1: 0x80000010.
//   PMSELR_EL0 indirection: SEL = 3: PMXEVTYPER <- 0x08000008 is PMEVTYPER3_EL0, PMXEVCNTR <-
//     0x12345678 is PMEVCNTR3_EL0; PMEVTYPER5/PMEVCNTR5 written directly (0xc0000011, 0xcafe) read
//     through SEL = 5; SEL = 31: PMXEVTYPER is PMCCFILTR_EL0 (0x88000000 both ways). PMSELR
//     reads back SEL.
    .include "lib.S"
    .include "pmu.S"
    EL2_INIT
    SET_VBAR 2, rg_vt2
    PUTS    "reset\n"
    mrs     x1, pmcr_el0
    ldr     x2, =0xfffff807
    and     x1, x1, x2
    PRINT_REG PMCR_EL0_MASKED, x1
    mrs     x1, mdcr_el2
    and     x1, x1, #0x1f
    PRINT_REG MDCR_EL2_HPMN, x1
    PMU_INIT

    PUTS    "PMCR_EL0 <- 0xffffffff\n"
    ldr     x2, =0xfffff84f
    ldr     x1, =0xffffffff
    msr     pmcr_el0, x1
    isb
    mrs     x1, pmcr_el0
    and     x1, x1, x2
    PRINT_REG PMCR_EL0_MASKED, x1
    PUTS    "PMCR_EL0 <- 0\n"
    msr     pmcr_el0, xzr
    isb
    mrs     x1, pmcr_el0
    and     x1, x1, x2
    PRINT_REG PMCR_EL0_MASKED, x1

    mrs     x1, pmceid0_el0
    ldr     x2, =0x20101
    and     x1, x1, x2
    PRINT_REG PMCEID0_REQUIRED, x1
    PUTS    "msr pmceid0_el0, x0\n"
    adr     x20, rg_i1
rg_i1:
    .word   0xd51b9cc0              // msr pmceid0_el0, x0 (op0 3, op1 3, CRn 9, CRm 12, op2 6)
    PUTS    "mrs x0, pmswinc_el0\n"
    adr     x20, rg_i2
rg_i2:
    .word   0xd53b9c80              // mrs x0, pmswinc_el0 (op0 3, op1 3, CRn 9, CRm 12, op2 4)

    PUTS    "PMCNTENSET_EL0 <- 0xffffffff\n"
    ldr     x1, =0xffffffff
    msr     pmcntenset_el0, x1
    isb
    PRINT_SYSREG PMCNTENSET_EL0, pmcntenset_el0
    PRINT_SYSREG PMCNTENCLR_EL0, pmcntenclr_el0
    PUTS    "PMCNTENCLR_EL0 <- 0x80000005\n"
    ldr     x1, =0x80000005
    msr     pmcntenclr_el0, x1
    isb
    PRINT_SYSREG PMCNTENSET_EL0, pmcntenset_el0
    PRINT_SYSREG PMCNTENCLR_EL0, pmcntenclr_el0
    ldr     x1, =PMU_ALL
    msr     pmcntenclr_el0, x1

    PUTS    "PMINTENSET_EL1 <- 0x8000002a\n"
    ldr     x1, =0x8000002a
    msr     pmintenset_el1, x1
    isb
    PRINT_SYSREG PMINTENSET_EL1, pmintenset_el1
    PRINT_SYSREG PMINTENCLR_EL1, pmintenclr_el1
    PUTS    "PMINTENCLR_EL1 <- 0x2a\n"
    mov     x1, #0x2a
    msr     pmintenclr_el1, x1
    isb
    PRINT_SYSREG PMINTENSET_EL1, pmintenset_el1
    PRINT_SYSREG PMINTENCLR_EL1, pmintenclr_el1
    ldr     x1, =PMU_ALL
    msr     pmintenclr_el1, x1

    PUTS    "PMOVSSET_EL0 <- 0x80000011\n"
    ldr     x1, =0x80000011
    msr     pmovsset_el0, x1
    isb
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
    PRINT_SYSREG PMOVSCLR_EL0, pmovsclr_el0
    PUTS    "PMOVSCLR_EL0 <- 0x1\n"
    mov     x1, #1
    msr     pmovsclr_el0, x1
    isb
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
    PRINT_SYSREG PMOVSCLR_EL0, pmovsclr_el0
    ldr     x1, =PMU_ALL
    msr     pmovsclr_el0, x1

    PUTS    "PMSELR_EL0 <- 3\n"
    mov     x1, #3
    msr     pmselr_el0, x1
    isb
    PRINT_SYSREG PMSELR_EL0, pmselr_el0
    ldr     x1, =(EVT_NSH + EV_INST_RETIRED)
    msr     pmxevtyper_el0, x1
    ldr     x1, =0x12345678
    msr     pmxevcntr_el0, x1
    isb
    PRINT_SYSREG PMEVTYPER3_EL0, pmevtyper3_el0
    PRINT_SYSREG PMEVCNTR3_EL0, pmevcntr3_el0
    PUTS    "PMSELR_EL0 <- 5\n"
    ldr     x1, =(EVT_P + EVT_U + EV_CPU_CYCLES)
    msr     pmevtyper5_el0, x1
    ldr     x1, =0xcafe
    msr     pmevcntr5_el0, x1
    mov     x1, #5
    msr     pmselr_el0, x1
    isb
    PRINT_SYSREG PMXEVTYPER_EL0, pmxevtyper_el0
    PRINT_SYSREG PMXEVCNTR_EL0, pmxevcntr_el0
    PUTS    "PMSELR_EL0 <- 31\n"
    mov     x1, #31
    msr     pmselr_el0, x1
    isb
    PRINT_SYSREG PMSELR_EL0, pmselr_el0
    ldr     x1, =(EVT_P + EVT_NSH)
    msr     pmxevtyper_el0, x1
    isb
    PRINT_SYSREG PMCCFILTR_EL0, pmccfiltr_el0
    PRINT_SYSREG PMXEVTYPER_EL0, pmxevtyper_el0
    PUTS    "done\n"
    POWER_OFF

rg_handler2:
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    mrs     x10, elr_el2
    sub     x10, x10, x20
    PRINT_REG ELR_EL2_MINUS_INSN, x10
    SKIP_INSN 2
    eret

    VECTOR_TABLE rg_vt2, rg_handler2
