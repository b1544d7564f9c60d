"""A GDB remote stub: `emu run --gdb 127.0.0.1:PORT FILE` serves the GDB Remote Serial Protocol
over the Stepper, so gdb-multiarch can step, continue, set breakpoints, read and write registers
and memory, interrupt with Ctrl-C and ask for EL, PMU and GIC state (`monitor help`).

The machine waits at its entry point, before the first instruction (as QEMU's -S), until gdb
connects. The stub listens on a loopback address only and serves one session: it closes its
listening socket once gdb is connected, so a second connection is refused by the kernel (the
first session is not disturbed). The session ends with gdb's `detach` (the guest then runs to
its end without the debugger), `kill` (the run ends there, emu exits with status 0, as QEMU
does), or the end of the guest (gdb is told with a `W` packet and emu exits with the guest's
status, or the emulator's own status and message if the run failed).

Protocol (https://sourceware.org/gdb/current/onlinedocs/gdb.html/Remote-Protocol.html):
`$data#xx` packets acknowledged with `+` (bad checksum: `-`), QStartNoAckMode, `?`, qSupported,
qXfer:features:read (an AArch64 target description: x0-x30, sp, pc, 32-bit cpsr, numbered 0-33),
g/G, p/P, m/M/X (physical addresses; unmapped memory and device registers answer E14, a read must
not have side effects), s/c (with an address), vCont (c, s, t), Z0/z0 and Z1/z1 (both kinds are
Stepper breakpoints), Z2-Z4/z2-z4 (write, read and access watchpoints on RAM, physical addresses,
1 to 4096 bytes: emu.core.watch; the stop is before the accessing instruction and the reply
names it, `T05watch:ADDR;`), qC, qAttached, qfThreadInfo/qsThreadInfo (one thread, 1), H, T, D, k,
vKill, qRcmd (monitor commands). Anything else gets the empty reply; a malformed packet gets E01
and never stops the emulator.
"""

from __future__ import annotations

import ipaddress
import select
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from unicorn import UcError

from emu.arch import pstate as ps
from emu.debug.stepper import Stepper, StopReport, gic_state, pmu_state
from emu.errors import UsageError
from emu.machine import Machine

PACKET_SIZE = 0x4000  # the largest packet we accept (advertised in qSupported)
MAX_BUFFER = 1 << 20  # bytes of unparsed input before we give up on a runaway packet
NUM_REGS = 34  # x0-x30, sp, pc, cpsr
SP, PC, CPSR = 31, 32, 33
SIGINT, SIGTRAP = 2, 5
E_BADARGS, E_MEMORY = "E01", "E14"
# Z2/Z3/Z4 and the stop-reply keyword of each (the watchpoint stops before the access, as
# AArch64's do, so gdb steps the instruction itself: gdbarch have_nonsteppable_watchpoint).
WATCH_KINDS = {2: "write", 3: "read", 4: "access"}
WATCH_REPLY = {"write": "watch", "read": "rwatch", "access": "awatch"}

TARGET_XML = """<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
  <architecture>aarch64</architecture>
  <feature name="org.gnu.gdb.aarch64.core">
    <flags id="cpsr_flags" size="4">
      <field name="SP" start="0" end="0"/>
      <field name="EL" start="2" end="3" type="uint32"/>
      <field name="nRW" start="4" end="4"/>
      <field name="F" start="6" end="6"/>
      <field name="I" start="7" end="7"/>
      <field name="A" start="8" end="8"/>
      <field name="D" start="9" end="9"/>
      <field name="IL" start="20" end="20"/>
      <field name="SS" start="21" end="21"/>
      <field name="V" start="28" end="28"/>
      <field name="C" start="29" end="29"/>
      <field name="Z" start="30" end="30"/>
      <field name="N" start="31" end="31"/>
    </flags>
""" + "".join(f'    <reg name="x{n}" bitsize="64" type="int" regnum="{n}"/>\n' for n in range(31)) + """\
    <reg name="sp" bitsize="64" type="data_ptr" regnum="31"/>
    <reg name="pc" bitsize="64" type="code_ptr" regnum="32"/>
    <reg name="cpsr" bitsize="32" type="cpsr_flags" regnum="33"/>
  </feature>
</target>
"""

