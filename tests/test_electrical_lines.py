"""Line1 and Line2 static limits (firmware_model/lines.py) against the manual's figures.

Expected values are the manual's figures (docs/spec/camera-features.md, Digital I/O) and
hand arithmetic (I = V / R), not read back from the data files.
"""

from __future__ import annotations

import pytest

from firmware_model.electrical import line1_logic_from_points, load_opto_data
from firmware_model.lines import (
    check_line0_output,
    check_line1_input,
    check_line2_input,
    check_line2_output,
    load_line2_data,
)

NO_DELAY = {"rise_delay_us": 0.0, "fall_delay_us": 0.0}


# ---- Line0 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("volts", "ohm"), [(5.0, 270.0), (12.0, 560.0), (24.0, 1000.0)])
def test_line0_recommended_pullups_are_clean(volts: float, ohm: float) -> None:
    r = check_line0_output(volts, ohm)
    assert r.issues == ()
    assert r.level("on").current_ma == pytest.approx(volts / ohm * 1e3)  # 18.5, 21.4, 24 mA
    assert (r.level("off").volts, r.level("off").logic, r.level("on").logic) == (volts, 1, 0)


@pytest.mark.parametrize(
    ("volts", "ohm", "codes"),
    [
        (12.0, 600.0, []),
        (5.0, 269.0, [("below_recommended_pullup", "warning")]),
        # 8.5 V: recommended 270 + (560 - 270) * 3.5 / 7 = 415 Ω (linear between 5 and 12 V).
        (8.5, 415.0, []),
        (8.5, 414.0, [("below_recommended_pullup", "warning")]),
        (
            24.0,
            959.0,  # 25.03 mA
            [("current_above_continuous", "warning"), ("below_recommended_pullup", "warning")],
        ),
        (12.0, 480.0, [("below_recommended_pullup", "warning")]),  # exactly 25 mA
        (
            12.0,
            240.0,
            [("current_above_continuous", "warning"), ("below_recommended_pullup", "warning")],
        ),
        (12.0, 239.0, [("current_above_max", "error"), ("below_recommended_pullup", "warning")]),
        (3.3, 1000.0, [("outside_timing_table", "warning")]),
        (30.0, 10_000.0, [("outside_timing_table", "warning")]),
    ],
)
def test_line0_limits(volts: float, ohm: float, codes: list) -> None:
    assert [(i.code, i.severity) for i in check_line0_output(volts, ohm).issues] == codes


def test_line0_messages_quote_the_manual() -> None:
    msgs = [i.describe() for i in check_line0_output(5.0, 99.0).issues]
    assert msgs[0] == "Line0 error: current 50.51 mA exceeds the 50 mA absolute maximum"
    assert msgs[1].endswith("(270 Ω @5 V, 560 Ω @12 V, 1000 Ω @24 V)")
    (w,) = check_line0_output(24.0, 24.0 / 25.5 * 1e3).issues[:1]  # 25.5 mA
    assert "25 mA continuous (recommended)" in w.message


# ---- Line1 ---------------------------------------------------------------------------------


def test_line1_good_circuit_reads_both_levels_without_issue() -> None:
    r = check_line1_input(24.0, 0.0, current_ma=10.0)
    assert [(lv.name, lv.logic) for lv in r.levels] == [("low", 0), ("high", 1)]
    assert r.level("high").current_ma == 10.0
    assert r.issues == () and r.ok


@pytest.mark.parametrize(
    ("high", "logic"), [(1.4, 0), (1.41, None), (2.2, None), (2.21, 1), (30.0, 1)]
)
def test_line1_thresholds(high: float, logic: int | None) -> None:
    r = check_line1_input(high, current_ma=10.0)
    assert r.level("high").logic == logic
    assert ("undefined_level" in r.codes()) == (logic is None)


@pytest.mark.parametrize(
    ("current", "code", "severity"),
    [
        (4.9, "current_outside_range", "warning"),
        (5.0, None, None),
        (15.0, None, None),
        (15.1, "current_outside_range", "warning"),
        (25.0, "current_outside_range", "warning"),
        (25.1, "current_above_max", "error"),
    ],
)
def test_line1_sink_current_5_to_15_ma_and_25_ma_maximum(
    current: float, code: str | None, severity: str | None
) -> None:
    r = check_line1_input(12.0, current_ma=current)
    assert [(i.code, i.severity) for i in r.issues] == ([(code, severity)] if code else [])
    if code == "current_above_max":
        assert "25 mA maximum" in r.issues[0].message
    if code == "current_outside_range":
        assert "sink current 5-15 mA" in r.issues[0].message


