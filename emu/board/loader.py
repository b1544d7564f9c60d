"""Load a guest image: AArch64 assembly, an ELF, a Linux arm64 Image or a raw binary.

Placement follows QEMU's `-kernel` on the virt board: an ELF goes where its PT_LOAD program
headers say (p_paddr) and is entered at e_entry; assembly and raw binaries go to RAM base +
0x8_0000 and are entered there; a Linux arm64 Image (magic "ARM\\x64" at 0x38) goes to RAM base +
text_offset, where, as in QEMU's load_aarch64_image, a text_offset below 4 KiB (where QEMU puts
its boot stub) moves up by 2 MiB, and a header with image_size 0 (pre-3.17 kernels) means
text_offset 0x8_0000 (Documentation/arm64/booting.rst).
"""

from __future__ import annotations

import io
import os
import stat
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.enums import ENUM_E_MACHINE
from elftools.elf.sections import SymbolTableSection

from emu.board.asm import assemble_file
from emu.errors import BadImage, EmptyImage, ImageDoesNotFit, ImageNotFound

DEFAULT_RAM_BASE = 0x4000_0000
DEFAULT_RAM_SIZE = 128 << 20
RAW_OFFSET = 0x8_0000  # raw images and assembly: RAM base + 512 KiB, as QEMU

ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 183
LINUX_IMAGE_MAGIC = b"ARM\x64"
LINUX_IMAGE_MAGIC_OFFSET = 0x38
QEMU_BOOT_STUB_SIZE = 4 << 10  # QEMU's BOOTLOADER_MAX_SIZE
QEMU_BOOT_STUB_SKIP = 2 << 20

_NO_SYMBOLS: Mapping[str, int] = MappingProxyType({})
_MACHINE_NAMES = {number: name for name, number in ENUM_E_MACHINE.items() if name != "_default_"}


@dataclass(frozen=True)
class Image:
    """What to put in guest memory and where to start."""

    segments: tuple[tuple[int, bytes], ...]  # (physical address, bytes)
    entry: int
    symbols: Mapping[str, int]
    kind: str  # "asm" | "elf" | "raw" | "linux-image"
    path: str


def load_image(
    path: str | os.PathLike[str],
    *,
    ram_base: int = DEFAULT_RAM_BASE,
    ram_size: int = DEFAULT_RAM_SIZE,
    include_dirs: Sequence[str | os.PathLike[str]] | None = None,
) -> Image:
    """Read and place the image at `path`; raise the matching emu.errors error if it cannot."""
    shown = os.fspath(path)
    data = _read(shown)
    if data[:4] == ELF_MAGIC:
        image = _elf_image(data, shown)
    elif Path(shown).suffix in (".S", ".s"):
        image = _asm_image(shown, ram_base + RAW_OFFSET, include_dirs)
    elif _is_linux_image(data):
        image = _linux_image(data, shown, ram_base)
    else:
        address = ram_base + RAW_OFFSET
        image = Image(((address, data),), address, _NO_SYMBOLS, "raw", shown)
    _check_fits(image, ram_base, ram_size)
    return image


def _read(shown: str) -> bytes:
    try:
        mode = os.stat(shown).st_mode
        if stat.S_ISDIR(mode):
            raise ImageNotFound(f"{shown} is a directory, not an image file")
        if not stat.S_ISREG(mode):
            raise ImageNotFound(f"{shown} is not a regular file")
        data = Path(shown).read_bytes()
    except FileNotFoundError as exc:
        raise ImageNotFound(f"{shown}: no such file") from exc
    except OSError as exc:
        raise ImageNotFound(f"{shown}: cannot read: {exc.strerror}") from exc
    if not data:
        raise EmptyImage(f"{shown} is empty (0 bytes): there is nothing to load")
    return data


def _asm_image(
    shown: str, base: int, include_dirs: Sequence[str | os.PathLike[str]] | None
) -> Image:
    assembly = assemble_file(shown, base=base, include_dirs=include_dirs)
    if not assembly.code:
        raise EmptyImage(f"{shown} assembles to 0 bytes: there is nothing to run")
    return Image(((base, assembly.code),), base, assembly.symbols, "asm", shown)


def _is_linux_image(data: bytes) -> bool:
    end = LINUX_IMAGE_MAGIC_OFFSET + len(LINUX_IMAGE_MAGIC)
    return len(data) > end and data[LINUX_IMAGE_MAGIC_OFFSET:end] == LINUX_IMAGE_MAGIC


