// pmu.S: PMUv3 helpers for the asm/pmu_*.S kernels. Include it after lib.S.
//
// The PMU of PLATFORM.md: PMCR_EL0.N = 6 event counters (PMEVCNTR0-5_EL0) and the cycle counter
// (bit 31, "C", of PMCNTENSET_EL0 and friends). Most PMU fields reset to architecturally UNKNOWN
// values (Arm ARM D24.5), so every kernel starts with PMU_INIT and never relies on them.

.equ PMCR_E,            0x1             // enable (first range and the cycle counter)
.equ PMCR_P,            0x2             // WO: zero the event counters (first range from EL0/EL1)
.equ PMCR_C,            0x4             // WO: zero PMCCNTR_EL0
.equ PMCR_D,            0x8             // cycle counter counts every 64 cycles
.equ PMCR_LC,           0x40            // cycle counter overflows at bit 63 (0: at bit 31)
.equ PMU_ALL,           0x8000003f      // C and P0-P5: every implemented counter

// PMEVTYPER<n>_EL0 / PMCCFILTR_EL0 filter bits (no EL3: NSK, NSU, M are left 0).
.equ EVT_P,             0x80000000      // do not count at EL1
.equ EVT_U,             0x40000000      // do not count at EL0
.equ EVT_NSH,           0x08000000      // count at EL2

// Common event numbers (Arm ARM D14.3).
.equ EV_SW_INCR,        0x00
.equ EV_LD_RETIRED,     0x06
.equ EV_ST_RETIRED,     0x07
.equ EV_INST_RETIRED,   0x08
.equ EV_CPU_CYCLES,     0x11
.equ EV_MEM_ACCESS,     0x13
.equ EV_CHAIN,          0x1e

// MDCR_EL2 PMU fields.
.equ MDCR_TPMCR,        0x20
.equ MDCR_TPM,          0x40
.equ MDCR_HPME,         0x80

// PMU_INIT: from EL2, a known PMU state: MDCR_EL2 = HPMN 6 (no traps, HPME = HPMD = 0);
// PMCR_EL0 = 0 after zeroing every counter (P, C); no counter enabled, no interrupt enabled, no
// overflow flag; PMUSERENR_EL0 = 0 (EL0 access traps); PMSELR_EL0 = 0; PMCCFILTR_EL0 and every
// PMEVTYPER<n>_EL0 = 0 (event 0x00, counts at EL0 and EL1 only). Clobbers x9.
.macro PMU_INIT
    mov     x9, #6
    msr     mdcr_el2, x9
    mov     x9, #(PMCR_P + PMCR_C)
    msr     pmcr_el0, x9
    ldr     x9, =PMU_ALL
    msr     pmcntenclr_el0, x9
    msr     pmintenclr_el1, x9
    msr     pmovsclr_el0, x9
    msr     pmuserenr_el0, xzr
    msr     pmselr_el0, xzr
    msr     pmccfiltr_el0, xzr
    msr     pmevtyper0_el0, xzr
    msr     pmevtyper1_el0, xzr
    msr     pmevtyper2_el0, xzr
    msr     pmevtyper3_el0, xzr
    msr     pmevtyper4_el0, xzr
    msr     pmevtyper5_el0, xzr
    isb
.endm

// PRINT_IF NAME, cond: print "NAME=0x...1" if the condition code cond (eq, ne, hi, ...) holds
// after the preceding compare, else "NAME=0x...0". Clobbers x9.
.macro PRINT_IF name, cond
    cset    x9, \cond
    PRINT_REG \name, x9
.endm

// BUSY_LOOP n: 2n + 1 instructions (mov, then n times subs + b.ne), n < 65536. Clobbers x8.
// (Keystone expands \@ only inside a macro that has a parameter.)
.macro BUSY_LOOP n
    mov     x8, #\n
pmu_busy\@:
    subs    x8, x8, #1
    b.ne    pmu_busy\@
.endm
