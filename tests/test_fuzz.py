"""Property-based fuzzing of every input format and of the command line (hypothesis).

Each input (register map, timing spec, scenario) is a valid file mutated a few times: values
replaced by hostile tokens (huge, tiny, non-finite, recursive aliases, merge keys, control
characters, long strings...), lines deleted, duplicated, re-indented or inserted. For every
mutant the loader must either accept it or raise its diagnostics error whose messages are short
and located, within a time limit; an accepted input must then work in the next stage (the
generators and consumers for a map, the evaluation for a spec, the simulation for a scenario).
A traceback, a hang past the limit, an accepted input that breaks the next stage, or an
over-long message is a failure. Briefly in the default suite; long under ``-m soak``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from camtwin.cli import main
from camtwin.consumers import consumer_problems
from firmware_model.results import summarise
from firmware_model.scenario import ScenarioError, loads_scenario
from regmap import RegmapError, UnsupportedMap, loads
from regmap.diagnostics import DiagnosticsError
from regmap.generators import GENERATORS
from timingspec.report import run_spec
from timingspec.spec import SpecError, loads_spec

ROOT = Path(__file__).resolve().parent.parent


def _base(path: Path) -> str:
    """A valid input without its comment lines (mutations land on content)."""
    lines = path.read_text().splitlines()
    return "\n".join(x for x in lines if x.strip() and not x.lstrip().startswith("#")) + "\n"


MINIMAL = _base(ROOT / "tests" / "data" / "regmap" / "minimal.yaml")
SPEC = _base(ROOT / "tests" / "data" / "timing" / "impossible.yaml")
SCENARIO = _base(ROOT / "firmware_model" / "examples" / "debounce_1500us.yaml")
LIMIT_S = 10
"""Wall-clock limit of one example (the 2 s answer time is measured by the benchmarks; this
only catches hangs on a loaded machine)."""

HOSTILE = [
    "1e999",
    "-1e999",
    ".nan",
    ".inf",
    "1e-300",
    "-1",
    "0",
    "2**80",
    "9" * 80,
    "0x" + "F" * 40,
    "010",
    "0x",
    "-0",
    "''",
    "~",
    "null",
    "[]",
    "{}",
    "[[[[[[[[[[]]]]]]]]]]",
    "&a [*a]",
    "&b {<<: *b}",
    "*undefined",
    "{<<: [{a: 1}, {b: 2}]}",
    '"\\x01\\x1b[31m"',
    '"\\0"',
    '"*/ int x; /*"',
    "'<script>alert(1)</script>'",
    "x" * 3000,
    "1_000_000_000_000",
    "4294967296",
    "1e15",
    "(max())",
    "(ceil(1e999)) us",
    "(1e200 * 1e200 - 1e200 * 1e200) us",
    "(" + "abs(" * 40 + "1" + ")" * 40 + ") us",
    "-5 us",
    "0 us",
    "1e12 s",
    "-24 V",
    "!!python/object/apply:os.system ['true']",
    "|\n  multi\n  line",
]


# Values that often keep the input valid: accepted-but-unusual inputs reach the next stage.
PLAUSIBLE = [
    "1",
    "2",
    "10000",
    "0.5",
    "1 us",
    "0.001 us",
    "3 cycles",
    "10 ms",
    "1 s",
    "250 us",
    "(FrameStartLatencyFixed + TriggerDelay[FrameStart]) cycles",
    "(clock_hz / 1000) Hz",
    "On",
    "Off",
    "Line1",
    "Line2",
    "FallingEdge",
    "true",
    "false",
    "[1, 0]",
    "[[10, 1], [20, 0]]",
    "{start: 0, period: 0.5, width: 0.25, count: 10000}",
    "{pulses: {start: 0 us, width: 1 us, period: 2 us, count: 10000}}",
    "{edges: [1 us, 2 us]}",
    "{high: 30 V, low: 29.9 V, ramp: 0.001 us}",
    "0x10000",
    "31:0",
    "q31",
    "period",
    "cycles",
]


@contextlib.contextmanager
def time_limit(seconds: float):
    """Fail the example if it runs longer than ``seconds``."""

    def expire(_signum, _frame):
        raise TimeoutError(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@st.composite
def mutants(draw, text: str) -> str:
    """``text`` with one to three line-level mutations."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["value"] * 6 + ["delete", "dup", "indent", "insert"]))
        line = lines[i]
        if op == "value":
            m = re.match(r"^(\s*(?:- )?[^:#]*:\s*)(.+)$", line)
            token = draw(st.sampled_from(HOSTILE) | st.sampled_from(PLAUSIBLE))
            if m:
                lines[i] = m.group(1) + token
            else:
                lines[i] = line + " " + token
        elif op == "delete":
            del lines[i]
        elif op == "dup":
            lines.insert(i, line)
        elif op == "indent":
            lines[i] = " " * draw(st.integers(1, 3)) + line
        else:
            key = draw(st.sampled_from(["x", "<<", "duration", "count", "name", "bits", "max"]))
            lines.insert(
                i,
                f"{line[: len(line) - len(line.lstrip())]}{key}: {draw(st.sampled_from(HOSTILE))}",
            )
        if not lines:
            lines = ["x: 1"]
    return "\n".join(lines) + "\n"


