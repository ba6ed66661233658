"""Electrical model of the opto-isolated I/O lines: Line0 output waveform, Line1 input logic.

All datasheet numbers come from ``firmware_model/data/opto_io.yaml`` (see ``docs/electrical.md``).
Times are in microseconds, voltages in volts. This module is outside the clock domain; use
:func:`us_to_cycles` / :func:`levels_per_cycle` to feed the cycle-level behavioural model and
:func:`pin_edges_from_levels` to turn its ``pin_out`` trace into Line0 pin edges.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import yaml

__all__ = [
    "DEFAULT_DATA_PATH",
    "EdgeMeasurement",
    "Line1Issue",
    "Line1Result",
    "LogicEdge",
    "OptoIOData",
    "OptoOutputWaveform",
    "OptoTiming",
    "Transition",
    "levels_per_cycle",
    "line0_timing",
    "line0_waveform",
    "line1_logic",
    "line1_logic_from_points",
    "load_opto_data",
    "measure_edges",
    "measure_timing",
    "pin_edges_from_levels",
    "us_to_cycles",
]

DEFAULT_DATA_PATH = Path(__file__).resolve().parent / "data" / "opto_io.yaml"

# Shape constants of a first-order exponential (not datasheet data): a step response
# v = 1 - exp(-s / tau) reaches 10 % at s = tau*ln(10/9) and 90 % at s = tau*ln(10), so its
# 10-90 % time is tau*ln(9).
_LN9 = math.log(9.0)
_LN10 = math.log(10.0)

# Guard against accidental huge allocations in OptoOutputWaveform.sample().
_MAX_SAMPLES = 50_000_000


# --------------------------------------------------------------------------------------------
# Data file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptoTiming:
    """Table 3-4 style figures in µs: rise/fall time and rising/falling-edge delay."""

    tr_us: float
    tf_us: float
    tdr_us: float
    tdf_us: float


@dataclass(frozen=True)
class OptoIOData:
    """Contents of the opto I/O data file (Line0 Table 3-4 and limits, Line1 thresholds)."""

    source: str
    timing_source: str
    table_v: tuple[float, ...]
    table: tuple[OptoTiming, ...]
    recommended_pullup_ohm: dict[float, float]
    current_continuous_ma: float
    current_absolute_max_ma: float
    logic0_max_v: float
    logic1_above_v: float
    safe_min_v: float
    safe_max_v: float
    absolute_max_v: float
    input_delay_rise_us: float
    input_delay_fall_us: float
    input_delay_source: str
    unstable_low_v: float
    unstable_high_v: float
    sink_min_ma: float
    sink_max_ma: float
    sink_absolute_max_ma: float
    variants: dict[str, tuple[str, dict[str, float]]]  # name -> (description, limits)
    variant: str = "standard"
    variant_description: str = ""

    @property
    def pullup_v_min(self) -> float:
        """Lowest pull-up voltage of the timing table."""
        return self.table_v[0]

    @property
    def pullup_v_max(self) -> float:
        """Highest pull-up voltage of the timing table."""
        return self.table_v[-1]


def _number(node: object, where: str, data: str = "opto I/O data") -> float:
    """A finite number from the data file ``data``, or ValueError naming where it is."""
    if isinstance(node, bool) or not isinstance(node, int | float) or not math.isfinite(node):
        raise ValueError(f"{data}: {where} must be a finite number, not {node!r}")
    return float(node)


def _get(node: object, key: str, where: str, data: str = "opto I/O data") -> object:
    """``node[key]`` of a mapping from the data file ``data``, or ValueError naming the key."""
    if not isinstance(node, dict) or key not in node:
        raise ValueError(f"{data}: missing key {where}.{key}")
    return node[key]


def _parse(doc: object) -> OptoIOData:
    """Validate the parsed YAML document and build :class:`OptoIOData`."""
    src = _get(doc, "source", "<root>")
    out = _get(doc, "line0_opto_output", "<root>")
    inp = _get(doc, "line1_opto_input", "<root>")
    rows = _get(out, "timing_us", "line0_opto_output")
    if not isinstance(rows, list) or len(rows) < 2:
        raise ValueError("opto I/O data: line0_opto_output.timing_us needs at least two rows")
    table_v: list[float] = []
    table: list[OptoTiming] = []
    for i, row in enumerate(rows):
        where = f"line0_opto_output.timing_us[{i}]"
        table_v.append(_number(_get(row, "pullup_v", where), f"{where}.pullup_v"))
        figs = [_number(_get(row, k, where), f"{where}.{k}") for k in ("tr", "tf", "tdr", "tdf")]
        if min(figs) <= 0:
            raise ValueError(f"opto I/O data: {where} times must be positive, not {figs}")
        table.append(OptoTiming(*figs))
    if any(b <= a for a, b in itertools.pairwise(table_v)):
        raise ValueError(f"opto I/O data: timing_us pull-up voltages must increase, not {table_v}")
    rec_rows = _get(
        _get(out, "recommended_pullup_ohm", "line0_opto_output"),
        "by_voltage",
        "line0_opto_output.recommended_pullup_ohm",
    )
    if not isinstance(rec_rows, list):
        raise ValueError("opto I/O data: recommended_pullup_ohm.by_voltage must be a list")
    rec = {
        _number(_get(r, "pullup_v", "by_voltage"), "by_voltage.pullup_v"): _number(
            _get(r, "ohm", "by_voltage"), "by_voltage.ohm"
        )
        for r in rec_rows
    }
    cur = _get(out, "current_limit_ma", "line0_opto_output")
    delay = _get(inp, "propagation_delay_us", "line1_opto_input")
    w = "line1_opto_input"
    band = _get(inp, "unstable_band_v", w)
    sink = _get(inp, "sink_current_ma", w)
    data = OptoIOData(
        source=str(_get(src, "document", "source")).strip(),
        timing_source=str(_get(out, "timing_source", "line0_opto_output")),
        table_v=tuple(table_v),
        table=tuple(table),
        recommended_pullup_ohm=rec,
        current_continuous_ma=_number(_get(cur, "continuous", "current_limit_ma"), "continuous"),
        current_absolute_max_ma=_number(
            _get(cur, "absolute_max", "current_limit_ma"), "absolute_max"
        ),
        logic0_max_v=_number(_get(inp, "logic0_max_v", w), f"{w}.logic0_max_v"),
        logic1_above_v=_number(_get(inp, "logic1_above_v", w), f"{w}.logic1_above_v"),
        safe_min_v=_number(_get(inp, "safe_min_v", w), f"{w}.safe_min_v"),
        safe_max_v=_number(_get(inp, "safe_max_v", w), f"{w}.safe_max_v"),
        absolute_max_v=_number(_get(inp, "absolute_max_v", w), f"{w}.absolute_max_v"),
        input_delay_rise_us=_number(_get(delay, "rising", w), f"{w}.propagation_delay_us.rising"),
        input_delay_fall_us=_number(_get(delay, "falling", w), f"{w}.propagation_delay_us.falling"),
        input_delay_source=str(_get(delay, "source", f"{w}.propagation_delay_us")),
        unstable_low_v=_number(
            _get(band, "low", f"{w}.unstable_band_v"), f"{w}.unstable_band_v.low"
        ),
        unstable_high_v=_number(
            _get(band, "high", f"{w}.unstable_band_v"), f"{w}.unstable_band_v.high"
        ),
        sink_min_ma=_number(_get(sink, "min", f"{w}.sink_current_ma"), f"{w}.sink_current_ma.min"),
        sink_max_ma=_number(_get(sink, "max", f"{w}.sink_current_ma"), f"{w}.sink_current_ma.max"),
        sink_absolute_max_ma=_number(
            _get(sink, "absolute_max", f"{w}.sink_current_ma"), f"{w}.sink_current_ma.absolute_max"
        ),
        variants=_variants(inp.get("variants", {}) if isinstance(inp, dict) else {}),
    )
    _check_line1(data)
    if not 0 <= data.sink_min_ma <= data.sink_max_ma <= data.sink_absolute_max_ma:
        raise ValueError(
            "opto I/O data: Line1 sink currents must satisfy 0 <= min <= max <= absolute_max"
        )
    if not data.unstable_low_v < data.unstable_high_v:
        raise ValueError("opto I/O data: Line1 unstable_band_v needs low < high")
    for name in data.variants:
        _check_line1(_with_variant(data, name))
    if data.input_delay_rise_us < 0 or data.input_delay_fall_us < 0:
        raise ValueError("opto I/O data: Line1 propagation delays must be >= 0 µs")
    for v, t in zip(data.table_v, data.table, strict=True):
        _dead_times(t, v)  # the exponential shape must fit every table row
    return data


_VARIANT_KEYS = ("safe_min_v", "safe_max_v", "absolute_max_v")


def _variants(node: object) -> dict[str, tuple[str, dict[str, float]]]:
    """The ``line1_opto_input.variants`` mapping: name -> (description, voltage limits)."""
    if not isinstance(node, dict):
        raise ValueError("opto I/O data: line1_opto_input.variants must be a mapping")
    out: dict[str, tuple[str, dict[str, float]]] = {}
    for name, body in node.items():
        where = f"line1_opto_input.variants.{name}"
        if not isinstance(body, dict):
            raise ValueError(f"opto I/O data: {where} must be a mapping")
        unknown = set(body) - {*_VARIANT_KEYS, "description"}
        if unknown:
            raise ValueError(f"opto I/O data: {where} has unknown keys {sorted(unknown)}")
        limits = {k: _number(body[k], f"{where}.{k}") for k in _VARIANT_KEYS if k in body}
        out[str(name)] = (str(body.get("description", "")), limits)
    return out


def _with_variant(data: OptoIOData, variant: str) -> OptoIOData:
    """``data`` with a hardware variant's Line1 voltage limits."""
    import dataclasses

    if variant == "standard":
        return data
    if variant not in data.variants:
        names = ", ".join(["standard", *data.variants])
        raise ValueError(f"hardware variant must be one of {names}, not {variant!r}")
    desc, limits = data.variants[variant]
    return dataclasses.replace(data, variant=variant, variant_description=desc, **limits)


