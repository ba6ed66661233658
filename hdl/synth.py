"""Synthesis sanity checks: generic Yosys ``synth`` cell counts of the camera and its blocks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from amaranth.back import verilog
from amaranth.lib import wiring

from regmap.model import RegisterMap

from .acquisition import Acquisition, Counters
from .export import generate_verilog
from .frametiming import frame_timing
from .freqconv import FrequencyConverter
from .lines import Debouncer, EdgeDetector, LineInput, LineOutput
from .regbank import RegisterBank
from .trigger import TriggerDelay, TriggerSourceMux

__all__ = [
    "SynthError",
    "block_components",
    "cell_table",
    "synth_blocks",
    "synth_cells",
    "synth_verilog",
]

#: The Yosys script: the generic ``synth`` (coarse and fine-grained optimisation, memory_map,
#: techmap, abc) on the flattened design, a structural check that fails on problems, then the
#: statistics as JSON.
SCRIPT = (
    "read_verilog {name}.v",
    "synth -flatten -top {name}",
    "check -assert",
    "tee -q -o {name}.stat.json stat -json",
)

_INSTALL_HINT = "install Debian's yosys package (apt-get install yosys; scripts/bootstrap.sh does)"


class SynthError(RuntimeError):
    """Yosys is missing, or it failed on the design."""


def block_components(rmap: RegisterMap) -> dict[str, wiring.Component]:
    """Fresh instances of every block of the camera, as parameterised by ``rmap`` (not the top)."""
    if not isinstance(rmap, RegisterMap):
        raise TypeError(f"rmap must be a RegisterMap, not {rmap!r}")
    trig = rmap.register("TRIGGER_CTRL")
    return {
        "register_bank": RegisterBank(rmap),
        "line_input": LineInput(),
        "debouncer": Debouncer(rmap.register("LINE_DEBOUNCE").field("time").width),
        "edge_detector": EdgeDetector(),
        "frequency_converter": FrequencyConverter(
            rmap.register("FC_MULTIPLIER").field("multiplier").width
        ),
        "trigger_source_mux": TriggerSourceMux(
            trig.field("source"), trig.field("activation"), trig.field("mode")
        ),
        "trigger_delay_fifo": TriggerDelay(
            rmap.constant("TriggerFifoDepth"), rmap.register("TRIGGER_DELAY").field("delay").width
        ),
        "acquisition": Acquisition(
            rmap.register("ACQ_CTRL").field("mode"),
            trig.field("mode"),
        ),
        "frame_timing": frame_timing(rmap),
        "counters": Counters(2),
        "line_output": LineOutput(rmap.register("LINE_CFG").field("source")),
    }


def _is_ff(kind: str) -> bool:
    # Generic one-bit flip-flops after synth: $_DFF_P_, $_DFFE_PP_, $_SDFF_PP0_, $_SDFFE_PP0P_,
    # $_SDFFCE_..., $_DFFSR_..., $_ALDFF_... (latches are $_DLATCH*_ and $_SR_*_, counted apart).
    return "DFF" in kind


def _is_latch(kind: str) -> bool:
    return kind.startswith(("$_DLATCH", "$_SR_"))


def synth_verilog(
    text: str, top: str, workdir: Path | None = None, yosys: str | None = None
) -> dict:
    """Run Yosys ``synth -flatten -top <top>`` on Verilog ``text`` and count the cells.

    Returns ``cells`` (total), ``by_type`` (cell type -> count, sorted), ``ff_bits`` (one-bit
    flip-flops: every register and, after memory_map, every memory bit), ``latches``, ``logic``
    (all other cells: one-bit gates and multiplexers), ``warnings`` (Yosys warning lines) and
    ``yosys`` (its version string).

    The Verilog, script, log and ``stat -json`` output go to ``workdir`` if given (an existing
    directory), else to a temporary directory. ``yosys`` is the executable (default: the
    ``yosys`` on PATH). Raises :class:`SynthError` if Yosys is missing, fails, or its ``check``
    finds a problem (e.g. a combinational loop or a multiply driven net).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be Verilog source text, not {type(text).__name__}")
    if not isinstance(top, str) or not top.isidentifier():
        raise ValueError(f"top must be an identifier, not {top!r}")
    exe = shutil.which(yosys or "yosys")
    if exe is None:
        raise SynthError(f"yosys not found ({yosys or 'yosys'!r} on PATH): {_INSTALL_HINT}")
    if workdir is not None:
        workdir = Path(workdir)
        if not workdir.is_dir():
            raise ValueError(f"workdir must be an existing directory, not {str(workdir)!r}")
        return _run(exe, text, top, workdir, keep=True)
    with tempfile.TemporaryDirectory(prefix="camtwin-synth-") as tmp:
        return _run(exe, text, top, Path(tmp), keep=False)


