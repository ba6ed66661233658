"""Directed co-simulation tests of the corner cases of docs/semantics.md (RTL == model, plus
explicit expectations so that each corner is really exercised)."""

from __future__ import annotations

import itertools
import random

import cocotb

from regmap.model import Access

from .cosim import CosimResult, report, run_scenario
from .scenario import Op, Scenario, op, raw_write_targets
from .testbench import start_tb

FS = {"TriggerSelector": "FrameStart"}
AS = {"TriggerSelector": "AcquisitionStart"}
L0 = {"LineSelector": "Line0"}
L1 = {"LineSelector": "Line1"}
L2 = {"LineSelector": "Line2"}


async def cosim(tb, name: str, cycles: int, ops, lines=None) -> CosimResult:
    """Run one scenario (after a reset) and require RTL == model."""
    sc = Scenario(name, cycles, dict(lines or {}), list(ops), seed=None)
    res = await run_scenario(tb, sc)
    assert res.ok, report(res, tb.config.get("wave_file"))
    return res


def pulses(res: CosimResult, signal: str = "frame_start") -> list[int]:
    """Cycles where a one-cycle pulse signal rose (RTL; equal to the model's)."""
    return [c for c, v in res.rtl[signal] if v == 1]


def final(res: CosimResult, feature: str) -> int:
    """The value of a feature's register from the final read of the scenario."""
    for acc in reversed(res.bus_log):
        if acc.tag == f"final read {feature}":
            return acc.value
    raise KeyError(feature)


def write_cycle(res: CosimResult, tag: str) -> int:
    """The cycle the (last) write of the op tagged ``tag`` was performed in."""
    return [a.cycle for a in res.bus_log if a.kind == "w" and a.tag.endswith(tag)][-1]


def trigger_setup(n: int = 0, delay: int = 0, exposure: int = 20, source: int = 1):
    """Ops: FrameStart trigger On from ``source``, debouncer ``n``, delay, exposure, started."""
    return [
        op(1, "set", "ExposureTime", exposure),
        op(2, "set", "LineDebouncerTime", n, **L1),
        op(3, "set", "TriggerSource", source, **FS),
        op(4, "set", "TriggerDelay", delay, **FS),
        op(5, "set", "TriggerMode", 1, **FS),
        op(6, "execute", "AcquisitionStart"),
    ]


def pulse_train(start: int, widths: list[int], gap: int = 80):
    """Line edges: a pulse of each width, ``gap`` cycles apart."""
    out, t = [], start
    for w in widths:
        out += [(t, 1), (t + w, 0)]
        t += w + gap
    return out


@cocotb.test()
async def debounce_run_n_and_n_minus_1(dut):
    """With N = 4 a 3-cycle pulse is filtered and a 4-cycle one passes, latency 3 + N."""
    tb = await start_tb(dut)
    edges = pulse_train(300, [3, 4, 3, 4, 5])
    res = await cosim(tb, "debounce-N", 1000, trigger_setup(n=4), {"line1_in": edges})
    rises = [c for c, v in edges if v == 1]
    assert pulses(res) == [rises[1] + 3 + 4, rises[3] + 3 + 4, rises[4] + 3 + 4], pulses(res)


@cocotb.test()
async def debounce_zero_and_one(dut):
    """N = 0 and N = 1 both pass a one-cycle pulse with latency 3 + 1."""
    tb = await start_tb(dut)
    for n in (0, 1):
        edges = pulse_train(300, [1, 1, 2])
        res = await cosim(tb, f"debounce-{n}", 700, trigger_setup(n=n), {"line1_in": edges})
        rises = [c for c, v in edges if v == 1]
        assert pulses(res) == [r + 4 for r in rises], (n, pulses(res))


@cocotb.test()
async def delay_zero_and_nonzero(dut):
    """pin edge -> frame_start is 3 + max(N, 1) + D, for D = 0, 1 and 17."""
    tb = await start_tb(dut)
    for d in (0, 1, 17):
        edges = pulse_train(300, [6, 6], gap=120)
        res = await cosim(tb, f"delay-{d}", 800, trigger_setup(n=2, delay=d), {"line1_in": edges})
        rises = [c for c, v in edges if v == 1]
        assert pulses(res) == [r + 3 + 2 + d for r in rises], (d, pulses(res))


