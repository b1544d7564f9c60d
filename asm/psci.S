// psci: PSCI through the SMC conduit from EL2 (SMC Calling Convention, PSCI 1.1).
// Checks (Arm DEN0022 PSCI, DEN0028 SMCCC): PSCI_VERSION (0x84000000) = 0x10001 (1.1);
// PSCI_FEATURES (0x8400000a) of SYSTEM_OFF (0x84000008) = 0 (implemented); an unknown function
// ID in the standard secure service range (0x8400ff00) returns NOT_SUPPORTED = -1 in x0;
// x1-x3 are preserved (checked on x1 = 0x1111); then SYSTEM_OFF (exit status 0).
    .include "lib.S"
    ldr     x9, =STACK_EL2_TOP
    mov     sp, x9
    ldr     x0, =PSCI_VERSION
    smc     #0
    PRINT_REG PSCI_VERSION, x0
    ldr     x0, =0x8400000a
    ldr     x1, =PSCI_SYSTEM_OFF
    smc     #0
    PRINT_REG PSCI_FEATURES_SYSTEM_OFF, x0
    ldr     x0, =0x8400ff00
    ldr     x1, =0x1111
    smc     #0
    PRINT_REG UNKNOWN_FUNCTION, x0
    PRINT_REG X1, x1
    PUTS    "SYSTEM_OFF\n"
    POWER_OFF
    PUTS    "FAIL: SYSTEM_OFF returned\n"
