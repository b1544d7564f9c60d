"""The flattened device tree that describes the board to the guest (Devicetree Specification
v0.4; the bindings QEMU 7.2's hw/arm/virt.c uses). Built with the `fdt` package.

The nodes, properties and values are those QEMU 7.2 generates for `-M virt,gic-version=3 -cpu
cortex-a57 -m N` (with `virtualization=on` when EL2 exists) for the devices emu has; tests/board
compares the two trees node by node. Intended differences (docs/qemu.md): no nodes for devices
emu does not emulate (flash, fw-cfg, PCIe, PL031, PL061 and gpio-keys, virtio-mmio, the platform
bus, the GIC ITS), and no /chosen rng-seed or kaslr-seed (QEMU's are random; emu is
deterministic). The redistributor region is QEMU's whole VIRT_GIC_REDIST window; emu backs its
first RD + SGI frame pair (GICR_TYPER.Last = 1 there), as many as it has CPUs.
"""

from __future__ import annotations

import struct

import fdt

from emu.board import psci, virt
from emu.errors import BadDeviceTree, UsageError

FDT_MAGIC = 0xD00D_FEED
# Linux arm64 reads at most COMMAND_LINE_SIZE bytes of /chosen/bootargs (arch/arm64/include/
# uapi/asm/setup.h: 2048, the terminating NUL included).
MAX_BOOTARGS = 2047
GIC_PHANDLE, CPU_PHANDLE, CLOCK_PHANDLE = 0x8002, 0x8001, 0x8000
GICR_WINDOW = 0xF6_0000  # QEMU's VIRT_GIC_REDIST size (hw/arm/virt.c base_memmap)
# Interrupt specifiers: <type number flags>; type 1 = PPI, 0 = SPI; flags 4 = level high (the
# GICv3 binding has no CPU mask in the flags, unlike GICv2's 0x104).
PPI, SPI, LEVEL_HIGH = 1, 0, 4
UART_SPI = 1
PPI_MAINTENANCE, PPI_PMU = 9, 7
PPI_TIMERS = (13, 14, 11, 10)  # secure phys, non-secure phys, virtual, hypervisor phys


