"""The timing-spec loader: every diagnostic with its own bad fixture, units and expressions.

Each fixture in ``tests/data/timing/bad/`` marks the offending line with ``# <- error``; the
test checks that a diagnostic points at that line, at the column of the offending text, and says
what is wrong (and, where useful, what is allowed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regmap import RegisterMap
from timingspec.spec import SpecError, load_spec, loads_spec
from timingspec.units import split_unit

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "timing" / "bad"
MARK = "# <- error"

# fixture, text the caret must point at (on the marked line, or line_offset lines below),
# regex the message must match, regex the "allowed" note must match (or None), line offset.
CASES = [
    (
        "unknown_key",
        "stimulis",
        r"^unknown key 'stimulis' in requirement; did you mean 'stimulus'\?$",
        r"config, stimulus",
        0,
    ),
    (
        "unknown_feature",
        "TrigerDelay[FrameStart]",
        r"^unknown feature 'TrigerDelay'; did you mean 'TriggerDelay'\?$",
        None,
        0,
    ),
    (
        "unknown_selector_value",
        "TriggerDelay[FrameStrat]",
        r"^unknown TriggerSelector value 'FrameStrat' for TriggerDelay; "
        r"did you mean 'FrameStart'\?$",
        r"^FrameStart, AcquisitionStart$",
        0,
    ),
    (
        "missing_selector",
        "TriggerDelay",
        r"^feature 'TriggerDelay' is selected by TriggerSelector: write "
        r"TriggerDelay\[FrameStart\]$",
        r"TriggerDelay\[AcquisitionStart\]",
        0,
    ),
    (
        "unknown_enum",
        "Line3",
        r"^value of TriggerSource must be one of the allowed values, not 'Line3'; did you mean",
        r"^Software, Line1, Line2, FrequencyConverter$",
        0,
    ),
    (
        "bad_unit",
        "250 usec",
        r"^unknown unit 'usec' in value of TriggerDelay; did you mean 'us'\?$",
        r"time: s, ms, us",
        0,
    ),
    (
        "wrong_dimension",
        "250 Hz",
        r"^value of TriggerDelay must be a time, not 'Hz' \(frequency\)$",
        r"time: s, ms, us",
        0,
    ),
    (
        "out_of_range",
        "2 s",
        r"^value of TriggerDelay must be between 0 us and 1000000 us, not 2 s$",
        r"^0 us to 1000000 us$",
        0,
    ),
    (
        "read_only_feature",
        "ResultingFrameRate",
        r"^feature 'ResultingFrameRate' is read-only and cannot be configured$",
        None,
        0,
    ),
    ("missing_bound", "name", r"^missing required key 'bound' in requirement$", None, 0),
    (
        "empty_bound",
        "{}",
        r"^missing bound: give at least one of min, max or typ$",
        r"min, max, typ",
        0,
    ),
    ("tol_without_typ", "tol", r"^tol needs a typ value to be a tolerance around$", None, 0),
    (
        "bound_dimension",
        "5 Hz",
        r"^bound max must be a time, not 'Hz' \(frequency\)$",
        r"time: s, ms",
        0,
    ),
    (
        "unknown_expression_name",
        '"(FrameStartLatencyFix + 1) cycles"',
        r"^in bound max: unknown name 'FrameStartLatencyFix'; "
        r"did you mean 'FrameStartLatencyFixed'\?$",
        r"map constants",
        0,
    ),
    (
        "unknown_measure_kind",
        "latncy",
        r"^measurement kind must be one of the allowed values, not 'latncy'; "
        r"did you mean 'latency'\?$",
        r"latency, jitter, min_pulse_width, rate, count, opto_output, max_trigger_rate",
        0,
    ),
    (
        "unknown_event",
        "frame_strat",
        r"^latency end event must be one of the allowed values, not 'frame_strat'; "
        r"did you mean 'frame_start'\?$",
        r"line0_ext.rise",
        0,
    ),
    (
        "measure_key_for_other_kind",
        "figure",
        r"^key 'figure' does not apply to a latency measurement$",
        r"^kind, from, to, stat$",
        0,
    ),
    (
        "missing_pullup",
        "line0_ext.rise",
        r"^a latency measurement of the Line0 output voltage needs stimulus.line0_pullup$",
        None,
        0,
    ),
    (
        "pullup_out_of_table",
        "30 V",
        r"^line0_pullup 30 V is outside the opto output's table$",
        r"^5 V to 24 V$",
        0,
    ),
    (
        "electrical_unknown_line",
        "Line3",
        r"^electrical line must be one of the allowed values, not 'Line3'; did you mean "
        r"'Line2'\?$",
        r"^Line0, Line1, Line2$",
        0,
    ),
    (
        "electrical_unknown_figure",
        "safe_maxx",
        r"^Line1 figure must be one of the allowed values, not 'safe_maxx'; did you mean "
        r"'safe_max'\?$",
        r"logic0_max, logic1_min, unstable_low, unstable_high, safe_max, absolute_max",
        0,
    ),
    (
        "electrical_figure_of_other_line",
        "output_sink_current_max",
        r"^Line1 figure must be one of the allowed values, not 'output_sink_current_max'",
        r"sink_current_absolute_max$",
        0,
    ),
    (
        "electrical_variant_on_line2",
        "legacy-29mm",
        r"^a hardware variant applies to Line1 \(the opto input\), not Line2$",
        None,
        0,
    ),
    (
        "electrical_unknown_variant",
        "legacy-29",
        r"^hardware variant must be one of the allowed values, not 'legacy-29'; did you mean "
        r"'legacy-29mm'\?$",
        r"^standard, legacy-29mm$",
        0,
    ),
    (
        "electrical_bound_dimension",
        "15 V",
        r"^bound typ must be a current, not 'V' \(voltage\)$",
        r"current: A, mA, uA",
        0,
    ),
    (
        "electrical_missing_figure",
        "{kind: electrical",
        r"^missing required key 'figure' in an electrical measurement$",
        None,
        0,
    ),
    (
        "electrical_key_for_other_kind",
        "from",
        r"^key 'from' does not apply to an electrical measurement$",
        r"^kind, line, figure, variant$",
        0,
    ),
    (
        "yaml_syntax",
        "measure",
        r"^YAML syntax error: did not find expected ',' or '\}' "
        r"\(while parsing a flow mapping started at 11:17\)$",
        None,
        1,
    ),
]


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.stem for p in BAD.glob("*.yaml")) == sorted(c[0] for c in CASES)


@pytest.mark.parametrize(
    ("fixture", "caret", "message", "allowed", "offset"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_fixture_diagnostic(
    camera_map: RegisterMap,
    fixture: str,
    caret: str,
    message: str,
    allowed: str | None,
    offset: int,
) -> None:
    path = BAD / f"{fixture}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    marked = next(i for i, line in enumerate(lines, 1) if MARK in line)
    line_no = marked + offset
    with pytest.raises(SpecError) as info:
        load_spec(path, camera_map)
    diags = [d for d in info.value.diagnostics if d.loc.line == line_no]
    assert diags, f"no diagnostic on line {line_no}: {info.value.render()}"
    d = next((d for d in diags if re.search(message, d.message)), None)
    assert d is not None, info.value.render()
    assert d.loc.file == str(path)
    col = lines[line_no - 1].index(caret) + 1
    assert d.loc.col == col
    rendered = d.render()
    assert rendered.startswith(f"{path}:{line_no}:{col}: error: ")
    assert lines[line_no - 1] in rendered
    caret_line = rendered.splitlines()[2]
    assert caret_line.index("^") - caret_line.index("|") - 2 == col - 1
    if allowed is None:
        assert "allowed" not in rendered or d.allowed == ""
    else:
        assert re.search(allowed, d.allowed), d.allowed


def test_errors_are_collected(camera_map: RegisterMap) -> None:
    text = """spec: many
