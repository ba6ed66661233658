"""Frequency converter: period-measuring multiplier followed by a divider (docs/semantics.md)."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["FrequencyConverter"]

_UNKNOWN = (1 << 32) - 1


class FrequencyConverter(wiring.Component):
    """Multiplies input edges by ``multiplier``, then passes one pulse in ``divider``."""

    def __init__(self, width: int = 16):
        if not isinstance(width, int) or not 1 <= width <= 16:
            raise ValueError(f"width must be an integer in 1..16, not {width!r}")
        self._width = width
        super().__init__(
            {
                "edge": In(1),
                "multiplier": In(width),
                "divider": In(width),
                "clear": In(1),
                "mult_pulse": Out(1),
                "out": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        w = self._width
        count = Signal(32, init=_UNKNOWN)  # cycles since the last edge; _UNKNOWN = unknown
        period = Signal(32)  # T of the current period
        owed = Signal(w)  # pulses still owed
        acc = Signal(34)  # a < 2**33 (a < T, or a <= (M-1)*(M-T) when M > T)
        div = Signal(w)

        acc_sum = Signal(35)
        step = Signal()
        m.d.comb += [
            acc_sum.eq(acc + self.multiplier),
            step.eq((owed != 0) & (acc_sum >= period)),
            self.mult_pulse.eq(self.edge | step),
            self.out.eq(self.mult_pulse & (div == 0)),
        ]

        with m.If(self.edge):
            known = count != _UNKNOWN
            m.d.sync += [
                period.eq(count),
                owed.eq(Mux(known & (self.multiplier != 0), self.multiplier - 1, 0)),
                acc.eq(0),
                count.eq(1),
            ]
        with m.Else():
            m.d.sync += count.eq(Mux(count == _UNKNOWN, _UNKNOWN, count + 1))
            with m.If(owed != 0):
                with m.If(step):
                    m.d.sync += [acc.eq(acc_sum - period), owed.eq(owed - 1)]
                with m.Else():
                    m.d.sync += acc.eq(acc_sum)
        with m.If(self.mult_pulse):
            m.d.sync += div.eq(Mux(div + 1 >= self.divider, 0, div + 1))
        with m.If(self.clear):
            m.d.sync += [count.eq(_UNKNOWN), owed.eq(0), acc.eq(0), div.eq(0)]
        return m
