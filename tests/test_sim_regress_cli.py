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


def test_sim_regress_cli_rejects_bad_counts(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["regress", str(CAMERA_YAML), "--random-cycles", "0"])
    assert info.value.code == 2
    assert "argument --random-cycles: must be at least 1, not 0" in capsys.readouterr().err


def test_sim_regress_cli_map_the_gateware_cannot_implement(capsys) -> None:
    minimal = CAMERA_YAML.parent.parent / "tests" / "data" / "regmap" / "minimal.yaml"
    assert main(["regress", str(minimal)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    # Refused when the map is loaded, before any build: everything of the camera it lacks,
    # located, then the verdict.
    assert err[0] == (
        f"{minimal}:17:11: error: camtwin regress needs the camera: the map lacks the camera "
        "register ACQ_CTRL (0x10000); did you mean 'CTRL'?"
    )
    assert err[-2] == "50 errors found"
    assert err[-1].startswith("camtwin regress: error: regress is camera-specific")


def test_sim_regress_cli_output_is_a_file(tmp_path, capsys) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["regress", str(CAMERA_YAML), "-o", str(target)]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err


@pytest.mark.sim
def test_sim_regress_cli_pattern_matching_nothing(tmp_path, capsys) -> None:
    rc = main(
        [
            "regress",
            str(CAMERA_YAML),
            "--sim",
            "icarus",
            "--tests",
            "no_such_test",
            "-o",
            str(tmp_path),
        ]
    )
    assert rc == 2
    assert capsys.readouterr().err.strip() == (
        "camtwin regress: error: no test name matches --tests 'no_such_test'"
    )
