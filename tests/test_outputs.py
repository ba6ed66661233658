"""Outputs are replaced as a set: all old or all new, never mixed, never half-written.

Unit tests of :mod:`camtwin.outputs`, then kill tests: ``generate``, ``model`` and ``timing``
are stopped with SIGKILL at random moments while replacing a previous set, and the output
directory must hold exactly the old set or exactly the new one (the kill tests run a few
times by default and many times under ``-m soak``).
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from camtwin.cli import main
from camtwin.outputs import OutputError, check_output_path, output_set

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "data" / "regmap" / "minimal.yaml"
IMPOSSIBLE = ROOT / "tests" / "data" / "timing" / "impossible.yaml"
EXAMPLES = ROOT / "firmware_model" / "examples"


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` by relative path (empty if it does not exist)."""
    if not directory.exists():
        return {}
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def strays(directory: Path) -> list[str]:
    """Staging directories of ``directory`` left beside it."""
    return [p.name for p in directory.parent.iterdir() if ".camtwin-" in p.name]


# -- the helper -------------------------------------------------------------------------------


def test_a_new_set_appears_whole(tmp_path):
    out = tmp_path / "out"
    with output_set(out, {"a", "b"}) as stage:
        (stage.path / "a").write_text("1")
        (stage.path / "b").write_text("2")
        assert not out.exists()
    assert snapshot(out) == {"a": b"1", "b": b"2"}
    assert stage.changed == {"a", "b"}
    assert strays(out) == []


def test_a_set_replaces_the_old_one_and_keeps_other_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a").write_text("old")
    (out / "stale").write_text("old")  # the command's, but not written this time: dropped
    (out / "mine.txt").write_text("keep")  # not the command's: carried over
    (out / "sub").mkdir()
    (out / "sub" / "x").write_text("keep too")
    with output_set(out, {"a", "b", "stale"}) as stage:
        (stage.path / "a").write_text("new")
        (stage.path / "b").write_text("new")
    assert snapshot(out) == {"a": b"new", "b": b"new", "mine.txt": b"keep", "sub/x": b"keep too"}
    assert stage.changed == {"a", "b"}
    assert strays(out) == []


def test_an_unchanged_set_is_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a").write_text("same")
    os.utime(out / "a", (1_000_000, 1_000_000))
    with output_set(out, {"a"}) as stage:
        (stage.path / "a").write_text("same")
    assert stage.changed == set()
    assert (out / "a").stat().st_mtime == 1_000_000


def test_a_failing_run_leaves_the_old_set(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a").write_text("old")
    with pytest.raises(RuntimeError, match="boom"), output_set(out, {"a"}) as stage:
        (stage.path / "a").write_text("new")
        raise RuntimeError("boom")
    assert snapshot(out) == {"a": b"old"}
    assert strays(out) == []


def test_an_aborted_run_leaves_the_old_set(tmp_path):
    out = tmp_path / "out"
    with output_set(out, {"a"}) as stage:
        (stage.path / "a").write_text("new")
        stage.abort()
    assert not out.exists()
    assert strays(out) == []


def test_a_killed_runs_staging_is_removed_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".out.camtwin-{dead.stdout.strip()}-abc"
    stale.mkdir()
    (stale / "a").write_text("half")
    with output_set(out, {"a"}) as stage:
        (stage.path / "a").write_text("new")
    assert strays(out) == []


def test_a_mount_point_is_replaced_entry_by_entry(tmp_path, monkeypatch):
    out = tmp_path / "mnt"
    out.mkdir()
    (out / "a").write_text("old")
    (out / "d").mkdir()
    (out / "d" / "x").write_text("old")
    (out / "stale").write_text("old")
    (out / "mine.txt").write_text("keep")
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == out or real(p))
    with output_set(out, {"a", "d", "stale"}) as stage:
        assert stage.path.parent == out
        (stage.path / "a").write_text("new")
        (stage.path / "d").mkdir()
        (stage.path / "d" / "y").write_text("new")
    assert snapshot(out) == {"a": b"new", "d/y": b"new", "mine.txt": b"keep"}
    assert [p.name for p in out.iterdir() if ".camtwin-" in p.name] == []


