"""``camtwin model``: run a scenario on the event-driven firmware model and write its results."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from ._common import CompileFailed, UsageError, add_regmap_argument, load_regmap


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``model`` subcommand."""
    p = sub.add_parser(
        "model",
        help="simulate a scenario on the firmware model",
        description="Run a scenario (register writes in user units, input waveforms in µs) on "
        "the event-driven firmware model; write events.csv, events.json, edges.json, "
        "waves.json (WaveDrom), timing.png and summary.txt into the output directory.",
    )
    add_regmap_argument(p)
    p.add_argument("--scenario", required=True, metavar="FILE.yaml", help="scenario file")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    p.add_argument(
        "--mode",
        choices=("event", "cycle"),
        default="event",
        help="simulation mode (default: event; cycle is slow for long scenarios)",
    )
    return p


def _summary(scenario, result) -> list[str]:
    us = scenario.us
    frames = result.event_cycles("frame_start")
    lines = [
        f"scenario: {scenario.source}",
        f"simulated: {scenario.cycles} cycles = {us(scenario.cycles):g} us "
        f"at {result.clock_hz:g} Hz",
        f"frames: {len(frames)}",
        f"lost triggers: {len(result.event_cycles('trigger_lost'))}",
        f"overtriggers: {len(result.event_cycles('overtrigger'))}",
        f"acquisitions done: {len(result.event_cycles('acquisition_done'))}",
        "counters: " + ", ".join(f"{k} = {v}" for k, v in result.counters.items()),
        f"Line0 pulses: {len(result.pulses('line0_out'))}",
    ]
    # Latency of each frame start from the latest rising input edge before it (either line).
    rises = sorted(
        c for name in ("line1_in", "line2_i") for c, v in result.edges[name] if v and c > 0
    )
    lat = []
    for f in frames:
        before = [c for c in rises if c <= f]
        if before:
            lat.append(f - before[-1])
    if lat:
        lines.append(
            f"input edge -> frame_start latency: min {min(lat)} cycles ({us(min(lat)):g} us), "
            f"max {max(lat)} cycles ({us(max(lat)):g} us)"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the scenario and write the results; 0 on success, 1 on scenario errors."""
    from firmware_model.scenario import ScenarioError, load_scenario
    from firmware_model.waves import plot_timing, to_wavejson

    try:
        rmap = load_regmap(args.regmap)
    except CompileFailed:
        return 1
    path = Path(args.scenario)
    if not path.is_file():
        raise UsageError(f"scenario '{path}' does not exist or is not a file")
    try:
        scenario = load_scenario(path, rmap)
    except ScenarioError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read scenario '{path}': {exc}") from None
    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output directory '{out}': {exc.strerror}") from None
    try:
        result = scenario.run(args.mode)
    except (ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"{path}: {exc}") from None

    us = scenario.us
    try:
        with (out / "events.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["cycle", "time_us", "event", "selector"])
            for e in result.events:
                w.writerow([e.cycle, f"{us(e.cycle):.6f}", e.kind, e.selector])
        events = [
            {"cycle": e.cycle, "time_us": us(e.cycle), "event": e.kind, "selector": e.selector}
            for e in result.events
        ]
        (out / "events.json").write_text(json.dumps(events, indent=1) + "\n", encoding="utf-8")
        (out / "edges.json").write_text(json.dumps(result.to_dict()) + "\n", encoding="utf-8")
        (out / "waves.json").write_text(json.dumps(to_wavejson(result)) + "\n", encoding="utf-8")
        plot_timing(result, out / "timing.png", title=f"{path.name} ({args.mode} mode)")
        summary = _summary(scenario, result)
        (out / "summary.txt").write_text("\n".join(summary) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write results into '{out}': {exc.strerror}") from None
    print("\n".join(summary))
    print(f"results written to {out}/")
    return 0
