"""The cycle cost model: one integer cost per instruction class and the outcome costs, from TOML.

The defaults (a57.toml, next to this module) approximate a Cortex-A57 and cite a source for each
figure. A user file is a partial override: it may set any of the keys of a57.toml and the others
keep their defaults. Anything else is a CostModelError (exit status 75) whose one-paragraph
message names the file, the line and the key: invalid TOML, an unknown key, or a cost that is not
a non-negative integer (booleans, floats, strings, arrays and tables are rejected, and so is a
cost above MAX_COST, which would not fit the native hook's 32-bit per-block totals).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from emu.errors import CostModelError, InternalError
from emu.timing.classify import InsnClass

MAX_COST = 1_000_000
# The classes whose cost has a key named after what they do rather than after the class.
_CLASS_KEY = {InsnClass.ERET: "exception_return", InsnClass.WFI: "wfi"}
_CLASS_KEYS = {cls: _CLASS_KEY.get(cls, cls.name.lower()) for cls in InsnClass}
_OTHER_KEYS = ("branch_taken_extra", "branch_mispredict_penalty", "exception_entry")
KEYS = tuple(_CLASS_KEYS.values()) + _OTHER_KEYS


@dataclass(frozen=True, slots=True)
class CostModel:
    """Cycle costs: `cost(cls)` per instruction class (ERET's is `exception_return`, WFI's is
    `wfi`) and the costs charged when a branch or an exception happens."""

    class_costs: tuple[int, ...]  # indexed by InsnClass
    branch_taken_extra: int
    branch_mispredict_penalty: int
    exception_entry: int
    source: str  # the file the costs came from, for messages

    def cost(self, cls: InsnClass) -> int:
        return self.class_costs[cls]

    @property
    def exception_return(self) -> int:
        return self.class_costs[InsnClass.ERET]

    @property
    def wfi(self) -> int:
        return self.class_costs[InsnClass.WFI]


def default_cost_model() -> CostModel:
    """The Cortex-A57 defaults of a57.toml."""
    return _DEFAULT


def load_cost_model(path: str | Path) -> CostModel:
    """The defaults overridden by the keys of the TOML file at `path`."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as e:
        raise CostModelError(f"cannot read the cost model {path}: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise CostModelError(f"{path}: not a TOML file: byte {e.start} is not UTF-8") from None
    return _build(text, str(path), _DEFAULT)


def _build(text: str, name: str, base: CostModel | None) -> CostModel:
    """The model `text` describes, keys it leaves out taken from `base`."""
    table = _parse(text, name)
    problems = sorted((_line_of(key, text), key, problem) for key, value in table.items()
                      if (problem := _problem(key, value)) is not None)
    if problems:
        line, _, problem = problems[0]
        raise CostModelError(f"{name}, line {line}: {problem}" if line else f"{name}: {problem}")
    costs = (_as_table(base) if base is not None else {}) | table
    missing = [key for key in KEYS if key not in costs]
    if missing:  # only the defaults have no base
        raise InternalError(f"{name} lacks {', '.join(missing)}")
    return CostModel(
        class_costs=tuple(costs[_CLASS_KEYS[cls]] for cls in InsnClass),
        branch_taken_extra=costs["branch_taken_extra"],
        branch_mispredict_penalty=costs["branch_mispredict_penalty"],
        exception_entry=costs["exception_entry"],
        source=name,
    )


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        where = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
        if where is not None:
            line, column = where.groups()
            raise CostModelError(f"{name}, line {line}, column {column}: not valid TOML: "
                                 f"{message[:where.start()]}") from None
        at_end = re.search(r"\s*\(at end of document\)$", message)
        if at_end is not None:
            raise CostModelError(f"{name}, line {max(1, len(text.splitlines()))} (end of file): "
                                 f"not valid TOML: {message[:at_end.start()]}") from None
        raise CostModelError(f"{name}: not valid TOML: {message}") from None


_KINDS = {bool: "a boolean", float: "a float", str: "a string", list: "an array", dict: "a table"}
_NOT_A_COST = "a cost is a non-negative integer number of cycles"


def _problem(key: str, value: Any) -> str | None:
    """Why `key = value` is not a valid entry (None if it is)."""
    if key not in KEYS:
        return f"unknown key `{key}`; the keys are {', '.join(KEYS)}"
    kind = _KINDS.get(type(value), f"a {type(value).__name__}")
    if type(value) is not int:  # bool is a subclass of int
        return f"`{key}` is {kind} ({_toml(value)}): {_NOT_A_COST}"
    if value < 0:
        return f"`{key}` is {value}: {_NOT_A_COST}"
    if value > MAX_COST:
        return f"`{key}` is {value}: a cost is at most {MAX_COST} cycles"
    return None


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value) if not isinstance(value, dict) else "{...}"


def _line_of(key: str, text: str) -> int:
    """The first line that assigns `key` or opens a table named `key`, 0 if none does (tomllib
    reports no positions for values, so the text is scanned)."""
    quoted = re.escape(key)
    pattern = re.compile(rf"""^\s*\[*\s*(?:{quoted}|"{quoted}"|'{quoted}')\s*[=.\]]""")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 0


def _as_table(model: CostModel) -> dict[str, int]:
    table = {_CLASS_KEYS[cls]: model.cost(cls) for cls in InsnClass}
    table.update(branch_taken_extra=model.branch_taken_extra,
                 branch_mispredict_penalty=model.branch_mispredict_penalty,
                 exception_entry=model.exception_entry)
    return table


_DEFAULT = _build(resources.files("emu.timing").joinpath("a57.toml").read_text(encoding="utf-8"),
                  "emu/timing/a57.toml", None)
