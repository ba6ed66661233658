"""Timing-spec files: the typed model and its loader with ``file:line:col`` diagnostics.

A spec (``specs/*.yaml``, format in ``docs/timing.md``) lists named requirements, each with a
configuration (feature values in user units), a stimulus, a measurement and a bound. The loader
checks every name against the register map and reports every error at once, like the
register-map compiler: it reads YAML through :mod:`regmap.yamlsource` (with merge keys) and
:class:`SpecError` is a :class:`regmap.diagnostics.DiagnosticsError`.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from firmware_model import CameraModel, RegisterBank, RegisterFile
from regmap import Access, Interface, RegisterMap, SourceLoc
from regmap.diagnostics import DiagnosticsError, did_you_mean
from regmap.yamlsource import NUMBER_MAX, Context, Invalid, Reader, kind_of, parse, read_source

from .units import (
    BASE_UNIT,
    DIMENSION_UNITS,
    UNITS,
    ExpressionError,
    Quantity,
    evaluate,
    split_unit,
    to_base,
)

__all__ = [
    "Bound",
    "LineStimulus",
    "Measure",
    "Pulses",
    "Requirement",
    "Setting",
    "Spec",
    "SpecError",
    "Stimulus",
    "load_spec",
    "loads_spec",
]

MEASURE_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    # kind: (required keys, optional keys, dimension of the result)
    "latency": (("from", "to"), ("stat",), "time"),
    "jitter": (("from", "to"), (), "time"),
    "min_pulse_width": (("passes",), ("search",), "time"),
    "rate": (("of",), ("after",), "frequency"),
    "count": (("of",), (), "count"),
    "opto_output": (("figure",), (), "time"),
    "max_trigger_rate": (("search",), ("triggers",), "frequency"),
    # the dimension of an electrical figure is the figure's (voltage or current)
    "electrical": (("line", "figure"), ("variant",), "voltage"),
}
FROM_EVENTS = ("line1.rise", "line1.fall", "line1_input.rise", "line1_input.fall")
SIGNALS = ("frame_start", "exposure_active", "frame_trigger_wait", "acquisition_active", "line0")
TO_EVENTS = (
    "frame_start",
    *(f"{s}.{e}" for s in SIGNALS[1:] for e in ("rise", "fall")),
    "line0_ext.rise",
    "line0_ext.fall",
)
COUNTS = ("frames", "lost_triggers", "overtriggers", "line0.rise", "line0.fall")
FIGURES = ("tR", "tF", "tDR", "tDF")
STATS = ("max", "min", "mean")

# Ceilings of a spec's counts (docs/timing.md): each requirement's runs stay short.
MAX_PULSES = 10_000
"""The most pulses of a ``pulses`` stimulus."""
MAX_PHASES = 1_000
"""The most sub-cycle ``phases`` of a stimulus."""
MAX_TRIGGERS = 100
"""The most ``triggers`` of a max_trigger_rate measurement."""
MAX_SEARCH_US = 10_000_000.0
"""The longest time a ``search`` range may reach (10 s): every step of a search simulates it."""


class SpecError(DiagnosticsError):
    """A timing spec failed to load; carries every diagnostic found."""


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One configured feature: ``TriggerDelay[FrameStart]: 250 us``."""

    feature: str
    selector: str | None
    """Selector value (``FrameStart``) for a feature of a register array."""
    value: Any
    """User value: enum name, bool, int, or float in the feature's unit."""
    raw: int
    text: str

    @property
    def key(self) -> str:
        """The spec's spelling of the feature and selector."""
        return f"{self.feature}[{self.selector}]" if self.selector else self.feature


@dataclass(frozen=True)
class Pulses:
    """A pulse train: ``count`` pulses of ``width`` every ``period`` from ``start`` (µs)."""

    start_us: float
    width_us: float
    period_us: float
    count: int

    def edges(self) -> tuple[float, ...]:
        """Edge times (µs), alternating rise and fall."""
        out: list[float] = []
        for i in range(self.count):
            t = self.start_us + i * self.period_us
            out += [t, t + self.width_us]
        return tuple(out)


@dataclass(frozen=True)
class LineStimulus:
    """An input line waveform: digital edges (µs, from low) or a pulse train, maybe as volts."""

    edges_us: tuple[float, ...] = ()
    pulses: Pulses | None = None
    high_v: float | None = None
    """With a voltage: drive the opto input with a trapezoid (electrical model)."""
    low_v: float = 0.0
    ramp_us: float = 1.0

    @property
    def is_voltage(self) -> bool:
        """Whether the line is driven through the electrical model of the opto input."""
        return self.high_v is not None

    def edges(self) -> tuple[float, ...]:
        """Edge times (µs), alternating from low."""
        return self.pulses.edges() if self.pulses else self.edges_us


