// @qemu-differs: QEMU sets an event counter's PMOVSSET_EL0 bit only when a later access to the counter (or another PMU update) brings it up to date, not when it wraps: none of the 16 PMOVSCLR_EL0 reads after the wrap sees it (FIRST_STEP 0); Arm ARM D13.3 RHTPDY: the update of PMOVSCLR occurs synchronously with the update of the counter
// pmu_overflow: PMOVSSET_EL0 is set at exactly the instruction whose count wraps the counter
// (kvm-unit-tests pmu "overflow" checks, in our own code), at EL2 (NSH) and at EL1.
// Arm ARM D13.3 "Behavior on overflow": "incrementing PMEVCNTR<n> causes an unsigned overflow of
// the event counter, then the PE sets PMOVSCLR[n] to 1" and "RHTPDY The update of PMOVSCLR occurs
// synchronously with the update of the counter"; AArch64.IncrementEventCounter.
// Counter 0 = INST_RETIRED (NSH = 1), enabled, preset 0xfffffffa. Then 18 MRS in a row:
//   mrs x2, pmevcntr0_el0 (value V); 16 x mrs xN, pmovsclr_el0 (steps 1-16); mrs x3, pmevcntr0_el0
// Every one of them is an instruction, and the k-th read after the first sees the counter k
// instructions further: V + k (whichever point of an MRS samples the counter, the same for all;
// the overflow flag is updated with the counter). So the flag first reads 1 at step
// WRAP_DISTANCE = 2^32 - V, and the last read is V + 17 (mod 2^32).
// Checks (EL2, then the same at EL1 with the filters P = U = 0):
//   FIRST_STEP = WRAP_DISTANCE; COUNTER_LAST_MINUS_FIRST = 0x11 (mod 2^32); PMOVSSET_EL0 = 0x1.
//   A write of 0 to the counter leaves the flag set (PMOVSSET_EL0 = 0x1); PMOVSCLR_EL0 <- 1
//   clears it (0).
    .include "lib.S"
    .include "pmu.S"
    .equ BUF, 0x41000000            // scratch memory for the 16 PMOVSCLR_EL0 values

// STEPS tag: the measurement and its report (see above). Clobbers x1-x9, x10-x25.
.macro STEPS tag
    ldr     x9, =PMU_ALL
    msr     pmovsclr_el0, x9
    ldr     x9, =0xfffffffa
    msr     pmevcntr0_el0, x9
    isb
    mrs     x2, pmevcntr0_el0
    mrs     x10, pmovsclr_el0
    mrs     x11, pmovsclr_el0
    mrs     x12, pmovsclr_el0
    mrs     x13, pmovsclr_el0
    mrs     x14, pmovsclr_el0
    mrs     x15, pmovsclr_el0
    mrs     x16, pmovsclr_el0
    mrs     x17, pmovsclr_el0
    mrs     x18, pmovsclr_el0
    mrs     x19, pmovsclr_el0
    mrs     x20, pmovsclr_el0
    mrs     x21, pmovsclr_el0
    mrs     x22, pmovsclr_el0
    mrs     x23, pmovsclr_el0
    mrs     x24, pmovsclr_el0
    mrs     x25, pmovsclr_el0
    mrs     x3, pmevcntr0_el0
    ldr     x9, =BUF
    stp     x10, x11, [x9]
    stp     x12, x13, [x9, #16]
    stp     x14, x15, [x9, #32]
    stp     x16, x17, [x9, #48]
    stp     x18, x19, [x9, #64]
    stp     x20, x21, [x9, #80]
    stp     x22, x23, [x9, #96]
    stp     x24, x25, [x9, #112]
    mov     x4, #0                  // the first step whose flag was 1 (0: none)
    mov     x5, #1
ov_scan\@:
    ldr     x6, [x9], #8
    tbnz    x6, #0, ov_found\@
    add     x5, x5, #1
    cmp     x5, #16
    b.ls    ov_scan\@
    b       ov_report\@
ov_found\@:
    mov     x4, x5
ov_report\@:
    neg     w1, w2                  // 2^32 - V (V != 0)
    PRINT_REG WRAP_DISTANCE, x1
    PRINT_REG FIRST_STEP, x4
    sub     w1, w3, w2
    PRINT_REG COUNTER_LAST_MINUS_FIRST, x1
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
    msr     pmevcntr0_el0, xzr
    isb
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
    mov     x1, #1
    msr     pmovsclr_el0, x1
    isb
    PRINT_SYSREG PMOVSSET_EL0, pmovsset_el0
.endm

    EL2_INIT
    SET_VBAR 2, ov_vt2
    SET_VBAR 1, ov_vt1
    PMU_INIT
    ldr     x1, =(EVT_NSH + EV_INST_RETIRED)
    msr     pmevtyper0_el0, x1
    mov     x1, #1
    msr     pmcntenset_el0, x1
    mov     x1, #PMCR_E
    msr     pmcr_el0, x1
    isb
    PUTS    "EL2\n"
    STEPS   a
    ERET_TO 2, ov_el1, (SPSR_EL1H + SPSR_DAIF)
ov_el1:
    PUTS    "EL1\n"
    STEPS   b
    PUTS    "done\n"
    hvc     #0xffff

ov_handler2:
    mrs     x10, esr_el2
    ldr     x11, =0x5a00ffff        // hvc #0xffff: power off
    cmp     x10, x11
    b.ne    ov_fail2
    POWER_OFF
ov_fail2:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

ov_handler1:
    PUTS    "FAIL: unexpected exception to EL1\n"
    PRINT_SYSREG ESR_EL1, esr_el1
    hvc     #0xffff

    VECTOR_TABLE ov_vt1, ov_handler1
    VECTOR_TABLE ov_vt2, ov_handler2
