"""Static electrical checks of an external circuit on Line0 (opto output), Line1 (opto input)
and Line2 (GPIO).

Given the external circuit a hardware engineer designs (supply voltage, pull-up or load
resistance, driver levels and currents), each check reports the logic level the camera sees (or
the level the external circuit sees, for an output), the current, and every violation of the
manual's limits as an ``error`` or a ``warning`` quoting the manual's wording. The numbers
come from ``data/opto_io.yaml`` (Line0, and Line1 with its hardware variants) and
``data/gpio_line2.yaml`` (Line2); see ``docs/electrical.md``. Voltages in V, currents in mA
(µA where named so).

>>> r = check_line2_output(24.0, 1000.0)
>>> [(lv.name, lv.volts, lv.current_ma) for lv in r.levels]
[('off', 24.0, 0.0), ('on', 0.0, 24.0)]
>>> r.ok
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import yaml

from .electrical import OptoIOData, _check_finite, _get, _number, load_opto_data

__all__ = [
    "LINE2_DATA_PATH",
    "LevelSeen",
    "LimitIssue",
    "Line2Data",
    "LineCheck",
    "check_line0_output",
    "check_line1_input",
    "check_line2_input",
    "check_line2_output",
    "load_line2_data",
]

LINE2_DATA_PATH = Path(__file__).resolve().parent / "data" / "gpio_line2.yaml"

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class LimitIssue:
    """One violated limit: ``error`` (outside a maximum) or ``warning`` (outside a
    recommended or safe range); ``code`` names the limit, ``message`` quotes the manual."""

    line: str
    severity: Severity
    code: str
    message: str

    def describe(self) -> str:
        """One report line."""
        return f"{self.line} {self.severity}: {self.message}"


@dataclass(frozen=True)
class LevelSeen:
    """One static state of the line: its name (``low``/``high`` driven by the external
    circuit, ``on``/``off`` of an output), the voltage on the line, the current through the
    camera's pin (into the line input or sunk by the output) and the logic level (None:
    undefined)."""

    name: str
    volts: float
    current_ma: float
    logic: int | None


@dataclass(frozen=True)
class LineCheck:
    """The result of checking an external circuit on one line in one direction."""

    line: str
    mode: Literal["input", "output"]
    levels: tuple[LevelSeen, ...]
    issues: tuple[LimitIssue, ...]

    @property
    def errors(self) -> tuple[LimitIssue, ...]:
        """Violations of an absolute limit."""
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[LimitIssue, ...]:
        """Levels or currents outside a safe or recommended range."""
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def level(self, name: str) -> LevelSeen:
        """The level called ``name`` (``low``, ``high``, ``on``, ``off``)."""
        for lv in self.levels:
            if lv.name == name:
                return lv
        raise KeyError(name)

    def codes(self) -> set[str]:
        """The codes of every issue."""
        return {i.code for i in self.issues}


# --------------------------------------------------------------------------------------------
# Line2 data file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line2Data:
    """Contents of ``data/gpio_line2.yaml``: Line2's output and input limits and wording."""

    source: str
    out_sink_max_ma: float
    out_sink_wording: str
    out_safe_min_v: float
    out_safe_max_v: float
    out_safe_wording: str
    out_below_safe_wording: str
    absolute_max_v: float
    absolute_max_wording: str
    in_low_max_v: float
    in_low_sink_ma: float
    in_low_wording: str
    in_high_current_max_ua: float
    in_high_wording: str
    pin_limits_source: str


def _num(node: object, where: str) -> float:
    return _number(node, where, "Line2 data")


def _key(node: object, key: str, where: str) -> object:
    return _get(node, key, where, "Line2 data")


