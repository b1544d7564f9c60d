"""User-defined system registers and MMIO devices (emu.sysreg.custom): an UNDEFINED encoding
becomes defined, existing registers (native and Python) are overridden, trap rules route to EL2
with the exact ESR, forbidden ELs are UNDEFINED, user errors stop the run with status 78."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from emu.arch import sysregs as sr
from emu.arch.esr import EC
from emu.errors import UsageError, UserHookError
from emu.hyp import GuestExit, Hypervisor
from emu.sysreg.custom import RegisterContext
from tests.conftest import BASE, machine_for

ROOT = Path(__file__).resolve().parents[2]
OFF = """
    ldr x0, =0x84000008
    smc #0
"""
# EL2 vectors at VBAR_EL2 = vec2: the current-EL sync entry (+0x200) and the lower-EL one
# (+0x400) record ESR_EL2 in x20 and ELR_EL2 in x21, count in x22, and return past the instruction.
EL2_VECTORS = """
    .balign 0x800
vec2:
    .space 0x200
    b el2_sync
    .space 0x1fc
    b el2_sync
    .space 0x3fc
el2_sync:
    mrs x20, esr_el2
    mrs x21, elr_el2
    add x22, x22, #1
    add x9, x21, #4
    msr elr_el2, x9
    eret
"""
# EL1 vectors at VBAR_EL1 = vec1: the current-EL sync entry records ESR_EL1 / ELR_EL1 in x23 / x24.
EL1_VECTORS = """
    .balign 0x800
vec1:
    .space 0x200
    mrs x23, esr_el1
    mrs x24, elr_el1
    add x9, x24, #4
    msr elr_el1, x9
    eret
"""
TO_EL1 = """
    ldr x9, =vec2
    msr vbar_el2, x9
    ldr x9, =vec1
    msr vbar_el1, x9
    ldr x9, =0x80000000
    msr hcr_el2, x9
    adr x9, at_el1
    msr elr_el2, x9
    mov x9, #0x3c5
    msr spsr_el2, x9
    eret
at_el1:
"""


def iss_sys64(op0: int, op1: int, crn: int, crm: int, op2: int, rt: int, is_read: bool) -> int:
    return op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 | int(is_read)


def test_impdef_encoding_is_undefined_without_a_definition() -> None:
    m = machine_for("    ldr x9, =vec2\n    msr vbar_el2, x9\n    mrs x1, s3_0_c15_c2_0\n" + OFF + EL2_VECTORS)
    m.run(10_000)
    assert (m.cpu.x(20), m.cpu.x(21), m.cpu.x(22)) == (0x0200_0000, BASE + 8, 1)


def test_undefined_encoding_becomes_defined() -> None:
    m = machine_for("""
    mrs x1, s3_0_c15_c2_0
    ldr x2, =0xfedcba9876543210
    msr s3_0_c15_c2_0, x2
    mrs x3, s3_0_c15_c2_0
""" + OFF)
    reg = m.sysreg("S3_0_C15_C2_0", reset=0x1234)
    assert reg.encoding == (3, 0, 15, 2, 0) and reg.name == "S3_0_C15_C2_0"
    assert m.run(10_000).reason == "system-off"
    assert (m.cpu.x(1), m.cpu.x(3)) == (0x1234, 0xFEDC_BA98_7654_3210)
    assert reg.value == 0xFEDC_BA98_7654_3210
    m.reset()  # the storage goes back to its reset value
    assert reg.value == 0x1234
    assert m.sysregs.by_name("S3_0_C15_C2_0").encoding == (3, 0, 15, 2, 0)


def test_decorated_function_by_encoding_tuple_sees_the_access() -> None:
    m = machine_for("""
    mrs x1, s3_0_c15_c2_1
    mov x2, #0x7ff
    msr s3_0_c15_c2_1, x2
    mrs x3, s3_0_c15_c2_1
""" + OFF)
    seen: list[tuple[int, bool, int, int | None]] = []

    @m.sysreg((3, 0, 15, 2, 1), reset=5, name="IMP_TEST_EL1")
    def impdef(ctx: RegisterContext, value: int | None = None) -> int | None:
        seen.append((ctx.el, ctx.is_read, ctx.pc, value))
        if value is None:
            return ctx.register.value + 0x100
        return value & 0xF0  # stored instead of the value written

    m.run(10_000)
    assert impdef.name == "IMP_TEST_EL1" and impdef.value == 0xF0
    assert (m.cpu.x(1), m.cpu.x(3)) == (0x105, 0x1F0)
    assert seen == [(2, True, BASE, None), (2, False, BASE + 8, 0x7FF), (2, True, BASE + 12, None)]


OVERRIDE_GUEST = """
    ldr x2, =0x5555
    msr {reg}, x2
    mrs x1, {reg}
