"""Physical quantities of timing specs: units, dimensions and bound expressions."""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "DIMENSION_UNITS",
    "UNITS",
    "ExpressionError",
    "Quantity",
    "UnitError",
    "evaluate",
    "format_value",
    "split_unit",
]


@dataclass(frozen=True)
class Unit:
    """A unit: its dimension and its factor to the base unit (µs, Hz, V, 1, %)."""

    dimension: str
    factor: float
    """Base units per unit; ``cycle`` is resolved with the clock (factor 0 here)."""


UNITS: dict[str, Unit] = {
    "s": Unit("time", 1e6),
    "ms": Unit("time", 1e3),
    "us": Unit("time", 1.0),
    "µs": Unit("time", 1.0),
    "ns": Unit("time", 1e-3),
    "cycle": Unit("time", 0.0),
    "cycles": Unit("time", 0.0),
    "Hz": Unit("frequency", 1.0),
    "kHz": Unit("frequency", 1e3),
    "MHz": Unit("frequency", 1e6),
    "V": Unit("voltage", 1.0),
    "mV": Unit("voltage", 1e-3),
    "%": Unit("percent", 1.0),
}

DIMENSION_UNITS = {
    "time": "s, ms, us (µs), ns, cycle(s)",
    "frequency": "Hz, kHz, MHz",
    "voltage": "V, mV",
    "count": "a plain number",
    "percent": "%",
}

BASE_UNIT = {"time": "us", "frequency": "Hz", "voltage": "V", "count": "", "percent": "%"}


class UnitError(ValueError):
    """A quantity's unit is unknown or of the wrong dimension."""


class ExpressionError(ValueError):
    """A bound expression uses a name or construct that is not allowed."""

    def __init__(self, message: str, name: str = ""):
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Quantity:
    """A value in base units (µs, Hz, V, count, %) with the unit it was written in."""

    value: float
    dimension: str
    unit: str = ""

    def __str__(self) -> str:
        return format_value(self.value, self.dimension, self.unit)


_TRAILING = re.compile(r"^(?P<num>.*?)\s*(?P<unit>[A-Za-zµ%]+)\s*$", re.S)
_NUMBER = re.compile(r"[+-]?(\d[\d_]*)?(\.\d*)?([eE][+-]?\d+)?")


def split_unit(text: str) -> tuple[str, str]:
    """``"250 us"`` -> ``("250", "us")``; an expression without a known unit keeps its text."""
    text = text.strip()
    m = _TRAILING.match(text)
    if not m or not m.group("num"):
        return text, ""
    unit = m.group("unit")
    if unit in UNITS or _NUMBER.fullmatch(m.group("num").strip()):
        # A number followed by a word: the word must be a unit (checked by the caller).
        return m.group("num").strip(), unit
    return text, ""


def to_base(value: float, unit: str, clock_hz: int) -> float:
    """``value`` in ``unit`` converted to the base unit of its dimension."""
    u = UNITS[unit]
    if unit in ("cycle", "cycles"):
        return value * 1e6 / clock_hz
    return value * u.factor


_FUNCS: dict[str, Callable[..., float]] = {
    "max": max,
    "min": min,
    "abs": abs,
    "ceil": math.ceil,
    "floor": math.floor,
    "round": round,
}
_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}


def evaluate(text: str, lookup: Callable[[str, str | None], float]) -> float:
    """Evaluate an arithmetic expression; ``lookup(name, selector)`` resolves names."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"'{text}' is not a valid expression ({exc.msg})") from None

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            if isinstance(node.value, bool):
                raise ExpressionError("booleans are not numbers in an expression")
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            try:
                return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
            except ZeroDivisionError:
                raise ExpressionError(f"division by zero in '{text}'") from None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Name):
            return lookup(node.id, None)
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Name)
        ):
            return lookup(node.value.id, node.slice.id)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            fn = _FUNCS.get(node.func.id)
            if fn is None:
                raise ExpressionError(f"unknown function '{node.func.id}'", name=node.func.id)
            return fn(*(ev(a) for a in node.args))
        raise ExpressionError(
            f"'{ast.unparse(node)}' is not allowed in an expression "
            "(numbers, names, Name[Selector], + - * / // %, max/min/abs/ceil/floor/round)"
        )

    value = ev(tree)
    return float(value)


_TIME_STEPS = ((1e6, "s"), (1e3, "ms"), (1.0, "µs"), (1e-3, "ns"))


def format_value(value: float, dimension: str, unit: str = "") -> str:
    """A readable value: times in s/ms/µs/ns, frequencies in Hz, counts as integers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if dimension == "count":
        return f"{value:g}" if value != int(value) else f"{int(value)}"
    if dimension == "percent":
        return f"{value:g} %"
    if dimension == "frequency":
        return f"{value:.6g} Hz"
    if dimension == "voltage":
        return f"{value:.4g} V"
    mag = abs(value)
    for factor, name in _TIME_STEPS:
        if mag >= factor or factor == 1e-3:
            return f"{value / factor:.7g} {name}"
    return f"{value:g} µs"  # pragma: no cover - unreachable
