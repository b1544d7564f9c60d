"""Bad guest input to the GIC gives architectural behaviour, never a Python exception: reserved
offsets, wrong widths and unaligned MMIO, every ICC_* / ICH_* / ICV_* register written with
arbitrary 64-bit values, EOIs of inactive or out-of-range INTIDs, and list registers naming
invalid pINTIDs. Property tests drive random sequences through the entry points the bus and the
system register router use; exact tests pin the documented answers (docs/decisions.md, "GIC");
one guest shows what the Unicorn bus does with unaligned and 64-bit accesses to GICD."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from emu.arch.sysregs import HCR_FMO, HCR_IMO
from emu.gic import CpuInterface, GICv3, Lifecycle, VirtualCpuInterface, icv
from emu.gic.distributor import IROUTER_AFFINITY
from emu.gic.state import SGI_COUNT
from emu.gic.vcpuif import HCR_EN, HCR_WRITABLE, LR_STATE, LR_VINTID
from emu.sysreg import AccessContext, Decision, Registry, access
from tests.conftest import machine_for, symbols_of

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HAVE_HYPOTHESIS = True  # a test dependency (pyproject's [test] extra): a missing one fails loudly

GICD_SIZE, GICR_SIZE, SGI_BASE = 0x1_0000, 0x2_0000, 0x1_0000
MASK64 = (1 << 64) - 1
INTID_MAINTENANCE = 25
SIZES = (1, 2, 4, 8)
PENDED = (1, 20, 40, 41, 100, 287)

# Offsets the GIC architecture reserves (or gives to features emu does not implement, so RAZ/WI):
# GICD 0x0F30 (after SPENDSGIR), 0x1000-0x5FFC (extended SPI ranges, no ESPI), IROUTER of a special
# INTID (0x6000 + 8 * 1020), 0x8000-0xBFFC (IROUTER<n>E), 0xFFCC.
GICD_RESERVED = (0x0F30, 0x0F7C, 0x1000, 0x2000, 0x5FFC, 0x6000 + 8 * 1020, 0x8000, 0xA004, 0xFFCC)
# With the default 256 SPIs, the registers of INTIDs 288-1019 are RAZ/WI too (beyond ITLinesNumber).
GICD_UNIMPLEMENTED = (0x6000 + 8 * 300, 0x7FD8, 0x0080 + 4 * 9, 0x0100 + 4 * 31, 0x0400 + 300, 0x0C00 + 4 * 20)
# GICR RD_base 0x0040, 0x0200, 0x8000; SGI_base 0x0000, 0x0084 (IGROUPR1E, no EPPI), 0x0500, 0x0C08,
# 0x1000, 0xFFFC.
GICR_RESERVED = (0x0040, 0x0200, 0x8000, 0xFFCC,
                 SGI_BASE, SGI_BASE + 0x0084, SGI_BASE + 0x0500, SGI_BASE + 0x0C08, SGI_BASE + 0x1000,
                 SGI_BASE + 0xFFFC)


def lr(vintid: int, priority: int, state: int = 1, group: int = 1, hw: bool = False, pintid: int = 0) -> int:
    """An ICH_LR<n>_EL2 value."""
    return state << 62 | int(hw) << 61 | group << 60 | priority << 48 | pintid << 32 | vintid


class Pe:
    """A GIC with its physical and virtual CPU interfaces wired as `emu.machine` wires them: the
    maintenance interrupt on PPI 25, ICC_*/ICH_* through the router, ICV_* through `icv`."""

    def __init__(self, num_spis: int = 256, priority_bits: int = 5, list_registers: int = 4,
                 virtual_priority_bits: int = 5) -> None:
        self.gic = GICv3(num_spis, priority_bits)
        self.cpuif = CpuInterface(self.gic)
        self.vcpuif = VirtualCpuInterface(self.gic, list_registers=list_registers,
                                          priority_bits=virtual_priority_bits)
        self.vcpuif.maintenance.connect(self.gic.line(INTID_MAINTENANCE).set)
        self.registry = Registry(self.cpuif.sysregs + self.vcpuif.sysregs)
        self.names = sorted(reg.name for reg in self.registry)
        self.icv_reads, self.icv_writes = icv.reads(self.vcpuif), icv.writes(self.vcpuif)

    def mmio(self, frame: str) -> Any:
        return self.gic.distributor if frame == "gicd" else self.gic.redistributor

    def sysreg(self, name: str, is_read: bool, value: int = 0, el: int = 2, hcr: int = 0) -> int:
        outcome = access(self.registry, self.registry.by_name(name).encoding, AccessContext(el, is_read, hcr, 0),
                         value)
        assert outcome.decision is Decision.OK
        return outcome.value

    def mrs(self, name: str) -> int:
        return self.sysreg(name, True)

    def msr(self, name: str, value: int) -> None:
        self.sysreg(name, False, value)

    def setup(self, busy: bool = True) -> None:
        """Every INTID Group 1, enabled, priority 0x80; Group 1 on at GICD and the CPU interface,
        the virtual interface enabled with VENG1 and VPMR 0xF8; with `busy`, a few INTIDs pending
        and every list register pending (one HW = 1), so that acknowledges find something."""
        d, r = self.gic.distributor, self.gic.redistributor
        d.write(0x0, 4, 0x2)
        for word in range(self.gic.num_irqs // 32):
            frame, offset = (r, SGI_BASE + 4 * word) if word == 0 else (d, 4 * word)
            frame.write(offset + 0x080, 4, 0xFFFF_FFFF)
            frame.write(offset + 0x100, 4, 0xFFFF_FFFF)
        for intid in range(self.gic.num_irqs):
            frame, offset = (r, SGI_BASE) if intid < 32 else (d, 0)
            frame.write(offset + 0x400 + intid, 1, 0x80)
        self.msr("ICC_PMR_EL1", 0xFF)
        self.msr("ICC_IGRPEN1_EL1", 1)
        self.msr("ICH_HCR_EL2", HCR_EN)
        self.msr("ICH_VMCR_EL2", 0xF8 << 24 | 3 << 18 | 1 << 1)
        if not busy:
            return
        for intid in PENDED:
            self.pend(intid)
        values = (lr(40, 0x80), lr(41, 0x70, hw=True, pintid=41), lr(1021, 0x60), lr(27, 0x90))
        for n in range(self.vcpuif.list_registers):
            self.msr(f"ICH_LR{n}_EL2", values[n % len(values)])

    def pend(self, intid: int) -> None:
        """GICx_ISPENDR write of 1 for `intid`."""
        frame, base = (self.gic.redistributor, SGI_BASE) if intid < 32 else (self.gic.distributor, 0)
        frame.write(base + 0x200 + 4 * (intid // 32), 4, 1 << intid % 32)

    def snapshot(self) -> tuple[object, ...]:
        c, v = self.cpuif, self.vcpuif
        return ([dataclasses.replace(s) for s in self.gic.irqs], list(self.gic.group_enabled),
                self.gic.redistributor.processor_sleep, c.pmr, c.bpr1, c.eoi_mode, c.group1_enabled,
                c.active_priorities, v.hcr, list(v.lrs), v.veng1, v.veoim, v.vbpr1, v.vpmr, v.active_priorities)


def check_invariants(pe: Pe) -> None:
    """Cheap consistency of the whole model after any step."""
    gic, c, v = pe.gic, pe.cpuif, pe.vcpuif
    for intid, s in enumerate(gic.irqs):
        assert s.lifecycle in Lifecycle
        assert s.priority & ~gic.priority_mask == 0
        assert s.router & ~IROUTER_AFFINITY == 0
        if intid < SGI_COUNT:
            assert s.edge  # GICR_ICFGR0 is read-only
    best = gic.hppi(1)
    assert gic.irq_out.level == (best is not None and best[1] < gic.threshold)
    assert gic.threshold == c.threshold()
    assert c.pmr & ~gic.priority_mask == 0 and c.min_bpr1 <= c.bpr1 <= 7
    assert 0 <= c.active_priorities < 1 << (256 >> c.min_bpr1)
    assert c.running_priority() == 0xFF or c.running_priority() & ((1 << c.min_bpr1) - 1) == 0
    assert all(0 <= x <= v.lr_mask and x & ~v.lr_mask == 0 for x in v.lrs)
    assert v.hcr & ~HCR_WRITABLE == 0 and 0 <= v.eoi_count < 32
    assert v.vpmr & ~v.priority_mask == 0 and v.min_bpr1 <= v.vbpr1 <= 7
    assert 0 <= v.active_priorities < 1 << (32 * v.ap_registers)
    assert v.maintenance.level == (bool(v.hcr & HCR_EN) and v.misr() != 0)
    assert gic.irqs[INTID_MAINTENANCE].line == v.maintenance.level
    assert v.virq_out.level == (v._signalled() is not None)


def mmio_step(pe: Pe, frame: str, is_write: bool, offset: int, size: int, value: int) -> None:
    device = pe.mmio(frame)
    if is_write:
        assert device.write(offset, size, value) is None
        return
    before = pe.snapshot()
    result = device.read(offset, size)
    assert isinstance(result, int) and 0 <= result < 1 << (8 * size)
    assert pe.snapshot() == before  # no GICD/GICR register is read-sensitive (no LPIs)
    assert device.read(offset, size) == result


def sysreg_step(pe: Pe, which: str | int, is_read: bool, value: int, el: int, hcr: int) -> None:
    """MRS or MSR of a register named, or chosen by index among this PE's (list register numbers
    wrap at the PE's count)."""
    if isinstance(which, int):
        name = pe.names[which % len(pe.names)]
    elif which.startswith("ICH_LR"):
        name = f"ICH_LR{int(which[6:-4]) % pe.vcpuif.list_registers}_EL2"
    else:
        name = which
    reg = pe.registry.by_name(name)
    was_active = {n for n, s in enumerate(pe.gic.irqs) if s.active}
    outcome = access(pe.registry, reg.encoding, AccessContext(el, is_read, hcr, 0), value)
    assert outcome.decision in Decision
    assert 0 <= outcome.value <= MASK64
    if outcome.decision is not Decision.OK or not is_read:
        return
    if name in ("ICC_IAR1_EL1", "ICC_HPPIR1_EL1"):
        assert outcome.value < pe.gic.num_irqs or outcome.value == 1023
        if name == "ICC_IAR1_EL1" and outcome.value != 1023:
            assert outcome.value not in was_active and pe.gic.irqs[outcome.value].active
    elif name == "ICC_RPR_EL1":
        assert outcome.value <= 0xFF


