"""GenICam GenApi 1.1 device description (XML) generated from a register map.

The XML is built as an :mod:`xml.etree.ElementTree` tree, node by node, in the element order the
GenApi 1.1 schema requires, and serialised deterministically (same map, same bytes).

Node layout for a feature ``F`` implemented by field ``f`` of register ``R``:

* ``F_Reg``: the register node, an ``IntReg`` when ``f`` covers all 32 bits, else a
  ``MaskedIntReg`` whose big-endian bit numbers are ``31 - bit`` (GenApi numbers the bits of a
  big-endian register from the most significant end). Registers of selector-indexed arrays add
  ``<pIndex Offset="stride">Sel_Index</pIndex>`` to their address.
* Fields of a register with ``w1c``/``w1s`` bits are written through ``F_Wr``, an
  ``IntConverter`` over the whole register (``F_Reg`` is then an ``IntReg``), so that a write
  never writes back 1s read from the event bits (which would clear or set them).
* A ``wo`` field with a feature that shares its register with writable fields keeps its value
  in the node map, ``F_Shadow`` (written through ``pValueCopy`` by its raw node ``F_Raw``), and
  every writable field of that register is written through ``F_Wr``, which writes the copies
  back (a ``wo`` field reads 0, so a masked read-modify-write would clear it).
* ``F_Conv``: a ``Converter`` from the physical value to raw counts for scaled Float features
  (``cycles``: µs; ``period``: Hz over a period in cycles; ``qN``: fixed point).
* ``F``: the feature node (Integer, Float, Enumeration, Boolean or Command).
* ``Sel_Index``: the ``Integer`` holding the index of selector ``Sel``; the selector itself is an
  Enumeration whose ``pValue`` is that Integer.
* ``TLParamsLocked``: an Integer the host sets while it streams; locked features point at it
  with ``pIsLocked``.
"""

from __future__ import annotations

import hashlib
import math
import re
import xml.etree.ElementTree as ET

from regmap.diagnostics import UnsupportedMap
from regmap.generators._escape import xml_tree
from regmap.generators.genicam_gev import (
    DEVICE_CONTROL,
    STANDARD_FEATURES,
    TRANSPORT_LAYER_CONTROL,
    StandardFeature,
)
from regmap.generators.names import (
    GENAPI_NAME,
    genapi_device_name,
    shadowed_fields,
    word_written,
)
from regmap.model import Access, Field, Interface, Register, RegisterMap, Scale, Selector

__all__ = ["GENAPI_NAMESPACE", "generate_genicam_xml"]

GENAPI_NAMESPACE = "http://www.genicam.org/GenApi/Version_1_1"
_SCHEMA_SUBMINOR = 0
_GUID_NAMESPACE = bytes.fromhex("6f1b4c8e2f0a5d3c9e4763616d747769")  # fixed: keeps GUIDs stable
_NIL_GUID = "00000000-0000-0000-0000-000000000000"


