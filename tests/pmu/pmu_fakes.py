"""A fake event source and a PMU wired to a registry, for the PMU tests."""

from __future__ import annotations

from emu.irq import IrqLine
from emu.pmu import Pmu
from emu.sysreg import AccessContext, Decision, Outcome, Registry, access


class FakeSource:
    """An EventSource whose totals the test advances."""

    def __init__(self) -> None:
        self.totals: dict[tuple[int, int], int] = {}

    def total(self, el: int, event: int) -> int:
        return self.totals.get((el, event), 0)

    def advance(self, el: int, event: int, n: int = 1) -> None:
        self.totals[el, event] = self.total(el, event) + n


class Rig:
    """A PMU, its source, its interrupt line and a registry of its registers."""

    def __init__(self, n: int = 6, *, pmuv3p5: bool = False) -> None:
        self.source = FakeSource()
        self.line = IrqLine("pmu")
        self.pmu = Pmu(self.source, self.line, n=n, pmuv3p5=pmuv3p5)
        self.registry = Registry(self.pmu.sysregs)

    def ctx(self, el: int, is_read: bool, *, hcr: int = 0, mdcr: int | None = None) -> AccessContext:
        return AccessContext(el, is_read, hcr, self.pmu.mdcr_el2 if mdcr is None else mdcr)

    def access(self, name: str, el: int, is_read: bool, value: int = 0, *, hcr: int = 0, mdcr: int | None = None) -> Outcome:
        encoding = self.registry.by_name(name).encoding
        return access(self.registry, encoding, self.ctx(el, is_read, hcr=hcr, mdcr=mdcr), value)

    def read(self, name: str, el: int = 2) -> int:
        outcome = self.access(name, el, True)
        assert outcome.decision is Decision.OK, (name, el, outcome)
        return outcome.value

    def write(self, name: str, value: int, el: int = 2) -> None:
        outcome = self.access(name, el, False, value)
        assert outcome.decision is Decision.OK, (name, el, outcome)

    def count(self, counter: int, event: int, *, filt: int = 0) -> None:
        """Program event counter `counter` (at EL2) and enable it and PMCR_EL0.E."""
        self.write(f"PMEVTYPER{counter}_EL0", filt | event)
        self.write("PMCNTENSET_EL0", 1 << counter)
        self.write("PMCR_EL0", self.read("PMCR_EL0") | 1)
