"""cocotb tests of the generated register bank ``<name>_regs.v`` of any map, through its AXI4-Lite
port driven by cocotbext-axi (an independent bus master).

The directed tests derive their expectations from the map and from the access rules of
docs/semantics.md ("Bus accesses"), written out here; the random test compares every read and
response with the firmware model's generic :class:`firmware_model.bank.RegisterBank`.
"""

from __future__ import annotations

import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiProt, AxiResp

from firmware_model.bank import BusError
from firmware_model.bank import RegisterBank as ModelBank
from regmap import Access, load
from regmap.bankports import bank_ports

from .runner import load_config

# Access type -> what a software read returns of the stored field (docs/semantics.md).
READS_STORED = {Access.RW, Access.W1C, Access.W1S, Access.RC}
READS_ZERO = {Access.WO, Access.PULSE}


class BankTB:
    """Clock, reset, the AXI4-Lite master and the hardware-side ports of one bank."""

    def __init__(self, dut) -> None:
        self.dut = dut
        self.rmap = load(load_config()["regmap"])
        self.ports = {p.name: p for p in bank_ports(self.rmap)}
        self.axi = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        self.axi.write_if.log.setLevel("WARNING")
        self.axi.read_if.log.setLevel("WARNING")

    async def start(self) -> None:
        for p in self.ports.values():
            if p.direction == "input" and p.register:
                getattr(self.dut, p.name).value = 0
        cocotb.start_soon(Clock(self.dut.clk, 10, unit="ns").start())
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 3)
        self.dut.rst.value = 0
        await ClockCycles(self.dut.clk, 2)

    def port(self, reg, index, member):
        stem = f"{reg.name}_{index}" if reg.array else reg.name
        return getattr(self.dut, f"{stem}_{member}")

    async def read(self, addr: int) -> tuple[int, AxiResp]:
        r = await self.axi.read(addr, 4)
        return int.from_bytes(r.data, "little"), r.resp

    async def write(self, addr: int, value: int, strobe: int = 0xF) -> AxiResp:
        """A write of the bytes of ``value`` that ``strobe`` selects, at the aligned ``addr``.

        Full words go through the master's ``write``; partial ones through its AW, W and B
        channels (its ``write`` would send an unaligned address for them, which the bank
        answers with SLVERR, docs/semantics.md)."""
        if strobe == 0xF:
            return (await self.axi.write(addr, value.to_bytes(4, "little"))).resp
        wif = self.axi.write_if
        aw = wif.aw_channel._transaction_obj()
        aw.awaddr = addr
        aw.awprot = AxiProt.NONSECURE
        w = wif.w_channel._transaction_obj()
        w.wdata = value
        w.wstrb = strobe
        await wif.aw_channel.send(aw)
        await wif.w_channel.send(w)
        b = await wif.b_channel.recv()
        return AxiResp(int(b.bresp))

    async def hw_pulse(self, reg, index, member) -> None:
        """Raise a hardware input (``_set``/``_clr``) of every bit for one clock cycle."""
        sig = self.port(reg, index, member)
        await RisingEdge(self.dut.clk)
        sig.value = (1 << len(sig)) - 1
        await RisingEdge(self.dut.clk)
        sig.value = 0
        await ClockCycles(self.dut.clk, 2)


def _expected_reset(reg, index: int, ro_values: dict) -> int:
    value = 0
    for f in reg.fields:
        if f.access in READS_STORED:
            value |= f.reset_for(index) << f.lsb
        elif f.access is Access.RO:
            value |= ro_values.get(f.name, 0) << f.lsb
    return value


