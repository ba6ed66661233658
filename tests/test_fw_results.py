"""Frame causes (which input started each frame), result summaries and result files.

Every expected cycle is derived by hand from docs/semantics.md at a 1 MHz clock (1 µs = 1
cycle): pin edge -> trigger pulse = 3 + max(N, 1) cycles, + TriggerDelay D to frame_start;
TriggerSoftware performed in t -> pulse in t + 1 -> frame_start at t + 1 + D.
"""

from __future__ import annotations

import json

import pytest

from firmware_model import FrameCause, simulate
from firmware_model.results import RESULT_FILES, summarise, write_results
from firmware_model.scenario import loads_scenario

HEAD = """
device:
  clock_hz: 1_000_000
  constants: {SensorLineTime: 5, SensorReadoutOverhead: 40, SensorWidth: 16, SensorHeight: 2}
"""
FS = "selectors: {TriggerSelector: FrameStart}"

FALLING = (
    HEAD
    + f"""
duration: 1000
setup:
  - {{feature: ExposureTime, value: 10}}
  - {{feature: LineDebouncerTime, value: 5, selectors: {{LineSelector: Line1}}}}
  - {{feature: TriggerMode, value: "On", {FS}}}
  - {{feature: TriggerSource, value: Line1, {FS}}}
  - {{feature: TriggerActivation, value: FallingEdge, {FS}}}
  - {{feature: TriggerDelay, value: 7, {FS}}}
  - {{execute: AcquisitionStart}}
writes:
  - {{at: 300, feature: TriggerActivation, value: RisingEdge, {FS}}}
inputs:
  line1: [[100, 1], [200, 0], [400, 1], [404, 0], [406, 1], [600, 0]]
  line2: [[190, 1], [195, 0]]
"""
)


def test_falling_edge_and_timed_activation_change(camera_map):
    sc = loads_scenario(FALLING, camera_map)
    r = sc.run()
    # N = 5, D = 7: latency 3 + 5 + 7 = 15. FallingEdge: the fall at 200 -> frame at 215 (not
    # the rise at 100, nor Line2's rise at 190). RisingEdge from 301: the 4-cycle pulse at 400 is
    # filtered (N = 5); the rise at 406 -> trigger at 406 + 8 = 414 -> frame at 421. The fall
    # at 600 no longer triggers.
    assert r.pulses("frame_start") == [215, 421]
    assert r.frame_causes == [
        FrameCause(215, "Line1", 208, 200, 0),
        FrameCause(421, "Line1", 414, 406, 1),
    ]
    lines = summarise(sc, r)
    assert "Line1 rising edge -> frame_start latency: min 15 cycles (15 us), " in "\n".join(lines)
    assert (
        "Line1 falling edge -> frame_start latency: min 15 cycles (15 us), "
        "max 15 cycles (15 us), 1 frame"
    ) in lines
    assert not any("Line2" in line for line in lines)


INVERTED = (
    HEAD
    + f"""
duration: 400
setup:
  - {{feature: ExposureTime, value: 10}}
  - {{feature: LineInverter, value: true, selectors: {{LineSelector: Line1}}}}
  - {{feature: LineDebouncerTime, value: 5, selectors: {{LineSelector: Line1}}}}
  - {{feature: TriggerMode, value: "On", {FS}}}
  - {{feature: TriggerSource, value: Line1, {FS}}}
  - {{feature: TriggerDelay, value: 7, {FS}}}
  - {{execute: AcquisitionStart}}
inputs:
  line1: [[100, 1], [200, 0]]
"""
)


def test_inverted_line_and_a_level_change_without_pin_edge(camera_map):
    sc = loads_scenario(INVERTED, camera_map)
    r = sc.run()
    # The inverter makes x = 1 from cycle 0 with the pin low: y flips at the end of cycle 4
    # (5 cycles held), rise at 6, frame at 13 -- caused by no pin edge. RisingEdge of the
    # inverted level = the pin's fall at 200: rise at 208, frame at 215.
    assert r.frame_causes == [
        FrameCause(13, "Line1", 6, None, -1),
        FrameCause(215, "Line1", 208, 200, 0),
    ]
    lines = summarise(sc, r)
    assert (
        "Line1 falling edge -> frame_start latency: min 15 cycles (15 us), "
        "max 15 cycles (15 us), 1 frame"
    ) in lines
    assert (
        "Line1: 1 frame(s) triggered by a level change without a pin edge "
        "(a LineInverter or LineMode write): no latency"
    ) in lines


