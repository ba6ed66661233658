"""Benchmark of the firmware model: cycle mode vs event-driven mode on one scenario.

The scenario: the camera at 125 MHz, FrameStart triggered by Line1 (rising edge, 1 µs
debouncer), 100 µs exposure and a 512 MB/s link (frame period = the 5 ms full-height readout;
the full Mono8 image transfers in 2.56 ms), Line0 = ExposureActive, and a
10 kHz, 50 % duty trigger train on Line1 (so most triggers are overtriggers).

Run: ``.venv/bin/python benchmarks/bench_model.py [--seconds 1.0] [--cycle-cycles 200000]``.
Prints a JSON object, then a table.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware_model import simulate
from regmap import load

ROOT = Path(__file__).resolve().parent.parent
TRIGGER_HZ = 10_000

SETUP = [
    (-1, "ExposureTime", 100.0),
    (-1, "DeviceLinkThroughputLimit", 512e6),
    (-1, "LineDebouncerTime", 1.0, {"LineSelector": "Line1"}),
    (-1, "TriggerMode", "On", {"TriggerSelector": "FrameStart"}),
    (-1, "TriggerSource", "Line1", {"TriggerSelector": "FrameStart"}),
    (-1, "LineSource", "ExposureActive", {"LineSelector": "Line0"}),
    (-1, "AcquisitionStart", None),
]


def trigger_train(clock_hz: int, cycles: int) -> np.ndarray:
    """Rising edges every 1/TRIGGER_HZ from cycle 1000, 50 % duty, as an (n, 2) array."""
    period = clock_hz // TRIGGER_HZ
    starts = np.arange(1000, cycles, period, dtype=np.int64)
    edges = np.empty((2 * len(starts), 2), dtype=np.int64)
    edges[0::2, 0] = starts
    edges[0::2, 1] = 1
    edges[1::2, 0] = starts + period // 2
    edges[1::2, 1] = 0
    return edges


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="event-mode simulated time")
    parser.add_argument(
        "--cycle-cycles", type=int, default=200_000, help="cycles simulated in cycle mode"
    )
    args = parser.parse_args(argv)
    rmap = load(ROOT / "regmap" / "camera.yaml")
    clk = rmap.clock_hz

    n_cyc = args.cycle_cycles
    res_c, wall_c = timed(
        lambda: simulate(rmap, n_cyc, line1=trigger_train(clk, n_cyc), writes=SETUP, mode="cycle")
    )
    cycle_rate = n_cyc / wall_c

    n_evt = round(args.seconds * clk)
    edges = trigger_train(clk, n_evt)
    res_e, wall_e = timed(lambda: simulate(rmap, n_evt, line1=edges, writes=SETUP, mode="event"))
    event_rate = n_evt / wall_e

    # the same window in both modes must agree
    short = simulate(rmap, n_cyc, line1=trigger_train(clk, n_cyc), writes=SETUP, mode="event")
    agree = short.edges == res_c.edges and short.events == res_c.events

    report = {
        "clock_hz": clk,
        "trigger_hz": TRIGGER_HZ,
        "cycle_mode": {
            "cycles": n_cyc,
            "wall_s": round(wall_c, 4),
            "cycles_per_s": round(cycle_rate),
        },
        "event_mode": {
            "simulated_s": n_evt / clk,
            "cycles": n_evt,
            "wall_s": round(wall_e, 4),
            "simulated_s_per_wall_s": round((n_evt / clk) / wall_e, 3),
            "cycles_per_s": round(event_rate),
            "frames": res_e.counters["FrameCount"],
            "overtriggers": res_e.counters["OvertriggerCount"],
            "input_edges": len(edges),
        },
        "event_over_cycle_speedup": round(event_rate / cycle_rate, 1),
        "modes_agree_on_cycle_window": agree,
    }
    print(json.dumps(report, indent=2))
    rows = [
        ("cycle mode", f"{cycle_rate:,.0f} cycles/s", f"{wall_c:.3f} s for {n_cyc:,} cycles"),
        (
            "event mode",
            f"{(n_evt / clk) / wall_e:.2f} sim s / wall s",
            f"{wall_e:.3f} s for {n_evt / clk:g} s at {clk / 1e6:g} MHz",
        ),
        ("event / cycle", f"{event_rate / cycle_rate:,.0f} x", "same scenario, same run"),
    ]
    print()
    print(f"{'measure':<15}{'rate':<28}{'detail'}")
    for r in rows:
        print(f"{r[0]:<15}{r[1]:<28}{r[2]}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
