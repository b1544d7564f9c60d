/* gic.h: GICv3 of QEMU's virt board for the C test kernels (same set-up as asm/include/gic.S).
 * GIC IHI 0069: distributor at 0x0800_0000, redistributor of CPU 0 at 0x080a_0000 (RD frame)
 * and 0x080b_0000 (SGI frame). With GICD_CTLR.DS = 1 (no Security) Group 1 is the only group
 * used, and ARE is RAO. */
#ifndef C_RUNTIME_GIC_H
#define C_RUNTIME_GIC_H

#include "lib.h"

#define GICD_BASE        0x08000000UL
#define GICD_CTLR        (GICD_BASE + 0x0000)
#define GICR_RD_BASE     0x080a0000UL
#define GICR_WAKER       (GICR_RD_BASE + 0x0014)
#define GICR_SGI_BASE    0x080b0000UL
#define GICR_IGROUPR0    (GICR_SGI_BASE + 0x0080)
#define GICR_ISENABLER0  (GICR_SGI_BASE + 0x0100)
#define GICR_ICENABLER0  (GICR_SGI_BASE + 0x0180)
#define GICR_ISPENDR0    (GICR_SGI_BASE + 0x0200)
#define GICR_ICPENDR0    (GICR_SGI_BASE + 0x0280)
#define GICR_ISACTIVER0  (GICR_SGI_BASE + 0x0300)
#define GICR_IPRIORITYR  (GICR_SGI_BASE + 0x0400)

#define GICD_CTLR_ENABLE_GRP1 0x2    /* EnableGrp1 (with DS = 1) */
#define GICD_CTLR_ARE         0x10
#define GICR_WAKER_PROCESSOR_SLEEP 0x2
#define GICR_WAKER_CHILDREN_ASLEEP 0x4

#define INTID_SPURIOUS 1023
#define INTID_PMU      23            /* PPI 7: the PMU overflow interrupt of the virt board */

/* Distributor on, redistributor awake; the CPU interface through system registers at EL2
 * and EL1 (ICC_SRE_EL2 = SRE | DFB | DIB | Enable), EOImode 0, PMR 0xff, Group 1 on. */
static inline void gic_init(void)
{
    mmio_write32(GICD_CTLR, GICD_CTLR_ENABLE_GRP1 | GICD_CTLR_ARE);
    mmio_write32(GICR_WAKER, 0);
    while (mmio_read32(GICR_WAKER) & GICR_WAKER_CHILDREN_ASLEEP)
        ;
    write_sysreg(icc_sre_el2, 0xf);
    write_sysreg(icc_sre_el1, 0xf);
    isb();
    write_sysreg(icc_ctlr_el1, 0);
    write_sysreg(icc_pmr_el1, 0xff);
    write_sysreg(icc_igrpen1_el1, 1);
    isb();
}

/* An SGI or PPI (INTID < 32): Group 1, the given priority, enabled. */
static inline void gic_enable_private(unsigned intid, uint8_t priority)
{
    uint64_t prio_reg = GICR_IPRIORITYR + (intid & ~3u);
    unsigned shift = (intid & 3) * 8;
    mmio_write32(GICR_IGROUPR0, mmio_read32(GICR_IGROUPR0) | (1u << intid));
    mmio_write32(prio_reg, (mmio_read32(prio_reg) & ~(0xffu << shift)) |
                           ((uint32_t)priority << shift));
    mmio_write32(GICR_ISENABLER0, 1u << intid);
}

static inline unsigned gic_bit(uint64_t reg, unsigned intid)
{
    return (mmio_read32(reg) >> intid) & 1;
}

#endif
