"""Benchmark of the gateware: Verilog generation time and Yosys synth cell counts per block."""

# Generation time is measured in this process: the first generate_verilog call (it pays for the
# WebAssembly Yosys start-up) and the median of the warm ones. Cell counts come from
# hdl.synth (Debian's yosys: `synth -flatten -top <block>` on each block's Verilog, elaborated on
# its own, and on the exported camera.v); each block is also given as a ratio to a baseline
# synthesised in the same run, the bare register bank. The trigger FIFO is swept over its depth:
# generic synth maps its K x 32 timestamp memory to flip-flops and a read multiplexer.
#
# Run: .venv/bin/python benchmarks/bench_hdl.py [--warm 3] [--depths 4,16,64]
# Prints a JSON object, then a table. Needs yosys on PATH (scripts/bootstrap.sh installs it).

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hdl.export import generate_verilog
from hdl.synth import block_components, cell_table, synth_cells, synth_verilog
from hdl.trigger import TriggerDelay
from regmap import load

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "register_bank"
KEYS = ("cells", "ff_bits", "logic", "latches")


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
    if any(d < 1 for d in depths):
        raise ValueError(f"--depths must be positive integers, not {args.depths!r}")
    rmap = load(ROOT / "regmap" / "camera.yaml")

    text, first = timed(lambda: generate_verilog(rmap))
    warm = [timed(lambda: generate_verilog(rmap))[1] for _ in range(args.warm)]

    blocks = {}
    for name, component in block_components(rmap).items():
        stats, seconds = timed(lambda c=component, n=name: synth_cells(c, n))
        blocks[name] = dict(stats, synth_s=round(seconds, 3))
    stats, seconds = timed(lambda: synth_verilog(text, rmap.device.name))
    blocks["camera"] = dict(stats, synth_s=round(seconds, 3))
    baseline = blocks[BASELINE]["cells"]

    fifo = {}
    for depth in depths:
        stats = synth_cells(TriggerDelay(depth, 27), f"fifo{depth}")
        fifo[depth] = {k: stats[k] for k in KEYS}

    result = {
        "verilog": {
            "bytes": len(text),
            "first_s": round(first, 3),
            "warm_median_s": round(statistics.median(warm), 3),
        },
        "yosys": blocks["camera"]["yosys"],
        "flow": "synth -flatten -top <block>; check -assert; stat -json",
        "baseline": {"name": BASELINE, "cells": baseline},
        "blocks": {
            n: {
                **{k: s[k] for k in KEYS},
                "ratio_to_bank": round(s["cells"] / baseline, 4),
                "synth_s": s["synth_s"],
                "by_type": s["by_type"],
            }
            for n, s in blocks.items()
        },
        "fifo_depth_sweep": fifo,
    }
    print(json.dumps(result, indent=2))

    v = result["verilog"]
    print(
        f"\nVerilog generation: first {v['first_s']:.2f} s, warm {v['warm_median_s']:.2f} s"
        f" ({v['bytes']} bytes); {result['yosys']}\n"
    )
    print(cell_table(blocks, BASELINE))
    print(f"\n{'FIFO depth':<12}{'cells':>7}{'ff bits':>9}{'logic':>7}")
    for depth, s in fifo.items():
        print(f"{depth:<12}{s['cells']:>7}{s['ff_bits']:>9}{s['logic']:>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