@pytest.mark.parametrize(
    ("high", "variant", "code", "severity"),
    [
        (24.0, "standard", None, None),
        (24.5, "standard", "outside_safe_range", "warning"),
        (30.0, "standard", "outside_safe_range", "warning"),
        (30.1, "standard", "above_absolute_max", "error"),
        (18.0, "legacy-29mm", None, None),
        (18.5, "legacy-29mm", "outside_safe_range", "warning"),
        (25.0, "legacy-29mm", "outside_safe_range", "warning"),
        (25.1, "legacy-29mm", "above_absolute_max", "error"),
    ],
)
def test_line1_voltage_limits_and_the_legacy_variant(
    high: float, variant: str, code: str | None, severity: str | None
) -> None:
    r = check_line1_input(high, current_ma=10.0, variant=variant)
    assert [(i.code, i.severity) for i in r.issues] == ([(code, severity)] if code else [])
    if code == "above_absolute_max":
        limit = "30 V" if variant == "standard" else "25 V"
        assert f"{limit} absolute maximum" in r.issues[0].message


@pytest.mark.parametrize(("low", "logic"), [(0.99, 0), (1.0, 0), (1.2, 0), (1.4, 0), (1.5, None)])
def test_line1_levels_in_the_band_to_avoid_warn(low: float, logic: int | None) -> None:
    r = check_line1_input(5.0, low, current_ma=10.0)
    assert r.level("low").logic == logic  # logic 0 up to 1.4 V; 1.5 V is also undefined
    if low < 1.0:
        assert r.issues == ()
        return
    (w,) = r.warnings
    assert w.code == "unstable_band" and "avoid 1-1.5 V (circuit not stable)" in w.message


def test_line1_legacy_variant_is_selectable_by_name_and_unknown_names_are_errors() -> None:
    legacy = load_opto_data(variant="legacy-29mm")
    assert (legacy.safe_max_v, legacy.absolute_max_v) == (18.0, 25.0)
    assert (legacy.logic0_max_v, legacy.logic1_above_v) == (1.4, 2.2)  # thresholds unchanged
    with pytest.raises(ValueError, match=r"^hardware variant must be one of standard, legacy"):
        load_opto_data(variant="tiny")
    # The waveform check uses the variant's limits too.
    r = line1_logic_from_points([(0, 0), (1, 20), (2, 20), (3, 0)], data=legacy, **NO_DELAY)
    assert [w.kind for w in r.warnings] == ["above_safe_range"]
    with pytest.raises(ValueError, match=r"exceeds the 25 V absolute maximum"):
        line1_logic_from_points([(0, 0), (1, 26), (2, 0)], data=legacy)


def test_line1_waveform_dwelling_in_the_band_to_avoid_warns_but_edges_do_not() -> None:
    # A plateau at 1.2 V (enters from below, leaves below): a warning over the stay.
    r = line1_logic_from_points([(0, 0), (1, 1.2), (9, 1.2), (10, 0)], **NO_DELAY)
    (w,) = r.warnings
    assert w.kind == "unstable_band"
    assert (w.start_us, w.end_us) == pytest.approx((1 / 1.2, 10 - 1 / 1.2))
    assert "band to avoid" in w.describe()
    assert r.edges == ()
    # An ordinary edge through 1-1.5 V is no stay.
    r = line1_logic_from_points([(0, 0), (5, 5), (20, 5), (25, 0)], **NO_DELAY)
    assert r.warnings == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"high_v": 5.0, "low_v": 5.0, "current_ma": 10.0}, r"^low level must be below"),
        ({"high_v": float("nan"), "current_ma": 10.0}, r"^high level must be a finite number"),
        ({"high_v": 5.0, "current_ma": -1.0}, r"^Line1 current must be >= 0 mA, not -1 mA$"),
    ],
)
def test_line1_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_line1_input(**kwargs)


# ---- Line2 as an output ----------------------------------------------------------------------


def test_line2_output_levels_and_current() -> None:
    r = check_line2_output(12.0, 560.0)
    assert r.level("on").current_ma == pytest.approx(12 / 560 * 1e3)
    assert (r.level("off").volts, r.level("on").volts) == (12.0, 0.0)
    assert r.issues == ()
    # A receiver input of 10 kΩ to ground divides the off level.
    r = check_line2_output(12.0, 1000.0, load_ohm=10_000.0)
    assert r.level("off").volts == pytest.approx(12 * 10 / 11)


@pytest.mark.parametrize(
    ("supply", "ohm", "codes"),
    [
        (24.0, 480.0, []),  # exactly 50 mA
        (24.0, 470.0, [("sink_current_above_max", "error")]),
        (3.3, 1000.0, []),
        (3.2, 1000.0, [("below_safe_range", "warning")]),
        (24.0, 1000.0, []),
        (25.0, 1000.0, [("above_safe_range", "warning")]),
        (30.0, 1000.0, [("above_safe_range", "warning")]),
        (30.5, 1000.0, [("above_absolute_max", "error")]),
    ],
)
def test_line2_output_limits(supply: float, ohm: float, codes: list) -> None:
    r = check_line2_output(supply, ohm)
    assert [(i.code, i.severity) for i in r.issues] == codes


