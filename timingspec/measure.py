"""Evaluating requirements: stimulus to scenario, backend run, measurement, verdict.

Time conventions (docs/timing.md): an input pin edge at time ``τ`` is first sampled by the clock
edge at or after it, cycle ``ceil(τ · clock_hz)``; an output event in cycle ``c`` happens at the
clock edge that starts it, ``c / clock_hz``. Latencies are therefore measured from the
asynchronous input edge, and their spread over the input phase is the jitter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from firmware_model.electrical import line0_waveform, line1_logic_from_points
from firmware_model.imaging import Imaging
from regmap import RegisterMap

from .engine import Backend, Scenario, SimResult, config_writes, run_model
from .spec import LineStimulus, Requirement, Setting, Stimulus

__all__ = [
    "Measurement",
    "Result",
    "Trace",
    "evaluate",
    "opto_edges",
]

_EPS = 1e-6  # cycles: times within this of a clock edge count as on it


@dataclass
class Trace:
    """What a timing diagram shows: a run, its input edges (µs) and a window of interest."""

    sim: SimResult
    line1_us: list[tuple[float, int]]
    window_us: tuple[float, float]
    marks: list[tuple[float, float, str]] = field(default_factory=list)
    """Measured spans ``(from_us, to_us, label)`` to draw as arrows."""
    pullup_v: float | None = None


@dataclass
class Measurement:
    """A measured value (base units) or why there is none, with its samples and diagram."""

    value: float | None
    samples: list[float] = field(default_factory=list)
    note: str = ""
    trace: Trace | None = None
    runs: int = 0
    simulated: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    """RTL backends: runs whose RTL differed from the firmware model replaying them."""


@dataclass
class Result:
    """The verdict on one requirement."""

    requirement: Requirement
    measurement: Measurement
    passed: bool
    margin: float | None

    @property
    def name(self) -> str:
        """The requirement's name."""
        return self.requirement.name


class _Ctx:
    """One requirement's evaluation: the map, clock, backend and configured registers."""

    def __init__(self, rmap: RegisterMap, req: Requirement, backend: Backend):
        self.rmap = rmap
        self.req = req
        self.backend = backend
        self.hz = rmap.clock_hz
        self.imaging = Imaging(rmap)
        self.writes, self.regs = config_writes(
            rmap, _raw_settings(req.config), req.stimulus.acquisition
        )
        self.runs = 0
        self.simulated = 0
        self.mismatches: list[str] = []

    # -- time ----------------------------------------------------------------------------
    def cycle_of(self, t_us: float) -> int:
        """First clock edge at or after ``t_us``."""
        return math.ceil(t_us * self.hz / 1e6 - _EPS)

    def us(self, cycle: float) -> float:
        """Time of clock edge ``cycle`` in µs."""
        return cycle * 1e6 / self.hz

    def raw(self, feature: str, **sel: str) -> int:
        """Configured raw value of a feature."""
        return self.regs.get_raw(feature, **sel)

    def frame_period(self) -> int:
        """The frame period P (cycles) of the configuration."""
        img = self.imaging
        geo = img.geometry(
            self.raw("Width"),
            self.raw("Height"),
            self.raw("OffsetX"),
            self.raw("OffsetY"),
            self.raw("PixelFormat"),
        )
        tx = img.transfer(geo.payload_size, self.raw("DeviceLinkThroughputLimit"))
        p = max(self.raw("ExposureTime"), img.readout(geo.height), tx)
        if self.raw("AcquisitionFrameRateEnable"):
            p = max(p, self.raw("AcquisitionFrameRate"))
        return p

    # -- running -------------------------------------------------------------------------
    def run(self, pin_edges_us: list[tuple[float, int]], last_us: float | None = None) -> SimResult:
        """Run the configured scenario with Line1 pin edges ``(µs, level)``."""
        line1: list[tuple[int, int]] = []
        level = 0
        for t_us, lv in pin_edges_us:
            c = self.cycle_of(t_us)
            if line1 and line1[-1][0] == c:
                line1.pop()  # two edges in one cycle: the pin never shows the first level
                level = line1[-1][1] if line1 else 0
            if lv != level:
                line1.append((c, lv))
                level = lv
        stim = self.req.stimulus
        if stim.duration_us is not None:
            cycles = self.cycle_of(stim.duration_us)
        else:
            last = max([c for c, _ in line1] + [0]) if last_us is None else self.cycle_of(last_us)
            delay = max(self.raw("TriggerDelay", TriggerSelector=s) for s in _TRIGGER_SELECTORS)
            cycles = last + delay + 2 * self.frame_period() + self.cycle_of(1000.0)
        sc = Scenario(cycles, tuple(self.writes), tuple(line1))
        result = self.backend(self.rmap, sc)
        self.runs += 1
        self.simulated += result.cycles
        mismatch = result.extra.get("mismatch")
        if mismatch:
            self.mismatches.append(f"run {self.runs}: {mismatch}")
        return result


