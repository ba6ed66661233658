"""Compare output event lists (edges with cycle numbers) and bus reads against the reference."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Mismatch", "compare_edges", "first_mismatch", "format_edges"]

Edges = list[tuple[int, int]]


@dataclass(frozen=True)
class Mismatch:
    """The first differing event of one signal (or bus read)."""

    signal: str
    index: int
    expected: tuple[int, int] | None
    actual: tuple[int, int] | None

    def __str__(self) -> str:
        def ev(e):
            return "nothing" if e is None else f"{e[1]} at cycle {e[0]}"

        return (
            f"{self.signal}: event #{self.index}: expected {ev(self.expected)}, "
            f"RTL gave {ev(self.actual)}"
        )


def compare_edges(name: str, expected: Edges, actual: Edges) -> Mismatch | None:
    """The first event where two edge lists differ, or None."""
    for i in range(max(len(expected), len(actual))):
        e = expected[i] if i < len(expected) else None
        a = actual[i] if i < len(actual) else None
        if e != a:
            return Mismatch(name, i, e, a)
    return None


def first_mismatch(expected: dict[str, Edges], actual: dict[str, Edges]) -> Mismatch | None:
    """The earliest (by cycle) first mismatch over all signals present in both."""
    found = []
    for name in expected:
        if name in actual:
            m = compare_edges(name, expected[name], actual[name])
            if m is not None:
                found.append(m)
    if not found:
        return None
    return min(found, key=lambda m: min(x[0] for x in (m.expected, m.actual) if x is not None))


def format_edges(edges: Edges, around: int | None = None, width: int = 6) -> str:
    """A short text view of an edge list (near cycle ``around`` if given)."""
    if around is not None:
        idx = next((i for i, (c, _) in enumerate(edges) if c >= around), len(edges))
        edges = edges[max(0, idx - width) : idx + width]
    return " ".join(f"{c}:{v}" for c, v in edges) or "(none)"
