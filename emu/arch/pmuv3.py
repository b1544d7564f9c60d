"""PMUv3 common event numbers (Arm ARM D11.11 "PMU events and event numbers", Table D11-8) that
emu implements. PMCEID0_EL0 bit n advertises event n (n < 32), PMCEID1_EL0 bit n event 32 + n."""

from __future__ import annotations

import enum


class Event(enum.IntEnum):
    SW_INCR = 0x00
    INST_RETIRED = 0x08
    EXC_TAKEN = 0x09
    EXC_RETURN = 0x0A
    PC_WRITE_RETIRED = 0x0C
    BR_IMMED_RETIRED = 0x0D
    BR_RETURN_RETIRED = 0x0E
    BR_MIS_PRED = 0x10
    CPU_CYCLES = 0x11
    BR_PRED = 0x12
    MEM_ACCESS = 0x13
    INST_SPEC = 0x1B
    CHAIN = 0x1E
    BR_RETIRED = 0x21
    STALL_FRONTEND = 0x23
    STALL_BACKEND = 0x24
    LD_RETIRED = 0x06
    ST_RETIRED = 0x07


IMPLEMENTED = frozenset(Event)
# Events that instructions generate (counted per translated block in C); the others come from
# the exception model (EXC_TAKEN), from PMSWINC_EL0 (SW_INCR) or from another counter (CHAIN).
# STALL_FRONTEND and STALL_BACKEND are required with FEAT_PMUv3p1 (the Arm ARM's "Required
# events"; emu's PMUVer is 0b0100 or more): emu derives them from the cost model's cycles (see
# emu/timing/blockinfo.py), since it has no pipeline.
INSTRUCTION_EVENTS = (
    Event.INST_RETIRED, Event.CPU_CYCLES, Event.LD_RETIRED, Event.ST_RETIRED, Event.MEM_ACCESS,
    Event.PC_WRITE_RETIRED, Event.BR_IMMED_RETIRED, Event.BR_RETURN_RETIRED, Event.BR_RETIRED,
    Event.BR_MIS_PRED, Event.BR_PRED, Event.INST_SPEC, Event.EXC_RETURN, Event.STALL_FRONTEND,
    Event.STALL_BACKEND,
)


def pmceid() -> tuple[int, int]:
    """PMCEID0_EL0 and PMCEID1_EL0 values for the implemented common events."""
    low = sum(1 << e for e in IMPLEMENTED if e < 32)
    high = sum(1 << (e - 32) for e in IMPLEMENTED if 32 <= e < 64)
    return low, high
