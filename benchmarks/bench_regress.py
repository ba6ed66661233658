"""Many-seed regression throughput: native runner + model replay per worker, local pool and Dask.

Usage: .venv/bin/python benchmarks/bench_regress.py [--seeds N] [--cycles N]
       [--pool-seeds N] [--repeat N] [--icarus-seeds N] [--icarus-cycles N] [--json PATH]

Dense random stimulus (the odd seeds of ``sim.scenario.random_scenario``: single fields
reprogrammed every 5-80 cycles, pins toggling around the debouncer time). Figures, same run:

- ``<sim>.bare_cycles_per_s``: the native runner's simulation loop alone (the bare RTL: a C++
  loop on Verilator, a plain Verilog testbench on Icarus; no Python), summed over the seeds;
- ``<sim>.checked_cycles_per_s_per_worker``: one worker, everything a seed costs (scenario,
  stimulus, RTL run, model replay, comparison, coverage), builds excluded; ``..._ratio_to_bare``;
- ``<sim>.replay_cycles_per_s``: the model replay alone;
- ``speedup_2_workers``: wall time of ``--pool-seeds`` seeds on the local pool, 1 worker / 2
  workers (each run starts its pool: start-up included);
- ``dask_overhead``: a Dask ``LocalCluster`` (2 worker processes, 127.0.0.1 only) against the
  local pool of 2, same seeds: wall time ratio - 1 (cluster start-up excluded; connecting to it
  included).

The pool and Dask runs take a few seconds each, so that another process's second of CPU moves
them by tens of percent: they run ``--repeat`` times (default 3), the three kinds in turn, and
each figure compares the best wall time of each kind (every sample is in the JSON).
- ``load_average``: the machine's 1-minute load average before and after the run (the parallel
  figures only mean something on an otherwise idle machine).
- ``model``: the firmware model the figures ran (``firmware_model.compiled``), and
  ``verilator.interpreted``: the per-worker figures of the same seeds on the interpreted model
  (a child process with ``CAMTWIN_MODEL=interpreted``), with ``compiled_speedup_replay`` and
  ``compiled_speedup_checked`` (compiled / interpreted, same run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.farm import SeedJob, run_jobs, run_seed  # noqa: E402
from sim.runner import slow_overrides  # noqa: E402

REGMAP = str(ROOT / "regmap" / "camera.yaml")


def jobs(sim: str, n: int, cycles: int, first: int = 1) -> list[SeedJob]:
    """``n`` dense seeds (odd numbers) from ``first``."""
    return [SeedJob(first + 2 * i, sim, cycles, REGMAP, slow_overrides()) for i in range(n)]


def per_worker(sim: str, n: int, cycles: int) -> dict:
    run_seed(jobs(sim, 1, 200)[0])  # build (or find the build) first
    results = run_jobs(jobs(sim, n, cycles), workers=1)  # in this process, as one worker
    bad = [r.seed for r in results if not r.passed]
    if bad:
        raise SystemExit(f"{sim}: seeds {bad} failed: {results[0].message[:500]}")
    total = n * cycles
    bare = sum(r.sim_seconds for r in results)
    checked = sum(r.seconds - r.build_seconds for r in results)
    replay = sum(r.replay_seconds for r in results)
    return {
        "seeds": n,
        "cycles_per_seed": cycles,
        "bare_cycles_per_s": total / bare,
        "checked_cycles_per_s_per_worker": total / checked,
        "checked_ratio_to_bare": (total / checked) / (total / bare),
        "replay_cycles_per_s": total / replay,
        "replay_share": replay / checked,
    }


def wall(js: list[SeedJob], workers: int = 1, scheduler: str | None = None) -> float:
    t0 = time.perf_counter()
    results = run_jobs(js, workers, scheduler)
    dt = time.perf_counter() - t0
    assert all(r.passed for r in results), [r.message for r in results if not r.passed]
    return dt


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=16, help="Verilator seeds (default 16)")
    p.add_argument("--cycles", type=int, default=50_000, help="cycles per seed (default 50000)")
    p.add_argument(
        "--pool-seeds", type=int, help="seeds of the pool and Dask runs (default 4 x --seeds)"
    )
    p.add_argument(
        "--repeat", type=int, default=3, help="runs of each pool and Dask kind (default 3)"
    )
    p.add_argument("--icarus-seeds", type=int, default=4)
    p.add_argument("--icarus-cycles", type=int, default=10_000)
    p.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "regress.json")
    p.add_argument("--per-worker-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.per_worker_only:  # the interpreted baseline's child process
        print(json.dumps(per_worker("verilator", args.seeds, args.cycles)))
        return 0
    from firmware_model import compiled

    out: dict = {"load_average": {"start": os.getloadavg()[0]}, "model": compiled.status()}
    out["verilator"] = per_worker("verilator", args.seeds, args.cycles)
    if compiled.is_compiled():
        again = ["--per-worker-only", "--seeds", str(args.seeds), "--cycles", str(args.cycles)]
        child = subprocess.run(
            [sys.executable, __file__, *again],
            env={**os.environ, "CAMTWIN_MODEL": "interpreted"},
            capture_output=True,
            text=True,
            check=True,
        )
        slow = json.loads(child.stdout)
        fast = out["verilator"]
        fast["interpreted"] = slow
        fast["compiled_speedup_replay"] = fast["replay_cycles_per_s"] / slow["replay_cycles_per_s"]
        fast["compiled_speedup_checked"] = (
            fast["checked_cycles_per_s_per_worker"] / slow["checked_cycles_per_s_per_worker"]
        )
    out["icarus"] = per_worker("icarus", args.icarus_seeds, args.icarus_cycles)

    js = jobs("verilator", args.pool_seeds or 4 * args.seeds, args.cycles, first=1001)

    import dask
    from distributed import Client, LocalCluster

    samples: dict[str, list[float]] = {"pool_1": [], "pool_2": [], "dask_2": []}
    # The workers as docs/coverification.md advises for regressions: without the statistical
    # profiler, which stops the seed's thread every 10 ms to sample its stack.
    with (
        dask.config.set({"distributed.worker.profile.enabled": False}),
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
    ):
        with Client(cluster.scheduler_address, set_as_default=False) as c:
            got = c.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
            assert not any(got.values()), f"the workers profile: {got}"
        wall(jobs("verilator", 2, 200), scheduler=cluster.scheduler_address)  # warm the workers
        for _ in range(max(1, args.repeat)):
            samples["pool_1"].append(wall(js, 1))
            samples["pool_2"].append(wall(js, 2))
            samples["dask_2"].append(wall(js, scheduler=cluster.scheduler_address))
    t1, t2, td = (min(samples[k]) for k in ("pool_1", "pool_2", "dask_2"))
    out["pool"] = {
        "wall_1_worker_s": t1,
        "wall_2_workers_s": t2,
        "samples_1_worker_s": samples["pool_1"],
        "samples_2_workers_s": samples["pool_2"],
    }
    out["speedup_2_workers"] = t1 / t2
    out["dask"] = {"wall_2_workers_s": td, "samples_2_workers_s": samples["dask_2"]}
    out["dask_overhead"] = td / t2 - 1
    out["load_average"]["end"] = os.getloadavg()[0]

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1))
    print(f"firmware model: {out['model']}")
    print(f"{'figure':<52} {'value':>14}")
    for sim in ("verilator", "icarus"):
        row = out[sim]
        for k in (
            "bare_cycles_per_s",
            "checked_cycles_per_s_per_worker",
            "checked_ratio_to_bare",
            "replay_cycles_per_s",
            "replay_share",
        ):
            v = row[k]
            print(
                f"{sim + '.' + k:<52} {v:>14,.2f}" if v < 10 else f"{sim + '.' + k:<52} {v:>14,.0f}"
            )
        if "interpreted" in row:
            slow = row["interpreted"]
            for k in ("checked_cycles_per_s_per_worker", "replay_cycles_per_s"):
                print(f"{sim + '.interpreted.' + k:<52} {slow[k]:>14,.0f}")
            for k in ("compiled_speedup_checked", "compiled_speedup_replay"):
                print(f"{sim + '.' + k:<52} {row[k]:>14.2f}")
    print(f"{'speedup_2_workers (local pool, 1 -> 2)':<52} {out['speedup_2_workers']:>14.2f}")
    print(f"{'dask_overhead (LocalCluster vs pool, 2 workers)':<52} {out['dask_overhead']:>14.1%}")
    load = out["load_average"]
    print(f"{'load average (1 min) before / after':<52} {load['start']:>6.2f} / {load['end']:.2f}")
    print(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