@dataclass(frozen=True)
class Stimulus:
    """Inputs of a requirement's scenario."""

    line1: LineStimulus | None = None
    phases: int = 1
    """Successive input pulses are shifted by ``i mod phases / phases`` of a clock cycle."""
    duration_us: float | None = None
    acquisition: bool = True
    line0_pullup_v: float | None = None


@dataclass(frozen=True)
class Measure:
    """What to measure: a kind and its parameters (event names, search range...)."""

    kind: str
    params: dict[str, Any]
    dimension: str


@dataclass(frozen=True)
class Bound:
    """Limits in base units (µs, Hz, V, count); ``tol`` around ``typ``."""

    min: Quantity | None = None
    max: Quantity | None = None
    typ: Quantity | None = None
    tol: Quantity | None = None
    text: dict[str, str] = field(default_factory=dict)
    """The bounds as written in the spec (expressions included)."""

    @property
    def tol_abs(self) -> float:
        """The tolerance in base units (a percentage is taken of ``typ``)."""
        if self.tol is None:
            return 0.0
        if self.tol.dimension == "percent":
            return abs(self.typ.value if self.typ else 0.0) * self.tol.value / 100
        return self.tol.value

    def limits(self) -> tuple[float, float]:
        """The accepted interval ``[lo, hi]``."""
        lo, hi = -math.inf, math.inf
        if self.typ is not None:
            lo, hi = self.typ.value - self.tol_abs, self.typ.value + self.tol_abs
        if self.min is not None:
            lo = max(lo, self.min.value)
        if self.max is not None:
            hi = min(hi, self.max.value)
        return lo, hi

    def margin(self, measured: float) -> float:
        """Distance to the nearest limit; negative when violated."""
        lo, hi = self.limits()
        return min(measured - lo, hi - measured)


@dataclass(frozen=True)
class Requirement:
    """A named timing requirement."""

    name: str
    title: str
    source: str
    config: tuple[Setting, ...]
    stimulus: Stimulus
    measure: Measure
    bound: Bound
    loc: SourceLoc | None = None
    description: str = ""
    """How the bound was derived (e.g. the hand arithmetic), shown in the reports."""


@dataclass(frozen=True)
class Spec:
    """A loaded timing spec, checked against one register map."""

    name: str
    description: str
    requirements: tuple[Requirement, ...]
    file: str
    clock_hz: int


# ---------------------------------------------------------------------------------------------
# Loader
# ---------------------------------------------------------------------------------------------


_KEY_RE = re.compile(r"([A-Za-z_]\w*)(?:\[([A-Za-z_]\w*)\])?")


