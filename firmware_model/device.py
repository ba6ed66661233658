"""The firmware model as a live camera: the backend of the GigE Vision device (``camtwin serve``).

:class:`FirmwareBackend` wraps :class:`~firmware_model.model.CameraModel` and a renderer. The
device that owns it (``gige.Device``) maps the wall clock to cycles and calls :meth:`advance`;
the model runs event-driven up to that cycle (idle stretches cost one jump), applying a
scenario's timed writes and Line1/Line2 edges (times from the start of serving, optionally
repeating) and the pin levels that callers drive live with :meth:`set_line`.

A frame leaves when the model says it is read out (its ``readout_end`` event, cycle
``t0 + E + R(H)`` of a frame started in ``t0``, docs/semantics.md) with the image settings
latched at its start; its pixels (:mod:`firmware_model.render`) are rendered when first read
(outside :meth:`advance`), from what the renderer built at the frame start (the scene or test
pattern, the pipeline's table: once per configuration), and its timestamp is ``t0``.

It implements ``gige.backend.Backend`` structurally (this package never imports ``gige``).
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from regmap import RegisterMap

from .bank import BusError
from .ffc import NonUniformity
from .model import CameraModel
from .registers import RegisterFile
from .render import PFNC, ImageSettings, Renderer
from .scenario import Scenario
from .simulate import Write, _apply

__all__ = ["DeviceFrame", "FirmwareBackend", "LiveInputs"]

_INF = float("inf")


@dataclass
class DeviceFrame:
    """A frame as it leaves the camera (``gige.backend.ImageBlock``).

    Its pixels are rendered when :attr:`data` is first read (by the device as it hands the
    frame to its sender, outside the lock that serialises the backend's calls, and never for a
    frame whose stream channel is closed), with the settings latched at its frame start.
    """

    frame_id: int
    timestamp: int
    readout_end: int
    pixel_format: int
    width: int
    height: int
    offset_x: int
    offset_y: int
    settings: ImageSettings = field(repr=False, compare=False)
    renderer: Renderer = field(repr=False, compare=False)

    @classmethod
    def latched(
        cls, frame_id: int, t0: int, readout_end: int, s: ImageSettings, renderer: Renderer
    ) -> DeviceFrame:
        """The frame that started in ``t0`` with the settings ``s`` latched then."""
        return cls(
            frame_id,
            t0,
            readout_end,
            PFNC[s.pixel_format],
            s.width,
            s.height,
            s.offset_x,
            s.offset_y,
            s,
            renderer,
        )

    @functools.cached_property
    def data(self) -> bytes:
        """The pixels (PayloadSize bytes, row-major, 16-bit formats little-endian)."""
        return self.renderer.render(self.settings, self.frame_id, self.timestamp).data


class LiveInputs:
    """What the device backends (the firmware model's here, the RTL's in ``sim.serve``) share:
    the scenario's timeline (:meth:`Scenario.items`) merged with the Line1/Line2 edges that
    :meth:`set_line` schedules meanwhile, and the link rate the map sets.

    A subclass holds ``_next`` (the timeline's next item or None), ``_live`` (a heap of
    ``(cycle, seq, line, level)``), ``_seq`` (an :func:`itertools.count`), ``regs``,
    ``_features`` and ``clock_hz``, and says which ``cycle`` it is in."""

    _next: tuple[int, int, str, Any] | None
    _live: list[tuple[int, int, int, int]]
    _seq: Iterator[int]
    _features: set[str]
    regs: RegisterFile
    clock_hz: int
    cycle: int

    def _next_key(self) -> float:
        """The cycle of the next scenario item or live edge (infinity: none)."""
        k = self._next[0] if self._next is not None else _INF
        if self._live and self._live[0][0] < k:
            k = self._live[0][0]
        return k

    def set_line(self, line: int, level: int, at_cycle: int | None = None) -> None:
        """Drive Line1 (``line=1``) or Line2 (``line=2``) to ``level`` from ``at_cycle`` on."""
        if line not in (1, 2):
            raise ValueError(f"line must be 1 (Line1) or 2 (Line2), not {line!r}")
        if level not in (0, 1):
            raise ValueError(f"level must be 0 or 1, not {level!r}")
        c = self.cycle if at_cycle is None else max(int(at_cycle), self.cycle)
        heapq.heappush(self._live, (c, next(self._seq), line, int(level)))

    def stream_rate(self) -> float | None:
        """The link rate from DeviceLinkThroughputLimit when the map has it, else 1 Gb/s."""
        if "DeviceLinkThroughputLimit" in self._features:
            raw = self.regs.get_raw("DeviceLinkThroughputLimit")
            if raw > 0:
                return self.clock_hz * 65536 / raw
        return 125e6


class FirmwareBackend(LiveInputs):
    """The firmware model behind a GigE Vision device (see the module docstring)."""

    def __init__(
        self,
        rmap: RegisterMap,
        *,
        scenario: Scenario | None = None,
        seed: int = 0,
        non_uniformity: NonUniformity | None = None,
    ) -> None:
        if scenario is not None:
            rmap = scenario.rmap
        self.rmap = rmap
        self.model = CameraModel(rmap)
        self.regs = RegisterFile(rmap, self.model.bank)
        self._features = set(rmap.features)
        self._stepped = False
        self._levels = [0, 0]  # Line1, Line2 levels sampled from the current cycle on
        self._live: list[tuple[int, int, int, int]] = []  # (cycle, seq, line, level)
        self._seq = itertools.count()
        self._starts: dict[int, tuple[int, ImageSettings]] = {}  # t0 -> (frame id, settings)
        self._events_seen = 0
        self._causes_seen = 0
        self._frames = 0
        self._held: list[DeviceFrame] = []  # read out while a write ran its cycle
        self._triggers = 0
        self._overtriggers = 0
        # An ideal sensor unless a non-uniformity is given (FFCEnable then corrects it).
        self.renderer = Renderer.for_map(rmap, seed=seed, non_uniformity=non_uniformity)
        self._script: Iterator[tuple[int, int, str, Any]] = iter(())
        self._next: tuple[int, int, str, Any] | None = None
        self.scenario = scenario
        if scenario is not None:
            for w in scenario.writes:
                if w.cycle < 0:
                    _apply(self.regs, w)
            self._script = scenario.items()
            self._next = next(self._script, None)

    # -- scenario -------------------------------------------------------------------------
    def _apply_due(self, t: int) -> bool:
        """Apply the writes and pin edges due by cycle ``t``; whether a pin level changed."""
        before = tuple(self._levels)
        while self._next is not None and self._next[0] <= t:
            _key, _o, kind, data = self._next
            if kind == "write":
                _apply(self.regs, data if isinstance(data, Write) else Write(*data))
            else:
                line, level = data
                self._levels[line - 1] = level
            self._next = next(self._script, None)
        while self._live and self._live[0][0] <= t:
            _c, _s, line, level = heapq.heappop(self._live)
            self._levels[line - 1] = level
        return tuple(self._levels) != before

    # -- Backend --------------------------------------------------------------------------
    @property
    def clock_hz(self) -> int:
        return self.rmap.clock_hz

    @property
    def cycle(self) -> int:
        return self.model.cycle

    def read(self, addr: int) -> tuple[str, int]:
        if addr % 4:
            return "unaligned", 0
        try:
            return "ok", self.model.bank.read(addr)
        except BusError as exc:
            return ("unmapped" if "unmapped" in exc.reason else "error"), 0

    def write(self, addr: int, value: int) -> str:
        """A bus write performed in the current cycle ``c`` (docs/semantics.md, "Bus
        accesses"): the model simulates ``c`` first, and the new value is visible from
        ``c + 1``, as on the RTL's bus; the backend is then at ``c + 1``."""
        if addr % 4:
            return "unaligned"
        self._held = self.advance(self.model.cycle + 1)  # with the frames held before
        try:
            self.model.bank.write(addr, value & 0xFFFF_FFFF)
        except BusError as exc:
            if "unmapped" in exc.reason:
                return "unmapped"
            return "read_only" if "read-only" in exc.reason else "error"
        return "ok"

    def next_event(self) -> int | None:
        """The smallest ``until`` for which :meth:`advance` has something new to do: step a
        cycle where the model is active (a frame starts, is read out...) or an input applies."""
        if self._held:
            return self.model.cycle  # frames read out while a write ran its cycle: now
        best = self._next_key()
        if self._stepped:
            wake = self.model.next_activity()
            if wake is not None:
                best = min(best, wake)
        else:
            best = min(best, self.model.cycle)
        return None if best == _INF else int(best) + 1

    def stats(self) -> dict[str, int]:
        return {
            "frames": self._frames,
            "triggers": self._triggers,
            "overtriggers": self._overtriggers,
            "cycle": self.model.cycle,
        }

    def advance(self, until_cycle: int) -> list[DeviceFrame]:
        model = self.model
        out, self._held = self._held, []
        while model.cycle < until_cycle:
            t = model.cycle
            changed = self._apply_due(t)
            if self._stepped:
                wake = model.next_activity()
                if wake is None or wake > t:
                    if changed:
                        model.skip_sampling(*self._levels)
                        continue
                    target = min(self._next_key(), _INF if wake is None else wake, until_cycle)
                    model.skip(max(int(target), t + 1) - t)
                    continue
            model.step(*self._levels)
            self._stepped = True
            self._scan_events(out)
        return out

    # -- frames ---------------------------------------------------------------------------
    def _scan_events(self, out: list[DeviceFrame]) -> None:
        m = self.model
        events = m.events
        for e in events[self._events_seen :]:
            kind = e.kind
            if kind == "frame_start":
                self._frames += 1
                settings = ImageSettings.from_registers(self.regs)
                self._starts[e.cycle] = (self._frames, settings)
                # what the frame is rendered from is built now, not once it is read out: the
                # first frame of a new scene, pattern or format then leaves on time
                with contextlib.suppress(ValueError):  # a frame that cannot be made fails later
                    self.renderer.prepare(settings)
            elif kind == "readout_end":
                out.append(self._render(e.frame, e.cycle))
            elif kind == "overtrigger":
                self._overtriggers += 1
                self._triggers += 1
            elif kind == "trigger_lost" and e.selector == "FrameStart":
                self._triggers += 1
        causes = m.frame_causes
        self._triggers += sum(1 for c in causes[self._causes_seen :] if c.source)
        self._events_seen = len(events)
        self._causes_seen = len(causes)
        # a live device runs for hours: keep the model's records short
        if self._events_seen > 4096:
            del events[:]
            self._events_seen = 0
        if self._causes_seen > 4096:
            del causes[:]
            self._causes_seen = 0

    def _render(self, t0: int, readout_end: int) -> DeviceFrame:
        frame_id, s = self._starts.pop(t0)
        self.model.frame_images.pop(t0, None)
        return DeviceFrame.latched(frame_id, t0, readout_end, s, self.renderer)
