"""Many random seeds at once: each seed's constrained-random scenario runs on the native runner
(``sim.native``: a C++ loop on Verilator, a plain testbench on Icarus), the firmware model
replays what the RTL did in the worker's own process, and the results, JUnit cases and functional
coverage of all seeds are merged.

Engines: a local process pool (embedded, nothing to set up) or a Dask distributed cluster
(``tcp://HOST:PORT``; the same jobs and the same per-seed results). A seed's result is a pure
function of the map, the simulator, the seed and the cycle count, wherever it runs.

Builds: every worker process generates ``camera.v`` and builds the native runner once
(``sim.native.build_native``: a file lock per build directory, so workers of one machine share
one build and never build it concurrently; a worker on another machine builds once, in its own
build directory when the client's is not reachable).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "Progress",
    "SeedJob",
    "SeedResult",
    "junit_suite",
    "merge_coverage",
    "native_stimulus",
    "parse_seeds",
    "parse_shard",
    "repro_command",
    "run_jobs",
    "run_seed",
    "shard",
]


# ---------------------------------------------------------------------------------------------
# Seeds and shards
# ---------------------------------------------------------------------------------------------


def parse_seeds(text: str) -> list[int]:
    """``N`` (seeds 1..N) or ``A-B`` (seeds A..B inclusive); ValueError with the reason."""
    text = text.strip()
    try:
        if "-" in text:
            a, b = (int(x, 0) for x in text.split("-", 1))
            if a < 0 or b < a:
                raise ValueError(f"the range {text!r} is empty or negative (A-B with 0 <= A <= B)")
            return list(range(a, b + 1))
        n = int(text, 0)
    except ValueError as exc:
        if "range" in str(exc):
            raise
        raise ValueError(f"expected N or A-B, not {text!r}") from None
    if n < 1:
        raise ValueError(f"the number of seeds must be at least 1, not {n}")
    return list(range(1, n + 1))


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` with 1 <= I <= N."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"expected I/N (such as 2/3), not {text!r}") from None
    if not 1 <= i <= n:
        raise ValueError(f"shard {text!r}: I must be between 1 and N")
    return i, n


def shard(seeds: list[int], index: int, count: int) -> list[int]:
    """Shard ``index`` of ``count`` (1-based): every ``count``-th seed from the ``index``-th.
    The shards 1..count partition ``seeds`` (each seed in exactly one), in order."""
    return seeds[index - 1 :: count]


# ---------------------------------------------------------------------------------------------
# One seed
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedJob:
    """What a worker needs to run one seed (small and picklable: workers load the map and
    build the design themselves, once per process)."""

    seed: int
    simulator: str
    cycles: int
    regmap: str
    overrides: dict | None = None
    build_dir: str | None = None
    """The client's build root (``sim.runner.sim_build_root()``), used when reachable."""
    waves: str | None = None
    """Write a VCD of the run to this path (native Icarus runner, or a tracing Verilator
    build)."""


@dataclass
class SeedResult:
    """The outcome of one seed."""

    seed: int
    simulator: str
    cycles: int
    passed: bool
    message: str = ""
    sim_seconds: float = 0.0
    replay_seconds: float = 0.0
    seconds: float = 0.0
    build_seconds: float = 0.0
    """Part of ``seconds`` spent generating and building (or waiting for) the design."""
    coverage: dict[str, int] = field(default_factory=dict)
    worker: str = ""
    edges: int = 0
    model: str = ""
    """``compiled`` or ``interpreted``: the firmware model the worker ran
    (``firmware_model.compiled``)."""

    def to_dict(self) -> dict:
        return asdict(self)

    def key(self) -> tuple:
        """What must be equal wherever the seed runs (not the timings or the worker)."""
        return (self.seed, self.simulator, self.cycles, self.passed, self.message, self.edges)


_MAPS: dict[tuple, Any] = {}


