"""docs/own-map.md is executed: every ``$`` command of its console blocks runs in an empty
directory holding the sensor hub's map, and prints what the guide shows (``...``: any text)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from tests.conftest import ROOT

DOC = ROOT / "docs" / "own-map.md"


def _sessions(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of every ``$`` line of the console blocks."""
    out: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            else:
                out[-1][1].append(line)
    return out


def _matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def test_own_map_guide_runs_as_shown(tmp_path):
    shutil.copy(ROOT / "docs" / "examples" / "sensorhub.yaml", tmp_path / "sensorhub.yaml")
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "camtwin").write_text(f'#!/bin/sh\nexec {sys.executable} -m camtwin "$@"\n')
    (shim / "camtwin").chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{shim}:{os.environ['PATH']}"}
    sessions = _sessions(DOC.read_text())
    assert len(sessions) >= 9
    for command, expected in sessions:
        proc = subprocess.run(
            command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True
        )
        actual = (proc.stdout + proc.stderr).splitlines()
        failing = any(": error: " in line for line in expected)
        assert (proc.returncode == 1) if failing else (proc.returncode == 0), (command, proc.stderr)
        # A line of "..." alone stands for any number of lines.
        i = 0
        for n, want in enumerate(expected):
            if want == "...":
                following = expected[n + 1]
                i = next(k for k in range(i, len(actual)) if _matches(following, actual[k]))
                continue
            assert i < len(actual), (command, want, actual)
            assert _matches(want, actual[i]), (command, want, actual[i])
            i += 1
        assert i == len(actual), (command, actual[i:])
