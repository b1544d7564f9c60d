"""The registry: system registers keyed by encoding (op0, op1, CRn, CRm, op2), found by name too.
Devices contribute their tables (indexed registers such as PMEVCNTR<n>_EL0 come from a loop in
the device's table); a user-defined register may replace one already there."""

from __future__ import annotations

from typing import Iterable, Iterator

from emu.arch.sysregs import Encoding
from emu.arch.sysregs import name as generic_name
from emu.sysreg.desc import SysReg

_FIELD_LIMITS = (4, 8, 16, 16, 8)  # op0, op1, CRn, CRm, op2


class Registry:
    """System registers by encoding and by name."""

    def __init__(self, regs: Iterable[SysReg] = ()) -> None:
        self._by_encoding: dict[Encoding, SysReg] = {}
        self._by_name: dict[str, SysReg] = {}
        for reg in regs:
            self.add(reg)

    def add(self, reg: SysReg, replace: bool = False) -> None:
        """Add `reg`. An encoding already present is an error unless `replace` (the register
        there is dropped); a name already used at another encoding is always an error."""
        if len(reg.encoding) != 5 or any(not 0 <= f < lim for f, lim in zip(reg.encoding, _FIELD_LIMITS)):
            raise ValueError(f"{reg.name}: {reg.encoding} is not an (op0, op1, CRn, CRm, op2) encoding")
        old = self._by_encoding.get(reg.encoding)
        if old is not None and not replace:
            raise ValueError(f"{reg.name}: {generic_name(reg.encoding)} is already {old.name}")
        named = self._by_name.get(reg.name)
        if named is not None and named.encoding != reg.encoding:
            raise ValueError(f"{reg.name} is already the name of {generic_name(named.encoding)}")
        if old is not None:
            del self._by_name[old.name]
        self._by_encoding[reg.encoding] = reg
        self._by_name[reg.name] = reg

    def get(self, encoding: Encoding) -> SysReg | None:
        return self._by_encoding.get(encoding)

    def by_name(self, name: str) -> SysReg:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no system register named {name}") from None

    def __contains__(self, encoding: object) -> bool:
        return encoding in self._by_encoding

    def __iter__(self) -> Iterator[SysReg]:
        return iter(self._by_encoding.values())

    def __len__(self) -> int:
        return len(self._by_encoding)
