// @qemu-differs: QEMU 7.2 does not implement MDCR_EL2.TPMCR (EL1 and EL0 PMCR_EL0 accesses are not trapped to EL2; Arm ARM MDCR_EL2.TPMCR, PMCR_EL0 Accessing pseudocode)
// @qemu-differs: QEMU 7.2 does not reserve counters HPMN..N-1 from EL1: EL1 reads and writes PMEVCNTR3_EL0 / PMXEVCNTR_EL0 of counter 3 (emu: UNDEFINED; the Arm ARM permits UNDEFINED, RAZ/WI, NOP, a counter below HPMN or a trap, never counter 3 itself), PMCNTENSET_EL0 bits 2-5 are read/write at EL1 (Arm ARM D13.11: RAZ/WI), PMCR_EL0.P from EL1 zeroes counters 2-5 (Arm ARM PMCR_EL0.P: first range only)
// pmu_el2_traps: what EL2 controls through MDCR_EL2: the TPM and TPMCR traps of EL1 and EL0 PMU
// accesses, and the reservation of counters HPMN..N-1 for EL2 (HPMN, HPME).
// Arm ARM D24.3.17 MDCR_EL2 (TPM, TPMCR, HPMN, HPME), the "Accessing" pseudocode of each PMU
// register (D24.5), D13.1.1 "Event counter ranges", D13.11 "Counter access" (Table D13-11 and
// "Where Table D13-11 shows no access for an event counter n": PMCNTENSET[n] RAZ/WI, writes to
// PMSWINC[n] ignored, PMCR.P does not reset PMEVCNTR<n>), PMCR_EL0.N ("reads of this field from
// EL1 and EL0 return the Effective value of MDCR_EL2.HPMN"), PMCR_EL0.P ("All event counters in
// the first range" from EL1), CountPMUEvents (second range enabled by HPME, not PMCR_EL0.E).
// Traps: AArch64.SystemAccessTrap(EL2, 0x18): ESR_EL2 = EC 0x18, IL 1, ISS = Op0, Op2, Op1, CRn,
// Rt, CRm, Direction (as in sysreg_trap); vector 0x400; ELR_EL2 = the instruction.
// Checks:
//   MDCR_EL2.TPM = 1, from EL1 (all trap to EL2): mrs x1, pmcr_el0 0x6230e439;
//     msr pmcntenset_el0, x2 0x6232e458; mrs x3, pmccntr_el0 0x6230e47b; mrs x4, pmceid0_el0
//     0x623ce499; msr pmintenset_el1, x5 0x623224bc; mrs x6, pmuserenr_el0 0x6230e4dd;
//     msr pmevtyper2_el0, x7 0x6234f8f8; msr pmswinc_el0, x8 0x6238e518.
//   MDCR_EL2.TPMCR = 1 (TPM = 0), from EL1: mrs x1, pmcr_el0 0x6230e439 and msr pmcr_el0, x1
//     0x6230e438 trap; mrs x3, pmccntr_el0 does not.
//   From EL0: TPM = 1 with PMUSERENR_EL0.EN = 0: the EL0 check comes first: EL1 traps
//     (ESR_EL1 0x6230e419, vector 0x400); TPM = 1 with EN = 1: EL2 traps (ESR_EL2 0x6230e419);
//     TPMCR = 1 with EN = 1: mrs x0, pmcr_el0 traps to EL2 (0x6230e419), mrs x2, pmccntr_el0 does
//     not.
//   MDCR_EL2.HPMN = 2 (counters 0-1 first range, 2-5 second range), HPME = 1:
//     PMCR_EL0.N reads 6 at EL2 and 2 at EL1.
//     EL1 writes PMCNTENSET_EL0 = 0x8000003f (EL2 had set bits 0 and 3): EL1 reads 0x80000003,
//       EL2 reads 0x8000000b.
//     EL1 writes PMSWINC_EL0 = 0xf (counters 0, 1, 3 count SW_INCR, enabled): counters 0 and 1
//       +1 (0x101, 0x102 read at EL1), counter 3 unchanged (0x103 read at EL2 at the end).
//     EL1 msr pmevcntr3_el0 / mrs pmevcntr3_el0 / mrs pmxevcntr_el0 with PMSELR_EL0.SEL = 3:
//       CONSTRAINED UNPREDICTABLE without FEAT_FGT (PMEVCNTR<n>_EL0 "Accessing"): UNDEFINED,
//       RAZ/WI, NOP, an UNKNOWN counter <= 1, or a trap to EL2 are permitted. emu chooses
//       UNDEFINED (what FEAT_FGT makes mandatory): ESR_EL1 0x02000000, vector 0x200. Under any
//       permitted choice counter 3 keeps its value (0x103 read at EL2).
//     EL1 writes PMCR_EL0 = E + P: counters 0 and 1 become 0, counters 2-5 keep 0x102-0x105.
//     At EL2, counter 2 (second range) counting INST_RETIRED: with HPME = 0 and PMCR_EL0.E = 1 it
//       does not count; with HPME = 1 and PMCR_EL0.E = 0 it counts (>= 201 over BUSY_LOOP 100).
    .include "lib.S"
    .include "pmu.S"

    EL2_INIT
    SET_VBAR 2, et_vt2
    SET_VBAR 1, et_vt1
    PMU_INIT
    ERET_TO 2, et_el1, (SPSR_EL1H + SPSR_DAIF)