def _parse_line2(doc: object) -> Line2Data:
    src = _key(doc, "source", "<root>")
    out = _key(doc, "output", "<root>")
    inp = _key(doc, "input", "<root>")

    def on(node: object, sect: str, k: str) -> float:
        return _num(_key(node, k, sect), f"{sect}.{k}")

    def text(node: object, sect: str, k: str) -> str:
        return str(_key(node, k, sect))

    d = Line2Data(
        source=str(_key(src, "document", "source")).strip(),
        out_sink_max_ma=on(out, "output", "sink_current_max_ma"),
        out_sink_wording=text(out, "output", "sink_current_wording"),
        out_safe_min_v=on(out, "output", "safe_min_v"),
        out_safe_max_v=on(out, "output", "safe_max_v"),
        out_safe_wording=text(out, "output", "safe_wording"),
        out_below_safe_wording=text(out, "output", "below_safe_wording"),
        absolute_max_v=on(out, "output", "absolute_max_v"),
        absolute_max_wording=text(out, "output", "absolute_max_wording"),
        in_low_max_v=on(inp, "input", "low_max_v"),
        in_low_sink_ma=on(inp, "input", "low_sink_ma"),
        in_low_wording=text(inp, "input", "low_wording"),
        in_high_current_max_ua=on(inp, "input", "high_current_max_ua"),
        in_high_wording=text(inp, "input", "high_wording"),
        pin_limits_source=text(inp, "input", "pin_limits_source"),
    )
    if not 0 < d.out_safe_min_v < d.out_safe_max_v <= d.absolute_max_v:
        raise ValueError("Line2 data: output needs 0 < safe_min_v < safe_max_v <= absolute_max_v")
    if min(d.out_sink_max_ma, d.in_low_sink_ma, d.in_high_current_max_ua, d.in_low_max_v) <= 0:
        raise ValueError("Line2 data: currents and the low level must be positive")
    return d


@cache
def _load_line2(path: Path) -> Line2Data:
    with path.open(encoding="utf-8") as fh:
        return _parse_line2(yaml.safe_load(fh))


def load_line2_data(path: str | Path | None = None) -> Line2Data:
    """Load the Line2 data file (default: the bundled ``data/gpio_line2.yaml``)."""
    return _load_line2(Path(path).resolve() if path is not None else LINE2_DATA_PATH)


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def _positive(value: object, what: str, unit: str) -> float:
    x = _check_finite(value, what, unit)
    if x <= 0:
        raise ValueError(f"{what} must be positive, not {x:g} {unit}")
    return x


def _non_negative(value: object, what: str, unit: str) -> float:
    x = _check_finite(value, what, unit)
    if x < 0:
        raise ValueError(f"{what} must be >= 0 {unit}, not {x:g} {unit}")
    return x


def check_line0_output(
    pullup_v: float, pullup_ohm: float, *, data: OptoIOData | None = None
) -> LineCheck:
    """Check the pull-up of the Line0 opto-isolated output: ``pullup_ohm`` to ``pullup_v``.

    Off, the line is at the pull-up voltage (logic 1); on, at 0 V, sinking ``pullup_v /
    pullup_ohm`` (the saturation voltage neglected). Above the 25 mA continuous (recommended)
    current is a warning, above the 50 mA absolute maximum an error; a pull-up below the
    recommended one for the voltage (270 Ω at 5 V, 560 Ω at 12 V, 1 kΩ at 24 V, linear in
    between) is a warning, and so is a voltage outside Table 3-4's 5-24 V, where the timing is
    not characterised. (:func:`~firmware_model.electrical.line0_waveform` is stricter: it
    refuses any current above the continuous rating, since it models a waveform whose low
    level lasts.)
    """
    d = data or load_opto_data()
    vs = _positive(pullup_v, "pull-up voltage", "V")
    rp = _positive(pullup_ohm, "pull-up resistance", "Ω")
    issues: list[LimitIssue] = []

    def add(sev: Severity, code: str, msg: str) -> None:
        issues.append(LimitIssue("Line0", sev, code, msg))

    i_on = vs / rp * 1e3
    if i_on > d.current_absolute_max_ma:
        add(
            "error",
            "current_above_max",
            f"current {i_on:.4g} mA exceeds the {d.current_absolute_max_ma:g} mA absolute maximum",
        )
    elif i_on > d.current_continuous_ma:
        add(
            "warning",
            "current_above_continuous",
            f"current {i_on:.4g} mA is above the {d.current_continuous_ma:g} mA continuous "
            "(recommended) maximum",
        )
    table = sorted(d.recommended_pullup_ohm.items())
    if table[0][0] <= vs <= table[-1][0]:
        rec = float(np.interp(vs, [v for v, _ in table], [r for _, r in table]))
        if rp < rec:
            listed = ", ".join(f"{r:g} Ω @{v:g} V" for v, r in table)
            add(
                "warning",
                "below_recommended_pullup",
                f"pull-up {rp:g} Ω is below the recommended {rec:.4g} Ω at {vs:g} V ({listed})",
            )
    if not d.pullup_v_min <= vs <= d.pullup_v_max:
        add(
            "warning",
            "outside_timing_table",
            f"pull-up voltage {vs:g} V is outside Table 3-4's {d.pullup_v_min:g}-"
            f"{d.pullup_v_max:g} V (timing not characterised)",
        )
    levels = (LevelSeen("off", vs, 0.0, 1), LevelSeen("on", 0.0, i_on, 0))
    return LineCheck("Line0", "output", levels, tuple(issues))


