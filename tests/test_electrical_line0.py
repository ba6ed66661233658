"""Line0 opto-isolated output: Table 3-4 data, interpolation, waveform and measurement."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_model.electrical import (
    DEFAULT_DATA_PATH,
    line0_timing,
    line0_waveform,
    load_opto_data,
    measure_edges,
    measure_timing,
)

# Table 3-4 of the manual (docs/spec/camera-features.md): V -> (tR, tF, tDR, tDF) in µs.
TABLE_3_4 = {
    5.0: (19.70, 3.20, 39.9, 8.06),
    12.0: (24.06, 5.22, 44.8, 11.8),
    24.0: (30.11, 8.10, 44.8, 53.2),
}
# Hand-computed linear interpolation: 8.5 V is halfway between 5 and 12 V, 18 V halfway
# between 12 and 24 V, so each figure is the mean of its two neighbours.
INTERPOLATED = {
    8.5: (21.88, 4.21, 42.35, 9.93),
    18.0: (27.085, 6.66, 44.8, 32.5),
}
# 7 V is 2/7 of the way from 5 to 12 V: tR = 19.70 + (2/7)*4.36 = 20.945714...
AT_7V_TR = 19.70 + 2.0 / 7.0 * (24.06 - 19.70)

LN9, LN10 = math.log(9), math.log(10)


def _figs(t) -> tuple[float, float, float, float]:
    return (t.tr_us, t.tf_us, t.tdr_us, t.tdf_us)


@pytest.mark.parametrize("volts", sorted(TABLE_3_4))
def test_table_voltages_give_the_table(volts: float) -> None:
    assert _figs(line0_timing(volts)) == pytest.approx(TABLE_3_4[volts], rel=1e-12)


@pytest.mark.parametrize("volts", sorted(INTERPOLATED))
def test_interpolation_is_linear_between_rows(volts: float) -> None:
    assert _figs(line0_timing(volts)) == pytest.approx(INTERPOLATED[volts], rel=1e-12)


def test_interpolation_at_an_uneven_point() -> None:
    assert line0_timing(7.0).tr_us == pytest.approx(AT_7V_TR, rel=1e-12)


@pytest.mark.parametrize("volts", [*sorted(TABLE_3_4), *sorted(INTERPOLATED)])
def test_measured_waveform_reproduces_the_figures_within_1_percent(volts: float) -> None:
    expected = {**TABLE_3_4, **INTERPOLATED}[volts]
    edges = [100.0, 300.0, 500.0, 700.0]  # two full pulses, each transition completes
    wf = line0_waveform(edges, volts)
    t, v = wf.sample(0.0, 900.0, 0.02)
    measured = measure_timing(t, v, edges, v_low=0.0, v_high=volts)
    assert _figs(measured) == pytest.approx(expected, rel=0.01)
    # The default amplitude (min..max of the samples) gives the same result once settled.
    assert _figs(measure_timing(t, v, edges)) == pytest.approx(expected, rel=0.01)


def test_each_edge_is_measured_separately() -> None:
    wf = line0_waveform([100.0, 300.0], 12.0)
    t, v = wf.sample(0.0, 500.0, 0.02)
    rise, fall = measure_edges(t, v, [100.0, 300.0], v_low=0.0, v_high=12.0)
    assert rise.rising and not fall.rising
    assert rise.t90_us == pytest.approx(100.0 + 44.8, abs=0.01)
    assert rise.t10_us == pytest.approx(100.0 + 44.8 - 24.06, abs=0.01)
    assert fall.t10_us == pytest.approx(300.0 + 11.8, abs=0.01)
    assert fall.t90_us == pytest.approx(300.0 + 11.8 - 5.22, abs=0.01)


def test_measurement_of_a_hand_made_linear_waveform() -> None:
    # 0->10 V ramp from 10 to 20 µs after a pin rise at 0 µs: 10 % at 11, 90 % at 19 µs.
    # 10->0 V ramp from 60 to 62 µs after a pin fall at 50 µs: 90 % at 60.2, 10 % at 61.8 µs.
    t = [0.0, 10.0, 20.0, 60.0, 62.0, 80.0]
    v = [0.0, 0.0, 10.0, 10.0, 0.0, 0.0]
    m = measure_timing(t, v, [0.0, 50.0])
    assert _figs(m) == pytest.approx((8.0, 1.6, 19.0, 11.8), rel=1e-9)


def test_measurement_with_initial_high_level() -> None:
    # Pin starts high: the first edge (at 5 µs) is falling, the second (at 40 µs) rising.
    t = [0.0, 10.0, 11.0, 45.0, 55.0, 70.0]
    v = [5.0, 5.0, 0.0, 0.0, 5.0, 5.0]
    m = measure_timing(t, v, [5.0, 40.0], initial_level=1)
    assert _figs(m) == pytest.approx((8.0, 0.8, 14.0, 5.9), rel=1e-9)


def test_measure_timing_needs_both_edge_directions() -> None:
    t, v = [0.0, 10.0, 20.0], [0.0, 0.0, 5.0]
    with pytest.raises(ValueError, match="no falling edge"):
        measure_timing(t, v, [0.0])


def test_settled_levels_and_initial_level() -> None:
    wf = line0_waveform([10.0], 24.0)
    assert wf.voltage_at([0.0, 10.0, 20.0]) == pytest.approx([0.0, 0.0, 0.0])
    assert float(wf.voltage_at(1000.0)) == pytest.approx(24.0, rel=1e-9)
    hi = line0_waveform([10.0], 24.0, initial_level=1)
    assert float(hi.voltage_at(0.0)) == 24.0
    assert float(hi.voltage_at(1000.0)) == pytest.approx(0.0, abs=1e-9)
    flat = line0_waveform([], 5.0, initial_level=1)
    assert flat.voltage_at([0.0, 1e6]) == pytest.approx([5.0, 5.0])


def test_falling_edge_during_a_rise_starts_from_the_partial_level() -> None:
    # 12 V, pin high from 0 to 30 µs. With the exponential shape the rise starts at
    # dr = tDR - tR*ln10/ln9 and the fall at 30 + tDF - tF*ln10/ln9, from whatever the rise
    # reached: V*(1 - exp(-(fall start - rise start)/tau_r)), tau_r = tR/ln9.
    vpu, tr, tf, tdr, tdf = 12.0, 24.06, 5.22, 44.8, 11.8
    rise_start = tdr - tr * LN10 / LN9
    fall_start = 30.0 + tdf - tf * LN10 / LN9
    peak = vpu * (1.0 - math.exp(-(fall_start - rise_start) / (tr / LN9)))
    wf = line0_waveform([0.0, 30.0], vpu)
    t, v = wf.sample(0.0, 200.0, 0.01)
    assert v.max() == pytest.approx(peak, rel=1e-3)
    assert t[v.argmax()] == pytest.approx(fall_start, abs=0.02)
    assert np.abs(np.diff(v)).max() < 0.05  # continuous: no jump at the interruption
    assert v[-1] == pytest.approx(0.0, abs=1e-6)
    rise, fall = measure_edges(t, v, [0.0, 30.0], v_low=0.0, v_high=vpu)
    assert rise.t90_us is None and rise.delay_us is None  # never reached 90 %
    assert fall.t90_us is None  # the fall started below 90 %: no tF, but tDF is measured
    assert fall.t10_us is not None and fall.delay_us is not None


def test_pulse_shorter_than_the_dead_time_difference_is_suppressed() -> None:
    # At 5 V the rise starts ~19.3 µs after the pin edge but a fall only ~4.7 µs after it:
    # a 10 µs pin pulse is superseded before the output moves.
    wf = line0_waveform([100.0, 110.0], 5.0)
    assert wf.suppressed_edges_us == (100.0,)
    _, v = wf.sample(0.0, 300.0, 0.05)
    assert np.all(v == 0.0)


@settings(max_examples=40, deadline=None)
@given(
    volts=st.floats(5.0, 24.0),
    gaps=st.lists(st.floats(0.5, 120.0), min_size=1, max_size=8),
    initial=st.sampled_from([0, 1]),
)
def test_waveform_stays_within_the_rails_and_is_continuous(
    volts: float, gaps: list[float], initial: int
) -> None:
    edges = list(np.cumsum(gaps))
    wf = line0_waveform(edges, volts, initial_level=initial)
    _, v = wf.sample(0.0, edges[-1] + 300.0, 0.05)
    assert v.min() >= -1e-9 and v.max() <= volts + 1e-9
    # Largest possible step between samples: the fastest slope (V/tau_f at full swing).
    tau_f = line0_timing(volts).tf_us / LN9
    assert np.abs(np.diff(v)).max() <= volts * 0.05 / tau_f * 1.01
    # After everything settles the output follows the final pin level.
    final = (initial + len(edges)) % 2
    assert v[-1] == pytest.approx(volts * final, abs=1e-3 * volts)


@pytest.mark.parametrize(
    ("volts", "message"),
    [
        (30.0, "pull-up voltage must be within 5–24 V, not 30.0 V"),
        (4.99, "pull-up voltage must be within 5–24 V, not 4.99 V"),
        (24.5, "pull-up voltage must be within 5–24 V, not 24.5 V"),
    ],
)
def test_pullup_voltage_outside_the_table_is_an_error(volts: float, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        line0_waveform([0.0], volts)


def test_non_finite_voltage_is_an_error() -> None:
    with pytest.raises(ValueError, match="pull-up voltage must be a finite number"):
        line0_timing(float("nan"))


@pytest.mark.parametrize(("volts", "ohm"), [(5.0, 270.0), (12.0, 560.0), (24.0, 1000.0)])
def test_recommended_pullups_are_within_the_current_limit(volts: float, ohm: float) -> None:
    assert load_opto_data().recommended_pullup_ohm[volts] == ohm
    wf = line0_waveform([0.0], volts, pullup_ohm=ohm)
    assert wf.pullup_current_ma == pytest.approx(volts / ohm * 1000.0)
    assert wf.pullup_current_ma <= 25.0


def test_current_at_exactly_25_ma_is_allowed() -> None:
    assert line0_waveform([0.0], 5.0, pullup_ohm=200.0).pullup_current_ma == pytest.approx(25.0)


def test_current_above_the_limit_is_an_error() -> None:
    msg = (
        r"Line0 current 30\.0 mA \(12 V / 400 Ω\) exceeds the 25 mA continuous limit "
        r"\(50 mA absolute maximum\); use at least 480 Ω"
    )
    with pytest.raises(ValueError, match=msg):
        line0_waveform([0.0], 12.0, pullup_ohm=400.0)


@pytest.mark.parametrize("ohm", [0.0, -100.0])
def test_non_positive_resistance_is_an_error(ohm: float) -> None:
    with pytest.raises(ValueError, match="pull-up resistance must be positive"):
        line0_waveform([0.0], 12.0, pullup_ohm=ohm)


def test_pin_edges_must_increase() -> None:
    with pytest.raises(ValueError, match=r"edge 1 at 5\.0 µs is not after edge 0 at 5\.0 µs"):
        line0_waveform([5.0, 5.0], 12.0)


def test_sampling_arguments_are_checked() -> None:
    wf = line0_waveform([0.0], 12.0)
    with pytest.raises(ValueError, match="sampling step must be positive"):
        wf.sample(0.0, 10.0, 0.0)
    with pytest.raises(ValueError, match="must be after the start"):
        wf.sample(10.0, 10.0, 0.1)
    t, v = wf.sample(0.0, 10.0, 0.5)
    assert t.shape == v.shape == (21,) and t[-1] == pytest.approx(10.0)


def test_data_file_names_its_source() -> None:
    data = load_opto_data()
    assert "July 2021" in data.source
    assert "Table 3-4" in data.timing_source
    assert data.table_v == (5.0, 12.0, 24.0)
    assert (data.current_continuous_ma, data.current_absolute_max_ma) == (25.0, 50.0)


def test_broken_data_file_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "opto.yaml"
    text = DEFAULT_DATA_PATH.read_text(encoding="utf-8")
    bad.write_text(text.replace("tdr: 44.8, tdf: 53.2", "tdr: 44.8"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"missing key line0_opto_output.timing_us\[2\].tdf"):
        load_opto_data(bad)
