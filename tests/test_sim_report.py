"""The scoreboard's failure report and the model replay, without a simulator."""

from __future__ import annotations

import pytest

from regmap import load
from sim.cosim import CosimResult, ParallelReplay, Replay, replay, report
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


def test_sim_replay_in_steps_and_in_a_worker_equals_one_pass() -> None:
    """The parallel replay (accesses fed as the RTL logs them, model advanced to each access's
    completion cycle, in a forked worker) gives exactly the one-pass result, in both modes."""
    rmap = slow_camera(load(CAMERA_YAML))
    sc = random_scenario(rmap, 7, 6000)
    log = [
        BusAccess("w", 0x10010, 40, cycle=100, done_cycle=102),
        BusAccess("w", 0x10100, 1 | 1 << 4, cycle=110, done_cycle=112),
        BusAccess("w", 0x10000, 2 | 1 << 4, cycle=200, done_cycle=203),
        BusAccess("r", 0x10000, 0x123, cycle=2500, done_cycle=2502),  # read data differs
        BusAccess("w", 0x10010, 7, cycle=2502, done_cycle=2504),
        BusAccess("w", 0x10010, 90, cycle=4000, done_cycle=4001),
    ]
    stim = {k: [(0, 0), *v] for k, v in sc.lines.items()}
    for mode in ("event", "cycle"):
        edges, mismatch, model = replay(rmap, stim, log, 6000, mode)
        stepped = Replay(rmap, stim, mode)
        for acc in log:
            stepped.add(acc)
            stepped.advance(acc.done_cycle)
        stepped.advance(6000)
        worker = ParallelReplay(rmap, stim, mode)
        for acc in log:
            worker.add(acc)
        w_edges, w_mismatch, summary = worker.finish(6000)
        assert mismatch is not None and mismatch.access.cycle == 2500
        assert stepped.edges == edges and w_edges == edges and len(edges["frame_start"]) > 10
        assert str(stepped.bus_mismatch) == str(mismatch) == str(w_mismatch)
        assert summary.events == model.events and summary.cycle == model.cycle == 6000


def test_sim_parallel_replay_reports_a_worker_failure() -> None:
    """An access added after the worker's model passed its cycle fails the replay (RuntimeError
    from finish(), which run_scenario turns into a failed test), and later sends do not raise."""
    rmap = slow_camera(load(CAMERA_YAML))
    worker = ParallelReplay(rmap, {"line1_in": [(0, 0), (50, 1)]})
    worker.add(BusAccess("w", 0x10010, 40, cycle=2000, done_cycle=2002))
    worker.add(BusAccess("w", 0x10010, 41, cycle=100, done_cycle=102))
    for k in range(50):
        worker.add(BusAccess("w", 0x10010, k, cycle=3000 + k, done_cycle=3000 + k))
    with pytest.raises(RuntimeError, match="added after the replay passed it"):
        worker.finish(4000)
