"""``camtwin model``: run a scenario on the event-driven firmware model and write its results."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..resources import default_scenario
from ._common import (
    CompileFailed,
    add_output_argument,
    add_regmap_argument,
    check_output,
    load_regmap,
    load_scenario_file,
    write_outputs,
)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``model`` subcommand."""
    p = sub.add_parser(
        "model",
        help="simulate a scenario on the firmware model (camera maps)",
        description="Run a scenario (register writes in user units, input waveforms in µs) on "
        "the event-driven firmware model; write events.csv, events.json, edges.json, "
        "waves.json (WaveDrom), timing.png and summary.txt into the output directory.",
    )
    add_regmap_argument(p)
    p.add_argument(
        "--scenario",
        default=default_scenario(),
        metavar="FILE.yaml",
        help="scenario file (default: scenarios/debounce_1500us.yaml in the current directory, "
        "else the bundled example)",
    )
    add_output_argument(
        p,
        "output directory (created if missing; default: build/model)",
        default=Path("build/model"),
    )
    p.add_argument(
        "--mode",
        choices=("event", "cycle"),
        default="event",
        help="simulation mode (default: event; cycle is slow for long scenarios)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Run the scenario and write the results; 0 on success, 1 on errors in the inputs."""
    from firmware_model.results import RESULT_FILES, write_results

    out = args.output
    check_output(out)
    try:
        rmap = load_regmap(args.regmap, ("firmware model",), camera="model")
    except CompileFailed:
        return 1
    try:
        scenario = load_scenario_file(args.scenario, rmap)
    except CompileFailed:
        return 1
    # The loader checked everything the model takes: an exception from here on is a bug.
    result = scenario.run(args.mode)
    with write_outputs(out, RESULT_FILES) as stage:
        summary = write_results(
            scenario, result, stage.path, title=f"{Path(args.scenario).name} ({args.mode} mode)"
        )
    print("\n".join(summary))
    print(f"results written to {out}/")
    return 0
