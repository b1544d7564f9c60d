"""The verdict of one scenario run: what became of every host and guest counter overflow
(docs/world-switch.md, "Verdicts"). It reads the event stream (`vm.overflow`,
`vm.overflow_cleared`, `hyp.phase`) and, at the end, the handlers' counters in guest memory and
the GIC's state; nothing else.

An overflow is *handled* (host) or *delivered* (guest) when its owner's handler clears the
counter's overflow flag (PMOVSCLR_EL0) after it was raised; several overflows of one counter
raised before one clear are all handled by it (the flag is one bit). The delay is the cycles from
the overflow to that clear. One never cleared by the end of the run is *lost* (host) or
*missed* (guest).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from emu.events import Event

if TYPE_CHECKING:
    from emu.machine import Machine

# The fixed keys of a verdict (JSON and table), in order.
KEYS = ("host_raised", "host_handled", "host_lost", "host_delay_max", "host_left_active",
        "guest_raised", "guest_delivered", "guest_missed", "guest_delay_max", "guest_spurious",
        "left_active", "spi_raised", "spi_handled")


@dataclass
class Verdict:
    """Counts for one run; delays in emulated cycles (0 when nothing was handled)."""

    host_raised: int = 0
    host_handled: int = 0
    host_lost: int = 0
    host_delay_max: int = 0
    host_left_active: int = 0  # PMU IRQs the host's handler left active as forwarded to a vcpu
    guest_raised: int = 0
    guest_delivered: int = 0
    guest_missed: int = 0
    guest_delay_max: int = 0
    guest_spurious: int = 0  # PMU interrupts the guest took that were not its own, and 1023s
    left_active: int = 0  # 1 if INTID 23 (or the PMU's list register) is active at the end
    spi_raised: int = 0  # SPIs the race explorer raised (its `spi` event)
    spi_handled: int = 0  # ... that the host's handler took
    error: str = ""  # set when the run stopped with an emulator error (a strategy that raised)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def loses(self) -> bool:
        return self.host_lost > 0 or self.guest_missed > 0

    def outcome(self) -> str:
        """A one-word class of the run, for the race explorer's table."""
        if self.error:
            return "error"
        parts = []
        if self.host_lost:
            parts.append("host-lost")
        if self.guest_missed:
            parts.append("guest-missed")
        if self.guest_spurious:
            parts.append("guest-spurious")
        if self.left_active:
            parts.append("left-active")
        if self.spi_handled < self.spi_raised:
            parts.append("spi-lost")
        return "+".join(parts) if parts else "ok"


@dataclass
class _Track:
    raised: list[int] = field(default_factory=list)  # cycles of overflows not yet cleared
    handled: int = 0
    delay_max: int = 0
    total: int = 0


class Recorder:
    """Subscribe before the run; `verdict(machine)` after it."""

    def __init__(self) -> None:
        self._tracks = {"host": _Track(), "guest": _Track()}
        self._spis = 0

    def __call__(self, event: Event) -> None:
        if event.name == "vm.spi":
            self._spis += 1
        elif event.name == "vm.overflow":
            track = self._tracks[event.fields["owner"]]
            track.raised.append(event.fields["cycle"])
            track.total += 1
        elif event.name == "vm.overflow_cleared":
            track = self._tracks[event.fields["owner"]]
            cycle = event.fields["cycle"]
            for raised in track.raised:
                track.delay_max = max(track.delay_max, cycle - raised)
            track.handled += len(track.raised)
            track.raised.clear()

    def verdict(self, machine: "Machine", error: str = "") -> Verdict:
        host, guest = self._tracks["host"], self._tracks["guest"]
        mem = _counters(machine)
        lr_active = any(lr >> 63 & 1 for lr in _pmu_lrs(machine))
        return Verdict(
            host_raised=host.total, host_handled=host.handled, host_lost=len(host.raised),
            host_delay_max=host.delay_max, host_left_active=mem.get("host_left_active", 0),
            guest_raised=guest.total, guest_delivered=guest.handled, guest_missed=len(guest.raised),
            guest_delay_max=guest.delay_max,
            guest_spurious=mem.get("guest_not_mine", 0) + mem.get("guest_spurious", 0),
            left_active=int(machine.gic.irqs[23].active or lr_active),
            spi_raised=self._spis, spi_handled=mem.get("host_spi", 0), error=error,
        )


def _counters(machine: "Machine") -> dict[str, int]:
    image = machine.image
    out: dict[str, int] = {}
    if image is None:
        return out
    for name in ("host_left_active", "guest_not_mine", "guest_spurious", "host_spi"):
        if name in image.symbols:
            out[name] = int.from_bytes(machine.uc.mem_read(image.symbols[name], 8), "little")
    return out


def _pmu_lrs(machine: "Machine") -> list[int]:
    hyp = machine.hypervisor
    vcpu = getattr(hyp, "vcpu", None)
    lrs = list(getattr(vcpu, "lrs", []) or [])
    return [lr for lr in lrs if lr & 0xFFFF_FFFF == 23]
