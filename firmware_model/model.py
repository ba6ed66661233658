"""Cycle-accurate behavioural model of the camera's I/O and trigger path.

``CameraModel(rmap)`` owns a :class:`~firmware_model.bank.RegisterBank`; drive it with
:class:`~firmware_model.registers.RegisterFile` between calls of :meth:`CameraModel.step`, one
per clock cycle (docs/semantics.md).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

from regmap import RegisterMap

from .bank import RegisterBank
from .blocks import (
    Acquisition,
    Counters,
    Debouncer,
    EdgeDetector,
    FrequencyConverter,
    OutputRegister,
    Synchroniser,
    TriggerDelayFifo,
)
from .imaging import ImageGeometry, Imaging

__all__ = [
    "OUTPUT_PINS",
    "OUTPUT_SIGNALS",
    "PIN_TO_TRIGGER_CYCLES",
    "CameraModel",
    "Event",
    "FrameCause",
    "FrameImage",
    "Outputs",
]

OUTPUT_PINS = (
    "frame_start",
    "exposure_active",
    "frame_trigger_wait",
    "acquisition_active",
    "line0_out",
    "line2_o",
    "line2_oe",
)
"""The one-bit outputs, in :class:`Outputs` order: the RTL camera's output ports."""

OUTPUT_SIGNALS = (*OUTPUT_PINS, "line_status")
"""Signals recorded by the simulators; ``line_status`` is LineStatusAll (3 bits)."""


class Outputs(NamedTuple):
    """The model's outputs during one cycle."""

    frame_start: int
    exposure_active: int
    frame_trigger_wait: int
    acquisition_active: int
    line0_out: int
    line2_o: int
    line2_oe: int
    line_status: int


class Event(NamedTuple):
    """Something that happened in a cycle: ``frame_start``, ``readout_end``, ``overtrigger``,
    ``trigger_lost``, ``acquisition_done``; ``selector`` is the trigger selector for lost
    triggers; ``frame`` is the frame-start cycle of the frame a ``readout_end`` belongs to."""

    cycle: int
    kind: str
    selector: str = ""
    frame: int = -1


class FrameImage(NamedTuple):
    """What a frame latched when it started in cycle ``frame`` (docs/semantics.md)."""

    frame: int
    """Frame-start cycle (the frame's device timestamp)."""
    readout_end: int
    """Cycle of its ``readout_end`` event: ``frame + exposure + R(H)``."""
    exposure: int
    period: int
    transfer: int
    """Cycles its PayloadSize takes on the link (``Tx``)."""
    geometry: ImageGeometry


PIN_TO_TRIGGER_CYCLES = 4
"""A line's trigger pulse in cycle ``te`` reflects the pin level of cycle ``te - 4``: 2
synchroniser cycles, the debouncer register (its ``y`` flips at the end of ``te - 2`` to
``x[te - 2] = pin[te - 4] ^ LineInverter``) and the edge detector's cycle, whatever N is."""


class FrameCause(NamedTuple):
    """What started the frame of ``frame_start`` cycle ``frame``.

    ``source``: the FrameStart trigger source that fired (``Line1``, ``Line2``, ``Software``,
    ``FrequencyConverter``), or ``""`` for a free-running frame (FrameStart TriggerMode Off).
    ``trigger``: the cycle the trigger pulse entered the delay FIFO (-1 when free-running).
    ``origin``: the cycle of the input that caused the pulse: for a line, the pin edge the
    debounced level reflects (the last pin change at or before ``trigger - 4``); for Software,
    the cycle the TriggerSoftware write was performed (``trigger - 1``); None for the frequency
    converter (a generated pulse), free-running frames, and a line pulse caused by a register
    write (LineInverter, LineMode) instead of a pin edge.
    ``level``: for a line, the pin level after that edge (1 rising, 0 falling), else -1.
    """

    frame: int
    source: str
    trigger: int = -1
    origin: int | None = None
    level: int = -1


_SOURCE_NAMES = ("Software", "Line1", "Line2", "FrequencyConverter")


def _debounce_constant(deb: Debouncer, x: int, n: int, cycles: int) -> None:
    """Advance a debouncer ``cycles`` cycles with a constant input ``x`` (closed form)."""
    if cycles <= 0:
        return
    if x == deb.y:
        deb.c = 0
    elif cycles >= max(1, n - deb.c):
        deb.y = x
        deb.c = 0
    else:
        deb.c += cycles


