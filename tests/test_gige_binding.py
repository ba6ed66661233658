"""The twin's behaviour times the frames, seen from a client: the Aravis GObject binding (under
``/usr/bin/python3``, tests/clients/aravis_client.py) against ``camtwin serve``'s device.

Line inputs come from repeating scenarios (times from the start of serving), so each frame's
device timestamp is predictable from docs/semantics.md: a Line1 edge at cycle ``c`` starts a
frame at ``c + FrameStartLatencyFixed + max(LineDebouncerTime, 1) + TriggerDelay`` (in cycles);
the device timestamp of a frame is its frame-start cycle, and Aravis reports it in ns.

Every test runs against each backend (``twin_target``): the firmware model serving the camera
map, and the live RTL on Verilator (on Icarus under ``soak``) serving its slow-clock variant.
"""

from __future__ import annotations

import itertools

import pytest

from firmware_model.scenario import loads_scenario
from regmap import RegisterMap
from tests.clients import aravis
from tests.clients.twin import Target

pytestmark = pytest.mark.netns

TRIGGER_SETUP = """
  - {feature: TriggerMode, value: "On", selectors: {TriggerSelector: FrameStart}}
  - {feature: TriggerSource, value: Line1, selectors: {TriggerSelector: FrameStart}}
"""


def scenario(rmap: RegisterMap, period_us: int, setup: str, edges: list[tuple[int, int]]):
    line1 = "\n".join(f"    - [{t}, {v}]" for t, v in edges)
    text = (
        f"description: test\nduration: {period_us}\nrepeat: true\n"
        f"setup:{setup}\ninputs:\n  line1:\n{line1}\n"
    )
    return loads_scenario(text, rmap, "test-scenario.yaml")


def cycles(rmap: RegisterMap, frame: dict) -> int:
    ns = frame["timestamp_ns"]
    c = ns * rmap.clock_hz // 1_000_000_000
    assert c * 1_000_000_000 == ns * rmap.clock_hz, f"{ns} ns is not a whole cycle"
    return c


def us(rmap: RegisterMap, t: float) -> int:
    return round(t * rmap.clock_hz / 1_000_000)


ARAVIS_PACKET_TIMEOUT_S = 0.02
"""The binding's default packet timeout (a frame's packets further apart fail it)."""


def grab(
    client: aravis.AravisClient, n: int, timeout: float = 2.0, speed: float = 1.0
) -> list[dict]:
    """``n`` frames of one acquisition, each within ``timeout`` of wall time at device speed 1
    (``timeout / speed`` on a slowed-down device)."""
    client.open_stream(8)
    client.execute("AcquisitionStart")
    frames = client.pop(n, timeout / speed)
    client.execute("AcquisitionStop")
    assert all(f["status"] == "success" for f in frames), frames
    return frames


def test_trigger_delay_moves_the_frame_by_exactly_that_much(twin_target: Target):
    rmap = twin_target.rmap
    period, edge = 20_000, 1_000
    fixed = rmap.constant("FrameStartLatencyFixed")
    debounce = 10.0
    sc = scenario(rmap, period, TRIGGER_SETUP, [(edge, 1), (edge + 1000, 0)])
    phases = {}
    w, h = twin_target.roi(64, 16)
    with twin_target.serve(scenario=sc), aravis.AravisClient() as c:
        c.set("Width", w)
        c.set("Height", h)
        c.set("ExposureTime", 100.0)
        c.set("LineSelector", "Line1")
        c.set("LineDebouncerTime", debounce)
        for delay in (0.0, 1234.0):
            c.set("TriggerSelector", "FrameStart")
            c.set("TriggerDelay", delay)
            frames = grab(c, 3, speed=twin_target.speed)
            assert len(frames) == 3
            ph = {cycles(rmap, f) % us(rmap, period) for f in frames}
            assert len(ph) == 1, ph
            phases[delay] = ph.pop()
    assert phases[0.0] == us(rmap, edge) + fixed + us(rmap, debounce)
    assert phases[1234.0] - phases[0.0] == us(rmap, 1234.0)


def test_debouncer_1500us_passes_long_pulses_only(twin_target: Target):
    """The manual's example (docs/examples/debounce_1500us.yaml), repeating every 40 ms."""
    rmap = twin_target.rmap
    setup = TRIGGER_SETUP + (
        "  - {feature: LineDebouncerTime, value: 1500, selectors: {LineSelector: Line1}}\n"
        "  - {feature: ExposureTime, value: 1000}\n"
    )
    edges = [
        (1000, 1),
        (4000, 0),
        (10000, 1),
        (11000, 0),
        (20000, 1),
        (21500, 0),
        (30000, 1),
        (31499, 0),
    ]
    sc = scenario(rmap, 40_000, setup, edges)
    fixed = rmap.constant("FrameStartLatencyFixed")
    expected = {us(rmap, 1000 + 1500) + fixed, us(rmap, 20000 + 1500) + fixed}
    w, h = twin_target.roi(64, 16)
    with twin_target.serve(scenario=sc), aravis.AravisClient() as c:
        c.set("Width", w)
        c.set("Height", h)
        frames = grab(c, 6, timeout=1.0, speed=twin_target.speed)
    assert len(frames) == 6
    ts = [cycles(rmap, f) for f in frames]
    assert {t % us(rmap, 40_000) for t in ts} == expected
    # one frame per passing pulse: two per 40 ms, none lost in between
    assert [b - a for a, b in zip(ts, ts[2:], strict=False)] == [us(rmap, 40_000)] * 4


