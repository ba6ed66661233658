"""docs/gige.md, "The command", "In-process devices" and "The RTL behind the device": the
scenario example is a valid serving scenario, and the in-process device examples run as written
(in a loopback-only network namespace). The Aravis examples are tests/test_gige_docs.py's."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from firmware_model.scenario import loads_scenario

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "gige.md").read_text()


def _section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 3)
    return DOC[start : end if end >= 0 else None]


def _blocks(lang: str, title: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", _section(title), re.S)


def test_the_scenario_example_is_a_repeating_scenario(camera_map):
    (text,) = _blocks("yaml", "The command")
    sc = loads_scenario(text, camera_map, "docs/gige.md")
    assert sc.repeat and sc.cycles == 100_000 * camera_map.clock_hz // 1_000_000
    assert len(sc.line1) == 10  # five pulses


@pytest.mark.netns
def test_the_in_process_example_runs(monkeypatch, camera_map):
    monkeypatch.chdir(ROOT)
    (code,) = _blocks("python", "In-process devices")
    out = io.StringIO()
    scope: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/gige.md", "exec"), scope)
    dev = camera_map.device
    name, address, port, url = out.getvalue().split()
    assert name == f"{dev.vendor}-{dev.model}-TWIN0001"
    assert (address, port) == ("127.0.0.1", "3956")
    assert url.startswith(f"Local:{camera_map.stem}.xml;")
    assert scope["status"] == "ok"


@pytest.mark.netns
@pytest.mark.sim
def test_the_in_process_rtl_example_runs(monkeypatch, slow_camera_map):
    monkeypatch.chdir(ROOT)
    (code,) = _blocks("python", "The RTL behind the device")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "docs/gige.md", "exec"), {})
    dev = slow_camera_map.device
    assert out.getvalue().split() == [
        f"{dev.vendor}-{dev.model}-TWIN0001",
        str(slow_camera_map.constant("SensorWidth")),
        "True",
    ]