et_el1:
    mov     x12, #1                 // EL2: MDCR_EL2 = TPM + HPMN 6
    hvc     #1
    PUTS    "MDCR_EL2.TPM=1\n"
    PUTS    "mrs x1, pmcr_el0\n"
    adr     x20, et_i1
et_i1:
    mrs     x1, pmcr_el0
    PUTS    "msr pmcntenset_el0, x2\n"
    adr     x20, et_i2
et_i2:
    msr     pmcntenset_el0, x2
    PUTS    "mrs x3, pmccntr_el0\n"
    adr     x20, et_i3
et_i3:
    mrs     x3, pmccntr_el0
    PUTS    "mrs x4, pmceid0_el0\n"
    adr     x20, et_i4
et_i4:
    mrs     x4, pmceid0_el0
    PUTS    "msr pmintenset_el1, x5\n"
    adr     x20, et_i5
et_i5:
    msr     pmintenset_el1, x5
    PUTS    "mrs x6, pmuserenr_el0\n"
    adr     x20, et_i6
et_i6:
    mrs     x6, pmuserenr_el0
    PUTS    "msr pmevtyper2_el0, x7\n"
    adr     x20, et_i7
et_i7:
    msr     pmevtyper2_el0, x7
    PUTS    "msr pmswinc_el0, x8\n"
    adr     x20, et_i8
et_i8:
    msr     pmswinc_el0, x8

    mov     x12, #2                 // EL2: MDCR_EL2 = TPMCR + HPMN 6
    hvc     #1
    PUTS    "MDCR_EL2.TPMCR=1\n"
    PUTS    "mrs x1, pmcr_el0\n"
    adr     x20, et_i9
et_i9:
    mrs     x1, pmcr_el0
    PUTS    "msr pmcr_el0, x1\n"
    adr     x20, et_i10
et_i10:
    msr     pmcr_el0, x1
    PUTS    "mrs x3, pmccntr_el0\n"
    adr     x20, et_i11
et_i11:
    mrs     x3, pmccntr_el0

    mov     x12, #1                 // EL2: MDCR_EL2 = TPM + HPMN 6 (PMUSERENR_EL0 is 0)
    hvc     #1
    ERET_TO 1, et_el0, (SPSR_EL0T + SPSR_DAIF)

et_el0:
    PUTS    "EL0, MDCR_EL2.TPM=1, PMUSERENR_EL0.EN=0: mrs x0, pmcr_el0\n"
    adr     x20, et_i12
et_i12:
    mrs     x0, pmcr_el0
    svc     #3                      // EL2: PMUSERENR_EL0 = EN
    PUTS    "EL0, MDCR_EL2.TPM=1, PMUSERENR_EL0.EN=1: mrs x0, pmcr_el0\n"
    adr     x20, et_i13
