"""``camtwin timing``: check a timing spec on the event-driven model and write its reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..outputs import shown
from ..resources import PROJECT_SPEC, default_spec
from ._common import (
    CompileFailed,
    UsageError,
    add_build_dir_argument,
    add_output_argument,
    add_regmap_argument,
    check_input,
    check_output,
    load_regmap,
    use_build_dir,
    write_outputs,
)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "timing",
        help="check a timing spec and write a timing report (camera maps)",
        description="Evaluate every requirement of a timing spec on the event-driven firmware "
        "model at the register map's clock, print a pass/fail table and write DIR/report.html "
        "(self-contained), DIR/report.md (diagrams in DIR/diagrams/) and DIR/results.json. "
        "Exit status 0 when every requirement passes, 1 when one fails or an input has errors, "
        "2 on a usage error.",
    )
    p.add_argument(
        "spec",
        nargs="?",
        default=default_spec(),
        metavar="SPEC",
        help=f"timing spec YAML file (default: {PROJECT_SPEC} in the current directory, else "
        "the bundled camera spec)",
    )
    add_regmap_argument(p, "--regmap")
    p.add_argument(
        "--rtl",
        choices=("icarus", "verilator"),
        help="also run every scenario on the RTL with this simulator (sim/native.py) and "
        "require model and RTL to agree (a disagreement fails the requirement); Table 3-4 "
        "requirements of the electrical model are n/a on RTL",
    )
    add_output_argument(
        p,
        "output directory (created if missing; default: build/timing)",
        default=Path("build/timing"),
    )
    add_build_dir_argument(p)
    p.add_argument(
        "--no-tables",
        action="store_true",
        help="skip the derived datasheet tables (faster)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from timingspec.engine import RtlUnavailable, rtl_backend
    from timingspec.report import (
        REPORT_FILES,
        Progress,
        rtl_status,
        run_spec,
        summary_table,
        write_reports,
    )
    from timingspec.spec import SpecError, load_spec

    check_output(args.output)
    spec_path = check_input(args.spec, "timing spec")
    try:
        rmap = load_regmap(args.regmap, ("firmware model", "timing checks"), camera="timing")
    except CompileFailed:
        return 1
    try:
        spec = load_spec(spec_path, rmap)
    except SpecError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except OSError as exc:
        raise UsageError(f"cannot read timing spec '{shown(spec_path)}': {exc.strerror}") from None
    rtl = None
    if args.rtl:
        use_build_dir(args.build_dir)
        try:
            rtl = (args.rtl, rtl_backend(args.rtl))
        except RtlUnavailable as exc:
            raise UsageError(str(exc)) from None
    progress = Progress(len(spec.requirements) + (0 if args.no_tables else 1))
    try:
        result = run_spec(
            spec,
            rmap,
            str(args.regmap),
            rtl=rtl,
            progress=progress.step,
            tables=not args.no_tables,
        )
    except ValueError as exc:
        progress.finish()
        raise UsageError(f"cannot evaluate {spec_path}: {exc}") from None
    except KeyError as exc:
        progress.finish()
        raise UsageError(f"cannot evaluate {spec_path}: the register map lacks {exc}") from None
    except RuntimeError as exc:  # the RTL runner could not build or run the design
        progress.finish()
        print(f"camtwin timing: error: RTL confirmation failed: {exc}", file=sys.stderr)
        return 1
    progress.finish()
    print(summary_table(result))
    with write_outputs(args.output, REPORT_FILES) as stage:
        written = write_reports(result, stage.path)
    paths = [args.output / p.relative_to(stage.path) for p in written]
    failed = result.failed
    total = len(result.results)
    print(f"{total} requirements: {total - len(failed)} passed, {len(failed)} failed")
    if rtl is not None:
        agree = sum(
            1 for r in result.results if r.name in result.rtl and rtl_status(r, result) == "agrees"
        )
        print(
            f"RTL ({args.rtl}): model and RTL agree on {agree} of {len(result.rtl)} requirements"
            f", {len(result.rtl) - agree} disagree; {len(result.rtl_na)} n/a on RTL (electrical "
            f"model only); {result.rtl_seconds:.1f} s on the RTL"
        )
    print("reports: " + ", ".join(str(p) for p in paths))
    return 1 if failed else 0
