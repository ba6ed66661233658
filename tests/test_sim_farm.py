"""Many seeds: seed ranges and shards, the native random soak with model replay, merged results,
and the same per-seed results through a real Dask cluster as through the local pool."""

from __future__ import annotations

import contextlib
import io
import json
import shlex
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from camtwin.cli import main
from firmware_model import BusError
from sim.farm import (
    SeedJob,
    junit_suite,
    native_stimulus,
    parse_seeds,
    parse_shard,
    run_jobs,
    run_seed,
    shard,
)
from sim.runner import slow_overrides
from sim.scenario import Op, Scenario, op

from . import netns
from .conftest import CAMERA_YAML, ROOT


def test_seed_ranges_and_shards() -> None:
    assert parse_seeds("3") == [1, 2, 3]
    assert parse_seeds("5-8") == [5, 6, 7, 8]
    for bad in ("0", "x", "8-5", "-3"):
        with pytest.raises(ValueError):
            parse_seeds(bad)
    assert parse_shard("2/3") == (2, 3)
    for bad in ("0/3", "4/3", "1", "a/b"):
        with pytest.raises(ValueError):
            parse_shard(bad)
    seeds = parse_seeds("10-29")
    parts = [shard(seeds, i, 3) for i in (1, 2, 3)]
    assert sorted(s for p in parts for s in p) == seeds
    assert all(not set(a) & set(b) for a in parts for b in parts if a is not b)
    assert parts == [shard(seeds, i, 3) for i in (1, 2, 3)]  # deterministic


def test_native_stimulus_goes_through_the_register_layer(slow_camera_map) -> None:
    """set: read-modify-write of the field in its register; execute: the pulse bit; write: the
    raw word and strobe, to a register or an address."""
    rmap = slow_camera_map
    sc = Scenario(
        "t",
        100,
        ops=[
            op(5, "set", "TriggerDelay", 7, TriggerSelector="AcquisitionStart"),
            op(9, "execute", "AcquisitionStart"),
            Op(12, "write", "EXPOSURE_TIME", 0xDEADBEEF, (), 0x5),
            op(13, "get", "FrameCount"),
        ],
    )
    writes = native_stimulus(rmap, sc)
    delay = rmap.register("TRIGGER_DELAY")
    acq = rmap.feature("AcquisitionStart")
    assert [(w.cycle, w.addr) for w in writes] == [
        (5, delay.address_of(1)),
        (9, acq[0].address),
        (12, rmap.register("EXPOSURE_TIME").address),
    ]
    f = rmap.feature("TriggerDelay")[1]
    assert (writes[0].value & f.mask) >> f.lsb == 7
    assert writes[1].value & acq[1].mask == acq[1].mask
    assert (writes[2].value, writes[2].strobe) == (0xDEADBEEF, 0x5)


@pytest.mark.parametrize("seed", [1, 3, 5, 7, 9, 11])
def test_dense_seed_replay_event_mode_equals_cycle_mode(slow_camera_map, seed) -> None:
    """The replay a seed's check runs (the farm's dense stimulus: a field written every few
    cycles, pins toggling around the debouncer time) gives the cycle-stepped model's output
    edges, events and frame causes in event mode."""
    from firmware_model import OUTPUT_PINS, CameraModel
    from sim.reference import advance_replay
    from sim.scenario import random_scenario

    rmap = slow_camera_map
    sc = random_scenario(rmap, seed, 6000)
    writes = sorted(native_stimulus(rmap, sc), key=lambda w: w.cycle)
    assert len(writes) > 100  # dense
    lines = {k: [(0, 0), *sc.lines.get(k, [])] for k in ("line1_in", "line2_i")}

    def replay(event_mode: bool):
        model = CameraModel(rmap)
        edges: list = [[] for _ in OUTPUT_PINS]

        def apply(i: int) -> None:
            w = writes[i]
            with contextlib.suppress(BusError):
                model.bank.write(w.addr, w.value, w.strobe)

        cycles = [max(w.cycle, 0) for w in writes]
        advance_replay(
            model,
            lines["line1_in"],
            lines["line2_i"],
            cycles,
            apply,
            6000,
            edges,
            event_mode=event_mode,
        )
        return edges, model.events, model.frame_causes, model.cycle

    event, cycle = replay(True), replay(False)
    assert event == cycle
    assert len(cycle[1]) > 10  # frames happen