class _Loader:
    """Builds a :class:`Spec` from YAML nodes, recording diagnostics."""

    def __init__(self, ctx: Context, rmap: RegisterMap):
        self.ctx = ctx
        self.r = Reader(ctx, merge_keys=True)
        self.rmap = rmap
        self.regs = RegisterFile(rmap, RegisterBank(rmap))

    # -- readers the shared Reader lacks ---------------------------------------------------
    def integer(self, node: Node, what: str, minimum: int) -> int:
        """A decimal integer (no 0x/0b/0o forms, unlike :meth:`Reader.integer`) >= minimum."""
        text = self.r.scalar(node, what, "an integer").strip().replace("_", "")
        if not re.fullmatch(r"[+-]?\d{1,18}", text):
            self.ctx.error(node, f"{what} must be an integer, not '{node.value}'")
            raise Invalid
        value = int(text)
        if value < minimum:
            self.ctx.error(node, f"{what} must be at least {minimum}, not {value}")
            raise Invalid
        return value

    def boolean(self, node: Node, what: str) -> bool:
        """Like :meth:`Reader.boolean`, but the message quotes the value as written."""
        text = self.r.scalar(node, what, "true or false").strip().lower()
        if text in ("true", "yes", "on"):
            return True
        if text in ("false", "no", "off"):
            return False
        self.ctx.error(node, f"{what} must be true or false, not '{node.value}'", "true, false")
        raise Invalid

    # -- quantities ----------------------------------------------------------------------
    def quantity(
        self,
        node: Node,
        what: str,
        dimensions: tuple[str, ...],
        lookup: Callable[[str, str | None], float] | None = None,
        default_unit: str | None = None,
    ) -> Quantity:
        """A number with a unit, e.g. ``250 us``; with ``lookup``, ``(expr) cycles`` too.

        A list of quantities is their sum (``[(3 + D) cycles, 44.8 us]``).
        """
        if isinstance(node, SequenceNode) and lookup is not None:
            parts = [self.quantity(n, what, dimensions, lookup, default_unit) for n in node.value]
            if not parts:
                self.ctx.error(node, f"{what} must not be an empty list")
                raise Invalid
            dims = {p.dimension for p in parts}
            if len(dims) > 1:
                self.ctx.error(
                    node, f"{what} adds quantities of different kinds: {', '.join(dims)}"
                )
                raise Invalid
            return Quantity(sum(p.value for p in parts), parts[0].dimension, parts[0].unit)
        text = self.r.scalar(node, what, "a quantity such as '250 us'").strip()
        num, unit = split_unit(text)
        allowed_units = "; ".join(f"{d}: {DIMENSION_UNITS[d]}" for d in dimensions)
        if unit and unit not in UNITS:
            self.ctx.error(
                node,
                f"unknown unit '{unit}' in {what}{did_you_mean(unit, list(UNITS))}",
                allowed=allowed_units,
            )
            raise Invalid
        if not unit and default_unit is not None:
            unit = default_unit
        if not unit and "count" not in dimensions and re.fullmatch(r"[+-]?0+(\.0*)?", num):
            return Quantity(0.0, dimensions[0], BASE_UNIT[dimensions[0]])  # 0 needs no unit
        dimension = UNITS[unit].dimension if unit else "count"
        if dimension not in dimensions:
            expected = " or ".join(dimensions)
            got = f"'{unit}' ({dimension})" if unit else "no unit (a count)"
            self.ctx.error(node, f"{what} must be a {expected}, not {got}", allowed=allowed_units)
            raise Invalid
        try:
            value = float(num.replace("_", ""))
        except ValueError:
            if lookup is None:
                self.ctx.error(node, f"{what} must be a number with a unit, not '{text}'")
                raise Invalid from None
            try:
                value = evaluate(num, lookup)
            except ExpressionError as exc:
                hint = ""
                if exc.name:
                    hint = did_you_mean(exc.name, self._expression_names())
                self.ctx.error(node, f"in {what}: {exc}{hint}", allowed=self._expression_help())
                raise Invalid from None
        base = to_base(value, unit, self.rmap.clock_hz) if unit and math.isfinite(value) else value
        if not (math.isfinite(base) and abs(base) <= NUMBER_MAX):
            self.ctx.error(
                node,
                f"{what} is out of range: at most {NUMBER_MAX:g}"
                f"{' ' + BASE_UNIT[dimension] if BASE_UNIT[dimension] else ''} in magnitude",
            )
            raise Invalid
        return Quantity(base, dimension, unit or BASE_UNIT[dimension])

    def _expression_names(self) -> list[str]:
        return ["clock_hz", *self.rmap.device.constants, *self.rmap.features]

    @staticmethod
    def _expression_help() -> str:
        return (
            "map constants (FrameStartLatencyFixed...), clock_hz, features as raw values "
            "(TriggerDelay[FrameStart]; read-only ones as the configured model drives them), "
            "+ - * /, max, min, ceil, floor, round"
        )

    # -- spec ----------------------------------------------------------------------------
    def spec(self, root: Node) -> Spec | None:
        try:
            top = self.r.mapping(
                root, "the timing spec", ("spec", "requirements"), ("description", "defaults")
            )
        except Invalid:
            return None
        name = self.r.optional(top, "spec", self.r.string, "spec name", default="")
        description = self.r.optional(top, "description", self.r.string, "description", default="")
        defaults: list[tuple[Node, Node]] = []
        if "defaults" in top:
            try:
                d = self.r.mapping(top["defaults"][1], "defaults", (), ("config",))
                if "config" in d:
                    defaults = self._config_pairs(d["config"][1])
            except Invalid:
                pass
        reqs: list[Requirement] = []
        seen: dict[str, SourceLoc] = {}
        if "requirements" in top:
            try:
                nodes = self.r.sequence(top["requirements"][1], "requirements")
            except Invalid:
                nodes = []
            if (
                "requirements" in top
                and not nodes
                and isinstance(top["requirements"][1], SequenceNode)
            ):
                self.ctx.error(top["requirements"][1], "requirements must not be empty")
            for n in nodes:
                try:
                    r = self.requirement(n, defaults)
                except Invalid:
                    continue
                if r.name in seen:
                    self.ctx.error(
                        r.loc or seen[r.name],
                        f"duplicate requirement '{r.name}' (first at {seen[r.name]})",
                    )
                else:
                    seen[r.name] = r.loc  # type: ignore[assignment]
                    reqs.append(r)
        return Spec(name, description, tuple(reqs), self.ctx.file, self.rmap.clock_hz)

    def _config_pairs(self, node: Node) -> list[tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            self.ctx.error(
                node, f"config must be a mapping of feature to value, not {kind_of(node)}"
            )
            raise Invalid
        return self.r.merged(node)

    def requirement(self, node: Node, defaults: list[tuple[Node, Node]]) -> Requirement:
        k = self.r.mapping(
            node,
            "requirement",
            ("name", "measure", "bound"),
            ("title", "description", "source", "config", "stimulus"),
        )
        if "name" not in k:
            raise Invalid
        name = self.r.string(k["name"][1], "requirement name")
        if not re.fullmatch(r"[A-Za-z0-9][\w.-]*", name):
            self.ctx.error(
                k["name"][1],
                f"requirement name '{name}' is not a valid name",
                "letters, digits, '-', '_', '.'",
            )
        loc = self.ctx.loc(k["name"][1])
        pairs = list(defaults)
        if "config" in k:
            with contextlib.suppress(Invalid):
                pairs += self._config_pairs(k["config"][1])
        config = self.config(pairs)
        raw = {(s.feature, s.selector): s.raw for s in config}
        stimulus = self.r.optional(k, "stimulus", self.stimulus, default=Stimulus())
        measure = self.r.optional(k, "measure", self.measure)
        bound = None
        if measure is not None and "bound" in k:
            bound = self.r.optional(k, "bound", self.bound, measure.dimension, raw)
        if measure is not None:
            self._check_measure(k["measure"][1], measure, stimulus, config)
        if measure is None or bound is None or stimulus is None:
            raise Invalid
        return Requirement(
            name,
            self.r.optional(k, "title", self.r.string, "title", default=name),
            self.r.optional(k, "source", self.r.string, "source", default=""),
            tuple(config),
            stimulus,
            measure,
            bound,
            loc,
            self.r.optional(k, "description", self.r.string, "description", default=""),
        )

    # -- configuration -------------------------------------------------------------------
    def config(self, pairs: list[tuple[Node, Node]]) -> list[Setting]:
        # Later entries (the requirement's own) override earlier ones (the defaults).
        by_key: dict[tuple[str, str | None], Setting] = {}
        for key_node, value_node in pairs:
            try:
                s = self.setting(key_node, value_node)
            except Invalid:
                continue
            by_key.pop((s.feature, s.selector), None)
            by_key[(s.feature, s.selector)] = s
        return list(by_key.values())

    def setting(self, key_node: Node, value_node: Node) -> Setting:
        text = self.r.scalar(key_node, "feature name", "a feature name")
        m = _KEY_RE.fullmatch(text.strip())
        if not m:
            self.ctx.error(
                key_node,
                f"'{text}' is not a feature name",
                "Feature or Feature[SelectorValue], e.g. TriggerDelay[FrameStart]",
            )
            raise Invalid
        name, sel_value = m.group(1), m.group(2)
        features = self.rmap.features
        if name not in features:
            choices = list(features) + [s.name for s in self.rmap.selectors]
            extra = ""
            if name in [s.name for s in self.rmap.selectors]:
                extra = f"; {name} is a selector: write Feature[Value] instead"
            else:
                extra = did_you_mean(name, choices)
            self.ctx.error(key_node, f"unknown feature '{name}'{extra}")
            raise Invalid
        reg, f = features[name]
        iface = f.feature.interface if f.feature else Interface.INTEGER
        if iface is Interface.COMMAND or f.access is Access.PULSE:
            self.ctx.error(key_node, f"feature '{name}' is a command and cannot be configured")
            raise Invalid
        if not f.access.writable:
            self.ctx.error(key_node, f"feature '{name}' is read-only and cannot be configured")
            raise Invalid
        selector = None
        if reg.array is not None:
            sel = self.rmap.selector(reg.array.selector)
            values = [v.name for v in sel.values]
            if sel_value is None:
                self.ctx.error(
                    key_node,
                    f"feature '{name}' is selected by {sel.name}: write {name}[{values[0]}]",
                    allowed=", ".join(f"{name}[{v}]" for v in values),
                )
                raise Invalid
            if sel_value not in values:
                self.ctx.error(
                    key_node,
                    f"unknown {sel.name} value '{sel_value}' for {name}"
                    f"{did_you_mean(sel_value, values)}",
                    allowed=", ".join(values),
                )
                raise Invalid
            selector = sel_value
        elif sel_value is not None:
            self.ctx.error(key_node, f"feature '{name}' has no selector; write {name}")
            raise Invalid
        value = self.feature_value(value_node, name, f, iface)
        numeric = iface in (Interface.INTEGER, Interface.FLOAT)
        if numeric and f.min is not None and f.max is not None and not (f.min <= value <= f.max):
            unit = f" {f.unit}" if f.unit else ""
            self.ctx.error(
                value_node,
                f"value of {name} must be between {f.min:.15g}{unit} and {f.max:.15g}{unit}, "
                f"not {value_node.value}",
                allowed=f"{f.min:.15g}{unit} to {f.max:.15g}{unit}",
            )
            raise Invalid
        try:
            raw = self.regs.to_raw(name, value)
        except (ValueError, TypeError) as exc:
            self.ctx.error(value_node, f"{exc}")
            raise Invalid from None
        return Setting(name, selector, value, raw, value_node.value)

    def feature_value(self, node: Node, name: str, f: Any, iface: Interface) -> Any:
        if iface is Interface.ENUMERATION:
            names = tuple(e.name for e in f.enum)
            return self.r.choice(node, f"value of {name}", names)
        if iface is Interface.BOOLEAN:
            return self.boolean(node, f"value of {name}")
        unit = f.unit or ""
        if unit in ("us", "µs"):
            q = self.quantity(node, f"value of {name}", ("time",), default_unit="us")
            return q.value
        if unit == "Hz":
            q = self.quantity(node, f"value of {name}", ("frequency",), default_unit="Hz")
            return q.value
        q = self.quantity(node, f"value of {name}", ("count",))
        if iface is Interface.INTEGER:
            if not float(q.value).is_integer():
                self.ctx.error(node, f"value of {name} must be an integer, not '{node.value}'")
                raise Invalid
            return int(q.value)
        return q.value

    # -- stimulus ------------------------------------------------------------------------
    def stimulus(self, node: Node) -> Stimulus:
        k = self.r.mapping(
            node, "stimulus", (), ("line1", "phases", "duration", "acquisition", "line0_pullup")
        )
        phases = self.r.optional(k, "phases", self.integer, "phases", 1, default=1)
        if phases > MAX_PHASES:
            self.ctx.error(k["phases"][1], f"phases must be at most {MAX_PHASES}, not {phases}")
            phases = 1
        duration = self.r.optional(k, "duration", self.quantity, "duration", ("time",))
        if duration is not None:
            self._check_duration(k["duration"][1], duration.value)
        line1 = self.r.optional(
            k, "line1", self.line, duration.value if duration is not None else None
        )
        pullup = self.r.optional(k, "line0_pullup", self.quantity, "line0_pullup", ("voltage",))
        if pullup is not None:
            self._check_pullup(k["line0_pullup"][1], pullup.value)
        return Stimulus(
            line1,
            phases,
            duration.value if duration else None,
            self.r.optional(k, "acquisition", self.boolean, "acquisition", default=True),
            pullup.value if pullup else None,
        )

    def _check_duration(self, node: Node, us: float) -> None:
        from firmware_model.scenario import MAX_CYCLES

        hz = self.rmap.clock_hz
        if us * hz / 1e6 < 1:
            self.ctx.error(node, f"duration must be at least one clock cycle, not {us:g} µs")
        elif us * hz / 1e6 > MAX_CYCLES:
            self.ctx.error(
                node,
                f"duration must be at most {MAX_CYCLES} cycles ({MAX_CYCLES * 1e6 / hz:g} µs "
                f"at {hz} Hz), not {us:g} µs",
            )

    def _check_pullup(self, node: Node, volts: float) -> None:
        from firmware_model.electrical import load_opto_data

        data = load_opto_data()
        if not data.pullup_v_min <= volts <= data.pullup_v_max:
            self.ctx.error(
                node,
                f"line0_pullup {volts:g} V is outside the opto output's table",
                allowed=f"{data.pullup_v_min:g} V to {data.pullup_v_max:g} V",
            )

    def line(self, node: Node, duration_us: float | None = None) -> LineStimulus:
        k = self.r.mapping(node, "line1 stimulus", (), ("edges", "pulses", "voltage"))
        if ("edges" in k) == ("pulses" in k):
            self.ctx.error(node, "line1 stimulus needs exactly one of 'edges' or 'pulses'")
            raise Invalid
        edges: tuple[float, ...] = ()
        pulses = None
        if "edges" in k:
            nodes = self.r.sequence(k["edges"][1], "edges")
            if len(nodes) > 2 * MAX_PULSES:
                self.ctx.error(k["edges"][1], f"at most {2 * MAX_PULSES} edges, not {len(nodes)}")
                raise Invalid
            qs = [self.quantity(n, "edge time", ("time",)).value for n in nodes]
            for i, t in enumerate(qs):
                if t < 0:
                    self.ctx.error(nodes[i], f"edge time must be >= 0, not {nodes[i].value}")
                    raise Invalid
                if i and t <= qs[i - 1]:
                    self.ctx.error(nodes[i], "edge times must increase")
                    raise Invalid
                if duration_us is not None and t >= duration_us:
                    self.ctx.error(
                        nodes[i],
                        f"edge at {t:g} µs is at or after the end of the stimulus "
                        f"(duration {duration_us:g} µs)",
                    )
                    raise Invalid
            edges = tuple(qs)
        else:
            pulses = self.pulses(k["pulses"][1])
            last = pulses.start_us + (pulses.count - 1) * pulses.period_us + pulses.width_us
            if duration_us is not None and last >= duration_us:
                self.ctx.error(
                    k["pulses"][1],
                    f"the last pulse ends at {last:g} µs, at or after the end of the stimulus "
                    f"(duration {duration_us:g} µs)",
                )
                raise Invalid
        high = None
        low, ramp = 0.0, 1.0
        if "voltage" in k:
            v = self.r.mapping(k["voltage"][1], "line1 voltage", ("high",), ("low", "ramp"))
            hq = self.r.optional(v, "high", self.quantity, "high", ("voltage",))
            high = hq.value if hq else None
            lq = self.r.optional(v, "low", self.quantity, "low", ("voltage",))
            low = lq.value if lq else 0.0
            rq = self.r.optional(v, "ramp", self.quantity, "ramp", ("time",))
            ramp = rq.value if rq else 1.0
            if high is None:
                raise Invalid
            self._check_voltage(v, low, high, ramp)
        return LineStimulus(edges, pulses, high, low, ramp)

    def _check_voltage(self, v: dict, low: float, high: float, ramp: float) -> None:
        from firmware_model.electrical import load_opto_data

        top = load_opto_data().absolute_max_v
        for key, volts in (("low", low), ("high", high)):
            if key in v and not 0 <= volts <= top:
                self.ctx.error(
                    v[key][1],
                    f"line1 voltage {key} {volts:g} V is outside the opto input's range",
                    allowed=f"0 V to {top:g} V (absolute maximum)",
                )
                raise Invalid
        if low >= high:
            self.ctx.error(
                v["high"][1], f"line1 voltage high ({high:g} V) must be above low ({low:g} V)"
            )
            raise Invalid
        if "ramp" in v and ramp <= 0:
            self.ctx.error(v["ramp"][1], f"ramp must be a time above 0, not {ramp:g} µs")
            raise Invalid

    def pulses(self, node: Node) -> Pulses:
        k = self.r.mapping(node, "pulses", ("width", "period", "count"), ("start",))
        start = self.r.optional(k, "start", self.quantity, "start", ("time",))
        width = self.r.optional(k, "width", self.quantity, "width", ("time",))
        period = self.r.optional(k, "period", self.quantity, "period", ("time",))
        count = self.r.optional(k, "count", self.integer, "count", 1)
        if count is not None and count > MAX_PULSES:
            self.ctx.error(k["count"][1], f"count must be at most {MAX_PULSES}, not {count}")
            raise Invalid
        if start is not None and start.value < 0:
            self.ctx.error(k["start"][1], f"start must be >= 0, not {k['start'][1].value}")
            raise Invalid
        if None in (width, period, count):
            raise Invalid
        if not 0 < width.value < period.value:
            self.ctx.error(
                k["width"][1], "pulse width must be positive and shorter than the period"
            )
            raise Invalid
        return Pulses(start.value if start else 100.0, width.value, period.value, count)

    # -- measurement and bound ----------------------------------------------------------
    def measure(self, node: Node) -> Measure:
        k0 = self.r.mapping(
            node,
            "measure",
            ("kind",),
            tuple(sorted({key for r, o, _d in MEASURE_KINDS.values() for key in r + o})),
        )
        if "kind" not in k0:
            raise Invalid
        kind = self.r.choice(k0["kind"][1], "measurement kind", tuple(MEASURE_KINDS))
        required, optional, dimension = MEASURE_KINDS[kind]
        for key, (key_node, _v) in k0.items():
            if key != "kind" and key not in required + optional:
                self.ctx.error(
                    key_node,
                    f"key '{key}' does not apply to {_a(kind)} measurement",
                    allowed=", ".join(("kind", *required, *optional)),
                )
        for key in required:
            if key not in k0:
                self.ctx.error(node, f"missing required key '{key}' in {_a(kind)} measurement")
        if any(key not in k0 for key in required):
            raise Invalid
        p: dict[str, Any] = {}
        v = {key: val for key, (_k, val) in k0.items()}
        if kind in ("latency", "jitter"):
            p["from"] = self.r.choice(v["from"], "latency start event", FROM_EVENTS)
            p["to"] = self.r.choice(v["to"], "latency end event", TO_EVENTS)
            p["stat"] = self.r.optional(
                k0, "stat", self.r.choice, "statistic", STATS, default="max"
            )
        elif kind == "min_pulse_width":
            p["passes"] = self.r.choice(v["passes"], "event a passing pulse makes", TO_EVENTS)
            p["search"] = self._range(k0, "search", (1.0, 10_000.0))
        elif kind == "rate":
            p["of"] = self.r.choice(v["of"], "counted edge", TO_EVENTS)
            after = self.r.optional(k0, "after", self.quantity, "after", ("time",))
            if after is not None and after.value < 0:
                self.ctx.error(k0["after"][1], f"after must be >= 0, not {k0['after'][1].value}")
                raise Invalid
            p["after_us"] = after.value if after else 0.0
        elif kind == "count":
            p["of"] = self.r.choice(v["of"], "counted event", COUNTS)
        elif kind == "opto_output":
            p["figure"] = self.r.choice(v["figure"], "opto output figure", FIGURES)
        elif kind == "electrical":
            dimension = self._electrical(k0, p)
        elif kind == "max_trigger_rate":
            p["search"] = self._range(k0, "search", (1.0, 1e6))
            p["triggers"] = self.r.optional(k0, "triggers", self.integer, "triggers", 2, default=8)
            if p["triggers"] is not None and p["triggers"] > MAX_TRIGGERS:
                self.ctx.error(
                    k0["triggers"][1],
                    f"triggers must be at most {MAX_TRIGGERS}, not {p['triggers']}",
                )
                raise Invalid
        if any(val is None for val in p.values()):
            raise Invalid
        return Measure(kind, p, dimension)

    def _electrical(self, k: dict, p: dict[str, Any]) -> str:
        """Line, figure and hardware variant of an electrical measurement; its dimension."""
        from firmware_model.electrical import load_opto_data

        from .electrical import FIGURES, LINES, figures_of

        p["line"] = self.r.choice(k["line"][1], "electrical line", LINES)
        p["figure"] = self.r.choice(k["figure"][1], f"{p['line']} figure", figures_of(p["line"]))
        p["variant"] = "standard"
        if "variant" in k:
            node = k["variant"][1]
            if p["line"] != "Line1":
                self.ctx.error(
                    node,
                    f"a hardware variant applies to Line1 (the opto input), not {p['line']}",
                )
                raise Invalid
            variants = ("standard", *load_opto_data().variants)
            p["variant"] = self.r.choice(node, "hardware variant", variants)
        return FIGURES[p["figure"]].dimension

    def _range(self, k: dict, key: str, default: tuple[float, float]) -> tuple[float, float]:
        if key not in k:
            return default
        node = k[key][1]
        nodes = self.r.sequence(node, f"{key} range")
        if len(nodes) != 2:
            self.ctx.error(node, f"{key} range must be [lowest, highest]")
            raise Invalid
        lo = self.quantity(nodes[0], f"{key} range start", ("time",)).value
        hi = self.quantity(nodes[1], f"{key} range end", ("time",)).value
        if not 0 < lo < hi:
            self.ctx.error(node, f"{key} range must satisfy 0 < lowest < highest")
            raise Invalid
        if hi > MAX_SEARCH_US:
            limit = f"{MAX_SEARCH_US / 1e6:g} s"
            self.ctx.error(nodes[1], f"{key} range must end at {limit} at most, not {hi:g} µs")
            raise Invalid
        return lo, hi

    def _check_measure(
        self, node: Node, m: Measure, stim: Stimulus | None, config: list[Setting]
    ) -> None:
        if stim is None:
            return
        needs_line1 = m.kind in ("latency", "jitter", "min_pulse_width", "max_trigger_rate")
        if needs_line1 and stim.line1 is None:
            self.ctx.error(node, f"a {m.kind} measurement needs a line1 stimulus")
        if (
            m.kind in ("min_pulse_width", "max_trigger_rate")
            and stim.line1 is not None
            and (stim.line1.pulses is None)
        ):
            self.ctx.error(node, f"a {m.kind} measurement needs a line1 'pulses' stimulus")
        ext_keys = [k for k, x in m.params.items() if str(x).startswith("line0_ext")]
        if (m.kind == "opto_output" or ext_keys) and stim.line0_pullup_v is None:
            where = _value_of(node, ext_keys[0] if ext_keys else "kind")
            self.ctx.error(
                where,
                f"a {m.kind} measurement of the Line0 output voltage needs stimulus.line0_pullup",
            )
        if str(m.params.get("from", "")).startswith("line1_input") and not (
            stim.line1 and stim.line1.is_voltage
        ):
            self.ctx.error(
                _value_of(node, "from"), "line1_input events need a line1 voltage stimulus"
            )

    def bound(self, node: Node, dimension: str, raw: dict) -> Bound:
        k = self.r.mapping(node, "bound", (), ("min", "max", "typ", "tol"))
        if not k:
            self.ctx.error(
                node,
                "missing bound: give at least one of min, max or typ",
                allowed="min, max, typ (with tol)",
            )
            raise Invalid
        lookup = self._lookup(raw)
        dims = (dimension,)
        out: dict[str, Quantity | None] = {}
        failed = False
        for key in ("min", "max", "typ"):
            if key in k:
                try:
                    out[key] = self.quantity(k[key][1], f"bound {key}", dims, lookup)
                except Invalid:
                    failed = True
        if "tol" in k:
            if "typ" not in k:
                self.ctx.error(k["tol"][0], "tol needs a typ value to be a tolerance around")
                failed = True
            try:
                out["tol"] = self.quantity(k["tol"][1], "bound tol", (dimension, "percent"), lookup)
            except Invalid:
                failed = True
        if not any(key in k for key in ("min", "max", "typ")):
            self.ctx.error(
                node,
                "missing bound: give at least one of min, max or typ",
                allowed="min, max, typ (with tol)",
            )
            failed = True
        if failed:
            raise Invalid
        text = {key: _node_text(k[key][1]) for key in k}
        b = Bound(out.get("min"), out.get("max"), out.get("typ"), out.get("tol"), text)
        lo, hi = b.limits()
        if lo > hi:
            self.ctx.error(node, "the bound is empty: no value satisfies min, max and typ ± tol")
            raise Invalid
        return b

    def _lookup(self, raw: dict) -> Callable[[str, str | None], float]:
        rmap = self.rmap

        def lookup(name: str, selector: str | None) -> float:
            if name == "clock_hz" and selector is None:
                return float(rmap.clock_hz)
            if name in rmap.device.constants and selector is None:
                return float(rmap.constant(name))
            if name in rmap.features:
                reg, f = rmap.features[name]
                index = 0
                if reg.array is not None:
                    sel = rmap.selector(reg.array.selector)
                    if selector is None:
                        raise ExpressionError(
                            f"feature '{name}' needs its selector: {name}[{sel.values[0].name}]"
                        )
                    try:
                        index = sel.index(selector)
                    except KeyError:
                        raise ExpressionError(
                            f"unknown {sel.name} value '{selector}'", name=selector
                        ) from None
                elif selector is not None:
                    raise ExpressionError(f"feature '{name}' has no selector")
                if (name, selector) in raw:
                    return float(raw[(name, selector)])
                if f.access.hw_driven:
                    sel = {reg.array.selector: selector} if reg.array and selector else {}
                    return float(self._hardware_value(raw, name, sel))
                return float(f.reset_for(index))
            raise ExpressionError(f"unknown name '{name}'", name=name)

        return lookup

    def _hardware_value(self, raw: dict, name: str, sel: dict[str, str]) -> int:
        """A hardware-driven field (``ResultingFrameRate``...) as software reads it from the
        configured model after one cycle."""
        model = CameraModel(self.rmap)
        regs = RegisterFile(self.rmap, model.bank)
        for (feature, selector), value in raw.items():
            reg, _f = self.rmap.feature(feature)
            sel = {reg.array.selector: selector} if reg.array and selector else {}
            regs.set_raw(feature, value, **sel)
        model.step()
        return regs.get_raw(name, **sel)


def _a(word: str) -> str:
    """``word`` with its indefinite article: "a latency", "an electrical"."""
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def _value_of(node: Node, key: str) -> Node:
    """The value node of ``key`` in a mapping node, or the node itself."""
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key:
                return v
    return node


def _node_text(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return node.value
    if isinstance(node, SequenceNode):
        return " + ".join(_node_text(n) for n in node.value)
    return "…"


def loads_spec(text: str, rmap: RegisterMap, filename: str = "<string>") -> Spec:
    """Load timing-spec YAML ``text`` against ``rmap``; raise :class:`SpecError` on errors."""
    ctx, root = parse(text, filename, "timing spec", "a mapping with 'spec' and 'requirements'")
    spec = None if root is None else _Loader(ctx, rmap).spec(root)
    if ctx.diagnostics:
        # Anchored nodes and the defaults are read once per requirement: report each error once.
        unique = {(d.loc.line, d.loc.col, d.message): d for d in ctx.diagnostics}
        raise SpecError(sorted(unique.values(), key=lambda d: (d.loc.line, d.loc.col)))
    assert spec is not None
    return spec


def load_spec(path: str | Path, rmap: RegisterMap) -> Spec:
    """Load the timing spec in ``path``; :class:`SpecError` if invalid, OSError if unreadable."""
    path = Path(path)
    return loads_spec(read_source(path, SpecError), rmap, str(path))