def icv_step(pe: Pe, index: int, is_read: bool, value: int) -> None:
    """An EL1 access with HCR_EL2.IMO = 1, as `Machine.system_register` dispatches it."""
    v = pe.vcpuif
    if is_read:
        encoding = sorted(pe.icv_reads)[index % len(pe.icv_reads)]
        lrs = list(v.lrs)
        result = pe.icv_reads[encoding]() & MASK64
        assert 0 <= result <= MASK64
        if encoding == icv.ICC_IAR1_EL1 and result != 1023:
            # The vINTID of a list register that was pending; now active, or invalid for a special one.
            after = 0 if 1020 <= result <= 1023 else 2
            assert any(old & LR_VINTID == result and old >> 62 == 1 and new >> 62 == after
                       for old, new in zip(lrs, v.lrs))
        elif encoding == icv.ICC_HPPIR1_EL1 and result != 1023:
            assert any(x & LR_VINTID == result for x in v.lrs)
    else:
        encoding = sorted(pe.icv_writes)[index % len(pe.icv_writes)]
        pe.icv_writes[encoding](value & MASK64)


def line_step(pe: Pe, intid: int, level: bool) -> None:
    """A device drives the line of a PPI or SPI of this GIC (not the maintenance PPI the virtual
    interface drives)."""
    intid = SGI_COUNT + (intid - SGI_COUNT) % (pe.gic.num_irqs - SGI_COUNT)
    if intid != INTID_MAINTENANCE:
        pe.gic.line(intid).set(level)


