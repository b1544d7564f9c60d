"""`emu scenarios` and `emu race` as a user runs them: output, JSON keys, exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emu.cli import main
from emu.hyp.strategies import STRATEGIES
from emu.race.scenarios import SCENARIOS
from emu.race.verdict import KEYS


def _emu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "emu.cli", *args], capture_output=True, text=True, timeout=300)


def test_scenarios_json_has_one_cell_per_strategy_and_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "--json"]) == 0
    cells = json.loads(capsys.readouterr().out)
    builtin = [s for s in STRATEGIES if ":" not in s]
    assert [(c["scenario"], c["strategy"]) for c in cells] == [(sc, st) for sc in SCENARIOS for st in builtin]
    for cell in cells:
        assert set(KEYS) <= set(cell) and cell["error"] == ""
    by = {(c["scenario"], c["strategy"]): c for c in cells}
    assert by["host-only", "always-forward"]["host_lost"] == 1
    assert by["host-and-guest", "toggle-naive"]["host_lost"] == 1
    assert by["host-and-guest", "toggle-naive"]["guest_spurious"] == 2
    assert all(by[sc, st]["outcome"] == "ok" for sc in SCENARIOS for st in ("guest-state-check", "emulated"))


def test_scenarios_table_and_costs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert "host-lost" in out and "toggle-naive" in out
    assert main(["scenarios", "--costs", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["phases"]["vgic_save"] == {"el": 2, "cycles": 3354}
    assert {r["strategy"] for r in data["round_trips"]} == {s for s in STRATEGIES if ":" not in s}
    assert all(6_200 <= r["round_trip_cycles"] <= 6_800 for r in data["round_trips"])


def test_race_table_json_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "race.png"
    assert main(["race", "host-and-guest", "--strategy", "toggle-naive", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "host-lost+guest-spurious+left-active" in out and "phase restore_host" in out and "phase sync" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["race", "host-and-guest", "--strategy", "toggle-naive", "--json", "--jobs", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["window"] == "guest_yield:host_between_loop" and data["event"] == "host-overflow"
    assert main(["race", "host-and-guest", "--strategy", "toggle-naive", "--by", "cycle"]) == 0
    out = capsys.readouterr().out
    assert "cycles" in out and "totals (cycles)" in out


@pytest.mark.parametrize("args, status, message", [
    (["race", "nope", "--strategy", "emulated"], 64, "the scenarios are: host-only, host-and-guest"),
    (["race", "host-only", "--strategy", "nope"], 64, "the strategies are: always-forward"),
    (["race", "host-and-guest", "--strategy", "emulated", "--window", "a:b"], 77, "neither a label"),
    (["race", "host-and-guest", "--strategy", "emulated", "--window", "host_between_loop:host_perf_done"], 77,
     "reversed"),
    (["race", "host-and-guest", "--strategy", "emulated", "--jobs", "0"], 64, "--jobs must be 1 or more"),
    (["race", "host-and-guest", "--strategy", "/no/such.py:X"], 64, "cannot load the strategy"),
])
def test_race_bad_input(args: list[str], status: int, message: str) -> None:
    done = _emu(*args)
    assert done.returncode == status
    assert message in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