@cocotb.test()
async def reset_values(dut):
    """Every register (element) reads its reset value; ro fields read what the hardware drives."""
    tb = BankTB(dut)
    await tb.start()
    for reg in tb.rmap.registers:
        for i in range(reg.count):
            ro_values = {}
            for f in reg.fields:
                if f.access is Access.RO:
                    ro_values[f.name] = (0x5A5A5A5A >> (i % 3)) & f.max_raw
                    tb.port(reg, i, f.name).value = ro_values[f.name]
            await ClockCycles(dut.clk, 1)
            value, resp = await tb.read(reg.address_of(i))
            assert resp == AxiResp.OKAY, (reg.name, i, resp)
            assert value == _expected_reset(reg, i, ro_values), (reg.name, i, hex(value))
            for f in reg.fields:  # the ports show the stored reset values
                if f.access in READS_STORED | {Access.WO}:
                    assert int(tb.port(reg, i, f.name).value) == f.reset_for(i), (reg.name, f.name)


async def _pulse_cycles(tb: BankTB, sig, cycles: int) -> list[int]:
    seen = []
    for _ in range(cycles):
        await RisingEdge(tb.dut.clk)
        await ReadOnly()
        seen.append(int(sig.value))
    return seen


@cocotb.test()
async def field_rules(dut):
    """Each access type behaves as its rule says, field by field, through the bus and ports."""
    tb = BankTB(dut)
    await tb.start()
    for reg in tb.rmap.registers:
        for i in range(reg.count):
            addr = reg.address_of(i)
            for f in reg.fields:
                port = tb.port(reg, i, f.name)
                ones = f.max_raw << f.lsb
                if f.access is Access.RW:
                    for pattern in (f.max_raw, 0, 0x5555_5555 & f.max_raw):
                        assert await tb.write(addr, pattern << f.lsb) == AxiResp.OKAY
                        value, _ = await tb.read(addr)
                        assert (value & f.mask) >> f.lsb == pattern, (reg.name, f.name)
                        assert int(port.value) == pattern
                elif f.access is Access.WO:
                    assert await tb.write(addr, 0xA5A5_A5A5 & ones) == AxiResp.OKAY
                    value, _ = await tb.read(addr)
                    assert value & f.mask == 0, (reg.name, f.name, "wo reads 0")
                    assert int(port.value) == (0xA5A5_A5A5 & ones) >> f.lsb
                elif f.access is Access.RO:
                    port.value = 0x3C3C_3C3C & f.max_raw
                    await ClockCycles(dut.clk, 1)
                    value, _ = await tb.read(addr)
                    assert (value & f.mask) >> f.lsb == 0x3C3C_3C3C & f.max_raw
                elif f.access is Access.W1C:
                    await tb.hw_pulse(reg, i, f"{f.name}_set")
                    assert (await tb.read(addr))[0] & f.mask == f.mask, "set by the hardware"
                    await tb.write(addr, 0)
                    assert (await tb.read(addr))[0] & f.mask == f.mask, "a 0 keeps it"
                    await tb.write(addr, ones)
                    assert (await tb.read(addr))[0] & f.mask == 0, "a 1 clears it"
                elif f.access is Access.W1S:
                    await tb.hw_pulse(reg, i, f"{f.name}_clr")
                    assert (await tb.read(addr))[0] & f.mask == 0, "cleared by the hardware"
                    await tb.write(addr, 0)
                    assert (await tb.read(addr))[0] & f.mask == 0, "a 0 keeps it"
                    await tb.write(addr, ones)
                    assert (await tb.read(addr))[0] & f.mask == f.mask, "a 1 sets it"
                    assert int(port.value) == 1
                elif f.access is Access.PULSE:
                    watch = cocotb.start_soon(_pulse_cycles(tb, port, 12))
                    await tb.write(addr, ones)
                    seen = await watch
                    assert seen.count(1) == 1, (reg.name, f.name, seen)
                    assert (await tb.read(addr))[0] & f.mask == 0, "pulse reads 0"
                elif f.access is Access.RC:
                    await tb.hw_pulse(reg, i, f"{f.name}_set")
                    assert (await tb.read(addr))[0] & f.mask == f.mask, "set by the hardware"
                    assert (await tb.read(addr))[0] & f.mask == 0, "cleared by the read"
                else:  # pragma: no cover - Access is closed
                    raise AssertionError(f.access)


