"""A timeline of a run in the Chrome trace-event format (the JSON object form), which
ui.perfetto.dev and chrome://tracing open (`emu run --timeline FILE.json`).

Time: emulated CPU cycles (`Machine.time.cycles()`), shown as 1 cycle = 1 ns: `ts` and `dur` are
in microseconds as the format requires, so `ts` = cycles / 1000; `displayTimeUnit` is "ns".
One process (pid 1, named after the image); its threads are the tracks:

- execution tracks, one per world and Exception level: `EL0` / `EL1` / `EL2` when no Python EL2
  announces worlds, else `host EL1`, `guest EL1` (and EL0 of each, if used), and `EL2 (hyp)`
  for the time a Python EL2 spends handling an exit. A complete event (`ph: "X"`) covers each
  stretch of execution there, named after the track, with `args` {from_insns, to_insns}. An
  EL change is seen at the first block run at the new EL (a UC_HOOK_BLOCK reads PSTATE; ELs
  change only between blocks), a Python EL2 by its `hyp.exit` event.
- on `EL2 (hyp)`, each world-switch phase (emu.hyp.world: flush, call_hyp, save_host, ...,
  sync, emulate_sysreg) is its own complete event named after the phase, nested in the exit's
  slice, `args` {seq, el}.
- instant events (`ph: "i"`, scope thread) on the track where they happened: exceptions taken
  (`SYNC EC=0x16`, `IRQ`, ...), exits to a Python EL2 (`exit IRQ`, ...).
- `INTID <n>`: one track per physical INTID that was ever active, a complete event
  `INTID <n> active` for each active period (from the moment the GIC's state says active, by
  an acknowledge or a hypervisor or GICD/GICR_ISACTIVER, to its deactivation);
  `vINTID <n>`: the same for virtual interrupts, from the guest's acknowledge (ICV_IAR1_EL1) to
  the deactivation of the list register. A period still open at the end is closed there with
  `args.open` true.
- counter events (`ph: "C"`): `PMU interrupt (INTID 23)`, the level of the GIC's PMU input,
  and `nIRQ` / `nVIRQ`, the core's interrupt lines (`args.level` 0 or 1).

Thread-name metadata (`ph: "M"`, `thread_name`, `thread_sort_index`) names each track; events are
written sorted by track, then time (outer slices before the ones they contain).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, Any

from unicorn import UC_HOOK_BLOCK

from emu.arch import pstate as ps
from emu.arch.esr import ec_of
from emu.board import virt
from emu.debug.trace import cycles_before, retired_before
from emu.events import Event
from emu.machine import Machine

PID = 1
HYP = "hyp"
PMU_COUNTER = f"PMU interrupt (INTID {virt.INTID_PMU})"
CORE_LINES = ("nIRQ", "nVIRQ")


@dataclass
class _Slice:
    tid_key: tuple[Any, ...]
    name: str
    start: int
    end: int
    args: dict[str, Any] = field(default_factory=dict)


class Timeline:
    """Collects the timeline while the machine runs; `finish()` writes it to `out`."""

    def __init__(self, machine: Machine, out: IO[str]) -> None:
        self.machine = machine
        self.out = out
        self.slices: list[_Slice] = []
        self.instants: list[tuple[tuple[Any, ...], str, int, dict[str, Any]]] = []
        self.counters: list[tuple[str, int, int]] = []
        self._world: str | None = None
        self._worlds_seen = False
        self._context: tuple[Any, ...] | None = None
        self._context_start = 0
        self._context_insns = 0
        self._phases: dict[int, tuple[str, int, int]] = {}
        self._active: dict[tuple[bool, int], tuple[int, int]] = {}
        self._hook: int | None = None
        self._finished = False

    def install(self) -> None:
        if self._hook is not None:
            return
        m = self.machine
        self._hook = m.uc.hook_add(UC_HOOK_BLOCK, self._on_block, None, 1, 0)
        m.events.subscribe(self._on_event)
        now = m.time.cycles()
        pmu_line = m.gic.irqs[virt.INTID_PMU].line
        self.counters += [(PMU_COUNTER, now, int(pmu_line)), ("nIRQ", now, int(m.irq.level)),
                          ("nVIRQ", now, int(m.processor.virq.level))]

    # -- collecting ------------------------------------------------------------------------------
    def _switch(self, context: tuple[Any, ...], cycle: int, insns: int) -> None:
        if context == self._context:
            return
        self._close(cycle, insns)
        self._context, self._context_start, self._context_insns = context, cycle, insns

    def _close(self, cycle: int, insns: int) -> None:
        if self._context is not None and cycle > self._context_start:
            self.slices.append(_Slice(self._context, "", self._context_start, cycle,
                                      {"from_insns": self._context_insns, "to_insns": insns}))
        self._context = None

    def _on_block(self, _uc: Any, address: int, _size: int, _ud: Any) -> None:
        m = self.machine
        el = ps.el_of(m.cpu.pstate)
        context = (self._world, el)
        if context != self._context:
            self._switch(context, cycles_before(m, address), retired_before(m, address))

    def _on_event(self, event: Event) -> None:
        name, f = event.name, event.fields
        m = self.machine
        cycle = f["cycle"] if isinstance(f.get("cycle"), int) else m.time.cycles()
        if name == "hyp.exit":
            self._switch((HYP, 2), cycle, event.insns)
            self.instants.append(((HYP, 2), f"exit {f['kind']}", cycle, {"elr": f"0x{f['elr']:x}"}))
        elif name == "hyp.world":
            self._worlds_seen = True
            if f["world"] in ("guest", "host"):
                self._world = f["world"]
        elif name == "hyp.phase":
            self._phases[f["seq"]] = (f["phase"], cycle, event.insns)
        elif name == "hyp.phase_end":
            started = self._phases.pop(f["seq"], None)
            if started is not None:
                phase, start, _ = started
                cost = getattr(getattr(m.hypervisor, "costs", {}).get(phase), "el", None)
                args: dict[str, Any] = {"seq": f["seq"]}
                if cost is not None:
                    args["el"] = cost
                self.slices.append(_Slice((HYP, 2), phase, start, cycle, args))
        elif name == "exception.taken":
            taken = f["taken"]
            what = taken.kind.name if taken.esr is None else f"{taken.kind.name} EC=0x{ec_of(taken.esr):02x}"
            self.instants.append(((self._world, taken.from_el), what, cycle, {"from_el": taken.from_el, "target_el": taken.target_el,
                                                       "elr": f"0x{taken.elr:x}"}))
        elif name == "irq.line":
            if f.get("intid") == virt.INTID_PMU:
                self.counters.append((PMU_COUNTER, cycle, int(f["level"])))
            elif f["name"] in CORE_LINES:
                self.counters.append((f["name"], cycle, int(f["level"])))
        elif name == "gic.active":
            self._period(False, f["intid"], bool(f["active"]), cycle, event.insns)
        elif name == "gic.ack" and f["virtual"] and f["intid"] < 1020:
            self._period(True, f["intid"], True, cycle, event.insns)
        elif name == "gic.deactivate" and f["virtual"]:
            self._period(True, f["intid"], False, cycle, event.insns)
        elif name == "machine.reset":
            self._world = None

    def _period(self, virtual: bool, intid: int, active: bool, cycle: int, insns: int) -> None:
        key = (virtual, intid)
        if active:
            self._active.setdefault(key, (cycle, insns))
            return
        started = self._active.pop(key, None)
        if started is not None:
            self._add_period(key, started, cycle, insns, open_=False)

    def _add_period(self, key: tuple[bool, int], started: tuple[int, int], cycle: int, insns: int,
                    open_: bool) -> None:
        virtual, intid = key
        label = f"{'vINTID' if virtual else 'INTID'} {intid}"
        args: dict[str, Any] = {"from_insns": started[1], "to_insns": insns}
        if open_:
            args["open"] = True
        self.slices.append(_Slice(("intid", virtual, intid), f"{label} active", started[0], cycle, args))

    # -- writing ---------------------------------------------------------------------------------
    def finish(self) -> None:
        """Close what is open at the current time, write the JSON, remove the hook."""
        if self._finished:
            return
        self._finished = True
        m = self.machine
        if self._hook is not None:
            m.uc.hook_del(self._hook)
            self._hook = None
        now, insns = m.time.cycles(), m.processor.insns
        self._close(now, insns)
        for key, started in sorted(self._active.items()):
            self._add_period(key, started, now, insns, open_=True)
        self._active.clear()
        json.dump(self.document(), self.out, separators=(",", ":"))
        self.out.write("\n")
        self.out.flush()

    def _track_name(self, key: tuple[Any, ...]) -> str:
        if key[0] == "intid":
            return f"{'vINTID' if key[1] else 'INTID'} {key[2]}"
        world, el = key
        if world == HYP:
            return "EL2 (hyp)"
        if not self._worlds_seen:
            return f"EL{el}"
        return f"{world or 'host'} EL{el}"

    def document(self) -> dict[str, Any]:
        """The trace-event JSON object."""
        keys = {s.tid_key for s in self.slices} | {k for k, _, _, _ in self.instants}
        order = {"host": 0, None: 0, "guest": 1, HYP: 2}

        def rank(key: tuple[Any, ...]) -> tuple[Any, ...]:
            if key[0] == "intid":
                return (4, key[2], key[1])
            return (order.get(key[0], 3), -key[1])

        # Tracks of the same name (the host before any world was announced) share a tid.
        names: dict[str, int] = {}
        tids: dict[tuple[Any, ...], int] = {}
        for key in sorted(keys, key=rank):
            name = self._track_name(key)
            tids[key] = names.setdefault(name, len(names) + 1)
        events: list[dict[str, Any]] = [
            {"ph": "M", "name": "process_name", "pid": PID, "tid": 0, "args": {"name": f"emu {self._image_name()}"}}]
        for name, tid in names.items():
            events.append({"ph": "M", "name": "thread_name", "pid": PID, "tid": tid, "args": {"name": name}})
            events.append({"ph": "M", "name": "thread_sort_index", "pid": PID, "tid": tid, "args": {"sort_index": tid}})
        timed: list[tuple[int, int, int, dict[str, Any]]] = []
        for s in self.slices:
            tid = tids[s.tid_key]
            name = s.name or self._track_name(s.tid_key)
            timed.append((tid, s.start, -(s.end - s.start), {"ph": "X", "name": name, "pid": PID, "tid": tid,
                                                            "ts": _us(s.start), "dur": _us(s.end - s.start),
                                                            "args": s.args}))
        for key, name, cycle, args in self.instants:
            tid = tids[key]
            timed.append((tid, cycle, 0, {"ph": "i", "s": "t", "name": name, "pid": PID, "tid": tid,
                                          "ts": _us(cycle), "args": args}))
        timed.sort(key=lambda t: (t[0], t[1], t[2]))
        events.extend(e for _, _, _, e in timed)
        counters = sorted(enumerate(self.counters), key=lambda c: (c[1][0], c[1][1], c[0]))
        events.extend({"ph": "C", "name": name, "pid": PID, "tid": 0, "ts": _us(cycle), "args": {"level": level}}
                      for _, (name, cycle, level) in counters)
        return {"traceEvents": events, "displayTimeUnit": "ns",
                "otherData": {"time": "emulated CPU cycles, 1 cycle = 1 ns (ts in us = cycles / 1000)",
                              "cycles": self.machine.time.cycles(), "insns": self.machine.processor.insns}}

    def _image_name(self) -> str:
        image = self.machine.image
        return str(image.path) if image is not None else "(no image)"


def _us(cycles: int) -> float | int:
    """Cycles (1 cycle = 1 ns) as the format's microseconds."""
    return cycles // 1000 if cycles % 1000 == 0 else cycles / 1000


__all__ = ["Timeline", "PMU_COUNTER"]
