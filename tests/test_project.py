"""camtwin outside its checkout: bundled data, default paths, ``camtwin init``, build dirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from camtwin import resources
from camtwin.commands.init import project_files
from tests.conftest import ROOT


def camtwin(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "camtwin", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def test_bundled_data_is_the_one_copy_in_the_packages():
    assert resources.bundled_regmap() == ROOT / "regmap" / "camera.yaml"
    assert resources.bundled_spec() == ROOT / "timingspec" / "specs" / "camera-timing.yaml"
    names = [p.name for p in resources.bundled_scenarios()]
    assert names == ["debounce_1500us.yaml", "frequency_converter_2048hz.yaml"]
    assert resources.genapi_xsd().is_file()
    assert (resources.genapi_xsd().parent / "PROVENANCE.md").is_file()
    # No second copy anywhere in the repository.
    for path in (resources.bundled_spec(), *resources.bundled_scenarios(), resources.genapi_xsd()):
        tracked = subprocess.run(
            ["git", "ls-files", f"*{path.name}"], cwd=ROOT, capture_output=True, text=True
        ).stdout.split()
        assert tracked == [str(path.relative_to(ROOT))]


def test_defaults_outside_a_project_are_the_bundled_files(tmp_path):
    proc = camtwin("check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{resources.bundled_regmap()}: OK: device 'camera'")
    assert list(tmp_path.iterdir()) == []


def test_init_writes_a_project_where_every_command_runs_with_its_defaults(tmp_path):
    proc = camtwin("init", "proj", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    project = tmp_path / "proj"
    written = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert written == sorted(str(p) for p in project_files())
    for rel, src in project_files().items():
        assert (project / rel).read_bytes() == src.read_bytes()
    # The project's own files are the defaults: a change to the project's map shows.
    regmap = project / "regmap" / "camera.yaml"
    regmap.write_text(regmap.read_text().replace("name: camera\n", "name: mycam\n", 1))
    proc = camtwin("check", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("regmap/camera.yaml: OK: device 'mycam'")
    proc = camtwin("generate", "--only", "header,docs,genicam", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (project / "build" / "generate").iterdir()) == [
        "mycam.h",
        "mycam.md",
        "mycam.xml",
    ]
    proc = camtwin("model", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert (project / "build" / "model" / "events.csv").is_file()


def test_init_never_overwrites(tmp_path):
    (tmp_path / "regmap").mkdir()
    (tmp_path / "regmap" / "camera.yaml").write_text("mine\n")
    proc = camtwin("init", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == (
        "camtwin init: error: '.' already holds regmap/camera.yaml: nothing written "
        "(remove them or choose another directory)\n"
    )
    assert (tmp_path / "regmap" / "camera.yaml").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["camera.yaml", "regmap"]


@pytest.mark.parametrize("directory", ["", "  "])
def test_init_refuses_an_empty_directory_name(tmp_path, directory):
    proc = camtwin("init", directory, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == (
        "camtwin init: error: the project directory must not be empty (use . for this directory)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_version():
    proc = camtwin("--version", cwd=ROOT)
    assert proc.returncode == 0
    assert proc.stdout.startswith("camtwin ")


def test_simulator_builds_go_to_the_build_dir_of_the_run(tmp_path, monkeypatch):
    from sim.runner import BUILD_DIR_ENV, sim_build_root

    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "b"))
    assert sim_build_root() == tmp_path / "b" / "sim"
    monkeypatch.delenv(BUILD_DIR_ENV)
    assert sim_build_root() == ROOT / "build" / "sim"  # a source checkout


@pytest.mark.parametrize("command", ["regress", "timing"])
def test_build_dir_option(command):
    from camtwin.cli import build_parser

    args = build_parser().parse_args([command, "--build-dir", "elsewhere"])
    assert args.build_dir == Path("elsewhere")
    assert build_parser().parse_args([command]).build_dir == Path("build")
