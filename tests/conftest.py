"""Shared test helpers: assemble a snippet with the project's assembler and run it."""

from __future__ import annotations

from emu.board.asm import assemble_source
from emu.board.loader import Image
from emu.hyp import Hypervisor
from emu.machine import Machine

BASE = 0x4008_0000


def image_of(source: str) -> Image:
    program = assemble_source(source, name="<test>", base=BASE)
    return Image(segments=((BASE, program.code),), entry=BASE, symbols=program.symbols, kind="asm", path="<test>")


def machine_for(source: str, *, el: int = 2, hypervisor: Hypervisor | None = None) -> Machine:
    machine = Machine(el=el, hypervisor=hypervisor)
    machine.load(image_of(source))
    return machine


def symbols_of(source: str) -> dict[str, int]:
    return dict(assemble_source(source, name="<test>", base=BASE).symbols)
