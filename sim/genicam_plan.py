"""Which GenICam features to exercise, with which values, and the raw values derived by hand.

Shared by the GenApi tests against a register store (``tests/test_genicam.py``) and against the
RTL (:mod:`sim.cocotb_genicam`). The conversions follow docs/spec/SEMANTICS.md, "Units and
registers": cycles = round(us * clock_hz / 1e6), period = round(clock_hz / Hz),
qN = round(x * 2**N), enum entries by value, booleans as 0/1; period_qN (docs/semantics.md,
a byte time) = round(clock_hz * 2**N / rate).
"""

from __future__ import annotations

from regmap import Access, Field, Interface, RegisterMap

__all__ = [
    "command_features",
    "event_features",
    "hand_raw",
    "raw_to_value",
    "read_only_features",
    "rw_features",
    "values_to_write",
]


# -- which features -------------------------------------------------------------------------
def rw_features(rmap: RegisterMap) -> list[str]:
    """Read-write features (commands excluded): written and read back."""
    return [
        n
        for n, (_, f) in rmap.features.items()
        if f.access is Access.RW and f.feature.interface is not Interface.COMMAND
    ]


def read_only_features(rmap: RegisterMap) -> list[str]:
    """Features driven by the hardware (RO or RC)."""
    return [n for n, (_, f) in rmap.features.items() if f.access in (Access.RO, Access.RC)]


def command_features(rmap: RegisterMap) -> list[str]:
    return [n for n, (_, f) in rmap.features.items() if f.feature.interface is Interface.COMMAND]


def event_features(rmap: RegisterMap) -> list[str]:
    """Write-1-to-clear/set event bits."""
    return [n for n, (_, f) in rmap.features.items() if f.access in (Access.W1C, Access.W1S)]


# -- which values ---------------------------------------------------------------------------
def values_to_write(f: Field) -> list:
    """Values to write: every enum entry, True/False, or min, max and a middle value (for an
    Integer, the middle value on its ``min + k * inc`` grid)."""
    if f.enum:
        return [e.name for e in f.enum]
    if f.feature.interface is Interface.BOOLEAN:
        return [True, False]
    lo = f.min if f.min is not None else 0
    hi = f.max if f.max is not None else (1 << f.width) - 1
    if f.feature.interface is Interface.INTEGER:
        mid = int(lo) + (int(hi) - int(lo)) // 2 // f.inc * f.inc
        return [int(lo), int(hi), mid]
    return [lo, hi, (lo + hi) / 2]


# -- hand-derived raw values ----------------------------------------------------------------
def hand_raw(clock: int, f: Field, value) -> int:
    """The raw field value of a feature value (docs/spec/SEMANTICS.md, "Units and registers")."""
    if f.enum:
        return next(e.value for e in f.enum if e.name == value)
    if isinstance(value, bool):
        return int(value)
    kind = f.scale.kind
    if kind == "cycles":
        return round(value * clock / 1_000_000)
    if kind == "period":
        return round(clock * 2**f.scale.frac_bits / value)
    if kind == "fixed":
        return round(value * 2**f.scale.frac_bits)
    return int(value)


def raw_to_value(clock: int, f: Field, raw: int):
    """The feature value of a raw field value (the inverse of :func:`hand_raw`)."""
    if f.enum:
        return next(e.name for e in f.enum if e.value == raw)
    if f.feature.interface is Interface.BOOLEAN:
        return bool(raw)
    kind = f.scale.kind
    if kind == "cycles":
        return raw * 1_000_000 / clock
    if kind == "period":
        return clock * 2**f.scale.frac_bits / raw
    if kind == "fixed":
        return raw / 2**f.scale.frac_bits
    return raw
