"""Errors the emulator reports to its user, each with its own process exit status.

A guest's own exit status (PSCI SYSTEM_OFF gives 0, semihosting SYS_EXIT gives any code) is
passed through unchanged, so the emulator's own statuses are chosen from the sysexits(3) range
(64-78) and just above it; docs/exit-status.md lists them. Every message is one paragraph.
"""

from __future__ import annotations


class EmuError(Exception):
    """Base class: a clean, user-facing failure with a distinct exit status."""

    exit_status: int = 70
    kind: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def report(self) -> str:
        """The one-paragraph text printed on stderr."""
        return f"emu: {self.kind}: {self.message}"


class UsageError(EmuError):
    exit_status = 64
    kind = "usage"


class AssemblyError(EmuError):
    """Keystone rejected a line (the message names file and line)."""

    exit_status = 65
    kind = "assembly error"


class ImageNotFound(EmuError):
    exit_status = 66
    kind = "cannot read image"


class EmptyImage(EmuError):
    exit_status = 67
    kind = "empty image"


class BadImage(EmuError):
    """An ELF that is not AArch64, a truncated or corrupt ELF, or a bad Image header."""

    exit_status = 68
    kind = "bad image"


class ImageDoesNotFit(EmuError):
    """The image, or its entry point, lies outside RAM."""

    exit_status = 69
    kind = "image does not fit"


class InternalError(EmuError):
    exit_status = 70
    kind = "internal error"


class BudgetExhausted(EmuError):
    """The guest did not power off within its instruction budget."""

    exit_status = 71
    kind = "guest ran away"


class ExceptionLoop(EmuError):
    """The guest takes the same exception at the same address over and over
    (typically a fault with no vector table installed)."""

    exit_status = 72
    kind = "guest stuck in an exception loop"


class CostModelError(EmuError):
    """A cost-model TOML file that is not valid TOML, names an unknown class, or gives a cost
    that is not a non-negative integer (the message names the key and line)."""

    exit_status = 75
    kind = "bad cost model"


class AArch32Unsupported(EmuError):
    exit_status = 73
    kind = "AArch32 is not supported"


class GuestHalted(EmuError):
    """The guest stopped in a way no architecture step can continue from
    (for example WFI with every interrupt masked and nothing to wake it)."""

    exit_status = 74
    kind = "guest halted"


class UserHookError(EmuError):
    """A user-defined system register's function or trap rule, or a user MMIO device's
    function, raised (emu.sysreg.custom): the message names the register or device, the guest
    PC and the exception."""

    exit_status = 78
    kind = "user hook failed"


class BadDeviceTree(EmuError):
    """A `--dtb` blob that is not a flattened device tree emu can hand to the guest."""

    exit_status = 79
    kind = "bad device tree"
