"""``camtwin generate``: write every artifact derived from a register map."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from regmap import RegisterMap, UnsupportedMap
from regmap.generators import GENERATORS, Generator

from ._common import (
    CompileFailed,
    UsageError,
    add_output_argument,
    add_regmap_argument,
    check_output,
    load_regmap,
    write_outputs,
)


def _verilog(rmap: RegisterMap) -> str:
    # Imported on use: elaborating the gateware is the only slow generator.
    from hdl.export import generate_verilog

    return generate_verilog(rmap)


def artifact_kinds() -> dict[str, Generator]:
    """Every kind ``generate`` can write, the register map's own and the gateware's."""
    kinds = dict(GENERATORS)
    kinds["verilog"] = Generator("verilog", ".v", _verilog, "Verilog of the Camera top (gateware)")
    return kinds


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    kinds = artifact_kinds()
    p = sub.add_parser(
        "generate",
        help="generate the artifacts of a register map",
        description="Compile a register map and write its artifacts, named after the device "
        "(camera.h, camera.md, ...). The files are replaced as a set (a failed or interrupted run "
        "leaves the previous set), and left as they are when their content is unchanged. Kinds: "
        + "; ".join(f"{k} ({g.description})" for k, g in kinds.items()),
    )
    add_regmap_argument(p)
    add_output_argument(
        p,
        "output directory (created if missing; default: build/generate)",
        default=Path("build/generate"),
    )
    p.add_argument(
        "--only",
        metavar="KIND,...",
        help="comma-separated kinds to write (default: all): " + ", ".join(kinds),
    )
    return p


def _select(only: str | None) -> list[Generator]:
    kinds = artifact_kinds()
    if only is None:
        return list(kinds.values())
    chosen: list[Generator] = []
    for name in (k.strip() for k in only.split(",")):
        if name not in kinds:
            raise UsageError(
                f"unknown artifact kind '{name}' in --only; allowed: {', '.join(kinds)}"
            )
        if kinds[name] not in chosen:
            chosen.append(kinds[name])
    return chosen


def run(args: argparse.Namespace) -> int:
    generators = _select(args.only)
    check_output(args.output)
    try:
        uses = ["generators"]
        if any(g.kind == "verilog" for g in generators):
            uses.append("gateware")
        rmap = load_regmap(args.regmap, uses)
    except CompileFailed:
        print("camtwin generate: no files written: the register map has errors", file=sys.stderr)
        return 1
    # Render everything before writing anything: a failing generator leaves no partial set.
    rendered = []
    for gen in generators:
        start = time.perf_counter()
        try:
            text = gen.render(rmap)
        except UnsupportedMap as exc:
            print(
                f"camtwin generate: error: cannot generate {gen.kind} from {args.regmap}: "
                f"{exc}; no files written",
                file=sys.stderr,
            )
            return 1
        rendered.append((gen, text, time.perf_counter() - start))
    names = {gen.filename(rmap) for gen, _text, _s in rendered}
    with write_outputs(args.output, names) as stage:
        for gen, text, _seconds in rendered:
            (stage.path / gen.filename(rmap)).write_bytes(text.encode("utf-8"))
    for gen, text, seconds in rendered:
        name = gen.filename(rmap)
        state = "wrote" if name in stage.changed else "unchanged"
        path = args.output / name
        print(f"{state:9} {path} ({len(text.encode())} bytes, {seconds * 1e3:.0f} ms)")
    return 0
