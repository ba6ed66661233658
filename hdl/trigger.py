"""Trigger path blocks: source selection and the delay FIFO of release timestamps."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from regmap.model import Field

__all__ = ["TriggerDelay", "TriggerSourceMux"]


class TriggerSourceMux(wiring.Component):
    """One selector's source pulse by TriggerSource and TriggerActivation, gated by TriggerMode."""

    def __init__(self, source_field: Field, activation_field: Field, mode_field: Field):
        for name, f in (
            ("source_field", source_field),
            ("activation_field", activation_field),
            ("mode_field", mode_field),
        ):
            if not isinstance(f, Field) or not f.enum:
                raise TypeError(f"{name} must be an enumerated Field, not {f!r}")
        self._source = source_field
        self._activation = activation_field
        self._mode = mode_field
        super().__init__(
            {
                "mode": In(mode_field.width),
                "source": In(source_field.width),
                "activation": In(activation_field.width),
                "software": In(1),
                "line1_rise": In(1),
                "line1_fall": In(1),
                "line2_rise": In(1),
                "line2_fall": In(1),
                "fc": In(1),
                "mode_on": Out(1),
                "trigger": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        falling = self.activation == self._activation.enum_value("FallingEdge")
        line1 = Mux(falling, self.line1_fall, self.line1_rise)
        line2 = Mux(falling, self.line2_fall, self.line2_rise)
        pulse = Signal()
        with m.Switch(self.source):
            for name, value in (
                ("Software", self.software),
                ("Line1", line1),
                ("Line2", line2),
                ("FrequencyConverter", self.fc),
            ):
                with m.Case(self._source.enum_value(name)):
                    m.d.comb += pulse.eq(value)
            with m.Default():  # reserved TriggerSource values select nothing
                m.d.comb += pulse.eq(0)
        m.d.comb += [
            self.mode_on.eq(self.mode == self._mode.enum_value("On")),
            self.trigger.eq(pulse & self.mode_on),
        ]
        return m


class TriggerDelay(wiring.Component):
    """FIFO of ``depth`` release times: a trigger entering at ``now`` leaves at ``now + delay``."""

    # At most one trigger leaves per cycle, in arrival order; with delay == 0 and an empty FIFO it
    # leaves in the cycle it enters. A trigger arriving with `depth` pending is dropped (`lost`).
    # Timestamps are compared on the 32-bit wrapping `now` counter, so `delay` must stay below
    # 2**31.

    def __init__(self, depth: int, delay_width: int = 27):
        if not isinstance(depth, int) or depth < 1:
            raise ValueError(f"depth must be a positive integer, not {depth!r}")
        if not isinstance(delay_width, int) or not 1 <= delay_width <= 31:
            raise ValueError(f"delay_width must be an integer in 1..31, not {delay_width!r}")
        self._depth = depth
        super().__init__(
            {
                "trigger": In(1),
                "delay": In(delay_width),
                "now": In(32),
                "release": Out(1),
                "lost": Out(1),
                "level": Out(range(depth + 1)),
            }
        )

    @property
    def depth(self) -> int:
        """Number of pending triggers the FIFO holds."""
        return self._depth

    def elaborate(self, platform):
        m = Module()
        k = self._depth
        m.submodules.times = times = Memory(shape=32, depth=k, init=[])
        wr = times.write_port()
        rd = times.read_port(domain="comb")

        level = self.level
        head = Signal(range(k))
        tail = Signal(range(k))
        empty = level == 0
        due = Signal()
        bypass = Signal()
        push = Signal()
        m.d.comb += [
            rd.addr.eq(head),
            due.eq(~empty & ~(self.now - rd.data)[31]),
            bypass.eq(empty & self.trigger & (self.delay == 0)),
            self.lost.eq(self.trigger & (level == k)),
            push.eq(self.trigger & ~self.lost & ~bypass),
            self.release.eq(due | bypass),
            wr.addr.eq(tail),
            wr.data.eq(self.now + self.delay),
            wr.en.eq(push),
        ]
        with m.If(push):
            m.d.sync += tail.eq(Mux(tail == k - 1, 0, tail + 1))
        with m.If(due):
            m.d.sync += head.eq(Mux(head == k - 1, 0, head + 1))
        with m.If(push & ~due):
            m.d.sync += level.eq(level + 1)
        with m.Elif(due & ~push):
            m.d.sync += level.eq(level - 1)
        return m
