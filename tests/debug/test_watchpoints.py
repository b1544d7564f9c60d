"""Data watchpoints (emu.core.watch through the Stepper): a hit stops before the accessing
instruction with nothing of it done, as an AArch64 watchpoint does; other accesses to the
watched page run on; counts stay those of a run without the debugger."""

from __future__ import annotations

import pytest

from emu.debug.stepper import Stepper
from emu.errors import UsageError
from tests.conftest import machine_for, symbols_of

DATA = 0x4100_0000
SRC = f"""
    ldr x1, ={DATA:#x}
    mov x2, #5
    str x2, [x1, #8]            // the watched page, not the watched bytes
    ldr x6, [x1, #8]
    mov x3, #42
store:
    str x3, [x1]                // writes the watched doubleword
load:
    ldr x4, [x1]                // reads it
    add x5, x4, #1
pair:
    stp x5, x5, [x1, #-8]       // its second half writes the watched doubleword
    mov x7, #0
loop:                           // 100 more accesses to the page, none to the watched bytes
    str x7, [x1, #16]
    add x7, x7, #1
    cmp x7, #100
    b.ne loop
post:
    str x3, [x1], #8            // post-index: x1 moves on exactly once
    ldr x0, =0x84000008
    smc #0
"""
SYM = symbols_of(SRC)


def free_run() -> tuple[int, int]:
    m = machine_for(SRC)
    result = m.run(100_000)
    return result.insns, m.time.cycles()


def stops(kind: str, address: int = DATA, length: int = 8) -> tuple[list[tuple[int, str, int]], Stepper]:
    """(pc, access, memory word at DATA) at each watchpoint stop, continuing to the end."""
    m = machine_for(SRC)
    stepper = Stepper(m)
    stepper.start()
    stepper.add_watchpoint(address, length, kind)
    seen = []
    while True:
        report = stepper.cont()
        if report.reason != "watchpoint":
            assert report.reason == "exit", report.describe()
            break
        assert report.watch is not None and report.pc == report.watch.pc
        seen.append((report.pc, "write" if report.watch.is_write else "read",
                     int.from_bytes(m.uc.mem_read(DATA, 8), "little")))
    return seen, stepper


def test_write_watch_stops_before_each_write_of_the_bytes() -> None:
    seen, stepper = stops("write")
    # memory still holds the old value at each stop: the store has not run
    assert seen == [(SYM["store"], "write", 0), (SYM["pair"], "write", 42), (SYM["post"], "write", 43)]
    m = stepper.machine
    assert int.from_bytes(m.uc.mem_read(DATA, 8), "little") == 42
    assert m.cpu.x(1) == DATA + 8  # the post-index store ran once
    assert m.cpu.x(7) == 100 and m.cpu.x(6) == 5
    assert stepper.last is not None and (stepper.last.insns, stepper.last.cycles) == free_run()


def test_read_and_access_watches() -> None:
    seen, _ = stops("read")
    assert seen == [(SYM["load"], "read", 42)]
    seen, _ = stops("access")
    assert [pc for pc, _, _ in seen] == [SYM["store"], SYM["load"], SYM["pair"], SYM["post"]]


def test_a_partial_overlap_and_a_one_byte_watch() -> None:
    seen, _ = stops("write", DATA + 3, 1)  # inside each doubleword store to DATA
    assert [pc for pc, _, _ in seen] == [SYM["store"], SYM["pair"], SYM["post"]]
    seen, _ = stops("write", DATA - 4, 4)  # the first half of the pair only
    assert [pc for pc, _, _ in seen] == [SYM["pair"]]


def test_step_from_a_hit_runs_the_access_and_removal_lets_the_run_finish() -> None:
    m = machine_for(SRC)
    stepper = Stepper(m)
    stepper.start()
    stepper.add_watchpoint(DATA, 8, "write")
    hit = stepper.cont()
    assert (hit.reason, hit.pc, hit.insns) == ("watchpoint", SYM["store"], 5)
    after = stepper.step()
    assert (after.reason, after.pc, after.insns) == ("step", SYM["load"], 6)
    assert int.from_bytes(m.uc.mem_read(DATA, 8), "little") == 42
    assert stepper.remove_watchpoint(DATA, 8, "write") and stepper.watchpoints == []
    end = stepper.cont()
    assert end.reason == "exit" and (end.insns, end.cycles) == free_run()


def test_a_read_watch_on_the_code_page_leaves_instruction_fetch_alone() -> None:
    """Read permission goes; execute stays: the code on the page runs, the load stops."""
    src = """
    adr x1, word
load:
    ldr x2, [x1]
    ldr x0, =0x84000008
    smc #0
    .balign 8
word:
    .quad 0x1234
"""
    m = machine_for(src)
    stepper = Stepper(m)
    stepper.start()
    stepper.add_watchpoint(symbols_of(src)["word"], 8, "read")
    hit = stepper.cont()
    assert (hit.reason, hit.pc) == ("watchpoint", symbols_of(src)["load"])
    assert stepper.cont().reason == "exit" and m.cpu.x(2) == 0x1234


