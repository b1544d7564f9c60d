"""Every access rule of the PMU registers, exhaustively over EL x PMUSERENR_EL0 x MDCR_EL2.{TPM,
TPMCR,HPMN} x HCR_EL2.TGE x direction, against a table transcribed from each register's
"Accessing" pseudocode (Arm ARM D24.5, D24.3.17), plus hand-checked cases."""

from __future__ import annotations

import itertools
import re

import pytest

from emu.sysreg import Decision
from pmu_fakes import Rig

OK, TRAP_EL1, TRAP_EL2, UNDEFINED = Decision.OK, Decision.TRAP_EL1, Decision.TRAP_EL2, Decision.UNDEFINED
EN, SW, CR, ER = 1, 2, 4, 8
TPMCR, TPM = 1 << 5, 1 << 6
TGE = 1 << 27
N = 6
X = None  # this direction does not exist: UNDEFINED at every EL

# name: (PMUSERENR_EL0 bits any of which lets EL0 read, ... write; MDCR_EL2.TPMCR traps it too)
EL0_REGISTERS: dict[str, tuple[int | None, int | None, bool]] = {
    "PMCR_EL0": (EN, EN, True),
    "PMCNTENSET_EL0": (EN, EN, False),
    "PMCNTENCLR_EL0": (EN, EN, False),
    "PMOVSSET_EL0": (EN, EN, False),
    "PMOVSCLR_EL0": (EN, EN, False),
    "PMSWINC_EL0": (X, EN | SW, False),
    "PMSELR_EL0": (EN | ER, EN | ER, False),
    "PMCEID0_EL0": (EN, X, False),
    "PMCEID1_EL0": (EN, X, False),
    "PMCCNTR_EL0": (EN | CR, EN, False),
    "PMCCFILTR_EL0": (EN, EN, False),
}
# PMEVCNTR<n>_EL0, PMEVTYPER<n>_EL0 (index n) and PMXEV*_EL0 (index PMSELR_EL0.SEL): (read enables, write enables)
INDEXED: dict[str, tuple[int, int]] = {
    "PMEVCNTR": (EN | ER, EN),
    "PMEVTYPER": (EN, EN),
    "PMXEVCNTR_EL0": (EN | ER, EN),
    "PMXEVTYPER_EL0": (EN, EN),
}


def el0_trap(hcr: int) -> Decision:
    return TRAP_EL2 if hcr & TGE else TRAP_EL1


def expected(name: str, el: int, is_read: bool, userenr: int, mdcr: int, hcr: int, sel: int) -> Decision:
    """The pseudocode, with emu's choices for its CONSTRAINED UNPREDICTABLE cases (UNDEFINED)."""
    hpmn = min(mdcr & 0x1F, N)
    tpm = el < 2 and bool(mdcr & TPM)
    if name == "MDCR_EL2":
        return OK if el == 2 else UNDEFINED
    if name in ("PMINTENSET_EL1", "PMINTENCLR_EL1"):
        return UNDEFINED if el == 0 else TRAP_EL2 if tpm else OK
    if name == "PMUSERENR_EL0":
        return UNDEFINED if el == 0 and not is_read else TRAP_EL2 if tpm else OK
    if name in EL0_REGISTERS:
        read, write, tpmcr = EL0_REGISTERS[name]
        enables = read if is_read else write
        if enables is None:
            return UNDEFINED
        if el == 0 and not userenr & enables:
            return el0_trap(hcr)
        if tpm or (tpmcr and el < 2 and mdcr & TPMCR):
            return TRAP_EL2
        return OK
    numbered = re.fullmatch(r"(PMEV(?:CNTR|TYPER))(\d+)_EL0", name)
    base, index = (numbered[1], int(numbered[2])) if numbered else (name, sel)
    read, write = INDEXED[base]
    cycle_filter = name == "PMXEVTYPER_EL0" and index == 31
    if not cycle_filter and index >= N:
        return UNDEFINED
    if el == 0 and not userenr & (read if is_read else write):
        return el0_trap(hcr)
    if tpm:
        return TRAP_EL2
    if not cycle_filter and el < 2 and index >= hpmn:
        return UNDEFINED
    return OK


NAMES = [*EL0_REGISTERS, "PMINTENSET_EL1", "PMINTENCLR_EL1", "PMUSERENR_EL0", "MDCR_EL2",
         *(f"PMEVCNTR{n}_EL0" for n in (0, 1, 3, 5, 6, 30)), *(f"PMEVTYPER{n}_EL0" for n in (0, 2, 5, 6, 30)),
         "PMXEVCNTR_EL0", "PMXEVTYPER_EL0"]
HPMNS = (0, 1, 4, 6, 9)  # 0 and 9 are reserved values: emu takes min(HPMN, N)


@pytest.mark.parametrize("name", NAMES)
def test_every_combination(name: str) -> None:
    rig = Rig()
    sels = (0, 3, 5, 6, 31) if name.startswith("PMX") else (0,)
    checked = 0
    for sel, userenr, el, is_read, tpm, tpmcr, tge, hpmn in itertools.product(
            sels, range(16), (0, 1, 2), (True, False), (0, TPM), (0, TPMCR), (0, TGE), HPMNS):
        rig.write("PMSELR_EL0", sel)
        rig.write("PMUSERENR_EL0", userenr)
        mdcr = tpm | tpmcr | hpmn
        got = rig.access(name, el, is_read, 0, hcr=tge, mdcr=mdcr).decision
        want = expected(name, el, is_read, userenr, mdcr, tge, sel)
        assert got is want, (name, f"SEL={sel} PMUSERENR={userenr:#x} EL{el} read={is_read} MDCR={mdcr:#x} TGE={bool(tge)}")
        checked += 1
    assert checked == len(sels) * 16 * 3 * 2 * 2 * 2 * 2 * len(HPMNS)


