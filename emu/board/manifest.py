"""Test-kernel metadata (`// @tag` header comments of asm/*.S) and the guest image manifest.

A kernel's header is its leading run of `//` comment lines and blank lines. Tags there:

    // @exit N               expected exit status, 0-255 (default 0)
    // @semihosting          the kernel uses semihosting (QEMU needs -semihosting)
    // @el N                 exception level at entry, 1 or 2 (default 2)
    // @max-insns N          instruction budget for a run (default: none given)
    // @qemu-differs: why    a known QEMU deviation from the Arm ARM (may repeat)

Several tags may share a line (`// @exit 3 // @semihosting`); words after a number are comment.
An unknown or malformed tag is an error, so a typo cannot silently change what a test expects.

build_outputs() assembles every asm/NAME.S (not asm/include/) into guest_images/NAME.bin (raw,
for QEMU's -kernel and emu alike) and describes them in guest_images/manifest.json, a JSON object
keyed by NAME with sorted keys, so the same sources always give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass
from pathlib import Path

from emu.board.asm import DEFAULT_BASE, assemble_file, display_path
from emu.errors import EmuError

SOURCE_DIR = "asm"
INCLUDE_DIR = "asm/include"
IMAGE_DIR = "guest_images"
MANIFEST = f"{IMAGE_DIR}/manifest.json"

_TAG = re.compile(r"//\s*@([a-z][a-z0-9-]*)\s*:?\s*(.*)$")
_NUMBER_TAGS: dict[str, tuple[Container[int], str]] = {
    "exit": (range(256), "0-255"),
    "el": ((1, 2), "1 or 2"),
    "max-insns": (range(1, 1 << 63), "a positive integer"),
}


class MetadataError(EmuError):
    """A kernel's `// @tag` header is malformed (the message names file and line)."""

    exit_status = 65
    kind = "kernel metadata error"


@dataclass(frozen=True)
class KernelMeta:
    """What a kernel's header says about how it runs and ends."""

    exit: int = 0
    semihosting: bool = False
    el: int = 2
    max_insns: int | None = None
    qemu_differs: tuple[str, ...] = ()


def read_metadata(path: str | Path) -> KernelMeta:
    """The metadata of the kernel source at `path`."""
    return parse_metadata(Path(path).read_text(encoding="utf-8"), str(path))


def parse_metadata(text: str, path: str = "<source>") -> KernelMeta:
    """The metadata in the header of kernel source `text` (named `path` in errors)."""
    numbers: dict[str, int] = {}
    semihosting = False
    differs: list[str] = []
    for tag, value, where in _header_tags(text, path):
        if tag == "qemu-differs":
            differs.append(value)
        elif tag == "semihosting":
            semihosting = True
        elif tag not in _NUMBER_TAGS:
            known = "@exit, @semihosting, @el, @max-insns, @qemu-differs"
            raise MetadataError(f"{where}: unknown tag @{tag} (known: {known})")
        elif tag in numbers:
            raise MetadataError(f"{where}: @{tag} is given twice")
        else:
            numbers[tag] = _number(tag, value, where)
    return KernelMeta(
        exit=numbers.get("exit", 0),
        semihosting=semihosting,
        el=numbers.get("el", 2),
        max_insns=numbers.get("max-insns"),
        qemu_differs=tuple(differs),
    )


def _header_tags(text: str, path: str) -> Iterator[tuple[str, str, str]]:
    """(tag, value, "path:line") of every tag in the header comment lines."""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("//"):
            return
        for part in re.split(r"(?=//\s*@)", stripped):
            match = _TAG.match(part.strip())
            if match:
                yield match[1], match[2].strip(), f"{path}:{number}"


def _number(tag: str, value: str, where: str) -> int:
    allowed, wanted = _NUMBER_TAGS[tag]
    try:
        number = int(value.split()[0], 0)
    except (IndexError, ValueError):
        number = -1
    if number not in allowed:
        raise MetadataError(f'{where}: @{tag} wants {wanted}, not "{value}"')
    return number


def manifest_entry(
    name: str, code: bytes, meta: KernelMeta, has_expected: bool
) -> dict[str, object]:
    """The manifest's description of guest_images/NAME.bin."""
    return {
        "source": f"{SOURCE_DIR}/{name}.S",
        "bin": f"{IMAGE_DIR}/{name}.bin",
        "entry": f"0x{DEFAULT_BASE:x}",
        "sha256": hashlib.sha256(code).hexdigest(),
        "expected_console": f"{SOURCE_DIR}/{name}.expected" if has_expected else None,
        "exit": meta.exit,
        "semihosting": meta.semihosting,
        "el": meta.el,
        "max_insns": meta.max_insns,
        "qemu_differs": list(meta.qemu_differs),
    }


def render_manifest(entries: dict[str, dict[str, object]]) -> bytes:
    """The manifest file: deterministic JSON (sorted keys, two-space indent, final newline)."""
    return (json.dumps(entries, indent=2, sort_keys=True) + "\n").encode()


def build_outputs(root: str | Path) -> dict[str, bytes]:
    """Every file the kernels in ROOT/asm build to: {path relative to ROOT: contents}.

    Raises AssemblyError, ImageNotFound or MetadataError for a kernel that does not build.
    """
    root = Path(root)
    outputs: dict[str, bytes] = {}
    entries: dict[str, dict[str, object]] = {}
    for source in sorted((root / SOURCE_DIR).glob("*.S")):
        shown = display_path(source)
        code = assemble_file(shown, include_dirs=[root / INCLUDE_DIR]).code
        meta = read_metadata(shown)
        has_expected = source.with_suffix(".expected").is_file()
        entries[source.stem] = manifest_entry(source.stem, code, meta, has_expected)
        outputs[f"{IMAGE_DIR}/{source.stem}.bin"] = code
    outputs[MANIFEST] = render_manifest(entries)
    return outputs
