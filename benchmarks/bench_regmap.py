"""Load + validate + generate time of a register map (default: the bundled camera).

Prints a table and a JSON object. The baseline, measured in the same run, is parsing the same
YAML with PyYAML's C-accelerated safe loader (``yaml.load`` into plain Python objects): the
ratios show what compiling (positions, checks, typed model) and generating cost over that.
Target: everything (except the gateware's Verilog conversion) under 100 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import yaml

from regmap import load
from regmap.generators import GENERATORS

ROOT = Path(__file__).resolve().parent.parent


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("regmap", nargs="?", default=str(ROOT / "regmap" / "camera.yaml"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    path = Path(args.regmap)
    text = path.read_text()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    rmap = load(path)
    figures = {}
    figures["baseline_yaml_parse"] = best_of(lambda: yaml.load(text, Loader=loader), args.repeat)
    figures["load_and_validate"] = best_of(lambda: load(path), args.repeat)
    for kind, gen in GENERATORS.items():
        figures[f"generate_{kind}"] = best_of(lambda gen=gen: gen.render(rmap), args.repeat)

    def everything():
        m = load(path)
        for gen in GENERATORS.values():
            gen.render(m)

    figures["total"] = best_of(everything, args.repeat)
    base = figures["baseline_yaml_parse"][0]
    result = {
        "regmap": str(path),
        "repeat": args.repeat,
        "figures": {
            k: {"best_ms": b * 1e3, "median_ms": m * 1e3, "ratio_to_baseline": b / base}
            for k, (b, m) in figures.items()
        },
        "target_total_ms": 100.0,
        "meets_target": figures["total"][0] * 1e3 < 100.0,
    }
    print(f"{'step':24} {'best ms':>9} {'median ms':>10} {'x baseline':>11}")
    for k, f in result["figures"].items():
        print(f"{k:24} {f['best_ms']:9.2f} {f['median_ms']:10.2f} {f['ratio_to_baseline']:11.1f}")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
