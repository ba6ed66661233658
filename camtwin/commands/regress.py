"""``camtwin regress``: co-simulate the gateware against the firmware model and report."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from regmap import UnsupportedMap

from ._common import (
    CompileFailed,
    UsageError,
    add_build_dir_argument,
    add_output_argument,
    add_regmap_argument,
    check_output,
    load_regmap,
    use_build_dir,
    write_outputs,
)

TEST_MODULES = ["sim.cocotb_camera", "sim.cocotb_directed"]
OUT_DIR = Path("build/regress")


def _count(minimum: int):
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, not {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "regress",
        help="co-simulate the gateware against the firmware model",
        description="Generate the gateware of a register map (slow-clock test variant), build it "
        "for each simulator, run the cocotb co-verification tests (register access, directed "
        "corner cases, constrained random), print a pass/fail table with functional coverage and "
        f"write JUnit XML to DIR/results.xml (default DIR: {OUT_DIR}). Exit status 1 if any "
        "test fails.",
    )
    add_regmap_argument(p)
    p.add_argument(
        "--sim",
        choices=("icarus", "verilator", "all"),
        default="all",
        help="simulator(s) to run (default: all)",
    )
    p.add_argument(
        "--seed",
        type=_count(0),
        default=1,
        metavar="N",
        help="seed of the random tests (default: 1)",
    )
    add_output_argument(
        p, f"where results.xml and the simulator logs go (default: {OUT_DIR})", default=OUT_DIR
    )
    p.add_argument(
        "--tests",
        metavar="PATTERN",
        default=None,
        help="only run tests whose name matches this regular expression",
    )
    p.add_argument(
        "--random-count",
        type=_count(0),
        default=4,
        metavar="N",
        help="random scenarios per run (default: 4)",
    )
    p.add_argument(
        "--random-cycles",
        type=_count(1),
        default=4000,
        metavar="N",
        help="cycles per random scenario (default: 4000)",
    )
    p.add_argument(
        "--waves", action="store_true", help="record waves (FST with Icarus, VCD with Verilator)"
    )
    add_build_dir_argument(p)
    return p


@contextlib.contextmanager
def _regress_lock(directory: Path) -> Iterator[None]:
    """Wait until no other ``camtwin regress`` of this checkout runs, then hold the lock."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fh = open(directory / "regress.lock", "w")  # noqa: SIM115 - held for the whole run
    except OSError as exc:
        raise UsageError(f"cannot lock {directory}: {exc.strerror}") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("waiting for another camtwin regress in this checkout ...", flush=True)
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _merge_junit(runs, path: Path) -> None:
    """One JUnit file with a testsuite per simulator."""
    root = ET.Element("testsuites", name="camtwin-regress")
    for r in runs:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"camtwin.{r.simulator}",
            tests=str(len(r.tests)),
            failures=str(len(r.failures)),
        )
        if r.results_xml.exists():
            for case in ET.parse(r.results_xml).getroot().iter("testcase"):
                case.set("classname", f"{r.simulator}.{case.get('classname', '')}")
                suite.append(case)
        if not r.tests:
            case = ET.SubElement(suite, "testcase", name="simulation", classname=r.simulator)
            ET.SubElement(case, "failure", message=f"no test results (exit {r.exit_code})")
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def run(args: argparse.Namespace) -> int:
    try:
        rmap = load_regmap(args.regmap, ("firmware model", "gateware"), camera="regress")
    except CompileFailed:
        return 1
    if args.tests is not None:
        try:
            re.compile(args.tests)
        except re.error as exc:
            raise UsageError(f"--tests: invalid regular expression {args.tests!r}: {exc}") from None
    out = args.output
    check_output(out)
    use_build_dir(args.build_dir)
    from sim.coverage import Coverage
    from sim.runner import (
        SIMULATORS,
        BuildError,
        apply_overrides,
        camera_design,
        run,
        sim_build_root,
        slow_overrides,
    )

    overrides = slow_overrides()
    try:
        apply_overrides(rmap, overrides)
    except KeyError:
        overrides = None  # the map lacks the constants of the slow variant: use it as it is
    try:
        design = camera_design(args.regmap, overrides)
    except ImportError as exc:
        raise UsageError(f"the gateware is not available: {exc}") from None
    except UnsupportedMap as exc:
        print(f"camtwin regress: error: cannot build {args.regmap}: {exc}", file=sys.stderr)
        return 1
    sims = SIMULATORS if args.sim == "all" else (args.sim,)
    runs = []
    owned = ["results.xml", *(f"{s}.{ext}" for s in SIMULATORS for ext in ("xml", "log"))]
    # One regression at a time per build directory: the simulator builds under it are shared.
    with _regress_lock(sim_build_root()), write_outputs(out, owned) as stage:
        for sim in sims:
            t0 = time.monotonic()
            print(f"[{sim}] building and running ...", flush=True)
            try:
                r = run(
                    sim,
                    design,
                    TEST_MODULES,
                    test_filter=args.tests,
                    seed=args.seed,
                    waves=args.waves,
                    config={
                        "random_count": args.random_count,
                        "random_cycles": args.random_cycles,
                    },
                    results_xml=stage.path / f"{sim}.xml",
                    log_file=stage.path / f"{sim}.log",
                )
            except BuildError as exc:
                print(f"camtwin regress: error: {exc}", file=sys.stderr)
                stage.abort()
                return 1
            r.elapsed = time.monotonic() - t0
            runs.append(r)
        if args.tests is not None and not any(r.tests for r in runs):
            stage.abort()
            raise UsageError(f"no test name matches --tests {args.tests!r}")
        _merge_junit(runs, stage.path / "results.xml")

    names = sorted({t.name for r in runs for t in r.tests}, key=lambda n: n)
    width = max([len(n) for n in names] + [4])
    print(f"\n{'test':<{width}}  " + "  ".join(f"{s:<9}" for s in sims))
    for name in names:
        cells = []
        for r in runs:
            t = next((t for t in r.tests if t.name == name), None)
            cells.append("-" if t is None else "PASS" if t.passed else "FAIL")
        print(f"{name:<{width}}  " + "  ".join(f"{c:<9}" for c in cells))
    print()
    failed = False
    for r in runs:
        hit, total, missed = Coverage.summary(r.coverage)
        n_fail = len(r.failures)
        ok = r.passed
        failed |= not ok
        pct = 100 * hit / total if total else 0
        print(
            f"{r.simulator}: {len(r.tests) - n_fail}/{len(r.tests)} passed, "
            f"coverage {hit}/{total} bins ({pct:.0f}%), {r.elapsed:.1f} s"
            + ("" if r.tests else f", no results (simulator exit {r.exit_code})")
        )
        if missed:
            print(f"  missed: {', '.join(missed[:12])}{' ...' if len(missed) > 12 else ''}")
        for t in r.failures:
            print(f"  FAIL {t.name}: {t.message.splitlines()[0] if t.message else ''}")
        if r.wave_file:
            print(f"  waves: {r.wave_file}")
    print(f"JUnit XML: {out / 'results.xml'}; logs: {out}/<sim>.log")
    print("FAILED" if failed else "PASSED")
    return 1 if failed else 0
