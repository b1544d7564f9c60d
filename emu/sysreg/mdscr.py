"""MDSCR_EL1 (Arm ARM D23.3 MDSCR_EL1, Monitor Debug System Control Register) in Python, so that
emu sees its SS bit: software step is emu's (emu.core.debugexc). The other bits go to Unicorn's
own copy, which QEMU's breakpoint check reads (MDE, KDE); SS stays here, because QEMU would
start stepping on its own (and report it without a syndrome) once it rebuilt its flags.
UNDEFINED at EL0 (no FEAT_FGT; MDCR_EL2.TDA is not applied: docs/decisions.md, "Debug")."""

from __future__ import annotations

from typing import Callable

from emu.sysreg.desc import AccessContext, Decision, SysReg

MDSCR_EL1 = (2, 0, 0, 2, 2)
MDSCR_SS = 1 << 0


def _access(ctx: AccessContext) -> Decision:
    return Decision.UNDEFINED if ctx.el == 0 else Decision.OK


def build(read_native: Callable[[], int], write_native: Callable[[int], None],
          on_step: Callable[[bool], None]) -> tuple[SysReg, Callable[[], None]]:
    """MDSCR_EL1 over Unicorn's copy, `on_step(SS)` after every write; and its reset."""
    ss = [False]

    def read(ctx: AccessContext) -> int:
        return read_native() | (MDSCR_SS if ss[0] else 0)

    def write(ctx: AccessContext, value: int) -> None:
        write_native(value & 0xFFFF_FFFF & ~MDSCR_SS)
        ss[0] = bool(value & MDSCR_SS)
        on_step(ss[0])

    def reset() -> None:
        ss[0] = False
        on_step(False)

    return SysReg("MDSCR_EL1", MDSCR_EL1, 0, _access, read, write), reset
