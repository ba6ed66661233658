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
DEFAULT_SEEDS = 8
"""Without --seeds (and --tests), the random soak runs seeds 1..DEFAULT_SEEDS natively."""


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
        help="co-simulate the gateware against the firmware model (camera maps)",
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
        "--waves",
        action="store_true",
        help="record waves (cocotb: FST with Icarus, VCD with Verilator; --seeds: a VCD per seed)",
    )
    seeds = p.add_argument_group(
        "many seeds",
        "Random scenarios of many seeds on the native runner (no cocotb), the firmware model "
        "replaying each in the same worker; the cocotb flow still runs the directed, bus and "
        "GenApi tests and a sample of the same random seeds. Results: one JUnit file, coverage "
        "merged across seeds, a reproduce command per failing seed.",
    )
    seeds.add_argument(
        "--seeds",
        metavar="N|A-B",
        default=None,
        help=f"seeds 1..N, or A..B inclusive (default without --tests: 1..{DEFAULT_SEEDS})",
    )
    seeds.add_argument(
        "--workers",
        type=_count(1),
        default=None,
        metavar="K",
        help="local worker processes (default: the number of CPUs)",
    )
    seeds.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        default=None,
        help="run the seeds on this Dask distributed scheduler instead of the local pool",
    )
    seeds.add_argument(
        "--shard",
        metavar="I/N",
        default=None,
        help="run only the I-th of N deterministic slices of the seeds (for CI matrices)",
    )
    seeds.add_argument(
        "--only-seeds",
        action="store_true",
        help="run only the seeds on the native runner (no cocotb tests)",
    )
    add_build_dir_argument(p)
    return p


COCOTB_SAMPLE = 2
"""Random seeds of a --seeds run (the first of the shard) that also run on the cocotb path."""


def _seed_args(args: argparse.Namespace) -> list[int] | None:
    """The seeds of this run (after --shard), or None without --seeds; usage errors."""
    from sim.farm import parse_seeds, parse_shard, shard

    if args.seeds is None:
        for opt in ("workers", "scheduler", "shard"):
            if getattr(args, opt) is not None:
                raise UsageError(f"--{opt} needs --seeds")
        if args.only_seeds:
            raise UsageError("--only-seeds needs --seeds")
        return None if args.tests is not None else list(range(1, DEFAULT_SEEDS + 1))
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as exc:
        raise UsageError(f"--seeds: {exc}") from None
    if args.shard is not None:
        try:
            i, n = parse_shard(args.shard)
        except ValueError as exc:
            raise UsageError(f"--shard: {exc}") from None
        seeds = shard(seeds, i, n)
    if args.scheduler is not None:
        if not re.fullmatch(r"(tcp|tls|inproc|ucx)://\S+", args.scheduler):
            raise UsageError(
                f"--scheduler: expected an address such as tcp://HOST:PORT, not {args.scheduler!r}"
            )
        if args.workers is not None:
            raise UsageError("--workers is for the local pool; the cluster has its own workers")
    return seeds


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


def _merge_junit(runs, path: Path, extra=()) -> None:
    """One JUnit file with a testsuite per simulator (and the ``extra`` suites: seeds)."""
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
    root.extend(extra)
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
    seeds = _seed_args(args)
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
    seed_results = []
    owned = [
        "results.xml",
        "seeds.json",
        *(f"{s}.{ext}" for s in SIMULATORS for ext in ("xml", "log")),
    ]
    cocotb_config = {"random_count": args.random_count, "random_cycles": args.random_cycles}
    if args.seeds is not None:
        cocotb_config["random_seeds"] = seeds[:COCOTB_SAMPLE]
    # One regression at a time per build directory: the simulator builds under it are shared.
    with _regress_lock(sim_build_root()), write_outputs(out, owned) as stage:
        for sim in sims if seeds is None or not args.only_seeds else ():
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
                    config=cocotb_config,
                    results_xml=stage.path / f"{sim}.xml",
                    log_file=stage.path / f"{sim}.log",
                )
            except BuildError as exc:
                print(f"camtwin regress: error: {exc}", file=sys.stderr)
                stage.abort()
                return 1
            r.elapsed = time.monotonic() - t0
            runs.append(r)
        if args.tests is not None and runs and not any(r.tests for r in runs):
            stage.abort()
            raise UsageError(f"no test name matches --tests {args.tests!r}")
        suites = []
        if seeds:
            seed_results = _run_seeds(args, seeds, sims, overrides, stage)
            if seed_results is None:
                return 1
            from sim.farm import junit_suite

            suites = [junit_suite(seed_results, s, args.regmap, args.random_cycles) for s in sims]
        _merge_junit(runs, stage.path / "results.xml", suites)

    names = sorted({t.name for r in runs for t in r.tests}, key=lambda n: n)
    width = max([len(n) for n in names] + [4])
    if names:
        print(f"\n{'test':<{width}}  " + "  ".join(f"{s:<9}" for s in sims))
    for name in names:
        cells = []
        for r in runs:
            t = next((t for t in r.tests if t.name == name), None)
            cells.append("-" if t is None else "PASS" if t.passed else "FAIL")
        print(f"{name:<{width}}  " + "  ".join(f"{c:<9}" for c in cells))
    print()
    failed = False
    if seed_results:
        failed |= _report_seeds(args, seed_results, sims, runs)
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


