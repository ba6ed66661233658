"""Physical quantities of timing specs: units, dimensions and bound expressions."""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from regmap.diagnostics import excerpt

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
    "A": Unit("current", 1e3),
    "mA": Unit("current", 1.0),
    "uA": Unit("current", 1e-3),
    "µA": Unit("current", 1e-3),
    "ohm": Unit("resistance", 1.0),
    "Ω": Unit("resistance", 1.0),
    "kohm": Unit("resistance", 1e3),
    "kΩ": Unit("resistance", 1e3),
    "%": Unit("percent", 1.0),
}

DIMENSION_UNITS = {
    "time": "s, ms, us (µs), ns, cycle(s)",
    "frequency": "Hz, kHz, MHz",
    "voltage": "V, mV",
    "current": "A, mA, uA (µA)",
    "resistance": "ohm (Ω), kohm (kΩ)",
    "count": "a plain number",
    "percent": "%",
}

BASE_UNIT = {
    "time": "us",
    "frequency": "Hz",
    "voltage": "V",
    "current": "mA",
    "resistance": "ohm",
    "count": "",
    "percent": "%",
}


class UnitError(ValueError):
    """A quantity's unit is unknown or of the wrong dimension."""


class ExpressionError(ValueError):
    """A bound expression uses a name or construct that is not allowed."""

    def __init__(self, message: str, name: str = ""):
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Quantity:
    """A value in base units (µs, Hz, V, mA, Ω, count, %) with the unit it was written in."""

    value: float
    dimension: str
    unit: str = ""

    def __str__(self) -> str:
        return format_value(self.value, self.dimension, self.unit)


_TRAILING = re.compile(r"^(?P<num>.*?)\s*(?P<unit>[A-Za-zµΩ%]+)\s*$", re.S)
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


MAX_EXPRESSION_LENGTH = 500
"""The longest bound expression, in characters."""
MAX_EXPRESSION_NODES = 500
"""The most syntax-tree nodes (operators, operands, calls) in one expression."""
MAX_EXPRESSION_DEPTH = 32
"""The deepest nesting of operators and calls in one expression."""
EXPRESSION_MAX = 1e15
"""Every number in an expression, and every intermediate result, is at most this in magnitude
(1e15 µs is 31 years; the map's own numbers are far below)."""

# name: (function, fewest arguments, most arguments)
_FUNCS: dict[str, tuple[Callable[..., float], int, int]] = {
    "max": (max, 2, 64),
    "min": (min, 2, 64),
    "abs": (abs, 1, 1),
    "ceil": (math.ceil, 1, 1),
    "floor": (math.floor, 1, 1),
    "round": (round, 1, 1),
}
_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}
_HELP = "numbers, names, Name[Selector], + - * / // %, max/min/abs/ceil/floor/round"


def _shape(tree: ast.AST) -> None:
    """Refuse an expression with too many nodes or too deep a nesting, before evaluating it."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_EXPRESSION_NODES:
            raise ExpressionError(f"the expression has more than {MAX_EXPRESSION_NODES} parts")
        if depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionError(f"the expression nests deeper than {MAX_EXPRESSION_DEPTH} levels")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _finite(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value) or abs(value) > EXPRESSION_MAX:
        raise ExpressionError(f"{what} is out of range (at most {EXPRESSION_MAX:g} in magnitude)")
    return value


def evaluate(text: str, lookup: Callable[[str, str | None], float]) -> float:
    """Evaluate an arithmetic expression; ``lookup(name, selector)`` resolves names.

    Every number and every intermediate result is a finite float of at most
    :data:`EXPRESSION_MAX` in magnitude; anything else is an :class:`ExpressionError`, as are
    expressions longer, larger or deeper than the limits above.
    """
    text = text.strip()
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long, more than {MAX_EXPRESSION_LENGTH}"
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        shown = excerpt(text, 60)
        raise ExpressionError(f"'{shown}' is not a valid expression ({exc.msg})") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the expression is too complex to parse") from None
    _shape(tree)

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            if isinstance(node.value, bool):
                raise ExpressionError("booleans are not numbers in an expression")
            if isinstance(node.value, int) and node.value.bit_length() > 64:
                raise ExpressionError(f"the number {excerpt(text_of(node), 40)} is out of range")
            return _finite(node.value, f"the number {text_of(node)}")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = ev(node.left), ev(node.right)
            try:
                value = _BINOPS[type(node.op)](left, right)
            except ZeroDivisionError:
                raise ExpressionError(f"division by zero in '{text_of(node)}'") from None
            except OverflowError:
                value = math.inf
            return _finite(value, f"'{text_of(node)}'")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.Name):
            return _finite(lookup(node.id, None), f"'{node.id}'")
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Name)
        ):
            return _finite(lookup(node.value.id, node.slice.id), f"'{text_of(node)}'")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            name = node.func.id
            if name not in _FUNCS:
                raise ExpressionError(f"unknown function '{name}'", name=name)
            fn, fewest, most = _FUNCS[name]
            n = len(node.args)
            if not fewest <= n <= most or any(isinstance(a, ast.Starred) for a in node.args):
                want = f"{fewest}" if fewest == most else f"{fewest} to {most}"
                raise ExpressionError(
                    f"{name}() takes {want} argument{'s' if most > 1 else ''}, not {n}"
                )
            return _finite(fn(*(ev(a) for a in node.args)), f"'{text_of(node)}'")
        raise ExpressionError(f"'{text_of(node)}' is not allowed in an expression ({_HELP})")

    def text_of(node: ast.AST) -> str:
        return excerpt(ast.get_source_segment(text, node) or ast.unparse(node), 60)

    return ev(tree)


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
    if dimension == "resistance":
        return f"{value:.4g} Ω"
    if dimension == "current":
        return f"{value * 1e3:.4g} µA" if abs(value) < 1 and value else f"{value:.4g} mA"
    mag = abs(value)
    for factor, name in _TIME_STEPS:
        if mag >= factor or factor == 1e-3:
            return f"{value / factor:.7g} {name}"
    return f"{value:g} µs"  # pragma: no cover - unreachable