def handler_step(pe: Pe, virtual: bool, deactivate: bool) -> None:
    """What an interrupt handler does: acknowledge, then EOI what it got (and DIR with `deactivate`),
    through the ICV_* view or the ICC_* registers."""
    if virtual:
        intid = pe.icv_reads[icv.ICC_IAR1_EL1]()
        pe.icv_writes[icv.ICC_EOIR1_EL1](intid)
        if deactivate:
            pe.icv_writes[icv.ICC_DIR_EL1](intid)
        return
    intid = pe.sysreg("ICC_IAR1_EL1", True, el=1)
    pe.sysreg("ICC_EOIR1_EL1", False, intid, el=1)
    if deactivate:
        pe.sysreg("ICC_DIR_EL1", False, intid, el=1)


# ---------------------------------------------------------------------------------------------
# Property tests.

if HAVE_HYPOTHESIS:
    u64 = st.integers(0, MASK64)
    # INTIDs as a guest gets them wrong: SGIs, PPIs, SPIs, unimplemented SPIs, specials, LPI range, huge.
    intids = st.one_of(st.sampled_from((*PENDED, 27, 1021)), st.integers(0, 1023), st.sampled_from([1020, 1021, 1022, 1023, 8192, 0xFF_FFFF]),
                       st.integers(1024, 0xFF_FFFF), u64)
    pintids = st.one_of(st.integers(0, 15), st.integers(16, 31), st.integers(32, 287), st.integers(288, 1023))
    lr_values = st.one_of(
        u64,
        st.builds(lambda state, hw, group, prio, p, vid, extra: lr(vid, prio, state, group, hw, p) | extra,
                  st.integers(0, 3), st.booleans(), st.integers(0, 1), st.integers(0, 0xFF), pintids,
                  st.one_of(st.integers(0, 1023), st.sampled_from([1020, 1023, 0xFF_FFFF, 0xFFFF_FFFF])),
                  st.sampled_from([0, 1 << 41, 0xF << 56, 0x3F << 42])),
    )
    sgi1r_values = st.one_of(u64, st.builds(lambda intid, target, extra: intid << 24 | target | extra,
                                            st.integers(0, 15), st.integers(0, 0xFFFF),
                                            st.sampled_from([0, 1 << 40, 1 << 16, 1 << 32, 0xF << 44, 1 << 48])))

    # Offsets: anywhere in the frame, or near a register (bases of GICD/GICR registers plus 0-7).
    _GICD_NEAR = (0x0, 0x4, 0x8, 0x80, 0x84, 0x100, 0x104, 0x180, 0x200, 0x280, 0x300, 0x380, 0x3FC, 0x400,
                  0x420, 0x7FC, 0xC00, 0xC08, 0xCFC, 0xD00, 0xF00, 0x6100, 0x6108, 0x68F8, 0x6900, 0xFFD0, 0xFFE8)
    _GICR_NEAR = (0x0, 0x4, 0x8, 0xC, 0x14, 0xFFD0, 0xFFE8, *(SGI_BASE + o for o in _GICD_NEAR if o < 0x1000))

    def _offsets(frame_size: int, near: tuple[int, ...]) -> st.SearchStrategy[int]:
        return st.one_of(st.integers(0, frame_size - 1),
                         st.builds(lambda base, delta: min(base + delta, frame_size - 1), st.sampled_from(near),
                                   st.integers(0, 7)))

    mmio_ops = st.one_of(
        st.tuples(st.just("mmio"), st.just("gicd"), st.booleans(), _offsets(GICD_SIZE, _GICD_NEAR),
                  st.sampled_from(SIZES), u64),
        st.tuples(st.just("mmio"), st.just("gicr"), st.booleans(), _offsets(GICR_SIZE, _GICR_NEAR),
                  st.sampled_from(SIZES), u64),
    )
    _EOI_LIKE = ("ICC_EOIR1_EL1", "ICC_DIR_EL1")
    sysreg_ops = st.one_of(
        st.tuples(st.just("sysreg"), st.integers(0, 63), st.booleans(), u64, st.integers(0, 2),
                  st.sampled_from([0, HCR_IMO, HCR_FMO, HCR_IMO | HCR_FMO])),
        st.tuples(st.just("sysreg"), st.sampled_from(_EOI_LIKE), st.just(False), intids, st.just(1), st.just(0)),
        st.tuples(st.just("sysreg"), st.just("ICC_SGI1R_EL1"), st.just(False), sgi1r_values, st.sampled_from([1, 2]),
                  st.just(0)),
        st.tuples(st.just("sysreg"), st.sampled_from([f"ICH_LR{n}_EL2" for n in range(16)]), st.just(False),
                  lr_values, st.just(2), st.just(0)),
        st.tuples(st.just("sysreg"), st.just("ICC_IAR1_EL1"), st.just(True), st.just(0), st.just(1), st.just(0)),
        st.tuples(st.just("sysreg"), st.just("ICC_CTLR_EL1"), st.just(False), st.integers(0, 3), st.just(1),
                  st.just(0)),
    )
    icv_ops = st.one_of(
        st.tuples(st.just("icv"), st.integers(0, 31), st.booleans(), st.one_of(u64, intids)),
        st.tuples(st.just("icv"), st.just(sorted(icv.reads(VirtualCpuInterface(GICv3()))).index(icv.ICC_IAR1_EL1)),
                  st.just(True), st.just(0)),
        st.tuples(st.just("icv_eoi"), st.sampled_from([icv.ICC_EOIR1_EL1, icv.ICC_DIR_EL1]), intids),
    )
    pend_ops = st.one_of(st.tuples(st.just("pend"), st.integers(0, 287)),
                         st.tuples(st.just("handler"), st.booleans(), st.booleans()))
    line_ops = st.tuples(st.just("line"), st.integers(SGI_COUNT, 287).filter(lambda i: i != INTID_MAINTENANCE),
                         st.booleans())

    def _run(pe: Pe, ops: list[tuple[Any, ...]]) -> None:
        steps: dict[str, Callable[..., None]] = {
            "mmio": lambda *a: mmio_step(pe, *a),
            "sysreg": lambda *a: sysreg_step(pe, *a),
            "icv": lambda *a: icv_step(pe, *a),
            "icv_eoi": lambda encoding, value: pe.icv_writes[encoding](value),
            "line": lambda intid, level: line_step(pe, intid, level),
            "pend": pe.pend,
            "handler": lambda virtual, deactivate: handler_step(pe, virtual, deactivate),
        }
        check_invariants(pe)
        for kind, *args in ops:
            steps[kind](*args)
            check_invariants(pe)
        for frame, offsets in (("gicd", GICD_RESERVED), ("gicr", GICR_RESERVED)):
            for offset in offsets:
                for size in SIZES:
                    assert pe.mmio(frame).read(offset, size) == 0

    _SETTINGS = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

    @_SETTINGS
    @given(st.lists(mmio_ops, max_size=40))
    def test_random_mmio_never_raises(ops: list[tuple[Any, ...]]) -> None:
        pe = Pe()
        _run(pe, ops)

    @_SETTINGS
    @given(st.lists(mmio_ops, max_size=25))
    def test_random_mmio_on_a_configured_gic_never_raises(ops: list[tuple[Any, ...]]) -> None:
        pe = Pe()
        pe.setup()
        _run(pe, ops)

    @_SETTINGS
    @given(st.lists(st.one_of(sysreg_ops, icv_ops, line_ops, pend_ops), max_size=40))
    def test_random_system_register_accesses_never_raise(ops: list[tuple[Any, ...]]) -> None:
        pe = Pe()
        pe.setup()
        _run(pe, ops)

    @_SETTINGS
    @given(st.lists(st.one_of(mmio_ops, sysreg_ops, icv_ops, line_ops, pend_ops), max_size=40))
    def test_random_mixed_sequences_never_raise(ops: list[tuple[Any, ...]]) -> None:
        pe = Pe()
        pe.setup()
        _run(pe, ops)

    @pytest.mark.parametrize("shape", [
        {"num_spis": 32, "priority_bits": 4, "list_registers": 1, "virtual_priority_bits": 8},
        {"num_spis": 960, "priority_bits": 8, "list_registers": 16, "virtual_priority_bits": 7},
    ])
    @settings(_SETTINGS, max_examples=20)
    @given(ops=st.lists(st.one_of(mmio_ops, sysreg_ops, icv_ops, line_ops, pend_ops), max_size=40))
    def test_random_mixed_sequences_on_other_configurations(shape: dict[str, int],
                                                            ops: list[tuple[Any, ...]]) -> None:
        pe = Pe(**shape)
        pe.setup()
        _run(pe, ops)


