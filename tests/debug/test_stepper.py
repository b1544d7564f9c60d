"""The stepping API and `emu step`: exact stops, world-switch phases, EL changes, exceptions,
system-register accesses, breakpoints, cycles, interrupts; golden transcripts of scripted
sessions."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from emu.board.loader import load_image
from emu.debug.stepper import Stepper
from emu.errors import UsageError
from emu.hyp.world import ENTRY_PHASES, EXIT_PHASES
from emu.machine import Machine
from emu.race.scenarios import build
from tests.conftest import machine_for

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"


def _emu(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "emu.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, input=stdin)


@pytest.mark.parametrize("name, args", [
    ("world_switch", ["asm/scenarios/host_and_guest.S", "--strategy", "toggle-naive"]),
    ("kernel", ["asm/svc.S"]),
])
def test_scripted_sessions_match_their_golden_transcripts(name: str, args: list[str]) -> None:
    """Regenerate with EMU_REGOLD=1 after a deliberate change, and read the diff."""
    done = _emu("step", *args, "--script", str(GOLDEN / f"{name}.cmds"))
    assert done.returncode == 0, done.stderr
    golden = GOLDEN / f"{name}.txt"
    if os.environ.get("EMU_REGOLD"):
        golden.write_text(done.stdout)
    assert done.stdout == golden.read_text()


def test_commands_from_standard_input() -> None:
    done = _emu("step", "asm/hello.S", "--script", "-", stdin="s\nc\n")
    assert done.returncode == 0
    assert done.stdout.splitlines()[:3] == [
        "[entry] EL2 pc=0x40080000  b #0x400800b8  (insns 0, cycles 0)", "(emu) s",
        "[step] EL2 pc=0x400800b8  mov x9, #0x42000000  (insns 1, cycles 2)"]
    assert "hello, world\n[exit: exit status 0 (system-off)]" in done.stdout


def test_a_missing_script_is_a_usage_error() -> None:
    done = _emu("step", "asm/hello.S", "--script", "/no/such/file")
    assert done.returncode == 64 and "cannot read the script" in done.stderr and "Traceback" not in done.stderr


LOOP = """
    mov x1, #0
spin:
    add x1, x1, #1
    cmp x1, #200
    b.ne spin
    mrs x2, pmcr_el0
    mrs x3, pmccntr_el0
    ldr x0, =0x84000008
    smc #0
