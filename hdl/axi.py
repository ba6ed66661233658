"""AXI4-Lite interface signature (manager's view; a subordinate uses ``In(...)``)."""

from __future__ import annotations

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["CHANNELS", "RESP_DECERR", "RESP_OKAY", "RESP_SLVERR", "AXI4LiteSignature"]

RESP_OKAY = 0b00
RESP_SLVERR = 0b10
RESP_DECERR = 0b11

#: Members of each of the five channels, in AXI order.
CHANNELS = {
    "aw": ("awaddr", "awprot", "awvalid", "awready"),
    "w": ("wdata", "wstrb", "wvalid", "wready"),
    "b": ("bresp", "bvalid", "bready"),
    "ar": ("araddr", "arprot", "arvalid", "arready"),
    "r": ("rdata", "rresp", "rvalid", "rready"),
}


class AXI4LiteSignature(wiring.Signature):
    """AXI4-Lite with the five channels AW, W, B, AR and R, seen from the manager."""

    def __init__(self, *, addr_width: int = 32, data_width: int = 32):
        if not isinstance(addr_width, int) or not 1 <= addr_width <= 64:
            raise ValueError(f"addr_width must be an integer in 1..64, not {addr_width!r}")
        if data_width not in (32, 64):
            raise ValueError(f"data_width must be 32 or 64, not {data_width!r}")
        self._addr_width = addr_width
        self._data_width = data_width
        super().__init__(
            {
                "awaddr": Out(addr_width),
                "awprot": Out(3),
                "awvalid": Out(1),
                "awready": In(1),
                "wdata": Out(data_width),
                "wstrb": Out(data_width // 8),
                "wvalid": Out(1),
                "wready": In(1),
                "bresp": In(2),
                "bvalid": In(1),
                "bready": Out(1),
                "araddr": Out(addr_width),
                "arprot": Out(3),
                "arvalid": Out(1),
                "arready": In(1),
                "rdata": In(data_width),
                "rresp": In(2),
                "rvalid": In(1),
                "rready": Out(1),
            }
        )

    @property
    def addr_width(self) -> int:
        """Width of the byte address."""
        return self._addr_width

    @property
    def data_width(self) -> int:
        """Width of the data bus."""
        return self._data_width

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AXI4LiteSignature)
            and self.addr_width == other.addr_width
            and self.data_width == other.data_width
        )

    def __hash__(self) -> int:
        return hash((AXI4LiteSignature, self.addr_width, self.data_width))

    def __repr__(self) -> str:
        return f"AXI4LiteSignature(addr_width={self.addr_width}, data_width={self.data_width})"