def _map(regmap: str, overrides: dict | None):
    import json

    from regmap import load

    from .runner import apply_overrides

    key = (regmap, json.dumps(overrides, sort_keys=True))
    if key not in _MAPS:
        _MAPS[key] = apply_overrides(load(regmap), overrides)
    return _MAPS[key]


class _RecordingBus:
    """A synchronous bus for :class:`firmware_model.RegisterFile` that records every write at
    the current scenario cycle and answers reads from a shadow :class:`RegisterBank` (the
    read-modify-write of a configuration field reads what software wrote before)."""

    def __init__(self, rmap) -> None:
        from firmware_model import BusError
        from firmware_model.bank import RegisterBank

        from .native import StimWrite

        self.bank = RegisterBank(rmap)
        self.cycle = 0
        self.writes: list = []
        self._error = BusError
        self._record = StimWrite

    def read(self, addr: int) -> int:
        try:
            return self.bank.read(addr)
        except self._error:
            return 0

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        self.writes.append(self._record(self.cycle, addr, value & 0xFFFFFFFF, strobe & 0xF))
        # SLVERR: the RTL's response is compared with the model's in the replay
        with contextlib.suppress(self._error):
            self.bank.write(addr, value, strobe)


def native_stimulus(rmap, scenario) -> list:
    """The register operations of a :class:`sim.scenario.Scenario` as native-runner writes
    (``sim.native.StimWrite``), in operation order, at the operation's cycle.

    ``set``/``execute`` go through the firmware register layer (read-modify-write against a
    shadow of what was written), ``write`` is the raw word with its strobe (to a register by
    name, or to ``Op.address`` when the operation has one). ``get`` operations are not
    replayed: the native runner reads the counters and status after the scenario.
    """
    from firmware_model import RegisterFile

    bus = _RecordingBus(rmap)
    regs = RegisterFile(rmap, bus)
    for o in sorted(scenario.ops, key=lambda o: o.cycle):
        bus.cycle = max(1, o.cycle)
        sel = dict(o.selectors)
        if o.kind == "set":
            regs.set_raw(o.feature, o.value, **sel)
        elif o.kind == "execute":
            regs.execute(o.feature, **sel)
        elif o.kind == "write":
            addr = getattr(o, "address", None)
            if addr is None:
                addr = rmap.register(o.feature).address
            bus.write(addr, o.value, o.strobe)
    return bus.writes


def _build_base(job: SeedJob) -> Path | None:
    """The client's build root if this worker can write there, else None (the default)."""
    if not job.build_dir:
        return None
    base = Path(job.build_dir)
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=base, prefix=".probe-")  # noqa: SIM115
        probe.close()
    except OSError:
        return None
    return base


def _warm(job: SeedJob):
    """The map, design text and native build of a job (cached per process)."""
    from . import coverage, scenario  # noqa: F401  (what every seed imports, once)
    from .native import _generated, build_native

    rmap = _map(job.regmap, job.overrides)
    return rmap, build_native(
        _generated(rmap),
        rmap.device.name,
        job.simulator,
        _build_base(job),
        trace=job.waves is not None,
    )


def run_seed(job: SeedJob) -> SeedResult:
    """Run one seed: scenario, native RTL run, model replay, comparison, coverage."""
    from firmware_model.compiled import is_compiled

    from .native import replay_native, run_native
    from .scenario import FINAL_READS, random_scenario

    t_start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    model = "compiled" if is_compiled() else "interpreted"
    res = SeedResult(job.seed, job.simulator, job.cycles, False, worker=worker, model=model)
    try:
        t0 = time.perf_counter()
        rmap, build = _warm(job)
        res.build_seconds = time.perf_counter() - t0
        sc = random_scenario(rmap, job.seed, job.cycles)
        writes = sorted(native_stimulus(rmap, sc), key=lambda w: w.cycle)  # the runner's order
        reads = []
        for feat in FINAL_READS:
            reg, _f = rmap.feature(feat)
            reads.append(reg.address)
        lines = sc.lines
        run = run_native(
            build,
            sc.cycles,
            lines.get("line1_in", []),
            lines.get("line2_i", []),
            writes,
            reads,
            waves=job.waves,
        )
        res.sim_seconds = run.seconds
        t0 = time.perf_counter()
        check = replay_native(
            rmap, lines.get("line1_in", []), lines.get("line2_i", []), run, writes
        )
        res.replay_seconds = time.perf_counter() - t0
        res.edges = sum(len(v) for v in run.edges.values())
        res.passed = check.mismatch is None
        if check.mismatch is not None:
            res.message = f"{check.mismatch}\n{sc.describe()}"
        from .coverage import Coverage

        cov = Coverage(rmap)
        cov.sample(sc, check)
        res.coverage = dict(cov.hits)
    except Exception as exc:  # reported as the seed's failure, with the reason
        res.passed = False
        res.message = f"error: {type(exc).__name__}: {exc}"
    res.seconds = time.perf_counter() - t_start
    return res