class _Config:
    """Register fields decoded once per register write (the hardware's view)."""

    __slots__ = (
        "acq_frame_count",
        "acq_mode",
        "edge_used",
        "exposure",
        "fc_m",
        "fc_q",
        "fc_src",
        "fc_used",
        "geometry",
        "inv",
        "line2_output",
        "line_source",
        "n1",
        "n2",
        "period",
        "readout",
        "resulting_period",
        "transfer",
        "trig_act",
        "trig_delay",
        "trig_mode",
        "trig_src",
        "user",
    )

    acq_frame_count: int
    acq_mode: int
    edge_used: list[tuple[bool, bool]]
    exposure: int
    fc_m: int
    fc_q: int
    fc_src: int
    fc_used: bool
    geometry: ImageGeometry
    inv: list[int]
    line2_output: int
    line_source: list[int]
    n1: int
    n2: int
    period: int
    readout: int
    resulting_period: int
    transfer: int
    trig_act: list[int]
    trig_delay: list[int]
    trig_mode: list[int]
    trig_src: list[int]
    user: list[int]


# Internal codes of the enumerations the hardware decodes (by name, so the map's values rule).
_TRIGGER_SOURCES = {"Software": 0, "Line1": 1, "Line2": 2, "FrequencyConverter": 3}
_LINE_SOURCES = {
    "Off": 0,
    "ExposureActive": 1,
    "FrameTriggerWait": 2,
    "AcquisitionActive": 3,
    "UserOutput0": 4,
    "UserOutput1": 5,
    "UserOutput2": 6,
    "FrequencyConverter": 7,
}
_ACQ_MODES = {"SingleFrame": 0, "MultiFrame": 1, "Continuous": 2}

# Groups of configuration fields decoded together; a write re-decodes only its register's groups.
_G_LINES, _G_CONVERTER, _G_TRIGGERS, _G_ACQUISITION, _G_TIMING = 1, 2, 4, 8, 16
_G_DEBOUNCE, _G_USER = 32, 64
_G_ALL = 127
_GROUP_FIELDS = {
    _G_LINES: (
        ("LineInverter", (0, 1, 2)),
        ("LineMode", (2,)),
        ("LineSource", (0, 1, 2)),
    ),
    _G_DEBOUNCE: (("LineDebouncerTime", (1, 2)),),
    _G_USER: (("UserOutputValue", (0, 1, 2)),),
    _G_CONVERTER: (
        ("FrequencyConverterInputSource", (0,)),
        ("FrequencyConverterMultiplier", (0,)),
        ("FrequencyConverterDivider", (0,)),
    ),
    _G_TRIGGERS: (
        ("TriggerMode", (0, 1)),
        ("TriggerSource", (0, 1)),
        ("TriggerActivation", (0, 1)),
        ("TriggerDelay", (0, 1)),
    ),
    _G_ACQUISITION: (("AcquisitionMode", (0,)), ("AcquisitionFrameCount", (0,))),
    _G_TIMING: (
        ("ExposureTime", (0,)),
        ("Width", (0,)),
        ("Height", (0,)),
        ("OffsetX", (0,)),
        ("OffsetY", (0,)),
        ("PixelFormat", (0,)),
        ("DeviceLinkThroughputLimit", (0,)),
        ("AcquisitionFrameRateEnable", (0,)),
        ("AcquisitionFrameRate", (0,)),
    ),
}