@cocotb.test()
async def delay_fifo_full(dut):
    """K + 2 triggers within the delay: 2 are lost, counted and flagged; w1c clears the flag."""
    tb = await start_tb(dut)
    k = tb.rmap.constant("TriggerFifoDepth")
    edges = pulse_train(300, [2] * (k + 2), gap=4)
    ops = [*trigger_setup(n=1, delay=150, exposure=10), op(900, "set", "EventTriggerLostStatus", 0)]
    res = await cosim(tb, "fifo-full", 1000, ops, {"line1_in": edges})
    assert final(res, "TriggerLostCount") == 2
    # Writing 0 does not clear the w1c bit; writing 1 does (next scenario).
    assert final(res, "EventOvertriggerStatus") >> 1 & 1 == 1
    ops.append(op(950, "set", "EventTriggerLostStatus", 1))
    res = await cosim(tb, "fifo-full-clear", 1000, ops, {"line1_in": edges})
    assert final(res, "EventOvertriggerStatus") >> 1 & 1 == 0
    assert len(pulses(res)) >= 1
    ops = [
        op(1, "set", "TriggerSource", 1, **AS),
        op(2, "set", "TriggerDelay", 150, **AS),
        op(3, "set", "TriggerMode", 1, **AS),
        op(4, "execute", "AcquisitionStart"),
    ]
    res = await cosim(tb, "fifo-full-acq", 1000, ops, {"line1_in": edges})
    assert final(res, "TriggerLostCount") == 2


@cocotb.test()
async def trigger_while_busy(dut):
    """Triggers faster than P are overtriggers; triggers exactly P apart are all accepted."""
    tb = await start_tb(dut)
    p = 60
    rises = [300 + i * 25 for i in range(8)]
    edges = [e for r in rises for e in ((r, 1), (r + 2, 0))]
    res = await cosim(tb, "overtrigger", 700, trigger_setup(exposure=p), {"line1_in": edges})
    assert final(res, "OvertriggerCount") > 0
    assert final(res, "EventOvertriggerStatus") & 1 == 1
    rises = [300 + i * p for i in range(6)]
    edges = [e for r in rises for e in ((r, 1), (r + 2, 0))]
    res = await cosim(tb, "exactly-P", 800, trigger_setup(exposure=p), {"line1_in": edges})
    assert final(res, "OvertriggerCount") == 0 and len(pulses(res)) == 6, pulses(res)
    # Released triggers while acquisition is not active are overtriggers too.
    ops = [op(1, "set", "TriggerMode", 1, **FS)]
    res = await cosim(tb, "overtrigger-idle", 700, ops, {"line1_in": edges})
    assert final(res, "OvertriggerCount") == 6 and not pulses(res)


@cocotb.test()
async def falling_edge_activation(dut):
    """TriggerActivation FallingEdge: frames start 3 + max(N, 1) + D after the falling pin edge."""
    tb = await start_tb(dut)
    edges = pulse_train(300, [10, 20, 30], gap=90)
    ops = [*trigger_setup(n=3, delay=2), op(7, "set", "TriggerActivation", 1, **FS)]
    res = await cosim(tb, "falling-edge", 800, ops, {"line1_in": edges})
    falls = [c for c, v in edges if v == 0]
    assert pulses(res) == [f + 3 + 3 + 2 for f in falls], pulses(res)


def converter_ops(m: int, q: int):
    """Converter on Line1 rising edges with M and Q, observed on Line0 (LineSource fc)."""
    return [
        op(1, "set", "FrequencyConverterMultiplier", m),
        op(2, "set", "FrequencyConverterDivider", q),
        op(3, "set", "LineSource", 7, **L0),
        op(4, "set", "LineDebouncerTime", 1, **L1),
    ]


