"""Compiler-style diagnostics: ``file:line:col``, the offending line, a caret, what is allowed."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .model import SourceLoc

__all__ = [
    "MAX_SHOWN",
    "Diagnostic",
    "DiagnosticsError",
    "RegmapError",
    "UnsupportedMap",
    "closest",
    "did_you_mean",
    "excerpt",
]

EXCERPT = 100
"""The most characters of an input line (or of a value quoted in a message) a message shows."""
MAX_SHOWN = 50
"""The most diagnostics rendered; the rest are counted."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LONG_WORD = re.compile(r"\S{" + str(EXCERPT + 1) + ",}")


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """``text`` with control characters shown as ``\\xNN`` and cut to ``limit`` characters
    (an ellipsis marks the cut): a quoted value never floods the terminal."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean_message(text: str) -> str:
    """A message with every over-long run of non-blank characters cut, and at most a few lines
    of reasonable length."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
    text = _LONG_WORD.sub(lambda m: m.group(0)[: EXCERPT - 1] + "…", text)
    return text if len(text) <= 4 * EXCERPT else text[: 4 * EXCERPT - 1] + "…"


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (a close spelling, else the same letters in another
    case), or None."""
    if len(word) > EXCERPT:
        return None
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = closest(word, choices)
    return f"; did you mean '{close}'?" if close else ""


@dataclass(frozen=True)
class Diagnostic:
    """One error found in a register map."""

    loc: SourceLoc
    message: str
    allowed: str = ""
    length: int = 1
    """Characters to underline, starting at the column."""
    source_line: str = ""

    def render(self) -> str:
        out = [f"{self.loc}: error: {_clean_message(self.message)}"]
        if self.source_line:
            line, col, length = _window(self.source_line.rstrip("\n"), self.loc.col, self.length)
            gutter = f"{self.loc.line:>5} | "
            out.append(gutter + line)
            pad = " " * (len(gutter) - 2) + "| " + " " * (col - 1)
            out.append(pad + "^" + "~" * max(0, length - 1))
        if self.allowed:
            out.append(f"      = allowed: {_clean_message(self.allowed)}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


def _window(line: str, col: int, length: int) -> tuple[str, int, int]:
    """At most :data:`EXCERPT` characters of ``line`` around column ``col`` (1-based), the
    column and underline length within them; control characters show as ``?``."""
    line = _CONTROL.sub("?", line.expandtabs(1))
    if len(line) <= EXCERPT:
        return line, col, max(1, min(length, len(line) - col + 1))
    start = max(0, min(col - 1 - EXCERPT // 4, len(line) - EXCERPT))
    window = line[start : start + EXCERPT]
    col -= start
    if start > 0:
        window = "…" + window[1:]
    if start + EXCERPT < len(line):
        window = window[:-1] + "…"
    return window, col, max(1, min(length, EXCERPT - col))


class DiagnosticsError(Exception):
    """An input file failed to compile; carries every diagnostic found, in source order."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.diagnostics)
        body = "\n".join(d.render() for d in self.diagnostics[:MAX_SHOWN])
        if n > MAX_SHOWN:
            body += f"\n... and {n - MAX_SHOWN} more errors (the first {MAX_SHOWN} are shown)"
        return f"{body}\n{n} error{'s' if n != 1 else ''} found"


class RegmapError(DiagnosticsError):
    """A register map failed to compile."""


class UnsupportedMap(ValueError):
    """A valid register map that a consumer (a generator, the gateware) cannot implement."""
