// gic_ipi: the "ipi" test of kvm-unit-tests arm/gic.c (ipi_test_self, ipi_handler, check_acked,
// check_spurious) on one PE: SGIs 0, 1, 7 and 15 sent to self one after another through
// ICC_SGI1R_EL1 (INTID in bits [27:24], TargetList bit 0, Aff3-Aff1 = 0, IRM = 0), taken at EL1
// (the kernel starts at EL2, sets up the GIC and ERETs to EL1h with HCR_EL2.IMO = 0, vector
// 0x280). All 16 SGIs Group 1, enabled, priority 0x80; PMR 0xff, EOImode 0.
// The handler reads ICC_IAR1_EL1: 1023 counts as spurious; otherwise it counts the interrupt,
// counts a mismatch when the INTID is not the one just sent, and writes ICC_EOIR1_EL1. After each
// SGI: a window of 5000 loop iterations with IRQs unmasked (no WFI), then the INTID received and
// the number of interrupts for that SGI (exactly 1) are printed. Totals: 4 interrupts, 0
// spurious, 0 mismatches; ICC_IAR1_EL1 1023 and ICC_RPR_EL1 0xff at the end, no SGI pending.
// GIC IHI 0069: ICC_SGI1R_EL1 (INTID, TargetList), ICC_IAR1_EL1 (the INTID of the acknowledged
// SGI; 1023 = no pending interrupt), ICC_EOIR1_EL1 (EOImode 0: priority drop and deactivation),
// 4.1 (an edge-triggered SGI is delivered once per generation), GICR_ISPENDR0. Arm ARM:
// HCR_EL2.IMO = 0 routing of physical IRQs to EL1.
    .include "lib.S"
    .include "gic.S"
    EL2_INIT
    SET_VBAR 1, ip_vt1
    GIC_WAKE ip_gic_wake
    ldr     x0, =0x080b0080         // GICR_IGROUPR0: SGIs 0-15 Group 1
    mov     w1, #0xffff
    str     w1, [x0]
    ldr     x0, =0x080b0400         // GICR_IPRIORITYR0-3: SGIs 0-15 at priority 0x80
    ldr     w1, =0x80808080
    str     w1, [x0]
    str     w1, [x0, #4]
    str     w1, [x0, #8]
    str     w1, [x0, #12]
    ldr     x0, =0x080b0100         // GICR_ISENABLER0: SGIs 0-15
    mov     w1, #0xffff
    str     w1, [x0]
    GIC_CPUIF_ON
    SET_HCR HCR_RW                  // IMO = 0: physical IRQs to EL1
    mov     x21, #0                 // interrupts taken, in all
    mov     x23, #0                 // spurious (IAR = 1023 in the handler)
    mov     x24, #0                 // INTID mismatches
    ERET_TO 2, ip_el1, (SPSR_EL1H + SPSR_DAIF)

// SEND_SGI n: send SGI n to self, wait 5000 iterations with IRQs unmasked, print the result.
// x25 = the INTID expected by the handler, x26 = interrupts for this SGI, x22 = last INTID.
.macro SEND_SGI n
    mov     x25, #\n
    mov     x26, #0
    mov     x22, #0x3ff
    PRINT_REG "SGI_SENT", x25
    ldr     x0, =(\n << 24 | 1)
    msr     icc_sgi1r_el1, x0
    isb
    msr     daifclr, #2
    mov     x20, #0
ip_window\@:
    add     x20, x20, #1
    cmp     x20, x7
    b.ne    ip_window\@
    msr     daifset, #2
    isb
    PRINT_REG "SGI_INTID", x22
    PRINT_REG "SGI_IRQS", x26
.endm

ip_el1:
    mov     x7, #5000
    SEND_SGI 0
    SEND_SGI 1
    SEND_SGI 7
    SEND_SGI 15
    PRINT_REG "TOTAL_IRQS", x21
    PRINT_REG "SPURIOUS", x23
    PRINT_REG "MISMATCHES", x24
    ldr     x1, =0x080b0200         // GICR_ISPENDR0
    ldr     w0, [x1]
    and     x0, x0, #0xffff
    PRINT_REG "SGIS_PENDING", x0
    mrs     x0, icc_rpr_el1
    PRINT_REG "RPR_END", x0
    mrs     x0, icc_iar1_el1
    PRINT_REG "IAR_END", x0
    POWER_OFF

// EL1 IRQ handler (x17 = vector offset).
ip_handler:
    cmp     x17, #0x280
    b.ne    ip_unexpected
    mrs     x0, icc_iar1_el1
    cmp     x0, #0x3ff
    b.eq    ip_spurious
    mov     x22, x0
    add     x21, x21, #1
    add     x26, x26, #1
    cmp     x0, x25
    b.eq    ip_eoi
    add     x24, x24, #1
ip_eoi:
    msr     icc_eoir1_el1, x0
    isb
    eret
ip_spurious:
    add     x23, x23, #1
    eret
ip_unexpected:
    PRINT_REG "UNEXPECTED_VECTOR", x17
    PRINT_EXC 1
    POWER_OFF

    VECTOR_TABLE ip_vt1, ip_handler
