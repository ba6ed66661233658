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
