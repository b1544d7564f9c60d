"""Every asm/*.S kernel on emu: the console is NAME.expected, the exit status is @exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from emu.board.loader import load_image
from emu.board.manifest import read_metadata
from emu.machine import KERNEL_MAX_INSNS, Machine, RunResult

ROOT = Path(__file__).resolve().parents[1]
KERNELS = sorted((ROOT / "asm").glob("*.S"))


def run_kernel(source: Path) -> RunResult:
    """Run a kernel with the EL and instruction budget of its header."""
    meta = read_metadata(source)
    machine = Machine(el=meta.el)
    machine.load(load_image(source))
    return machine.run(meta.max_insns or KERNEL_MAX_INSNS)


@pytest.mark.parametrize("source", KERNELS, ids=lambda source: source.stem)
def test_console_and_exit_status(source: Path) -> None:
    result = run_kernel(source)
    assert result.console == source.with_suffix(".expected").read_bytes()
    assert result.exit_status == read_metadata(source).exit


def test_loop10m_instruction_count() -> None:
    """The count in asm/loop10m.S's header, up to and including the SMC."""
    assert run_kernel(ROOT / "asm" / "loop10m.S").insns == 10_000_015
