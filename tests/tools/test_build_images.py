"""tools/build_images.py and emu/board/manifest.py: images, manifest, --check, kernel metadata."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from emu.board.asm import assemble_source
from emu.board.manifest import KernelMeta, MetadataError, parse_metadata

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("build_images", ROOT / "tools" / "build_images.py")
assert _spec and _spec.loader
build_images = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_images)

NOP, RET = bytes.fromhex("1f2003d5"), bytes.fromhex("c0035fd6")
A_SOURCE = "// @exit 3 // @semihosting\n// @max-insns 1_000\n// a: test kernel\n\nstart: nop\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """asm/a.S (with metadata and a.expected), asm/b.S (includes lib.S), asm/include/lib.S."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "asm" / "include").mkdir(parents=True)
    (tmp_path / "asm" / "a.S").write_text(A_SOURCE)
    (tmp_path / "asm" / "a.expected").write_text("a\n")
    (tmp_path / "asm" / "b.S").write_text('// @el 1\n.include "lib.S"\n')
    (tmp_path / "asm" / "include" / "lib.S").write_text("ret\n")
    return tmp_path


def run(*args: str) -> int:
    return int(build_images.main(list(args)))


def manifest(root: Path) -> dict[str, dict[str, object]]:
    return dict(json.loads((root / "guest_images" / "manifest.json").read_text()))


def test_build_writes_raw_images_and_the_manifest(project: Path) -> None:
    assert run("--root", str(project)) == 0
    assert (project / "guest_images" / "a.bin").read_bytes() == NOP
    assert (project / "guest_images" / "b.bin").read_bytes() == RET
    assert sorted(p.name for p in (project / "guest_images").iterdir()) == ["a.bin", "b.bin", "manifest.json"]
    assert manifest(project) == {
        "a": {
            "source": "asm/a.S",
            "bin": "guest_images/a.bin",
            "entry": "0x40080000",
            "sha256": hashlib.sha256(NOP).hexdigest(),
            "expected_console": "asm/a.expected",
            "exit": 3,
            "semihosting": True,
            "el": 2,
            "max_insns": 1000,
            "qemu_differs": [],
        },
        "b": {
            "source": "asm/b.S",
            "bin": "guest_images/b.bin",
            "entry": "0x40080000",
            "sha256": hashlib.sha256(RET).hexdigest(),
            "expected_console": None,
            "exit": 0,
            "semihosting": False,
            "el": 1,
            "max_insns": None,
            "qemu_differs": [],
        },
    }


def test_image_bytes_are_what_the_assembler_gives(project: Path) -> None:
    run("--root", str(project))
    assert (project / "guest_images" / "a.bin").read_bytes() == assemble_source(A_SOURCE).code


def test_manifest_text_is_deterministic(project: Path) -> None:
    run("--root", str(project))
    first = (project / "guest_images" / "manifest.json").read_bytes()
    run("--root", str(project))
    assert (project / "guest_images" / "manifest.json").read_bytes() == first
    assert first.endswith(b"}\n")
    assert first.index(b'"a"') < first.index(b'"b"')
    assert first.index(b'"bin"') < first.index(b'"el"') < first.index(b'"source"')


def test_check_passes_after_a_build(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("--root", str(project))
    assert run("--root", str(project), "--check") == 0
    assert "2 image(s) and guest_images/manifest.json are up to date" in capsys.readouterr().out


def test_check_fails_when_a_source_changed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("--root", str(project))
    (project / "asm" / "a.S").write_text(A_SOURCE + "ret\n")
    before = (project / "guest_images" / "a.bin").read_bytes()
    assert run("--root", str(project), "--check") == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "build_images: guest_images/a.bin differs from a fresh build",
        "build_images: guest_images/manifest.json differs from a fresh build",
        "build_images: 2 file(s) out of date; run python tools/build_images.py",
    ]
    assert (project / "guest_images" / "a.bin").read_bytes() == before  # --check writes nothing


def test_check_fails_when_only_metadata_changed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("--root", str(project))
    (project / "asm" / "b.S").write_text('// @el 2\n.include "lib.S"\n')
    assert run("--root", str(project), "--check") == 1
    assert "guest_images/manifest.json differs from a fresh build" in capsys.readouterr().err


