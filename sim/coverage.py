"""Functional coverage: configuration values written, events seen, bus corner cases hit."""

from __future__ import annotations

import json
from bisect import bisect_left
from itertools import accumulate, pairwise
from pathlib import Path

from firmware_model import OUTPUT_PINS as OUTPUTS
from firmware_model.bank import strobe_mask
from regmap import Access, Interface, RegisterMap

__all__ = ["Coverage"]

EVENTS = (
    "frame_start",
    "overtrigger",
    "trigger_lost:FrameStart",
    "trigger_lost:AcquisitionStart",
    "acquisition_done",
    "readout_end",
)
STORAGE_ONLY = ("AnalogControl", "ImageFormatControl")
"""Categories whose registers only store values: one bin per register (written)."""
IMAGE_TIMING = ("Width", "Height", "PixelFormat")
"""Image features of those categories that set PayloadSize and the frame period."""
GEOMETRY_BINS = ("below_min", "min", "grid", "off_grid", "sensor", "above_sensor")
"""Raw Width/Height classes: below the minimum, the minimum, on the increment grid inside the
sensor, off the grid, the sensor size, beyond the sensor (docs/semantics.md)."""
BYTE_TIME_BINS = ("0", "below_1", "1", "above_1")
"""Byte time classes: no limit, under one cycle per byte, exactly one, more."""
IRRELEVANT = ("cfg.LineSource[Line1]", "cfg.LineDebouncerTime[Line0]")
"""Fields that have no effect on the hardware (Line1 is always an input, Line0 an output)."""
BUS = (
    "slverr_read",
    "slverr_write",
    "partial_strobe",
    "w1c_write1",
    "w1c_write0",
    "unmapped_read",
    "unmapped_write",
    "unaligned_read",
    "unaligned_write",
    "data_top_byte",
    *(f"strobe={s:04b}" for s in range(16)),
)
"""Bus cases: SLVERR by kind and cause, every byte strobe of a performed write, a write whose
top byte lane carries data."""
USER_OUTPUT_BINS = tuple(
    f"user_output.{line}.UserOutput{k}={v}"
    for line in ("Line0", "Line2")
    for k in range(3)
    for v in (0, 1)
)
"""An output line driven by UserOutput k while UserOutputValue k differs from the other two (a
wrong selection shows), for each level."""
INVERTER_BINS = ("inverter.static_pin[Line1]", "inverter.static_pin[Line2]")
"""LineInverter changed while the debouncer time is > 0 and the pin holds still."""


def _value_bins(field, clock_hz: int) -> list[str]:
    """The legal value classes of a writable field: enum names, 0/1, or 0 / 1 / many."""
    if field.enum:
        return [e.name for e in field.enum]
    iface = field.feature.interface if field.feature else Interface.INTEGER
    if iface in (Interface.BOOLEAN, Interface.COMMAND) or field.width == 1:
        return ["0", "1"]
    lo, hi = field.raw_limits(clock_hz)
    return [b for b, ok in (("0", lo <= 0), ("1", lo <= 1 <= hi), ("many", hi > 1)) if ok]


def _classify(field, raw: int) -> str | None:
    if field.enum:
        return field.enum_name(raw)
    if field.width == 1:
        return str(raw)
    return "0" if raw == 0 else "1" if raw == 1 else "many"


CROSSES = {
    "frame.source": ("FreeRun", "Software", "Line1", "Line2", "FrequencyConverter"),
    "frame.delay": ("0", "1", "many"),
    "frame.activation": ("RisingEdge", "FallingEdge"),
    "frame.debounce": ("0", "1", "many"),
    "frame.acq_mode": ("SingleFrame", "MultiFrame", "Continuous"),
    "frame.acq_trigger": ("Off", "On"),
    "overtrigger.acquisition": ("active", "inactive"),
    "acquisition_done.mode": ("SingleFrame", "MultiFrame"),
    "frame.limit": ("exposure", "readout", "transfer", "rate"),
    "frame.line2_activation": ("RisingEdge", "FallingEdge"),
    "frame.rate_spacing": ("F",),
    "converter.input": ("Line1", "Line2"),
    "acq_start.source": ("Software", "Line1", "Line2", "FrequencyConverter"),
}
"""Crosses of model events with the configuration in force in their cycle."""


