// start.S: entry of the C test kernels, at 0x4008_0000 (the first byte of the image).
//
// Entered at EL2h (emu's default, QEMU's virt with virtualization=on) or EL1h (emu --el 1, QEMU
// without virtualization=on), with DAIF masked and x0 = the DTB address (not used). It
//   1. sets SP to the top of the stack of link.ld (SPSel is 1: SP_ELx of the entry EL);
//   2. writes the system registers the kernels rely on (their reset values are UNKNOWN):
//      at EL2 SCTLR_EL2 = its RES1 bits (MMU, caches, alignment checks off), HCR_EL2 = RW
//      (EL1 is AArch64; QEMU resets RW to 0), CPTR_EL2 = its RES1 bits (no FP/SIMD trap);
//      at EL1 SCTLR_EL1 = its RES1 bits; then VBAR_ELx = runtime_vectors;
//   3. zeroes .bss (an ELF loader zero-fills it, a raw image does not have it);
//   4. records the entry EL in boot_el (lib.c: psci_system_off chooses SMC at EL2, HVC at EL1);
//   5. calls main(), then PSCI SYSTEM_OFF with main's return value ignored.
//
// The vector table saves x0-x30, ELR and SPSR of the current EL on the stack, calls
// handle_exception(kind, esr, elr) (kind = the entry index 0-15: vector offset / 0x80), restores
// everything (ELR and SPSR included, so a handler may change neither) and returns with ERET.

    .equ SCTLR_EL2_RES1, 0x30c50830
    .equ SCTLR_EL1_RES1, 0x30d00800
    .equ HCR_EL2_RW,     0x80000000
    .equ CPTR_EL2_RES1,  0x000033ff
    .equ FRAME,          272            // x0-x30, ELR, SPSR, padding: 34 * 8

    .section .text.start, "ax"
    .global _start
_start:
    ldr     x1, =__stack_top
    mov     sp, x1
    mrs     x1, CurrentEL
    ubfx    x19, x1, #2, #2             // x19 = the entry EL (callee-saved across bl)
    adr     x2, runtime_vectors
    cmp     x19, #2
    b.ne    1f
    ldr     x1, =SCTLR_EL2_RES1
    msr     sctlr_el2, x1
    ldr     x1, =HCR_EL2_RW
    msr     hcr_el2, x1
    ldr     x1, =CPTR_EL2_RES1
    msr     cptr_el2, x1
    msr     vbar_el2, x2
    b       2f
1:  ldr     x1, =SCTLR_EL1_RES1
    msr     sctlr_el1, x1
    msr     vbar_el1, x2
2:  isb
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
3:  cmp     x1, x2
    b.hs    4f
    stp     xzr, xzr, [x1], #16         // link.ld aligns .bss to 16 bytes at both ends
    b       3b
4:  adrp    x1, boot_el
    str     w19, [x1, :lo12:boot_el]
    bl      main
    bl      psci_system_off             // does not return
5:  b       5b

// One vector entry: 0x80 bytes, 4 instructions used.
    .macro VENTRY kind
    .balign 0x80
    sub     sp, sp, #FRAME
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       vector_common
    .endm

    .text
    .balign 2048                        // VBAR_ELx[10:0] are RES0
    .global runtime_vectors
runtime_vectors:
    VENTRY  0                           // current EL with SP_EL0: sync, IRQ, FIQ, SError
    VENTRY  1
    VENTRY  2
    VENTRY  3
    VENTRY  4                           // current EL with SP_ELx
    VENTRY  5
    VENTRY  6
    VENTRY  7
    VENTRY  8                           // lower EL, AArch64
    VENTRY  9
    VENTRY  10
    VENTRY  11
    VENTRY  12                          // lower EL, AArch32 (never: no AArch32)
    VENTRY  13
    VENTRY  14
    VENTRY  15

vector_common:                          // x0 = kind, x0 and x1 saved
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mrs     x1, CurrentEL
    cmp     x1, #8
    b.ne    1f
    mrs     x1, esr_el2
    mrs     x2, elr_el2
    mrs     x3, spsr_el2
    b       2f
1:  mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, spsr_el1
2:  stp     x30, x2, [sp, #240]
    str     x3, [sp, #256]
    bl      handle_exception            // (kind, esr, elr)
    ldp     x30, x2, [sp, #240]
    ldr     x3, [sp, #256]
    mrs     x1, CurrentEL
    cmp     x1, #8
    b.ne    3f
    msr     elr_el2, x2
    msr     spsr_el2, x3
    b       4f
3:  msr     elr_el1, x2
    msr     spsr_el1, x3
4:  ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #FRAME
    eret
