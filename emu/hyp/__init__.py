"""The Python EL2 backend: a `Hypervisor` object owns EL2 instead of code in the image.

Every exception that would be taken to EL2 (HVC, SMC trapped by HCR_EL2.TSC, system-register
traps, WFI/WFE with TWI/TWE, physical IRQs and FIQs routed by HCR_EL2.IMO/FMO) is delivered to
`handle_exit` as a `GuestExit` instead of vectoring to VBAR_EL2. ESR_EL2, ELR_EL2, SPSR_EL2 and
FAR_EL2 are written as AArch64.TakeException writes them, so a handler may read them as KVM does;
PSTATE and the PC are left as the guest had them, with the PC at the preferred return address.
When `handle_exit` returns the guest resumes from whatever state the handler left (for example
`machine.cpu.pc += 4` to skip a trapped instruction). The world switch that builds on this
interface is a later issue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emu.arch.esr import EC
from emu.core.exceptions import GuestExit

if TYPE_CHECKING:
    from emu.machine import Machine

__all__ = ["GuestExit", "Hypervisor"]


class Hypervisor:
    """Base class of Python hypervisors. The default answers PSCI calls made with HVC (the
    conduit of a guest under a hypervisor) and refuses everything else with a clear error."""

    machine: "Machine"

    def attach(self, machine: "Machine") -> None:
        """Called once when the machine is built."""
        self.machine = machine

    def reset(self) -> None:
        """Called after every reset of the core (the guest is at EL1h, HCR_EL2 = RW):
        configure HCR_EL2 and the other EL2 controls here."""

    def handle_exit(self, exit: GuestExit) -> None:
        if exit.ec == EC.HVC64 and self.machine.is_psci_call():
            self.machine.answer_psci()
            return
        self.unhandled(exit)

    def unhandled(self, exit: GuestExit) -> None:
        from emu.errors import InternalError

        detail = f"ESR_EL2=0x{exit.esr:08x}" if exit.esr is not None else exit.kind.name
        raise InternalError(
            f"the Python hypervisor {type(self).__name__} does not handle this exit: {detail} "
            f"at ELR=0x{exit.elr:x}; override handle_exit to emulate it"
        )