@pytest.mark.parametrize(("name", "el", "is_read", "userenr", "mdcr", "hcr", "want"), [
    # EL0 and PMUSERENR_EL0: EN opens everything, CR only PMCCNTR_EL0 reads, ER event counter
    # reads and PMSELR_EL0, SW only PMSWINC_EL0; a closed access traps to EL1, or EL2 under TGE.
    ("PMCCNTR_EL0", 0, True, CR, 6, 0, OK),
    ("PMCCNTR_EL0", 0, False, CR, 6, 0, TRAP_EL1),
    ("PMCCNTR_EL0", 0, True, 0, 6, TGE, TRAP_EL2),
    ("PMEVCNTR2_EL0", 0, True, ER, 6, 0, OK),
    ("PMEVCNTR2_EL0", 0, False, ER, 6, 0, TRAP_EL1),
    ("PMEVTYPER2_EL0", 0, True, ER, 6, 0, TRAP_EL1),
    ("PMSELR_EL0", 0, False, ER, 6, 0, OK),
    ("PMSWINC_EL0", 0, False, SW, 6, 0, OK),
    ("PMSWINC_EL0", 0, False, ER | CR, 6, TGE, TRAP_EL2),
    ("PMCR_EL0", 0, True, SW | CR | ER, 6, 0, TRAP_EL1),
    ("PMCEID1_EL0", 0, True, EN, 6, 0, OK),
    ("PMINTENSET_EL1", 0, True, EN, 6, 0, UNDEFINED),
    ("PMUSERENR_EL0", 0, True, 0, 6, 0, OK),
    ("PMUSERENR_EL0", 0, False, EN, 6, 0, UNDEFINED),
    # MDCR_EL2.TPM traps every PMU register below EL2, TPMCR only PMCR_EL0.
    ("PMUSERENR_EL0", 0, True, 0, 6 | TPM, 0, TRAP_EL2),
    ("PMINTENCLR_EL1", 1, False, 0, 6 | TPM, 0, TRAP_EL2),
    ("PMCR_EL0", 1, True, 0, 6 | TPMCR, 0, TRAP_EL2),
    ("PMCR_EL0", 0, False, EN, 6 | TPMCR, 0, TRAP_EL2),
    ("PMCCNTR_EL0", 1, True, 0, 6 | TPMCR, 0, OK),
    ("PMCR_EL0", 2, True, 0, 6 | TPM | TPMCR, 0, OK),
    # Counters at or above HPMN: UNDEFINED at EL0 and EL1, after the PMUSERENR and TPM traps.
    ("PMEVCNTR4_EL0", 1, True, 0, 4, 0, UNDEFINED),
    ("PMEVCNTR3_EL0", 1, True, 0, 4, 0, OK),
    ("PMEVTYPER5_EL0", 0, False, EN, 4, 0, UNDEFINED),
    ("PMEVCNTR4_EL0", 0, True, 0, 4, 0, TRAP_EL1),
    ("PMEVCNTR4_EL0", 1, True, 0, 4 | TPM, 0, TRAP_EL2),
    ("PMEVCNTR5_EL0", 2, True, 0, 4, 0, OK),
    # Counters at or above N: UNDEFINED everywhere, before any trap.
    ("PMEVCNTR6_EL0", 2, True, 0, 6, 0, UNDEFINED),
    ("PMEVTYPER30_EL0", 0, True, 0, 6, 0, UNDEFINED),
    ("PMEVCNTR6_EL0", 1, False, 0, 6 | TPM, 0, UNDEFINED),
    ("MDCR_EL2", 1, True, 0, 6, 0, UNDEFINED),
    ("MDCR_EL2", 2, False, 0, 6, 0, OK),
])
def test_cases(name: str, el: int, is_read: bool, userenr: int, mdcr: int, hcr: int, want: Decision) -> None:
    rig = Rig()
    rig.write("PMUSERENR_EL0", userenr)
    assert rig.access(name, el, is_read, 0, hcr=hcr, mdcr=mdcr).decision is want


@pytest.mark.parametrize(("sel", "el", "mdcr", "evtyper", "evcntr"), [
    (2, 1, 3, OK, OK),
    (3, 1, 3, UNDEFINED, UNDEFINED),  # SEL >= HPMN
    (3, 2, 3, OK, OK),
    (6, 2, 6, UNDEFINED, UNDEFINED),  # SEL >= N
    (31, 1, 0, OK, UNDEFINED),  # PMCCFILTR_EL0 through PMXEVTYPER_EL0; PMXEVCNTR_EL0: emu's choice
    (31, 0, 6 | TPM, TRAP_EL2, UNDEFINED),
])
def test_pmselr_indirection(sel: int, el: int, mdcr: int, evtyper: Decision, evcntr: Decision) -> None:
    rig = Rig()
    rig.write("PMUSERENR_EL0", EN)
    rig.write("PMSELR_EL0", sel)
    assert rig.access("PMXEVTYPER_EL0", el, True, mdcr=mdcr).decision is evtyper
    assert rig.access("PMXEVCNTR_EL0", el, False, 1, mdcr=mdcr).decision is evcntr
