"""The debug registers emu must see written (emu.core.debugexc), in Python over Unicorn's copies.

- MDSCR_EL1 (Arm ARM D23.3, Monitor Debug System Control Register): software step is emu's, so
  its SS bit stays here; the other bits go to Unicorn's copy, which QEMU's breakpoint check reads
  (MDE, KDE). QEMU would start stepping on its own (and report it without a syndrome) once it
  rebuilt its flags with SS set.
- DBGWVR<n>_EL1 / DBGWCR<n>_EL1 (the A57's four watchpoints): Unicorn has no watchpoint check,
  so emu places them itself; every write is passed on and reported.

UNDEFINED at EL0 (no FEAT_FGT; MDCR_EL2.TDA is not applied: docs/decisions.md, "Debug")."""

from __future__ import annotations

from typing import Callable

from emu.arch.sysregs import WATCHPOINTS
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


def watchpoint_registers(read_native: Callable[[tuple[int, int, int, int, int]], int],
                         write_native: Callable[[tuple[int, int, int, int, int], int], None],
                         on_change: Callable[[], None]) -> tuple[SysReg, ...]:
    """DBGWVR<n>_EL1 (op2 = 6) and DBGWCR<n>_EL1 (op2 = 7) over Unicorn's copies."""
    regs = []
    for n in range(WATCHPOINTS):  # the A57's four
        for name, op2, mask in (("DBGWVR", 6, 0xFFFF_FFFF_FFFF_FFFF), ("DBGWCR", 7, 0xFFFF_FFFF)):
            enc = (2, 0, 0, n, op2)

            def read(ctx: AccessContext, enc: tuple[int, int, int, int, int] = enc) -> int:
                return read_native(enc)

            def write(ctx: AccessContext, value: int, enc: tuple[int, int, int, int, int] = enc,
                      mask: int = mask) -> None:
                write_native(enc, value & mask)
                on_change()

            regs.append(SysReg(f"{name}{n}_EL1", enc, 0, _access, read, write))
    return tuple(regs)