MIXED = (
    HEAD
    + f"""
duration: 400
setup:
  - {{feature: ExposureTime, value: 10}}
  - {{feature: TriggerMode, value: "On", {FS}}}
  - {{feature: TriggerSource, value: Software, {FS}}}
  - {{feature: TriggerDelay, value: 7, {FS}}}
  - {{feature: FrequencyConverterInputSource, value: Line1}}
  - {{execute: AcquisitionStart}}
writes:
  - {{at: 100, execute: TriggerSoftware, {FS}}}
  - {{at: 120, execute: TriggerSoftware, {FS}}}
  - {{at: 150, feature: TriggerSource, value: FrequencyConverter, {FS}}}
  - {{at: 300, feature: TriggerMode, value: "Off", {FS}}}
inputs:
  line1: [[200, 1], [250, 0]]
"""
)


def test_software_converter_and_free_running_frames(camera_map):
    sc = loads_scenario(MIXED, camera_map)
    r = sc.run()
    # write at 100 -> pulse 101 -> frame 108; write at 120 -> released at 128 while the frame
    # (P = 50) runs: overtrigger, its cause is dropped with it. Converter (M = Q = 1, N = 0):
    # pin rise at 200 -> rise and aligned pulse at 204 -> frame 211. TriggerMode Off from 301:
    # free-running frames at 301 (wait since 261) and 351.
    assert r.event_cycles("overtrigger") == [128]
    assert r.frame_causes == [
        FrameCause(108, "Software", 101, 100, -1),
        FrameCause(211, "FrequencyConverter", 204, None, -1),
        FrameCause(301, ""),
        FrameCause(351, ""),
    ]
    lines = summarise(sc, r)
    assert lines[2] == "frames: 4"
    assert lines[-3:] == [
        "TriggerSoftware write -> frame_start latency: min 8 cycles (8 us), "
        "max 8 cycles (8 us), 1 frame",
        "FrequencyConverter: 1 frame(s); latency not reported: a converter pulse is generated "
        "by the converter, not an input edge",
        "free-running (FrameStart TriggerMode Off): 2 frame(s), no trigger",
    ]


@pytest.mark.parametrize("text", [FALLING, INVERTED, MIXED])
def test_frame_causes_event_mode_equals_cycle_mode(camera_map, text):
    sc = loads_scenario(text, camera_map)
    a = simulate(sc.rmap, sc.cycles, line1=sc.line1, line2=sc.line2, writes=sc.writes, mode="cycle")
    b = simulate(sc.rmap, sc.cycles, line1=sc.line1, line2=sc.line2, writes=sc.writes)
    assert a.frame_causes == b.frame_causes
    assert a.edges == b.edges


def test_lost_triggers_keep_causes_aligned(slow_camera_map):
    # K = 4, D = 100: software triggers performed at 0, 10, ..., 40 enter at 1, 11, ..., 41;
    # the fifth finds 4 pending and is lost. Released at 101 (frame), 111, 121, 131
    # (overtriggers: P = 50 from 101); a trigger at 200 enters at 201 -> frame at 301.
    fs = {"TriggerSelector": "FrameStart"}
    writes = [
        (-1, "ExposureTime", 10.0),
        (-1, "TriggerMode", "On", fs),
        (-1, "TriggerSource", "Software", fs),
        (-1, "TriggerDelay", 100.0, fs),
        (-1, "AcquisitionStart", None),
        *[(t, "TriggerSoftware", None, fs) for t in (0, 10, 20, 30, 40, 200)],
    ]
    for mode in ("cycle", "event"):
        r = simulate(slow_camera_map, 400, writes=writes, mode=mode)
        assert r.event_cycles("trigger_lost") == [41]
        assert r.event_cycles("overtrigger") == [111, 121, 131]
        assert r.frame_causes == [
            FrameCause(101, "Software", 1, 0, -1),
            FrameCause(301, "Software", 201, 200, -1),
        ]


def test_write_results_files(camera_map, tmp_path):
    sc = loads_scenario(FALLING, camera_map, "falling.yaml")
    r = sc.run()
    out = tmp_path / "new" / "dir"
    summary = write_results(sc, r, out, title="t")
    assert sorted(p.name for p in out.iterdir()) == sorted(RESULT_FILES)
    assert (out / "summary.txt").read_text().splitlines() == summary
    assert summary[0] == "scenario: falling.yaml"
    assert summary[1] == "simulated: 1000 cycles = 1000 us at 1e+06 Hz"
    edges = json.loads((out / "edges.json").read_text())
    assert edges["frame_causes"][0] == {
        "frame": 215,
        "source": "Line1",
        "trigger": 208,
        "origin": 200,
        "level": 0,
    }
    assert (out / "events.csv").read_text().splitlines()[1] == "215,215.000000,frame_start,"
