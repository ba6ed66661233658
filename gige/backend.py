"""The interface between the GigE Vision device and the camera behind it.

:mod:`gige` speaks GVCP and GVSP; everything the camera *does* comes from a backend: its
manufacturer-specific registers, its time and the frames it produces. The firmware model
provides one (``firmware_model.device.FirmwareBackend``), the live RTL another
(``sim.serve.RtlBackend``).
A backend implements :class:`Backend` structurally: it never imports :mod:`gige`.

Time is counted in device clock cycles (``clock_hz``). The device owns the wall clock: it calls
:meth:`Backend.advance` with the cycle that corresponds to "now" before each register access
and whenever :meth:`Backend.next_event` says something is due. A backend is used from several
threads, but never concurrently: the device serialises every call with one lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol, runtime_checkable

__all__ = ["BUS_STATUSES", "Backend", "BusStatus", "ImageBlock"]

BusStatus = Literal["ok", "unmapped", "unaligned", "read_only", "write_only", "busy", "error"]
"""The answer of the backend's register bus to one access.

``unmapped``: no register at the address; ``unaligned``: the address is not a multiple of 4;
``read_only``: a write to a register that cannot be written; ``write_only``: a read of a
register that cannot be read; ``busy``: the bus cannot take the access now; ``error`` any other
bus error (an AXI ``SLVERR`` that does not say why). The device maps each to a GVCP status
code (docs/gige.md, "Status codes").
"""

BUS_STATUSES: tuple[str, ...] = BusStatus.__args__  # type: ignore[attr-defined]


@runtime_checkable
class ImageBlock(Protocol):
    """One frame, ready to leave on the wire as a GVSP block (an image payload)."""

    frame_id: int
    """The frame's number (from 1), as the camera counts them."""
    timestamp: int
    """The device timestamp of the frame start, in cycles."""
    pixel_format: int
    """The PFNC code of the pixel format (e.g. 0x01080001 for Mono8)."""
    width: int
    height: int
    offset_x: int
    offset_y: int
    data: bytes | bytearray | memoryview
    """The pixels, row-major, exactly the payload size in bytes."""


@runtime_checkable
class Backend(Protocol):
    """A camera behind the GigE Vision device (the firmware model, the RTL...)."""

    @property
    def clock_hz(self) -> int:
        """The device clock: cycles per second; also the timestamp tick frequency."""
        ...

    @property
    def cycle(self) -> int:
        """The cycle the backend's time has reached (the next cycle it will simulate)."""
        ...

    def read(self, addr: int) -> tuple[BusStatus, int]:
        """Read the 32-bit register at ``addr`` now: ``(status, value)`` (value 0 on errors)."""
        ...

    def write(self, addr: int, value: int) -> BusStatus:
        """Write the 32-bit ``value`` to the register at ``addr`` now: a bus write performed
        in cycle :attr:`cycle`, its value visible from the next (docs/semantics.md); the
        access may take cycles (:attr:`cycle` then moves on)."""
        ...

    def advance(self, until_cycle: int) -> Sequence[ImageBlock]:
        """Run up to ``until_cycle`` (exclusive); return the frames read out meanwhile.

        A frame is returned by the call whose time range contains its read-out moment (the
        model's ``readout_end``), in read-out order. ``until_cycle <= cycle`` does nothing. A
        backend slower than the wall clock (an RTL simulator) may return before reaching
        ``until_cycle``, so that no access waits long: :attr:`cycle` says how far it got.
        """
        ...

    def next_event(self) -> int | None:
        """The smallest ``until`` for which :meth:`advance` has something to do (a frame to
        read out, a scheduled input edge...); None when only a register access can change
        anything. The device calls :meth:`advance` when its clock reaches it."""
        ...

    def set_line(self, line: int, level: int, at_cycle: int | None = None) -> None:
        """Drive input pin ``line`` (1: Line1, 2: Line2) to ``level`` from ``at_cycle`` on
        (the current cycle when None or in the past)."""
        ...

    def stream_rate(self) -> float | None:
        """The link rate frames leave at, in bytes per second (None: as fast as possible)."""
        ...

    def stats(self) -> Mapping[str, int]:
        """Counters for status displays: at least ``frames``, ``triggers``, ``overtriggers``."""
        ...
