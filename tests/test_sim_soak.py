"""Long constrained-random co-simulation runs (``-m soak``); reproducible with CAMTWIN_SEED."""

from __future__ import annotations

import os

import pytest

from sim.runner import SIMULATORS, camera_design, run, slow_overrides

from .conftest import describe


@pytest.mark.sim
@pytest.mark.soak
@pytest.mark.parametrize("simulator", SIMULATORS)
def test_sim_soak_random(simulator: str) -> None:
    seed = int(os.environ.get("CAMTWIN_SEED", "20261125"))
    count = int(os.environ.get("CAMTWIN_SOAK_COUNT", "60"))
    result = run(
        simulator,
        camera_design(overrides=slow_overrides()),
        "sim.cocotb_camera",
        testcase="random_regression",
        seed=seed,
        config={"random_count": count, "random_cycles": 20_000},
    )
    assert result.passed, describe(result)
    assert [t.name for t in result.tests] == ["random_regression"]