@pytest.mark.parametrize("address, length, kind", [
    (0x0900_0000, 4, "write"),  # the PL011: device memory cannot be watched
    (DATA, 0, "write"),
    (DATA, 4097, "write"),
    (DATA, 8, "execute"),
])
def test_bad_watchpoints_are_refused(address: int, length: int, kind: str) -> None:
    stepper = Stepper(machine_for(SRC))
    stepper.start()
    with pytest.raises(UsageError):
        stepper.add_watchpoint(address, length, kind)
    assert stepper.watchpoints == []
    stepper.close()


def test_repl_watch_commands() -> None:
    import io

    from emu.debug.repl import run_session
    out = io.StringIO()
    stepper = Stepper(machine_for(SRC))
    status = run_session(stepper, SYM, [f"w {DATA:#x}", "c", "x 0x41000000", "s", "dw 0x41000000",
                                        "dw 0x41000000", "rw 0x41000000 0", "aw", "c"], out)
    text = out.getvalue()
    assert status == 0
    assert "write watchpoint on 8 byte(s) at 0x41000000" in text
    assert (f"[watchpoint: write of 0x41000000 (write watch on 8 byte(s) at 0x41000000)] EL2 pc=0x{SYM['store']:x}"
            "  str x3, [x1]  (insns 5, cycles 8)") in text
    assert "0x41000000: 0x0000000000000000" in text  # examined before the store runs
    assert "deleted the write watchpoint(s) at 0x41000000" in text
    assert "no watchpoint on 8 byte(s) at 0x41000000" in text
    assert "the count must be 1 or more, not 0" in text
    assert "usage: aw ADDR [LEN]" in text
    assert "[exit: exit status 0 (system-off)]" in text


def test_a_watchpoint_set_at_a_breakpoint_inside_a_block() -> None:
    """Set while the worker is paused inside a code hook (gdb inserts them when it resumes)."""
    m = machine_for(SRC)
    stepper = Stepper(m)
    stepper.start()
    stepper.add_breakpoint(SYM["store"] - 4)  # mid-block: mov x3, #42
    assert stepper.cont().reason == "breakpoint"
    stepper.add_watchpoint(DATA, 8, "read")
    stepper.add_watchpoint(DATA + 16, 8, "write")
    stepper.remove_breakpoint(SYM["store"] - 4)
    reasons = []
    while (report := stepper.cont()).reason == "watchpoint":
        reasons.append((report.pc, report.watch.watch.kind if report.watch else ""))
    assert reasons == [(SYM["load"], "read")] + [(SYM["loop"], "write")] * 100
    assert (report.insns, report.cycles) == free_run()


def test_watchpoints_are_physical_with_the_mmu_on() -> None:
    """VA 0xc000_0000 maps PA 0x4600_3000 (tests/core/test_mmu_faults.py's tables): a read watch
    on the physical doubleword stops the load through the virtual address."""
    from tests.core.test_mmu_faults import kernel
    src = kernel("    ldr x1, =0xc0000000\nload:\n    ldr x3, [x1, #8]\n    ldr x0, =0x84000008\n    smc #0\n")
    m = machine_for(src)
    m.uc.mem_write(0x4600_3008, (0x77).to_bytes(8, "little"))
    stepper = Stepper(m)
    stepper.start()
    stepper.add_watchpoint(0x4600_3008, 8, "read")
    hit = stepper.cont()
    assert (hit.reason, hit.pc, m.cpu.x(3)) == ("watchpoint", symbols_of(src)["load"], 0)
    assert hit.watch is not None and hit.watch.address == 0x4600_3008
    assert stepper.cont().reason == "exit" and m.cpu.x(3) == 0x77


def test_the_guests_watchpoints_do_not_survive_a_reset() -> None:
    """A watchpoint the guest enabled (DBGWCR0_EL1.E) protects its page until a machine reset."""
    src = f"""
    ldr x0, ={DATA:#x}
    msr s2_0_c0_c0_6, x0            // DBGWVR0_EL1
    ldr x0, =0x1f3                  // DBGWCR0_EL1: bytes 0-3, stores, EL1, enabled
    msr s2_0_c0_c0_7, x0
    ldr x0, =0x84000008
    smc #0
"""
    m = machine_for(src)
    m.run(1000)
    assert m.processor.data_watch is not None and m.processor.data_watch.guest
    m.reset()
    assert m.processor.data_watch.guest == [] and m.cpu.read_sysreg((2, 0, 0, 0, 7)) == 0
