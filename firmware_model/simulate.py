"""Run the camera model on plain-data stimulus, cycle by cycle or event-driven.

Stimulus: input edges per line as ``(cycle, level)`` pairs (lists or ``(n, 2)`` numpy arrays;
``pin[t] = level`` from that cycle on, 0 before the first edge) and register writes as
``(cycle, target, value)`` or ``(cycle, target, value, {selector: name})``. ``target`` is a
feature name (value in user units, ``None`` to execute a command) or a bus address (raw 32-bit
word). A write at cycle ``c`` is *performed* in cycle ``c`` (docs/semantics.md): it affects the
model from cycle ``c+1``; ``c = -1`` configures the camera before cycle 0.

The event-driven mode steps only the cycles where something can happen and jumps over the rest
(:meth:`CameraModel.next_activity` / :meth:`CameraModel.skip`); it produces exactly the same
edges and events as the cycle mode.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from regmap import RegisterMap

from .model import CameraModel, Event, FrameCause, Outputs
from .registers import RegisterFile

__all__ = ["INPUT_SIGNALS", "SIGNALS", "Result", "Write", "simulate"]

INPUT_SIGNALS = ("line1_in", "line2_i")
SIGNALS = INPUT_SIGNALS + Outputs._fields
"""Every recorded signal: the two input pins then the model outputs (``line_status`` is 3 bits)."""


@dataclass(frozen=True)
class Write:
    """A register write performed in ``cycle``: a feature in user units or a raw bus word."""

    cycle: int
    target: str | int
    value: Any = None
    selectors: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Result:
    """Simulation output: per-signal edge lists, events and final counters."""

    cycles: int
    clock_hz: int
    edges: dict[str, list[tuple[int, int]]]
    """``{signal: [(cycle, level), ...]}``, starting with the level at cycle 0."""
    events: list[Event]
    counters: dict[str, int]
    mode: str = "event"
    frame_causes: list[FrameCause] = field(default_factory=list)
    """What started each frame (:class:`~firmware_model.model.FrameCause`), in order."""

    def level(self, signal: str, cycle: int) -> int:
        """The level of ``signal`` during ``cycle``."""
        edges = self.edges[signal]
        i = bisect.bisect_right(edges, (cycle, float("inf"))) - 1
        return edges[i][1] if i >= 0 else 0

    def pulses(self, signal: str) -> list[int]:
        """Cycles where ``signal`` becomes 1 (including cycle 0 if it starts high)."""
        return [c for c, v in self.edges[signal] if v]

    def event_cycles(self, kind: str) -> list[int]:
        """Cycles of the events of one kind."""
        return [e.cycle for e in self.events if e.kind == kind]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "cycles": self.cycles,
            "clock_hz": self.clock_hz,
            "mode": self.mode,
            "edges": {k: [list(e) for e in v] for k, v in self.edges.items()},
            "events": [
                {
                    "cycle": e.cycle,
                    "kind": e.kind,
                    **({"selector": e.selector} if e.selector else {}),
                }
                for e in self.events
            ],
            "counters": dict(self.counters),
            "frame_causes": [c._asdict() for c in self.frame_causes],
        }


def _edges(name: str, data: Any) -> list[tuple[int, int]]:
    if data is None:
        return []
    if isinstance(data, np.ndarray):
        if data.size == 0:
            return []
        if data.ndim != 2 or data.shape[1] != 2 or data.dtype.kind not in "iub":
            raise TypeError(
                f"{name} must be an (n, 2) integer array of (cycle, level), not {data.dtype} "
                f"{data.shape}"
            )
        if (data[:, 0] < 0).any():
            raise ValueError(f"{name} edge cycle must be an integer >= 0, not {data[:, 0].min()}")
        if ((data[:, 1] != 0) & (data[:, 1] != 1)).any():
            raise ValueError(f"{name} edge level must be 0 or 1")
        order = np.argsort(data[:, 0], kind="stable")
        return _last_per_cycle([(int(c), int(v)) for c, v in data[order].tolist()])
    try:
        rows = list(data)
    except TypeError:
        raise TypeError(
            f"{name} must be a sequence of (cycle, level) pairs, not {data!r}"
        ) from None
    out: list[tuple[int, int]] = []
    for row in rows:
        try:
            cycle, level = row
        except (TypeError, ValueError):
            raise TypeError(f"{name} edges must be (cycle, level) pairs, not {row!r}") from None
        if isinstance(cycle, float) and cycle.is_integer():
            cycle = int(cycle)
        if not isinstance(cycle, int) or isinstance(cycle, bool) or cycle < 0:
            raise ValueError(f"{name} edge cycle must be an integer >= 0, not {cycle!r}")
        if level not in (0, 1):
            raise ValueError(f"{name} edge level must be 0 or 1, not {level!r}")
        out.append((cycle, int(level)))
    out.sort(key=lambda e: e[0])
    return _last_per_cycle(out)


def _last_per_cycle(edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Several edges in one cycle: the pin is sampled once, the last level counts."""
    out: list[tuple[int, int]] = []
    for e in edges:
        if out and out[-1][0] == e[0]:
            out[-1] = e
        else:
            out.append(e)
    return out


