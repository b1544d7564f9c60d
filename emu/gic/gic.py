"""The GICv3 facade: per-INTID state, device input lines, the query API of the CPU interface, and
the nIRQ output (IHI 0069 4.1, 4.7 "Interrupt prioritization").

One PE (affinity 0.0.0.0), security disabled (GICD_CTLR.DS = 1), affinity routing always on.
Group 0 interrupts are held and reported by `hppi(0)` but never signalled: FIQ is not modelled yet.
"""

from __future__ import annotations

from typing import Any, Callable

from emu.irq import IrqLine

from .distributor import IROUTER_AFFINITY, Distributor
from .redistributor import Redistributor
from .state import PRIVATE_COUNT, SGI_COUNT, IntState


class GICv3:
    """Distributor and the one redistributor over a shared list of INTID states.

    `num_spis` (a multiple of 32, default 256 as QEMU's virt board) sets GICD_TYPER.ITLinesNumber;
    `priority_bits` is the number of implemented priority bits (the upper ones of each 8-bit field).
    `threshold` is the priority an interrupt must beat (be numerically lower than) to raise
    `irq_out`: the CPU interface sets it from ICC_PMR_EL1 and the running priority."""

    def __init__(self, num_spis: int = 256, priority_bits: int = 5) -> None:
        if num_spis % 32 or not 32 <= num_spis <= 960:
            raise ValueError(f"num_spis must be a multiple of 32 in 32..960, not {num_spis}")
        if not 4 <= priority_bits <= 8:
            raise ValueError(f"priority_bits must be 4..8, not {priority_bits}")
        self.irqs = [IntState(edge=intid < SGI_COUNT) for intid in range(PRIVATE_COUNT + num_spis)]
        self.priority_mask = (0xFF << (8 - priority_bits)) & 0xFF
        self.group_enabled = [False, False]  # GICD_CTLR.EnableGrp0, EnableGrp1
        self.irq_out = IrqLine("gic.irq")
        self._threshold = 0xFF
        self._lines: dict[int, IrqLine] = {}
        # An observer of the interrupt lifecycle (a tracer), called as observer(kind, **fields):
        # "line" (intid, level) when an input line changes, "ack", "eoi", "deactivate" (intid,
        # virtual; the CPU interfaces report theirs here too) and "active" (intid, active, virtual=False) whenever a physical INTID's active state
        # changes, by whatever means (acknowledge, deactivation, GICx_I[SC]ACTIVER, a hypervisor).
        self.observer: Callable[..., Any] | None = None
        self._seen_active: list[bool] = []
        self.distributor = Distributor(self)
        self.redistributor = Redistributor(self)

    def reset(self) -> None:
        """Reset (PSCI SYSTEM_RESET): every INTID back to its reset configuration and inactive,
        distributor groups disabled, the redistributor asleep; input lines keep their levels (the
        devices drive them), so a level interrupt still asserted is pending again."""
        for intid, irq in enumerate(self.irqs):
            line = irq.line
            self.irqs[intid] = IntState(edge=intid < SGI_COUNT, line=line)
        self.group_enabled = [False, False]
        self.redistributor.processor_sleep = True
        self.update()

    @property
    def num_irqs(self) -> int:
        return len(self.irqs)

    @property
    def threshold(self) -> int:
        return self._threshold

    @threshold.setter
    def threshold(self, priority: int) -> None:
        self._threshold = priority
        self.update()

    def line(self, intid: int) -> IrqLine:
        """The input wire of a PPI (16-31) or SPI; devices drive its level."""
        if not SGI_COUNT <= intid < self.num_irqs:
            raise ValueError(f"INTID {intid} is not a PPI or SPI of this GIC")
        if intid not in self._lines:
            line = IrqLine(f"gic.intid{intid}")
            line.connect(lambda level: self._drive(intid, level))
            self._lines[intid] = line
        return self._lines[intid]

    def _drive(self, intid: int, level: bool) -> None:
        if self.observer is not None:
            self.observer("line", intid=intid, level=level)
        self.irqs[intid].drive(level)
        self.update()

    def _candidate(self, intid: int, s: IntState, group: int) -> bool:
        """Pending, not active, enabled, in an enabled `group`, and routed to this PE (IHI 0069
        4.1.1; an SPI whose GICD_IROUTER names another affinity reaches no PE)."""
        return (s.pending and not s.active and s.enabled and s.group1 == bool(group)
                and self.group_enabled[group]
                and (intid < PRIVATE_COUNT or not s.router & IROUTER_AFFINITY))

    def hppi(self, group: int = 1) -> tuple[int, int] | None:
        """The highest-priority pending interrupt of `group` as (INTID, priority): lowest priority
        value first, then lowest INTID (IHI 0069 4.7); None when nothing is pending."""
        best: tuple[int, int] | None = None
        for intid, s in enumerate(self.irqs):
            if not (s.latch or s.line) or s.active or not s.enabled:
                continue  # the common case, without a call (this runs at every GIC update)
            if self._candidate(intid, s, group) and (best is None or s.priority < best[1]):
                best = (intid, s.priority)
        return best

    def acknowledge(self, intid: int) -> None:
        """The INTID is being acknowledged (ICC_IAR1_EL1): pending to active."""
        if 0 <= intid < self.num_irqs:
            self.irqs[intid].acknowledge()
            self.update()

    def deactivate(self, intid: int) -> None:
        """The INTID is being deactivated (ICC_EOIR1_EL1 with EOImode 0, ICC_DIR_EL1); INTIDs out
        of range and inactive INTIDs are ignored."""
        if 0 <= intid < self.num_irqs:
            if self.observer is not None:
                self.observer("deactivate", intid=intid, virtual=False, was_active=self.irqs[intid].active)
            self.irqs[intid].deactivate()
            self.update()

    def _observe_active(self, observer: Callable[..., Any]) -> None:
        """Report each physical INTID whose active state changed since the last look."""
        active = [s.active for s in self.irqs]
        seen = self._seen_active
        if active != seen:
            for intid, now in enumerate(active):
                if now != (seen[intid] if intid < len(seen) else False):
                    observer("active", intid=intid, active=now, virtual=False)
            self._seen_active = active

    def update(self) -> None:
        """Recompute nIRQ: a Group 1 interrupt beats the threshold (IHI 0069 4.7 "priority masking")."""
        if self.observer is not None:
            self._observe_active(self.observer)
        best = self.hppi(1)
        self.irq_out.set(best is not None and best[1] < self._threshold)
