"""The C test kernels (c/NAME.c): built once per session by tools/build_c.py, each run on emu
(its ELF) and on QEMU 7.2 (its raw image at 0x4008_0000), both compared with c/NAME.expected.

Without the cross compiler (Debian's gcc-aarch64-linux-gnu) every test here is skipped, and
without qemu-system-aarch64 the QEMU half is, except under CI=true, where both fail (.ci/run
installs them).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from emu.board.loader import load_image
from emu.board.manifest import read_metadata
from emu.errors import EmuError
from emu.machine import KERNEL_MAX_INSNS, Machine

ROOT = Path(__file__).resolve().parents[1]
KERNELS = sorted((ROOT / "c").glob("*.c"))
NAMES = [source.stem for source in KERNELS]


def _load_tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build_c = _load_tool("build_c")
qemu_run = _load_tool("qemu_run")


def _require(available: bool, what: str) -> None:
    if not available:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is not installed, and CI=true requires these tests")
        pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every c/*.c built once into a temporary directory (NAME.elf and NAME.bin)."""
    _require(build_c.compiler_available(), f"{build_c.CC} (Debian package gcc-aarch64-linux-gnu)")
    out = tmp_path_factory.mktemp("c_kernels")
    build_c.build(out_dir=out)
    return out


def test_kernels_have_expected_consoles() -> None:
    assert NAMES, "no C kernels in c/"
    for source in KERNELS:
        assert source.with_suffix(".expected").is_file(), f"c/{source.stem}.expected is missing"


def test_missing_compiler_is_reported(tmp_path: Path) -> None:
    with pytest.raises(build_c.CompilerMissing, match="gcc-aarch64-linux-gnu"):
        build_c.build(out_dir=tmp_path, cc="no-such-aarch64-gcc")
    assert build_c.main(["--cc", "no-such-aarch64-gcc", "--out", str(tmp_path)]) == build_c.NO_COMPILER


def test_images_are_placed_at_the_raw_load_address(built: Path) -> None:
    """The ELF loads and starts at 0x4008_0000, and NAME.bin holds the same bytes from there,
    so QEMU's -kernel NAME.bin (raw: RAM base + 0x8_0000) and emu's ELF loader agree."""
    for name in NAMES:
        image = load_image(built / f"{name}.elf")
        assert image.entry == 0x4008_0000
        (address, contents), = image.segments
        raw = (built / f"{name}.bin").read_bytes()
        assert address == 0x4008_0000
        assert contents[: len(raw)] == raw
        assert not any(contents[len(raw):]), ".bss and the stack are zero-filled"


_FP_REGISTER = re.compile(r"\b[vqdshb]([0-9]|[12][0-9]|3[01])\b")


def test_no_fp_or_simd_instructions(built: Path) -> None:
    """-mgeneral-regs-only: no FP/SIMD register anywhere (start.S leaves CPACR_EL1.FPEN at its
    reset value, so FP/SIMD at EL1 could trap)."""
    objdump = build_c.CROSS_PREFIX + "objdump"
    if shutil.which(objdump) is None:
        pytest.skip(f"{objdump} is not installed")
    for name in NAMES:
        listing = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(built / f"{name}.elf")],
                                 check=True, capture_output=True, text=True).stdout
        for line in listing.splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and _FP_REGISTER.search(fields[2].split("//")[0]):
                pytest.fail(f"{name}: FP/SIMD register in `{line.strip()}`")


@pytest.mark.parametrize("name", NAMES)
def test_emu(name: str, built: Path) -> None:
    source = ROOT / "c" / f"{name}.c"
    meta = read_metadata(source)
    machine = Machine(el=meta.el)
    machine.load(load_image(built / f"{name}.elf"))
    try:
        result = machine.run(meta.max_insns or KERNEL_MAX_INSNS)
    except EmuError as exc:
        pytest.fail(f"emu stopped: {exc.report()}\nconsole:\n{bytes(machine.console).decode()}")
    assert result.console.decode() == source.with_suffix(".expected").read_text()
    assert result.exit_status == meta.exit


@pytest.mark.qemu
@pytest.mark.parametrize("name", NAMES)
def test_qemu(name: str, built: Path) -> None:
    _require(qemu_run.qemu_available(), "qemu-system-aarch64 (Debian package qemu-system-arm)")
    source = ROOT / "c" / f"{name}.c"
    meta = read_metadata(source)
    result = qemu_run.run_image(built / f"{name}.bin", el=meta.el)
    assert not result.timed_out, f"QEMU timed out; console:\n{result.console.decode()}"
    assert result.console.decode() == source.with_suffix(".expected").read_text()
    assert result.exit_status == meta.exit
