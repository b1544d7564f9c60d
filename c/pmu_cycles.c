/* pmu_cycles: the cycle counter PMCCNTR_EL0 at EL2 (PMCCFILTR_EL0.NSH = 1).
 *
 * Cycle counts depend on timing (emu: its cost model; QEMU: -icount), so only facts are
 * printed: no counting while PMCR_EL0.E = 0 or PMCNTENSET_EL0.C = 0, increasing reads while
 * enabled, PMCR_EL0.C zeroes the counter, a frozen counter reads the same twice, and with
 * PMCR_EL0.LC = 0 an overflow at bit 31 sets PMOVSSET_EL0.C (bit 31) and counting goes on
 * into bit 32 (the 64-bit counter); PMINTENSET_EL1.C reads back; PMOVSCLR_EL0 clears the flag.
 * IRQs stay masked (no GIC set-up): the interrupt request is not taken (see pmu_irq).
 * Arm ARM D13.3 (PMCR_EL0.E/C/LC, PMCNTENSET_EL0), D24.5 (PMCCNTR_EL0, PMCCFILTR_EL0,
 * PMOVSSET_EL0, PMINTENSET_EL1), AArch64.IncrementCycleCounter.
 */
#include "lib.h"
#include "pmu.h"

int main(void)
{
    uint64_t c1, c2, c3;

    pmu_init();
    print_reg("PMCR_N", (read_sysreg(pmcr_el0) >> 11) & 0x1f);
    write_sysreg(pmccfiltr_el0, EVT_NSH);
    print_reg("PMCCFILTR_EL0", read_sysreg(pmccfiltr_el0));

    /* Enabled in PMCNTENSET, but PMCR_EL0.E = 0: no counting. */
    write_sysreg(pmccntr_el0, 0);
    write_sysreg(pmcntenset_el0, PMU_CYCLE_BIT);
    isb();
    busy_loop(1000);
    print_flag("CYCLES_ZERO_WITHOUT_E", read_sysreg(pmccntr_el0) == 0);

    /* PMCR_EL0.E = 1 but PMCNTENSET.C = 0: no counting either. */
    write_sysreg(pmcntenclr_el0, PMU_CYCLE_BIT);
    write_sysreg(pmcr_el0, PMCR_E);
    isb();
    busy_loop(1000);
    print_flag("CYCLES_ZERO_WITHOUT_CNTEN", read_sysreg(pmccntr_el0) == 0);
    print_reg("PMCNTENSET_EL0", read_sysreg(pmcntenset_el0));

    /* Both: counting. */
    write_sysreg(pmcntenset_el0, PMU_CYCLE_BIT);
    isb();
    busy_loop(1000);
    c1 = read_sysreg(pmccntr_el0);
    busy_loop(1000);
    c2 = read_sysreg(pmccntr_el0);
    print_flag("CYCLES_NONZERO", c1 != 0);
    print_flag("CYCLES_INCREASING", c2 > c1);
    print_flag("CYCLES_AT_LEAST_1000_PER_LOOP", c2 - c1 >= 1000);

    /* PMCR_EL0.C zeroes the counter; counting goes on from 0. */
    write_sysreg(pmcr_el0, PMCR_E | PMCR_C);
    isb();
    c3 = read_sysreg(pmccntr_el0);
    print_flag("CYCLES_RESET_BY_C", c3 < c2);
    print_flag("PMCR_C_READS_0", (read_sysreg(pmcr_el0) & PMCR_C) == 0);

    /* E = 0: frozen. */
    write_sysreg(pmcr_el0, 0);
    isb();
    c1 = read_sysreg(pmccntr_el0);
    busy_loop(1000);
    c2 = read_sysreg(pmccntr_el0);
    print_flag("CYCLES_FROZEN", c1 == c2);

    /* Overflow at bit 31 (LC = 0) with the interrupt enabled (IRQs masked). */
    write_sysreg(pmintenset_el1, PMU_CYCLE_BIT);
    print_reg("PMINTENSET_EL1", read_sysreg(pmintenset_el1));
    print_reg("PMOVSSET_BEFORE", read_sysreg(pmovsset_el0));
    write_sysreg(pmccntr_el0, 0xffffff00UL);
    write_sysreg(pmcr_el0, PMCR_E);
    isb();
    busy_loop(1000);
    write_sysreg(pmcr_el0, 0);
    isb();
    c1 = read_sysreg(pmccntr_el0);
    print_reg("PMOVSSET_AFTER", read_sysreg(pmovsset_el0));
    print_reg("PMCCNTR_HIGH_WORD", c1 >> 32);
    print_flag("PMCCNTR_LOW_WORD_SMALL", (c1 & 0xffffffffUL) < 0x100000);
    write_sysreg(pmovsclr_el0, PMU_CYCLE_BIT);
    print_reg("PMOVSSET_CLEARED", read_sysreg(pmovsset_el0));
    write_sysreg(pmintenclr_el1, PMU_CYCLE_BIT);
    print_reg("PMINTENSET_CLEARED", read_sysreg(pmintenset_el1));
    uart_puts("done\n");
    return 0;
}