def _run(exe: str, text: str, top: str, workdir: Path, keep: bool) -> dict:
    (workdir / f"{top}.v").write_text(text)
    script = workdir / f"{top}.ys"
    script.write_text("\n".join(step.format(name=top) for step in SCRIPT) + "\n")
    log = workdir / f"{top}.yosys.log"
    stat = workdir / f"{top}.stat.json"
    stat.unlink(missing_ok=True)
    cmd = [exe, "-q", "-l", log.name, "-s", script.name]
    try:
        run = subprocess.run(
            cmd, cwd=workdir, capture_output=True, text=True, timeout=900, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise SynthError(f"yosys synth of {top!r} timed out after {exc.timeout} s") from None
    output = run.stdout + run.stderr
    if run.returncode != 0 or not stat.exists():
        errors = [line for line in output.splitlines() if "ERROR" in line or "Warning" in line]
        detail = "\n".join(errors) if errors else output.strip()[-2000:]
        where = f"; log {log}" if keep else ""
        raise SynthError(f"yosys synth of {top!r} failed (exit {run.returncode}{where}):\n{detail}")
    report = json.loads(stat.read_text())
    (module,) = report["modules"].values()  # flattened: the top is the only module left
    by_type = {k: int(v) for k, v in sorted(module.get("num_cells_by_type", {}).items())}
    ff_bits = sum(n for kind, n in by_type.items() if _is_ff(kind))
    latches = sum(n for kind, n in by_type.items() if _is_latch(kind))
    cells = int(module["num_cells"])
    return {
        "cells": cells,
        "by_type": by_type,
        "ff_bits": ff_bits,
        "latches": latches,
        "logic": cells - ff_bits - latches,
        "warnings": re.findall(r"^Warning: .*$", output, re.M),
        "yosys": report.get("creator", ""),
    }


def synth_cells(
    component: wiring.Component,
    name: str = "top",
    workdir: Path | None = None,
    yosys: str | None = None,
) -> dict:
    """Convert ``component`` to Verilog (module ``name``) and synthesise it: see synth_verilog."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier, not {name!r}")
    text = verilog.convert(component, name=name, emit_src=False)
    return synth_verilog(text, name, workdir, yosys)


def synth_blocks(
    rmap: RegisterMap, workdir: Path | None = None, yosys: str | None = None
) -> dict[str, dict]:
    """Cell counts of every block of :func:`block_components`, each elaborated on its own, and
    of the whole camera under the key ``camera``.

    The ``camera`` entry synthesises the exported ``generate_verilog(rmap)`` text itself (top
    module ``rmap.device.name``), so the file that is shipped is the one that passes synth.
    """
    stats = {
        name: synth_cells(component, name, workdir, yosys)
        for name, component in block_components(rmap).items()
    }
    stats["camera"] = synth_verilog(generate_verilog(rmap), rmap.device.name, workdir, yosys)
    return stats


def cell_table(
    stats: dict[str, dict], baseline: str | None = "register_bank", by_type: str | None = "camera"
) -> str:
    """A text table of ``synth_blocks``-style results, with each block's ratio to ``baseline``,
    followed by the cells by type of the block ``by_type``."""
    head = f"{'block':<22}{'cells':>7}{'ff bits':>9}{'logic':>7}"
    base = stats[baseline]["cells"] if baseline is not None else None
    lines = [head + (f"{'x ' + baseline:>18}" if base else "")]
    for name, s in stats.items():
        row = f"{name:<22}{s['cells']:>7}{s['ff_bits']:>9}{s['logic']:>7}"
        lines.append(row + (f"{s['cells'] / base:>18.3f}" if base else ""))
    if by_type is not None:
        lines.append(f"{by_type} cells by type:")
        items = [f"{kind:<15}{n:>6}" for kind, n in stats[by_type]["by_type"].items()]
        lines.extend("  " + "   ".join(items[i : i + 4]) for i in range(0, len(items), 4))
    return "\n".join(lines)
