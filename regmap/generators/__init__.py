"""Artifact generators that read only the register map.

Each generator is a function ``RegisterMap -> str``; :data:`GENERATORS` names them by kind.
Consumers with generators of their own (the gateware's Verilog) are wired in by the CLI.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..model import RegisterMap

# The generators are imported on first use: `check` reads only the identifiers
# they make (regmap.generators.names), and stays quick.
_LAZY = {
    "generate_c_header": ".c_header",
    "generate_genicam_xml": ".genicam",
    "generate_markdown": ".markdown",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    if name == "GENERATORS":
        return _generators()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "GENERATORS",
    "Generator",
    "generate_c_header",
    "generate_genicam_xml",
    "generate_markdown",
    "write_atomic",
    "write_new",
]


@dataclass(frozen=True)
class Generator:
    """One kind of artifact: its file suffix and the function that renders it."""

    kind: str
    suffix: str
    render: Callable[[RegisterMap], str]
    description: str

    def filename(self, rmap: RegisterMap) -> str:
        return f"{rmap.stem}{self.suffix}"


def _generators() -> dict[str, Generator]:
    """The map's generators by kind (``GENERATORS``)."""
    from .c_header import generate_c_header
    from .genicam import generate_genicam_xml
    from .markdown import generate_markdown

    return {
        g.kind: g
        for g in (
            Generator(
                "header", ".h", generate_c_header, "C header: addresses, masks, enums, units"
            ),
            Generator("docs", ".md", generate_markdown, "register documentation (Markdown)"),
            Generator("genicam", ".xml", generate_genicam_xml, "GenICam GenApi 1.1 XML"),
        )
    }


def write_atomic(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically; return False if the file already had it."""
    path = Path(path)
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    _put_in_place(path, data, replace=True)
    return True


def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data`` atomically; never replace an existing file
    (:class:`FileExistsError`, even if the file appeared while this one was written)."""
    _put_in_place(Path(path), data, replace=False)


def _put_in_place(path: Path, data: bytes, replace: bool) -> None:
    """Write ``data`` to a temporary file beside ``path`` (mode 0644), then give it the name
    ``path``: replacing what is there, or only if nothing is (a hard link). Readers see the
    whole file or none; no temporary file is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the file appeared meanwhile
            Path(tmp).unlink()
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
