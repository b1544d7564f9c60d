// mmu.S: building VMSAv8-64 stage 1 translation tables (Arm ARM D8, 4 KiB granule) for the MMU
// kernels; include after lib.S. Every macro clobbers x1-x3 only.

// DESC table, index, value: the 64-bit descriptor `value` into entry `index` of `table`.
.macro DESC table, index, value
    ldr     x1, =(\table + 8 * \index)
    ldr     x2, =\value
    str     x2, [x1]
.endm

// ZERO_TABLES label, base, bytes: zero [base, base + bytes) (`label` names the loop).
.macro ZERO_TABLES label, base, bytes
    ldr     x1, =\base
    mov     x2, #\bytes
\label:
    str     xzr, [x1], #8
    subs    x2, x2, #8
    b.ne    \label
.endm

// RAM_BLOCKS label, table, attrs: level-2 `table`'s first 64 entries map 0x4000_0000-0x47FF_FFFF
// as 2 MiB blocks with the descriptor bits `attrs`.
.macro RAM_BLOCKS label, table, attrs
    mov     x3, #0
    ldr     x1, =\table
    ldr     x2, =(0x40000000 + \attrs)
\label:
    str     x2, [x1, x3, lsl #3]
    add     x2, x2, #0x200000
    add     x3, x3, #1
    cmp     x3, #64
    b.ne    \label
.endm

// MMU_ON el, tcr, tlbi_op, sctlr_res1: MAIR_ELn = MAIR_VAL (Attr0 Device-nGnRnE, Attr1 Normal
// WB), TCR_ELn = tcr, TTBR0_ELn = L1T, the TLBs invalidated with `tlbi tlbi_op`, then
// SCTLR_ELn = sctlr_res1 + M, C, I (D8.2: tables and registers in place before M is set).
.macro MMU_ON el, tcr, tlbi_op, sctlr_res1
    ldr     x1, =MAIR_VAL
    msr     mair_el\el, x1
    ldr     x1, =\tcr
    msr     tcr_el\el, x1
    ldr     x1, =L1T
    msr     ttbr0_el\el, x1
    isb
    tlbi    \tlbi_op
    dsb     sy
    isb
    ldr     x1, =(\sctlr_res1 + 0x1005)   // M, C, I
    msr     sctlr_el\el, x1
    isb
.endm
