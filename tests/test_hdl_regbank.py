# amaranth: UnusedElaboratable=no
"""Bus tests of the generated AXI4-Lite register bank (docs/semantics.md, "Bus accesses")."""

from __future__ import annotations

import random

import pytest
from amaranth.sim import Simulator

from firmware_model.bank import BusError
from firmware_model.bank import RegisterBank as ModelBank
from hdl.axi import RESP_OKAY, RESP_SLVERR
from hdl.regbank import FIELD_RULES, RegisterBank
from hdl.testing import AXI4LiteManager
from regmap import Access, loads

ALL_ACCESS_YAML = """
device:
  name: allaccess
  vendor: test
  model: A1
  clock_hz: 1_000_000
  base_address: 0x10000
categories:
  - name: Control
registers:
  - name: MIXED
    address: 0x10000
    fields:
      - {name: rwf, bits: "7:0", access: rw, reset: 0xA5}
      - {name: rof, bits: "11:8", access: ro}
      - {name: wof, bits: "19:16", access: wo, reset: 3}
      - {name: w1cf, bits: 24, access: w1c, reset: 1}
      - {name: w1sf, bits: 25, access: w1s, reset: 1}
      - {name: pul, bits: 26, access: pulse}
      - {name: hi, bits: "31:28", access: rw, reset: 9}
  - name: RCREG
    address: 0x10004
    fields:
      - {name: cnt, bits: "7:0", access: rc, reset: 0x11}
  - name: ROREG
    address: 0x10008
    fields:
      - {name: st, bits: "15:0", access: ro}
  - name: WIDE
    address: 0x1000C
    fields:
      - {name: word, bits: "31:0", access: rw, reset: 0x12345678}
"""


@pytest.fixture(scope="module")
def all_access_map():
    return loads(ALL_ACCESS_YAML, "all_access.yaml")


def _run(dut, *benches, background=()):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    for bench in benches:
        sim.add_testbench(bench)
    for bench in background:
        sim.add_testbench(bench, background=True)
    sim.run()


def _readable_mask(reg):
    return sum(f.mask for f in reg.fields if f.access.readable and f.access is not Access.RO)


def test_every_access_type_has_a_rule():
    assert set(FIELD_RULES) == set(Access)
    assert all(rule.access is access for access, rule in FIELD_RULES.items())


def test_rejects_non_map():
    with pytest.raises(TypeError, match="rmap must be a RegisterMap"):
        RegisterBank("camera.yaml")


def test_reset_values_of_camera_map(camera_map):
    """Every register element reads its map reset value (hardware-driven fields read 0 here)."""
    dut = RegisterBank(camera_map)
    seen = []

    async def bench(ctx):
        mgr = AXI4LiteManager(dut.bus)
        await mgr.idle(ctx)
        for reg in camera_map.registers:
            for i in range(reg.count):
                res = await mgr.read(ctx, reg.address_of(i))
                assert res.resp == RESP_OKAY, reg.name
                expected = reg.reset_value(i) & _readable_mask(reg)
                assert res.data == expected, (reg.name, i, hex(res.data), hex(expected))
                seen.append(reg.name)

    _run(dut, bench)
    assert len(seen) == sum(r.count for r in camera_map.registers)


def test_field_interface_by_name(camera_map):
    """Fields are exposed per register (element) by name with their reset values."""
    dut = RegisterBank(camera_map)

    async def bench(ctx):
        await ctx.tick()
        assert ctx.get(dut.regs.EXPOSURE_TIME.time) == 1_250_000
        assert [ctx.get(dut.regs.LINE_CFG[i].mode) for i in range(3)] == [1, 0, 0]
        assert ctx.get(dut.regs.TRIGGER_CTRL[1].source) == 1
        assert ctx.get(dut.reg("BALANCE_RATIO", 2).ratio) == 256
        assert ctx.get(dut.regs.ACQ_CTRL.start) == 0

    _run(dut, bench)
    with pytest.raises(ValueError, match="index must be given"):
        dut.reg("LINE_CFG")


