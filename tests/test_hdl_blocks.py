# amaranth: UnusedElaboratable=no
"""Functional blocks against the firmware model's blocks, cycle by cycle, random and corners."""

from __future__ import annotations

import dataclasses
import random

import pytest
from amaranth.sim import Simulator

from firmware_model import blocks as fw
from firmware_model.imaging import Imaging
from hdl.acquisition import Acquisition, Counters
from hdl.frametiming import FrameTiming, frame_timing
from hdl.freqconv import FrequencyConverter
from hdl.lines import Debouncer, EdgeDetector, LineInput, LineOutput
from hdl.trigger import TriggerDelay, TriggerSourceMux


def simulate(dut, cycles, stimulus, check, *, clocked=True):
    """Each cycle: ``stimulus(t) -> {port: value}`` is driven, then ``check(t, get)`` runs."""

    async def bench(ctx):
        for t in range(cycles):
            for port, value in stimulus(t).items():
                ctx.set(getattr(dut, port), value)
            check(t, lambda name: ctx.get(getattr(dut, name)))
            if clocked:
                await ctx.tick()
            else:
                await ctx.delay(1e-6)

    sim = Simulator(dut)
    if clocked:
        sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def runs(rng, cycles, lengths):
    """A random 0/1 waveform made of runs whose lengths come from ``lengths``."""
    out, level = [], 0
    while len(out) < cycles:
        out.extend([level] * rng.choice(lengths))
        level ^= 1
    return out[:cycles]


