#!/usr/bin/env python3
"""Build every asm/NAME.S into guest_images/NAME.bin and write guest_images/manifest.json.

    python tools/build_images.py            # (re)build the images and the manifest
    python tools/build_images.py --check    # exit 1 if the committed files differ from a build

The images are raw (QEMU's -kernel and `emu run` both load them at 0x4008_0000); the manifest and
the kernel metadata it carries (`// @exit N`, `// @semihosting`, `// @el 1`, `// @max-insns N`,
`// @qemu-differs: why`) are described in emu/board/manifest.py. An image whose source is gone
is deleted when it is listed in the old manifest.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing emu

from emu.board.manifest import IMAGE_DIR, MANIFEST, build_outputs  # noqa: E402
from emu.errors import EmuError  # noqa: E402

PROG = "build_images"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify, write nothing")
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (default: this one)")
    args = parser.parse_args(argv)
    try:
        outputs = build_outputs(args.root)
    except EmuError as exc:
        print(f"{PROG}: {exc.report()}", file=sys.stderr)
        return exc.exit_status
    stale = _stale(args.root, outputs)
    return _check(args.root, outputs, stale) if args.check else _write(args.root, outputs, stale)


def _stale(root: Path, outputs: dict[str, bytes]) -> list[str]:
    """Images the committed manifest lists that the sources no longer build."""
    try:
        old = json.loads((root / MANIFEST).read_text())
        listed = [entry["bin"] for entry in old.values()]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []
    return sorted(b for b in listed if b not in outputs and (root / b).is_file())


def _write(root: Path, outputs: dict[str, bytes], stale: list[str]) -> int:
    (root / IMAGE_DIR).mkdir(exist_ok=True)
    for relative, contents in outputs.items():
        (root / relative).write_bytes(contents)
    for relative in stale:
        (root / relative).unlink()
        print(f"{PROG}: removed {relative} (its source is gone)")
    print(f"{PROG}: wrote {len(outputs) - 1} image(s) and {MANIFEST}")
    return 0


def _check(root: Path, outputs: dict[str, bytes], stale: list[str]) -> int:
    problems = [
        f"{relative} {why}"
        for relative, contents in outputs.items()
        if (why := _difference(root / relative, contents))
    ]
    problems += [f"{relative} is stale: its source is gone" for relative in stale]
    for problem in problems:
        print(f"{PROG}: {problem}", file=sys.stderr)
    if problems:
        advice = "run python tools/build_images.py"
        print(f"{PROG}: {len(problems)} file(s) out of date; {advice}", file=sys.stderr)
        return 1
    print(f"{PROG}: {len(outputs) - 1} image(s) and {MANIFEST} are up to date")
    return 0


def _difference(path: Path, contents: bytes) -> str:
    """Why the file at `path` does not hold `contents` ("" when it does)."""
    try:
        present = path.read_bytes()
    except FileNotFoundError:
        return "is missing"
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    return "" if present == contents else "differs from a fresh build"


if __name__ == "__main__":
    sys.exit(main())