def _linux_image(data: bytes, shown: str, ram_base: int) -> Image:
    """Documentation/arm64/booting.rst's header: text_offset, image_size, flags (bit 0: the
    kernel is big-endian). Values no kernel can have are refused."""
    text_offset, image_size, flags = struct.unpack_from("<QQQ", data, 0x08)
    if image_size and flags & 1:
        raise BadImage(f"{shown}: the Image header says the kernel is big-endian (flags bit 0); emu runs "
                       "little-endian only")
    if image_size and image_size < len(data):
        raise BadImage(f"{shown}: the Image header's image_size (0x{image_size:x}) is smaller than the file "
                       f"(0x{len(data):x} bytes): no kernel's memory footprint is smaller than its image")
    if text_offset % 4:
        raise BadImage(f"{shown}: the Image header's text_offset 0x{text_offset:x} is not 4-byte aligned: "
                       "the entry point could not hold an instruction")
    if image_size == 0:
        text_offset = RAW_OFFSET
    elif text_offset < QEMU_BOOT_STUB_SIZE:
        text_offset += QEMU_BOOT_STUB_SKIP
    address = ram_base + text_offset
    return Image(((address, data),), address, _NO_SYMBOLS, "linux-image", shown)


# --- ELF --------------------------------------------------------------------------------------


def _elf_image(data: bytes, shown: str) -> Image:
    _check_elf_header(data, shown)
    try:
        elf = ELFFile(io.BytesIO(data))
        segments = _elf_segments(elf, shown)
        symbols = _elf_symbols(elf)
        entry = elf.header.e_entry
    except (ELFError, ValueError, struct.error, EOFError, KeyError) as exc:
        raise BadImage(f"{shown}: corrupt ELF file: {exc}") from exc
    if not segments:
        raise BadImage(f"{shown}: ELF file has no loadable (PT_LOAD) segment")
    return Image(segments, entry, MappingProxyType(symbols), "elf", shown)


def _check_elf_header(data: bytes, shown: str) -> None:
    """Reject what is not a complete little-endian ELF64 header for EM_AARCH64."""
    if len(data) < 64:
        raise BadImage(f"{shown}: truncated ELF file: {len(data)} bytes, an ELF64 header is 64")
    if data[4] != 2:
        bits = {1: "32-bit (ELFCLASS32)"}.get(data[4], f"EI_CLASS {data[4]}")
        raise BadImage(f"{shown}: {bits} ELF file; AArch64 images are 64-bit (ELFCLASS64)")
    if data[5] != 1:
        order = {2: "big-endian (ELFDATA2MSB)"}.get(data[5], f"EI_DATA {data[5]}")
        raise BadImage(f"{shown}: {order} ELF file; emu runs little-endian AArch64 (ELFDATA2LSB)")
    (machine,) = struct.unpack_from("<H", data, 18)
    if machine != EM_AARCH64:
        name = _MACHINE_NAMES.get(machine, "unknown machine")
        raise BadImage(
            f"{shown}: ELF file for {name} (e_machine {machine}), "
            f"not AArch64 (EM_AARCH64, {EM_AARCH64})"
        )


def _elf_segments(elf: ELFFile, shown: str) -> tuple[tuple[int, bytes], ...]:
    """PT_LOAD segments at p_paddr: p_filesz bytes from the file, zeros up to p_memsz."""
    segments = []
    for index, segment in enumerate(elf.iter_segments()):
        header = segment.header
        if header.p_type != "PT_LOAD" or header.p_memsz == 0:
            continue
        contents = segment.data()
        if header.p_filesz > header.p_memsz or len(contents) != header.p_filesz:
            raise BadImage(
                f"{shown}: corrupt ELF program header {index}: p_filesz 0x{header.p_filesz:x}, "
                f"p_memsz 0x{header.p_memsz:x}, {len(contents)} bytes present at offset "
                f"0x{header.p_offset:x}"
            )
        segments.append((header.p_paddr, contents + bytes(header.p_memsz - header.p_filesz)))
    return tuple(segments)


def _elf_symbols(elf: ELFFile) -> dict[str, int]:
    """Defined function, object and untyped symbols of .symtab (no $x/$d mapping symbols)."""
    table = elf.get_section_by_name(".symtab")
    if not isinstance(table, SymbolTableSection):
        return {}
    symbols: dict[str, int] = {}
    for symbol in table.iter_symbols():
        kind, name = symbol["st_info"]["type"], symbol.name
        wanted = kind in ("STT_NOTYPE", "STT_FUNC", "STT_OBJECT") and name and name[0] != "$"
        if wanted and symbol["st_shndx"] != "SHN_UNDEF":
            symbols.setdefault(name, symbol["st_value"])
    return symbols


# --- placement --------------------------------------------------------------------------------


def _check_fits(image: Image, ram_base: int, ram_size: int) -> None:
    ram_end = ram_base + ram_size
    ram = f"RAM (0x{ram_base:x}-0x{ram_end - 1:x}, {ram_size} bytes)"
    for address, contents in image.segments:
        end = address + len(contents)
        if len(contents) > ram_size:
            raise ImageDoesNotFit(
                f"{image.path}: the image is {len(contents)} bytes (0x{len(contents):x}), "
                f"larger than {ram}"
            )
        if address < ram_base or end > ram_end:
            raise ImageDoesNotFit(
                f"{image.path}: {len(contents)} bytes to load at 0x{address:x}-0x{end - 1:x} "
                f"lie outside {ram}"
            )
    if not ram_base <= image.entry < ram_end:
        raise ImageDoesNotFit(f"{image.path}: entry point 0x{image.entry:x} is outside {ram}")
