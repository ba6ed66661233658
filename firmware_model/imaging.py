"""Image geometry, payload, readout and transfer times (docs/semantics.md, "Image geometry,
payload and frame period").

:class:`Imaging` reads the map's sensor constants and the ranges and increments of the geometry
features once; :meth:`Imaging.geometry` turns any raw register values into the effective image
the camera takes, and :meth:`Imaging.readout` / :meth:`Imaging.transfer` give the times that
bound the frame period.
"""

from __future__ import annotations

from typing import NamedTuple

from regmap import RegisterMap

__all__ = ["TX_MAX", "ImageGeometry", "Imaging"]

TX_MAX = 2**32 - 1
"""Transfer times saturate here (only raw byte times far beyond the map's range reach it)."""

_TWO_BYTE_FORMATS = ("Mono10", "Mono12")


class ImageGeometry(NamedTuple):
    """The effective image of a frame: what the camera reads out and sends."""

    width: int
    height: int
    offset_x: int
    offset_y: int
    pixel_format: str
    """PixelFormat entry name; a value that is no entry images as ``Mono8``."""
    pixel_format_value: int
    """The raw PixelFormat register value (the PFNC code for an entry)."""
    bytes_per_pixel: int

    @property
    def payload_size(self) -> int:
        """Bytes of image data: ``width * height * bytes_per_pixel``."""
        return self.width * self.height * self.bytes_per_pixel


def _grid(value: int, lo: int, inc: int) -> int:
    """The legal value ``lo + k * inc`` at or below ``value`` (``value >= lo``)."""
    return lo + (value - lo) // inc * inc


class Imaging:
    """Effective geometry and the readout and transfer times, for one register map."""

    def __init__(self, rmap: RegisterMap) -> None:
        self.sensor_width = rmap.constant("SensorWidth")
        self.sensor_height = rmap.constant("SensorHeight")
        self.line_time = rmap.constant("SensorLineTime")
        self.overhead = rmap.constant("SensorReadoutOverhead")
        clock = rmap.clock_hz
        w = rmap.feature("Width")[1]
        h = rmap.feature("Height")[1]
        self._w = (w.raw_limits(clock)[0], w.inc)
        self._h = (h.raw_limits(clock)[0], h.inc)
        self._x_inc = rmap.feature("OffsetX")[1].inc
        self._y_inc = rmap.feature("OffsetY")[1].inc
        self._format = rmap.feature("PixelFormat")[1]

    def effective_width(self, raw: int) -> int:
        lo, inc = self._w
        return _grid(min(max(raw, lo), self.sensor_width), lo, inc)

    def effective_height(self, raw: int) -> int:
        lo, inc = self._h
        return _grid(min(max(raw, lo), self.sensor_height), lo, inc)

    def bytes_per_pixel(self, pixel_format: int) -> int:
        """2 for Mono10 and Mono12, 1 for Mono8 and every value that is not an entry."""
        return 2 if self._format.enum_name(pixel_format) in _TWO_BYTE_FORMATS else 1

    def geometry(
        self, width: int, height: int, offset_x: int, offset_y: int, pixel_format: int
    ) -> ImageGeometry:
        """The effective image for raw Width, Height, OffsetX, OffsetY and PixelFormat values."""
        w = self.effective_width(width)
        h = self.effective_height(height)
        x = min(_grid(offset_x, 0, self._x_inc), self.sensor_width - w)
        y = min(_grid(offset_y, 0, self._y_inc), self.sensor_height - h)
        name = self._format.enum_name(pixel_format)
        name = name if name is not None else "Mono8"
        return ImageGeometry(w, h, x, y, name, pixel_format, self.bytes_per_pixel(pixel_format))

    def readout(self, height: int) -> int:
        """Readout time ``R(H)`` in cycles of ``height`` effective lines."""
        return self.overhead + height * self.line_time

    @staticmethod
    def transfer(payload_size: int, byte_time: int) -> int:
        """Transfer time ``ceil(payload_size * byte_time / 2**16)`` cycles, saturating."""
        return min(-(-payload_size * byte_time >> 16), TX_MAX)
