"""Co-simulation throughput per simulator: full checking vs. await-only baseline, same run.

Usage: .venv/bin/python benchmarks/bench_cosim.py [--sim icarus,verilator] [--cycles N]
       [--repeat N] [--replay-parallel auto|on|off] [--no-bare] [--json PATH]

Per simulator, one cocotb run (``sim/cocotb_bench.py``) times the clock alone (idle), then the
same stimulus alternately without checking (monitors off, no replay: the baseline) and with
full checking, ``--repeat`` times; the best of each is reported and the ratio is checked /
baseline. The bare design (a plain Verilog testbench for Icarus, a C++ loop for Verilator,
built with the runner's flags; no VPI, no Python) gives the ceiling.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.runner import (  # noqa: E402
    SIMULATORS,
    _setup_path,
    camera_design,
    run,
    slow_overrides,
    top_ports,
    verilator_port_access,
)

BARE_TB = """`timescale 1ns/1ps
module bare_tb;
  reg clk = 1, rst = 1;
  always #5 clk = ~clk;
  {top} dut (.clk(clk), .rst(rst){inputs});
  initial begin
    #40 rst = 0;
    #({cycles} * 10) $finish;
  end
endmodule
"""

BARE_MAIN = """#include "Vtop.h"
#include "verilated.h"
#include <chrono>
#include <cstdio>
int main(int argc, char** argv) {{
    VerilatedContext ctx;
    ctx.commandArgs(argc, argv);
    Vtop top{{&ctx}};
    top.clk = 1; top.rst = 1; top.eval();
    for (int i = 0; i < 4; i++) {{ top.clk = 0; top.eval(); top.clk = 1; top.eval(); }}
    top.rst = 0;{idle}
    const long n = {cycles};
    auto t = std::chrono::steady_clock::now();
    for (long i = 0; i < n; i++) {{
        ctx.timeInc(5); top.clk = 0; top.eval();
        ctx.timeInc(5); top.clk = 1; top.eval();
    }}
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    std::printf("%.1f\\n", n / s);
    return 0;
}}
"""


def _inputs(design) -> list[str]:
    """Input ports of the top module other than clk/rst (held at 0, BREADY/RREADY at 1)."""
    import re

    for src in design.sources:
        m = re.search(
            rf"^\s*module\s+{re.escape(design.toplevel)}\b(.*?)^\s*endmodule",
            Path(src).read_text(),
            re.M | re.S,
        )
        if m:
            decls = re.findall(r"^\s*input\b[^;]*?([A-Za-z_]\w*)\s*[;,)]?\s*$", m.group(1), re.M)
            return [p for p in top_ports(design) if p in decls and p not in ("clk", "rst")]
    return []


def bare_icarus(design, out: Path, cycles: int) -> float:
    """Cycles/s of the design alone in Icarus (plain Verilog clock, no VPI)."""
    ins = _inputs(design)
    conns = "".join(f", .{p}({int(p.endswith('ready'))})" for p in ins)
    tb = out / "bare_tb.v"
    tb.write_text(BARE_TB.format(top=design.toplevel, inputs=conns, cycles=cycles))
    vvp = out / "bare.vvp"
    srcs = [str(s) for s in design.sources]
    subprocess.run(
        ["iverilog", "-g2012", "-o", str(vvp), "-s", "bare_tb", str(tb), *srcs], check=True
    )
    best = 0.0
    for _ in range(2):
        t = time.perf_counter()
        subprocess.run(["vvp", "-n", str(vvp)], check=True, stdout=subprocess.DEVNULL)
        best = max(best, cycles / (time.perf_counter() - t))
    return best


def bare_verilator(design, out: Path, cycles: int) -> tuple[float, float]:
    """(cycles/s, build s) of the design alone in Verilator, built with the runner's flags."""
    _setup_path()
    idle = "".join(f"\n    top.{p} = {int(p.endswith('ready'))};" for p in _inputs(design))
    main = out / "bare_main.cpp"
    main.write_text(BARE_MAIN.format(idle=idle, cycles=cycles))
    args = ["-Wno-fatal", *verilator_port_access(design, out)]
    env = {**os.environ, "MAKEFLAGS": "CFG_CXXFLAGS_PCH_I=-include"}
    shutil.rmtree(out / "obj", ignore_errors=True)
    t = time.perf_counter()
    subprocess.run(
        ["verilator", "--cc", "--exe", "--build", "-j", "2", "--vpi", "--prefix", "Vtop",
         "--top-module", design.toplevel, "--timescale", "1ns/1ps", "-Mdir", str(out / "obj"),
         "-o", "bare", *args, str(main), *[str(s) for s in design.sources]],
        check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    build_s = time.perf_counter() - t
    best = max(
        float(subprocess.run([str(out / "obj" / "bare")], check=True, capture_output=True,
                             text=True).stdout)
        for _ in range(3)
    )  # fmt: skip
    return best, build_s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sim", default=",".join(SIMULATORS))
    p.add_argument("--cycles", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3, help="runs of each mode (best is reported)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--replay-parallel", default="auto", choices=("auto", "on", "off"))
    p.add_argument("--no-bare", action="store_true", help="skip the bare-design ceiling")
    p.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "cosim.json")
    args = p.parse_args(argv)
    args.json = args.json.resolve()  # the simulator runs in the build directory
    design = camera_design(overrides=slow_overrides())
    args.json.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for sim in args.sim.split(","):
        out = args.json.parent / f"cosim-{sim}.json"
        out.unlink(missing_ok=True)
        t = time.perf_counter()
        r = run(
            sim,
            design,
            "sim.cocotb_bench",
            seed=args.seed,
            config={
                "bench_cycles": args.cycles,
                "bench_out": str(out),
                "bench_repeat": args.repeat,
                "replay_parallel": args.replay_parallel,
            },
            log_file=args.json.parent / f"cosim-{sim}.log",
        )
        if not r.passed or not out.exists():
            print(
                f"{sim}: benchmark failed (see {args.json.parent / f'cosim-{sim}.log'})",
                file=sys.stderr,
            )
            return 1
        row = json.loads(out.read_text())
        row["run_s"] = time.perf_counter() - t
        if not args.no_bare:
            bare_dir = args.json.parent / f"bare-{sim}"
            bare_dir.mkdir(exist_ok=True)
            if sim == "icarus":
                row["bare_cycles_per_s"] = bare_icarus(design, bare_dir, args.cycles)
            else:
                rate, build_s = bare_verilator(design, bare_dir, 20 * args.cycles)
                row["bare_cycles_per_s"], row["bare_build_s"] = rate, build_s
        rows.append(row)
    args.json.write_text(json.dumps(rows, indent=1))
    print(
        f"{'simulator':<10} {'cycles':>7} {'bare c/s':>10} {'idle c/s':>9} {'baseline c/s':>12} "
        f"{'checked c/s':>11} {'ratio':>6} {'replay s':>8}"
    )
    for r in rows:
        bare = f"{r['bare_cycles_per_s']:,.0f}" if "bare_cycles_per_s" in r else "-"
        print(
            f"{r['simulator']:<10} {r['cycles']:>7} {bare:>10} {r['idle_cycles_per_s']:>9,.0f} "
            f"{r['baseline_cycles_per_s']:>12,.0f} {r['full_cycles_per_s']:>11,.0f} "
            f"{r['ratio_full_to_baseline']:>6.2f} {r['model_replay_s']:>8.3f}"
        )
    print(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
