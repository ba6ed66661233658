"""The ``camtwin`` command line: one entry point, one module per subcommand.

Each module in :mod:`camtwin.commands` provides ``add_parser(subparsers)`` and
``run(args) -> int``. The CLI only wires: the work lives in ``regmap``, ``hdl``,
``firmware_model`` and ``sim``.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from typing import NoReturn

from regmap.diagnostics import excerpt

from .commands._common import UsageError

# Explicit, ordered list of subcommands (module names in camtwin.commands).
COMMANDS = ("init", "check", "generate", "model", "regress", "timing", "serve")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose error messages quote at most an excerpt of an argument."""

    def error(self, message: str) -> NoReturn:
        super().error(excerpt(" ".join(message.split()), 300))


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked for."""

    def __call__(self, parser, namespace, values, option_string=None):
        import camtwin

        print(f"camtwin {camtwin.__version__}")
        parser.exit()


def _command_of(argv: list[str]) -> str | None:
    """The subcommand ``argv`` names, unless it asks for the top-level help first."""
    for arg in argv:
        if arg in ("-h", "--help"):
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, that subcommand's module alone is imported (the
    others are named, for the choices, but not set up: a short command starts quickly)."""
    parser = _Parser(
        prog="camtwin",
        description="Digital twin of a GigE area-scan camera's I/O and trigger path: "
        "register-map compiler, gateware, firmware model, co-verification and timing checks.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        if only is not None and name != only:
            sub.add_parser(name)
            continue
        module = import_module(f"camtwin.commands.{name}")
        p = module.add_parser(sub)
        p.set_defaults(run=module.run)
    return parser


def _model_choice_error() -> str | None:
    """What is wrong with the value of ``$CAMTWIN_MODEL`` (``firmware_model.compiled``), for
    every command (the model is not imported for this)."""
    if not os.environ.get("CAMTWIN_MODEL"):
        return None
    from importlib.util import find_spec, module_from_spec, spec_from_file_location

    package = find_spec("firmware_model")  # found, not imported
    if package is None or not package.origin:
        return None
    path = os.path.join(os.path.dirname(package.origin), "compiled.py")
    spec = spec_from_file_location("_camtwin_model_choice", path)
    if spec is None or spec.loader is None:
        return None
    choice = module_from_spec(spec)
    spec.loader.exec_module(choice)  # standalone: it activates nothing
    try:
        choice.mode()
    except choice.CompiledModelError as exc:
        return str(exc)
    return None


def _is_model_choice_error(exc: BaseException) -> bool:
    """A ``firmware_model.compiled.CompiledModelError`` (raised when a command imports the
    model: ``CAMTWIN_MODEL=compiled`` without a usable compiled copy)."""
    return type(exc).__name__ == "CompiledModelError" and type(exc).__module__ == (
        "firmware_model.compiled"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(argv))
    args = parser.parse_args(argv)
    problem = _model_choice_error()
    if problem is not None:
        print(f"camtwin {args.command}: error: {problem}", file=sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except UsageError as exc:
        # One line, and never more than an excerpt of what the user typed.
        message = excerpt(" ".join(str(exc).split()), 300)
        print(f"camtwin {args.command}: error: {message}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        if not _is_model_choice_error(exc):
            raise
        print(f"camtwin {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `camtwin generate ... | head`: the reader went away
        sys.stderr.close()
        return 1
    except KeyboardInterrupt:
        print(f"camtwin {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