def test_access_types_directed(all_access_map):
    """rw/ro/wo/w1c/w1s/pulse/rc each follow the table of docs/semantics.md, bit by bit."""
    dut = RegisterBank(all_access_map)
    mixed = dut.regs.MIXED
    rc = dut.regs.RCREG
    addr = {r.name: r.address for r in all_access_map.registers}

    async def bench(ctx):
        mgr = AXI4LiteManager(dut.bus)
        await mgr.idle(ctx)
        ctx.set(mixed.rof, 0x6)
        ctx.set(dut.regs.ROREG.st, 0xBEEF)
        # Reset: rw 0xA5, ro from hardware, wo reads 0, w1c 1, w1s 1, pulse 0, hi 9.
        res = await mgr.read(ctx, addr["MIXED"])
        assert res.data == 0xA5 | 0x6 << 8 | 1 << 24 | 1 << 25 | 9 << 28
        assert ctx.get(mixed.wof) == 3
        # Write all ones: rw stores, ro unchanged, wo stores (reads 0), w1c clears, w1s stays
        # set, pulse high exactly one cycle after the write.
        res = await mgr.write(ctx, addr["MIXED"], 0xFFFF_FFFF)
        assert res.resp == RESP_OKAY
        res = await mgr.read(ctx, addr["MIXED"])
        assert res.data == 0xFF | 0x6 << 8 | 1 << 25 | 0xF << 28
        assert ctx.get(mixed.wof) == 0xF
        # w1s: the hardware clear input clears, a software write of 0 keeps.
        ctx.set(mixed.w1sf_clr, 1)
        await mgr.tick(ctx)
        ctx.set(mixed.w1sf_clr, 0)
        assert ctx.get(mixed.w1sf) == 0
        await mgr.write(ctx, addr["MIXED"], 0x0, 0b1000)
        assert ctx.get(mixed.w1sf) == 0
        assert ctx.get(mixed.hi) == 0
        await mgr.write(ctx, addr["MIXED"], 1 << 25, 0b1000)
        assert ctx.get(mixed.w1sf) == 1
        # w1c: hardware set, then software clear with a 0 keeps, with a 1 clears.
        ctx.set(mixed.w1cf_set, 1)
        await mgr.tick(ctx)
        ctx.set(mixed.w1cf_set, 0)
        assert ctx.get(mixed.w1cf) == 1
        await mgr.write(ctx, addr["MIXED"], 0, 0b1000)
        assert ctx.get(mixed.w1cf) == 1
        await mgr.write(ctx, addr["MIXED"], 1 << 24, 0b1000)
        assert ctx.get(mixed.w1cf) == 0
        # rc: reads the value, then reads 0; a write has no effect but the register is writable
        # only if it has writable fields: RCREG is read-only, so SLVERR.
        res = await mgr.read(ctx, addr["RCREG"])
        assert res.data == 0x11
        res = await mgr.read(ctx, addr["RCREG"])
        assert res.data == 0
        ctx.set(rc.cnt_set, 0x42)
        await mgr.tick(ctx)
        ctx.set(rc.cnt_set, 0)
        res = await mgr.write(ctx, addr["RCREG"], 0)
        assert res.resp == RESP_SLVERR
        assert (await mgr.read(ctx, addr["RCREG"])).data == 0x42
        assert (await mgr.read(ctx, addr["RCREG"])).data == 0
        # ro register: hardware value; a write answers SLVERR.
        assert (await mgr.read(ctx, addr["ROREG"])).data == 0xBEEF
        assert (await mgr.write(ctx, addr["ROREG"], 0)).resp == RESP_SLVERR

    _run(dut, bench)


def test_hardware_set_and_software_set_win(all_access_map):
    """w1c: a hardware set wins over a clear in the same cycle; w1s: a software set wins."""
    dut = RegisterBank(all_access_map)
    mixed = dut.regs.MIXED
    addr = all_access_map.register("MIXED").address
    trace = []

    async def monitor(ctx):
        async for _clk, _rst, w1c, w1s in ctx.tick().sample(mixed.w1cf, mixed.w1sf):
            trace.append((w1c, w1s))

    performed = {}

    async def bench(ctx):
        mgr = AXI4LiteManager(dut.bus)
        await mgr.idle(ctx)
        await mgr.tick(ctx, 2)
        ctx.set(mixed.w1cf_set, 1)  # held high across the clearing write
        performed["w1c"] = (await mgr.write(ctx, addr, 1 << 24, 0b1000)).performed_at
        ctx.set(mixed.w1cf_set, 0)
        await mgr.tick(ctx, 2)
        ctx.set(mixed.w1sf_clr, 1)  # held high across the setting write
        await mgr.tick(ctx)
        performed["w1s"] = (await mgr.write(ctx, addr, 1 << 25, 0b1000)).performed_at
        await mgr.tick(ctx, 3)

    _run(dut, bench, background=[monitor])
    t = performed["w1c"]
    assert all(v[0] for v in trace[: t + 4])  # reset 1, and the clear in t loses to the set
    t = performed["w1s"]
    assert [v[1] for v in trace[t : t + 4]] == [0, 1, 0, 0]


