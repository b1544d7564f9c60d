// @qemu-differs: QEMU sets ISV=1 (with SAS/SRT/SF) in ESR_EL2 for EL2's own stage 1 data aborts; Arm ARM (ESR_EL2 ISV): ISV is 0 except for stage 2 aborts, so the loads give 0x96000004/5/6/7 and 0x9600000b, the stores 0x9600004f/0x9600004b, not QEMU's 0x97c58004 ... 0x97c5804b (0x97850007 for ldr w5)
// mmu_el2: the EL2 stage 1 MMU with the kernel's own page tables (Arm ARM D8 "The AArch64
// Virtual Memory System Architecture": D8.2 translation process, 4 KiB granule, D8.3 descriptor
// formats, D8.4 memory access control, D8.5 memory attributes; D8.14 MMU faults).
// Regime EL2 (HCR_EL2.E2H = 0): one VA range, TTBR0_EL2; TCR_EL2.T0SZ = 25 (39-bit VA, the walk
// starts at level 1), TG0 = 4 KiB, PS = 40 bits, IRGN0 = ORGN0 = Non-cacheable walks.
// MAIR_EL2: Attr0 = 0x00 Device-nGnRnE, Attr1 = 0xff Normal WB. AP[1] is RES1 in a regime with
// one privilege level, so AP = 0b01 is read/write and AP = 0b11 read-only.
// Tables at 0x4600_0000 (L1), 0x4600_1000 (L2 of 0x0000_0000-0x3fff_ffff: the UART's 2 MiB as
// Device, XN), 0x4600_2000 (L2 of 0x4000_0000-0x7fff_ffff: 64 Normal 2 MiB blocks identity-mapping
// the 128 MiB of RAM, except entry 0x31), 0x4600_3000 (L3 of VA 0x4620_0000, entry 0x31):
//   page 0 0x4620_0000 RW, page 1 0x4620_1000 read-only (AP[2] = 1), page 2 0x4620_2000 AF = 0,
//   page 3 0x4620_3000 XN = 1 (bit 54), page 4 0x4620_4000 invalid.
// Faults (ESR_EL2, "ISS encoding for an exception from a Data Abort / Instruction Abort"):
//   EC 0x25 data abort same EL, 0x21 instruction abort same EL; IL = 1; ISV = 0 (stage 1);
//   FnV = 0 (FAR valid), EA = 0, S1PTW = 0 (no stage 2), WnR = 1 for a store;
//   DFSC/IFSC: translation fault level L = 0b0001LL, access flag fault 0b0010LL,
//   permission fault 0b0011LL. Taken to the current-EL SP_ELx vector (+0x200).
//   (a) ldr from VA 0x80_0000_0000 (beyond the 39-bit range of TTBR0): translation fault, level 0
//       (AArch64.S1Translate, VA out of range: level 0) -> 0x96000004
//   (a) ldr from 0x8000_0000 (L1 entry 2 invalid): translation level 1 -> 0x96000005
//   (a) ldr from 0x4800_0000 (L2 entry 0x40 invalid): translation level 2 -> 0x96000006
//   (a) ldr from 0x4620_4000 (L3 entry 4 invalid): translation level 3 -> 0x96000007
//   (b) str to 0x4620_1008 (read-only page): permission level 3, WnR -> 0x9600004f
//       (ldr from it works)
//   (c) ldr from 0x4620_2010 (AF = 0, no FEAT_HAFDBS): access flag level 3 -> 0x9600000b;
//       str: 0x9600004b
//   (d) blr to 0x4620_3000 (XN): instruction abort, permission level 3 -> 0x8600000f,
//       FAR = ELR = 0x4620_3000
// FAR_EL2 = the faulting VA; ELR_EL2 = the load/store (printed minus its address, held in x20)
// or the fetch address. Handlers skip the load/store, or return to the blr's return address.
    .include "lib.S"
    .include "mmu.S"
    .equ L1T, 0x46000000
    .equ L2D, 0x46001000
    .equ L2R, 0x46002000
    .equ L3T, 0x46003000
    .equ TPAGE, 0x46200000
    .equ TCR_EL2_VAL, 0x80823019      // RES1 31, 23; PS 40 bits (2 << 16); T0SZ 25; (TG0 4K, walks NC)
    .equ MAIR_VAL, 0xff00
    .equ BLK_NORMAL, 0x745            // block, AttrIndx 1, AP 01, SH inner, AF
    .equ BLK_DEVICE, 0x40000000000441 // block, AttrIndx 0, AP 01, AF, XN
    .equ PG_RW, 0x747                 // page, AttrIndx 1, AP 01, SH inner, AF
    .equ PG_RO, 0x7c7                 // AP 11
    .equ PG_NOAF, 0x347               // AF = 0
    .equ PG_XN, 0x40000000000747      // XN (bit 54)


    EL2_INIT
    SET_VBAR 2, m2_vt
    // zero the four tables
    ZERO_TABLES m2_zero, L1T, 0x4000
    DESC    L1T, 0, (L2D + 3)
    DESC    L1T, 1, (L2R + 3)
    DESC    L2D, 0x48, (0x09000000 + BLK_DEVICE)
    RAM_BLOCKS m2_ram, L2R, BLK_NORMAL
    DESC    L2R, 0x31, (L3T + 3)
    DESC    L3T, 0, (TPAGE + PG_RW)
    DESC    L3T, 1, (TPAGE + 0x1000 + PG_RO)
    DESC    L3T, 2, (TPAGE + 0x2000 + PG_NOAF)
    DESC    L3T, 3, (TPAGE + 0x3000 + PG_XN)
    // the XN page holds a ret, so that a missing fault shows
    ldr     x1, =(TPAGE + 0x3000)
    ldr     w2, =0xd65f03c0
    str     w2, [x1]
    ldr     x1, =(TPAGE + 0x1008)
    ldr     x2, =0x1234
    str     x2, [x1]
    dsb     sy
    MMU_ON  2, TCR_EL2_VAL, alle2, SCTLR_EL2_RES1
    PUTS    "MMU on at EL2\n"
    PRINT_SYSREG SCTLR_EL2, sctlr_el2
    ldr     x1, =(TPAGE + 0x1008)
    ldr     x2, [x1]
    PRINT_REG READ_ONLY_PAGE_VALUE, x2
    ldr     x1, =TPAGE
    ldr     x2, =0x5678
    str     x2, [x1]
    ldr     x3, [x1]
    PRINT_REG RW_PAGE_VALUE, x3

    PUTS    "ldr [0x8000000000]\n"
    ldr     x4, =0x8000000000
    adr     x20, m2_i0
