"""The firmware model as a live device's backend (``firmware_model.device.FirmwareBackend``):
the same frames as the scenario simulator, whatever the chunks time is advanced in; frames
leave when read out; repeating scenarios; pins driven live; bus statuses."""

from __future__ import annotations

import random

import pytest

from firmware_model import simulate
from firmware_model.device import FirmwareBackend
from firmware_model.scenario import ScenarioError, loads_scenario
from gige.backend import Backend

SCENARIO = """
duration: 3000
setup:
  - {feature: ExposureTime, value: 20}
  - {feature: TriggerMode, value: On, selectors: {TriggerSelector: FrameStart}}
  - {feature: TriggerSource, value: Line1, selectors: {TriggerSelector: FrameStart}}
  - {execute: AcquisitionStart}
writes:
  - {at: 1500, feature: TriggerDelay, value: 30, selectors: {TriggerSelector: FrameStart}}
inputs:
  line1: {start: 100, period: 230, width: 40, count: 12}
"""


def _readout(rmap) -> int:
    """R(H) at the reset Height (docs/semantics.md): overhead + H * line time."""
    h = min(rmap.feature("Height")[1].reset_for(0), rmap.constant("SensorHeight"))
    return rmap.constant("SensorReadoutOverhead") + h * rmap.constant("SensorLineTime")


def _run(backend: FirmwareBackend, end: int, chunks: list[int]) -> list[tuple[int, object]]:
    got = []
    t = 0
    for until in [*chunks, end]:
        if until <= t:
            continue
        for f in backend.advance(until):
            assert t <= f.readout_end < until  # returned by the call that covers its read-out
            got.append((until, f))
        t = until
    return got


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_frames_as_the_simulator_in_any_chunks(slow_camera_map, seed):
    sc = loads_scenario(SCENARIO, slow_camera_map)
    ref = simulate(sc.rmap, sc.cycles, line1=sc.line1, writes=sc.writes)
    starts = ref.pulses("frame_start")
    assert len(starts) > 5
    rng = random.Random(seed)
    chunks = sorted(rng.sample(range(1, sc.cycles), 40))
    b = FirmwareBackend(sc.rmap, scenario=sc)
    end = sc.cycles + 200  # let the last frames finish their readout
    frames = [f for _, f in _run(b, end, chunks)]
    exposure = 20  # µs = cycles at 1 MHz
    expect = [(t0, t0 + exposure + _readout(sc.rmap)) for t0 in starts]
    assert [(f.timestamp, f.readout_end) for f in frames] == expect
    assert [f.frame_id for f in frames] == list(range(1, len(starts) + 1))
    assert b.stats()["frames"] == len(starts)
    assert b.stats()["triggers"] == len(starts) + ref.counters["OvertriggerCount"]
    assert b.stats()["overtriggers"] == ref.counters["OvertriggerCount"]
    sensor = (sc.rmap.constant("SensorWidth"), sc.rmap.constant("SensorHeight"))
    for f in frames:
        assert (f.width, f.height, f.pixel_format) == (*sensor, 0x01080001)  # reset: Mono8
        assert len(f.data) == f.width * f.height


def test_live_writes_take_a_cycle_and_keep_every_frame_once(slow_camera_map):
    """A live write is performed in the current cycle (the model simulates it first, the
    value is seen from the next one, docs/semantics.md "Bus accesses"): with a write in every
    cycle, the same frames as the simulator leave, each once, in order, whatever cycle their
    read-out falls in (also one in which a write ran)."""
    sc = loads_scenario(SCENARIO, slow_camera_map)
    ref = simulate(sc.rmap, sc.cycles, line1=sc.line1, writes=sc.writes)
    b = FirmwareBackend(sc.rmap, scenario=sc)
    reg, _field = sc.rmap.feature("UserOutputValue")
    addr = reg.addresses[0]
    frames = []
    while b.cycle < sc.cycles + 200:
        before = b.cycle
        assert b.write(addr, 0) == "ok"  # a write that changes nothing the frames depend on
        assert b.cycle == before + 1
        if b.cycle % 7 == 0:
            frames += b.advance(b.cycle)  # the frames held by the writes, nothing more
    frames += b.advance(sc.cycles + 201)
    starts = ref.pulses("frame_start")
    assert [f.timestamp for f in frames] == starts
    assert [f.frame_id for f in frames] == list(range(1, len(starts) + 1))


