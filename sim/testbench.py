"""The cocotb testbench: clock, reset, AXI4-Lite bus, line drivers and edge-triggered monitors.

Cycle numbering follows docs/semantics.md: cycle ``t`` is the interval after clock edge ``t``,
cycle 0 being the first cycle after the last edge that sampled ``rst`` high (all registers
hold their reset values in it). A pin level "at cycle t" is the level the pin has during cycle
``t``, sampled by the clock edge that ends it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cocotb
from cocotb import simulator
from cocotb.clock import Clock
from cocotb.handle import Immediate
from cocotb.simtime import get_sim_time
from cocotb.triggers import FallingEdge, Lock, RisingEdge, Timer
from cocotb.utils import get_sim_steps

from firmware_model import OUTPUT_PINS, AsyncRegisterFile, BusError
from regmap import RegisterMap

__all__ = ["INPUTS", "OUTPUTS", "AxiBus", "BusAccess", "CameraTB", "EdgeMonitor"]

INPUTS = ("line1_in", "line2_i")
OUTPUTS = OUTPUT_PINS

_on_change = simulator.register_value_change_callback  # one-shot: re-armed on every change
_sim_time = simulator.get_sim_time
_VALUE_CHANGE = simulator.VALUE_CHANGE

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
    """Records every value change of a one-bit output as ``(sim step, value)``, edge-triggered.

    A raw GPI value-change callback that re-arms itself, rather than a task awaiting
    ``value_change``: the same callbacks at the same points in time, without a trip through
    cocotb's trigger and task scheduler per edge. Between edges it costs no Python at all;
    :meth:`stop` deregisters it (simulators such as Verilator poll every registered callback).
    """

    def __init__(self, tb: CameraTB, name: str) -> None:
        self.tb = tb
        self.name = name
        self.signal = getattr(tb.dut, name)
        self._handle = self.signal._handle
        self.raw: list[tuple[int, str]] = []
        self._cb = None

    def start(self) -> None:
        """Record the current level and watch for changes (until :meth:`stop`)."""
        self.raw.clear()
        self.raw.append((get_sim_time(), self._handle.get_signal_val_binstr()))
        if self._cb is None:
            self._cb = _on_change(self._handle, self._fire, _VALUE_CHANGE)

    def stop(self) -> None:
        """Stop watching (the recorded changes stay)."""
        if self._cb is not None:
            self._cb.deregister()
            self._cb = None

    def _fire(self) -> None:
        hi, lo = _sim_time()
        self.raw.append(((hi << 32) | lo, self._handle.get_signal_val_binstr()))
        self._cb = _on_change(self._handle, self._fire, _VALUE_CHANGE)

    def edges(self, until: int | None = None) -> Edges:
        """Level changes as ``(cycle, level)``, glitches inside one cycle removed."""
        t0, period = self.tb.t0, self.tb.period_steps
        per_cycle: dict[int, int] = {}
        for t, v in self.raw:
            c = max(0, (t - t0) // period)
            if until is not None and c >= until:
                break
            per_cycle[c] = 1 if v == "1" else 0 if v == "0" else -1
        out: Edges = []
        level = None
        for c in sorted(per_cycle):
            if per_cycle[c] != level:
                level = per_cycle[c]
                out.append((c, level))
        return out


class AxiBus:
    """A minimal AXI4-Lite master as a firmware-model ``AsyncBus``, logging each access with its
    cycle.

    It only awaits clock edges while an access is in flight and registers no callbacks at all
    when idle (cocotbext-axi's ``AxiLiteMaster`` keeps value-change callbacks on the B/R
    valid/ready signals and on ``rst`` for the whole run, which Verilator polls every time
    step; see docs/coverification.md, Throughput). The timing is cocotbext-axi's: valid rises
    right after the first clock edge after the call (and after the previous access completed),
    drops right after the edge that completed its handshake; BREADY and RREADY stay high.
    Handshakes are observed mid-cycle, on falling edges (see docs/coverification.md): a write
    is performed in the cycle of the last of its AW and W handshakes, a read in its AR
    handshake cycle. Any address and any byte strobe are driven as given; AWPROT/ARPROT are
    cocotbext-axi's default (non-secure) for aligned full-word accesses and 0 otherwise, as
    before.
    """

    PROT_NONSECURE = 0b010

    def __init__(self, tb: CameraTB) -> None:
        self.tb = tb
        dut = tb.dut
        self.log: list[BusAccess] = []
        self.listener = None
        """Called with each access as it is logged (the parallel model replay)."""
        self.tag = ""
        self._lock = Lock()
        self._clk = dut.clk

        def port(name):
            return getattr(dut, f"s_axil_{name}", None)

        self._awaddr, self._awprot, self._awvalid, self._awready = (
            port(n) for n in ("awaddr", "awprot", "awvalid", "awready")
        )
        self._wdata, self._wstrb, self._wvalid, self._wready = (
            port(n) for n in ("wdata", "wstrb", "wvalid", "wready")
        )
        self._bresp, self._bvalid, self._bready = (port(n) for n in ("bresp", "bvalid", "bready"))
        self._araddr, self._arprot, self._arvalid, self._arready = (
            port(n) for n in ("araddr", "arprot", "arvalid", "arready")
        )
        self._rdata, self._rresp, self._rvalid, self._rready = (
            port(n) for n in ("rdata", "rresp", "rvalid", "rready")
        )

    def idle(self) -> None:
        """Drive the idle bus: no valid, BREADY and RREADY high (from the start of the run)."""
        for sig, v in ((self._awvalid, 0), (self._wvalid, 0), (self._arvalid, 0)):
            sig.value = v
        for sig in (self._bready, self._rready):
            sig.value = 1

    async def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        """Write ``value`` with byte ``strobe``; raise :class:`BusError` on SLVERR."""
        async with self._lock:
            acc = BusAccess("w", addr, value, strobe, tag=self.tag)
            prot = self.PROT_NONSECURE if strobe == 0xF and addr % 4 == 0 else 0
            clk, cycle = self._clk, self.tb.cycle
            await RisingEdge(clk)
            self._awaddr.value = addr
            if self._awprot is not None:
                self._awprot.value = prot
            self._wdata.value = value
            self._wstrb.value = strobe
            self._awvalid.value = 1
            self._wvalid.value = 1
            aw = w = None
            while True:
                await FallingEdge(clk)
                c = cycle()
                aw_now = aw is None and self._awready.value == 1
                w_now = w is None and self._wready.value == 1
                if aw_now:
                    aw = c
                if w_now:
                    w = c
                if aw is not None and w is not None and acc.cycle < 0:
                    acc.cycle = max(aw, w)
                done = self._bvalid.value == 1
                if done:
                    acc.done_cycle = c
                    acc.ok = int(self._bresp.value) == 0
                await RisingEdge(clk)
                if aw_now:
                    self._awvalid.value = 0
                if w_now:
                    self._wvalid.value = 0
                if done:
                    break
            self._logged(acc)
        if not acc.ok:
            raise BusError(addr, "write", "bus answered SLVERR")

    async def read(self, addr: int) -> int:
        """Read the word at ``addr``; raise :class:`BusError` on SLVERR."""
        async with self._lock:
            acc = BusAccess("r", addr, 0, tag=self.tag)
            clk, cycle = self._clk, self.tb.cycle
            await RisingEdge(clk)
            self._araddr.value = addr
            if self._arprot is not None:
                self._arprot.value = self.PROT_NONSECURE if addr % 4 == 0 else 0
            self._arvalid.value = 1
            while True:
                await FallingEdge(clk)
                c = cycle()
                ar_now = acc.cycle < 0 and self._arready.value == 1
                if ar_now:
                    acc.cycle = c
                done = self._rvalid.value == 1
                if done:
                    acc.done_cycle = c
                    acc.value = int(self._rdata.value)
                    acc.ok = int(self._rresp.value) == 0
                await RisingEdge(clk)
                if ar_now:
                    self._arvalid.value = 0
                if done:
                    break
            self._logged(acc)
        if not acc.ok:
            raise BusError(addr, "read", "bus answered SLVERR")
        return acc.value

    def _logged(self, acc: BusAccess) -> None:
        self.log.append(acc)
        if self.listener is not None:
            self.listener(acc)


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
        dut.rst.value = Immediate(0)
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
        self.bus.idle()
        await Timer(self.period_steps // 2, unit="step")
        Clock(dut.clk, self.period_ns, unit="ns", impl="gpi").start(start_high=True)
        # Rising edges at k * period; edge reset_cycles-1 is the last one that samples rst = 1.
        self.t0 = get_sim_time() + (reset_cycles - 1) * self.period_steps
        await self.until_cycle(0)
        dut.rst.value = 0
        self._start_monitors()

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
        self._start_monitors()

    def _start_monitors(self) -> None:
        """Start the monitors, or stop them (no Python per output edge) when not monitoring."""
        for mon in self.monitors.values():
            if self.monitoring:
                mon.start()
            else:
                mon.stop()

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
