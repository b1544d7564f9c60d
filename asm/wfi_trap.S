// wfi_trap: WFI trapped to EL2 by HCR_EL2.TWI, and EL0 WFI trapped to EL1 by SCTLR_EL1.nTWI = 0.
// Checks (Arm ARM: AArch64.CheckForWFxTrap; ESR_ELx "ISS encoding for an exception from a WF*
// instruction": CV [24] = 1 and COND [23:20] = 0b1110 for exceptions taken from AArch64,
// TI [1:0] = 0b00 WFI, 0b01 WFE; EC = 0x01, IL = 1; ELR = the WF* instruction):
//   HCR_EL2.TWI=1, EL1 wfi -> EL2 0x400, ESR_EL2 = 0x07e00000
//   SCTLR_EL1.nTWI=0 and HCR_EL2.TWI=1, EL0 wfi -> EL1 0x400, ESR_EL1 = 0x07e00000 (the EL1
//   trap has priority over the EL2 trap)
// The handlers print, then skip the instruction (a trapped WFI does not wait). No interrupt is
// pending and none can be: without the trap, each WFI would wait forever, so the trap must be
// taken (HCR_EL2.TWI note: "if the instruction does not complete in finite time in the absence
// of a Wakeup event, the trap will be taken").
// WFE is deliberately not tested: a WFE may complete at any time (event register set by every
// exception return, IMPLEMENTATION DEFINED events, "The PE is permitted to treat WFE as a NOP",
// Arm ARM D1.7.1), so HCR_EL2.TWE traps "are not guaranteed to be taken". QEMU never traps WFE.
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, wfi_vt2
    SET_VBAR 1, wfi_vt1
    SET_HCR (HCR_RW + HCR_TWI)
    ERET_TO 2, wfi_el1, (SPSR_EL1H + SPSR_DAIF)
wfi_el1:
    PUTS    "HCR_EL2.TWI=1: wfi at EL1\n"
    adr     x20, wfi_i1
wfi_i1:
    wfi
    ERET_TO 1, wfi_el0, (SPSR_EL0T + SPSR_DAIF)
wfi_el0:
    PUTS    "SCTLR_EL1.nTWI=0: wfi at EL0\n"
    adr     x20, wfi_i3
wfi_i3:
    wfi
    PUTS    "done\n"
    svc     #0xffff
    PUTS    "FAIL: still running\n"
    POWER_OFF

wfi_handler2:
    PRINT_REG EL2_VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    mrs     x10, elr_el2
    sub     x10, x10, x20
    PRINT_REG ELR_EL2_MINUS_INSN, x10
    SKIP_INSN 2
    eret

wfi_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15
    b.eq    wfi_done                // svc #0xffff
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    mrs     x10, elr_el1
    sub     x10, x10, x20
    PRINT_REG ELR_EL1_MINUS_INSN, x10
    SKIP_INSN 1
    eret
wfi_done:
    POWER_OFF

    VECTOR_TABLE wfi_vt1, wfi_handler1
    VECTOR_TABLE wfi_vt2, wfi_handler2
