"""``camtwin check``: compile a register map and report every error."""

from __future__ import annotations

import argparse

from regmap.profile import camera_like

from ..consumers import ALL
from ._common import (
    CompileFailed,
    add_regmap_argument,
    check_consumers,
    check_profile,
    load_regmap,
)

HEAVY = ("firmware model", "device backend", "gateware")
"""The consumers only ``--deep`` sets up (they import Amaranth and numpy: a few tenths of a
second); the camera commands set up the ones they use before they run."""


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "check",
        help="validate a register map (any device)",
        description="Compile a register map and report every error with file:line:col. On a "
        "map meant for the camera (most of its registers), also require everything of the "
        "camera's map and set up the generators and the timing checks on it; with --deep, the "
        "firmware model, the device backend and the gateware too (the camera commands do that "
        "before they run). Exit status 0 when valid, 1 when it has errors.",
    )
    add_regmap_argument(p)
    p.add_argument(
        "--deep",
        action="store_true",
        help="on a camera map, set up every consumer: the firmware model, the device backend and "
        "the gateware too (imports Amaranth and numpy: slower)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    generic: list[str] = []
    try:
        rmap = load_regmap(args.regmap)
        # The camera's consumers are set up only on a map meant for the camera (most of its
        # registers): on another device's map they would find nothing, and cost seconds. The
        # generators' identifiers are checked by the compiler itself (regmap.checks), so a map
        # of another device is not rendered here (a property test builds every output).
        if camera_like(rmap):
            check_profile(rmap, "a camera map needs everything of the camera's")
            check_consumers(rmap, [u for u in ALL if args.deep or u not in HEAVY])
        else:
            generic = [use for use in ALL if use != "generators"]
    except CompileFailed:
        return 1
    n_regs = sum(r.count for r in rmap.registers)
    n_fields = sum(len(r.fields) for r in rmap.registers)
    print(
        f"{args.regmap}: OK: device '{rmap.device.name}' ({rmap.device.vendor} "
        f"{rmap.device.model}), {len(rmap.registers)} register definitions "
        f"({n_regs} registers), {n_fields} fields, {len(rmap.features)} features, "
        f"{len(rmap.selectors)} selectors, clock {rmap.clock_hz / 1e6:g} MHz"
    )
    if generic:
        print(
            f"note: a generic map, not the camera's: the {', '.join(generic)} find nothing of "
            "what they need in it (the commands that use them refuse it)"
        )
    return 0
