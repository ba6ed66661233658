"""Run a scenario on the RTL, replay it on the cycle-accurate firmware model, compare events."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import cocotb

from firmware_model import BusError, CameraModel

from .reference import BusMismatch, check_access
from .scenario import FINAL_READS, Scenario
from .scoreboard import Mismatch, first_mismatch, format_edges
from .testbench import INPUTS, BusAccess, CameraTB

__all__ = ["CosimResult", "replay", "run_scenario"]

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


OUTPUT_NAMES = (
    "frame_start",
    "exposure_active",
    "frame_trigger_wait",
    "acquisition_active",
    "line0_out",
    "line2_o",
    "line2_oe",
)
"""Model outputs compared as edges, in :class:`firmware_model.Outputs` order."""


def replay(
    rmap, stimulus: dict[str, Edges], bus_log: list[BusAccess], cycles: int, mode: str = "event"
):
    """Run the model ``cycles`` cycles with the RTL's pin edges and bus accesses at their cycles.

    A bus access performed in cycle ``t`` is applied between ``step()`` ``t`` and ``t+1``
    (docs/semantics.md). ``mode="event"`` jumps over idle cycles with the model's
    ``next_activity``/``skip``; ``"cycle"`` steps every cycle. Returns the model's output edges,
    the first bus mismatch and the model.
    """
    model = CameraModel(rmap)
    e1 = sorted(stimulus.get(INPUTS[0], []))
    e2 = sorted(stimulus.get(INPUTS[1], []))
    accs = sorted(bus_log, key=lambda a: a.cycle)
    edges: dict[str, Edges] = {n: [] for n in OUTPUT_NAMES}
    out_edges = [edges[n] for n in OUTPUT_NAMES]
    n_out = len(OUTPUT_NAMES)
    bank = model.bank
    bus_mismatch = None
    i1 = i2 = ia = 0
    n1, n2, na = len(e1), len(e2), len(accs)
    p1 = p2 = 0
    prev = None
    event_mode = mode == "event"
    step = model.step
    while True:
        t = model.cycle
        while ia < na and accs[ia].cycle < t:
            m = check_access(bank, accs[ia])
            if m is not None and bus_mismatch is None:
                bus_mismatch = m
            ia += 1
        if t >= cycles:
            break
        if event_mode and prev is not None:
            target = cycles
            if i1 < n1 and e1[i1][0] < target:
                target = e1[i1][0]
            if i2 < n2 and e2[i2][0] < target:
                target = e2[i2][0]
            if ia < na and accs[ia].cycle + 1 < target:
                target = accs[ia].cycle + 1
            if target > t:
                wake = model.next_activity()
                if wake is not None and wake < target:
                    target = wake
                if target > t:
                    model.skip(target - t)
                    continue
        while i1 < n1 and e1[i1][0] <= t:
            p1 = e1[i1][1]
            i1 += 1
        while i2 < n2 and e2[i2][0] <= t:
            p2 = e2[i2][1]
            i2 += 1
        out = step(p1, p2)
        if out != prev:
            for i in range(n_out):
                if prev is None or out[i] != prev[i]:
                    out_edges[i].append((t, out[i]))
            prev = out
    return edges, bus_mismatch, model


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
            await tb.bus.write(tb.rmap.register(o.feature).address, o.value, o.strobe)
        else:
            await regs.get_raw(o.feature, **sel)
    except BusError:
        pass  # the response is in the bus log and compared with the model's


async def _run_ops(tb: CameraTB, ops) -> None:
    for o in sorted(ops, key=lambda o: o.cycle):
        await tb.until_cycle(o.cycle)
        await _issue(tb, o)


async def drive_scenario(tb: CameraTB, sc: Scenario) -> int:
    """Reset, drive the pins and register operations of ``sc`` and read the final registers;
    return the number of cycles simulated since the reset."""
    await tb.restart()
    for name, edges in sc.lines.items():
        tb.drive(name, edges)
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
    """Drive ``sc`` on the RTL (after a reset), replay it on the model and compare."""
    end = await drive_scenario(tb, sc)
    rtl = tb.edges(end)
    mode = mode or tb.config.get("replay_mode", "event")
    try:
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
        f"SensorReadoutTime {tb.rmap.constant('SensorReadoutTime')}, "
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