requirements:
  - name: a
    config:
      TrigerMode[FrameStart]: "On"
      TriggerDelay[FrameStart]: 3 parsecs
    stimulus: {line1: {edges: [100 us, 200 us]}}
    measure: {kind: count, of: frames}
    bound: {max: 1}
  - name: b
    measure: {kind: count, of: framez}
    bound: {max: 1}
"""
    with pytest.raises(SpecError) as info:
        loads_spec(text, camera_map, "many.yaml")
    got = [(d.loc.line, d.message.split(";")[0]) for d in info.value.diagnostics]
    assert got == [
        (5, "unknown feature 'TrigerMode'"),
        (6, "unknown unit 'parsecs' in value of TriggerDelay"),
        (11, "counted event must be one of the allowed values, not 'framez'"),
    ]
    assert info.value.render().endswith("3 errors found")


def test_duplicate_requirement(camera_map: RegisterMap) -> None:
    text = """spec: dup
requirements:
  - {name: a, measure: {kind: count, of: frames}, bound: {max: 1}}
  - {name: a, measure: {kind: count, of: frames}, bound: {max: 2}}
"""
    with pytest.raises(
        SpecError,
        match=r"dup.yaml:4:12: error: duplicate requirement 'a' "
        r"\(first at dup.yaml:3:12\)",
    ):
        loads_spec(text, camera_map, "dup.yaml")


def test_empty_spec(camera_map: RegisterMap) -> None:
    with pytest.raises(SpecError, match=r"empty\.yaml:1:1: error: the timing spec is empty"):
        loads_spec("", camera_map, "empty.yaml")


def test_values_are_converted_with_the_map(camera_map: RegisterMap) -> None:
    text = """spec: units
