// lib.S: shared library for the test kernels in asm/.
//
// Include it FIRST in a kernel (`.include "lib.S"`): its first instruction branches over the
// library code, so execution falls through to the kernel code that follows the include.
// The image is entered at 0x4008_0000 (QEMU and emu); x0 (the DTB address) is not touched by
// the branch.
//
// Keystone rules followed here: no numeric local labels (macros use \@), no .section, no .org.
//
// Console output: PL011 UART0 at 0x0900_0000 (UARTDR +0x000, UARTFR +0x018, TXFF = bit 5).
// Numbers are always printed as "0x%016x".
//
// Calling convention of the functions (bl): argument in x0; they clobber x0-x4 and x30 only.
// The PRINT_* / PUTS macros clobber nothing (they save x0-x4 and x30 on the stack, 48 bytes), so
// they need a valid, 16-byte aligned SP at the current EL and stack level.
// Do not pass sp as the register of PRINT_REG (copy it to a general register first).

.equ UART_BASE,          0x09000000
.equ UART_DR,            0x09000000
.equ UART_FR,            0x09000018
.equ PSCI_VERSION,       0x84000000
.equ PSCI_SYSTEM_OFF,    0x84000008
.equ PSCI_SYSTEM_RESET,  0x84000009

// RAM not to use: 0x4000_0000-0x4007_FFFF (QEMU's boot stub at 0x4000_0000; emu's DTB) and,
// with 128 MiB of RAM, 0x4400_0000-0x440F_FFFF (QEMU's DTB for a raw image, see docs/qemu.md).
// Stacks (full descending, tops 16-byte aligned, 4 MiB each):
.equ STACK_EL2_TOP,      0x42000000
.equ STACK_EL1_TOP,      0x41c00000
.equ STACK_EL0_TOP,      0x41800000

// SCTLR RES1 bits (ARMv8.0, HCR_EL2.E2H = 0): everything else 0 = MMU, caches, alignment
// checks, WXN, EE off. Kernels write these explicitly: reset values of most SCTLR bits are
// architecturally UNKNOWN.
.equ SCTLR_EL1_RES1,     0x30d00800
.equ SCTLR_EL2_RES1,     0x30c50830

// HCR_EL2 bits used by the kernels.
.equ HCR_RW,             0x80000000      // bit 31: EL1 is AArch64
.equ HCR_TRVM,           0x40000000      // bit 30
.equ HCR_TVM,            0x04000000      // bit 26
.equ HCR_TWI,            0x00002000      // bit 13
.equ HCR_TSC,            0x00080000      // bit 19

// SPSR.M[3:0] values (AArch64): EL0t, EL1t, EL1h, EL2t, EL2h; DAIF = 0xf << 6.
.equ SPSR_EL0T,          0x0
.equ SPSR_EL1T,          0x4
.equ SPSR_EL1H,          0x5
.equ SPSR_EL2T,          0x8
.equ SPSR_EL2H,          0x9
.equ SPSR_DAIF,          0x3c0

lib_image_start:                    // the first instruction of the image (the entry point)
    b       lib_skip_library_code

// uart_putc: w0 = byte. Clobbers x1, x2.
uart_putc:
    ldr     x1, =UART_BASE
