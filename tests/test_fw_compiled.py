"""The compiled firmware model (``firmware_model.compiled``): it computes exactly what the
interpreted model computes, it is never used for another source text than its own, and every way
of asking for it wrongly gets one clear error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from camtwin.cli import main
from firmware_model import compiled

from .conftest import ROOT


def _digest(mode: str) -> dict:
    env = {**os.environ, "CAMTWIN_MODEL": mode}
    proc = subprocess.run(
        [sys.executable, "-m", "tests.model_digest"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_compiled_model_computes_what_the_interpreted_one_does() -> None:
    """Dense farm seeds (event and cycle mode) and the example scenarios: every output edge,
    event, frame cause, counter, bus response and register value is the same."""
    compiled.build()  # a no-op when scripts/bootstrap.sh has compiled it
    fast, slow = _digest("compiled"), _digest("interpreted")
    assert fast.pop("model") == "compiled"
    assert slow.pop("model") == "interpreted"
    assert sum(len(s["events"]) for s in slow["seeds"].values()) > 1000  # frames happen
    assert fast == slow


def test_this_process_runs_the_model_its_status_names() -> None:
    """The status names the model imported; in CI (after scripts/bootstrap.sh compiled it) the
    test suite runs the compiled model, the one users get."""
    if compiled.status().startswith("compiled ("):
        assert compiled.is_compiled()
        assert compiled.status() == f"compiled ({compiled.location()})"
    else:
        assert not compiled.is_compiled()
        assert compiled.status().startswith("interpreted (")
        assert os.environ.get("CAMTWIN_MODEL") == "interpreted" or not os.environ.get("CI")


def _package_copy(tmp_path: Path) -> Path:
    """A copy of the compiled modules' package (and what they import) under ``tmp_path``."""
    for name in ("firmware_model", "regmap"):
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.so")
        )
    return tmp_path / "firmware_model"


