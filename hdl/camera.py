"""Top level of the camera's I/O and trigger path: register bank plus the functional blocks."""

from __future__ import annotations

from amaranth.hdl import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from regmap.model import RegisterMap

from .acquisition import Acquisition, Counters
from .axi import AXI4LiteSignature
from .frametiming import frame_timing
from .freqconv import FrequencyConverter
from .lines import Debouncer, EdgeDetector, LineInput, LineOutput
from .regbank import RegisterBank
from .trigger import TriggerDelay, TriggerSourceMux

__all__ = ["AXI_PREFIX", "PIN_PORTS", "Camera"]

AXI_PREFIX = "s_axil"

#: Pin and observation ports of :class:`Camera` (name, direction, description).
PIN_PORTS = (
    ("line1_in", "input", "Line1 opto-isolated input pin (asynchronous, synchronised inside)"),
    ("line2_i", "input", "Line2 GPIO pin, input level (asynchronous, synchronised inside)"),
    ("line2_o", "output", "Line2 GPIO pin, output level (registered)"),
    ("line2_oe", "output", "Line2 GPIO pin, output enable: 1 when LineMode = Output (registered)"),
    ("line0_out", "output", "Line0 opto-isolated output pin (registered)"),
    ("frame_start", "output", "One-cycle pulse in the cycle a frame starts"),
    ("exposure_active", "output", "ExposureActive: high for E cycles from frame_start"),
    ("frame_trigger_wait", "output", "FrameTriggerWait: the camera accepts a frame trigger"),
    ("acquisition_active", "output", "AcquisitionActive"),
)

_SELECTORS = ("FrameStart", "AcquisitionStart")


def _camera_signature() -> wiring.Signature:
    members: dict[str, wiring.Member] = {}
    for name, member in AXI4LiteSignature().members.items():
        members[f"{AXI_PREFIX}_{name}"] = member.flip()
    for name, direction, _ in PIN_PORTS:
        members[name] = In(1) if direction == "input" else Out(1)
    return wiring.Signature(members)


MAX_FIFO_DEPTH = 1024
"""The deepest trigger-delay FIFO the gateware builds (one memory word per pending trigger)."""