et_i13:
    mrs     x0, pmcr_el0
    svc     #2                      // EL2: MDCR_EL2 = TPMCR + HPMN 6
    PUTS    "EL0, MDCR_EL2.TPMCR=1, PMUSERENR_EL0.EN=1: mrs x0, pmcr_el0\n"
    adr     x20, et_i14
et_i14:
    mrs     x0, pmcr_el0
    PUTS    "EL0, MDCR_EL2.TPMCR=1, PMUSERENR_EL0.EN=1: mrs x2, pmccntr_el0\n"
    adr     x20, et_i15
et_i15:
    mrs     x2, pmccntr_el0
    svc     #0x100                  // EL1: continue at et_hpmn (at EL1)

et_hpmn:
    mov     x12, #4                 // EL2: HPMN = 2, HPME = 1, counters preset
    hvc     #1
    PUTS    "MDCR_EL2.HPMN=2 at EL1\n"
    mrs     x1, pmcr_el0
    ubfx    x1, x1, #11, #5
    PRINT_REG PMCR_EL0_N, x1
    PUTS    "msr pmcntenset_el0 <- 0x8000003f\n"
    ldr     x1, =PMU_ALL
    msr     pmcntenset_el0, x1
    isb
    PRINT_SYSREG PMCNTENSET_EL0, pmcntenset_el0
    PUTS    "msr pmswinc_el0 <- 0xf\n"
    mov     x1, #0xf
    msr     pmswinc_el0, x1
    isb
    PRINT_SYSREG PMEVCNTR0_EL0, pmevcntr0_el0
    PRINT_SYSREG PMEVCNTR1_EL0, pmevcntr1_el0
    PUTS    "msr pmevcntr3_el0, x4\n"
    ldr     x4, =0x3333
    adr     x20, et_i16
et_i16:
    msr     pmevcntr3_el0, x4
    PUTS    "mrs x5, pmevcntr3_el0\n"
    adr     x20, et_i17
et_i17:
    mrs     x5, pmevcntr3_el0
    PUTS    "PMSELR_EL0 <- 3, mrs x6, pmxevcntr_el0\n"
    mov     x1, #3
    msr     pmselr_el0, x1
    isb
    adr     x20, et_i18
et_i18:
    mrs     x6, pmxevcntr_el0
    PUTS    "msr pmcr_el0 <- E+P\n"
    mov     x1, #(PMCR_E + PMCR_P)
    msr     pmcr_el0, x1
    isb
    mov     x12, #5                 // EL2: print the counters; the HPME checks
    hvc     #1
    PUTS    "done\n"
    hvc     #0xffff

// EL2 commands (hvc #1 with x12 = command), run at EL2 and returned from with eret.
et_cmd:
    cmp     x12, #1
    b.ne    et_cmd2
    mov     x9, #(MDCR_TPM + 6)
    msr     mdcr_el2, x9
    eret
et_cmd2:
    cmp     x12, #2
    b.ne    et_cmd3
    mov     x9, #(MDCR_TPMCR + 6)
    msr     mdcr_el2, x9
    eret
et_cmd3:
    cmp     x12, #3
    b.ne    et_cmd4
    mov     x9, #1
    msr     pmuserenr_el0, x9
    eret
et_cmd4:
    cmp     x12, #4
    b.ne    et_cmd5
    mov     x9, #(MDCR_HPME + 2)
    msr     mdcr_el2, x9
    msr     pmuserenr_el0, xzr
    mrs     x9, pmcr_el0
    ubfx    x9, x9, #11, #5
    PUTS    "MDCR_EL2.HPMN=2 at EL2\n"
    PRINT_REG PMCR_EL0_N, x9
    ldr     x9, =(EVT_NSH + EV_SW_INCR)
    msr     pmevtyper0_el0, x9
    msr     pmevtyper3_el0, x9
    mov     x9, #EV_SW_INCR
    msr     pmevtyper1_el0, x9
    mov     x9, #0x100
    msr     pmevcntr0_el0, x9
    add     x9, x9, #1
    msr     pmevcntr1_el0, x9
    add     x9, x9, #1
    msr     pmevcntr2_el0, x9
    add     x9, x9, #1
    msr     pmevcntr3_el0, x9
    add     x9, x9, #1
    msr     pmevcntr4_el0, x9
    add     x9, x9, #1
    msr     pmevcntr5_el0, x9
    mov     x9, #0x9                // counters 0 and 3
    msr     pmcntenset_el0, x9
    mov     x9, #PMCR_E
    msr     pmcr_el0, x9
    eret