def check_messages(exc: DiagnosticsError, filename: str) -> None:
    """Every diagnostic is located in the file and short."""
    assert exc.diagnostics, "an error without diagnostics"
    for d in exc.diagnostics:
        assert d.loc.file == filename and d.loc.line >= 1 and d.loc.col >= 1, d
    for line in exc.render().splitlines():
        assert len(line) < 500, f"over-long message line: {line[:200]}..."


FUZZ = settings(
    max_examples=int(os.environ.get("CAMTWIN_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
SOAK = settings(
    FUZZ,
    max_examples=int(os.environ.get("CAMTWIN_SOAK_EXAMPLES", "1500")),
    derandomize=False,
)


# -- register maps -------------------------------------------------------------------------------


def _regmap_case(text: str) -> None:
    with time_limit(LIMIT_S):
        try:
            rmap = loads(text, "fuzz.yaml")
        except RegmapError as exc:
            check_messages(exc, "fuzz.yaml")
            return
        for gen in GENERATORS.values():
            with contextlib.suppress(UnsupportedMap):
                gen.render(rmap)
        consumer_problems(rmap)  # never raises: what a consumer cannot use is a diagnostic


@FUZZ
@given(mutants(MINIMAL))
def test_fuzz_regmap(text):
    _regmap_case(text)


@pytest.mark.soak
@SOAK
@given(mutants(MINIMAL))
def test_fuzz_regmap_soak(text):
    _regmap_case(text)


# -- the camera's map: what `check` accepts, the model and the timing checks can use ---------------

CAMERA = _base(ROOT / "regmap" / "camera.yaml")
CAMERA_VALUES = st.sampled_from(["0", "1", "2", "3", "255", "65535", "4294967295", "1e15", "0.5"])


@st.composite
def camera_mutants(draw) -> str:
    """The camera map with one to three numeric values (constants, resets, min/max) changed."""
    lines = CAMERA.splitlines()
    numeric = [
        i
        for i, x in enumerate(lines)
        if re.match(r"^\s*(value|reset|min|max|stride|clock_hz):\s*[\d_.xXa-fA-F]+\s*$", x)
    ]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.sampled_from(numeric))
        key = lines[i].split(":")[0]
        lines[i] = f"{key}: {draw(CAMERA_VALUES)}"
    return "\n".join(lines) + "\n"


def _camera_case(text: str) -> None:
    with time_limit(LIMIT_S):
        try:
            rmap = loads(text, "camera.yaml")
        except RegmapError as exc:
            check_messages(exc, "camera.yaml")
            return
        if [p for p in consumer_problems(rmap) if not p.absent]:
            return  # refused at load, located (tests/test_hostile.py checks the messages)
    # Accepted: the model and the timing checks run, or refuse their inputs with diagnostics
    # (a narrowed range can make a scenario's value invalid for this map).
    with time_limit(6 * LIMIT_S):
        try:
            scenario = loads_scenario(SCENARIO, rmap, "scenario.yaml")
        except ScenarioError as exc:
            check_messages(exc, "scenario.yaml")
        else:
            summarise(scenario, scenario.run())
        try:
            spec = loads_spec(SPEC, rmap, "spec.yaml")
        except SpecError as exc:
            check_messages(exc, "spec.yaml")
        else:
            run_spec(spec, rmap, "camera.yaml", tables=False)


@settings(FUZZ, max_examples=int(os.environ.get("CAMTWIN_FUZZ_EXAMPLES", "8")))
@given(camera_mutants())
def test_fuzz_camera_map(text):
    _camera_case(text)


@pytest.mark.soak
@settings(SOAK, max_examples=int(os.environ.get("CAMTWIN_SOAK_EXAMPLES", "1500")) // 5)
@given(camera_mutants())
def test_fuzz_camera_map_soak(text):
    _camera_case(text)


# -- timing specs --------------------------------------------------------------------------------


def _spec_case(text: str, rmap) -> None:
    with time_limit(LIMIT_S):
        try:
            spec = loads_spec(text, rmap, "fuzz.yaml")
        except SpecError as exc:
            check_messages(exc, "fuzz.yaml")
            return
    with time_limit(6 * LIMIT_S):  # an accepted spec is simulated: a few runs per requirement
        run_spec(spec, rmap, "camera.yaml", tables=False)


@FUZZ
@given(text=mutants(SPEC))
@example(text=SPEC)
@example(text=SPEC.replace("period: 10 ms, count: 2}", "period: 2 us, count: 10000}", 1))
def test_fuzz_spec(text, camera_map):
    _spec_case(text, camera_map)


@pytest.mark.soak
@SOAK
@given(text=mutants(SPEC))
def test_fuzz_spec_soak(text, camera_map):
    _spec_case(text, camera_map)


# -- scenarios -----------------------------------------------------------------------------------


def _scenario_case(text: str, rmap) -> None:
    with time_limit(LIMIT_S):
        try:
            scenario = loads_scenario(text, rmap, "fuzz.yaml")
        except ScenarioError as exc:
            check_messages(exc, "fuzz.yaml")
            return
    with time_limit(3 * LIMIT_S):
        result = scenario.run()
        summarise(scenario, result)


@FUZZ
@given(text=mutants(SCENARIO))
@example(text=SCENARIO)
@example(
    text=SCENARIO.split("inputs:")[0]
    + "inputs:\n  line1: {start: 0, period: 2, width: 1, count: 10000}\n"
)
def test_fuzz_scenario(text, camera_map):
    _scenario_case(text, camera_map)


@pytest.mark.soak
@SOAK
@given(text=mutants(SCENARIO))
def test_fuzz_scenario_soak(text, camera_map):
    _scenario_case(text, camera_map)


# -- the command line ----------------------------------------------------------------------------

BAD_MAP = ROOT / "tests" / "data" / "hostile" / "regmap_alias_bomb.yaml"
FIXED = {
    # Each command gets small inputs first, so that an accepted command line runs quickly
    # (no RTL, no cycle mode, no full camera spec); the fuzzed tokens follow.
    "check": [],
    "generate": [],
    "model": ["--scenario", str(ROOT / "firmware_model" / "examples" / "debounce_1500us.yaml")],
    "timing": [str(ROOT / "tests" / "data" / "timing" / "impossible.yaml"), "--no-tables"],
}
TOKENS = [
    "-o",
    "--output",
    "--only",
    "--scenario",
    "--regmap",
    "--mode",
    "--no-tables",
    "--help",
    "--version",
    "",
    " ",
    "-",
    "--",
    "x" * 300,
    "out",
    "out/sub",
    ".",
    "..",
    "/",
    "header",
    "header,docs",
    "verilog,",
    ",,",
    "event",
    str(ROOT / "tests" / "data" / "regmap" / "minimal.yaml"),
    str(BAD_MAP),
    str(ROOT / "tests" / "data" / "hostile" / "spec_nan.yaml"),
    str(ROOT / "tests" / "data" / "hostile" / "scenario_duration_zero.yaml"),
    "nonexistent.yaml",
    "/dev/null",
    "/proc/self/mem",
    "é" * 10,
]


def _cli_case(argv: list[str], tmp: Path) -> None:
    before = set(Path.cwd().iterdir())
    with time_limit(6 * LIMIT_S):
        try:
            rc = main(argv)
        except SystemExit as exc:  # argparse: --help, --version, usage errors
            assert exc.code in (0, 2), argv
            return
    assert rc in (0, 1, 2), argv
    # Nothing appears in the working directory but directories the command line named.
    named = {
        part
        for a in argv
        if a and not a.startswith("-") and not a.isspace()
        for part in Path(a).parts[:1]
    }
    named.add("build")  # the default output directories are under build/
    for p in set(Path.cwd().iterdir()) - before:
        assert p.name in named, f"{argv} wrote {p.name} into the working directory"
        assert not p.name.startswith("."), f"{argv} left {p.name}"


@st.composite
def command_lines(draw) -> list[str]:
    cmd = draw(st.sampled_from(sorted(FIXED)))
    return [cmd, *FIXED[cmd], *draw(st.lists(st.sampled_from(TOKENS), max_size=5))]


@FUZZ
@given(argv=command_lines())
def test_fuzz_cli(argv, tmp_path_factory, monkeypatch, capsys):
    tmp = tmp_path_factory.mktemp("cli")
    monkeypatch.chdir(tmp)
    _cli_case(argv, tmp)
    err = capsys.readouterr().err
    assert "Traceback" not in err


@pytest.mark.soak
@SOAK
@given(argv=command_lines())
def test_fuzz_cli_soak(argv, tmp_path_factory, monkeypatch, capsys):
    tmp = tmp_path_factory.mktemp("cli")
    monkeypatch.chdir(tmp)
    _cli_case(argv, tmp)
    assert "Traceback" not in capsys.readouterr().err