@pytest.mark.sim
def test_seed_runs_and_reports(tmp_path) -> None:
    job = SeedJob(3, "icarus", 1500, str(CAMERA_YAML), slow_overrides(), str(tmp_path))
    r = run_seed(job)
    assert r.passed, r.message
    assert r.edges > 0 and r.coverage["event.frame_start"] > 0
    assert run_seed(job).key() == r.key()  # a pure function of the job
    bad = SeedJob(3, "icarus", 1500, str(tmp_path / "missing.yaml"), None, str(tmp_path))
    failed = run_seed(bad)
    assert not failed.passed and failed.message.startswith("error:")
    suite = junit_suite([r, failed], "icarus", "map.yaml", 1500)
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["random_seed_3", "random_seed_3"]
    text = cases[1].find("failure").text
    assert "camtwin regress map.yaml --sim icarus --seeds 3-3" in text and "--waves" in text


def _seeds_json(path) -> dict[int, tuple]:
    data = json.loads((path / "seeds.json").read_text())
    return {r["seed"]: (r["passed"], r["edges"], r["message"]) for r in data["results"]}


@pytest.mark.sim
def test_shards_together_equal_the_whole(tmp_path, capsys) -> None:
    base = ["regress", str(CAMERA_YAML), "--sim", "icarus", "--seeds", "1-6", "--only-seeds"]
    base += ["--random-cycles", "800", "--workers", "2"]
    assert main([*base, "-o", str(tmp_path / "all")]) == 0
    whole = _seeds_json(tmp_path / "all")
    parts: dict[int, tuple] = {}
    for i in (1, 2, 3):
        assert main([*base, "--shard", f"{i}/3", "-o", str(tmp_path / f"s{i}")]) == 0
        got = _seeds_json(tmp_path / f"s{i}")
        assert not set(got) & set(parts)
        parts.update(got)
    assert parts == whole and sorted(whole) == [1, 2, 3, 4, 5, 6]
    out = capsys.readouterr()
    assert "icarus seeds: 6/6 passed" in out.out and "6/6 seeds, 0 failed" in out.err
    root = ET.parse(tmp_path / "all" / "results.xml").getroot()
    assert len(root.findall("testsuite/testcase")) == 6


@given(st.integers(0, 2000), st.integers(0, 64))
def test_dask_batches_keep_every_seed_once_in_order(n, workers) -> None:
    from sim.farm import MAX_BATCH, batches

    jobs = [SeedJob(seed, "icarus", 100, str(CAMERA_YAML)) for seed in range(1, n + 1)]
    got = batches(jobs, workers)
    assert [j for b in got for j in b] == jobs
    assert all(b for b in got) and len({len(b) for b in got[:-1]}) <= 1
    assert len(got[-1]) <= len(got[0]) if got else n == 0
    # at least 8 batches per worker (no worker yet: as for one), as long as there are seeds
    assert len(got) >= min(n, 8 * max(1, workers))
    # and no more than needed: batches of one seed only when seeds are few; never many
    assert all(len(b) <= MAX_BATCH for b in got)
    if n >= 16 * max(1, workers):
        assert len(got[0]) >= 2


