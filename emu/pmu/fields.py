"""Fields of the PMUv3 registers this PE implements (Arm ARM D24.5; MDCR_EL2 D24.3.17): FEAT_PMUv3p1,
and optionally FEAT_PMUv3p5 (with FEAT_PMUv3p4: PMCR_EL0.LP, MDCR_EL2.HLP and HCCD, 64-bit event
counters, PMMIR_EL1), EL2, no EL3, no other later PMU features. PMCR_EL0.D and LC are kept as
the A57 has them.
Counter bit positions are those of PMCNTENSET_EL0 and friends: P<n> is bit n, C is bit 31."""

from __future__ import annotations

CYCLE = 31  # CYCLE_COUNTER_ID
C = 1 << CYCLE
MASK32 = (1 << 32) - 1
MASK64 = (1 << 64) - 1

# PMCR_EL0
PMCR_E, PMCR_P, PMCR_C, PMCR_D, PMCR_X, PMCR_DP, PMCR_LC = (1 << i for i in range(7))
PMCR_LP = 1 << 7  # FEAT_PMUv3p5: long event counters (the first range)
PMCR_RW = PMCR_E | PMCR_D | PMCR_X | PMCR_DP | PMCR_LC  # P and C are WO/RAZ; LP (without PMUv3p5), FZO RES0
PMCR_RW_P5 = PMCR_RW | PMCR_LP
PMCR_N_SHIFT = 11
# IMP = 0x41 (Arm), IDCODE = 0x01 (Cortex-A57): QEMU's reset_pmcr_el0 for cortex-a57.
PMCR_IMP_IDCODE = 0x41 << 24 | 0x01 << 16

# PMUSERENR_EL0 (UEN, IR, TID are FEAT_PMUv3p9/ICNTR: RES0 here)
PMUSERENR_EN, PMUSERENR_SW, PMUSERENR_CR, PMUSERENR_ER = 1, 2, 4, 8
PMUSERENR_RW = 0xF

PMSELR_SEL = 0x1F

# PMEVTYPER<n>_EL0 and PMCCFILTR_EL0. NSK, NSU and M are RES0 without EL3: kept as stored bits that
# have no effect (CountPMUEvents reads nsk/nsu/m as '0' when !HaveEL(EL3)); MT, SH, RLK/RLU/RLH
# (FEAT_MTPMU, SEL2, RME) and bits [63:32] are RES0 and ignore writes.
FILTER_P, FILTER_U, FILTER_NSK, FILTER_NSU, FILTER_NSH, FILTER_M = (1 << i for i in range(31, 25, -1))
FILTER_RW = FILTER_P | FILTER_U | FILTER_NSK | FILTER_NSU | FILTER_NSH | FILTER_M
EVTCOUNT = 0xFFFF  # evtCount[15:0] (FEAT_PMUv3p1)
PMEVTYPER_RW = FILTER_RW | EVTCOUNT

# MDCR_EL2: the PMU fields, and the debug trap fields (TDE, TDA, TDOSA, TDRA) kept as storage.
MDCR_HPMN = 0x1F
MDCR_TPMCR, MDCR_TPM, MDCR_HPME = 1 << 5, 1 << 6, 1 << 7
MDCR_HPMD = 1 << 17
MDCR_HCCD = 1 << 23  # FEAT_PMUv3p5: the cycle counter does not count at EL2
MDCR_HLP = 1 << 26  # FEAT_PMUv3p5: long event counters (the second range)
MDCR_RW = 0xFFF | MDCR_HPMD  # E2PB, TPMS, TTRF, ... RES0 (features not implemented); HCCD, HLP too without PMUv3p5
MDCR_RW_P5 = MDCR_RW | MDCR_HCCD | MDCR_HLP
