"""The camtwin command line: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from camtwin import __version__
from camtwin.cli import COMMANDS, main
from tests.conftest import CAMERA_YAML, ROOT

BAD = ROOT / "tests" / "data" / "regmap" / "bad"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "camtwin", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_check_ok(capsys):
    assert main(["check", str(CAMERA_YAML)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{CAMERA_YAML}: OK: device 'camera'")
    assert out.count("\n") == 1


def test_check_reports_diagnostics_and_exits_1(capsys):
    assert main(["check", str(BAD / "many_errors.yaml")]) == 1
    err = capsys.readouterr().err
    assert "many_errors.yaml:" in err and err.rstrip().endswith("4 errors found")
    assert "Traceback" not in err


def test_missing_file_is_one_line_exit_2():
    proc = run("check", "no/such/map.yaml")
    assert proc.returncode == 2
    assert proc.stderr == (
        "camtwin check: error: register map 'no/such/map.yaml' does not exist or is not a file\n"
    )


def test_generate_writes_artifacts_named_after_the_map(tmp_path, capsys):
    assert main(["generate", str(CAMERA_YAML), "-o", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["camera.h", "camera.md", "camera.v", "camera.xml", "camera_regs.v"]
    first = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    capsys.readouterr()
    assert main(["generate", str(CAMERA_YAML), "-o", str(tmp_path)]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == first  # byte-identical


def test_generate_only(tmp_path):
    assert main(["generate", str(CAMERA_YAML), "-o", str(tmp_path), "--only", "header"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["camera.h"]


def test_generate_unknown_kind_is_a_usage_error(tmp_path):
    proc = run("generate", "-o", str(tmp_path), "--only", "hedaer")
    assert proc.returncode == 2
    assert proc.stderr.startswith("camtwin generate: error: unknown artifact kind 'hedaer'")
    assert list(tmp_path.iterdir()) == []


def test_generate_never_writes_from_an_invalid_map(tmp_path):
    proc = run("generate", str(BAD / "overlapping_fields.yaml"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 1
    assert "overlaps field CTRL.mode" in proc.stderr
    assert "no files written" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_generate_output_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    proc = run("generate", "-o", str(target))
    assert proc.returncode == 2
    assert "is not a directory" in proc.stderr


def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"camtwin {__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(command):
    proc = run(command, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"usage: camtwin {command}")
    assert len(proc.stdout.splitlines()) > 4


def test_no_subcommand_is_a_usage_error():
    proc = run()
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_generate_only_lists_each_kind_once(tmp_path, capsys):
    assert main(["generate", str(CAMERA_YAML), "-o", str(tmp_path), "--only", "docs,docs"]) == 0
    assert capsys.readouterr().out.count("camera.md") == 1


def test_generate_empty_only_is_a_usage_error(tmp_path):
    proc = run("generate", "-o", str(tmp_path), "--only", "")
    assert proc.returncode == 2
    assert proc.stderr.startswith("camtwin generate: error: unknown artifact kind ''")


def test_generate_to_an_unwritable_place_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run("generate", "--only", "header", "-o", str(blocker / "sub"))
    assert proc.returncode == 2
    assert proc.stderr == (
        f"camtwin generate: error: cannot create output directory '{blocker / 'sub'}': "
        "Not a directory\n"
    )


def test_generate_on_a_map_of_another_device_writes_every_kind_but_the_camera_top(tmp_path):
    minimal = ROOT / "tests/data/regmap/minimal.yaml"
    proc = run("generate", str(minimal), "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "tiny.h",
        "tiny.md",
        "tiny.xml",
        "tiny_regs.v",
    ]
    assert proc.stdout.splitlines()[-1].startswith(
        "skipped   the camera top (tiny.v): the map lacks "
    )
    assert "`--only camera` lists them" in proc.stdout


def test_generate_the_camera_top_of_a_map_of_another_device_lists_what_it_lacks(tmp_path):
    minimal = ROOT / "tests/data/regmap/minimal.yaml"
    proc = run("generate", str(minimal), "-o", str(tmp_path), "--only", "camera")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert (
        f"{minimal}:17:11: error: the camera top (camtwin generate --only camera): the map "
        "lacks the camera register ACQ_CTRL (0x10000); did you mean 'CTRL'?" in proc.stderr
    )
    assert "lacks the camera constant TriggerFifoDepth" in proc.stderr
    assert proc.stderr.endswith("no files written: the map is not a camera map\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["model", "regress", "serve", "timing"])
def test_camera_commands_refuse_a_map_of_another_device_with_everything_it_lacks(command, tmp_path):
    minimal = ROOT / "tests/data/regmap/minimal.yaml"
    args = ["--regmap", str(minimal)] if command == "timing" else [str(minimal)]
    proc = (
        run(command, *args, "-o", str(tmp_path / "out"))
        if command != "serve"
        else run(command, *args)
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert (
        f"{minimal}:17:11: error: camtwin {command} needs the camera: the map lacks the "
        "camera register ACQ_CTRL (0x10000); did you mean 'CTRL'?" in lines
    )
    assert any("register CTRL lacks" in line or "LINE_CFG" in line for line in lines)
    assert lines[-2] == "50 errors found"
    assert lines[-1].startswith(f"camtwin {command}: error: {command} is camera-specific")
    assert not (tmp_path / "out").exists()


def test_a_camera_map_missing_a_field_is_one_located_diagnostic(tmp_path):
    text = (ROOT / "regmap" / "camera.yaml").read_text()
    bad = text.replace("      - name: inverter\n", "      - name: invertor\n", 1)
    assert bad != text
    path = tmp_path / "cam.yaml"
    path.write_text(bad)
    proc = run("model", str(path), "-o", str(tmp_path / "out"))
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 2  # the field, and the command's verdict
    assert "register LINE_CFG lacks the camera field inverter [" in errors[0]
    assert "did you mean 'invertor'?" in errors[0]


def test_generate_the_other_kinds_from_a_small_map(tmp_path):
    minimal = ROOT / "tests/data/regmap/minimal.yaml"
    assert (
        main(["generate", str(minimal), "-o", str(tmp_path), "--only", "header,docs,genicam"]) == 0
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.h", "tiny.md", "tiny.xml"]
