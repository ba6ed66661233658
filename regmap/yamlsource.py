"""Reading YAML with source positions: the machinery behind every compiler-style input.

The register map, scenario files and timing specs are all read through this module, so every
input camtwin accepts gives the same diagnostics: ``file:line:col``, the offending line, a
caret, what is wrong and what is allowed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic, DiagnosticsError, did_you_mean
from .model import SourceLoc

__all__ = ["Context", "Invalid", "Reader", "compose", "each", "kind_of", "parse", "read_source"]

_INT_RE = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*)")
_LEADING_ZERO_RE = re.compile(r"[+-]?0[0-9_]*[0-9][0-9_]*")
INTEGER_FORMS = "decimal, 0x hex, 0b binary, 0o octal; '_' separators"


def _parse_int(text: str) -> int | None:
    """The integer ``text`` spells, or None (including ambiguous leading zeros such as 010)."""
    text = text.strip()
    if not _INT_RE.fullmatch(text) or _LEADING_ZERO_RE.fullmatch(text):
        return None
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:  # e.g. "0x_" or "0b__": a prefix with no digits
        return None


_FLOAT_RE = re.compile(r"[+-]?([0-9][0-9_]*)?(\.[0-9_]*)?([eE][+-]?[0-9]+)?")

# The C-accelerated loader keeps node positions too; fall back to pure Python without libyaml.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Context:
    """Source text and the diagnostics collected so far."""

    file: str
    lines: list[str]
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def loc(self, node: Node) -> SourceLoc:
        m = node.start_mark
        return SourceLoc(self.file, m.line + 1, m.column + 1)

    def error(self, where: Node | SourceLoc, message: str, allowed: str = "") -> None:
        if isinstance(where, Node):
            loc = self.loc(where)
            end = where.end_mark
            same_line = end.line == where.start_mark.line
            length = end.column - where.start_mark.column if same_line else 1
        else:
            loc, length = where, 1
        text = self.lines[loc.line - 1] if 0 < loc.line <= len(self.lines) else ""
        if isinstance(where, SourceLoc) and text:
            # Underline the word at the location (a name or a key).
            m = re.match(r"[\w.:-]+", text[loc.col - 1 :])
            length = len(m.group(0)) if m else 1
        self.diagnostics.append(Diagnostic(loc, message, allowed, max(1, length), text))


class Invalid(Exception):
    """A node could not be read; its diagnostic is already recorded."""


_TYPE_NAMES = {MappingNode: "a mapping", SequenceNode: "a list", ScalarNode: "a scalar"}


def kind_of(node: Node) -> str:
    """How a node reads in a message: its text, or "a mapping" / "a list"."""
    if isinstance(node, ScalarNode):
        return f"'{node.value}'" if node.value else "nothing"
    return _TYPE_NAMES[type(node)]


_MERGE_TAG = "tag:yaml.org,2002:merge"


class Reader:
    """Typed accessors over YAML nodes that record a diagnostic instead of raising.

    With ``merge_keys``, :meth:`mapping` applies YAML merge keys (``<<: *anchor``); without,
    ``<<`` is an unknown key like any other.
    """

    def __init__(self, ctx: Context, merge_keys: bool = False):
        self.ctx = ctx
        self.merge_keys = merge_keys

    # -- containers ----------------------------------------------------------------------
    def mapping(
        self, node: Node, what: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            self.ctx.error(node, f"{what} must be a mapping, not {kind_of(node)}")
            raise Invalid
        allowed = required + optional
        out: dict[str, tuple[Node, Node]] = {}
        pairs = self.merged(node) if self.merge_keys else node.value
        for key_node, value_node in pairs:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key is None:
                self.ctx.error(key_node, f"keys of {what} must be names")
            elif key in out:
                self.ctx.error(key_node, f"duplicate key '{key}' in {what}")
            elif key not in allowed:
                self.ctx.error(
                    key_node,
                    f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}",
                    allowed=", ".join(allowed),
                )
            else:
                out[key] = (key_node, value_node)
        for key in required:
            if key not in out:
                self.ctx.error(node, f"missing required key '{key}' in {what}")
        return out

    def merged(self, node: MappingNode) -> list[tuple[Node, Node]]:
        """Key/value node pairs with YAML merge keys (``<<: *anchor``) applied: merged pairs
        first, then the mapping's own, which override merged ones of the same key."""
        explicit: list[tuple[Node, Node]] = []
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for src in sources:
                    if isinstance(src, MappingNode):
                        merged += self.merged(src)
                    else:
                        self.ctx.error(
                            src, f"a merge key ('<<') needs a mapping, not {kind_of(src)}"
                        )
            else:
                explicit.append((key_node, value_node))
        own = {k.value for k, _v in explicit if isinstance(k, ScalarNode)}
        return [p for p in merged if p[0].value not in own] + explicit

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.ctx.error(node, f"{what} must be a list, not {kind_of(node)}")
            raise Invalid
        return list(node.value)

    # -- scalars -------------------------------------------------------------------------
    def scalar(self, node: Node, what: str, expected: str) -> str:
        if not isinstance(node, ScalarNode):
            self.ctx.error(node, f"{what} must be {expected}, not {kind_of(node)}")
            raise Invalid
        return node.value

    def string(self, node: Node, what: str) -> str:
        return self.scalar(node, what, "a string")

    def integer(self, node: Node, what: str, minimum: int | None = None) -> int:
        text = self.scalar(node, what, "an integer")
        value = _parse_int(text)
        if value is None:
            hint = ""
            if _LEADING_ZERO_RE.fullmatch(text.strip()):
                hint = " (a leading zero is ambiguous: write 0o for octal)"
            self.ctx.error(
                node, f"{what} must be an integer, not '{text}'{hint}", allowed=INTEGER_FORMS
            )
            raise Invalid
        if minimum is not None and value < minimum:
            self.ctx.error(node, f"{what} must be at least {minimum}, not {value}")
            raise Invalid
        return value

    def number(self, node: Node, what: str) -> float:
        text = self.scalar(node, what, "a number").strip()
        value = _parse_int(text)
        if value is not None:
            return value
        if text and _FLOAT_RE.fullmatch(text) and any(c.isdigit() for c in text):
            with contextlib.suppress(ValueError):
                return float(text.replace("_", ""))
        self.ctx.error(node, f"{what} must be a number, not '{text}'")
        raise Invalid

    def boolean(self, node: Node, what: str) -> bool:
        text = self.scalar(node, what, "true or false").strip().lower()
        if text in ("true", "yes", "on"):
            return True
        if text in ("false", "no", "off"):
            return False
        self.ctx.error(node, f"{what} must be true or false, not '{text}'", allowed="true, false")
        raise Invalid

    def choice(self, node: Node, what: str, allowed: Sequence[str]) -> str:
        text = self.scalar(node, what, "one of " + ", ".join(allowed))
        if text not in allowed:
            self.ctx.error(
                node,
                f"{what} must be one of the allowed values, not '{text}'"
                f"{did_you_mean(text, allowed)}",
                allowed=", ".join(allowed),
            )
            raise Invalid
        return text

    def optional(
        self,
        keys: dict[str, tuple[Node, Node]],
        key: str,
        read: Callable[..., Any],
        *args: Any,
        default: Any = None,
    ) -> Any:
        """``read(value_node, *args)`` if ``key`` is present and readable, else ``default``."""
        if key not in keys:
            return default
        try:
            return read(keys[key][1], *args)
        except Invalid:
            return default


