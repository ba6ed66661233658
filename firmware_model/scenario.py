"""Scenario files: register writes in user units and input waveforms in µs, checked with
``file:line:col`` diagnostics (the same machinery as the register-map compiler).

Format (all times in µs, converted with ``round(us * clock_hz / 1e6)``)::

    duration: 20000                 # simulated time (required, at most MAX_CYCLES cycles)
    repeat: false                   # camtwin serve: replay writes and inputs every duration
    device:                         # optional: a slower clock, other constants
      clock_hz: 1_000_000
      constants: {SensorLineTime: 10, SensorReadoutOverhead: 100}
    setup:                          # writes performed before cycle 0, in order
      - {feature: ExposureTime, value: 1000}
      - {feature: TriggerMode, value: "On", selectors: {TriggerSelector: FrameStart}}
      - {execute: AcquisitionStart}
    writes:                         # timed writes
      - {at: 5000, execute: TriggerSoftware, selectors: {TriggerSelector: FrameStart}}
    inputs:
      line1: [[100, 1], [2100, 0]]  # (time, level) edges; pins start low
      line2: {start: 100, period: 488.28125, width: 50, count: 20}   # a pulse train
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node

from regmap import Interface, RegisterMap
from regmap.diagnostics import DiagnosticsError
from regmap.loader import MAX_CLOCK_HZ, MAX_CONSTANT
from regmap.yamlsource import Context, Invalid, Reader, parse, read_source

from .registers import RegisterFile
from .simulate import Result, Write, simulate

__all__ = [
    "MAX_CYCLES",
    "MAX_PULSES",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "loads_scenario",
]

MAX_PULSES = 10_000
"""The most pulses of one pulse train (``count``)."""

MAX_CYCLES = 2**32
"""The longest ``duration``, in cycles (34.4 s at the camera's 125 MHz).

The event-driven model's cost grows with activity, not with time: an idle stretch costs one
step whatever its length, each frame about four steps, and each input edge or write a few.
Inputs and writes are bounded by the file (a pulse train must start its last pulse before the
end), so the duration matters through free-running frames, one per frame period (at least the
readout time R(H) of the smallest Height, 10 600 + 2 * 600 = 11 800 cycles for the camera):
2**32 cycles are at most 363 981 frames (6 872 at full height, simulated in 0.8 s on a loaded
2-core machine; 9.2 s measured for the smallest region of interest). It is
also the range of the hardware's 32-bit counters (the converter's period counter saturates at
2**32 - 1). A free-running 1e12 µs scenario (1.25e14 cycles, 2.5e7 frames) would run for tens
of minutes.
"""


class ScenarioError(DiagnosticsError):
    """A scenario file has errors; carries every diagnostic (``file:line:col``)."""


@dataclass
class Scenario:
    """A checked scenario, resolved to cycles of ``rmap`` (with the device overrides applied)."""

    rmap: RegisterMap
    cycles: int
    writes: list[Write] = field(default_factory=list)
    line1: list[tuple[int, int]] = field(default_factory=list)
    line2: list[tuple[int, int]] = field(default_factory=list)
    source: str = ""
    repeat: bool = False
    """Replay the timed writes and the inputs every ``cycles`` (a live device, ``camtwin
    serve``); a simulation runs one period."""

    def run(self, mode: str = "event") -> Result:
        """Simulate the scenario."""
        return simulate(
            self.rmap,
            self.cycles,
            line1=self.line1,
            line2=self.line2,
            writes=self.writes,
            mode=mode,
        )

    def us(self, cycles: int) -> float:
        """Cycles of this scenario's clock to µs."""
        return cycles * 1e6 / self.rmap.clock_hz

    def items(self) -> Iterator[tuple[int, int, str, Any]]:
        """The timed writes and pin edges as ``(key, order, kind, data)`` in time order, forever
        if the scenario repeats (every ``cycles``): what a live device (the model's or the
        RTL's) applies as its clock advances.

        ``key`` is the cycle before whose step the item applies: a pin edge at ``c`` is sampled
        in cycle ``c``; a write performed in cycle ``c`` takes effect from ``c + 1``. At the same
        key, writes (``order`` 0, ``kind`` ``"write"``, ``data`` the :class:`Write`) come before
        pin edges (``order`` 1, ``kind`` ``"pin"``, ``data`` ``(line, level)``). Setup writes
        (``cycle < 0``) are not items: they are performed before cycle 0.
        """
        items: list[tuple[int, int, str, Any]] = []
        for w in self.writes:
            if w.cycle >= 0:
                items.append((w.cycle + 1, 0, "write", w))
        for line, edges in ((1, self.line1), (2, self.line2)):
            for c, level in edges:
                items.append((c, 1, "pin", (line, level)))
        items.sort(key=lambda i: (i[0], i[1]))
        if not items:
            return
        for k in itertools.count():
            base = k * self.cycles
            for key, order, kind, data in items:
                yield key + base, order, kind, data
            if not self.repeat:
                return


