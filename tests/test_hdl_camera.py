# amaranth: UnusedElaboratable=no
"""Top-level tests of hdl.camera.Camera: port list, latencies, and equivalence with CameraModel."""

from __future__ import annotations

import random

import pytest
from amaranth.sim import Simulator

from firmware_model import OUTPUT_PINS, BusError, CameraModel
from hdl.axi import CHANNELS, RESP_OKAY, RESP_SLVERR
from hdl.camera import AXI_PREFIX, Camera
from hdl.export import port_table
from hdl.testing import AXI4LiteManager, flat_bus
from sim.scenario import reset_image_period

AXI_MEMBERS = [name for members in CHANNELS.values() for name in members]

OBSERVED = OUTPUT_PINS


def _field_value(rmap, register, **fields):
    reg = rmap.register(register)
    value = 0
    for name, v in fields.items():
        f = reg.field(name)
        if isinstance(v, str):
            v = f.enum_value(v)
        value |= (v << f.lsb) & f.mask
    return value


class Harness:
    """A Camera in the Amaranth simulator with a bus manager, pin drivers and an output log."""

    def __init__(self, rmap):
        self.rmap = rmap
        self.dut = Camera(rmap)
        self.log: list[dict[str, int]] = []
        self.pins: dict[str, list[int]] = {"line1_in": [], "line2_i": []}

    def addr(self, name, index=0):
        return self.rmap.register(name).address_of(index)

    def run(self, bench, *, pins=None):
        dut = self.dut

        async def monitor(ctx):
            signals = [getattr(dut, n) for n in OBSERVED]
            async for _clk, _rst, *values in ctx.tick().sample(*signals):
                self.log.append(dict(zip(OBSERVED, values, strict=True)))

        async def drive_pins(ctx):
            t = 0
            while True:
                for name, wave in (pins or {}).items():
                    ctx.set(getattr(dut, name), wave[t] if t < len(wave) else wave[-1])
                await ctx.tick()
                t += 1

        async def main(ctx):
            mgr = AXI4LiteManager(flat_bus(dut))
            await mgr.idle(ctx)
            await bench(ctx, mgr)

        sim = Simulator(dut)
        sim.add_clock(1e-6)
        sim.add_testbench(main)
        sim.add_testbench(monitor, background=True)
        if pins:
            sim.add_testbench(drive_pins, background=True)
        sim.run()

    def cycles(self, name):
        return [t for t, v in enumerate(self.log) if v[name]]


def test_port_list(slow_camera_map):
    names = set(Camera(slow_camera_map).signature.members)
    axi = {f"s_axil_{n}" for n in AXI_MEMBERS}
    pins = {
        "line1_in",
        "line2_i",
        "line2_o",
        "line2_oe",
        "line0_out",
        "frame_start",
        "exposure_active",
        "frame_trigger_wait",
        "acquisition_active",
    }
    assert names == axi | pins
    with pytest.raises(TypeError, match="rmap must be a RegisterMap"):
        Camera(None)


def test_output_pins_match_model(slow_camera_map):
    """hdl keeps its own port list (it never imports firmware_model): the Camera's pin outputs
    must be exactly the model's one-bit outputs, ``firmware_model.OUTPUT_PINS``."""
    outputs = [
        name
        for name, direction, _width, _text in port_table(slow_camera_map)
        if direction == "output" and not name.startswith(f"{AXI_PREFIX}_")
    ]
    assert sorted(outputs) == sorted(OUTPUT_PINS)
    members = Camera(slow_camera_map).signature.members
    assert {n for n in OUTPUT_PINS if members[n].flow.name == "Out"} == set(OUTPUT_PINS)