# ---------------------------------------------------------------------------------------------
# Exact answers.

@pytest.fixture
def pe() -> Pe:
    pe = Pe()
    pe.setup(busy=False)
    return pe


def test_reserved_offsets_read_zero_and_ignore_writes(pe: Pe) -> None:
    before = pe.snapshot()
    for frame, offsets in (("gicd", GICD_RESERVED + GICD_UNIMPLEMENTED), ("gicr", GICR_RESERVED)):
        for offset in offsets:
            for size in SIZES:
                pe.mmio(frame).write(offset, size, MASK64)
                assert pe.mmio(frame).read(offset, size) == 0
    assert pe.snapshot() == before


def test_wrong_width_and_unaligned_accesses_are_raz_wi() -> None:
    """At the device: 32-bit registers take only aligned 32-bit accesses, IPRIORITYR aligned 8 and
    32-bit ones, IROUTER and GICR_TYPER aligned 32 and 64-bit ones; anything else is RAZ/WI."""
    pe = Pe()
    d, r = pe.gic.distributor, pe.gic.redistributor
    before = pe.snapshot()
    for size in (1, 2, 8):
        d.write(0x0, size, 0x2)  # GICD_CTLR.EnableGrp1
        d.write(0x104, size, 0xFFFF_FFFF)  # GICD_ISENABLER1
        assert d.read(0x0, size) == 0 and d.read(0x4, size) == 0
    d.write(0x1, 4, 0x2)
    d.write(0x106, 4, 0xFFFF_FFFF)
    d.write(0x421, 4, 0xFFFF_FFFF)  # unaligned IPRIORITYR word
    d.write(0x422, 2, 0xFFFF)  # IPRIORITYR halfword
    d.write(0x6104, 8, MASK64)  # unaligned 64-bit IROUTER32
    d.write(0x6102, 4, MASK64)
    r.write(SGI_BASE + 0x101, 4, 0xFFFF)  # unaligned GICR_ISENABLER0
    r.write(0x14, 8, 0)  # 64-bit GICR_WAKER
    r.write(0x14, 2, 0)
    assert r.read(0xC, 8) == 0 and r.read(0x9, 4) == 0 and r.read(0x14, 8) == 0
    assert pe.snapshot() == before
    assert r.read(0x8, 8) == 0x10 and r.read(0x8, 4) == 0x10 and r.read(0xC, 4) == 0  # GICR_TYPER.Last
    assert d.read(0x0, 4) == 0x50  # ARE | DS; the wrong-width writes changed nothing
    d.write(0x6100, 8, MASK64)  # IROUTER32: Aff3.Aff2.Aff1.Aff0 kept, IRM (bit 31) and RES0 dropped
    assert d.read(0x6100, 8) == IROUTER_AFFINITY and d.read(0x6104, 4) == 0xFF


