"""``python -m firmware_model.compile``: compile the firmware model's cycle loop with mypyc, once
per source text (:mod:`firmware_model.compiled`)."""

from __future__ import annotations

import argparse
import sys

from .compiled import CompiledModelError, _complete, build, location


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m firmware_model.compile",
        description="Compile the firmware model (its register bank, blocks and cycle loop) with "
        "mypyc, once per source text.",
    )
    p.add_argument("--quiet", action="store_true", help="print only that it compiles, when it does")
    p.add_argument("--where", action="store_true", help="print the build directory and exit")
    args = p.parse_args(argv)
    try:
        if args.where:
            print(location())
            return 0
        built = _complete(location())
        if not built:
            print(
                "compiling the firmware model with mypyc (once per source text, about 20 s) ...",
                file=sys.stderr,
                flush=True,
            )
        dest = build()
    except (CompiledModelError, OSError) as exc:
        print(f"firmware_model.compiled: error: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"{'already compiled' if built else 'compiled'}: {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