def test_byte_strobes(all_access_map):
    dut = RegisterBank(all_access_map)
    wide = all_access_map.register("WIDE").address

    async def bench(ctx):
        mgr = AXI4LiteManager(dut.bus)
        await mgr.idle(ctx)
        value = 0x12345678
        for strb in range(16):
            data = random.Random(strb).getrandbits(32)
            assert (await mgr.write(ctx, wide, data, strb)).resp == RESP_OKAY
            mask = sum(0xFF << 8 * i for i in range(4) if strb >> i & 1)
            value = (value & ~mask) | (data & mask)
            assert (await mgr.read(ctx, wide)).data == value

    _run(dut, bench)


def test_pulse_and_written_timing(camera_map):
    """A write performed in cycle t: ``written`` high in t only, pulse high in t+1 only."""
    dut = RegisterBank(camera_map)
    trig = dut.regs.TRIGGER_CTRL[1]
    sw = camera_map.register("TRIGGER_CTRL").field("software")
    trace = []

    async def monitor(ctx):
        async for _clk, _rst, written, pulse, other in ctx.tick().sample(
            trig.written, trig.software, dut.regs.TRIGGER_CTRL[0].software
        ):
            trace.append((written, pulse, other))

    async def bench(ctx):
        mgr = AXI4LiteManager(dut.bus)
        await mgr.idle(ctx)
        await mgr.tick(ctx, 3)
        res = await mgr.write(
            ctx, camera_map.register("TRIGGER_CTRL").address_of(1), sw.mask, aw_delay=2, w_delay=5
        )
        await mgr.tick(ctx, 5)
        t = res.performed_at
        assert [c for c, v in enumerate(trace) if v[0]] == [t]
        assert [c for c, v in enumerate(trace) if v[1]] == [t + 1]
        assert not any(v[2] for v in trace)

    _run(dut, bench, background=[monitor])


def test_errors(camera_map):
    """Unmapped, unaligned and read-only accesses answer SLVERR; writes have no effect."""
    dut = RegisterBank(camera_map)
    fc = camera_map.register("FRAME_COUNT").address
    exp = camera_map.register("EXPOSURE_TIME").address

    async def bench(ctx):
        mgr = AXI4LiteManager(dut.bus)
        await mgr.idle(ctx)
        ctx.set(dut.regs.FRAME_COUNT.count, 77)
        for bad in (0x0, 0x1000C, exp + 1, exp + 2, 0xFFFF_FFFC, 0x10000 + 0x800):
            res = await mgr.read(ctx, bad)
            assert (res.resp, res.data) == (RESP_SLVERR, 0)
            assert (await mgr.write(ctx, bad, 0xFFFF_FFFF)).resp == RESP_SLVERR
        assert (await mgr.write(ctx, fc, 5)).resp == RESP_SLVERR
        assert (await mgr.read(ctx, fc)).data == 77
        assert (await mgr.read(ctx, exp)).data == 1_250_000
        # A mixed register (ro and rw fields) is writable: OKAY, ro bits unaffected.
        assert (await mgr.write(ctx, exp, 10)).resp == RESP_OKAY
        assert (await mgr.read(ctx, exp)).data == 10

    _run(dut, bench)


