"""C header generator: register addresses, field masks and shifts, enum values, unit macros."""

from __future__ import annotations

from ..model import RegisterMap
from ._render import render
from .names import unit_suffix

# scale kind -> (to-raw expression, from-raw expression) over the field's unit. The operations
# are those of ``Scale.to_raw``/``from_raw`` in the same order, in double precision, and every
# conversion to a raw value rounds with the map's one rule (to nearest, a tie to even).
_CONVERSIONS = {
    "cycles": (
        "{round}((double)(x) * (double){clk} / {per_second}.0)",
        "((double)(x) * {per_second}.0 / (double){clk})",
    ),
    # a rate over a (fixed-point) period; raw 0 means no limit and converts to 0
    "period": (
        "{round}((double){clk} * {one}.0 / ((double)(x) * {hz}.0))",
        "((x) ? (double){clk} * {one}.0 / (double)(x) / {hz}.0 : 0.0)",
    ),
    "fixed": ("{round}((double)(x) * {one}.0)", "((double)(x) / {one}.0)"),
}


def round_function(prefix: str) -> str:
    """Name of the header's rounding function (lower case: never a generated macro name)."""
    return f"{prefix.lower()}_round_half_even"


def generate_c_header(rmap: RegisterMap) -> str:
    """The C header for firmware: every register, field, enum value and unit conversion."""
    prefix = rmap.c_prefix
    rounding = round_function(prefix)
    conversions = {}
    for reg in rmap.registers:
        for f in reg.fields:
            if f.scale.kind in _CONVERSIONS:
                to_raw, from_raw = _CONVERSIONS[f.scale.kind]
                fmt = {
                    "clk": f"{prefix}_CLOCK_HZ",
                    "one": str(1 << f.scale.frac_bits),
                    "per_second": str(f.scale.per_second),
                    "hz": str(f.scale.hz),
                    "round": rounding,
                }
                conversions[(reg.name, f.name)] = (
                    unit_suffix(f.unit),
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
        rounding=rounding,
    )
