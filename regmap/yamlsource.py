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
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic, DiagnosticsError, did_you_mean, excerpt
from .model import SourceLoc

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_INTEGER_DIGITS",
    "MAX_MAP_NODES",
    "MAX_NODES",
    "MAX_REPEATED_NODES",
    "NUMBER_MAX",
    "NUMBER_MIN",
    "Context",
    "Invalid",
    "Reader",
    "compose",
    "each",
    "kind_of",
    "parse",
    "read_source",
]

# Limits of every YAML input (register maps, timing specs, scenarios); docs/regmap-format.md.
MAX_INPUT_BYTES = 1 << 20
"""The largest input file, in bytes (1 MiB)."""
MAX_DEPTH = 64
"""The deepest nesting of lists and mappings, aliases and merge keys expanded."""
MAX_NODES = 50_000
"""The most nodes (scalars, lists, mappings) a timing spec or scenario may hold with every alias
and merge key expanded where it is used: a document that expands to more is refused."""
MAX_MAP_NODES = 250_000
"""The same for a register map, which may be large: a plain map of 5000 one-field registers
holds about 120 000 nodes."""
MAX_REPEATED_NODES = 50_000
"""The most nodes that aliases and merge keys may repeat (each use counted), unless the document
writes more nodes itself, as far as it is read: a document that expands far beyond what it
writes (a "billion laughs", a merge-key bomb) is refused after little work, whatever its size,
while a large map may still use anchors."""
MAX_INTEGER_DIGITS = 40
"""The longest integer literal, in digits (2**64 has 20 decimal digits, 64 binary ones need
0b and 64 digits: the limit is on significant characters, separators removed)."""
INTEGER_LIMIT = 1 << 64
"""Integers are below 2**64 in magnitude."""
NUMBER_MAX = 1e15
"""Numbers (``min``, ``max``, times, values in user units) are at most this in magnitude..."""
NUMBER_MIN = 1e-12
"""...and zero or at least this (smaller ones are rounding noise, not intent)."""

_INT_RE = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*)")
_LEADING_ZERO_RE = re.compile(r"[+-]?0[0-9_]*[0-9][0-9_]*")
INTEGER_FORMS = "decimal, 0x hex, 0b binary, 0o octal; '_' separators"


def _parse_int(text: str) -> int | None:
    """The integer ``text`` spells, or None (including ambiguous leading zeros such as 010)."""
    text = text.strip()
    if len(text) > 2 * MAX_INTEGER_DIGITS + 3:  # even with every other character a separator
        return None
    if not _INT_RE.fullmatch(text) or _LEADING_ZERO_RE.fullmatch(text):
        return None
    try:
        return int(text.replace("_", ""), 0)
    except ValueError:  # e.g. "0x_" or "0b__": a prefix with no digits
        return None


_FLOAT_RE = re.compile(r"[+-]?([0-9][0-9_]*)?(\.[0-9_]*)?([eE][+-]?[0-9]+)?")


class LimitExceeded(Exception):
    """A document exceeds one of the limits above; ``mark`` is where."""

    def __init__(self, mark: Any, message: str):
        super().__init__(message)
        self.mark = mark


_MERGE_TAG = "tag:yaml.org,2002:merge"