@cocotb.test()
async def converter_first_edge_and_multiply(dut):
    """First edge after the converter is written: only the aligned pulse; then M per period."""
    tb = await start_tb(dut)
    m, period = 4, 40
    edges = pulse_train(300, [5] * 5, gap=period - 5)
    res = await cosim(tb, "fc-first-edge", 600, converter_ops(m, 1), {"line1_in": edges})
    out = pulses(res, "line0_out")
    first = edges[0][0] + 3 + 1 + 1  # aligned pulse, one output register later
    assert out[0] == first and first + 1 not in out and out[1] == first + period, out
    assert len(out) == 1 + (len(edges) // 2 - 1) * m, out


@cocotb.test()
async def converter_m_greater_than_t(dut):
    """M > T: a pulse every cycle until M-1 are out or the next edge arrives."""
    tb = await start_tb(dut)
    edges = pulse_train(300, [3] * 6, gap=5)
    res = await cosim(tb, "fc-M>T", 500, converter_ops(20, 1), {"line1_in": edges})
    out = res.rtl["line0_out"]
    # Pulses in consecutive cycles merge into one long high level of line0_out.
    assert any(v == 1 and nxt[0] - c >= 8 for (c, v), nxt in itertools.pairwise(out)), out


@cocotb.test()
async def converter_divider(dut):
    """Q = 1 passes every multiplier pulse; Q = 3 passes the 1st, 4th, 7th..."""
    tb = await start_tb(dut)
    edges = pulse_train(300, [5] * 6, gap=45)
    counts = {}
    for q in (1, 3):
        res = await cosim(tb, f"fc-Q{q}", 700, converter_ops(3, q), {"line1_in": edges})
        counts[q] = len(pulses(res, "line0_out"))
    assert counts[1] == 1 + 5 * 3 and counts[3] == (counts[1] + 2) // 3, counts


@cocotb.test()
async def converter_as_trigger_source(dut):
    """FrequencyConverter as FrameStart source with M = 2."""
    tb = await start_tb(dut)
    edges = pulse_train(300, [5] * 5, gap=95)
    ops = [*converter_ops(2, 1), *trigger_setup(n=1, exposure=10, source=3)]
    res = await cosim(tb, "fc-trigger", 900, ops, {"line1_in": edges})
    assert len(pulses(res)) == 1 + 4 * 2, pulses(res)


@cocotb.test()
async def acquisition_modes(dut):
    """SingleFrame, MultiFrame (3) and Continuous with a stop during a frame."""
    tb = await start_tb(dut)
    for mode, count, expect in ((0, 1, 1), (1, 3, 3)):
        ops = [
            op(1, "set", "ExposureTime", 60),
            op(2, "set", "AcquisitionMode", mode),
            op(3, "set", "AcquisitionFrameCount", count),
            op(4, "execute", "AcquisitionStart"),
        ]
        res = await cosim(tb, f"mode-{mode}", 600, ops)
        assert len(pulses(res)) == expect and final(res, "EventOvertriggerStatus") >> 2 & 1
    ops = [
        op(1, "set", "ExposureTime", 60),
        op(4, "execute", "AcquisitionStart"),
        op(200, "execute", "AcquisitionStop"),
    ]
    res = await cosim(tb, "continuous-stop", 600, ops)
    start = pulses(res)[-1]
    assert res.rtl["acquisition_active"][-1] == (start + 60, 0), res.rtl["acquisition_active"]


@cocotb.test()
async def acquisition_start_trigger_and_software(dut):
    """AcquisitionStart trigger On (Software): active the cycle after the released trigger;
    a software FrameStart trigger written in cycle t starts a frame at t + 1 + D."""
    tb = await start_tb(dut)
    ops = [
        op(1, "set", "ExposureTime", 10),
        op(2, "set", "TriggerSource", 0, **AS),
        op(3, "set", "TriggerMode", 1, **AS),
        op(4, "set", "TriggerSource", 0, **FS),
        op(5, "set", "TriggerDelay", 5, **FS),
        op(6, "set", "TriggerMode", 1, **FS),
        op(7, "execute", "AcquisitionStart"),
        op(150, "execute", "TriggerSoftware", **AS),
        op(300, "execute", "TriggerSoftware", **FS),
    ]
    res = await cosim(tb, "sw-triggers", 500, ops)
    t_as = write_cycle(res, "TriggerSoftware[AcquisitionStart]")
    t_fs = write_cycle(res, "TriggerSoftware[FrameStart]")
    assert res.rtl["acquisition_active"][1] == (t_as + 2, 1), res.rtl["acquisition_active"]
    assert pulses(res) == [t_fs + 1 + 5], (t_fs, pulses(res))


@cocotb.test()
async def output_lines(dut):
    """Line2 as output with inverter and user outputs; Line0 sources; LineStatusAll."""
    tb = await start_tb(dut)
    ops = [
        op(1, "set", "LineMode", 1, **L2),
        op(2, "set", "LineSource", 5, **L2),
        op(3, "set", "LineInverter", 1, **L2),
        op(4, "set", "LineSource", 3, **L0),
        op(100, "set", "UserOutputValue", 1, UserOutputSelector="UserOutput1"),
        op(150, "execute", "AcquisitionStart"),
        op(200, "get", "LineStatusAll"),
        op(250, "set", "LineMode", 0, **L2),
        op(300, "get", "LineStatus", **L2),
    ]
    res = await cosim(tb, "outputs", 400, ops, {"line2_i": [(260, 1), (280, 0), (320, 1)]})
    assert len(res.rtl["line2_o"]) >= 3 and len(res.rtl["line2_oe"]) >= 3, res.rtl


@cocotb.test()
async def counter_reset(dut):
    """CounterReset zeroes the counters (it wins over an increment in the same cycle)."""
    tb = await start_tb(dut)
    ops = [
        op(1, "set", "ExposureTime", 50),
        op(4, "execute", "AcquisitionStart"),
        op(300, "execute", "CounterReset"),
    ]
    res = await cosim(tb, "counter-reset", 500, ops)
    assert len(pulses(res)) > final(res, "FrameCount") > 0


@cocotb.test()
async def config_sweep(dut):
    """Every legal value class of every behavioural field, set in turn while the pins toggle."""
    from regmap import Access

    from .coverage import IRRELEVANT, STORAGE_ONLY, _value_bins

    tb = await start_tb(dut)
    rmap = tb.rmap
    ops, c = [op(1, "execute", "AcquisitionStart")], 10
    for reg in rmap.registers:
        for i in range(reg.count):
            sel = {}
            if reg.array:
                sel = {reg.array.selector: rmap.selector(reg.array.selector).values[i].name}
            for f in reg.fields:
                if f.access is not Access.RW or f.feature is None:
                    continue
                if f.feature.category in STORAGE_ONLY:
                    continue
                name = f"cfg.{f.feature.name}{''.join(f'[{v}]' for v in sel.values())}"
                if name in IRRELEVANT:
                    continue
                for b in _value_bins(f, rmap.clock_hz):
                    raw = f.enum_value(b) if f.enum else {"0": 0, "1": 1, "many": 7}[b]
                    ops.append(op(c, "set", f.feature.name, raw, **sel))
                    c += 12
    rng_edges = pulse_train(50, [1, 2, 3, 5, 8, 13] * (c // 200 + 1), gap=17)
    lines = {"line1_in": rng_edges, "line2_i": [(t + 7, v) for t, v in rng_edges]}
    res = await cosim(tb, "config-sweep", c + 100, ops, lines)
    assert len([a for a in res.bus_log if a.kind == "w"]) >= len(ops)


@cocotb.test()
async def reads_in_event_cycles(dut):
    """Back-to-back reads while frames start every P = 53 cycles (prime, so the read phase
    drifts): reads land in frame-start cycles, then status and overtrigger reads."""
    tb = await start_tb(dut)
    ops = [op(1, "set", "ExposureTime", 53), op(2, "set", "TriggerSource", 0, **FS)]
    ops += [op(3, "execute", "AcquisitionStart")]
    ops += [op(20 + i, "get", "FrameCount") for i in range(150)]
    feats = ("AcquisitionActive", "ExposureTime", "LineStatusAll", "FrameCount")
    ops += [op(700 + i, "get", feats[i % 4]) for i in range(100)]
    ops.append(op(1100, "set", "TriggerMode", 1, **FS))
    ops += [op(1101 + i, "execute", "TriggerSoftware", **FS) for i in range(0, 30, 3)]
    ops += [
        op(1200 + i, "get", ("OvertriggerCount", "EventOvertriggerStatus")[i % 2])
        for i in range(60)
    ]
    lines = {"line1_in": pulse_train(30, [1, 2, 3] * 60, gap=5)}
    res = await cosim(tb, "reads-in-event-cycles", 1600, ops, lines)
    starts = set(pulses(res))
    fc_addr = tb.rmap.register("FRAME_COUNT").address
    hits = [a for a in res.bus_log if a.kind == "r" and a.addr == fc_addr and a.cycle in starts]
    tb.dut._log.info(
        "FrameCount reads in frame-start cycles: %s", [(a.cycle, a.value) for a in hits]
    )
    assert hits, "no FrameCount read was performed in a frame-start cycle"


# Image geometry, payload and frame period on the slow-clock map (a 64 x 8 sensor,
# R(H) = 10 + 5 * H cycles, Tx = ceil(W * H * B * byte_time / 2**16)), values by hand
# (docs/semantics.md, "Image geometry, payload and frame period"):
# (name, Width, Height, PixelFormat, byte time, ExposureTime, AcquisitionFrameRate or None,
#  PayloadSize, P).
MONO8, MONO10, MONO12 = 0x0108_0001, 0x0110_0003, 0x0110_0005
IMAGE_CASES = [
    # smallest region: R(2) = 20, 16 * 2 = 32 B, Tx = ceil(32 * 4096 / 65536) = 2
    ("min-readout", 16, 2, MONO8, 4096, 5, None, 32, 20),
    # whole sensor: R(8) = 50, 512 B, Tx = 32
    ("max-readout", 64, 8, MONO8, 4096, 5, None, 512, 50),
    # Mono12 doubles the payload: 1024 B at 1 cycle per byte, Tx = 1024 > R(8) = 50
    ("mono12-transfer", 64, 8, MONO12, 65536, 5, None, 1024, 1024),
    # Mono10 32 x 4: 256 B at a little over 1/8 cycle per byte,
    # Tx = ceil(256 * 8193 / 65536) = ceil(32.004) = 33 > R(4) = 30
    ("mono10-transfer", 32, 4, MONO10, 8193, 5, None, 256, 33),
    # exposure 77 > R(2) = 20 and Tx = 2
    ("exposure", 16, 2, MONO8, 4096, 77, None, 32, 77),
    # AcquisitionFrameRate stored as a 90-cycle period, above E, R(8) = 50 and Tx = 32
    ("frame-rate", 64, 8, MONO8, 4096, 5, 90, 512, 90),
    # raw Width 0xFFFF acts as the sensor's 64, Height 7 as 6 (grid 2), byte time 0: no
    # transfer limit; 64 * 6 * 2 = 768 B; R(6) = 40
    ("raw-big-width-no-link-limit", 0xFFFF, 7, MONO12, 0, 3, None, 768, 40),
    # raw Width 40 acts as 32 (grid 16), Height 1 as the minimum 2, an unknown format as
    # Mono8: 64 B at 1 cycle per byte, Tx = 64 > R(2) = 20
    ("raw-off-grid-unknown-format", 40, 1, 0x1234_5678, 65536, 3, None, 64, 64),
    # raw Width 0 acts as the minimum 16, Height 1000 as the sensor's 8: 128 B,
    # Tx = ceil(128 * 1537 / 65536) = ceil(3.002) = 4 < R(8) = 50
    ("raw-small-width-tall", 0, 1000, MONO8, 1537, 3, None, 128, 50),
]


@cocotb.test()
async def image_format_frame_period(dut):
    """Width, Height, PixelFormat and the link's byte time set PayloadSize and the frame period
    (readout-, transfer-, exposure- and frame-rate-limited), raw out-of-rule values included."""
    tb = await start_tb(dut)
    assert (tb.rmap.constant("SensorWidth"), tb.rmap.constant("SensorHeight")) == (64, 8)
    for name, w, h, fmt, byte_time, e, f, payload, period in IMAGE_CASES:
        ops = [
            op(1, "set", "Width", w),
            op(2, "set", "Height", h),
            op(3, "set", "PixelFormat", fmt),
            op(4, "set", "DeviceLinkThroughputLimit", byte_time),
            op(5, "set", "ExposureTime", e),
            op(6, "set", "AcquisitionFrameRate", f or 1),
            op(7, "set", "AcquisitionFrameRateEnable", int(f is not None)),
            op(8, "get", "PayloadSize"),
            op(9, "get", "ResultingFrameRate"),
            op(12, "execute", "AcquisitionStart"),
        ]
        res = await cosim(tb, f"image-{name}", 60 + 3 * period, ops)
        assert (final(res, "PayloadSize"), final(res, "ResultingFrameRate")) == (
            payload,
            period,
        ), name
        starts = pulses(res)
        gaps = {b - a for a, b in itertools.pairwise(starts)}
        assert len(starts) >= 3 and gaps == {period}, (name, starts)


@cocotb.test()
async def image_transfer_time_extremes(dut):
    """The largest raw values: Width and Height 0xFFFF act as the sensor, Mono12, byte time
    2**32 - 1. The transfer time saturates at 2**32 - 1 on the camera's map; on the slow map
    it is ceil(1024 * (2**32 - 1) / 2**16) = 2**26 (1024 * (2**32 - 1) = 2**42 - 1024)."""
    tb = await start_tb(dut)
    sensor = (tb.rmap.constant("SensorWidth"), tb.rmap.constant("SensorHeight"))
    expected = {(64, 8): (1024, 2**26), (1280, 1024): (2_621_440, 2**32 - 1)}[sensor]
    ops = [
        op(1, "set", "Width", 0xFFFF),
        op(2, "set", "Height", 0xFFFF),
        op(3, "set", "PixelFormat", MONO12),
        op(4, "set", "DeviceLinkThroughputLimit", 0xFFFF_FFFF),
        op(5, "set", "ExposureTime", 3),
    ]
    res = await cosim(tb, "image-extremes", 40, ops)
    assert (final(res, "PayloadSize"), final(res, "ResultingFrameRate")) == expected


def level_at(edges, cycle: int) -> int:
    """The level of an edge list during ``cycle``."""
    level = 0
    for c, v in edges:
        if c > cycle:
            break
        level = v
    return level


UO = [{"UserOutputSelector": f"UserOutput{k}"} for k in range(3)]


@cocotb.test()
async def user_output_sources(dut):
    """Patterns 1,0,1 / 0,1,0 / 1,0,0 / 0,0,1 on UserOutputValue 0..2 while LineSource selects
    each of UserOutput0/1/2 on Line0 and on Line2 (output): the line shows that output's value."""
    tb = await start_tb(dut)
    for line, pin in (("Line0", "line0_out"), ("Line2", "line2_o")):
        sel = {"LineSelector": line}
        ops, checks, c = [op(1, "set", "LineMode", 1, **L2)], [], 10
        for pattern in ((1, 0, 1), (0, 1, 0), (1, 0, 0), (0, 0, 1)):
            for k, v in enumerate(pattern):
                ops.append(op(c + k, "set", "UserOutputValue", v, **UO[k]))
            c += 20
            for k in range(3):
                ops.append(op(c, "set", "LineSource", 4 + k, **sel))
                checks.append((c + 15, pattern[k], pattern, k))
                c += 20
        res = await cosim(tb, f"user-outputs-{line}", c + 20, ops)
        for cycle, want, pattern, k in checks:
            got = level_at(res.rtl[pin], cycle)
            assert got == want, (line, pattern, f"UserOutput{k}", cycle, res.rtl[pin])


@cocotb.test()
async def line2_triggers_and_converter(dut):
    """Line2 as FrameStart source, rising and falling activation: 3 + max(N, 1) + D after the
    pin edge; Line2 as the converter's input (M = 3, Q = 1), observed on Line0; Line2 as the
    AcquisitionStart trigger."""
    tb = await start_tb(dut)
    edges = pulse_train(300, [10, 20, 30], gap=90)
    for act, ref in ((0, 1), (1, 0)):
        ops = [
            *trigger_setup(n=2, delay=3, source=2),
            op(7, "set", "LineDebouncerTime", 2, **L2),
            op(8, "set", "TriggerActivation", act, **FS),
        ]
        res = await cosim(tb, f"line2-trigger-{act}", 800, ops, {"line2_i": edges})
        at = [c for c, v in edges if v == ref]
        assert pulses(res) == [e + 3 + 2 + 3 for e in at], (act, pulses(res))
    edges = pulse_train(300, [5] * 6, gap=45)
    ops = [*converter_ops(3, 1), op(5, "set", "FrequencyConverterInputSource", 1)]
    ops.append(op(6, "set", "LineDebouncerTime", 1, **L2))
    res = await cosim(tb, "fc-line2", 700, ops, {"line2_i": edges})
    assert len(pulses(res, "line0_out")) == 1 + 5 * 3, pulses(res, "line0_out")
    # Line1 toggles meanwhile in the Line1 run: the converter must not follow it.
    res = await cosim(tb, "fc-line2-not-line1", 700, ops, {"line1_in": edges})
    assert not pulses(res, "line0_out"), pulses(res, "line0_out")
    # Line2 as the AcquisitionStart trigger: active after the first Line2 edge, not before.
    ops = [
        op(1, "set", "LineDebouncerTime", 2, **L2),
        op(2, "set", "TriggerSource", 2, **AS),
        op(3, "set", "TriggerMode", 1, **AS),
        op(4, "set", "ExposureTime", 30),
        op(5, "execute", "AcquisitionStart"),
    ]
    res = await cosim(tb, "as-line2", 500, ops, {"line2_i": [(300, 1), (310, 0)]})
    rises = [c for c, v in res.rtl["acquisition_active"] if v == 1]
    assert len(rises) == 1 and 300 < rises[0] <= 300 + 3 + 2 + 2, res.rtl["acquisition_active"]


@cocotb.test()
async def inverter_with_static_pin(dut):
    """With N > 0 and the pin held low, LineInverter 0 -> 1 is a rising edge of the line: one
    frame (rising activation), LineStatus 1; back to 0 is a falling edge: no frame."""
    tb = await start_tb(dut)
    for line, src, n in (("Line1", 1, 3), ("Line2", 2, 5)):
        sel = {"LineSelector": line}
        ops = [
            *trigger_setup(n=0, source=src),
            op(7, "set", "LineDebouncerTime", n, **sel),
            op(100, "set", "LineInverter", 1, **sel),
            op(200, "get", "LineStatus", **sel),
            op(300, "set", "LineInverter", 0, **sel),
            op(400, "get", "LineStatus", **sel),
        ]
        res = await cosim(tb, f"inverter-static-{line}", 500, ops)
        t = write_cycle(res, f"LineInverter[{line}]=1")
        assert len(pulses(res)) == 1 and t < pulses(res)[0] <= t + 3 + n + 3, (t, pulses(res))
        reads = [a.value & 1 for a in res.bus_log if a.tag.endswith(f"get LineStatus[{line}]")]
        assert reads == [1, 0], reads


@cocotb.test()
async def frame_rate_limited(dut):
    """AcquisitionFrameRateEnable with F > max(E, R, Tx): frames exactly F apart and
    ResultingFrameRate = F; disabled again, the period falls back to max(E, R, Tx)."""
    tb = await start_tb(dut)
    from .scenario import reset_image_period

    p0 = reset_image_period(tb.rmap)
    for f, e in ((97, 20), (p0 + 1, p0 - 1)):
        ops = [
            op(1, "set", "ExposureTime", e),
            op(2, "set", "AcquisitionFrameRate", f),
            op(3, "set", "AcquisitionFrameRateEnable", 1),
            op(4, "execute", "AcquisitionStart"),
        ]
        res = await cosim(tb, f"frame-rate-{f}", 700, ops)
        starts = pulses(res)
        assert len(starts) >= 4 and {b - a for a, b in itertools.pairwise(starts)} == {f}, starts
        assert final(res, "ResultingFrameRate") == f
    ops[2] = op(3, "set", "AcquisitionFrameRateEnable", 0)
    res = await cosim(tb, "frame-rate-off", 700, ops)
    assert final(res, "ResultingFrameRate") == max(p0 - 1, p0)


@cocotb.test()
async def acquisition_start_software_trigger_effect(dut):
    """A software AcquisitionStart trigger arms nothing by itself: before AcquisitionStart it is
    not an acquisition start; after it, acquisition becomes active 2 + D cycles after the
    trigger is written, for D = 0 and 9 (and frames follow)."""
    tb = await start_tb(dut)
    for d in (0, 9):
        ops = [
            op(1, "set", "ExposureTime", 30),
            op(2, "set", "TriggerSource", 0, **AS),
            op(3, "set", "TriggerDelay", d, **AS),
            op(4, "set", "TriggerMode", 1, **AS),
            op(50, "execute", "TriggerSoftware", **AS),
            op(150, "execute", "AcquisitionStart"),
            op(250, "execute", "TriggerSoftware", **AS),
        ]
        res = await cosim(tb, f"as-software-{d}", 500, ops)
        t = write_cycle(res, "TriggerSoftware[AcquisitionStart]")
        rises = [c for c, v in res.rtl["acquisition_active"] if v == 1]
        assert rises == [t + 2 + d], (d, t, res.rtl["acquisition_active"])
        assert pulses(res) and pulses(res)[0] >= t + 2 + d, pulses(res)


def _rw_mask(reg) -> int:
    """Bits of a register that read back what was written (``rw`` fields)."""
    mask = 0
    for f in reg.fields:
        if f.access is Access.RW:
            mask |= f.mask
    return mask


@cocotb.test()
async def raw_values_every_field(dut):
    """Every writable register (all elements) gets the raw word 0, then all ones, while Line1
    pulses trigger frames (through the delay FIFO) and feed the frequency converter, which
    drives Line0; the software triggers of both selectors fire in each window; last a random
    word with a partial byte strobe (every strobe over the registers). RTL == model over the
    whole run (docs/semantics.md, "Every stored value"), and the rw bits read back what was
    stored."""
    tb = await start_tb(dut)
    rmap = tb.rmap
    setup = [
        op(1, "set", "ExposureTime", 5),
        op(2, "set", "TriggerSource", 1, **FS),
        op(3, "set", "TriggerDelay", 3, **FS),
        op(4, "set", "TriggerMode", 1, **FS),
        op(5, "set", "FrequencyConverterMultiplier", 3),
        op(6, "set", "FrequencyConverterDivider", 2),
        op(7, "set", "LineSource", 7, **L0),
        op(8, "set", "LineMode", 1, **L2),
        op(9, "set", "LineSource", 1, **L2),
        op(10, "execute", "AcquisitionStart"),
    ]
    edges = pulse_train(20, [2] * 12, gap=21)
    lines = {"line1_in": edges, "line2_i": [(t + 5, v) for t, v in edges]}
    names = sorted({name for name, _ in raw_write_targets(rmap)})
    assert "FC_DIVIDER" in names and "EVENT_STATUS" in names
    rng = random.Random(13)
    strobes = itertools.cycle(range(16))
    for name in names:
        reg = rmap.register(name)
        ops = list(setup)
        reads = []
        # 0 and all ones with every byte; then a random word with the next byte strobe over
        # the all-ones value (the bytes outside the strobe keep their ones)
        for start, value, strobe in ((40, 0, 0xF), (150, 0xFFFF_FFFF, 0xF), (260, None, None)):
            for i in range(reg.count):
                addr = reg.address_of(i)
                word, bytes_ = (
                    (value, strobe) if value is not None else (rng.getrandbits(32), next(strobes))
                )
                keep = sum(0xFF << 8 * b for b in range(4) if not bytes_ >> b & 1)
                stored = word & ~keep if value is not None else (word & ~keep) | keep
                ops.append(Op(start + i, "write", f"{name}[{i}]", word, (), bytes_, addr))
                ops.append(Op(start + 5 + i, "read", f"{name}[{i}]", address=addr))
                reads.append((str(ops[-1]), stored & 0xFFFF_FFFF))
            ops.append(op(start + 10, "execute", "TriggerSoftware", **FS))
            ops.append(op(start + 12, "execute", "TriggerSoftware", **AS))
        res = await cosim(tb, f"raw-{name}", 370, ops, lines)
        tags = {tag for tag, _ in reads}
        got = [a.value for a in res.bus_log if a.kind == "r" and a.tag in tags]
        mask = _rw_mask(reg)
        assert [v & mask for v in got] == [v & mask for _, v in reads], (name, got)
        assert len([a for a in res.bus_log if a.kind == "w" and a.ok]) >= len(setup), name
