// entry_state: the processor state at entry of a raw image started at EL2 (no Linux header).
// Checks (PLATFORM.md "Reset"): CurrentEL = EL2, SPSel = 1 (EL2h), DAIF = D,A,I,F all masked,
// x1 = x2 = x3 = 0, x0 = address of a flattened device tree (its first word is the FDT magic
// 0xd00dfeed, stored big-endian, so a 32-bit little-endian load reads 0xedfe0dd0), entry PC =
// 0x4008_0000. The DTB address itself is not printed: QEMU puts it at RAM base +
// min(RAM size / 2, 128 MiB) for a raw image (0x4400_0000 with -m 128), see docs/qemu.md.
    .include "lib.S"
    mov     x19, x0
    mov     x20, x1
    mov     x21, x2
    mov     x22, x3
    mrs     x23, currentel
    mrs     x24, spsel
    mrs     x25, daif
    adr     x26, lib_image_start    // run-time address of the image's first instruction
    ldr     x9, =STACK_EL2_TOP
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
    POWER_OFF