class Camera(wiring.Component):
    """The camera's I/O and trigger path with a flat AXI4-Lite port ``s_axil_*`` and pin ports."""

    def __init__(self, rmap: RegisterMap):
        if not isinstance(rmap, RegisterMap):
            raise TypeError(f"rmap must be a RegisterMap, not {rmap!r}")
        self._rmap = rmap
        self._fifo_depth = rmap.constant("TriggerFifoDepth")
        if not isinstance(self._fifo_depth, int) or not 1 <= self._fifo_depth <= MAX_FIFO_DEPTH:
            raise ValueError(
                f"TriggerFifoDepth must be an integer from 1 to {MAX_FIFO_DEPTH}, "
                f"not {self._fifo_depth!r}"
            )
        super().__init__(_camera_signature())

    @property
    def rmap(self) -> RegisterMap:
        """The register map the camera implements."""
        return self._rmap

    def elaborate(self, platform):
        m = Module()
        rmap = self._rmap
        m.submodules.bank = bank = RegisterBank(rmap)
        regs = bank.regs

        # ---- AXI4-Lite: flat top-level ports to the bank's bus interface.
        for name, member in AXI4LiteSignature().members.items():
            outer = getattr(self, f"{AXI_PREFIX}_{name}")
            inner = getattr(bank.bus, name)
            if member.flow == Out:  # driven by the manager
                m.d.comb += inner.eq(outer)
            else:
                m.d.comb += outer.eq(inner)

        line_cfg = regs.LINE_CFG
        line_mode = rmap.register("LINE_CFG").field("mode")
        output = line_mode.enum_value("Output")
        line2_output = line_cfg[2].mode == output

        # ---- input lines 1 and 2: synchroniser + inverter, debouncer, edge detector.
        rise = {}
        fall = {}
        status = {}
        for index, pin, off in ((1, self.line1_in, 0), (2, self.line2_i, line2_output)):
            inp = LineInput()
            deb = Debouncer(rmap.register("LINE_DEBOUNCE").field("time").width)
            edge = EdgeDetector()
            m.submodules[f"line{index}_input"] = inp
            m.submodules[f"line{index}_debouncer"] = deb
            m.submodules[f"line{index}_edge"] = edge
            m.d.comb += [
                inp.pin.eq(pin),
                inp.inverter.eq(line_cfg[index].inverter),
                inp.off.eq(off),
                deb.x.eq(inp.x),
                deb.n.eq(regs.LINE_DEBOUNCE[index].time),
                edge.y.eq(deb.y),
            ]
            rise[index] = edge.rise
            fall[index] = edge.fall
            status[index] = deb.y

        # ---- frequency converter.
        m.submodules.freqconv = fc = FrequencyConverter(
            rmap.register("FC_MULTIPLIER").field("multiplier").width
        )
        fc_input = rmap.register("FC_CTRL").field("input_source")
        m.d.comb += [
            fc.edge.eq(
                Mux(regs.FC_CTRL[0].input_source == fc_input.enum_value("Line2"), rise[2], rise[1])
            ),
            fc.multiplier.eq(regs.FC_MULTIPLIER[0].multiplier),
            fc.divider.eq(regs.FC_DIVIDER[0].divider),
            fc.clear.eq(
                regs.FC_CTRL[0].written | regs.FC_MULTIPLIER[0].written | regs.FC_DIVIDER[0].written
            ),
        ]

        # ---- trigger selectors: source mux and delay FIFO, one free-running timestamp.
        now = Signal(32)
        m.d.sync += now.eq(now + 1)
        trig = rmap.register("TRIGGER_CTRL")
        delay_width = rmap.register("TRIGGER_DELAY").field("delay").width
        selector = rmap.selector("TriggerSelector")
        released = {}
        lost = []
        modes = {}
        for name in _SELECTORS:
            i = selector.index(name)
            ctrl = regs.TRIGGER_CTRL[i]
            mux = TriggerSourceMux(
                trig.field("source"), trig.field("activation"), trig.field("mode")
            )
            fifo = TriggerDelay(self._fifo_depth, delay_width)
            m.submodules[f"trigger_{name}_source"] = mux
            m.submodules[f"trigger_{name}_delay"] = fifo
            m.d.comb += [
                mux.mode.eq(ctrl.mode),
                mux.source.eq(ctrl.source),
                mux.activation.eq(ctrl.activation),
                mux.software.eq(ctrl.software),
                mux.line1_rise.eq(rise[1]),
                mux.line1_fall.eq(fall[1]),
                mux.line2_rise.eq(rise[2]),
                mux.line2_fall.eq(fall[2]),
                mux.fc.eq(fc.out),
                fifo.trigger.eq(mux.trigger),
                fifo.delay.eq(regs.TRIGGER_DELAY[i].delay),
                fifo.now.eq(now),
            ]
            released[name] = fifo.release
            lost.append(fifo.lost)
            modes[name] = ctrl.mode

        # ---- image size, payload, readout and transfer times; sensor size.
        m.submodules.frame_timing = timing = frame_timing(rmap)
        image_period = Signal(32)
        m.d.comb += [
            timing.width.eq(regs.WIDTH.width),
            timing.height.eq(regs.HEIGHT.height),
            timing.pixel_format.eq(regs.PIXEL_FORMAT.format),
            timing.byte_time.eq(regs.LINK_THROUGHPUT.byte_time),
            image_period.eq(
                Mux(timing.readout >= timing.transfer, timing.readout, timing.transfer)
            ),
            regs.PAYLOAD_SIZE.size.eq(timing.payload_size),
            regs.SENSOR_WIDTH.width.eq(rmap.constant("SensorWidth")),
            regs.SENSOR_HEIGHT.height.eq(rmap.constant("SensorHeight")),
        ]

        # ---- acquisition, frames, acceptance gate.
        m.submodules.acquisition = acq = Acquisition(
            rmap.register("ACQ_CTRL").field("mode"),
            trig.field("mode"),
        )
        m.d.comb += [
            acq.start.eq(regs.ACQ_CTRL.start),
            acq.stop.eq(regs.ACQ_CTRL.stop),
            acq.mode.eq(regs.ACQ_CTRL.mode),
            acq.rate_enable.eq(regs.ACQ_CTRL.frame_rate_enable),
            acq.frame_count.eq(regs.ACQ_FRAME_COUNT.count),
            acq.exposure.eq(regs.EXPOSURE_TIME.time),
            acq.frame_period.eq(regs.ACQ_FRAME_PERIOD.period),
            acq.image_period.eq(image_period),
            acq.fs_mode.eq(modes["FrameStart"]),
            acq.fs_release.eq(released["FrameStart"]),
            acq.as_mode.eq(modes["AcquisitionStart"]),
            acq.as_release.eq(released["AcquisitionStart"]),
            regs.RESULTING_FRAME_PERIOD.period.eq(acq.resulting_period),
            regs.ACQ_STATUS.acquisition_active.eq(acq.acquisition_active),
            regs.ACQ_STATUS.frame_trigger_wait.eq(acq.frame_trigger_wait),
            regs.ACQ_STATUS.exposure_active.eq(acq.exposure_active),
            self.frame_start.eq(acq.frame_start),
            self.exposure_active.eq(acq.exposure_active),
            self.frame_trigger_wait.eq(acq.frame_trigger_wait),
            self.acquisition_active.eq(acq.acquisition_active),
        ]

        # ---- counters and event bits.
        m.submodules.counters = cnt = Counters(len(lost))
        m.d.comb += [
            cnt.frame_start.eq(acq.frame_start),
            cnt.lost.eq(Cat(*lost)),
            cnt.overtrigger.eq(acq.overtrigger),
            cnt.done.eq(acq.done),
            cnt.reset.eq(regs.COUNTER_CTRL.reset),
            regs.FRAME_COUNT.count.eq(cnt.frame_count),
            regs.TRIGGER_LOST_COUNT.count.eq(cnt.trigger_lost_count),
            regs.OVERTRIGGER_COUNT.count.eq(cnt.overtrigger_count),
            regs.EVENT_STATUS.overtrigger_set.eq(cnt.event_overtrigger),
            regs.EVENT_STATUS.trigger_lost_set.eq(cnt.event_trigger_lost),
            regs.EVENT_STATUS.acquisition_done_set.eq(cnt.event_acquisition_done),
        ]

        # ---- output lines 0 and 2.
        user = Cat(*(regs.USER_OUTPUT[i].value for i in range(3)))
        source_field = rmap.register("LINE_CFG").field("source")
        pins = {}
        for index, pin, enable in ((0, self.line0_out, 1), (2, self.line2_o, line2_output)):
            out = LineOutput(source_field)
            m.submodules[f"line{index}_output"] = out
            m.d.comb += [
                out.source.eq(line_cfg[index].source),
                out.inverter.eq(line_cfg[index].inverter),
                out.enable.eq(enable),
                out.exposure_active.eq(acq.exposure_active),
                out.frame_trigger_wait.eq(acq.frame_trigger_wait),
                out.acquisition_active.eq(acq.acquisition_active),
                out.user_output.eq(user),
                out.fc.eq(fc.out),
                pin.eq(out.pin),
            ]
            pins[index] = out
        m.d.comb += self.line2_oe.eq(pins[2].oe)

        # ---- line status: debounced input level, or the level driven on an output.
        status[0] = pins[0].pin
        status[2] = Mux(line2_output, pins[2].pin, status[2])
        for index in range(3):
            m.d.comb += regs.LINE_STATUS[index].status.eq(status[index])
        m.d.comb += regs.LINE_STATUS_ALL.status.eq(Cat(status[0], status[1], status[2]))
        return m
