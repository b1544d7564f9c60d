"""The MMIO bus: devices claim physical address ranges; accesses reach their read/write methods.

Each region is mapped into Unicorn with uc_mmio_map, so an MMIO access costs one Python call and
RAM accesses cost nothing. Addresses that no region and no RAM claim are unmapped: the core turns
an access to them into a synchronous External abort inside the guest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from unicorn import Uc


class Device(Protocol):
    """An MMIO device. `offset` is relative to the region base; `size` is 1, 2, 4 or 8 bytes.
    Reads of unimplemented offsets return 0 and writes are ignored, as the GIC and PL011
    architectures say for reserved locations. Through Unicorn a device only sees naturally
    aligned accesses of 1, 2 or 4 bytes: wider and unaligned guest accesses arrive split
    (docs/decisions.md, "MMIO widths reaching GICD and GICR")."""

    def read(self, offset: int, size: int) -> int: ...

    def write(self, offset: int, size: int, value: int) -> None: ...


@dataclass(frozen=True)
class Region:
    base: int
    size: int
    name: str
    device: Device


class Bus:
    """Physical address decoding for MMIO devices."""

    def __init__(self, uc: Uc) -> None:
        self._uc = uc
        self.regions: list[Region] = []

    def attach(self, base: int, size: int, name: str, device: Device) -> Region:
        """Map `device` at [base, base + size); size and base must be 4 KiB aligned (Unicorn's page)."""
        for other in self.regions:
            if base < other.base + other.size and other.base < base + size:
                raise ValueError(f"{name} at 0x{base:x} overlaps {other.name} at 0x{other.base:x}")
        region = Region(base, size, name, device)
        self._uc.mmio_map(
            base, size,
            lambda _uc, offset, sz, _ud: device.read(offset, sz), None,
            lambda _uc, offset, sz, value, _ud: device.write(offset, sz, value), None,
        )
        self.regions.append(region)
        return region

    def find(self, addr: int) -> Region | None:
        for region in self.regions:
            if region.base <= addr < region.base + region.size:
                return region
        return None