# ---------------------------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------------------------


def _local(
    jobs: list[SeedJob], workers: int, ready: Callable[[], None] | None = None
) -> Iterator[SeedResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # Load the map, generate camera.v and build once here: forked workers inherit it.
    _prepare(_firsts(jobs))
    if ready is not None:
        ready()
    if workers <= 1:
        for job in jobs:
            yield run_seed(job)
        return
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(run_seed, job) for job in jobs]
        for fut in as_completed(futures):
            yield fut.result()


def _firsts(jobs: list[SeedJob]) -> list[SeedJob]:
    """The first job of each (map, simulator)."""
    firsts: dict[tuple, SeedJob] = {}
    for j in jobs:
        firsts.setdefault((j.regmap, j.simulator), j)
    return list(firsts.values())


def _prepare(jobs: list[SeedJob]) -> None:
    """Warm this process for the jobs (map, design, build, modules), then move what it holds
    out of the garbage collector's way (``gc.freeze``: fewer full collections in every seed,
    and no copy-on-write of it in forked workers). A failure is left to the seeds, which
    report it."""
    import gc

    for job in jobs:
        with contextlib.suppress(Exception):
            _warm(job)
    gc.collect()
    gc.freeze()


def _dask(
    jobs: list[SeedJob],
    address: str,
    ready: Callable[[], None] | None = None,
    timeout: float = 30.0,
) -> Iterator[SeedResult]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - a dependency of camtwin
        raise RuntimeError(f"--scheduler needs dask distributed ({exc})") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except OSError as exc:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    token = uuid.uuid4().hex[:8]
    with client:
        # Every worker connected now warms up at once (as the local pool's parent does before
        # forking); a worker joining later warms with its first seed.
        client.run(_prepare, _firsts(jobs))
        if ready is not None:
            ready()
        # the cluster's threads now (a cluster that grows later gets the many small batches)
        groups = batches(jobs, sum(client.nthreads().values()))
        keys = [f"camtwin-{b[0].simulator}-seeds-{b[0].seed}-{len(b)}-{token}" for b in groups]
        futures = client.map(_run_batch, groups, pure=False, key=keys)
        for fut in as_completed(futures, loop=client.loop):
            yield from fut.result()


MAX_BATCH = 16
"""The most seeds one Dask task runs."""