""" + OFF


@pytest.mark.parametrize("reg", ["TPIDR_EL1", "CONTEXTIDR_EL1", "PMCR_EL0", "PMCCNTR_EL0"])
def test_existing_register_overridden(reg: str) -> None:
    m = machine_for(OVERRIDE_GUEST.format(reg=reg.lower()))
    writes: list[int] = []
    m.sysreg(reg, read=lambda ctx: 0xC0FFEE, write=lambda ctx, value: writes.append(value))
    m.run(10_000)
    assert m.cpu.x(1) == 0xC0FFEE and writes == [0x5555]


def test_native_register_overridden_between_runs_in_code_already_translated() -> None:
    m = machine_for(OVERRIDE_GUEST.format(reg="tpidr_el1"))
    m.run(10_000)
    assert m.cpu.x(1) == 0x5555  # Unicorn's TPIDR_EL1
    m.sysreg("TPIDR_EL1", read=lambda ctx: 7)
    m.reset()
    m.run(10_000)
    assert m.cpu.x(1) == 7


def test_native_counter_read_overridden_between_runs() -> None:
    m = machine_for("    mrs x1, pmccntr_el0\n" + OFF)  # read by the native hook's fast path
    m.run(10_000)
    assert m.cpu.x(1) == 0
    m.sysreg("PMCCNTR_EL0", read=lambda ctx: 0xABC)
    m.reset()
    m.run(10_000)
    assert m.cpu.x(1) == 0xABC


def test_register_overridden_in_the_middle_of_a_run() -> None:
    m = machine_for("""
    mov x5, #0
    mov x6, #0
    msr tpidr_el1, xzr
loop:
    mrs x1, tpidr_el1
    add x5, x5, x1
    add x6, x6, #1
    cmp x6, #100
    b.ne loop
""" + OFF)
    # After 3 + 5 * 40 instructions, 40 iterations have read Unicorn's 0; the 60 others read 1.
    m.deadlines.at(203, lambda: m.sysreg("TPIDR_EL1", read=lambda ctx: 1))
    m.run(10_000)
    assert (m.cpu.x(6), m.cpu.x(5)) == (100, 60)


TRAP_GUEST = TO_EL1 + """
    mov x7, #0x42
    msr s3_1_c15_c2_3, x7
    mrs x7, s3_1_c15_c2_3
    ldr x0, =0x84000008
    smc #0
""" + EL2_VECTORS + EL1_VECTORS


def trap_reads_when_hcr_bit30(m: object) -> object:
    return m.sysreg("S3_1_C15_C2_3", reset=0x99, trap_to=2, on="read",  # type: ignore[attr-defined]
                    when=lambda ctx: ctx.hcr_el2 >> 30 & 1)


def test_trap_rule_routes_to_an_el2_vector_with_the_exact_esr() -> None:
    m = machine_for(TRAP_GUEST.replace("ldr x9, =0x80000000", "ldr x9, =0xc0000000"))
    reg = trap_reads_when_hcr_bit30(m)
    m.run(10_000)
    mrs_pc = m.image.symbols["at_el1"] + 8  # type: ignore[union-attr]
    # EC 0x18, IL, Op0=3 Op2=3 Op1=1 CRn=15 Rt=7 CRm=2 Direction=1 (read)
    assert m.cpu.x(20) == 0x6236_7CE5 == (0x18 << 26 | 1 << 25 | iss_sys64(3, 1, 15, 2, 3, 7, True))
    assert (m.cpu.x(21), m.cpu.x(22)) == (mrs_pc, 1)
    assert m.cpu.x(7) == 0x42 and reg.value == 0x42  # the write was not trapped; the read did not happen


def test_trap_rule_does_not_trap_when_the_bit_is_clear() -> None:
    m = machine_for(TRAP_GUEST)
    trap_reads_when_hcr_bit30(m)
    m.run(10_000)
    assert (m.cpu.x(22), m.cpu.x(7)) == (0, 0x42)


class TrapHyp(Hypervisor):
    def __init__(self) -> None:
        self.exits: list[GuestExit] = []
        self.esr_el2: list[int] = []

    def attach(self, machine: object) -> None:
        super().attach(machine)  # type: ignore[arg-type]
        trap_reads_when_hcr_bit30(machine)

    def reset(self) -> None:
        self.machine.cpu.write_sysreg(sr.HCR_EL2, sr.HCR_RW | 1 << 30)

    def handle_exit(self, exit: GuestExit) -> None:
        if exit.ec == EC.SYS64:
            self.exits.append(exit)
            self.esr_el2.append(self.machine.cpu.read_sysreg(sr.ESR_EL2))
            self.machine.cpu.set_x(7, 0xE0E0)
            self.machine.cpu.pc = exit.elr + 4
            return
        super().handle_exit(exit)


def test_trap_rule_reaches_the_python_hypervisor() -> None:
    hyp = TrapHyp()
    m = machine_for("""
    mov x7, #0x42
    msr s3_1_c15_c2_3, x7
    mrs x7, s3_1_c15_c2_3
    ldr x0, =0x84000008
    hvc #0
