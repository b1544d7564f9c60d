"""Traces (docs/tracing.md): the Tarmac-like instruction trace, the events as JSON lines, the
Chrome trace-event timeline, and that tracing off costs nothing."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import unicorn
from unicorn import UC_HOOK_BLOCK, UC_HOOK_CODE

from emu.board.loader import load_image
from emu.cli import main
from emu.debug.timeline import PMU_COUNTER, Timeline
from emu.debug.trace import EventLog, InstructionTrace, json_safe
from emu.hyp.world import ENTRY_PHASES, EXIT_PHASES
from emu.machine import Machine
from tests.conftest import machine_for

ROOT = Path(__file__).resolve().parents[2]

KERNEL = """
    mov x0, #5
    subs x1, x0, #5
    mov x5, #0x80000000
    msr hcr_el2, x5
    adr x2, el1
    msr elr_el2, x2
    mov x3, #0x3c5
    msr spsr_el2, x3
    eret
el1:
    mov x4, #7
    ldr x0, =0x84000008
    smc #0
"""


def _emu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "emu.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)


def test_one_line_per_retired_instruction_with_cycle_el_pc_opcode_disassembly_and_writes() -> None:
    machine = machine_for(KERNEL)
    out = io.StringIO()
    trace = InstructionTrace(machine, out)
    trace.install()
    result = machine.run()
    trace.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == result.insns == 12
    assert lines[0] == "0 clk EL2 IT 0000000040080000 d28000a0 mov x0, #5 ; x0=0x5"
    assert lines[1] == "1 clk EL2 IT 0000000040080004 f1001401 subs x1, x0, #5 ; nzcv=0x6"
    assert lines[3] == "3 clk EL2 IT 000000004008000c d51c1105 msr hcr_el2, x5"
    assert lines[8] == "8 clk EL2 IT 0000000040080020 d69f03e0 eret ; nzcv=0x0"
    # The EL change: the instruction after the ERET runs at EL1, 16 cycles later (the ERET's cost).
    assert lines[9] == "24 clk EL1 IT 0000000040080024 d28000e4 mov x4, #7 ; x4=0x7"
    assert lines[10] == "25 clk EL1 IT 0000000040080028 58000040 ldr x0, #0x40080030 ; x0=0x84000008"
    assert lines[11] == "29 clk EL1 IT 000000004008002c d4000003 smc #0"
    cycles = [int(line.split()[0]) for line in lines]
    assert cycles == sorted(cycles)


@pytest.mark.parametrize("kernel", ["svc.S", "aborts.S", "pmu_overflow_irq.S", "gic_eoimode.S", "semihosting.S"])
def test_the_trace_counts_what_retires_and_changes_nothing(kernel: str) -> None:
    """Faults, trapped and Python-emulated instructions, interrupts: one line per instruction
    that RunResult.insns counts; the run (instructions, cycles, console) is the untraced one."""
    def run(traced: bool) -> tuple[int, int, bytes, int]:
        machine = Machine(console=None)
        machine.load(load_image(ROOT / "asm" / kernel))
        out = io.StringIO()
        trace = InstructionTrace(machine, out)
        if traced:
            trace.install()
            EventLog(machine, io.StringIO()).install()
            Timeline(machine, io.StringIO()).install()
        result = machine.run(10_000_000)
        trace.finish()
        return result.insns, machine.time.cycles(), result.console, len(out.getvalue().splitlines())

    traced, plain = run(True), run(False)
    assert traced[:3] == plain[:3]
    assert traced[3] == traced[0]


def test_el_changes_and_exceptions_are_visible_in_the_trace() -> None:
    machine = Machine(console=None)
    machine.load(load_image(ROOT / "asm" / "svc.S"))
    out = io.StringIO()
    trace = InstructionTrace(machine, out)
    trace.install()
    machine.run()
    trace.finish()
    els = [line.split()[2] for line in out.getvalue().splitlines()]
    changes = [(a, b) for a, b in zip(els, els[1:]) if a != b]
    assert ("EL2", "EL1") in changes and ("EL0", "EL1") in changes and ("EL1", "EL0") in changes
    lines = out.getvalue().splitlines()
    after_svc = [lines[i + 1] for i, line in enumerate(lines) if " svc " in line]
    assert len(after_svc) == 3 and all(" EL1 " in line for line in after_svc)  # the EL1 vector


# -- a scenario run through the command line ---------------------------------------------------------


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("trace")
    paths = {"trace": out / "trace.txt", "events": out / "events.jsonl", "timeline": out / "timeline.json"}
    done = _emu("run", "asm/scenarios/host_and_guest.S", "--strategy", "toggle-naive",
                "--trace", str(paths["trace"]), "--events", str(paths["events"]), "--timeline", str(paths["timeline"]))
    assert done.returncode == 0, done.stderr
    assert "GUEST_HANDLED=0x0000000000000002" in done.stdout
    return {"trace": paths["trace"].read_text().splitlines(),
            "events": [json.loads(line) for line in paths["events"].read_text().splitlines()],
            "timeline": json.loads(paths["timeline"].read_text())}


def test_the_events_file_is_json_lines_of_name_insns_cycle_fields(scenario: dict[str, Any]) -> None:
    events = scenario["events"]
    assert all(set(e) == {"name", "insns", "cycle", "fields"} for e in events)
    assert all(isinstance(e["insns"], int) and isinstance(e["cycle"], int) for e in events)
    names = {e["name"] for e in events}
    assert {"exception.taken", "hyp.exit", "hyp.phase", "hyp.phase_end", "hyp.world", "irq.line", "gic.ack",
            "gic.eoi", "gic.deactivate", "gic.active", "sysreg.access", "pmu.write", "pmu.overflow"} <= names
    insns = [e["insns"] for e in events]
    assert insns == sorted(insns)
    taken = next(e for e in events if e["name"] == "exception.taken")["fields"]["taken"]
    assert taken["kind"] == "IRQ" and taken["target_el"] == 1
    acks = [e["fields"] for e in events if e["name"] == "gic.ack"]
    assert {"intid": 23, "virtual": True} in acks
    eois = [e["fields"] for e in events if e["name"] == "gic.eoi"]
    assert {"intid": 23, "virtual": True} in eois
    lines = {e["fields"]["name"] for e in events if e["name"] == "irq.line"}
    assert {"gic.intid23", "nIRQ", "nVIRQ"} <= lines
    access = next(e["fields"] for e in events if e["name"] == "sysreg.access" and e["fields"]["name"] == "ICV_IAR1_EL1")
    assert access == {"name": "ICV_IAR1_EL1", "access": "read", "value": 23, "el": 1, "decision": "OK"}
    phases = [e["fields"]["phase"] for e in events if e["name"] == "hyp.phase"]
    assert phases[:len(ENTRY_PHASES)] == list(ENTRY_PHASES)


def test_the_scenario_trace_has_one_line_per_instruction(scenario: dict[str, Any]) -> None:
    lines = scenario["trace"]
    assert len(lines) == scenario["timeline"]["otherData"]["insns"]
    assert all(" clk EL1 IT " in line for line in lines)  # host and guest at EL1, the EL2 is Python
    assert any(line.endswith("mrs x0, icc_iar1_el1 ; x0=0x17") for line in lines)


def validate_trace_events(doc: Any) -> dict[int, str]:
    """The Chrome trace-event format (JSON object form): required keys per phase, numbers,
    non-negative durations, per-track ordering, B/E balance, X nesting, named tracks. Returns
    the thread names by tid."""
    assert isinstance(doc, dict) and isinstance(doc["traceEvents"], list)
    assert doc.get("displayTimeUnit") in (None, "ms", "ns")
    required = {"X": {"name", "ts", "dur", "pid", "tid"}, "B": {"name", "ts", "pid", "tid"},
                "E": {"ts", "pid", "tid"}, "i": {"name", "ts", "pid", "tid"}, "C": {"name", "ts", "pid", "args"},
                "M": {"name", "pid", "args"}}
    names: dict[int, str] = {}
    last_ts: dict[tuple[int, int], float] = {}
    open_b: dict[tuple[int, int], list[str]] = {}
    open_x: dict[tuple[int, int], list[float]] = {}
    used: set[int] = set()
    for e in doc["traceEvents"]:
        ph = e["ph"]
        assert ph in required, e
        assert required[ph] <= set(e), e
        assert isinstance(e["pid"], int) and isinstance(e.get("tid", 0), int)
        if ph == "M":
            assert e["name"] in ("process_name", "thread_name", "thread_sort_index", "process_sort_index"), e
            if e["name"] == "thread_name":
                assert isinstance(e["args"]["name"], str) and e["args"]["name"]
                assert e["tid"] not in names
                names[e["tid"]] = e["args"]["name"]
            continue
        assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0, e
        if ph == "C":
            assert e["args"] and all(isinstance(v, (int, float)) for v in e["args"].values()), e
            continue
        track = (e["pid"], e["tid"])
        used.add(e["tid"])
        assert e["ts"] >= last_ts.get(track, 0), f"out of order on {track}: {e}"
        last_ts[track] = e["ts"]
        if ph == "i":
            assert e.get("s", "t") in ("g", "p", "t")
        elif ph == "B":
            open_b.setdefault(track, []).append(e["name"])
        elif ph == "E":
            assert open_b.get(track), f"E without B: {e}"
            open_b[track].pop()
        elif ph == "X":
            assert isinstance(e["dur"], (int, float)) and e["dur"] >= 0, e
            stack = open_x.setdefault(track, [])
            while stack and stack[-1] <= e["ts"] + 1e-9:  # siblings that ended before it
                stack.pop()
            end = e["ts"] + e["dur"]
            if stack:
                assert end <= stack[-1] + 1e-9, f"{e} overlaps its enclosing slice on {track}"
            stack.append(end)
    assert all(not stack for stack in open_b.values()), "unbalanced B/E"
    assert used <= set(names), "a track without a thread_name"
    return names


def _slices(doc: dict[str, Any], track: str, names: dict[int, str]) -> list[dict[str, Any]]:
    return [e for e in doc["traceEvents"] if e["ph"] == "X" and names.get(e.get("tid", -1)) == track]


def test_the_timeline_is_valid_trace_event_json_with_the_expected_tracks(scenario: dict[str, Any]) -> None:
    doc = scenario["timeline"]
    names = validate_trace_events(doc)
    assert doc["displayTimeUnit"] == "ns"
    assert {"host EL1", "guest EL1", "EL2 (hyp)", "INTID 23", "vINTID 23"} <= set(names.values())
    assert len(set(names.values())) == len(names)
    hyp = {e["name"] for e in _slices(doc, "EL2 (hyp)", names)}
    assert set(ENTRY_PHASES) | set(EXIT_PHASES) <= hyp
    assert {e["name"] for e in _slices(doc, "host EL1", names)} == {"host EL1"}
    assert {e["name"] for e in _slices(doc, "guest EL1", names)} == {"guest EL1"}
    active = _slices(doc, "INTID 23", names)
    assert active and all(e["name"] == "INTID 23 active" and e["dur"] > 0 for e in active)
    assert all(e["name"] == "vINTID 23 active" for e in _slices(doc, "vINTID 23", names))
    pmu = [e["args"]["level"] for e in doc["traceEvents"] if e["ph"] == "C" and e["name"] == PMU_COUNTER]
    assert pmu[0] == 0 and 1 in pmu
    # The phases tile the world switch: a full exit's phases in order, each as long as costs.toml says.
    first_exit = [e for e in _slices(doc, "EL2 (hyp)", names) if e["name"] in EXIT_PHASES][:len(EXIT_PHASES)]
    assert [e["name"] for e in first_exit] == list(EXIT_PHASES)
    assert all(abs(a["ts"] + a["dur"] - b["ts"]) < 1e-6 for a, b in zip(first_exit, first_exit[1:]))


def test_a_plain_kernel_timeline_has_a_track_per_el() -> None:
    machine = Machine(console=None)
    machine.load(load_image(ROOT / "asm" / "pmu_overflow_irq.S"))
    out = io.StringIO()
    timeline = Timeline(machine, out)
    timeline.install()
    machine.run()
    timeline.finish()
    doc = json.loads(out.getvalue())
    names = validate_trace_events(doc)
    assert {"EL2", "EL1", "INTID 23"} <= set(names.values())
    total = sum(e["dur"] for name in ("EL2", "EL1", "EL0") for e in _slices(doc, name, names))
    assert abs(total - machine.time.cycles() / 1000) < 1e-6  # the EL tracks cover the whole run


def test_the_validator_rejects_broken_timelines() -> None:
    meta = {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "t"}}
    for bad in ([{"ph": "X", "name": "a", "pid": 1, "tid": 1, "ts": 0, "dur": -1}],
                [{"ph": "X", "name": "a", "pid": 1, "tid": 1, "ts": 5, "dur": 1},
                 {"ph": "X", "name": "b", "pid": 1, "tid": 1, "ts": 1, "dur": 1}],
                [{"ph": "X", "name": "a", "pid": 1, "tid": 1, "ts": 0, "dur": 2},
                 {"ph": "X", "name": "b", "pid": 1, "tid": 1, "ts": 1, "dur": 2}],
                [{"ph": "B", "name": "a", "pid": 1, "tid": 1, "ts": 0}],
                [{"ph": "X", "name": "a", "pid": 1, "tid": 2, "ts": 0, "dur": 1}],
                [{"ph": "X", "pid": 1, "tid": 1, "ts": 0, "dur": 1}]):
        with pytest.raises(AssertionError):
            validate_trace_events({"traceEvents": [meta, *bad]})


# -- tracing off costs nothing --------------------------------------------------------------------------


def _hooks_during(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[tuple[int, int, int]]]:
    added: list[tuple[int, int, int]] = []
    original = unicorn.Uc.hook_add

    def hook_add(self: Any, htype: int, callback: Any, user_data: Any = None, begin: int = 1, end: int = 0,
                 *args: Any) -> Any:
        added.append((htype, begin, end))
        return original(self, htype, callback, user_data, begin, end, *args)

    monkeypatch.setattr(unicorn.Uc, "hook_add", hook_add)
    return main(argv), added


def _all_addresses(hooks: list[tuple[int, int, int]], htype: int) -> int:
    return sum(1 for t, begin, end in hooks if t == htype and begin > end)


def test_no_hook_and_no_listener_without_tracing(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    status, hooks = _hooks_during(["run", str(ROOT / "asm" / "pmu_overflow_irq.S")], monkeypatch)
    assert status == 0
    assert _all_addresses(hooks, UC_HOOK_CODE) == 0 and _all_addresses(hooks, UC_HOOK_BLOCK) == 0
    status, hooks = _hooks_during(["run", str(ROOT / "asm" / "hello.S"), "--trace", str(tmp_path / "t"),
                                   "--timeline", str(tmp_path / "t.json")], monkeypatch)
    assert status == 0
    assert _all_addresses(hooks, UC_HOOK_CODE) == 1 and _all_addresses(hooks, UC_HOOK_BLOCK) == 1
    capsys.readouterr()

    machine = Machine(console=None)
    machine.load(load_image(ROOT / "asm" / "pmu_overflow_irq.S"))
    machine.run()
    assert not machine.events.active and machine.events._listeners == []
    assert machine.gic.observer is None and machine.pmu.overflow_listeners == []


def test_device_events_are_wired_when_the_first_listener_subscribes() -> None:
    machine = Machine(console=None)
    machine.load(load_image(ROOT / "asm" / "pmu_overflow_irq.S"))
    seen: list[tuple[str, dict[str, Any]]] = []
    machine.events.subscribe(lambda e: seen.append((e.name, e.fields)))
    machine.run()
    assert machine.gic.observer is not None
    names = [name for name, _ in seen]
    assert names.index("pmu.overflow") < names.index("gic.ack") < names.index("gic.eoi") < names.index("gic.deactivate")
    assert ("gic.ack", {"intid": 23, "virtual": False}) in seen
    overflow = next(fields for name, fields in seen if name == "pmu.overflow")
    assert overflow["counters"] == 1
    assert ("irq.line", {"name": "gic.intid23", "intid": 23, "level": True}) in seen


def test_a_bad_trace_path_is_a_usage_error() -> None:
    for option in ("--trace", "--events", "--timeline"):
        done = _emu("run", "asm/hello.S", option, "/no/such/dir/file")
        assert done.returncode == 64, done.stderr
        assert f"{option}: cannot write /no/such/dir/file" in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_json_safe() -> None:
    from emu.core.exceptions import Kind

    assert json_safe({"k": Kind.IRQ, "b": b"\x01", "t": (1, None), "o": object}) == {
        "k": "IRQ", "b": "01", "t": [1, None], "o": str(object)}