m2_i0:
    ldr     x5, [x4]
    PUTS    "ldr [0x80000000]\n"
    ldr     x4, =0x80000000
    adr     x20, m2_i1
m2_i1:
    ldr     x5, [x4]
    PUTS    "ldr [0x48000000]\n"
    ldr     x4, =0x48000000
    adr     x20, m2_i2
m2_i2:
    ldr     x5, [x4]
    PUTS    "ldr [0x46204000]\n"
    ldr     x4, =0x46204000
    adr     x20, m2_i3
m2_i3:
    ldr     w5, [x4]
    PUTS    "str [0x46201008] (read-only)\n"
    ldr     x4, =0x46201000
    adr     x20, m2_i4
m2_i4:
    str     x5, [x4, #8]
    PUTS    "ldr [0x46202010] (AF = 0)\n"
    ldr     x4, =0x46202010
    adr     x20, m2_i5
m2_i5:
    ldr     x5, [x4]
    PUTS    "str [0x46202010] (AF = 0)\n"
    adr     x20, m2_i6
m2_i6:
    str     x5, [x4]
    PUTS    "blr 0x46203000 (XN)\n"
    ldr     x4, =0x46203000
    blr     x4
    PUTS    "done\n"
    POWER_OFF

m2_handler:
    PRINT_REG EL2_VECTOR, x17
    PRINT_SYSREG ESR_EL2, esr_el2
    PRINT_SYSREG FAR_EL2, far_el2
    mrs     x10, esr_el2
    lsr     x10, x10, #26
    cmp     x10, #0x24
    b.lo    m2_iabt
    mrs     x10, elr_el2
    sub     x10, x10, x20
    PRINT_REG ELR_EL2_MINUS_INSN, x10
    SKIP_INSN 2
    eret
m2_iabt:
    PRINT_SYSREG ELR_EL2, elr_el2
    msr     elr_el2, x30
    eret

    VECTOR_TABLE m2_vt, m2_handler
