// mmu_el1: the EL1&0 stage 1 MMU with the kernel's own page tables, set up at EL1 after EL2
// (HCR_EL2 = RW, no stage 2) drops to EL1h (Arm ARM D8 "The AArch64 Virtual Memory System
// Architecture": D8.2 translation process, 4 KiB granule, D8.3 descriptors, D8.4 access
// permissions, D8.14 MMU faults and their prioritization).
// TCR_EL1: T0SZ = 25 (39-bit VA, walk from level 1), TG0 = 4 KiB, EPD1 = 1 (no TTBR1 walks),
// TG1 = 4 KiB, IPS = 40 bits, walks Non-cacheable. MAIR_EL1: Attr0 Device-nGnRnE, Attr1 Normal WB.
// AP[2:1]: 00 EL1 RW / EL0 none, 01 RW / RW, 10 EL1 RO / EL0 none, 11 RO / RO. An EL0-writable
// region is never executable at EL1 (AArch64.S1CheckPermissions), so the image's 2 MiB block is
// AP = 11 (EL0 runs it, EL1 runs it), the EL0 stack's block AP = 01, other RAM AP = 00.
// Tables at 0x4600_0000 (L1), 0x4600_1000 (L2: UART block, Device, AP 01, UXN, PXN),
// 0x4600_2000 (L2: 64 Normal 2 MiB blocks of RAM; entry 0x31 -> L3, entry 0x32 -> a table at
// physical 0x0b00_0000, where nothing is), 0x4600_3000 (L3 of VA 0x4620_0000):
//   page 0 EL1-only RW (AP 00), page 1 EL1 read-only (AP 10), page 2 AF = 0, page 3 PXN (bit
//   53), page 4 invalid, page 5 -> physical 0x0b00_0000. L1 entry 3 (VA 0xc000_0000) -> a table at physical 0x0b00_0000.
// Faults (ESR_EL1, "ISS encoding for an exception from a Data Abort / Instruction Abort"):
//   EC 0x25 data abort from EL1, 0x24 from EL0, 0x21 instruction abort from EL1; IL = 1;
//   ISV = 0 (always 0 in ESR_EL1 without FEAT_LS64); FnV = 0; EA = 0 (IMPLEMENTATION DEFINED
//   classification; QEMU and emu use 0); S1PTW = 0 (it flags a stage 2 fault on a stage 1
//   walk; there is no stage 2 here); WnR = 1 for a store. DFSC: translation fault level L
//   0b0001LL, access flag 0b0010LL, permission 0b0011LL, synchronous External abort on a
//   translation table walk 0b0101LL (the level of the descriptor read that failed).
//   ldr [0x80_0000_0000] (out of the TTBR0 range): translation level 0 -> 0x96000004
//   ldr [0x8000_0000] (L1 entry 2 invalid): translation level 1 -> 0x96000005
//   ldr [0x4620_4000] (L3 entry 4 invalid): translation level 3 -> 0x96000007
//   str [0x4620_1000] (EL1 read-only): permission level 3, WnR -> 0x9600004f (ldr works)
//   ldr [0x4620_2000] (AF = 0, no FEAT_HAFDBS): access flag level 3 -> 0x9600000b
//   ldr [0xc000_0000] (L2 table at PA 0x0b00_0000): External abort on walk, level 2 -> 0x96000016
//   ldr [0x4640_0000] (L3 table at PA 0x0b00_0000): External abort on walk, level 3 -> 0x96000017
//   ldr [0x4620_5000] (translates to PA 0x0b00_0000, nothing there): synchronous External
//     abort, not on a walk, DFSC 0b010000 -> 0x96000010, FAR = the VA
//   blr 0x4620_3000 (PXN): instruction abort, permission level 3 -> 0x8600000f, FAR = ELR = target
//   EL0 ldr [0x4620_0008] (AP 00): permission level 3 from EL0, vector 0x400 -> 0x9200000f
// FAR_EL1 = the faulting VA; ELR_EL1 = the load/store (printed minus its address, held in x20)
// or the fetch address. Handlers skip the load/store, or return to the blr's return address.
    .include "lib.S"
    .include "mmu.S"
    .equ L1T, 0x46000000
    .equ L2D, 0x46001000
    .equ L2R, 0x46002000
    .equ L3T, 0x46003000
    .equ TPAGE, 0x46200000
    .equ NOWHERE, 0x0b000000
    .equ TCR_EL1_VAL, 0x280800019     // IPS 40 bits (2 << 32), TG1 4K (2 << 30), EPD1, T0SZ 25
    .equ MAIR_VAL, 0xff00
    .equ BLK_EL1, 0x705               // block, AttrIndx 1, AP 00, SH inner, AF
    .equ BLK_RO_ALL, 0x7c5            // AP 11
    .equ BLK_RW_ALL, 0x745            // AP 01
    .equ BLK_DEVICE, 0x60000000000441 // block, AttrIndx 0, AP 01, AF, UXN, PXN
    .equ PG_EL1, 0x707                // page, AttrIndx 1, AP 00, SH inner, AF
    .equ PG_EL1_RO, 0x787             // AP 10
    .equ PG_NOAF, 0x307               // AF = 0
    .equ PG_PXN, 0x20000000000707     // PXN (bit 53)


    EL2_INIT
    SET_VBAR 2, m1_vt2
    ERET_TO 2, m1_el1, (SPSR_EL1H + SPSR_DAIF)
