"""Register-map compiler front end: YAML text → checked, typed :class:`RegisterMap`.

Parsing keeps the position of every YAML node so that each diagnostic points at the offending
text. Structural errors (unknown or missing keys, wrong types) are collected while building the
model; semantic checks (:mod:`regmap.checks`) then run over the whole model. Nothing is returned
unless the map is free of errors.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import RegmapError, did_you_mean
from .model import (
    Access,
    ArraySpec,
    Category,
    Constant,
    Device,
    EnumValue,
    Feature,
    Field,
    Interface,
    Register,
    RegisterMap,
    Scale,
    Selector,
    SourceLoc,
    Visibility,
)
from .yamlsource import (
    MAX_MAP_NODES,
    Context,
    Invalid,
    Reader,
    each,
    kind_of,
    parse,
    read_source,
)

__all__ = [
    "MAX_ARRAY_COUNT",
    "MAX_CLOCK_HZ",
    "MAX_CONSTANT",
    "MAX_REGISTER_INSTANCES",
    "load",
    "loads",
]

_BITS_RE = re.compile(r"\s*(\d{1,6})\s*(?::\s*(\d{1,6})\s*)?")

MAX_CLOCK_HZ = 10**10
"""The fastest clock a map (or a scenario's override) may give, 10 GHz."""
MAX_CONSTANT = 2**32 - 1
"""Constants are design parameters (counts, cycles): 0 to 2**32 - 1, like a register's value."""
MAX_ARRAY_COUNT = 256
"""The most elements of a register array (values of a selector)."""
MAX_REGISTER_INSTANCES = 16_384
"""The most registers of a map, every array element counted (64 KiB of register space)."""
_SCALE_RE = re.compile(r"(period_)?q(\d+)")

_ACCESS_NAMES = tuple(a.value for a in Access)
_VISIBILITY_NAMES = tuple(v.value for v in Visibility)
_INTERFACE_NAMES = tuple(i.value for i in Interface)

SCALES = (
    "raw",
    "cycles",
    "period",
    "q<N> (fixed point with N fractional bits)",
    "period_q<N> (a rate stored as a fixed-point period with N fractional bits)",
)


class Builder:
    """Builds the model from the node tree, recording structural diagnostics."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.r = Reader(ctx)
        # Positions of values that semantic checks point at, keyed by owner and key.
        self.selects_locs: dict[str, dict[str, SourceLoc]] = {}
        self.array_locs: dict[tuple[str, str], SourceLoc] = {}
        self.field_locs: dict[tuple[str, str, str], SourceLoc] = {}
        self.feature_locs: dict[tuple[str, str], SourceLoc] = {}
        self.register_locs: dict[tuple[str, str], SourceLoc] = {}
        self.selector_sizes: dict[str, int] = {}
        self.explicit_counts: dict[str, int] = {}
        self.device_locs: dict[str, SourceLoc] = {}
        self.partial_lists: set[int] = set()
        """ids of enum and selector value lists missing an unreadable entry (diagnosed)."""
        self.unreadable: set[tuple[str, str, str]] = set()
        """(register, field, key) of values present but unreadable (already diagnosed)."""

    def build(self, root: Node) -> RegisterMap | None:
        r = self.r
        try:
            top = r.mapping(
                root, "the register map", ("device", "registers"), ("categories", "selectors")
            )
        except Invalid:
            return None
        device = self.device(top["device"][1]) if "device" in top else None
        categories = self._list(top, "categories", "categories", self.category)
        selectors = self._list(top, "selectors", "selectors", self.selector)
        self.selector_sizes = {s.name: len(s.values) for s in selectors}
        registers = self._list(top, "registers", "registers", self.register)
        instances = sum(r.count for r in registers)
        if instances > MAX_REGISTER_INSTANCES:
            self.ctx.error(
                top["registers"][1],
                f"the map has {instances} registers (array elements counted), more than "
                f"{MAX_REGISTER_INSTANCES}",
            )
            return None
        if device is None:
            return None
        return RegisterMap(
            device, tuple(categories), tuple(selectors), tuple(registers), self.ctx.file
        )

    def _list(self, keys: dict, key: str, what: str, item: Callable[[Node], Any]) -> list:
        if key not in keys:
            return []
        try:
            nodes = self.r.sequence(keys[key][1], what)
        except Invalid:
            return []
        return each(nodes, item)

    # -- device ----------------------------------------------------------------------------
    def device(self, node: Node) -> Device | None:
        r = self.r
        try:
            k = r.mapping(
                node,
                "device",
                ("name", "vendor", "model", "clock_hz", "base_address"),
                ("version", "description", "bus_width", "constants"),
            )
        except Invalid:
            return None
        for key in ("name", "vendor", "model", "version"):
            if key in k:
                self.device_locs[key] = self.ctx.loc(k[key][1])
        name = r.optional(k, "name", self.identifier, "device name", r"[A-Za-z_][A-Za-z0-9_]*")
        vendor = r.optional(k, "vendor", r.string, "device vendor", default="")
        model = r.optional(k, "model", r.string, "device model", default="")
        version = r.optional(k, "version", r.string, "device version", default="1.0.0")
        description = r.optional(k, "description", r.string, "device description", default="")
        clock = r.optional(k, "clock_hz", r.integer, "clock_hz", 1, MAX_CLOCK_HZ)
        base = r.optional(k, "base_address", r.integer, "base_address", 0)
        bus_width = r.optional(k, "bus_width", r.integer, "bus_width", default=32)
        if "bus_width" in k and bus_width is not None and bus_width != 32:
            self.ctx.error(
                k["bus_width"][1], f"bus_width must be 32, not {bus_width}", allowed="32"
            )
        if base is not None and base < 0x10000:
            self.ctx.error(
                k["base_address"][1],
                f"base_address 0x{base:X} is in the GigE Vision bootstrap space",
                allowed="0x10000 or above (manufacturer-specific space)",
            )
        constants: dict[str, Constant] = {}
        if "constants" in k:
            try:
                cnode = k["constants"][1]
                if not isinstance(cnode, MappingNode):
                    self.ctx.error(cnode, f"constants must be a mapping, not {kind_of(cnode)}")
                    raise Invalid
                for key_node, value_node in cnode.value:
                    c = self.constant(key_node, value_node)
                    if c is None:
                        continue
                    if c.name in constants:
                        self.ctx.error(key_node, f"duplicate constant '{c.name}'")
                    constants[c.name] = c
            except Invalid:
                pass
        if None in (name, clock, base):
            return None
        return Device(
            name, vendor, model, version, clock, base, 32, MappingProxyType(constants), description
        )

    def constant(self, key_node: Node, node: Node) -> Constant | None:
        r = self.r
        try:
            name = self.identifier(key_node, "constant name", r"[A-Za-z_][A-Za-z0-9_]*")
            if isinstance(node, ScalarNode):
                value = r.integer(node, f"constant {name}", 0, MAX_CONSTANT)
                return Constant(name, value, loc=self.ctx.loc(node))
            k = r.mapping(node, f"constant {name}", ("value",), ("unit", "description"))
            value = r.optional(k, "value", r.integer, f"constant {name} value", 0, MAX_CONSTANT)
            if value is None:
                return None
            return Constant(
                name,
                value,
                r.optional(k, "unit", r.string, "unit", default=""),
                r.optional(k, "description", r.string, "description", default=""),
                self.ctx.loc(key_node),
            )
        except Invalid:
            return None

    # -- names -----------------------------------------------------------------------------
    def identifier(self, node: Node, what: str, pattern: str, hint: str = "") -> str:
        text = self.r.string(node, what)
        if not re.fullmatch(pattern, text):
            self.ctx.error(
                node,
                f"{what} '{text}' is not a valid name",
                allowed=hint or f"names matching {pattern}",
            )
            raise Invalid
        return text

    def genicam_name(self, node: Node, what: str) -> str:
        # Checked further (reserved names) in regmap.checks; here only that it is a string.
        return self.r.string(node, what)

    # -- categories and selectors ------------------------------------------------------------
    def category(self, node: Node) -> Category:
        r = self.r
        k = r.mapping(node, "category", ("name",), ("description", "parent"))
        if "name" not in k:
            raise Invalid
        return Category(
            self.genicam_name(k["name"][1], "category name"),
            r.optional(k, "description", r.string, "description", default=""),
            r.optional(k, "parent", r.string, "parent category"),
            self.ctx.loc(k["name"][1]),
        )

    def enum_value(self, node: Node, what: str) -> EnumValue:
        r = self.r
        k = r.mapping(node, what, ("name", "value"), ("description",))
        if "name" not in k or "value" not in k:
            raise Invalid
        name = self.genicam_name(k["name"][1], f"{what} name")
        value = r.integer(k["value"][1], f"value of {what} {name}")
        return EnumValue(
            name,
            value,
            r.optional(k, "description", r.string, "description", default=""),
            self.ctx.loc(k["name"][1]),
        )

    def _enum_list(self, node: Node, what: str) -> tuple[EnumValue, ...]:
        nodes = self.r.sequence(node, what)
        values = tuple(each(nodes, self.enum_value, what.rstrip("s")))
        if len(values) < len(nodes):  # an entry has its own diagnostic: no cascade from it
            self.partial_lists.add(id(values))
        return values

    def selector(self, node: Node) -> Selector:
        r = self.r
        k = r.mapping(
            node,
            "selector",
            ("name", "values", "selects"),
            ("description", "visibility", "category"),
        )
        if "name" not in k or "values" not in k:
            raise Invalid
        name = self.genicam_name(k["name"][1], "selector name")
        values = self._enum_list(k["values"][1], "selector values")
        if len(values) > MAX_ARRAY_COUNT:
            self.ctx.error(
                k["values"][0],
                f"selector {name} has {len(values)} values, more than {MAX_ARRAY_COUNT}",
                allowed=f"at most {MAX_ARRAY_COUNT} values (array elements)",
            )
        selects: list[str] = []
        locs = {"": self.ctx.loc(k["selects"][1] if "selects" in k else node)}
        if "selects" in k:
            try:
                for n in r.sequence(k["selects"][1], f"selects of selector {name}"):
                    try:
                        selects.append(r.string(n, "selected feature name"))
                        locs[n.value] = self.ctx.loc(n)
                    except Invalid:
                        pass
            except Invalid:
                pass
        self.selects_locs[name] = locs
        visibility = r.optional(k, "visibility", self._visibility, default=Visibility.BEGINNER)
        return Selector(
            name,
            values,
            tuple(selects),
            r.optional(k, "description", r.string, "description", default=""),
            visibility,
            r.optional(k, "category", r.string, "category", default=""),
            self.ctx.loc(k["name"][1]),
        )

    def _visibility(self, node: Node) -> Visibility:
        return Visibility(self.r.choice(node, "visibility", _VISIBILITY_NAMES))

    # -- registers ---------------------------------------------------------------------------
    def register(self, node: Node) -> Register:
        r = self.r
        k = r.mapping(node, "register", ("name", "address", "fields"), ("description", "array"))
        if "name" not in k:
            raise Invalid
        name = self.identifier(
            k["name"][1],
            "register name",
            r"[A-Z][A-Z0-9_]*",
            "upper-case identifiers such as TRIGGER_CTRL",
        )
        address = r.optional(k, "address", r.integer, f"address of register {name}", 0)
        if "address" in k:
            self.register_locs[(name, "address")] = self.ctx.loc(k["address"][1])
        array = r.optional(k, "array", self.array, name)
        fields = []
        if "fields" in k:
            with contextlib.suppress(Invalid):
                fields = each(
                    r.sequence(k["fields"][1], f"fields of register {name}"), self.field, name
                )
        if address is None:
            raise Invalid
        return Register(
            name,
            address,
            tuple(fields),
            r.optional(k, "description", r.string, "description", default=""),
            array,
            self.ctx.loc(k["name"][1]),
        )

    def array(self, node: Node, reg: str) -> ArraySpec:
        r = self.r
        k = r.mapping(node, f"array of register {reg}", ("selector", "stride"), ("count",))
        if "selector" not in k or "stride" not in k:
            raise Invalid
        selector = r.string(k["selector"][1], "array selector")
        stride = r.integer(k["stride"][1], f"stride of register {reg}", 1)
        count = r.optional(k, "count", r.integer, f"count of register {reg}", 1, MAX_ARRAY_COUNT)
        self.array_locs[(reg, "selector")] = self.ctx.loc(k["selector"][1])
        self.array_locs[(reg, "stride")] = self.ctx.loc(k["stride"][1])
        if count is not None:
            self.array_locs[(reg, "count")] = self.ctx.loc(k["count"][1])
            self.explicit_counts[reg] = count
        # The selector's values define the element count; an explicit count must agree.
        return ArraySpec(selector, self.selector_sizes.get(selector, count or 1), stride)

    def bits(self, node: Node, what: str) -> tuple[int, int]:
        if isinstance(node, SequenceNode) and len(node.value) == 2:
            msb = self.r.integer(node.value[0], f"{what} msb", 0)
            lsb = self.r.integer(node.value[1], f"{what} lsb", 0)
        else:
            text = self.r.scalar(node, what, "a bit range")
            m = _BITS_RE.fullmatch(text)
            if not m:
                self.ctx.error(
                    node,
                    f"{what} must be a bit range, not '{text}'",
                    allowed="'msb:lsb' such as 7:0, or a single bit such as 4",
                )
                raise Invalid
            msb = int(m.group(1))
            lsb = int(m.group(2)) if m.group(2) is not None else msb
        if msb < lsb:
            self.ctx.error(
                node, f"{what} has msb {msb} below lsb {lsb}", allowed="msb:lsb with msb >= lsb"
            )
            raise Invalid
        return msb, lsb

    def scale(self, node: Node) -> Scale:
        text = self.r.scalar(node, "scale", "a scale")
        if text in ("raw", "cycles", "period"):
            return Scale(text)
        m = _SCALE_RE.fullmatch(text)
        if m and 0 < int(m.group(2)) < 32:
            return Scale("period" if m.group(1) else "fixed", int(m.group(2)))
        self.ctx.error(
            node,
            f"scale must be one of the allowed scales, not '{text}'"
            f"{did_you_mean(text, ['raw', 'cycles', 'period'])}",
            allowed=", ".join(SCALES),
        )
        raise Invalid

    def reset(self, node: Node, what: str) -> tuple[int, ...]:
        if isinstance(node, SequenceNode):
            values = tuple(self.r.integer(n, what, 0) for n in node.value)
            if not values:
                self.ctx.error(node, f"{what} must not be an empty list")
                raise Invalid
            return values
        return (self.r.integer(node, what, 0),)

    def field(self, node: Node, reg: str) -> Field:
        r = self.r
        k = r.mapping(
            node,
            f"field of register {reg}",
            ("name", "bits", "access"),
            ("reset", "description", "unit", "scale", "min", "max", "inc", "enum", "feature"),
        )
        if "name" not in k:
            raise Invalid
        name = self.identifier(
            k["name"][1],
            f"field name in register {reg}",
            r"[a-z][a-z0-9_]*",
            "lower-case identifiers such as trigger_delay",
        )
        where = f"field {reg}.{name}"
        bits = r.optional(k, "bits", self.bits, f"bits of {where}")
        access = r.optional(k, "access", r.choice, f"access of {where}", _ACCESS_NAMES)
        reset = r.optional(k, "reset", self.reset, f"reset of {where}", default=(0,))
        enum = r.optional(k, "enum", self._enum_list, f"enum of {where} values", default=())
        feature = r.optional(k, "feature", self.feature, where)
        loc = self.ctx.loc(k["name"][1])
        for key in (
            "reset",
            "min",
            "max",
            "inc",
            "bits",
            "access",
            "enum",
            "feature",
            "scale",
            "unit",
        ):
            if key in k:
                self.field_locs[(reg, name, key)] = self.ctx.loc(k[key][1])
        limits = {key: r.optional(k, key, r.number, f"{key} of {where}") for key in ("min", "max")}
        for key, value in limits.items():
            if key in k and value is None:
                self.unreadable.add((reg, name, key))
        unit = r.optional(k, "unit", r.string, "unit", default="")
        scale = r.optional(k, "scale", self.scale, default=Scale())
        if bits is None or access is None or reset is None or unit is None or scale is None:
            raise Invalid
        return Field(
            name,
            bits[0],
            bits[1],
            Access(access),
            reset,
            r.optional(k, "description", r.string, "description", default=""),
            unit,
            replace(scale, unit=unit) if scale.kind in ("cycles", "period") else scale,
            limits["min"],
            limits["max"],
            enum,
            feature,
            loc,
            r.optional(k, "inc", r.integer, f"inc of {where}", 1, default=1),
        )

    def feature(self, node: Node, where: str) -> Feature:
        r = self.r
        k = r.mapping(
            node, f"feature of {where}", ("name", "type", "category"), ("visibility", "locked")
        )
        if "name" not in k or "type" not in k or "category" not in k:
            raise Invalid
        name = self.genicam_name(k["name"][1], "feature name")
        interface = Interface(r.choice(k["type"][1], f"type of feature {name}", _INTERFACE_NAMES))
        category = r.string(k["category"][1], "category")
        self.feature_locs[(name, "category")] = self.ctx.loc(k["category"][1])
        self.feature_locs[(name, "type")] = self.ctx.loc(k["type"][1])
        return Feature(
            name,
            interface,
            r.optional(k, "visibility", self._visibility, default=Visibility.BEGINNER),
            category,
            r.optional(k, "locked", r.boolean, "locked", default=False),
            self.ctx.loc(k["name"][1]),
        )


def loads(text: str, filename: str = "<string>") -> RegisterMap:
    """Compile register-map YAML ``text``; raise :class:`RegmapError` with every diagnostic."""
    from .checks import check

    # The node tree and the model are many small objects without reference cycles: the cyclic
    # garbage collector would scan them again and again while they grow (compile time would
    # grow faster than the map); it runs again afterwards.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _loads(text, filename, check)
    finally:
        if enabled:
            gc.enable()


def _loads(text: str, filename: str, check) -> RegisterMap:
    ctx, root = parse(
        text, filename, "register map", "a mapping with 'device' and 'registers'", MAX_MAP_NODES
    )
    rmap = None
    if root is not None:
        builder = Builder(ctx)
        rmap = builder.build(root)
        if rmap is not None:
            check(rmap, ctx, builder)
    if ctx.diagnostics:
        ctx.diagnostics.sort(key=lambda d: (d.loc.line, d.loc.col))
        raise RegmapError(ctx.diagnostics)
    assert rmap is not None
    return rmap


def load(path: str | Path) -> RegisterMap:
    """Compile the register map in the file ``path``.

    Raises :class:`RegmapError` for an invalid map and :class:`OSError` if it cannot be read.
    """
    path = Path(path)
    return loads(read_source(path, RegmapError), str(path))
