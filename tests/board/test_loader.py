"""emu.board.loader: placement of assembly, ELF, raw and Linux Image files, and bad input."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from emu.board.loader import Image, load_image
from emu.errors import AssemblyError, BadImage, EmptyImage, ImageDoesNotFit, ImageNotFound

NOP, RET = bytes.fromhex("1f2003d5"), bytes.fromhex("c0035fd6")
EM_X86_64 = 62


def make_elf(
    code: bytes,
    *,
    paddr: int = 0x4010_0000,
    vaddr: int | None = None,
    entry: int | None = None,
    memsz: int | None = None,
    machine: int = 183,
    elf_class: int = 2,
    symbols: dict[str, int] | None = None,
) -> bytes:
    """A minimal ELF64 executable: one PT_LOAD segment holding `code`, an optional .symtab.

    The symbol table also holds an undefined symbol and a `$x` mapping symbol, which the loader
    must leave out.
    """
    vaddr = paddr if vaddr is None else vaddr
    entry = vaddr if entry is None else entry
    memsz = len(code) if memsz is None else memsz
    code_at = 64 + 56
    phdr = struct.pack("<IIQQQQQQ", 1, 5, code_at, vaddr, paddr, len(code), memsz, 8)
    sections, blob = b"", b""
    shnum = shstrndx = 0
    if symbols is not None:
        blob, sections, shnum = _symbol_sections(code_at + len(code), paddr, len(code), symbols)
        shstrndx = shnum - 1
    shoff = code_at + len(code) + len(blob) if sections else 0
    ident = b"\x7fELF" + bytes([elf_class, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", 2, machine, 1, entry, 64, shoff, 0, 64, 56, 1, 64, shnum, shstrndx
    )
    return header + phdr + code + blob + sections


def _symbol_sections(
    offset: int, addr: int, size: int, symbols: dict[str, int]
) -> tuple[bytes, bytes, int]:
    """.symtab, .strtab and .shstrtab contents (placed at `offset`) and their section headers."""
    names = list(symbols) + ["undefined_one", "$x"]
    strtab = b"\0" + b"".join(n.encode() + b"\0" for n in names)
    name_at = {n: strtab.index(b"\0" + n.encode() + b"\0") + 1 for n in names}
    entries = [struct.pack("<IBBHQQ", 0, 0, 0, 0, 0, 0)]
    entries += [struct.pack("<IBBHQQ", name_at[n], 0x12, 0, 1, v, 4) for n, v in symbols.items()]
    entries.append(struct.pack("<IBBHQQ", name_at["undefined_one"], 0x10, 0, 0, 0, 0))
    entries.append(struct.pack("<IBBHQQ", name_at["$x"], 0x00, 0, 1, addr, 0))
    symtab = b"".join(entries)
    shstrtab = b"\0.text\0.symtab\0.strtab\0.shstrtab\0"
    text_code_at = offset - size

    def shdr(name: str, kind: int, flags: int, at: int, length: int, link: int = 0, entsize: int = 0) -> bytes:
        index = shstrtab.index(name.encode() + b"\0")
        return struct.pack("<IIQQQQIIQQ", index, kind, flags, 0, at, length, link, 1, 8, entsize)

    headers = (
        bytes(64)
        + shdr(".text", 1, 6, text_code_at, size)
        + shdr(".symtab", 2, 0, offset, len(symtab), link=3, entsize=24)
        + shdr(".strtab", 3, 0, offset + len(symtab), len(strtab))
        + shdr(".shstrtab", 3, 0, offset + len(symtab) + len(strtab), len(shstrtab))
    )
    return symtab + strtab + shstrtab, headers, 5


def linux_image(text_offset: int, image_size: int, body: bytes = NOP * 32) -> bytes:
    header = bytearray(64)
    header[0:4] = NOP
    struct.pack_into("<QQ", header, 0x08, text_offset, image_size)
    header[0x38:0x3C] = b"ARM\x64"
    return bytes(header) + body


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


# --- assembly ---------------------------------------------------------------------------------


def test_assembly_is_loaded_and_entered_at_0x40080000(tmp_path: Path) -> None:
    path = write(tmp_path, "k.S", b"start:\n    nop\nhere: ret\n")
    image = load_image(path)
    assert image == Image(
        segments=((0x4008_0000, NOP + RET),),
        entry=0x4008_0000,
        symbols={"start": 0x4008_0000, "here": 0x4008_0004},
        kind="asm",
        path=path,
    )


def test_lowercase_s_is_assembly_too(tmp_path: Path) -> None:
    image = load_image(write(tmp_path, "k.s", b"nop\n"))
    assert (image.kind, image.segments) == ("asm", ((0x4008_0000, NOP),))


def test_assembly_follows_the_ram_base(tmp_path: Path) -> None:
    image = load_image(write(tmp_path, "k.S", b"here: nop\n"), ram_base=0x8000_0000)
    assert image.segments == ((0x8008_0000, NOP),)
    assert image.entry == 0x8008_0000
    assert image.symbols == {"here": 0x8008_0000}


def test_include_dirs_are_passed_to_the_assembler(tmp_path: Path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "lib.S").write_text("ret\n")
    image = load_image(write(tmp_path, "k.S", b'nop\n.include "lib.S"\n'), include_dirs=[tmp_path / "inc"])
    assert image.segments == ((0x4008_0000, NOP + RET),)


def test_assembly_of_nothing_is_an_empty_image(tmp_path: Path) -> None:
    path = write(tmp_path, "k.S", b"// only a comment\n")
    with pytest.raises(EmptyImage) as caught:
        load_image(path)
    assert caught.value.message == f"{path} assembles to 0 bytes: there is nothing to run"
    assert caught.value.exit_status == 67


def test_binary_garbage_named_s_is_an_assembly_error(tmp_path: Path) -> None:
    path = write(tmp_path, "garbage.S", bytes(range(256)))
    with pytest.raises(AssemblyError) as caught:
        load_image(path)
    assert caught.value.message == f"{path}:2: not assembly text: byte 0x80 at offset 128 is not UTF-8"
    assert caught.value.exit_status == 65


# --- raw and Linux Image ----------------------------------------------------------------------


def test_raw_binary_goes_to_ram_base_plus_512k(tmp_path: Path) -> None:
    path = write(tmp_path, "k.bin", NOP + RET)
    assert load_image(path) == Image(((0x4008_0000, NOP + RET),), 0x4008_0000, {}, "raw", path)


def test_raw_detection_ignores_the_name(tmp_path: Path) -> None:
    image = load_image(write(tmp_path, "kernel", NOP))
    assert (image.kind, image.entry) == ("raw", 0x4008_0000)


def test_linux_image_honours_text_offset(tmp_path: Path) -> None:
    data = linux_image(text_offset=0x8_0000, image_size=0x1000)
    image = load_image(write(tmp_path, "Image", data))
    assert image.kind == "linux-image"
    assert image.segments == ((0x4008_0000, data),)
    assert image.entry == 0x4008_0000


def test_linux_image_with_another_text_offset(tmp_path: Path) -> None:
    image = load_image(write(tmp_path, "Image", linux_image(text_offset=0x20_0000, image_size=0x1000)))
    assert image.entry == 0x4020_0000
    assert image.segments[0][0] == 0x4020_0000


def test_linux_image_with_zero_image_size_assumes_text_offset_0x80000(tmp_path: Path) -> None:
    image = load_image(write(tmp_path, "Image", linux_image(text_offset=0x30_0000, image_size=0)))
    assert image.entry == 0x4008_0000


def test_linux_image_with_text_offset_0_goes_2mib_up_as_in_qemu(tmp_path: Path) -> None:
    image = load_image(write(tmp_path, "Image", linux_image(text_offset=0, image_size=0x1000)))
    assert image.entry == 0x4020_0000


def test_magic_at_the_very_end_is_not_a_linux_image(tmp_path: Path) -> None:
    data = linux_image(text_offset=0x20_0000, image_size=0x1000, body=b"")[:0x3C]
    assert load_image(write(tmp_path, "Image", data)).kind == "raw"


# --- ELF --------------------------------------------------------------------------------------


def test_elf_is_loaded_by_program_header_paddr(tmp_path: Path) -> None:
    data = make_elf(NOP + RET, paddr=0x4010_0000, vaddr=0xFFFF_0000_0010_0000, entry=0x4010_0004)
    path = write(tmp_path, "k.bin", data)
    image = load_image(path)
    assert image == Image(((0x4010_0000, NOP + RET),), 0x4010_0004, {}, "elf", path)


def test_elf_segment_is_zero_filled_up_to_memsz(tmp_path: Path) -> None:
    image = load_image(write(tmp_path, "k.elf", make_elf(NOP, memsz=16)))
    assert image.segments == ((0x4010_0000, NOP + bytes(12)),)


def test_elf_symbols_come_from_symtab(tmp_path: Path) -> None:
    data = make_elf(NOP + RET, symbols={"_start": 0x4010_0000, "done": 0x4010_0004})
    image = load_image(write(tmp_path, "k.elf", data))
    assert dict(image.symbols) == {"_start": 0x4010_0000, "done": 0x4010_0004}


def test_elf_for_another_machine_is_a_bad_image(tmp_path: Path) -> None:
    path = write(tmp_path, "x86.elf", make_elf(NOP, machine=EM_X86_64))
    with pytest.raises(BadImage) as caught:
        load_image(path)
    assert caught.value.message == (
        f"{path}: ELF file for EM_X86_64 (e_machine 62), not AArch64 (EM_AARCH64, 183)"
    )
    assert caught.value.exit_status == 68


def test_elf_machine_is_checked_after_patching_a_good_file(tmp_path: Path) -> None:
    data = bytearray(make_elf(NOP))
    struct.pack_into("<H", data, 18, 40)  # EM_ARM
    with pytest.raises(BadImage, match=r"ELF file for EM_ARM \(e_machine 40\), not AArch64"):
        load_image(write(tmp_path, "arm.elf", bytes(data)))


def test_32_bit_elf_is_a_bad_image(tmp_path: Path) -> None:
    with pytest.raises(BadImage, match=r"32-bit \(ELFCLASS32\) ELF file; AArch64 images are 64-bit"):
        load_image(write(tmp_path, "k.elf", make_elf(NOP, elf_class=1)))


def test_big_endian_elf_is_a_bad_image(tmp_path: Path) -> None:
    data = bytearray(make_elf(NOP))
    data[5] = 2
    with pytest.raises(BadImage, match=r"big-endian \(ELFDATA2MSB\) ELF file"):
        load_image(write(tmp_path, "k.elf", bytes(data)))


def test_truncated_elf_header_is_a_bad_image(tmp_path: Path) -> None:
    path = write(tmp_path, "k.elf", make_elf(NOP)[:40])
    with pytest.raises(BadImage) as caught:
        load_image(path)
    assert caught.value.message == f"{path}: truncated ELF file: 40 bytes, an ELF64 header is 64"


def test_elf_truncated_anywhere_is_a_bad_image_never_a_traceback(tmp_path: Path) -> None:
    data = make_elf(NOP * 4, symbols={"_start": 0x4010_0000})
    for length in range(4, len(data)):
        path = write(tmp_path, "cut.elf", data[:length])
        try:
            load_image(path)
        except BadImage as exc:
            assert exc.message.startswith(f"{path}: ")
        # a cut inside the section headers may leave a loadable image: that is fine too


def test_elf_segment_data_missing_from_the_file_is_a_bad_image(tmp_path: Path) -> None:
    path = write(tmp_path, "k.elf", make_elf(NOP * 4)[:-8])
    with pytest.raises(BadImage, match=r"corrupt ELF program header 0: p_filesz 0x10, p_memsz 0x10, 8 bytes"):
        load_image(path)


def test_elf_without_loadable_segments_is_a_bad_image(tmp_path: Path) -> None:
    data = bytearray(make_elf(NOP))
    struct.pack_into("<I", data, 64, 4)  # PT_LOAD -> PT_NOTE
    path = write(tmp_path, "k.elf", bytes(data))
    with pytest.raises(BadImage) as caught:
        load_image(path)
    assert caught.value.message == f"{path}: ELF file has no loadable (PT_LOAD) segment"


# --- bad input --------------------------------------------------------------------------------


def test_nonexistent_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.bin")
    with pytest.raises(ImageNotFound) as caught:
        load_image(path)
    assert caught.value.message == f"{path}: no such file"
    assert caught.value.exit_status == 66


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ImageNotFound) as caught:
        load_image(tmp_path)
    assert caught.value.message == f"{tmp_path} is a directory, not an image file"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "secret.bin", NOP)

    def refuse(self: Path) -> bytes:  # as a mode-000 file for a non-root user
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(ImageNotFound) as caught:
        load_image(path)
    assert caught.value.message == f"{path}: cannot read: Permission denied"


def test_fifo_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    with pytest.raises(ImageNotFound) as caught:
        load_image(path)
    assert caught.value.message == f"{path} is not a regular file"


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.bin", b"")
    with pytest.raises(EmptyImage) as caught:
        load_image(path)
    assert caught.value.message == f"{path} is empty (0 bytes): there is nothing to load"
    assert caught.value.exit_status == 67


def test_empty_assembly_file_is_empty_too(tmp_path: Path) -> None:
    with pytest.raises(EmptyImage):
        load_image(write(tmp_path, "empty.S", b""))


def test_image_larger_than_ram(tmp_path: Path) -> None:
    path = write(tmp_path, "big.bin", bytes(0x2001))
    with pytest.raises(ImageDoesNotFit) as caught:
        load_image(path, ram_size=0x2000)
    assert caught.value.message == (
        f"{path}: the image is 8193 bytes (0x2001), larger than RAM (0x40000000-0x40001fff, 8192 bytes)"
    )
    assert caught.value.exit_status == 69


def test_raw_image_running_past_the_end_of_ram(tmp_path: Path) -> None:
    path = write(tmp_path, "k.bin", bytes(0x10))
    with pytest.raises(ImageDoesNotFit) as caught:
        load_image(path, ram_size=0x8_0008)
    assert caught.value.message == (
        f"{path}: 16 bytes to load at 0x40080000-0x4008000f lie outside RAM "
        "(0x40000000-0x40080007, 524296 bytes)"
    )


def test_elf_segment_below_ram(tmp_path: Path) -> None:
    path = write(tmp_path, "k.elf", make_elf(NOP, paddr=0x3FFF_FFFC, entry=0x4000_0000))
    with pytest.raises(ImageDoesNotFit) as caught:
        load_image(path)
    assert caught.value.message == (
        f"{path}: 4 bytes to load at 0x3ffffffc-0x3fffffff lie outside RAM "
        "(0x40000000-0x47ffffff, 134217728 bytes)"
    )


def test_entry_point_outside_ram(tmp_path: Path) -> None:
    path = write(tmp_path, "k.elf", make_elf(NOP, entry=0x1000))
    with pytest.raises(ImageDoesNotFit) as caught:
        load_image(path)
    assert caught.value.message == (
        f"{path}: entry point 0x1000 is outside RAM (0x40000000-0x47ffffff, 134217728 bytes)"
    )


def test_linux_image_text_offset_beyond_ram(tmp_path: Path) -> None:
    path = write(tmp_path, "Image", linux_image(text_offset=0x1000_0000, image_size=0x1000))
    with pytest.raises(ImageDoesNotFit, match=r"to load at 0x50000000-0x500000bf lie outside RAM"):
        load_image(path)


def test_errors_are_one_paragraph(tmp_path: Path) -> None:
    path = write(tmp_path, "x86.elf", make_elf(NOP, machine=EM_X86_64))
    with pytest.raises(BadImage) as caught:
        load_image(path)
    assert "\n" not in caught.value.report()
    assert caught.value.report().startswith("emu: bad image: ")


def test_path_through_a_file_is_not_found(tmp_path: Path) -> None:
    path = write(tmp_path, "k.bin", NOP) + "/inner.bin"
    with pytest.raises(ImageNotFound) as caught:
        load_image(path)
    assert caught.value.message == f"{path}: cannot read: Not a directory"