def test_seed_options_errors(capsys) -> None:
    for args, msg in (
        (["--seeds", "0"], "--seeds: the number of seeds must be at least 1"),
        (["--seeds", "3", "--shard", "4/3"], "--shard: shard '4/3'"),
        (["--shard", "1/2"], "--shard needs --seeds"),
        (["--seeds", "3", "--scheduler", "localhost"], "--scheduler: expected an address"),
    ):
        assert main(["regress", str(CAMERA_YAML), *args]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and msg in err[0], err


@pytest.mark.sim
@pytest.mark.netns
def test_dask_cluster_gives_the_local_pool_results(tmp_path) -> None:
    """A Dask scheduler and two workers on 127.0.0.1 (separate processes, in a namespace that
    holds only lo): 8 seeds through --scheduler give the local pool's per-seed results."""
    proc = netns.run(
        [
            sys.executable,
            "-m",
            "tests.farm_cluster",
            str(tmp_path),
            str(CAMERA_YAML),
            "1-8",
            "600",
            "icarus",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    status = json.loads((tmp_path / "status.json").read_text())
    assert status == {**status, "dask": 0, "local": 0}, proc.stderr[-3000:]
    assert status["address"].startswith("tcp://127.0.0.1:")
    dask, local = _seeds_json(tmp_path / "dask"), _seeds_json(tmp_path / "local")
    assert sorted(dask) == list(range(1, 9)) and dask == local
    engines = json.loads((tmp_path / "dask" / "seeds.json").read_text())
    workers = {r["worker"] for r in engines["results"]}
    assert engines["engine"] == status["address"] and len(workers) >= 1


def _repro(simulator: str, tmp_path) -> None:
    """A failing seed's reproduce command runs that seed alone and writes its waves."""
    from sim.farm import SeedResult, repro_command

    r = SeedResult(5, simulator, 700, False, "x")
    cmd = shlex.split(repro_command(r, str(CAMERA_YAML), 700))
    assert cmd[:2] == ["camtwin", "regress"] and "--waves" in cmd
    build = tmp_path / "build"
    assert main([*cmd[1:], "--build-dir", str(build), "-o", str(tmp_path / "out")]) == 0
    data = json.loads((tmp_path / "out" / "seeds.json").read_text())
    assert [(x["seed"], x["simulator"], x["passed"]) for x in data["results"]] == [
        (5, simulator, True)
    ]
    vcd = build / "sim" / "seeds" / f"{simulator}-seed-5.vcd"
    text = vcd.read_text()
    assert "$enddefinitions" in text and "frame_start" in text


@pytest.mark.sim
def test_reproduce_command_with_waves_icarus(tmp_path) -> None:
    _repro("icarus", tmp_path)


@pytest.mark.sim
@pytest.mark.soak
def test_reproduce_command_with_waves_verilator(tmp_path) -> None:
    _repro("verilator", tmp_path)


@pytest.mark.sim
def test_seeds_run_on_both_paths(tmp_path, capsys) -> None:
    """With the cocotb flow, the first seeds of the run also run on the cocotb path (the same
    scenarios), and the JUnit file holds the cocotb suite and the seeds' suite."""
    args = ["regress", str(CAMERA_YAML), "--sim", "icarus", "--seeds", "1-3"]
    args += ["--tests", "random_regression", "--random-cycles", "1500", "-o", str(tmp_path)]
    assert main(args) == 0, capsys.readouterr().out
    log = (tmp_path / "icarus.log").read_text()
    assert "random-dense-1:" in log and "random-2:" in log and "random-dense-3:" not in log
    root = ET.parse(tmp_path / "results.xml").getroot()
    suites = {s.get("name"): len(s.findall("testcase")) for s in root.findall("testsuite")}
    assert suites == {"camtwin.icarus": 1, "camtwin.icarus.seeds": 3}, suites


@pytest.mark.sim
@pytest.mark.parametrize("workers", [1, 2])
def test_ready_comes_once_before_the_seeds(tmp_path, workers) -> None:
    """The progress bar's rate and ETA count from when the workers are set up and the design
    built (the first run of a fresh checkout builds the runners for a minute or more)."""
    from sim.farm import Progress

    events: list = []
    jobs = [
        SeedJob(s, "icarus", 300, str(CAMERA_YAML), slow_overrides(), str(tmp_path))
        for s in (1, 2, 3)
    ]
    run_jobs(
        jobs,
        workers,
        progress=lambda r: events.append(r.seed),
        ready=lambda: events.append("ready"),
    )
    assert events[0] == "ready"
    assert sorted(events[1:]) == [1, 2, 3]

    bar = Progress(4, io.StringIO())
    bar.t0 -= 100.0  # as if the set-up had taken 100 s
    bar.start()
    bar.cycles, bar.done = 1000, 1
    assert "ETA 0:00" in bar.line()