class _Builder:
    def __init__(self, ctx: Context, rmap: RegisterMap) -> None:
        self.ctx = ctx
        self.r = Reader(ctx)
        self.rmap = rmap
        self.regs = RegisterFile(rmap, _NullBus())

    def micros(self, node: Node, what: str) -> float:
        us = float(self.r.number(node, what))
        if not math.isfinite(us) or us < 0:
            self.ctx.error(node, f"{what} must be a time >= 0 in µs, not {us!r}")
            raise Invalid
        return us

    def cycles(self, node: Node, what: str) -> int:
        return round(self.micros(node, what) * self.rmap.clock_hz / 1e6)

    def device(self, node: Node) -> None:
        keys = self.r.mapping(node, "device", (), ("clock_hz", "constants"))
        changes: dict[str, Any] = {}
        if "clock_hz" in keys:
            with contextlib.suppress(Invalid):
                changes["clock_hz"] = self.r.integer(
                    keys["clock_hz"][1], "clock_hz", 1, MAX_CLOCK_HZ
                )
        if "constants" in keys:
            consts: dict[str, int] = {}
            with contextlib.suppress(Invalid):
                m = self.r.mapping(
                    keys["constants"][1], "constants", (), tuple(self.rmap.device.constants)
                )
                for name, (_k, v) in m.items():
                    with contextlib.suppress(Invalid):
                        consts[name] = self.r.integer(v, f"constant {name}", 1, MAX_CONSTANT)
            if consts:
                changes["constants"] = consts
        if changes:
            self.rmap = self.rmap.with_device(**changes)

    def write(self, node: Node, timed: bool) -> Write:
        what = "a timed write" if timed else "a setup write"
        keys = self.r.mapping(
            node, what, ("at",) if timed else (), ("feature", "execute", "value", "selectors")
        )
        cycle = self.cycles(keys["at"][1], "at") if timed and "at" in keys else -1
        if ("feature" in keys) == ("execute" in keys):
            self.ctx.error(node, f"{what} needs exactly one of 'feature' or 'execute'")
            raise Invalid
        execute = "execute" in keys
        _key_node, name_node = keys["execute" if execute else "feature"]
        name = self.r.string(name_node, "feature name")
        regs = self.regs
        try:
            _reg, f = regs._feature(name)
        except KeyError as exc:
            self.ctx.error(name_node, str(exc))
            raise Invalid from None
        iface = f.feature.interface if f.feature else Interface.INTEGER
        selectors: dict[str, str] = {}
        if "selectors" in keys:
            sel = self.r.mapping(keys["selectors"][1], "selectors", (), tuple(regs._selectors))
            for sname, (_k, v) in sel.items():
                selectors[sname] = self.r.string(v, sname)
            try:
                regs.address(name, **selectors)
            except (KeyError, ValueError) as exc:
                self.ctx.error(keys["selectors"][1], str(exc))
                raise Invalid from None
        if execute or iface is Interface.COMMAND:
            if iface is not Interface.COMMAND:
                self.ctx.error(name_node, f"feature '{name}' is not a command; use 'feature'")
                raise Invalid
            if "value" in keys:
                self.ctx.error(keys["value"][0], f"command '{name}' takes no value")
                raise Invalid
            return Write(cycle, name, None, selectors)
        if "value" not in keys:
            self.ctx.error(node, f"missing required key 'value' for feature '{name}'")
            raise Invalid
        vnode = keys["value"][1]
        value: Any
        if iface is Interface.ENUMERATION:
            value = self.r.string(vnode, name)
        elif iface is Interface.BOOLEAN:
            value = self.r.boolean(vnode, name)
        else:
            value = self.r.number(vnode, name)
        try:
            regs.to_raw(name, value)
        except (TypeError, ValueError) as exc:
            self.ctx.error(vnode, str(exc))
            raise Invalid from None
        if not f.access.writable:
            self.ctx.error(name_node, f"feature '{name}' is read-only")
            raise Invalid
        return Write(cycle, name, value, selectors)

    def line(self, node: Node, name: str, end: int | None) -> list[tuple[int, int]]:
        if isinstance(node, MappingNode):
            keys = self.r.mapping(
                node, f"{name} pulse train", ("period", "width", "count"), ("start",)
            )
            start = self.r.optional(keys, "start", self.micros, "start", default=0.0)
            period = self.micros(keys["period"][1], "period") if "period" in keys else 0.0
            width = self.micros(keys["width"][1], "width") if "width" in keys else 0.0
            count = (
                self.r.integer(keys["count"][1], "count", 0, MAX_PULSES) if "count" in keys else 0
            )
            k_us = self.rmap.clock_hz / 1e6
            if not 0 < round(width * k_us) < round(period * k_us):
                self.ctx.error(node, f"{name}: need 0 < width < period, at least a cycle apart")
                raise Invalid
            if end is None:  # the duration has an error: the train cannot be bounded
                return []
            last = start + (count - 1) * period
            if count and round(last * k_us) >= end:
                self.ctx.error(
                    keys["count"][1],
                    f"{name}: pulse {count} of the train starts at {last:g} µs, at or after the "
                    f"end (duration {end / k_us:g} µs)",
                )
                raise Invalid
            out: list[tuple[int, int]] = []
            for k in range(count):
                t = start + k * period
                out += [(round(t * k_us), 1), (round((t + width) * k_us), 0)]
            return out
        edges = []
        prev = -1
        for item in self.r.sequence(node, name):
            pair = self.r.sequence(item, f"{name} edge")
            if len(pair) != 2:
                self.ctx.error(item, f"{name} edge must be [time, level], not {len(pair)} items")
                continue
            with contextlib.suppress(Invalid):
                t = self.cycles(pair[0], "edge time")
                level = self.r.choice(pair[1], "level", ["0", "1"])
                if t < prev:
                    self.ctx.error(pair[0], f"{name} edges must be in time order")
                    continue
                if end is not None and t >= end:
                    self.ctx.error(
                        pair[0],
                        f"{name} edge at {pair[0].value} µs is at or after the end "
                        f"(duration {end * 1e6 / self.rmap.clock_hz:g} µs)",
                    )
                    continue
                prev = t
                edges.append((t, int(level)))
        return edges

    def build(self, root: Node, source: str) -> Scenario | None:
        keys = self.r.mapping(
            root,
            "the scenario",
            ("duration",),
            ("device", "setup", "writes", "inputs", "description", "repeat"),
        )
        if "device" in keys:
            with contextlib.suppress(Invalid):
                self.device(keys["device"][1])
        self.regs = RegisterFile(self.rmap, _NullBus())
        cycles = self.r.optional(keys, "duration", self.cycles, "duration", default=0)
        end: int | None = cycles if "duration" in keys and not self.ctx.diagnostics else None
        if "duration" in keys and end is not None and cycles < 1:
            self.ctx.error(
                keys["duration"][1],
                f"duration must be at least one clock cycle ({1e6 / self.rmap.clock_hz:g} µs "
                f"at {self.rmap.clock_hz} Hz)",
            )
            end = None
        if cycles > MAX_CYCLES:
            hz = self.rmap.clock_hz
            self.ctx.error(
                keys["duration"][1],
                f"duration is {cycles} cycles at {hz} Hz; at most {MAX_CYCLES} cycles "
                f"({MAX_CYCLES * 1e6 / hz:g} µs) can be simulated",
            )
            end = None
        writes: list[Write] = []
        for key, timed in (("setup", False), ("writes", True)):
            if key in keys:
                with contextlib.suppress(Invalid):
                    for n in self.r.sequence(keys[key][1], key):
                        with contextlib.suppress(Invalid):
                            w = self.write(n, timed)
                            if w.cycle >= cycles:
                                self.ctx.error(n, "the write is at or after the end (duration)")
                            writes.append(w)
        lines: dict[str, list[tuple[int, int]]] = {"line1": [], "line2": []}
        if "inputs" in keys:
            with contextlib.suppress(Invalid):
                m = self.r.mapping(keys["inputs"][1], "inputs", (), ("line1", "line2"))
                for name, (_k, v) in m.items():
                    with contextlib.suppress(Invalid):
                        lines[name] = self.line(v, name, end)
        repeat = False
        if "repeat" in keys:
            with contextlib.suppress(Invalid):
                repeat = self.r.boolean(keys["repeat"][1], "repeat")
            if repeat and cycles <= 0 and "duration" in keys:
                self.ctx.error(keys["repeat"][1], "repeat needs a duration > 0 (its period)")
        if self.ctx.diagnostics:
            return None
        return Scenario(self.rmap, cycles, writes, lines["line1"], lines["line2"], source, repeat)


class _NullBus:
    """A bus that is never used: the builder only checks names and values."""

    def read(self, addr: int) -> int:
        raise RuntimeError("no bus")

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        raise RuntimeError("no bus")


def loads_scenario(text: str, rmap: RegisterMap, filename: str = "<string>") -> Scenario:
    """Check scenario YAML ``text`` against ``rmap``; raise :class:`ScenarioError` on errors."""
    ctx, root = parse(
        text, filename, "scenario", "a mapping with 'duration', 'setup', 'writes', 'inputs'"
    )
    scenario = None
    if root is not None:
        with contextlib.suppress(Invalid):  # its diagnostic is recorded
            scenario = _Builder(ctx, rmap).build(root, filename)
    if ctx.diagnostics or scenario is None:
        raise ScenarioError(ctx.diagnostics)
    return scenario


def load_scenario(path: str | Path, rmap: RegisterMap) -> Scenario:
    """Read and check a scenario file: :class:`ScenarioError` (at 1:1 if it is not UTF-8 text),
    :class:`OSError` if it cannot be read."""
    path = Path(path)
    return loads_scenario(read_source(path, ScenarioError), rmap, str(path))
