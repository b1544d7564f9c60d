"""Exception entry (Arm ARM J1 shared/exceptions: AArch64.TakeException) and the routing rules
for synchronous exceptions and interrupts (D1.3 "Exception entry", D1.6 "Interrupt masking")."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from emu.arch import pstate as ps
from emu.arch import sysregs as sr
from emu.arch.esr import ec_of
from emu.core.cpu import Cpu


class Kind(enum.IntEnum):
    """Exception type, valued as its offset inside a vector group (D1.3.1, Table D1-7)."""

    SYNC = 0x000
    IRQ = 0x080
    FIQ = 0x100
    SERROR = 0x180


@dataclass(frozen=True)
class Taken:
    """One exception as it was taken: everything AArch64.TakeException wrote."""

    kind: Kind
    from_el: int
    target_el: int
    elr: int
    spsr: int
    esr: int | None
    far: int | None
    vector: int

    def describe(self) -> str:
        what = self.kind.name if self.esr is None else f"{self.kind.name} EC=0x{ec_of(self.esr):02x} ESR=0x{self.esr:08x}"
        far = "" if self.far is None else f" FAR=0x{self.far:x}"
        return f"{what} from EL{self.from_el} to EL{self.target_el} at ELR=0x{self.elr:x}{far}"


@dataclass(frozen=True)
class GuestExit:
    """An exception that targets EL2, as a Python EL2 receives it instead of VBAR_EL2."""

    kind: Kind
    esr: int | None  # None for IRQ and FIQ
    elr: int  # the preferred return address
    far: int | None
    spsr: int  # the guest's PSTATE when it exited

    @property
    def ec(self) -> int | None:
        return None if self.esr is None else ec_of(self.esr)


def write_exit_registers(cpu: Cpu, exit: GuestExit) -> None:
    """What AArch64.TakeException writes at EL2 (SPSR, ELR, ESR, FAR_EL2), without changing
    PSTATE: the guest stays where it was, with its PC at the preferred return address."""
    cpu.write_sysreg(sr.SPSR_EL2, exit.spsr & 0xFFFF_FFFF)
    cpu.write_sysreg(sr.ELR_EL2, exit.elr)
    if exit.esr is not None:
        cpu.write_sysreg(sr.ESR_EL2, exit.esr)
    if exit.far is not None:
        cpu.write_sysreg(sr.FAR_EL2, exit.far)
    cpu.pc = exit.elr


def vector_offset(from_el: int, target_el: int, pstate: int, kind: Kind) -> int:
    """Offset from VBAR_ELx (D1.3.1): current EL with SP_EL0 (0x000), current EL with SP_ELx
    (0x200), lower EL using AArch64 (0x400); plus the type's offset."""
    if target_el > from_el:
        base = 0x400
    elif pstate & ps.SP_SEL:
        base = 0x200
    else:
        base = 0x000
    return base + int(kind)


def take_exception(cpu: Cpu, target_el: int, kind: Kind, preferred_return: int,
                   esr: int | None = None, far: int | None = None) -> Taken:
    """AArch64.TakeException: save PSTATE to SPSR_ELx and the return address to ELR_ELx, write
    ESR_ELx (synchronous and SError only) and FAR_ELx (aborts), mask D, A, I and F, clear SS and
    IL, select SP_ELx at the target EL and branch to VBAR_ELx + offset."""
    old = cpu.pstate
    from_el = ps.el_of(old)
    vector = (cpu.read_sysreg(sr.VBAR[target_el]) & ~0x7FF) + vector_offset(from_el, target_el, old, kind)
    spsr = old & 0xFFFF_FFFF
    cpu.write_sysreg(sr.SPSR[target_el], spsr)
    cpu.write_sysreg(sr.ELR[target_el], preferred_return)
    if esr is not None:
        cpu.write_sysreg(sr.ESR[target_el], esr)
    if far is not None:
        cpu.write_sysreg(sr.FAR[target_el], far)
    new = (old & (ps.N | ps.Z | ps.C | ps.V)) | ps.DAIF | ps.mode(target_el, True)
    cpu.set_pstate(new)
    cpu.pc = vector
    return Taken(kind, from_el, target_el, preferred_return, spsr, esr, far, vector)


def sync_target_el(from_el: int, hcr: int, el2_present: bool) -> int:
    """Where a synchronous exception that is not a trap goes: the current EL, or EL1 from EL0,
    or EL2 from EL0 when HCR_EL2.TGE is set (D1.3.2, "Routing of synchronous exceptions")."""
    if from_el == 0:
        return 2 if el2_present and hcr & sr.HCR_TGE else 1
    return from_el


def physical_interrupt_target(kind: Kind, hcr: int, el2_present: bool) -> int:
    """EL2 when HCR_EL2.IMO (IRQ) / FMO (FIQ) or TGE is set, otherwise EL1 (D1.3.3, Table D1-12)."""
    route_bit = sr.HCR_IMO if kind is Kind.IRQ else sr.HCR_FMO
    if el2_present and hcr & (route_bit | sr.HCR_TGE):
        return 2
    return 1


def interrupt_taken(kind: Kind, target_el: int, el: int, pstate_masked: bool) -> bool:
    """Whether a pending physical interrupt routed to `target_el` is taken now at `el`
    (D1.6.1, Table D1-16, "Physical interrupt masking"): never if it targets a lower EL; masked by
    PSTATE.I/F when it targets the current EL; never masked when it targets a higher EL."""
    if target_el < el:
        return False
    if target_el == el:
        return not pstate_masked
    return True
