"""Scenario backends: run input edges and register writes, return per-signal edge lists.

A backend is ``backend(rmap, scenario) -> SimResult``. :func:`run_model` is the firmware
model's event-driven mode (:func:`firmware_model.simulate`): it steps only the cycles where
something can change, so a one-second trigger delay at 125 MHz costs a few hundred steps.
:func:`rtl_backend` is the RTL backend (``--rtl``): ``sim.runner.run_scenario``, the native
scenario runner of ``sim/native.py`` (Verilator or Icarus, no cocotb), which also replays each
RTL run on the firmware model and reports the first difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from firmware_model import Event, RegisterBank, RegisterFile, simulate
from regmap import RegisterMap

__all__ = [
    "Backend",
    "Edge",
    "RtlUnavailable",
    "Scenario",
    "SimResult",
    "Write",
    "config_writes",
    "rtl_backend",
    "run_model",
    "run_stepped",
]

Edge = tuple[int, int]
"""``(cycle, level)``: the level holds from that cycle on (the ``sim/`` convention)."""


@dataclass(frozen=True)
class Write:
    """A bus write applied before cycle ``cycle`` is simulated (performed in ``cycle - 1``)."""

    cycle: int
    addr: int
    value: int
    strobe: int = 0xF


@dataclass(frozen=True)
class Scenario:
    """What a backend simulates: ``cycles`` cycles, register writes and input pin edges."""

    cycles: int
    writes: tuple[Write, ...] = ()
    line1: tuple[Edge, ...] = ()
    line2: tuple[Edge, ...] = ()


@dataclass
class SimResult:
    """Per-signal edges (levels start at 0 in cycle 0), model events and effort."""

    edges: dict[str, list[Edge]]
    events: list[Event]
    cycles: int
    backend: str = "model"
    extra: dict = field(default_factory=dict)

    def event_cycles(self, kind: str) -> list[int]:
        """Cycles of the model events of one kind (``frame_start``, ``overtrigger``...)."""
        return [e.cycle for e in self.events if e.kind == kind]


Backend = Callable[[RegisterMap, Scenario], SimResult]


class _RecordingBus:
    """A bus over a register bank that records every write."""

    def __init__(self, bank: RegisterBank) -> None:
        self.bank = bank
        self.log: list[tuple[int, int, int]] = []

    def read(self, addr: int) -> int:
        """Read from the bank."""
        return self.bank.read(addr)

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        """Write to the bank and record the access."""
        self.bank.write(addr, value, strobe)
        self.log.append((addr, value, strobe))


def config_writes(
    rmap: RegisterMap,
    settings: Iterable[tuple[str, str | None, int]],
    acquisition_start: bool = True,
) -> tuple[list[Write], RegisterFile]:
    """Bus writes (all before cycle 0) for raw feature settings, then AcquisitionStart.

    Returns the writes and a register file over a bank holding the configured values.
    """
    bank = RegisterBank(rmap)
    bus = _RecordingBus(bank)
    regs = RegisterFile(rmap, bus)
    for feature, selector, raw in settings:
        reg, _f = rmap.feature(feature)
        sel = {reg.array.selector: selector} if reg.array and selector else {}
        regs.set_raw(feature, raw, **sel)
    if acquisition_start:
        regs.execute("AcquisitionStart")
    writes = [Write(0, a, v, s) for a, v, s in bus.log]
    return writes, RegisterFile(rmap, bank)


def _changes(edges: dict[str, list[Edge]]) -> dict[str, list[Edge]]:
    """Edge lists without the reset level 0 at cycle 0 (levels start at 0 by convention)."""
    return {
        name: [e for i, e in enumerate(lst) if not (i == 0 and e == (0, 0))]
        for name, lst in edges.items()
    }


def _simulate(rmap: RegisterMap, sc: Scenario, mode: str) -> SimResult:
    for name, edges in (("line1", sc.line1), ("line2", sc.line2)):
        for i in range(1, len(edges)):
            if edges[i][0] <= edges[i - 1][0]:
                raise ValueError(
                    f"{name} edge cycles must increase: {edges[i][0]} after {edges[i - 1][0]}"
                )
    # firmware_model.simulate performs a write *in* its cycle (visible from the next one);
    # a Scenario write at cycle c is visible from c: it is performed in c - 1.
    writes = [(w.cycle - 1, w.addr, w.value) for w in sc.writes]
    r = simulate(
        rmap, sc.cycles, line1=list(sc.line1), line2=list(sc.line2), writes=writes, mode=mode
    )
    return SimResult(_changes(r.edges), list(r.events), sc.cycles, "model")


def run_model(rmap: RegisterMap, scenario: Scenario) -> SimResult:
    """The firmware model's event-driven mode (:func:`firmware_model.simulate`)."""
    return _simulate(rmap, scenario, "event")


def run_stepped(rmap: RegisterMap, scenario: Scenario) -> SimResult:
    """The firmware model stepped cycle by cycle (slow; a reference for the event mode)."""
    return _simulate(rmap, scenario, "cycle")


class RtlUnavailable(Exception):
    """RTL confirmation cannot run (no simulator or no scenario runner in ``sim/``)."""


RTL_SIMULATORS = ("icarus", "verilator")


def rtl_backend(simulator: str) -> Backend:
    """A backend running scenarios on the RTL through ``sim/``, or :class:`RtlUnavailable`.

    It needs ``sim.runner.run_scenario(rmap, scenario, simulator=...)`` returning an object with
    ``edges`` (``{signal: [(cycle, level), ...]}``) and, optionally, ``events``, ``mismatch``
    (the first difference between the RTL and the firmware model replaying that run, or None;
    kept in ``SimResult.extra["mismatch"]``) and ``stats``.
    """
    if simulator not in RTL_SIMULATORS:
        raise RtlUnavailable(
            f"RTL confirmation is not available: unknown simulator '{simulator}' "
            f"(allowed: {', '.join(RTL_SIMULATORS)})"
        )
    try:
        from sim.runner import run_scenario as runner
    except ModuleNotFoundError as exc:  # an installation without the co-simulation package
        raise RtlUnavailable(f"RTL confirmation is not available: {exc}") from None

    def backend(rmap: RegisterMap, scenario: Scenario) -> SimResult:
        out = runner(rmap, scenario, simulator=simulator)
        edges = {k: list(v) for k, v in getattr(out, "edges", out).items()}
        events = list(getattr(out, "events", []))
        extra = {
            "mismatch": getattr(out, "mismatch", None),
            "stats": dict(getattr(out, "stats", {}) or {}),
        }
        return SimResult(edges, events, scenario.cycles, simulator, extra)

    return backend
