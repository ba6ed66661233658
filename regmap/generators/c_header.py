"""C header generator: register addresses, field masks and shifts, enum values, unit macros."""

from __future__ import annotations

import re

from ..model import RegisterMap
from ._render import render

_CONVERSIONS = {
    # scale kind -> (physical unit suffix, to-raw expression, from-raw expression)
    "cycles": (
        "US",
        "((uint32_t)((x) * ((double){clk} / 1e6) + 0.5))",
        "((double)(x) * 1e6 / (double){clk})",
    ),
    "period": ("HZ", "((uint32_t)((double){clk} / (x) + 0.5))", "((double){clk} / (double)(x))"),
    # a rate over a fixed-point period (period_qN); raw 0 means no limit and converts to 0
    "period_q": (
        "{unit}",
        "((uint32_t)((double){clk} * {one}.0 / (x) + 0.5))",
        "((x) ? (double){clk} * {one}.0 / (double)(x) : 0.0)",
    ),
    "fixed": ("REAL", "((uint32_t)((x) * {one}.0 + 0.5))", "((double)(x) / {one}.0)"),
}


def generate_c_header(rmap: RegisterMap) -> str:
    """The C header for firmware: every register, field, enum value and unit conversion."""
    prefix = rmap.c_prefix
    conversions = {}
    for reg in rmap.registers:
        for f in reg.fields:
            kind = f.scale.kind
            if kind == "period" and f.scale.frac_bits:
                kind = "period_q"
            if kind in _CONVERSIONS:
                unit, to_raw, from_raw = _CONVERSIONS[kind]
                fmt = {"clk": f"{prefix}_CLOCK_HZ", "one": str(1 << f.scale.frac_bits)}
                unit_name = re.sub(r"[^0-9A-Za-z]+", "_", f.unit).upper() or "REAL"
                conversions[(reg.name, f.name)] = (
                    unit.format(unit=unit_name),
                    to_raw.format(**fmt),
                    from_raw.format(**fmt),
                )
    return render(
        "c_header.h.j2",
        rmap=rmap,
        prefix=prefix,
        guard=f"{prefix}_REGS_H",
        source=rmap.source.rsplit("/", 1)[-1],
        conversions=conversions,
    )
