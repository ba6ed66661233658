"""The register bus interfaces: what :class:`~firmware_model.RegisterFile` and
:class:`~firmware_model.AsyncRegisterFile` talk to (a :class:`~firmware_model.RegisterBank`, a
cocotb AXI4-Lite master, a GigE Vision client...)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["AsyncBus", "Bus"]


@runtime_checkable
class Bus(Protocol):
    """A synchronous 32-bit register bus."""

    def read(self, addr: int) -> int:
        """Read the 32-bit word at ``addr``."""
        ...

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        """Write the bytes of ``value`` selected by ``strobe`` at ``addr``."""
        ...


@runtime_checkable
class AsyncBus(Protocol):
    """An asynchronous 32-bit register bus (e.g. a cocotb AXI-Lite master)."""

    async def read(self, addr: int) -> int:
        """Read the 32-bit word at ``addr``."""
        ...

    async def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        """Write the bytes of ``value`` selected by ``strobe`` at ``addr``."""
        ...
