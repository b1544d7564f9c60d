// world.S: the host and the guest of the KVM PMU scenarios (docs/world-switch.md). A scenario
// file includes this and then defines its parameters as .quad words (see host_and_guest.S).
// Both run at EL1 under emu's Python EL2 (emu.hyp.world.KvmHypervisor), which starts the host at
// the image entry and the guest at `guest_start`.
//
// The host is a kernel with perf running: PMEVCNTR5_EL0 counts CPU_CYCLES at EL0, EL1 and EL2
// (PMEVTYPER5.NSH = 1: hyp time too), loaded with `host_preset` and, after each overflow, with
// `host_period`. Its IRQ handler (EOImode 1, as Linux runs with KVM) checks whether the overflow
// is its own (PMOVSSET_EL0 bit 5) and clears it; a PMU IRQ that KVM put in forwarding mode
// (`host_pmu_fwd`, the irqd "forwarded to vcpu" flag the hypervisor writes) is left active for
// the guest: priority drop only. The host runs the guest with `hvc` (x0 = HVC_RUN, KVM's
// kvm_call_hyp(__kvm_vcpu_run)) with IRQs masked, unmasks them after each return, and stops when
// the guest says it is done; then it works `host_work` loop iterations with perf running.
//
// The guest runs `guest_runs` slices of `guest_work` iterations, with a null hypercall (x0 =
// HVC_YIELD) after each, then x0 = HVC_DONE. Its perf uses PMEVCNTR0_EL0 (CPU_CYCLES at EL0 and
// EL1), loaded with `guest_preset` and then `guest_period`; its handler (EOImode 0: the EOI also
// deactivates, and a HW list register deactivates the physical INTID) counts interrupts whose
// overflow is its own (PMOVSSET_EL0 bit 0), those that are not ("not mine": spurious), and 1023s.
// The counters are .quad words the verdict reads (emu.race.verdict); the host prints them too.
// x17 is clobbered by VECTOR_TABLE and never used outside the handlers.
    .include "lib.S"
    .include "gic.S"

.equ HVC_RUN,       0xc6000001
.equ HVC_YIELD,     0xc6000002
.equ HVC_DONE,      0xc6000003
.equ EXIT_DONE,     4
.equ GUEST_STACK,   0x41700000
.equ INTID_PMU,     23
.equ INTID_SPI,     48

// INC label: the .quad at label += 1. Clobbers x2, x3.
.macro INC label
    adr     x2, \label
    ldr     x3, [x2]
    add     x3, x3, #1
    str     x3, [x2]
.endm