m1_el1:
    SET_VBAR 1, m1_vt1
    ZERO_TABLES m1_zero, L1T, 0x4000
    DESC    L1T, 0, (L2D + 3)
    DESC    L1T, 1, (L2R + 3)
    DESC    L1T, 3, (NOWHERE + 3)
    DESC    L2D, 0x48, (0x09000000 + BLK_DEVICE)
    RAM_BLOCKS m1_ram, L2R, BLK_EL1
    DESC    L2R, 0, (0x40000000 + BLK_RO_ALL)
    DESC    L2R, 0xb, (0x41600000 + BLK_RW_ALL)
    DESC    L2R, 0x31, (L3T + 3)
    DESC    L2R, 0x32, (NOWHERE + 3)
    DESC    L3T, 0, (TPAGE + PG_EL1)
    DESC    L3T, 1, (TPAGE + 0x1000 + PG_EL1_RO)
    DESC    L3T, 2, (TPAGE + 0x2000 + PG_NOAF)
    DESC    L3T, 3, (TPAGE + 0x3000 + PG_PXN)
    DESC    L3T, 5, (NOWHERE + PG_EL1)
    ldr     x1, =(TPAGE + 0x3000)
    ldr     w2, =0xd65f03c0         // ret: a missing fault shows
    str     w2, [x1]
    ldr     x1, =(TPAGE + 0x1000)
    ldr     x2, =0x1234
    str     x2, [x1]
    dsb     sy
    MMU_ON  1, TCR_EL1_VAL, vmalle1, SCTLR_EL1_RES1
    PUTS    "MMU on at EL1\n"
    PRINT_SYSREG SCTLR_EL1, sctlr_el1
    ldr     x1, =(TPAGE + 0x1000)
    ldr     x2, [x1]
    PRINT_REG READ_ONLY_PAGE_VALUE, x2

    PUTS    "ldr [0x8000000000]\n"
    ldr     x4, =0x8000000000
    adr     x20, m1_i0
m1_i0:
    ldr     x5, [x4]
    PUTS    "ldr [0x80000000]\n"
    ldr     x4, =0x80000000
    adr     x20, m1_i1
m1_i1:
    ldr     x5, [x4]
    PUTS    "ldr [0x46204000]\n"
    ldr     x4, =0x46204000
    adr     x20, m1_i2
m1_i2:
    ldr     x5, [x4]
    PUTS    "str [0x46201000] (EL1 read-only)\n"
    ldr     x4, =0x46201000
    adr     x20, m1_i3
m1_i3:
    str     x5, [x4]
    PUTS    "ldr [0x46202000] (AF = 0)\n"
    ldr     x4, =0x46202000
    adr     x20, m1_i4
m1_i4:
    ldr     x5, [x4]
    PUTS    "ldr [0xc0000000] (L2 table outside memory)\n"
    ldr     x4, =0xc0000000
    adr     x20, m1_i5
m1_i5:
    ldr     x5, [x4]
    PUTS    "ldr [0x46400000] (L3 table outside memory)\n"
    ldr     x4, =0x46400000
    adr     x20, m1_i6
m1_i6:
    ldr     x5, [x4]
    PUTS    "ldr [0x46205000] (page at PA 0x0b000000)\n"
    ldr     x4, =0x46205000
    adr     x20, m1_i8
m1_i8:
    ldr     x5, [x4]
    PUTS    "blr 0x46203000 (PXN)\n"
    ldr     x4, =0x46203000
    blr     x4
    ERET_TO 1, m1_el0, (SPSR_EL0T + SPSR_DAIF)
m1_el0:
    PUTS    "EL0 ldr [0x46200008] (EL1 only)\n"
    ldr     x4, =0x46200008
    adr     x20, m1_i7
m1_i7:
    ldr     x5, [x4]
    PUTS    "done\n"
    svc     #0xffff
    PUTS    "FAIL: still running\n"
    POWER_OFF

m1_handler1:
    mrs     x10, esr_el1
    lsr     x11, x10, #26
    cmp     x11, #0x15
    b.eq    m1_done                 // svc #0xffff
    PRINT_REG EL1_VECTOR, x17
    PRINT_SYSREG ESR_EL1, esr_el1
    PRINT_SYSREG FAR_EL1, far_el1
    cmp     x11, #0x24
    b.lo    m1_iabt
    mrs     x10, elr_el1
    sub     x10, x10, x20
    PRINT_REG ELR_EL1_MINUS_INSN, x10
    SKIP_INSN 1
    eret
m1_iabt:
    PRINT_SYSREG ELR_EL1, elr_el1
    msr     elr_el1, x30
    eret
m1_done:
    POWER_OFF

m1_handler2:
    PUTS    "FAIL: exception taken to EL2\n"
    PRINT_REG EL2_VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    PRINT_SYSREG FAR_EL2, far_el2
    PRINT_SYSREG ELR_EL2, elr_el2
    POWER_OFF

    VECTOR_TABLE m1_vt1, m1_handler1
    VECTOR_TABLE m1_vt2, m1_handler2
