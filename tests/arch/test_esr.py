"""ESR_ELx values checked against encodings worked out from the Arm ARM (D17.2.37)."""

from __future__ import annotations

from emu.arch.esr import EC, iss_data_abort, iss_imm16, iss_sys64, iss_wfx, syndrome


def test_svc_hvc_smc() -> None:
    assert syndrome(EC.SVC64, iss_imm16(0x1234)) == 0x5600_1234
    assert syndrome(EC.HVC64, iss_imm16(5)) == 0x5A00_0005
    assert syndrome(EC.SMC64, iss_imm16(0x12)) == 0x5E00_0012


def test_unknown_has_il_set() -> None:
    assert syndrome(EC.UNKNOWN) == 0x0200_0000


def test_sys64_msr_sctlr_el1_x0() -> None:
    # Op0=3 Op2=0 Op1=0 CRn=1 Rt=0 CRm=0 Direction=0 (write)
    assert syndrome(EC.SYS64, iss_sys64(3, 0, 1, 0, 0, 0, False)) == 0x6230_0400


def test_sys64_mrs_ttbr0_el1_x5() -> None:
    assert syndrome(EC.SYS64, iss_sys64(3, 0, 2, 0, 0, 5, True)) == 0x6230_08A1


def test_wfi_trap() -> None:
    assert syndrome(EC.WFX, iss_wfx(0)) == 0x07E0_0000
    assert syndrome(EC.WFX, iss_wfx(1)) == 0x07E0_0001


def test_data_abort_word_load_x2() -> None:
    iss = iss_data_abort(dfsc=0x10, wnr=False, isv=True, sas=2, srt=2)
    assert syndrome(EC.DABT_CURRENT, iss) == 0x9782_0010
