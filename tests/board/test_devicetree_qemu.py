"""The device tree against QEMU 7.2's own (`-machine dumpdtb=FILE`), node by node and property by
property, with and without virtualization=on; and Debian's dtc decompiles emu's without a
warning. Intended differences are listed here and in docs/qemu.md."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import fdt
import pytest

from emu.board import devicetree
from emu.machine import Machine

QEMU = shutil.which("qemu-system-aarch64")
# Nodes of devices emu does not emulate (a guest must not find them), and the ITS.
ABSENT = ("/flash@0", "/fw-cfg@9020000", "/gpio-keys", "/intc@8000000/its@8080000", "/pcie@10000000",
          "/pl031@9010000", "/pl061@9030000", "/platform-bus@c000000", "/virtio_mmio@")
RANDOM = {("/chosen", "rng-seed"), ("/chosen", "kaslr-seed")}  # QEMU's differ on every run


def _nodes(blob: bytes) -> dict[str, dict[str, object]]:
    tree = fdt.parse_dtb(blob)
    out: dict[str, dict[str, object]] = {}
    for path, _nodes_, props in tree.walk():
        out[path] = {p.name: tuple(getattr(p, "data", ())) for p in props}
    return out


def _qemu_dtb(tmp_path: Path, machine: str, mib: int) -> bytes:
    out = tmp_path / f"{machine.replace(',', '_')}.dtb"
    subprocess.run([QEMU, "-M", f"{machine},dumpdtb={out}", "-cpu", "cortex-a57", "-m", str(mib), "-nographic"],
                   check=True, capture_output=True, timeout=60)
    return out.read_bytes()


@pytest.mark.skipif(QEMU is None, reason="qemu-system-aarch64 is not installed (.ci/run installs it)")
@pytest.mark.parametrize("machine, el, mib", [
    ("virt,gic-version=3,virtualization=on", 2, 128),
    ("virt,gic-version=3", 1, 128),
    ("virt,gic-version=3,virtualization=on", 2, 512),
])
def test_same_nodes_and_properties_as_qemu(tmp_path: Path, machine: str, el: int, mib: int) -> None:
    qemu = _nodes(_qemu_dtb(tmp_path, machine, mib))
    emu = _nodes(Machine(el=el, ram_mib=mib).dtb)
    for path in qemu:
        if path.startswith(ABSENT):
            assert path not in emu, f"{path}: emu has no such device"
            continue
        assert path in emu, f"emu lacks {path}"
        wanted = {k: v for k, v in qemu[path].items() if (path, k) not in RANDOM}
        assert emu[path] == wanted, path
    assert set(emu) <= set(qemu)


def test_bootargs_and_the_psci_conduit() -> None:
    tree = _nodes(devicetree.build(128 << 20, psci_conduit="hvc", bootargs="console=ttyAMA0 quiet"))
    assert tree["/chosen"]["bootargs"] == ("console=ttyAMA0 quiet",)
    assert tree["/psci"]["method"] == ("hvc",)
    assert "interrupts" not in tree["/intc@8000000"]  # no EL2: no maintenance interrupt


@pytest.mark.skipif(shutil.which("dtc") is None, reason="Debian's device-tree-compiler is not installed")
def test_dtc_decompiles_it_without_warnings(tmp_path: Path) -> None:
    blob = tmp_path / "emu.dtb"
    blob.write_bytes(Machine().dtb)
    done = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", str(blob)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stderr == ""
    assert 'compatible = "arm,gic-v3";' in done.stdout and 'method = "smc";' in done.stdout