def test_line2_output_messages_quote_the_manual() -> None:
    (i,) = check_line2_output(3.0, 1000.0).issues
    assert (
        i.describe() == "Line2 warning: external voltage 3 V: <3.3 V may misbehave (possible error)"
    )
    (i,) = check_line2_output(31.0, 1000.0).issues
    assert i.message.endswith("30 V absolute maximum")
    (i,) = check_line2_output(12.0, 100.0).issues
    assert "up to 50 mA sink" in i.message and "at least 240 Ω" in i.message


# ---- Line2 as an input -----------------------------------------------------------------------


def test_line2_input_push_pull_driver_reads_both_levels() -> None:
    r = check_line2_input(5.0, 0.4, sink_ma=4.0, high_current_ua=20.0)
    assert [(lv.name, lv.logic) for lv in r.levels] == [("low", 0), ("high", 1)]
    assert r.level("low").current_ma == 2.0
    assert r.issues == ()


@pytest.mark.parametrize(
    ("kwargs", "low_logic", "codes"),
    [
        ({"high_v": 5.0, "low_v": 0.8, "sink_ma": 2.0}, 0, []),
        ({"high_v": 5.0, "low_v": 0.81, "sink_ma": 2.0}, 1, ["low_level_too_high"]),
        ({"high_v": 5.0, "low_v": 0.2, "sink_ma": 1.9}, 1, ["sink_too_weak"]),
        # An external 4.7 kΩ pull-up to 5 V adds (5 - 0.2) / 4.7 kΩ = 1.02 mA to sink.
        ({"high_v": 5.0, "low_v": 0.2, "sink_ma": 3.0, "pullup_ohm": 4700.0}, 1, ["sink_too_weak"]),
        ({"high_v": 5.0, "low_v": 0.2, "sink_ma": 3.1, "pullup_ohm": 4700.0}, 0, []),
        ({"high_v": 5.0, "sink_ma": 2.0, "high_current_ua": 100.0}, 0, []),
        ({"high_v": 5.0, "sink_ma": 2.0, "high_current_ua": 101.0}, 0, ["high_current_too_large"]),
        ({"high_v": 0.7, "sink_ma": 2.0}, 0, ["high_level_too_low"]),
        ({"high_v": 31.0, "sink_ma": 2.0}, 0, ["above_absolute_max"]),
    ],
)
def test_line2_input_limits(kwargs: dict, low_logic: int, codes: list) -> None:
    r = check_line2_input(**kwargs)
    assert r.level("low").logic == low_logic
    assert [i.code for i in r.issues] == codes
    assert all(i.severity == ("warning" if "safe" in i.code else "error") for i in r.issues)


def test_line2_input_messages_quote_the_manual() -> None:
    (i,) = check_line2_input(5.0, 1.0, sink_ma=5.0).issues
    assert i.message == "low level 1 V: external circuit must sink up to 2 mA below 0.8 V"
    (i,) = check_line2_input(5.0, sink_ma=5.0, high_current_ua=150.0).issues
    assert i.message == "150 µA at high level: <=100 µA at high level"


def test_line2_data_file_holds_the_manual_figures() -> None:
    d = load_line2_data()
    assert (d.out_sink_max_ma, d.out_safe_min_v, d.out_safe_max_v, d.absolute_max_v) == (
        50.0,
        3.3,
        24.0,
        30.0,
    )
    assert (d.in_low_max_v, d.in_low_sink_ma, d.in_high_current_max_ua) == (0.8, 2.0, 100.0)


def test_line2_bad_data_file_is_a_clear_error(tmp_path) -> None:
    p = tmp_path / "l2.yaml"
    p.write_text("source: {document: x}\noutput: {}\ninput: {}\n")
    with pytest.raises(ValueError, match=r"^Line2 data: missing key output.sink_current_max_ma$"):
        load_line2_data(p)


def test_module_example_runs() -> None:
    import doctest

    import firmware_model.lines as mod

    assert doctest.testmod(mod).attempted == 3 and doctest.testmod(mod).failed == 0


def test_bad_variant_data_is_a_clear_error(tmp_path) -> None:
    from firmware_model.electrical import DEFAULT_DATA_PATH

    text = DEFAULT_DATA_PATH.read_text(encoding="utf-8")
    bad = tmp_path / "opto.yaml"
    bad.write_text(text.replace("      safe_max_v: 18.0\n", "      safe_max_volts: 18.0\n"))
    with pytest.raises(
        ValueError,
        match=r"^opto I/O data: line1_opto_input.variants.legacy-29mm has unknown keys "
        r"\['safe_max_volts'\]$",
    ):
        load_opto_data(bad)
    # A variant whose safe range ends above its maximum is refused.
    bad.write_text(text.replace("      safe_max_v: 18.0\n", "      safe_max_v: 26.0\n"))
    with pytest.raises(ValueError, match=r"^opto I/O data \(legacy-29mm\): Line1 levels must"):
        load_opto_data(bad)
