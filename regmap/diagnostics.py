"""Compiler-style diagnostics: ``file:line:col``, the offending line, a caret, what is allowed."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .model import SourceLoc

__all__ = ["Diagnostic", "DiagnosticsError", "RegmapError", "UnsupportedMap", "did_you_mean"]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f"; did you mean '{close[0]}'?" if close else ""


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
        out = [f"{self.loc}: error: {self.message}"]
        if self.source_line:
            gutter = f"{self.loc.line:>5} | "
            out.append(gutter + self.source_line.rstrip("\n"))
            pad = " " * (len(gutter) - 2) + "| " + " " * (self.loc.col - 1)
            out.append(pad + "^" + "~" * max(0, self.length - 1))
        if self.allowed:
            out.append(f"      = allowed: {self.allowed}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


class DiagnosticsError(Exception):
    """An input file failed to compile; carries every diagnostic found, in source order."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.diagnostics)
        body = "\n".join(d.render() for d in self.diagnostics)
        return f"{body}\n{n} error{'s' if n != 1 else ''} found"


class RegmapError(DiagnosticsError):
    """A register map failed to compile."""


class UnsupportedMap(ValueError):
    """A valid register map that a consumer (a generator, the gateware) cannot implement."""