def _check_line1(data: OptoIOData) -> None:
    if not (
        data.safe_min_v
        < data.logic0_max_v
        < data.logic1_above_v
        <= data.safe_max_v
        <= data.absolute_max_v
    ):
        raise ValueError(
            f"opto I/O data ({data.variant}): Line1 levels must satisfy safe_min_v < "
            "logic0_max_v < logic1_above_v <= safe_max_v <= absolute_max_v"
        )


@cache
def _load_cached(path: Path, variant: str) -> OptoIOData:
    """Parse and validate one data file (cached per path and variant)."""
    with path.open(encoding="utf-8") as fh:
        return _with_variant(_parse(yaml.safe_load(fh)), variant)


def load_opto_data(path: str | Path | None = None, variant: str = "standard") -> OptoIOData:
    """Load the opto I/O data file (default: the bundled ``data/opto_io.yaml``).

    ``variant`` selects a hardware variant's Line1 voltage limits (``"legacy-29mm"``: the early
    29 x 29 x 42 mm model, 25 V maximum and 0-18 V safe); ``"standard"`` is the current model.
    """
    if not isinstance(variant, str):
        raise ValueError(f"hardware variant must be a string, not {variant!r}")
    return _load_cached(Path(path).resolve() if path is not None else DEFAULT_DATA_PATH, variant)


