"""A table of the interrupt controller's state for people: every enabled or pending INTID, and
the CPU interface's registers (list registers join when the virtual interface exists)."""

from __future__ import annotations

from emu.gic.cpuif import CpuInterface
from emu.gic.gic import GICv3
from emu.gic.state import PRIVATE_COUNT, SGI_COUNT
from emu.gic.vcpuif import VirtualCpuInterface

_LR_STATES = ("invalid", "pending", "active", "active+pending")


def _kind(intid: int) -> str:
    return "SGI" if intid < SGI_COUNT else "PPI" if intid < PRIVATE_COUNT else "SPI"


def format_state(gic: GICv3, cpuif: CpuInterface, vcpuif: VirtualCpuInterface | None = None) -> str:
    """Rows for each INTID that is enabled, pending, active or whose line is high, the CPU
    interface, and (with `vcpuif`) every list register (IHI 0069 ICH_LR<n>_EL2 fields)."""
    rows = [f"{'INTID':>5}  {'kind':4} {'group':5} {'prio':>4}  {'trigger':7} {'line':4}  {'enabled':7} state"]
    for intid, irq in enumerate(gic.irqs):
        if not (irq.enabled or irq.pending or irq.active or irq.line):
            continue
        rows.append(
            f"{intid:>5}  {_kind(intid):4} {int(irq.group1):5} {irq.priority:#04x}  "
            f"{'edge' if irq.edge else 'level':7} {'high' if irq.line else 'low':4}  "
            f"{'yes' if irq.enabled else 'no':7} {irq.lifecycle.value}"
        )
    if len(rows) == 1:
        rows.append("  (no INTID enabled, pending or active)")
    rows.append(
        f"GICD_CTLR EnableGrp1={int(gic.group_enabled[1])}  ICC_PMR_EL1={cpuif.pmr:#04x}  "
        f"ICC_RPR_EL1={cpuif.running_priority():#04x}  EOImode={int(cpuif.eoi_mode)}  "
        f"ICC_IGRPEN1_EL1={int(cpuif.group1_enabled)}  nIRQ={'high' if gic.irq_out.level else 'low'}"
    )
    if vcpuif is not None:
        rows.append(f"{'LR':>5}  {'state':14} {'HW':2} {'group':5} {'prio':>4}  {'vINTID':>6} {'pINTID':>6}")
        for n, lr in enumerate(vcpuif.lrs):
            rows.append(f"{n:>5}  {_LR_STATES[lr >> 62 & 3]:14} {lr >> 61 & 1:2} {lr >> 60 & 1:5} "
                        f"{lr >> 48 & 0xFF:#04x}  {lr & 0xFFFF_FFFF:>6} {lr >> 32 & 0x3FF:>6}")
        rows.append(f"ICH_HCR_EL2.En={vcpuif.hcr & 1}  ICH_MISR_EL2={vcpuif.misr():#x}  "
                    f"ICH_EISR_EL2={vcpuif.eisr():#x}  ICH_ELRSR_EL2={vcpuif.elrsr():#x}  "
                    f"nVIRQ={'high' if vcpuif.virq_out.level else 'low'}")
    return "\n".join(rows)
