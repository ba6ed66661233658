"""Evaluating timing specs on the event-driven model: engine, measurements, verdicts.

Expected values are derived by hand from docs/semantics.md (latency table: pin edge ->
frame_start = 3 + max(N, 1) + D cycles; +1 to the Line0 pin), the datasheet
(docs/spec/camera-features.md) and the camera map (125 MHz: one cycle = 8 ns; readout 625000
cycles = 5 ms; trigger FIFO depth 16).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from regmap import RegisterMap, load
from timingspec.engine import Scenario, config_writes, run_model, run_stepped
from timingspec.measure import evaluate
from timingspec.spec import load_spec, loads_spec

from .conftest import slow_camera

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "timingspec" / "specs" / "camera-timing.yaml"
DATA = ROOT / "tests" / "data" / "timing"
NS = 1e-3  # µs


# ---------------------------------------------------------------------------------- engine


def _random_scenario(rmap: RegisterMap, seed: int) -> Scenario:
    rnd = random.Random(seed)
    settings = [
        ("TriggerMode", "FrameStart", rnd.randint(0, 1)),
        ("TriggerSource", "FrameStart", rnd.choice([0, 1, 2, 3])),
        ("TriggerActivation", "FrameStart", rnd.randint(0, 1)),
        ("TriggerDelay", "FrameStart", rnd.choice([0, 1, 5, 37, 200])),
        ("TriggerMode", "AcquisitionStart", rnd.choice([0, 0, 1])),
        ("TriggerDelay", "AcquisitionStart", rnd.choice([0, 3])),
        ("LineDebouncerTime", "Line1", rnd.choice([0, 1, 2, 7, 30])),
        ("LineDebouncerTime", "Line2", rnd.choice([0, 3])),
        ("LineInverter", "Line1", rnd.randint(0, 1)),
        ("LineMode", "Line2", rnd.randint(0, 1)),
        ("ExposureTime", None, rnd.choice([10, 40, 80])),
        ("LineSource", "Line0", rnd.randint(0, 7)),
        ("LineSource", "Line2", rnd.randint(0, 7)),
        ("FrequencyConverterInputSource", "FrequencyConverter0", rnd.randint(0, 1)),
        ("FrequencyConverterMultiplier", "FrequencyConverter0", rnd.choice([1, 2, 3, 7])),
        ("FrequencyConverterDivider", "FrequencyConverter0", rnd.choice([1, 2, 3])),
        ("AcquisitionMode", None, rnd.randint(0, 2)),
        ("AcquisitionFrameCount", None, rnd.randint(1, 3)),
    ]
    writes, _regs = config_writes(rmap, settings)
    lines = []
    for _ in range(2):
        edges, c, level = [], 0, 0
        for _ in range(rnd.randint(0, 25)):
            c += rnd.choice([1, 2, 3, 5, 10, 40, 100, 300])
            level ^= 1
            edges.append((c, level))
        lines.append(tuple(edges))
    return Scenario(
        1 + max(e[-1][0] if e else 0 for e in lines) + rnd.randint(0, 1500),
        tuple(writes),
        lines[0],
        lines[1],
    )


@pytest.mark.parametrize("seed", range(25))
def test_model_backend_event_mode_matches_cycle_mode(camera_map: RegisterMap, seed: int) -> None:
    rmap = slow_camera(camera_map)
    sc = _random_scenario(rmap, seed)
    fast, slow = run_model(rmap, sc), run_stepped(rmap, sc)
    assert fast.edges == slow.edges
    assert fast.events == slow.events


def test_one_second_delay_is_cheap_and_exact(camera_map: RegisterMap) -> None:
    writes, _ = config_writes(
        camera_map,
        [
            ("TriggerMode", "FrameStart", 1),
            ("TriggerDelay", "FrameStart", 125_000_000),  # 1 s at 125 MHz
            ("ExposureTime", None, 12_500),
        ],
    )
    sc = Scenario(130_000_000, tuple(writes), ((1000, 1), (2000, 0)))
    result = run_model(camera_map, sc)
    # Pin high from cycle 1000: frame_start at 1000 + 3 + max(0, 1) + 125e6.
    assert result.edges["frame_start"] == [(125_001_004, 1), (125_001_005, 0)]
    assert result.edges["line1_in"] == [(1000, 1), (2000, 0)]


def test_scenario_edges_are_checked(camera_map: RegisterMap) -> None:
    with pytest.raises(ValueError, match="line1 edge cycles must increase: 5 after 5"):
        run_model(camera_map, Scenario(10, (), ((5, 1), (5, 0))))


# -------------------------------------------------------------------- the camera's spec


@pytest.fixture(scope="module")
def camera_results(camera_map: RegisterMap) -> dict:
    spec = load_spec(SPEC, camera_map)
    return {r.name: evaluate(camera_map, r) for r in spec.requirements}


def test_camera_spec_passes_on_the_bundled_camera(camera_results: dict) -> None:
    failed = {
        n: (r.measurement.value, r.measurement.note)
        for n, r in camera_results.items()
        if not r.passed
    }
    assert failed == {}
    assert all(r.margin is not None and r.margin >= 0 for r in camera_results.values())


@pytest.mark.parametrize(
    ("name", "delay_cycles", "debounce_cycles"),
    [
        ("trigger-delay-0", 0, 0),
        ("trigger-delay-250us", 31_250, 0),
        ("trigger-delay-500ms", 62_500_000, 0),
        ("trigger-delay-1s", 125_000_000, 0),
        ("debouncer-latency-1500us", 0, 187_500),
    ],
)
def test_trigger_latency_by_hand(
    camera_results: dict, name: str, delay_cycles: int, debounce_cycles: int
) -> None:
    r = camera_results[name]
    phases = r.requirement.stimulus.phases
    fixed = 3 + max(debounce_cycles, 1) + delay_cycles
    # Phase k/phases of a cycle after a clock edge waits 1 - k/phases cycle for the sample.
    expected = sorted((fixed + (1 - k / phases if k else 0)) * 8 * NS for k in range(phases))
    assert sorted(r.measurement.samples[:phases]) == pytest.approx(expected, abs=1e-9)
    assert r.measurement.value == pytest.approx((fixed + 1 - 1 / phases) * 8 * NS, abs=1e-9)


def test_jitter_is_below_one_cycle(camera_results: dict) -> None:
    # 16 phases: the sampling wait ranges over 0 .. 15/16 cycle of 8 ns.
    assert camera_results["trigger-jitter"].measurement.value == pytest.approx(7.5 * NS)


def test_debouncer_claims(camera_results: dict) -> None:
    assert camera_results["debouncer-1500us-min-pulse"].measurement.value == pytest.approx(1500)
    assert camera_results["debouncer-1500us-filters-1499us"].measurement.value == 0
    assert camera_results["debouncer-1500us-passes-1501us"].measurement.value == 4
    assert camera_results["debouncer-no-stream"].measurement.value == 0


def test_opto_input_levels(camera_results: dict) -> None:
    # Line1: 0-1.4 V is logic 0, above 2.2 V logic 1; 4 pulses each.
    assert camera_results["line1-1v2-is-logic-0"].measurement.value == 0
    assert camera_results["line1-3v3-is-logic-1"].measurement.value == 4
    assert camera_results["line1-24v-is-logic-1"].measurement.value == 4


def test_trigger_capacity(camera_results: dict) -> None:
    # P = max(E, R): readout 5 ms -> 200 Hz; exposure 10 ms -> 100 Hz; limit 50 Hz.
    assert camera_results["max-trigger-rate-200hz"].measurement.value == pytest.approx(200)
    assert camera_results["max-trigger-rate-100hz"].measurement.value == pytest.approx(100)
    assert camera_results["max-trigger-rate-50hz-limit"].measurement.value == pytest.approx(50)
    # 20 triggers within the 1 s delay: 16 fit the FIFO, 4 are lost; the 16 come out 100 µs
    # apart, the first starts a 5 ms frame and the other 15 find the camera busy.
    assert camera_results["lost-triggers-fifo-full"].measurement.value == 4
    assert camera_results["overtriggers-while-busy"].measurement.value == 15


@pytest.mark.parametrize(
    ("name", "rate"),
    [
        ("freqconv-2048hz-m1-d1", 2048),
        ("freqconv-2048hz-d2", 1024),
        ("freqconv-2048hz-m2", 4096),
        ("freqconv-2048hz-m2-d2", 2048),
    ],
)
def test_frequency_converter_rates(camera_results: dict, name: str, rate: float) -> None:
    assert camera_results[name].measurement.value == pytest.approx(rate, rel=1e-3)


def test_end_to_end_latency(camera_results: dict) -> None:
    # 250 µs delay: Line0 pin at 4 + 1 + 31250 cycles (+ < 1 cycle of phase); then tDR at 24 V.
    pin = camera_results["trigger-to-line0-pin"].measurement
    assert min(pin.samples) == pytest.approx(31_255 * 8 * NS, abs=1e-9)
    assert max(pin.samples) < 31_256 * 8 * NS
    out = camera_results["trigger-to-line0-output-24v"].measurement
    assert min(out.samples) == pytest.approx(31_255 * 8 * NS + 44.8, abs=0.05)


@pytest.mark.parametrize(
    ("volts", "figures"),
    [
        (5, (19.70, 3.20, 39.9, 8.06)),
        (12, (24.06, 5.22, 44.8, 11.8)),
        (24, (30.11, 8.10, 44.8, 53.2)),
    ],
)
def test_table_3_4(camera_results: dict, volts: int, figures: tuple[float, ...]) -> None:
    for fig, expected in zip(("tR", "tF", "tDR", "tDF"), figures, strict=True):
        got = camera_results[f"opto-{volts}v-{fig}"].measurement.value
        assert got == pytest.approx(expected, rel=0.01), fig


# ------------------------------------------------------------------------------ failures


def test_wrong_documented_latency_is_found(camera_map: RegisterMap) -> None:
    wrong = load(DATA / "camera-wrong-latency.yaml")
    assert wrong.constant("FrameStartLatencyFixed") == 5
    spec = load_spec(SPEC, wrong)
    results = {
        r.name: evaluate(wrong, r)
        for r in spec.requirements
        if r.name.startswith(("trigger-delay-", "debouncer-latency", "trigger-to-line0-pin"))
    }
    assert results
    for name, r in results.items():
        assert not r.passed, name
        # The model takes 3 fixed cycles, the map documents 5: the earliest sample is 2 cycles
        # below the documented minimum.
        assert r.margin == pytest.approx(-2 * 8 * NS, abs=1e-9), name


def test_impossible_bound_fails(camera_map: RegisterMap) -> None:
    spec = load_spec(DATA / "impossible.yaml", camera_map)
    results = {r.name: evaluate(camera_map, r) for r in spec.requirements}
    assert results["possible"].passed
    bad = results["impossible-latency"]
    assert not bad.passed
    # 250 µs + 4 cycles (3 fixed + 1 debounce) with both pulses on a clock edge.
    assert bad.measurement.value == pytest.approx(250 + 4 * 8 * NS)
    assert bad.margin == pytest.approx(100 - 250 - 4 * 8 * NS)
    never = results["never-triggered"]
    assert not never.passed
    assert never.measurement.value is None
    assert never.margin is None
    assert never.measurement.note == "only 0 of 2 line1.rise events produced frame_start"


def test_voltage_stimulus_through_the_opto_input(camera_map: RegisterMap) -> None:
    from firmware_model.electrical import load_opto_data

    text = """spec: v
requirements:
  - name: v
    config:
      TriggerMode[FrameStart]: "On"
      ExposureTime: 100 us
    stimulus:
      line1:
        pulses: {start: 100 us, width: 50 us, period: 10 ms, count: 1}
        voltage: {high: 24 V, ramp: 2 us}
    measure: {kind: latency, from: line1_input.rise, to: frame_start}
    bound: {max: 1 ms}
"""
    (req,) = loads_spec(text, camera_map).requirements
    r = evaluate(camera_map, req)
    delay = load_opto_data().input_delay_rise_us
    # 0 -> 24 V in 2 µs from 100 µs crosses the 2.2 V logic-1 threshold at 100 + 2.2/12 µs;
    # the pin rises `delay` later, is sampled at the next 8 ns clock edge, + 4 cycles.
    threshold = 100 + 2.2 / 24 * 2
    pin = threshold + delay
    sampled = -(-pin // (8 * NS)) * 8 * NS
    assert r.measurement.value == pytest.approx(sampled + 4 * 8 * NS - threshold, abs=1e-6)