# --------------------------------------------------------------------------------------------
# Line0: opto-isolated output
# --------------------------------------------------------------------------------------------


def _check_finite(value: object, what: str, unit: str) -> float:
    """Return ``value`` as float, or ValueError if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number of {unit}, not {value!r}")
    return float(value)


def _check_level(level: int, what: str) -> int:
    """Return a logic level 0/1, or ValueError."""
    if level not in (0, 1) or isinstance(level, float):
        raise ValueError(f"{what} must be 0 or 1, not {level!r}")
    return int(level)


def _check_edges(pin_edges_us: Sequence[float]) -> tuple[float, ...]:
    """Pin edge times as floats, or ValueError unless finite and strictly increasing."""
    edges = tuple(_check_finite(e, "pin edge time", "µs") for e in pin_edges_us)
    for i in range(1, len(edges)):
        if edges[i] <= edges[i - 1]:
            raise ValueError(
                f"pin edge times must strictly increase: edge {i} at {edges[i]} µs is not after "
                f"edge {i - 1} at {edges[i - 1]} µs"
            )
    return edges


def line0_timing(pullup_v: float, data: OptoIOData | None = None) -> OptoTiming:
    """Table 3-4 figures at ``pullup_v``, linearly interpolated between table voltages."""
    data = data or load_opto_data()
    v = _check_finite(pullup_v, "pull-up voltage", "volts")
    lo, hi = data.pullup_v_min, data.pullup_v_max
    if not lo <= v <= hi:
        raise ValueError(f"pull-up voltage must be within {lo:g}–{hi:g} V, not {v} V")
    xs = data.table_v

    def interp(field: str) -> float:
        return float(np.interp(v, xs, [getattr(t, field) for t in data.table]))

    return OptoTiming(interp("tr_us"), interp("tf_us"), interp("tdr_us"), interp("tdf_us"))


def _dead_times(t: OptoTiming, pullup_v: float) -> tuple[float, float]:
    """Dead times (rising, falling) in µs before the exponential starts, or ValueError."""
    dr = t.tdr_us - t.tr_us * _LN10 / _LN9
    df = t.tdf_us - t.tf_us * _LN10 / _LN9
    if dr < 0 or df < 0:
        raise ValueError(
            f"opto I/O data at {pullup_v:g} V: the edge delays (tDR {t.tdr_us} µs, tDF "
            f"{t.tdf_us} µs) are too short for the rise/fall times (tR {t.tr_us} µs, tF "
            f"{t.tf_us} µs) with an exponential edge"
        )
    return dr, df


@dataclass(frozen=True)
class Transition:
    """One exponential segment of the Line0 waveform, caused by one FPGA pin edge."""

    pin_edge_us: float
    rising: bool
    start_us: float
    v_start: float
    v_target: float
    tau_us: float


@dataclass(frozen=True)
class OptoOutputWaveform:
    """External Line0 voltage produced by a sequence of FPGA pin edges (see docs/electrical.md)."""

    pullup_v: float
    timing: OptoTiming
    initial_level: int
    pin_edges_us: tuple[float, ...]
    transitions: tuple[Transition, ...]
    suppressed_edges_us: tuple[float, ...]
    pullup_current_ma: float | None

    @property
    def v_initial(self) -> float:
        """Settled voltage before the first transition."""
        return self.pullup_v * self.initial_level

    def voltage_at(self, t_us: npt.ArrayLike) -> np.ndarray:
        """External voltage at the given times (µs), as a float array of the same shape."""
        t = np.asarray(t_us, dtype=float)
        if not np.all(np.isfinite(t)):
            raise ValueError("sample times must be finite")
        if not self.transitions:
            return np.full(t.shape, self.v_initial)
        starts = np.array([tr.start_us for tr in self.transitions])
        v0 = np.array([tr.v_start for tr in self.transitions])
        vt = np.array([tr.v_target for tr in self.transitions])
        tau = np.array([tr.tau_us for tr in self.transitions])
        idx = np.searchsorted(starts, t, side="right") - 1
        k = np.clip(idx, 0, None)
        out = vt[k] + (v0[k] - vt[k]) * np.exp(-np.clip(t - starts[k], 0.0, None) / tau[k])
        return np.where(idx < 0, self.v_initial, out)

    def sample(
        self, t_start_us: float, t_stop_us: float, dt_us: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Uniform samples ``(t_us, volts)`` from ``t_start_us`` to ``t_stop_us`` inclusive."""
        t0 = _check_finite(t_start_us, "sampling start", "µs")
        t1 = _check_finite(t_stop_us, "sampling stop", "µs")
        dt = _check_finite(dt_us, "sampling step", "µs")
        if dt <= 0:
            raise ValueError(f"sampling step must be positive, not {dt} µs")
        if t1 <= t0:
            raise ValueError(f"sampling stop ({t1} µs) must be after the start ({t0} µs)")
        n = math.floor((t1 - t0) / dt + 1e-9) + 1
        if n > _MAX_SAMPLES:
            raise ValueError(
                f"sampling {t0}–{t1} µs every {dt} µs gives {n} samples, more than "
                f"{_MAX_SAMPLES}; use a larger step"
            )
        t = t0 + dt * np.arange(n)
        return t, self.voltage_at(t)