@pytest.mark.parametrize("delay", [0, 1, 7])
def test_software_trigger_latency(slow_camera_map, delay):
    """TriggerSoftware written in cycle t starts a frame in cycle t + 1 + D."""
    rmap = slow_camera_map
    h = Harness(rmap)
    performed = []

    async def bench(ctx, mgr):
        await mgr.write(
            ctx,
            h.addr("TRIGGER_CTRL"),
            _field_value(rmap, "TRIGGER_CTRL", mode="On", source="Software"),
        )
        await mgr.write(ctx, h.addr("TRIGGER_DELAY"), delay)
        await mgr.write(ctx, h.addr("EXPOSURE_TIME"), 12)
        await mgr.write(
            ctx, h.addr("ACQ_CTRL"), _field_value(rmap, "ACQ_CTRL", mode="Continuous", start=1)
        )
        await mgr.tick(ctx, 2)
        sw = _field_value(rmap, "TRIGGER_CTRL", mode="On", source="Software", software=1)
        performed.append((await mgr.write(ctx, h.addr("TRIGGER_CTRL"), sw)).performed_at)
        await mgr.tick(ctx, 5)
        # A second trigger during the frame period: an overtrigger.
        performed.append((await mgr.write(ctx, h.addr("TRIGGER_CTRL"), sw)).performed_at)
        await mgr.tick(ctx, delay + 60)
        res = await mgr.read(ctx, h.addr("FRAME_COUNT"))
        assert (res.resp, res.data) == (RESP_OKAY, 1)
        assert (await mgr.read(ctx, h.addr("OVERTRIGGER_COUNT"))).data == 1
        events = (await mgr.read(ctx, h.addr("EVENT_STATUS"))).data
        assert events == rmap.register("EVENT_STATUS").field("overtrigger").mask

    h.run(bench)
    t = performed[0]
    assert h.cycles("frame_start") == [t + 1 + delay]
    assert h.cycles("exposure_active") == list(range(t + 1 + delay, t + 1 + delay + 12))


@pytest.mark.parametrize(
    ("n", "delay", "activation"),
    [(0, 0, "RisingEdge"), (1, 0, "FallingEdge"), (4, 3, "RisingEdge"), (2, 5, "FallingEdge")],
)
def test_line1_latency(slow_camera_map, n, delay, activation):
    """Line1 edge at tp: frame_start at tp + 3 + max(N,1) + D, inverted Line0 one cycle later."""
    rmap = slow_camera_map
    h = Harness(rmap)
    edge_at = 60
    rising = activation == "RisingEdge"
    wave = [0 if rising else 1] * edge_at + [1 if rising else 0] * 200

    async def bench(ctx, mgr):
        if not rising:
            await mgr.write(ctx, h.addr("LINE_CFG", 1), _field_value(rmap, "LINE_CFG", inverter=0))
        await mgr.write(ctx, h.addr("LINE_DEBOUNCE", 1), n)
        await mgr.write(
            ctx,
            h.addr("TRIGGER_CTRL"),
            _field_value(rmap, "TRIGGER_CTRL", mode="On", source="Line1", activation=activation),
        )
        await mgr.write(ctx, h.addr("TRIGGER_DELAY"), delay)
        await mgr.write(
            ctx,
            h.addr("LINE_CFG", 0),
            _field_value(rmap, "LINE_CFG", mode="Output", inverter=1, source="ExposureActive"),
        )
        await mgr.write(ctx, h.addr("EXPOSURE_TIME"), 10)
        await mgr.write(ctx, h.addr("ACQ_CTRL"), _field_value(rmap, "ACQ_CTRL", start=1))
        assert mgr.cycle < edge_at - 10
        await mgr.tick(ctx, edge_at + 40 - mgr.cycle)
        status = (await mgr.read(ctx, h.addr("LINE_STATUS_ALL"))).data
        assert status >> 1 & 1 == int(rising)

    h.run(bench, pins={"line1_in": wave})
    fs = edge_at + 3 + max(n, 1) + delay
    assert h.cycles("frame_start") == [fs]
    low = [t for t, v in enumerate(h.log) if t > 10 and not v["line0_out"]]
    assert low == list(range(fs + 1, fs + 11))


