// @el 1
// el1_entry: a kernel meant to start at EL1 (QEMU: -M virt,gic-version=3 without
// virtualization=on; emu: --el 1). No EL2 is visible to it; the PSCI conduit is HVC.
// Checks: CurrentEL = EL1 (0x4), SPSel = 1 (EL1h), DAIF all masked (0x3c0), x1 = x2 = x3 = 0,
// x0 -> an FDT (magic 0xd00dfeed read little-endian as 0xedfe0dd0), image base 0x4008_0000,
// PSCI_VERSION through hvc = 0x10001 (PSCI 1.1), then PSCI SYSTEM_OFF through hvc (exit 0).
    .include "lib.S"
    mov     x19, x0
    mov     x20, x1
    mov     x21, x2
    mov     x22, x3
    mrs     x23, currentel
    mrs     x24, spsel
    mrs     x25, daif
    adr     x26, lib_image_start
    ldr     x9, =STACK_EL1_TOP
    mov     sp, x9
    PRINT_REG IMAGE_BASE, x26
    PRINT_REG CurrentEL, x23
    PRINT_REG SPSel, x24
    PRINT_REG DAIF, x25
    PRINT_REG X1, x20
    PRINT_REG X2, x21
    PRINT_REG X3, x22
    ldr     w9, [x19]
    PRINT_REG FDT_MAGIC_AT_X0, x9
    ldr     x0, =PSCI_VERSION
    hvc     #0
    PRINT_REG PSCI_VERSION, x0
    b       system_off_hvc
