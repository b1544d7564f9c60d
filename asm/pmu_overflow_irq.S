// @qemu-differs: QEMU 7.2 sets an event counter's overflow flag only when a later PMU access brings the counter up to date, so its overflow interrupt never comes during the loop (Arm ARM D13.3: PMOVSSET is updated synchronously with the counter, and CheckForPMUOverflow asserts the request then); see pmu_overflow
// pmu_overflow_irq: the PMU overflow interrupt (PPI 7, INTID 23) through the GICv3 to EL2, then
// (second part) to EL1 with HCR_EL2.IMO = 0, counting at EL1
// (kvm-unit-tests pmu "overflow-interrupt", in our own code). HCR_EL2.IMO = 1 routes physical
// IRQs to EL2; the GIC is set up for Group 1 INTID 23; PMEVCNTR0 counts INST_RETIRED at EL2 from
// 0xfffffff0 with PMINTENSET bit 0, so it overflows inside a loop; the IRQ is taken at EL2 with
// SP_ELx (vector 0x280). The handler prints the acknowledged INTID (ICC_IAR1_EL1), PMOVSSET, the
// active bit of INTID 23 in GICR_ISACTIVER0 before and after EOI (EOImode 0), clears the overflow
// and returns. The first 16 counted instructions run before the overflow, so the loop counter
// tells that the interrupt came during the loop, not before.
// Arm ARM D13 (overflow, CheckForPMUOverflow), GIC IHI 0069 (GICD_CTLR, GICR_WAKER, IGROUPR0,
// ISENABLER0, IPRIORITYR, ICC_PMR_EL1, ICC_IGRPEN1_EL1, ICC_IAR1_EL1, ICC_EOIR1_EL1).
    .include "lib.S"
    .include "gic.S"
    EL2_INIT
    SET_VBAR 2, oi_vt2
    // GIC: distributor Group 1 enabled (ARE is RAO with DS = 1), redistributor awake,
    // INTID 23 Group 1, enabled, priority 0x80; CPU interface: SRE, PMR = 0xff, Group 1 on.
    GIC_WAKE oi_gic_wake
    GIC_PRIVATE_IRQ 23
    mov     x0, #0xf
    msr     icc_sre_el2, x0
    msr     icc_sre_el1, x0
    isb
    mov     x0, #0xff
    msr     icc_pmr_el1, x0
    mov     x0, #1
    msr     icc_igrpen1_el1, x0
    isb
    SET_HCR (HCR_RW + 0x10)         // IMO: physical IRQs to EL2
    // PMU: counter 0 INST_RETIRED at EL2, preset 16 below the wrap, interrupt enabled.
    ldr     x0, =0x08000008
    msr     pmevtyper0_el0, x0
    ldr     x0, =0xfffffff0
    msr     pmevcntr0_el0, x0
    mov     x0, #1
    msr     pmintenset_el1, x0
    msr     pmcntenset_el0, x0
    mov     x20, #0                 // loop iterations
    msr     daifclr, #2             // IRQs unmasked at EL2
    msr     pmcr_el0, x0            // E: counting starts
oi_loop:
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    oi_loop
    PUTS    "EL2 loop ended\n"
    PRINT_REG "IRQS_TAKEN", x21
    // EL1: physical IRQs to EL1 (IMO = 0); the same overflow counted at EL1 (P = 0, NSH = 0).
    mov     x0, #0
    msr     pmcr_el0, x0
    SET_HCR HCR_RW
    SET_VBAR 1, oi_vt1
    mov     x21, #0
    ERET_TO 2, oi_el1, (SPSR_EL1H + SPSR_DAIF)
oi_el1:
    mov     x0, #0x08
    msr     pmevtyper0_el0, x0
    ldr     x0, =0xfffffff0
    msr     pmevcntr0_el0, x0
    mov     x20, #0
    mov     x0, #1
    msr     daifclr, #2
    msr     pmcr_el0, x0
oi_loop1:
    add     x20, x20, #1
    cmp     x20, #1000
    b.ne    oi_loop1
    PUTS    "EL1 loop ended\n"
    PRINT_REG "IRQS_TAKEN", x21
    POWER_OFF

oi_handler:
    cmp     x17, #0x280
    b.ne    oi_unexpected
    add     x21, x21, #1
    mrs     x22, icc_iar1_el1
    PRINT_REG "INTID", x22
    mrs     x0, pmovsset_el0
    PRINT_REG "PMOVSSET_EL0", x0
    cmp     x20, #1
    cset    x0, hi
    PRINT_REG "IN_LOOP", x0
    ldr     x1, =0x080b0300         // GICR_ISACTIVER0
    ldr     w0, [x1]
    ubfx    x0, x0, #23, #1
    PRINT_REG "ACTIVE_BEFORE_EOI", x0
    mov     x0, #1
    msr     pmovsclr_el0, x0        // the line falls
    msr     icc_eoir1_el1, x22      // EOImode 0: priority drop and deactivation
    isb
    ldr     w0, [x1]
    ubfx    x0, x0, #23, #1
    PRINT_REG "ACTIVE_AFTER_EOI", x0
    eret
oi_unexpected:
    PRINT_EXC 2
    POWER_OFF

oi_handler1:
    cmp     x17, #0x280             // current EL with SP_ELx, IRQ
    b.ne    oi_unexpected1
    add     x21, x21, #1
    mrs     x22, icc_iar1_el1
    PRINT_REG "EL1_INTID", x22
    cmp     x20, #1
    cset    x0, hi
    PRINT_REG "IN_LOOP", x0
    mov     x0, #1
    msr     pmovsclr_el0, x0
    msr     icc_eoir1_el1, x22
    isb
    eret
oi_unexpected1:
    PRINT_EXC 1
    POWER_OFF

    VECTOR_TABLE oi_vt2, oi_handler
    VECTOR_TABLE oi_vt1, oi_handler1
