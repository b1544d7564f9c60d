"""The TOML cost model: Cortex-A57 defaults, partial overrides, one clear error per bad input."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from emu.errors import CostModelError
from emu.timing.classify import InsnClass
from emu.timing.costmodel import KEYS, MAX_COST, CostModel, default_cost_model, load_cost_model

C = InsnClass
ROOT = Path(__file__).resolve().parents[2]


def test_defaults_approximate_a_cortex_a57() -> None:
    model = default_cost_model()
    assert [model.cost(c) for c in (C.INT, C.SHIFT_EXTEND, C.MUL, C.DIV, C.LOAD, C.STORE,
                                    C.LOAD_PAIR, C.STORE_PAIR, C.BRANCH, C.BRANCH_REG,
                                    C.BRANCH_COND)] == [1, 2, 3, 12, 4, 1, 4, 1, 1, 1, 1]
    assert model.branch_mispredict_penalty == 14
    assert model.branch_taken_extra == 1
    assert (model.exception_entry, model.exception_return, model.wfi) == (20, 16, 0)
    assert model.cost(C.ERET) == model.exception_return and model.cost(C.WFI) == model.wfi
    assert model.source.endswith("a57.toml")


def test_every_default_figure_has_a_commented_source() -> None:
    text = resources.files("emu.timing").joinpath("a57.toml").read_text(encoding="utf-8")
    assert set(tomllib.loads(text)) == set(KEYS)
    for line in text.splitlines():
        if re.match(r"^\w+\s*=", line):
            comment = line.partition("#")[2]
            assert re.search(r"\[SWOG\]|\[LLVM\]|estimate|time jumps", comment), line


def test_the_defaults_are_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "timing/a57.toml" in pyproject["tool"]["setuptools"]["package-data"]["emu"]


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "costs.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_a_partial_file_overrides_only_its_keys(tmp_path: Path) -> None:
    model = load_cost_model(write(tmp_path, "# slower divides\ndiv = 30\nwfi = 5\n"
                                            "'branch_mispredict_penalty' = 20\n"))
    default = default_cost_model()
    assert (model.cost(C.DIV), model.wfi, model.branch_mispredict_penalty) == (30, 5, 20)
    for cls in InsnClass:
        if cls not in (C.DIV, C.WFI):
            assert model.cost(cls) == default.cost(cls)
    assert model.exception_entry == default.exception_entry
    assert model.source == str(tmp_path / "costs.toml")


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    model = load_cost_model(write(tmp_path, ""))
    assert model.class_costs == default_cost_model().class_costs


def test_zero_and_the_largest_cost_are_accepted(tmp_path: Path) -> None:
    model = load_cost_model(write(tmp_path, f"load = 0\nstore = {MAX_COST}\n"))
    assert (model.cost(C.LOAD), model.cost(C.STORE)) == (0, MAX_COST)


def error_for(tmp_path: Path, text: str | bytes) -> CostModelError:
    with pytest.raises(CostModelError) as info:
        load_cost_model(write(tmp_path, text))
    error = info.value
    assert error.exit_status == 75
    assert "\n" not in error.report()
    return error


@pytest.mark.parametrize("text, expected", [
    ("int = 1\n\nbogus = 3\n",
     "line 3: unknown key `bogus`; the keys are int, shift_extend, mul, div,"),
    ("int = 1\ndiv = -4\n", "line 2: `div` is -4: a cost is a non-negative integer number"),
    ("load = 2.5\n", "line 1: `load` is a float (2.5): a cost is a non-negative integer"),
    ("load = inf\n", "line 1: `load` is a float (inf): a cost is a non-negative integer"),
    ("\nstore = true\n", "line 2: `store` is a boolean (true): a cost is a non-negative integer"),
    ("mul = \"3\"\n", "line 1: `mul` is a string (\"3\"): a cost is a non-negative integer"),
    ("mul = [3]\n", "line 1: `mul` is an array ([3]): a cost is a non-negative integer"),
    ("int = 1\n[barrier]\ncost = 3\n", "line 2: `barrier` is a table ({...}): a cost is"),
    ("'exception_entry' = -1\n", "line 1: `exception_entry` is -1: a cost is a non-negative"),
    ("a.b = 1\n", "line 1: unknown key `a`;"),
    (f"div = {MAX_COST + 1}\n", f"line 1: `div` is {MAX_COST + 1}: a cost is at most {MAX_COST}"),
    ("div = 1\nbogus = 1\nmul = -1\n", "line 2: unknown key `bogus`"),  # the first problem
])
def test_bad_values_name_key_and_line(tmp_path: Path, text: str, expected: str) -> None:
    error = error_for(tmp_path, text)
    assert error.message.startswith(f"{tmp_path / 'costs.toml'}, {expected}")


@pytest.mark.parametrize("text, expected", [
    ("int = 1\ndiv = = 2\n", "line 2, column 7: not valid TOML: Invalid value"),
    ("int = 1\nint = 2\n", "line 2, column 8: not valid TOML: Cannot overwrite a value"),
    ("int = 1\ndiv = [", "line 2 (end of file): not valid TOML: Invalid value"),
])
def test_invalid_toml_names_the_line(tmp_path: Path, text: str, expected: str) -> None:
    error = error_for(tmp_path, text)
    assert error.message == f"{tmp_path / 'costs.toml'}, {expected}"


def test_unreadable_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(CostModelError, match=r"cannot read the cost model .*missing\.toml"):
        load_cost_model(tmp_path / "missing.toml")
    error = error_for(tmp_path, b"div = 1\n\xff\n")
    assert error.message.endswith("not a TOML file: byte 8 is not UTF-8")


def test_the_model_is_immutable() -> None:
    model = default_cost_model()
    with pytest.raises(AttributeError):
        model.exception_entry = 3  # type: ignore[misc]
    assert isinstance(model, CostModel)
