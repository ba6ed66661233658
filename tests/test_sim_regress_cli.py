"""``camtwin regress``: table, JUnit XML, exit status."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from camtwin.cli import main

from .conftest import CAMERA_YAML


@pytest.mark.sim
def test_sim_regress_cli_runs_and_writes_junit(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    rc = main(["regress", str(CAMERA_YAML), "--sim", "icarus", "--tests", "bus_errors|counter"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "bus_errors" in out and "counter_reset" in out and "PASSED" in out
    assert "coverage" in out
    root = ET.parse(tmp_path / "build" / "regress" / "results.xml").getroot()
    cases = list(root.iter("testcase"))
    assert len(cases) == 2 and not any(c.find("failure") is not None for c in cases)


def test_sim_regress_cli_errors_are_one_line(tmp_path, capsys) -> None:
    assert main(["regress", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]
    assert main(["regress", str(CAMERA_YAML), "--tests", "("]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invalid regular expression" in err[0]
