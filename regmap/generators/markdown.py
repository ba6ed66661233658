"""Human-readable register documentation (Markdown) with a bit-field table per register."""

from __future__ import annotations

from ..bankports import bank_module, bank_ports
from ..model import Field, RegisterMap
from ._render import render


def _range(f: Field, clock_hz: int) -> str:
    if f.enum:
        return ", ".join(f"{e.name} = {e.value}" for e in f.enum)
    if f.min is None:
        return f"0 – {f.max_raw}"
    unit = f" {f.unit}" if f.unit else ""
    lo, hi = f.raw_limits(clock_hz)
    text = f"{f.min:g} – {f.max:g}{unit}"
    if f.inc != 1:
        text += f", in steps of {f.inc}"
    return text if f.scale.kind == "raw" else f"{text} (raw {lo} – {hi}, {f.scale})"


def generate_markdown(rmap: RegisterMap) -> str:
    """Register documentation: device summary, register table, one bit-field table each."""
    return render(
        "registers.md.j2",
        rmap=rmap,
        source=rmap.source.rsplit("/", 1)[-1],
        field_range=lambda f: _range(f, rmap.clock_hz),
        bits=lambda f: f"{f.msb}:{f.lsb}" if f.width > 1 else str(f.lsb),
        bank=bank_module(rmap),
        ports=bank_ports(rmap),
    )
