"""Acquisition state, frame timing and the FrameStart acceptance gate; counters and event bits."""

from __future__ import annotations

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from regmap.model import Field

__all__ = ["Acquisition", "Counters"]

_IDLE, _ARMED, _ACTIVE = 0, 1, 2


def _max(a, b):
    return Mux(a >= b, a, b)


class Acquisition(wiring.Component):
    """AcquisitionStart/Stop state machine, frame period ``P``, exposure and trigger acceptance."""

    # frame_start, frame_trigger_wait, exposure_active and overtrigger are combinational from
    # registered state and this cycle's released triggers; `done` is high in the last cycle of
    # the last frame's period of a SingleFrame/MultiFrame acquisition.

    # ``image_period`` is max(R(H), Tx) of the current image settings (FrameTiming).

    def __init__(self, mode_field: Field, trigger_mode_field: Field):
        for name, f in (("mode_field", mode_field), ("trigger_mode_field", trigger_mode_field)):
            if not isinstance(f, Field) or not f.enum:
                raise TypeError(f"{name} must be an enumerated Field, not {f!r}")
        self._mode = mode_field
        self._trigger_mode = trigger_mode_field
        super().__init__(
            {
                "start": In(1),
                "stop": In(1),
                "mode": In(mode_field.width),
                "frame_count": In(8),
                "exposure": In(32),
                "frame_period": In(32),
                "image_period": In(32),
                "rate_enable": In(1),
                "fs_mode": In(trigger_mode_field.width),
                "fs_release": In(1),
                "as_mode": In(trigger_mode_field.width),
                "as_release": In(1),
                "frame_start": Out(1),
                "exposure_active": Out(1),
                "frame_trigger_wait": Out(1),
                "acquisition_active": Out(1),
                "armed": Out(1),
                "resulting_period": Out(32),
                "overtrigger": Out(1),
                "done": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        on = self._trigger_mode.enum_value("On")
        single = self._mode.enum_value("SingleFrame")
        multi = self._mode.enum_value("MultiFrame")

        state = Signal(2, init=_IDLE)
        stopping = Signal()
        remaining = Signal(32)  # cycles left in the frame period in progress (0: none)
        exposing = Signal(32)  # exposure cycles left after the first
        frames = Signal(8)  # frames started in this acquisition (saturating)

        period = Signal(32)
        m.d.comb += period.eq(
            _max(
                _max(self.exposure, self.image_period),
                # the frame period is at least 1 cycle (docs/semantics.md): 0 never reaches P
                Mux(self.rate_enable & (self.frame_period != 0), self.frame_period, 1),
            )
        )
        m.d.comb += self.resulting_period.eq(period)

        active = Signal()
        fs_on = self.fs_mode == on
        m.d.comb += [
            active.eq(state == _ACTIVE),
            self.acquisition_active.eq(active),
            self.armed.eq(state == _ARMED),
            self.frame_trigger_wait.eq(active & (remaining == 0)),
            self.frame_start.eq(self.frame_trigger_wait & Mux(fs_on, self.fs_release, 1)),
            self.overtrigger.eq(self.fs_release & fs_on & ~self.frame_trigger_wait),
            self.exposure_active.eq((self.frame_start & (self.exposure != 0)) | (exposing != 0)),
        ]

        fs = self.frame_start
        in_progress = Signal()
        remaining_next = Signal(32)
        period_end = Signal()
        frames_next = Signal(8)
        last = Signal()
        m.d.comb += [
            in_progress.eq(fs | (remaining != 0)),
            remaining_next.eq(
                Mux(fs, Mux(period == 0, 0, period - 1), Mux(remaining != 0, remaining - 1, 0))
            ),
            period_end.eq(in_progress & (remaining_next == 0)),
            frames_next.eq(Mux(fs & (frames != 0xFF), frames + 1, frames)),
            last.eq(
                ((self.mode == single) & (frames_next >= 1))
                | (
                    (self.mode == multi)
                    & (self.frame_count != 0)
                    & (frames_next >= self.frame_count)
                )
            ),
            self.done.eq(active & period_end & last),
        ]
        m.d.sync += [
            remaining.eq(remaining_next),
            exposing.eq(
                Mux(
                    fs,
                    Mux(self.exposure == 0, 0, self.exposure - 1),
                    Mux(exposing != 0, exposing - 1, 0),
                )
            ),
            frames.eq(frames_next),
        ]

        with m.If((state == _IDLE) & self.start):
            m.d.sync += frames.eq(0)
        with m.Switch(state):
            with m.Case(_IDLE), m.If(self.start):
                m.d.sync += [
                    state.eq(Mux(self.as_mode == on, _ARMED, _ACTIVE)),
                    stopping.eq(0),
                ]
            with m.Case(_ARMED):
                with m.If(self.stop):
                    m.d.sync += state.eq(_IDLE)
                with m.Elif(self.as_release & (self.as_mode == on)):
                    m.d.sync += state.eq(_ACTIVE)
            with m.Case(_ACTIVE):
                with m.If(self.done):
                    m.d.sync += [state.eq(_IDLE), stopping.eq(0)]
                with m.Elif(self.stop | stopping):
                    with m.If(~in_progress | period_end):
                        m.d.sync += [state.eq(_IDLE), stopping.eq(0)]
                    with m.Else():
                        m.d.sync += stopping.eq(1)
            with m.Default():  # unreachable encoding
                m.d.sync += [state.eq(_IDLE), stopping.eq(0)]
        return m


class Counters(wiring.Component):
    """FrameCount, TriggerLostCount and OvertriggerCount (wrapping) and the event-bit set pulses."""

    def __init__(self, lost_inputs: int = 2):
        if not isinstance(lost_inputs, int) or lost_inputs < 1:
            raise ValueError(f"lost_inputs must be a positive integer, not {lost_inputs!r}")
        super().__init__(
            {
                "frame_start": In(1),
                "lost": In(lost_inputs),
                "overtrigger": In(1),
                "done": In(1),
                "reset": In(1),
                "frame_count": Out(32),
                "trigger_lost_count": Out(32),
                "overtrigger_count": Out(32),
                "event_overtrigger": Out(1),
                "event_trigger_lost": Out(1),
                "event_acquisition_done": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        lost = sum(bit for bit in self.lost)
        with m.If(self.reset):
            m.d.sync += [
                self.frame_count.eq(0),
                self.trigger_lost_count.eq(0),
                self.overtrigger_count.eq(0),
            ]
        with m.Else():
            m.d.sync += [
                self.frame_count.eq(self.frame_count + self.frame_start),
                self.trigger_lost_count.eq(self.trigger_lost_count + lost),
                self.overtrigger_count.eq(self.overtrigger_count + self.overtrigger),
            ]
        m.d.comb += [
            self.event_overtrigger.eq(self.overtrigger),
            self.event_trigger_lost.eq(self.lost.any()),
            self.event_acquisition_done.eq(self.done),
        ]
        return m
