"""The live RTL as the GigE Vision device's backend (``sim.serve``), against the firmware model.

The firmware-model backend is the reference: driven through the same backend calls at the same
cycles (a scenario's setup, timed writes and Line1/Line2 edges, live pin edges, bus accesses),
the RTL backend gives the same frames (ids, timestamps, read-out cycles, pixels) and the same
register values.
"""

from __future__ import annotations

import os

import pytest

from firmware_model.device import FirmwareBackend
from firmware_model.registers import RegisterFile
from firmware_model.scenario import loads_scenario
from sim.serve import RtlBackend, RtlError, RtlProcess, build_serve

pytestmark = pytest.mark.sim

SCENARIO = """
description: every way a frame starts, on the RTL and the model
duration: 30000
setup:
  - {feature: Width, value: 32}
  - {feature: Height, value: 4}
  - {feature: OffsetX, value: 16}
  - {feature: PixelFormat, value: Mono12}
  - {feature: TestPattern, value: MonoBar}
  - {feature: ExposureTime, value: 300}
  - {feature: TriggerMode, value: "On", selectors: {TriggerSelector: FrameStart}}
  - {feature: TriggerSource, value: Line1, selectors: {TriggerSelector: FrameStart}}
  - {feature: TriggerDelay, value: 50, selectors: {TriggerSelector: FrameStart}}
  - {execute: AcquisitionStart}
writes:
  - {at: 6000, feature: TriggerSource, value: Software, selectors: {TriggerSelector: FrameStart}}
  - {at: 6500, execute: TriggerSoftware, selectors: {TriggerSelector: FrameStart}}
  - {at: 6550, execute: TriggerSoftware, selectors: {TriggerSelector: FrameStart}}
  - {at: 7000, feature: Height, value: 8}
  - {at: 9000, feature: TriggerMode, value: "Off", selectors: {TriggerSelector: FrameStart}}
  - {at: 11000, execute: AcquisitionStop}
inputs:
  line1: [[1000, 1], [1200, 0], [3000, 1], [3010, 0], [3100, 1], [3400, 0]]
  line2: {start: 500, period: 1000, width: 100, count: 20}
"""

# live inputs and accesses after the scenario's acquisition has stopped, at the same cycles
LIVE_PULSES = [(16_000, 1), (16_200, 0), (18_000, 1), (18_300, 0)]
CHUNKS = [1, 77, 999, 1000, 3050, 6499, 6560, 7001, 9000, 12_345, 14_000, 17_000, 21_000, 26_000]


def _frames(frames) -> list[tuple]:
    return [
        (f.frame_id, f.timestamp, f.readout_end, f.pixel_format, f.width, f.height, f.offset_x, d)
        for f in frames
        for d in (bytes(f.data),)
    ]


class _Bus:
    """A backend's register bus for a ``RegisterFile`` (accesses must succeed)."""

    def __init__(self, backend) -> None:
        self.backend = backend

    def read(self, addr: int) -> int:
        status, value = self.backend.read(addr)
        assert status == "ok", hex(addr)
        return value

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        assert self.backend.write(addr, value) == "ok", hex(addr)


def _drive(backend, rmap) -> tuple[list[tuple], list[tuple[int, str, int]]]:
    """The same calls on either backend: chunks of time, live pins, accesses; what it gave.

    The live accesses happen while nothing depends on their exact cycle (an access takes a few
    cycles on the RTL's bus, none on the model's)."""
    regs = RegisterFile(rmap, _Bus(backend))
    frames: list[tuple] = []
    for c in CHUNKS:
        frames += _frames(backend.advance(c))
        if c == 14_000:
            # Line1 triggers again, with a longer exposure, from a live acquisition start
            regs.ExposureTime = 700
            regs.set("TriggerSource", "Line1", TriggerSelector="FrameStart")
            regs.set("TriggerMode", "On", TriggerSelector="FrameStart")
            regs.execute("AcquisitionStart")
            for cycle, level in LIVE_PULSES:
                backend.set_line(1, level, cycle)
    frames += _frames(backend.advance(30_000))
    regs = []
    for reg in rmap.registers:
        for a in reg.addresses:
            status, value = backend.read(a)
            regs.append((a, status, value))
    return frames, regs


@pytest.mark.parametrize("simulator", ["verilator", "icarus"])
def test_rtl_backend_gives_the_models_frames_and_registers(slow_camera_map, simulator):
    sc = loads_scenario(SCENARIO, slow_camera_map, "lockstep.yaml")
    model = FirmwareBackend(sc.rmap, scenario=sc)
    # no wall-time budget: each advance reaches its cycle however busy the machine is
    with RtlBackend(sc.rmap, simulator, scenario=sc, max_run_s=600) as rtl:
        got_frames, got_regs = _drive(rtl, sc.rmap)
        assert rtl.cycle >= 30_000
        stats = rtl.stats()
    want_frames, want_regs = _drive(model, sc.rmap)
    assert [f[:7] for f in got_frames] == [f[:7] for f in want_frames]
    assert got_frames == want_frames  # the pixels too
    # frames from Line1 (before and after the live start), software triggers and free running
    assert len(want_frames) >= 8
    assert {f[5] for f in want_frames} == {4, 8}
    pairs = zip(got_regs, want_regs, strict=True)
    mismatched = [(hex(a), g, w) for (a, *g), (_a, *w) in pairs if g != w]
    assert not mismatched
    assert stats["frames"] == len(want_frames)
    assert stats["overtriggers"] == model.stats()["overtriggers"] >= 1
    assert stats["triggers"] == model.stats()["triggers"] > stats["overtriggers"]


def test_bus_errors_are_classified_as_the_model_does(slow_camera_map):
    rmap = slow_camera_map
    ro = rmap.feature("SensorWidth")[0].address
    model = FirmwareBackend(rmap)
    with RtlBackend(rmap, "verilator") as rtl:
        for b in (rtl, model):
            b.advance(10)
        cases = [("read", 0x0FFF_FFF0), ("read", ro + 2), ("write", ro), ("write", 0x10000 + 4096)]
        for kind, addr in cases:
            if kind == "read":
                assert rtl.read(addr)[0] == model.read(addr)[0], hex(addr)
            else:
                assert rtl.write(addr, 1) == model.write(addr, 1), hex(addr)


@pytest.mark.parametrize("simulator", ["verilator", "icarus"])
def test_advance_stops_after_its_wall_time_budget(slow_camera_map, simulator):
    """When the RTL is slower than the wall clock (the camera's 125 MHz, Icarus), one call
    simulates for about ``max_run_s`` and says how far it got."""
    with RtlBackend(slow_camera_map, simulator, max_run_s=0.001) as rtl:
        rtl.advance(10**12)
        reached = rtl.cycle
        assert 0 < reached < 10**12
        assert rtl.next_event() == reached + 1  # the rest is still to do


def test_runner_reports_a_broken_protocol(slow_camera_map):
    from hdl.export import generate_verilog

    build = build_serve(generate_verilog(slow_camera_map), slow_camera_map.device.name)
    assert build.directory.parent.parent.name == os.environ.get("PYTEST_XDIST_WORKER", "main")
    proc = RtlProcess(build)
    try:
        proc._send("x\n")
        with pytest.raises(RtlError, match="unknown command"):
            proc.run(10)
    finally:
        proc.close()
