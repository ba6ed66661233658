"""The text emitter shared by the C header and Markdown generators: lines built from format
strings whose every interpolated value passes through the target's escape function."""

from __future__ import annotations

from collections.abc import Callable


def hex32(value: int) -> str:
    return f"0x{value:08X}"


class Emitter:
    """Lines of one generated file. ``line(fmt, **values)`` appends ``fmt`` formatted with the
    values, each escaped first (escaping by construction: the C header's text can neither end
    nor open a comment, Markdown text stays in its table cell and holds no raw HTML); the
    format strings themselves are the generator's own text."""

    def __init__(self, escape: Callable[[object], str]) -> None:
        self._escape = escape
        self._lines: list[str] = []

    def line(self, fmt: str = "", /, **values: object) -> None:
        """Append one line (or several: ``fmt`` may hold newlines)."""
        self._lines.append(fmt.format(**{k: self._escape(v) for k, v in values.items()}))

    def text(self) -> str:
        """The file's text, ending with a newline."""
        return "\n".join(self._lines) + "\n"
