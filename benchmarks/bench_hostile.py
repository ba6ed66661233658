"""Answer time and peak memory of hostile inputs of up to 1 MiB (the input limits' promise).

Each input is generated (1 MiB or just under), written to a file and given to the command that
reads it (``camtwin check`` for maps, ``camtwin timing`` for specs, ``camtwin model`` for
scenarios) in a fresh process; the table shows the wall time, the peak resident memory of that
process, the exit status and the first line of its answer. The baseline, measured in the same
run, is ``camtwin check`` of the bundled camera map: the ratios show what a hostile input costs
over a normal one (process start-up and imports included in both). Target: every answer under
2 s and 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1 << 20
SCENARIO_HEAD = "duration: 1000\n"


def _fill(head: str, unit: str, tail: str = "", size: int = MIB) -> str:
    n = (size - len((head + tail).encode())) // len(unit.encode())
    return head + unit * n + tail


def inputs() -> dict[str, tuple[str, str]]:
    """name -> (kind, text)."""
    minimal = (ROOT / "tests" / "data" / "regmap" / "minimal.yaml").read_text()
    bomb = "x0: &x0 [lol]\n" + "".join(
        f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 10)
    )
    merge = "x0: &x0 {a: 1, b: 2}\n" + "".join(
        f"x{i}: &x{i} {{<<: [" + ", ".join([f"*x{i - 1}"] * 9) + "]}\n" for i in range(1, 10)
    )
    values = "".join(f"      - {{name: V{i}, value: {i}}}\n" for i in range(256))
    arrays = "".join(
        f"  - {{name: R{i}, address: {0x10000 + 1024 * i}, array: {{selector: S, stride: 4}}, "
        f"fields: [{{name: f, bits: '7:0', access: rw}}]}}\n"
        for i in range(65)
    )
    spec_head = "spec: big\nrequirements:\n"
    req = (
        "  - name: r{i}\n    config:\n      TriggerMode[FrameStart]: 'On'\n"
        "    measure: {{kind: count, of: frames}}\n    bound: {{min: 0}}\n"
    )
    reqs = "".join(req.format(i=i) for i in range(7000))
    return {
        "map: 1 MiB of list items": ("map", _fill("x:\n", "- 1\n")),
        "map: 1 MiB flow list": ("map", _fill("x: [", "1,", "]\n")),
        "map: nesting 500k deep": ("map", _fill("x: ", "[", "")),
        "map: one 1 MiB line": ("map", _fill(minimal + "vendor2: ", "x", "\n")),
        "map: alias bomb (9^9)": ("map", bomb + minimal),
        "map: merge-key bomb (9^9)": ("map", merge + minimal),
        "map: 50k unknown keys": ("map", minimal + "".join(f"bad{i}: 1\n" for i in range(50000))),
        "map: 16 640 registers": (
            "map",
            "device: {name: d, vendor: v, model: m, clock_hz: 125000000, "
            "base_address: 0x10000}\nselectors:\n  - name: S\n    selects: []\n    values:\n"
            + values
            + "registers:\n"
            + arrays,
        ),
        "map: 2 MiB file": ("map", _fill("x:\n", "- 1\n", size=2 * MIB)),
        "spec: 7000 requirements": ("spec", spec_head + reqs),
        "spec: 1 MiB of edges": (
            "spec",
            _fill(
                spec_head + "  - name: e\n    stimulus: {line1: {edges: [",
                "1 us, ",
                "]}}\n    measure: {kind: count, of: frames}\n    bound: {min: 0}\n",
            ),
        ),
        "scenario: 1 MiB of edges": (
            "scenario",
            _fill(SCENARIO_HEAD + "inputs:\n  line1: [", "[1, 1], ", "]\n"),
        ),
    }


def _argv(kind: str, path: Path, out: Path) -> list[str]:
    camera = str(ROOT / "regmap" / "camera.yaml")
    if kind == "map":
        return ["check", str(path)]
    if kind == "spec":
        return ["timing", str(path), "--regmap", camera, "-o", str(out), "--no-tables"]
    return ["model", camera, "--scenario", str(path), "-o", str(out)]


def measure(argv: list[str]) -> dict:
    """Wall time, peak RSS and answer of ``camtwin *argv`` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = (
        "import resource, sys\n"
        "from camtwin.cli import main\n"
        "try:\n    rc = main(sys.argv[1:])\nexcept SystemExit as e:\n    rc = e.code\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(f'@@peak {peak} rc {rc}', file=sys.stderr)\n"
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, cwd=ROOT
    )
    seconds = time.perf_counter() - start
    lines = proc.stderr.splitlines()
    tail = next((x for x in reversed(lines) if x.startswith("@@peak")), "@@peak 0 rc ?")
    _, peak, _, rc = tail.split()
    first = next((x for x in lines if not x.startswith("@@")), proc.stdout.splitlines()[0:1])
    return {
        "seconds": round(seconds, 3),
        "peak_mb": round(int(peak) / 1024, 1),
        "exit": rc,
        "answer": (first if isinstance(first, str) else "".join(first))[:110],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        base = measure(["check", str(ROOT / "regmap" / "camera.yaml")])
        results["baseline: check camera.yaml"] = base
        for i, (name, (kind, text)) in enumerate(inputs().items()):
            path = tmpdir / f"input{i}.yaml"
            path.write_text(text)
            r = measure(_argv(kind, path, tmpdir / f"out{i}"))
            r["bytes"] = len(text.encode())
            results[name] = r
    width = max(len(n) for n in results)
    print(f"{'input':<{width}}  {'bytes':>8}  {'time s':>7}  {'x base':>6}  {'peak MB':>7}  exit")
    for name, r in results.items():
        ratio = r["seconds"] / base["seconds"]
        print(
            f"{name:<{width}}  {r.get('bytes', 0):>8}  {r['seconds']:>7.2f}  {ratio:>6.2f}  "
            f"{r['peak_mb']:>7.1f}  {r['exit']:>4}  {r['answer']}"
        )
        r["ratio_to_baseline"] = round(ratio, 2)
    print(json.dumps({"benchmark": "hostile", "results": results}, indent=1))


if __name__ == "__main__":
    main()
