"""ID registers say what emu implements: no EL3, no AArch32, PMUv3 for Armv8.1."""

from __future__ import annotations

import pytest

from tests.conftest import machine_for

READ = """
    ldr x0, =vec2
    msr vbar_el2, x0
    mrs x1, id_aa64pfr0_el1
    mrs x2, id_aa64dfr0_el1
    ldr x0, ={hcr}
    msr hcr_el2, x0
    mov x0, #0x5
    msr spsr_el2, x0
    adr x0, el1
    msr elr_el2, x0
    eret
el1:
    mrs x3, id_aa64pfr0_el1
    ldr x0, =0x84000008
    smc #0
.balign 2048
vec2:
    .space 0x400
    mrs x20, esr_el2
    mrs x21, elr_el2
    ldr x0, =0x84000008
    smc #0
"""


def test_values_at_el2_and_el1() -> None:
    m = machine_for(READ.format(hcr=1 << 31))
    assert m.run(1000).reason == "system-off"
    assert m.cpu.x(1) == 0x0100_0111  # EL0-EL2 AArch64 only, no EL3, FP/AdvSIMD, GICv3 sysregs
    assert m.cpu.x(2) >> 8 & 0xF == 0b0100  # PMUVer: PMUv3 for Armv8.1
    assert m.cpu.x(3) == 0x0100_0111


def test_tid3_traps_el1_reads_to_el2() -> None:
    m = machine_for(READ.format(hcr=(1 << 31) | (1 << 18)))
    assert m.run(1000).reason == "system-off"
    # EC 0x18, IL, Op0=3 Op2=0 Op1=0 CRn=0 Rt=3 CRm=4 read
    assert m.cpu.x(20) == 0x6230_0069
    assert m.cpu.x(3) == 0


# -- every ID register, exact values, read by a guest at EL2 -----------------------------------------
# Named registers of the TID3 space (op0 3, op1 0, CRn 0, CRm 1-7) with their values; every other
# encoding of the space, and every AArch32 register (no AArch32 on emu's core), reads 0.
# docs/idregs.md gives the reason for each value.
EXPECTED_TID3 = {
    "ID_AA64PFR0_EL1": 0x0100_0111,  # EL0-EL2 AArch64 only, no EL3, FP, AdvSIMD, GICv3 sysregs
    "ID_AA64DFR0_EL1": 0x1030_5406,  # the A57's, PMUVer = PMUv3p1
    "ID_AA64ISAR0_EL1": 0x0001_1120,  # AES+PMULL, SHA1, SHA2, CRC32
    "ID_AA64MMFR0_EL1": 0x0000_1124,  # PARange 44 bits, 16-bit ASID, mixed-endian, 4K and 64K granules
}
# The registers Unicorn answers (outside the TID3 space): the Cortex-A57's, as QEMU 7.2.
EXPECTED_OTHER = {
    "midr_el1": 0x411F_D070,
    "revidr_el1": 0,
    "mpidr_el1": 0x8000_0000,
    "aidr_el1": 0,
    "clidr_el1": 0x0A20_0023,
    "ctr_el0": 0x8444_C004,
    "dczid_el0": 0x4,
}


def _read_all(pmuv3p5: bool) -> tuple[dict[tuple[int, int], int], dict[str, int]]:
    from emu.machine import Machine
    from tests.conftest import image_of

    lines = ["    ldr x9, =0x41000000"]
    for crm in range(1, 8):
        for op2 in range(8):
            lines += [f"    mrs x1, s3_0_c0_c{crm}_{op2}", "    str x1, [x9], #8"]
    for name in EXPECTED_OTHER:
        lines += [f"    mrs x1, {name}", "    str x1, [x9], #8"]
    lines += ["    ldr x0, =0x84000008", "    smc #0"]
    machine = Machine(pmuv3p5=pmuv3p5)
    machine.load(image_of("\n".join(lines) + "\n"))
    assert machine.run(10_000).reason == "system-off"
    raw = bytes(machine.uc.mem_read(0x4100_0000, 8 * (56 + len(EXPECTED_OTHER))))
    words = [int.from_bytes(raw[i:i + 8], "little") for i in range(0, len(raw), 8)]
    space = {(crm, op2): words[(crm - 1) * 8 + op2] for crm in range(1, 8) for op2 in range(8)}
    return space, dict(zip(EXPECTED_OTHER, words[56:]))


