/* pmu.h: PMUv3 constants and a known starting state for the C test kernels (as PMU_INIT in
 * asm/include/pmu.S). Arm ARM D24.5: most PMU fields reset to UNKNOWN values. */
#ifndef C_RUNTIME_PMU_H
#define C_RUNTIME_PMU_H

#include "lib.h"

#define PMCR_E   (1u << 0)   /* enable */
#define PMCR_P   (1u << 1)   /* WO: zero the event counters */
#define PMCR_C   (1u << 2)   /* WO: zero PMCCNTR_EL0 */
#define PMCR_LC  (1u << 6)   /* cycle counter overflows at bit 63 (0: at bit 31) */
#define PMU_CYCLE_BIT (1u << 31)
#define PMU_ALL  0x8000003fu
#define EVT_NSH  (1u << 27)  /* count at EL2 */
#define EV_SW_INCR 0x00

/* From EL2: MDCR_EL2 = HPMN 6, no traps; every counter zeroed, disabled, no interrupt enable
 * or overflow flag; PMCR_EL0 = 0; every filter 0. */
static inline void pmu_init(void)
{
    write_sysreg(mdcr_el2, 6);
    write_sysreg(pmcr_el0, PMCR_P | PMCR_C);
    write_sysreg(pmcntenclr_el0, PMU_ALL);
    write_sysreg(pmintenclr_el1, PMU_ALL);
    write_sysreg(pmovsclr_el0, PMU_ALL);
    write_sysreg(pmuserenr_el0, 0);
    write_sysreg(pmselr_el0, 0);
    write_sysreg(pmccfiltr_el0, 0);
    write_sysreg(pmevtyper0_el0, 0);
    write_sysreg(pmevtyper1_el0, 0);
    write_sysreg(pmevtyper2_el0, 0);
    write_sysreg(pmevtyper3_el0, 0);
    write_sysreg(pmevtyper4_el0, 0);
    write_sysreg(pmevtyper5_el0, 0);
    isb();
}

#endif
