"""Run a scenario on the RTL, replay it on the cycle-accurate firmware model, compare events."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import cocotb

from firmware_model import OUTPUT_PINS, BusError, CameraModel

from .reference import REPLAY_START, BusMismatch, advance_replay, check_access
from .scenario import FINAL_READS, Scenario
from .scoreboard import Mismatch, first_mismatch, format_edges
from .testbench import INPUTS, BusAccess, CameraTB

__all__ = ["CosimResult", "ParallelReplay", "Replay", "replay", "run_scenario"]

Edges = list[tuple[int, int]]


@dataclass
class CosimResult:
    """RTL and model edges, the bus log and the first mismatch (if any)."""

    scenario: Scenario
    rtl: dict[str, Edges]
    model: dict[str, Edges]
    bus_log: list[BusAccess]
    mismatch: Mismatch | None = None
    bus_mismatch: BusMismatch | None = None
    model_final: object = None
    stats: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.mismatch is None and self.bus_mismatch is None


OUTPUT_NAMES = OUTPUT_PINS
"""Model outputs compared as edges, in :class:`firmware_model.Outputs` order."""


class Replay:
    """The model replay of one RTL run, advanced in steps.

    The pin stimulus is known up front; bus accesses are added (in the order the RTL performed
    them) as they are logged, and :meth:`advance` runs the model up to a cycle before which
    every access is known. A bus access performed in cycle ``t`` is applied between ``step()``
    ``t`` and ``t+1`` (docs/semantics.md). ``mode="event"`` jumps over idle cycles with the
    model's ``next_activity``/``skip``; ``"cycle"`` steps every cycle.
    """

    def __init__(self, rmap, stimulus: dict[str, Edges], mode: str = "event") -> None:
        self.model = CameraModel(rmap)
        self.e1 = sorted(stimulus.get(INPUTS[0], []))
        self.e2 = sorted(stimulus.get(INPUTS[1], []))
        self.accs: list[BusAccess] = []
        self.acc_cycles: list[int] = []
        self.edges: dict[str, Edges] = {n: [] for n in OUTPUT_NAMES}
        self.bus_mismatch: BusMismatch | None = None
        self.event_mode = mode == "event"
        self._state = REPLAY_START

    def add(self, acc: BusAccess) -> None:
        """Add the next access the RTL performed (cycles never decrease)."""
        if acc.cycle < self.model.cycle or (self.accs and acc.cycle < self.accs[-1].cycle):
            raise ValueError(f"bus access at cycle {acc.cycle} added after the replay passed it")
        self.accs.append(acc)
        self.acc_cycles.append(acc.cycle)

    def advance(self, until: int) -> None:
        """Run the model to cycle ``until``, applying every known access performed before it."""
        self._state = advance_replay(
            self.model,
            self.e1,
            self.e2,
            self.acc_cycles,
            self._apply,
            until,
            [self.edges[n] for n in OUTPUT_NAMES],
            self._state,
            self.event_mode,
        )

    def _apply(self, i: int) -> None:
        m = check_access(self.model.bank, self.accs[i])
        if m is not None and self.bus_mismatch is None:
            self.bus_mismatch = m


def replay(
    rmap, stimulus: dict[str, Edges], bus_log: list[BusAccess], cycles: int, mode: str = "event"
):
    """Run the model ``cycles`` cycles with the RTL's pin edges and bus accesses at their cycles.

    Returns the model's output edges, the first bus mismatch and the model (see :class:`Replay`).
    """
    r = Replay(rmap, stimulus, mode)
    r.accs = sorted(bus_log, key=lambda a: a.cycle)
    r.acc_cycles = [a.cycle for a in r.accs]
    r.advance(cycles)
    return r.edges, r.bus_mismatch, r.model


@dataclass
class ModelSummary:
    """What a replay in a worker process hands back of its model: the events and final cycle."""

    events: list
    cycle: int


def _replay_worker(conn, r: Replay) -> None:
    """Worker process: add accesses and advance to each horizon as they come, then report."""
    try:
        while True:
            acc, horizon = conn.recv()
            if acc is not None:
                r.add(acc)
            if acc is not None and conn.poll():
                continue  # catch up with the RTL's messages before running the model
            r.advance(horizon)
            if acc is None:
                summary = ModelSummary(list(r.model.events), r.model.cycle)
                conn.send(("ok", (r.edges, r.bus_mismatch, summary)))
                return
    except EOFError:
        return
    except Exception as exc:  # reported to the parent, which raises
        conn.send(("error", repr(exc)))


class ParallelReplay:
    """The same :class:`Replay`, run in a forked worker process while the RTL simulates.

    The pin stimulus is fixed before the fork; every bus access is sent as the RTL completes
    it, with the cycle before which all accesses are then known (the next access starts after
    this one completed: accesses are serialised by the bus lock), so the worker keeps up with
    the simulation on the other core and only the tail is left at the end.
    """

    def __init__(self, rmap, stimulus: dict[str, Edges], mode: str = "event") -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=_replay_worker, args=(child, Replay(rmap, stimulus, mode)), daemon=True
        )
        self._proc.start()
        child.close()

    def add(self, acc: BusAccess) -> None:
        with contextlib.suppress(OSError):  # the worker failed: finish() reports why
            self._conn.send((acc, acc.done_cycle))

    def finish(self, cycles: int):
        """Edges, first bus mismatch and a :class:`ModelSummary` after ``cycles`` cycles."""
        try:
            with contextlib.suppress(OSError):
                self._conn.send((None, cycles))
            try:
                status, payload = self._conn.recv()
            except EOFError:
                status, payload = "error", "the replay worker exited"
        finally:
            self._conn.close()
            self._proc.join()
        if status != "ok":
            raise RuntimeError(payload)
        return payload

    def close(self) -> None:
        """Stop the worker (after an error in the RTL run)."""
        self._conn.close()
        self._proc.join()


PARALLEL_REPLAY_MIN_CYCLES = 50_000
"""Scenarios at least this long replay on the model in a worker process during the RTL run."""


async def _issue(tb: CameraTB, o) -> None:
    regs = tb.regs
    sel = dict(o.selectors)
    tb.bus.tag = str(o)
    try:
        if o.kind == "set":
            await regs.set_raw(o.feature, o.value, **sel)
        elif o.kind == "execute":
            await regs.execute(o.feature, **sel)
        elif o.kind == "write":
            addr = o.address if o.address is not None else tb.rmap.register(o.feature).address
            await tb.bus.write(addr, o.value, o.strobe)
        elif o.kind == "read":
            await tb.bus.read(o.address)
        else:
            await regs.get_raw(o.feature, **sel)
    except BusError:
        pass  # the response is in the bus log and compared with the model's


async def _run_ops(tb: CameraTB, ops) -> None:
    for o in sorted(ops, key=lambda o: o.cycle):
        await tb.until_cycle(o.cycle)
        await _issue(tb, o)


async def drive_scenario(tb: CameraTB, sc: Scenario, on_start=None) -> int:
    """Reset, drive the pins and register operations of ``sc`` and read the final registers;
    return the number of cycles simulated since the reset. ``on_start()`` is called once the
    pin stimulus is in place, before the first cycle."""
    await tb.restart()
    for name, edges in sc.lines.items():
        tb.drive(name, edges)
    if on_start is not None:
        on_start()
    ops_task = cocotb.start_soon(_run_ops(tb, sc.ops))
    await tb.until_cycle(sc.cycles)
    await ops_task
    for feat in FINAL_READS:
        tb.bus.tag = f"final read {feat}"
        with contextlib.suppress(BusError):
            await tb.regs.get_raw(feat)
    end = tb.cycle() + 2
    await tb.until_cycle(end)
    return end


async def run_scenario(tb: CameraTB, sc: Scenario, mode: str | None = None) -> CosimResult:
    """Drive ``sc`` on the RTL (after a reset), replay it on the model and compare.

    With config ``replay_parallel`` ``auto`` (the default: scenarios of at least
    ``PARALLEL_REPLAY_MIN_CYCLES`` cycles) or ``on``, the model replays in a
    :class:`ParallelReplay` worker during the RTL run (``off``: after it); the replay and the
    comparison are the same either way. With a free core this takes the model replay off the
    critical path; on a fully loaded machine it costs about 10 % (docs/coverification.md).
    """
    mode = mode or tb.config.get("replay_mode", "event")
    par = tb.config.get("replay_parallel", "auto")
    worker: ParallelReplay | None = None

    def start_worker() -> None:
        nonlocal worker
        if par == "on" or (par == "auto" and sc.cycles >= PARALLEL_REPLAY_MIN_CYCLES):
            worker = ParallelReplay(tb.rmap, tb.stimulus, mode)
            tb.bus.listener = worker.add

    try:
        end = await drive_scenario(tb, sc, start_worker)
    except BaseException:
        if worker is not None:
            worker.close()
        raise
    finally:
        tb.bus.listener = None
    rtl = tb.edges(end)
    try:
        if worker is not None:
            model_edges, bus_mismatch, model = worker.finish(end)
        else:
            model_edges, bus_mismatch, model = replay(tb.rmap, tb.stimulus, tb.bus.log, end, mode)
    except Exception as exc:
        raise AssertionError(
            f"the model failed during the replay ({mode} mode): {exc!r}\n{sc.describe()}"
        ) from exc
    res = CosimResult(
        sc, rtl, model_edges, list(tb.bus.log), bus_mismatch=bus_mismatch, model_final=model
    )
    res.mismatch = first_mismatch(model_edges, rtl)
    res.stats = {
        "cycles": end,
        "events": sum(len(v) for v in rtl.values()),
        "t0_ns": tb.t0 * tb.period_ns / tb.period_steps,
        "device": f"{tb.rmap.device.name}: clock {tb.rmap.clock_hz} Hz, "
        f"readout {tb.rmap.constant('SensorReadoutOverhead')} + "
        f"{tb.rmap.constant('SensorLineTime')} per line, "
        f"TriggerFifoDepth {tb.rmap.constant('TriggerFifoDepth')}",
    }
    tb.record_coverage(lambda cov: cov.sample(sc, res))
    return res


def report(res: CosimResult, wave_file: str | None = None) -> str:
    """A readable failure report: first differing event, configuration, seed and wave file."""
    lines = []
    if res.mismatch is not None:
        m = res.mismatch
        around = min(x[0] for x in (m.expected, m.actual) if x is not None)
        lines.append(f"first mismatch: {m}")
        lines.append(f"  model {m.signal}: {format_edges(res.model[m.signal], around)}")
        lines.append(f"  RTL   {m.signal}: {format_edges(res.rtl[m.signal], around)}")
    if res.bus_mismatch is not None:
        lines.append(f"first bus mismatch: {res.bus_mismatch}")
    lines.append(res.scenario.describe())
    if "device" in res.stats:
        lines.append(f"  map: {res.stats['device']}")
    t0 = res.stats.get("t0_ns")
    where = f" (cycle 0 at {t0:g} ns in the waves)" if t0 is not None else ""
    lines.append(f"seed: {res.scenario.seed}; waves: {wave_file or 'rerun with --waves'}{where}")
    return "\n".join(lines)
