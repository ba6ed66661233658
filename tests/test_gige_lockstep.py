"""Lockstep through a real client: one scripted Aravis-binding session against the firmware-model
backend and against the RTL backend (both serving the slow-clock camera), compared.

The session writes features, reads them back, and grabs frames that a repeating scenario
triggers (Line1 pulses, and software triggers the scenario issues on the bus at fixed cycles),
then frames from the client's own software triggers. Both devices run the stepped clock
(``step``: device time moves only by STEP cycles after each write command), so every access
lands in a cycle that the session alone decides: everything the client sees must be the same on
both backends, every register value read, each frame's id, size, pixels and timestamp, and the
timestamps the client latches.
"""

from __future__ import annotations

import itertools

import pytest

from firmware_model.scenario import loads_scenario
from gige.device import ACCESS_CYCLES
from regmap import RegisterMap
from tests.clients import aravis
from tests.clients.twin import serve

pytestmark = pytest.mark.netns

PERIOD = 20_000  # µs: cycles of the 1 MHz slow-clock camera
STEP = 50_000  # cycles after each write: 2.5 periods, more than six scenario frames need
FS = "selectors: {TriggerSelector: FrameStart}"
SCENARIO = f"""
description: Line1 pulses and timed software triggers, every {PERIOD} us
duration: {PERIOD}
repeat: true
setup:
  - {{feature: TriggerMode, value: "On", {FS}}}
  - {{feature: TriggerSource, value: Line1, {FS}}}
writes:
  - {{at: 8000, feature: TriggerSource, value: Software, {FS}}}
  - {{at: 9000, execute: TriggerSoftware, {FS}}}
  - {{at: 9010, execute: TriggerSoftware, {FS}}}
  - {{at: 12000, feature: TriggerSource, value: Line1, {FS}}}
inputs:
  line1: [[1000, 1], [1100, 0], [4000, 1], [4003, 0], [5000, 1], [5400, 0]]
"""

WRITES = [
    ("Width", 32),
    ("Height", 6),
    ("OffsetX", 16),
    ("PixelFormat", "Mono12"),
    ("TestPattern", "ObliqueMonoBar"),
    ("ExposureTime", 400.0),
    ("LineSelector", "Line1"),
    ("LineDebouncerTime", 20.0),
    ("TriggerSelector", "FrameStart"),
    ("TriggerDelay", 30.0),
]
READS = [
    ("Width", "integer"),
    ("Height", "integer"),
    ("OffsetX", "integer"),
    ("PixelFormat", "string"),
    ("PayloadSize", "integer"),
    ("ExposureTime", "float"),
    ("LineDebouncerTime", "float"),
    ("TriggerDelay", "float"),
    ("ResultingFrameRate", "float"),
    ("SensorWidth", "integer"),
]


def _frame(f: dict, rmap: RegisterMap) -> tuple:
    assert f["status"] == "success", f
    ticks = f["timestamp_ns"] * rmap.clock_hz // 1_000_000_000
    return f["frame_id"], f["width"], f["height"], f["size"], f["sha256"], ticks


def _latch(c: aravis.AravisClient) -> int:
    c.execute("GevTimestampControlLatch")
    return c.get("GevTimestampValue")


def _session(rmap: RegisterMap, backend: str) -> dict:
    sc = loads_scenario(SCENARIO, rmap, "lockstep.yaml")
    seen: dict = {}
    with serve(rmap, scenario=sc, backend=backend, step=STEP), aravis.AravisClient() as c:
        for feature, value in WRITES:
            c.set(feature, value)
        seen["reads"] = [c.get(f, t) for f, t in READS]
        seen["latched"] = [_latch(c)]
        c.set("AcquisitionMode", "MultiFrame")
        c.set("AcquisitionFrameCount", 6)
        c.open_stream(16)
        c.execute("AcquisitionStart")
        seen["scenario frames"] = [_frame(f, rmap) for f in c.pop(6, 5.0)]
        assert aravis.wait_for(lambda: c.get("AcquisitionActive", "boolean") is False, 2.0)
        seen["after scenario"] = c.get("FrameCount")
        seen["latched"].append(_latch(c))
    # the client's own software triggers, one at a time, after a timestamp reset
    with serve(rmap, backend=backend, step=STEP), aravis.AravisClient() as c:
        for feature, value in WRITES:
            c.set(feature, value)
        c.execute("GevTimestampControlReset")
        c.set("TriggerMode", "On")
        c.set("TriggerSource", "Software")
        c.open_stream(8)
        c.execute("AcquisitionStart")
        frames = []
        for _ in range(3):
            c.execute("TriggerSoftware")
            frames += c.pop(1, 5.0)
        c.execute("AcquisitionStop")
        seen["client frames"] = [_frame(f, rmap) for f in frames]
        seen["after client"] = [c.get(n) for n in ("FrameCount", "OvertriggerCount")]
        seen["reads after"] = [c.get(f, t) for f, t in READS]
        seen["latched after"] = _latch(c)
    return seen


@pytest.mark.sim
def test_model_and_rtl_sessions_agree(slow_camera_map):
    model = _session(slow_camera_map, "model")
    rtl = _session(slow_camera_map, "verilator")
    assert rtl == model
    # what the scenario makes: per period frames from the 100 µs and the 400 µs Line1 pulses
    # (the 3 µs one is shorter than the debouncer) and one from the two timed software
    # triggers (the second finds the frame exposing: an overtrigger), three phases a period
    ticks = [f[5] for f in model["scenario frames"]]
    assert ticks == sorted(ticks) and len(set(ticks)) == 6
    phases = [t % PERIOD for t in ticks]
    assert len(set(phases)) == 3 and phases[:3] == phases[3:]
    assert [b - a for a, b in zip(ticks[:3], ticks[3:], strict=True)] == [PERIOD] * 3
    assert model["after scenario"] == 6
    # the client's triggers: one frame each, the same number of cycles apart: the step of the
    # TriggerSoftware write and 8 per camera register the client reads before the next one
    client = [f[5] for f in model["client frames"]]
    assert [f[0] for f in model["client frames"]] == [1, 2, 3]
    gaps = [b - a for a, b in itertools.pairwise(client)]
    assert gaps[0] == gaps[1] and gaps[0] >= STEP and (gaps[0] - STEP) % ACCESS_CYCLES == 0
    # the last latch comes after the frames (the client wrote since)
    assert model["latched after"] > client[-1]
