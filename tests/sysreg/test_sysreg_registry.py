"""The registry: by encoding, by name, duplicates refused, user overrides with replace=True."""

from __future__ import annotations

import pytest

from emu.sysreg import AccessContext, Decision, Registry, SysReg, raz, wi


def ok(ctx: AccessContext) -> Decision:
    return Decision.OK


def reg(name: str, encoding: tuple[int, int, int, int, int]) -> SysReg:
    return SysReg(name, encoding, 0, ok, raz, wi)


def test_lookup_by_encoding_and_name() -> None:
    a, b = reg("A", (3, 0, 15, 0, 0)), reg("B", (3, 0, 15, 0, 1))
    registry = Registry([a, b])
    assert registry.get((3, 0, 15, 0, 0)) is a
    assert registry.get((3, 0, 15, 0, 2)) is None
    assert registry.by_name("B") is b
    assert (3, 0, 15, 0, 1) in registry and (3, 0, 15, 0, 2) not in registry
    assert len(registry) == 2 and list(registry) == [a, b]
    with pytest.raises(KeyError, match="no system register named C"):
        registry.by_name("C")


def test_duplicate_encoding_refused_unless_replace() -> None:
    registry = Registry([reg("A", (3, 0, 15, 0, 0))])
    with pytest.raises(ValueError, match="S3_0_C15_C0_0 is already A"):
        registry.add(reg("MINE", (3, 0, 15, 0, 0)))
    mine = reg("MINE", (3, 0, 15, 0, 0))
    registry.add(mine, replace=True)
    assert registry.get((3, 0, 15, 0, 0)) is mine and registry.by_name("MINE") is mine
    with pytest.raises(KeyError):
        registry.by_name("A")
    assert len(registry) == 1


def test_replace_with_the_same_name() -> None:
    registry = Registry([reg("A", (3, 0, 15, 0, 0))])
    again = reg("A", (3, 0, 15, 0, 0))
    registry.add(again, replace=True)
    assert registry.by_name("A") is again


def test_name_used_elsewhere_refused() -> None:
    registry = Registry([reg("A", (3, 0, 15, 0, 0))])
    with pytest.raises(ValueError, match="A is already the name of S3_0_C15_C0_0"):
        registry.add(reg("A", (3, 0, 15, 0, 1)), replace=True)


@pytest.mark.parametrize("encoding", [
    (4, 0, 0, 0, 0), (3, 8, 0, 0, 0), (3, 0, 16, 0, 0), (3, 0, 0, 16, 0), (3, 0, 0, 0, 8), (3, 0, 0, 0, -1),
])
def test_bad_encoding_refused(encoding: tuple[int, int, int, int, int]) -> None:
    with pytest.raises(ValueError, match="is not an"):
        Registry([reg("BAD", encoding)])
