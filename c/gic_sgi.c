/* gic_sgi: SGIs to self through ICC_SGI1R_EL1, taken at EL2 (HCR_EL2.IMO = 1).
 *
 * GIC as asm/include/gic.S; SGIs 0-15 Group 1 and enabled, priority 0x80 except SGI 2 (0x40)
 * and SGI 9 (0xa0). ICC_SGI1R_EL1 = INTID << 24 | TargetList bit 0 (Aff3-Aff1 = 0, IRM = 0:
 * to PE 0, this PE, whose MPIDR_EL1 affinity is 0).
 * Part 1: SGIs 0, 3, 7 and 15 one by one with IRQs unmasked: each is taken exactly once with its
 * own INTID, ICC_RPR_EL1 in the handler = its priority, not active after EOI (EOImode 0).
 * Part 2: with IRQs masked, SGIs 1, 9 and 2, and SGI 1 a second time: GICR_ISPENDR0 holds bits
 * 1, 2, 9 (an SGI pending twice is one pending interrupt), ISR_EL1.I = 1; once unmasked they are
 * taken in priority order 2 (0x40), 1 (0x80), 9 (0xa0), each once.
 * Afterwards ICC_IAR1_EL1 reads 1023 (spurious), nothing pending or active, RPR 0xff.
 * GIC IHI 0069: ICC_SGI1R_EL1, ICC_IAR1_EL1, ICC_EOIR1_EL1, ICC_RPR_EL1, GICR_ISPENDR0,
 * GICR_ISACTIVER0, 4.7 (highest priority pending interrupt first); Arm ARM ISR_EL1.
 */
#include "gic.h"
#include "lib.h"

#define HCR_RW  (1UL << 31)
#define HCR_IMO (1UL << 4)

static volatile unsigned irq_count;
static volatile unsigned spurious;
static volatile unsigned counts[16];
static volatile uint64_t order;        /* INTIDs taken, one byte each, the first in the top byte */

static void sgi_handler(void)
{
    uint64_t intid = read_sysreg(icc_iar1_el1);

    if (intid == INTID_SPURIOUS) {
        spurious++;
        return;
    }
    irq_count++;
    if (intid < 16)
        counts[intid]++;
    order = (order << 8) | intid;
    print_reg("INTID", intid);
    print_reg("RPR_IN_HANDLER", read_sysreg(icc_rpr_el1));
    write_sysreg(icc_eoir1_el1, intid);
    isb();
    print_reg("ACTIVE_AFTER_EOI", gic_bit(GICR_ISACTIVER0, (unsigned)intid & 31));
}

static void send_sgi(unsigned intid)
{
    write_sysreg(icc_sgi1r_el1, ((uint64_t)intid << 24) | 1);
    isb();
}

int main(void)
{
    static const unsigned part1[] = {0, 3, 7, 15};

    print_reg("CURRENT_EL", current_el());
    set_irq_handler(sgi_handler);
    gic_init();
    for (unsigned intid = 0; intid < 16; intid++)
        gic_enable_private(intid, intid == 2 ? 0x40 : intid == 9 ? 0xa0 : 0x80);
    write_sysreg(hcr_el2, HCR_RW | HCR_IMO);
    isb();
    print_reg("GICR_ISENABLER0", mmio_read32(GICR_ISENABLER0));
    print_reg("IAR_IDLE", read_sysreg(icc_iar1_el1));
    print_reg("RPR_IDLE", read_sysreg(icc_rpr_el1));

    for (unsigned i = 0; i < sizeof(part1) / sizeof(part1[0]); i++) {
        unsigned before = irq_count;
        irq_enable();
        send_sgi(part1[i]);
        busy_loop(1000);
        irq_disable();
        print_reg("SENT", part1[i]);
        print_reg("TAKEN", irq_count - before);
    }

    order = 0;
    send_sgi(1);
    send_sgi(9);
    send_sgi(2);
    send_sgi(1);
    print_reg("PENDING_MASKED", mmio_read32(GICR_ISPENDR0) & 0xffff);
    print_reg("ISR_EL1_I", (read_sysreg(isr_el1) >> 7) & 1);
    irq_enable();
    busy_loop(1000);
    irq_disable();
    print_reg("ORDER", order);

    for (unsigned intid = 0; intid < 16; intid++) {
        if (counts[intid]) {
            uart_puts("COUNT_SGI");
            uart_putc(intid >= 10 ? '1' : '0' + intid);
            if (intid >= 10)
                uart_putc('0' + intid - 10);
            uart_putc('=');
            print_hex(counts[intid]);
            uart_putc('\n');
        }
    }
    print_reg("IRQS_TOTAL", irq_count);
    print_reg("SPURIOUS_IN_HANDLER", spurious);
    print_reg("PENDING_AFTER", mmio_read32(GICR_ISPENDR0) & 0xffff);
    print_reg("ACTIVE_AFTER", mmio_read32(GICR_ISACTIVER0) & 0xffff);
    print_reg("IAR_AFTER", read_sysreg(icc_iar1_el1));
    print_reg("RPR_AFTER", read_sysreg(icc_rpr_el1));
    uart_puts("done\n");
    return 0;
}
