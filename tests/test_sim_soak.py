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


@pytest.mark.sim
@pytest.mark.soak
@pytest.mark.parametrize("simulator", SIMULATORS)
def test_sim_soak_native_seeds(simulator: str) -> None:
    """The random soak on the native runner: CAMTWIN_SOAK_SEEDS seeds (default 1-400 on
    Verilator, 1-40 on Icarus) of 20 000 cycles on the local pool, every one replayed on the
    model; the failures listed with their reproduce commands."""
    from sim.farm import SeedJob, parse_seeds, repro_command, run_jobs

    from .conftest import CAMERA_YAML

    default = "1-400" if simulator == "verilator" else "1-40"
    seeds = parse_seeds(os.environ.get("CAMTWIN_SOAK_SEEDS", default))
    jobs = [SeedJob(s, simulator, 20_000, str(CAMERA_YAML), slow_overrides()) for s in seeds]
    results = run_jobs(jobs, workers=os.cpu_count() or 1)
    bad = [
        f"{r.message}\n{repro_command(r, str(CAMERA_YAML), 20_000)}"
        for r in results
        if not r.passed
    ]
    assert not bad, "\n\n".join(bad[:5])