def _run_seeds(args, seeds: list[int], sims, overrides, stage):
    """Run the seeds on the local pool or the Dask cluster; write seeds.json; the results."""
    import json
    import os

    from firmware_model import compiled
    from sim.farm import Progress, SeedJob, run_jobs
    from sim.runner import sim_build_root

    regmap = str(Path(args.regmap).resolve())
    build = str(sim_build_root().resolve())
    wave_dir = sim_build_root().resolve() / "seeds"
    if args.waves:
        wave_dir.mkdir(parents=True, exist_ok=True)
    jobs = [
        SeedJob(
            seed,
            sim,
            args.random_cycles,
            regmap,
            overrides,
            build,
            str(wave_dir / f"{sim}-seed-{seed}.vcd") if args.waves else None,
        )
        for sim in sims
        for seed in seeds
    ]
    workers = args.workers or os.cpu_count() or 1
    where = args.scheduler or f"{workers} local worker{'s' if workers > 1 else ''}"
    print(f"[seeds] {len(seeds)} seeds x {', '.join(sims)} on {where} ...", flush=True)
    print(f"[seeds] firmware model: {compiled.status()}", flush=True)
    t0 = time.monotonic()
    try:
        progress = Progress(len(jobs))
        results = run_jobs(jobs, workers, args.scheduler, progress, ready=progress.start)
    except RuntimeError as exc:
        print(f"camtwin regress: error: {exc}", file=sys.stderr)
        stage.abort()
        return None
    elapsed = time.monotonic() - t0
    (stage.path / "seeds.json").write_text(
        json.dumps(
            {
                "seeds": seeds,
                "cycles": args.random_cycles,
                "engine": args.scheduler or f"local:{workers}",
                "seconds": elapsed,
                "results": [
                    {k: v for k, v in r.to_dict().items() if k != "coverage"} for r in results
                ],
            },
            indent=1,
        )
    )
    return results


def _report_seeds(args, results, sims, runs) -> bool:
    """Print the seeds' outcome per simulator (coverage merged with the cocotb run's); True if
    any seed failed."""
    from sim.coverage import Coverage
    from sim.farm import merge_coverage, rate_text, repro_command

    failed = False
    for sim in sims:
        mine = [r for r in results if r.simulator == sim]
        bad = [r for r in mine if not r.passed]
        failed |= bool(bad)
        cycles = sum(r.cycles for r in mine)
        secs = sum(r.seconds - r.build_seconds for r in mine)
        cov = merge_coverage([r.coverage for r in mine])
        hit, total, _missed = Coverage.summary(cov)
        print(
            f"{sim} seeds: {len(mine) - len(bad)}/{len(mine)} passed, {cycles} cycles, "
            f"{rate_text(cycles / secs if secs else 0)} checked cycles/s per worker, "
            f"seed coverage {hit}/{total} bins"
        )
        models = sorted({r.model for r in mine})
        if len(models) > 1:  # workers of a cluster need not have the compiled copy
            counts = ", ".join(f"{sum(r.model == m for r in mine)} {m}" for m in models)
            print(f"  firmware model per seed: {counts}")
        for r in bad:
            print(f"  FAIL seed {r.seed}: {(r.message.splitlines() or ['failed'])[0]}")
            print(f"    reproduce: {repro_command(r, args.regmap, args.random_cycles)}")
        for run in runs:
            if run.simulator == sim:
                run.coverage = merge_coverage([run.coverage, cov])
        if not any(run.simulator == sim for run in runs):
            print(f"  seed coverage missed: {', '.join(Coverage.summary(cov)[2][:12])}")
    return failed
