"""The PSCI firmware of the board (Arm DEN 0022, PSCI 1.1), answered by the emulator the way
QEMU's target/arm/psci.c answers it for a single-core `virt` machine."""

from __future__ import annotations

import enum
from dataclasses import dataclass

PSCI_VERSION = 0x8400_0000
CPU_SUSPEND_32, CPU_SUSPEND_64 = 0x8400_0001, 0xC400_0001
CPU_OFF = 0x8400_0002
CPU_ON_32, CPU_ON_64 = 0x8400_0003, 0xC400_0003
AFFINITY_INFO_32, AFFINITY_INFO_64 = 0x8400_0004, 0xC400_0004
MIGRATE_64 = 0xC400_0005  # named in the device tree only: emu has no Trusted OS to migrate
MIGRATE_INFO_TYPE = 0x8400_0006
SYSTEM_OFF = 0x8400_0008
SYSTEM_RESET = 0x8400_0009
PSCI_FEATURES = 0x8400_000A

VERSION_1_1 = 0x0001_0001
SUCCESS, NOT_SUPPORTED, INVALID_PARAMETERS, ALREADY_ON = 0, -1, -2, -4
TOS_NOT_PRESENT_MP = 2  # MIGRATE_INFO_TYPE: no Trusted OS that needs migration

IMPLEMENTED = frozenset({
    PSCI_VERSION, CPU_SUSPEND_32, CPU_SUSPEND_64, CPU_OFF, CPU_ON_32, CPU_ON_64, AFFINITY_INFO_32,
    AFFINITY_INFO_64, MIGRATE_INFO_TYPE, SYSTEM_OFF, SYSTEM_RESET, PSCI_FEATURES,
})


class Action(enum.Enum):
    RETURN = "return"  # write `value` to X0 and go on after the call
    SYSTEM_OFF = "system-off"
    SYSTEM_RESET = "system-reset"
    CPU_OFF = "cpu-off"  # the only core turned itself off
    SUSPEND = "suspend"  # CPU_SUSPEND: behaves as WFI, then returns SUCCESS


@dataclass(frozen=True)
class Result:
    action: Action
    value: int = 0


def _affinity_is_cpu0(mpidr: int) -> bool:
    return mpidr & 0xFF_00FF_FFFF == 0


def call(function_id: int, x1: int, x2: int, x3: int) -> Result:
    """Answer one PSCI call; unknown function IDs get NOT_SUPPORTED (SMCCC: -1)."""
    fid = function_id & 0xFFFF_FFFF
    if fid == PSCI_VERSION:
        return Result(Action.RETURN, VERSION_1_1)
    if fid == PSCI_FEATURES:
        return Result(Action.RETURN, SUCCESS if (x1 & 0xFFFF_FFFF) in IMPLEMENTED else NOT_SUPPORTED)
    if fid == SYSTEM_OFF:
        return Result(Action.SYSTEM_OFF)
    if fid == SYSTEM_RESET:
        return Result(Action.SYSTEM_RESET)
    if fid == CPU_OFF:
        return Result(Action.CPU_OFF)
    if fid in (CPU_SUSPEND_32, CPU_SUSPEND_64):
        return Result(Action.SUSPEND, SUCCESS)
    if fid in (CPU_ON_32, CPU_ON_64):
        return Result(Action.RETURN, ALREADY_ON if _affinity_is_cpu0(x1) else INVALID_PARAMETERS)
    if fid in (AFFINITY_INFO_32, AFFINITY_INFO_64):
        return Result(Action.RETURN, 0 if _affinity_is_cpu0(x1) and x2 == 0 else INVALID_PARAMETERS)
    if fid == MIGRATE_INFO_TYPE:
        return Result(Action.RETURN, TOS_NOT_PRESENT_MP)
    return Result(Action.RETURN, NOT_SUPPORTED)