def test_back_pressure(camera_map):
    """AW and W in either order with gaps, BREADY/RREADY held low: one outstanding each."""
    dut = RegisterBank(camera_map)
    bus = dut.bus
    exp = camera_map.register("EXPOSURE_TIME").address
    per = camera_map.register("ACQ_FRAME_PERIOD").address

    async def watch_b(ctx):
        # While BVALID is high and not accepted, BRESP is stable and no new write is accepted.
        prev = None
        async for _clk, _rst, bvalid, bready, bresp, awready, wready in ctx.tick().sample(
            bus.bvalid, bus.bready, bus.bresp, bus.awready, bus.wready
        ):
            if bvalid:
                assert not awready and not wready
                if prev is not None:
                    assert bresp == prev
                prev = None if bready else bresp
            else:
                prev = None

    async def bench(ctx):
        mgr = AXI4LiteManager(bus)
        await mgr.idle(ctx)
        cases = [(0, 7, 0), (7, 0, 0), (3, 3, 20), (0, 12, 30), (15, 1, 1)]
        for n, (aw, w, b) in enumerate(cases):
            res = await mgr.write(ctx, exp, 100 + n, aw_delay=aw, w_delay=w, b_delay=b)
            assert res.resp == RESP_OKAY
            res = await mgr.read(ctx, exp, ar_delay=n, r_delay=b)
            assert (res.resp, res.data) == (RESP_OKAY, 100 + n)
        # Read held by RREADY low: ARREADY stays low, RDATA stable.
        ctx.set(bus.araddr, per)
        ctx.set(bus.arvalid, 1)
        ctx.set(bus.rready, 0)
        await mgr.tick(ctx)
        ctx.set(bus.arvalid, 1)
        ctx.set(bus.araddr, exp)
        for _ in range(25):
            assert ctx.get(bus.rvalid) and not ctx.get(bus.arready)
            assert ctx.get(bus.rdata) == 5_000_000
            await mgr.tick(ctx)
        ctx.set(bus.rready, 1)
        await mgr.tick(ctx)
        # The second AR is accepted in the cycle RVALID dropped.
        await mgr.tick(ctx)
        ctx.set(bus.arvalid, 0)
        assert ctx.get(bus.rvalid) and ctx.get(bus.rdata) == 104

    _run(dut, bench, background=[watch_b])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_against_firmware_bank(all_access_map, seed):
    """Concurrent random reads, writes and hardware inputs agree with the firmware model's bank."""
    rmap = all_access_map
    dut = RegisterBank(rmap)
    rng = random.Random(seed)
    regs = list(rmap.registers)
    addresses = [r.address for r in regs] + [0x10010, 0x10001, 0x20000]
    cycles = 600
    writes, reads, hw, outs = [], [], {}, {}
    mixed = dut.regs.MIXED

    async def writer(ctx):
        mgr = AXI4LiteManager(dut.bus)
        ctx.set(dut.bus.bready, 1)
        while mgr.cycle < cycles - 80:
            a = rng.choice(addresses)
            d = rng.getrandbits(32)
            s = rng.getrandbits(4)
            res = await mgr.write(
                ctx,
                a,
                d,
                s,
                aw_delay=rng.randrange(4),
                w_delay=rng.randrange(4),
                b_delay=rng.randrange(3),
            )
            writes.append((res.performed_at, a, d, s, res.resp))
            await mgr.tick(ctx, rng.randrange(3))

    async def reader(ctx):
        mgr = AXI4LiteManager(dut.bus)
        ctx.set(dut.bus.rready, 1)
        while mgr.cycle < cycles - 80:
            a = rng.choice(addresses)
            res = await mgr.read(ctx, a, ar_delay=rng.randrange(3), r_delay=rng.randrange(3))
            reads.append((res.performed_at, a, res.data, res.resp))
            await mgr.tick(ctx, rng.randrange(3))

    async def hardware(ctx):
        for c in range(cycles):
            v = {
                "rof": rng.getrandbits(4),
                "st": rng.getrandbits(16),
                "w1c_set": int(rng.random() < 0.1),
                "w1s_clr": int(rng.random() < 0.1),
                "rc_set": rng.getrandbits(8) if rng.random() < 0.1 else 0,
            }
            ctx.set(mixed.rof, v["rof"])
            ctx.set(dut.regs.ROREG.st, v["st"])
            ctx.set(mixed.w1cf_set, v["w1c_set"])
            ctx.set(mixed.w1sf_clr, v["w1s_clr"])
            ctx.set(dut.regs.RCREG.cnt_set, v["rc_set"])
            hw[c] = v
            _clk, _rst, pul, written, rwf, wof, w1s = await ctx.tick().sample(
                mixed.pul, mixed.written, mixed.rwf, mixed.wof, mixed.w1sf
            )
            outs[c] = (pul, written, rwf, wof, w1s)

    _run(dut, writer, reader, hardware)

    model = ModelBank(rmap)
    f = {
        name: rmap.register(r).field(name)
        for r, name in (
            ("MIXED", "rof"),
            ("ROREG", "st"),
            ("MIXED", "w1cf"),
            ("MIXED", "w1sf"),
            ("RCREG", "cnt"),
        )
    }
    a_mixed, a_ro, a_rc = (rmap.register(n).address for n in ("MIXED", "ROREG", "RCREG"))
    writes_at = {w[0]: w for w in writes}
    reads_at = {r[0]: r for r in reads}
    assert len(writes_at) == len(writes) and len(reads_at) == len(reads)
    checked = 0
    rc_pending = 0
    for c in range(cycles - 80):
        model.begin_cycle()
        model.values[a_rc] |= rc_pending  # the model's hw_set sets the whole field
        v = hw[c]
        model.hw_drive(a_mixed, f["rof"], v["rof"])
        model.hw_drive(a_ro, f["st"], v["st"])
        values = model.values[a_mixed]
        pul, written, rwf, wof, w1s = outs[c]
        assert pul == int(model.pulse(a_mixed, rmap.register("MIXED").field("pul"))), c
        assert (rwf, wof, w1s) == (values & 0xFF, values >> 16 & 0xF, values >> 25 & 1), c
        if c in reads_at:
            _, a, data, resp = reads_at[c]
            try:
                expected = (model.read(a), RESP_OKAY)
            except BusError:
                expected = (0, RESP_SLVERR)
            assert (data, resp) == expected, (c, hex(a))
            checked += 1
        performed = c in writes_at
        if performed:
            _, a, d, s, resp = writes_at[c]
            try:
                model.write(a, d, s)
                expected_resp = RESP_OKAY
            except BusError:
                expected_resp = RESP_SLVERR
            assert resp == expected_resp, (c, hex(a))
        assert written == int(performed and writes_at[c][1] == a_mixed), c
        if v["w1c_set"]:
            model.hw_set(a_mixed, f["w1cf"])
        if v["w1s_clr"]:
            model.hw_clear(a_mixed, f["w1sf"])
        rc_pending = v["rc_set"]
    assert checked > 50 and len(writes) > 50