def test_a_symlinked_output_stays_a_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a").write_text("old")
    link = tmp_path / "link"
    link.symlink_to(real)
    with output_set(link, {"a"}) as stage:
        (stage.path / "a").write_text("new")
    assert link.is_symlink() and link.resolve() == real
    assert snapshot(real) == {"a": b"new"}
    assert strays(real) == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", r"^the output directory must not be empty$"),
        (".", r"is the current directory or one of its parents"),
        ("x" * 300, r"has a name longer than 255 bytes$"),
        ("/".join(["x" * 200] * 30), r"^output path is longer than 4095 bytes$"),
    ],
)
def test_unusable_output_paths(path, message):
    with pytest.raises(OutputError, match=message):
        check_output_path(Path(path) if path else path)


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "-o", ""],
        ["model", "--scenario", str(EXAMPLES / "debounce_1500us.yaml"), "-o", ""],
        ["timing", "-o", "", "--no-tables"],
        ["regress", "-o", ""],
    ],
)
def test_empty_output_is_a_usage_error(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "the output directory must not be empty" in err.splitlines()[-1]
    assert "Traceback" not in err


def test_dash_output_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["generate", "-o", "-"])
    assert info.value.code == 2
    assert "'-' (standard output) cannot hold a set of files" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "{long}"],
        ["generate", "{long}", "-o", "{tmp}/o"],
        ["generate", "-o", "{tmp}/{long}"],
        ["model", "--scenario", "{long}", "-o", "{tmp}/o"],
        ["model", "--scenario", str(EXAMPLES / "debounce_1500us.yaml"), "-o", "{tmp}/{long}"],
        ["timing", "{long}", "-o", "{tmp}/o"],
        ["timing", "--regmap", "{long}", "-o", "{tmp}/o"],
        ["timing", "-o", "{tmp}/{long}/x"],
        ["regress", "{long}"],
    ],
)
def test_too_long_paths_are_one_line(argv, tmp_path, capsys):
    long = "a" * 300
    args = [a.format(long=long, tmp=tmp_path) for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert re.match(rf"camtwin {argv[0]}: error: .*(File name too long|longer than 255)", err)
    assert len(err) < 300
    assert list(tmp_path.iterdir()) == []


# -- kill tests -------------------------------------------------------------------------------


def _normalise(files: dict[str, bytes]) -> dict[str, bytes]:
    """Outputs without the time they were generated (the report says when)."""
    stamp = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+\-Z0-9:]*"
    return {k: re.sub(stamp, b"-", v) for k, v in files.items()}


def _camtwin(args: list[str], _cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "camtwin", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _inputs(kind: str, tmp: Path) -> tuple[list[str], list[str]]:
    """Arguments producing the old set and the new one (every file differs between them)."""
    if kind == "generate":
        new = tmp / "new.yaml"
        new.write_text(MINIMAL.read_text().replace("vendor: test", "vendor: other"))
        only = ["--only", "header,docs,genicam"]
        return ["generate", str(MINIMAL), *only], ["generate", str(new), *only]
    if kind == "model":
        return (
            ["model", "--scenario", str(EXAMPLES / "debounce_1500us.yaml")],
            ["model", "--scenario", str(EXAMPLES / "frequency_converter_2048hz.yaml")],
        )
    new = tmp / "new-spec.yaml"
    new.write_text(
        IMPOSSIBLE.read_text()
        .replace("spec: impossible", "spec: changed")
        .replace("title: TriggerDelay 250", "title: The TriggerDelay 250")
        .replace("title: A 1 µs", "title: The 1 µs")
    )
    return (
        ["timing", str(IMPOSSIBLE), "--no-tables"],
        ["timing", str(new), "--no-tables"],
    )


def _kill_runs(kind: str, tmp: Path, kills: int, seed: int) -> None:
    old_args, new_args = _inputs(kind, tmp)
    out = tmp / "out"
    ref = tmp / "ref"
    assert _camtwin([*old_args, "-o", str(out)], tmp).wait() in (0, 1)
    start = time.monotonic()
    assert _camtwin([*new_args, "-o", str(ref)], tmp).wait() in (0, 1)
    full = time.monotonic() - start
    old, new = snapshot(out), _normalise(snapshot(ref))
    assert old and new
    assert all(old[k] != new.get(k) for k in old), "old and new sets must differ in every file"
    rng = random.Random(seed)
    for _ in range(kills):
        proc = _camtwin([*new_args, "-o", str(out)], tmp)
        time.sleep(rng.uniform(0.3 * full, 1.1 * full))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        got = snapshot(out)
        assert got == old or _normalise(got) == new, f"mixed set after a kill: {sorted(got)}"
    assert _camtwin([*new_args, "-o", str(out)], tmp).wait() in (0, 1)
    assert _normalise(snapshot(out)) == new
    assert strays(out) == []


@pytest.mark.parametrize("kind", ["generate", "model", "timing"])
def test_kill_leaves_the_old_or_the_new_set(kind, tmp_path):
    _kill_runs(kind, tmp_path, kills=2, seed=1)


@pytest.mark.soak
@pytest.mark.parametrize("kind", ["generate", "model", "timing"])
def test_kill_soak(kind, tmp_path):
    _kill_runs(kind, tmp_path, kills=60, seed=int(time.time()))


# -- concurrency ---------------------------------------------------------------------------------


def test_a_second_regress_waits_for_the_first(tmp_path, capsys):
    import fcntl
    import threading

    from camtwin.commands.regress import _regress_lock

    entered = threading.Event()

    def second() -> None:
        with _regress_lock(tmp_path):
            entered.set()

    with open(tmp_path / "regress.lock", "w") as first:
        fcntl.flock(first, fcntl.LOCK_EX)  # a regression of this checkout is running
        t = threading.Thread(target=second)
        t.start()
        assert not entered.wait(0.5)
    t.join(10)
    assert entered.is_set()
    assert "waiting for another camtwin regress in this checkout" in capsys.readouterr().out


def test_concurrent_runs_into_one_directory_never_mix(tmp_path):
    """Two runs replacing the same set at once: the result is one run's whole set."""
    import threading

    out = tmp_path / "out"
    barrier = threading.Barrier(2)

    def run(tag: str) -> None:
        with output_set(out, {"a", "b", "c"}) as stage:
            (stage.path / "a").write_text(tag)
            barrier.wait()
            (stage.path / "b").write_text(tag)
            (stage.path / "c").write_text(tag)

    threads = [threading.Thread(target=run, args=(t,)) for t in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    got = snapshot(out)
    assert set(got) == {"a", "b", "c"} and len(set(got.values())) == 1, got
    assert strays(out) == []
