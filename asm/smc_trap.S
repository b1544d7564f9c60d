// smc_trap: SMC at EL1 trapped to EL2 by HCR_EL2.TSC = 1.
// Checks (Arm ARM: AArch64.CheckForSMCUndefOrTrap / AArch64.TakeException; ESR_EL2 D24.2.46,
// "ISS encoding for an exception from SMC instruction execution in AArch64 state"):
// - ESR_EL2 = EC 0x17 << 26 | IL = 1 | ISS[15:0] = imm16: smc #0x12 -> 0x5e000012.
// - ELR_EL2 = the SMC instruction itself (a trapped SMC has not executed: the preferred return
//   address is the SMC, unlike an SMC taken to EL3, whose return address is the next one).
// - SPSR_EL2 = EL1h, DAIF = 0xf, NZCV = 0 -> 0x3c5; vector 0x400.
// - x0 holds PSCI_SYSTEM_OFF on purpose: the trap takes priority, nothing is powered off.
// The EL2 handler prints, then skips the SMC.
    .include "lib.S"
    EL2_INIT
    SET_VBAR 2, smc_vt2
    SET_VBAR 1, smc_vt1
    SET_HCR (HCR_RW + HCR_TSC)
    ERET_TO 2, smc_el1, (SPSR_EL1H + SPSR_DAIF)
smc_el1:
    PUTS    "HCR_EL2.TSC=1: smc #0x12 at EL1\n"
    ldr     x0, =PSCI_SYSTEM_OFF
    SET_NZCV 0
smc_insn:
    smc     #0x12
    PUTS    "returned to EL1\n"
    PUTS    "done\n"
    hvc     #0xffff
    PUTS    "FAIL: still running\n"
    POWER_OFF

smc_handler2:
    mrs     x10, esr_el2
    lsr     x11, x10, #26
    cmp     x11, #0x16
    b.eq    smc_done                // hvc #0xffff
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    PRINT_SYSREG_REL ELR_EL2, elr_el2, smc_insn
    PRINT_SYSREG SPSR_EL2, spsr_el2
    SKIP_INSN 2
    eret
smc_done:
    POWER_OFF                       // smc from EL2 is not trapped: PSCI SYSTEM_OFF

smc_handler1:
    PUTS    "FAIL: unexpected exception to EL1\n"
    PRINT_REG VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    POWER_OFF

    VECTOR_TABLE smc_vt1, smc_handler1
    VECTOR_TABLE smc_vt2, smc_handler2