def test_every_id_register_exact_at_el2() -> None:
    from emu.sysreg.idregs import NAMES

    space, other = _read_all(False)
    by_name = {NAMES[key]: value for key, value in space.items() if key in NAMES}
    for key, value in space.items():
        name = NAMES.get(key, f"S3_0_C0_C{key[0]}_{key[1]}")
        assert value == EXPECTED_TID3.get(name, 0), (name, hex(value))
    assert by_name["ID_AA64DFR0_EL1"] >> 8 & 0xF == 0b0100
    assert other == EXPECTED_OTHER


def test_pmuver_follows_the_pmuv3p5_option() -> None:
    space, _ = _read_all(True)
    assert space[5, 0] == 0x1030_5606  # PMUVer = 0b0110: FEAT_PMUv3p5
    assert {key: value for key, value in space.items() if key != (5, 0)} == {
        key: value for key, value in _read_all(False)[0].items() if key != (5, 0)}


def test_absent_features_read_as_absent() -> None:
    """The fields software probes for features emu does not emulate are all 0 (or 0xF for a
    granule: only TGran16, which the A57 lacks)."""
    space, _ = _read_all(False)
    pfr0, pfr1 = space[4, 0], space[4, 1]
    assert pfr0 >> 12 & 0xF == 0  # EL3
    assert pfr0 >> 28 & 0xF == 0  # RAS
    assert pfr0 >> 32 & 0xF == 0  # SVE
    assert pfr0 >> 36 & 0xF == 0  # SEL2
    assert pfr0 >> 44 & 0xF == 0  # AMU
    assert pfr0 >> 48 & 0xF == 0  # DIT
    assert pfr1 == 0  # BT, SSBS, MTE, RAS_frac, SME, ...
    assert space[4, 4] == 0 and space[4, 5] == 0  # ZFR0 (SVE), SMFR0 (SME)
    assert space[5, 0] >> 32 & 0xF == 0  # PMSVer: no SPE
    assert space[6, 1] == 0 and space[6, 2] == 0  # PAuth, LRCPC, FRINTTS, ... none
    mmfr1 = space[7, 1]
    assert mmfr1 & 0xF == 0  # HAFDBS
    assert mmfr1 >> 8 & 0xF == 0  # VH (FEAT_VHE: no HCR_EL2.E2H)
    assert mmfr1 >> 16 & 0xF == 0  # LO
    assert mmfr1 >> 20 & 0xF == 0  # PAN
    assert space[7, 2] == 0  # CnP, UAO, NV, ...


@pytest.mark.parametrize("reg", ["id_aa64isar1_el1", "id_pfr0_el1", "s3_0_c0_c3_3", "mvfr0_el1"])
def test_tid3_traps_every_register_of_the_space(reg: str) -> None:
    src = READ.replace("mrs x3, id_aa64pfr0_el1", f"mrs x3, {reg}")
    m = machine_for(src.format(hcr=(1 << 31) | (1 << 18)))
    assert m.run(1000).reason == "system-off"
    assert m.cpu.x(20) >> 26 == 0x18 and m.cpu.x(20) & 1 == 1  # a trapped MRS


def test_pan_is_absent_as_id_aa64mmfr1_says() -> None:
    """MMFR1.PAN = 0: an MRS of PAN (S3_0_C4_C2_3) at EL2 is UNDEFINED (EC 0x00)."""
    src = """
    ldr x0, =vec2
    msr vbar_el2, x0
    mrs x1, s3_0_c4_c2_3
    ldr x0, =0x84000008
    smc #0
.balign 2048
vec2:
    .space 0x200
    mrs x20, esr_el2
    ldr x0, =0x84000008
    smc #0
"""
    m = machine_for(src)
    assert m.run(1000).reason == "system-off"
    assert m.cpu.x(20) == 0x0200_0000


def test_debug_resources_match_id_aa64dfr0() -> None:
    """The breakpoints and watchpoints emu emulates are the ones ID_AA64DFR0_EL1 reports."""
    from emu.arch.sysregs import BREAKPOINTS, WATCHPOINTS
    from emu.sysreg.idregs import DFR0
    assert ((DFR0 >> 12) & 0xF) + 1 == BREAKPOINTS and ((DFR0 >> 20) & 0xF) + 1 == WATCHPOINTS
