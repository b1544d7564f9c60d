"""Boot options as QEMU has them: --append (bootargs), --dtb, --dumpdtb; and their bad input,
with a Linux Image header's impossible values."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import fdt
import pytest

from emu.board.devicetree import MAX_BOOTARGS, load_blob
from emu.board.loader import load_image
from emu.errors import BadDeviceTree, BadImage, UsageError
from emu.machine import Machine

ROOT = Path(__file__).resolve().parents[2]


def _emu(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "emu.cli", *args], capture_output=True, timeout=120, cwd=ROOT)


def _chosen(blob: bytes) -> dict[str, object]:
    tree = fdt.parse_dtb(blob)
    return {p.name: tuple(p.data) for p in tree.get_node("chosen").props}


def test_dumpdtb_writes_the_tree_the_guest_gets_and_exits(tmp_path: Path) -> None:
    out = tmp_path / "emu.dtb"
    done = _emu("run", "--append", "console=ttyAMA0 earlycon", "--dumpdtb", str(out))
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    blob = out.read_bytes()
    assert blob == Machine(bootargs="console=ttyAMA0 earlycon").dtb
    assert _chosen(blob)["bootargs"] == ("console=ttyAMA0 earlycon",)


def test_a_given_dtb_reaches_x0_with_the_appended_bootargs(tmp_path: Path) -> None:
    mine = Machine(el=1).dtb  # any valid tree: this one says psci = hvc
    blob = load_blob(mine, "mine.dtb", "root=/dev/vda")
    assert _chosen(blob)["bootargs"] == ("root=/dev/vda",)
    machine = Machine(dtb=blob)
    machine.load(load_image(ROOT / "asm" / "hello.S"))
    address = machine.cpu.x(0)
    assert address == 0x4400_0000
    assert bytes(machine.uc.mem_read(address, len(blob))) == blob


@pytest.mark.parametrize("blob, message", [
    (b"\x00" * 10, "too short"),
    (b"\x12\x34\x56\x78" + b"\x00" * 60, "not a flattened device tree"),
    (struct.pack(">6I", 0xD00DFEED, 4096, 56, 200, 40, 17) + b"\x00" * 40, "truncated or corrupt"),
    (struct.pack(">6I", 0xD00DFEED, 80, 56, 72, 40, 15) + b"\x00" * 56, "version 15"),
    (struct.pack(">6I", 0xD00DFEED, 80, 56, 72, 40, 17) + b"\xff" * 56, "does not parse"),
])
def test_malformed_dtbs(blob: bytes, message: str) -> None:
    with pytest.raises(BadDeviceTree, match=message):
        load_blob(blob, "x.dtb")


def test_malformed_dtb_from_the_command_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dtb"
    bad.write_bytes(b"not a tree at all, not even close to one" * 2)
    done = _emu("run", "--dtb", str(bad), "asm/hello.S")
    assert done.returncode == 79
    assert done.stderr.decode().count("\n") == 1 and b"Traceback" not in done.stderr


def test_bootargs_longer_than_linux_reads() -> None:
    with pytest.raises(UsageError, match="reads at most 2047"):
        Machine(bootargs="x" * (MAX_BOOTARGS + 1))
    assert _chosen(Machine(bootargs="y" * MAX_BOOTARGS).dtb)["bootargs"] == ("y" * MAX_BOOTARGS,)
    done = _emu("run", "--append", "z" * 3000, "asm/hello.S")
    assert done.returncode == 64 and b"COMMAND_LINE_SIZE" in done.stderr


def _image(tmp_path: Path, text_offset: int, image_size: int, flags: int, body: bytes = b"\x1f\x20\x03\xd5" * 32) -> Path:
    header = bytearray(64)
    struct.pack_into("<QQQ", header, 0x08, text_offset, image_size, flags)
    header[0x38:0x3C] = b"ARM\x64"
    path = tmp_path / "Image"
    path.write_bytes(bytes(header) + body)
    return path


@pytest.mark.parametrize("text_offset, image_size, flags, message", [
    (0x8_0000, 0x1000, 1, "big-endian"),
    (0x8_0000, 0x10, 0, "smaller than the file"),
    (0x8_0002, 0x1000, 0, "not 4-byte aligned"),
])
def test_impossible_image_headers(tmp_path: Path, text_offset: int, image_size: int, flags: int, message: str) -> None:
    with pytest.raises(BadImage, match=message):
        load_image(_image(tmp_path, text_offset, image_size, flags))
    done = _emu("run", str(_image(tmp_path, text_offset, image_size, flags)))
    assert done.returncode == 68 and message.encode() in done.stderr


def test_an_image_whose_text_offset_lies_beyond_ram(tmp_path: Path) -> None:
    done = _emu("run", "--ram", "16", str(_image(tmp_path, 0x200_0000, 0x1000, 0)))
    assert done.returncode == 69 and b"lie outside RAM" in done.stderr
