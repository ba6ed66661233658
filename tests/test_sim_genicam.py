"""The official GenICam GenApi drives the RTL through the AXI4-Lite master (sim/cocotb_genicam.py).

The NodeMap is loaded from the XML generated for the simulated map (the slow-clock test map,
1 MHz) and its port forwards every access to the cocotb AXI master; see docs/genicam.md,
"Against the RTL".
"""

from __future__ import annotations

import pytest

from regmap import load
from sim.genicam_plan import command_features, event_features, read_only_features, rw_features
from sim.runner import ROOT, SIMULATORS, camera_design, run, slow_overrides

from .conftest import describe

MODULE = "sim.cocotb_genicam"


@pytest.mark.sim
@pytest.mark.parametrize("simulator", SIMULATORS)
def test_sim_genicam_drives_the_rtl(simulator: str) -> None:
    result = run(simulator, camera_design(overrides=slow_overrides()), MODULE, seed=1)
    assert result.passed, describe(result)
    assert {t.name for t in result.tests} == {
        "genicam_rw_features_round_trip",
        "genicam_hand_derived_registers",
        "genicam_rejected_writes_never_reach_the_bus",
        "genicam_read_only_features_follow_the_rtl",
        "genicam_software_trigger_acquisition",
        "genicam_acquisition_start_trigger_and_single_frame",
    }


def test_every_feature_is_driven_through_genapi() -> None:
    """The round trip, read-only, command and event-bit tests together cover every feature."""
    rmap = load(ROOT / "regmap" / "camera.yaml")
    covered = set(rw_features(rmap)) | set(read_only_features(rmap))
    covered |= set(command_features(rmap)) | set(event_features(rmap))
    assert covered == set(rmap.features)


# The register-level tests do not assume short frames: they also run on the bundled map
# (125 MHz, R = 625 000 cycles), whose XML has other converters (TriggerDelay 250 us -> 31250).
REGISTER_TESTS = "genicam_(rw_features|hand_derived|rejected_writes|read_only)"


@pytest.mark.sim
@pytest.mark.parametrize(
    "simulator",
    [pytest.param(s, marks=[pytest.mark.soak] if s != "icarus" else []) for s in SIMULATORS],
)
def test_sim_genicam_full_clock_map(simulator: str) -> None:
    result = run(simulator, camera_design(), MODULE, test_filter=REGISTER_TESTS, seed=1)
    assert result.passed, describe(result)
    assert len(result.tests) == 4