uart_putc_wait:
    ldr     w2, [x1, #0x18]
    tbnz    w2, #5, uart_putc_wait
    strb    w0, [x1]
    ret

// uart_puts: x0 = NUL-terminated string. Clobbers x0-x3.
uart_puts:
    ldr     x1, =UART_BASE
uart_puts_next:
    ldrb    w3, [x0], #1
    cbz     w3, uart_puts_done
uart_puts_wait:
    ldr     w2, [x1, #0x18]
    tbnz    w2, #5, uart_puts_wait
    strb    w3, [x1]
    b       uart_puts_next
uart_puts_done:
    ret

// uart_hex: print x0 as "0x%016x". Clobbers x0-x4.
uart_hex:
    mov     x4, x0
    ldr     x1, =UART_BASE
uart_hex_w0:
    ldr     w2, [x1, #0x18]
    tbnz    w2, #5, uart_hex_w0
    mov     w2, #0x30               // '0'
    strb    w2, [x1]
uart_hex_w1:
    ldr     w2, [x1, #0x18]
    tbnz    w2, #5, uart_hex_w1
    mov     w2, #0x78               // 'x'
    strb    w2, [x1]
    mov     x3, #60                 // shift of the top nibble
uart_hex_digit:
    lsr     x0, x4, x3
    and     x0, x0, #0xf
    cmp     x0, #10
    b.lo    uart_hex_dec
    add     x0, x0, #(0x61 - 10)    // 'a'..'f'
    b       uart_hex_put
uart_hex_dec:
    add     x0, x0, #0x30           // '0'..'9'
uart_hex_put:
    ldr     w2, [x1, #0x18]
    tbnz    w2, #5, uart_hex_put
    strb    w0, [x1]
    subs    x3, x3, #4
    b.ge    uart_hex_digit
    ret

// uart_nl: print "\n". Clobbers x0-x2.
uart_nl:
    mov     w0, #0x0a
    b       uart_putc

// system_off: PSCI SYSTEM_OFF through smc (the conduit when the run starts at EL2). Never
// returns; if it does (PSCI not answered), spin.
system_off:
    ldr     x0, =PSCI_SYSTEM_OFF
    smc     #0
system_off_spin:
    b       system_off_spin

// system_off_hvc: PSCI SYSTEM_OFF through hvc (the conduit when the run starts at EL1, `@el 1`).
system_off_hvc:
    ldr     x0, =PSCI_SYSTEM_OFF
    hvc     #0
system_off_hvc_spin:
    b       system_off_hvc_spin

lib_skip_library_code:

// ---------------------------------------------------------------------------------------------
// Macros.

// Save / restore the registers the library functions clobber (48 bytes of stack).
.macro LIB_SAVE
    stp     x0, x1, [sp, #-48]!
    stp     x2, x3, [sp, #16]
    stp     x4, x30, [sp, #32]
.endm
.macro LIB_RESTORE
    ldp     x4, x30, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp], #48
.endm

// PUTS "text": print a string literal (no newline added; write \n inside if wanted).
.macro PUTS text
    LIB_SAVE
    adr     x0, lib_str\@
    bl      uart_puts
    b       lib_after\@
lib_str\@:
    .asciz  "\text"
    .balign 4
lib_after\@:
    LIB_RESTORE
.endm

// PUTC 'c' or number: print one byte.
.macro PUTC ch
    LIB_SAVE
    mov     w0, #\ch
    bl      uart_putc
    LIB_RESTORE
.endm

// NEWLINE: print "\n".
.macro NEWLINE
    LIB_SAVE
    bl      uart_nl
    LIB_RESTORE
.endm

// LIB_PRINT_X4 text: the common end of the PRINT_* macros: print "text" then x4 in hex and a
// newline, and restore what LIB_SAVE saved.
.macro LIB_PRINT_X4 text
    str     x4, [sp, #-16]!
    adr     x0, lib_str\@
    bl      uart_puts
    ldr     x0, [sp], #16
    bl      uart_hex
    bl      uart_nl
    b       lib_after\@
lib_str\@:
    .asciz  "\text"
    .balign 4
lib_after\@:
    LIB_RESTORE
.endm

// PRINT_REG NAME, xN: print "NAME=0x%016x\n" with the value of xN (not sp).
.macro PRINT_REG name, reg
    LIB_SAVE
    mov     x4, \reg                // before anything below clobbers x0-x3
    LIB_PRINT_X4 "\name="
.endm

// PRINT_REL NAME, xN, label: print "NAME=label+0x%016x\n" with xN - label (addresses printed
// relative to a label stay valid when the library or the kernel grows).
.macro PRINT_REL name, reg, label
    LIB_SAVE
    mov     x4, \reg
    adr     x0, \label
    sub     x4, x4, x0
    LIB_PRINT_X4 "\name=\label+"
.endm

// PRINT_SYSREG_REL NAME, sysreg, label: as PRINT_REL, for a system register (ELR_ELn, FAR_ELn).
.macro PRINT_SYSREG_REL name, sysreg, label
    LIB_SAVE
    mrs     x4, \sysreg
    adr     x0, \label
    sub     x4, x4, x0
    LIB_PRINT_X4 "\name=\label+"
.endm

// PRINT_SYSREG NAME, sysreg: print "NAME=0x%016x\n" with the value of a system register.
.macro PRINT_SYSREG name, sysreg
    LIB_SAVE
    mrs     x4, \sysreg
    LIB_PRINT_X4 "\name="
.endm

// PRINT_EXC el: print ESR_ELn, ELR_ELn, SPSR_ELn of the exception just taken to ELn.
.macro PRINT_EXC el
    PRINT_SYSREG ESR_EL\el, esr_el\el
    PRINT_SYSREG ELR_EL\el, elr_el\el
    PRINT_SYSREG SPSR_EL\el, spsr_el\el
.endm

// SKIP_INSN el: ELR_ELn += 4 (return past the instruction that took the exception). Clobbers x9.
.macro SKIP_INSN el
    mrs     x9, elr_el\el
    add     x9, x9, #4
    msr     elr_el\el, x9
.endm

// POWER_OFF: PSCI SYSTEM_OFF via smc (from EL2, or from EL1 when HCR_EL2.TSC = 0).
.macro POWER_OFF
    b       system_off
.endm

// EL2_INIT: the common start of a kernel entered at EL2. SP = STACK_EL2_TOP; SCTLR_EL2 and
// SCTLR_EL1 = RES1 only (MMU, caches and alignment checks off, nTWI = nTWE = 0); HCR_EL2 = RW
// only (EL1 is AArch64; no traps, no routing); CPTR_EL2 = RES1 only (no FP/SIMD trap);
// SP_EL1 = STACK_EL1_TOP; SP_EL0 = STACK_EL0_TOP. Clobbers x9.
// DONE_OFF: print "done\n" with plain stores (no stack, no UARTFR polling: exactly 11
// instructions, x1-x2 clobbered), then PSCI SYSTEM_OFF (2 more). For kernels whose header
// counts every instruction they execute.
.macro DONE_OFF
    ldr     x1, =UART_DR
    mov     w2, #0x64               // 'd'
    strb    w2, [x1]
    mov     w2, #0x6f               // 'o'
    strb    w2, [x1]
    mov     w2, #0x6e               // 'n'
    strb    w2, [x1]
    mov     w2, #0x65               // 'e'
    strb    w2, [x1]
    mov     w2, #0x0a               // '\n'
    strb    w2, [x1]
    ldr     x0, =PSCI_SYSTEM_OFF
    smc     #0
.endm

.macro EL2_INIT
    ldr     x9, =STACK_EL2_TOP
    mov     sp, x9
    ldr     x9, =SCTLR_EL2_RES1
    msr     sctlr_el2, x9
    ldr     x9, =SCTLR_EL1_RES1
    msr     sctlr_el1, x9
    ldr     x9, =HCR_RW
    msr     hcr_el2, x9
    ldr     x9, =0x33ff
    msr     cptr_el2, x9
    ldr     x9, =STACK_EL1_TOP
    msr     sp_el1, x9
    ldr     x9, =STACK_EL0_TOP
    msr     sp_el0, x9
    isb
.endm

// OS_UNLOCK: release the OS lock (OSLAR_EL1 = 0; OSLSR_EL1.OSLK is 1 from reset) and clear the
// OS double lock (OSDLR_EL1), so that debug exceptions can be generated (Arm ARM D2).
.macro OS_UNLOCK
    msr     s2_0_c1_c0_4, xzr
    msr     s2_0_c1_c3_4, xzr
.endm

// SET_HCR value: HCR_EL2 = value (from EL2). Clobbers x9.
.macro SET_HCR value
    ldr     x9, =\value
    msr     hcr_el2, x9
    isb
.endm

// ERET_TO el, label, spsr: from ELn, exception-return to label with SPSR_ELn = spsr
// (e.g. SPSR_EL1H + SPSR_DAIF = 0x3c5). Clobbers x9.
.macro ERET_TO el, label, spsr
    adr     x9, \label
    msr     elr_el\el, x9
    ldr     x9, =\spsr
    msr     spsr_el\el, x9
    eret
.endm

// SET_NZCV value: PSTATE.NZCV = value (bits 31:28), so that a saved SPSR is predictable.
// Clobbers x9.
.macro SET_NZCV value
    ldr     x9, =\value
    msr     nzcv, x9
.endm

// VECTOR_TABLE name, handler: a 2 KiB-aligned table of the 16 AArch64 vector entries. Each entry
// sets x17 = its offset from the table base (0x000, 0x080, ... 0x780) and branches to handler,
// so x17 is clobbered on every exception taken through the table.
//   0x000 current EL, SP_EL0: sync  0x080 IRQ  0x100 FIQ  0x180 SError
//   0x200 current EL, SP_ELx: sync  0x280 IRQ  0x300 FIQ  0x380 SError
//   0x400 lower EL, AArch64:  sync  0x480 IRQ  0x500 FIQ  0x580 SError
//   0x600 lower EL, AArch32:  sync  0x680 IRQ  0x700 FIQ  0x780 SError
// (.balign pads with NOPs; each entry is 8 bytes, so the padding keeps it inside its 0x80 slot.
// .balign aligns relative to the image start, so the image base must be 2 KiB aligned, as
// 0x4008_0000 is.)
.macro VECTOR_ENTRY handler, off
    .balign 0x80
    mov     x17, #\off
    b       \handler
.endm
.macro VECTOR_TABLE name, handler
    .balign 2048
\name:
    VECTOR_ENTRY \handler, 0x000
    VECTOR_ENTRY \handler, 0x080
    VECTOR_ENTRY \handler, 0x100
    VECTOR_ENTRY \handler, 0x180
    VECTOR_ENTRY \handler, 0x200
    VECTOR_ENTRY \handler, 0x280
    VECTOR_ENTRY \handler, 0x300
    VECTOR_ENTRY \handler, 0x380
    VECTOR_ENTRY \handler, 0x400
    VECTOR_ENTRY \handler, 0x480
    VECTOR_ENTRY \handler, 0x500
    VECTOR_ENTRY \handler, 0x580
    VECTOR_ENTRY \handler, 0x600
    VECTOR_ENTRY \handler, 0x680
    VECTOR_ENTRY \handler, 0x700
    VECTOR_ENTRY \handler, 0x780
    .balign 0x80
.endm

// SET_VBAR el, table: VBAR_ELn = table. Clobbers x9.
.macro SET_VBAR el, table
    adr     x9, \table
    msr     vbar_el\el, x9
    isb
.endm
