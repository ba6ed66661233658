"""Effective image size, PayloadSize and the readout and transfer times (combinational).

docs/semantics.md, "Image geometry, payload and frame period": raw Width and Height are
clamped to [min, sensor] and lowered onto their ``min + k * inc`` grid (a mask: the increments
must be powers of two), bytes per pixel come from the PixelFormat entry (2 for Mono10 and
Mono12, else 1), ``R(H) = overhead + H * line_time`` and
``Tx = min(ceil(PayloadSize * byte_time / 2**16), 2**32 - 1)``.
"""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from regmap.model import Field, RegisterMap

__all__ = ["FrameTiming", "frame_timing"]

_TWO_BYTE_FORMATS = ("Mono10", "Mono12")


def _check_int(name: str, value: object, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in {lo}..{hi}, not {value!r}")
    return value


class FrameTiming(wiring.Component):
    """PayloadSize, ``R(H)`` and ``Tx`` from the current geometry, format and byte time.

    Ports: ``width``, ``height`` (raw register values), ``pixel_format`` (raw), ``byte_time``
    (q16 cycles per byte) in; ``eff_width``, ``eff_height``, ``payload_size``, ``readout``,
    ``transfer`` out, all combinational.
    """

    def __init__(
        self,
        *,
        sensor_width: int,
        sensor_height: int,
        line_time: int,
        overhead: int,
        width_field: Field,
        height_field: Field,
        format_field: Field,
        byte_time_field: Field,
    ) -> None:
        for name, f in (
            ("width_field", width_field),
            ("height_field", height_field),
            ("format_field", format_field),
            ("byte_time_field", byte_time_field),
        ):
            if not isinstance(f, Field):
                raise TypeError(f"{name} must be a Field, not {f!r}")
        if not format_field.enum:
            raise TypeError(f"format_field must be an enumerated Field, not {format_field!r}")
        self._limits = {}
        for name, f, sensor in (
            ("width", width_field, sensor_width),
            ("height", height_field, sensor_height),
        ):
            _check_int(f"sensor_{name}", sensor, 1, 2**16 - 1)
            lo = int(f.min) if f.min is not None else 0
            if f.inc < 1 or f.inc & (f.inc - 1):
                raise ValueError(
                    f"the increment of {name} must be a power of two for the gateware, "
                    f"not {f.inc!r}"
                )
            if lo > sensor:
                raise ValueError(f"the minimum {name} {lo} is above the sensor's {sensor}")
            self._limits[name] = (lo, sensor, f.inc, f.width)
        if 2 * sensor_width * sensor_height >= 2**32:
            raise ValueError("the largest PayloadSize (2 bytes per pixel) must fit 32 bits")
        self._line_time = _check_int("line_time", line_time, 0, 2**32 - 1)
        self._overhead = _check_int("overhead", overhead, 0, 2**32 - 1)
        if overhead + sensor_height * line_time >= 2**32:
            raise ValueError("the readout time of the full sensor height must fit 32 bits")
        self._two_byte = [e.value for e in format_field.enum if e.name in _TWO_BYTE_FORMATS]
        # Effective sizes never exceed the sensor: the multipliers are only as wide as needed.
        self._payload_bits = (2 * sensor_width * sensor_height).bit_length()
        super().__init__(
            {
                "width": In(width_field.width),
                "height": In(height_field.width),
                "pixel_format": In(format_field.width),
                "byte_time": In(byte_time_field.width),
                "eff_width": Out(16),
                "eff_height": Out(16),
                "payload_size": Out(32),
                "readout": Out(32),
                "transfer": Out(32),
            }
        )

    def _effective(self, m: Module, name: str, raw, out) -> Signal:
        lo, sensor, inc, _ = self._limits[name]
        bits = sensor.bit_length()
        clamped = Signal(bits, name=f"{name}_clamped")
        m.d.comb += clamped.eq(Mux(raw < lo, lo, Mux(raw > sensor, sensor, raw)))
        mask = (2**bits - 1) & ~(inc - 1)
        offset = Signal(bits, name=f"{name}_above_min")
        eff = Signal(bits, name=f"{name}_effective")
        m.d.comb += [
            offset.eq(clamped - lo),
            eff.eq((offset & Const(mask, bits)) + lo),
            out.eq(eff),
        ]
        return eff

    def elaborate(self, platform):
        m = Module()
        w = self._effective(m, "width", self.width, self.eff_width)
        h = self._effective(m, "height", self.height, self.eff_height)

        two_bytes = Signal()
        m.d.comb += two_bytes.eq(0)
        for value in self._two_byte:
            with m.If(self.pixel_format == value):
                m.d.comb += two_bytes.eq(1)
        pb = self._payload_bits
        pixels = Signal(pb - 1)
        payload = Signal(pb)
        m.d.comb += [
            pixels.eq(w * h),
            payload.eq(Mux(two_bytes, pixels << 1, pixels)),
            self.payload_size.eq(payload),
            self.readout.eq(self._overhead + h * self._line_time),
        ]
        # ceil(payload * byte_time / 2**16): a (payload bits) x 32 product, rounded up,
        # saturated at 2**32 - 1.
        product = Signal(pb + 32)
        cycles = Signal(pb + 17)
        m.d.comb += [
            product.eq(payload * self.byte_time),
            cycles.eq((product + 0xFFFF) >> 16),
            self.transfer.eq(Mux(cycles >> 32 != 0, 2**32 - 1, cycles[:32])),
        ]
        return m


def frame_timing(rmap: RegisterMap) -> FrameTiming:
    """The :class:`FrameTiming` of a register map (its sensor constants and geometry fields)."""
    return FrameTiming(
        sensor_width=rmap.constant("SensorWidth"),
        sensor_height=rmap.constant("SensorHeight"),
        line_time=rmap.constant("SensorLineTime"),
        overhead=rmap.constant("SensorReadoutOverhead"),
        width_field=rmap.feature("Width")[1],
        height_field=rmap.feature("Height")[1],
        format_field=rmap.feature("PixelFormat")[1],
        byte_time_field=rmap.feature("DeviceLinkThroughputLimit")[1],
    )
