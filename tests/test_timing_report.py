"""``camtwin timing``: exit status, the printed table, the reports, headless Chromium rendering."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from camtwin.cli import main
from timingspec.engine import SimResult, run_model
from timingspec.report import Progress

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "timingspec" / "specs" / "camera-timing.yaml"
DATA = ROOT / "tests" / "data" / "timing"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def camera_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, str, Path]:
    out = tmp_path_factory.mktemp("timing")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "camtwin",
            "timing",
            str(SPEC),
            "--regmap",
            str(ROOT / "regmap" / "camera.yaml"),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr, out


def test_camera_spec_passes_from_the_cli(camera_report: tuple) -> None:
    rc, stdout, stderr, out = camera_report
    assert rc == 0, stdout + stderr
    assert "Traceback" not in stderr
    assert re.search(r"^\d+ requirements: (\d+) passed, 0 failed$", stdout, re.M)
    assert re.search(
        r"^PASS  trigger-delay-1s +1\.000000039 s +1\.000000032 s … 1\.00000004 s", stdout, re.M
    )
    # Not a TTY: one plain progress line per requirement, then the datasheet tables.
    assert re.search(r"^\[1/\d+\] trigger-delay-0$", stderr, re.M)
    assert "\r" not in stderr
    names = ["diagrams", "report.html", "report.md", "results.json"]
    assert sorted(p.name for p in out.iterdir()) == names


def test_results_json(camera_report: tuple) -> None:
    out = camera_report[3]
    data = json.loads((out / "results.json").read_text())
    assert data["clock_hz"] == 125_000_000
    assert data["summary"]["failed"] == 0
    assert data["summary"]["total"] == len(data["requirements"]) >= 30
    req = {r["name"]: r for r in data["requirements"]}
    d1s = req["trigger-delay-1s"]
    # 1 s + (3 + 1) cycles .. + 1 cycle, in µs.
    assert d1s["bound"]["limits"] == pytest.approx([1_000_000.032, 1_000_000.040])
    assert d1s["config"]["TriggerDelay[FrameStart]"] == {"value": "1 s", "raw": 125_000_000}
    grid = data["datasheet"]["latency"]
    assert len(grid) == 9
    first = grid[0]["values_us"]  # N = 0, D = 0: 4 cycles, up to 7/8 cycle of phase
    assert (first["min"], first["max"]) == pytest.approx((0.032, 0.039))
    table = {row["volts"]: row["figures"] for row in data["datasheet"]["table_3_4"]}
    assert table[24.0]["tDF"]["datasheet"] == 53.2
    assert table[24.0]["tDF"]["measured"] == pytest.approx(53.2, rel=0.01)
    limits = {(row["line"], row["figure"]): row for row in data["datasheet"]["line_limits"]}
    assert len(limits) == 23 and all(row["agrees"] for row in limits.values())
    assert limits[("Line0", "recommended_pullup_12v")]["model"] == "560 Ω"
    assert limits[("Line2", "output_sink_current_max")]["manual"] == "50 mA"
    assert limits[("Line1 (legacy-29mm)", "absolute_max")]["values"]["model"] == 25.0
    high = req["line2-input-high-current-max"]
    assert (high["measured"], high["base_unit"]) == (pytest.approx(0.1), "mA")  # 100 µA


def test_markdown_report(camera_report: tuple) -> None:
    md = (camera_report[3] / "report.md").read_text()
    assert "| requirement | status | measured | bound | margin |" in md
    assert "| [trigger-delay-0](#trigger-delay-0) | PASS | 39 ns | 32 ns … 40 ns | 0 ns |" in md
    assert "### Opto-isolated output timing (Table 3-4 reproduced)" in md
    assert "| 24.0 V | 30.11 µs | 30.11 µs |" in md
    assert "### Line0, Line1 and Line2 electrical limits" in md
    assert "| Line2 | `input_low_sink_current` |" in md


def test_markdown_report_shows_the_diagrams_as_files(camera_report: tuple) -> None:
    out = camera_report[3]
    md = (out / "report.md").read_text()
    data = json.loads((out / "results.json").read_text())
    images = re.findall(r"^!\[timing diagram of ([\w.-]+)\]\(([^)\s]+)\)$", md, re.M)
    # Every requirement but the electrical figures (no simulation, no timing) has a diagram.
    timed = [r["name"] for r in data["requirements"] if r["measure"]["kind"] != "electrical"]
    assert [name for name, _path in images] == timed
    for name, path in images:
        assert path == f"diagrams/{name}.png"
        png = out / path
        assert png.is_file(), path
        assert png.read_bytes().startswith(PNG_MAGIC), path
    assert sorted(p.name for p in (out / "diagrams").iterdir()) == sorted(
        f"{name}.png" for name, _path in images
    )


def test_html_report_is_self_contained(camera_report: tuple) -> None:
    out = camera_report[3]
    html = (out / "report.html").read_text()
    data = json.loads((out / "results.json").read_text())
    assert '<table id="summary">' in html
    assert '<table id="table-3-4">' in html
    assert '<table id="latency-table">' in html
    assert '<table id="line-limits">' in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    # A diagram per requirement but the electrical figures (no simulation, no timing).
    assert len(images) == sum(r["measure"]["kind"] != "electrical" for r in data["requirements"])
    import base64

    assert all(base64.b64decode(i).startswith(PNG_MAGIC) for i in images)
    # Nothing is fetched: no external scripts, stylesheets or images.
    assert not re.search(r'(src|href)="(https?:|//|file:)', html)
    assert "<style>" in html


def test_html_report_renders_in_headless_chromium(camera_report: tuple, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is needed: apt-get install -y chromium"
    html = camera_report[3] / "report.html"
    shot = tmp_path / "report.png"
    proc = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            html.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 20_000  # a blank page is a few kB; the report has tables and plots


def _run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def test_wrong_latency_map_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _err = _run_cli(
        [
            "timing",
            str(SPEC),
            "--regmap",
            str(DATA / "camera-wrong-latency.yaml"),
            "-o",
            str(tmp_path),
            "--no-tables",
        ],
        capsys,
    )
    assert rc == 1
    # The map documents 5 fixed cycles: the bound is 48 .. 56 ns, the model takes 32 .. 39 ns.
    assert re.search(r"^FAIL  trigger-delay-0 +39 ns +48 ns … 56 ns +-16 ns$", out, re.M)
    assert re.search(r"^PASS  opto-24v-tDR ", out, re.M)
    assert re.search(r"^\d+ requirements: \d+ passed, 6 failed$", out, re.M)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["summary"]["failed_names"] == [
        "trigger-delay-0",
        "trigger-delay-250us",
        "trigger-delay-500ms",
        "trigger-delay-1s",
        "debouncer-latency-1500us",
        "trigger-to-line0-pin",
    ]
    assert 'class="fail">FAIL<' in (tmp_path / "report.html").read_text()


def test_impossible_bound_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _err = _run_cli(
        ["timing", str(DATA / "impossible.yaml"), "-o", str(tmp_path), "--no-tables"], capsys
    )
    assert rc == 1
    assert re.search(r"^PASS  possible ", out, re.M)
    assert re.search(r"^FAIL  impossible-latency +250\.032 µs +≤ 100 µs +-150\.032 µs$", out, re.M)
    assert re.search(
        r"^FAIL  never-triggered +— +≤ 1 ms +— +\(only 0 of 2 line1.rise events "
        r"produced frame_start\)$",
        out,
        re.M,
    )
    md = (tmp_path / "report.md").read_text()
    assert "| [impossible-latency](#impossible-latency) | FAIL |" in md


def test_bad_spec_reports_diagnostics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = DATA / "bad" / "unknown_feature.yaml"
    rc, _out, err = _run_cli(["timing", str(bad), "-o", str(tmp_path)], capsys)
    assert rc == 1
    assert f"{bad}:8:7: error: unknown feature 'TrigerDelay'" in err
    assert "Traceback" not in err
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["timing", "no/such/spec.yaml"], "timing spec 'no/such/spec.yaml' does not exist"),
        (
            ["timing", str(SPEC), "--regmap", "no/such/map.yaml"],
            "register map 'no/such/map.yaml' does not exist",
        ),
    ],
)
def test_usage_errors(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, _out, err = _run_cli([*args, "-o", str(tmp_path / "out")], capsys)
    assert rc == 2
    assert err.strip().splitlines() == [f"camtwin timing: error: {message} or is not a file"]


def test_output_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "file"
    f.write_text("")
    rc, _out, err = _run_cli(["timing", str(SPEC), "-o", str(f)], capsys)
    assert rc == 2
    assert err.strip() == f"camtwin timing: error: output '{f}' exists and is not a directory"


def test_rtl_unavailable_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An installation without the co-simulation package: --rtl must say so in one line.
    monkeypatch.setitem(sys.modules, "sim.runner", None)  # importing it raises ModuleNotFoundError
    rc, _out, err = _run_cli(["timing", str(SPEC), "--rtl", "icarus", "-o", str(tmp_path)], capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("camtwin timing: error: RTL confirmation is not available: ")


def test_rtl_confirmation_through_the_interface(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def run_scenario(rmap, scenario, *, simulator: str) -> SimResult:
        calls.append(simulator)
        return run_model(rmap, scenario)  # a perfect RTL: the same edges as the model

    fake = types.ModuleType("sim.runner")
    fake.run_scenario = run_scenario  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sim.runner", fake)
    rc, out, _err = _run_cli(
        [
            "timing",
            str(DATA / "impossible.yaml"),
            "--rtl",
            "verilator",
            "-o",
            str(tmp_path),
            "--no-tables",
        ],
        capsys,
    )
    assert rc == 1  # the impossible requirements still fail
    assert calls and set(calls) == {"verilator"}
    assert re.search(r"^PASS  possible .*\[RTL agrees\]$", out, re.M)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["rtl"] == "verilator"
    assert data["requirements"][0]["rtl"]["passed"] is True


def test_progress_bar_on_a_tty() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = Progress(4, stream, width=8)
    bar.step("a")
    bar.step("b")
    bar.finish()
    text = stream.getvalue()
    assert "\r[####....] 2/4 b" in text
    assert text.endswith("\n")
    plain = io.StringIO()
    p = Progress(2, plain)
    p.step("a")
    p.finish()
    assert plain.getvalue() == "[1/2] a\n"
