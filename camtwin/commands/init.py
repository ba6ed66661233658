"""``camtwin init``: write a starter project in which every command runs with its defaults."""

from __future__ import annotations

import argparse
from pathlib import Path

from regmap.generators import write_new

from ..outputs import shown
from ..resources import (
    PROJECT_REGMAP,
    PROJECT_SCENARIOS,
    PROJECT_SPEC,
    bundled_regmap,
    bundled_scenarios,
    bundled_spec,
)
from ._common import UsageError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``init`` subcommand."""
    p = sub.add_parser(
        "init",
        help="write a starter project (the camera map, its timing spec, example scenarios)",
        description=f"Write a starter project into DIR: {PROJECT_REGMAP} (the camera's register "
        f"map, the starting point of your own), {PROJECT_SPEC} (its timing spec) and "
        f"{PROJECT_SCENARIOS}/ (example scenarios). In DIR, every command runs with its default "
        "paths. Existing files are never overwritten.",
    )
    p.add_argument(
        "directory",
        nargs="?",
        default=".",
        metavar="DIR",
        help="project directory (created if missing; default: the current directory)",
    )
    return p


def project_files() -> dict[Path, Path]:
    """Project-relative path -> bundled source, for every file ``init`` writes."""
    files = {PROJECT_REGMAP: bundled_regmap(), PROJECT_SPEC: bundled_spec()}
    for src in bundled_scenarios():
        files[PROJECT_SCENARIOS / src.name] = src
    return files


def run(args: argparse.Namespace) -> int:
    """Write the project; 2 (usage error) if any of its files exists already."""
    if not args.directory.strip():
        # Path("") would silently mean the current directory
        raise UsageError("the project directory must not be empty (use . for this directory)")
    root = Path(args.directory)
    files = project_files()
    try:
        if root.exists() and not root.is_dir():
            raise UsageError(f"'{shown(root)}' exists and is not a directory")
        existing = [rel for rel in files if (root / rel).exists()]
    except OSError as exc:
        raise UsageError(f"cannot use '{shown(root)}': {exc.strerror}") from None
    if existing:
        raise UsageError(
            f"'{shown(root)}' already holds {', '.join(str(p) for p in existing)}: "
            "nothing written (remove them or choose another directory)"
        )
    written = []
    try:
        for rel, src in files.items():
            write_new(root / rel, src.read_bytes())
            written.append(rel)
    except OSError as exc:
        for rel in written:  # all or nothing
            (root / rel).unlink(missing_ok=True)
        raise UsageError(
            f"cannot write the project into '{shown(root)}': {exc.strerror or exc}"
        ) from None
    for rel in written:
        print(f"wrote     {root / rel}")
    print(
        f"project ready: in {root}, run e.g. `camtwin check`, `camtwin generate`, "
        "`camtwin model`, `camtwin timing` (outputs under build/)"
    )
    return 0
