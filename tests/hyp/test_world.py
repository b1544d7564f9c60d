"""The KVM-shaped world switch: the phase script, its costs, contexts kept apart, exits."""

from __future__ import annotations

import pytest

from emu.arch import pstate as ps
from emu.errors import UsageError
from emu.hyp.context import PmuContext, restore_pmu, save_pmu
from emu.hyp.strategies import STRATEGIES, Strategy, strategy
from emu.hyp.world import ENTRY_PHASES, EXIT_PHASES, ExitCode, KvmHypervisor, StrategyError, load_costs
from emu.race.scenarios import build, finish, run_scenario
from tests.conftest import machine_for


def test_costs_cover_every_phase_and_cite_the_paper() -> None:
    costs = load_costs()
    assert set(ENTRY_PHASES + EXIT_PHASES) <= set(costs)
    assert {costs[p].el for p in ("flush", "call_hyp", "sync")} == {1}
    assert all(costs[p].el == 2 for p in ENTRY_PHASES[2:] + EXIT_PHASES[:-1])
    from importlib import resources
    text = resources.files("emu.hyp").joinpath("costs.toml").read_text()
    assert "ISCA 2016" in text and "6,500" in text


def test_costs_without_a_phase_are_refused() -> None:
    with pytest.raises(ValueError, match="lacks the phases"):
        load_costs("[phases.flush]\nel = 1\ncycles = 1\n")


def test_phase_script_order_and_events() -> None:
    machine, hyp, recorder = build("guest-only", "guest-state-check", patch={"guest_runs": 2, "guest_perf": 0, "quiet": 1})
    phases: list[str] = []
    worlds: list[str] = []
    machine.events.subscribe(lambda e: phases.append(e.fields["phase"]) if e.name == "hyp.phase" else None)
    machine.events.subscribe(lambda e: worlds.append(e.fields["world"]) if e.name == "hyp.world" else None)
    finish(machine, recorder, lambda: machine.run(1_000_000))
    round_trip = list(ENTRY_PHASES) + list(EXIT_PHASES)
    # Two slices: run, yield, run, the last yield, run, done: three entries and three exits.
    assert phases == round_trip * 3
    assert worlds == ["guest", "hyp", "host"] * 3


def test_phase_cycles_are_spent_at_their_exception_level() -> None:
    costs = load_costs()
    machine, hyp, recorder = build("guest-only", "guest-state-check", patch={"guest_runs": 1, "quiet": 1})
    spans: dict[str, int] = {}
    starts: dict[int, int] = {}

    def on(e):  # type: ignore[no-untyped-def]
        if e.name == "hyp.phase":
            starts[e.fields["seq"]] = e.fields["cycle"]
        elif e.name == "hyp.phase_end":
            spans.setdefault(e.fields["phase"], e.fields["cycle"] - starts[e.fields["seq"]])
    machine.events.subscribe(on)
    finish(machine, recorder, lambda: machine.run(1_000_000))
    assert spans == {name: costs[name].cycles for name in ENTRY_PHASES + EXIT_PHASES}


def test_round_trip_is_calibrated_near_the_split_mode_kvm_figure() -> None:
    """Dall et al., ISCA 2016, Table II: a null hypercall costs about 6,500 cycles with KVM ARM."""
    from emu.race.cli import round_trip

    cycles, per_second = round_trip("guest-state-check")
    assert 6_200 <= cycles <= 6_800
    assert per_second > 0


def test_the_hosts_run_call_returns_the_exit_code_and_keeps_both_contexts() -> None:
    """The host loops on HVC_RUN with x19 live across the call; the guest loops with x19 and x20
    live across its exits: both finish with their exact counts only if every context survives."""
    machine, hyp, recorder = build("host-and-guest", "guest-state-check")
    result = machine.run(1_000_000)
    assert result.exit_status == 0
    assert result.console.decode().splitlines() == [
        "HOST_HANDLED=0x0000000000000001", "HOST_NOT_MINE=0x0000000000000000",
        "HOST_LEFT_ACTIVE=0x0000000000000000", "HOST_SPURIOUS=0x0000000000000000",
        "GUEST_HANDLED=0x0000000000000002", "GUEST_NOT_MINE=0x0000000000000000",
        "GUEST_SPURIOUS=0x0000000000000000"]
    assert hyp.vcpu.done and not hyp.in_guest
    assert machine.cpu.el == 1


def test_exit_codes() -> None:
    assert [int(c) for c in ExitCode] == [1, 2, 3, 4, 5]