MONITOR_HELP = """monitor commands:
  el     the exception level and PSTATE
  pmu    the PMU: controls, overflow and interrupt bits, every counter
  gic    the GIC: distributor, redistributor, CPU interfaces, list registers
  regs   x0-x30, sp, pc, cpsr
  help   this text
"""


class _Malformed(Exception):
    """A packet gdb should get E01 for."""


class _Closed(Exception):
    """The connection went away."""


def parse_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (IPv6 as `[::1]:PORT`) with a loopback host; port 0 picks a free one."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise UsageError(f"--gdb wants HOST:PORT (for example 127.0.0.1:1234), not {text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        port = int(port_text, 10)
    except ValueError:
        raise UsageError(f"--gdb: the port must be a number, not {port_text!r}") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"--gdb: the port must be between 0 and 65535, not {port}")
    if host == "localhost":
        host = "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(f"--gdb listens on a loopback address only (127.0.0.1, localhost or ::1), not {host!r}: "
                         "the stub gives full control of the emulator to whoever connects")
    return host, port


def _checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def _escape_binary(data: bytes) -> bytes:
    out = bytearray()
    for b in data:
        if b in b"#$}*":
            out += bytes((0x7D, b ^ 0x20))
        else:
            out.append(b)
    return bytes(out)


def _unescape_binary(data: bytes) -> bytes:
    out = bytearray()
    it = iter(data)
    for b in it:
        if b == 0x7D:
            nxt = next(it, None)
            if nxt is None:
                raise _Malformed("escape at the end of the packet")
            out.append(nxt ^ 0x20)
        else:
            out.append(b)
    return bytes(out)


def _hex_int(text: str) -> int:
    if not text or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise _Malformed(f"not hex: {text!r}")
    return int(text, 16)


def _hex_bytes(text: str) -> bytes:
    if len(text) % 2 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise _Malformed(f"not hex bytes: {text!r}")
    return bytes.fromhex(text)