def line0_waveform(
    pin_edges_us: Sequence[float],
    pullup_v: float,
    *,
    initial_level: int = 0,
    pullup_ohm: float | None = None,
    data: OptoIOData | None = None,
) -> OptoOutputWaveform:
    """External Line0 waveform for pin edge times (µs) alternating from ``initial_level``."""
    data = data or load_opto_data()
    level = _check_level(initial_level, "initial pin level")
    timing = line0_timing(pullup_v, data)
    v = float(pullup_v)
    current_ma = None
    if pullup_ohm is not None:
        r = _check_finite(pullup_ohm, "pull-up resistance", "ohms")
        if r <= 0:
            raise ValueError(f"pull-up resistance must be positive, not {r:g} Ω")
        current_ma = v / r * 1e3
        if current_ma > data.current_continuous_ma:
            raise ValueError(
                f"Line0 current {current_ma:.1f} mA ({v:g} V / {r:g} Ω) exceeds the "
                f"{data.current_continuous_ma:g} mA continuous limit "
                f"({data.current_absolute_max_ma:g} mA absolute maximum); use at least "
                f"{v / data.current_continuous_ma * 1e3:.0f} Ω"
            )
    edges = _check_edges(pin_edges_us)
    dr, df = _dead_times(timing, v)
    tau_r, tau_f = timing.tr_us / _LN9, timing.tf_us / _LN9
    # Each pin edge starts an exponential toward its target after its dead time. A transition
    # whose start is not before that of a later edge's transition never happens (superseded).
    events = []
    for i, e in enumerate(edges):
        rising = (level + i) % 2 == 0
        events.append((e, rising, e + (dr if rising else df)))
    kept: list[tuple[float, bool, float]] = []
    suppressed: list[float] = []
    earliest_later = math.inf
    for ev in reversed(events):
        if ev[2] < earliest_later:
            kept.append(ev)
            earliest_later = ev[2]
        else:
            suppressed.append(ev[0])
    kept.reverse()
    suppressed.reverse()
    transitions: list[Transition] = []
    v_now = v * level
    prev: Transition | None = None
    for e, rising, start in kept:
        if prev is not None:
            v_now = prev.v_target + (prev.v_start - prev.v_target) * math.exp(
                -(start - prev.start_us) / prev.tau_us
            )
        prev = Transition(e, rising, start, v_now, v if rising else 0.0, tau_r if rising else tau_f)
        transitions.append(prev)
    return OptoOutputWaveform(
        pullup_v=v,
        timing=timing,
        initial_level=level,
        pin_edges_us=edges,
        transitions=tuple(transitions),
        suppressed_edges_us=tuple(suppressed),
        pullup_current_ma=current_ma,
    )