def test_free_run_and_stop(slow_camera_map):
    """FrameStart trigger Off: frames every P = max(E, R) cycles; AcquisitionStop ends at t0+P."""
    rmap = slow_camera_map
    h = Harness(rmap)
    r = reset_image_period(rmap)
    marks = {}

    async def bench(ctx, mgr):
        await mgr.write(ctx, h.addr("EXPOSURE_TIME"), 20)
        res = await mgr.write(
            ctx, h.addr("ACQ_CTRL"), _field_value(rmap, "ACQ_CTRL", mode="Continuous", start=1)
        )
        marks["start"] = res.performed_at
        await mgr.tick(ctx, 2 * r + 5)
        res = await mgr.write(
            ctx, h.addr("ACQ_CTRL"), _field_value(rmap, "ACQ_CTRL", mode="Continuous", stop=1)
        )
        marks["stop"] = res.performed_at
        await mgr.tick(ctx, 2 * r)
        assert (await mgr.read(ctx, h.addr("RESULTING_FRAME_PERIOD"))).data == r

    h.run(bench)
    first = marks["start"] + 2  # the pulse is high in t+1, active from the cycle after
    assert h.cycles("frame_start") == [first, first + r, first + 2 * r]
    assert h.cycles("acquisition_active") == list(range(first, first + 3 * r))


def test_single_frame_done_event(slow_camera_map):
    rmap = slow_camera_map
    h = Harness(rmap)
    r = reset_image_period(rmap)
    done_bit = rmap.register("EVENT_STATUS").field("acquisition_done").mask

    async def bench(ctx, mgr):
        await mgr.write(ctx, h.addr("EXPOSURE_TIME"), 30)
        res = await mgr.write(
            ctx, h.addr("ACQ_CTRL"), _field_value(rmap, "ACQ_CTRL", mode="SingleFrame", start=1)
        )
        t0 = res.performed_at + 2
        await mgr.tick(ctx, t0 + r - 1 - mgr.cycle)
        # Read performed in t0+P-1 (still active), then the event bit from t0+P.
        assert (await mgr.read(ctx, h.addr("EVENT_STATUS"))).data == 0
        assert (await mgr.read(ctx, h.addr("EVENT_STATUS"))).data == done_bit
        assert (await mgr.write(ctx, h.addr("EVENT_STATUS"), done_bit)).resp == RESP_OKAY
        assert (await mgr.read(ctx, h.addr("EVENT_STATUS"))).data == 0
        assert (await mgr.write(ctx, h.addr("FRAME_COUNT"), 0)).resp == RESP_SLVERR

    h.run(bench)
    assert len(h.cycles("frame_start")) == 1
    assert len(h.cycles("acquisition_active")) == r


# --------------------------------------------------------------------- random equivalence
def _random_writes(rmap, rng):
    """A palette of meaningful register writes for the slow camera."""
    a = rmap.register
    fv = _field_value
    return [
        lambda: (a("EXPOSURE_TIME").address, rng.choice([5, 20, 49, 50, 63])),
        lambda: (a("ACQ_FRAME_PERIOD").address, rng.choice([30, 55, 70])),
        lambda: (a("ACQ_FRAME_COUNT").address, rng.choice([1, 2, 3])),
        lambda: (
            a("ACQ_CTRL").address,
            fv(
                rmap,
                "ACQ_CTRL",
                mode=rng.randrange(3),
                frame_rate_enable=rng.randrange(2),
                start=rng.random() < 0.6,
                stop=rng.random() < 0.3,
            ),
        ),
        lambda: (a("ACQ_CTRL").address, fv(rmap, "ACQ_CTRL", mode=2, start=1)),
        lambda: (a("ACQ_CTRL").address, fv(rmap, "ACQ_CTRL", mode=2, stop=1)),
        lambda: (
            a("TRIGGER_CTRL").address_of(0),
            fv(rmap, "TRIGGER_CTRL", mode=1, source="FrequencyConverter"),
        ),
        lambda: (
            a("TRIGGER_CTRL").address_of(rng.randrange(2)),
            fv(
                rmap,
                "TRIGGER_CTRL",
                mode=int(rng.random() < 0.75),
                source=rng.randrange(4),
                activation=rng.randrange(2),
                software=rng.randrange(2),
            ),
        ),
        lambda: (a("TRIGGER_DELAY").address_of(rng.randrange(2)), rng.choice([0, 0, 3, 17, 60])),
        lambda: (
            a("LINE_CFG").address_of(rng.randrange(3)),
            fv(
                rmap,
                "LINE_CFG",
                mode=rng.randrange(2),
                inverter=rng.randrange(2),
                source=rng.randrange(8),
            ),
        ),
        lambda: (a("LINE_DEBOUNCE").address_of(rng.randrange(3)), rng.choice([0, 1, 2, 5])),
        lambda: (a("USER_OUTPUT").address_of(rng.randrange(3)), rng.randrange(2)),
        lambda: (a("FC_CTRL").address, rng.randrange(2)),
        lambda: (a("FC_MULTIPLIER").address, rng.choice([1, 2, 3, 5])),
        lambda: (a("FC_DIVIDER").address, rng.choice([1, 2, 3])),
        lambda: (a("COUNTER_CTRL").address, 1),
        lambda: (a("EVENT_STATUS").address, rng.randrange(8)),
        lambda: (a("GAIN").address, rng.getrandbits(32)),
        lambda: (rng.choice([0x10000 + 0x20, a("FRAME_COUNT").address]), 1),
    ]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_random_equivalence_with_camera_model(slow_camera_map, seed):
    """Random pins, register writes and reads: outputs and reads equal CameraModel every cycle."""
    _random_equivalence(slow_camera_map, seed, 5000)


