"""docs/gige.md, "Using the twin with Aravis": every example runs and prints what the document
shows, inside a network namespace holding only ``lo`` (as the document tells users to do).

A ``console`` block is a session: ``$ command`` lines run in order in one namespace (a command
ending in ``&`` runs in the background until the session ends), each followed by the lines it
must print, in order (``...`` stands for any text; other lines may come in between). A
``python`` block must be the example file it names, which a console line runs. ``sh`` blocks
(arv-viewer needs a screen) are shown only.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import netns
from tests.clients.gvcp import wait_until_answering

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "gige.md"
SECTION = "## Using the twin with Aravis"


def section() -> str:
    text = DOC.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end >= 0 else None]


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", section(), flags=re.S)


def steps(block: str) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif out:
            out[-1][1].append(line)
    return out


def matches(expected: list[str], actual: str) -> str | None:
    """None if ``expected`` appears in ``actual`` in order, else the first line missing."""
    lines = actual.splitlines()
    i = 0
    for exp in expected:
        if exp.strip() in ("", "..."):
            continue
        pattern = re.compile(".*".join(re.escape(p) for p in exp.split("...")))
        while i < len(lines) and not pattern.fullmatch(lines[i].rstrip()):
            i += 1
        if i == len(lines):
            return exp
        i += 1
    return None


def env() -> dict[str, str]:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return dict(os.environ, PATH=path, PYTHONPATH=str(ROOT))


def test_section_shows_every_client():
    text = section()
    for tool in ("arv-tool-0.8", "arv-camera-test-0.8", "arv-viewer-0.8", "Aravis.Camera"):
        assert tool in text, tool
    assert any("arv-viewer-0.8" in b for b in blocks("sh"))
    assert not any("arv-viewer" in cmd for b in blocks("console") for cmd, _ in steps(b))


def test_python_example_is_the_file_shown():
    (shown,) = blocks("python")
    assert shown == (ROOT / "docs" / "examples" / "aravis_snap.py").read_text()


@pytest.mark.netns
def test_console_sessions_print_what_the_document_shows(tmp_path):
    netns.require_loopback_only()
    sessions = blocks("console")
    assert sessions
    for block in sessions:
        background: list[subprocess.Popen] = []
        try:
            for cmd, expected in steps(block):
                if cmd.endswith("&"):
                    log = (tmp_path / f"bg{len(background)}.log").open("w")
                    background.append(
                        subprocess.Popen(
                            cmd[:-1],
                            shell=True,
                            cwd=ROOT,
                            env=env(),
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
                    # serving the RTL builds its simulator first (once per map and worker)
                    wait_until_answering(timeout=600 if "--backend" in cmd else 10)
                    continue
                r = subprocess.run(
                    cmd,
                    shell=True,
                    cwd=ROOT,
                    env=env(),
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                assert r.returncode == 0, f"$ {cmd}\n{r.stdout}{r.stderr}"
                missing = matches(expected, r.stdout + r.stderr)
                assert missing is None, f"$ {cmd}: no line matching {missing!r} in\n{r.stdout}"
        finally:
            for p in background:
                os.killpg(p.pid, signal.SIGINT)
                p.wait(10)