def check_line1_input(
    high_v: float,
    low_v: float = 0.0,
    *,
    current_ma: float,
    variant: str = "standard",
    data: OptoIOData | None = None,
) -> LineCheck:
    """Check a circuit driving the Line1 opto input between ``low_v`` and ``high_v``.

    ``current_ma`` is the current the circuit drives into Line1 at its high level (set by the
    circuit's series resistance; the manual gives no input resistance, so it is stated, not
    computed). ``variant`` selects the hardware variant's voltage limits (``legacy-29mm``).
    """
    d = data or load_opto_data(variant=variant)
    hi = _check_finite(high_v, "high level", "V")
    lo = _check_finite(low_v, "low level", "V")
    cur = _non_negative(current_ma, "Line1 current", "mA")
    if lo >= hi:
        raise ValueError(f"low level must be below the high level, not {lo:g} V >= {hi:g} V")
    issues: list[LimitIssue] = []
    model = "" if d.variant == "standard" else f" ({d.variant_description or d.variant})"

    def add(sev: Severity, code: str, msg: str) -> None:
        issues.append(LimitIssue("Line1", sev, code, msg))

    levels = []
    for name, v in (("low", lo), ("high", hi)):
        logic = 0 if v <= d.logic0_max_v else 1 if v > d.logic1_above_v else None
        levels.append(LevelSeen(name, v, cur if name == "high" else 0.0, logic))
        if logic is None:
            add(
                "error",
                "undefined_level",
                f"{name} level {v:g} V is in the undefined band >{d.logic0_max_v:g}-"
                f"{d.logic1_above_v:g} V (state may flip)",
            )
        if d.unstable_low_v <= v <= d.unstable_high_v:
            add(
                "warning",
                "unstable_band",
                f"{name} level {v:g} V: avoid {d.unstable_low_v:g}-{d.unstable_high_v:g} V "
                "(circuit not stable)",
            )
        if v > d.absolute_max_v:
            add(
                "error",
                "above_absolute_max",
                f"{name} level {v:g} V exceeds the {d.absolute_max_v:g} V absolute maximum{model}",
            )
        elif v > d.safe_max_v or v < d.safe_min_v:
            add(
                "warning",
                "outside_safe_range",
                f"{name} level {v:g} V is outside the {d.safe_min_v:g}-{d.safe_max_v:g} V safe "
                f"working range{model}",
            )
    if levels[1].logic == 1:
        if cur > d.sink_absolute_max_ma:
            add(
                "error",
                "current_above_max",
                f"current {cur:g} mA exceeds the {d.sink_absolute_max_ma:g} mA maximum",
            )
        elif not d.sink_min_ma <= cur <= d.sink_max_ma:
            add(
                "warning",
                "current_outside_range",
                f"current {cur:g} mA is outside the sink current {d.sink_min_ma:g}-"
                f"{d.sink_max_ma:g} mA",
            )
    return LineCheck("Line1", "input", tuple(levels), tuple(issues))


def _pin_voltage_issues(
    d: Line2Data, volts: float, what: str, add: Callable[..., None], *, low_warning: bool
) -> None:
    """The pin's voltage limits (30 V maximum; 3.3-24 V safe, the low side for an output)."""
    if volts > d.absolute_max_v:
        add("error", "above_absolute_max", f"{what} {volts:g} V: {d.absolute_max_wording}")
    elif volts > d.out_safe_max_v:
        add("warning", "above_safe_range", f"{what} {volts:g} V: outside {d.out_safe_wording}")
    elif low_warning and volts < d.out_safe_min_v:
        add("warning", "below_safe_range", f"{what} {volts:g} V: {d.out_below_safe_wording}")