defaults:
  config:
    ExposureTime: 100 us
requirements:
  - name: a
    config:
      TriggerDelay[FrameStart]: 1 s
      LineDebouncerTime[Line1]: 1500
      AcquisitionFrameRate: 50 Hz
      TriggerMode[FrameStart]: "On"
      LineInverter[Line1]: true
      FrequencyConverterMultiplier[FrequencyConverter0]: 7
    stimulus: {line1: {edges: [100 us, 200 us]}}
    measure: {kind: latency, from: line1.rise, to: frame_start}
    bound:
      typ: ["(FrameStartLatencyFixed + LineDebouncerTime[Line1] + TriggerDelay[FrameStart]) cycles",
            44.8 us]
      tol: 0.5 %
"""
    spec = loads_spec(text, camera_map, "units.yaml")
    (req,) = spec.requirements
    raw = {s.key: s.raw for s in req.config}
    # 125 MHz: 1 s = 125e6 cycles, 1500 µs = 187500, 100 µs = 12500; 50 Hz = 2.5e6-cycle period.
    assert raw == {
        "ExposureTime": 12_500,
        "TriggerDelay[FrameStart]": 125_000_000,
        "LineDebouncerTime[Line1]": 187_500,
        "AcquisitionFrameRate": 2_500_000,
        "TriggerMode[FrameStart]": 1,
        "LineInverter[Line1]": 1,
        "FrequencyConverterMultiplier[FrequencyConverter0]": 7,
    }
    # (3 + 187500 + 125e6) cycles of 8 ns, plus 44.8 µs; 0.5 % of that is the tolerance.
    typ = (3 + 187_500 + 125_000_000) * 0.008 + 44.8
    assert req.bound.typ is not None
    assert req.bound.typ.value == pytest.approx(typ)
    assert req.bound.limits() == pytest.approx((typ * 0.995, typ * 1.005))


def test_requirement_config_overrides_defaults(camera_map: RegisterMap) -> None:
    text = """spec: d
defaults:
  config: {ExposureTime: 100 us, AcquisitionMode: SingleFrame}
requirements:
  - name: a
    config: {ExposureTime: 1 ms}
    measure: {kind: count, of: frames}
    bound: {max: 1}
"""
    (req,) = loads_spec(text, camera_map).requirements
    assert {s.key: s.raw for s in req.config} == {"ExposureTime": 125_000, "AcquisitionMode": 0}


def test_merge_keys_and_anchors(camera_map: RegisterMap) -> None:
    text = """spec: m
requirements:
  - &base
    name: a
    measure: {kind: count, of: frames}
    bound: {max: 1}
  - {<<: *base, name: b, bound: {max: 2}}
