"""emu against QEMU 7.2 on every asm/*.S kernel: tools/qemu_compare.py under pytest.

Each kernel runs once on each (module-scoped fixture; QEMU two at a time). Without
qemu-system-aarch64 the tests are skipped, except under CI=true, where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("qemu_compare", ROOT / "tools" / "qemu_compare.py")
assert _spec and _spec.loader
qemu_compare = importlib.util.module_from_spec(_spec)
sys.modules["qemu_compare"] = qemu_compare
_spec.loader.exec_module(qemu_compare)

KERNELS = sorted((ROOT / "asm").glob("*.S"))

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def comparisons() -> dict[str, Any]:
    """Every kernel run once on emu and once on QEMU: qemu_compare.Comparison by name."""
    if not qemu_compare.qemu_available():
        if os.environ.get("CI") == "true":
            pytest.fail("qemu-system-aarch64 is not installed, and CI=true requires these tests")
        pytest.skip("qemu-system-aarch64 is not installed (Debian package qemu-system-arm)")
    kernels = [qemu_compare.load_kernel(source) for source in KERNELS]
    return {c.kernel.name: c for c in qemu_compare.compare(kernels)}


@pytest.mark.parametrize("name", [source.stem for source in KERNELS])
def test_emu_and_qemu_agree(name: str, comparisons: dict[str, Any]) -> None:
    c = comparisons[name]
    meta, expected = c.kernel.meta, c.kernel.expected
    assert c.emu.console == expected, f"emu's console differs from asm/{name}.expected"
    assert c.emu.exit_status == meta.exit, f"emu's exit status is not @exit {meta.exit}"
    assert c.qemu.exit_status == c.emu.exit_status, f"QEMU exit status: {c.qemu.status_text}"
    if meta.qemu_differs:
        reason = "; ".join(meta.qemu_differs)
        assert c.qemu.console != expected, (
            f"QEMU now prints asm/{name}.expected, so this @qemu-differs no longer holds: {reason}"
        )
    else:
        assert c.qemu.console == c.emu.console, "QEMU's console differs from emu's"
