"""Line1 opto-isolated input: thresholds, undefined band, safe range, delay, cycle bridges."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_model.electrical import (
    levels_per_cycle,
    line0_timing,
    line0_waveform,
    line1_logic,
    line1_logic_from_points,
    load_opto_data,
    pin_edges_from_levels,
    us_to_cycles,
)

NO_DELAY = {"rise_delay_us": 0.0, "fall_delay_us": 0.0}


def test_ramp_crosses_at_the_thresholds() -> None:
    # 1 V/µs ramp up from 0 µs to 5 V, hold, 1 V/µs ramp down from 20 µs.
    r = line1_logic_from_points([(0, 0), (5, 5), (20, 5), (25, 0)], **NO_DELAY)
    assert r.initial_level == 0
    assert r.edge_times_us == pytest.approx((2.2, 23.6))
    assert [e.level for e in r.edges] == [1, 0]
    (up, down) = r.violations
    assert (up.start_us, up.end_us) == pytest.approx((1.4, 2.2))
    assert (down.start_us, down.end_us) == pytest.approx((22.8, 23.6))
    assert up.transit and down.transit
    assert (up.held_level, down.held_level) == (0, 1)
    assert r.warnings == ()


def test_default_propagation_delay_comes_from_the_data_file() -> None:
    data = load_opto_data()
    assert data.input_delay_source.startswith("assumption")
    r = line1_logic_from_points([(0, 0), (5, 5), (20, 5), (25, 0)])
    assert r.edges[0].threshold_us == pytest.approx(2.2)
    assert r.edges[0].time_us == pytest.approx(2.2 + data.input_delay_rise_us)
    assert r.edges[1].time_us == pytest.approx(23.6 + data.input_delay_fall_us)


def test_explicit_delays_shift_the_edges() -> None:
    r = line1_logic_from_points(
        [(0, 0), (5, 5), (20, 5), (25, 0)], rise_delay_us=3.0, fall_delay_us=7.5
    )
    assert r.edge_times_us == pytest.approx((5.2, 31.1))


def test_dwell_in_the_band_holds_the_last_value() -> None:
    # Up to 1.8 V (undefined) and back: no edge; the band interval is a violation.
    r = line1_logic_from_points([(0, 0), (1, 1.8), (11, 1.8), (12, 0)], **NO_DELAY)
    assert r.edges == ()
    (v,) = r.violations
    assert (v.start_us, v.end_us) == pytest.approx((1.0 - 0.4 / 1.8, 11.0 + 0.4 / 1.8))
    assert (v.held_level, v.entered_from, v.exited_to, v.transit) == (0, 0, 0, False)
    assert v.peak_v == pytest.approx(1.8)
    assert "undefined band" in v.describe()


def test_dip_into_the_band_from_high_keeps_logic_1() -> None:
    r = line1_logic_from_points([(0, 5), (10, 5), (10, 2.0), (20, 2.0), (20, 5)], **NO_DELAY)
    assert r.initial_level == 1 and r.edges == ()
    (v,) = r.violations
    assert (v.start_us, v.end_us, v.held_level) == (10.0, 20.0, 1)


def test_vertical_steps_are_not_violations() -> None:
    r = line1_logic_from_points([(0, 0), (10, 0), (10, 5), (20, 5), (20, 0), (30, 0)], **NO_DELAY)
    assert r.edge_times_us == (10.0, 20.0)
    assert r.issues == ()


@pytest.mark.parametrize(
    ("volts", "level", "in_band"),
    [(1.4, 0, False), (1.41, 0, True), (2.2, 0, True), (2.21, 1, False), (-0.0, 0, False)],
)
def test_threshold_boundaries(volts: float, level: int, in_band: bool) -> None:
    # 0 to 1.4 V is logic 0, above 1.4 up to 2.2 V undefined (holds 0 here), above 2.2 V logic 1.
    r = line1_logic([0.0, 10.0], [volts, volts], **NO_DELAY)
    assert r.initial_level == level
    assert bool(r.violations) == in_band


def test_start_inside_the_band_uses_the_initial_level() -> None:
    r = line1_logic([0.0, 5.0, 6.0], [2.0, 2.0, 5.0], initial_level=1, **NO_DELAY)
    assert r.initial_level == 1 and r.edges == ()
    (v,) = r.violations
    assert v.entered_from is None and v.exited_to == 1 and v.start_us == 0.0
    assert v.end_us == pytest.approx(5.0 + 0.2 / 3.0)


def test_above_24v_is_a_warning_with_its_interval() -> None:
    # 0 -> 28 V over 28 µs, back to 0 over 28 µs: above 24 V from 24 to 32 µs.
    r = line1_logic_from_points([(0, 0), (28, 28), (56, 0)], **NO_DELAY)
    (w,) = r.warnings
    assert w.kind == "above_safe_range" and w.severity == "warning"
    assert (w.start_us, w.end_us, w.peak_v) == pytest.approx((24.0, 32.0, 28.0))
    assert r.edge_times_us == pytest.approx((2.2, 56.0 - 1.4))


def test_exactly_30v_is_allowed_and_above_is_an_error() -> None:
    assert line1_logic([0.0, 1.0], [30.0, 30.0]).warnings[0].peak_v == 30.0
    with pytest.raises(
        ValueError, match=r"^Line1 input 30\.50 V at 2\.000 µs exceeds the 30 V absolute maximum$"
    ):
        line1_logic([0.0, 1.0, 2.0], [0.0, 24.0, 30.5])


def test_negative_voltage_is_logic_0_with_a_warning() -> None:
    r = line1_logic_from_points([(0, 5), (1, -5), (3, -5), (4, 5)], **NO_DELAY)
    assert r.initial_level == 1
    assert r.edge_times_us == pytest.approx((0.36, 3.0 + 7.2 / 10.0))
    (w,) = r.warnings
    assert w.kind == "below_safe_range"
    assert (w.start_us, w.end_us, w.peak_v) == pytest.approx((0.5, 3.5, -5.0))


def test_unequal_delays_swallow_a_pulse_shorter_than_their_difference() -> None:
    # 3 µs high pulse (steps), rising delay 10 µs, falling delay 5 µs: the delayed fall would
    # come before the delayed rise, so neither edge reaches the FPGA.
    pts = [(0, 0), (10, 0), (10, 5), (13, 5), (13, 0), (30, 0)]
    r = line1_logic_from_points(pts, rise_delay_us=10.0, fall_delay_us=5.0)
    assert r.edges == ()
    assert [e.threshold_us for e in r.swallowed] == [10.0, 13.0]
    longer = line1_logic_from_points(
        [(0, 0), (10, 0), (10, 5), (20, 5), (20, 0), (30, 0)],
        rise_delay_us=10.0,
        fall_delay_us=5.0,
    )
    assert longer.edge_times_us == (20.0, 25.0)


def test_sampled_arrays_and_points_agree() -> None:
    t = np.linspace(0.0, 10.0, 1001)
    v = 5.0 * np.sin(2 * np.pi * t / 10.0)
    r = line1_logic(t, v, **NO_DELAY)
    # 5*sin(2*pi*t/10) = 2.2 at t = 10*asin(0.44)/(2*pi); falls through 1.4 V at 5 - that.
    t_up = 10.0 * math.asin(0.44) / (2 * math.pi)
    t_dn = 5.0 - 10.0 * math.asin(0.28) / (2 * math.pi)
    assert r.edge_times_us == pytest.approx((t_up, t_dn), abs=1e-3)
    assert r.warnings[0].kind == "below_safe_range"


def test_line0_output_drives_line1() -> None:
    # 24 V Line0 output wired to Line1: Line1 sees 2.2 V while the exponential rises, i.e. at
    # rise start + tau*ln(V/(V-2.2)), rise start = tDR - tR*ln10/ln9, tau = tR/ln9.
    tr, tdr = 30.11, 44.8
    tau = tr / math.log(9)
    expected = 100.0 + tdr - tau * math.log(10) + tau * math.log(24.0 / (24.0 - 2.2))
    wf = line0_waveform([100.0, 400.0], 24.0)
    t, v = wf.sample(0.0, 700.0, 0.01)
    r = line1_logic(t, v, **NO_DELAY)
    assert r.edges[0].time_us == pytest.approx(expected, abs=0.01)
    assert len(r.edges) == 2 and r.edges[1].level == 0
    assert all(i.transit for i in r.violations) and len(r.violations) == 2
    assert line0_timing(24.0).tr_us == tr


def test_waveform_validation() -> None:
    with pytest.raises(ValueError, match="equal length"):
        line1_logic([0.0, 1.0], [0.0])
    with pytest.raises(ValueError, match=r"point 2 at 0\.5 µs is before point 1 at 1\.0 µs"):
        line1_logic([0.0, 1.0, 0.5], [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="at least 2 points"):
        line1_logic([0.0], [0.0])
    with pytest.raises(ValueError, match="propagation delays must be >= 0"):
        line1_logic([0.0, 1.0], [0.0, 0.0], rise_delay_us=-1.0)


def test_us_to_cycles_rounds_like_the_register_map() -> None:
    # 125 MHz: 1 µs = 125 cycles; 0.004 µs = 0.5 cycle rounds half to even (Python round).
    assert us_to_cycles([0.0, 1.0, 12.344, 0.004, 0.012], 125_000_000) == [0, 125, 1543, 0, 2]
    assert us_to_cycles([2.2, 23.6], 1_000_000) == [2, 24]
    with pytest.raises(ValueError, match="edge time must be >= 0 µs"):
        us_to_cycles([-1.0], 1e6)
    with pytest.raises(ValueError, match="clock frequency must be positive"):
        us_to_cycles([1.0], 0)


def test_result_levels_per_cycle_feed_the_behavioural_model() -> None:
    r = line1_logic_from_points([(0, 0), (3, 0), (3, 5), (6, 5), (6, 0), (9, 0)], **NO_DELAY)
    assert r.edge_cycles(1_000_000) == [3, 6]
    assert r.levels(1_000_000, 9) == [0, 0, 0, 1, 1, 1, 0, 0, 0]
    assert levels_per_cycle(1, [2, 2, 4], 6) == [1, 1, 1, 1, 0, 0]
    with pytest.raises(ValueError, match="must not decrease"):
        levels_per_cycle(0, [3, 2], 5)


def test_pin_trace_to_line0_edges() -> None:
    assert pin_edges_from_levels([0, 0, 1, 1, 1, 0], 125_000_000) == (0, (0.016, 0.04))
    assert pin_edges_from_levels([1, 1], 1e6) == (1, ())
    with pytest.raises(ValueError, match="pin level at cycle 1 must be 0 or 1"):
        pin_edges_from_levels([0, 2], 1e6)


def test_warning_margin_ignores_small_excursions_only() -> None:
    # Noise 0.05 V below ground and 0.5 V above 24 V: warnings by default, none with a
    # 0.6 V margin; the 30 V error is never relaxed.
    pts = [(0, 0), (1, -0.05), (2, 0), (3, 24.5), (4, 0)]
    assert [w.kind for w in line1_logic_from_points(pts).warnings] == [
        "below_safe_range",
        "above_safe_range",
    ]
    assert line1_logic_from_points(pts, warn_margin_v=0.6).warnings == ()
    assert len(line1_logic_from_points(pts, warn_margin_v=0.3).warnings) == 1
    with pytest.raises(ValueError, match="absolute maximum"):
        line1_logic([0.0, 1.0], [0.0, 31.0], warn_margin_v=5.0)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.just(0.0) | st.floats(1e-3, 5.0), min_size=1, max_size=30),
    volts=st.lists(st.floats(-3.0, 29.0), min_size=2, max_size=31),
)
def test_logic_agrees_with_the_thresholds_at_every_point(
    steps: list[float], volts: list[float]
) -> None:
    n = min(len(steps) + 1, len(volts))
    t = np.concatenate(([0.0], np.cumsum(steps)))[:n]
    v = np.array(volts[:n])
    r = line1_logic(t, v, **NO_DELAY)
    levels = [r.initial_level, *(e.level for e in r.edges)]
    assert all(a != b for a, b in itertools.pairwise(levels))  # edges alternate
    times = np.array(r.edge_times_us)
    for ti, vi in zip(t, v, strict=True):
        if np.count_nonzero(t == ti) > 1:
            continue  # a vertical step has two levels at one time
        # The level at ti (edges at ti included): 1 above 2.2 V, 0 at or below 1.4 V.
        level = levels[int(np.searchsorted(times, ti, side="right"))]
        if vi > 2.2:
            assert level == 1
        elif vi <= 1.4:
            assert level == 0
    for issue in r.violations:
        assert issue.end_us > issue.start_us
    assert [w.peak_v > 24.0 for w in r.warnings if w.kind == "above_safe_range"] == [
        True for w in r.warnings if w.kind == "above_safe_range"
    ]


def test_a_dip_touching_exactly_1_4v_is_a_low_pulse() -> None:
    # 5 V down to exactly 1.4 V at 10 µs and back: logic 0 at that instant, so the level falls
    # at 10 µs and rises again when the input passes 2.2 V on the way up (10.2 µs).
    r = line1_logic_from_points([(0, 5), (9, 5), (10, 1.4), (11, 5)], **NO_DELAY)
    assert r.edge_times_us == pytest.approx((10.0, 10.0 + 0.8 / 3.6))
    assert [e.level for e in r.edges] == [0, 1]
