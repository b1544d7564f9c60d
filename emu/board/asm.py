"""Assemble AArch64 `.S` sources with keystone: includes, a line map, a symbol table, clean errors.

Keystone (KS_ARCH_ARM64, little endian) sees the source unchanged except for include lines:
`.include "name.S"` or `#include "name.S"` is replaced by that file's text, looked up first next
to the including file, then in each of `include_dirs` (default: the project's asm/include/).
Every expanded line keeps its file and line number, so an error names the original place.

Keystone runs in a forked child process (POSIX only): on some inputs it exits its process (LLVM
ERROR on an out-of-range branch), crashes (SIGSEGV after `.data`) or never returns. What makes it
hang is refused before it runs (control characters, an unterminated `/*`, non-ASCII characters
outside comments and strings); a child still running after KEYSTONE_TIMEOUT_S is killed. Every
such failure becomes an AssemblyError, never the end of the emulator.

The bad line is found only once keystone has rejected the whole source: by bisection over line
prefixes, each prefix closed (an open `/*` gets `*/`, open `.macro`/`.rept`/`.irp`/`.if` blocks get
their end directive) and given guarded definitions (`.ifndef L` / `L:`) of the labels the source
defines, so forward references inside a prefix resolve. The first failing prefix ends at the bad
line. Limits: an error in a macro body is reported at the line invoking the macro; a prefix that
forward-references a symbol defined by `.equ`/`=` or by a macro-generated label fails early, so an
error after such a reference may be reported at the reference.

Symbols: every `name:` written literally at the start of a statement, anywhere in the expanded
source (macro bodies and conditional blocks included); `.equ`/`=` constants and labels built from
macro arguments are not collected. The assembly appends a marker and, per label,
`.ifdef L / .quad 1, L / .else / .quad 0, 0 / .endif`, which reads each defined label's address
without moving any code; the bytes are cut off again. Only when a literal pool (`ldr xN, =imm`)
lands after that table is the plain source assembled a second time for the image bytes. A source
stopped by `.end` or switching to another section (`.data`) is rejected: keystone silently drops
what follows.
"""

from __future__ import annotations

import faulthandler
import os
import re
import signal
import struct
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import NoReturn

import keystone

from emu.errors import AssemblyError, ImageNotFound

DEFAULT_BASE = 0x4008_0000
PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INCLUDE_DIRS: tuple[Path, ...] = (PROJECT_ROOT / "asm" / "include",)
KEYSTONE_TIMEOUT_S = 30

_DROPPED = "keystone silently dropped what follows: nothing after .end, no section but .text"

_INCLUDE = re.compile(r'^\s*[.#]\s*include\s+"([^"]+)"\s*(?://.*)?$')
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)")  # all but \t, \n, \r\n
_STRAY = re.compile(r"[^\t\x20-\x7e]")  # outside comments and strings keystone hangs on these
_LABEL = re.compile(r"\s*([A-Za-z_.$][\w.$]*)\s*:(?!:)")
_MARKER = b"emu symbol table"  # 16 bytes that start the appended symbol table
_MARKER_LINE = ".quad 0x%x, 0x%x\n" % struct.unpack("<QQ", _MARKER)


@dataclass(frozen=True)
class SourceLine:
    """One line of the expanded source and where it came from."""

    path: str
    number: int
    text: str


@dataclass(frozen=True)
class Assembly:
    """Machine code assembled at `base`, and the address of every label found."""

    code: bytes
    base: int
    symbols: Mapping[str, int]


def assemble_file(
    path: str | os.PathLike[str],
    *,
    base: int = DEFAULT_BASE,
    include_dirs: Sequence[str | os.PathLike[str]] | None = None,
) -> Assembly:
    """Assemble the file at `path` (ImageNotFound if unreadable, AssemblyError if rejected)."""
    return _assemble(read_source(path, include_dirs), base, os.fspath(path))


def assemble_source(
    text: str,
    *,
    name: str = "<source>",
    base: int = DEFAULT_BASE,
    include_dirs: Sequence[str | os.PathLike[str]] | None = None,
) -> Assembly:
    """Assemble `text`, reported as file `name` (its includes resolve next to `name`)."""
    return _assemble(_expand(text, name, _include_dirs(include_dirs), ()), base, name)


