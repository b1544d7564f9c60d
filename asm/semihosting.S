// @exit 3
// @semihosting
// semihosting: Arm semihosting through `hlt #0xf000` (A64): w0 = operation, x1 = parameter.
// Checks: SYS_WRITEC (0x03, x1 -> one byte), SYS_WRITE0 (0x04, x1 -> NUL-terminated string),
// SYS_EXIT_EXTENDED (0x20, x1 -> {reason, subcode}) with reason ADP_Stopped_ApplicationExit
// (0x20026) and subcode 3: the run ends with exit status 3.
// The console of this kernel is made of semihosting output only (no UART output): QEMU writes
// semihosting console output to its stderr, not to the serial port (see docs/qemu.md).
    .include "lib.S"
    ldr     x9, =STACK_EL2_TOP
    mov     sp, x9
    mov     w0, #0x03               // SYS_WRITEC 'c'
    adr     x1, sh_char_c
    hlt     #0xf000
    mov     w0, #0x03               // SYS_WRITEC '\n'
    adr     x1, sh_char_nl
    hlt     #0xf000
    mov     w0, #0x04               // SYS_WRITE0
    adr     x1, sh_string
    hlt     #0xf000
    mov     w0, #0x20               // SYS_EXIT_EXTENDED {ADP_Stopped_ApplicationExit, 3}
    adr     x1, sh_exit_block
    hlt     #0xf000
    PUTS    "SYS_EXIT_EXTENDED returned\n"
    POWER_OFF
sh_char_c:
    .byte   0x63
sh_char_nl:
    .byte   0x0a
sh_string:
    .asciz  "SYS_WRITE0 string\n"
    .balign 8
sh_exit_block:
    .quad   0x20026, 3