class RegisterTimeline:
    """Register values over time, rebuilt from the performed writes of a bus log."""

    def __init__(self, rmap: RegisterMap, log) -> None:
        self.rmap = rmap
        self._writes: dict[int, list[tuple[int, int, int]]] = {}
        for acc in log:
            if acc.kind == "w" and acc.ok:
                self._writes.setdefault(acc.addr, []).append((acc.cycle, acc.value, acc.strobe))
        self._history: dict[tuple[str, int], tuple] = {}

    def field(self, feature: str, t: int, index: int = 0) -> int:
        """The raw value of a (stored) feature during cycle ``t``."""
        reset, cycles, values, mask, lsb = self._history_of(feature, index)
        # The register's value after the writes in log order up to the first at or after t.
        i = bisect_left(cycles, t)
        value = values[i - 1] if i else reset
        return (value & mask) >> lsb

    def fields(self, feature: str, ts: list[int], index: int = 0) -> list[int]:
        """:meth:`field` for each of the sorted cycles ``ts`` (one pass)."""
        reset, cycles, values, mask, lsb = self._history_of(feature, index)
        out = []
        i, n = 0, len(cycles)
        for t in ts:
            while i < n and cycles[i] < t:
                i += 1
            out.append(((values[i - 1] if i else reset) & mask) >> lsb)
        return out

    def _history_of(self, feature: str, index: int) -> tuple:
        """The feature's history (:meth:`_build`), built on first use."""
        key = (feature, index)
        hist = self._history.get(key)
        if hist is None:
            hist = self._history[key] = self._build(feature, index)
        return hist

    def _build(self, feature: str, index: int):
        reg, f = self.rmap.feature(feature)
        value = reset = reg.reset_value(index)
        cycles, values = [], []
        for cycle, v, strobe in self._writes.get(reg.address_of(index), ()):
            mask = strobe_mask(strobe & 0xF)
            value = (value & ~mask) | (v & mask)
            cycles.append(cycle)
            values.append(value)
        # Running maximum: bisecting it finds the first write at or after t even out of order.
        return reset, list(accumulate(cycles, max)), values, f.mask, f.lsb


def _geometry_class(field, raw: int, sensor: int) -> str:
    lo = int(field.min) if field.min is not None else 0
    if raw < lo:
        return "below_min"
    if raw > sensor:
        return "above_sensor"
    if raw == sensor:
        return "sensor"
    if raw == lo:
        return "min"
    return "grid" if field.on_grid(raw) else "off_grid"


def _byte_time_class(raw: int) -> str:
    return "0" if raw == 0 else "below_1" if raw < 1 << 16 else "1" if raw == 1 << 16 else "above_1"


def _num(v: int) -> str:
    return "0" if v == 0 else "1" if v == 1 else "many"