def read_source(
    path: str | os.PathLike[str], include_dirs: Sequence[str | os.PathLike[str]] | None = None
) -> list[SourceLine]:
    """The lines of `path` with every include expanded."""
    shown = os.fspath(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImageNotFound(f"{shown}: cannot read: {exc.strerror}") from exc
    real = Path(path).resolve()
    return _expand(_decode(data, shown), shown, _include_dirs(include_dirs), ((real, shown),))


def display_path(path: str | os.PathLike[str]) -> str:
    """`path` as the user would write it: relative to the working directory when under it."""
    relative = os.path.relpath(path)
    outside = relative == os.pardir or relative.startswith(os.pardir + os.sep)
    return os.path.abspath(path) if outside else relative


def _assemble(lines: Sequence[SourceLine], base: int, name: str) -> Assembly:
    """Assemble expanded lines; errors name the line's original file and number."""
    scan = _scan(lines)
    body = "".join(f"{line.text}\n" for line in lines)
    outcome = _keystone(body + _symbol_table(scan.labels), base, marked=True)
    if outcome.output is None:
        raise _locate(lines, scan, base, outcome, name)
    code, symbols = _split_table(outcome.output, scan.labels)
    if code is None:
        plain = _keystone(body, base, marked=False)
        if plain.output is None:
            raise _locate(lines, scan, base, plain, name)
        code = plain.output
    return Assembly(code, base, MappingProxyType(symbols))


# --- include expansion ------------------------------------------------------------------------


def _include_dirs(include_dirs: Sequence[str | os.PathLike[str]] | None) -> tuple[Path, ...]:
    return DEFAULT_INCLUDE_DIRS if include_dirs is None else tuple(Path(d) for d in include_dirs)


def _expand(
    text: str, shown: str, dirs: tuple[Path, ...], stack: tuple[tuple[Path, str], ...]
) -> list[SourceLine]:
    """Lines of `text` (file `shown`) with include lines replaced by the included files' lines."""
    _check_controls(text, shown)
    lines: list[SourceLine] = []
    for number, line in enumerate(_split_lines(text), 1):
        match = _INCLUDE.match(line)
        if match is None:
            lines.append(SourceLine(shown, number, line))
            continue
        where = f"{shown}:{number}"
        target = _find_include(match[1], Path(shown).parent, dirs, where)
        real, target_shown = target.resolve(), display_path(target)
        if any(real == seen for seen, _ in stack):
            chain = " -> ".join([name for _, name in stack] + [target_shown])
            raise AssemblyError(f"{where}: include cycle: {chain}")
        text_included = _decode(_read_include(target, target_shown, where), target_shown)
        lines.extend(_expand(text_included, target_shown, dirs, (*stack, (real, target_shown))))
    return lines


def _find_include(name: str, here: Path, dirs: tuple[Path, ...], where: str) -> Path:
    candidates = [here / name, *(d / name for d in dirs)]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    searched = ", ".join(display_path(c.parent) for c in candidates)
    raise AssemblyError(f'{where}: cannot find include file "{name}" (searched {searched})')


def _read_include(target: Path, shown: str, where: str) -> bytes:
    try:
        return target.read_bytes()
    except OSError as exc:
        raise AssemblyError(f"{where}: cannot read include file {shown}: {exc.strerror}") from exc


def _decode(data: bytes, shown: str) -> str:
    """Source text of a file: UTF-8, or it is not assembly."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise AssemblyError(
            f"{shown}:{line}: not assembly text: byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start} is not UTF-8"
        ) from exc


def _check_controls(text: str, shown: str) -> None:
    """Refuse control characters (NUL and the like): keystone hangs on them."""
    control = _CONTROL.search(text)
    if control:
        at = control.start()
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        raise AssemblyError(
            f"{shown}:{line}: not assembly text: control character 0x{ord(text[at]):02x} "
            f"in column {column}"
        )


def _split_lines(text: str) -> list[str]:
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    return lines[:-1] if lines[-1] == "" else lines


# --- structure: comments, blocks, labels ------------------------------------------------------


@dataclass(frozen=True)
class _Scan:
    """What bisection and the symbol table need to know about the expanded source."""

    labels: tuple[str, ...]
    closers: tuple[str, ...]  # per line: text closing what is still open after it
    open_at_end: tuple[tuple[str, int], ...]  # blocks never closed: (end directive, opening line)


def _scan(lines: Sequence[SourceLine]) -> _Scan:
    labels: dict[str, None] = {}
    closers: list[str] = []
    blocks: tuple[tuple[str, int], ...] = ()
    comment_from: int | None = None
    for index, line in enumerate(lines):
        code, comment_from = _strip_comments(line.text, comment_from, index)
        _check_stray(code, line)
        for statement in code.split(";"):
            names, rest = _take_labels(statement)
            labels.update(dict.fromkeys(names))
            word = rest.split(None, 1)[0].lower() if rest.strip() else ""
            blocks = _track_block(blocks, word, index)
        ends = "".join(f"{end}\n" for end, _ in reversed(blocks))
        closers.append(("*/\n" if comment_from is not None else "") + ends)
    if comment_from is not None:
        opened = lines[comment_from]
        raise AssemblyError(f"{opened.path}:{opened.number}: this /* comment is never closed")
    return _Scan(tuple(labels), tuple(closers), blocks)


def _check_stray(code: str, line: SourceLine) -> None:
    stray = _STRAY.search(code)
    if stray:
        raise AssemblyError(
            f"{line.path}:{line.number}: character {stray[0]!r} (U+{ord(stray[0]):04X}) outside "
            "a comment or string: keystone cannot assemble it"
        )


def _strip_comments(text: str, comment_from: int | None, index: int) -> tuple[str, int | None]:
    """Code of one line, comments removed and strings emptied; the line an open `/*` began on."""
    if comment_from is None and text.lstrip().startswith("#"):
        return "", None
    code: list[str] = []
    i = 0
    while i < len(text):
        if comment_from is not None:
            end = text.find("*/", i)
            if end < 0:
                break
            i, comment_from = end + 2, None
            code.append(" ")
        elif text.startswith("//", i):
            break
        elif text.startswith("/*", i):
            i, comment_from = i + 2, index
        else:
            token = _token_at(text, i)
            code.append('""' if token[0] == '"' else token)
            i += len(token)
    return "".join(code), comment_from


def _token_at(text: str, i: int) -> str:
    """A string literal, a character literal, or one character starting at `i`."""
    if text[i] == '"':
        j = i + 1
        while j < len(text) and text[j] != '"':
            j += 2 if text[j] == "\\" else 1
        return text[i : j + 1]
    char = re.match(r"'(\\.|[^\\])'", text[i:])
    return char[0] if char else text[i]


def _take_labels(statement: str) -> tuple[list[str], str]:
    names: list[str] = []
    while match := _LABEL.match(statement):
        names.append(match[1])
        statement = statement[match.end() :]
    return names, statement


def _track_block(
    blocks: tuple[tuple[str, int], ...], word: str, index: int
) -> tuple[tuple[str, int], ...]:
    """Open blocks after a statement starting with `word` (a macro body is opaque until .endm)."""
    if blocks and blocks[-1][0] == ".endm":
        return blocks[:-1] if word in (".endm", ".endmacro") else blocks
    if word == ".macro":
        return (*blocks, (".endm", index))
    if word in (".rept", ".irp", ".irpc"):
        return (*blocks, (".endr", index))
    if word.startswith(".if"):
        return (*blocks, (".endif", index))
    if word in (".endr", ".endif") and blocks:
        return blocks[:-1]
    return blocks


# --- symbol table -----------------------------------------------------------------------------


def _symbol_table(labels: Sequence[str]) -> str:
    entries = "".join(f".ifdef {n}\n.quad 1, {n}\n.else\n.quad 0, 0\n.endif\n" for n in labels)
    return _MARKER_LINE + entries


def _split_table(output: bytes, labels: Sequence[str]) -> tuple[bytes | None, dict[str, int]]:
    """Image bytes (None if a literal pool follows the table) and the labels' addresses."""
    at = output.rfind(_MARKER)
    end = at + len(_MARKER) + 16 * len(labels)
    pairs = struct.iter_unpack("<QQ", output[at + len(_MARKER) : end])
    symbols = {name: address for name, (defined, address) in zip(labels, pairs) if defined}
    return (output[:at] if end == len(output) else None), symbols


# --- locating the bad line --------------------------------------------------------------------


def _locate(
    lines: Sequence[SourceLine], scan: _Scan, base: int, failure: _Outcome, name: str
) -> AssemblyError:
    """Bisect line prefixes for the first one keystone rejects; name its last line."""
    if failure.timed_out:  # every probe containing the culprit would hang as long again
        return AssemblyError(f"{name}: {failure.problem}")
    good, bad = 0, len(lines)
    while bad - good > 1:
        middle = (good + bad) // 2
        probe = _keystone(_prefix(lines, scan, middle), base, marked=True)
        if probe.output is None:
            bad, failure = middle, probe
        else:
            good = middle
    if bad == len(lines) and scan.open_at_end:
        end, index = scan.open_at_end[-1]
        opened = lines[index]
        where = f"{opened.path}:{opened.number}"
        return AssemblyError(f'{where}: "{opened.text.strip()}" has no matching {end}')
    line = lines[bad - 1]
    where = f"{line.path}:{line.number}"
    return AssemblyError(f'{where}: keystone rejected "{line.text.strip()}" ({failure.problem})')


def _prefix(lines: Sequence[SourceLine], scan: _Scan, count: int) -> str:
    """The first `count` lines, closed, with later labels defined so forward references work."""
    body = "".join(f"{line.text}\n" for line in lines[:count])
    guards = "".join(f".ifndef {name}\n{name}:\n.endif\n" for name in scan.labels)
    return body + scan.closers[count - 1] + guards + _MARKER_LINE


# --- keystone in a child process --------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    output: bytes | None  # None: keystone rejected the source
    problem: str = ""
    timed_out: bool = False


def _keystone(text: str, base: int, *, marked: bool) -> _Outcome:
    """Assemble `text` at `base` in a forked child, surviving keystone's crashes and hangs.

    A `marked` text ends with _MARKER_LINE; output without the marker means keystone silently
    dropped the end of the source (after `.end`, or in another section such as `.data`).
    """
    with tempfile.TemporaryFile() as said:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _child(text.encode(), base, write_end, said.fileno())
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(pid, 0)
        said.seek(0)
        diagnostic = _first_line(said.read().decode(errors="replace"))
    outcome = _outcome(payload, status, diagnostic)
    if marked and outcome.output is not None and _MARKER not in outcome.output:
        return _Outcome(None, _DROPPED)
    return outcome


def _child(source: bytes, base: int, write_end: int, stderr_file: int) -> NoReturn:
    """Child side: assemble and write b"O"+code, b"E"+errno or b"N" (no statements)."""
    try:
        faulthandler.disable()  # a keystone crash is an outcome here, not something to dump
        os.dup2(stderr_file, 2)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(KEYSTONE_TIMEOUT_S)
        ks = keystone.Ks(keystone.KS_ARCH_ARM64, keystone.KS_MODE_LITTLE_ENDIAN)
        try:
            code, count = ks.asm(source, base, as_bytes=True)
            payload = b"O" + code if count else b"N"
        except keystone.KsError as exc:
            payload = b"E%d" % exc.errno
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
    except BaseException:
        os._exit(70)
    os._exit(0)


def _outcome(payload: bytes, status: int, diagnostic: str) -> _Outcome:
    if os.WIFEXITED(status) and payload[:1] == b"O":
        return _Outcome(payload[1:])
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM:
        problem = f"keystone did not finish within {KEYSTONE_TIMEOUT_S} s"
        return _Outcome(None, problem, timed_out=True)
    if os.WIFSIGNALED(status):
        problem = f"keystone crashed with {signal.Signals(os.WTERMSIG(status)).name}"
    elif payload[:1] == b"E":
        problem = _error_name(int(payload[1:]))
    elif payload == b"N":
        problem = "keystone produced no code and no error code"
    else:
        problem = f"keystone exited with status {os.WEXITSTATUS(status)}"
    return _Outcome(None, f"{problem}; keystone said: {diagnostic}" if diagnostic else problem)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _error_name(errno: int) -> str:
    """`KS_ERR_ASM_INVALIDOPERAND: Invalid operand` from keystone's own error string."""
    text = str(keystone.KsError(errno))
    match = re.fullmatch(r"(.*) \((KS_ERR_\w+)\)", text)
    return f"{match[2]}: {match[1]}" if match else text