def test_pmu_context_round_trips_through_save_and_restore() -> None:
    machine, hyp, _ = build("guest-only", "always-forward")
    pmu = machine.pmu
    ctx = PmuContext.reset_value(pmu.n)
    ctx.pmcr, ctx.pmcntenset, ctx.pmintenset, ctx.pmovsset = 1, 0b11, 0b1, 0b10
    ctx.pmevcntr[1], ctx.pmevtyper[1] = 0x1234, 0x11
    restore_pmu(pmu, ctx)
    saved = save_pmu(pmu)
    assert (saved.pmcr, saved.pmcntenset, saved.pmintenset, saved.pmovsset) == (1, 0b11, 0b1, 0b10)
    assert saved.pmevtyper[1] == 0x11 and saved.pmevcntr[1] >= 0x1234
    partial = save_pmu(pmu, 0b1)
    assert partial.pmovsset == 0 and partial.pmevtyper[1] == 0


def test_irq_level_of_a_saved_context() -> None:
    ctx = PmuContext.reset_value(6)
    ctx.pmovsset = ctx.pmintenset = 1
    assert not ctx.irq_level(6, 6)  # PMCR_EL0.E = 0
    ctx.pmcr = 1
    assert ctx.irq_level(6, 6)
    assert not ctx.irq_level(0, 6)  # counter 0 outside the world's range


def test_unknown_strategy_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError, match="always-forward, toggle-naive"):
        strategy("nope")


class Raising(Strategy):
    name = "raising"

    def sync_hwstate(self) -> None:
        raise RuntimeError("boom")


def test_a_strategy_that_raises_is_reported_with_its_name_and_phase(tmp_path) -> None:  # type: ignore[no-untyped-def]
    STRATEGIES["raising"] = Raising
    try:
        verdict = run_scenario("guest-only", "raising")
    finally:
        del STRATEGIES["raising"]
    assert verdict.error == "the strategy 'raising' raised RuntimeError: boom in the phase 'sync'"
    assert StrategyError.exit_status == 76


def test_a_strategy_from_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mine.py"
    path.write_text("from emu.hyp.strategies import GuestStateCheck\n"
                    "class Mine(GuestStateCheck):\n    name = 'mine'\n")
    spec = f"{path}:Mine"
    try:
        verdict = run_scenario("host-and-guest", spec)
        assert verdict.outcome() == "ok"
    finally:
        STRATEGIES.pop(spec, None)
    with pytest.raises(UsageError, match="cannot load the strategy"):
        strategy(f"{tmp_path / 'missing.py'}:Mine")


def test_image_without_a_guest_is_refused() -> None:
    with pytest.raises(StrategyError, match="guest_start"):
        machine_for("    hvc #0\n", hypervisor=KvmHypervisor(strategy("emulated")))


def test_guest_starts_at_el1h_with_interrupts_masked() -> None:
    machine, hyp, _ = build("guest-only", "emulated")
    assert hyp.vcpu.context.pstate == ps.DAIF | ps.mode(1, True)
    assert hyp.vcpu.context.pc == machine.image.symbols["guest_start"]  # type: ignore[union-attr]


EXITS = """
    adr     x20, codes
host_loop:
    ldr     x0, =0xc6000001
    hvc     #0
    str     x0, [x20], #8
    cmp     x0, #4
    b.ne    host_loop
    ldr     x0, =0x84000008
    hvc     #0
guest_start:
    wfi
    mov     x2, #0x55
    msr     contextidr_el1, x2
    mrs     x3, contextidr_el1
    ldr     x0, =0xc6000002
    hvc     #0
    ldr     x0, =0xc6000003
    hvc     #0
    .balign 8
codes:
    .quad 0, 0, 0, 0, 0
"""


class TrapVm(Strategy):
    name = "trap-vm"

    def guest_hcr(self) -> int:
        from emu.arch.sysregs import HCR_TVM
        return HCR_TVM


def test_each_kind_of_guest_exit_returns_its_code_to_the_host() -> None:
    """WFI (HCR_EL2.TWI), a trapped MSR (HCR_EL2.TVM; KVM's access_vm_reg writes the vcpu's
    copy, which the next entry loads), a null hypercall, done."""
    hyp = KvmHypervisor(TrapVm())
    machine = machine_for(EXITS, hypervisor=hyp)
    assert machine.run(100_000).exit_status == 0
    codes = machine.image.symbols["codes"]  # type: ignore[union-attr]
    got = [int.from_bytes(machine.uc.mem_read(codes + 8 * i, 8), "little") for i in range(4)]
    assert got == [ExitCode.WFI, ExitCode.SYSREG, ExitCode.HVC, ExitCode.DONE]
    assert hyp.vcpu.context.x[3] == 0x55 and hyp.vcpu.context.sysregs["CONTEXTIDR_EL1"] == 0x55