def test_an_edited_model_is_never_replaced_by_an_older_build(tmp_path, monkeypatch) -> None:
    package = _package_copy(tmp_path)
    monkeypatch.setattr(compiled, "PACKAGE_DIR", package)
    monkeypatch.setenv(compiled.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(compiled.MODE_ENV, raising=False)
    key = compiled.source_key()
    built = tmp_path / "cache" / key / "firmware_model"
    built.mkdir(parents=True)
    (built.parent / compiled.STAMP).write_text("")
    path: list[str] = []
    assert compiled.activate(path).startswith("compiled (")
    assert path == [str(built)]

    model = package / "model.py"
    model.write_text(model.read_text() + "\n# an edit\n")
    assert compiled.source_key() != key
    path = []
    assert compiled.activate(path).startswith("interpreted (not compiled for the current source")
    assert path == []

    # what the compiled modules are compiled against counts too (mypyc builds in the field
    # positions of imaging.ImageGeometry, for one)
    for dependency in (package / "imaging.py", package.parent / "regmap" / "model.py"):
        before = compiled.source_key()
        dependency.write_text(dependency.read_text() + "\n# an edit\n")
        assert compiled.source_key() != before


def test_a_build_in_progress_is_not_used(tmp_path, monkeypatch) -> None:
    """A directory without its stamp (a build that was interrupted) is not a build."""
    monkeypatch.setenv(compiled.CACHE_ENV, str(tmp_path))
    monkeypatch.delenv(compiled.MODE_ENV, raising=False)
    (tmp_path / compiled.source_key() / "firmware_model").mkdir(parents=True)
    path: list[str] = []
    assert compiled.activate(path).startswith("interpreted (")
    assert path == []


def test_interpreted_on_request(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(compiled.MODE_ENV, "interpreted")
    path: list[str] = []
    assert compiled.activate(path) == "interpreted (CAMTWIN_MODEL=interpreted)"
    assert path == []


def test_unknown_model_choice_is_one_clear_error(monkeypatch, capsys) -> None:
    monkeypatch.setenv(compiled.MODE_ENV, "fast")
    with pytest.raises(compiled.CompiledModelError, match="use one of auto, compiled, interpreted"):
        compiled.mode()
    assert main(["check", str(ROOT / "regmap" / "camera.yaml")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "camtwin check: error: CAMTWIN_MODEL='fast' is not a model choice: use one of auto, "
        "compiled, interpreted\n"
    )


def test_compiled_model_required_but_missing_is_one_clear_error(tmp_path, monkeypatch) -> None:
    """CAMTWIN_MODEL=compiled without a build: one error from a command that runs the model, at
    the import of firmware_model; a command that does not is unaffected."""
    env = {
        **os.environ,
        compiled.MODE_ENV: "compiled",
        compiled.CACHE_ENV: str(tmp_path / "empty"),
    }
    camtwin = [sys.executable, "-m", "camtwin"]
    regmap = str(ROOT / "regmap" / "camera.yaml")
    proc = subprocess.run(
        [*camtwin, "model", "-o", str(tmp_path / "out")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(
        "camtwin model: error: CAMTWIN_MODEL=compiled, but the firmware model is not compiled"
    )
    assert "python -m firmware_model.compile" in proc.stderr
    assert not (tmp_path / "out").exists()
    proc = subprocess.run(
        [*camtwin, "check", regmap], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    monkeypatch.setenv(compiled.MODE_ENV, "compiled")
    monkeypatch.setenv(compiled.CACHE_ENV, str(tmp_path / "empty"))
    with pytest.raises(compiled.CompiledModelError, match="not compiled for its current source"):
        compiled.activate([])


def test_the_compile_command_runs_whatever_the_model_choice(tmp_path) -> None:
    """``python -m firmware_model.compile`` works under CAMTWIN_MODEL=compiled (nothing built
    yet) and under a bad value: it is how the compiled copy gets made."""
    for choice in ("compiled", "fast"):
        env = {**os.environ, compiled.MODE_ENV: choice, compiled.CACHE_ENV: str(tmp_path)}
        proc = subprocess.run(
            [sys.executable, "-m", "firmware_model.compile", "--where"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(str(tmp_path))


def test_a_model_that_does_not_compile_is_a_located_error(tmp_path) -> None:
    """The compile command names the first type error (file:line) and the whole log, exits 1,
    and leaves no build behind."""
    package = _package_copy(tmp_path)
    model = package / "model.py"
    text = model.read_text()
    model.write_text(text + '\n\ndef _ticks() -> int:\n    return "many"\n')
    line = len(text.splitlines()) + 4
    cache = tmp_path / "cache"
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        compiled.CACHE_ENV: str(cache),
        compiled.MODE_ENV: "auto",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "firmware_model.compile"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert any(line.startswith("compiling the firmware model with mypyc") for line in lines)
    err = lines[-1]
    assert err.startswith("firmware_model.compiled: error: mypyc could not compile the firmware")
    assert f"model.py:{line}: error:" in err
    logs = list(cache.glob("*.log"))
    assert len(logs) == 1 and f"(the whole log: {logs[0]})" in err
    assert not [p for p in cache.iterdir() if p.is_dir()]  # nothing half-built is left


def test_compile_without_mypyc_says_so(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(compiled.CACHE_ENV, str(tmp_path))
    real = compiled.importlib.util.find_spec
    monkeypatch.setattr(
        compiled.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "mypyc" else real(name, *a),
    )
    with pytest.raises(compiled.CompiledModelError, match=r"mypyc is not installed"):
        compiled.build()


def test_the_cache_keeps_the_newest_builds(tmp_path) -> None:
    for i in range(12):
        d = tmp_path / f"build{i:02d}"
        (d / "firmware_model").mkdir(parents=True)
        (d / compiled.STAMP).write_text("")
        os.utime(d / compiled.STAMP, (1000 + i, 1000 + i))
        (tmp_path / f"build{i:02d}.log").write_text("")
    (tmp_path / "unfinished" / "firmware_model").mkdir(parents=True)
    compiled._prune(tmp_path, keep=tmp_path / "build00")  # the one just built: kept
    left = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
    assert left == ["build00", *(f"build{i:02d}" for i in range(5, 12)), "unfinished"]
    assert sorted(p.stem for p in tmp_path.glob("*.log")) == left[:-1]


def test_the_documented_commands() -> None:
    """docs/firmware-model.md "The compiled model": the two commands as written, and what they
    print."""
    doc = (ROOT / "docs" / "firmware-model.md").read_text()
    section = doc[doc.index("## The compiled model") :]
    block = section[section.index("```sh\n") + 6 : section.index("```\n", section.index("```sh"))]
    commands = [line.split("#")[0].split() for line in block.splitlines()]
    assert commands == [
        ["python", "-m", "firmware_model.compile"],
        ["python", "-m", "firmware_model.compile", "--where"],
    ]
    env = {**os.environ, compiled.MODE_ENV: "auto"}
    outputs = []
    for argv in commands:
        proc = subprocess.run(
            [sys.executable, *argv[1:]], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    where = compiled.location()
    assert outputs[0] in (f"compiled: {where}\n", f"already compiled: {where}\n")
    assert outputs[1] == f"{where}\n"
    assert (where / compiled.STAMP).is_file()


def test_a_build_that_does_not_load_here_leaves_the_model_interpreted(tmp_path) -> None:
    """A build directory shared with a machine whose compiled code does not load here (another C
    library, a damaged file): the interpreted model runs, and the status says why; with
    CAMTWIN_MODEL=compiled it is one error."""
    built = tmp_path / compiled.source_key() / "firmware_model"
    built.mkdir(parents=True)
    suffix = compiled.sysconfig.get_config_var("EXT_SUFFIX")
    (built / f"_compiled__mypyc{suffix}").write_bytes(b"\x7fELF not really")
    (built.parent / compiled.STAMP).write_text("")
    code = (
        "import firmware_model as fm\n"
        "from firmware_model import compiled\n"
        "from regmap import load\n"
        "fm.CameraModel(load('regmap/camera.yaml')).step()\n"
        "print(compiled.is_compiled(), compiled.status())\n"
    )
    env = {**os.environ, compiled.CACHE_ENV: str(tmp_path), compiled.MODE_ENV: "auto"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(
        f"False interpreted (the compiled copy in {built.parent} does not load here: "
    )
    env[compiled.MODE_ENV] = "compiled"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "CompiledModelError: CAMTWIN_MODEL=compiled, but the compiled copy in" in proc.stderr
