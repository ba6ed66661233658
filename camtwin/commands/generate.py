"""``camtwin generate``: write every artifact derived from a register map."""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from regmap import RegisterMap, RegmapError, UnsupportedMap

if TYPE_CHECKING:
    from regmap.generators import Generator

from ..consumers import SETUP_ERRORS
from ._common import (
    CompileFailed,
    UsageError,
    add_output_argument,
    add_regmap_argument,
    check_consumers,
    check_output,
    load_regmap,
    write_outputs,
)


def _bank(rmap: RegisterMap) -> str:
    # Imported on use: elaborating gateware is the only slow generator (Amaranth).
    from hdl.bankexport import generate_bank_verilog

    return generate_bank_verilog(rmap)


def _camera(rmap: RegisterMap) -> str:
    from hdl.export import generate_verilog

    return generate_verilog(rmap)


CAMERA_KIND = "camera"
TEXT_KINDS = ("header", "docs", "genicam")


def artifact_kinds() -> dict[str, Generator]:
    """Every kind ``generate`` can write: the register map's own and the gateware's."""
    from regmap.generators import GENERATORS, Generator

    kinds = dict(GENERATORS)
    kinds["bank"] = Generator(
        "bank", "_regs.v", _bank, "Verilog of the AXI4-Lite register bank, any map"
    )
    kinds[CAMERA_KIND] = Generator(
        CAMERA_KIND, ".v", _camera, "Verilog of the camera top (camera maps only)"
    )
    return kinds


#: Kinds and what they are, for the help (the generators are imported only when used).
KINDS = {
    "header": "C header: addresses, masks, enums, unit conversions (<name>.h)",
    "docs": "register documentation, Markdown (<name>.md)",
    "genicam": "GenICam GenApi 1.1 XML (<name>.xml)",
    "bank": "Verilog of the AXI4-Lite register bank, any map (<name>_regs.v)",
    CAMERA_KIND: "Verilog of the camera top, camera maps only (<name>.v)",
}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    kinds = KINDS
    p = sub.add_parser(
        "generate",
        help="generate the artifacts of a register map",
        description="Compile a register map and write its artifacts, named after the device "
        "(camera.h, camera.md, ...). The files are replaced as a set (a failed or interrupted run "
        "leaves the previous set), and left as they are when their content is unchanged. Kinds: "
        + "; ".join(f"{k} ({text})" for k, text in kinds.items()),
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
        help="comma-separated kinds to write (default: all that the map supports: the camera "
        "top only for a camera map): " + ", ".join(kinds),
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
        rmap = load_regmap(args.regmap)
    except CompileFailed:
        print("camtwin generate: no files written: the register map has errors", file=sys.stderr)
        return 1
    notes = []
    if any(gen.kind == CAMERA_KIND for gen in generators):
        from regmap.profile import camera_profile_errors

        errors = camera_profile_errors(rmap, "the camera top (camtwin generate --only camera)")
        if errors and args.only is not None:
            print(RegmapError(errors).render(), file=sys.stderr)
            print(
                "camtwin generate: no files written: the map is not a camera map", file=sys.stderr
            )
            return 1
        if not errors:  # the camera's names are there: can the gateware use their values?
            try:
                check_consumers(rmap, ["gateware"])
            except CompileFailed:
                print(
                    "camtwin generate: no files written: the register map has errors",
                    file=sys.stderr,
                )
                return 1
        else:
            generators = [gen for gen in generators if gen.kind != CAMERA_KIND]
            notes.append(
                f"skipped   the camera top ({rmap.stem}.v): the map lacks {len(errors)} of the "
                "camera's registers, fields, selectors or constants (camera-specific; "
                "`--only camera` lists them)"
            )
    # Render everything before writing anything: a failing generator leaves no partial set.
    rendered = []
    for gen in generators:
        start = time.perf_counter()
        # The text generators build trees of small objects without cycles: no cyclic garbage
        # collection while they do (it would make a large map's time grow faster than the map).
        if gen.kind in TEXT_KINDS:
            gc.disable()
        try:
            text = gen.render(rmap)
        except UnsupportedMap as exc:
            print(
                f"camtwin generate: error: cannot generate {gen.kind} from {args.regmap}: "
                f"{exc}; no files written",
                file=sys.stderr,
            )
            return 1
        except SETUP_ERRORS:
            # A generator failed on a map that compiled: locate the problem as `check` does
            # (the consumer trial renders every text generator once more).
            try:
                check_consumers(rmap, ["generators"])
            except CompileFailed:
                print(
                    "camtwin generate: no files written: the register map has errors",
                    file=sys.stderr,
                )
                return 1
            raise
        finally:
            gc.enable()
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
    for note in notes:
        print(note)
    return 0