def test_eoi_of_an_inactive_or_out_of_range_intid(pe: Pe) -> None:
    """ICC_EOIR1_EL1 always drops the highest active priority; naming an INTID that is not active
    deactivates nothing; an INTID >= the GIC's INTID count (1020-1023, huge) or an EOI with no
    active priority is ignored entirely (as QEMU 7.2)."""
    before = pe.snapshot()
    for value in (40, 1020, 1023, 0xFF_FFFF, MASK64):
        pe.sysreg("ICC_EOIR1_EL1", False, value, el=1)  # nothing active: ignored
        pe.sysreg("ICC_DIR_EL1", False, value, el=1)  # EOImode = 0: ignored
    assert pe.snapshot() == before
    pe.gic.redistributor.write(SGI_BASE + 0x200, 4, 1 << 3)  # SGI 3 pending
    assert pe.sysreg("ICC_IAR1_EL1", True, el=1) == 3 and pe.gic.irqs[3].lifecycle is Lifecycle.ACTIVE
    for value in (288, 1020, 1023, 0xFF_FFFF, MASK64):  # INTID field [23:0] >= 288: ignored
        pe.sysreg("ICC_EOIR1_EL1", False, value, el=1)
    assert pe.cpuif.active_priorities and pe.gic.irqs[3].active
    pe.sysreg("ICC_EOIR1_EL1", False, 40, el=1)  # 40 is not active: priority drop only
    assert pe.cpuif.active_priorities == 0 and pe.cpuif.running_priority() == 0xFF
    assert pe.gic.irqs[3].lifecycle is Lifecycle.ACTIVE and pe.gic.irqs[40].lifecycle is Lifecycle.INACTIVE
    pe.sysreg("ICC_CTLR_EL1", False, 0x2, el=1)  # EOImode = 1: DIR deactivates
    pe.sysreg("ICC_DIR_EL1", False, 41, el=1)  # not active: nothing
    pe.sysreg("ICC_DIR_EL1", False, 1 << 24 | 3, el=1)  # bits above the INTID field are ignored
    assert pe.gic.irqs[3].lifecycle is Lifecycle.INACTIVE and pe.gic.irqs[41].lifecycle is Lifecycle.INACTIVE


