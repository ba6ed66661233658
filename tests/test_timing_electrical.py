"""Electrical requirements of timing specs: figures probed on the electrical model.

The expected figures are the manual's (typed by hand in tests/test_timing_spec.py); a model
that disagrees with the manual must fail its requirement.
"""

from __future__ import annotations

import dataclasses

import pytest

import timingspec.electrical as electrical
from firmware_model.lines import load_line2_data
from regmap import RegisterMap
from timingspec.measure import evaluate
from timingspec.spec import loads_spec

from .test_timing_spec import MANUAL_LINE_FIGURES

SPEC = """
spec: electrical
requirements:
  - name: sink
    measure: {kind: electrical, line: Line2, figure: output_sink_current_max}
    bound: {typ: 50 mA, tol: 0.1 %}
  - name: legacy
    measure: {kind: electrical, line: Line1, figure: absolute_max, variant: legacy-29mm}
    bound: {max: 25 V}
"""


@pytest.mark.parametrize(("line", "figure", "variant"), sorted(MANUAL_LINE_FIGURES))
def test_every_figure_probes_to_the_manual_value(line: str, figure: str, variant: str) -> None:
    assert electrical.FIGURES[figure].line == line
    value = electrical.probe(figure, variant)
    assert value == pytest.approx(MANUAL_LINE_FIGURES[(line, figure, variant)], rel=1e-9)
    assert electrical.manual_value(figure, variant) == MANUAL_LINE_FIGURES[(line, figure, variant)]


def test_requirements_pass_on_the_model(camera_map: RegisterMap) -> None:
    spec = loads_spec(SPEC, camera_map)
    results = [evaluate(camera_map, r) for r in spec.requirements]
    assert [r.passed for r in results] == [True, True]
    assert results[0].measurement.value == pytest.approx(50.0)
    assert results[0].measurement.details["manual"] == 50.0
    assert results[1].measurement.value == pytest.approx(25.0)


def test_a_model_off_the_manual_fails_its_requirement(
    camera_map: RegisterMap, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A model that lets Line2 sink 60 mA: the probe finds 60 mA, the requirement fails.
    loose = dataclasses.replace(load_line2_data(), out_sink_max_ma=60.0)
    real = electrical.check_line2_output
    monkeypatch.setattr(electrical, "check_line2_output", lambda *a, **k: real(*a, **k, data=loose))
    spec = loads_spec(SPEC, camera_map)
    result = evaluate(camera_map, spec.requirements[0])
    assert result.measurement.value == pytest.approx(60.0)
    assert not result.passed and result.margin == pytest.approx(-9.95)


def test_documented_example_passes(camera_map: RegisterMap) -> None:
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "timing.md"
    text = doc.read_text(encoding="utf-8")
    m = re.search(r"```yaml\n(spec: io-limits\n.*?)```", text, re.S)
    assert m is not None
    spec = loads_spec(m.group(1), camera_map, str(doc))
    results = [evaluate(camera_map, r) for r in spec.requirements]
    assert [r.requirement.name for r in results if r.passed] == [
        "line2-output-sink",
        "legacy-line1-breakdown",
        "line0-pullup-24v",
    ]
