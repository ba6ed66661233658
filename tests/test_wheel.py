"""The product as a user gets it: the wheel built from a clean copy of the repository, installed
into a fresh virtual environment, run from a directory outside the checkout on a map of another
device and on the project ``camtwin init`` writes.

The environment gets camtwin from the wheel only; its dependencies come from the running
interpreter's site-packages (added as a plain path, so that no editable install of the checkout
is visible), which keeps the test offline apart from the wheel's build requirements.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import xmlschema

from tests.cc import check_syntax
from tests.conftest import ROOT
from tests.serving import discover, reaped, stop

SENSORHUB = ROOT / "docs" / "examples" / "sensorhub.yaml"


def _modern_setuptools() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77


class Installed:
    """A fresh venv holding the wheel; ``run`` runs its ``camtwin`` in a directory."""

    def __init__(self, work: Path) -> None:
        self.work = work
        src = work / "src"
        tracked = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout.split(b"\0")
        for name in filter(None, tracked):  # a clean clone: tracked files only
            path = ROOT / name.decode()
            if path.is_file():
                (src / name.decode()).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, src / name.decode())
        dist = work / "dist"
        # The build requirements (setuptools >= 77): the interpreter's own when it has them
        # (offline), else an isolated build environment from pip's cache or index.
        isolation = ["--no-build-isolation"] if _modern_setuptools() else []
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "-q",
                *isolation,
                "-w",
                str(dist),
                str(src),
            ],
            check=True,
            capture_output=True,
        )
        (self.wheel,) = dist.glob("camtwin-*.whl")
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        self.python = venv / "bin" / "python"
        site = Path(
            subprocess.run(
                [
                    str(self.python),
                    "-c",
                    "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(self.python),
                "install",
                "--no-deps",
                "--ignore-installed",
                "-q",
                str(self.wheel),
            ],
            check=True,
            capture_output=True,
        )
        (site / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        self.site = site
        self.bin = venv / "bin"
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        self.env["PATH"] = f"{self.bin}{os.pathsep}{self.env.get('PATH', '')}"

    def run(self, *args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [str(self.bin / "camtwin"), *args],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if check:
            assert proc.returncode == 0, f"camtwin {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def package_files(self) -> set[str]:
        """Every file of the installed packages (compiled caches aside)."""
        return {
            str(p.relative_to(self.site))
            for p in self.site.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        }


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    return Installed(tmp_path_factory.mktemp("wheel"))


@pytest.fixture
def outside(tmp_path) -> Path:
    """A working directory outside the checkout."""
    assert ROOT not in tmp_path.parents
    return tmp_path


def test_the_wheel_carries_the_data_the_commands_need(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for name in (
        "regmap/camera.yaml",
        "timingspec/specs/camera-timing.yaml",
        "firmware_model/examples/debounce_1500us.yaml",
        "firmware_model/examples/frequency_converter_2048hz.yaml",
        "regmap/third_party/genicam/GenApiSchema_Version_1_1.xsd",
        "regmap/third_party/genicam/PROVENANCE.md",
        "sim/harness/native_harness.cpp",
        "sim/harness/native_tb.v",
        "sim/harness/camera_harness.h",
        "sim/harness/camera_pins.vh",
        "sim/harness/serve_harness.cpp",
        "sim/harness/serve_tb.v",
        "timingspec/templates/report.html.j2",
    ):
        assert name in names, name
    proc = subprocess.run(
        [
            str(installed.python),
            "-c",
            "import camtwin, regmap; print(camtwin.__file__, regmap.__file__)",
        ],
        capture_output=True,
        text=True,
        env=installed.env,
        cwd=installed.work,
        check=True,
    )
    assert all(p.startswith(str(installed.site)) for p in proc.stdout.split())


def test_a_map_of_another_device_from_outside_the_checkout(installed, outside, tmp_path):
    before = installed.package_files()
    shutil.copy(SENSORHUB, outside / "sensorhub.yaml")
    assert installed.run("--version", cwd=outside).stdout.startswith("camtwin ")
    out = installed.run("check", "sensorhub.yaml", cwd=outside).stdout
    assert out.startswith("sensorhub.yaml: OK: device 'sensorhub'")
    out = installed.run("generate", "sensorhub.yaml", "-o", "out", cwd=outside).stdout
    written = sorted(p.name for p in (outside / "out").iterdir())
    assert written == ["sensorhub.h", "sensorhub.md", "sensorhub.xml", "sensorhub_regs.v"]
    assert "skipped   the camera top (sensorhub.v)" in out
    check_syntax(outside / "out" / "sensorhub.h", check=True)
    subprocess.run(
        [
            "iverilog",
            "-g2012",
            "-o",
            str(tmp_path / "bank.vvp"),
            str(outside / "out" / "sensorhub_regs.v"),
        ],
        check=True,
    )
    xsd = installed.site / "regmap" / "third_party" / "genicam" / "GenApiSchema_Version_1_1.xsd"
    xmlschema.XMLSchema(str(xsd)).validate(str(outside / "out" / "sensorhub.xml"))
    proc = installed.run("model", "sensorhub.yaml", cwd=outside, check=False)
    assert proc.returncode == 1
    assert "model is camera-specific" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert installed.package_files() == before  # nothing written into the installed package


def test_the_project_camtwin_init_writes(installed, outside):
    before = installed.package_files()
    installed.run("init", "proj", cwd=outside)
    project = outside / "proj"
    assert installed.run("check", cwd=project).stdout.startswith("regmap/camera.yaml: OK")
    installed.run("generate", cwd=project)
    assert sorted(p.name for p in (project / "build" / "generate").iterdir()) == [
        "camera.h",
        "camera.md",
        "camera.v",
        "camera.xml",
        "camera_regs.v",
    ]
    installed.run("model", cwd=project)
    assert (project / "build" / "model" / "summary.txt").is_file()
    assert installed.package_files() == before


@pytest.mark.netns
def test_serve_from_the_wheel(installed, outside):
    p = subprocess.Popen(
        [str(installed.bin / "camtwin"), "serve", "--port", "3971"],
        cwd=outside,
        env={**installed.env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with reaped(p):
        discover(3971, timeout=20)
        out, err = stop(p, timeout=20)
    assert p.returncode == 0, err
    assert out.splitlines()[-1] == "stopped"


@pytest.mark.soak
def test_timing_and_regress_from_the_wheel(installed, outside):
    """The slow commands in the init project: reports and simulator builds under it."""
    before = installed.package_files()
    installed.run("init", "proj", cwd=outside)
    project = outside / "proj"
    installed.run("timing", "--no-tables", cwd=project)
    assert (project / "build" / "timing" / "report.html").is_file()
    installed.run("regress", "--sim", "icarus", "--random-count", "1", cwd=project)
    assert (project / "build" / "regress" / "results.xml").is_file()
    assert (project / "build" / "sim").is_dir()
    assert installed.package_files() == before
