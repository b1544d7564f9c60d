"""The state of one INTID (GIC architecture specification IHI 0069, 4.1 "Interrupt lifecycle").

Pending is not stored as one bit: it is a latch (set by a rising edge of an edge-triggered
interrupt or by a GICx_ISPENDR write, cleared by GICx_ICPENDR and by acknowledgement) OR'd, for a
level-sensitive interrupt, with the input line (IHI 0069 4.1.2 "Interrupt handling state
machine": a level-sensitive interrupt stays pending while its signal is asserted; the
GICD_ISPENDR/GICD_ICPENDR descriptions: a pending state set by software on a level-sensitive
interrupt remains until acknowledged or cleared by GICx_ICPENDR, and GICx_ICPENDR does not clear the
pending state of an asserted level-sensitive interrupt). An acknowledged level interrupt whose line
is still high is therefore active and pending; active keeps it from being signalled again, and
once it is deactivated it is pending (and signalled) again. QEMU 7.2's hw/intc/arm_gicv3 keeps the
same split: a pending latch plus the line level, pending = latch | (level & ~edge_trigger).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

SGI_COUNT = 16
PRIVATE_COUNT = 32


class Lifecycle(Enum):
    """The four states of IHI 0069 4.1.2."""

    INACTIVE = "inactive"
    PENDING = "pending"
    ACTIVE = "active"
    ACTIVE_PENDING = "active and pending"


@dataclass
class IntState:
    """One INTID: configuration (enable, group, priority, trigger, route) and lifecycle state.

    `router` is the GICD_IROUTER<n> value and means something for SPIs only."""

    edge: bool = False
    enabled: bool = False
    group1: bool = False
    priority: int = 0
    router: int = 0
    latch: bool = False
    line: bool = False
    active: bool = False

    @property
    def pending(self) -> bool:
        """The pending state as GICx_ISPENDR reads it (IHI 0069 4.1.2)."""
        return self.latch or (self.line and not self.edge)

    @property
    def lifecycle(self) -> Lifecycle:
        if self.active:
            return Lifecycle.ACTIVE_PENDING if self.pending else Lifecycle.ACTIVE
        return Lifecycle.PENDING if self.pending else Lifecycle.INACTIVE

    def drive(self, level: bool) -> None:
        """The input line changed: a rising edge latches pending for an edge-triggered interrupt
        (IHI 0069 4.1.2); a level-sensitive interrupt follows the line through `pending`."""
        if level and not self.line and self.edge:
            self.latch = True
        self.line = level

    def set_pending(self) -> None:
        """GICx_ISPENDR write of 1 (and an SGI being generated)."""
        self.latch = True

    def clear_pending(self) -> None:
        """GICx_ICPENDR write of 1: clears the latch; an asserted level line keeps it pending."""
        self.latch = False

    def acknowledge(self) -> None:
        """Pending to active (or active and pending while a level line stays high): IHI 0069 4.1.2,
        the effect of a read of ICC_IAR1_EL1 that returns this INTID."""
        self.active = True
        self.latch = False

    def deactivate(self) -> None:
        """Active to inactive, or active and pending to pending (ICC_EOIR1_EL1 with EOImode 0,
        ICC_DIR_EL1, GICx_ICACTIVER)."""
        self.active = False