class CameraModel:
    """The camera, one :meth:`step` per clock cycle, registers in :attr:`bank`."""

    def __init__(self, rmap: RegisterMap) -> None:
        self.rmap = rmap
        self.bank = RegisterBank(rmap)
        self.cycle = 0
        """The cycle the next :meth:`step` simulates."""
        self.sync = [Synchroniser(), Synchroniser()]  # Line1, Line2
        self.debouncer = [Debouncer(), Debouncer()]
        self.edges = [EdgeDetector(), EdgeDetector()]
        self.converter = FrequencyConverter()
        depth = rmap.constant("TriggerFifoDepth")
        self.fifo = [TriggerDelayFifo(depth), TriggerDelayFifo(depth)]
        self.acquisition = Acquisition()
        self.counters = Counters()
        self.line0 = OutputRegister()
        self.line2_o = OutputRegister()
        self.line2_oe = OutputRegister()
        self.events: list[Event] = []
        self.frame_causes: list[FrameCause] = []
        """One :class:`FrameCause` per ``frame_start`` event, in order."""
        # Provenance: recent pin changes per line (cycle, level), and the (source, trigger,
        # origin, level) of each trigger pending in a delay FIFO, in FIFO order.
        self._pins = [0, 0]
        self._pin_changes: list[deque[tuple[int, int]]] = [deque(), deque()]
        self._fifo_causes: list[deque[tuple[str, int, int | None, int]]] = [deque(), deque()]
        self.imaging = Imaging(rmap)
        self.frame_images: dict[int, FrameImage] = {}
        """The latched image settings of every frame, by frame-start cycle (in order); a
        consumer may delete the entries of frames it has handled."""
        self._readouts: list[tuple[int, int]] = []  # heap of (readout_end cycle, frame start)
        self._fc_reset = False
        self._fc_out = 0
        self._cfg_version = -1
        self._cfg = _Config()
        self._dirty = _G_ALL
        self._resolve()
        self.bank.write_hooks.append(self._on_write)
        self.outputs = Outputs(0, 0, 0, 0, 0, 0, 0, 0)
        self._cnt_cycle = -1
        self._cnt_prev = (0, 0, 0)
        self._status_only: tuple[int, int] | None = None
        """(cycle, bank version) of a cycle :meth:`next_activity` found idle but for
        LineStatusAll taking new debounced levels: :meth:`step` then does only that."""
        self._decode()
        self.bank.read_hook = self._drive_status

    # -- register plumbing ----------------------------------------------------------------
    def _resolve(self) -> None:
        r = self.rmap
        feat = r.feature
        self._f = {name: feat(name) for name in r.features}
        self._loc: dict[tuple[str, int], tuple[int, int, int]] = {}
        self._enum_names: dict[str, dict[int, str | None]] = {}
        fc_regs = ("FC_CTRL", "FC_MULTIPLIER", "FC_DIVIDER")
        self._fc_addrs = {
            r.register(n).address_of(i) for n in fc_regs for i in range(r.register(n).count)
        }
        self._acq_ctrl = r.register("ACQ_CTRL").address
        self._trig_ctrl = r.register("TRIGGER_CTRL")
        self._ctr_ctrl = r.register("COUNTER_CTRL").address
        self._evt = r.register("EVENT_STATUS").address
        self._sw_mask = r.feature("TriggerSoftware")[1].mask
        self._start_lsb = r.feature("AcquisitionStart")[1].lsb
        self._stop_lsb = r.feature("AcquisitionStop")[1].lsb
        self._reset_mask = r.feature("CounterReset")[1].mask
        self._sw_addr = [self._trig_ctrl.address_of(k) for k in range(2)]
        self._groups: dict[int, int] = {}
        """Address -> the configuration groups its fields belong to."""
        for group, fields in _GROUP_FIELDS.items():
            for name, indices in fields:
                reg, _fld = self._f[name]
                for i in indices:
                    a = reg.address_of(i)
                    self._groups[a] = self._groups.get(a, 0) | group
        self._evt_bits = {
            name: r.feature(name)[1]
            for name in (
                "EventOvertriggerStatus",
                "EventTriggerLostStatus",
                "EventAcquisitionDoneStatus",
            )
        }

    def _on_write(self, addr: int, old: int, new: int) -> None:
        if old != new:
            self._dirty |= self._groups.get(addr, 0)
        if addr in self._fc_addrs:
            self._fc_reset = True

    def _field(self, name: str, index: int = 0) -> int:
        # (address, mask, lsb) looked up once per field and element: _decode runs after
        # every configuration write, and the map's address/mask properties compute each time.
        key = (name, index)
        loc = self._loc.get(key)
        if loc is None:
            reg, f = self._f[name]
            loc = self._loc[key] = (reg.address_of(index), f.mask, f.lsb)
        addr, mask, lsb = loc
        return (self.bank.values[addr] & mask) >> lsb

    def _enum(self, name: str, index: int = 0) -> str | None:
        raw = self._field(name, index)
        names = self._enum_names.get(name)
        if names is None:
            names = self._enum_names[name] = {}
        if raw not in names:
            names[raw] = self._f[name][1].enum_name(raw)
        return names[raw]

    def _decode(self) -> _Config:
        """Decode the configuration from the bank: only the groups of fields whose registers
        were written since the last decode (all of them the first time)."""
        c = self._cfg
        g = self._field
        e = self._enum
        dirty = self._dirty
        self._dirty = 0
        if dirty & _G_LINES:
            c.inv = [g("LineInverter", i) for i in range(3)]
            c.line2_output = int(e("LineMode", 2) == "Output")
            # reserved LineSource values drive 0 (Off)
            c.line_source = [_LINE_SOURCES.get(e("LineSource", i) or "", 0) for i in range(3)]
        if dirty & _G_DEBOUNCE:
            c.n1 = g("LineDebouncerTime", 1)
            c.n2 = g("LineDebouncerTime", 2)
        if dirty & _G_USER:
            c.user = [g("UserOutputValue", i) for i in range(3)]
        if dirty & _G_CONVERTER:
            c.fc_src = int(e("FrequencyConverterInputSource") == "Line2")
            c.fc_m = g("FrequencyConverterMultiplier")
            c.fc_q = g("FrequencyConverterDivider")
        if dirty & _G_TRIGGERS:
            c.trig_mode = [int(e("TriggerMode", i) == "On") for i in range(2)]
            # reserved TriggerSource values select nothing (-1)
            c.trig_src = [_TRIGGER_SOURCES.get(e("TriggerSource", i) or "", -1) for i in range(2)]
            c.trig_act = [int(e("TriggerActivation", i) == "FallingEdge") for i in range(2)]
            c.trig_delay = [g("TriggerDelay", i) for i in range(2)]
        if dirty & _G_ACQUISITION:
            # a reserved AcquisitionMode value has no frame limit (as Continuous)
            c.acq_mode = _ACQ_MODES.get(e("AcquisitionMode") or "", 2)
            c.acq_frame_count = g("AcquisitionFrameCount")
        if dirty & _G_TIMING:
            c.exposure = g("ExposureTime")
            geo = self.imaging.geometry(
                g("Width"), g("Height"), g("OffsetX"), g("OffsetY"), g("PixelFormat")
            )
            c.geometry = geo
            c.readout = self.imaging.readout(geo.height)
            c.transfer = self.imaging.transfer(geo.payload_size, g("DeviceLinkThroughputLimit"))
            p = max(c.exposure, c.readout, c.transfer, 1)  # P >= 1 (docs/semantics.md)
            if g("AcquisitionFrameRateEnable"):
                p = max(p, g("AcquisitionFrameRate"))
            c.period = p
            c.resulting_period = p
        if dirty & (_G_LINES | _G_CONVERTER | _G_TRIGGERS):
            c.fc_used = self._fc_used(c)
            c.edge_used = [(self._edge_used(c, i, 0), self._edge_used(c, i, 1)) for i in (0, 1)]
        self._cfg_version = self.bank.version
        return c

    def _drive_status(self) -> None:
        """Drive the hardware-driven fields with their values in the last simulated cycle."""
        bank = self.bank
        f = self._f
        o = self.outputs
        cnt = self.counters
        counts = (cnt.frames, cnt.lost, cnt.overtriggers)
        if self._cnt_cycle == self.cycle - 1:  # updated by the last step: visible from the next
            counts = self._cnt_prev
        for name, v in (
            ("AcquisitionActive", o.acquisition_active),
            ("FrameTriggerWait", o.frame_trigger_wait),
            ("ExposureActive", o.exposure_active),
            ("LineStatusAll", o.line_status),
            ("FrameCount", counts[0]),
            ("TriggerLostCount", counts[1]),
            ("OvertriggerCount", counts[2]),
            ("ResultingFrameRate", self._cfg.resulting_period),
            ("PayloadSize", self._cfg.geometry.payload_size),
            ("SensorWidth", self.imaging.sensor_width),
            ("SensorHeight", self.imaging.sensor_height),
        ):
            reg, fld = f[name]
            bank.hw_drive(reg.address, fld, v)
        reg, fld = f["LineStatus"]
        for i in range(3):
            bank.hw_drive(reg.address_of(i), fld, o.line_status >> i & 1)

    # -- provenance -----------------------------------------------------------------------
    def _pin_changed(self, i: int, t: int, level: int) -> None:
        """Line ``i`` (0: Line1, 1: Line2) is sampled at a new ``level`` in cycle ``t``."""
        self._pins[i] = level
        changes = self._pin_changes[i]
        changes.append((t, level))
        # keep the last change at or before t - 4 (later lookups are at te - 4 >= t - 4)
        while len(changes) >= 2 and changes[1][0] <= t - PIN_TO_TRIGGER_CYCLES:
            changes.popleft()

    def _trigger_cause(
        self, src: int, line_level: int, t: int, inv: int
    ) -> tuple[str, int, int | None, int]:
        """The cause of a trigger pulse of source ``src`` entering a FIFO in cycle ``t``."""
        if src == 0:
            return ("Software", t, t - 1, -1)
        if src == 3:
            return ("FrequencyConverter", t, None, -1)
        pin_level = line_level ^ inv
        origin = None
        for c, lv in reversed(self._pin_changes[src - 1]):
            if c <= t - PIN_TO_TRIGGER_CYCLES:
                if lv == pin_level:
                    origin = c
                break
        return (_SOURCE_NAMES[src], t, origin, pin_level if origin is not None else -1)

    # -- simulation -----------------------------------------------------------------------
    def step(self, line1_in: object = 0, line2_i: object = 0) -> Outputs:
        """Simulate one clock cycle with the given input pin levels (true: high); return its
        outputs."""
        l1 = 1 if line1_in else 0
        l2 = 1 if line2_i else 0
        t = self.cycle
        bank = self.bank
        if self._status_only is not None:
            if self._status_only == (t, bank.version):
                return self._step_status(l1, l2)
            self._status_only = None
        bank.begin_cycle()
        if self._fc_reset:
            self.converter.reset()
            self._fc_reset = False
        c = self._cfg if self._cfg_version == bank.version else self._decode()
        pulses = bank.pulses
        if l1 != self._pins[0]:
            self._pin_changed(0, t, l1)
        if l2 != self._pins[1]:
            self._pin_changed(1, t, l2)

        # Input pipelines.
        s1 = self.sync[0].step(l1)
        s2 = self.sync[1].step(l2)
        x1 = s1 ^ c.inv[1]
        x2 = 0 if c.line2_output else s2 ^ c.inv[2]
        y1 = self.debouncer[0].step(x1, c.n1)
        y2 = self.debouncer[1].step(x2, c.n2)
        rise1, fall1 = self.edges[0].step(y1)
        rise2, fall2 = self.edges[1].step(y2)

        # Frequency converter.
        fc_edge = rise2 if c.fc_src else rise1
        fc = self.converter.step(t, fc_edge, c.fc_m, c.fc_q)
        self._fc_out = fc

        # Trigger sources and delay FIFOs (nothing to do without a pulse or a pending trigger).
        released = [0, 0]
        lost_total = 0
        frame_cause: tuple[str, int, int | None, int] | None = None
        fifo0, fifo1 = self.fifo
        busy = rise1 or fall1 or rise2 or fall2 or fc or pulses or fifo0.pending or fifo1.pending
        for k in (0, 1) if busy else ():
            src = c.trig_src[k]
            if src == 0:
                trig = 1 if pulses and pulses.get(self._sw_addr[k], 0) & self._sw_mask else 0
            elif src == 1:
                trig = fall1 if c.trig_act[k] else rise1
            elif src == 2:
                trig = fall2 if c.trig_act[k] else rise2
            elif src == 3:
                trig = fc
            else:  # reserved TriggerSource values select nothing
                trig = 0
            if not c.trig_mode[k]:
                trig = 0
            rel, lost = self.fifo[k].step(t, trig, c.trig_delay[k])
            if trig and not lost:
                # rise means the debounced level went to 1, fall to 0
                level = 0 if src in (1, 2) and c.trig_act[k] else 1
                self._fifo_causes[k].append(
                    self._trigger_cause(src, level, t, c.inv[src] if src in (1, 2) else 0)
                )
            if rel:
                cause = self._fifo_causes[k].popleft()
                if k == 0:
                    frame_cause = cause
            released[k] = rel
            if lost:
                lost_total += 1
                self.events.append(
                    Event(t, "trigger_lost", "FrameStart" if k == 0 else "AcquisitionStart")
                )

        # Acquisition, frames and acceptance.
        acq_pulses = pulses.get(self._acq_ctrl, 0) if pulses else 0
        acq = self.acquisition
        exposure_active = acq.exposure_active(t)
        active, wait, frame_start, overtrigger, done = acq.step(
            t,
            acq_pulses >> self._start_lsb & 1,
            acq_pulses >> self._stop_lsb & 1,
            c.trig_mode[1],
            released[1],
            c.trig_mode[0],
            released[0],
            c.exposure,
            c.period,
            c.acq_mode,
            c.acq_frame_count,
        )
        if frame_start:
            exposure_active = 1 if c.exposure else 0
            self.events.append(Event(t, "frame_start"))
            end = t + c.exposure + c.readout
            self.frame_images[t] = FrameImage(t, end, c.exposure, c.period, c.transfer, c.geometry)
            heapq.heappush(self._readouts, (end, t))
            # with FrameStart TriggerMode On a frame only starts on a released trigger
            if c.trig_mode[0] and frame_cause is not None:
                self.frame_causes.append(FrameCause(t, *frame_cause))
            else:
                self.frame_causes.append(FrameCause(t, ""))
        readouts = self._readouts
        while readouts and readouts[0][0] <= t:
            end, t0 = heapq.heappop(readouts)
            self.events.append(Event(end, "readout_end", frame=t0))
        if overtrigger:
            self.events.append(Event(t, "overtrigger"))
        if done:
            self.events.append(Event(t + 1, "acquisition_done"))

        # Output lines.
        sources = (0, exposure_active, wait, active, c.user[0], c.user[1], c.user[2], fc)
        line0 = self.line0.step(sources[c.line_source[0]] ^ c.inv[0])
        line2_o = self.line2_o.step(sources[c.line_source[2]] ^ c.inv[2])
        line2_oe = self.line2_oe.step(c.line2_output)
        status2 = line2_o if c.line2_output else y2
        line_status = line0 | (y1 << 1) | (status2 << 2)

        out = Outputs(
            frame_start, exposure_active, wait, active, line0, line2_o, line2_oe, line_status
        )
        self.outputs = out
        counters = self.counters

        # Counters and event bits (registers: visible from t+1).
        f = self._evt_bits
        counter_reset = 1 if pulses and pulses.get(self._ctr_ctrl, 0) & self._reset_mask else 0
        if frame_start or lost_total or overtrigger or counter_reset:
            self._cnt_prev = (counters.frames, counters.lost, counters.overtriggers)
            self._cnt_cycle = t
            counters.step(counter_reset, frame_start, lost_total, overtrigger)
        if overtrigger:
            bank.hw_set(self._evt, f["EventOvertriggerStatus"])
        if lost_total:
            bank.hw_set(self._evt, f["EventTriggerLostStatus"])
        if done:
            bank.hw_set(self._evt, f["EventAcquisitionDoneStatus"])
        self.cycle = t + 1
        return out

    def _step_status(self, line1_in: int, line2_i: int) -> Outputs:
        """:meth:`step` of a cycle that is idle but for new debounced levels reaching the edge
        detectors and LineStatusAll (see :meth:`next_activity`): no edge pulse, trigger,
        converter output or frame event happens in it."""
        self._status_only = None
        deb1, deb2 = self.debouncer
        y1, y2 = deb1.y, deb2.y  # the levels of cycle t
        self.skip_sampling(line1_in, line2_i)  # the edge detectors' y2 take their y1
        edges1, edges2 = self.edges
        edges1.y1 = y1
        edges2.y1 = y2
        o = self.outputs
        status2 = o.line2_o if self._cfg.line2_output else y2
        out = o._replace(line_status=o.line0_out | y1 << 1 | status2 << 2)
        self.outputs = out
        self._fc_out = 0
        return out

    # -- idle detection for the event-driven simulator -----------------------------------
    def next_activity(self) -> int | None:
        """The first cycle ``>= self.cycle`` whose step can differ from an idle cycle.

        Assumes the input pins keep the levels last sampled and no register is written. Until
        that cycle the outputs stay :attr:`outputs`, and :meth:`skip` advances the state exactly.
        None means never.
        """
        t = self.cycle
        o = self.outputs
        bank = self.bank
        if o.frame_start or bank.pulses_pending:
            return t
        if self._fc_reset:  # the step of t would reset the converter first: do it now
            self.converter.reset()
            self._fc_reset = False
        fresh = self._cfg_version != bank.version
        # a configuration written since the last step: decode it as the step of t would
        c = self._decode() if fresh else self._cfg
        acq = self.acquisition
        active = acq.state == 2
        if active != o.acquisition_active:
            return t
        has_frame = acq.has_frame
        t0 = acq.t0
        wait = active and (not has_frame or t >= t0 + acq.p)  # FrameTriggerWait[t]
        if wait != o.frame_trigger_wait:
            return t
        if (has_frame and t0 <= t < t0 + acq.e) != o.exposure_active:  # ExposureActive[t]
            return t
        if (
            self.line0.q != o.line0_out
            or self.line2_o.q != o.line2_o
            or self.line2_oe.q != o.line2_oe
        ):
            return t
        deb1, deb2 = self.debouncer
        if fresh or self._fc_out:
            # Under a new configuration, or once the converter's pulse of t-1 is over, the
            # output registers must keep their levels and LineStatusAll its value (with the
            # sources as they are: the converter's output is 0 unless it pulses in cycle t,
            # which makes t a wake-up below when anything uses it).
            user = c.user
            sources = (
                0,
                o.exposure_active,
                o.frame_trigger_wait,
                o.acquisition_active,
                user[0],
                user[1],
                user[2],
                0,
            )
            inv = c.inv
            if sources[c.line_source[0]] ^ inv[0] != o.line0_out:
                return t
            if sources[c.line_source[2]] ^ inv[2] != o.line2_o:
                return t
            if c.line2_output != o.line2_oe:
                return t
            status2 = o.line2_o if c.line2_output else deb2.y
            if o.line0_out | deb1.y << 1 | status2 << 2 != o.line_status:
                return t
        readouts = self._readouts
        wake: int | None = readouts[0][0] if readouts else None
        if wake is not None and wake <= t:
            return t
        status = False  # a new debounced level reaches LineStatusAll in cycle t
        for i in (0, 1):
            deb = deb2 if i else deb1
            edges = self.edges[i]
            y = deb.y
            if edges.y1 != y:
                if edges.y2 != edges.y1:
                    return t  # and an edge pulse in cycle t
                status = True
            elif edges.y2 != y and c.edge_used[i][y]:
                return t  # the edge pulse of cycle t triggers or feeds the converter
            if i and c.line2_output:
                x = 0  # the pin does not matter: the sync may settle while skipped
            else:
                sync = self.sync[i]
                x = sync.q2 ^ c.inv[i + 1]
                if sync.q1 != sync.q2:
                    # A new level in flight: x is the old level in cycle t, the new one (not
                    # x) from t+1 on.
                    n = c.n2 if i else c.n1
                    if x != y:
                        if n == 0 or deb.c + 1 >= n:
                            u = t + 1  # y flips at the end of t
                        else:
                            continue  # the count stops: x returns to y at t+1
                    else:
                        u = t + 1 + (n if n > 1 else 1)  # y flips at the end of t + max(1, n)
                    if wake is None or u < wake:
                        wake = u
                    continue
            if x != y:
                # the debouncer flips y at the end of cycle t + max(0, n-1-c); skip through it
                u = (c.n2 if i else c.n1) - deb.c
                u = t + (u if u > 1 else 1)
                if wake is None or u < wake:
                    wake = u
        if c.fc_used:
            m = self.converter.cycles_to_next_pulse(c.fc_m)
            if m is not None:
                u = t + m - 1
                if wake is None or u < wake:
                    wake = u
        for fifo in self.fifo:
            pending = fifo.pending
            if pending:
                u = pending[0]
                if u < t:
                    u = t
                if wake is None or u < wake:
                    wake = u
        if active:
            if has_frame:
                for u in (t0 + acq.e, t0 + acq.p - 1, t0 + acq.p):
                    if u >= t and (wake is None or u < wake):
                        wake = u
            if wait and not c.trig_mode[0]:
                return t
        if status:
            if wake is None or wake > t:
                self._status_only = (t, bank.version)
            return t
        return wake

    @staticmethod
    def _edge_used(c: _Config, i: int, rise: int) -> bool:
        """Whether a rising (``rise``) or falling edge pulse of the debounced Line1 (``i`` 0)
        or Line2 (1) does anything: a trigger of a selector, or the converter's input."""
        if rise and c.fc_src == i:
            return True
        src = i + 1
        for k in (0, 1):
            if c.trig_mode[k] and c.trig_src[k] == src and c.trig_act[k] != rise:
                return True
        return False

    @staticmethod
    def _fc_used(c: _Config) -> bool:
        """Whether the converter's output drives anything: an enabled trigger, Line0 or
        Line2's output register."""
        if c.line_source[0] == 7 or c.line_source[2] == 7:
            return True
        return any(c.trig_mode[k] and c.trig_src[k] == 3 for k in (0, 1))

    def skip(self, cycles: int) -> None:
        """Advance ``cycles`` idle cycles (only valid before :meth:`next_activity`)."""
        if cycles <= 0:
            return
        c = self._cfg
        self.bank.begin_cycle()
        for i in (0, 1):
            deb = self.debouncer[i]
            sync = self.sync[i]
            if i and c.line2_output:
                _debounce_constant(deb, 0, c.n2, cycles)
                sync.q2 = sync.q1
            else:
                inv = c.inv[i + 1]
                q1 = sync.q1
                if q1 == sync.q2:
                    if q1 ^ inv == deb.y:
                        deb.c = 0  # held: nothing to count
                    else:
                        _debounce_constant(deb, q1 ^ inv, c.n2 if i else c.n1, cycles)
                else:  # x is the old level for one cycle, then the new one
                    n = c.n2 if i else c.n1
                    _debounce_constant(deb, sync.q2 ^ inv, n, 1)
                    _debounce_constant(deb, q1 ^ inv, n, cycles - 1)
                    sync.q2 = q1
            edges = self.edges[i]
            edges.y2 = edges.y1  # an unused edge pulse may be over
        self.converter.skip(cycles, c.fc_m, c.fc_q)
        self.cycle += cycles

    def skip_sampling(self, line1_in: object, line2_i: object, cycles: int = 1) -> None:
        """Advance ``cycles`` idle cycles, in the last of which the pins are sampled at new
        levels.

        Only valid when :meth:`next_activity` is later than that last cycle: the new levels then
        only enter the synchronisers during it.
        """
        l1 = 1 if line1_in else 0
        l2 = 1 if line2_i else 0
        t = self.cycle + cycles - 1
        if l1 != self._pins[0]:
            self._pin_changed(0, t, l1)
        if l2 != self._pins[1]:
            self._pin_changed(1, t, l2)
        self.skip(cycles)
        self.sync[0].q1 = l1
        self.sync[1].q1 = l2

    def replay(
        self,
        e1: list[tuple[int, int]],
        e2: list[tuple[int, int]],
        acc_cycles: list[int],
        apply: Callable[[int], None],
        until: int,
        out_edges: list[list[tuple[int, int]]],
        state: tuple[int, int, int, int, int, Outputs | None] = (0, 0, 0, 0, 0, None),
        event_mode: bool = True,
    ) -> tuple[int, int, int, int, int, Outputs | None]:
        """Run to cycle ``until`` with recorded pin edges and timed bus accesses (a replay of
        what the RTL saw: ``sim.reference.advance_replay``, which documents the arguments).

        ``e1``/``e2``: sorted ``(cycle, level)`` edges of Line1 and Line2; ``acc_cycles``: the
        non-decreasing cycles of the accesses, ``apply(i)`` performs access ``i`` between the
        steps of its cycle and the next. Output changes are appended to ``out_edges`` (one list
        per :class:`Outputs` field). With ``event_mode`` idle cycles are jumped over
        (:meth:`next_activity`, :meth:`skip`). Returns the state to resume from.
        """
        n_out = len(out_edges)
        i1, i2, ia, p1, p2, prev = state
        n1, n2, na = len(e1), len(e2), len(acc_cycles)
        never = until + 1
        # A wake-up cycle that still holds: a skip that stopped short of it for an input changed
        # nothing the wake-up depends on (<= self.cycle: unknown, ask the model).
        known = 0
        while True:
            t = self.cycle
            if ia < na and acc_cycles[ia] < t:
                known = 0
                while ia < na and acc_cycles[ia] < t:
                    apply(ia)
                    ia += 1
            if t >= until:
                break
            if event_mode and prev is not None:
                target = until
                if i1 < n1 and e1[i1][0] < target:
                    target = e1[i1][0]
                if i2 < n2 and e2[i2][0] < target:
                    target = e2[i2][0]
                if ia < na and acc_cycles[ia] + 1 < target:
                    target = acc_cycles[ia] + 1
                if known > t:
                    wake = known
                else:
                    w = self.next_activity()
                    wake = never if w is None else w
                if wake > t:
                    if target > t:
                        if wake > target:
                            if target < until and (ia >= na or acc_cycles[ia] + 1 > target):
                                # only pin edges at target, in an idle cycle: skip and sample
                                while i1 < n1 and e1[i1][0] <= target:
                                    p1 = e1[i1][1]
                                    i1 += 1
                                while i2 < n2 and e2[i2][0] <= target:
                                    p2 = e2[i2][1]
                                    i2 += 1
                                self.skip_sampling(p1, p2, target - t + 1)
                                known = 0
                                continue
                            self.skip(target - t)
                            known = wake
                        else:
                            self.skip(wake - t)
                            known = 0
                        continue
                    # a pin edge in cycle t, otherwise idle: the step would only sample the pins
                    while i1 < n1 and e1[i1][0] <= t:
                        p1 = e1[i1][1]
                        i1 += 1
                    while i2 < n2 and e2[i2][0] <= t:
                        p2 = e2[i2][1]
                        i2 += 1
                    self.skip_sampling(p1, p2)
                    known = 0
                    continue
            while i1 < n1 and e1[i1][0] <= t:
                p1 = e1[i1][1]
                i1 += 1
            while i2 < n2 and e2[i2][0] <= t:
                p2 = e2[i2][1]
                i2 += 1
            out = self.step(p1, p2)
            known = 0
            if out != prev:
                for i in range(n_out):
                    if prev is None or out[i] != prev[i]:
                        out_edges[i].append((t, out[i]))
                prev = out
        return (i1, i2, ia, p1, p2, prev)

    def run(self, cycles: int, line1_in: object = 0, line2_i: object = 0) -> list[Outputs]:
        """Step ``cycles`` cycles with constant input levels; return every cycle's outputs."""
        if cycles < 0:
            raise ValueError(f"cycles must be >= 0, not {cycles!r}")
        return [self.step(line1_in, line2_i) for _ in range(cycles)]