# --------------------------------------------------------------------------------------------
# Measurement of a sampled waveform
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeMeasurement:
    """10 %/90 % crossings after one pin edge; ``None`` where the waveform has no crossing."""

    pin_edge_us: float
    rising: bool
    t10_us: float | None
    t90_us: float | None
    transition_us: float | None  # tR (rising) or tF (falling)
    delay_us: float | None  # tDR (rising: pin -> 90 %) or tDF (falling: pin -> 10 %)


def _as_waveform(t_us: npt.ArrayLike, volts: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validated float arrays of a sampled / piecewise-linear waveform."""
    t = np.asarray(t_us, dtype=float)
    v = np.asarray(volts, dtype=float)
    if t.ndim != 1 or v.ndim != 1 or t.shape != v.shape:
        raise ValueError(
            f"time and voltage must be 1-D arrays of equal length, not shapes {t.shape} and "
            f"{v.shape}"
        )
    if t.size < 2:
        raise ValueError(f"a waveform needs at least 2 points, not {t.size}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(v))):
        raise ValueError("waveform times and voltages must be finite")
    bad = np.flatnonzero(np.diff(t) < 0)
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"waveform times must not decrease: point {i + 1} at {t[i + 1]} µs is before point "
            f"{i} at {t[i]} µs"
        )
    return t, v


def _crossings(t: np.ndarray, v: np.ndarray, level: float, upward: bool) -> np.ndarray:
    """Linearly interpolated times where ``v`` crosses ``level`` in the given direction."""
    a, b = v[:-1], v[1:]
    idx = np.flatnonzero((a < level) & (b >= level) if upward else (a > level) & (b <= level))
    frac = (level - a[idx]) / (b[idx] - a[idx])
    return t[idx] + frac * (t[idx + 1] - t[idx])


def measure_edges(
    t_us: npt.ArrayLike,
    volts: npt.ArrayLike,
    pin_edges_us: Sequence[float],
    *,
    initial_level: int = 0,
    v_low: float | None = None,
    v_high: float | None = None,
) -> tuple[EdgeMeasurement, ...]:
    """Measure tR/tDR or tF/tDF after each pin edge of a sampled waveform (amplitude: min–max)."""
    t, v = _as_waveform(t_us, volts)
    level = _check_level(initial_level, "initial pin level")
    lo = float(v.min()) if v_low is None else _check_finite(v_low, "v_low", "volts")
    hi = float(v.max()) if v_high is None else _check_finite(v_high, "v_high", "volts")
    if hi <= lo:
        raise ValueError(f"waveform amplitude is zero or negative ({lo} V to {hi} V)")
    l10, l90 = lo + 0.1 * (hi - lo), lo + 0.9 * (hi - lo)
    up10, up90 = _crossings(t, v, l10, True), _crossings(t, v, l90, True)
    dn10, dn90 = _crossings(t, v, l10, False), _crossings(t, v, l90, False)
    edges = _check_edges(pin_edges_us)
    out: list[EdgeMeasurement] = []
    for i, e in enumerate(edges):
        rising = (level + i) % 2 == 0
        # Window: from this edge to the next pin edge in the same direction.
        end = edges[i + 2] if i + 2 < len(edges) else math.inf
        # Rising: first 90 % up-crossing, then the last 10 % up-crossing before it.
        # Falling: first 10 % down-crossing, then the last 90 % down-crossing before it.
        final, first = (up90, up10) if rising else (dn10, dn90)
        cand = final[(final >= e) & (final < end)]
        if cand.size == 0:
            out.append(EdgeMeasurement(e, rising, None, None, None, None))
            continue
        t_final = float(cand[0])
        pre = first[(first >= e) & (first <= t_final)]
        t_first = float(pre[-1]) if pre.size else None
        trans = None if t_first is None else t_final - t_first
        t10, t90 = (t_first, t_final) if rising else (t_final, t_first)
        out.append(EdgeMeasurement(e, rising, t10, t90, trans, t_final - e))
    return tuple(out)


def measure_timing(
    t_us: npt.ArrayLike,
    volts: npt.ArrayLike,
    pin_edges_us: Sequence[float],
    *,
    initial_level: int = 0,
    v_low: float | None = None,
    v_high: float | None = None,
) -> OptoTiming:
    """tR, tF, tDR, tDF of a sampled waveform: the mean over all edges where each is measured."""
    ms = measure_edges(
        t_us, volts, pin_edges_us, initial_level=initial_level, v_low=v_low, v_high=v_high
    )

    def mean(rising: bool, attr: str, name: str) -> float:
        vals = [getattr(m, attr) for m in ms if m.rising == rising and getattr(m, attr) is not None]
        if not vals:
            kind = "rising" if rising else "falling"
            raise ValueError(f"no {kind} edge of the waveform has a measurable {name}")
        return float(np.mean(vals))

    return OptoTiming(
        mean(True, "transition_us", "tR"),
        mean(False, "transition_us", "tF"),
        mean(True, "delay_us", "tDR"),
        mean(False, "delay_us", "tDF"),
    )


# --------------------------------------------------------------------------------------------
# Line1: opto-isolated input
# --------------------------------------------------------------------------------------------

IssueKind = Literal["undefined_level", "above_safe_range", "below_safe_range", "unstable_band"]


@dataclass(frozen=True)
class Line1Issue:
    """A Line1 spec violation (undefined band) or warning (outside the safe range, or a dwell
    in the unstable band the manual says to avoid), in µs."""

    kind: IssueKind
    severity: Literal["violation", "warning"]
    start_us: float
    end_us: float
    peak_v: float  # extreme voltage in the interval (max above, min below, max in the band)
    held_level: int | None = None  # undefined_level: the logic value held meanwhile
    entered_from: int | None = None  # undefined_level: logic side it came from (None: start)
    exited_to: int | None = None  # undefined_level: logic side it left to (None: end)

    @property
    def duration_us(self) -> float:
        """Length of the interval in µs."""
        return self.end_us - self.start_us

    @property
    def transit(self) -> bool:
        """True for an undefined-band interval crossed from one logic side to the other."""
        return (
            self.entered_from is not None
            and self.exited_to is not None
            and self.entered_from != self.exited_to
        )

    def describe(self) -> str:
        """One line for a timing report."""
        span = f"{self.start_us:.3f}–{self.end_us:.3f} µs ({self.duration_us:.3f} µs)"
        if self.kind == "undefined_level":
            came = "start" if self.entered_from is None else f"logic {self.entered_from}"
            went = "end" if self.exited_to is None else f"logic {self.exited_to}"
            return (
                f"Line1 violation: level in the undefined band {span}, from {came} to {went}, "
                f"held logic {self.held_level}"
            )
        if self.kind == "unstable_band":
            return (
                f"Line1 warning: {self.peak_v:.2f} V, in the band to avoid (circuit not stable) "
                f"{span}"
            )
        side = "above" if self.kind == "above_safe_range" else "below"
        return f"Line1 warning: {self.peak_v:.2f} V, {side} the safe range, {span}"


@dataclass(frozen=True)
class LogicEdge:
    """An edge of the logic level seen by the FPGA (after the propagation delay)."""

    time_us: float
    level: int  # the new level
    threshold_us: float  # when the input voltage crossed the threshold


@dataclass(frozen=True)
class Line1Result:
    """Logic level of Line1 seen by the FPGA, and the spec issues of the input waveform."""

    initial_level: int
    edges: tuple[LogicEdge, ...]
    issues: tuple[Line1Issue, ...]
    swallowed: tuple[LogicEdge, ...] = ()  # edges cancelled by asymmetric delays

    @property
    def edge_times_us(self) -> tuple[float, ...]:
        """Times of the logic edges (µs), alternating from ``initial_level``."""
        return tuple(e.time_us for e in self.edges)

    @property
    def violations(self) -> tuple[Line1Issue, ...]:
        """Undefined-band intervals."""
        return tuple(i for i in self.issues if i.severity == "violation")

    @property
    def warnings(self) -> tuple[Line1Issue, ...]:
        """Out-of-safe-range intervals."""
        return tuple(i for i in self.issues if i.severity == "warning")

    def edge_cycles(self, clock_hz: float) -> list[int]:
        """Logic edge times as clock cycles, ``round(us * clock_hz / 1e6)``."""
        return us_to_cycles(self.edge_times_us, clock_hz)

    def levels(self, clock_hz: float, n_cycles: int) -> list[int]:
        """The sampled pin level ``pin[t]`` for cycles ``0 .. n_cycles-1``."""
        return levels_per_cycle(self.initial_level, self.edge_cycles(clock_hz), n_cycles)


def _runs(codes: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs ``(code, first, last)`` (inclusive indices) of equal consecutive codes."""
    if codes.size == 0:
        return []
    cut = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate(([0], cut))
    ends = np.concatenate((cut - 1, [codes.size - 1]))
    return [(int(codes[s]), int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def _refine(t: np.ndarray, v: np.ndarray, levels: Sequence[float]) -> tuple[np.ndarray, ...]:
    """Insert the exact crossings of each level into a piecewise-linear waveform."""
    a, b = v[:-1], v[1:]
    keys = [np.arange(t.size, dtype=float)]
    ts, vs = [t], [v]
    for lev in levels:
        idx = np.flatnonzero((a - lev) * (b - lev) < 0)
        frac = (lev - a[idx]) / (b[idx] - a[idx])
        keys.append(idx + frac)
        ts.append(t[idx] + frac * (t[idx + 1] - t[idx]))
        vs.append(np.full(idx.size, lev))
    order = np.argsort(np.concatenate(keys), kind="stable")
    rt = np.concatenate(ts)[order]
    rv = np.concatenate(vs)[order]
    return np.maximum.accumulate(rt), rv  # guard against rounding making time step back


def _elements(
    t: np.ndarray, v: np.ndarray, levels: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The waveform refined at ``levels`` (:func:`_refine`) as elements in time order: point
    0, segment 0-1, point 1, ..., point n-1. Each lies within one band (all crossings are
    points), so its value (a segment's midpoint) classifies it. Returns each element's value,
    start time and end time."""
    rt, rv = _refine(t, v, levels)
    n = rt.size
    mid = np.empty(2 * n - 1)
    mid[0::2], mid[1::2] = rv, 0.5 * (rv[:-1] + rv[1:])
    seg_t0 = np.repeat(rt, 2)[:-1]
    seg_t1 = np.repeat(rt, 2)[1:]
    return mid, seg_t0, seg_t1


def _unstable_dwells(t: np.ndarray, v: np.ndarray, data: OptoIOData) -> list[Line1Issue]:
    """Warnings for each stay in the unstable band (1-1.5 V) that is not an edge passing through.

    A stay is reported when the waveform enters and leaves the band on the same side, or starts
    or ends in it; a monotonic passage from below to above (or back) is an edge, not a stay.
    """
    lo, hi = data.unstable_low_v, data.unstable_high_v
    mid, seg_t0, seg_t1 = _elements(t, v, (lo, hi))
    codes = np.where(mid < lo, -1, np.where(mid > hi, 1, 0))
    runs = _runs(codes)
    out = []
    for k, (code, s, e) in enumerate(runs):
        if code != 0:
            continue
        t_in, t_out = float(seg_t0[s]), float(seg_t1[e])
        before = runs[k - 1][0] if k > 0 else None
        after = runs[k + 1][0] if k + 1 < len(runs) else None
        if t_out <= t_in or (before is not None and after is not None and before != after):
            continue
        out.append(
            Line1Issue(
                kind="unstable_band",
                severity="warning",
                start_us=t_in,
                end_us=t_out,
                peak_v=float(mid[s : e + 1].max()),
            )
        )
    return out


def line1_logic(
    t_us: npt.ArrayLike,
    volts: npt.ArrayLike,
    *,
    initial_level: int = 0,
    rise_delay_us: float | None = None,
    fall_delay_us: float | None = None,
    warn_margin_v: float = 0.0,
    data: OptoIOData | None = None,
) -> Line1Result:
    """Logic level seen by the FPGA from a Line1 voltage waveform (piecewise-linear points)."""
    data = data or load_opto_data()
    t, v = _as_waveform(t_us, volts)
    held0 = _check_level(initial_level, "initial logic level")
    d_rise = data.input_delay_rise_us if rise_delay_us is None else rise_delay_us
    d_fall = data.input_delay_fall_us if fall_delay_us is None else fall_delay_us
    d_rise = _check_finite(d_rise, "rising propagation delay", "µs")
    d_fall = _check_finite(d_fall, "falling propagation delay", "µs")
    if d_rise < 0 or d_fall < 0:
        raise ValueError(f"propagation delays must be >= 0 µs, not {d_rise} / {d_fall} µs")
    over = np.flatnonzero(v > data.absolute_max_v)
    if over.size:
        i = int(over[0])
        raise ValueError(
            f"Line1 input {v[i]:.2f} V at {t[i]:.3f} µs exceeds the "
            f"{data.absolute_max_v:g} V absolute maximum"
        )
    lo, hi = data.logic0_max_v, data.logic1_above_v
    margin = _check_finite(warn_margin_v, "warning margin", "volts")
    if margin < 0:
        raise ValueError(f"warning margin must be >= 0 V, not {margin} V")
    # Safe-range warnings only beyond the margin (for noisy captures); the error is never relaxed.
    warn_lo = data.safe_min_v - margin
    warn_hi = min(data.safe_max_v + margin, data.absolute_max_v)
    # Points count too, so a vertex touching exactly 1.4 V is logic 0 there.
    mid, seg_t0, seg_t1 = _elements(t, v, (warn_lo, lo, hi, warn_hi))
    issues: list[Line1Issue] = []

    # Logic level: 0 at or below lo, 1 above hi, 2 = undefined band (holds the last value).
    logic = np.where(mid <= lo, 0, np.where(mid > hi, 1, 2))
    runs = _runs(logic)
    level = held0 if runs[0][0] == 2 else runs[0][0]
    start_level = level
    raw_edges: list[tuple[float, int]] = []
    for k, (code, s, e) in enumerate(runs):
        if code != 2:
            if code != level:
                raw_edges.append((float(seg_t0[s]), code))
                level = code
            continue
        t_in, t_out = float(seg_t0[s]), float(seg_t1[e])
        if t_out > t_in:
            issues.append(
                Line1Issue(
                    kind="undefined_level",
                    severity="violation",
                    start_us=t_in,
                    end_us=t_out,
                    peak_v=float(mid[s : e + 1].max()),
                    held_level=level,
                    entered_from=runs[k - 1][0] if k > 0 else None,
                    exited_to=runs[k + 1][0] if k + 1 < len(runs) else None,
                )
            )

    # Safe range: warnings for every excursion, even a zero-length one at a vertex.
    safe = np.where(mid > warn_hi, 1, np.where(mid < warn_lo, -1, 0))
    for code, s, e in _runs(safe):
        if code == 0:
            continue
        seg_v = mid[s : e + 1]
        issues.append(
            Line1Issue(
                kind="above_safe_range" if code > 0 else "below_safe_range",
                severity="warning",
                start_us=float(seg_t0[s]),
                end_us=float(seg_t1[e]),
                peak_v=float(seg_v.max() if code > 0 else seg_v.min()),
            )
        )
    issues += _unstable_dwells(t, v, data)
    issues.sort(key=lambda i: (i.start_us, i.kind))

    # Propagation delay; with unequal delays a pulse shorter than their difference would come
    # out with its edges reversed: both its edges are dropped instead.
    edges: list[LogicEdge] = []
    swallowed: list[LogicEdge] = []
    for t_thr, lev in raw_edges:
        edge = LogicEdge(t_thr + (d_rise if lev else d_fall), lev, t_thr)
        if edges and edge.time_us <= edges[-1].time_us:
            swallowed.extend((edges.pop(), edge))
        else:
            edges.append(edge)
    return Line1Result(start_level, tuple(edges), tuple(issues), tuple(swallowed))


def line1_logic_from_points(
    points: Sequence[tuple[float, float]],
    *,
    initial_level: int = 0,
    rise_delay_us: float | None = None,
    fall_delay_us: float | None = None,
    warn_margin_v: float = 0.0,
    data: OptoIOData | None = None,
) -> Line1Result:
    """:func:`line1_logic` for a list of ``(time_us, volts)`` piecewise-linear points."""
    arr = np.asarray(points, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError("points must be a sequence of (time_us, volts) pairs")
    return line1_logic(
        arr[:, 0],
        arr[:, 1],
        initial_level=initial_level,
        rise_delay_us=rise_delay_us,
        fall_delay_us=fall_delay_us,
        warn_margin_v=warn_margin_v,
        data=data,
    )


# --------------------------------------------------------------------------------------------
# Bridges to the cycle-level model
# --------------------------------------------------------------------------------------------


def us_to_cycles(times_us: Sequence[float], clock_hz: float) -> list[int]:
    """Times in µs to clock cycles, ``round(us * clock_hz / 1e6)`` as in docs/semantics.md."""
    hz = _check_finite(clock_hz, "clock frequency", "Hz")
    if hz <= 0:
        raise ValueError(f"clock frequency must be positive, not {hz:g} Hz")
    out = []
    for us in times_us:
        x = _check_finite(us, "edge time", "µs")
        if x < 0:
            raise ValueError(f"edge time must be >= 0 µs to map to a cycle, not {x} µs")
        out.append(round(x * hz / 1e6))
    return out


def levels_per_cycle(initial_level: int, edge_cycles: Sequence[int], n_cycles: int) -> list[int]:
    """Per-cycle level ``pin[t]`` (t < n_cycles) for edges alternating from ``initial_level``."""
    level = _check_level(initial_level, "initial level")
    if n_cycles < 0:
        raise ValueError(f"number of cycles must be >= 0, not {n_cycles}")
    cycles = list(edge_cycles)
    for i in range(1, len(cycles)):
        if cycles[i] < cycles[i - 1]:
            raise ValueError(f"edge cycles must not decrease: {cycles[i]} after {cycles[i - 1]}")
    out: list[int] = []
    k = 0
    for t in range(n_cycles):
        while k < len(cycles) and cycles[k] <= t:
            level ^= 1
            k += 1
        out.append(level)
    return out


def pin_edges_from_levels(levels: Sequence[int], clock_hz: float) -> tuple[int, tuple[float, ...]]:
    """``(initial_level, edge times in µs)`` of a per-cycle pin trace such as Line0 ``pin_out``."""
    hz = _check_finite(clock_hz, "clock frequency", "Hz")
    if hz <= 0:
        raise ValueError(f"clock frequency must be positive, not {hz:g} Hz")
    if not levels:
        raise ValueError("pin trace is empty")
    lv = [_check_level(x, f"pin level at cycle {i}") for i, x in enumerate(levels)]
    edges = tuple(c * 1e6 / hz for c in range(1, len(lv)) if lv[c] != lv[c - 1])
    return lv[0], edges
