"""Shared test helpers: assemble a snippet and run it on a fresh Machine."""

from __future__ import annotations

import pytest
from keystone import KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN, Ks

from emu.board.loader import Image
from emu.hyp import Hypervisor
from emu.machine import Machine

BASE = 0x4008_0000
_ks = Ks(KS_ARCH_ARM64, KS_MODE_LITTLE_ENDIAN)


def image_of(source: str) -> Image:
    code, _ = _ks.asm(source, BASE)
    return Image(segments=((BASE, bytes(code)),), entry=BASE, symbols={}, kind="asm", path="<test>")


def machine_for(source: str, *, el: int = 2, hypervisor: Hypervisor | None = None) -> Machine:
    machine = Machine(el=el, hypervisor=hypervisor)
    machine.load(image_of(source))
    return machine


@pytest.fixture
def make_machine():  # type: ignore[no-untyped-def]
    return machine_for