"""


def test_steps_are_exact_and_the_run_ends_as_a_free_run_does() -> None:
    free = machine_for(LOOP)
    free_result = free.run(10_000)
    machine = machine_for(LOOP)
    stepper = Stepper(machine)
    assert stepper.start().reason == "entry"
    pcs = []
    for n in range(1, 12):
        report = stepper.step()
        assert report.insns == n
        pcs.append(report.pc)
    assert pcs[:5] == [0x4008_0004, 0x4008_0008, 0x4008_000c, 0x4008_0004, 0x4008_0008]
    assert stepper.step(3).insns == 14
    end = stepper.cont()
    assert (end.reason, end.exit_status, end.insns) == ("exit", 0, free_result.insns)
    assert machine.cpu.x(1) == free.cpu.x(1) == 200


def test_breakpoint_then_step_then_continue() -> None:
    machine = machine_for(LOOP)
    stepper = Stepper(machine)
    stepper.start()
    stepper.add_breakpoint(0x4008_0008)  # cmp x1, #200
    hits = []
    for _ in range(3):
        report = stepper.cont()
        hits.append((report.reason, report.pc, report.insns, machine.cpu.x(1)))
    assert hits == [("breakpoint", 0x4008_0008, 2, 1), ("breakpoint", 0x4008_0008, 5, 2),
                    ("breakpoint", 0x4008_0008, 8, 3)]
    assert stepper.step().pc == 0x4008_000c
    stepper.remove_breakpoint(0x4008_0008)
    assert stepper.cont().reason == "exit"


def test_stop_before_a_python_system_register_access() -> None:
    machine = machine_for(LOOP)
    stepper = Stepper(machine)
    stepper.start()
    report = stepper.until_sysreg("PMCR_EL0")
    assert (report.reason, report.detail, report.pc, report.insns) == ("sysreg", "MRS PMCR_EL0", 0x4008_0010, 601)
    assert machine.cpu.x(2) == 0  # not performed yet
    report = stepper.until_sysreg("PMCCNTR_EL0")  # a counter the native hook reads
    assert (report.detail, report.pc, report.insns) == ("MRS PMCCNTR_EL0", 0x4008_0014, 602)
    assert stepper.step().insns == 603
    with pytest.raises(UsageError, match="unknown system register"):
        stepper.until_sysreg("NOT_A_REGISTER")
    assert stepper.cont().reason == "exit"


def test_run_cycles_stops_after_the_instruction_that_reaches_them() -> None:
    machine = machine_for(LOOP)
    stepper = Stepper(machine)
    stepper.start()
    report = stepper.run_cycles(100)
    assert report.reason == "cycles" and 100 <= report.cycles < 100 + 5


def test_world_switch_phases_in_order_and_el_changes() -> None:
    machine, hyp, _ = build("guest-only", "guest-state-check", patch={"guest_perf": 0, "guest_runs": 1, "quiet": 1})
    stepper = Stepper(machine)
    stepper.start()
    phases = [stepper.until_phase() for _ in range(len(ENTRY_PHASES) + len(EXIT_PHASES))]
    assert [p.detail for p in phases] == list(ENTRY_PHASES + EXIT_PHASES)
    assert all(p.el == 2 for p in phases)
    change = stepper.until_el_change()
    assert change.reason == "el" and change.detail == "EL2 -> EL1 (host)"
    assert stepper.until_el_change().detail == "EL1 -> EL2 (the Python EL2: SYNC)"
    assert stepper.until_el_change().detail == "EL2 -> EL1 (guest)"


def test_interrupt_stops_an_endless_loop() -> None:
    machine = machine_for("spin:\n    b spin\n")
    stepper = Stepper(machine)
    stepper.start()
    timer = threading.Timer(0.3, stepper.interrupt)
    timer.start()
    started = time.monotonic()
    report = stepper.cont()
    assert report.reason == "interrupt" and report.pc == 0x4008_0000
    assert time.monotonic() - started < 10
    assert stepper.step().pc == 0x4008_0000  # still spinning, one instruction later
    stepper.close()


def test_a_kernel_from_disk_and_its_exceptions() -> None:
    machine = Machine()
    machine.load(load_image(ROOT / "asm" / "svc.S"))
    stepper = Stepper(machine)
    stepper.start()
    report = stepper.until_exception()
    assert report.reason == "exception" and "SYNC EC=0x15 ESR=0x56001234 from EL1 to EL1" in report.detail
    assert stepper.until_el_change().detail == "EL1 -> EL0"
    assert stepper.cont().exit_status == 0


@pytest.mark.parametrize("kernel", ["debug_step", "debug_watchpoint", "debug_breakpoint"])
def test_stepping_a_guest_that_debugs_itself(kernel: str) -> None:
    """The self-hosted debug kernels under the Stepper, one instruction per stop: the guest's own
    software step (a code hook before every instruction), watchpoints (protected pages, each
    access stepped past) and breakpoints must not be disturbed by the debugger's exact stops
    before instructions, so the console and the count are the free run's."""
    image = load_image(ROOT / f"asm/{kernel}.S")
    free = Machine()
    free.load(image)
    expected = free.run(100_000)
    machine = Machine()
    machine.load(image)
    stepper = Stepper(machine)
    stepper.start()
    while (report := stepper.step()).reason == "step":
        pass
    assert report.reason == "exit"
    assert bytes(machine.console) == bytes(expected.console) == (ROOT / f"asm/{kernel}.expected").read_bytes()
    assert report.insns == expected.insns
