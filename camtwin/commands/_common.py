"""Helpers shared by the subcommands: loading a register map with readable errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from regmap import RegisterMap, RegmapError, load

DEFAULT_REGMAP = "regmap/camera.yaml"


class UsageError(Exception):
    """A user error the CLI reports as one line and exit status 2."""


class CompileFailed(Exception):
    """The register map has errors; they were already printed."""


def add_regmap_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "regmap",
        nargs="?",
        default=DEFAULT_REGMAP,
        metavar="REGMAP",
        help=f"register map YAML file (default: {DEFAULT_REGMAP})",
    )


def add_output_argument(parser: argparse.ArgumentParser, help: str, default=None) -> None:
    """The ``-o/--output DIR`` option (required unless it has a default)."""
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help=help,
        required=default is None,
        default=default,
    )


def check_output(path: Path) -> None:
    """Refuse an output directory that is an existing file, before any work is done."""
    if path.exists() and not path.is_dir():
        raise UsageError(f"output '{path}' exists and is not a directory")


def make_output(path: Path) -> Path:
    """Create the output directory (and parents), or raise a one-line usage error."""
    check_output(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output directory '{path}': {exc.strerror}") from None
    return path


def load_regmap(path: str | Path) -> RegisterMap:
    """Load and check a register map; print diagnostics and raise on errors."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"register map '{path}' does not exist or is not a file")
    try:
        return load(path)
    except RegmapError as exc:
        print(exc.render(), file=sys.stderr)
        raise CompileFailed from None
    except OSError as exc:
        raise UsageError(f"cannot read register map '{path}': {exc.strerror}") from None
