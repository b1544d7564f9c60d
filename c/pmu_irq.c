/* pmu_irq: a PMU counter overflow delivered as PPI 7 (INTID 23) through the GICv3 to EL2
 * (HCR_EL2.IMO = 1, vector "current EL with SP_ELx, IRQ").
 *
 * GIC as asm/include/gic.S: distributor Group 1 on, redistributor awake, INTID 23 Group 1,
 * priority 0x80, enabled; ICC_PMR_EL1 = 0xff, EOImode 0, Group 1 on.
 * Part 1: event counter 0 counts SW_INCR at EL2 (NSH) from 0xffffffff with PMINTENSET_EL1 bit 0;
 * with IRQs masked one write of PMSWINC_EL0 wraps it: PMOVSSET_EL0 bit 0, the interrupt pending
 * at the redistributor (GICR_ISPENDR0 bit 23) and ISR_EL1.I; unmasking takes it once. The handler
 * prints the INTID from ICC_IAR1_EL1, PMOVSSET_EL0, ICC_RPR_EL1 (the priority 0x80) and the active
 * bit of INTID 23 before and after EOI; it clears the overflow flag (the level-sensitive request
 * falls) before ICC_EOIR1_EL1 (priority drop and deactivation).
 * Part 2: the cycle counter (PMCCFILTR_EL0.NSH, LC = 0) from 0xffffff00 with PMINTENSET_EL1 bit 31
 * overflows during a loop with IRQs masked; after a read of PMOVSSET_EL0 it is pending and taken
 * once unmasked, flag bit 31. (The overflows happen with IRQs masked: QEMU 7.2 brings an event
 * counter's overflow flag up to date only at a PMU access, see asm/pmu_overflow_irq.S; the Arm
 * ARM allows an interrupt to be taken at any point after it is pending and unmasked.)
 * PMCR_EL0.E stays 1 until the interrupt has been handled: CheckForPMUOverflow asserts the
 * request only for counters whose range is enabled (PMCR_EL0.E), but QEMU 7.2 keeps it
 * asserted after E is cleared (docs/kernels.md, "C kernels"), so an interrupt taken with E = 0
 * would differ between emu and QEMU.
 * Afterwards nothing is pending or active and ICC_IAR1_EL1 reads 1023.
 * Arm ARM D13.3 (PMOVSSET_EL0, PMINTENSET_EL1, CheckForPMUOverflow), D24.5 PMSWINC_EL0;
 * GIC IHI 0069 (GICR_ISPENDR0, GICR_ISACTIVER0, ICC_IAR1_EL1, ICC_RPR_EL1, ICC_EOIR1_EL1).
 */
#include "gic.h"
#include "lib.h"
#include "pmu.h"

#define HCR_RW  (1UL << 31)
#define HCR_IMO (1UL << 4)

static volatile unsigned irqs_taken;

static void pmu_irq_handler(void)
{
    uint64_t intid = read_sysreg(icc_iar1_el1);

    irqs_taken++;
    print_reg("INTID", intid);
    print_reg("PMOVSSET_EL0", read_sysreg(pmovsset_el0));
    print_reg("RPR_IN_HANDLER", read_sysreg(icc_rpr_el1));
    print_reg("ACTIVE_BEFORE_EOI", gic_bit(GICR_ISACTIVER0, INTID_PMU));
    write_sysreg(pmovsclr_el0, PMU_ALL);   /* the overflow request falls */
    isb();
    write_sysreg(icc_eoir1_el1, intid);
    isb();
    print_reg("ACTIVE_AFTER_EOI", gic_bit(GICR_ISACTIVER0, INTID_PMU));
    print_reg("RPR_AFTER_EOI", read_sysreg(icc_rpr_el1));
}

/* Pending with IRQs masked: report, then unmask and let the interrupt be taken. */
static void take_pending(const char *part)
{
    uart_puts(part);
    uart_putc('\n');
    print_reg("PMOVSSET_MASKED", read_sysreg(pmovsset_el0));
    print_reg("PENDING_MASKED", gic_bit(GICR_ISPENDR0, INTID_PMU));
    print_reg("ISR_EL1_I", (read_sysreg(isr_el1) >> 7) & 1);
    irqs_taken = 0;
    irq_enable();
    isb();
    busy_loop(100);
    irq_disable();
    print_reg("IRQS_TAKEN", irqs_taken);
    print_reg("PENDING_AFTER", gic_bit(GICR_ISPENDR0, INTID_PMU));
}

int main(void)
{
    set_irq_handler(pmu_irq_handler);
    gic_init();
    gic_enable_private(INTID_PMU, 0x80);
    write_sysreg(hcr_el2, HCR_RW | HCR_IMO);
    isb();
    pmu_init();
    print_reg("IAR_IDLE", read_sysreg(icc_iar1_el1));
    print_reg("PENDING_IDLE", gic_bit(GICR_ISPENDR0, INTID_PMU));

    /* Part 1: SW_INCR counter 0 wraps at one PMSWINC_EL0 write. */
    write_sysreg(pmevtyper0_el0, EVT_NSH | EV_SW_INCR);
    write_sysreg(pmevcntr0_el0, 0xffffffffUL);
    write_sysreg(pmintenset_el1, 1);
    write_sysreg(pmcntenset_el0, 1);
    write_sysreg(pmcr_el0, PMCR_E);
    isb();
    write_sysreg(pmswinc_el0, 1);
    isb();
    print_reg("PMEVCNTR0_EL0", read_sysreg(pmevcntr0_el0));
    take_pending("SW_INCR_OVERFLOW");
    write_sysreg(pmcr_el0, 0);
    write_sysreg(pmcntenclr_el0, 1);
    write_sysreg(pmintenclr_el1, 1);

    /* Part 2: the cycle counter overflows at bit 31 (LC = 0) during a loop. */
    write_sysreg(pmccfiltr_el0, EVT_NSH);
    write_sysreg(pmccntr_el0, 0xffffff00UL);
    write_sysreg(pmintenset_el1, PMU_CYCLE_BIT);
    write_sysreg(pmcntenset_el0, PMU_CYCLE_BIT);
    write_sysreg(pmcr_el0, PMCR_E);
    isb();
    busy_loop(1000);
    take_pending("CYCLE_OVERFLOW");
    write_sysreg(pmcr_el0, 0);
    write_sysreg(pmintenclr_el1, PMU_ALL);

    print_reg("IAR_AFTER", read_sysreg(icc_iar1_el1));
    print_reg("ACTIVE_AFTER", gic_bit(GICR_ISACTIVER0, INTID_PMU));
    print_reg("RPR_AFTER", read_sysreg(icc_rpr_el1));
    uart_puts("done\n");
    return 0;
}