# ------------------------------------------------------------------ input line pipeline
@pytest.mark.parametrize("seed", [0, 1])
def test_line_input_matches_model(seed):
    rng = random.Random(seed)
    pin = runs(rng, 400, [1, 1, 2, 3, 5])
    inv = runs(rng, 400, [7, 30])
    off = runs(rng, 400, [40, 90])
    sync = fw.Synchroniser()

    def check(t, get):
        s = sync.step(pin[t])
        assert get("x") == (0 if off[t] else s ^ inv[t]), t

    simulate(LineInput(), 400, lambda t: {"pin": pin[t], "inverter": inv[t], "off": off[t]}, check)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_debouncer_matches_model(seed):
    rng = random.Random(seed)
    cycles = 1500
    x = runs(rng, cycles, [1, 2, 3, 4, 5, 6, 8, 12])
    n = [rng.choice([0, 1, 2, 3, 4, 5, 7]) for _ in range(cycles // 50 + 1)]
    model = fw.Debouncer()
    passed = []

    def check(t, get):
        y = model.step(x[t], n[t // 50])
        assert get("y") == y, t
        passed.append(y)

    simulate(Debouncer(20), cycles, lambda t: {"x": x[t], "n": n[t // 50]}, check)
    assert 0 < sum(passed) < cycles


@pytest.mark.parametrize("n", [0, 1, 2, 5])
def test_debouncer_latency_and_filter(n):
    """An edge held N cycles reaches y after exactly max(N, 1); a shorter run never does."""
    dut = Debouncer(20)
    x = [0] * 5 + [1] * max(n, 1) + [0] * 20 + ([1] * (n - 1) if n > 1 else []) + [0] * 20
    ys = []
    simulate(dut, len(x), lambda t: {"x": x[t], "n": n}, lambda t, get: ys.append(get("y")))
    rise = ys.index(1)
    assert rise == 5 + max(n, 1)
    assert sum(ys) == max(n, 1)  # pulse width preserved, the short run filtered


def test_edge_detector_matches_model():
    rng = random.Random(5)
    y = runs(rng, 300, [1, 2, 3, 9])
    model = fw.EdgeDetector()
    edges = []

    def check(t, get):
        rise, fall = model.step(y[t])
        assert (get("rise"), get("fall")) == (rise, fall), t
        edges.append(rise + fall)

    simulate(EdgeDetector(), 300, lambda t: {"y": y[t]}, check)
    assert sum(edges) > 20


# ------------------------------------------------------------------ frequency converter
def _fc_case(seed, cycles, m_choices, q_choices, gaps):
    rng = random.Random(seed)
    edge = [0] * cycles
    t = 3
    while t < cycles:
        edge[t] = 1
        t += rng.choice(gaps)
    cfg, clear = [], [0] * cycles
    m, q = rng.choice(m_choices), rng.choice(q_choices)
    for t in range(cycles):
        cfg.append((m, q))
        if rng.random() < 0.004:
            clear[t] = 1  # a converter register is written in cycle t: new values from t+1
            m, q = rng.choice(m_choices), rng.choice(q_choices)
    return edge, cfg, clear


@pytest.mark.parametrize(
    ("seed", "m_choices", "q_choices", "gaps"),
    [
        (0, [1], [1], [2, 3, 7]),
        (1, [1, 2, 3, 4, 7], [1, 2, 3], [10, 17, 30, 41]),
        (2, [5, 9, 40], [1, 2], [6, 11, 25]),  # M > T: a pulse every cycle
        (3, [2, 3, 8, 13], [1, 4], [2, 5, 8, 60, 120]),
    ],
)
def test_frequency_converter_matches_model(seed, m_choices, q_choices, gaps):
    cycles = 2500
    edge, cfg, clear = _fc_case(seed, cycles, m_choices, q_choices, gaps)
    model = fw.FrequencyConverter()
    outs = []

    def stimulus(t):
        m, q = cfg[t]
        return {"edge": edge[t], "multiplier": m, "divider": q, "clear": clear[t]}

    def check(t, get):
        m, q = cfg[t]
        out = model.step(t, edge[t], m, q)
        if clear[t]:
            model.reset()
        assert get("out") == out, t
        outs.append(out)

    simulate(FrequencyConverter(), cycles, stimulus, check)
    assert sum(outs) >= sum(edge) // max(q for _, q in cfg) > 0


def test_frequency_converter_pulse_positions():
    """M = 3, T = 10: pulses at ceil(j*T/M) = 4, 7 after the edge; first edge only aligned."""
    edge = [0] * 60
    for t in (5, 15, 25):
        edge[t] = 1
    outs = []
    simulate(
        FrequencyConverter(),
        60,
        lambda t: {"edge": edge[t], "multiplier": 3, "divider": 1},
        lambda t, get: outs.append(get("out")),
    )
    assert [t for t, v in enumerate(outs) if v] == [5, 15, 19, 22, 25, 29, 32]


# ------------------------------------------------------------------ trigger source and delay
def test_trigger_source_mux(camera_map):
    reg = camera_map.register("TRIGGER_CTRL")
    dut = TriggerSourceMux(reg.field("source"), reg.field("activation"), reg.field("mode"))
    rng = random.Random(3)
    names = ("software", "line1_rise", "line1_fall", "line2_rise", "line2_fall", "fc")
    stim = [
        {
            "mode": rng.randrange(2),
            "source": rng.randrange(8),
            "activation": rng.randrange(2),
            **{n: rng.randrange(2) for n in names},
        }
        for _ in range(300)
    ]

    def check(t, get):
        s = stim[t]
        act = s["activation"]
        expected = {
            0: s["software"],
            1: s["line1_fall"] if act else s["line1_rise"],
            2: s["line2_fall"] if act else s["line2_rise"],
            3: s["fc"],
        }.get(s["source"], 0)
        assert get("trigger") == (expected & s["mode"]), t

    simulate(dut, 300, lambda t: stim[t], check, clocked=False)


@pytest.mark.parametrize(
    ("seed", "depth", "offset", "p_trigger", "delays"),
    [
        (0, 4, 0, 0.1, [0, 1, 3, 8, 20]),
        (1, 4, 2**32 - 700, 0.3, [0, 2, 5, 13]),  # the 32-bit timestamp wraps mid-run
        (2, 1, 0, 0.2, [0, 1, 4]),
        (3, 16, 2**31 - 300, 0.5, [0, 30, 60]),
    ],
)
def test_trigger_delay_matches_model(seed, depth, offset, p_trigger, delays):
    rng = random.Random(seed)
    cycles = 1500
    trig = [int(rng.random() < p_trigger) for _ in range(cycles)]
    delay = [rng.choice(delays) for _ in range(cycles // 37 + 1)]
    model = fw.TriggerDelayFifo(depth)
    counts = [0, 0]

    def stimulus(t):
        return {"trigger": trig[t], "delay": delay[t // 37], "now": (t + offset) % 2**32}

    def check(t, get):
        rel, lost = model.step(t, trig[t], delay[t // 37])
        assert (get("release"), get("lost")) == (rel, lost), t
        counts[0] += rel
        counts[1] += lost

    simulate(TriggerDelay(depth, 27), cycles, stimulus, check)
    assert counts[0] > 50 and counts[1] > 0


def test_trigger_delay_corners():
    """D = 0 on an empty FIFO passes at once; a full FIFO drops even if one leaves that cycle."""
    dut = TriggerDelay(2, 27)
    trig = [0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    dly = [0, 0, 0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]
    got = []
    simulate(
        dut,
        len(trig),
        lambda t: {"trigger": trig[t], "delay": dly[t], "now": t},
        lambda t, get: got.append((get("release"), get("lost"))),
    )
    assert [t for t, (r, _) in enumerate(got) if r] == [1, 8, 9]
    assert [t for t, (_, lost) in enumerate(got) if lost] == [5]


def test_trigger_delay_no_overtaking():
    """After TriggerDelay is lowered, a new trigger leaves the cycle after its predecessor."""
    trig = [1, 0, 1, 0, 1] + [0] * 20
    dly = [10, 10, 1, 1, 0] + [0] * 20
    got = []
    simulate(
        TriggerDelay(4, 27),
        len(trig),
        lambda t: {"trigger": trig[t], "delay": dly[t], "now": 1000 + t},
        lambda t, get: got.append(get("release")),
    )
    assert [t for t, r in enumerate(got) if r] == [10, 11, 12]


# ------------------------------------------------------------------ acquisition, counters, outputs
def _acq_dut(camera_map):
    return Acquisition(
        camera_map.register("ACQ_CTRL").field("mode"),
        camera_map.register("TRIGGER_CTRL").field("mode"),
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_acquisition_matches_model(camera_map, seed):
    rng = random.Random(seed)
    cycles = 3000
    dut = _acq_dut(camera_map)
    model = fw.Acquisition()
    stim = []
    cfg = {}
    for t in range(cycles):
        if t % 150 == 0:
            cfg = {
                "mode": rng.randrange(4),  # 3: reserved, no frame limit
                "frame_count": rng.randrange(0, 4),
                "exposure": rng.randrange(0, 12),
                "frame_period": rng.randrange(0, 15),
                "image_period": rng.randrange(0, 10),
                "rate_enable": rng.randrange(2),
                "fs_mode": rng.randrange(2),
                "as_mode": rng.randrange(2),
            }
        elif rng.random() < 0.01:
            cfg = dict(cfg, exposure=rng.randrange(0, 12), fs_mode=rng.randrange(2))
        stim.append(
            dict(
                cfg,
                start=int(rng.random() < 0.03),
                stop=int(rng.random() < 0.01),
                fs_release=int(rng.random() < 0.15),
                as_release=int(rng.random() < 0.05),
            )
        )
    seen = {"frame_start": 0, "overtrigger": 0, "done": 0}

    def check(t, get):
        s = stim[t]
        period = max(s["exposure"], s["image_period"], 1)  # P >= 1, also when all are 0
        if s["rate_enable"]:
            period = max(period, s["frame_period"])
        exposure_active = model.exposure_active(t)
        active, wait, frame_start, overtrigger, done = model.step(
            t,
            start=s["start"],
            stop=s["stop"],
            acq_trigger_on=s["as_mode"],
            acq_released=s["as_release"],
            frame_trigger_on=s["fs_mode"],
            frame_released=s["fs_release"],
            exposure=s["exposure"],
            period=period,
            mode=s["mode"],
            frame_count=s["frame_count"],
        )
        if frame_start:  # ExposureTime 0: no ExposureActive cycle
            exposure_active = int(s["exposure"] != 0)
        got = {
            n: get(n)
            for n in (
                "acquisition_active",
                "frame_trigger_wait",
                "frame_start",
                "overtrigger",
                "done",
                "exposure_active",
                "resulting_period",
            )
        }
        assert got == {
            "acquisition_active": active,
            "frame_trigger_wait": wait,
            "frame_start": frame_start,
            "overtrigger": overtrigger,
            "done": done,
            "exposure_active": exposure_active,
            "resulting_period": period,
        }, t
        seen["frame_start"] += frame_start
        seen["overtrigger"] += overtrigger
        seen["done"] += done

    simulate(dut, cycles, lambda t: stim[t], check)
    assert all(seen.values()), seen


def test_acquisition_free_run_and_stop(camera_map):
    """Free run: first frame in the first active cycle, then every P; stop ends at t0 + P."""
    dut = _acq_dut(camera_map)
    start_at, stop_at = 2, 25
    got = []
    simulate(
        dut,
        60,
        lambda t: {
            "mode": 2,
            "exposure": 4,
            "image_period": 10,
            "start": int(t == start_at),
            "stop": int(t == stop_at),
        },
        lambda t, get: got.append(
            (get("acquisition_active"), get("frame_start"), get("exposure_active"))
        ),
    )
    assert [t for t, v in enumerate(got) if v[1]] == [3, 13, 23]
    assert [t for t, v in enumerate(got) if v[0]] == list(range(3, 33))
    assert [t for t, v in enumerate(got) if v[2]] == [3, 4, 5, 6, 13, 14, 15, 16, 23, 24, 25, 26]


def test_counters_match_model():
    rng = random.Random(9)
    dut = Counters(2)
    model = fw.Counters()
    stim = [
        {
            "frame_start": int(rng.random() < 0.3),
            "lost": rng.randrange(4),
            "overtrigger": int(rng.random() < 0.2),
            "reset": int(rng.random() < 0.02),
        }
        for _ in range(500)
    ]

    def check(t, get):
        got = (get("frame_count"), get("trigger_lost_count"), get("overtrigger_count"))
        assert got == (model.frames, model.lost, model.overtriggers), t
        s = stim[t]
        model.step(s["reset"], s["frame_start"], bin(s["lost"]).count("1"), s["overtrigger"])

    simulate(dut, 500, lambda t: stim[t], check)
    assert model.frames > 0


def test_line_output_matches_model(camera_map):
    dut = LineOutput(camera_map.register("LINE_CFG").field("source"))
    rng = random.Random(4)
    model, oe = fw.OutputRegister(), fw.OutputRegister()
    names = ("exposure_active", "frame_trigger_wait", "acquisition_active", "fc")
    stim = [
        {
            "source": rng.randrange(16),
            "inverter": rng.randrange(2),
            "enable": rng.randrange(2),
            "user_output": rng.randrange(8),
            **{n: rng.randrange(2) for n in names},
        }
        for _ in range(400)
    ]

    def check(t, get):
        s = stim[t]
        sources = (
            0,
            s["exposure_active"],
            s["frame_trigger_wait"],
            s["acquisition_active"],
            s["user_output"] & 1,
            s["user_output"] >> 1 & 1,
            s["user_output"] >> 2 & 1,
            s["fc"],
        )
        level = sources[s["source"]] if s["source"] < 8 else 0
        assert (get("pin"), get("oe")) == (model.step(level ^ s["inverter"]), oe.step(s["enable"]))

    simulate(dut, 400, lambda t: stim[t], check)


# ------------------------------------------------------------------ frame timing (image size)
MONO8, MONO10, MONO12 = 0x0108_0001, 0x0110_0003, 0x0110_0005
# (Width, Height, PixelFormat, byte time) -> (W, H, PayloadSize, R(H), Tx), by hand for the
# camera: 1280 x 1024 sensor, Width 16..1280 step 16, Height 2..1024 step 2,
# R(H) = 10 600 + 600 H, Tx = min(ceil(PayloadSize * byte_time / 2**16), 2**32 - 1).
FRAME_TIMING_CASES = [
    ((1280, 1024, MONO8, 65_536), (1280, 1024, 1_310_720, 625_000, 1_310_720)),
    ((1280, 1024, MONO12, 65_536), (1280, 1024, 2_621_440, 625_000, 2_621_440)),
    ((640, 480, MONO10, 16_000), (640, 480, 614_400, 298_600, 150_000)),
    ((0, 0, MONO8, 0), (16, 2, 32, 11_800, 0)),
    ((17, 3, 0, 1), (16, 2, 32, 11_800, 1)),  # ceil(32 / 65536) = 1
    ((1279, 1023, 0x0110_0004, 3), (1264, 1022, 1_291_808, 623_800, 60)),
    ((0xFFFF, 0xFFFF, MONO12, 2**32 - 1), (1280, 1024, 2_621_440, 625_000, 2**32 - 1)),
]


def test_frame_timing_by_hand(camera_map):
    dut = frame_timing(camera_map)
    names = ("eff_width", "eff_height", "payload_size", "readout", "transfer")

    def check(t, get):
        assert tuple(get(n) for n in names) == FRAME_TIMING_CASES[t][1], FRAME_TIMING_CASES[t]

    simulate(
        dut,
        len(FRAME_TIMING_CASES),
        lambda t: dict(
            zip(
                ("width", "height", "pixel_format", "byte_time"),
                FRAME_TIMING_CASES[t][0],
                strict=True,
            )
        ),
        check,
        clocked=False,
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_frame_timing_matches_model(camera_map, seed):
    rng = random.Random(seed)
    model = Imaging(camera_map)
    dut = frame_timing(camera_map)
    formats = [MONO8, MONO10, MONO12, 0, rng.getrandbits(32)]
    stim = [
        {
            "width": rng.choice([rng.randrange(0, 1400), rng.getrandbits(16)]),
            "height": rng.choice([rng.randrange(0, 1100), rng.getrandbits(16)]),
            "pixel_format": rng.choice(formats),
            "byte_time": rng.choice([0, rng.randrange(1, 1 << 20), rng.getrandbits(32)]),
        }
        for _ in range(300)
    ]

    def check(t, get):
        s = stim[t]
        g = model.geometry(s["width"], s["height"], 0, 0, s["pixel_format"])
        assert (get("eff_width"), get("eff_height"), get("payload_size")) == (
            g.width,
            g.height,
            g.payload_size,
        ), s
        assert get("readout") == model.readout(g.height), s
        assert get("transfer") == model.transfer(g.payload_size, s["byte_time"]), s

    simulate(dut, len(stim), lambda t: stim[t], check, clocked=False)


def test_frame_timing_parameter_errors(camera_map):
    kw = dict(
        sensor_width=1280,
        sensor_height=1024,
        line_time=600,
        overhead=10_600,
        width_field=camera_map.feature("Width")[1],
        height_field=camera_map.feature("Height")[1],
        format_field=camera_map.feature("PixelFormat")[1],
        byte_time_field=camera_map.feature("DeviceLinkThroughputLimit")[1],
    )
    FrameTiming(**kw)
    odd = dataclasses.replace(kw["width_field"], inc=12)
    with pytest.raises(ValueError, match=r"^the increment of width must be a power of two"):
        FrameTiming(**{**kw, "width_field": odd})
    with pytest.raises(ValueError, match=r"^sensor_height must be an integer in 1\.\.65535"):
        FrameTiming(**{**kw, "sensor_height": 0})
    with pytest.raises(ValueError, match=r"^the readout time of the full sensor height"):
        FrameTiming(**{**kw, "line_time": 2**22})
    with pytest.raises(TypeError, match=r"^format_field must be an enumerated Field"):
        FrameTiming(**{**kw, "format_field": kw["width_field"]})


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: Debouncer(0), "width must be a positive integer"),
        (lambda: TriggerDelay(0), "depth must be a positive integer"),
        (lambda: TriggerDelay(4, 40), "delay_width must be an integer"),
        (lambda: FrequencyConverter(17), "width must be an integer"),
        (lambda: Counters(0), "lost_inputs must be a positive integer"),
    ],
)
def test_parameter_errors(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()
