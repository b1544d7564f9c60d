"""Turn what Unicorn reports (an exception number, a PC, an unmapped address) into the
architectural synchronous exception: target EL, ESR, preferred return address and FAR.

Unicorn does not expose the syndrome QEMU computed, so the instruction at the PC is decoded
here (emu.arch.decode) and the routing rules of the Arm ARM are applied (D1.3.2; D23.2.53 HCR_EL2).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from emu.arch import decode
from emu.arch import sysregs as sr
from emu.arch.esr import (
    EC, FSC_SYNC_EXTERNAL, iss_data_abort, iss_imm16, iss_instruction_abort, iss_sys64, iss_wfx, syndrome,
)
from emu.core.exceptions import sync_target_el

# QEMU's exception numbers as Unicorn passes them to UC_HOOK_INTR (target/arm/cpu.h).
EXCP_UDEF, EXCP_SWI, EXCP_PREFETCH_ABORT, EXCP_DATA_ABORT = 1, 2, 3, 4
EXCP_IRQ, EXCP_FIQ, EXCP_BKPT, EXCP_HVC, EXCP_HYP_TRAP, EXCP_SMC = 5, 6, 7, 11, 12, 13
EXCP_VIRQ, EXCP_VFIQ = 14, 15


@dataclass(frozen=True)
class Sync:
    """A synchronous exception to take: where, with which syndrome, returning where."""

    target_el: int
    esr: int
    elr: int
    far: int | None = None


@dataclass(frozen=True)
class Context:
    """The processor state routing depends on."""

    el: int
    pstate: int
    hcr: int
    el2_present: bool


def undefined(ctx: Context, pc: int) -> Sync:
    """EC 0x00, Unknown reason: UNDEFINED instructions, and accesses to registers of a higher EL."""
    return Sync(sync_target_el(ctx.el, ctx.hcr, ctx.el2_present), syndrome(EC.UNKNOWN), pc)


def system_access(ctx: Context, pc: int, insn: decode.SysInsn) -> Sync:
    """An MRS/MSR/SYS that Unicorn refused. HCR_EL2.TVM (writes) and TRVM (reads) of the virtual
    memory control registers from EL1 trap to EL2 with EC 0x18; every other refusal is UNDEFINED
    (an EL1 access to an EL2 register, or an encoding that does not exist)."""
    if ctx.el2_present and ctx.el == 1 and insn.encoding in sr.VM_CONTROL_REGISTERS:
        trap_bit = sr.HCR_TRVM if insn.is_read else sr.HCR_TVM
        if ctx.hcr & trap_bit:
            iss = iss_sys64(insn.op0, insn.op1, insn.crn, insn.crm, insn.op2, insn.rt, insn.is_read)
            return Sync(2, syndrome(EC.SYS64, iss), pc)
    return undefined(ctx, pc)


def refused_system_access(ctx: Context, pc: int, insn: decode.SysInsn, decision: enum.Enum) -> Sync:
    """A Python register's access check said TRAP_EL1, TRAP_EL2 (EC 0x18 with the full ISS,
    ELR = the instruction) or UNDEFINED (EC 0x00 at the routed EL)."""
    if decision.name == "UNDEFINED":
        return undefined(ctx, pc)
    iss = iss_sys64(insn.op0, insn.op1, insn.crn, insn.crm, insn.op2, insn.rt, insn.is_read)
    return Sync(2 if decision.name == "TRAP_EL2" else 1, syndrome(EC.SYS64, iss), pc)


def wfx_trap(ctx: Context, pc: int, ti: int, sctlr_el1: int) -> Sync | None:
    """WFI/WFE trapped (D1.3.2; HCR_EL2.TWI/TWE, SCTLR_EL1.nTWI/nTWE): EC 0x01, ELR = the WFx."""
    if ctx.el == 0 and not sctlr_el1 & (1 << (16 + 2 * ti)):
        return Sync(sync_target_el(0, ctx.hcr, ctx.el2_present), syndrome(EC.WFX, iss_wfx(ti)), pc)
    if ctx.el2_present and ctx.el < 2 and ctx.hcr & (sr.HCR_TWE if ti else sr.HCR_TWI):
        return Sync(2, syndrome(EC.WFX, iss_wfx(ti)), pc)
    return None


def call(ctx: Context, kind: str, imm16: int, next_pc: int) -> Sync:
    """SVC, HVC or SMC taken as a call: ELR is the instruction after it (D1.3.2).
    SVC goes to EL1 (EL2 from EL0 with TGE, or at EL2); HVC and SMC to EL2 here."""
    if kind == "svc":
        return Sync(sync_target_el(ctx.el, ctx.hcr, ctx.el2_present), syndrome(EC.SVC64, iss_imm16(imm16)), next_pc)
    ec = EC.HVC64 if kind == "hvc" else EC.SMC64
    return Sync(2, syndrome(ec, iss_imm16(imm16)), next_pc)


def smc_trap(imm16: int, pc: int) -> Sync:
    """HCR_EL2.TSC: SMC from EL1 traps to EL2 with EC 0x17; ELR is the SMC itself (D1.3.2)."""
    return Sync(2, syndrome(EC.SMC64, iss_imm16(imm16)), pc)


def breakpoint_insn(ctx: Context, pc: int, imm16: int) -> Sync:
    """BRK: EC 0x3C, ELR = the BRK itself."""
    return Sync(sync_target_el(ctx.el, ctx.hcr, ctx.el2_present), syndrome(EC.BRK64, iss_imm16(imm16)), pc)


def illegal_state(ctx: Context, pc: int) -> Sync:
    """PSTATE.IL set (after an illegal exception return): EC 0x0E at the current EL (D1.4.4)."""
    return Sync(sync_target_el(ctx.el, ctx.hcr, ctx.el2_present), syndrome(EC.ILLEGAL_STATE), pc)


def _abort_target(ctx: Context) -> int:
    return sync_target_el(ctx.el, ctx.hcr, ctx.el2_present)


FSC_ADDRESS_SIZE_L0 = 0x00  # Address size fault, level 0 (also: a PA beyond PARange with stage 1 off)


def data_abort(ctx: Context, pc: int, address: int, is_write: bool, dfsc: int) -> Sync:
    """A data abort not from stage 2: EC 0x24 from a lower EL or 0x25 at the same EL, FAR = the
    address, WnR = 1 for a write. ISV is 0: the Arm ARM gives a valid instruction syndrome only
    for stage 2 aborts reported in ESR_EL2 (ESR_EL2, "ISS encoding for an exception from a Data
    Abort", ISV). (QEMU 7.2 sets ISV for EL2's own aborts: docs/qemu.md.)"""
    target = _abort_target(ctx)
    ec = EC.DABT_LOWER if target > ctx.el else EC.DABT_CURRENT
    return Sync(target, syndrome(ec, iss_data_abort(dfsc=dfsc, wnr=is_write)), pc, far=address)


def instruction_abort(ctx: Context, pc: int, ifsc: int) -> Sync:
    """An instruction abort at `pc` not from stage 2: EC 0x20/0x21, FAR = PC."""
    target = _abort_target(ctx)
    ec = EC.IABT_LOWER if target > ctx.el else EC.IABT_CURRENT
    return Sync(target, syndrome(ec, iss_instruction_abort(ifsc=ifsc)), pc, far=pc)


def external_data_abort(ctx: Context, pc: int, address: int, is_write: bool) -> Sync:
    """A load or store to an unmapped physical address: synchronous External abort, DFSC 0x10."""
    return data_abort(ctx, pc, address, is_write, FSC_SYNC_EXTERNAL)


def external_instruction_abort(ctx: Context, pc: int) -> Sync:
    """An instruction fetch from an unmapped physical address: IFSC 0x10."""
    return instruction_abort(ctx, pc, FSC_SYNC_EXTERNAL)


def address_size_data_abort(ctx: Context, pc: int, address: int, is_write: bool) -> Sync:
    """With the MMU off, an address at or above 2^PARange is an Address size fault, level 0
    (Arm ARM D8.2.12 / AArch64.S1DisabledOutput): DFSC 0x00."""
    return data_abort(ctx, pc, address, is_write, FSC_ADDRESS_SIZE_L0)


def address_size_instruction_abort(ctx: Context, pc: int) -> Sync:
    """An instruction fetch at or above 2^PARange with the MMU off: IFSC 0x00."""
    return instruction_abort(ctx, pc, FSC_ADDRESS_SIZE_L0)


def pc_alignment(ctx: Context, pc: int) -> Sync:
    """A branch to a misaligned address: EC 0x22, FAR = ELR = the misaligned PC (D1.3.5.1)."""
    return Sync(_abort_target(ctx), syndrome(EC.PC_ALIGN), pc, far=pc)


def sp_alignment(ctx: Context, pc: int) -> Sync:
    """SP alignment fault (AArch64.SPAlignmentFault): EC 0x26, ISS 0, ELR = the load/store."""
    return Sync(_abort_target(ctx), syndrome(EC.SP_ALIGN), pc)
