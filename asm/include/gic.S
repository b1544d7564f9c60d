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
