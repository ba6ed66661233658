"""Co-simulation of the generated camera gateware against the firmware model, per simulator."""

from __future__ import annotations

import os

import pytest

from sim.coverage import Coverage
from sim.farm import SeedJob, merge_coverage, run_jobs
from sim.runner import SIMULATORS, camera_design, run, slow_overrides

from .conftest import CAMERA_YAML, describe

DEFAULT_SEEDS = range(1, 9)
"""Random seeds of the default regression on the native runner (as ``camtwin regress``)."""


@pytest.mark.sim
@pytest.mark.parametrize("simulator", SIMULATORS)
def test_sim_camera_cosim(simulator: str) -> None:
    design = camera_design(overrides=slow_overrides())
    seed = int(os.environ.get("CAMTWIN_SEED", "1"))
    result = run(
        simulator,
        design,
        ["sim.cocotb_camera", "sim.cocotb_directed"],
        seed=seed,
        config={"random_count": 4, "random_cycles": 4000},
    )
    assert result.passed, describe(result)
    assert len(result.tests) >= 20
    # Several seeds on the native runner, replayed on the model; the coverage of the whole
    # default regression (cocotb tests + seeds) closes: every bin is hit.
    jobs = [SeedJob(s, simulator, 4000, str(CAMERA_YAML), slow_overrides()) for s in DEFAULT_SEEDS]
    seeds = run_jobs(jobs, workers=1)
    assert all(r.passed for r in seeds), [(r.seed, r.message) for r in seeds if not r.passed]
    hit, total, missed = Coverage.summary(
        merge_coverage([result.coverage, *(r.coverage for r in seeds)])
    )
    assert not missed and hit == total > 200, missed


# Tests whose expectations do not assume a frame period of a few cycles (R is 625 000 here).
FULL_CLOCK_TESTS = (
    "register_|bus_errors|delay_fifo_full|random_regression|config_sweep|output_lines"
    "|converter_(first|m_greater|divider)|image_transfer_time_extremes"
)


@pytest.mark.sim
@pytest.mark.parametrize(
    "simulator",
    [pytest.param(s, marks=[pytest.mark.soak] if s != "icarus" else []) for s in SIMULATORS],
)
def test_sim_camera_cosim_full_clock_map(simulator: str) -> None:
    """The bundled map as it is (125 MHz, K = 16, 5 ms readout): registers and line paths."""
    design = camera_design()
    result = run(
        simulator,
        design,
        ["sim.cocotb_camera", "sim.cocotb_directed"],
        test_filter=FULL_CLOCK_TESTS,
        seed=1,
    )
    assert result.passed, describe(result)
    assert len(result.tests) >= 9


def test_random_raw_writes_reach_every_writable_field(slow_camera_map) -> None:
    """Over 800 seeds the random scenarios' raw writes store 0, all ones and other
    words in every element of every register with a writable field (FC_DIVIDER included)."""
    from regmap.model import Access
    from sim.scenario import random_scenario

    writable = {Access.RW, Access.WO, Access.W1C}
    expected = {
        addr
        for reg in slow_camera_map.registers
        if any(f.access in writable for f in reg.fields)
        for addr in reg.addresses
    }
    assert slow_camera_map.register("FC_DIVIDER").address in expected
    seen: dict[int, set[str]] = {a: set() for a in expected}
    for seed in range(800):
        for o in random_scenario(slow_camera_map, seed, cycles=4000).ops:
            if o.kind != "write" or o.address not in seen:
                continue
            kind = {0: "zero", 0xFFFF_FFFF: "ones"}.get(o.value, "other")
            # 0 and all ones with every byte; other words with any strobe that stores a byte
            if o.strobe == 0xF or (kind == "other" and o.strobe):
                seen[o.address].add(kind)
    missing = {hex(a): {"zero", "ones", "other"} - k for a, k in seen.items() if len(k) < 3}
    assert not missing, missing
