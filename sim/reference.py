"""Replay what the RTL saw (pin edges, bus accesses with their cycles) on the firmware model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from firmware_model import BusError, RegisterBank
from regmap import RegisterMap

if TYPE_CHECKING:  # sim.testbench imports cocotb; sim.native uses this module without it
    from .testbench import BusAccess

__all__ = [
    "REPLAY_START",
    "BusMismatch",
    "ReplayState",
    "advance_replay",
    "check_bus_log_against_bank",
]

Edges = list[tuple[int, int]]
ReplayState = tuple[int, int, int, int, int, Any]
"""Where a replay stopped: indices into both pin edge lists and the accesses, both pin levels
and the previous outputs (``None`` before the first step)."""
REPLAY_START: ReplayState = (0, 0, 0, 0, 0, None)


@dataclass(frozen=True)
class BusMismatch:
    """A bus access whose data or response differs between the RTL and the reference."""

    access: BusAccess
    expected_value: int
    expected_ok: bool

    def __str__(self) -> str:
        a = self.access
        what = "read" if a.kind == "r" else "write"
        exp = f"{'OKAY' if self.expected_ok else 'SLVERR'}"
        got = f"{'OKAY' if a.ok else 'SLVERR'}"
        if a.kind == "r":
            exp += f" 0x{self.expected_value:08X}"
            got += f" 0x{a.value:08X}"
        return (
            f"bus {what} at 0x{a.addr:08X} (cycle {a.cycle}{', ' + a.tag if a.tag else ''}): "
            f"expected {exp}, RTL gave {got}"
        )


def bank_access(bank, acc: BusAccess) -> tuple[int, bool]:
    """Perform one logged access on a register bank: (read value or 0, response OK)."""
    try:
        if acc.kind == "r":
            return bank.read(acc.addr), True
        bank.write(acc.addr, acc.value, acc.strobe)
        return 0, True
    except BusError:
        return 0, False


def check_access(bank, acc: BusAccess) -> BusMismatch | None:
    """Replay one access on ``bank`` and compare data and response with the RTL's."""
    value, ok = bank_access(bank, acc)
    if ok != acc.ok or (acc.kind == "r" and value != acc.value):
        return BusMismatch(acc, value, ok)
    return None


def check_bus_log_against_bank(rmap: RegisterMap, log: list[BusAccess]) -> BusMismatch | None:
    """Replay a bus log on an idle :class:`RegisterBank`; the first differing access, or None."""
    bank = RegisterBank(rmap)
    for acc in log:
        m = check_access(bank, acc)
        if m is not None:
            return m
    return None


def advance_replay(
    model,
    e1: Edges,
    e2: Edges,
    acc_cycles: list[int],
    apply: Callable[[int], None],
    until: int,
    out_edges: list[Edges],
    state: ReplayState = REPLAY_START,
    event_mode: bool = True,
) -> ReplayState:
    """Run ``model`` to cycle ``until`` with the RTL's pin edges and bus accesses
    (:meth:`firmware_model.CameraModel.replay`, compiled with the model); the replay
    shared by :class:`sim.cosim.Replay` and :func:`sim.native.replay_check`.

    ``e1``/``e2`` are the sorted ``(cycle, level)`` edges of Line1 and Line2; ``acc_cycles`` the
    (non-decreasing) cycles in which the RTL performed its bus accesses, and ``apply(i)``
    performs access ``i`` on the model: between ``step()`` ``t`` and ``t+1`` for an access in
    cycle ``t`` (docs/semantics.md). Output changes are appended to ``out_edges`` (one list per
    output, in :class:`firmware_model.Outputs` order). With ``event_mode`` idle cycles are
    jumped over with the model's ``next_activity``/``skip``; otherwise every cycle is stepped.
    Returns the state to resume from (``state``, initially :data:`REPLAY_START`).
    """
    return model.replay(e1, e2, acc_cycles, apply, until, out_edges, state, event_mode)