def test_repeating_scenario_replays_every_duration(slow_camera_map):
    text = SCENARIO.replace("duration: 3000", "duration: 3000\nrepeat: true")
    sc = loads_scenario(text, slow_camera_map)
    assert sc.repeat
    # the reference: three periods written out
    period = sc.cycles
    line1 = [(c + k * period, v) for k in range(3) for c, v in sc.line1]
    writes = [w for w in sc.writes if w.cycle < 0]
    timed = [w for w in sc.writes if w.cycle >= 0]
    for k in range(3):
        writes += [type(w)(w.cycle + k * period, w.target, w.value, w.selectors) for w in timed]
    ref = simulate(sc.rmap, 3 * period, line1=line1, writes=writes)
    b = FirmwareBackend(sc.rmap, scenario=sc)
    frames = [f for _, f in _run(b, 3 * period, [period, 2 * period])]
    r = 20 + _readout(sc.rmap)
    done = [t0 for t0 in ref.pulses("frame_start") if t0 + r < 3 * period]
    assert [f.timestamp for f in frames] == done
    assert len(done) > 2 * 12


def test_live_pins_equal_scenario_edges(slow_camera_map):
    sc = loads_scenario(SCENARIO, slow_camera_map)
    live = FirmwareBackend(
        sc.rmap,
        scenario=loads_scenario(
            SCENARIO.replace(
                "inputs:\n  line1: {start: 100, period: 230, width: 40, count: 12}\n", ""
            ),
            slow_camera_map,
        ),
    )
    t = 0
    frames = []
    for c, v in sc.line1:
        frames += live.advance(max(t, c - 7))  # drive each edge a little ahead of time
        t = max(t, c - 7)
        live.set_line(1, v, c)
    frames += live.advance(sc.cycles + 200)
    ref = FirmwareBackend(sc.rmap, scenario=sc)
    expect = ref.advance(sc.cycles + 200)
    assert [f.timestamp for f in frames] == [f.timestamp for f in expect]


def test_next_event_announces_the_readout(slow_camera_map):
    sc = loads_scenario(SCENARIO, slow_camera_map)
    b = FirmwareBackend(sc.rmap, scenario=sc)
    assert b.advance(150) == []
    # the first pulse (100 µs) has started a frame by now; it is read out E + R later
    nxt = b.next_event()
    assert nxt is not None and nxt <= 100 + 4 + 20 + _readout(sc.rmap) + 1
    for _ in range(100):
        assert nxt is not None and nxt > b.cycle
        frames = b.advance(nxt)
        if frames:
            break
        nxt = b.next_event()
    assert frames[0].readout_end == b.cycle - 1  # advanced exactly to the announced cycle


def test_bus_statuses(camera_map):
    b = FirmwareBackend(camera_map)
    assert isinstance(b, Backend)
    reg, _ = camera_map.feature("ExposureTime")
    ro = next(r for r in camera_map.registers if r.read_only)
    assert b.write(reg.address, 1234) == "ok"
    assert b.read(reg.address) == ("ok", 1234)
    assert b.write(ro.address, 1) == "read_only"
    assert b.read(reg.address + 2) == ("unaligned", 0)
    assert b.read(0x0F00_0000) == ("unmapped", 0)
    assert b.write(0x0F00_0000, 0) == "unmapped"
    with pytest.raises(ValueError, match="line must be 1"):
        b.set_line(3, 1)
    with pytest.raises(ValueError, match="level must be 0 or 1"):
        b.set_line(1, 2)


def test_repeat_must_be_a_boolean(slow_camera_map):
    with pytest.raises(ScenarioError) as exc:
        loads_scenario("duration: 10\nrepeat: often\n", slow_camera_map, "s.yaml")
    assert "s.yaml:2:9" in exc.value.render()


@pytest.mark.parametrize("ffc", [None, "PointToPoint"])
def test_non_uniform_sensor_frames_are_flattened_by_ffc(slow_camera_map, ffc):
    # MonoBar on the 64 x 8 sensor: each bar is one level down its columns; the non-uniform
    # sensor shades it (vignetting), FFCEnable flattens it again (docs/firmware-model.md).
    # (Plane16x16 cannot flatten 8 rows: one 16 x 16 plane spans them; tests/test_ffc.py.)
    import numpy as np

    from firmware_model.ffc import NonUniformity

    setup = "\n".join(
        [
            "  - {feature: TestPattern, value: MonoBar}",
            "  - {feature: ExposureTime, value: 20}",
            f"  - {{feature: FFCEnable, value: {str(bool(ffc)).lower()}}}",
            *([f"  - {{feature: FFCMode, value: {ffc}}}"] if ffc else []),
            "  - {execute: AcquisitionStart}",
        ]
    )
    sc = loads_scenario(f"duration: 4000\nsetup:\n{setup}\n", slow_camera_map)
    b = FirmwareBackend(sc.rmap, scenario=sc, non_uniformity=NonUniformity())
    frames = b.advance(4000)
    assert frames
    f = frames[0]
    assert f.settings.ffc == ffc
    px = np.frombuffer(f.data, dtype=np.uint8).reshape(f.height, f.width).astype(int)
    bar = f.width // 8
    spreads = [int(np.ptp(px[:, k * bar + 1 : (k + 1) * bar - 1])) for k in range(2, 8)]
    if ffc == "PointToPoint":
        assert max(spreads) <= 1, spreads
    else:
        assert min(spreads) >= 10, spreads  # shaded