def test_sgi1r_with_other_targets_or_irm_generates_nothing(pe: Pe) -> None:
    before = pe.snapshot()
    for value in (0, 5 << 24 | 1 << 40 | 1, 5 << 24 | 1 << 16 | 1, 5 << 24 | 0xFFFE, 5 << 24 | 1 << 48 | 1):
        pe.sysreg("ICC_SGI1R_EL1", False, value, el=1)
    assert pe.snapshot() == before
    pe.sysreg("ICC_SGI1R_EL1", False, MASK64 & ~(1 << 40) & ~(0xFF << 16) & ~(0xFFFF << 32 | 0xFF << 48), el=1)
    assert pe.gic.irqs[15].pending  # INTID field 0xF, TargetList bit 0; RS 0 and the rest ignored


def test_virtual_eoi_with_no_matching_list_register_counts(pe: Pe) -> None:
    """ICV_EOIR1_EL1 with an active priority but no active list register naming the vINTID: the
    priority drops and ICH_HCR_EL2.EOIcount goes up (wrapping at 32); ICV_DIR_EL1 likewise when
    VEOIM = 1; a vINTID >= the GIC's INTID count is ignored, EOIcount unchanged."""
    v = pe.vcpuif
    pe.msr("ICH_LR0_EL2", lr(40, 0x80))
    assert pe.icv_reads[icv.ICC_IAR1_EL1]() == 40
    pe.icv_writes[icv.ICC_EOIR1_EL1](41)
    assert v.eoi_count == 1 and v.active_priorities == 0 and pe.mrs("ICH_LR0_EL2") >> 62 == 2  # LR still active
    for value in (1020, 1023, 0xFF_FFFF, MASK64):
        pe.msr("ICH_AP1R0_EL2", 1)
        pe.icv_writes[icv.ICC_EOIR1_EL1](value)
        assert v.eoi_count == 1 and v.active_priorities == 1  # ignored: not even a priority drop
    pe.msr("ICH_AP1R0_EL2", 0)
    pe.icv_writes[icv.ICC_EOIR1_EL1](41)  # no active priority: ignored
    assert v.eoi_count == 1
    pe.icv_writes[icv.ICC_CTLR_EL1](0x2)  # VEOIM = 1
    pe.icv_writes[icv.ICC_DIR_EL1](41)
    assert v.eoi_count == 2
    pe.msr("ICH_HCR_EL2", HCR_EN | 31 << 27)
    pe.icv_writes[icv.ICC_DIR_EL1](42)
    assert v.eoi_count == 0 and pe.mrs("ICH_HCR_EL2") == HCR_EN
    pe.icv_writes[icv.ICC_DIR_EL1](40)  # the active list register: deactivated, no count
    assert v.eoi_count == 0 and pe.mrs("ICH_LR0_EL2") >> 62 == 0


