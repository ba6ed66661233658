"""The scoreboard's failure report and the model replay, without a simulator."""

from __future__ import annotations

from regmap import load
from sim.cosim import CosimResult, replay, report
from sim.scenario import Scenario, op, random_scenario
from sim.scoreboard import first_mismatch
from sim.testbench import BusAccess

from .conftest import CAMERA_YAML, slow_camera


def test_sim_report_names_first_event_config_seed_and_waves() -> None:
    sc = Scenario("demo", 100, {"line1_in": [(10, 1)]}, [op(3, "set", "TriggerDelay", 5)], seed=42)
    model = {"frame_start": [(0, 0), (20, 1), (21, 0)]}
    rtl = {"frame_start": [(0, 0), (21, 1), (22, 0)]}
    res = CosimResult(sc, rtl, model, [], first_mismatch(model, rtl))
    res.stats = {"t0_ns": 35.0}
    text = report(res, "build/x/camera.fst")
    assert (
        "first mismatch: frame_start: event #1: expected 1 at cycle 20, RTL gave 1 at cycle 21"
        in text
    )
    assert "@3 TriggerDelay=5" in text and "seed: 42" in text
    assert "build/x/camera.fst" in text and "35 ns" in text


def test_sim_replay_event_mode_equals_cycle_mode() -> None:
    rmap = slow_camera(load(CAMERA_YAML))
    sc = random_scenario(rmap, 5, 3000)
    # Exposure 40 cycles, FrameStart trigger On from Line1, then AcquisitionStart (Continuous).
    log = [
        BusAccess("w", 0x10010, 40, cycle=100),
        BusAccess("w", 0x10100, 1 | 1 << 4, cycle=110),
        BusAccess("w", 0x10000, 2 | 1 << 4, cycle=200),
    ]
    stim = {k: [(0, 0), *v] for k, v in sc.lines.items()}
    ev, m1, _ = replay(rmap, stim, log, 3000, "event")
    cy, m2, _ = replay(rmap, stim, log, 3000, "cycle")
    assert m1 is None and m2 is None
    assert ev == cy and len(ev["frame_start"]) > 10
