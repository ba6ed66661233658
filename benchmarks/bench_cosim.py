"""Co-simulation throughput per simulator: full checking vs. await-only baseline, same run.

Usage: .venv/bin/python benchmarks/bench_cosim.py [--sim icarus,verilator] [--cycles N]
       [--repeat N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.runner import SIMULATORS, camera_design, run, slow_overrides  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sim", default=",".join(SIMULATORS))
    p.add_argument("--cycles", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3, help="runs of each mode (best is reported)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "cosim.json")
    args = p.parse_args(argv)
    design = camera_design(overrides=slow_overrides())
    args.json.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for sim in args.sim.split(","):
        out = args.json.parent / f"cosim-{sim}.json"
        out.unlink(missing_ok=True)
        r = run(
            sim,
            design,
            "sim.cocotb_bench",
            seed=args.seed,
            config={
                "bench_cycles": args.cycles,
                "bench_out": str(out),
                "bench_repeat": args.repeat,
            },
            log_file=args.json.parent / f"cosim-{sim}.log",
        )
        if not r.passed or not out.exists():
            print(
                f"{sim}: benchmark failed (see {args.json.parent / f'cosim-{sim}.log'})",
                file=sys.stderr,
            )
            return 1
        rows.append(json.loads(out.read_text()))
    args.json.write_text(json.dumps(rows, indent=1))
    print(
        f"{'simulator':<10} {'cycles':>8} {'baseline c/s':>13} {'checked c/s':>12} "
        f"{'ratio':>6} {'model replay s':>15}"
    )
    for r in rows:
        print(
            f"{r['simulator']:<10} {r['cycles']:>8} {r['baseline_cycles_per_s']:>13,.0f} "
            f"{r['full_cycles_per_s']:>12,.0f} {r['ratio_full_to_baseline']:>6.2f} "
            f"{r['model_replay_s']:>15.2f}"
        )
    print(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