def _uuid5(namespace: bytes, name: str) -> str:
    """The name-based (SHA-1) UUID of RFC 4122 section 4.3, as ``uuid.uuid5`` makes it (without
    importing ``uuid``, which costs a short command more than the whole XML's serialisation)."""
    digest = bytearray(hashlib.sha1(namespace + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


_STANDARD_NAMESPACES = ("None", "IIDC", "GEV", "CL", "USB")
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_LOCK_NODE = "TLParamsLocked"
_LOCK_CATEGORY = TRANSPORT_LAYER_CONTROL

_ACCESS_MODE = {
    Access.RW: "RW",
    Access.RO: "RO",
    Access.RC: "RO",
    Access.WO: "RW",  # reads return 0; a MaskedIntReg must read to read-modify-write
    Access.PULSE: "RW",
    Access.W1C: "RW",
    Access.W1S: "RW",
}


def generate_genicam_xml(rmap: RegisterMap, *, standard_namespace: str = "GEV") -> str:
    """Return the GenApi 1.1 XML describing every feature and selector of ``rmap``.

    With the ``GEV`` namespace (a GigE Vision device, the default) the XML also holds the
    standard DeviceControl and TransportLayerControl features over the GigE Vision bootstrap
    registers (:mod:`regmap.generators.genicam_gev`); other namespaces get only the map's.
    """
    if standard_namespace not in _STANDARD_NAMESPACES:
        raise UnsupportedMap(
            f"standard_namespace must be one of {', '.join(_STANDARD_NAMESPACES)}, "
            f"not {standard_namespace!r}"
        )
    root = _Builder(rmap, standard_namespace).build()
    # The version GUID identifies the content: hash the document with a placeholder GUID, then
    # put the GUID in its place (the root's attribute, the first one of the text).
    root.set("VersionGuid", _NIL_GUID)
    text = _serialise(root)
    digest = hashlib.sha256(text.encode()).hexdigest()
    guid = _uuid5(_GUID_NAMESPACE, f"version:{digest}")
    return text.replace(f'VersionGuid="{_NIL_GUID}"', f'VersionGuid="{guid}"', 1)


def _serialise(root: ET.Element) -> str:
    """Indented UTF-8 XML text of ``root`` with an XML declaration and a final newline."""
    xml_tree(root)  # every text and attribute XML-safe, whatever the map holds
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _version(text: str) -> tuple[int, int, int]:
    """Major, minor and sub-minor numbers of a ``X.Y[.Z]`` device version."""
    m = _VERSION_RE.fullmatch(text.strip())
    if m is None:
        raise UnsupportedMap(
            f"device version must be 'major.minor[.subminor]' with decimal numbers, not {text!r}"
        )
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def _cname(text: str, what: str) -> str:
    """``text`` if it is a valid GenApi name (``[A-Za-z][0-9A-Za-z_]*``), else ValueError."""
    if not GENAPI_NAME.fullmatch(text):
        raise UnsupportedMap(f"{what} must be a GenApi name ([A-Za-z][0-9A-Za-z_]*), not {text!r}")
    return text


def _num(value: float) -> str:
    """Shortest exact decimal text of a float (integers without a fraction)."""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _ratio(numerator: int, denominator: int) -> str:
    """A formula factor for the exact rational ``numerator / denominator`` in lowest terms:
    ``125`` or ``(33333333 / 1000000)``."""
    g = math.gcd(numerator, denominator)
    numerator, denominator = numerator // g, denominator // g
    if denominator == 1:
        return str(numerator)
    return f"({numerator} / {denominator})"


def _half_even(expr: str) -> str:
    """A formula rounding ``expr`` (≥ 0) to an integer like Python's ``round()``: a tie goes to
    the even integer.

    The result is already an integer, so no client rounds it again: GenApi would round a
    fraction half away from zero and Aravis truncates it (a C cast), so the two would disagree
    with each other and with the register map's ``Scale.to_raw``.
    """
    x, t = f"({expr})", f"TRUNC({expr})"
    return f"((({x} - {t}) = 0.5) && (({t} % 2) = 0)) ? {t} : TRUNC({x} + 0.5)"


def _nonzero(var: str) -> str:
    """A divisor that is ``var``, or 1 where ``var`` is 0, so that a division never fails.

    Aravis evaluates both branches of ``?:`` (its evaluator runs the whole RPN), so a
    conditional alone cannot guard a division: the divisor itself must never be 0.
    """
    return f"({var} + ({var} = 0))"


def _formulas(scale: Scale, clock_hz: int) -> tuple[str, str, str]:
    """(FormulaTo, FormulaFrom, Slope) of a Converter implementing ``scale`` at ``clock_hz``.

    No formula fails for any value of its variable: a period of 0 reads as a period of one raw
    count (the fastest rate), and a write of a rate of 0 is taken as a rate of 1.
    """
    if scale.kind == "cycles":
        # A time in the field's unit (ns, us, ms, s) over clock cycles.
        ticks = _ratio(clock_hz, scale.per_second)
        return _half_even(f"FROM * {ticks}"), f"TO / {ticks}", "Increasing"
    if scale.kind == "period":
        # A rate in the field's unit (Hz, kHz, ...) over a period of raw counts; with frac_bits
        # N (period_qN) a count is 2^-N cycle.
        num = _ratio(clock_hz << scale.frac_bits, scale.hz)
        return (
            _half_even(f"{num} / {_nonzero('FROM')}"),
            f"{num} / {_nonzero('TO')}",
            "Decreasing",
        )
    if scale.kind == "fixed":
        one = 1 << scale.frac_bits
        return _half_even(f"FROM * {one}"), f"TO / {one}", "Increasing"
    raise UnsupportedMap(f"scale must be cycles, period or qN for a Converter, not {scale}")


def _float_inc(scale: Scale, clock_hz: int) -> float | None:
    """The physical step of one raw count: 1 cycle in µs, 2^-N for qN; None for a period."""
    if scale.kind == "cycles":
        return scale.per_second / clock_hz
    if scale.kind == "fixed":
        return 2.0**-scale.frac_bits
    return None  # a period's step in Hz depends on the value


def _sub(parent: ET.Element, tag: str, text: object = None, **attrs: str) -> ET.Element:
    """Append a child element with optional text and attributes."""
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = str(text)
    return el


class _Builder:
    """Builds the RegisterDescription tree for one register map."""

    def __init__(self, rmap: RegisterMap, standard_namespace: str) -> None:
        self.rmap = rmap
        self.standard_namespace = standard_namespace
        self.gev = standard_namespace == "GEV"
        self.port = "Device"
        self.reg_bytes = rmap.device.bus_width // 8
        self.names: dict[str, str] = {}
        self.selector_of: dict[str, str] = {}
        for sel in rmap.selectors:
            for name in sel.selects:
                self.selector_of[name] = sel.name

    # -- document ------------------------------------------------------------------------
    def build(self) -> ET.Element:
        """The complete RegisterDescription element (VersionGuid still to be set)."""
        dev = self.rmap.device
        if self.reg_bytes != 4:
            raise UnsupportedMap(f"bus_width must be 32 for GenApi registers, not {dev.bus_width}")
        major, minor, subminor = _version(dev.version)
        ET.register_namespace("", GENAPI_NAMESPACE)
        root = ET.Element(
            f"{{{GENAPI_NAMESPACE}}}RegisterDescription",
            {
                "ModelName": _cname(genapi_device_name(dev.model), "device model"),
                "VendorName": _cname(genapi_device_name(dev.vendor), "device vendor"),
                "ToolTip": dev.description or dev.name,
                "StandardNameSpace": self.standard_namespace,
                "SchemaMajorVersion": "1",
                "SchemaMinorVersion": "1",
                "SchemaSubMinorVersion": str(_SCHEMA_SUBMINOR),
                "MajorVersion": str(major),
                "MinorVersion": str(minor),
                "SubMinorVersion": str(subminor),
                "ProductGuid": _uuid5(
                    _GUID_NAMESPACE, f"product:{dev.vendor}:{dev.model}:{dev.name}"
                ),
                "VersionGuid": "",
            },
        )
        self.root = root
        if self.gev:
            self._check_standard_names()
        self._categories()
        if self.gev:
            for std in STANDARD_FEATURES:
                self._standard_feature(std)
        for sel in self.rmap.selectors:
            self._selector(sel)
        for reg in self.rmap.registers:
            for f in reg.fields:
                if f.feature is not None:
                    self._feature(reg, f)
        if self._locked_features() or self.gev:
            self._lock_node()
        port = self._node("Port", self.port)
        _sub(port, "ToolTip", "Register space of the device (big-endian 32-bit registers).")
        return root

    def _q(self, tag: str) -> str:
        """The namespace-qualified tag."""
        return f"{{{GENAPI_NAMESPACE}}}{tag}"

    def _node(self, tag: str, name: str) -> ET.Element:
        """A new top-level node; a second node of the same name is a ValueError."""
        _cname(name, f"{tag} node name")
        if name in self.names:
            raise UnsupportedMap(
                f"GenApi node name {name!r} is used by both a {self.names[name]} and a {tag} "
                "node (generated helper nodes end in _Reg, _Raw, _Conv, _Wr, _Shadow or _Index); "
                "rename the feature, selector or category"
            )
        self.names[name] = tag
        return ET.SubElement(self.root, self._q(tag), {"Name": name})

    def _entry(self, enum: ET.Element, enum_name: str, entry: str) -> ET.Element:
        """An EnumEntry named exactly as its symbolic value (``<EnumEntry Name="On">``).

        Aravis ignores ``<Symbolic>`` and takes the entry's ``Name`` as its value; the reference
        GenApi shows the node as ``EnumEntry_<Enumeration>_<Name>`` with symbolic ``<Name>``.
        Entry names only need to be unique within their Enumeration; the name GenApi gives the
        node must not clash with another node.
        """
        name = _cname(entry, f"enum entry of {enum_name}")
        known = {e.get("Name") for e in enum.iterfind(self._q("EnumEntry"))}
        if name in known:
            raise UnsupportedMap(f"Enumeration {enum_name} has two entries named {name!r}")
        shown = f"EnumEntry_{enum_name}_{name}"
        if shown in self.names:
            raise UnsupportedMap(
                f"GenApi node name {shown!r} is used by both a {self.names[shown]} and an "
                "EnumEntry node; rename the feature, selector or category"
            )
        self.names[shown] = "EnumEntry"
        return _sub(enum, self._q("EnumEntry"), Name=name)

    def _text(self, el: ET.Element, tag: str, text: object) -> ET.Element:
        """Append a GenApi child element holding ``text``."""
        return _sub(el, self._q(tag), text)

    def _doc(self, el: ET.Element, tooltip: str, description: str = "") -> None:
        """ToolTip and Description elements (omitted when empty)."""
        if tooltip:
            self._text(el, "ToolTip", tooltip)
        if description:
            self._text(el, "Description", description)

    # -- categories ----------------------------------------------------------------------
    def _locked_features(self) -> list[str]:
        """Names of the features that acquisition locks."""
        return [n for n, (_, f) in self.rmap.features.items() if f.feature and f.feature.locked]

    def _categories(self) -> None:
        """Root and the map's category tree; a feature or selector sits in its category."""
        children: dict[str | None, list[str]] = {}
        for cat in self.rmap.categories:
            children.setdefault(cat.parent, []).append(cat.name)
        # A selector comes just before the first feature it selects in its category (SFNC order),
        # or first in its category if it selects nothing there.
        members: dict[str, list[str]] = {}
        pending = {s.name: s for s in self.rmap.selectors}
        for sel in self.rmap.selectors:
            in_category = {
                n for n in sel.selects if self.rmap.feature(n)[1].feature.category == sel.category
            }
            if not in_category:
                members.setdefault(sel.category, []).append(sel.name)
                del pending[sel.name]
        for reg in self.rmap.registers:
            for f in reg.fields:
                if f.feature is None:
                    continue
                cat = f.feature.category
                sel = self.selector_of.get(f.feature.name)
                if sel in pending and pending[sel].category == cat:
                    members.setdefault(cat, []).append(sel)
                    del pending[sel]
                members.setdefault(cat, []).append(f.feature.name)
        top = list(children.get(None, []))
        known = {c.name for c in self.rmap.categories}
        locking = bool(self._locked_features()) or self.gev
        if self.gev:
            # SFNC order: the device's identity before the map's device features; the
            # transport layer's standard features after the map's (PayloadSize first).
            for std in STANDARD_FEATURES:
                members.setdefault(std.category, [])
            first = [s.name for s in STANDARD_FEATURES if s.category == DEVICE_CONTROL]
            members[DEVICE_CONTROL] = first + members[DEVICE_CONTROL]
            for std in STANDARD_FEATURES:
                if std.category != DEVICE_CONTROL:
                    members[std.category].append(std.name)
            if DEVICE_CONTROL not in known:
                top.insert(0, DEVICE_CONTROL)
        if locking:
            members.setdefault(_LOCK_CATEGORY, []).append(_LOCK_NODE)
            if _LOCK_CATEGORY not in known:
                top.append(_LOCK_CATEGORY)
        root = self._node("Category", "Root")
        self._text(root, "ToolTip", f"Features of the {self.rmap.device.model}.")
        for name in top:
            self._text(root, "pFeature", name)
        for cat in self.rmap.categories:
            el = self._node("Category", cat.name)
            self._doc(el, cat.description)
            for name in children.get(cat.name, []) + members.get(cat.name, []):
                self._text(el, "pFeature", name)
        generated = {
            DEVICE_CONTROL: "Identity and version of the device.",
            _LOCK_CATEGORY: "Transport layer parameters.",
        }
        for name, tooltip in generated.items():
            if name in top and name not in known:
                el = self._node("Category", name)
                self._doc(el, tooltip)
                if not self.gev:  # only TLParamsLocked, a host-side node
                    self._text(el, "Visibility", "Invisible")
                for member in members[name]:
                    self._text(el, "pFeature", member)

    def _lock_node(self) -> None:
        """TLParamsLocked: 1 while the host streams; locked features are then read-only."""
        el = self._node("Integer", _LOCK_NODE)
        self._doc(el, "Locks the features that must not change during acquisition.")
        self._text(el, "Visibility", "Invisible")
        self._text(el, "Value", 0)
        self._text(el, "Min", 0)
        self._text(el, "Max", 1)

    # -- standard GigE Vision features ---------------------------------------------------
    def _check_standard_names(self) -> None:
        """A map may not define a feature, selector or category the generator emits itself."""
        taken = set(self.rmap.features) | {s.name for s in self.rmap.selectors}
        taken |= {c.name for c in self.rmap.categories}
        for std in STANDARD_FEATURES:
            if std.name in taken:
                boot = std.bootstrap
                over = f" over the bootstrap register at 0x{boot.address:04X}" if boot else ""
                raise UnsupportedMap(
                    f"{std.name} is a standard GigE Vision feature that the generator emits{over}; "
                    "remove it from the map (or generate with standard_namespace other than GEV)"
                )

    def _standard_feature(self, std: StandardFeature) -> None:
        """One standard feature (DeviceControl, TransportLayerControl) and its register node."""
        boot = std.bootstrap
        where = ""
        if boot is not None:
            where = f"GigE Vision bootstrap register {boot.name} at 0x{boot.address:04X}"
            if std.bits is not None:
                where += f", bits {std.bits[0]}:{std.bits[1]}"
            where += "."
        if std.interface == "String":
            assert boot is not None
            el = self._node("StringReg", std.name)
            self._doc(el, std.tooltip, where)
            self._text(el, "Visibility", std.visibility)
            self._text(el, "Address", f"0x{boot.address:08X}")
            self._text(el, "Length", boot.length)
            self._text(el, "AccessMode", std.access)
            self._text(el, "pPort", self.port)
            if std.volatile:
                self._text(el, "Cachable", "NoCache")
            return
        reg_node = None
        if boot is not None:
            reg_node = self._reg_node(
                f"{std.name}_Reg",
                boot.address,
                access=std.access,
                volatile=std.volatile,
                length=boot.length,
                bits=std.bits,
            )
        el = self._node(std.interface, std.name)
        self._doc(el, std.tooltip, where)
        self._text(el, "Visibility", std.visibility)
        if std.locked:
            self._text(el, "pIsLocked", _LOCK_NODE)
        if reg_node is None:
            self._text(el, "ImposedAccessMode", "RO")
        if std.interface == "Enumeration":
            for name, value, tooltip in std.entries:
                entry = self._entry(el, std.name, name)
                self._doc(entry, tooltip)
                self._text(entry, "Value", value)
                self._text(entry, "Symbolic", name)
            if reg_node is None:
                self._text(el, "Value", std.value)
            else:
                self._text(el, "pValue", reg_node)
        elif std.interface == "Command":
            self._text(el, "pValue", reg_node)
            self._text(el, "CommandValue", std.command_value)
        elif std.interface == "Integer":
            self._text(el, "pValue", reg_node)
            width = 8 * boot.length if std.bits is None else std.bits[0] - std.bits[1] + 1
            self._text(el, "Min", 0 if std.minimum is None else std.minimum)
            self._text(el, "Max", (1 << min(width, 63)) - 1 if std.maximum is None else std.maximum)
            self._text(el, "Inc", 1 if std.inc is None else std.inc)
            if std.unit:
                self._text(el, "Unit", std.unit)
        else:  # pragma: no cover - the table only holds these interfaces
            raise AssertionError(std.interface)

    # -- selectors -----------------------------------------------------------------------
    def _selector(self, sel: Selector) -> None:
        """Selector Enumeration over an Integer index that the selected registers use."""
        index = f"{sel.name}_Index"
        el = self._node("Enumeration", sel.name)
        self._doc(el, sel.description)
        self._text(el, "Visibility", sel.visibility.value)
        for i, v in enumerate(sel.values):
            entry = self._entry(el, sel.name, v.name)
            self._doc(entry, v.description)
            self._text(entry, "Value", i)
            self._text(entry, "Symbolic", v.name)
        self._text(el, "pValue", index)
        for name in sel.selects:
            self._text(el, "pSelected", name)
        ix = self._node("Integer", index)
        self._doc(ix, f"Array index chosen by {sel.name}.")
        self._text(ix, "Visibility", "Invisible")
        self._text(ix, "Value", 0)
        self._text(ix, "Min", 0)
        self._text(ix, "Max", len(sel.values) - 1)

    # -- features ------------------------------------------------------------------------
    def _feature(self, reg: Register, f: Field) -> None:
        """The feature node of field ``f`` and the register/converter nodes beneath it."""
        feat = f.feature
        assert feat is not None
        name = feat.name
        if reg.array is not None and f.access is Access.WO:
            shared = [o.name for o in reg.fields if o is not f and o.access.writable]
            if shared:  # `check` refuses it: no node-map copy per array element
                raise UnsupportedMap(
                    (f"{f.loc}: " if f.loc else "")
                    + f"write-only field {f.name} of the array register {reg.name} shares the "
                    f"register with writable field(s) {', '.join(shared)}"
                )
        # A field written by a read-modify-write of the word through a formula: in a register
        # with event bits (writing back the 1s read from them would clear or set them), and in
        # one whose write-only fields are kept in the node map (they read 0).
        writer = word_written(reg, f)
        reg_node = self._register(f"{name}_Reg", reg, f, whole=writer)
        value_node = reg_node
        if writer:
            value_node = self._word_writer(f"{name}_Wr", reg_node, reg, f)
        shadow = None
        if f in shadowed_fields(reg):
            shadow = self._shadow(f"{name}_Shadow", reg, f)
        kind = feat.interface
        if kind is Interface.FLOAT and f.scale.kind != "raw":
            value_node = self._raw_integer(f"{name}_Raw", value_node, f, copy=shadow)
            value_node = self._converter(f"{name}_Conv", value_node, f)
        elif shadow is not None:
            value_node = self._raw_integer(f"{name}_Raw", value_node, f, copy=shadow)
        el = self._node(kind.value, name)
        self._doc(el, f.description, self._description(reg, f))
        self._text(el, "Visibility", feat.visibility.value)
        if feat.locked:
            self._text(el, "pIsLocked", _LOCK_NODE)
        if f.access is Access.WO and kind is not Interface.COMMAND:
            self._text(el, "ImposedAccessMode", "WO")
        if kind is Interface.INTEGER:
            self._text(el, "pValue", value_node)
            lo, hi = f.raw_limits(self.rmap.clock_hz)
            self._text(el, "Min", lo)
            self._text(el, "Max", hi)
            self._text(el, "Inc", f.inc)
            if f.unit:
                self._text(el, "Unit", f.unit)
        elif kind is Interface.FLOAT:
            self._text(el, "pValue", value_node)
            lo, hi = self._float_limits(f)
            self._text(el, "Min", _num(lo))
            self._text(el, "Max", _num(hi))
            inc = _float_inc(f.scale, self.rmap.clock_hz)
            if inc is not None:
                self._text(el, "Inc", _num(inc))
            if f.unit:
                self._text(el, "Unit", f.unit)
        elif kind is Interface.ENUMERATION:
            if not f.enum:
                raise UnsupportedMap(
                    f"feature {name} is an Enumeration but field {f.name} has no enum"
                )
            for e in f.enum:
                entry = self._entry(el, name, e.name)
                self._doc(entry, e.description)
                self._text(entry, "Value", e.value)
                self._text(entry, "Symbolic", e.name)
            self._text(el, "pValue", value_node)
        elif kind is Interface.BOOLEAN:
            if f.width != 1:
                raise UnsupportedMap(
                    f"feature {name} is a Boolean but field {f.name} is {f.width} bits wide"
                )
            self._text(el, "pValue", value_node)
            self._text(el, "OnValue", 1)
            self._text(el, "OffValue", 0)
        elif kind is Interface.COMMAND:
            if not f.access.writable:
                raise UnsupportedMap(f"feature {name} is a Command but field {f.name} is read-only")
            self._text(el, "pValue", value_node)
            self._text(el, "CommandValue", 1)
        else:  # pragma: no cover - Interface is a closed enum
            raise AssertionError(kind)

    def _description(self, reg: Register, f: Field) -> str:
        """Where the feature lives: register, address (or array) and bits."""
        bits = f"{f.msb}:{f.lsb}" if f.width > 1 else str(f.lsb)
        where = f"register {reg.name} at 0x{reg.address:08X}"
        if reg.array is not None:
            where += f" + {reg.array.selector} * 0x{reg.array.stride:X}"
        text = f"{reg.description} Field {f.name}, bits {bits} of {where}, access {f.access.value}."
        return text.strip()

    def _float_limits(self, f: Field) -> tuple[float, float]:
        """Physical Min/Max of a Float: the map's, else the field's whole raw range."""
        clock = self.rmap.clock_hz
        if f.min is not None and f.max is not None:
            return f.min, f.max
        a = f.scale.from_raw(1 if f.scale.kind == "period" else 0, clock)
        b = f.scale.from_raw(f.max_raw, clock)
        lo, hi = min(a, b), max(a, b)
        return (f.min if f.min is not None else lo), (f.max if f.max is not None else hi)

    def _register(self, node: str, reg: Register, f: Field, *, whole: bool) -> str:
        """The IntReg/MaskedIntReg node of field ``f`` (of the whole register if ``whole``)."""
        full = whole or (f.lsb == 0 and f.width == 8 * self.reg_bytes)
        return self._reg_node(
            node,
            reg.address,
            access=_ACCESS_MODE[f.access],
            volatile=self._volatile(reg),
            bits=None if full else (f.msb, f.lsb),
            index=(f"{reg.array.selector}_Index", reg.array.stride) if reg.array else None,
        )

    def _reg_node(
        self,
        node: str,
        address: int,
        *,
        access: str,
        volatile: bool,
        length: int = 4,
        bits: tuple[int, int] | None = None,
        index: tuple[str, int] | None = None,
    ) -> str:
        """An ``IntReg`` (``bits`` None) or a ``MaskedIntReg`` over RTL bits ``(msb, lsb)``.

        ``index`` is ``(index node, stride)`` for a register of a selector-indexed array.
        """
        el = self._node("IntReg" if bits is None else "MaskedIntReg", node)
        self._text(el, "Address", f"0x{address:08X}")
        if index is not None:
            idx = _sub(el, self._q("pIndex"), index[0])
            idx.set("Offset", f"0x{index[1]:X}")
        self._text(el, "Length", length)
        self._text(el, "AccessMode", access)
        self._text(el, "pPort", self.port)
        if volatile:
            self._text(el, "Cachable", "NoCache")
        if bits is not None:
            top = 8 * length - 1
            msb, lsb = bits
            if msb == lsb:
                self._text(el, "Bit", top - lsb)
            else:
                self._text(el, "LSB", top - lsb)
                self._text(el, "MSB", top - msb)
        self._text(el, "Sign", "Unsigned")
        self._text(el, "Endianess", "BigEndian")
        return node

    def _volatile(self, reg: Register) -> bool:
        """Reads may differ from the last write: hardware-driven, pulse/wo or shared register."""
        if len([f for f in reg.fields if f.feature is not None]) > 1:
            return True  # each field node caches the whole register: siblings would go stale
        return any(f.access is not Access.RW for f in reg.fields)

    def _word_writer(self, node: str, reg_node: str, reg: Register, f: Field) -> str:
        """IntConverter over the whole word: reads the field, writes it with the rw fields as
        read and the write-only fields as last written (their node-map copies, or their reset
        value for one without a feature), as the firmware model's ``RegisterFile`` does.

        Event bits and pulses of the word are written as 0 (no effect) unless ``f`` is that
        bit.
        """
        el = self._node("IntConverter", node)
        keep = 0
        shadowed = shadowed_fields(reg)
        terms = []
        for other in reg.fields:
            if other is f:
                continue
            if other.access is Access.RW:
                keep |= other.mask
            elif other.access is Access.WO and other in shadowed:
                var = f"W{len(terms)}"
                _sub(el, self._q("pVariable"), f"{other.feature.name}_Shadow", Name=var)
                terms.append(f"((({var}) & 0x{other.max_raw:X}) << {other.lsb})")
            elif other.access is Access.WO and reg.array is None:
                reset = reg.reset_value() & other.mask
                if reset:
                    terms.append(f"0x{reset:X}")
        if keep:
            _sub(el, self._q("pVariable"), reg_node, Name="CUR")
            terms.insert(0, f"(CUR & 0x{keep:X})")
        terms.append(f"((FROM & 0x{f.max_raw:X}) << {f.lsb})")
        self._text(el, "FormulaTo", " | ".join(terms))
        self._text(el, "FormulaFrom", f"(TO >> {f.lsb}) & 0x{f.max_raw:X}")
        self._text(el, "pValue", reg_node)
        self._text(el, "Slope", "Varying")
        return node

    def _shadow(self, node: str, reg: Register, f: Field) -> str:
        """The node-map copy of write-only field ``f``: an Integer holding its raw value as
        last written through this node map (its reset value at first)."""
        el = self._node("Integer", node)
        self._text(el, "Visibility", "Invisible")
        self._text(el, "Value", (reg.reset_value() & f.mask) >> f.lsb)
        self._text(el, "Min", 0)
        self._text(el, "Max", f.max_raw)
        return node

    def _raw_integer(self, node: str, value_node: str, f: Field, copy: str | None = None) -> str:
        """Integer bounding the raw counts, so a period converter never divides by 0; a write
        also goes to ``copy`` (``pValueCopy``), the node-map copy of a write-only field."""
        lo, hi = f.raw_limits(self.rmap.clock_hz)
        if f.scale.kind == "period":
            lo = max(lo, 1)
        el = self._node("Integer", node)
        self._text(el, "Visibility", "Invisible")
        self._text(el, "pValue", value_node)
        if copy is not None:
            self._text(el, "pValueCopy", copy)
        self._text(el, "Min", lo)
        self._text(el, "Max", min(hi, f.max_raw))
        return node

    def _converter(self, node: str, value_node: str, f: Field) -> str:
        """Converter between the physical value (µs, Hz, fixed point) and raw counts."""
        to, frm, slope = _formulas(f.scale, self.rmap.clock_hz)
        el = self._node("Converter", node)
        self._text(el, "FormulaTo", to)
        self._text(el, "FormulaFrom", frm)
        self._text(el, "pValue", value_node)
        if f.unit:
            self._text(el, "Unit", f.unit)
        self._text(el, "Slope", slope)
        return node