et_cmd5:
    cmp     x12, #5
    b.ne    et_fail2
    PUTS    "at EL2\n"
    PRINT_SYSREG PMCNTENSET_EL0, pmcntenset_el0
    PRINT_SYSREG PMEVCNTR0_EL0, pmevcntr0_el0
    PRINT_SYSREG PMEVCNTR1_EL0, pmevcntr1_el0
    PRINT_SYSREG PMEVCNTR2_EL0, pmevcntr2_el0
    PRINT_SYSREG PMEVCNTR3_EL0, pmevcntr3_el0
    PRINT_SYSREG PMEVCNTR4_EL0, pmevcntr4_el0
    PRINT_SYSREG PMEVCNTR5_EL0, pmevcntr5_el0
    ldr     x9, =PMU_ALL
    msr     pmcntenclr_el0, x9
    ldr     x9, =(EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper2_el0, x9
    mov     x9, #0x4                // counter 2 (second range)
    msr     pmcntenset_el0, x9
    mov     x9, #2                  // HPMN 2, HPME 0
    msr     mdcr_el2, x9
    mov     x9, #PMCR_E
    msr     pmcr_el0, x9
    isb
    PUTS    "EL2, counter 2 INST_RETIRED, HPME=0, PMCR_EL0.E=1\n"
    mrs     x1, pmevcntr2_el0
    BUSY_LOOP 100
    mrs     x2, pmevcntr2_el0
    cmp     x1, x2
    PRINT_IF UNCHANGED, eq
    PUTS    "EL2, counter 2 INST_RETIRED, HPME=1, PMCR_EL0.E=0\n"
    mov     x9, #(MDCR_HPME + 2)
    msr     mdcr_el2, x9
    msr     pmcr_el0, xzr
    isb
    mrs     x1, pmevcntr2_el0
    BUSY_LOOP 100
    mrs     x2, pmevcntr2_el0
    sub     x1, x2, x1
    cmp     x1, #201
    PRINT_IF COUNTED_AT_LEAST_201, hs
    eret

et_handler2:
    mrs     x10, esr_el2
    lsr     x11, x10, #26
    cmp     x11, #0x16              // HVC: #1 a command, #0xffff power off
    b.ne    et_trap2
    and     x10, x10, #0xffff
    cmp     x10, #1
    b.eq    et_cmd
    POWER_OFF
et_trap2:
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    mrs     x10, elr_el2
    sub     x10, x10, x20
    PRINT_REG ELR_EL2_MINUS_INSN, x10
    SKIP_INSN 2
    eret
et_fail2:
    PUTS    "FAIL: bad command\n"
    POWER_OFF

et_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15              // SVC from EL0: forward the command to EL2
    b.ne    et_trap1
    and     x12, x10, #0xffff
    cmp     x12, #0x100
    b.eq    et_to_hpmn
    hvc     #1
    eret
et_to_hpmn:
    adr     x9, et_hpmn             // continue at EL1
    msr     elr_el1, x9
    mov     x9, #(SPSR_EL1H + SPSR_DAIF)
    msr     spsr_el1, x9
    eret
et_trap1:
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x10, elr_el1
    sub     x10, x10, x20
    PRINT_REG ELR_EL1_MINUS_INSN, x10
    SKIP_INSN 1
    eret

    VECTOR_TABLE et_vt1, et_handler1
    VECTOR_TABLE et_vt2, et_handler2
