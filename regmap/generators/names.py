"""The identifiers the generators make from a map, computed without rendering anything, so that
``check`` can refuse a map whose outputs would not build: C macro names (with their sources),
GenApi node names (the map's and the generator's helper nodes).
"""

from __future__ import annotations

import re

from ..model import Access, Field, Interface, Register, RegisterMap, SourceLoc

__all__ = [
    "GENAPI_NAME",
    "c_ident",
    "genapi_device_name",
    "genapi_nodes",
    "header_macros",
    "shadowed_fields",
    "word_written",
]

_NON_IDENT = re.compile(r"[^0-9A-Za-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_NAME = re.compile(r"[^0-9A-Za-z_]")

GENAPI_NAME = re.compile(r"[A-Za-z][0-9A-Za-z_]*")
"""GenApi node names as the XML generator writes them (a subset of XML NCNames)."""


def genapi_device_name(text: str) -> str:
    """The XML's VendorName or ModelName of a device's vendor or model: every character other
    than a letter, a digit or '_' becomes '_' (a valid :data:`GENAPI_NAME` if it then starts
    with a letter)."""
    return _NON_NAME.sub("_", text)


def c_ident(*parts: str) -> str:
    """Upper-case C identifier from name parts, CamelCase split into words.

    ``c_ident("camera", "TriggerSelector") == "CAMERA_TRIGGER_SELECTOR"``
    """
    words = (_NON_IDENT.sub("_", _CAMEL.sub("_", p)).strip("_") for p in parts if p)
    return "_".join(words).upper()


def unit_suffix(unit: str) -> str:
    """The ``<UNIT>`` of a field's ``_FROM_<UNIT>``/``_TO_<UNIT>`` macros: its unit as a C
    identifier (``us`` and ``µs`` give ``US``, ``kHz`` gives ``KHZ``), ``REAL`` without one."""
    text = unit.replace("µ", "u")
    return _NON_IDENT.sub("_", text).strip("_").upper() or "REAL"


def header_macros(rmap: RegisterMap) -> list[tuple[str, str, SourceLoc | None]]:
    """``(macro, what it is, where its source is)`` of every ``#define`` of the C header."""
    p = rmap.c_prefix
    out: list[tuple[str, str, SourceLoc | None]] = [
        (f"{p}_REGS_H", "the include guard", None),
        (f"{p}_CLOCK_HZ", "the clock", None),
        (f"{p}_BASE_ADDRESS", "the base address", None),
        (f"{p}_BUS_WIDTH", "the bus width", None),
    ]
    for c in rmap.device.constants.values():
        out.append((c_ident(p, c.name), f"constant {c.name}", c.loc))
    for sel in rmap.selectors:
        for v in sel.values:
            out.append(
                (c_ident(p, sel.name, v.name), f"value {v.name} of selector {sel.name}", v.loc)
            )
    for reg in rmap.registers:
        r = c_ident(p, reg.name)
        what = f"register {reg.name}"
        suffixes = ("_COUNT", "_STRIDE", "_ADDR", "_RESET") if reg.array else ("_ADDR", "_RESET")
        out += [(r + s, what, reg.loc) for s in suffixes]
        for f in reg.fields:
            fi = c_ident(r, f.name)
            what = f"field {reg.name}.{f.name}"
            out += [(fi + s, what, f.loc) for s in ("_SHIFT", "_WIDTH", "_MASK", "_GET", "_SET")]
            for e in f.enum:
                out.append(
                    (c_ident(fi, e.name), f"enum value {e.name} of {reg.name}.{f.name}", e.loc)
                )
            if f.scale.kind in ("cycles", "period", "fixed"):
                u = unit_suffix(f.unit)
                out += [(f"{fi}_FROM_{u}", what, f.loc), (f"{fi}_TO_{u}", what, f.loc)]
    return out


def shadowed_fields(reg: Register) -> list[Field]:
    """The write-only fields with a feature of ``reg`` whose value the GenApi XML keeps in the
    node map (``<F>_Shadow``, written by ``pValueCopy``): those that share the register with
    another writable field, whose read-modify-write must write them back. Empty for an array
    register (``check`` refuses such a field there)."""
    writable = [f for f in reg.fields if f.access.writable]
    if reg.array is not None or len(writable) < 2:
        return []
    return [f for f in writable if f.access is Access.WO and f.feature is not None]


def word_written(reg: Register, f: Field) -> bool:
    """Field ``f`` is written through a word writer ``<F>_Wr`` (an IntConverter over the whole
    word): in a register with event bits (a masked write would write back the 1s it read), and
    every writable field of a register with shadowed write-only fields."""
    if any(o.access in (Access.W1C, Access.W1S) for o in reg.fields):
        return True
    return f.access.writable and bool(shadowed_fields(reg))


def genapi_nodes(rmap: RegisterMap) -> list[tuple[str, str, SourceLoc | None]]:
    """``(node name, what it is, where its source is)`` of every node the GenApi XML holds for
    the map's own categories, selectors and features, helper nodes included (not the standard
    GigE Vision features, whose names are reserved)."""
    out: list[tuple[str, str, SourceLoc | None]] = [("Root", "the root category", None)]
    for cat in rmap.categories:
        out.append((cat.name, f"category {cat.name}", cat.loc))
    for sel in rmap.selectors:
        out.append((sel.name, f"selector {sel.name}", sel.loc))
        out.append((f"{sel.name}_Index", f"the index node of selector {sel.name}", sel.loc))
        for v in sel.values:
            out.append(
                (f"EnumEntry_{sel.name}_{v.name}", f"entry {v.name} of selector {sel.name}", v.loc)
            )
    for reg in rmap.registers:
        shadowed = shadowed_fields(reg)
        for f in reg.fields:
            feat = f.feature
            if feat is None:
                continue
            n, where = feat.name, feat.loc
            out.append((n, f"feature {n}", where))
            out.append((f"{n}_Reg", f"the register node of feature {n}", where))
            if word_written(reg, f):
                out.append((f"{n}_Wr", f"the word writer of feature {n}", where))
            converted = feat.interface is Interface.FLOAT and f.scale.kind != "raw"
            if converted or f in shadowed:
                out.append((f"{n}_Raw", f"the raw node of feature {n}", where))
            if converted:
                out.append((f"{n}_Conv", f"the converter of feature {n}", where))
            if f in shadowed:
                out.append((f"{n}_Shadow", f"the node-map copy of feature {n}", where))
            for e in f.enum:
                out.append((f"EnumEntry_{n}_{e.name}", f"entry {e.name} of feature {n}", e.loc))
    return out