def batches(jobs: list[SeedJob], workers: int, per_worker: int = 8) -> list[list[SeedJob]]:
    """``jobs`` in order, cut into batches of equal size (the last may be shorter) of at most
    :data:`MAX_BATCH` seeds, at least ``per_worker`` batches per worker (thread) when there are
    enough jobs: each Dask task costs the client and the scheduler some milliseconds of CPU, as
    much as a short seed, so a task runs a few seeds when there are many, and the workers (also
    those that join later) still share the run to its end."""
    size = min(MAX_BATCH, max(1, len(jobs) // (per_worker * max(1, workers))))
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def _run_batch(jobs: list[SeedJob]) -> list[SeedResult]:
    return [run_seed(j) for j in jobs]


def run_jobs(
    jobs: list[SeedJob],
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[SeedResult], None] | None = None,
    ready: Callable[[], None] | None = None,
) -> list[SeedResult]:
    """Run the jobs on the local pool (``workers`` processes) or on a Dask scheduler; return the
    results in job order. ``ready()`` is called once the workers are set up (the map loaded, the
    design generated and built) and the seeds start."""
    it = _dask(jobs, scheduler, ready) if scheduler else _local(jobs, workers, ready)
    done: dict[tuple[int, str], SeedResult] = {}
    for r in it:
        done[(r.seed, r.simulator)] = r
        if progress is not None:
            progress(r)
    return [done[(j.seed, j.simulator)] for j in jobs]


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar: seeds done and failed, checked cycles per second, ETA.

    On a terminal it redraws in place; otherwise it prints a line about every 10 %."""

    def __init__(self, total: int, stream: TextIO | None = None, width: int = 24) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.width = width
        self.done = self.failed = 0
        self.cycles = 0
        self.t0 = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._next = 0

    def start(self) -> None:
        """The seeds start now (after the workers were set up and the design built): the rate
        and the ETA count from here."""
        self.t0 = time.monotonic()

    def line(self) -> str:
        dt = max(time.monotonic() - self.t0, 1e-9)
        rate = self.cycles / dt
        eta = (self.total - self.done) * dt / self.done if self.done else 0.0
        fill = self.width * self.done // max(self.total, 1)
        bar = "#" * fill + "-" * (self.width - fill)
        return (
            f"[{bar}] {self.done}/{self.total} seeds, {self.failed} failed, "
            f"{rate_text(rate)} cycles/s, ETA {int(eta) // 60}:{int(eta) % 60:02d}"
        )

    def __call__(self, r: SeedResult) -> None:
        self.done += 1
        self.failed += not r.passed
        self.cycles += r.cycles
        if self.tty:
            end = "\n" if self.done == self.total else ""
            print("\r" + self.line(), end=end, file=self.stream, flush=True)
        elif self.done >= self._next or self.done == self.total:
            print(self.line(), file=self.stream, flush=True)
            self._next = self.done + max(1, self.total // 10)


def rate_text(rate: float) -> str:
    """A rate as ``1.23 M`` or ``456 k``."""
    return f"{rate / 1e6:.2f} M" if rate >= 1e6 else f"{rate / 1e3:.0f} k"


def merge_coverage(hits: Iterable[dict[str, int]]) -> dict[str, int]:
    """The sum of coverage hit dictionaries (bins of any of them kept, even at 0)."""
    out: dict[str, int] = {}
    for h in hits:
        for k, v in h.items():
            out[k] = out.get(k, 0) + v
    return out


def repro_command(r: SeedResult, regmap: str, cycles: int, waves: bool = True) -> str:
    """One command line that runs this seed alone (with waves)."""
    cmd = (
        f"camtwin regress {regmap} --sim {r.simulator} --seeds {r.seed}-{r.seed} "
        f"--random-cycles {cycles} --only-seeds"
    )
    return cmd + (" --waves" if waves else "")


def junit_suite(results: list[SeedResult], simulator: str, regmap: str, cycles: int) -> ET.Element:
    """A JUnit ``testsuite`` with one case per seed (failures carry the reproduce command)."""
    mine = [r for r in results if r.simulator == simulator]
    suite = ET.Element(
        "testsuite",
        name=f"camtwin.{simulator}.seeds",
        tests=str(len(mine)),
        failures=str(sum(not r.passed for r in mine)),
    )
    for r in mine:
        case = ET.SubElement(
            suite,
            "testcase",
            name=f"random_seed_{r.seed}",
            classname=f"{simulator}.native.random",
            time=f"{r.seconds:.3f}",
        )
        if not r.passed:
            fail = ET.SubElement(case, "failure", message=(r.message.splitlines() or ["failed"])[0])
            fail.text = f"{r.message}\nreproduce: {repro_command(r, regmap, cycles)}"
    return suite
