"""Amaranth-simulator helpers: an AXI4-Lite manager for async testbenches."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from .axi import CHANNELS

__all__ = ["AXI4LiteManager", "BusResult", "flat_bus"]


def flat_bus(component, prefix: str = "s_axil") -> SimpleNamespace:
    """The flat ``<prefix>_<member>`` ports of ``component`` as one bus object."""
    names = [name for members in CHANNELS.values() for name in members]
    return SimpleNamespace(**{name: getattr(component, f"{prefix}_{name}") for name in names})


@dataclass(frozen=True)
class BusResult:
    """Outcome of one access: read data, response code and the cycle it was performed in."""

    # performed_at: the cycle of the last AW/W handshake of a write, or of the AR handshake of a
    # read, counted like AXI4LiteManager.cycle.

    data: int
    resp: int
    performed_at: int


class AXI4LiteManager:
    """Drives an AXI4-Lite subordinate from an Amaranth async testbench, one access at a time."""

    def __init__(self, bus, *, timeout: int = 1000):
        self.bus = bus
        self.timeout = timeout
        self.cycle = 0
        """Clock edges awaited so far through this manager: the current cycle's index."""

    async def tick(self, ctx, count: int = 1) -> None:
        """Wait ``count`` clock edges, keeping :attr:`cycle` up to date."""
        for _ in range(count):
            await ctx.tick()
            self.cycle += 1

    async def idle(self, ctx) -> None:
        """Drive every manager output to its idle value (ready signals high)."""
        b = self.bus
        for sig in (b.awvalid, b.wvalid, b.arvalid):
            ctx.set(sig, 0)
        ctx.set(b.bready, 1)
        ctx.set(b.rready, 1)

    async def write(
        self,
        ctx,
        addr: int,
        data: int,
        strb: int = 0xF,
        *,
        aw_delay: int = 0,
        w_delay: int = 0,
        b_delay: int = 0,
    ) -> BusResult:
        """Write; AW/W go valid after their delays, BREADY rises ``b_delay`` cycles after BVALID."""
        b = self.bus
        ctx.set(b.awaddr, addr)
        ctx.set(b.wdata, data)
        ctx.set(b.wstrb, strb)
        ctx.set(b.bready, 0)
        aw_done = w_done = False
        performed = None
        bvalid_seen = 0
        cycle = 0
        while True:
            if cycle > self.timeout:
                raise TimeoutError(f"write to 0x{addr:08X} timed out")
            ctx.set(b.awvalid, int(not aw_done and cycle >= aw_delay))
            ctx.set(b.wvalid, int(not w_done and cycle >= w_delay))
            bvalid = ctx.get(b.bvalid)
            if bvalid:
                ctx.set(b.bready, int(bvalid_seen >= b_delay))
            aw_hs = ctx.get(b.awvalid) and ctx.get(b.awready)
            w_hs = ctx.get(b.wvalid) and ctx.get(b.wready)
            b_hs = bvalid and ctx.get(b.bready)
            resp = ctx.get(b.bresp)
            aw_done |= bool(aw_hs)
            w_done |= bool(w_hs)
            if performed is None and aw_done and w_done:
                performed = self.cycle
            await self.tick(ctx)
            cycle += 1
            if bvalid:
                bvalid_seen += 1
            if b_hs:
                ctx.set(b.awvalid, 0)
                ctx.set(b.wvalid, 0)
                ctx.set(b.bready, 1)
                return BusResult(0, resp, performed)

    async def read(self, ctx, addr: int, *, ar_delay: int = 0, r_delay: int = 0) -> BusResult:
        """Read; ARVALID rises after ``ar_delay``, RREADY ``r_delay`` cycles after RVALID."""
        b = self.bus
        ctx.set(b.araddr, addr)
        ctx.set(b.rready, 0)
        ar_done = False
        performed = None
        rvalid_seen = 0
        cycle = 0
        while True:
            if cycle > self.timeout:
                raise TimeoutError(f"read of 0x{addr:08X} timed out")
            ctx.set(b.arvalid, int(not ar_done and cycle >= ar_delay))
            rvalid = ctx.get(b.rvalid)
            if rvalid:
                ctx.set(b.rready, int(rvalid_seen >= r_delay))
            ar_hs = ctx.get(b.arvalid) and ctx.get(b.arready)
            r_hs = rvalid and ctx.get(b.rready)
            data, resp = ctx.get(b.rdata), ctx.get(b.rresp)
            if ar_hs:
                ar_done = True
                performed = self.cycle
            await self.tick(ctx)
            cycle += 1
            if rvalid:
                rvalid_seen += 1
            if r_hs:
                ctx.set(b.arvalid, 0)
                ctx.set(b.rready, 1)
                return BusResult(data, resp, performed)
