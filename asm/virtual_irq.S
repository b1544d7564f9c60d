// virtual_irq: the IRQ and FIQ vector slots, using virtual interrupts injected by EL2 through
// HCR_EL2.VI / HCR_EL2.VF (with IMO = FMO = 1), so that no interrupt controller is involved.
// Checks (Arm ARM: HCR_EL2.VI/VF "virtual IRQ/FIQ pending"; taken to EL1 when PSTATE.I/F = 0 at
// EL1 or EL0; vector offsets from VBAR_EL1: IRQ +0x080, FIQ +0x100 on top of 0x000 (EL1t),
// 0x200 (EL1h), 0x400 (from EL0)):
//   EL1h, virtual IRQ, I unmasked      -> EL1 0x280, SPSR_EL1 = EL1h, D A F masked = 0x345
//   EL1t, virtual FIQ, F unmasked      -> EL1 0x100, SPSR_EL1 = EL1t, D A I masked = 0x384
//   EL0t, virtual IRQ, DAIF all clear  -> EL1 0x480, SPSR_EL1 = EL0t = 0x000
// An interrupt writes no ESR and its ELR depends on when it is taken after unmasking, so only
// the vector slot and SPSR are printed. Every unmasking is followed by an ISB, by which point the
// pending interrupt must have been taken. The EL1 handler asks EL2 (hvc #1) to clear VI and VF.
    .include "lib.S"
    .equ HCR_FMO, 0x08
    .equ HCR_IMO, 0x10
    .equ HCR_VF, 0x40
    .equ HCR_VI, 0x80
    EL2_INIT
    SET_VBAR 2, vi_vt2
    SET_VBAR 1, vi_vt1
    SET_HCR (HCR_RW + HCR_IMO + HCR_FMO + HCR_VI)
    ERET_TO 2, vi_el1, (SPSR_EL1H + SPSR_DAIF)
vi_el1:
    PUTS    "EL1h: HCR_EL2.VI=1, unmask I\n"
    SET_NZCV 0
    msr     daifclr, #2
    isb
    msr     daifset, #2
    PUTS    "EL1t: HCR_EL2.VF=1, unmask F\n"
    hvc     #2                      // EL2: set VF
    msr     spsel, #0
    SET_NZCV 0
    msr     daifclr, #1
    isb
    msr     daifset, #1
    msr     spsel, #1
    PUTS    "EL0t: HCR_EL2.VI=1, DAIF clear\n"
    hvc     #3                      // EL2: set VI
    ERET_TO 1, vi_el0, SPSR_EL0T
vi_el0:
    isb
    PUTS    "back at EL0\n"
    svc     #0xffff
    PUTS    "FAIL: still running\n"
    POWER_OFF

vi_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15              // svc #0xffff (synchronous, 0x400)
    b.ne    vi_h1_irq
    cmp     x17, #0x400
    b.eq    vi_done
vi_h1_irq:
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG SPSR_EL1, spsr_el1
    hvc     #1                      // EL2: clear VI and VF
    eret
vi_done:
    PUTS    "done\n"
    POWER_OFF

vi_handler2:
    mrs     x10, esr_el2
    and     x10, x10, #0xffff
    cmp     x10, #1
    b.ne    vi_h2_not1
    SET_HCR (HCR_RW + HCR_IMO + HCR_FMO)
    eret
vi_h2_not1:
    cmp     x10, #2
    b.ne    vi_h2_not2
    SET_HCR (HCR_RW + HCR_IMO + HCR_FMO + HCR_VF)
    eret
vi_h2_not2:
    cmp     x10, #3
    b.ne    vi_h2_fail
    SET_HCR (HCR_RW + HCR_IMO + HCR_FMO + HCR_VI)
    eret
vi_h2_fail:
    PUTS    "FAIL: unexpected exception to EL2\n"
    PRINT_REG EL2_VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    POWER_OFF

    VECTOR_TABLE vi_vt1, vi_handler1
    VECTOR_TABLE vi_vt2, vi_handler2
