"""PSTATE and SPSR_ELx fields (Arm ARM D1.4 "Process state, PSTATE"; C5.2.18 SPSR_EL2)."""

from __future__ import annotations

N, Z, C, V = 1 << 31, 1 << 30, 1 << 29, 1 << 28
SS = 1 << 21
IL = 1 << 20
D, A, I, F = 1 << 9, 1 << 8, 1 << 7, 1 << 6
DAIF = D | A | I | F
NRW = 1 << 4  # M[4]: 1 = AArch32 (not supported by emu)
SP_SEL = 1 << 0  # M[0]: 1 = SP_ELx, 0 = SP_EL0
M_MASK = 0xF


def el_of(pstate: int) -> int:
    """PSTATE.EL, from M[3:2]."""
    return (pstate >> 2) & 3


def mode(el: int, sp_elx: bool) -> int:
    """M[3:0] for AArch64 ELx with SP_ELx (h) or SP_EL0 (t)."""
    return (el << 2) | int(sp_elx)


def mode_name(pstate: int) -> str:
    """EL2h, EL1t, EL0t, ... as the Arm ARM names them."""
    if pstate & NRW:
        return "AArch32"
    el = el_of(pstate)
    return f"EL{el}" + ("h" if el and pstate & SP_SEL else "t")