def dtb_address(ram_size: int) -> int:
    """Where QEMU's virt puts the DTB for a raw image: RAM base + min(RAM / 2, 128 MiB)."""
    return virt.RAM_BASE + min(ram_size // 2, 128 << 20)


def _node(name: str, *props: fdt.items.Property) -> fdt.Node:
    node = fdt.Node(name)
    for prop in props:
        node.append(prop)
    return node


def check_bootargs(bootargs: str) -> None:
    if len(bootargs.encode()) > MAX_BOOTARGS:
        raise UsageError(f"--append: the command line is {len(bootargs.encode())} bytes; Linux arm64 reads at most "
                         f"{MAX_BOOTARGS} (COMMAND_LINE_SIZE 2048 with its NUL), so the rest would be cut off")
    if "\0" in bootargs:
        raise UsageError("--append: the command line contains a NUL byte")


def load_blob(blob: bytes, shown: str, bootargs: str | None = None) -> bytes:
    """Check a user's DTB (`--dtb`): the FDT header (magic, sizes, version 16 or later) and a
    structure that parses; with `bootargs`, set /chosen/bootargs in it (as QEMU does for -append
    with -dtb). Returns the blob to place."""
    if len(blob) < 40:
        raise BadDeviceTree(f"{shown}: {len(blob)} bytes is too short for a flattened device tree header (40 bytes)")
    magic, total, off_struct, off_strings, _rsvmap, version = struct.unpack_from(">6I", blob, 0)
    if magic != FDT_MAGIC:
        raise BadDeviceTree(f"{shown}: not a flattened device tree (magic 0x{magic:08x}, expected 0x{FDT_MAGIC:08x})")
    if total > len(blob) or off_struct >= total or off_strings > total:
        raise BadDeviceTree(f"{shown}: the header says {total} bytes (structure at {off_struct}, strings at "
                            f"{off_strings}) but the file has {len(blob)}: truncated or corrupt")
    if version < 16:
        raise BadDeviceTree(f"{shown}: FDT version {version}; Linux and emu read version 16 or later")
    try:
        tree = fdt.parse_dtb(blob[:total])
    except Exception as err:  # the fdt package raises assorted errors on a corrupt structure
        raise BadDeviceTree(f"{shown}: the structure block does not parse: {err}") from None
    if bootargs is None:
        return blob[:total]
    check_bootargs(bootargs)
    if not tree.exist_node("chosen"):
        tree.add_item(fdt.Node("chosen"), "/")
    tree.set_property("bootargs", bootargs, path="/chosen")
    return bytes(tree.to_dtb(version=17))


def build(ram_size: int, *, psci_conduit: str, bootargs: str = "", virtualization: bool | None = None) -> bytes:
    """The DTB blob (version 17) for a board with `ram_size` bytes of RAM. `virtualization`
    (default: when PSCI goes over SMC, i.e. EL2 exists) adds the GIC maintenance interrupt, as
    QEMU's `virtualization=on` does."""
    check_bootargs(bootargs)
    if virtualization is None:
        virtualization = psci_conduit == "smc"
    uart = f"pl011@{virt.UART0_BASE:x}"
    root = _node(
        "/",
        fdt.PropWords("#address-cells", 2),
        fdt.PropWords("#size-cells", 2),
        fdt.PropStrings("compatible", "linux,dummy-virt"),
        fdt.PropStrings("model", "linux,dummy-virt"),
        fdt.PropWords("interrupt-parent", GIC_PHANDLE),
    )
    root.append(_node(
        "psci",
        fdt.PropStrings("compatible", "arm,psci-1.0", "arm,psci-0.2", "arm,psci"),
        fdt.PropStrings("method", psci_conduit),
        fdt.PropWords("cpu_suspend", psci.CPU_SUSPEND_64),
        fdt.PropWords("cpu_off", psci.CPU_OFF),
        fdt.PropWords("cpu_on", psci.CPU_ON_64),
        fdt.PropWords("migrate", psci.MIGRATE_64),
    ))
    root.append(_node(
        f"memory@{virt.RAM_BASE:x}",
        fdt.PropStrings("device_type", "memory"),
        fdt.PropWords("reg", 0, virt.RAM_BASE, ram_size >> 32, ram_size & 0xFFFF_FFFF),
    ))
    root.append(_node(
        "apb-pclk",
        fdt.PropWords("phandle", CLOCK_PHANDLE),
        fdt.PropStrings("clock-output-names", "clk24mhz"),
        fdt.PropWords("clock-frequency", 24_000_000),
        fdt.PropWords("#clock-cells", 0),
        fdt.PropStrings("compatible", "fixed-clock"),
    ))
    root.append(_node(
        uart,
        fdt.PropStrings("clock-names", "uartclk", "apb_pclk"),
        fdt.PropWords("clocks", CLOCK_PHANDLE, CLOCK_PHANDLE),
        fdt.PropWords("interrupts", SPI, UART_SPI, LEVEL_HIGH),
        fdt.PropWords("reg", 0, virt.UART0_BASE, 0, virt.UART0_SIZE),
        fdt.PropStrings("compatible", "arm,pl011", "arm,primecell"),
    ))
    intc = _node(
        f"intc@{virt.GICD_BASE:x}",
        fdt.PropWords("phandle", GIC_PHANDLE),
        fdt.PropWords("reg", 0, virt.GICD_BASE, 0, virt.GICD_SIZE, 0, virt.GICR_BASE, 0, GICR_WINDOW),
        fdt.PropWords("#redistributor-regions", 1),
        fdt.PropStrings("compatible", "arm,gic-v3"),
        fdt.Property("ranges"),
        fdt.PropWords("#size-cells", 2),
        fdt.PropWords("#address-cells", 2),
        fdt.Property("interrupt-controller"),
        fdt.PropWords("#interrupt-cells", 3),
    )
    if virtualization:
        intc.append(fdt.PropWords("interrupts", PPI, PPI_MAINTENANCE, LEVEL_HIGH))
    root.append(intc)
    root.append(_node(
        "pmu",
        fdt.PropWords("interrupts", PPI, PPI_PMU, LEVEL_HIGH),
        fdt.PropStrings("compatible", "arm,armv8-pmuv3"),
    ))
    timer_irqs = [w for ppi in PPI_TIMERS for w in (PPI, ppi, LEVEL_HIGH)]
    root.append(_node(
        "timer",
        fdt.PropWords("interrupts", *timer_irqs),
        fdt.Property("always-on"),
        fdt.PropStrings("compatible", "arm,armv8-timer", "arm,armv7-timer"),
    ))
    cpus = _node("cpus", fdt.PropWords("#size-cells", 0), fdt.PropWords("#address-cells", 1))
    cpus.append(_node(
        "cpu@0",
        fdt.PropWords("phandle", CPU_PHANDLE),
        fdt.PropWords("reg", 0),
        fdt.PropStrings("compatible", "arm,cortex-a57"),
        fdt.PropStrings("device_type", "cpu"),
    ))
    core = _node("core0", fdt.PropWords("cpu", CPU_PHANDLE))
    cluster = _node("cluster0")
    cluster.append(core)
    socket = _node("socket0")
    socket.append(cluster)
    cpu_map = _node("cpu-map")
    cpu_map.append(socket)
    cpus.append(cpu_map)
    root.append(cpus)
    chosen = _node("chosen", fdt.PropStrings("stdout-path", f"/{uart}"))
    if bootargs:
        chosen.append(fdt.PropStrings("bootargs", bootargs))
    root.append(chosen)
    tree = fdt.FDT()
    tree.root = root
    return tree.to_dtb(version=17)
