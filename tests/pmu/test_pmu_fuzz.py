"""Nothing a guest writes to a PMU register raises: random values at every EL, every register,
through the router, with the counters running between writes (fixed seed: deterministic)."""

from __future__ import annotations

import random

import pytest

from emu.irq import IrqLine
from emu.pmu import Pmu
from emu.sysreg import router
from emu.sysreg.desc import AccessContext
from emu.sysreg.registry import Registry


class Source:
    def __init__(self) -> None:
        self.n = 0

    def total(self, el: int, event: int) -> int:
        return self.n * (el + 1) * (event + 1)


@pytest.mark.parametrize("pmuv3p5", [False, True])
def test_random_writes_and_reads_never_raise(pmuv3p5: bool) -> None:
    rng = random.Random(2026)
    source = Source()
    pmu = Pmu(source, IrqLine("pmu"), n=6, pmuv3p5=pmuv3p5)
    registry = Registry(pmu.sysregs)
    regs = list(registry)
    for _ in range(20_000):
        reg = rng.choice(regs)
        el = rng.randrange(3)
        hcr = rng.choice((0, 1 << 27, 1 << 31))
        is_read = rng.random() < 0.5
        value = rng.getrandbits(64)
        ctx = AccessContext(el, is_read, hcr, pmu.mdcr_el2)
        outcome = router.access(registry, reg.encoding, ctx, value)
        assert 0 <= outcome.value < 2**64
        source.n += rng.randrange(1000)
        pmu.sync()
        for watch in pmu.watches():
            assert watch.remaining > 0 and 0 < watch.el_mask < 8
        assert all(0 <= value <= pmu.counter_mask for value in pmu.pmevcntr)