def test_a_bank_of_thousands_of_registers_elaborates():
    """The read data is an OR tree over the registers, not a chain: a chain of 2000 registers
    nests too deeply for Amaranth to elaborate (RecursionError), and `camtwin generate` writes
    the bank for any valid map."""
    from amaranth.hdl import Fragment

    lines = [
        "device: {name: big, vendor: v, model: m, clock_hz: 1_000_000, base_address: 0x10000}",
        "registers:",
    ]
    lines += [
        f"  - {{name: R{i}, address: {0x10000 + 4 * i:#x}, "
        f"fields: [{{name: v, bits: '7:0', access: rw, reset: {i % 256}}}]}}"
        for i in range(2000)
    ]
    rmap = loads("\n".join(lines) + "\n", "big.yaml")
    Fragment.get(RegisterBank(rmap), None)  # a chain: RecursionError
    dut = RegisterBank(rmap)
    read = {}

    async def bench(ctx):
        mgr = AXI4LiteManager(dut.bus)
        await mgr.idle(ctx)
        for i in (0, 1, 1000, 1998, 1999):
            res = await mgr.read(ctx, 0x10000 + 4 * i)
            read[i] = (res.resp, res.data)
        res = await mgr.read(ctx, 0x10000 + 4 * 2000)
        read[2000] = (res.resp, res.data)

    _run(dut, bench)
    assert read == {
        0: (RESP_OKAY, 0),
        1: (RESP_OKAY, 1),
        1000: (RESP_OKAY, 1000 % 256),
        1998: (RESP_OKAY, 1998 % 256),
        1999: (RESP_OKAY, 1999 % 256),
        2000: (RESP_SLVERR, 0),
    }