def _writes(data: Iterable[Any] | None) -> list[Write]:
    out: list[Write] = []
    for w in data or ():
        if not isinstance(w, Write):
            if not isinstance(w, Sequence) or not 2 <= len(w) <= 4:
                raise TypeError(f"a write must be (cycle, target, value[, selectors]), not {w!r}")
            w = Write(*w)  # type: ignore[arg-type]
        if not isinstance(w.cycle, int) or isinstance(w.cycle, bool) or w.cycle < -1:
            raise ValueError(f"write cycle must be an integer >= -1, not {w.cycle!r}")
        if not isinstance(w.target, str | int) or isinstance(w.target, bool):
            raise TypeError(f"write target must be a feature name or address, not {w.target!r}")
        out.append(w)
    out.sort(key=lambda w: w.cycle)
    return out


def _apply(regs: RegisterFile, w: Write) -> None:
    if isinstance(w.target, int):
        regs.bus.write(w.target, w.value)
        return
    sel = dict(w.selectors)
    if w.value is None:
        regs.execute(w.target, **sel)
    else:
        regs.set(w.target, w.value, **sel)


def simulate(
    rmap: RegisterMap,
    cycles: int,
    *,
    line1: Any = (),
    line2: Any = (),
    writes: Iterable[Any] | None = (),
    mode: str = "event",
) -> Result:
    """Simulate ``cycles`` clock cycles and return every edge and event."""
    if not isinstance(cycles, int) or isinstance(cycles, bool) or cycles < 0:
        raise ValueError(f"cycles must be an integer >= 0, not {cycles!r}")
    if mode not in ("event", "cycle"):
        raise ValueError(f"mode must be 'event' or 'cycle', not {mode!r}")
    e1 = _edges("line1", line1)
    e2 = _edges("line2", line2)
    ws = _writes(writes)
    model = CameraModel(rmap)
    regs = RegisterFile(rmap, model.bank)
    edges: dict[str, list[tuple[int, int]]] = {name: [] for name in SIGNALS}
    names = Outputs._fields
    out_edges = [edges[n] for n in names]

    i1 = i2 = iw = 0
    n1, n2, nw = len(e1), len(e2), len(ws)
    p1 = p2 = 0
    prev: tuple | None = None
    event_mode = mode == "event"
    inf = cycles + 1
    step = model.step
    while True:
        t = model.cycle
        # Writes performed in earlier cycles take effect now.
        while iw < nw and ws[iw].cycle < t:
            _apply(regs, ws[iw])
            iw += 1
        if t >= cycles:
            break
        if event_mode and prev is not None:
            t_in = e1[i1][0] if i1 < n1 else inf
            if i2 < n2 and e2[i2][0] < t_in:
                t_in = e2[i2][0]
            t_w = ws[iw].cycle + 1 if iw < nw else inf
            wake = model.next_activity()
            if wake is None:
                wake = inf
            if wake > t:
                target = min(t_in, t_w, wake, cycles)
                if target > t:
                    model.skip(target - t)
                    t = target
                    while iw < nw and ws[iw].cycle < t:
                        _apply(regs, ws[iw])
                        iw += 1
                    if t >= cycles:
                        break
                if t == t_in and t < t_w and t < wake:
                    # the step of cycle t would only sample the new pin levels
                    while i1 < n1 and e1[i1][0] <= t:
                        lv = e1[i1][1]
                        if lv != p1:
                            p1 = lv
                            edges["line1_in"].append((t, lv))
                        i1 += 1
                    while i2 < n2 and e2[i2][0] <= t:
                        lv = e2[i2][1]
                        if lv != p2:
                            p2 = lv
                            edges["line2_i"].append((t, lv))
                        i2 += 1
                    model.skip_sampling(p1, p2)
                    continue
        # Input levels of cycle t.
        while i1 < n1 and e1[i1][0] <= t:
            lv = e1[i1][1]
            if lv != p1:
                p1 = lv
                edges["line1_in"].append((e1[i1][0], lv))
            i1 += 1
        while i2 < n2 and e2[i2][0] <= t:
            lv = e2[i2][1]
            if lv != p2:
                p2 = lv
                edges["line2_i"].append((e2[i2][0], lv))
            i2 += 1
        out = step(p1, p2)
        if out != prev:
            if prev is None:
                for lst, v in zip(out_edges, out, strict=True):
                    lst.append((t, v))
            else:
                for lst, v, pv in zip(out_edges, out, prev, strict=True):
                    if v != pv:
                        lst.append((t, v))
            prev = out
    for name in INPUT_SIGNALS:
        if not edges[name] or edges[name][0][0] != 0:
            edges[name].insert(0, (0, 0))
    c = model.counters
    return Result(
        cycles=cycles,
        clock_hz=rmap.clock_hz,
        edges=edges,
        events=list(model.events),
        counters={
            "FrameCount": c.frames,
            "TriggerLostCount": c.lost,
            "OvertriggerCount": c.overtriggers,
        },
        mode=mode,
        frame_causes=list(model.frame_causes),
    )
