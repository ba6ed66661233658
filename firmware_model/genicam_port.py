"""GenApi port over a firmware-model bus, so a GenICam NodeMap drives the modelled registers.

>>> from genicam import genapi
>>> from regmap import load
>>> from regmap.generators.genicam import generate_genicam_xml
>>> from firmware_model import RegisterBank
>>> from firmware_model.genicam_port import connect_bus
>>> rmap = load("regmap/camera.yaml")
>>> nodemap = genapi.NodeMap()
>>> nodemap.load_xml_from_string(generate_genicam_xml(rmap))
>>> bank = RegisterBank(rmap)
>>> port = connect_bus(nodemap, bank)  # keep `port` alive as long as `nodemap` is used
>>> nodemap.get_node("TriggerDelay").value = 250.0
>>> bank.read(0x10104)
31250
"""

from __future__ import annotations

from genicam import genapi

from .bank import Bus

__all__ = ["BusPort", "connect_bus"]

WORD_BYTES = 4


class BusPort(genapi.AbstractPort):
    """A GenApi port whose reads and writes are big-endian 32-bit words on a synchronous bus."""

    def __init__(self, bus: Bus) -> None:
        super().__init__()
        if not isinstance(bus, Bus):
            raise TypeError(f"bus must have read(addr) and write(addr, value, strobe), not {bus!r}")
        self.bus = bus

    def is_open(self) -> bool:
        """The bus is always connected."""
        return True

    def get_access_mode(self) -> int:
        """Reads and writes are both allowed."""
        return genapi.EAccessMode.RW

    def read(self, address: int, length: int) -> bytes:
        """Read ``length`` bytes (whole words) starting at ``address``, big-endian."""
        _check_access(address, length)
        return b"".join(
            self.bus.read(address + i).to_bytes(WORD_BYTES, "big")
            for i in range(0, length, WORD_BYTES)
        )

    def write(self, address: int, value: bytes) -> None:
        """Write whole big-endian words starting at ``address``, all byte lanes enabled."""
        data = bytes(value)
        _check_access(address, len(data))
        for i in range(0, len(data), WORD_BYTES):
            word = int.from_bytes(data[i : i + WORD_BYTES], "big")
            self.bus.write(address + i, word, 0xF)


def _check_access(address: int, length: int) -> None:
    """Only aligned accesses of whole 32-bit words reach the bus."""
    if address % WORD_BYTES:
        raise ValueError(f"address must be a multiple of {WORD_BYTES}, not 0x{address:X}")
    if length <= 0 or length % WORD_BYTES:
        raise ValueError(f"length must be a positive multiple of {WORD_BYTES}, not {length}")


def connect_bus(nodemap: genapi.NodeMap, bus: Bus, port_name: str = "Device") -> BusPort:
    """Connect ``nodemap``'s port ``port_name`` to ``bus``; the caller must keep the result."""
    port = BusPort(bus)
    if not nodemap.connect(port, port_name):
        raise ValueError(f"the node map has no port named {port_name!r}")
    return port
