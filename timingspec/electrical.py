"""Electrical figures of Line0, Line1 and Line2, found on the electrical model by probing it.

Each figure of the manual's Digital I/O table (a threshold, a safe range's end, a maximum) is
measured as the boundary where the model's verdict changes: the check of an external circuit
(``firmware_model.lines``) is run on circuits either side, and the boundary is found by
bisection to 1e-12 of the search range and given to 9 significant digits. So the figure is
what the model does, not what its data file says; the data file's number is the manual's
figure, reported beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firmware_model.electrical import OptoIOData, load_opto_data
from firmware_model.lines import (
    Line2Data,
    check_line0_output,
    check_line1_input,
    check_line2_input,
    check_line2_output,
    load_line2_data,
)

__all__ = ["FIGURES", "LINES", "Figure", "figures_of", "manual_value", "probe"]

LINES = ("Line0", "Line1", "Line2")


@dataclass(frozen=True)
class Figure:
    """One electrical figure: its line, dimension (``voltage``, ``current`` or ``resistance``,
    in V, mA or Ω),
    what it is, the manual's value, and the probe: ``inside(x)`` is true at ``lo`` and false
    at ``hi`` (or the reverse), and the figure is where it changes."""

    name: str
    line: str
    dimension: str
    title: str
    manual: Callable[[OptoIOData, Line2Data], float]
    inside: Callable[[float, str], bool]
    lo: float
    hi: float


def _l1(high: float = 12.0, low: float = 0.0, current: float = 10.0, variant: str = "standard"):
    return check_line1_input(high, low, current_ma=current, variant=variant)


def _l0_codes(volts: float, ohm: float) -> set[str]:
    return check_line0_output(volts, ohm).codes()


def _pullup(volts: float) -> Figure:
    return Figure(
        f"recommended_pullup_{volts:g}v",
        "Line0",
        "resistance",
        f"recommended pull-up at {volts:g} V (the least without a warning)",
        lambda d, _e: d.recommended_pullup_ohm[volts],
        lambda x, _v: "below_recommended_pullup" in _l0_codes(volts, x),
        1.0,
        100e3,
    )


FIGURES: dict[str, Figure] = {
    f.name: f
    for f in (
        Figure(
            "current_continuous_max",
            "Line0",
            "current",
            "highest continuous current without a warning (12 V, pull-up varied)",
            lambda d, _e: d.current_continuous_ma,
            lambda x, _v: "current_above_continuous" not in _l0_codes(12.0, 12.0 / x * 1e3),
            1.0,
            40.0,  # below the absolute maximum, where the error takes over
        ),
        Figure(
            "current_absolute_max",
            "Line0",
            "current",
            "absolute maximum current (12 V, pull-up varied)",
            lambda d, _e: d.current_absolute_max_ma,
            lambda x, _v: check_line0_output(12.0, 12.0 / x * 1e3).ok,
            1.0,
            500.0,
        ),
        _pullup(5.0),
        _pullup(12.0),
        _pullup(24.0),
        Figure(
            "logic0_max",
            "Line1",
            "voltage",
            "highest level read as logic 0",
            lambda d, _e: d.logic0_max_v,
            lambda x, v: _l1(x, -1.0, variant=v).level("high").logic == 0,
            0.0,
            10.0,
        ),
        Figure(
            "logic1_min",
            "Line1",
            "voltage",
            "level above which it reads logic 1",
            lambda d, _e: d.logic1_above_v,
            lambda x, v: _l1(x, -1.0, variant=v).level("high").logic != 1,
            0.0,
            10.0,
        ),
        Figure(
            "unstable_low",
            "Line1",
            "voltage",
            "lower end of the band to avoid (circuit not stable)",
            lambda d, _e: d.unstable_low_v,
            lambda x, v: "unstable_band" not in _l1(12.0, x, variant=v).codes(),
            0.0,
            1.25,
        ),
        Figure(
            "unstable_high",
            "Line1",
            "voltage",
            "upper end of the band to avoid (circuit not stable)",
            lambda d, _e: d.unstable_high_v,
            lambda x, v: "unstable_band" in _l1(12.0, x, variant=v).codes(),
            1.25,
            5.0,
        ),
        Figure(
            "safe_max",
            "Line1",
            "voltage",
            "end of the safe working range",
            lambda d, _e: d.safe_max_v,
            lambda x, v: not _l1(x, variant=v).issues,
            5.0,
            100.0,
        ),
        Figure(
            "absolute_max",
            "Line1",
            "voltage",
            "absolute maximum (breakdown)",
            lambda d, _e: d.absolute_max_v,
            lambda x, v: _l1(x, variant=v).ok,
            5.0,
            100.0,
        ),
        Figure(
            "sink_current_min",
            "Line1",
            "current",
            "lowest recommended sink current",
            lambda d, _e: d.sink_min_ma,
            lambda x, v: bool(_l1(current=x, variant=v).issues),
            0.0,
            10.0,
        ),
        Figure(
            "sink_current_max",
            "Line1",
            "current",
            "highest recommended sink current",
            lambda d, _e: d.sink_max_ma,
            lambda x, v: not _l1(current=x, variant=v).issues,
            10.0,
            100.0,
        ),
        Figure(
            "sink_current_absolute_max",
            "Line1",
            "current",
            "maximum sink current",
            lambda d, _e: d.sink_absolute_max_ma,
            lambda x, v: _l1(current=x, variant=v).ok,
            10.0,
            100.0,
        ),
        Figure(
            "output_sink_current_max",
            "Line2",
            "current",
            "output: highest sink current (24 V supply, pull-up varied)",
            lambda _d, e: e.out_sink_max_ma,
            lambda x, _v: check_line2_output(24.0, 24.0 / x * 1e3).ok,
            1.0,
            500.0,
        ),
        Figure(
            "output_safe_min",
            "Line2",
            "voltage",
            "output: lowest external voltage without 'possible error'",
            lambda _d, e: e.out_safe_min_v,
            lambda x, _v: bool(check_line2_output(x, 100e3).issues),
            0.1,
            10.0,
        ),
        Figure(
            "output_safe_max",
            "Line2",
            "voltage",
            "output: highest safe external voltage",
            lambda _d, e: e.out_safe_max_v,
            lambda x, _v: not check_line2_output(x, 100e3).issues,
            5.0,
            100.0,
        ),
        Figure(
            "output_absolute_max",
            "Line2",
            "voltage",
            "output: absolute maximum external voltage",
            lambda _d, e: e.absolute_max_v,
            lambda x, _v: check_line2_output(x, 100e3).ok,
            5.0,
            100.0,
        ),
        Figure(
            "input_low_max",
            "Line2",
            "voltage",
            "input: highest low level read as logic 0 (a strong driver)",
            lambda _d, e: e.in_low_max_v,
            lambda x, _v: check_line2_input(5.0, x, sink_ma=100.0).level("low").logic == 0,
            0.0,
            4.0,
        ),
        Figure(
            "input_low_sink_current",
            "Line2",
            "current",
            "input: current the external circuit must sink at the low level",
            lambda _d, e: e.in_low_sink_ma,
            lambda x, _v: check_line2_input(5.0, 0.0, sink_ma=x).level("low").logic == 1,
            0.0,
            50.0,
        ),
        Figure(
            "input_high_current_max",
            "Line2",
            "current",
            "input: highest current drawn at the high level",
            lambda _d, e: e.in_high_current_max_ua / 1e3,
            lambda x, _v: check_line2_input(5.0, sink_ma=10.0, high_current_ua=x * 1e3).ok,
            0.0,
            10.0,
        ),
    )
}


def figures_of(line: str) -> tuple[str, ...]:
    """Names of the figures of ``line``."""
    return tuple(n for n, f in FIGURES.items() if f.line == line)


def manual_value(name: str, variant: str = "standard") -> float:
    """The manual's figure, from the data files (in V or mA)."""
    return FIGURES[name].manual(load_opto_data(variant=variant), load_line2_data())


def probe(name: str, variant: str = "standard") -> float | None:
    """The figure as the model behaves: the boundary where ``inside`` changes (None if it does
    not change within the search range)."""
    f = FIGURES[name]
    lo, hi = f.lo, f.hi
    at_lo = f.inside(lo, variant)
    if f.inside(hi, variant) == at_lo:
        return None
    tol = (hi - lo) * 1e-12
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if f.inside(mid, variant) == at_lo:
            lo = mid
        else:
            hi = mid
    return float(f"{0.5 * (lo + hi):.9g}")  # 9 significant digits: no bisection noise