@pytest.mark.parametrize("pintid, deactivated", [
    (5, 5),  # an SGI: UNPREDICTABLE; emu, as QEMU, deactivates that SGI
    (27, 27),  # a PPI: the architected case
    (287, 287),  # the last SPI
    (288, None),  # no such INTID in this GIC: nothing physical happens
    (1019, None),
    (1020, None),  # special INTIDs: nothing physical happens
    (1023, None),
])
def test_hw_list_register_with_any_pintid(pe: Pe, pintid: int, deactivated: int | None) -> None:
    """ICH_LR<n>_EL2 with HW = 1: deactivating the virtual interrupt deactivates pINTID when it
    names an INTID of this GIC (< 1020 and < its INTID count), whatever its kind; otherwise the
    list register goes invalid and nothing else happens. ICH_EISR_EL2 stays 0 either way (EOI is
    not a field when HW = 1: bit 41 is pINTID[9])."""
    physical = (5, 27, 287)
    for intid in physical:
        pe.gic.irqs[intid].active = True
    pe.gic.update()
    pe.msr("ICH_HCR_EL2", HCR_EN | 0xFF)  # every maintenance condition enabled
    pe.msr("ICH_LR0_EL2", lr(40, 0x80, hw=True, pintid=pintid))
    pe.msr("ICH_LR1_EL2", lr(41, 0x90))  # keeps underflow and no-pending quiet
    assert pe.mrs("ICH_LR0_EL2") == lr(40, 0x80, hw=True, pintid=pintid)
    assert pe.icv_reads[icv.ICC_IAR1_EL1]() == 40
    pe.icv_writes[icv.ICC_EOIR1_EL1](40)
    assert pe.mrs("ICH_LR0_EL2") & LR_STATE == 0 and pe.vcpuif.eoi_count == 0
    assert pe.mrs("ICH_EISR_EL2") == 0 and pe.mrs("ICH_ELRSR_EL2") & 1
    for intid in physical:
        assert pe.gic.irqs[intid].active == (intid != deactivated)
    check_invariants(pe)


def test_list_register_res0_bits_and_huge_vintid(pe: Pe) -> None:
    """RES0 bits of ICH_LR<n>_EL2 are not stored; the 32-bit vINTID field is kept whole and a
    pending Group 1 list register is acknowledged whatever vINTID it holds (as QEMU 7.2); its EOI
    is then ignored (vINTID >= the GIC's INTID count), so the list register stays active."""
    pe.msr("ICH_LR0_EL2", lr(0xFFFF_FFFF, 0xF7, 1, 1, True, 0x3FF) | 0xF << 56 | 0x3F << 42)
    assert pe.mrs("ICH_LR0_EL2") == lr(0xFFFF_FFFF, 0xF0, 1, 1, True, 0x3FF)
    assert pe.icv_reads[icv.ICC_HPPIR1_EL1]() == 0xFFFF_FFFF
    assert pe.icv_reads[icv.ICC_IAR1_EL1]() == 0xFFFF_FFFF
    pe.icv_writes[icv.ICC_EOIR1_EL1](0xFFFF_FFFF)
    assert pe.mrs("ICH_LR0_EL2") >> 62 == 2 and pe.vcpuif.active_priorities
    check_invariants(pe)