""", hypervisor=hyp)
    assert m.run(10_000).reason == "system-off"
    assert [(e.ec, e.esr, e.elr) for e in hyp.exits] == [(EC.SYS64, 0x6236_7CE5, BASE + 8)]
    assert hyp.esr_el2 == [0x6236_7CE5]
    assert m.cpu.x(7) == 0xE0E0 and m.cpu.el == 1


def test_access_from_a_forbidden_el_is_undefined() -> None:
    m = machine_for(TO_EL1 + """
    mrs x1, s3_0_c15_c2_0
    msr s3_0_c15_c2_0, x1
    mrs x2, s3_0_c15_c2_2
""" + OFF + EL2_VECTORS + EL1_VECTORS)
    m.sysreg("S3_0_C15_C2_0", el=2)  # EL2 only: EL1 accesses are UNDEFINED, taken to EL1
    m.sysreg("S3_0_C15_C2_2", reset=3, read_el=(1, 2), write_el=())  # read-only
    m.run(10_000)
    msr_pc = m.image.symbols["at_el1"] + 4  # type: ignore[union-attr]
    assert (m.cpu.x(23), m.cpu.x(24)) == (0x0200_0000, msr_pc)  # the last UNDEFINED: the MSR
    assert m.cpu.x(2) == 3 and m.cpu.x(22) == 0  # nothing went to EL2


def test_default_els_follow_op1() -> None:
    m = machine_for(OFF)
    assert m.sysreg("S3_3_C15_C2_0").read_els == {0, 1, 2}
    assert m.sysreg("S3_4_C15_C2_0").write_els == {2}
    assert m.sysreg("S3_0_C15_C2_3").read_els == {1, 2}


def test_raising_functions_stop_the_run_with_register_and_pc() -> None:
    m = machine_for("    nop\n    mrs x1, s3_0_c15_c2_0\n" + OFF)
    m.sysreg("S3_0_C15_C2_0", read=lambda ctx: 1 // 0)
    with pytest.raises(UserHookError) as info:
        m.run(10_000)
    text = info.value.report()
    assert text.startswith("emu: user hook failed: the read function of system register S3_0_C15_C2_0 "
                           "(S3_0_C15_C2_0) raised ZeroDivisionError: integer division or modulo by zero.")
    assert f"PC=0x{BASE + 4:x}" in text and "\n" not in text
    assert info.value.exit_status == 78


def test_raising_trap_rule_and_bad_rule_results() -> None:
    m = machine_for("    mrs x1, s3_0_c15_c2_0\n" + OFF)
    m.sysreg("S3_0_C15_C2_0", trap=lambda ctx: {}["x"])
    with pytest.raises(UserHookError, match=r"the trap rule of system register S3_0_C15_C2_0 .*raised KeyError: 'x'"):
        m.run(10_000)
    m = machine_for("    mrs x1, s3_0_c15_c2_0\n" + OFF)
    m.sysreg("S3_0_C15_C2_0", trap=lambda ctx: 2)  # at EL2: not a higher EL
    with pytest.raises(UserHookError, match="returned EL2 for an access at EL2; a trap goes to a higher EL"):
        m.run(10_000)


def test_bad_definitions_are_usage_errors() -> None:
    m = machine_for(OFF)
    with pytest.raises(UsageError, match="not a system register name"):
        m.sysreg("NO_SUCH_REG_EL1")
    with pytest.raises(UsageError, match="op0 = 2 or 3 only"):
        m.sysreg((1, 0, 7, 5, 0))
    with pytest.raises(UsageError, match="trap_to must be 1, 2"):
        m.sysreg("S3_0_C15_C2_0", trap_to=3)
    with pytest.raises(UsageError, match="exception levels"):
        m.sysreg("S3_0_C15_C2_0", el=(1, 3))


class Scratch:
    def __init__(self) -> None:
        self.log: list[tuple[str, int, int, int]] = []

    def read(self, offset: int, size: int) -> int:
        self.log.append(("read", offset, size, 0))
        return 0x1000_0000 | offset

    def write(self, offset: int, size: int, value: int) -> None:
        self.log.append(("write", offset, size, value))


DEVICE_GUEST = """
    ldr x1, =0x0a000000
    ldr x2, =0x12345678
    str w2, [x1, #0x10]
    ldr w3, [x1, #0x8]
    strb w2, [x1, #0x3]
""" + OFF


def test_mmio_device_reads_and_writes() -> None:
    m = machine_for(DEVICE_GUEST)
    dev = Scratch()
    region = m.mmio(0x0A00_0000, 0x1000, dev, name="scratch")
    assert (region.base, region.size, region.name) == (0x0A00_0000, 0x1000, "scratch")
    m.run(10_000)
    assert dev.log == [("write", 0x10, 4, 0x1234_5678), ("read", 0x8, 4, 0), ("write", 0x3, 1, 0x78)]
    assert m.cpu.x(3) == 0x1000_0008


def test_mmio_device_from_functions() -> None:
    m = machine_for(DEVICE_GUEST)
    writes: list[tuple[int, int, int]] = []
    m.mmio(0x0A00_0000, 0x1000, name="f", read=lambda off, size: off * 2,
           write=lambda off, size, value: writes.append((off, size, value)))
    m.run(10_000)
    assert m.cpu.x(3) == 0x10 and writes == [(0x10, 4, 0x1234_5678), (0x3, 1, 0x78)]


@pytest.mark.parametrize("base, size, words", [
    (0x0900_0000, 0x1000, "overlaps pl011 at 0x9000000-0x9001000"),
    (0x3FFF_F000, 0x2000, "overlaps RAM [0x40000000, 0x48000000)"),
    (0x0A00_0000, 0x2000, "overlaps first at 0xa000000-0xa001000"),
    (0x0B00_0800, 0x1000, "multiples of 4 KiB"),
])
def test_mmio_overlaps_and_misalignment_are_refused(base: int, size: int, words: str) -> None:
    m = machine_for(OFF)
    m.mmio(0x0A00_0000, 0x1000, Scratch(), name="first")
    with pytest.raises(UsageError, match=re.escape(words)):
        m.mmio(base, size, Scratch(), name="second")


def test_raising_device_names_device_and_guest_pc() -> None:
    m = machine_for(DEVICE_GUEST)

    def broken(offset: int, size: int) -> int:
        raise ValueError("no such\nregister")

    m.mmio(0x0A00_0000, 0x1000, name="broken", read=broken)
    with pytest.raises(UserHookError) as info:
        m.run(10_000)
    text = info.value.report()
    assert text == ("emu: user hook failed: the read function of MMIO device broken at 0xa000000 raised "
                    "ValueError: no such register (a 4-byte read at offset 0x8, address 0xa000008). "
                    f"Stopped at guest PC=0x{BASE + 12:x} in EL2h.")


HOOK_GUEST = """
    nop
    mrs x1, s3_0_c15_c2_0
    ldr x0, =0x84000008
    hvc #0
"""
HOOK_HYP = """
from emu.hyp import Hypervisor


class Broken(Hypervisor):
    def attach(self, machine):
        super().attach(machine)
        machine.sysreg("S3_0_C15_C2_0", read=lambda ctx: int("zero"))
"""


def test_raising_hook_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "guest.S").write_text(HOOK_GUEST)
    (tmp_path / "broken.py").write_text(HOOK_HYP)
    done = subprocess.run([sys.executable, "-m", "emu.cli", "run", "--hypervisor", f"{tmp_path / 'broken.py'}:Broken",
                           str(tmp_path / "guest.S")], capture_output=True, timeout=120, cwd=ROOT)
    stderr = done.stderr.decode()
    assert done.returncode == 78 and done.stdout == b""
    assert "Traceback" not in stderr and stderr.count("\n") == 1
    assert stderr.startswith("emu: user hook failed: the read function of system register S3_0_C15_C2_0 "
                             "(S3_0_C15_C2_0) raised ValueError: invalid literal for int() with base 10: 'zero'. "
                             f"Stopped at PC=0x{BASE + 4:x} in EL1h")


def test_readme_example_runs() -> None:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Custom registers and devices", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(code.group(1), "README.md", "exec"), namespace)  # its asserts check the values
    hyp = namespace["hypervisor"]
    assert len(hyp.trapped) == 3  # type: ignore[attr-defined]
