"""Mutation check: plant known bugs in a copy of the Amaranth sources; the regression must fail."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .runner import ROOT, Design, RunResult, run, slow_overrides, write_if_changed

__all__ = ["MUTATIONS", "Mutation", "MutationNotApplicable", "mutant_design", "run_mutant"]


class MutationNotApplicable(Exception):
    """The source text a mutation patches is no longer in the gateware (update the mutation)."""


@dataclass(frozen=True)
class Mutation:
    """Text substitutions ``(old, new)`` in one file of ``hdl/``; each must match exactly once."""

    name: str
    file: str
    patches: tuple[tuple[str, str], ...]
    description: str


MUTATIONS = (
    Mutation(
        "debounce-off-by-one",
        "lines.py",
        (("c + 1 >= self.n", "c >= self.n"),),
        "the debouncer needs N+1 cycles instead of N",
    ),
    Mutation(
        "edge-polarity-swapped",
        "lines.py",
        (
            (
                "self.rise.eq(y1 & ~y2), self.fall.eq(~y1 & y2)",
                "self.rise.eq(~y1 & y2), self.fall.eq(y1 & ~y2)",
            ),
        ),
        "rising and falling edge pulses swapped",
    ),
    Mutation(
        "fifo-drops-when-not-full",
        "trigger.py",
        (("self.trigger & (level == k)", "self.trigger & (level == k - 1)"),),
        "the delay FIFO drops a trigger when one slot is still free",
    ),
    Mutation(
        "converter-previous-period",
        "freqconv.py",
        (
            ("period = Signal(32)", "period = Signal(32)\n        prev = Signal(32)"),
            ("period.eq(count),", "period.eq(prev), prev.eq(count),"),
        ),
        "the frequency converter uses the period before the last one",
    ),
    Mutation(
        "transfer-time-rounds-down",
        "frametiming.py",
        (("cycles.eq((product + 0xFFFF) >> 16)", "cycles.eq(product >> 16)"),),
        "the transfer time of PayloadSize on the link is rounded down instead of up",
    ),
    Mutation(
        "user-output-2-reads-0",
        "lines.py",
        (('"UserOutput2": ("user_output", 2),', '"UserOutput2": ("user_output", 0),'),),
        "LineSource UserOutput2 drives the line from UserOutputValue 0",
    ),
    Mutation(
        "line2-activation-ignored",
        "trigger.py",
        (
            (
                "line2 = Mux(falling, self.line2_fall, self.line2_rise)",
                "line2 = self.line2_rise",
            ),
        ),
        "Line2 triggers on its rising edge whatever TriggerActivation says",
    ),
    Mutation(
        "converter-ignores-line2",
        "camera.py",
        (
            (
                "Mux(regs.FC_CTRL[0].input_source == "
                'fc_input.enum_value("Line2"), rise[2], rise[1])',
                "rise[1]",
            ),
        ),
        "the frequency converter always follows Line1",
    ),
    Mutation(
        "w1c-cleared-by-0",
        "regbank.py",
        (("store & ~(wr_data & wr_mask)", "store & (wr_data & wr_mask | ~wr_mask)"),),
        "a w1c bit is cleared by writing 0 (and kept by writing 1)",
    ),
)


def _patched_tree(mutation: Mutation, dest: Path) -> None:
    shutil.copytree(ROOT / "hdl", dest / "hdl", ignore=shutil.ignore_patterns("__pycache__"))
    path = dest / "hdl" / mutation.file
    text = path.read_text()
    for old, new in mutation.patches:
        if text.count(old) != 1:
            raise MutationNotApplicable(
                f"mutation {mutation.name}: {old!r} occurs {text.count(old)} times in "
                f"hdl/{mutation.file} (expected once)"
            )
        text = text.replace(old, new)
    path.write_text(text)


def mutant_design(mutation: Mutation, overrides: dict | None = None) -> Design:
    """Generate the Verilog of the mutated gateware (in a subprocess, from a patched copy)."""
    overrides = slow_overrides() if overrides is None else overrides
    regmap = ROOT / "regmap" / "camera.yaml"
    with tempfile.TemporaryDirectory(prefix="camtwin-mutant-") as tmp:
        _patched_tree(mutation, Path(tmp))
        code = (
            "import json, sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(1, sys.argv[2])\n"
            "from regmap import load; from hdl.export import generate_verilog\n"
            "import hdl; assert hdl.__file__.startswith(sys.argv[1]), hdl.__file__\n"
            "r = load(sys.argv[3]); o = json.loads(sys.argv[4])\n"
            "r = r.with_device(**o) if o else r\n"
            "sys.stdout.write(generate_verilog(r))\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code, tmp, str(ROOT), str(regmap), json.dumps(overrides)],
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"mutant {mutation.name} does not elaborate:\n{proc.stderr[-2000:]}")
    verilog = proc.stdout
    key = "mut-" + hashlib.sha1((mutation.name + verilog).encode()).hexdigest()[:10]
    out = ROOT / "build" / "sim" / "src" / key
    out.mkdir(parents=True, exist_ok=True)
    path = out / "camera.v"
    write_if_changed(path, verilog)
    return Design((path,), "camera", key, {"regmap": str(regmap), "overrides": overrides})


def run_mutant(mutation: Mutation, simulator: str = "icarus", seed: int = 1) -> RunResult:
    """Run the regression on a mutant; a good regression returns a failing result."""
    design = mutant_design(mutation)
    log = ROOT / "build" / "sim" / f"mutant-{mutation.name}-{simulator}.log"
    return run(
        simulator,
        design,
        ["sim.cocotb_camera", "sim.cocotb_directed"],
        seed=seed,
        config={"random_count": 2, "random_cycles": 3000},
        log_file=log,
    )