def each(nodes: list[Node], item: Callable[..., Any], *args: Any) -> list[Any]:
    """``item(node, *args)`` for every node that can be read; diagnostics for the others."""
    out = []
    for n in nodes:
        with contextlib.suppress(Invalid):
            out.append(item(n, *args))
    return out


def compose(text: str, ctx: Context) -> Node | None:
    try:
        return yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = (
            SourceLoc(ctx.file, mark.line + 1, mark.column + 1)
            if mark
            else SourceLoc(ctx.file, 1, 1)
        )
        problem = exc.problem or "invalid YAML"
        context = ""
        if exc.context:
            started = exc.context_mark
            where = f" started at {started.line + 1}:{started.column + 1}" if started else ""
            context = f" ({exc.context}{where})"
        ctx.error(loc, f"YAML syntax error: {problem}{context}")
    except yaml.YAMLError as exc:
        ctx.error(SourceLoc(ctx.file, 1, 1), f"YAML error: {exc}")
    return None


def parse(text: str, filename: str, what: str, expected: str) -> tuple[Context, Node | None]:
    """A :class:`Context` for ``text`` and its root node (``None`` if it has none).

    YAML syntax errors are diagnostics, and so is an empty document: "the ``what`` is empty",
    with ``expected`` (what the file should hold) as the allowed note.
    """
    ctx = Context(filename, text.splitlines())
    root = compose(text, ctx)
    if root is None and not ctx.diagnostics:
        ctx.error(SourceLoc(filename, 1, 1), f"the {what} is empty", allowed=expected)
    return ctx, root


def read_source(path: Path, error: type[DiagnosticsError]) -> str:
    """The text of ``path``; ``error`` (a diagnostic at 1:1) if it is not UTF-8.

    :class:`OSError` if it cannot be read.
    """
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            [Diagnostic(SourceLoc(str(path), 1, 1), f"the file is not UTF-8 text ({exc.reason})")]
        ) from None
