"""Semantic checks of a structurally sound register map.

Each check is a small function that records diagnostics; :func:`check` runs them all, so one
run reports every problem of a map.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import TYPE_CHECKING

from .diagnostics import did_you_mean
from .generators.names import GENAPI_NAME, genapi_device_name
from .model import (
    RATE_UNITS,
    TIME_UNITS,
    Access,
    Field,
    Interface,
    Register,
    RegisterMap,
    SourceLoc,
)

if TYPE_CHECKING:
    from .loader import Builder, Context

__all__ = ["BOOTSTRAP_END", "GENAPI_RESERVED", "check"]

BOOTSTRAP_END = 0xA000
"""GigE Vision keeps 0x0000–0x9FFF for its bootstrap registers."""

# Names the GenApi XML generator emits itself, and names GenApi gives a meaning to.
GENAPI_RESERVED = frozenset(
    {
        "Root",
        "Device",
        "TLParamsLocked",
        "RegisterDescription",
        "Port",
        "Category",
        "Integer",
        "Float",
        "Enumeration",
        "EnumEntry",
        "Boolean",
        "Command",
        "Converter",
        "IntConverter",
        "SwissKnife",
        "IntSwissKnife",
        "IntReg",
        "MaskedIntReg",
        "FloatReg",
        "StringReg",
        "Register",
        "StructReg",
        "Group",
    }
)
_VERSION = re.compile(r"\d{1,9}\.\d{1,9}(?:\.\d{1,9})?")


def check(rmap: RegisterMap, ctx: Context, builder: Builder) -> None:
    for rule in (_names, _addresses, _fields, _features, _selectors, _generated):
        rule(rmap, ctx, builder)


def _genicam_name(ctx: Context, name: str, loc: SourceLoc, what: str) -> None:
    if not GENAPI_NAME.fullmatch(name):
        ctx.error(
            loc,
            f"{what} '{name}' is not a valid GenICam name (an XML NCName)",
            allowed="a letter followed by letters, digits and '_'",
        )
    elif name in GENAPI_RESERVED or name.lower().startswith("xml"):
        ctx.error(
            loc,
            f"{what} '{name}' clashes with a name reserved by GenApi",
            allowed="any other name; reserved: " + ", ".join(sorted(GENAPI_RESERVED)),
        )


def _names(rmap: RegisterMap, ctx: Context, b: Builder) -> None:
    """Unique, valid names of registers, categories, selectors and features."""
    seen: dict[str, str] = {}

    def unique(kind: str, name: str, loc: SourceLoc, namespace: str) -> None:
        key = f"{namespace}:{name}"
        if key in seen:
            ctx.error(loc, f"duplicate {kind} name '{name}' (first defined at {seen[key]})")
        else:
            seen[key] = str(loc)

    for reg in rmap.registers:
        unique("register", reg.name, reg.loc, "register")
        for f in reg.fields:
            unique("field", f.name, f.loc, f"field.{reg.name}")
    # Features, selectors and categories share GenApi's single node namespace.
    for cat in rmap.categories:
        unique("category", cat.name, cat.loc, "node")
        _genicam_name(ctx, cat.name, cat.loc, "category name")
    for sel in rmap.selectors:
        unique("selector", sel.name, sel.loc, "node")
        _genicam_name(ctx, sel.name, sel.loc, "selector name")
        _enum_values(ctx, sel.values, f"selector {sel.name}", None)
    for reg in rmap.registers:
        for f in reg.fields:
            if f.feature:
                unique("feature", f.feature.name, f.feature.loc, "node")
                _genicam_name(ctx, f.feature.name, f.feature.loc, "feature name")
    categories = [c.name for c in rmap.categories]
    for cat in rmap.categories:
        if cat.parent is not None and cat.parent not in categories:
            ctx.error(
                cat.loc,
                f"category '{cat.name}' has unknown parent '{cat.parent}'"
                f"{did_you_mean(cat.parent, categories)}",
                allowed=", ".join(categories),
            )
    for sel in rmap.selectors:
        if sel.category and sel.category not in categories:
            ctx.error(
                sel.loc,
                f"selector '{sel.name}' is in unknown category '{sel.category}'"
                f"{did_you_mean(sel.category, categories)}",
                allowed=", ".join(categories),
            )


def _enum_values(ctx: Context, values, what: str, field: Field | None) -> None:
    names: dict[str, SourceLoc] = {}
    numbers: dict[int, str] = {}
    for e in values:
        _genicam_name(ctx, e.name, e.loc, f"entry name of {what}")
        if e.name in names:
            ctx.error(e.loc, f"duplicate enum name '{e.name}' in {what}")
        names[e.name] = e.loc
        if e.value in numbers:
            ctx.error(
                e.loc,
                f"duplicate enum value {e.value} in {what}: '{e.name}' and '{numbers[e.value]}'",
            )
        numbers.setdefault(e.value, e.name)
        if field is not None and not 0 <= e.value <= field.max_raw:
            ctx.error(
                e.loc,
                f"enum value {e.value} of '{e.name}' does not fit the {field.width}-bit {what}",
                allowed=f"0..{field.max_raw}",
            )


def _addresses(rmap: RegisterMap, ctx: Context, b: Builder) -> None:
    """Alignment, manufacturer space, arrays and overlaps (every array element included)."""
    base = rmap.device.base_address
    selectors = {s.name: s for s in rmap.selectors}
    owner: dict[int, tuple[Register, int]] = {}
    for reg in rmap.registers:
        count = reg.count
        if reg.array is not None:
            sel = selectors.get(reg.array.selector)
            explicit = b.explicit_counts.get(reg.name)
            if sel is None:
                ctx.error(
                    b.array_locs.get((reg.name, "selector"), reg.loc),
                    f"register {reg.name} is indexed by unknown selector "
                    f"'{reg.array.selector}'{did_you_mean(reg.array.selector, selectors)}",
                    allowed=", ".join(selectors) or "(no selectors defined)",
                )
            elif (
                explicit is not None
                and explicit != len(sel.values)
                and id(sel.values) not in b.partial_lists
            ):
                ctx.error(
                    b.array_locs[(reg.name, "count")],
                    f"count {explicit} of register {reg.name} differs from the "
                    f"{len(sel.values)} values of selector {sel.name}",
                    allowed=f"{len(sel.values)}, or leave count out",
                )
            if reg.array.stride % 4:
                ctx.error(
                    b.array_locs[(reg.name, "stride")],
                    f"stride 0x{reg.array.stride:X} of register {reg.name} is not a multiple of 4",
                    allowed="multiples of 4 bytes (32-bit registers)",
                )
        at = b.register_locs.get((reg.name, "address"), reg.loc)
        if reg.address % 4:
            ctx.error(
                at,
                f"register {reg.name} at 0x{reg.address:X} is not aligned to 4 bytes",
                allowed="addresses that are multiples of 4",
            )
            continue
        if reg.address < BOOTSTRAP_END:
            ctx.error(
                at,
                f"register {reg.name} at 0x{reg.address:X} is in the GigE Vision "
                "bootstrap space 0x0000-0x9FFF",
                allowed=f"0x{base:X} (the device's base_address) or above",
            )
            continue
        if reg.address < base:
            ctx.error(
                at,
                f"register {reg.name} at 0x{reg.address:X} is below the device's "
                f"base_address 0x{base:X}",
                allowed=f"0x{base:X} or above",
            )
            continue
        stride = reg.array.stride if reg.array else 0
        for i in range(count):
            addr = reg.address + i * stride
            if addr > 0xFFFF_FFFC:
                ctx.error(
                    at, f"register {reg.name}[{i}] at 0x{addr:X} is beyond the 32-bit address space"
                )
                break
            if addr in owner:
                other, j = owner[addr]
                this = f"{reg.name}[{i}]" if reg.array else reg.name
                that = f"{other.name}[{j}]" if other.array else other.name
                ctx.error(
                    at,
                    f"register {this} at 0x{addr:X} overlaps register {that} "
                    f"(defined at {other.loc})",
                    allowed="a free, distinct address",
                )
                break
            owner[addr] = (reg, i)


def _fields(rmap: RegisterMap, ctx: Context, b: Builder) -> None:
    """Bit ranges, access types, resets, limits, scales and enumerations."""
    width = rmap.device.bus_width
    for reg in rmap.registers:
        if not reg.fields:
            ctx.error(reg.loc, f"register {reg.name} has no fields", allowed="one or more fields")
        used: dict[int, str] = {}
        for f in reg.fields:
            where = f"{reg.name}.{f.name}"

            def at(key: str, reg: Register = reg, f: Field = f) -> SourceLoc:
                return b.field_locs.get((reg.name, f.name, key), f.loc)

            if f.msb >= width:
                ctx.error(
                    at("bits"),
                    f"field {where} [{f.msb}:{f.lsb}] lies outside the {width}-bit register",
                    allowed=f"bits 0..{width - 1}",
                )
                continue
            for bit in range(f.lsb, f.msb + 1):
                if bit in used:
                    ctx.error(
                        at("bits"),
                        f"field {where} [{f.msb}:{f.lsb}] overlaps field "
                        f"{reg.name}.{used[bit]} at bit {bit}",
                        allowed="bits not used by another field",
                    )
                    break
            for bit in range(f.lsb, f.msb + 1):
                used.setdefault(bit, f.name)
            if f.access.single_bit_only and f.width != 1:
                ctx.error(
                    at("bits"),
                    f"access '{f.access.value}' on the {f.width}-bit field "
                    f"{where} is meaningless: it acts on single flags or commands",
                    allowed="a one-bit field (split flags into one field each)",
                )
            _field_values(rmap, ctx, reg, f, where, at, b)
            if f.enum:
                _enum_values(ctx, f.enum, f"field {where}", f)


def _field_values(
    rmap: RegisterMap, ctx: Context, reg: Register, f: Field, where: str, at, b: Builder
) -> None:
    clock = rmap.device.clock_hz
    known = {s.name: s for s in rmap.selectors}
    resolved = reg.array is None or (
        reg.array.selector in known and id(known[reg.array.selector].values) not in b.partial_lists
    )
    if len(f.reset) > 1 and len(f.reset) != reg.count and resolved:
        ctx.error(
            at("reset"),
            f"reset of {where} lists {len(f.reset)} values for {reg.count} register(s)",
            allowed=f"one value, or a list of {reg.count} (one per array element)",
        )
    # A min or max that could not be read has its own diagnostic: check nothing more about them.
    limits_ok = not any((reg.name, f.name, key) in b.unreadable for key in ("min", "max"))
    limits_ok &= _unit(ctx, f, where, at)  # no range to check in a unit the scale cannot use
    if not limits_ok:
        pass
    elif f.min is not None and f.max is not None and f.min > f.max:
        ctx.error(
            at("min"), f"min {f.min} of {where} is greater than max {f.max}", allowed="min <= max"
        )
        limits_ok = False
    if limits_ok and (f.min is None) != (f.max is None):
        ctx.error(
            at("min" if f.min is not None else "max"),
            f"{where} gives only one of min and max",
            allowed="both min and max, or neither",
        )
        limits_ok = False
    if limits_ok and f.scale.kind != "raw" and f.min is None:
        ctx.error(
            at("scale"),
            f"{where} has scale '{f.scale}' but no min/max",
            allowed="min and max in the feature's unit",
        )
        limits_ok = False
    if limits_ok and f.scale.kind == "period" and f.min is not None and f.min <= 0:
        ctx.error(
            at("min"),
            f"min {f.min} Hz of {where} cannot be stored as a period",
            allowed="a rate above 0 Hz",
        )
        limits_ok = False
    lo = hi = None
    if limits_ok and f.min is not None:
        raws: dict[str, int] = {}
        for key, value in (("min", f.min), ("max", f.max)):
            try:
                raws[key] = f.scale.to_raw(value, clock)
            except (ValueError, OverflowError) as exc:
                ctx.error(at(key), f"{key} of {where}: {exc}")
                limits_ok = False
        if limits_ok:
            lo, hi = f.scale.raw_range(f.min, f.max, clock)
            if lo < 0 or hi > f.max_raw:
                # Blame the bound whose raw value falls outside (a period's max is its min).
                culprit = next(k for k in ("max", "min") if not 0 <= raws[k] <= f.max_raw)
                ctx.error(
                    at(culprit),
                    f"the range {f.min:g}..{f.max:g}{' ' + f.unit if f.unit else ''} of "
                    f"{where} is {lo}..{hi} as raw values (scale '{f.scale}', "
                    f"clock {clock} Hz), which does not fit its {f.width}-bit field",
                    allowed=f"raw values 0..{f.max_raw}: widen the field or narrow the range",
                )
                lo = hi = None
    if f.inc != 1:
        _increment(ctx, f, where, at, lo, hi)
    for value in f.reset:
        if value > f.max_raw:
            ctx.error(
                at("reset"),
                f"reset value {value} of {where} is wider than its {f.width}-bit field",
                allowed=f"0..{f.max_raw}",
            )
        elif lo is not None and not lo <= value <= hi and f.access.writable:
            ctx.error(
                at("reset"),
                f"reset value {value} of {where} is outside its min/max (raw {lo}..{hi})",
                allowed=f"{lo}..{hi}",
            )
        elif f.inc > 1 and f.access.writable and not f.on_grid(value):
            ctx.error(
                at("reset"),
                f"reset value {value} of {where} is not min + k * inc "
                f"(min {_raw_min(f)}, inc {f.inc})",
                allowed=f"a value on that grid, such as {_grid_below(f, value)}",
            )
        elif f.enum and f.enum_name(value) is None and id(f.enum) not in b.partial_lists:
            ctx.error(
                at("reset"),
                f"reset value {value} of {where} is not one of its enum values",
                allowed=", ".join(f"{e.name}={e.value}" for e in f.enum),
            )


_UNITS_OF = {"cycles": ("time", TIME_UNITS), "period": ("rate", RATE_UNITS)}


def _unit(ctx: Context, f: Field, where: str, at) -> bool:
    """A ``cycles`` scale needs a time unit, a ``period`` scale a rate unit (closed
    vocabularies); ``raw`` and ``qN`` take any display unit. False after an error."""
    if f.scale.kind not in _UNITS_OF:
        return True
    what, units = _UNITS_OF[f.scale.kind]
    allowed = f"a {what} unit: " + ", ".join(units)
    if not f.unit:
        ctx.error(at("scale"), f"{where} has scale '{f.scale}' but no unit", allowed=allowed)
        return False
    if f.unit not in units:
        other = "time" if f.unit in TIME_UNITS else "rate" if f.unit in RATE_UNITS else ""
        ctx.error(
            at("unit"),
            f"unit '{f.unit}' of {where} is not a {what} unit, which scale '{f.scale}' stores"
            + (f" (it is a {other} unit)" if other else "")
            + did_you_mean(f.unit, units),
            allowed=allowed
            + ("; scale 'cycles' for a time, 'period' for a rate" if other else "")
            + "; free display units need scale 'raw' or 'qN'",
        )
        return False
    return True


def _raw_min(f: Field) -> int:
    return int(f.min) if f.min is not None else 0


def _grid_below(f: Field, value: int) -> int:
    """The largest ``min + k * inc`` at or below ``value`` (``min`` if below it)."""
    lo = _raw_min(f)
    return lo + max(0, (value - lo) // f.inc * f.inc)


def _increment(ctx: Context, f: Field, where: str, at, lo: int | None, hi: int | None) -> None:
    """``inc`` belongs to raw Integer fields, and their max must lie on the min + k*inc grid."""
    if f.scale.kind != "raw" or f.enum:
        ctx.error(
            at("inc"),
            f"inc of {where} needs a raw integer field, not "
            + ("an enumeration" if f.enum else f"scale '{f.scale}'"),
            allowed="inc only on fields with scale 'raw' and no enum (Integer features)",
        )
        return
    top = hi if hi is not None else (f.max_raw if f.min is None else None)
    if top is not None and not f.on_grid(top):
        ctx.error(
            at("max" if f.max is not None else "inc"),
            f"max {top} of {where} is not min + k * inc (min {_raw_min(f)}, inc {f.inc})",
            allowed=f"max {_grid_below(f, top)}, or an inc that divides max - min",
        )


_INTERFACE_RULES = {
    Interface.ENUMERATION: (lambda f: bool(f.enum), "an 'enum' list"),
    Interface.BOOLEAN: (lambda f: f.width == 1 and not f.enum, "a one-bit field without enum"),
    Interface.COMMAND: (lambda f: f.access is Access.PULSE, "access 'pulse'"),
    Interface.FLOAT: (
        lambda f: f.scale.kind != "raw" and not f.enum,
        "a scale other than 'raw' (cycles, period or qN)",
    ),
    Interface.INTEGER: (lambda f: f.scale.kind == "raw" and not f.enum, "scale 'raw', no enum"),
}


def _features(rmap: RegisterMap, ctx: Context, b: Builder) -> None:
    """Interface type fits the field; category exists."""
    categories = [c.name for c in rmap.categories]
    for reg in rmap.registers:
        for f in reg.fields:
            feat = f.feature
            if feat is None:
                continue
            ok, needs = _INTERFACE_RULES[feat.interface]
            if not ok(f):
                ctx.error(
                    b.feature_locs.get((feat.name, "type"), feat.loc),
                    f"feature {feat.name} of type {feat.interface.value} needs {needs} "
                    f"(field {reg.name}.{f.name})",
                    allowed="Integer, Float, Enumeration, Boolean or Command to match",
                )
            shared = [o.name for o in reg.fields if o is not f and o.access.writable]
            if f.access is Access.WO and shared and reg.array is not None:
                # A GenICam client writes a field by reading the word and writing it back with
                # the field changed; a wo field reads 0, so the GenApi XML keeps a copy of it in
                # the node map to write back: one value, not one per array element.
                ctx.error(
                    b.field_locs.get((reg.name, f.name, "access"), f.loc),
                    f"write-only field {reg.name}.{f.name} has the feature {feat.name} and shares "
                    f"the array register {reg.name} with the writable field(s) "
                    f"{', '.join(shared)}: a GenICam client cannot read it back, and the XML "
                    "can keep a copy of it for one register only, not for each element",
                    allowed="the write-only field in a register of its own, or access rw",
                )
            if feat.category not in categories:
                ctx.error(
                    b.feature_locs.get((feat.name, "category"), feat.loc),
                    f"feature {feat.name} is in unknown category '{feat.category}'"
                    f"{did_you_mean(feat.category, categories)}",
                    allowed=", ".join(categories) or "(no categories defined)",
                )


def _selectors(rmap: RegisterMap, ctx: Context, b: Builder) -> None:
    """Each selector selects existing features that live in arrays it indexes, and all of them."""
    indexed: dict[str, set[str]] = defaultdict(set)
    selector_names = {s.name for s in rmap.selectors}
    unresolved = set()  # features of arrays whose selector is unknown (reported already)
    for reg in rmap.registers:
        if reg.array is not None and reg.array.selector not in selector_names:
            unresolved |= {f.feature.name for f in reg.fields if f.feature}
        elif reg.array is not None:
            for f in reg.fields:
                if f.feature:
                    indexed[reg.array.selector].add(f.feature.name)
    known = rmap.features
    for sel in rmap.selectors:
        locs = b.selects_locs.get(sel.name, {})
        partial = id(sel.values) in b.partial_lists  # an entry has its own diagnostic
        if not sel.values and not partial:
            ctx.error(sel.loc, f"selector {sel.name} has no values", allowed="one or more values")
        for i, v in enumerate(sel.values):
            if v.value != i and not partial:
                ctx.error(
                    v.loc,
                    f"value {v.value} of {sel.name} entry '{v.name}' is not its "
                    f"position {i}: selector values are array indices",
                    allowed=f"{i} (values 0, 1, 2, ... in order)",
                )
        if not sel.selects:
            ctx.error(
                locs.get("", sel.loc),
                f"selector {sel.name} selects nothing",
                allowed="a list of the features of registers indexed by " + sel.name,
            )
            continue
        for name in sel.selects:
            loc = locs.get(name, sel.loc)
            if name not in known:
                ctx.error(
                    loc,
                    f"selector {sel.name} selects unknown feature '{name}'"
                    f"{did_you_mean(name, known)}",
                    allowed=", ".join(sorted(indexed[sel.name])) or "features of arrays",
                )
            elif name not in indexed[sel.name] and name not in unresolved:
                ctx.error(
                    loc,
                    f"selector {sel.name} selects feature {name}, whose register "
                    f"is not an array indexed by {sel.name}",
                    allowed=", ".join(sorted(indexed[sel.name])) or "features of arrays",
                )
        for name in sorted(indexed[sel.name] - set(sel.selects)):
            ctx.error(
                known[name][1].feature.loc,
                f"feature {name} is in an array indexed by {sel.name}, but {sel.name} "
                "does not list it in 'selects'",
                allowed=f"add {name} to {sel.name}.selects",
            )


def _generated(rmap: RegisterMap, ctx: Context, b: Builder) -> None:
    """What the generators make of the map builds: device identity, category tree, C macros,
    GenApi nodes and register-bank ports are valid and unique, each clash named from both
    sides."""
    from .bankports import bank_ports
    from .generators.genicam_gev import STANDARD_FEATURES
    from .generators.names import genapi_nodes, header_macros

    dev = rmap.device
    top = SourceLoc(rmap.source, 1, 1)
    if not _VERSION.fullmatch(dev.version.strip()):
        ctx.error(
            b.device_locs.get("version", top),
            f"device version '{dev.version}' is not 'major.minor[.subminor]'",
            allowed="decimal numbers such as 1.0 or 2.1.3 (GenICam Major/Minor/SubMinorVersion)",
        )
    for key in ("vendor", "model"):
        text = genapi_device_name(getattr(dev, key))
        if not GENAPI_NAME.fullmatch(text):
            ctx.error(
                b.device_locs.get(key, top),
                f"device {key} '{getattr(dev, key)}' must start with a letter (it names the "
                f"GenICam XML's {key.capitalize()}Name)",
                allowed="a text starting with a letter",
            )
    if dev.name.startswith("_"):
        ctx.error(
            b.device_locs.get("name", top),
            f"device name '{dev.name}' starts with '_': its C macros ({rmap.c_prefix}_...) would "
            "be identifiers C reserves",
            allowed="a name starting with a letter",
        )
    # Category cycles: following parents from any category must end at the root.
    parents = {c.name: c.parent for c in rmap.categories}
    reported: set[str] = set()
    for cat in rmap.categories:
        chain = [cat.name]
        while parents.get(chain[-1]) in parents and parents[chain[-1]] not in chain:
            chain.append(parents[chain[-1]])
        nxt = parents.get(chain[-1])
        if nxt in chain and not reported & set(chain):
            cycle = chain[chain.index(nxt) :]
            reported |= set(cycle)
            ctx.error(
                cat.loc if cat.name in cycle else rmap.categories[0].loc,
                "category cycle: " + " -> ".join([*cycle, nxt]),
                allowed="a tree: parents that lead to a top-level category",
            )
    _unique(ctx, header_macros(rmap), "C macro", top)
    standard = {s.name: "a standard GigE Vision feature" for s in STANDARD_FEATURES}
    standard |= {f"{s.name}_Reg": "a standard GigE Vision register node" for s in STANDARD_FEATURES}
    declared = ("category ", "selector ", "feature ")
    nodes = []
    for name, what, loc in genapi_nodes(rmap):
        if name in standard and what.startswith(declared):  # (helper nodes follow their feature)
            ctx.error(
                loc or top,
                f"GenApi node '{name}' of {what} is {standard[name]} the XML generator emits "
                "over the bootstrap registers",
                allowed="another name",
            )
        nodes.append((name, what, loc))
    # Clashes between two names of the map are reported by _names; here those involving a node
    # the generator makes.
    both_declared = lambda a, b: a.startswith(declared) and b.startswith(declared)  # noqa: E731
    _unique(ctx, nodes, "GenApi node name", top, skip=both_declared)
    locs = {r.name: r.loc for r in rmap.registers}
    ports = [
        (p.name, f"register {p.register} ({p.description})", locs.get(p.register))
        for p in bank_ports(rmap)
    ]
    _unique(ctx, ports, "register-bank port", top)


def _unique(ctx: Context, names, kind: str, top: SourceLoc, skip=None) -> None:
    """One error per pair of sources giving the same identifier."""
    seen: dict[str, tuple[str, SourceLoc | None]] = {}
    pairs: set[tuple[str, str]] = set()
    for name, what, loc in names:
        if name not in seen:
            seen[name] = (what, loc)
            continue
        other, other_loc = seen[name]
        if other == what or (other, what) in pairs or (skip and skip(other, what)):
            continue
        pairs.add((other, what))
        ctx.error(
            loc or other_loc or top,
            f"{kind} {name} of {what} is also the {kind} of {other}"
            + (f" (defined at {other_loc})" if other_loc else ""),
            allowed="names that stay distinct in the generated outputs (rename one)",
        )
