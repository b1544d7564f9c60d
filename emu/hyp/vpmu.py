"""The emulated guest PMU of the `emulated` strategy (KVM's arch/arm64/kvm/pmu-emul.c): a second
`Pmu` whose events are the core's events while the guest runs, reached through trapped PMU
register accesses (MDCR_EL2.TPM, EC 0x18), with a virtual overflow line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from emu.arch.esr import decode_sys64
from emu.core.exceptions import GuestExit
from emu.irq import IrqLine
from emu.pmu import Pmu
from emu.pmu.pmu import SOURCE_EVENTS
from emu.pmu.source import EventSource
from emu.sysreg import router
from emu.sysreg.desc import AccessContext, Decision
from emu.sysreg.registry import Registry

if TYPE_CHECKING:
    from emu.machine import Machine

_KEYS = tuple((el, event) for el in (0, 1, 2) for event in sorted(SOURCE_EVENTS))


class GuestEvents:
    """An EventSource that counts what `source` counts, but only between start() and stop()
    (the guest's time on the core; KVM's guest perf events exclude the host)."""

    def __init__(self, source: EventSource) -> None:
        self._source = source
        self.live = False
        self._accum = dict.fromkeys(_KEYS, 0)
        self._since: dict[tuple[int, int], int] = {}

    def start(self) -> None:
        self._since = {key: self._source.total(*key) for key in _KEYS}
        self.live = True

    def stop(self) -> None:
        for key in _KEYS:
            self._accum[key] += self._source.total(*key) - self._since[key]
        self.live = False

    def total(self, el: int, event: int) -> int:
        key = (el, event)
        value = self._accum.get(key, 0)
        if self.live and key in self._since:
            value += self._source.total(el, event) - self._since[key]
        return value


class VirtualPmu:
    """The vcpu's PMU: PMCR_EL0.N as the physical one, counting the guest's own events."""

    def __init__(self, machine: "Machine") -> None:
        self.machine = machine
        self.source = GuestEvents(machine.pmu.source)
        self.line = IrqLine("vcpu PMU overflow")
        self.pmu = Pmu(self.source, self.line, n=machine.pmu.n, pmuv3p5=machine.pmu.pmuv3p5)
        self.registry = Registry(self.pmu.sysregs)
        self.on_level: Callable[[bool], None] = lambda level: None
        self.line.connect(lambda level: self.on_level(level))
        machine.extra_watches.append(self._watches)
        machine.extra_syncs.append(self._sync)

    def reset(self) -> None:
        if self.source.live:
            self.source.stop()
        self.pmu.reset()

    def start(self) -> None:
        self.pmu.sync()
        self.source.start()
        self.pmu.update(lambda: None)  # re-base on the live totals

    def stop(self) -> None:
        self.pmu.sync()
        self.source.stop()
        self.pmu.update(lambda: None)

    def _sync(self) -> None:
        if self.source.live:
            self.pmu.sync()

    def _watches(self) -> list[tuple[int, int, int]]:
        """While the guest runs, its counters' next overflows are watches on the core."""
        if not self.source.live:
            return []
        self.pmu.sync()
        return [(w.event, w.el_mask, w.remaining) for w in self.pmu.watches()]

    def handles(self, exit: GuestExit) -> bool:
        if exit.esr is None:
            return False
        enc, _, _ = decode_sys64(exit.esr & 0x1FF_FFFF)
        return enc in self.registry

    def emulate(self, exit: GuestExit) -> None:
        """Perform the trapped access on the emulated PMU as an EL1 access with no traps
        (MDCR_EL2.HPMN = N); an access that is UNDEFINED there is an UNDEFINED exception in the
        guest's eyes, which emu resolves as RAZ/WI (documented in docs/world-switch.md)."""
        assert exit.esr is not None
        enc, rt, is_read = decode_sys64(exit.esr & 0x1FF_FFFF)
        cpu = self.machine.cpu
        value = cpu.x(rt) if rt != 31 else 0
        ctx = AccessContext(1, is_read, 0, self.pmu.mdcr_el2)
        outcome = router.access(self.registry, enc, ctx, value)
        if is_read and rt != 31:
            cpu.set_x(rt, outcome.value if outcome.decision is Decision.OK else 0)
        if not is_read and outcome.decision is Decision.OK:
            reg = self.registry.get(enc)
            self.machine.events.publish("vpmu.write", self.machine.processor.insns, register=reg.name if reg else "?",
                                        value=value)
