"""Event-driven mode against cycle mode, plus the plain-data stimulus/result API."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware_model import simulate

TINY = {
    "clock_hz": 1_000_000,
    "constants": {
        "TriggerFifoDepth": 2,
        "SensorWidth": 32,
        "SensorHeight": 4,
        "SensorLineTime": 1,
        "SensorReadoutOverhead": 8,
    },
    # 32 x 4 Mono8 at 1/16 cycle per byte: Tx = 8 cycles, below R = 8 + 4 * 1 = 12
    "resets": {"DeviceLinkThroughputLimit": 4096},
}


@pytest.fixture(scope="module")
def tiny_map(camera_map):
    """1 MHz, R(4) = 12 cycles, K = 2: short frames so random runs exercise every block."""
    return camera_map.with_device(**TINY)


def edge_train(draw, max_cycles: int) -> list[tuple[int, int]]:
    gaps = draw(st.lists(st.integers(1, 25) | st.integers(1, 4), max_size=40))
    t, level, out = draw(st.integers(0, 10)), 0, []
    for g in gaps:
        t += g
        if t >= max_cycles:
            break
        level ^= 1
        out.append((t, level))
    return out


SELECT_T = ("FrameStart", "AcquisitionStart")
ACQ_FRAME_PERIOD = 0x10014  # address of ACQ_FRAME_PERIOD in regmap/camera.yaml
RAW_WRITES = [
    (0x10404, 0),  # FC_MULTIPLIER = 0
    (0x10408, 0),  # FC_DIVIDER = 0
    (0x10200, 1 | 9 << 4),  # LINE_CFG[Line0]: Output, reserved LineSource 9
    (0x10000, 3),  # ACQ_CTRL: reserved AcquisitionMode 3
    (0x10100, 1 | 6 << 4),  # TRIGGER_CTRL[FrameStart]: On, reserved TriggerSource 6
    (0x10010, 0),  # EXPOSURE_TIME = 0
    (0x10110, 1 | 4 << 4),  # TRIGGER_CTRL[AcquisitionStart]: On, reserved TriggerSource 4
    (0x10100, 1 | 7 << 4),  # TRIGGER_CTRL[FrameStart]: On, reserved TriggerSource 7
    (0x10220, 1 | 1 << 1 | 15 << 4),  # LINE_CFG[Line2]: Output, inverted, reserved LineSource 15
    (0x10220, 8 << 4),  # LINE_CFG[Line2]: Input, reserved LineSource 8
]
IMAGE_WRITES = [  # raw words, legal or not, for WIDTH, HEIGHT, PIXEL_FORMAT, LINK_THROUGHPUT
    *((0x10708, w) for w in (0, 16, 17, 32, 0xFFFF)),
    *((0x1070C, h) for h in (1, 2, 3, 4, 0xFFFF)),
    *((0x10718, f) for f in (0x0108_0001, 0x0110_0003, 0x0110_0005, 0)),
    *((0x10720, b) for b in (0, 1, 4096, 16_384, 65_536)),
]
RAW_REGISTERS = [
    "FC_MULTIPLIER",
    "FC_DIVIDER",
    "LINE_CFG",
    "ACQ_CTRL",
    "TRIGGER_CTRL",
    "EXPOSURE_TIME",
    ("TRIGGER_CTRL", 1),
    "TRIGGER_CTRL",
    ("LINE_CFG", 2),
    ("LINE_CFG", 2),
]


@st.composite
def scenarios(draw):
    cycles = draw(st.integers(50, 400))
    w: list = []
    for sel in SELECT_T:
        sel_kw = {"TriggerSelector": sel}
        w.append((-1, "TriggerMode", draw(st.sampled_from(["On", "Off"])), sel_kw))
        w.append(
            (
                -1,
                "TriggerSource",
                draw(st.sampled_from(["Software", "Line1", "Line2", "FrequencyConverter"])),
                sel_kw,
            )
        )
        w.append(
            (-1, "TriggerActivation", draw(st.sampled_from(["RisingEdge", "FallingEdge"])), sel_kw)
        )
        w.append(
            (-1, "TriggerDelay", float(draw(st.integers(0, 12) | st.integers(20, 60))), sel_kw)
        )
    for line in ("Line1", "Line2"):
        w.append((-1, "LineDebouncerTime", float(draw(st.integers(0, 6))), {"LineSelector": line}))
        w.append((-1, "LineInverter", draw(st.booleans()), {"LineSelector": line}))
    w.append(
        (-1, "LineMode", draw(st.sampled_from(["Input", "Output"])), {"LineSelector": "Line2"})
    )
    sources = [
        "Off",
        "ExposureActive",
        "FrameTriggerWait",
        "AcquisitionActive",
        "UserOutput0",
        "FrequencyConverter",
    ]
    for line in ("Line0", "Line2"):
        w.append((-1, "LineSource", draw(st.sampled_from(sources)), {"LineSelector": line}))
    w.append((-1, "FrequencyConverterMultiplier", draw(st.integers(1, 5))))
    w.append((-1, "FrequencyConverterDivider", draw(st.integers(1, 3))))
    w.append((-1, "FrequencyConverterInputSource", draw(st.sampled_from(["Line1", "Line2"]))))
    w.append((-1, "ExposureTime", float(draw(st.integers(10, 20)))))
    w.append(
        (-1, "AcquisitionMode", draw(st.sampled_from(["SingleFrame", "MultiFrame", "Continuous"])))
    )
    w.append((-1, "AcquisitionFrameCount", draw(st.integers(1, 4))))
    if draw(st.booleans()):
        # raw frame period (cycles): faster than the feature's 10 kHz limit allows at 1 MHz
        w.append((-1, ACQ_FRAME_PERIOD, draw(st.integers(12, 30))))
        w.append((-1, "AcquisitionFrameRateEnable", True))
    # run-time writes
    actions = st.one_of(
        st.just(("AcquisitionStart", None, {})),
        st.just(("AcquisitionStop", None, {})),
        st.just(("CounterReset", None, {})),
        st.sampled_from(SELECT_T).map(lambda s: ("TriggerSoftware", None, {"TriggerSelector": s})),
        st.integers(0, 8).map(lambda d: ("TriggerDelay", float(d), {})),
        st.integers(0, 5).map(lambda n: ("LineDebouncerTime", float(n), {"LineSelector": "Line1"})),
        st.integers(1, 4).map(lambda m: ("FrequencyConverterMultiplier", m, {})),
        st.sampled_from(["On", "Off"]).map(lambda m: ("TriggerMode", m, {})),
        st.just(("EventOvertriggerStatus", True, {})),
        st.integers(10, 25).map(lambda e: ("ExposureTime", float(e), {})),
        st.sampled_from(["Input", "Output"]).map(
            lambda m: ("LineMode", m, {"LineSelector": "Line2"})
        ),
        # raw words only a bus write can store (reserved values, M = 0, Q = 0)
        st.sampled_from(RAW_WRITES).map(lambda aw: (aw[0], aw[1], {})),
        # image size, format and link: the frame period and readout_end change
        st.sampled_from(IMAGE_WRITES).map(lambda aw: (aw[0], aw[1], {})),
    )
    # raw words only a bus write can store, also in the initial configuration
    for addr, value in draw(st.lists(st.sampled_from(RAW_WRITES), max_size=2)):
        w.append((-1, addr, value))
    for addr, value in draw(st.lists(st.sampled_from(IMAGE_WRITES), max_size=4)):
        w.append((-1, addr, value))
    w.append((draw(st.integers(-1, 5)), "AcquisitionStart", None))
    for _ in range(draw(st.integers(0, 8))):
        name, value, sel = draw(actions)
        w.append((draw(st.integers(0, cycles)), name, value, sel))
    return cycles, edge_train(draw, cycles), edge_train(draw, cycles), w


def test_frame_period_address(camera_map):
    assert camera_map.register("ACQ_FRAME_PERIOD").address == ACQ_FRAME_PERIOD
    regs = [r if isinstance(r, tuple) else (r, 0) for r in RAW_REGISTERS]
    assert [camera_map.register(n).address_of(i) for n, i in regs] == [a for a, _ in RAW_WRITES]
    image = ("WIDTH", "HEIGHT", "PIXEL_FORMAT", "LINK_THROUGHPUT")
    assert [camera_map.register(n).address for n in image] == sorted({a for a, _ in IMAGE_WRITES})


def assert_same(a, b):
    assert a.edges == b.edges
    assert a.events == b.events
    assert a.counters == b.counters


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_event_mode_equals_cycle_mode(tiny_map, scenario):
    cycles, l1, l2, writes = scenario
    a = simulate(tiny_map, cycles, line1=l1, line2=l2, writes=writes, mode="cycle")
    b = simulate(tiny_map, cycles, line1=l1, line2=l2, writes=writes, mode="event")
    assert_same(a, b)


@pytest.mark.soak
@settings(max_examples=3000, deadline=None)
@given(scenarios())
def test_event_mode_equals_cycle_mode_soak(tiny_map, scenario):
    cycles, l1, l2, writes = scenario
    a = simulate(tiny_map, cycles, line1=l1, line2=l2, writes=writes, mode="cycle")
    b = simulate(tiny_map, cycles, line1=l1, line2=l2, writes=writes, mode="event")
    assert_same(a, b)


HW_TRIGGER = [
    (-1, "ExposureTime", 20.0),
    (-1, "TriggerMode", "On", {"TriggerSelector": "FrameStart"}),
    (-1, "LineSource", "ExposureActive", {"LineSelector": "Line0"}),
    (-1, "AcquisitionStart", None),
]


@pytest.mark.parametrize("mode", ["cycle", "event"])
def test_latency_and_long_idle_gaps(slow_camera_map, mode):
    writes = [*HW_TRIGGER, (-1, "LineDebouncerTime", 30.0, {"LineSelector": "Line1"})]
    writes.append((-1, "TriggerDelay", 100.0, {"TriggerSelector": "FrameStart"}))
    l1 = np.array([[1000, 1], [5000, 0], [90_000, 1], [90_029, 0]])  # the last run is N-1 long
    r = simulate(slow_camera_map, 100_000, line1=l1, writes=writes, mode=mode)
    # pin edge at 1000 -> frame at 1000 + 3 + 30 + 100; Line0 one cycle later for E cycles
    assert r.pulses("frame_start") == [1133]
    assert r.edges["line0_out"] == [(0, 0), (1134, 1), (1154, 0)]
    assert r.event_cycles("frame_start") == [1133]
    assert r.counters["FrameCount"] == 1
    # LineStatus of Line1 (bit 1) rises 2 + 30 cycles after the pin edge
    assert r.level("line_status", 1031) & 2 == 0
    assert r.level("line_status", 1032) & 2 == 2


@pytest.mark.parametrize("mode", ["cycle", "event"])
def test_software_trigger_writes(slow_camera_map, mode):
    writes = [
        (-1, "ExposureTime", 20.0),
        (-1, "TriggerMode", "On", {"TriggerSelector": "FrameStart"}),
        (-1, "TriggerSource", "Software", {"TriggerSelector": "FrameStart"}),
        (-1, "AcquisitionStart", None),
        (100, "TriggerSoftware", None),  # performed in 100: frame at 101
        (120, "TriggerSoftware", None),  # released at 121 while busy: overtrigger
        (500, "TriggerDelay", 7.0, {"TriggerSelector": "FrameStart"}),
        (600, "TriggerSoftware", None),  # frame at 601 + 7
    ]
    r = simulate(slow_camera_map, 1000, writes=writes, mode=mode)
    assert r.pulses("frame_start") == [101, 608]
    assert r.event_cycles("overtrigger") == [121]
    assert r.counters == {"FrameCount": 2, "TriggerLostCount": 0, "OvertriggerCount": 1}


def test_raw_address_write_and_result_dict(slow_camera_map):
    addr = slow_camera_map.register("ACQ_CTRL").address
    # raw write: Continuous (2) with the start bit (4): free run from cycle 2 (pulse in 1)
    r = simulate(slow_camera_map, 200, writes=[(-1, "ExposureTime", 20.0), (0, addr, 2 | 1 << 4)])
    assert r.pulses("frame_start") == [2, 52, 102, 152]
    d = r.to_dict()
    assert d["counters"]["FrameCount"] == 4
    assert d["edges"]["acquisition_active"] == [[0, 0], [2, 1]]


def test_stimulus_errors(slow_camera_map):
    with pytest.raises(ValueError, match="cycles must be"):
        simulate(slow_camera_map, -1)
    with pytest.raises(ValueError, match="mode must be"):
        simulate(slow_camera_map, 10, mode="fast")
    with pytest.raises(ValueError, match="level must be 0 or 1"):
        simulate(slow_camera_map, 10, line1=[(3, 2)])
    with pytest.raises(ValueError, match="edge cycle must be"):
        simulate(slow_camera_map, 10, line1=[(-3, 1)])
    with pytest.raises(TypeError, match="a write must be"):
        simulate(slow_camera_map, 10, writes=["x"])
    with pytest.raises(KeyError, match="did you mean"):
        simulate(slow_camera_map, 10, writes=[(0, "ExposureTme", 20.0)])


@st.composite
def trigger_stress(draw):
    """Dense Line1 triggers through a long delay into the 2-deep FIFO: lost and overtriggers."""
    cycles = draw(st.integers(100, 400))
    w = [
        (-1, "TriggerMode", "On", {"TriggerSelector": "FrameStart"}),
        (-1, "TriggerSource", "Line1", {"TriggerSelector": "FrameStart"}),
        (-1, "TriggerDelay", float(draw(st.integers(0, 60))), {"TriggerSelector": "FrameStart"}),
        (-1, "LineDebouncerTime", float(draw(st.integers(0, 3))), {"LineSelector": "Line1"}),
        (-1, "ExposureTime", 10.0),
        (-1, "AcquisitionStart", None),
    ]
    for _ in range(draw(st.integers(0, 4))):
        when = draw(st.integers(0, cycles))
        w.append((when, "TriggerDelay", float(draw(st.integers(0, 60))), {}))
    return cycles, edge_train(draw, cycles), w


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trigger_stress())
def test_event_mode_equals_cycle_mode_fifo_stress(tiny_map, scenario):
    cycles, l1, writes = scenario
    a = simulate(tiny_map, cycles, line1=l1, writes=writes, mode="cycle")
    b = simulate(tiny_map, cycles, line1=l1, writes=writes, mode="event")
    assert_same(a, b)


FS = {"TriggerSelector": "FrameStart"}
AS = {"TriggerSelector": "AcquisitionStart"}
HW = [(-1, "ExposureTime", 20.0), (-1, "TriggerMode", "On", FS), (-1, "AcquisitionStart", None)]
SW = [*HW, (-1, "TriggerSource", "Software", FS)]


def pulse(at: int, width: int) -> list[tuple[int, int]]:
    return [(at, 1), (at + width, 0)]


# (name, writes, line1 edges, cycles, expected frame starts, other expectations)
CORNER_CASES = [
    (
        "debounce run N-1 filtered, N passes",
        [*HW, (-1, "LineDebouncerTime", 5.0, {"LineSelector": "Line1"})],
        pulse(10, 4) + pulse(100, 5),
        300,
        [100 + 3 + 5],
        {},
    ),
    ("delay 0", HW, pulse(10, 3), 100, [14], {}),
    (
        "fifo full",
        [*SW, (-1, "TriggerDelay", 100.0, FS)]
        + [(10 + k, "TriggerSoftware", None) for k in range(5)],
        [],
        300,
        [111],
        {"trigger_lost": [15], "overtrigger": [112, 113, 114]},
    ),
    (
        "trigger while busy",
        HW,
        pulse(10, 2) + pulse(30, 2) + pulse(60, 2),
        200,
        [14, 64],  # released at 64 = 14 + P: FrameTriggerWait is 1 again
        {"overtrigger": [34]},
    ),
    (
        "converter first edge, M = 2",
        [
            *HW,
            (-1, "TriggerSource", "FrequencyConverter", FS),
            (-1, "FrequencyConverterMultiplier", 2),
        ],
        pulse(10, 2) + pulse(110, 2),
        300,
        [14, 114, 164],
        {},
    ),
    (
        "single frame",
        [
            (-1, "ExposureTime", 20.0),
            (-1, "AcquisitionMode", "SingleFrame"),
            (9, "AcquisitionStart", None),
        ],
        [],
        200,
        [11],
        {"acquisition_done": [61]},
    ),
    (
        "multi frame",
        [
            (-1, "ExposureTime", 20.0),
            (-1, "AcquisitionMode", "MultiFrame"),
            (-1, "AcquisitionFrameCount", 3),
            (-1, "AcquisitionStart", None),
        ],
        [],
        300,
        [1, 51, 101],
        {"acquisition_done": [151]},
    ),
    (
        "acquisition start trigger",
        [
            (-1, "ExposureTime", 20.0),
            (-1, "TriggerMode", "On", AS),
            (-1, "TriggerSource", "Software", AS),
            (-1, "AcquisitionStart", None),
            (30, "TriggerSoftware", None, AS),
        ],
        [],
        100,
        [32, 82],
        {},
    ),
    (
        "stop during a free-run frame",
        [(-1, "ExposureTime", 20.0), (4, "AcquisitionStart", None), (130, "AcquisitionStop", None)],
        [],
        300,
        [6, 56, 106],
        {},
    ),
]


@pytest.mark.parametrize("mode", ["cycle", "event"])
@pytest.mark.parametrize(
    ("writes", "line1", "cycles", "frames", "events"),
    [c[1:] for c in CORNER_CASES],
    ids=[c[0] for c in CORNER_CASES],
)
def test_corner_cases_both_modes(slow_camera_map, mode, writes, line1, cycles, frames, events):
    r = simulate(slow_camera_map, cycles, line1=line1, writes=writes, mode=mode)
    assert r.pulses("frame_start") == frames
    for kind, cycles_ in events.items():
        assert r.event_cycles(kind) == cycles_


@pytest.mark.parametrize("mode", ["cycle", "event"])
def test_m_greater_than_t_on_line0(slow_camera_map, mode):
    writes = [
        (-1, "FrequencyConverterMultiplier", 5),
        (-1, "LineSource", "FrequencyConverter", {"LineSelector": "Line0"}),
    ]
    # rises at 14 and 18 (T = 4 < M = 5): pulses at 14, 18 and every cycle 19..22, Line0 + 1
    r = simulate(slow_camera_map, 60, line1=[(10, 1), (12, 0), (14, 1)], writes=writes, mode=mode)
    assert r.edges["line0_out"] == [(0, 0), (15, 1), (16, 0), (19, 1), (24, 0)]


@pytest.mark.parametrize("mode", ["cycle", "event"])
def test_stop_during_frame_active_edges(slow_camera_map, mode):
    writes = [
        (-1, "ExposureTime", 20.0),
        (4, "AcquisitionStart", None),
        (130, "AcquisitionStop", None),
    ]
    r = simulate(slow_camera_map, 300, writes=writes, mode=mode)
    assert r.edges["acquisition_active"] == [(0, 0), (6, 1), (156, 0)]


def test_same_cycle_edges_last_level_wins(slow_camera_map):
    r = simulate(slow_camera_map, 20, line1=[(5, 1), (5, 0), (8, 1)])
    assert r.edges["line1_in"] == [(0, 0), (8, 1)]
    arr = np.array([[8, 1], [5, 1], [5, 0]])
    assert simulate(slow_camera_map, 20, line1=arr).edges["line1_in"] == [(0, 0), (8, 1)]


# ------------------------------------------------------------ values only a raw write can store
# docs/semantics.md, "Corner cases pinned down with the gateware", last bullet. Slow camera:
# R = 50 cycles, K = 4; Line1 rises at pins 10 and 110 (N = 0): rise pulses at 14 and 114.
LINE1_TWO_RISES = pulse(10, 2) + pulse(110, 2)
TRIGGER_CTRL = (0x10100, 0x10110)  # FrameStart, AcquisitionStart
LINE_CFG = (0x10200, 0x10210, 0x10220)
FC_DIVIDER = 0x10408
EXPOSURE_TIME = 0x10010
FC_ON_LINE0 = (-1, "LineSource", "FrequencyConverter", {"LineSelector": "Line0"})


def test_raw_addresses(camera_map):
    assert [camera_map.register("TRIGGER_CTRL").address_of(i) for i in (0, 1)] == list(TRIGGER_CTRL)
    assert [camera_map.register("LINE_CFG").address_of(i) for i in range(3)] == list(LINE_CFG)
    assert camera_map.register("FC_DIVIDER").address == FC_DIVIDER
    assert camera_map.register("EXPOSURE_TIME").address == EXPOSURE_TIME
    trig = camera_map.register("TRIGGER_CTRL")
    assert (trig.field("mode").lsb, trig.field("source").lsb) == (0, 4)
    assert trig.field("source").mask >> 4 == 7  # 3 bits: values 4..7 reserved
    line = camera_map.register("LINE_CFG")
    assert (line.field("mode").lsb, line.field("inverter").lsb, line.field("source").lsb) == (
        0,
        1,
        4,
    )
    assert line.field("source").mask >> 4 == 15  # 4 bits: values 8..15 reserved


@pytest.mark.parametrize("mode", ["cycle", "event"])
@pytest.mark.parametrize("source", [4, 5, 6, 7])
def test_reserved_trigger_source_selects_no_trigger(slow_camera_map, mode, source):
    """TriggerMode On with a reserved TriggerSource: no trigger ever enters the delay FIFO,
    although the frequency converter fires (its pulses at 14 and 114 reach Line0 at 15, 115)."""
    writes = [
        FC_ON_LINE0,
        (-1, TRIGGER_CTRL[0], 1 | source << 4),
        (-1, "AcquisitionStart", None),
    ]
    r = simulate(slow_camera_map, 300, line1=LINE1_TWO_RISES, writes=writes, mode=mode)
    assert r.edges["line0_out"] == [(0, 0), (15, 1), (16, 0), (115, 1), (116, 0)]
    assert r.pulses("frame_start") == []
    assert r.events == []
    assert r.counters == {"FrameCount": 0, "TriggerLostCount": 0, "OvertriggerCount": 0}
    assert r.edges["acquisition_active"] == [(0, 0), (1, 1)]  # active, waiting for a trigger
    assert r.edges["frame_trigger_wait"] == [(0, 0), (1, 1)]

    # AcquisitionStart selector On with a reserved source: armed, never active
    writes = [
        FC_ON_LINE0,
        (-1, TRIGGER_CTRL[1], 1 | source << 4),
        (-1, "AcquisitionStart", None),
    ]
    r = simulate(slow_camera_map, 300, line1=LINE1_TWO_RISES, writes=writes, mode=mode)
    assert r.edges["acquisition_active"] == [(0, 0)]
    assert r.pulses("frame_start") == []


@pytest.mark.parametrize("mode", ["cycle", "event"])
def test_raw_divider_zero_acts_as_one(slow_camera_map, mode):
    """Q = 0 passes every multiplier pulse like Q = 1. M = 2: aligned pulses at the rises 14 and
    114 (T unknown at the first), one owed pulse at 114 + ceil(100/2) = 164; Line0 one later."""
    writes = [FC_ON_LINE0, (-1, "FrequencyConverterMultiplier", 2), (-1, FC_DIVIDER, 0)]
    r = simulate(slow_camera_map, 300, line1=LINE1_TWO_RISES, writes=writes, mode=mode)
    assert r.pulses("line0_out") == [15, 115, 165]
    assert r.edges["line0_out"] == [
        (0, 0),
        (15, 1),
        (16, 0),
        (115, 1),
        (116, 0),
        (165, 1),
        (166, 0),
    ]
    # a later raw write of 0 is a converter write (reset) and still acts as Q = 1
    writes.append((150, FC_DIVIDER, 0))  # the pulse owed at 164 is dropped
    r = simulate(
        slow_camera_map, 300, line1=LINE1_TWO_RISES + pulse(210, 2), writes=writes, mode=mode
    )
    assert r.pulses("line0_out") == [15, 115, 215]


@pytest.mark.parametrize("mode", ["cycle", "event"])
@pytest.mark.parametrize("source", [8, 11, 15])
def test_reserved_line_source_drives_zero(slow_camera_map, mode, source):
    """A reserved LineSource drives 0: Line0 stays low while frames, exposure and the converter
    run; inverted Line2 in Output mode drives 0 XOR 1 = 1 from cycle 1 (one register)."""
    writes = [
        (-1, "ExposureTime", 20.0),
        (-1, LINE_CFG[0], 1 | source << 4),
        (-1, LINE_CFG[2], 1 | 1 << 1 | source << 4),
        (-1, "AcquisitionStart", None),
    ]
    r = simulate(slow_camera_map, 200, line1=LINE1_TWO_RISES, writes=writes, mode=mode)
    assert r.pulses("frame_start") == [1, 51, 101, 151]  # free run: something to leak
    assert r.edges["line0_out"] == [(0, 0)]
    assert r.edges["line2_oe"] == [(0, 0), (1, 1)]
    assert r.edges["line2_o"] == [(0, 0), (1, 1)]
    assert r.level("line_status", 199) == 0b100  # Line0 0, Line1 low again, Line2 drives 1


@pytest.mark.parametrize("mode", ["cycle", "event"])
@pytest.mark.parametrize(("frame_period", "period"), [(None, 50), (80, 80)])
def test_raw_exposure_zero(slow_camera_map, mode, frame_period, period):
    """E = 0: no ExposureActive cycle (t0 .. t0 + E - 1 is empty), Line0 on ExposureActive stays
    low; the free-run period is still P = max(0, R) = 50, or max(P, F) with the frame rate on."""
    writes = [
        (-1, EXPOSURE_TIME, 0),
        (-1, "LineSource", "ExposureActive", {"LineSelector": "Line0"}),
        (-1, "AcquisitionStart", None),  # pulse in 0: active and first frame from 1
    ]
    if frame_period is not None:
        writes += [(-1, ACQ_FRAME_PERIOD, frame_period), (-1, "AcquisitionFrameRateEnable", True)]
    r = simulate(slow_camera_map, 400, writes=writes, mode=mode)
    assert r.pulses("frame_start") == list(range(1, 400, period))
    assert r.edges["exposure_active"] == [(0, 0)]
    assert r.edges["line0_out"] == [(0, 0)]
    assert r.counters["FrameCount"] == len(range(1, 400, period))
    # FrameTriggerWait: 1 at each t0, 0 from t0 + 1 to t0 + P - 1
    assert r.edges["frame_trigger_wait"][:4] == [(0, 0), (1, 1), (2, 0), (1 + period, 1)]


DENSE_LINE_SOURCES = [
    "Off",
    "ExposureActive",
    "FrameTriggerWait",
    "AcquisitionActive",
    "UserOutput0",
    "UserOutput1",
    "UserOutput2",
    "FrequencyConverter",
]
DENSE_ACTIONS = st.one_of(
    st.tuples(
        st.just("LineSource"),
        st.sampled_from(DENSE_LINE_SOURCES),
        st.sampled_from(["Line0", "Line2"]).map(lambda s: {"LineSelector": s}),
    ),
    st.tuples(
        st.just("LineInverter"),
        st.booleans(),
        st.sampled_from(["Line0", "Line1", "Line2"]).map(lambda s: {"LineSelector": s}),
    ),
    st.tuples(
        st.just("LineMode"),
        st.sampled_from(["Input", "Output"]),
        st.just({"LineSelector": "Line2"}),
    ),
    st.tuples(
        st.just("LineDebouncerTime"),
        st.integers(0, 6).map(float),
        st.sampled_from(["Line1", "Line2"]).map(lambda s: {"LineSelector": s}),
    ),
    st.tuples(
        st.just("UserOutputValue"),
        st.booleans(),
        st.sampled_from(["UserOutput0", "UserOutput1", "UserOutput2"]).map(
            lambda s: {"UserOutputSelector": s}
        ),
    ),
    st.tuples(st.just("FrequencyConverterMultiplier"), st.integers(1, 5), st.just({})),
    st.tuples(st.just("FrequencyConverterDivider"), st.integers(1, 3), st.just({})),
    st.tuples(
        st.just("FrequencyConverterInputSource"), st.sampled_from(["Line1", "Line2"]), st.just({})
    ),
    st.tuples(
        st.just("TriggerSource"),
        st.sampled_from(["Software", "Line1", "Line2", "FrequencyConverter"]),
        st.sampled_from(SELECT_T).map(lambda s: {"TriggerSelector": s}),
    ),
    st.tuples(
        st.just("TriggerActivation"),
        st.sampled_from(["RisingEdge", "FallingEdge"]),
        st.sampled_from(SELECT_T).map(lambda s: {"TriggerSelector": s}),
    ),
    st.tuples(
        st.just("TriggerMode"),
        st.sampled_from(["On", "Off"]),
        st.sampled_from(SELECT_T).map(lambda s: {"TriggerSelector": s}),
    ),
    st.tuples(
        st.just("TriggerSoftware"),
        st.none(),
        st.sampled_from(SELECT_T).map(lambda s: {"TriggerSelector": s}),
    ),
    st.tuples(st.just("AcquisitionStart"), st.none(), st.just({})),
    st.tuples(st.just("AcquisitionStop"), st.none(), st.just({})),
    st.tuples(st.just("ExposureTime"), st.integers(10, 25).map(float), st.just({})),
    st.sampled_from(RAW_WRITES).map(lambda aw: (aw[0], aw[1], {})),
)


@st.composite
def dense_scenarios(draw):
    """Many mid-run writes (every few cycles) of the fields the event-driven mode decodes
    without stepping (line sources, inverters, user outputs, debouncers, the converter,
    triggers) and fast pin trains around the debouncer time."""
    cycles = draw(st.integers(100, 600))
    w: list = [(draw(st.integers(-1, 3)), "AcquisitionStart", None)]
    t = 0
    for _ in range(draw(st.integers(10, 60))):
        t += draw(st.integers(1, 12))
        name, value, sel = draw(DENSE_ACTIONS)
        w.append((min(t, cycles), name, value, sel))
    return cycles, edge_train(draw, cycles), edge_train(draw, cycles), w


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dense_scenarios())
def test_event_mode_equals_cycle_mode_dense_writes(tiny_map, scenario):
    """Writes that leave the outputs as they are, unused edge pulses and unused converter
    pulses are jumped over in event mode; the edges, events and frame causes stay those of
    the cycle-stepped model."""
    cycles, l1, l2, writes = scenario
    a = simulate(tiny_map, cycles, line1=l1, line2=l2, writes=writes, mode="cycle")
    b = simulate(tiny_map, cycles, line1=l1, line2=l2, writes=writes, mode="event")
    assert_same(a, b)
    assert a.frame_causes == b.frame_causes