// IRQ_SAVE / IRQ_RETURN: the handlers' prologue (x0-x3 on the stack) and epilogue (ERET).
.macro IRQ_SAVE
    stp     x0, x1, [sp, #-32]!
    stp     x2, x3, [sp, #16]
.endm
.macro IRQ_RETURN
    isb
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp], #32
    eret
.endm

// PRINT_MEM NAME, label: print the .quad at label. Clobbers x10.
.macro PRINT_MEM name, label
    ldr     x10, \label
    PRINT_REG \name, x10
.endm

// --- the host -------------------------------------------------------------------------------
host_start:
    ldr     x9, =STACK_EL1_TOP
    mov     sp, x9
    SET_VBAR 1, host_vectors
    mov     x0, #0xf
    msr     icc_sre_el1, x0
    isb
    GIC_WAKE host_gic_wake
    ldr     x0, =0x080b0080             // GICR_IGROUPR0: SGI 0 and the PMU PPI in Group 1
    ldr     w1, =0x00800001
    str     w1, [x0]
    ldr     x0, =0x080b0400             // GICR_IPRIORITYR0: SGI 0 = 0xa0
    mov     w1, #0xa0
    str     w1, [x0]
    ldr     x0, =0x080b0414             // GICR_IPRIORITYR5 (INTIDs 20-23): INTID 23 = 0xa0
    ldr     w1, =0xa0000000
    str     w1, [x0]
    ldr     x0, =0x080b0100             // GICR_ISENABLER0
    ldr     w1, =0x00800001
    str     w1, [x0]
    ldr     x0, =0x08000084             // GICD_IGROUPR1: SPI 48 (the race explorer's spi event)
    ldr     w1, =0x00010000
    str     w1, [x0]
    ldr     x0, =0x08000430             // GICD_IPRIORITYR12 (INTIDs 48-51): 48 = 0xa0
    mov     w1, #0xa0
    str     w1, [x0]
    ldr     x0, =0x08006180             // GICD_IROUTER48 = affinity 0.0.0.0
    str     xzr, [x0]
    ldr     x0, =0x08000104             // GICD_ISENABLER1
    ldr     w1, =0x00010000
    str     w1, [x0]
    mov     x0, #0xff
    msr     icc_pmr_el1, x0
    mov     x0, #2                      // ICC_CTLR_EL1.EOImode = 1 (priority drop / deactivate split)
    msr     icc_ctlr_el1, x0
    mov     x0, #1
    msr     icc_igrpen1_el1, x0
    isb
    ldr     x0, host_perf
    cbz     x0, host_perf_done
    ldr     x0, =0x08000011             // PMEVTYPER5_EL0: CPU_CYCLES, NSH (count at EL2 too)
    msr     s3_3_c14_c12_5, x0
    ldr     x0, host_preset
    msr     s3_3_c14_c8_5, x0           // PMEVCNTR5_EL0
    mov     x0, #0x20
    msr     pmintenset_el1, x0
    msr     pmcntenset_el0, x0
    mrs     x0, pmcr_el0
    orr     x0, x0, #1                  // PMCR_EL0.E
    msr     pmcr_el0, x0
    isb
host_perf_done:
    msr     daifclr, #2
    ldr     x0, guest_runs
    cbz     x0, host_guest_done
host_run_loop:
    msr     daifset, #2                 // local_irq_disable()
    ldr     x0, =HVC_RUN
host_call_hyp:
    hvc     #0                          // kvm_call_hyp(__kvm_vcpu_run): x0 = exit code
host_back:
    msr     daifclr, #2                 // local_irq_enable(): a pending host IRQ is taken here
    isb
    mov     x19, x0
    ldr     x20, host_between
host_between_loop:
    sub     x20, x20, #1
    cbnz    x20, host_between_loop
    cmp     x19, #EXIT_DONE
    b.ne    host_run_loop
host_guest_done:
    ldr     x20, host_work
host_work_loop:
    sub     x20, x20, #1
    cbnz    x20, host_work_loop
host_end:
    mov     x0, #0x20                   // perf stops (PMCNTENCLR_EL0 bit 5) ...
    msr     pmcntenclr_el0, x0
    isb
    msr     daifclr, #2                 // ... and an overflow still pending is taken here
    isb
    nop
    msr     daifset, #2
    ldr     x0, quiet                   // the race explorer reads the counters from memory
    cbnz    x0, host_off
    PRINT_MEM "HOST_HANDLED", host_handled
    PRINT_MEM "HOST_NOT_MINE", host_not_mine
    PRINT_MEM "HOST_LEFT_ACTIVE", host_left_active
    PRINT_MEM "HOST_SPURIOUS", host_spurious
    PRINT_MEM "GUEST_HANDLED", guest_handled
    PRINT_MEM "GUEST_NOT_MINE", guest_not_mine
    PRINT_MEM "GUEST_SPURIOUS", guest_spurious
host_off:
    b       system_off_hvc

host_irq:
    IRQ_SAVE
    mrs     x0, icc_iar1_el1
    cmp     x0, #1023
    b.eq    host_irq_spurious
    msr     icc_eoir1_el1, x0           // priority drop (EOImode 1)
    cmp     x0, #INTID_SPI
    b.eq    host_irq_spi
    cmp     x0, #INTID_PMU
    b.ne    host_irq_deactivate
    ldr     x1, host_pmu_fwd
    cbnz    x1, host_irq_forwarded
    mrs     x1, pmovsset_el0
    tst     x1, #0x20
    b.eq    host_irq_not_mine
    mov     x1, #0x20
    msr     pmovsclr_el0, x1
    ldr     x1, host_period
    msr     s3_3_c14_c8_5, x1           // PMEVCNTR5_EL0 = the next period
    INC     host_handled
    b       host_irq_deactivate
host_irq_not_mine:
    INC     host_not_mine
    b       host_irq_deactivate
host_irq_spi:
    INC     host_spi
host_irq_deactivate:
    msr     icc_dir_el1, x0
    b       host_irq_out
host_irq_forwarded:
    INC     host_left_active            // forwarded to the vcpu: its deactivation is the guest's
    b       host_irq_out
host_irq_spurious:
    INC     host_spurious
host_irq_out:
    IRQ_RETURN

host_exception:
    cmp     x17, #0x280
    b.eq    host_irq
    PRINT_EXC 1
    b       system_off_hvc

// --- the guest ------------------------------------------------------------------------------
guest_start:
    ldr     x9, =GUEST_STACK
    mov     sp, x9
    SET_VBAR 1, guest_vectors
    mov     x0, #0xf
    msr     icc_sre_el1, x0
    mov     x0, #0xff
    msr     icc_pmr_el1, x0             // ICV_PMR_EL1 (HCR_EL2.IMO = 1)
    mov     x0, #1
    msr     icc_igrpen1_el1, x0
    isb
    ldr     x0, guest_perf
    cbz     x0, guest_perf_done
    mov     x0, #0x11                   // PMEVTYPER0_EL0: CPU_CYCLES at EL0 and EL1
    msr     s3_3_c14_c12_0, x0
    ldr     x0, guest_preset
    msr     s3_3_c14_c8_0, x0           // PMEVCNTR0_EL0
    mov     x0, #1
    msr     pmintenset_el1, x0
    msr     pmcntenset_el0, x0
    mrs     x0, pmcr_el0
    orr     x0, x0, #1
    msr     pmcr_el0, x0
    isb
guest_perf_done:
    msr     daifclr, #2
    ldr     x19, guest_runs
guest_loop:
    ldr     x20, guest_work
guest_slice:
    sub     x20, x20, #1
    cbnz    x20, guest_slice
    sub     x19, x19, #1
    cbz     x19, guest_done
    ldr     x0, =HVC_YIELD
guest_yield:
    hvc     #0                          // a null hypercall: exit to the host and back
    b       guest_loop
guest_done:
    mov     x0, #1                      // perf stops (PMCNTENCLR_EL0 bit 0); one more null
    msr     pmcntenclr_el0, x0          // hypercall with IRQs unmasked lets an interrupt that
    ldr     x0, =HVC_YIELD              // waits for the next entry arrive before the guest ends
    hvc     #0
    msr     daifset, #2
    ldr     x0, =HVC_DONE
    hvc     #0
guest_stuck:
    b       guest_stuck

guest_irq:
    IRQ_SAVE
    mrs     x0, icc_iar1_el1            // ICV_IAR1_EL1
    cmp     x0, #1023
    b.eq    guest_irq_spurious
    cmp     x0, #INTID_PMU
    b.ne    guest_irq_eoi
    mrs     x1, pmovsset_el0
    tst     x1, #1
    b.eq    guest_irq_not_mine
    mov     x1, #1
    msr     pmovsclr_el0, x1
    ldr     x1, guest_period
    msr     s3_3_c14_c8_0, x1           // PMEVCNTR0_EL0 = the next period
    INC     guest_handled
    b       guest_irq_eoi
guest_irq_not_mine:
    INC     guest_not_mine
guest_irq_eoi:
    msr     icc_eoir1_el1, x0           // EOImode 0: drop and deactivate (HW: the physical too)
    b       guest_irq_out
guest_irq_spurious:
    INC     guest_spurious
guest_irq_out:
    IRQ_RETURN

guest_exception:
    cmp     x17, #0x280
    b.eq    guest_irq
    PRINT_EXC 1
    ldr     x0, =HVC_DONE
    hvc     #0

    VECTOR_TABLE host_vectors, host_exception
    VECTOR_TABLE guest_vectors, guest_exception

// --- what the handlers count (read by emu.race.verdict) and the hypervisor's flag ---------------
    .balign 8
host_pmu_fwd:       .quad 0
quiet:              .quad 0
host_handled:       .quad 0
host_not_mine:      .quad 0
host_left_active:   .quad 0
host_spurious:      .quad 0
guest_handled:      .quad 0
guest_not_mine:     .quad 0
guest_spurious:     .quad 0
host_spi:           .quad 0
