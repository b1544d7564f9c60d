"""The per-INTID register block that GICD and the GICR SGI_base frame share, at the same offsets
(IHI 0069 12.9 and 12.11): IGROUPR, ISENABLER/ICENABLER, ISPENDR/ICPENDR, ISACTIVER/ICACTIVER,
IPRIORITYR, ICFGR. GICD shows the SPIs, GICR the SGIs and PPIs; bits of INTIDs outside the frame's
`visible` range are RAZ/WI (the GICD_* bits for INTIDs 0-31 when affinity routing is on, IHI 0069
12.9: "When affinity routing is enabled ... RAZ/WI"; INTIDs beyond GICD_TYPER.ITLinesNumber).

Set/clear pairs are two views of one state. IPRIORITYR is byte-accessible; the other registers take
32-bit accesses only; any other width is treated as reserved (RAZ/WI), as QEMU 7.2 does.
"""

from __future__ import annotations

from collections.abc import Callable

from .state import SGI_COUNT, IntState

IGROUPR, ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER = (
    0x080, 0x100, 0x180, 0x200, 0x280, 0x300, 0x380)
IPRIORITYR, ICFGR = 0x400, 0xC00
_BITMAP_END, _PRIORITY_END, _ICFGR_END = 0x400, 0x800, 0xD00

_Getter = Callable[[IntState], bool]
_Action = Callable[[IntState], None]


def _enable(s: IntState) -> None:
    s.enabled = True


def _disable(s: IntState) -> None:
    s.enabled = False


def _set_active(s: IntState) -> None:
    s.active = True


_READ: dict[int, _Getter] = {
    IGROUPR: lambda s: s.group1,
    ISENABLER: lambda s: s.enabled, ICENABLER: lambda s: s.enabled,
    ISPENDR: lambda s: s.pending, ICPENDR: lambda s: s.pending,
    ISACTIVER: lambda s: s.active, ICACTIVER: lambda s: s.active,
}
# Writes of 1: the action; writes of 0 have no effect, except for IGROUPR (a plain RW bit).
_WRITE_ONES: dict[int, _Action] = {
    ISENABLER: _enable, ICENABLER: _disable,
    ISPENDR: IntState.set_pending, ICPENDR: IntState.clear_pending,
    ISACTIVER: _set_active, ICACTIVER: IntState.deactivate,
}


class Bank:
    """Register views of `irqs[visible]`; `priority_mask` keeps the implemented priority bits."""

    def __init__(self, irqs: list[IntState], visible: range, priority_mask: int) -> None:
        self._irqs = irqs
        self._visible = visible
        self._priority_mask = priority_mask

    def covers(self, offset: int) -> bool:
        return IGROUPR <= offset < _ICFGR_END

    def _irq(self, intid: int) -> IntState | None:
        return self._irqs[intid] if intid in self._visible else None

    def read(self, offset: int, size: int) -> int:
        if IPRIORITYR <= offset < _PRIORITY_END:
            if size not in (1, 4) or offset % size:
                return 0
            first = offset - IPRIORITYR
            return sum(self._priority(first + i) << (8 * i) for i in range(size))
        if size != 4 or offset % 4:
            return 0
        if offset < _BITMAP_END:
            base = offset & ~0x7F
            first = (offset - base) * 8
            getter = _READ.get(base)
            if getter is None:
                return 0
            return sum(bool(getter(s)) << i for i in range(32) if (s := self._irq(first + i)) is not None)
        if ICFGR <= offset:
            first = (offset - ICFGR) * 4
            return sum(s.edge << (2 * i + 1) for i in range(16) if (s := self._irq(first + i)) is not None)
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        if IPRIORITYR <= offset < _PRIORITY_END:
            if size not in (1, 4) or offset % size:
                return
            first = offset - IPRIORITYR
            for i in range(size):
                if (s := self._irq(first + i)) is not None:
                    s.priority = (value >> (8 * i)) & self._priority_mask
            return
        if size != 4 or offset % 4:
            return
        if offset < _BITMAP_END:
            base = offset & ~0x7F
            first = (offset - base) * 8
            for i in range(32):
                s = self._irq(first + i)
                if s is None:
                    continue
                bit = bool(value >> i & 1)
                if base == IGROUPR:
                    s.group1 = bit
                elif bit and (action := _WRITE_ONES.get(base)):
                    action(s)
        elif ICFGR <= offset:
            first = (offset - ICFGR) * 4
            for i in range(16):
                s = self._irq(first + i)
                if s is not None and first + i >= SGI_COUNT:  # SGIs: always edge, RO (GICR_ICFGR0)
                    s.edge = bool(value >> (2 * i + 1) & 1)

    def _priority(self, intid: int) -> int:
        s = self._irq(intid)
        return s.priority if s is not None else 0
