"""Load + validate + generate time of a register map (default: the bundled camera), and the
whole ``camtwin check`` / ``camtwin generate --only header,docs,genicam`` processes.

Prints tables and a JSON object. In-process baseline, measured in the same run: parsing the
same YAML with PyYAML's C-accelerated safe loader (``yaml.load`` into plain Python objects): the
ratios show what compiling (positions, checks, typed model) and generating cost over that.
Target: everything (except the gateware's Verilog conversion) under 100 ms.

Whole-process baseline, same run: a bare interpreter start that imports PyYAML
(``python -c "import yaml"``), with compiled bytecode cached for both as in an installed
package. The commands are timed as processes (best of ``--runs``) on the
camera's map, on a map of another device (``docs/examples/sensorhub.yaml``) and on generated
maps of 250 to 2000 registers. Target: <= 3x the baseline for both commands on the camera's
map and on the map of another device (``meets_target`` covers those four figures, each one
reported); the text generators import neither Amaranth, cocotb, numpy nor matplotlib (checked
and reported); the time of the generated maps grows linearly (the cost of each further register,
between successive sizes, is reported, and called linear when the largest is at most 1.5 times
the smallest).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
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


HEAVY = ("amaranth", "cocotb", "numpy", "matplotlib")
_PROBE = (
    "import sys; from camtwin.cli import main; rc = main(sys.argv[1:]); "
    "print(','.join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr); sys.exit(rc)"
)


def generated_map(n: int) -> str:
    """A valid map of ``n`` registers, one rw field with an Integer feature each (23 YAML nodes
    and about 170 bytes per register)."""
    lines = [
        "device: {name: big, vendor: bench, model: B1, clock_hz: 100_000_000, "
        "base_address: 0x10000}",
        "categories: [{name: Main}]",
        "registers:",
    ]
    for i in range(n):
        lines += [
            f"  - name: REG_{i}",
            f"    address: {0x10000 + 4 * i:#x}",
            "    fields:",
            f"      - {{name: value, bits: '15:0', access: rw, reset: {i % 65536}, "
            f"feature: {{name: Value{i}, type: Integer, category: Main}}}}",
        ]
    return "\n".join(lines) + "\n"


def _env(cwd: Path) -> dict:
    """The processes' environment: camtwin from this checkout, and compiled bytecode kept (in a
    cache beside the run), as an installed package has it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONPYCACHEPREFIX"] = str(cwd / "pycache")
    return env


def process_best(argv: list[str], runs: int, cwd: Path) -> float:
    """Best wall time of ``runs`` runs of a process (which must succeed), after a warm-up."""
    env = _env(cwd)
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def heavy_imports(args: list[str], cwd: Path) -> list[str]:
    """The heavy packages a camtwin command imports."""
    env = _env(cwd)
    code = _PROBE.format(heavy=HEAVY)
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    last = proc.stderr.rstrip("\n").rsplit("\n", 1)[-1]
    return [m for m in last.split(",") if m]


def processes(runs: int) -> dict:
    """Whole-process figures against a bare interpreter importing PyYAML, same run."""
    py = sys.executable
    out: dict = {"runs": runs, "rows": []}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        maps = {
            "camera": ROOT / "regmap" / "camera.yaml",
            "sensorhub": ROOT / "docs" / "examples" / "sensorhub.yaml",
        }
        for n in (250, 500, 1000, 2000):
            maps[f"generated-{n}"] = work / f"big{n}.yaml"
            maps[f"generated-{n}"].write_text(generated_map(n))
        base = process_best([py, "-c", "import yaml"], runs, work)
        out["baseline_s"] = base
        for name, path in maps.items():
            for command, args in (
                ("check", ["check", str(path)]),
                (
                    "generate text",
                    [
                        "generate",
                        str(path),
                        "--only",
                        "header,docs,genicam",
                        "-o",
                        str(work / f"out-{name}"),
                    ],
                ),
            ):
                t = process_best([py, "-m", "camtwin", *args], runs, work)
                out["rows"].append(
                    {
                        "map": name,
                        "command": command,
                        "seconds": t,
                        "ratio_to_baseline": t / base,
                        "heavy_imports": heavy_imports(args, work),
                    }
                )
    out["target_ratio"] = TARGET_RATIO
    targeted = [r for r in out["rows"] if r["map"] in ("camera", "sensorhub")]
    for r in targeted:
        r["meets_target"] = r["ratio_to_baseline"] <= TARGET_RATIO
    out["meets_target"] = all(r["meets_target"] for r in targeted)
    out["scaling"] = scaling(out["rows"])
    out["text_generators_import_heavy"] = sorted(
        {m for r in out["rows"] if r["command"] == "generate text" for m in r["heavy_imports"]}
    )
    return out


TARGET_RATIO = 3.0
LINEAR = 1.5
"""Scaling is called linear when the largest cost of a further register, between successive
sizes of the generated map, is at most this many times the smallest."""


def scaling(rows: list[dict]) -> dict:
    """Per command: the milliseconds each further register costs between successive sizes of
    the generated map, and whether that stays about constant (linear growth)."""
    out = {}
    for command in sorted({r["command"] for r in rows}):
        sizes = sorted(
            (int(r["map"].split("-")[1]), r["seconds"])
            for r in rows
            if r["command"] == command and r["map"].startswith("generated-")
        )
        per_reg = [(t1 - t0) * 1e3 / (n1 - n0) for (n0, t0), (n1, t1) in itertools.pairwise(sizes)]
        out[command] = {
            "sizes": [n for n, _t in sizes],
            "ms_per_further_register": [round(x, 3) for x in per_reg],
            "linear": bool(per_reg) and min(per_reg) > 0 and max(per_reg) <= LINEAR * min(per_reg),
        }
    return out


def print_processes(p: dict) -> None:
    print(
        f"\nwhole process, best of {p['runs']}; baseline python -c 'import yaml': "
        f"{p['baseline_s'] * 1e3:.0f} ms"
    )
    print(f"{'map':16} {'command':14} {'ms':>7} {'x baseline':>11}  heavy imports")
    for r in p["rows"]:
        target = {True: "  (target met)", False: "  (target MISSED)"}.get(r.get("meets_target"), "")
        print(
            f"{r['map']:16} {r['command']:14} {r['seconds'] * 1e3:7.0f} "
            f"{r['ratio_to_baseline']:11.2f}  {','.join(r['heavy_imports']) or '-'}{target}"
        )
    print(f"target <= {p['target_ratio']}x on the camera and sensorhub: {p['meets_target']}")
    for command, sc in p["scaling"].items():
        steps = ", ".join(f"{x:.3f}" for x in sc["ms_per_further_register"])
        print(
            f"{command}: ms per further register between {sc['sizes']} registers: {steps} "
            f"({'linear' if sc['linear'] else 'NOT linear'})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("regmap", nargs="?", default=str(ROOT / "regmap" / "camera.yaml"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5, help="runs per whole-process figure")
    parser.add_argument("--no-processes", action="store_true", help="in-process figures only")
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
    if not args.no_processes:
        result["processes"] = processes(args.runs)
        print_processes(result["processes"])
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