class Coverage:
    """Named bins with hit counts; the bin set is derived from the register map."""

    def __init__(self, rmap: RegisterMap) -> None:
        self.rmap = rmap
        self.hits: dict[str, int] = {}
        self._fields: dict[int, list[tuple[str, object]]] = {}
        self._storage: dict[int, str] = {}
        for reg in rmap.registers:
            for i, addr in enumerate(reg.addresses):
                sel = ""
                if reg.array:
                    sel = f"[{rmap.selector(reg.array.selector).values[i].name}]"
                if reg.read_only:
                    continue  # hardware-driven (SensorWidth...): read back, nothing to write
                if all(
                    f.feature
                    and f.feature.category in STORAGE_ONLY
                    and f.feature.name not in IMAGE_TIMING
                    for f in reg.fields
                ):
                    self._storage[addr] = f"storage.{reg.name}"
                    self.hits[f"storage.{reg.name}"] = 0
                    continue
                for f in reg.fields:
                    if f.access is not Access.RW or f.feature is None:
                        continue
                    name = f"cfg.{f.feature.name}{sel}"
                    if name in IRRELEVANT:
                        continue
                    self._fields.setdefault(addr, []).append((name, f))
                    for b in self._bins(f):
                        self.hits[f"{name}={b}"] = 0
        for e in EVENTS:
            self.hits[f"event.{e}"] = 0
        for s in OUTPUTS:
            self.hits[f"toggle.{s}"] = 0
        for b in BUS:
            self.hits[f"bus.{b}"] = 0
        for k, values in CROSSES.items():
            for v in values:
                self.hits[f"{k}={v}"] = 0
        for b in (*USER_OUTPUT_BINS, *INVERTER_BINS):
            self.hits[b] = 0
        self._mapped = {a for r in rmap.registers for a in r.addresses}
        self._pulses: dict[int, list[tuple[str, object]]] = {}
        for reg in rmap.registers:
            for i, addr in enumerate(reg.addresses):
                sel = f"[{rmap.selector(reg.array.selector).values[i].name}]" if reg.array else ""
                for f in reg.fields:
                    if f.access is Access.PULSE and f.feature is not None:
                        name = f"cmd.{f.feature.name}{sel}"
                        self._pulses.setdefault(addr, []).append((name, f))
                        self.hits[name] = 0
        self._evt = rmap.register("EVENT_STATUS").address
        self._write_bins: dict[tuple[int, int, int], tuple[str, ...]] = {}

    def _bins(self, f) -> list[str]:
        name = f.feature.name
        if name in ("Width", "Height"):
            return list(GEOMETRY_BINS)
        if name == "PixelFormat":
            return [*_value_bins(f, self.rmap.clock_hz), "other"]
        if name == "DeviceLinkThroughputLimit":
            return list(BYTE_TIME_BINS)
        return _value_bins(f, self.rmap.clock_hz)

    def _classify(self, f, raw: int) -> str | None:
        name = f.feature.name
        if name in ("Width", "Height"):
            return _geometry_class(f, raw, self.rmap.constant(f"Sensor{name}"))
        if name == "PixelFormat":
            return f.enum_name(raw) or "other"
        if name == "DeviceLinkThroughputLimit":
            return _byte_time_class(raw)
        return _classify(f, raw)

    def hit(self, name: str, n: int = 1) -> None:
        """Count a hit of a bin (unknown names are added, so nothing is lost)."""
        self.hits[name] = self.hits.get(name, 0) + n

    def sample_bus(self, log) -> None:
        """Configuration values and commands from performed writes; bus corner cases."""
        hits = self.hits
        memo = self._write_bins
        for acc in log:
            if not acc.ok:
                kind = "read" if acc.kind == "r" else "write"
                self.hit(f"bus.slverr_{kind}")
                if acc.addr % 4:
                    self.hit(f"bus.unaligned_{kind}")
                elif acc.addr not in self._mapped:
                    self.hit(f"bus.unmapped_{kind}")
                continue
            if acc.kind != "w":
                continue
            key = (acc.addr, acc.value, acc.strobe)
            bins = memo.get(key)
            if bins is None:
                if len(memo) >= 4096:  # a seed's raw writes are mostly new words
                    memo.clear()
                bins = memo[key] = self._write_bins_of(*key)
            for b in bins:
                hits[b] = hits.get(b, 0) + 1

    def _write_bins_of(self, addr: int, value: int, strobe: int) -> tuple[str, ...]:
        """The bins a performed write of ``value`` with ``strobe`` to ``addr`` hits."""
        bins = [f"bus.strobe={strobe & 0xF:04b}"]
        if strobe & 8 and value >> 24:
            bins.append("bus.data_top_byte")
        if strobe != 0xF:
            bins.append("bus.partial_strobe")
        if addr in self._storage:
            bins.append(self._storage[addr])
        if addr == self._evt:
            bins.append("bus.w1c_write1" if value & 7 else "bus.w1c_write0")
        for name, f in self._fields.get(addr, ()):
            b = self._classify(f, (value & f.mask) >> f.lsb)
            if b is not None:
                bins.append(f"{name}={b}")
        for name, f in self._pulses.get(addr, ()):
            if value & f.mask:
                bins.append(name)
        return tuple(bins)

    def sample(self, scenario, res) -> None:
        """Sample one co-simulation result (bus log, model events, RTL output toggles)."""
        self.sample_bus(res.bus_log)
        tl = RegisterTimeline(self.rmap, res.bus_log)
        active = res.rtl.get("acquisition_active", [])
        for ev in getattr(res.model_final, "events", ()):
            self.hit(f"event.{ev.kind}{':' + ev.selector if ev.selector else ''}")
            self._sample_event(tl, ev, active)
        for name, edges in res.rtl.items():
            if len(edges) > 1:
                self.hit(f"toggle.{name}")
        self._sample_user_outputs(tl, res.bus_log)
        self._sample_inverter(tl, res.bus_log, getattr(scenario, "lines", {}) or {})
        self._sample_outputs(tl, res.rtl)
        starts = [
            e.cycle for e in getattr(res.model_final, "events", ()) if e.kind == "frame_start"
        ]
        for a, b in pairwise(starts):
            f = tl.field("AcquisitionFrameRate", b)
            if b - a == f and self._limit(tl, a) == "rate" and self._limit(tl, b) == "rate":
                self.hit("frame.rate_spacing=F")

    def _sample_user_outputs(self, tl: RegisterTimeline, log) -> None:
        """After each write: a line driven by UserOutput k whose value differs from the others."""
        ts = [c + 1 for c in sorted({a.cycle for a in log if a.kind == "w" and a.ok})]
        user = [tl.fields("UserOutputValue", ts, k) for k in range(3)]
        source = {idx: tl.fields("LineSource", ts, idx) for idx in (0, 2)}
        mode2 = tl.fields("LineMode", ts, 2)
        memo: dict[tuple[int, ...], list[str]] = {}
        hits = self.hits
        for state in zip(*user, source[0], source[2], mode2, strict=True):
            bins = memo.get(state)
            if bins is None:
                bins = memo[state] = self._user_output_bins(*state)
            for b in bins:
                hits[b] = hits.get(b, 0) + 1

    @staticmethod
    def _user_output_bins(u0: int, u1: int, u2: int, src0: int, src2: int, mode2: int) -> list:
        """The user-output bins of one configuration: a line driven by UserOutput k whose
        value differs from the two others."""
        values = (u0, u1, u2)
        bins = []
        for line, src, driven in (("Line0", src0, True), ("Line2", src2, bool(mode2))):
            if not 4 <= src <= 6 or not driven:
                continue
            k = src - 4
            if all(values[k] != values[j] for j in range(3) if j != k):
                bins.append(f"user_output.{line}.UserOutput{k}={values[k]}")
        return bins

    def _sample_inverter(self, tl: RegisterTimeline, log, lines) -> None:
        """LineInverter changes with N > 0 while the pin has no edge from 2 cycles before to
        N + 6 cycles after the write."""
        cfg = self.rmap.register("LINE_CFG")
        for idx, pin in ((1, "line1_in"), (2, "line2_i")):
            addr = cfg.address_of(idx)
            edges = sorted(c for c, _ in lines.get(pin, []))
            for acc in log:
                if acc.kind != "w" or not acc.ok or acc.addr != addr:
                    continue
                c = acc.cycle
                if tl.field("LineInverter", c, idx) == tl.field("LineInverter", c + 1, idx):
                    continue
                n = tl.field("LineDebouncerTime", c + 1, idx)
                k = bisect_left(edges, c - 2)  # the first edge at or after c - 2
                if n and not (k < len(edges) and edges[k] <= c + n + 6):
                    self.hit(f"inverter.static_pin[Line{idx}]")

    def _sample_outputs(self, tl: RegisterTimeline, rtl) -> None:
        """Converter pulses on the output lines per converter input; acquisition starts by
        an AcquisitionStart trigger per source."""
        for name, idx in (("line0_out", 0), ("line2_o", 2)):
            for c, v in rtl.get(name, ()):
                if v != 1 or tl.field("LineSource", c, idx) != 7:
                    continue
                if idx == 2 and not tl.field("LineMode", c, 2):
                    continue
                src = tl.field("FrequencyConverterInputSource", c)
                self.hit(f"converter.input={('Line1', 'Line2')[src]}")
        for c, v in rtl.get("acquisition_active", ()):
            if v == 1 and c > 0 and tl.field("TriggerMode", c - 1, 1):
                src = tl.field("TriggerSource", c - 1, 1)
                if src < 4:
                    self.hit(f"acq_start.source={CROSSES['acq_start.source'][src]}")

    def _sample_event(self, tl: RegisterTimeline, ev, active) -> None:
        t = ev.cycle
        if ev.kind == "frame_start":
            self.hit(f"frame.limit={self._limit(tl, t)}")
            mode = ("SingleFrame", "MultiFrame", "Continuous", "?")[tl.field("AcquisitionMode", t)]
            self.hit(f"frame.acq_mode={mode}")
            self.hit(f"frame.acq_trigger={('Off', 'On')[tl.field('TriggerMode', t, 1)]}")
            if not tl.field("TriggerMode", t, 0):
                self.hit("frame.source=FreeRun")
                return
            src = tl.field("TriggerSource", t, 0)
            names = CROSSES["frame.source"]
            # a trigger that entered before a raw write stored a reserved TriggerSource value
            self.hit(f"frame.source={names[src + 1] if src + 1 < len(names) else 'reserved'}")
            self.hit(f"frame.delay={_num(tl.field('TriggerDelay', t, 0))}")
            if src in (1, 2):
                act = tl.field("TriggerActivation", t, 0)
                self.hit(f"frame.activation={('RisingEdge', 'FallingEdge')[act]}")
                if src == 2:
                    self.hit(f"frame.line2_activation={('RisingEdge', 'FallingEdge')[act]}")
                self.hit(f"frame.debounce={_num(tl.field('LineDebouncerTime', t, src))}")
        elif ev.kind == "overtrigger":
            level = 0
            for c, v in active:
                if c > t:
                    break
                level = v
            self.hit(f"overtrigger.acquisition={'active' if level else 'inactive'}")
        elif ev.kind == "acquisition_done":
            mode = tl.field("AcquisitionMode", t - 1)
            if mode in (0, 1):
                self.hit(f"acquisition_done.mode={('SingleFrame', 'MultiFrame')[mode]}")

    def _limit(self, tl: RegisterTimeline, t: int) -> str:
        """Which term sets the period of a frame starting in cycle ``t``: P = max(E, R(H), Tx,
        F if enabled), effective sizes as in docs/semantics.md (ties: the first of rate,
        transfer, readout, exposure)."""
        rmap, f = self.rmap, self.rmap.feature

        def effective(name: str) -> int:
            fld = f(name)[1]
            lo = int(fld.min) if fld.min is not None else 0
            v = min(max(tl.field(name, t), lo), rmap.constant(f"Sensor{name}"))
            return lo + (v - lo) // fld.inc * fld.inc

        w, h = effective("Width"), effective("Height")
        fmt = f("PixelFormat")[1].enum_name(tl.field("PixelFormat", t))
        payload = w * h * (2 if fmt in ("Mono10", "Mono12") else 1)
        tx = -(-payload * tl.field("DeviceLinkThroughputLimit", t) >> 16)
        terms = {
            "rate": tl.field("AcquisitionFrameRate", t)
            if tl.field("AcquisitionFrameRateEnable", t)
            else 0,
            "transfer": min(tx, 2**32 - 1),
            "readout": rmap.constant("SensorReadoutOverhead") + h * rmap.constant("SensorLineTime"),
            "exposure": tl.field("ExposureTime", t),
        }
        top = max(terms.values())
        return next(k for k, v in terms.items() if v == top)

    # -- persistence and reporting ---------------------------------------------------------
    def merge_file(self, path: Path) -> None:
        """Add this object's hits to the JSON file at ``path`` (created if missing)."""
        path = Path(path)
        data = json.loads(path.read_text()) if path.exists() else {}
        for k, v in self.hits.items():
            data[k] = data.get(k, 0) + v
        path.write_text(json.dumps(data, indent=0, sort_keys=True))

    @staticmethod
    def summary(hits: dict[str, int]) -> tuple[int, int, list[str]]:
        """(bins hit, total bins, names of the bins missed)."""
        missed = sorted(k for k, v in hits.items() if v == 0)
        return len(hits) - len(missed), len(hits), missed
