"""Shared fixtures: the bundled camera map, and a slow-clock variant for short simulations;
``describe`` for simulator-run assertion messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from regmap import RegisterMap, load
from sim.runner import apply_overrides, slow_overrides

ROOT = Path(__file__).resolve().parent.parent
CAMERA_YAML = ROOT / "regmap" / "camera.yaml"


def describe(result) -> str:
    """A simulator run's outcome for an assertion message: each test, and each failure's text."""
    lines = [f"{result.simulator}: exit {result.exit_code}, results {result.results_xml}"]
    for t in result.tests:
        lines.append(f"  {t.name}: {'PASS' if t.passed else 'FAIL'}")
        if not t.passed:
            lines.append("    " + t.message[:4000].replace("\n", "\n    "))
    return "\n".join(lines)


def slow_camera(rmap: RegisterMap) -> RegisterMap:
    """The camera at a 1 MHz clock with a 50-cycle sensor readout and a 4-deep trigger FIFO.

    One cycle is then one microsecond, and frames are short enough to simulate many.
    """
    return apply_overrides(rmap, slow_overrides())


@pytest.fixture(scope="session")
def camera_map() -> RegisterMap:
    return load(CAMERA_YAML)


@pytest.fixture(scope="session")
def slow_camera_map(camera_map: RegisterMap) -> RegisterMap:
    return slow_camera(camera_map)