_TRIGGER_SELECTORS = ("FrameStart", "AcquisitionStart")


def _raw_settings(config: tuple[Setting, ...]) -> list[tuple[str, str | None, int]]:
    return [(s.feature, s.selector, s.raw) for s in config]


# ---------------------------------------------------------------------------------------------
# Stimulus
# ---------------------------------------------------------------------------------------------


def _phase_shifted(line: LineStimulus, phases: int, hz: int) -> list[tuple[float, int]]:
    """Stimulus edges ``(µs, level)``; pulse ``i`` shifted by ``(i mod phases)/phases`` cycle."""
    out = []
    for i, t in enumerate(line.edges()):
        shift = ((i // 2) % phases) / phases * 1e6 / hz if phases > 1 else 0.0
        out.append((t + shift, 1 - i % 2))
    return out


def _line1_edges(
    stim: Stimulus, hz: int, edges: list[tuple[float, int]] | None = None
) -> tuple[list[tuple[float, int]], list[tuple[float, int]]]:
    """``(pin edges, input threshold crossings)`` in µs for the Line1 stimulus."""
    line = stim.line1
    assert line is not None
    src = edges if edges is not None else _phase_shifted(line, stim.phases, hz)
    if not line.is_voltage:
        return src, src
    lo, hi, ramp = line.low_v, float(line.high_v), line.ramp_us  # type: ignore[arg-type]
    points = [(0.0, lo)]
    level = 0
    for t, lv in src:
        if lv == level:
            continue
        a, b = (lo, hi) if lv else (hi, lo)
        points += [(t, a), (t + ramp, b)]
        level = lv
    points.append((points[-1][0] + ramp + 1.0, points[-1][1]))
    logic = line1_logic_from_points(points, initial_level=0)
    pins = [(e.time_us, e.level) for e in logic.edges]
    inputs = [(e.threshold_us, e.level) for e in logic.edges]
    return pins, inputs


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def opto_edges(
    pin_edges_us: list[tuple[float, int]], pullup_v: float
) -> list[dict[str, float | bool | None]]:
    """Per Line0 pin edge: the external crossing (90 % rising, 10 % falling), tR/tF, delay."""
    if not pin_edges_us:
        return []
    times = [t for t, _ in pin_edges_us]
    wf = line0_waveform(times, pullup_v, initial_level=1 - pin_edges_us[0][1])
    out: list[dict[str, float | bool | None]] = []
    lo, hi = 0.1 * pullup_v, 0.9 * pullup_v
    for i, (e, level) in enumerate(pin_edges_us):
        end = times[i + 1] if i + 1 < len(times) else e + 2000.0
        end = min(end, e + 2000.0)
        t = np.linspace(e, end, max(2, int((end - e) / 0.005) + 1))
        v = wf.voltage_at(t)
        rising = level == 1
        final_lv, first_lv = (hi, lo) if rising else (lo, hi)
        t_final = _first_crossing(t, v, final_lv, rising)
        t_first = _last_crossing(t, v, first_lv, rising, t_final)
        out.append(
            {
                "pin_us": e,
                "rising": rising,
                "cross_us": t_final,
                "transition_us": None if t_final is None or t_first is None else t_final - t_first,
                "delay_us": None if t_final is None else t_final - e,
            }
        )
    return out


def _first_crossing(t: np.ndarray, v: np.ndarray, level: float, up: bool) -> float | None:
    a, b = v[:-1], v[1:]
    idx = np.flatnonzero((a < level) & (b >= level) if up else (a > level) & (b <= level))
    if idx.size == 0:
        return None
    i = int(idx[0])
    return float(t[i] + (level - a[i]) / (b[i] - a[i]) * (t[i + 1] - t[i]))


def _last_crossing(
    t: np.ndarray, v: np.ndarray, level: float, up: bool, before: float | None
) -> float | None:
    if before is None:
        return None
    a, b = v[:-1], v[1:]
    idx = np.flatnonzero((a < level) & (b >= level) if up else (a > level) & (b <= level))
    best = None
    for i in idx:
        tc = float(t[i] + (level - a[i]) / (b[i] - a[i]) * (t[i + 1] - t[i]))
        if tc <= before:
            best = tc
    return best


def _target_times(ctx: _Ctx, sim: SimResult, name: str) -> list[float]:
    """Times (µs) of an output event: ``frame_start``, ``signal.rise``/``.fall``, line0_ext."""
    if name == "frame_start":
        return [ctx.us(c) for c, lv in sim.edges.get("frame_start", []) if lv == 1]
    signal, _, edge = name.partition(".")
    if signal == "line0_ext":
        pins = [(ctx.us(c), lv) for c, lv in sim.edges.get("line0_out", [])]
        want = edge == "rise"
        return [
            float(e["cross_us"])  # type: ignore[arg-type]
            for e in opto_edges(pins, ctx.req.stimulus.line0_pullup_v or 24.0)
            if e["rising"] == want and e["cross_us"] is not None
        ]
    key = "line0_out" if signal == "line0" else signal
    want_level = 1 if edge == "rise" else 0
    return [ctx.us(c) for c, lv in sim.edges.get(key, []) if lv == want_level]


def _from_times(
    name: str, pins: list[tuple[float, int]], inputs: list[tuple[float, int]]
) -> list[float]:
    src = inputs if name.startswith("line1_input") else pins
    want = 1 if name.endswith("rise") else 0
    return [t for t, lv in src if lv == want]


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def _latencies(ctx: _Ctx) -> Measurement:
    p = ctx.req.measure.params
    pins, inputs = _line1_edges(ctx.req.stimulus, ctx.hz)
    sim = ctx.run(pins)
    starts = _from_times(p["from"], pins, inputs)
    ends = _target_times(ctx, sim, p["to"])
    trace = Trace(sim, pins, _window(starts, ends), pullup_v=ctx.req.stimulus.line0_pullup_v)
    if not starts:
        return Measurement(None, note=f"the stimulus has no {p['from']} event", trace=trace)
    if len(ends) < len(starts):
        return Measurement(
            None,
            note=f"only {len(ends)} of {len(starts)} {p['from']} events produced {p['to']}",
            trace=trace,
        )
    lat = [b - a for a, b in zip(starts, ends, strict=False)]
    if min(lat) < 0:
        return Measurement(None, note=f"{p['to']} happened before {p['from']}", trace=trace)
    trace.marks.append((starts[0], ends[0], f"{lat[0]:.6g} µs"))
    details = {
        "min_us": min(lat),
        "max_us": max(lat),
        "mean_us": sum(lat) / len(lat),
        "events": len(lat),
    }
    if ctx.req.measure.kind == "jitter":
        value = max(lat) - min(lat)
    else:
        value = {"max": max, "min": min, "mean": lambda x: sum(x) / len(x)}[p["stat"]](lat)
    return Measurement(value, lat, trace=trace, details=details)


def _window(starts: list[float], ends: list[float]) -> tuple[float, float]:
    if not starts:
        return (0.0, 100.0)
    a = starts[0]
    b = ends[0] if ends else a + 100.0
    span = max(b - a, 1e-3)
    return (a - 0.15 * span, b + 0.3 * span)


def _count_events(ctx: _Ctx, sim: SimResult, what: str) -> int:
    if what == "frames":
        return len(_target_times(ctx, sim, "frame_start"))
    if what == "lost_triggers":
        return len(sim.event_cycles("trigger_lost"))
    if what == "overtriggers":
        return len(sim.event_cycles("overtrigger"))
    return len(_target_times(ctx, sim, what))


def _count(ctx: _Ctx) -> Measurement:
    stim = ctx.req.stimulus
    pins = _line1_edges(stim, ctx.hz)[0] if stim.line1 else []
    sim = ctx.run(pins)
    n = _count_events(ctx, sim, ctx.req.measure.params["of"])
    span_end = ctx.us(sim.cycles)
    first = pins[0][0] if pins else 0.0
    window = (max(0.0, first - 0.05 * (span_end - first)), span_end)
    return Measurement(
        float(n),
        [float(n)],
        trace=Trace(sim, pins, window),
        details={
            "frames": _count_events(ctx, sim, "frames"),
            "lost_triggers": _count_events(ctx, sim, "lost_triggers"),
            "overtriggers": _count_events(ctx, sim, "overtriggers"),
        },
    )


def _rate(ctx: _Ctx) -> Measurement:
    p = ctx.req.measure.params
    stim = ctx.req.stimulus
    pins = _line1_edges(stim, ctx.hz)[0] if stim.line1 else []
    sim = ctx.run(pins)
    times = [t for t in _target_times(ctx, sim, p["of"]) if t >= p["after_us"]]
    end = times[min(len(times) - 1, 8)] if times else ctx.us(sim.cycles)
    trace = Trace(sim, pins, (times[0] - 50.0 if times else 0.0, end + 50.0))
    if len(times) < 2:
        return Measurement(
            None, note=f"fewer than 2 {p['of']} events after {p['after_us']:g} µs", trace=trace
        )
    value = (len(times) - 1) / (times[-1] - times[0]) * 1e6
    return Measurement(value, [value], trace=trace, details={"events": len(times)})


def _pulse_edges(
    ctx: _Ctx, start_us: float, width_c: int, period_c: int, count: int
) -> list[tuple[float, int]]:
    c0 = ctx.cycle_of(start_us)
    out = []
    for i in range(count):
        a = c0 + i * period_c
        out += [(ctx.us(a), 1), (ctx.us(a + width_c), 0)]
    return out


def _search(lo: int, hi: int, ok: Any) -> int | None:
    """Smallest integer in ``[lo, hi]`` with ``ok`` true (``ok`` monotone), or None."""
    if not ok(hi):
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _min_pulse_width(ctx: _Ctx) -> Measurement:
    p = ctx.req.measure.params
    pulses = ctx.req.stimulus.line1.pulses  # type: ignore[union-attr]
    assert pulses is not None
    period_c = ctx.cycle_of(pulses.period_us)
    lo, hi = (max(1, ctx.cycle_of(x)) for x in p["search"])
    hi = min(hi, period_c - 1)
    runs: dict[int, SimResult] = {}

    def passes(w: int) -> bool:
        sim = ctx.run(
            _line1_edges(
                ctx.req.stimulus,
                ctx.hz,
                _pulse_edges(ctx, pulses.start_us, w, period_c, pulses.count),
            )[0]
        )
        runs[w] = sim
        return len(_target_times(ctx, sim, p["passes"])) >= pulses.count

    w = _search(lo, hi, passes)
    if w is None:
        return Measurement(None, note=f"no pulse up to {ctx.us(hi):g} µs makes {p['passes']}")
    pins = _line1_edges(
        ctx.req.stimulus, ctx.hz, _pulse_edges(ctx, pulses.start_us, w, period_c, pulses.count)
    )[0]
    sim = runs[w]
    start = pins[0][0]
    ends = _target_times(ctx, sim, p["passes"])
    trace = Trace(sim, pins, _window([start], ends))
    trace.marks.append((pins[0][0], pins[1][0], f"width {ctx.us(w):.6g} µs"))
    note = "passes at the start of the search range" if w == lo else ""
    return Measurement(
        ctx.us(w),
        [ctx.us(w)],
        note=note,
        trace=trace,
        details={"width_cycles": w, "rejected_cycles": w - 1},
    )


def _max_trigger_rate(ctx: _Ctx) -> Measurement:
    p = ctx.req.measure.params
    pulses = ctx.req.stimulus.line1.pulses  # type: ignore[union-attr]
    assert pulses is not None
    n = p["triggers"]
    width_c = max(1, ctx.cycle_of(pulses.width_us))
    lo, hi = (max(width_c + 1, ctx.cycle_of(x)) for x in p["search"])
    runs: dict[int, SimResult] = {}

    def ok(period: int) -> bool:
        sim = ctx.run(_pulse_edges(ctx, pulses.start_us, width_c, period, n))
        runs[period] = sim
        return (
            _count_events(ctx, sim, "overtriggers") == 0 and _count_events(ctx, sim, "frames") == n
        )

    best = _search(lo, hi, ok)
    if best is None:
        return Measurement(None, note=f"even a period of {ctx.us(hi):g} µs overtriggers")
    pins = _pulse_edges(ctx, pulses.start_us, width_c, best, n)
    sim = runs[best]
    starts = [t for t, lv in pins if lv == 1]
    trace = Trace(
        sim, pins, (starts[0] - 0.1 * ctx.us(best), starts[min(2, n - 1)] + 0.5 * ctx.us(best))
    )
    trace.marks.append((starts[0], starts[1] if n > 1 else starts[0], f"{ctx.us(best):.7g} µs"))
    value = ctx.hz / best
    return Measurement(
        value,
        [value],
        trace=trace,
        details={"period_cycles": best, "overtriggers_at_period_minus_1": best > lo},
    )


def _opto(ctx: _Ctx) -> Measurement:
    stim = ctx.req.stimulus
    fig = ctx.req.measure.params["figure"]
    pins = _line1_edges(stim, ctx.hz)[0] if stim.line1 else []
    sim = ctx.run(pins)
    out_pins = [(ctx.us(c), lv) for c, lv in sim.edges.get("line0_out", [])]
    edges = opto_edges(out_pins, stim.line0_pullup_v or 24.0)
    rising = fig in ("tR", "tDR")
    key = "transition_us" if fig in ("tR", "tF") else "delay_us"
    vals = [float(e[key]) for e in edges if e["rising"] == rising and e[key] is not None]  # type: ignore[arg-type]
    first = next((e for e in edges if e["rising"] == rising), None)
    window = (0.0, 100.0)
    trace_marks = []
    if first is not None:
        e0 = float(first["pin_us"])  # type: ignore[arg-type]
        window = (e0 - 20.0, e0 + 3 * max(40.0, vals[0] if vals else 40.0))
        if first["cross_us"] is not None:
            trace_marks.append((e0, float(first["cross_us"]), fig))  # type: ignore[arg-type]
    trace = Trace(sim, pins, window, trace_marks, stim.line0_pullup_v)
    if not vals:
        return Measurement(None, note=f"no Line0 edge with a measurable {fig}", trace=trace)
    return Measurement(sum(vals) / len(vals), vals, trace=trace, details={"edges": len(vals)})


def _electrical(ctx: _Ctx) -> Measurement:
    """An electrical figure of Line1/Line2, probed on the electrical model (no simulation)."""
    from .electrical import FIGURES, manual_value, probe

    p = ctx.req.measure.params
    fig = FIGURES[p["figure"]]
    value = probe(p["figure"], p["variant"])
    details = {
        "line": p["line"],
        "figure": p["figure"],
        "variant": p["variant"],
        "what": fig.title,
        "manual": manual_value(p["figure"], p["variant"]),
    }
    if value is None:
        note = f"the model's verdict does not change between {fig.lo:g} and {fig.hi:g}"
        return Measurement(None, note=note, details=details)
    return Measurement(value, [value], details=details)


_MEASURES = {
    "latency": _latencies,
    "jitter": _latencies,
    "count": _count,
    "rate": _rate,
    "min_pulse_width": _min_pulse_width,
    "max_trigger_rate": _max_trigger_rate,
    "opto_output": _opto,
    "electrical": _electrical,
}


def evaluate(rmap: RegisterMap, req: Requirement, backend: Backend = run_model) -> Result:
    """Measure one requirement on ``backend`` and judge it against its bound."""
    ctx = _Ctx(rmap, req, backend)
    m = _MEASURES[req.measure.kind](ctx)
    m.runs, m.simulated = ctx.runs, ctx.simulated
    m.mismatches = ctx.mismatches
    if m.value is None:
        return Result(req, m, False, None)
    # A latency must hold for every sample, whatever statistic is reported.
    samples = m.samples if req.measure.kind == "latency" and m.samples else [m.value]
    margin = min(req.bound.margin(x) for x in samples)
    # Measurements are exact up to float rounding: a margin within it counts as zero.
    if abs(margin) <= 1e-9 * max(1.0, abs(m.value)):
        margin = 0.0
    passed = margin >= 0
    return Result(req, m, passed, margin)
