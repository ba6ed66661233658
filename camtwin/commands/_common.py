"""Helpers shared by the subcommands: loading a register map with readable errors."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from regmap import RegisterMap, RegmapError, load

from ..resources import PROJECT_REGMAP, default_regmap

if TYPE_CHECKING:
    from firmware_model.scenario import Scenario

    from ..outputs import OutputSetStage

DEFAULT_REGMAP_HELP = f"{PROJECT_REGMAP} in the current directory, else the bundled camera map"


class UsageError(Exception):
    """A user error the CLI reports as one line and exit status 2."""


class CompileFailed(Exception):
    """The register map (or scenario) has errors; they were already printed."""


def add_regmap_argument(parser: argparse.ArgumentParser, *flags: str) -> None:
    """The register map: a positional ``REGMAP`` (or the option ``flags``), defaulting to the
    current project's map, else the bundled camera map."""
    parser.add_argument(
        *(flags or ("regmap",)),
        **({"dest": "regmap"} if flags else {"nargs": "?"}),
        default=default_regmap(),
        metavar="REGMAP",
        help=f"register map YAML file (default: {DEFAULT_REGMAP_HELP})",
    )


def add_build_dir_argument(parser: argparse.ArgumentParser) -> None:
    """``--build-dir DIR``: where simulator builds and caches go (default: ``build/``)."""
    parser.add_argument(
        "--build-dir",
        type=_output_path,
        default=Path("build"),
        metavar="DIR",
        help="where simulator builds and caches go (default: build/ in the current directory)",
    )


def use_build_dir(path: Path) -> Path:
    """Make ``path`` the build directory of this run (inherited by simulator subprocesses)."""
    import os

    path = path.absolute()
    os.environ["CAMTWIN_BUILD_DIR"] = str(path)
    return path


def add_output_argument(parser: argparse.ArgumentParser, help: str, default=None) -> None:
    """The ``-o/--output DIR`` option (required unless it has a default)."""
    parser.add_argument(
        "-o",
        "--output",
        type=_output_path,
        metavar="DIR",
        help=help,
        required=default is None,
        default=default,
    )


def _output_path(text: str) -> Path:
    """An argparse type: a non-empty path (``-o ""`` is not the current directory)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the output directory must not be empty")
    if text == "-":
        raise argparse.ArgumentTypeError(
            "'-' (standard output) cannot hold a set of files: name a directory"
        )
    return Path(text)


def check_output(path: Path) -> Path:
    """Refuse an unusable output directory (an existing file, an over-long path, the current
    directory...) before any work is done; the absolute path."""
    from ..outputs import OutputError, check_output_path

    try:
        return check_output_path(path)
    except OutputError as exc:
        raise UsageError(str(exc)) from None


@contextlib.contextmanager
def write_outputs(
    path: Path, owned: Collection[str] | Callable[[str], bool]
) -> Iterator[OutputSetStage]:
    """Write a command's outputs as one set (:func:`camtwin.outputs.output_set`): the body
    writes into ``stage.path``; errors writing become one-line usage errors."""
    from ..outputs import OutputError, output_set

    try:
        with output_set(path, owned) as stage:
            yield stage
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        where = exc.filename or path
        raise UsageError(
            f"cannot write the outputs into '{shown(path)}': {exc.strerror or exc} "
            f"('{shown(where)}')"
        ) from None


def shown(path: str | Path) -> str:
    """A path for a message (:func:`camtwin.outputs.shown`; imported when a message needs it:
    a command that writes nothing does not load the output machinery)."""
    from ..outputs import shown

    return shown(path)


def check_input(path: str | Path, what: str) -> Path:
    """``path`` if it names a readable file; a one-line usage error saying why not."""
    if not str(path).strip():
        raise UsageError(f"the {what} path must not be empty")
    try:
        ok = Path(path).is_file()
    except OSError as exc:
        raise UsageError(f"{what} '{shown(path)}': {exc.strerror}") from None
    if not ok:
        raise UsageError(f"{what} '{shown(path)}' does not exist or is not a file")
    return Path(path)


def load_regmap(
    path: str | Path,
    uses: Iterable[str] = (),
    notes: list[str] | None = None,
    camera: str | None = None,
) -> RegisterMap:
    """Load and check a register map, and check that the consumers in ``uses`` (see
    :data:`camtwin.consumers.ALL`) can work with it; print diagnostics and raise on errors.

    With ``notes``, a consumer that finds nothing of what it needs (a generic map, not the
    camera's) is not an error: a note naming it is appended to ``notes``. With ``camera`` (the
    name of a camera-specific command), the map must first have everything of the camera's
    map (:mod:`regmap.profile`): every missing piece is listed, and nothing more is tried.
    """
    path = check_input(path, "register map")
    try:
        rmap = load(path)
    except RegmapError as exc:
        print(exc.render(), file=sys.stderr)
        raise CompileFailed from None
    except OSError as exc:
        raise UsageError(f"cannot read register map '{shown(path)}': {exc.strerror}") from None
    if camera is not None:
        require_camera(rmap, camera)
    check_consumers(rmap, uses, notes)
    return rmap


def load_scenario_file(path: str | Path, rmap: RegisterMap) -> Scenario:
    """Load and check a scenario file for ``rmap``; print its diagnostics and raise
    :class:`CompileFailed` on errors, a usage error if it cannot be read."""
    from firmware_model.scenario import ScenarioError, load_scenario

    path = check_input(path, "scenario")
    try:
        return load_scenario(path, rmap)
    except ScenarioError as exc:
        print(exc.render(), file=sys.stderr)
        raise CompileFailed from None
    except OSError as exc:
        raise UsageError(f"cannot read scenario '{shown(path)}': {exc.strerror or exc}") from None


def check_consumers(rmap: RegisterMap, uses: Iterable[str], notes: list[str] | None = None) -> None:
    """Set the consumers in ``uses`` up on the map (:mod:`camtwin.consumers`); print what they
    cannot use, located, and raise :class:`CompileFailed`."""
    uses = list(uses)
    if not uses:
        return
    from ..consumers import consumer_problems

    problems = consumer_problems(rmap, uses)
    if notes is not None:
        notes += [p.use for p in problems if p.absent]
        problems = [p for p in problems if not p.absent]
    if problems:
        print(RegmapError([p.diagnostic for p in problems]).render(), file=sys.stderr)
        raise CompileFailed


def check_profile(rmap: RegisterMap, needed_by: str, then: str = "") -> None:
    """Refuse a map that lacks any register, field, selector or constant of the camera's map
    (:mod:`regmap.profile`): print every one, located, and the line ``then``; then raise."""
    from regmap.profile import camera_profile_errors

    errors = camera_profile_errors(rmap, needed_by)
    if errors:
        print(RegmapError(errors).render(), file=sys.stderr)
        if then:
            print(then, file=sys.stderr)
        raise CompileFailed


def require_camera(rmap: RegisterMap, command: str) -> None:
    """Refuse a map that lacks anything of the camera that the camera-specific ``command``
    needs, saying that the command is camera-specific."""
    check_profile(
        rmap,
        f"camtwin {command} needs the camera",
        f"camtwin {command}: error: {command} is camera-specific and this map is not a camera "
        "map (`camtwin init` writes the camera's map to start from; check, generate "
        "--only header,docs,genicam,bank work on any map)",
    )
