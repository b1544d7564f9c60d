"""emu.board.asm: keystone assembly with includes, symbols and errors naming the original line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from keystone import KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN, Ks

from emu.board import asm
from emu.board.asm import DEFAULT_BASE, assemble_file, assemble_source, read_source
from emu.errors import AssemblyError, ImageNotFound

NOP, RET = bytes.fromhex("1f2003d5"), bytes.fromhex("c0035fd6")
MOV_X0_1 = bytes.fromhex("200080d2")
BAD = "mov x0, #1, #2"
INVALID_OPERAND = "KS_ERR_ASM_INVALIDOPERAND: Invalid operand"


def keystone(source: str, base: int = DEFAULT_BASE) -> bytes:
    code, _ = Ks(KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN).asm(source.encode(), base, as_bytes=True)
    return bytes(code or b"")


def rejected(source: str, **kwargs: object) -> str:
    with pytest.raises(AssemblyError) as caught:
        assemble_source(source, name="asm/t.S", **kwargs)  # type: ignore[arg-type]
    assert caught.value.exit_status == 65
    assert "\n" not in caught.value.message
    return caught.value.message


# --- assembling -------------------------------------------------------------------------------


def test_default_base_is_0x40080000() -> None:
    assembly = assemble_source("mov x0, #1\n.quad here\nhere: ret\n")
    assert assembly.base == DEFAULT_BASE == 0x4008_0000
    assert assembly.code == MOV_X0_1 + (0x4008_000C).to_bytes(8, "little") + RET


def test_other_base() -> None:
    assembly = assemble_source(".quad here\nhere: nop\n", base=0x4100_0000)
    assert assembly.code == (0x4100_0008).to_bytes(8, "little") + NOP
    assert assembly.symbols == {"here": 0x4100_0008}


PLAIN = """\
// what the kernels use, as keystone assembles it
.equ UART, 0x09000000
.macro PUT reg
    str \\reg, [x9]
.endm
start:
    ldr x9, =UART
    ldr x1, =0x1122334455667788
    mrs x0, CurrentEL
    msr S3_0_C12_C12_0, x1
    msr ICC_SRE_EL2, x0
    PUT x0
    .rept 3
    nop
    .endr
    .balign 16
table: .quad start, table
msg: .asciz "a // b /* c"
    .balign 4
