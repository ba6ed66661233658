"""The cocotb testbench: clock, reset, AXI4-Lite bus, line drivers and edge-triggered monitors.

Cycle numbering follows docs/semantics.md: cycle ``t`` is the interval after clock edge ``t``,
cycle 0 being the first cycle after the last edge that sampled ``rst`` high (all registers
hold their reset values in it). A pin level "at cycle t" is the level the pin has during cycle
``t``, sampled by the clock edge that ends it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cocotb
from cocotb.clock import Clock
from cocotb.handle import Immediate
from cocotb.simtime import get_sim_time
from cocotb.triggers import FallingEdge, Lock, Timer
from cocotb.utils import get_sim_steps
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiResp

from firmware_model import AsyncRegisterFile, BusError
from regmap import RegisterMap

__all__ = ["INPUTS", "OUTPUTS", "AxiBus", "BusAccess", "CameraTB", "EdgeMonitor"]

INPUTS = ("line1_in", "line2_i")
OUTPUTS = (
    "frame_start",
    "exposure_active",
    "frame_trigger_wait",
    "acquisition_active",
    "line0_out",
    "line2_o",
    "line2_oe",
)

Edges = list[tuple[int, int]]
"""A level trace as edges: ``(cycle, level)`` pairs, the level holding from that cycle on."""


@dataclass
class BusAccess:
    """One bus access as performed by the RTL: kind, address, data and the cycle it took effect."""

    kind: str  # "r" or "w"
    addr: int
    value: int  # written value, or the data read
    strobe: int = 0xF
    cycle: int = -1  # write: AW and W both accepted; read: AR accepted
    ok: bool = True
    done_cycle: int = -1  # cycle of the B or R handshake
    tag: str = ""


class EdgeMonitor:
    """Records every value change of a one-bit output as ``(sim step, value)``, edge-triggered."""

    def __init__(self, tb: CameraTB, name: str) -> None:
        self.tb = tb
        self.name = name
        self.signal = getattr(tb.dut, name)
        self.raw: list[tuple[int, object]] = []
        self._task = None

    def start(self) -> None:
        """Record the current level and (once) start watching for changes."""
        self.raw.clear()
        self.raw.append((get_sim_time(), self.signal.value))
        if self._task is None:
            self._task = cocotb.start_soon(self._run())

    async def _run(self) -> None:
        sig = self.signal
        raw = self.raw
        change = sig.value_change
        while True:
            await change
            raw.append((get_sim_time(), sig.value))

    def edges(self, until: int | None = None) -> Edges:
        """Level changes as ``(cycle, level)``, glitches inside one cycle removed."""
        t0, period = self.tb.t0, self.tb.period_steps
        per_cycle: dict[int, int] = {}
        for t, v in self.raw:
            c = max(0, (t - t0) // period)
            if until is not None and c >= until:
                break
            s = str(v)
            per_cycle[c] = 1 if s == "1" else 0 if s == "0" else -1
        out: Edges = []
        level = None
        for c in sorted(per_cycle):
            if per_cycle[c] != level:
                level = per_cycle[c]
                out.append((c, level))
        return out


class AxiBus:
    """The AXI4-Lite master as a firmware-model ``AsyncBus``, logging each access with its cycle."""

    def __init__(self, tb: CameraTB) -> None:
        self.tb = tb
        dut = tb.dut
        self.master = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        self.log: list[BusAccess] = []
        self.tag = ""
        self._lock = Lock()
        self._aw = (dut.s_axil_awvalid, dut.s_axil_awready)
        self._w = (dut.s_axil_wvalid, dut.s_axil_wready)
        self._ar = (dut.s_axil_arvalid, dut.s_axil_arready)
        self._b = (dut.s_axil_bvalid, dut.s_axil_bready)
        self._r = (dut.s_axil_rvalid, dut.s_axil_rready)

    async def _watch(self, acc: BusAccess, first: tuple, second: tuple | None, done: tuple) -> None:
        """Sample handshakes mid-cycle (on falling edges) until the access completes."""
        clk = self.tb.dut.clk
        seen_a = seen_b = None
        while True:
            await FallingEdge(clk)
            c = self.tb.cycle()
            if seen_a is None and first[0].value == 1 and first[1].value == 1:
                seen_a = c
            if (
                second is not None
                and seen_b is None
                and second[0].value == 1
                and second[1].value == 1
            ):
                seen_b = c
            if seen_a is not None and (second is None or seen_b is not None) and acc.cycle < 0:
                acc.cycle = max(seen_a, seen_b if seen_b is not None else seen_a)
            if done[0].value == 1 and done[1].value == 1:
                acc.done_cycle = c
                return

    async def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        """Write ``value`` with byte ``strobe``; raise :class:`BusError` on SLVERR."""
        async with self._lock:
            acc = BusAccess("w", addr, value, strobe, tag=self.tag)
            watch = cocotb.start_soon(self._watch(acc, self._aw, self._w, self._b))
            if strobe == 0xF and addr % 4 == 0:
                resp = (await self.master.write(addr, value.to_bytes(4, "little"))).resp
            else:  # cocotbext-axi aligns addresses and only makes contiguous strobes
                resp = await self._write_strobed(addr, value, strobe)
            await watch
            acc.ok = resp == AxiResp.OKAY
            self.log.append(acc)
        if not acc.ok:
            raise BusError(addr, "write", f"bus answered {resp!r}")

    async def _write_strobed(self, addr: int, value: int, strobe: int):
        """A write with an arbitrary byte strobe, driven on the AW/W channels directly."""
        from cocotbext.axi.axil_channels import AxiLiteAWTransaction, AxiLiteWTransaction

        wif = self.master.write_if
        await wif.aw_channel.send(AxiLiteAWTransaction(awaddr=addr, awprot=0))
        await wif.w_channel.send(AxiLiteWTransaction(wdata=value, wstrb=strobe))
        b = await wif.b_channel.recv()
        return AxiResp(int(getattr(b, "bresp", 0)))

    async def read(self, addr: int) -> int:
        """Read the word at ``addr``; raise :class:`BusError` on SLVERR."""
        async with self._lock:
            acc = BusAccess("r", addr, 0, tag=self.tag)
            watch = cocotb.start_soon(self._watch(acc, self._ar, None, self._r))
            if addr % 4 == 0:
                r = await self.master.read(addr, 4)
                acc.value, resp = int.from_bytes(r.data, "little"), r.resp
            else:  # cocotbext-axi would split an unaligned read into aligned ones
                acc.value, resp = await self._read_raw(addr)
            await watch
            acc.ok = resp == AxiResp.OKAY
            self.log.append(acc)
        if not acc.ok:
            raise BusError(addr, "read", f"bus answered {resp!r}")
        return acc.value

    async def _read_raw(self, addr: int) -> tuple[int, AxiResp]:
        """A read driven on the AR/R channels directly (any address)."""
        from cocotbext.axi.axil_channels import AxiLiteARTransaction

        rif = self.master.read_if
        await rif.ar_channel.send(AxiLiteARTransaction(araddr=addr, arprot=0))
        r = await rif.r_channel.recv()
        return int(r.rdata), AxiResp(int(getattr(r, "rresp", 0)))


class CameraTB:
    """Owns the clock, reset, AXI bus (with the firmware register layer), line drivers, monitors."""

    def __init__(
        self, dut, rmap: RegisterMap, period_ns: int = 10, monitoring: bool = True
    ) -> None:
        self.dut = dut
        self.monitoring = monitoring
        """Run the output monitors (off only for the await-only benchmark baseline)."""
        self.rmap = rmap
        self.period_ns = period_ns
        self.period_steps = get_sim_steps(period_ns, "ns")
        self.t0 = 0
        for name in INPUTS:
            getattr(dut, name).value = Immediate(0)
        dut.rst.value = Immediate(0)  # the AXI master stops on the 0 -> 1 edge in start()
        self.bus = AxiBus(self)
        self.regs = AsyncRegisterFile(rmap, self.bus)
        self.monitors = {name: EdgeMonitor(self, name) for name in OUTPUTS if hasattr(dut, name)}
        self.stimulus: dict[str, Edges] = {name: [(0, 0)] for name in INPUTS}
        self._drivers: list = []

    # -- time -------------------------------------------------------------------------------
    def cycle(self) -> int:
        """The current cycle number (0 = the first cycle after reset)."""
        return (get_sim_time() - self.t0) // self.period_steps

    async def until_cycle(self, cycle: int, phase: float = 0.25) -> None:
        """Wait until ``phase`` of a period into ``cycle`` (no-op if already past)."""
        target = self.t0 + cycle * self.period_steps + int(phase * self.period_steps)
        now = get_sim_time()
        if target > now:
            await Timer(target - now, unit="step")

    async def cycles(self, n: int) -> None:
        """Wait ``n`` cycles (Timer-based, no per-cycle Python work)."""
        if n > 0:
            await Timer(n * self.period_steps, unit="step")

    # -- setup ------------------------------------------------------------------------------
    async def start(self, reset_cycles: int = 4) -> None:
        """Start the C clock, apply a synchronous reset and start the output monitors."""
        dut = self.dut
        dut.rst.value = 1
        for name in INPUTS:
            getattr(dut, name).value = 0
        await Timer(self.period_steps // 2, unit="step")
        Clock(dut.clk, self.period_ns, unit="ns", impl="gpi").start(start_high=True)
        # Rising edges at k * period; edge reset_cycles-1 is the last one that samples rst = 1.
        self.t0 = get_sim_time() + (reset_cycles - 1) * self.period_steps
        await self.until_cycle(0)
        dut.rst.value = 0
        if self.monitoring:
            for mon in self.monitors.values():
                mon.start()

    async def restart(self, reset_cycles: int = 3) -> None:
        """Reset the DUT again (clock running) and clear stimulus, monitors and the bus log."""
        for task in self._drivers:
            task.cancel()
        self._drivers.clear()
        c = self.cycle() + 1
        await self.until_cycle(c)
        self.dut.rst.value = 1
        for name in INPUTS:
            getattr(self.dut, name).value = 0
        self.t0 += (c + reset_cycles) * self.period_steps
        await self.until_cycle(0)
        self.dut.rst.value = 0
        self.stimulus = {name: [(0, 0)] for name in INPUTS}
        self.bus.log.clear()
        if self.monitoring:
            for mon in self.monitors.values():
                mon.start()

    def record_coverage(self, sample) -> None:
        """Sample functional coverage with ``sample(cov)`` and add it to the run's coverage file."""
        path = getattr(self, "config", {}).get("coverage_file")
        if not path:
            return
        from .coverage import Coverage

        cov = Coverage(self.rmap)
        sample(cov)
        cov.merge_file(path)

    def drive(self, name: str, edges: Edges) -> None:
        """Drive input ``name`` from precomputed ``(cycle, level)`` edges (Timer-based)."""
        self.stimulus[name] = sorted({**dict(self.stimulus[name]), **dict(edges)}.items())
        self._drivers.append(cocotb.start_soon(self._drive(getattr(self.dut, name), edges)))

    async def _drive(self, signal, edges: Edges) -> None:
        for cycle, level in edges:
            await self.until_cycle(cycle, 0.25)
            signal.value = level

    def edges(self, until: int | None = None) -> dict[str, Edges]:
        """Every monitored output as edges up to (excluding) cycle ``until``."""
        return {name: mon.edges(until) for name, mon in self.monitors.items()}


async def start_tb(dut, **kwargs) -> CameraTB:
    """A started testbench for the map and overrides the runner passed in its config."""
    from regmap import load

    from .runner import apply_overrides, load_config

    cfg = load_config()
    rmap = apply_overrides(load(cfg["regmap"]), cfg.get("overrides"))
    tb = CameraTB(dut, rmap, **kwargs)
    tb.config = cfg
    await tb.start()
    return tb
