"""PL011 UART, transmit side (ARM PrimeCell UART (PL011) TRM, DDI 0183, section 3).

Bytes written to UARTDR go to the console sink at once (unbuffered). There is no input: UARTFR
reports the receive FIFO empty and the transmit FIFO empty, so a guest polling TXFF never waits.
"""

from __future__ import annotations

from typing import Callable

UARTDR, UARTRSR, UARTFR, UARTILPR = 0x000, 0x004, 0x018, 0x020
FR_TXFE, FR_RXFF, FR_TXFF, FR_RXFE, FR_BUSY = 1 << 7, 1 << 6, 1 << 5, 1 << 4, 1 << 3
# UARTPeriphID0-3 and UARTPCellID0-3 at 0xFE0-0xFFC (TRM 3.3.14-3.3.15).
_ID = {0xFE0: 0x11, 0xFE4: 0x10, 0xFE8: 0x14, 0xFEC: 0x00, 0xFF0: 0x0D, 0xFF4: 0xF0, 0xFF8: 0x05, 0xFFC: 0xB1}
_RESET = {0x024: 0, 0x028: 0, 0x02C: 0, 0x030: 0x300, 0x034: 0x12, 0x038: 0, 0x048: 0}


class PL011:
    """The UART0 model: UARTDR, UARTFR, the ID registers; other registers hold what is written."""

    def __init__(self, sink: Callable[[bytes], None]) -> None:
        self._sink = sink
        self._regs = dict(_RESET)

    def read(self, offset: int, size: int) -> int:
        if offset == UARTFR:
            return FR_TXFE | FR_RXFE
        if offset in _ID:
            return _ID[offset]
        if offset == UARTDR:
            return 0
        return self._regs.get(offset, 0)

    def write(self, offset: int, size: int, value: int) -> None:
        if offset == UARTDR:
            self._sink(bytes([value & 0xFF]))
        elif offset in _RESET:
            self._regs[offset] = value & 0xFFFF
