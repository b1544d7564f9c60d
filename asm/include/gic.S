// gic.S: GICv3 set-up shared by the kernels that take interrupts (include after lib.S).

// GIC_WAKE label: GICD_CTLR = EnableGrp1 | ARE (DS = 1: Non-secure Group 1 is the only group used),
// then wake the redistributor (GICR_WAKER.ProcessorSleep = 0) and wait for ChildrenAsleep = 0
// (IHI 0069 GICR_WAKER). `label` names the wait loop (keystone's \@ does not work in a macro
// without parameters). Clobbers x0, x1.
.macro GIC_WAKE label
    ldr     x0, =0x08000000     // GICD_CTLR
    mov     w1, #0x12
    str     w1, [x0]
    ldr     x0, =0x080a0014     // GICR_WAKER
    str     wzr, [x0]
\label:
    ldr     w1, [x0]
    tbnz    w1, #2, \label
.endm

// GIC_PRIVATE_IRQ intid: SGI or PPI `intid` (0-31) in Non-secure Group 1 at priority 0x80,
// enabled (IHI 0069 GICR_IGROUPR0, GICR_IPRIORITYR<n>, GICR_ISENABLER0 in the redistributor's
// SGI frame). The IGROUPR0 write sets this INTID's bit alone. Clobbers x0, x1.
.macro GIC_PRIVATE_IRQ intid
    ldr     x0, =0x080b0080         // GICR_IGROUPR0
    mov     w1, #(1 << \intid)
    str     w1, [x0]
    ldr     x0, =(0x080b0400 + (\intid / 4) * 4)    // GICR_IPRIORITYR<intid / 4>
    mov     w1, #(0x80 << ((\intid % 4) * 8))
    str     w1, [x0]
    ldr     x0, =0x080b0100         // GICR_ISENABLER0
    mov     w1, #(1 << \intid)
    str     w1, [x0]
.endm

// GIC_CPUIF_ON: the CPU interface as system registers at EL2 and EL1 (ICC_SRE_EL2/EL1 = SRE, DFB,
// DIB, Enable), EOImode 0, priority mask 0xff (all priorities pass), Group 1 enabled
// (IHI 0069 ICC_SRE_ELx, ICC_CTLR_EL1, ICC_PMR_EL1, ICC_IGRPEN1_EL1). Clobbers x0.
.macro GIC_CPUIF_ON
    mov     x0, #0xf
    msr     icc_sre_el2, x0
    msr     icc_sre_el1, x0
    isb
    msr     icc_ctlr_el1, xzr       // EOImode 0
    mov     x0, #0xff
    msr     icc_pmr_el1, x0
    mov     x0, #1
    msr     icc_igrpen1_el1, x0
    isb
.endm