class _LimitedComposer(yaml.composer.Composer):
    """The YAML composer, checked as it goes: nesting depth, recursive aliases, and the size of
    the document with every alias expanded (counted once per use, as the readers walk it)."""

    def __init__(self, max_nodes: int = MAX_NODES) -> None:
        super().__init__()
        self._max_nodes = max_nodes
        self._depth = 0
        self._open: set[str] = set()  # anchors of the nodes being composed
        self._size: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
        self._total = 0  # nodes so far, aliases expanded
        self._written = 0  # nodes so far that the document writes itself
        self._repeated = 0  # nodes so far that aliases and merge keys repeat

    # Tags: the readers look at text only, except for merge keys; skip implicit resolution.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if value == "<<" and implicit[0]:
                return _MERGE_TAG
            return "tag:yaml.org,2002:str"
        return "tag:yaml.org,2002:seq" if kind is SequenceNode else "tag:yaml.org,2002:map"

    def _count(self, n: int, mark: Any, repeated: bool = False) -> None:
        self._total += n
        if repeated:
            self._repeated += n
            limit = max(MAX_REPEATED_NODES, self._written)
            if self._repeated > limit:
                raise LimitExceeded(
                    mark,
                    f"aliases and merge keys repeat more than {limit} nodes (allowed: "
                    f"{MAX_REPEATED_NODES}, or as many as the document writes itself before "
                    f"them, here {self._written})",
                )
        else:
            self._written += n
        if self._total > self._max_nodes:
            raise LimitExceeded(
                mark,
                f"the document holds more than {self._max_nodes} nodes "
                "(with aliases and merge keys expanded)",
            )

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            if event.anchor in self._open:
                raise LimitExceeded(
                    event.start_mark,
                    f"alias *{excerpt(event.anchor, 40)} refers to a node that contains it "
                    "(a recursive alias)",
                )
            node = super().compose_node(parent, index)
            size, height = self._size[id(node)]
            self._count(size, event.start_mark, repeated=True)
            if self._depth + height > MAX_DEPTH:
                raise LimitExceeded(
                    event.start_mark,
                    f"nesting deeper than {MAX_DEPTH} levels (with alias "
                    f"*{excerpt(event.anchor, 40)} expanded)",
                )
            copy = _relocated(node, event.start_mark, event.end_mark)
            self._size[id(copy)] = (size, height)
            return copy
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise LimitExceeded(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels")
        self._count(1, event.start_mark)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open.add(anchor)
        node = super().compose_node(parent, index)
        if anchor is not None:
            self._open.discard(anchor)
        self._depth -= 1
        if isinstance(node, ScalarNode):
            size, height = 1, 1
        else:
            children = (
                [c for pair in node.value for c in pair]
                if isinstance(node, MappingNode)
                else node.value
            )
            sizes = [self._size[id(c)] for c in children]
            size = 1 + sum(s for s, _h in sizes)
            height = 1 + max((h for _s, h in sizes), default=0)
        self._size[id(node)] = (size, height)
        return node


try:
    from yaml._yaml import CParser as _PARSER  # libyaml, as yaml.CSafeLoader uses it
except ImportError:  # pragma: no cover - PyYAML without libyaml
    _PARSER = None


def _relocated(node: Node, start: Any, end: Any) -> Node:
    """A copy of ``node`` whose every position is the alias that repeats it: a diagnostic
    about the repeated content points at the use (``*name``), not at the anchor."""
    if isinstance(node, ScalarNode):
        return ScalarNode(node.tag, node.value, start, end, style=node.style)
    if isinstance(node, SequenceNode):
        items = [_relocated(n, start, end) for n in node.value]
        return SequenceNode(node.tag, items, start, end, flow_style=node.flow_style)
    pairs = [(_relocated(k, start, end), _relocated(v, start, end)) for k, v in node.value]
    return MappingNode(node.tag, pairs, start, end, flow_style=node.flow_style)


if _PARSER is not None:

    class _Loader(_LimitedComposer, _PARSER, yaml.resolver.Resolver):  # type: ignore[misc, valid-type]
        """libyaml's parser (fast, keeps positions) under the limited composer."""

        def __init__(self, stream: str, max_nodes: int = MAX_NODES) -> None:
            _PARSER.__init__(self, stream)
            _LimitedComposer.__init__(self, max_nodes)
            yaml.resolver.Resolver.__init__(self)

else:  # pragma: no cover - without libyaml

    class _Loader(  # type: ignore[no-redef]
        _LimitedComposer,
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.resolver.Resolver,
    ):
        """The pure-Python parser under the limited composer."""

        def __init__(self, stream: str, max_nodes: int = MAX_NODES) -> None:
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            _LimitedComposer.__init__(self, max_nodes)
            yaml.resolver.Resolver.__init__(self)


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
        return f"'{excerpt(node.value, 40)}'" if node.value else "nothing"
    return _TYPE_NAMES[type(node)]


_STRING_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


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
        """A string without control characters (tab and newline allowed): YAML escapes such
        as ``"\\x01"`` or ``"\\0"`` can spell them, and no output can carry them."""
        text = self.scalar(node, what, "a string")
        bad = _STRING_CONTROL.search(text)
        if bad:
            self.ctx.error(
                node,
                f"{what} holds the control character U+{ord(bad.group(0)):04X}",
                allowed="printable text, tabs and newlines",
            )
            raise Invalid
        return text

    def integer(
        self, node: Node, what: str, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        text = self.scalar(node, what, "an integer")
        value = _parse_int(text)
        if value is None:
            hint = ""
            if _LEADING_ZERO_RE.fullmatch(text.strip()):
                hint = " (a leading zero is ambiguous: write 0o for octal)"
            elif _INT_RE.fullmatch(text.strip()):
                hint = f" (more than {MAX_INTEGER_DIGITS} digits)"
            self.ctx.error(
                node,
                f"{what} must be an integer, not '{excerpt(text, 40)}'{hint}",
                allowed=INTEGER_FORMS,
            )
            raise Invalid
        if abs(value) >= INTEGER_LIMIT:
            self.ctx.error(
                node, f"{what} must be below 2**64 in magnitude, not {excerpt(text, 40)}"
            )
            raise Invalid
        if minimum is not None and value < minimum:
            self.ctx.error(node, f"{what} must be at least {minimum}, not {value}")
            raise Invalid
        if maximum is not None and value > maximum:
            self.ctx.error(node, f"{what} must be at most {maximum}, not {value}")
            raise Invalid
        return value

    def number(self, node: Node, what: str) -> float:
        """A decimal or integer number in the range every number of an input has: zero or
        :data:`NUMBER_MIN` to :data:`NUMBER_MAX` in magnitude."""
        text = self.scalar(node, what, "a number").strip()
        value: float | None = _parse_int(text)
        if value is None and (
            len(text) <= 100 and _FLOAT_RE.fullmatch(text) and any(c.isdigit() for c in text)
        ):
            with contextlib.suppress(ValueError):
                value = float(text.replace("_", ""))
        if value is None:
            self.ctx.error(node, f"{what} must be a number, not '{excerpt(text, 40)}'")
            raise Invalid
        if value != 0 and not NUMBER_MIN <= abs(value) <= NUMBER_MAX:
            self.ctx.error(
                node,
                f"{what} must be 0 or between {NUMBER_MIN:g} and {NUMBER_MAX:g} in magnitude, "
                f"not {excerpt(text, 40)}",
            )
            raise Invalid
        return value

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


def compose(text: str, ctx: Context, max_nodes: int = MAX_NODES) -> Node | None:
    """The root node of ``text``, or None with a diagnostic (syntax errors, exceeded limits;
    at most ``max_nodes`` nodes, aliases and merge keys expanded)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_INPUT_BYTES:
        ctx.error(
            SourceLoc(ctx.file, 1, 1),
            f"the file is {size} bytes, more than the limit of {MAX_INPUT_BYTES} bytes (1 MiB)",
        )
        return None
    nul = text.find("\0")
    if nul >= 0:  # libyaml stops reading at a NUL: say where it is
        line = text.count("\n", 0, nul)
        col = nul - (text.rfind("\n", 0, nul) + 1)
        ctx.error(SourceLoc(ctx.file, line + 1, col + 1), "a NUL character is not allowed in YAML")
        return None
    loader = _Loader(text, max_nodes)
    try:
        return loader.get_single_node()
    except LimitExceeded as exc:
        ctx.error(SourceLoc(ctx.file, exc.mark.line + 1, exc.mark.column + 1), str(exc))
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
    finally:
        loader.dispose()
    return None


def parse(
    text: str, filename: str, what: str, expected: str, max_nodes: int = MAX_NODES
) -> tuple[Context, Node | None]:
    """A :class:`Context` for ``text`` and its root node (``None`` if it has none), of at most
    ``max_nodes`` nodes.

    YAML syntax errors are diagnostics, and so is an empty document: "the ``what`` is empty",
    with ``expected`` (what the file should hold) as the allowed note.
    """
    ctx = Context(filename, text.splitlines())
    root = compose(text, ctx, max_nodes)
    if root is None and not ctx.diagnostics:
        ctx.error(SourceLoc(filename, 1, 1), f"the {what} is empty", allowed=expected)
    return ctx, root


def read_source(path: Path, error: type[DiagnosticsError]) -> str:
    """The text of ``path``; ``error`` (a diagnostic at 1:1) if it is not UTF-8.

    :class:`OSError` if it cannot be read.
    """
    with path.open("rb") as fh:
        data = fh.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise error(
            [
                Diagnostic(
                    SourceLoc(str(path), 1, 1),
                    f"the file is larger than the limit of {MAX_INPUT_BYTES} bytes (1 MiB)",
                )
            ]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", "replace"))
        raise error(
            [
                Diagnostic(
                    SourceLoc(str(path), line, col + 1),
                    f"the file is not UTF-8 text ({exc.reason})",
                )
            ]
        ) from None
