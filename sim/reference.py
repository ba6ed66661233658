"""Replay what the RTL saw (pin edges, bus accesses with their cycles) on the firmware model."""

from __future__ import annotations

from dataclasses import dataclass

from firmware_model import BusError, RegisterBank
from regmap import RegisterMap

from .testbench import BusAccess

__all__ = ["BusMismatch", "check_bus_log_against_bank"]


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
