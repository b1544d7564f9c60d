"""The access router: the one place where an access check's decision becomes an outcome.

OK performs the read or write; TRAP_EL1, TRAP_EL2 and UNDEFINED come back to the caller, which
builds the exception: EC 0x18 with the full ISS (emu.arch.esr.iss_sys64) for a trap, EC 0x00
for UNDEFINED.
"""

from __future__ import annotations

from typing import NamedTuple

from emu.arch.sysregs import Encoding
from emu.sysreg.desc import AccessContext, Decision
from emu.sysreg.registry import Registry

MASK64 = (1 << 64) - 1


class Outcome(NamedTuple):
    """The decision, and the value read by an OK MRS (0 otherwise)."""

    decision: Decision
    value: int = 0


_UNDEFINED = Outcome(Decision.UNDEFINED)
_WRITTEN = Outcome(Decision.OK)


def access(registry: Registry, encoding: Encoding, ctx: AccessContext, value: int = 0) -> Outcome:
    """An MRS (ctx.is_read) or an MSR of `value` to `encoding` at `ctx`. An encoding the registry
    does not hold, an MRS of a write-only register and an MSR of a read-only one are UNDEFINED
    (unallocated encodings); otherwise the register's access check decides."""
    reg = registry.get(encoding)
    if reg is None or (reg.write_only if ctx.is_read else reg.read_only):
        return _UNDEFINED
    decision = reg.access(ctx)
    if decision is not Decision.OK:
        return Outcome(decision)
    if ctx.is_read:
        return Outcome(decision, reg.read(ctx) & MASK64)
    reg.write(ctx, value & MASK64)
    return _WRITTEN