@cocotb.test()
async def byte_strobes(dut):
    """A write changes only the byte lanes its strobes select, in every rw field."""
    tb = BankTB(dut)
    await tb.start()
    rng = random.Random(5)
    for reg in tb.rmap.registers:
        rw = sum(f.mask for f in reg.fields if f.access is Access.RW)
        if not rw:
            continue
        for i in range(reg.count):
            addr = reg.address_of(i)
            for lane in range(4):
                before, _ = await tb.read(addr)
                value = rng.getrandbits(32)
                await tb.write(addr, value, 1 << lane)
                after, _ = await tb.read(addr)
                lane_mask = rw & (0xFF << (8 * lane))
                assert after & rw == (before & rw & ~lane_mask) | (value & lane_mask), (
                    reg.name,
                    lane,
                )


@cocotb.test()
async def slverr(dut):
    """Unmapped addresses answer SLVERR for reads and writes, read-only registers for writes."""
    tb = BankTB(dut)
    await tb.start()
    mapped = {a for reg in tb.rmap.registers for a in reg.addresses}
    last = max(mapped)
    for addr in (last + 4, tb.rmap.device.base_address - 4, 0x0):
        if addr in mapped:
            continue
        assert (await tb.read(addr))[1] == AxiResp.SLVERR, hex(addr)
        assert await tb.write(addr, 0xFFFF_FFFF) == AxiResp.SLVERR, hex(addr)
    for reg in tb.rmap.registers:
        for addr in reg.addresses:
            expected = AxiResp.SLVERR if reg.read_only else AxiResp.OKAY
            if not reg.read_only:
                continue  # writes to writable registers are covered by field_rules
            before, _ = await tb.read(addr)
            assert await tb.write(addr, 0xFFFF_FFFF) == expected, reg.name
            assert (await tb.read(addr))[0] == before, "a refused write changes nothing"


@cocotb.test()
async def random_traffic(dut):
    """Random reads, writes (random strobes) and hardware inputs, compared with the firmware
    model's generic register bank access by access."""
    tb = BankTB(dut)
    await tb.start()
    model = ModelBank(tb.rmap)
    rng = random.Random(int(load_config().get("seed", 1)))
    addresses = sorted(model.values)
    hw_inputs = [
        (reg, i, f)
        for reg in tb.rmap.registers
        for i in range(reg.count)
        for f in reg.fields
        if f.access in (Access.RO, Access.W1C, Access.W1S, Access.RC)
    ]
    steps = int(load_config().get("steps", 600))
    for step in range(steps):
        kind = rng.random()
        addr = (
            rng.choice(addresses) if rng.random() < 0.93 else rng.choice([0x4, addresses[-1] + 8])
        )
        if kind < 0.4:
            value, resp = await tb.read(addr)
            try:
                expected, ok = model.read(addr), True
            except BusError:
                expected, ok = 0, False
            assert (resp == AxiResp.OKAY) == ok, (step, hex(addr))
            if ok:
                assert value == expected, (step, hex(addr), hex(value), hex(expected))
        elif kind < 0.8:
            value = rng.getrandbits(32)
            strobe = rng.choice([0xF, 0xF, rng.randrange(16)])
            resp = await tb.write(addr, value, strobe)
            try:
                model.write(addr, value, strobe)
                ok = True
            except BusError:
                ok = False
            assert (resp == AxiResp.OKAY) == ok, (step, hex(addr))
            await ClockCycles(dut.clk, 2)
            model.begin_cycle()  # pulses of the write have passed
        elif hw_inputs:
            reg, i, f = rng.choice(hw_inputs)
            a = reg.address_of(i)
            if f.access is Access.RO:
                v = rng.getrandbits(f.width)
                tb.port(reg, i, f.name).value = v
                model.hw_drive(a, f, v)
                await ClockCycles(dut.clk, 1)
            elif f.access is Access.W1S:
                await tb.hw_pulse(reg, i, f"{f.name}_clr")
                model.hw_clear(a, f)
                model.begin_cycle()
            else:
                await tb.hw_pulse(reg, i, f"{f.name}_set")
                model.hw_set(a, f)
                model.begin_cycle()