def check_line2_output(
    supply_v: float,
    pullup_ohm: float,
    *,
    load_ohm: float | None = None,
    data: Line2Data | None = None,
) -> LineCheck:
    """Check the external circuit of Line2 used as an open-collector output.

    The circuit is a ``supply_v`` supply through ``pullup_ohm`` (a pull-up, or the load itself,
    such as a relay coil or an LED's resistor) to the line, with an optional ``load_ohm`` from
    the line to ground (a receiver's input). Off, the line is at the divider's voltage; on, the
    output sinks ``supply_v / pullup_ohm`` (the saturation voltage neglected: the safe side) and
    the line is at 0 V.
    """
    d = data or load_line2_data()
    vs = _positive(supply_v, "external supply voltage", "V")
    rp = _positive(pullup_ohm, "pull-up resistance", "Ω")
    issues: list[LimitIssue] = []

    def add(sev: Severity, code: str, msg: str) -> None:
        issues.append(LimitIssue("Line2", sev, code, msg))

    v_off = vs
    if load_ohm is not None:
        rl = _positive(load_ohm, "load resistance", "Ω")
        v_off = vs * rl / (rp + rl)
    i_on = vs / rp * 1e3
    _pin_voltage_issues(d, vs, "external voltage", add, low_warning=True)
    if i_on > d.out_sink_max_ma:
        add(
            "error",
            "sink_current_above_max",
            f"sink current {i_on:.4g} mA exceeds {d.out_sink_wording} (pull-up at least "
            f"{vs / d.out_sink_max_ma * 1e3:.4g} Ω at {vs:g} V)",
        )
    levels = (LevelSeen("off", v_off, 0.0, 1), LevelSeen("on", 0.0, i_on, 0))
    return LineCheck("Line2", "output", levels, tuple(issues))


def check_line2_input(
    high_v: float,
    low_v: float = 0.0,
    *,
    sink_ma: float,
    high_current_ua: float = 0.0,
    pullup_ohm: float | None = None,
    data: Line2Data | None = None,
) -> LineCheck:
    """Check the external circuit driving Line2 used as an input.

    The circuit drives the line low to ``low_v`` and can sink up to ``sink_ma`` there, and high
    to ``high_v`` (a push-pull driver's high level, or the supply of an external pull-up of
    ``pullup_ohm``), where it draws ``high_current_ua`` from the line. With an external pull-up
    the driver must also sink the pull-up's current when low. The camera reads logic 0 when the
    line is at most ``low_max_v`` (0.8 V) and the circuit sinks what the input sources there
    (2 mA); otherwise logic 1 (the manual gives no other input threshold).
    """
    d = data or load_line2_data()
    hi = _check_finite(high_v, "high level", "V")
    lo = _non_negative(low_v, "low level", "V")
    sink = _non_negative(sink_ma, "driver sink current", "mA")
    leak = _non_negative(high_current_ua, "current at high level", "µA")
    if lo >= hi:
        raise ValueError(f"low level must be below the high level, not {lo:g} V >= {hi:g} V")
    issues: list[LimitIssue] = []

    def add(sev: Severity, code: str, msg: str) -> None:
        issues.append(LimitIssue("Line2", sev, code, msg))

    need = d.in_low_sink_ma
    if pullup_ohm is not None:
        need += (hi - lo) / _positive(pullup_ohm, "pull-up resistance", "Ω") * 1e3
    low_logic = 0
    if lo > d.in_low_max_v:
        low_logic = 1
        add("error", "low_level_too_high", f"low level {lo:g} V: {d.in_low_wording}")
    elif sink < need:
        low_logic = 1
        extra = "" if pullup_ohm is None else " plus the external pull-up's current"
        add(
            "error",
            "sink_too_weak",
            f"the driver sinks {sink:g} mA, {need:.4g} mA needed{extra}: {d.in_low_wording}",
        )
    if leak > d.in_high_current_max_ua:
        add("error", "high_current_too_large", f"{leak:g} µA at high level: {d.in_high_wording}")
    high_logic = 1 if hi > d.in_low_max_v else 0
    if high_logic == 0:
        add(
            "error",
            "high_level_too_low",
            f"high level {hi:g} V is at or below {d.in_low_max_v:g} V: read as logic 0",
        )
    _pin_voltage_issues(d, hi, "high level", add, low_warning=False)
    levels = (
        LevelSeen("low", lo, need if low_logic == 0 else min(sink, need), low_logic),
        LevelSeen("high", hi, leak / 1e3, high_logic),
    )
    return LineCheck("Line2", "input", levels, tuple(issues))