"""
    a, b = loads_spec(text, camera_map).requirements
    assert (a.name, b.name) == ("a", "b")
    assert b.measure.kind == "count"
    assert b.bound.max is not None and b.bound.max.value == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("250 us", ("250", "us")),
        ("250us", ("250", "us")),
        ("1.5e3 ns", ("1.5e3", "ns")),
        ("(A + B) cycles", ("(A + B)", "cycles")),
        ("20 - TriggerFifoDepth", ("20 - TriggerFifoDepth", "")),
        ("3 parsecs", ("3", "parsecs")),
        ("42", ("42", "")),
    ],
)
def test_split_unit(text: str, expected: tuple[str, str]) -> None:
    assert split_unit(text) == expected


def test_bundled_spec_loads(camera_map: RegisterMap) -> None:
    spec = load_spec(ROOT / "timingspec" / "specs" / "camera-timing.yaml", camera_map)
    names = [r.name for r in spec.requirements]
    assert len(names) == len(set(names)) >= 30
    kinds = {r.measure.kind for r in spec.requirements}
    assert kinds == {
        "latency",
        "jitter",
        "min_pulse_width",
        "rate",
        "count",
        "opto_output",
        "max_trigger_rate",
        "electrical",
    }


# The manual's Digital I/O figures (docs/spec/camera-features.md), typed by hand: V, mA or Ω.
MANUAL_LINE_FIGURES = {
    ("Line0", "current_continuous_max", "standard"): 25.0,
    ("Line0", "current_absolute_max", "standard"): 50.0,
    ("Line0", "recommended_pullup_5v", "standard"): 270.0,
    ("Line0", "recommended_pullup_12v", "standard"): 560.0,
    ("Line0", "recommended_pullup_24v", "standard"): 1000.0,
    ("Line1", "logic0_max", "standard"): 1.4,
    ("Line1", "logic1_min", "standard"): 2.2,
    ("Line1", "unstable_low", "standard"): 1.0,
    ("Line1", "unstable_high", "standard"): 1.5,
    ("Line1", "safe_max", "standard"): 24.0,
    ("Line1", "absolute_max", "standard"): 30.0,
    ("Line1", "safe_max", "legacy-29mm"): 18.0,
    ("Line1", "absolute_max", "legacy-29mm"): 25.0,
    ("Line1", "sink_current_min", "standard"): 5.0,
    ("Line1", "sink_current_max", "standard"): 15.0,
    ("Line1", "sink_current_absolute_max", "standard"): 25.0,
    ("Line2", "output_sink_current_max", "standard"): 50.0,
    ("Line2", "output_safe_min", "standard"): 3.3,
    ("Line2", "output_safe_max", "standard"): 24.0,
    ("Line2", "output_absolute_max", "standard"): 30.0,
    ("Line2", "input_low_max", "standard"): 0.8,
    ("Line2", "input_low_sink_current", "standard"): 2.0,
    ("Line2", "input_high_current_max", "standard"): 0.1,
}


def test_bundled_spec_states_every_line_figure_of_the_manual(camera_map: RegisterMap) -> None:
    from timingspec.electrical import FIGURES

    spec = load_spec(ROOT / "timingspec" / "specs" / "camera-timing.yaml", camera_map)
    stated = {
        (r.measure.params["line"], r.measure.params["figure"], r.measure.params["variant"]): r
        for r in spec.requirements
        if r.measure.kind == "electrical"
    }
    assert set(stated) == set(MANUAL_LINE_FIGURES)
    assert {f for _l, f, _v in stated} == set(FIGURES)
    for key, value in MANUAL_LINE_FIGURES.items():
        bound = stated[key].bound
        assert bound.typ is not None and bound.typ.value == pytest.approx(value), key
        assert bound.tol_abs == pytest.approx(0.001 * value)  # tight: ± 0.1 %


@pytest.mark.parametrize(
    ("config", "hz"),
    [
        # at 512 MB/s the full Mono8 image transfers in 320 000 cycles
        ("{ExposureTime: 100 us, DeviceLinkThroughputLimit: 512000000}", 200.0),  # R = 625000
        ("{ExposureTime: 10 ms, DeviceLinkThroughputLimit: 512000000}", 100.0),  # E = 1.25e6
        (
            "{ExposureTime: 100 us, AcquisitionFrameRateEnable: true, AcquisitionFrameRate: 50 Hz}",
            50.0,
        ),  # P = the 2.5e6-cycle limit
        # the default 1 Gb/s link: Tx = 1280 * 1024 cycles; 125e6 / 1 310 720 = 95.367... Hz
        ("ExposureTime: 100 us", 95.367431640625),
        ("{ExposureTime: 100 us, PixelFormat: Mono12, Height: 512}", 95.367431640625),
    ],
)
def test_read_only_feature_in_a_bound_is_read_from_the_model(
    camera_map: RegisterMap, config: str, hz: float
) -> None:
    text = f"""spec: rf
requirements:
  - name: a
    config: {config if config.startswith("{") else "{" + config + "}"}
    measure: {{kind: count, of: frames}}
    bound: {{typ: "(clock_hz / ResultingFrameRate) Hz", tol: 0}}
"""
    with pytest.raises(SpecError, match=r"bound typ must be a count"):
        loads_spec(text, camera_map)
    (req,) = loads_spec(
        text.replace("count, of: frames", "rate, of: frame_start"), camera_map
    ).requirements
    assert req.bound.typ is not None and req.bound.typ.value == pytest.approx(hz)


def test_shared_errors_are_reported_once(camera_map: RegisterMap) -> None:
    text = """spec: once
defaults:
  config: {ExposureTme: 100 us}
requirements:
  - {name: a, measure: {kind: count, of: frames}, bound: {max: 1}}
  - {name: b, measure: {kind: count, of: frames}, bound: {max: 1}}
"""
    with pytest.raises(SpecError) as info:
        loads_spec(text, camera_map, "once.yaml")
    assert [str(d.loc) for d in info.value.diagnostics] == ["once.yaml:3:12"]
    assert "did you mean 'ExposureTime'" in info.value.diagnostics[0].message