loop: b loop
"""


def test_plain_keystone_source_assembles_to_the_same_bytes() -> None:
    assert assemble_source(PLAIN).code == keystone(PLAIN)


def test_plain_source_at_another_base_too() -> None:
    assert assemble_source(PLAIN, base=0x4000_1004).code == keystone(PLAIN, 0x4000_1004)


def test_symbols_are_label_addresses() -> None:
    assembly = assemble_source(PLAIN)
    code = keystone(PLAIN)
    table = assembly.symbols["table"]
    assert dict(assembly.symbols) == {
        "start": 0x4008_0000,
        "table": table,
        "msg": table + 16,
        "loop": table + 28,
    }
    assert table % 16 == 0
    offset = table - DEFAULT_BASE
    assert code[offset : offset + 16] == (0x4008_0000).to_bytes(8, "little") + table.to_bytes(8, "little")


def test_symbols_with_a_literal_pool_after_the_code() -> None:
    source = "first: ldr x0, =0x1122334455667788\nsecond: ret\n"
    assembly = assemble_source(source)
    assert assembly.code == keystone(source)
    assert assembly.code[8:] == (0x1122334455667788).to_bytes(8, "little")
    assert assembly.symbols == {"first": 0x4008_0000, "second": 0x4008_0004}


def test_symbols_several_per_line_local_and_in_macros() -> None:
    source = ".macro M\ninner: nop\n.endm\na: b: nop\n.Llocal: nop; c: nop\nM\n"
    assert dict(assemble_source(source).symbols) == {
        "inner": 0x4008_000C,
        "a": 0x4008_0000,
        "b": 0x4008_0000,
        ".Llocal": 0x4008_0004,
        "c": 0x4008_0008,
    }


def test_labels_in_a_false_conditional_are_left_out() -> None:
    assembly = assemble_source(".if 0\ndebug_only: nop\n.endif\nmain: ret\n")
    assert assembly.code == RET
    assert assembly.symbols == {"main": 0x4008_0000}


def test_labels_in_comments_and_strings_are_not_symbols() -> None:
    source = "// fake: nop\n/* also:\nfake2: */ s: .ascii \"x: y\"\n"
    assert assemble_source(source).symbols == {"s": 0x4008_0000}


def test_empty_and_comment_only_sources_give_no_code() -> None:
    assert assemble_source("").code == b""
    assert assemble_source("// nothing\n\n").code == b""


def test_crlf_line_ends() -> None:
    assert assemble_source("nop\r\nret\r\n").code == NOP + RET


def test_utf8_comments_are_fine() -> None:
    assert assemble_source("nop // café — ok\n").code == NOP


def test_assemble_file(tmp_path: Path) -> None:
    path = tmp_path / "k.S"
    path.write_text("start: nop\n")
    assembly = assemble_file(path)
    assert (assembly.code, dict(assembly.symbols)) == (NOP, {"start": 0x4008_0000})


def test_symbols_are_read_only() -> None:
    symbols = assemble_source("x: nop\n").symbols
    with pytest.raises(TypeError):
        symbols["y"] = 1  # type: ignore[index]


# --- includes ---------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/asm/{k.S, local.S, sub/nested.S}, tmp/inc/{lib.S, local.S}; cwd = tmp."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "asm" / "sub").mkdir(parents=True)
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "lib.S").write_text("lib: ret\n")
    (tmp_path / "inc" / "local.S").write_text("// shadowed by asm/local.S\nmov x0, #1\n")
    (tmp_path / "asm" / "local.S").write_text('nop\n#include "sub/nested.S"\n')
    (tmp_path / "asm" / "sub" / "nested.S").write_text("nested: nop\n")
    return tmp_path


def test_includes_resolve_next_to_the_includer_first_then_in_include_dirs(tree: Path) -> None:
    (tree / "asm" / "k.S").write_text('.include "local.S"\n  .include "lib.S" // lib\n')
    assembly = assemble_file("asm/k.S", include_dirs=["inc"])
    assert assembly.code == NOP + NOP + RET
    assert assembly.symbols == {"nested": 0x4008_0004, "lib": 0x4008_0008}


def test_line_map_of_expanded_includes(tree: Path) -> None:
    (tree / "asm" / "k.S").write_text('// k\n.include "local.S"\nret\n')
    lines = read_source("asm/k.S", include_dirs=["inc"])
    assert [(line.path, line.number, line.text) for line in lines] == [
        ("asm/k.S", 1, "// k"),
        ("asm/local.S", 1, "nop"),
        ("asm/sub/nested.S", 1, "nested: nop"),
        ("asm/k.S", 3, "ret"),
    ]


def test_default_include_dir_is_the_projects_asm_include() -> None:
    assert asm.DEFAULT_INCLUDE_DIRS == (Path(__file__).resolve().parents[2] / "asm" / "include",)


def test_missing_include_names_the_including_file_and_line(tree: Path) -> None:
    (tree / "asm" / "k.S").write_text('nop\n.include "nope.S"\n')
    with pytest.raises(AssemblyError) as caught:
        assemble_file("asm/k.S", include_dirs=["inc"])
    assert caught.value.message == 'asm/k.S:2: cannot find include file "nope.S" (searched asm, inc)'


def test_missing_include_inside_an_include(tree: Path) -> None:
    (tree / "asm" / "sub" / "nested.S").write_text('\n\n#include "gone.S"\n')
    (tree / "asm" / "k.S").write_text('.include "local.S"\n')
    with pytest.raises(AssemblyError) as caught:
        assemble_file("asm/k.S", include_dirs=["inc"])
    assert caught.value.message == (
        'asm/sub/nested.S:3: cannot find include file "gone.S" (searched asm/sub, inc)'
    )


def test_include_cycle_is_an_error(tree: Path) -> None:
    (tree / "asm" / "a.S").write_text('.include "b.S"\n')
    (tree / "asm" / "b.S").write_text('nop\n.include "a.S"\n')
    with pytest.raises(AssemblyError) as caught:
        assemble_file("asm/a.S")
    assert caught.value.message == "asm/b.S:2: include cycle: asm/a.S -> asm/b.S -> asm/a.S"


def test_self_include_is_a_cycle(tree: Path) -> None:
    (tree / "asm" / "a.S").write_text('.include "a.S"\n')
    with pytest.raises(AssemblyError, match=r"^asm/a\.S:1: include cycle: asm/a\.S -> asm/a\.S$"):
        assemble_file("asm/a.S")


def test_including_the_same_file_twice_is_not_a_cycle(tree: Path) -> None:
    (tree / "asm" / "k.S").write_text('.include "lib.S"\n.if 0\n.include "lib.S"\n.endif\n')
    assert assemble_file("asm/k.S", include_dirs=["inc"]).code == RET


def test_error_line_inside_an_included_file(tree: Path) -> None:
    (tree / "inc" / "lib.S").write_text(f"nop\nnop\n{BAD}\n")
    (tree / "asm" / "k.S").write_text('nop\n.include "lib.S"\nnop\n')
    with pytest.raises(AssemblyError) as caught:
        assemble_file("asm/k.S", include_dirs=["inc"])
    assert caught.value.message == f'inc/lib.S:3: keystone rejected "{BAD}" ({INVALID_OPERAND})'


def test_garbage_include_names_the_included_file(tree: Path) -> None:
    (tree / "inc" / "lib.S").write_bytes(b"nop\n\xff\xfe\n")
    (tree / "asm" / "k.S").write_text('.include "lib.S"\n')
    with pytest.raises(AssemblyError) as caught:
        assemble_file("asm/k.S", include_dirs=["inc"])
    assert caught.value.message == "inc/lib.S:2: not assembly text: byte 0xff at offset 4 is not UTF-8"


# --- errors -----------------------------------------------------------------------------------


def test_error_names_file_line_text_and_keystone_code() -> None:
    source = f"// header\nnop\n\nlabel:\n    {BAD}   // the bad one\nnop\n"
    assert rejected(source) == f'asm/t.S:5: keystone rejected "{BAD}   // the bad one" ({INVALID_OPERAND})'


def test_error_in_assemble_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "foo.S"
    path.write_text(f"nop\n{BAD}\n")
    with pytest.raises(AssemblyError) as caught:
        assemble_file(path)
    assert caught.value.message == f'{path}:2: keystone rejected "{BAD}" ({INVALID_OPERAND})'
    assert caught.value.report() == f"emu: assembly error: {caught.value.message}"


def test_first_of_several_errors_is_reported() -> None:
    assert rejected(f"nop\n{BAD}\nnop\n{BAD}\n").startswith("asm/t.S:2: ")


def test_error_after_forward_references_is_located() -> None:
    source = f"b later\nnop\ncbz x0, later\n{BAD}\nnop\nlater: ret\n"
    assert rejected(source).startswith(f'asm/t.S:4: keystone rejected "{BAD}"')


def test_error_in_the_last_line() -> None:
    assert rejected(f"nop\nnop\n{BAD}").startswith("asm/t.S:3: ")


def test_undefined_symbol_is_reported_where_it_is_used() -> None:
    source = "start: nop\nb start\nbl nowhere\nlater: nop\nb later\n"
    assert rejected(source) == (
        'asm/t.S:3: keystone rejected "bl nowhere" (KS_ERR_ASM_SYMBOL_MISSING: Cannot find a symbol)'
    )


def test_error_inside_a_rept_block() -> None:
    source = f".rept 2\nnop\n{BAD}\n.endr\nnop\n"
    assert rejected(source).startswith(f'asm/t.S:3: keystone rejected "{BAD}"')


def test_error_inside_an_if_block() -> None:
    assert rejected(f".if 1\nnop\n{BAD}\n.endif\n").startswith("asm/t.S:3: ")


def test_error_in_a_macro_body_is_reported_at_the_invocation() -> None:
    source = f".macro BROKEN\n{BAD}\n.endm\nnop\nBROKEN\nnop\n"
    assert rejected(source) == f'asm/t.S:5: keystone rejected "BROKEN" ({INVALID_OPERAND})'


def test_unknown_directive() -> None:
    message = rejected("nop\n.bogus 1\n")
    assert message.startswith('asm/t.S:2: keystone rejected ".bogus 1" (KS_ERR_ASM_')


def test_unterminated_block_names_its_opening_line() -> None:
    assert rejected("nop\n.if 1\nnop\n// end\n") == 'asm/t.S:2: ".if 1" has no matching .endif'
    assert rejected(".macro M\nnop\n") == 'asm/t.S:1: ".macro M" has no matching .endm'


def test_unterminated_block_comment_is_caught_before_keystone_hangs_on_it() -> None:
    assert rejected("nop\n/* open\nnop\n") == "asm/t.S:2: this /* comment is never closed"


def test_branch_out_of_range_kills_keystone_not_us() -> None:
    message = rejected("nop\nb.eq far\n.space 0x200000\nfar: nop\n")
    assert message.startswith('asm/t.S:3: keystone rejected ".space 0x200000" (keystone exited with status 1')
    assert message.endswith("keystone said: LLVM ERROR: fixup value out of range)")


def test_keystone_segfault_is_an_assembly_error() -> None:
    message = rejected("nop\n.data\n.quad 5\n.text\nnop\n")
    assert message == 'asm/t.S:4: keystone rejected ".text" (keystone crashed with SIGSEGV)'


def test_keystone_output_silently_empty_is_an_error() -> None:
    assert rejected("nop\nfoo bar baz\nnop\n") == (
        'asm/t.S:2: keystone rejected "foo bar baz" (keystone produced no code and no error code)'
    )


def test_section_keystone_ignores_without_an_error_code() -> None:
    message = rejected("nop\n.section .text.boot\nnop\n")
    assert message == (
        'asm/t.S:2: keystone rejected ".section .text.boot" (keystone produced no code and no error '
        "code; keystone said: error: unexpected token in '.section' directive)"
    )


def test_code_after_end_would_be_dropped() -> None:
    assert rejected("nop\n.end\nret\n").startswith('asm/t.S:2: keystone rejected ".end" (keystone silently')


def test_keystone_hang_is_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asm, "KEYSTONE_TIMEOUT_S", 1)
    outcome = asm._keystone("nop\n/* never closed\n", DEFAULT_BASE, marked=False)
    assert (outcome.output, outcome.problem, outcome.timed_out) == (
        None,
        "keystone did not finish within 1 s",
        True,
    )


def test_binary_garbage_with_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "garbage.S"
    path.write_bytes(b"nop\n" + os.urandom(64) + b"\0\1\2")
    with pytest.raises(AssemblyError, match=rf"^{path}:\d+: not assembly text: "):
        assemble_file(path)


def test_binary_garbage_without_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "garbage.S"
    path.write_bytes(b"\x7fELF\x02\x01\x01\xc3\x28\n")
    with pytest.raises(AssemblyError) as caught:
        assemble_file(path)
    assert caught.value.message == f"{path}:1: not assembly text: byte 0xc3 at offset 7 is not UTF-8"


def test_control_characters_are_refused_before_keystone_hangs_on_them(tmp_path: Path) -> None:
    path = tmp_path / "ctl.S"
    path.write_bytes(b"nop\n\x01\x02\x03\n")
    with pytest.raises(AssemblyError) as caught:
        assemble_file(path)
    assert caught.value.message == f"{path}:2: not assembly text: control character 0x01 in column 1"


def test_nul_inside_valid_utf8_text() -> None:
    assert rejected("nop\nmov x0,\0 #1\n") == "asm/t.S:2: not assembly text: control character 0x00 in column 8"


def test_lone_carriage_return_is_refused() -> None:
    assert rejected("nop // a\rb\n") == "asm/t.S:1: not assembly text: control character 0x0d in column 9"


def test_non_ascii_outside_comments_and_strings_is_refused() -> None:
    assert rejected('nop // ok: é\n.ascii "é ok"\nmov x0, #1 —\n') == (
        "asm/t.S:3: character '—' (U+2014) outside a comment or string: keystone cannot assemble it"
    )


def test_non_ascii_in_strings_is_assembled() -> None:
    assert assemble_source('.ascii "é"\n').code == "é".encode()


def test_missing_file_is_image_not_found(tmp_path: Path) -> None:
    with pytest.raises(ImageNotFound) as caught:
        assemble_file(tmp_path / "nope.S")
    assert caught.value.message == f"{tmp_path / 'nope.S'}: cannot read: No such file or directory"
