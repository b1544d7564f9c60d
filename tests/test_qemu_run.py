"""tools/qemu_run.py: command line, kernel metadata, and (where QEMU is installed) a real run."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from emu.board import manifest
from emu.errors import AssemblyError

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("qemu_run", ROOT / "tools" / "qemu_run.py")
assert _spec and _spec.loader
qemu_run = importlib.util.module_from_spec(_spec)
sys.modules["qemu_run"] = qemu_run
_spec.loader.exec_module(qemu_run)


def test_command_el2_is_platform_md() -> None:
    cmd = qemu_run.qemu_command("x.bin")
    assert cmd == [
        "qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57",
        "-m", "128", "-icount", "shift=0", "-nographic", "-monitor", "none", "-serial", "stdio",
        "-kernel", "x.bin",
    ]


def test_command_el1_semihosting_no_reboot() -> None:
    cmd = qemu_run.qemu_command("x.bin", el=1, semihosting=True, no_reboot=True)
    assert cmd[cmd.index("-M") + 1] == "virt,gic-version=3"
    assert "-semihosting" in cmd and "-no-reboot" in cmd
    assert cmd[-2:] == ["-kernel", "x.bin"]
    with pytest.raises(ValueError):
        qemu_run.qemu_command("x.bin", el=3)


def test_kernel_metadata_comes_from_the_manifest_module() -> None:
    assert qemu_run.read_metadata is manifest.read_metadata
    assert qemu_run.KernelMeta is manifest.KernelMeta


def test_kernel_headers_are_consistent() -> None:
    """Every asm/*.S kernel has an .expected file and a well-formed header."""
    kernels = sorted((ROOT / "asm").glob("*.S"))
    assert kernels
    for src in kernels:
        manifest.read_metadata(src)  # raises MetadataError on a malformed header
        assert src.with_suffix(".expected").is_file(), src


def test_cli_rejects_a_malformed_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "k.S"
    src.write_text("// @exit 3 // @semihosting\n// @el 3\n    nop\n")
    assert qemu_run.main([str(src), "--check"]) == manifest.MetadataError.exit_status
    assert capsys.readouterr().err == (
        f'qemu_run: emu: kernel metadata error: {src}:2: @el wants 1 or 2, not "3"\n'
    )


def test_cli_reports_an_assembly_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "k.S"
    src.write_text("    bogus x0\n")
    out = tmp_path / "k.bin"
    assert qemu_run.main([str(src), "--bin", str(out)]) == AssemblyError.exit_status
    assert capsys.readouterr().err.startswith(f"qemu_run: emu: assembly error: {src}:1: ")
    assert not out.exists()


needs_qemu = pytest.mark.skipif(
    not qemu_run.qemu_available() and os.environ.get("CI") != "true",
    reason="qemu-system-aarch64 not installed",
)


@pytest.mark.qemu
@needs_qemu
def test_run_image_console_and_exit(tmp_path: Path) -> None:
    keystone = pytest.importorskip("keystone")
    ks = keystone.Ks(keystone.KS_ARCH_ARM64, keystone.KS_MODE_LITTLE_ENDIAN)
    code, _ = ks.asm(
        "ldr x1, =0x09000000\n mov w2, #0x4f\n strb w2, [x1]\n mov w2, #0x4b\n strb w2, [x1]\n"
        "ldr x0, =0x84000008\n smc #0\n spin: b spin\n",
        0x40080000,
    )
    image = tmp_path / "ok.bin"
    image.write_bytes(bytes(code))
    console, status = qemu_run.run_image(image, timeout=20)
    assert (console, status) == (b"OK", 0)


@pytest.mark.qemu
@needs_qemu
def test_run_image_timeout(tmp_path: Path) -> None:
    image = tmp_path / "spin.bin"
    image.write_bytes(bytes.fromhex("00000014"))  # b .
    res = qemu_run.run_image(image, timeout=1)
    assert res.timed_out and res.exit_status is None and res.console == b""


@pytest.mark.qemu
@needs_qemu
def test_cli_check_reads_the_header(capsys: pytest.CaptureFixture[str]) -> None:
    """semihosting.S: @semihosting and @exit 3 from its header; its console is QEMU's stderr."""
    source = ROOT / "asm" / "semihosting.S"
    assert qemu_run.main([str(source), "--check"]) == 0
    assert capsys.readouterr().err.encode() == source.with_suffix(".expected").read_bytes()
