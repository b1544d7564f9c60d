"""PSCI answers (Arm DEN 0022 PSCI 1.1; the values QEMU's target/arm/psci.c returns)."""

from __future__ import annotations

from emu.board import psci


def test_version_is_1_1() -> None:
    assert psci.call(psci.PSCI_VERSION, 0, 0, 0) == psci.Result(psci.Action.RETURN, 0x0001_0001)


def test_features() -> None:
    assert psci.call(psci.PSCI_FEATURES, psci.SYSTEM_OFF, 0, 0).value == 0
    assert psci.call(psci.PSCI_FEATURES, psci.CPU_ON_64, 0, 0).value == 0
    assert psci.call(psci.PSCI_FEATURES, 0x8400_0010, 0, 0).value == -1


def test_power_actions() -> None:
    assert psci.call(psci.SYSTEM_OFF, 0, 0, 0).action is psci.Action.SYSTEM_OFF
    assert psci.call(psci.SYSTEM_RESET, 0, 0, 0).action is psci.Action.SYSTEM_RESET
    assert psci.call(psci.CPU_OFF, 0, 0, 0).action is psci.Action.CPU_OFF


def test_single_core_affinity() -> None:
    assert psci.call(psci.CPU_ON_64, 0, 0x4008_0000, 0).value == psci.ALREADY_ON
    assert psci.call(psci.CPU_ON_64, 1, 0x4008_0000, 0).value == psci.INVALID_PARAMETERS
    assert psci.call(psci.AFFINITY_INFO_64, 0, 0, 0).value == 0
    assert psci.call(psci.AFFINITY_INFO_64, 0x100, 0, 0).value == psci.INVALID_PARAMETERS


def test_unknown_function_not_supported() -> None:
    assert psci.call(0xC400_0055, 0, 0, 0) == psci.Result(psci.Action.RETURN, -1)
    # the upper half of X0 is not part of an SMC32 function ID
    assert psci.call(0xFFFF_FFFF_8400_0000, 0, 0, 0).value == 0x0001_0001