def test_multiframe_gives_exactly_n_frames(twin_target: Target):
    w, h = twin_target.roi(64, 16)
    with twin_target.serve(warm=True), aravis.AravisClient() as c:
        c.set("Width", w)
        c.set("Height", h)
        c.set("ExposureTime", 1000.0)
        c.set("AcquisitionMode", "MultiFrame")
        c.set("AcquisitionFrameCount", 7)
        c.open_stream(16)
        c.execute("AcquisitionStart")
        frames = c.pop(16, timeout=0.5 / twin_target.speed)
        assert aravis.wait_for(lambda: c.get("AcquisitionActive", "boolean") is False, 2.0)
    assert len(frames) == 7
    assert all(f["status"] == "success" for f in frames)


def test_overtriggers_are_counted(twin_target: Target):
    """Line1 pulses every 2 ms against a 10 ms exposure: each frame accepts one trigger and the
    next four find the camera busy (FrameTriggerWait low) and count as overtriggers."""
    rmap = twin_target.rmap
    edges = [(t, v) for k in range(5) for t, v in ((k * 2000 + 100, 1), (k * 2000 + 1100, 0))]
    setup = TRIGGER_SETUP + "  - {feature: ExposureTime, value: 9000}\n"
    sc = scenario(rmap, 10_000, setup, edges)
    w, h = twin_target.roi(64, 16)
    with twin_target.serve(scenario=sc), aravis.AravisClient() as c:
        c.set("Width", w)
        c.set("Height", h)
        c.execute("CounterReset")
        frames = grab(c, 4, timeout=1.0, speed=twin_target.speed)
        over = c.get("OvertriggerCount")
        count = c.get("FrameCount")
    assert len(frames) == 4
    assert count >= 4
    assert over >= 4 * (count - 1)


def test_height_format_and_exposure_set_the_rate(twin_target: Target):
    """ResultingFrameRate follows docs/semantics.md, P = max(E, R(H), Tx), and frames arrive
    exactly P apart in device time. Narrow frames keep the data rate low; the link throughput
    limit at its minimum makes the pixel format's size count."""
    rmap = twin_target.rmap
    clk = rmap.clock_hz
    line, overhead = rmap.constant("SensorLineTime"), rmap.constant("SensorReadoutOverhead")

    def period(width: int, height: int, bpp: int, exposure_us: float, link_bps: float) -> int:
        byte_time = round(clk * 2**16 / link_bps)  # q16 cycles per byte
        transfer = -(-width * height * bpp * byte_time // 2**16)
        return max(us(rmap, exposure_us), overhead + height * line, transfer)

    full = rmap.constant("SensorHeight")
    _w, h = twin_target.roi(64, 64)
    link_3ms = max(64 * h / 0.003, 1e6)  # B/s: a Mono8 image in 3 ms, or the minimum link
    cases = [  # width, height, format, bytes per pixel, exposure µs, link B/s: bound by
        (64, full, "Mono8", 1, 10.0, 125e6),  # readout of every line (5 ms for 1024)
        (64, full // 2, "Mono8", 1, 10.0, 125e6),  # readout of half of them
        (64, h, "Mono8", 1, 8000.0, 125e6),  # exposure
        (64, h, "Mono8", 1, 100.0, link_3ms),  # transfer of 4 KiB (or the sensor)
        (64, h, "Mono12", 2, 100.0, link_3ms),  # transfer of twice that
    ]
    seen = set()
    with twin_target.serve(warm=True), aravis.AravisClient() as c:
        for width, height, fmt, bpp, exp, link in cases:
            c.set("Width", width)
            c.set("Height", height)
            c.set("PixelFormat", fmt)
            c.set("ExposureTime", exp)
            c.set("DeviceLinkThroughputLimit", link)
            p = period(width, height, bpp, exp, link)
            rate = c.get("ResultingFrameRate", "float")
            assert rate == pytest.approx(clk / p, rel=1e-6), (height, fmt, exp, link)
            seen.add(p)
            wire_s = width * height * bpp / (link * twin_target.speed)
            if wire_s > ARAVIS_PACKET_TIMEOUT_S:
                # a slowed-down device paces its packets in slow motion too: the binding
                # gives up a frame whose packets come further apart than its timeout
                continue
            if p < clk // 1000:
                # the slow-clock camera reads its 8 lines out in 50 µs and sends them in
                # 512 µs at the slowest link: thousands of frames/s are more than the
                # device's streamer is made for; the rate above is the check
                continue
            frames = grab(c, 5, timeout=1.0, speed=twin_target.speed)
            ts = [cycles(rmap, f) for f in frames]
            periods = [b - a for a, b in itertools.pairwise(ts)]
            # frames start exactly P apart in device time; on a starved host the device may
            # drop a frame it could not send in time, which leaves a gap of a multiple of P
            assert len(frames) == 5 and min(periods) == p, (height, fmt, exp, link, periods)
            assert all(d % p == 0 for d in periods), (height, fmt, exp, link, periods)
    assert len(seen) == len(cases)  # every change of Height, format or exposure told