def test_ich_registers_below_el2_are_undefined_and_change_nothing(pe: Pe) -> None:
    before = pe.snapshot()
    for reg in pe.vcpuif.sysregs:
        for el in (0, 1):
            for is_read in (True, False):
                outcome = access(pe.registry, reg.encoding, AccessContext(el, is_read, 0, 0), MASK64)
                assert outcome.decision is Decision.UNDEFINED
    assert pe.snapshot() == before


# ---------------------------------------------------------------------------------------------
# A real guest: what the Unicorn bus delivers to GICD.

GUEST = """
    ldr x0, =vec
    msr vbar_el2, x0
    ldr x1, =0x08000000            // GICD_BASE
    ldr w3, [x1, #1]               // unaligned 32-bit load: bytes 1-4 of GICD_CTLR:GICD_TYPER
    ldr x5, =0xFFFFFFFF00000002
    str x5, [x1]                   // 64-bit store to GICD_CTLR: CTLR = 0x2, TYPER (RO) ignored
    ldr w6, [x1]
    ldr x7, [x1]                   // 64-bit load: GICD_TYPER:GICD_CTLR
    ldr x2, =0x421
    ldr x8, =0x44332211
    str w8, [x1, x2]               // unaligned 32-bit store to IPRIORITYR: four byte stores
    ldr x9, [x1, #0x420]
    ldr x2, =0xFFFD
load_crosses:
    ldr x10, [x1, x2]              // runs past the 64 KiB frame into unmapped space
    mov x23, x20
    mov x24, x21
    mov x25, x22
store_crosses:
    str x8, [x1, x2]
    mov x11, #0x600D
    ldr x0, =0x84000008
    smc #0
.balign 2048
vec:
    .space 0x200
    mrs x20, esr_el2
    mrs x21, far_el2
    mrs x22, elr_el2
    add x22, x22, #4
    msr elr_el2, x22
    eret
"""


def test_guest_unaligned_and_64_bit_gicd_accesses() -> None:
    """Unicorn splits what reaches GICD (docs/decisions.md, "GIC MMIO widths"): a 64-bit access
    becomes two aligned 32-bit ones, an unaligned load aligned loads of its size whose bytes are
    combined, an unaligned store single-byte stores; no alignment fault. An access that runs off
    the end of the frame is an External abort (DFSC 0x10) and the guest goes on."""
    m = machine_for(GUEST)
    assert m.run(1000).reason == "system-off"
    ctlr, typer = 0x52, 0x0348_0008  # ARE | DS | EnableGrp1; No1N, A3V, IDbits 9, ITLinesNumber 8
    assert m.cpu.x(3) == (0x50 | typer << 32) >> 8 & 0xFFFF_FFFF
    assert m.gic.group_enabled == [False, True]
    assert m.cpu.x(6) == ctlr and m.cpu.x(7) == typer << 32 | ctlr
    assert m.cpu.x(9) == 0x40_3020_1000  # priorities of INTIDs 33-36, implemented bits only
    assert [m.gic.irqs[i].priority for i in range(33, 37)] == [0x10, 0x20, 0x30, 0x40]
    symbols = symbols_of(GUEST)
    assert m.cpu.x(23) == 0x9600_0010  # EC 0x25 (data abort, same EL), IL, DFSC 0x10, WnR 0
    assert m.cpu.x(24) == 0x0801_0000  # FAR: the first byte outside the frame
    assert m.cpu.x(25) == symbols["load_crosses"] + 4
    assert m.cpu.x(20) == 0x9600_0050  # the store: WnR 1
    assert 0x0801_0000 <= m.cpu.x(21) < 0x0800_FFFD + 8  # FAR: in the access, outside the frame
    assert m.cpu.x(22) == symbols["store_crosses"] + 4
    assert m.cpu.x(11) == 0x600D  # the guest ran on after both aborts
    assert m.gic.group_enabled == [False, True] and m.gic.distributor.read(0xFFFC, 4) == 0xB1