class GdbStub:
    """One gdb session over an accepted socket, driving `stepper` (already started: stopped at
    the entry point). `serve()` returns the emulator's exit status."""

    def __init__(self, stepper: Stepper, conn: socket.socket, *, log: TextIO = sys.stderr) -> None:
        self.stepper = stepper
        self.machine: Machine = stepper.machine
        self.conn = conn
        self.log = log
        self.ack = True
        self._buffer = bytearray()
        self._last_sent = b""
        self._last_stop: StopReport | None = stepper.last
        self._done: int | None = None  # the exit status, once the session is over
        self._detached = False

    # -- the connection ------------------------------------------------------------------------
    def _recv(self, timeout: float | None = None) -> bool:
        """Read what is there into the buffer (waiting up to `timeout`); False if nothing came."""
        if timeout is not None:
            ready, _, _ = select.select([self.conn], [], [], timeout)
            if not ready:
                return False
        try:
            data = self.conn.recv(65536)
        except (ConnectionResetError, OSError):
            data = b""
        if not data:
            raise _Closed
        self._buffer += data
        if len(self._buffer) > MAX_BUFFER:  # a packet that never ends: drop it, ask again
            self._buffer.clear()
            self._send_raw(b"-")
        return True

    def _send_raw(self, data: bytes) -> None:
        try:
            self.conn.sendall(data)
        except OSError:
            raise _Closed from None

    def send(self, payload: str | bytes) -> None:
        data = payload.encode("latin-1") if isinstance(payload, str) else payload
        packet = b"$" + data + b"#" + f"{_checksum(data):02x}".encode()
        self._last_sent = packet
        self._send_raw(packet)

    def _next_packet(self) -> bytes | None:
        """Take the next complete packet from the buffer (acknowledging it), handling acks,
        retransmit requests and stray bytes on the way; None if no full packet is there yet."""
        buf = self._buffer
        while buf:
            first = buf[0]
            if first == ord("$"):
                end = buf.find(b"#")
                if end < 0 or len(buf) < end + 3:
                    return None
                body, given = bytes(buf[1:end]), bytes(buf[end + 1:end + 3])
                del buf[:end + 3]
                try:
                    good = int(given, 16) == _checksum(body)
                except ValueError:
                    good = False
                if not good:
                    if self.ack:
                        self._send_raw(b"-")
                    continue
                if self.ack:
                    self._send_raw(b"+")
                return body
            del buf[0]
            if first == ord("-") and self._last_sent:  # gdb did not get our last packet right
                self._send_raw(self._last_sent)
            # "+" acks, a Ctrl-C that came after the stop (gdb has its stop reply already) and
            # stray bytes: nothing to do
        return None

    # -- the session ---------------------------------------------------------------------------
    def serve(self) -> int:
        """Answer packets until detach, kill, the end of the guest or the connection's end."""
        try:
            while self._done is None:
                packet = self._next_packet()
                if packet is None:
                    self._recv()
                    continue
                self._dispatch(packet)
        except _Closed:
            if self._done is None:  # gdb went away without detaching: the run goes on as with detach
                self._detached = True
        finally:
            self._close()
        if self._done is None and self._detached:
            self._done = self._run_to_end()
        assert self._done is not None
        return self._done

    def _close(self) -> None:
        """Close the connection gracefully: our side first, then let gdb's last bytes (its ack
        of a `W`, for one) arrive until gdb closes too, for at most half a second."""
        try:
            self.conn.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + 0.5
            while (left := deadline - time.monotonic()) > 0:
                ready, _, _ = select.select([self.conn], [], [], left)
                if ready and not self.conn.recv(4096):
                    break
        except OSError:
            pass
        finally:
            self.conn.close()

    def _dispatch(self, packet: bytes) -> None:
        try:
            reply = self._handle(packet)
        except _Malformed:
            reply = E_BADARGS
        except (_Closed, KeyboardInterrupt):
            raise
        except Exception as err:  # noqa: BLE001  # a bug in the stub: say so, keep serving
            print(f"emu: gdb stub: internal error on packet {packet[:40]!r}: {type(err).__name__}: {err}",
                  file=self.log)
            reply = E_BADARGS
        if reply is not None:
            self.send(reply)

    def _handle(self, packet: bytes) -> str | bytes | None:
        if not packet:
            return ""
        kind = chr(packet[0])
        if kind == "X":  # binary data: decode before anything else
            return self._write_binary(packet)
        text = packet.decode("latin-1")
        args = text[1:]
        if kind == "?":
            return self._stop_reply(self._last_stop, SIGTRAP)
        if kind == "g":
            return "".join(self._reg_hex(n) for n in range(NUM_REGS))
        if kind == "G":
            return self._write_all_registers(args)
        if kind == "p":
            n = _hex_int(args)
            return self._reg_hex(n) if n < NUM_REGS else E_BADARGS
        if kind == "P":
            number, sep, value = args.partition("=")
            if not sep:
                raise _Malformed("P without =")
            return self._write_register(_hex_int(number), _hex_bytes(value))
        if kind == "m":
            address, length = self._address_length(args)
            data = self._read_memory(address, length)
            return data.hex() if data is not None else E_MEMORY
        if kind == "M":
            where, sep, value = args.partition(":")
            if not sep:
                raise _Malformed("M without :")
            address, length = self._address_length(where)
            data = _hex_bytes(value)
            if len(data) != length:
                raise _Malformed("M length does not match its data")
            return "OK" if self._write_memory(address, data) else E_MEMORY
        if kind in "sc":
            if args:
                self._set_pc(_hex_int(args))
            return self._resume(kind)
        if kind in "SC":  # with a signal to deliver: signals mean nothing here
            _, _, resume_at = args.partition(";")
            if resume_at:
                self._set_pc(_hex_int(resume_at))
            return self._resume(kind.lower())
        if kind in "Zz":
            return self._breakpoint(kind == "Z", args)
        if kind == "H":
            return "OK"
        if kind == "T":
            return "OK"  # our only thread is alive
        if kind == "D":
            self._detach()
            return None
        if kind == "k":
            self._kill()
            return None
        if kind == "q":
            return self._query(args)
        if kind == "Q":
            if text == "QStartNoAckMode":
                self.send("OK")  # acknowledged in the old mode, then no more acks
                self.ack = False
                return None
            return ""
        if kind == "v":
            return self._v_packet(args)
        return ""  # unsupported

    # -- queries -------------------------------------------------------------------------------
    def _query(self, args: str) -> str | bytes | None:
        name = args.partition(":")[0]
        if name == "Supported":
            return (f"PacketSize={PACKET_SIZE:x};qXfer:features:read+;QStartNoAckMode+;vContSupported+")
        if args.startswith("Xfer:features:read:"):
            return self._xfer_features(args[len("Xfer:features:read:"):])
        if args == "C":
            return "QC1"
        if args == "Attached" or args.startswith("Attached:"):
            return "1"
        if args == "fThreadInfo":
            return "m1"
        if args == "sThreadInfo":
            return "l"
        if args.startswith("Rcmd,"):
            return self._monitor(_hex_bytes(args[5:]).decode("latin-1"))
        return ""

    def _xfer_features(self, spec: str) -> bytes:
        annex, _, window = spec.partition(":")
        offset_text, sep, length_text = window.partition(",")
        if not sep:
            raise _Malformed("qXfer without offset,length")
        offset, length = _hex_int(offset_text), _hex_int(length_text)
        if annex != "target.xml":
            return b"E00"
        data = TARGET_XML.encode()
        chunk = data[offset:offset + length]
        return (b"l" if offset + length >= len(data) else b"m") + _escape_binary(chunk)

    def _monitor(self, command: str) -> str:
        words = command.split()
        name = words[0] if words else "help"
        m = self.machine
        if name == "el":
            pstate = m.cpu.pstate
            flags = "".join(f if pstate & bit else "-" for f, bit in (("N", ps.N), ("Z", ps.Z), ("C", ps.C), ("V", ps.V)))
            masks = "".join(f if pstate & bit else "-" for f, bit in (("D", ps.D), ("A", ps.A), ("I", ps.I), ("F", ps.F)))
            text = f"EL{m.cpu.el} ({ps.mode_name(pstate)}) PSTATE=0x{pstate:08x} NZCV={flags} DAIF={masks}\n"
            if self._last_stop is not None and self._last_stop.el != m.cpu.el:
                text += f"(stopped inside the Python EL2, handling an exit from EL{m.cpu.el})\n"
        elif name == "pmu":
            text = pmu_state(m) + "\n"
        elif name == "gic":
            text = gic_state(m) + "\n"
        elif name == "regs":
            regs = self.stepper.registers()
            names = list(regs)
            text = "".join("  ".join(f"{n:>4}=0x{regs[n]:016x}" for n in names[i:i + 4]) + "\n"
                           for i in range(0, len(names), 4))
        elif name == "help":
            text = MONITOR_HELP
        else:
            text = f"unknown monitor command {name!r}\n{MONITOR_HELP}"
        self._console(text)
        return "OK"

    def _console(self, text: str) -> None:
        """Text for gdb's console, as `O` packets."""
        data = text.encode()
        step = (PACKET_SIZE - 8) // 2
        for i in range(0, len(data), step):
            self.send("O" + data[i:i + step].hex())

    # -- v packets -----------------------------------------------------------------------------
    def _v_packet(self, args: str) -> str | None:
        if args == "Cont?":
            return "vCont;c;C;s;S;t"
        if args.startswith("Cont;"):
            actions = args[5:].split(";")
            action = actions[0].split(":")[0]  # one thread: the first action is ours
            if not action:
                raise _Malformed("empty vCont action")
            letter = action[0]
            if letter in "cC":
                return self._resume("c")
            if letter in "sS":
                return self._resume("s")
            if letter == "t":
                return self._stop_reply(self._last_stop, 0)
            raise _Malformed(f"vCont action {action!r}")
        if args.startswith("Kill"):
            self.send("OK")
            self._kill()
            return None
        return ""

    # -- registers -------------------------------------------------------------------------------
    def _reg_value(self, n: int) -> int:
        cpu = self.machine.cpu
        if n < 31:
            return cpu.x(n)
        if n == SP:
            return cpu.sp
        if n == PC:
            return cpu.pc
        return cpu.pstate & 0xFFFF_FFFF

    def _reg_hex(self, n: int) -> str:
        size = 4 if n == CPSR else 8
        return self._reg_value(n).to_bytes(size, "little").hex()

    def _write_register(self, n: int, data: bytes) -> str:
        if n >= NUM_REGS or len(data) != (4 if n == CPSR else 8):
            return E_BADARGS
        value = int.from_bytes(data, "little")
        cpu = self.machine.cpu
        if n < 31:
            cpu.set_x(n, value)
        elif n == SP:
            pstate = cpu.pstate
            cpu.set_banked_sp(ps.el_of(pstate) if pstate & ps.SP_SEL else 0, value)
        elif n == PC:
            self._set_pc(value)
        elif value != cpu.pstate & 0xFFFF_FFFF:
            cpu.set_pstate(value)
            self.machine.processor.update_take_mask()
        return "OK"

    def _write_all_registers(self, text: str) -> str:
        data = _hex_bytes(text)
        if len(data) != 31 * 8 + 8 + 8 + 4:
            raise _Malformed("G of the wrong length")
        offset = 0
        for n in range(NUM_REGS):
            size = 4 if n == CPSR else 8
            if int.from_bytes(data[offset:offset + size], "little") != self._reg_value(n):
                self._write_register(n, data[offset:offset + size])
            offset += size
        return "OK"

    def _set_pc(self, value: int) -> None:
        if value != self.machine.cpu.pc:
            self.machine.cpu.pc = value
            self.machine.processor.counter.redirect()

    # -- memory ----------------------------------------------------------------------------------
    def _address_length(self, text: str) -> tuple[int, int]:
        address_text, sep, length_text = text.partition(",")
        if not sep:
            raise _Malformed("address without ,length")
        address, length = _hex_int(address_text), _hex_int(length_text)
        if length > PACKET_SIZE or address + length > 1 << 64:
            raise _Malformed("too long")
        return address, length

    def _touches_device(self, address: int, length: int) -> bool:
        return any(r.base < address + length and address < r.base + r.size for r in self.machine.bus.regions)

    def _read_memory(self, address: int, length: int) -> bytes | None:
        if length == 0:
            return b""
        if self._touches_device(address, length):
            return None  # a device register read has side effects (the UART's FIFO): refuse
        try:
            return bytes(self.machine.uc.mem_read(address, length))
        except UcError:
            return None

    def _write_memory(self, address: int, data: bytes) -> bool:
        if not data:
            return True
        if self._touches_device(address, len(data)) or self._read_memory(address, len(data)) is None:
            return False
        try:
            self.machine.uc.mem_write(address, data)
        except UcError:
            return False
        # The bytes may be code: drop Unicorn's translations and the block records of the range.
        self.machine.uc.ctl_remove_cache(address, address + len(data))
        self.machine.processor.counter.forget_blocks()
        return True

    def _write_binary(self, packet: bytes) -> str:
        head, sep, body = packet[1:].partition(b":")
        if not sep:
            raise _Malformed("X without :")
        address, length = self._address_length(head.decode("latin-1"))
        data = _unescape_binary(body)
        if len(data) != length:
            raise _Malformed("X length does not match its data")
        return "OK" if self._write_memory(address, data) else E_MEMORY

    # -- breakpoints -----------------------------------------------------------------------------
    def _breakpoint(self, insert: bool, args: str) -> str:
        parts = args.split(";")[0].split(",")
        if len(parts) != 3:
            raise _Malformed("Z/z wants type,address,kind")
        kind, address = _hex_int(parts[0]), _hex_int(parts[1])
        length = _hex_int(parts[2])
        if kind in WATCH_KINDS:
            return self._watchpoint(insert, address, length, WATCH_KINDS[kind])
        if kind not in (0, 1):
            raise _Malformed(f"Z/z type {kind} is not 0-4")
        if insert:
            self.stepper.add_breakpoint(address)
        elif address in self.stepper.breakpoints:
            self.stepper.remove_breakpoint(address)
        return "OK"

    def _watchpoint(self, insert: bool, address: int, length: int, kind: str) -> str:
        """Z2/Z3/Z4 (write, read, access): RAM only, 1 to 4096 bytes (E01 otherwise)."""
        if not insert:
            self.stepper.remove_watchpoint(address, length, kind)
            return "OK"
        try:
            self.stepper.add_watchpoint(address, length, kind)
        except UsageError:
            return E_BADARGS
        return "OK"

    # -- running ---------------------------------------------------------------------------------
    def _stop_reply(self, report: StopReport | None, signal: int) -> str:
        if report is not None and report.reason in ("interrupt",):
            signal = SIGINT
        pc = self.machine.cpu.pc.to_bytes(8, "little").hex()
        watch = ""
        if report is not None and report.watch is not None:
            hit = report.watch
            watch = f"{WATCH_REPLY[hit.watch.kind]}:{hit.address:x};"
        return f"T{signal:02x}{PC:02x}:{pc};{watch}thread:1;"

    def _resume(self, how: str) -> str | None:
        if self.stepper.finished:
            return self._ended(self.stepper.last)
        if how == "s":
            report = self.stepper.step()
        else:
            report = self._cont_interruptible()
        self._last_stop = report
        if report.reason in ("exit", "error"):
            return self._ended(report)
        return self._stop_reply(report, SIGTRAP)

    def _cont_interruptible(self) -> StopReport:
        """Continue in a helper thread and watch the socket meanwhile: a 0x03 byte from gdb (or
        Ctrl-C at emu's terminal) interrupts the guest; other bytes wait for the stop."""
        result: list[StopReport] = []
        failure: list[BaseException] = []

        def run() -> None:
            try:
                result.append(self.stepper.cont())
            except BaseException as err:  # noqa: BLE001  # handed to the serving thread, raised there
                failure.append(err)

        helper = threading.Thread(target=run, name="emu-gdb-cont", daemon=True)
        helper.start()
        interrupted = False
        try:
            while helper.is_alive():
                try:
                    if not interrupted and 0x03 in self._buffer:
                        self._buffer.remove(0x03)
                        self.stepper.interrupt()
                        interrupted = True
                        continue
                    self._recv(0.05)
                except _Closed:  # gdb went away while the guest runs: stop it, end as a detach
                    self.stepper.interrupt()
                    helper.join()
                    self._detached = True
                    raise
                except KeyboardInterrupt:
                    self.stepper.interrupt()
        finally:
            helper.join(timeout=10)
        if failure:
            raise failure[0]
        return result[0]

    def _ended(self, report: StopReport | None) -> str:
        status = report.exit_status if report is not None and report.exit_status is not None else 0
        if report is not None and report.reason == "error":
            sys.stdout.flush()
            print(report.detail, file=self.log)
            self._console(report.detail + "\n")
        self._done = status
        return f"W{status & 0xFF:02x}"

    def _detach(self) -> None:
        self.send("OK")
        self._detached = True
        raise _Closed

    def _kill(self) -> None:
        self._done = 0
        raise _Closed

    def _run_to_end(self) -> int:
        """After a detach: no breakpoints, run the guest to its end."""
        for address in list(self.stepper.breakpoints):
            self.stepper.remove_breakpoint(address)
        report = self.stepper.last
        while not self.stepper.finished:
            report = self.stepper.cont()
            if report.reason == "interrupt":  # Ctrl-C at emu's terminal with no debugger left
                return 130
        if report is not None and report.reason == "error":
            sys.stdout.flush()
            print(report.detail, file=self.log)
        return report.exit_status if report is not None and report.exit_status is not None else 0


def listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind((host, port))
    except OSError as err:
        server.close()
        raise UsageError(f"--gdb: cannot listen on {host}:{port}: {err.strerror}") from None
    server.listen(1)
    return server


def serve(machine: Machine, address: str, *, max_insns: int, log: TextIO = sys.stderr,
          on_listening: Callable[[str, int], None] | None = None) -> int:
    """`emu run --gdb ADDRESS`: stop `machine` at its entry point, wait for one gdb connection
    on ADDRESS (loopback only), serve it; the exit status of the run."""
    host, port = parse_address(address)
    server = listen(host, port)
    stepper = Stepper(machine, max_insns=max_insns)
    try:
        try:
            bound = server.getsockname()[1]
            shown = f"[{host}]" if ":" in host else host
            print(f"emu: waiting for gdb on {shown}:{bound} (target remote {shown}:{bound})", file=log, flush=True)
            if on_listening is not None:
                on_listening(host, bound)
            stepper.start()
            conn, _ = server.accept()
        finally:
            server.close()  # one session: from now on a second connection is refused
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return GdbStub(stepper, conn, log=log).serve()
    finally:
        stepper.close()


__all__ = ["TARGET_XML", "GdbStub", "listen", "parse_address", "serve"]
