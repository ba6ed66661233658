"""Line blocks: synchroniser and inverter, debouncer, edge detector and output driver."""

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from regmap.model import Field

__all__ = ["OUTPUT_SOURCES", "Debouncer", "EdgeDetector", "LineInput", "LineOutput"]


class LineInput(wiring.Component):
    """Synchroniser and inverter: ``x[t] = pin[t-2] ^ inverter[t]``, or 0 while ``off``."""

    pin: In(1)
    inverter: In(1)
    off: In(1)
    x: Out(1)

    def elaborate(self, platform):
        m = Module()
        s1 = Signal()
        s2 = Signal()
        m.d.sync += [s1.eq(self.pin), s2.eq(s1)]
        m.d.comb += self.x.eq(Mux(self.off, 0, s2 ^ self.inverter))
        return m


class Debouncer(wiring.Component):
    """Passes an edge of ``x`` to ``y`` after ``max(n, 1)`` cycles if held for ``n`` cycles."""

    def __init__(self, width: int = 20):
        if not isinstance(width, int) or width < 1:
            raise ValueError(f"width must be a positive integer, not {width!r}")
        self._width = width
        super().__init__({"x": In(1), "n": In(width), "y": Out(1), "count": Out(width)})

    def elaborate(self, platform):
        m = Module()
        y = Signal()
        c = Signal(self._width)
        m.d.comb += [self.y.eq(y), self.count.eq(c)]
        with m.If(self.n == 0):
            m.d.sync += [y.eq(self.x), c.eq(0)]
        with m.Elif(self.x == y):
            m.d.sync += c.eq(0)
        with m.Elif(c + 1 >= self.n):
            m.d.sync += [y.eq(self.x), c.eq(0)]
        with m.Else():
            m.d.sync += c.eq(c + 1)
        return m


class EdgeDetector(wiring.Component):
    """One-cycle pulses after ``y`` changes: ``rise[t] = y[t-1] & ~y[t-2]``, ``fall`` likewise."""

    y: In(1)
    rise: Out(1)
    fall: Out(1)

    def elaborate(self, platform):
        m = Module()
        y1 = Signal()
        y2 = Signal()
        m.d.sync += [y1.eq(self.y), y2.eq(y1)]
        m.d.comb += [self.rise.eq(y1 & ~y2), self.fall.eq(~y1 & y2)]
        return m


#: LineSource enum names and the input of :class:`LineOutput` each one selects.
OUTPUT_SOURCES = {
    "Off": None,
    "ExposureActive": "exposure_active",
    "FrameTriggerWait": "frame_trigger_wait",
    "AcquisitionActive": "acquisition_active",
    "UserOutput0": ("user_output", 0),
    "UserOutput1": ("user_output", 1),
    "UserOutput2": ("user_output", 2),
    "FrequencyConverter": "fc",
}


class LineOutput(wiring.Component):
    """Output mux and register: ``pin[t+1] = source[t] ^ inverter[t]``, ``oe[t+1] = enable[t]``."""

    def __init__(self, source_field: Field):
        if not isinstance(source_field, Field) or not source_field.enum:
            raise TypeError(f"source_field must be an enumerated Field, not {source_field!r}")
        unknown = {e.name for e in source_field.enum} - set(OUTPUT_SOURCES)
        if unknown:
            raise ValueError(f"source_field values must be LineSource names, not {unknown!r}")
        self._field = source_field
        super().__init__(
            {
                "source": In(source_field.width),
                "inverter": In(1),
                "enable": In(1),
                "exposure_active": In(1),
                "frame_trigger_wait": In(1),
                "acquisition_active": In(1),
                "user_output": In(3),
                "fc": In(1),
                "pin": Out(1),
                "oe": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        selected = Signal()
        with m.Switch(self.source):
            for e in self._field.enum:
                what = OUTPUT_SOURCES[e.name]
                if what is None:
                    continue
                with m.Case(e.value):
                    if isinstance(what, tuple):
                        m.d.comb += selected.eq(getattr(self, what[0])[what[1]])
                    else:
                        m.d.comb += selected.eq(getattr(self, what))
            with m.Default():  # Off and reserved LineSource values drive 0
                m.d.comb += selected.eq(0)
        m.d.sync += [self.pin.eq(selected ^ self.inverter), self.oe.eq(self.enable)]
        return m
