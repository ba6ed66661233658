"""cocotb tests of the testbench itself on the tiny stand-in design (``tiny_camera.v``)."""

from __future__ import annotations

import random

import cocotb

from firmware_model import BusError
from regmap import load
from sim.runner import load_config
from sim.scoreboard import first_mismatch
from sim.testbench import CameraTB


def tiny_reference(pin: list[int], ctrl0_from: int, n: int) -> list[tuple[int, int]]:
    """frame_start of the tiny design: rising edge of s[t] = pin[t-2] while ctrl bit 0 is set."""
    s = [pin[t - 2] if t >= 2 else 0 for t in range(n)]
    out, level = [(0, 0)], 0
    for t in range(1, n):
        v = int(s[t] and not s[t - 1] and t >= ctrl0_from)
        if v != level:
            out.append((t, v))
            level = v
    return out


def levels(edges, n):
    out, level, it = [], 0, iter([*edges, (n, 0)])
    nxt = next(it)
    for t in range(n):
        while nxt[0] <= t:
            level = nxt[1]
            nxt = next(it)
        out.append(level)
    return out


async def make_tb(dut) -> CameraTB:
    cfg = load_config()
    tb = CameraTB(dut, load(cfg["regmap"]))
    await tb.start()
    return tb


@cocotb.test()
async def bus_access(dut):
    """Writes, reads back, and SLVERR on an unmapped address, with performed cycles logged."""
    tb = await make_tb(dut)
    await tb.bus.write(0x10000, 0x5)
    assert await tb.bus.read(0x10000) == 0x5
    try:
        await tb.bus.read(0x10FFC)
    except BusError:
        pass
    else:
        raise AssertionError("unmapped read did not answer SLVERR")
    w = tb.bus.log[0]
    assert w.kind == "w" and w.cycle >= 0 and w.done_cycle >= w.cycle, w
    assert tb.edges()["acquisition_active"] == [(0, 0), (w.cycle + 1, 1)]


@cocotb.test()
async def edges_match_reference(dut):
    """Random pin edges; frame_start edges match the reference cycle for cycle."""
    tb = await make_tb(dut)
    rng = random.Random(load_config().get("seed", 1))
    n = 3000
    edges, t, level = [], 5, 0
    while t < n - 20:
        level ^= 1
        edges.append((t, level))
        t += rng.randint(1, 12)
    tb.drive("line1_in", edges)
    await tb.until_cycle(40)
    await tb.bus.write(0x10000, 1)
    await tb.until_cycle(n)
    count = await tb.bus.read(0x10500)
    w = tb.bus.log[0]
    expected = tiny_reference(levels(edges, n), w.cycle + 1, n)
    got = tb.edges(n)["frame_start"]
    m = first_mismatch({"frame_start": expected}, {"frame_start": got})
    assert m is None, str(m)
    assert count == sum(1 for _, v in got if v == 1 and True), (count, len(got))
