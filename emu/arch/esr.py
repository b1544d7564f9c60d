"""ESR_ELx syndromes (Arm ARM D17.2.37 ESR_EL1; ISS encodings per exception class)."""

from __future__ import annotations

import enum


class EC(enum.IntEnum):
    """Exception classes (ESR_ELx.EC) that emu generates."""

    UNKNOWN = 0x00
    WFX = 0x01
    ILLEGAL_STATE = 0x0E
    SVC64 = 0x15
    HVC64 = 0x16
    SMC64 = 0x17
    SYS64 = 0x18
    IABT_LOWER = 0x20
    IABT_CURRENT = 0x21
    PC_ALIGN = 0x22
    DABT_LOWER = 0x24
    DABT_CURRENT = 0x25
    SP_ALIGN = 0x26
    BKPT_LOWER = 0x30
    BKPT_CURRENT = 0x31
    SSTEP_LOWER = 0x32
    SSTEP_CURRENT = 0x33
    WPT_LOWER = 0x34
    WPT_CURRENT = 0x35
    BRK64 = 0x3C


IL = 1 << 25  # 32-bit instruction (always, in AArch64)
FSC_SYNC_EXTERNAL = 0x10  # DFSC/IFSC: synchronous External abort, not on a table walk


def syndrome(ec: EC, iss: int = 0, il: bool = True) -> int:
    """ESR_ELx = EC:IL:ISS (ISS2 is zero on this core)."""
    return (int(ec) << 26) | (IL if il else 0) | (iss & 0x1FF_FFFF)


def ec_of(esr: int) -> int:
    return (esr >> 26) & 0x3F


def iss_imm16(imm16: int) -> int:
    """SVC, HVC, SMC and BRK: ISS = imm16."""
    return imm16 & 0xFFFF


def iss_sys64(op0: int, op1: int, crn: int, crm: int, op2: int, rt: int, is_read: bool) -> int:
    """EC 0x18 ISS: Op0[21:20] Op2[19:17] Op1[16:14] CRn[13:10] Rt[9:5] CRm[4:1] Direction[0]."""
    return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) | int(is_read)


def decode_sys64(iss: int) -> tuple[tuple[int, int, int, int, int], int, bool]:
    """EC 0x18 ISS back to ((op0, op1, CRn, CRm, op2), Rt, is_read): the inverse of iss_sys64
    (Arm ARM D23.2.45, "ISS encoding for an exception from MSR, MRS, or System instruction")."""
    op0, op2, op1 = iss >> 20 & 3, iss >> 17 & 7, iss >> 14 & 7
    crn, rt, crm = iss >> 10 & 0xF, iss >> 5 & 0x1F, iss >> 1 & 0xF
    return (op0, op1, crn, crm, op2), rt, bool(iss & 1)


def iss_wfx(ti: int) -> int:
    """EC 0x01 ISS from AArch64: CV=1, COND=0b1110, TI (0 = WFI, 1 = WFE)."""
    return (1 << 24) | (0xE << 20) | (ti & 3)


def iss_data_abort(
    *, dfsc: int, wnr: bool, isv: bool = False, sas: int = 0, sse: bool = False, srt: int = 0,
    sf: bool = False, ar: bool = False, ea: bool = False, cm: bool = False, s1ptw: bool = False,
) -> int:
    """EC 0x24/0x25 ISS: ISV SAS SSE SRT SF AR VNCR SET FnV EA CM S1PTW WnR DFSC."""
    iss = dfsc & 0x3F
    iss |= int(wnr) << 6 | int(s1ptw) << 7 | int(cm) << 8 | int(ea) << 9
    if isv:
        iss |= 1 << 24 | (sas & 3) << 22 | int(sse) << 21 | (srt & 31) << 16 | int(sf) << 15 | int(ar) << 14
    return iss


def iss_instruction_abort(*, ifsc: int, ea: bool = False, s1ptw: bool = False) -> int:
    """EC 0x20/0x21 ISS: SET FnV EA S1PTW IFSC."""
    return (ifsc & 0x3F) | int(s1ptw) << 7 | int(ea) << 9
