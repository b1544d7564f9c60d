"""The GDB remote stub (emu.debug.gdbstub, `emu run --gdb`): the protocol from a raw socket client
(checksums, acks, registers, memory, breakpoints, steps, Ctrl-C, malformed packets, a second
connection, monitor commands, kill and exit), then the real gdb-multiarch in batch mode."""

from __future__ import annotations

import io
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emu.board.loader import load_image
from emu.debug.gdbstub import parse_address, serve
from emu.errors import UsageError
from tests.conftest import BASE, machine_for

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0

STRAIGHT = """
    mov x0, #1
    mov x1, #2
    add x2, x0, x1
    mov x3, #4
    mov x4, #5
    mov x5, #6
    mov x6, #7
    mov x7, #8
    mov x8, #9
    mov x9, #10
    mov x10, #11
    mov x11, #12
target:
    mov x12, #13
    ldr x0, =0x84000008
    smc #0
"""
TARGET = BASE + 12 * 4


def _checksum(data: bytes) -> bytes:
    return f"{sum(data) & 0xFF:02x}".encode()


class Client:
    """A raw RSP client: sends packets, checks the stub's acks and checksums."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""
        self.ack = True

    def raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_byte(self) -> bytes:
        if not self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError
            self.buf += chunk
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def read_packet(self) -> bytes:
        while self.read_byte() != b"$":
            pass
        body = b""
        while (b := self.read_byte()) != b"#":
            body += b
        given = self.read_byte() + self.read_byte()
        assert given == _checksum(body), (body, given)
        if self.ack:
            self.raw(b"+")
        return body

    def request(self, body: bytes | str, *, expect_ack: bool = True) -> bytes:
        data = body.encode() if isinstance(body, str) else body
        self.raw(b"$" + data + b"#" + _checksum(data))
        if self.ack and expect_ack:
            assert self.read_byte() == b"+"
        return self.read_packet()

    def console_then_ok(self, body: str) -> str:
        """A qRcmd: O packets (console text), then OK."""
        self.raw(b"$" + body.encode() + b"#" + _checksum(body.encode()))
        assert self.read_byte() == b"+"
        text = ""
        while (reply := self.read_packet()) != b"OK":
            assert reply.startswith(b"O"), reply
            text += bytes.fromhex(reply[1:].decode()).decode()
        return text

    def close(self) -> None:
        self.sock.close()


class Session:
    def __init__(self, source: str, max_insns: int = 1_000_000_000_000) -> None:
        self.machine = machine_for(source)
        self.log = io.StringIO()
        self.port = 0
        self.status: int | None = None
        listening = threading.Event()

        def on_listening(_host: str, port: int) -> None:
            self.port = port
            listening.set()

        def run() -> None:
            self.status = serve(self.machine, "127.0.0.1:0", max_insns=max_insns, log=self.log,
                                on_listening=on_listening)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert listening.wait(TIMEOUT)
        self.client = Client(self.port)

    def end(self) -> int | None:
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()
        return self.status


@pytest.fixture
def session() -> Iterator[Session]:
    s = Session(STRAIGHT)
    yield s
    if s.thread.is_alive():
        try:
            s.client.raw(b"$k#6b")
        except OSError:
            pass
        s.thread.join(TIMEOUT)
    s.client.close()


def _pc(reply: bytes) -> int:
    return int.from_bytes(bytes.fromhex(reply.decode()), "little")


def test_stop_reply_registers_and_checksums(session: Session) -> None:
    c = session.client
    assert c.request("?") == b"T0520:" + BASE.to_bytes(8, "little").hex().encode() + b";thread:1;"
    regs = c.request("g")
    assert len(regs) == (33 * 8 + 4) * 2
    assert int.from_bytes(bytes.fromhex(regs[32 * 16:33 * 16].decode()), "little") == BASE
    assert _pc(c.request("p20")) == BASE
    assert c.request("p21") == b"c9030000"  # cpsr: EL2h, DAIF masked, 32 bits
    assert c.request("p0") == session.machine.dtb_address.to_bytes(8, "little").hex().encode()
    supported = c.request("qSupported:multiprocess+;swbreak+;xmlRegisters=i386")
    assert b"PacketSize=4000" in supported and b"qXfer:features:read+" in supported
    xml = c.request("qXfer:features:read:target.xml:0,3fff")
    assert xml.startswith(b"l<?xml") and b"org.gnu.gdb.aarch64.core" in xml and b'name="cpsr" bitsize="32"' in xml
    part = c.request("qXfer:features:read:target.xml:0,10")
    assert part == b"m<?xml version=\"1"
    assert c.request("qC") == b"QC1"
    assert c.request("qAttached") == b"1"
    assert c.request("qfThreadInfo") == b"m1" and c.request("qsThreadInfo") == b"l"
    assert c.request("Hg0") == b"OK" and c.request("Hc-1") == b"OK"
    assert c.request("vCont?") == b"vCont;c;C;s;S;t"
    assert c.request("qTStatus") == b""  # unknown: the empty reply
    assert c.request("vMustReplyEmpty") == b""


def test_registers_and_memory_written(session: Session) -> None:
    c = session.client
    code = session.machine.uc.mem_read(BASE, 8)
    assert c.request(f"m{BASE:x},8") == bytes(code).hex().encode()
    data = BASE + 0x1000
    assert c.request(f"M{data:x},4:deadbeef") == b"OK"
    assert c.request(f"m{data:x},4") == b"deadbeef"
    assert c.request(b"X%x,2:" % (data + 4) + b"}\x03}]") == b"OK"  # binary, escaped: 0x23 '#', 0x7d '}'
    assert c.request(f"m{data:x},6") == b"deadbeef237d"
    assert c.request("P5=3412000000000000") == b"OK"
    assert session.machine.cpu.x(5) == 0x1234
    assert c.request("P1f=0080004000000000") == b"OK"  # sp
    assert session.machine.cpu.sp == 0x4000_8000
    assert c.request("m0,4") == b"E14"  # nothing mapped
    assert c.request("m9000000,4") == b"E14"  # the UART: reading its FIFO would have side effects
    assert c.request("M0,4:00000000") == b"E14"


def test_breakpoint_continue_and_step(session: Session) -> None:
    c = session.client
    assert c.request(f"Z0,{TARGET:x},4") == b"OK"
    reply = c.request("c")
    assert reply.startswith(b"T05") and _pc(reply[6:22]) == TARGET
    assert session.machine.cpu.x(11) == 12 and session.machine.cpu.x(12) == 0
    assert c.request(f"z0,{TARGET:x},4") == b"OK"
    reply = c.request("s")
    assert reply.startswith(b"T05") and _pc(c.request("p20")) == TARGET + 4
    assert session.machine.cpu.x(12) == 13
    reply = c.request("vCont;s:1")
    assert _pc(c.request("p20")) == TARGET + 8
    assert c.request("c") == b"W00"  # PSCI SYSTEM_OFF
    assert session.end() == 0


WATCHED = """
    ldr x1, =0x41000000
    mov x3, #42
    str x3, [x1, #8]
store:
    str x3, [x1]
    ldr x4, [x1]
    ldr x0, =0x84000008
    smc #0
"""


def test_watchpoints_stop_before_the_access_and_name_it() -> None:
    s = Session(WATCHED)
    c = s.client
    store = BASE + 12
    assert c.request("Z2,41000000,8") == b"OK"
    assert c.request("Z3,9000000,4") == b"E01"  # the PL011: not RAM
    assert c.request("Z2,41000000,0") == b"E01"
    assert c.request("Z5,41000000,8") == b"E01"
    reply = c.request("c")
    assert reply.startswith(b"T05") and b";watch:41000000;" in reply and _pc(reply[6:22]) == store
    assert c.request("m41000000,8") == b"00" * 8  # the store has not run
    assert c.request("z2,41000000,8") == b"OK"
    assert c.request("Z3,41000004,4") == b"OK"
    assert c.request("s").startswith(b"T05")  # the stepped store is not a read
    reply = c.request("c")
    assert b";rwatch:41000004;" in reply and _pc(reply[6:22]) == store + 4
    assert c.request("z3,41000004,4") == b"OK"
    assert c.request("c") == b"W00"
    assert s.end() == 0
    assert s.machine.cpu.x(4) == 42
    s.client.close()


def test_ctrl_c_interrupts_an_endless_loop() -> None:
    s = Session("spin:\n    b spin\n")
    c = s.client
    c.raw(b"$c#63")
    assert c.read_byte() == b"+"
    time.sleep(0.3)
    c.raw(b"\x03")
    reply = c.read_packet()
    assert reply.startswith(b"T02") and _pc(reply[6:22]) == BASE
    assert c.request("s").startswith(b"T05")  # still there, one instruction later
    c.raw(b"$k#6b")
    assert c.read_byte() == b"+"
    assert s.end() == 0
    c.close()


def test_malformed_packets_are_answered_and_the_session_goes_on(session: Session) -> None:
    c = session.client
    c.raw(b"$g#00")  # bad checksum
    assert c.read_byte() == b"-"
    c.raw(b"junk+++")  # bytes outside packets are ignored
    c.raw(b"\x03")  # Ctrl-C while stopped: ignored (no second stop reply)
    assert c.request("qC") == b"QC1"
    c.raw(b"-")  # "resend": the last packet again
    assert c.read_packet() == b"QC1"
    assert c.request("mZZ,4") == b"E01"
    assert c.request("m40080000") == b"E01"
    assert c.request("p99") == b"E01"
    assert c.request("pzz") == b"E01"
    assert c.request("P0=12") == b"E01"  # wrong length
    assert c.request("M40080000,4:zz") == b"E01"
    assert c.request("M40080000,4:00") == b"E01"
    assert c.request("G00") == b"E01"
    assert c.request("Z0,zz,4") == b"E01"
    assert c.request("qRcmd,zz") == b"E01"
    assert c.request("vCont;") == b"E01"
    assert c.request("$$$") == b""
    assert c.request("") == b""
    assert "internal error" not in session.log.getvalue()
    assert _pc(c.request("p20")) == BASE
    assert c.request("s").startswith(b"T05")


def test_a_failed_run_is_reported_then_exits_with_the_emulators_status() -> None:
    s = Session("spin:\n    b spin\n", max_insns=1000)
    c = s.client
    c.raw(b"$c#63")
    assert c.read_byte() == b"+"
    text = b""
    while (reply := c.read_packet()).startswith(b"O"):
        text += bytes.fromhex(reply[1:].decode())
    assert b"guest ran away" in text and reply == b"W47"  # BudgetExhausted: 71
    assert s.end() == 71 and "guest ran away" in s.log.getvalue()
    c.close()


def test_the_console_still_goes_to_stdout() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "emu.cli", "run", "--gdb", "127.0.0.1:0", "asm/hello.S"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        c = Client(_wait_for_port(proc))
        assert c.request("c") == b"W00"
        c.close()
        out, _ = proc.communicate(timeout=30)
        assert out == "hello, world\n" and proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_second_connection_is_refused_and_the_first_goes_on(session: Session) -> None:
    assert _pc(session.client.request("p20")) == BASE  # the first session is served: nobody listens any more
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", session.port), timeout=TIMEOUT)
    assert _pc(session.client.request("p20")) == BASE


def test_monitor_commands(session: Session) -> None:
    c = session.client
    hex_of = lambda text: text.encode().hex()
    assert c.console_then_ok(f"qRcmd,{hex_of('el')}").startswith("EL2 (EL2h) PSTATE=0x000003c9")
    assert "PMCR_EL0=" in c.console_then_ok(f"qRcmd,{hex_of('pmu')}")
    assert "GICD" in c.console_then_ok(f"qRcmd,{hex_of('gic')}")
    assert f"pc=0x{BASE:016x}" in c.console_then_ok(f"qRcmd,{hex_of('regs')}")
    assert "monitor commands" in c.console_then_ok(f"qRcmd,{hex_of('help')}")
    assert "unknown monitor command" in c.console_then_ok(f"qRcmd,{hex_of('frob')}")


def test_no_ack_mode_and_kill(session: Session) -> None:
    c = session.client
    assert c.request("QStartNoAckMode") == b"OK"
    c.ack = False
    assert _pc(c.request("p20")) == BASE
    c.raw(b"$k#6b")
    assert session.end() == 0


def test_detach_lets_the_guest_run_to_its_end(session: Session) -> None:
    c = session.client
    assert c.request(f"Z0,{TARGET:x},4") == b"OK"
    assert c.request("D") == b"OK"
    assert session.end() == 0
    assert session.machine.cpu.x(12) == 13  # ran past the breakpoint, removed on detach


def test_only_loopback_addresses() -> None:
    assert parse_address("127.0.0.1:1234") == ("127.0.0.1", 1234)
    assert parse_address("localhost:0") == ("127.0.0.1", 0)
    assert parse_address("[::1]:5") == ("::1", 5)
    for bad in ("0.0.0.0:1234", "192.168.1.1:1234", "example.com:1", "1234", "127.0.0.1:x", "127.0.0.1:70000"):
        with pytest.raises(UsageError):
            parse_address(bad)
    done = subprocess.run([sys.executable, "-m", "emu.cli", "run", "--gdb", "0.0.0.0:1234", "asm/hello.S"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert done.returncode == 64 and "loopback" in done.stderr and "Traceback" not in done.stderr


def _wait_for_port(proc: subprocess.Popen[str]) -> int:
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 0.5)
        if ready:
            line = proc.stderr.readline()
            if "waiting for gdb on 127.0.0.1:" in line:
                return int(line.split("127.0.0.1:")[1].split()[0])
            assert line, "emu ended before listening"
    raise AssertionError("emu never listened")


NEEDS_GDB = pytest.mark.skipif(shutil.which("gdb-multiarch") is None,
                               reason="gdb-multiarch is not installed (.ci/run installs Debian's gdb-multiarch)")


def _gdb_session(kernel: Path, *commands: str) -> str:
    """`emu run --gdb` on `kernel` and gdb-multiarch in batch mode running `commands` after
    connecting; gdb's stdout and stderr (after checking both ended with status 0)."""
    proc = subprocess.Popen([sys.executable, "-m", "emu.cli", "run", "--gdb", "127.0.0.1:0", str(kernel)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = _wait_for_port(proc)
        args = ["gdb-multiarch", "-nx", "-batch", "-ex", "set architecture aarch64",
                "-ex", f"target remote 127.0.0.1:{port}"]
        for command in commands:
            args += ["-ex", command]
        gdb = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
        assert gdb.returncode == 0, gdb.stderr + gdb.stdout
        assert proc.wait(timeout=30) == 0
        return gdb.stdout + gdb.stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@NEEDS_GDB
def test_real_gdb_multiarch_in_batch_mode(tmp_path: Path) -> None:
    kernel = tmp_path / "label.S"
    kernel.write_text(STRAIGHT)
    target = load_image(kernel).symbols["target"]
    assert target == TARGET
    out = _gdb_session(kernel, "stepi 10", "info registers x0 pc", f"break *0x{target:x}", "continue",
                       "info registers pc x11", "monitor el", "kill")
    lines = [line.split() for line in out.splitlines()]
    x0 = [w for w in lines if w[:1] == ["x0"]]
    pcs = [w for w in lines if w[:1] == ["pc"]]
    assert x0 == [["x0", "0x1", "1"]]
    assert pcs == [["pc", f"0x{BASE + 40:x}", f"0x{BASE + 40:x}"], ["pc", f"0x{target:x}", f"0x{target:x}"]]
    assert ["x11", "0xc", "12"] in lines
    assert f"Breakpoint 1, 0x{target:016x} in ?? ()" in out
    assert "EL2 (EL2h)" in out  # monitor output: gdb prints it on stderr in batch mode


@NEEDS_GDB
def test_real_gdb_multiarch_hardware_watchpoint(tmp_path: Path) -> None:
    """gdb steps the instruction itself (AArch64 watchpoints stop before it) and shows the change."""
    kernel = tmp_path / "watched.S"
    kernel.write_text(WATCHED)
    out = _gdb_session(kernel, "watch *(long *)0x41000000", "continue", "info registers pc", "delete", "continue")
    assert "Hardware watchpoint 1: *(long *)0x41000000" in out
    assert "Old value = 0\nNew value = 42" in out
    assert ["pc", f"0x{BASE + 16:x}", f"0x{BASE + 16:x}"] in [line.split() for line in out.splitlines()]
    assert "exited normally" in out