def test_check_without_a_build(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--root", str(project), "--check") == 1
    err = capsys.readouterr().err
    assert "build_images: guest_images/a.bin is missing" in err
    assert "build_images: guest_images/manifest.json is missing" in err
    assert not (project / "guest_images").exists()


def test_removed_source_leaves_a_stale_image(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run("--root", str(project))
    (project / "asm" / "b.S").unlink()
    assert run("--root", str(project), "--check") == 1
    assert "build_images: guest_images/b.bin is stale: its source is gone" in capsys.readouterr().err
    assert run("--root", str(project)) == 0
    assert not (project / "guest_images" / "b.bin").exists()
    assert list(manifest(project)) == ["a"]


def test_images_not_in_the_manifest_are_left_alone(project: Path) -> None:
    (project / "guest_images").mkdir()
    (project / "guest_images" / "other.bin").write_bytes(b"x")
    run("--root", str(project))
    assert (project / "guest_images" / "other.bin").read_bytes() == b"x"


def test_assembly_error_stops_the_build(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "asm" / "a.S").write_text("nop\nmov x0, #1, #2\n")
    assert run("--root", str(project)) == 65
    assert capsys.readouterr().err == (
        "build_images: emu: assembly error: asm/a.S:2: keystone rejected \"mov x0, #1, #2\" "
        "(KS_ERR_ASM_INVALIDOPERAND: Invalid operand)\n"
    )
    assert not (project / "guest_images").exists()


def test_metadata_error_stops_the_build(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "asm" / "a.S").write_text("// @exit three\nnop\n")
    assert run("--root", str(project)) == 65
    assert capsys.readouterr().err == (
        'build_images: emu: kernel metadata error: asm/a.S:1: @exit wants 0-255, not "three"\n'
    )


def test_script_runs_standalone(project: Path) -> None:
    script = ROOT / "tools" / "build_images.py"
    done = subprocess.run(
        [sys.executable, str(script), "--root", str(project), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.endswith("3 file(s) out of date; run python tools/build_images.py\n")


def test_committed_images_match_the_sources() -> None:
    """The guest_images/ in this checkout are what asm/ builds to (else run the tool)."""
    assert run("--check") == 0


# --- metadata ---------------------------------------------------------------------------------


def test_metadata_defaults() -> None:
    assert parse_metadata("// plain kernel\nnop\n") == KernelMeta(exit=0, semihosting=False, el=2)


def test_metadata_all_tags() -> None:
    text = (
        "\n// @exit 0x10\n//@el 1 (no hypervisor)\n// @semihosting\n// @max-insns 5000000\n"
        "// @qemu-differs: first reason\n// @qemu-differs second reason\n"
    )
    assert parse_metadata(text) == KernelMeta(
        exit=16, semihosting=True, el=1, max_insns=5_000_000, qemu_differs=("first reason", "second reason")
    )


def test_metadata_is_read_from_the_header_only() -> None:
    assert parse_metadata("// @exit 1\n.include \"lib.S\"\n// @exit 2\n// @el 7\n").exit == 1


def test_mentions_of_tags_inside_comment_text_are_not_tags() -> None:
    assert parse_metadata("// see the @exit tag below\n// @el 1\n") == KernelMeta(el=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("// @exit 256\n", 'x.S:1: @exit wants 0-255, not "256"'),
        ("// @exit\n", 'x.S:1: @exit wants 0-255, not ""'),
        ("// @el 3\n", 'x.S:1: @el wants 1 or 2, not "3"'),
        ("// @max-insns 0\n", 'x.S:1: @max-insns wants a positive integer, not "0"'),
        ("// @exit 1\n\n// @exit 2\n", "x.S:3: @exit is given twice"),
        (
            "// ok\n// @semihost\n",
            "x.S:2: unknown tag @semihost (known: @exit, @semihosting, @el, @max-insns, @qemu-differs)",
        ),
    ],
)
def test_bad_metadata(text: str, message: str) -> None:
    with pytest.raises(MetadataError) as caught:
        parse_metadata(text, "x.S")
    assert caught.value.message == message
    assert caught.value.exit_status == 65
