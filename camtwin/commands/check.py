"""``camtwin check``: compile a register map and report every error."""

from __future__ import annotations

import argparse

from regmap.profile import camera_like

from ..consumers import ALL
from ._common import CompileFailed, add_regmap_argument, check_consumers, load_regmap


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "check",
        help="validate a register map (any device)",
        description="Compile a register map and report every error with file:line:col, then "
        "set up every consumer of the map (firmware model, device backend, generators, "
        "gateware, timing checks) on it: what one of them cannot use is an error too. "
        "Exit status 0 when valid, 1 when it has errors.",
    )
    add_regmap_argument(p)
    return p


def run(args: argparse.Namespace) -> int:
    generic: list[str] = []
    try:
        rmap = load_regmap(args.regmap)
        # The camera's consumers are set up only on a map meant for the camera (most of its
        # registers): on another device's map they would find nothing, and cost seconds. The
        # generators' identifiers are checked by the compiler itself (regmap.checks), so a map
        # of another device is not rendered here (a property test builds every output).
        uses = ALL if camera_like(rmap) else ()
        generic += [use for use in ALL if use not in uses and use != "generators"]
        check_consumers(rmap, uses, notes=generic)
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