@pytest.mark.soak
@pytest.mark.parametrize("seed", range(100, 106))
def test_random_equivalence_soak(slow_camera_map, seed):
    _random_equivalence(slow_camera_map, seed, 60_000)


def _random_equivalence(rmap, seed, cycles):
    rng = random.Random(seed)
    h = Harness(rmap)
    pins = {}
    for name in ("line1_in", "line2_i"):
        wave, level = [], 0
        while len(wave) < cycles + 10:
            wave += [level] * rng.choice([1, 2, 4, 9, 15, 30, 70])
            level ^= 1
        pins[name] = wave
    writes_palette = _random_writes(rmap, rng)
    read_addrs = [addr for reg in rmap.registers for addr in reg.addresses]
    accesses = []

    async def bench(ctx, mgr):
        # Start with something active: an acquisition on Line1 frame triggers.
        while mgr.cycle < cycles - 40:
            if rng.random() < 0.45:
                addr, data = rng.choice(writes_palette)()
                res = await mgr.write(
                    ctx,
                    addr,
                    data,
                    aw_delay=rng.randrange(3),
                    w_delay=rng.randrange(3),
                    b_delay=rng.randrange(2),
                )
                accesses.append(("w", res.performed_at, addr, data, res.resp))
            else:
                addr = rng.choice(read_addrs)
                res = await mgr.read(ctx, addr, ar_delay=rng.randrange(2))
                accesses.append(("r", res.performed_at, addr, res.data, res.resp))
            await mgr.tick(ctx, rng.choice([0, 0, 1, 3, 10]))

    h.run(bench, pins=pins)

    model = CameraModel(rmap)
    by_cycle = {}
    for acc in accesses:
        by_cycle.setdefault(acc[1], []).append(acc)
    seen = {name: 0 for name in OBSERVED}
    for t in range(cycles - 40):
        out = model.step(pins["line1_in"][t], pins["line2_i"][t])
        expected = {name: getattr(out, name) for name in OBSERVED}
        assert h.log[t] == expected, (t, h.log[t], expected)
        for name in OBSERVED:
            seen[name] += expected[name]
        for kind, _, addr, data, resp in sorted(by_cycle.get(t, []), key=lambda a: a[0] != "r"):
            try:
                if kind == "r":
                    value = model.bank.read(addr)  # the read performed in cycle t
                    assert (data, resp) == (value, RESP_OKAY), (t, hex(addr))
                else:
                    model.bank.write(addr, data)
                    assert resp == RESP_OKAY, (t, hex(addr))
            except BusError:
                assert resp == RESP_SLVERR, (t, hex(addr))
    assert all(seen[n] for n in ("frame_start", "exposure_active", "acquisition_active")), seen
