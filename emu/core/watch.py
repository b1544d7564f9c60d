"""Data watchpoints, as a debugger's watch / rwatch / awatch ask for them, by page protection.

The 4 KiB pages that hold a watched range lose write permission (write and access watches)
and read permission (read and access watches) in Unicorn. An access to such a page then faults
before the instruction has changed anything (QEMU restarts an instruction whose access faults,
so nothing of it is architecturally done), and the processor either reports a hit, stopped
before the instruction as a hardware watchpoint on AArch64 stops (Arm ARM D2, "Watchpoint
exceptions": the instruction is not executed), or, for any other access to the page, runs that
one instruction with the permissions back. Accesses to watched pages cost a stop each; while a
read-permission check is needed every load takes Unicorn's slow path (_force_slow_loads).
Addresses are physical, as the gdb stub's memory packets are, with the MMU on as well (Unicorn
reports the physical address of a faulting access).
"""

from __future__ import annotations

from dataclasses import dataclass

from unicorn import UC_HOOK_MEM_READ, UC_PROT_ALL, UC_PROT_READ, UC_PROT_WRITE, Uc
from unicorn.unicorn_const import UC_CTL_IO_WRITE, UC_CTL_TB_FLUSH

from emu.errors import UsageError

PAGE = 0x1000
KINDS = ("write", "read", "access")


@dataclass(frozen=True)
class Watch:
    address: int
    length: int
    kind: str  # write, read or access

    def overlaps(self, address: int, size: int) -> bool:
        return address < self.address + self.length and self.address < address + size

    def pages(self) -> range:
        return range(self.address & ~(PAGE - 1), self.address + self.length, PAGE)


@dataclass(frozen=True)
class WatchHit:
    """An access that met a watch: the instruction at `pc` has not run."""

    watch: Watch
    address: int  # the first byte of the access inside the watched range
    is_write: bool
    pc: int


def _no_op(*_args: object) -> None:
    pass


class DataWatch:
    """The watched ranges of one Unicorn engine and the page permissions they need."""

    def __init__(self, uc: Uc, ram: tuple[int, int]) -> None:
        self._uc = uc
        self._ram = ram  # (base, size): only RAM can be watched
        self.watches: list[Watch] = []  # the debugger's
        self.guest: list[Watch] = []  # the pages of the guest's own watchpoints (emu.core.debugexc)
        self._protected: dict[int, int] = {}  # page -> permissions now set
        self._read_hook: int | None = None
        self._read_span: tuple[int, int] | None = None

    def add(self, address: int, length: int, kind: str) -> Watch:
        base, size = self._ram
        if kind not in KINDS:
            raise UsageError(f"a watchpoint is one of {', '.join(KINDS)}, not {kind!r}")
        if not 1 <= length <= PAGE or not base <= address or address + length > base + size:
            raise UsageError(f"cannot watch {length} byte(s) at 0x{address:x}: a watchpoint covers 1 to "
                             f"{PAGE} bytes of RAM (0x{base:x}-0x{base + size - 1:x})")
        watch = Watch(address, length, kind)
        if watch not in self.watches:
            self.watches.append(watch)
        self.protect()
        return watch

    def remove(self, address: int, length: int, kind: str) -> bool:
        watch = Watch(address, length, kind)
        if watch not in self.watches:
            return False
        self.watches.remove(watch)
        self.protect()
        return True

    def set_guest(self, watches: list[Watch]) -> None:
        """The physical ranges the guest's enabled watchpoints cover now."""
        self.guest = watches
        self.protect()

    def match(self, is_write: bool, address: int, size: int, pc: int) -> WatchHit | None:
        """The first watch an access of `size` bytes at `address`, by the instruction at `pc`,
        triggers (its kind agrees)."""
        for watch in self.watches:
            if watch.kind != "access" and (watch.kind == "write") != is_write:
                continue
            if watch.overlaps(address, max(1, size)):
                return WatchHit(watch, max(address, watch.address), is_write, pc)
        return None

    def protect(self) -> None:
        """Give every page the permissions its watches need (and unwatched pages all of them)."""
        wanted: dict[int, int] = {}
        for watch in self.watches + self.guest:
            for page in watch.pages():
                drop = UC_PROT_WRITE if watch.kind == "write" else UC_PROT_READ if watch.kind == "read" \
                    else UC_PROT_READ | UC_PROT_WRITE
                wanted[page] = wanted.get(page, UC_PROT_ALL) & ~drop
        for page in set(self._protected) - set(wanted):
            self._uc.mem_protect(page, PAGE, UC_PROT_ALL)
        for page, perms in wanted.items():
            if self._protected.get(page) != perms:
                self._uc.mem_protect(page, PAGE, perms)
        self._protected = wanted
        self._force_slow_loads([page for page, perms in wanted.items() if not perms & UC_PROT_READ])

    def _force_slow_loads(self, pages: list[int]) -> None:
        """Unicorn checks read permission only on its slow path for loads, which a TLB entry
        filled by any other access to the page (an instruction fetch, a store) skips. Any
        UC_HOOK_MEM_READ hook makes code translated afterwards take the slow path for every
        load: one over the read-watched pages (a Python call only for loads there, which fault
        anyway) while there are any, and the translations flushed when it comes or goes."""
        span = (min(pages), max(pages) + PAGE - 1) if pages else None
        if span == self._read_span:
            return
        if self._read_hook is not None:
            self._uc.hook_del(self._read_hook)
            self._read_hook = None
        if span is not None:
            self._read_hook = self._uc.hook_add(UC_HOOK_MEM_READ, _no_op, None, *span)
        if (self._read_span is None) != (span is None):
            self._uc.ctl(UC_CTL_TB_FLUSH, UC_CTL_IO_WRITE)
        self._read_span = span

    def unprotect(self) -> None:
        """All permissions back, to run one instruction past its access (protect() undoes it)."""
        for page in self._protected:
            self._uc.mem_protect(page, PAGE, UC_PROT_ALL)
        self._protected = {}
