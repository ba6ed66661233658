"""GenApi XML generator: schema validity, official GenApi loading, and register round trips.

Every feature is written and read through the official GenApi NodeMap over a port on a register
store (a plain dict of words, and the firmware model's RegisterBank), and the raw register
effect is checked against values derived by hand from the map (cycles = round(us * f / 1e6),
period = round(f / Hz), qN = round(x * 2**N)).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from genicam import genapi
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_model import RegisterBank, RegisterFile
from firmware_model.genicam_port import BusPort, connect_bus
from regmap import Access, Field, Interface, Register, RegisterMap, RegmapError, load, loads
from regmap.generators.genicam import GENAPI_NAMESPACE, generate_genicam_xml
from sim.genicam_plan import (
    command_features,
    event_features,
    hand_raw,
    raw_to_value,
    read_only_features,
    rw_features,
    values_to_write,
)

ROOT = Path(__file__).resolve().parent.parent
XSD = ROOT / "regmap" / "third_party" / "genicam" / "GenApiSchema_Version_1_1.xsd"
ENCODER_YAML = ROOT / "tests" / "data" / "genicam" / "encoder.yaml"
NS = {"g": GENAPI_NAMESPACE}

# The standard features of a GigE Vision device, over the bootstrap registers of the GigE Vision
# specification 2.0 (table 28-1): (category, node type, address, length, bits (msb, lsb) with bit
# 0 the least significant or None, register access mode).
DC, TL = "DeviceControl", "TransportLayerControl"
GEV_FEATURES = {
    "DeviceVendorName": (DC, "StringReg", 0x0048, 32, None, "RO"),
    "DeviceModelName": (DC, "StringReg", 0x0068, 32, None, "RO"),
    "DeviceManufacturerInfo": (DC, "StringReg", 0x00A8, 48, None, "RO"),
    "DeviceVersion": (DC, "StringReg", 0x0088, 32, None, "RO"),
    "DeviceSerialNumber": (DC, "StringReg", 0x00D8, 16, None, "RO"),
    "DeviceID": (DC, "StringReg", 0x00D8, 16, None, "RO"),
    "DeviceUserID": (DC, "StringReg", 0x00E8, 16, None, "RW"),
    "DeviceTLType": (DC, "Enumeration", None, None, None, None),
    "DeviceTLVersionMajor": (DC, "Integer", 0x0000, 4, (31, 16), "RO"),
    "DeviceTLVersionMinor": (DC, "Integer", 0x0000, 4, (15, 0), "RO"),
    "GevCCP": (TL, "Enumeration", 0x0A00, 4, (1, 0), "RW"),
    "GevHeartbeatTimeout": (TL, "Integer", 0x0938, 4, None, "RW"),
    "GevTimestampTickFrequency": (TL, "Integer", 0x093C, 8, None, "RO"),
    "GevTimestampControlLatch": (TL, "Command", 0x0944, 4, None, "WO"),
    "GevTimestampControlReset": (TL, "Command", 0x0944, 4, None, "WO"),
    "GevTimestampValue": (TL, "Integer", 0x0948, 8, None, "RO"),
    "GevSCPHostPort": (TL, "Integer", 0x0D00, 4, (15, 0), "RW"),
    "GevSCDA": (TL, "Integer", 0x0D18, 4, None, "RW"),
    "GevSCSP": (TL, "Integer", 0x0D1C, 4, (15, 0), "RO"),
    "GevSCPSPacketSize": (TL, "Integer", 0x0D04, 4, (15, 0), "RW"),
    "GevSCPD": (TL, "Integer", 0x0D08, 4, None, "RW"),
}

RO, RW, WO = genapi.EAccessMode.RO, genapi.EAccessMode.RW, genapi.EAccessMode.WO
INTERFACE = {
    Interface.INTEGER: genapi.EInterfaceType.intfIInteger,
    Interface.FLOAT: genapi.EInterfaceType.intfIFloat,
    Interface.ENUMERATION: genapi.EInterfaceType.intfIEnumeration,
    Interface.BOOLEAN: genapi.EInterfaceType.intfIBoolean,
    Interface.COMMAND: genapi.EInterfaceType.intfICommand,
}


# -- register stores ------------------------------------------------------------------------
class DictBus:
    """The simplest register store: one 32-bit word per address, every write stored as is."""

    def __init__(self, rmap: RegisterMap) -> None:
        self.values = {
            reg.address_of(i): reg.reset_value(i)
            for reg in rmap.registers
            for i in range(reg.count)
        }

    def read(self, addr: int) -> int:
        return self.values[addr]

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        assert strobe == 0xF
        self.values[addr] = value


class RecordingBus:
    """Wraps a store and records every write that reaches it."""

    def __init__(self, inner: DictBus | RegisterBank) -> None:
        self.inner = inner
        self.writes: list[tuple[int, int]] = []

    @property
    def values(self) -> dict[int, int]:
        return self.inner.values

    def read(self, addr: int) -> int:
        return self.inner.read(addr)

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        self.writes.append((addr, value))
        self.inner.write(addr, value, strobe)


class Device:
    """A NodeMap loaded from the generated XML and connected to a recording register store."""

    def __init__(self, rmap: RegisterMap, xml: str, store: str) -> None:
        self.rmap = rmap
        self.store = store
        self.bus = RecordingBus(DictBus(rmap) if store == "dict" else RegisterBank(rmap))
        self.nodemap = genapi.NodeMap()
        self.nodemap.load_xml_from_string(xml)
        self.port = connect_bus(self.nodemap, self.bus)  # GenApi does not own the port

    def node(self, name: str):
        return self.nodemap.get_node(name)

    def select(self, reg: Register, index: int) -> None:
        if reg.array is not None:
            sel = self.rmap.selector(reg.array.selector)
            self.node(sel.name).value = sel.values[index].name

    def raw(self, reg: Register, f: Field, index: int = 0) -> int:
        return (self.bus.values[reg.address_of(index)] & f.mask) >> f.lsb

    def poke(self, reg: Register, f: Field, raw: int, index: int = 0) -> None:
        """Set a field as the hardware would (bypassing the bus access rules)."""
        addr = reg.address_of(index)
        self.bus.values[addr] = (self.bus.values[addr] & ~f.mask) | (raw << f.lsb)
        if self.store == "bank":
            self.bus.inner.begin_cycle()

    def fresh(self, name: str):
        """The value of a feature read from the device, not from GenApi's cache."""
        return self.node(name).get_value(verify=False, ignore_cache=True)


@pytest.fixture(scope="session")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(XSD)


@pytest.fixture(scope="session")
def encoder_map() -> RegisterMap:
    return load(ENCODER_YAML)


@pytest.fixture(scope="session")
def camera_xml(camera_map: RegisterMap) -> str:
    return generate_genicam_xml(camera_map)


@pytest.fixture(scope="session")
def encoder_xml(encoder_map: RegisterMap) -> str:
    return generate_genicam_xml(encoder_map)


@pytest.fixture(params=["dict", "bank"])
def camera(request, camera_map: RegisterMap, camera_xml: str) -> Device:
    return Device(camera_map, camera_xml, request.param)


@pytest.fixture(params=["dict", "bank"])
def encoder(request, encoder_map: RegisterMap, encoder_xml: str) -> Device:
    return Device(encoder_map, encoder_xml, request.param)


# -- the XML itself -------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["camera", "encoder"])
def test_xml_is_valid_against_the_genapi_1_1_schema(which, schema, camera_xml, encoder_xml):
    xml = camera_xml if which == "camera" else encoder_xml
    errors = [str(e) for e in schema.iter_errors(xml)]
    assert errors == []


def test_vendored_schema_is_unmodified():
    data = XSD.read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>\r\n')
    assert b"(c) 2008 by Basler Vision Technologies" in data
    assert data.count(b"\n") == data.count(b"\r\n") == 1221  # CRLF line endings kept
    # SHA-256 of the file as distributed with Aravis (src/GenApiSchema_Version_1_1.xsd).
    digest = "4e9ca2e419925cba39ee8e3d28f6ead693b5e0bbe75a9a171c9d41999be11ee2"
    assert hashlib.sha256(data).hexdigest() == digest


def test_output_is_deterministic(camera_map, camera_xml):
    assert generate_genicam_xml(camera_map) == camera_xml
    again = generate_genicam_xml(load(ROOT / "regmap" / "camera.yaml"))
    assert again == camera_xml


def test_document_attributes(camera_map, camera_xml):
    root = ET.fromstring(camera_xml)
    assert root.tag == f"{{{GENAPI_NAMESPACE}}}RegisterDescription"
    a = root.attrib
    assert (a["ModelName"], a["VendorName"]) == ("CT_GE1", "camtwin")
    assert a["StandardNameSpace"] == "GEV"
    assert (a["SchemaMajorVersion"], a["SchemaMinorVersion"], a["SchemaSubMinorVersion"]) == (
        "1",
        "1",
        "0",
    )
    assert (a["MajorVersion"], a["MinorVersion"], a["SubMinorVersion"]) == ("1", "0", "0")
    assert a["ToolTip"] == "GigE area-scan camera, I/O and trigger path"
    assert uuid.UUID(a["ProductGuid"]).version == 5
    assert uuid.UUID(a["VersionGuid"]).version == 5


def test_version_guid_follows_the_content_and_product_guid_the_product(camera_map, camera_xml):
    slow = ET.fromstring(generate_genicam_xml(camera_map.with_device(clock_hz=1_000_000)))
    fast = ET.fromstring(camera_xml)
    assert slow.get("ProductGuid") == fast.get("ProductGuid")
    assert slow.get("VersionGuid") != fast.get("VersionGuid")
    other = ET.fromstring(generate_genicam_xml(camera_map.with_device(model="CT-GE2")))
    assert other.get("ProductGuid") != fast.get("ProductGuid")


def test_encoder_version_attributes(encoder_xml):
    a = ET.fromstring(encoder_xml).attrib
    assert (a["ModelName"], a["MajorVersion"], a["MinorVersion"], a["SubMinorVersion"]) == (
        "ENC_4",
        "2",
        "3",
        "7",
    )


def _field_register_nodes(xml: str) -> dict[str, ET.Element]:
    """The register nodes of the map's fields (not those of the GigE Vision bootstrap)."""
    root = ET.fromstring(xml)
    return {
        el.get("Name"): el
        for el in root
        if el.tag in (f"{{{GENAPI_NAMESPACE}}}IntReg", f"{{{GENAPI_NAMESPACE}}}MaskedIntReg")
        and int(el.findtext("g:Address", namespaces=NS), 16) >= 0xA000
    }


def test_registers_are_big_endian_with_rtl_bit_positions(camera_xml):
    regs = _field_register_nodes(camera_xml)
    assert regs
    for el in regs.values():
        assert el.findtext("g:Endianess", namespaces=NS) == "BigEndian"
        assert el.findtext("g:Length", namespaces=NS) == "4"
        assert el.findtext("g:pPort", namespaces=NS) == "Device"
    # Big-endian GenApi bits count from the register's MSB: RTL bit b is GenApi bit 31 - b.
    assert regs["GammaEnable_Reg"].findtext("g:Bit", namespaces=NS) == "0"  # RTL bit 31
    assert regs["TriggerMode_Reg"].findtext("g:Bit", namespaces=NS) == "31"  # RTL bit 0
    gamma = regs["Gamma_Reg"]  # RTL bits 17:0
    assert (gamma.findtext("g:LSB", namespaces=NS), gamma.findtext("g:MSB", namespaces=NS)) == (
        "31",
        "14",
    )
    # A 32-bit field is a plain IntReg.
    assert regs["FrameCount_Reg"].tag.endswith("}IntReg")
    assert regs["FrameCount_Reg"].findtext("g:Address", namespaces=NS) == "0x00010500"


def test_selected_registers_are_indexed_by_the_selector(camera_xml):
    regs = _field_register_nodes(camera_xml)
    idx = regs["TriggerDelay_Reg"].find("g:pIndex", NS)
    assert (idx.text, idx.get("Offset")) == ("TriggerSelector_Index", "0x10")
    idx = regs["BalanceRatio_Reg"].find("g:pIndex", NS)
    assert (idx.text, idx.get("Offset")) == ("BalanceRatioSelector_Index", "0x4")
    assert regs["ExposureTime_Reg"].find("g:pIndex", NS) is None


def test_volatile_registers_are_not_cached(camera_xml):
    regs = _field_register_nodes(camera_xml)

    def cachable(name: str) -> str | None:
        return regs[name].findtext("g:Cachable", namespaces=NS)

    for name in ("FrameCount_Reg", "ResultingFrameRate_Reg", "LineStatus_Reg"):  # ro
        assert cachable(name) == "NoCache"
    assert cachable("EventOvertriggerStatus_Reg") == "NoCache"  # w1c
    assert cachable("AcquisitionStart_Reg") == "NoCache"  # pulse
    assert cachable("TriggerDelay_Reg") is None  # plain rw: GenApi's default WriteThrough


def test_converter_formulas_use_the_clock(camera_map, encoder_xml, camera_xml):
    root = ET.fromstring(camera_xml)
    conv = {el.get("Name"): el for el in root.iterfind("g:Converter", NS)}

    def formulas(name: str) -> tuple[str, str, str]:
        el = conv[name]
        return tuple(
            el.findtext(f"g:{t}", namespaces=NS) for t in ("FormulaTo", "FormulaFrom", "Slope")
        )

    def half_even(x: str) -> str:
        # Round to the nearest integer in the formula itself, a tie to the even one: GenApi
        # would round the fraction half away from zero, Aravis truncates it.
        return (
            f"(((({x}) - TRUNC({x})) = 0.5) && ((TRUNC({x}) % 2) = 0)) ? TRUNC({x}) : "
            f"TRUNC(({x}) + 0.5)"
        )

    assert formulas("TriggerDelay_Conv") == (half_even("FROM * 125"), "TO / 125", "Increasing")
    # A divisor of 0 becomes 1: Aravis evaluates both branches of ?:, so only the divisor
    # itself can be guarded.
    assert formulas("AcquisitionFrameRate_Conv") == (
        half_even("125000000 / (FROM + (FROM = 0))"),
        "125000000 / (TO + (TO = 0))",
        "Decreasing",
    )
    assert formulas("BalanceRatio_Conv") == (half_even("FROM * 256"), "TO / 256", "Increasing")
    assert formulas("Gamma_Conv")[1:] == ("TO / 65536", "Increasing")
    enc = {el.get("Name"): el for el in ET.fromstring(encoder_xml).iterfind("g:Converter", NS)}
    to = enc["EncoderFilterTime_Conv"].findtext("g:FormulaTo", namespaces=NS)
    assert to == half_even("FROM * 40")


@pytest.mark.parametrize(
    ("value", "raw"),
    [
        (127.53125, 2040),  # 2040.5: the tie goes to the even 2040, like round()
        (127.59375, 2042),  # 2041.5 -> 2042
        (127.5625, 2041),  # exact
        (3.1, 50),  # 49.6 -> 50
    ],
)
def test_converter_ties_round_to_even(encoder, value, raw):
    encoder.node("EncoderScale").value = value
    assert encoder.bus.values[0x20104] & 0xFFF == raw


def test_errors_are_precise(camera_map):
    with pytest.raises(ValueError, match=r"^device version must be 'major\.minor\[\.subminor\]'"):
        generate_genicam_xml(camera_map.with_device(version="one"))
    with pytest.raises(ValueError, match=r"^standard_namespace must be one of None, IIDC, GEV"):
        generate_genicam_xml(camera_map, standard_namespace="GigE")
    with pytest.raises(ValueError, match=r"^device vendor must be a GenApi name .*, not '4cam'$"):
        generate_genicam_xml(camera_map.with_device(vendor="4cam"))
    spaced = ET.fromstring(generate_genicam_xml(camera_map.with_device(vendor="cam twin")))
    assert spaced.get("VendorName") == "cam_twin"  # other characters become underscores


CLASH_YAML = """
device: {name: clash, vendor: v, model: m, clock_hz: 1_000_000, base_address: 0x10000}
categories:
  - name: Control
registers:
  - name: CTRL
    address: 0x10000
    fields:
      - {name: a, bits: 0, access: rw,
         feature: {name: Mode_Reg, type: Boolean, category: Control}}
      - {name: b, bits: 1, access: rw,
         feature: {name: Mode, type: Boolean, category: Control}}
"""


SHADOW_YAML = ROOT / "tests" / "data" / "genicam" / "shadow.yaml"


@pytest.fixture(scope="session")
def shadow_map() -> RegisterMap:
    return load(SHADOW_YAML)


def test_write_only_fields_sharing_a_register_are_written_back_from_the_node_map(
    shadow_map, schema
):
    """A wo field reads 0: the node map keeps what was written to it and writes it back when a
    neighbour is written (words derived by hand: a=bits 7:0, w=15:8, v=19:16 (reset 2, no
    feature), c=20 (w1c), p=21 (pulse), t=31:24 in µs at 1 MHz)."""
    xml = generate_genicam_xml(shadow_map)
    schema.validate(xml)
    dev = Device(shadow_map, xml, "bank")
    steps = [
        ("A", 7, 0x00_02_03_07),  # w and v at their reset values 3 and 2
        ("W", 9, 0x00_02_09_07),
        ("A", 8, 0x00_02_09_08),  # w kept at 9, though it reads 0
        ("T", 50.0, 0x32_02_09_08),
        ("C1", True, 0x32_12_09_08),  # the event bit written 1 only when it is the target
        ("W", 1, 0x32_02_01_08),
    ]
    for name, value, word in steps:
        dev.node(name).value = value
        assert dev.bus.writes[-1] == (0x10000, word), (name, hex(dev.bus.writes[-1][1]))
    dev.node("P1").execute()
    assert dev.bus.writes[-1] == (0x10000, 0x32_22_01_08)
    assert dev.node("W").node.get_access_mode() == genapi.EAccessMode.WO


def test_helper_node_name_clash_is_an_error():
    with pytest.raises(RegmapError) as info:
        loads(CLASH_YAML)
    (diag,) = info.value.diagnostics
    assert re.match(
        r"^GenApi node name Mode_Reg of the register node of feature Mode is also the GenApi node "
        r"name of feature Mode_Reg \(defined at <string>:\d+:\d+\)$",
        diag.message,
    )


# -- the loaded node map --------------------------------------------------------------------
def _category_members(nodemap, name: str, path: tuple[str, ...] = ()) -> dict[str, tuple]:
    """Every feature below category ``name``, with the category path leading to it."""
    found: dict[str, tuple] = {}
    for feat in nodemap.get_node(name).features:
        node = feat.node
        if node.principal_interface_type == genapi.EInterfaceType.intfICategory:
            found.update(_category_members(nodemap, node.name, (*path, node.name)))
        else:
            found[node.name] = (*path,)
    return found


@pytest.mark.parametrize("which", ["camera", "encoder"])
def test_every_feature_and_selector_sits_in_its_category(which, camera, encoder):
    dev = camera if which == "camera" else encoder
    members = _category_members(dev.nodemap, "Root")
    parents = {c.name: c.parent for c in dev.rmap.categories}

    def path(cat: str) -> tuple[str, ...]:
        return (*path(parents[cat]), cat) if parents[cat] else (cat,)

    for name, (_, f) in dev.rmap.features.items():
        assert members[name] == path(f.feature.category), name
    for sel in dev.rmap.selectors:
        assert members[sel.name] == path(sel.category), sel.name
    expected = set(dev.rmap.features) | {s.name for s in dev.rmap.selectors}
    expected |= set(GEV_FEATURES) | {"TLParamsLocked"}  # a GigE Vision device's standard set
    assert set(members) == expected


def test_encoder_categories_nest(encoder):
    tree = _category_members(encoder.nodemap, "Root")
    assert tree["EncoderMode"] == ("DeviceControl", "EncoderControl")
    assert tree["UnlockKey"] == ("DeviceControl",)


@pytest.mark.parametrize("which", ["camera", "encoder"])
def test_interfaces_visibility_access_and_tooltips(which, camera, encoder):
    dev = camera if which == "camera" else encoder
    for name, (_, f) in dev.rmap.features.items():
        node = dev.node(name).node
        assert node.principal_interface_type == INTERFACE[f.feature.interface], name
        assert node.visibility == getattr(genapi.EVisibility, f.feature.visibility.value), name
        assert node.tooltip == f.description, name
        if f.feature.interface is Interface.COMMAND:
            continue
        expected = {Access.RO: RO, Access.RC: RO, Access.WO: WO}.get(f.access, RW)
        assert node.get_access_mode() == expected, name
    for sel in dev.rmap.selectors:
        node = dev.node(sel.name).node
        assert node.is_selector()
        assert [s.node.name for s in node.selected_features] == list(sel.selects)


def _check_read_back(rmap: RegisterMap, f: Field, got, value) -> None:
    if f.scale.kind in ("cycles", "period", "fixed"):
        # Converters round to the nearest tick: allow one raw step of the physical value.
        step = {
            "cycles": 1e6 / rmap.device.clock_hz,
            "period": value * value / (rmap.device.clock_hz << f.scale.frac_bits),
            "fixed": 2.0**-f.scale.frac_bits,
        }[f.scale.kind]
        assert got == pytest.approx(value, abs=step)
    else:
        assert got == value


def _round_trip(dev: Device, name: str) -> None:
    reg, f = dev.rmap.feature(name)
    node = dev.node(name)
    for index in range(reg.count):
        dev.select(reg, index)
        for value in values_to_write(f):
            before = dict(dev.bus.values)
            node.value = value
            addr = reg.address_of(index)
            assert dev.raw(reg, f, index) == hand_raw(dev.rmap.device.clock_hz, f, value), (
                name,
                index,
                value,
            )
            # Nothing else changed: other fields of the word, other elements, other registers.
            after = dict(dev.bus.values)
            assert after[addr] & ~f.mask == before[addr] & ~f.mask
            del after[addr], before[addr]
            assert after == before
            got = dev.fresh(name)
            _check_read_back(dev.rmap, f, got, value)


@pytest.mark.parametrize("name", rw_features(load(ROOT / "regmap" / "camera.yaml")))
def test_camera_rw_feature_round_trip(camera, name):
    _round_trip(camera, name)


@pytest.mark.parametrize("name", rw_features(load(ENCODER_YAML)))
def test_encoder_rw_feature_round_trip(encoder, name):
    _round_trip(encoder, name)


def test_trigger_delay_lands_in_the_selected_element(camera):
    delay = camera.node("TriggerDelay")
    camera.node("TriggerSelector").value = "FrameStart"
    delay.value = 250.0
    assert camera.bus.values[0x10104] == 31250  # 250 µs * 125 cycles/µs
    assert camera.bus.writes[-1] == (0x10104, 31250)
    camera.node("TriggerSelector").value = "AcquisitionStart"
    assert delay.value == 0.0  # the other element, at its reset value
    delay.value = 1.5
    assert camera.bus.writes[-1] == (0x10114, 188)  # + stride 0x10; 187.5 rounds to 188
    assert camera.bus.values[0x10104] == 31250
    assert delay.value == pytest.approx(1.504)
    camera.node("TriggerSelector").value = "FrameStart"
    assert delay.value == 250.0


def test_fields_at_both_ends_of_a_register(camera):
    assert camera.bus.values[0x10620] == 0x0001_0000  # Gamma reset 1.0 in Q16, enable 0
    camera.node("GammaEnable").value = True  # RTL bit 31
    assert camera.bus.values[0x10620] == 0x8001_0000
    camera.node("Gamma").value = 0.5  # bits 17:0, 0.5 * 2**16 = 0x8000
    assert camera.bus.values[0x10620] == 0x8000_8000
    camera.node("GammaEnable").value = False
    assert camera.bus.values[0x10620] == 0x0000_8000
    assert camera.bus.values[0x10100] == 0x10  # TriggerMode Off, TriggerSource Line1 (1 << 4)
    camera.node("TriggerMode").value = "On"  # RTL bit 0 of the FrameStart element
    assert camera.bus.values[0x10100] == 0x11
    camera.node("TriggerSelector").value = "AcquisitionStart"
    camera.node("TriggerSource").value = "FrequencyConverter"  # bits 6:4 = 3
    assert camera.bus.values[0x10110] == 0x30
    assert camera.bus.values[0x10100] == 0x11


def test_hand_derived_scaled_values(camera):
    camera.node("ExposureTime").value = 10.0
    assert camera.bus.values[0x10010] == 1250
    camera.node("AcquisitionFrameRate").value = 100.0  # 125e6 / 100 cycles per frame
    assert camera.bus.values[0x10014] == 1_250_000
    camera.node("LineSelector").value = "Line2"
    camera.node("LineDebouncerTime").value = 1500.0  # the manual's example
    assert camera.bus.values[0x10224] == 187_500
    camera.node("BalanceRatioSelector").value = "Blue"
    camera.node("BalanceRatio").value = 1.5  # Q8: 1.5 * 256
    assert camera.bus.values[0x10618] == 384
    camera.bus.values[0x10018] = 2_500_000  # ResultingFrameRate: 50 Hz
    assert camera.fresh("ResultingFrameRate") == 50.0


def test_encoder_hand_derived_values(encoder):
    encoder.node("EncoderSelector").value = "Encoder3"
    encoder.node("EncoderFilterTime").value = 2.5  # 40 MHz: 100 cycles, bits 15:0
    encoder.node("EncoderOutputRate").value = 1000.0  # 40e6 / 1000 = 40000 cycles, bits 31:12
    encoder.node("EncoderScale").value = 2.25  # Q4: 36
    assert encoder.bus.values[0x20118] == (3 << 30) | 100  # mode reset Gated (3) in bits 31:30
    assert encoder.bus.values[0x2011C] == (40_000 << 12) | 36
    assert encoder.bus.values[0x20100] == 0  # Encoder0 untouched


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TriggerDelay", 1_000_000.5),
        ("TriggerDelay", -1.0),
        ("ExposureTime", 9.9),
        ("AcquisitionFrameRate", 10_001.0),
        ("AcquisitionFrameRate", 0.5),
        ("AcquisitionFrameCount", 0),
        ("AcquisitionFrameCount", 256),
        ("BlackLevel", 256),
        ("DigitalShift", 5),
        ("FrequencyConverterMultiplier", 0),
        ("BalanceRatio", 15.01),
        ("Gamma", 4.0),
    ],
)
def test_out_of_range_writes_never_reach_the_register(camera, name, value):
    before = dict(camera.bus.values)
    with pytest.raises(genapi.OutOfRangeException):
        camera.node(name).value = value
    assert camera.bus.writes == []
    assert camera.bus.values == before


def test_unknown_enum_entry_is_rejected(camera):
    with pytest.raises(genapi.InvalidArgumentException):
        camera.node("TestPattern").value = "Bogus"
    with pytest.raises(genapi.InvalidArgumentException):
        camera.node("TestPattern").set_int_value(7)
    assert camera.bus.writes == []


def test_read_only_features_follow_the_hardware(camera):
    reg, f = camera.rmap.feature("FrameCount")
    camera.poke(reg, f, 0xFFFF_FFFF)
    assert camera.fresh("FrameCount") == 0xFFFF_FFFF
    camera.poke(reg, f, 7)
    assert camera.node("FrameCount").value == 7  # NoCache: a plain read sees the change
    reg, f = camera.rmap.feature("LineStatus")
    camera.node("LineSelector").value = "Line1"
    camera.poke(reg, f, 1, index=1)
    assert camera.node("LineStatus").value is True
    camera.node("LineSelector").value = "Line2"
    assert camera.node("LineStatus").value is False
    reg, f = camera.rmap.feature("FrameTriggerWait")
    camera.poke(reg, f, 1)
    assert camera.node("FrameTriggerWait").value is True
    with pytest.raises(genapi.AccessException):
        camera.node("FrameCount").value = 1
    assert camera.bus.writes == []


def test_event_bits_clear_only_the_bit_written(camera):
    reg = camera.rmap.register("EVENT_STATUS")
    for f in reg.fields:
        camera.poke(reg, f, 1)
    assert camera.node("EventOvertriggerStatus").value is True
    assert camera.node("EventTriggerLostStatus").value is True
    camera.node("EventTriggerLostStatus").value = True  # write 1 to clear bit 1
    assert camera.bus.writes == [(0x10510, 0b010)]  # never the other set bits
    if camera.store == "bank":
        assert camera.bus.values[0x10510] == 0b101
        assert camera.node("EventTriggerLostStatus").value is False
        assert camera.node("EventOvertriggerStatus").value is True


def test_encoder_event_write_keeps_the_rw_field(encoder):
    reg = encoder.rmap.register("EVENTS")
    encoder.poke(reg, reg.field("overflow"), 1)
    encoder.poke(reg, reg.field("glitch"), 1)
    encoder.node("EventOverflowStatus").value = True
    assert encoder.bus.writes[-1] == (0x20004, (0x5A << 8) | 0b01)
    if encoder.store == "bank":
        assert encoder.bus.values[0x20004] == (0x5A << 8) | 0b10


def test_rw_field_next_to_event_bits_leaves_them_alone(encoder):
    reg = encoder.rmap.register("EVENTS")
    encoder.poke(reg, reg.field("overflow"), 1)
    encoder.poke(reg, reg.field("glitch"), 1)
    encoder.node("EventInterruptEnable").value = 0xC3
    assert encoder.bus.writes == [(0x20004, 0xC300)]  # event bits written as 0: no effect
    if encoder.store == "bank":
        assert encoder.bus.values[0x20004] == 0xC300 | 0b11


def test_command_next_to_a_w1s_bit_does_not_write_it(encoder):
    reg, f = encoder.rmap.feature("StandbyRequest")
    encoder.poke(reg, f, 1)  # standby requested; the hardware may clear it at any time
    encoder.node("EncoderReset").execute()
    assert encoder.bus.writes == [(0x20000, 0b01)]  # the 1 read from bit 1 is not written back


def test_read_clear_counter(encoder):
    reg, f = encoder.rmap.feature("ErrorCount")
    encoder.poke(reg, f, 7)
    assert encoder.node("ErrorCount").value == 7
    expected = 0 if encoder.store == "bank" else 7  # only the bank models read-to-clear
    assert encoder.node("ErrorCount").value == expected


def test_write_only_and_write_one_to_set(encoder):
    assert encoder.node("BoardRevision").value == 0x23
    encoder.node("UnlockKey").value = 0xA5  # bits 31:24 (the ro bits 7:0 ignore writes)
    addr, word = encoder.bus.writes[-1]
    assert (addr, word & 0xFFFF_FF00) == (0x2000C, 0xA500_0000)
    encoder.node("StandbyRequest").value = True
    assert encoder.bus.writes[-1][1] & 0b10 == 0b10
    assert encoder.bus.values[0x20000] & 0b10 == 0b10
    with pytest.raises(genapi.OutOfRangeException):
        encoder.node("UnlockKey").value = 0x100


@pytest.mark.parametrize(
    ("name", "addr", "bit"),
    [
        ("AcquisitionStart", 0x10000, 4),
        ("AcquisitionStop", 0x10000, 5),
        ("CounterReset", 0x1050C, 0),
        ("TriggerSoftware", 0x10100, 12),
    ],
)
def test_commands_write_their_pulse_bit(camera, name, addr, bit):
    before = camera.bus.values[addr]
    cmd = camera.node(name)
    cmd.execute()
    assert len(camera.bus.writes) == 1
    waddr, word = camera.bus.writes[0]
    assert waddr == addr
    assert word == before | (1 << bit)  # the other fields written back unchanged
    if camera.store == "bank":
        bank = camera.bus.inner
        bank.begin_cycle()
        assert bank.pulses == {addr: 1 << bit}
        assert bank.values[addr] == before  # pulses are not stored
        assert cmd.is_done()


def test_software_trigger_follows_the_selector(camera):
    camera.node("TriggerSelector").value = "AcquisitionStart"
    camera.node("TriggerSoftware").execute()
    assert camera.bus.writes[-1][0] == 0x10110


def test_commands_never_disturb_sibling_fields(camera):
    camera.node("AcquisitionMode").value = "SingleFrame"
    camera.node("AcquisitionFrameRateEnable").value = True
    camera.node("AcquisitionStart").execute()
    camera.node("AcquisitionMode").value = "MultiFrame"
    camera.node("AcquisitionStop").execute()
    # The stop write carries mode MultiFrame (1), frame-rate enable (bit 8) and the stop bit;
    # the plain dict store keeps the start bit written before (it does not model pulses).
    start = 0x10 if camera.store == "dict" else 0
    assert camera.bus.writes[-1] == (0x10000, 0x100 | start | 0x20 | 1)
    assert camera.node("AcquisitionMode").value == "MultiFrame"
    assert camera.node("AcquisitionFrameRateEnable").value is True


def test_locked_features_are_read_only_while_tl_params_locked(camera):
    locked = [n for n, (_, f) in camera.rmap.features.items() if f.feature.locked]
    assert set(locked) == {
        "AcquisitionMode",
        "AcquisitionFrameCount",
        "TriggerSource",
        "LineMode",
        "Width",
        "Height",
        "PixelFormat",
    }
    camera.node("TLParamsLocked").value = 1
    for name in locked:
        assert camera.node(name).node.get_access_mode() == RO, name
    with pytest.raises(genapi.AccessException):
        camera.node("AcquisitionMode").value = "SingleFrame"
    assert camera.bus.writes == []
    camera.node("TriggerDelay").value = 10.0  # not locked
    assert camera.bus.writes == [(0x10104, 1250)]
    camera.node("TLParamsLocked").value = 0
    camera.node("AcquisitionMode").value = "SingleFrame"
    assert camera.bus.values[0x10000] & 0b11 == 0


def test_every_selector_value_selects_its_element(camera):
    for sel in camera.rmap.selectors:
        for i, v in enumerate(sel.values):
            camera.node(sel.name).value = v.name
            assert camera.node(sel.name).value == v.name
            assert camera.node(f"{sel.name}_Index").value == i
    with pytest.raises(genapi.InvalidArgumentException):
        camera.node("LineSelector").value = "Line3"


def test_port_rejects_partial_words(camera_map):
    port = BusPort(DictBus(camera_map))
    assert port.read(0x10104, 4) == bytes(4)
    with pytest.raises(ValueError, match=r"^length must be a positive multiple of 4, not 2$"):
        port.read(0x10104, 2)
    with pytest.raises(ValueError, match=r"^address must be a multiple of 4, not 0x10105$"):
        port.write(0x10105, b"\0\0\0\1")
    with pytest.raises(TypeError, match=r"^bus must have read"):
        BusPort(object())


def test_connect_to_a_wrong_port_name_is_an_error(camera_map, camera_xml):
    nodemap = genapi.NodeMap()
    nodemap.load_xml_from_string(camera_xml)
    with pytest.raises(ValueError, match=r"^the node map has no port named 'Wrong'$"):
        connect_bus(nodemap, DictBus(camera_map), "Wrong")


def test_docs_example_runs():
    script = ROOT / "docs" / "examples" / "genicam_client.py"
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"TriggerDelay = 250\.0 us -> register 0x00010104 = 31250", result.stdout)


@pytest.mark.parametrize(
    ("which", "name"),
    [("camera", n) for n in read_only_features(load(ROOT / "regmap" / "camera.yaml"))]
    + [("encoder", n) for n in read_only_features(load(ENCODER_YAML))],
)
def test_read_only_feature_reads_every_element(which, name, camera, encoder):
    dev = camera if which == "camera" else encoder
    reg, f = dev.rmap.feature(name)
    node = dev.node(name)
    assert node.node.get_access_mode() == RO
    for index in range(reg.count):
        dev.select(reg, index)
        # A value distinct per element; a period uses a frame period of 1 ms + index cycles.
        raw = (dev.rmap.device.clock_hz // 1000 + index) if f.scale.kind == "period" else None
        if raw is None:
            raw = 1 if f.width == 1 else f.max_raw - index
        dev.poke(reg, f, raw, index)
        assert node.value == pytest.approx(raw_to_value(dev.rmap.device.clock_hz, f, raw)), (
            name,
            index,
        )
    assert dev.bus.writes == []


@pytest.mark.parametrize(
    ("which", "name"),
    [("camera", n) for n in command_features(load(ROOT / "regmap" / "camera.yaml"))]
    + [("encoder", n) for n in command_features(load(ENCODER_YAML))],
)
def test_every_command_pulses_its_bit_in_every_element(which, name, camera, encoder):
    dev = camera if which == "camera" else encoder
    reg, f = dev.rmap.feature(name)
    for index in range(reg.count):
        dev.select(reg, index)
        dev.bus.writes.clear()
        dev.node(name).execute()
        assert len(dev.bus.writes) == 1
        addr, word = dev.bus.writes[0]
        assert addr == reg.address_of(index)
        assert word & f.mask == f.mask


@pytest.mark.parametrize(
    ("which", "name"),
    [("camera", n) for n in event_features(load(ROOT / "regmap" / "camera.yaml"))]
    + [("encoder", n) for n in event_features(load(ENCODER_YAML))],
)
def test_every_event_bit_writes_only_itself(which, name, camera, encoder):
    dev = camera if which == "camera" else encoder
    reg, f = dev.rmap.feature(name)
    for other in reg.fields:
        if other.access in (Access.W1C, Access.W1S):
            dev.poke(reg, other, 1)
    assert dev.node(name).value is True
    dev.node(name).value = True
    keep = sum(o.mask for o in reg.fields if o.access is Access.RW)
    assert dev.bus.writes == [(reg.address, (dev.bus.values[reg.address] & keep) | f.mask)]


def test_every_feature_is_exercised(camera_map, encoder_map):
    write_only = {"encoder": {"UnlockKey"}, "camera": set()}  # tested one by one above
    for rmap in (camera_map, encoder_map):
        covered = (
            set(rw_features(rmap)) | set(read_only_features(rmap)) | set(command_features(rmap))
        )
        covered |= set(event_features(rmap)) | write_only[rmap.device.name]
        assert covered == set(rmap.features)


def test_xml_file_loads_like_a_client_would(tmp_path, camera_map, camera_xml):
    path = tmp_path / "camera.xml"
    path.write_text(camera_xml, encoding="utf-8")
    nodemap = genapi.NodeMap()
    nodemap.load_xml_from_file(str(path))
    bank = RegisterBank(camera_map)
    port = connect_bus(nodemap, bank)
    nodemap.get_node("LineSelector").value = "Line1"
    nodemap.get_node("LineInverter").value = True
    assert bank.read(0x10210) == 0b10  # LINE_CFG[1] bit 1; LineMode reset Input (0)
    assert port.bus is bank


@pytest.mark.parametrize("which", ["camera", "encoder", "shadow"])
def test_genapi_writes_the_same_words_as_the_firmware_register_file(
    which, camera_map, encoder_map, shadow_map
):
    """GenApi and the firmware model's RegisterFile, two host paths, agree on every bus write."""
    rmap = {"camera": camera_map, "encoder": encoder_map, "shadow": shadow_map}[which]
    xml = generate_genicam_xml(rmap)
    dev = Device(rmap, xml, "bank")
    ref_bus = RecordingBus(RegisterBank(rmap))
    ref = RegisterFile(rmap, ref_bus)
    writable = {
        reg.address_of(i): sum(f.mask for f in reg.fields if f.access.writable)
        for reg in rmap.registers
        for i in range(reg.count)
    }

    def significant(write: tuple[int, int]) -> tuple[int, int]:
        """A write without its read-only bits (GenApi writes them back as read, ignored)."""
        return write[0], write[1] & writable[write[0]]

    for name, (reg, f) in rmap.features.items():
        if not f.access.writable:
            continue
        for index in range(reg.count):
            dev.select(reg, index)
            selectors = (
                {reg.array.selector: dev.node(reg.array.selector).value} if reg.array else {}
            )
            if f.feature.interface is Interface.COMMAND:
                dev.node(name).execute()
                ref.execute(name, **selectors)
                continue
            for value in values_to_write(f):
                dev.node(name).value = value
                ref.set(name, value, **selectors)
                assert significant(dev.bus.writes[-1]) == significant(ref_bus.writes[-1]), (
                    name,
                    index,
                    value,
                )
    assert [significant(w) for w in dev.bus.writes] == [significant(w) for w in ref_bus.writes]
    assert dev.bus.values == ref_bus.values


_SCALED = [
    (path, name)
    for path in (ROOT / "regmap" / "camera.yaml", ENCODER_YAML)
    for name, (_, f) in load(path).features.items()
    if f.scale.kind != "raw" and f.access is Access.RW
]


@pytest.mark.parametrize(("path", "name"), _SCALED, ids=[f"{p.stem}-{n}" for p, n in _SCALED])
def test_every_raw_value_survives_the_converter(path, name):
    """Writing the physical value of any legal raw count writes exactly that count."""
    rmap = load(path)
    dev = Device(rmap, generate_genicam_xml(rmap), "bank")
    reg, f = rmap.feature(name)
    clock = rmap.device.clock_hz
    lo, hi = f.raw_limits(clock)

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(raw=st.integers(min_value=lo, max_value=hi))
    def check(raw: int) -> None:
        value = raw_to_value(clock, f, raw)
        if not (f.min <= value <= f.max):
            return  # the raw limits round outward: e.g. Gamma's raw max is above 3.99998
        dev.node(name).value = value
        assert dev.raw(reg, f) == raw

    check()


# -- enumeration entries, formula guards, increments -----------------------------------------
def _enumerations(rmap: RegisterMap) -> list[tuple[str, list[tuple[str, int]]]]:
    """Every Enumeration of a map: (name, [(symbolic, raw value written)])."""
    enums = [
        (n, [(e.name, e.value) for e in f.enum]) for n, (_, f) in rmap.features.items() if f.enum
    ]
    enums += [(s.name, [(v.name, i) for i, v in enumerate(s.values)]) for s in rmap.selectors]
    return enums


@pytest.mark.parametrize("which", ["camera", "encoder"])
def test_enum_entries_are_named_as_their_symbolic_value(which, camera_xml, encoder_xml):
    rmap = load(ROOT / "regmap" / "camera.yaml") if which == "camera" else load(ENCODER_YAML)
    root = ET.fromstring(camera_xml if which == "camera" else encoder_xml)
    enums = {el.get("Name"): el for el in root.iterfind("g:Enumeration", NS)}
    for name, entries in _enumerations(rmap):
        got = [
            (
                e.get("Name"),
                e.findtext("g:Symbolic", namespaces=NS),
                int(e.findtext("g:Value", namespaces=NS)),
            )
            for e in enums[name].iterfind("g:EnumEntry", NS)
        ]
        assert got == [(sym, sym, value) for sym, value in entries], name


@pytest.mark.parametrize("which", ["camera", "encoder"])
def test_every_enum_entry_is_written_by_its_symbolic_name(which, camera, encoder):
    dev = camera if which == "camera" else encoder
    for name, entries in _enumerations(dev.rmap):
        node = dev.node(name)
        for sym, value in entries:
            # The reference GenApi names the entry node EnumEntry_<Enumeration>_<Name>.
            assert dev.node(f"EnumEntry_{name}_{sym}").symbolic == sym
            dev.bus.writes.clear()
            node.value = sym
            assert node.value == sym, (name, sym)
            if name in dev.rmap.features:  # a feature: its field holds the entry's value
                reg, f = dev.rmap.feature(name)
                assert dev.bus.writes[-1][0] == reg.address_of(0)  # element 0 (reset selectors)
                assert dev.raw(reg, f) == value, (name, sym)
            else:  # a selector: its index node holds the entry's position
                assert dev.node(f"{name}_Index").value == value, (name, sym)
                assert dev.bus.writes == []
        for sel in dev.rmap.selectors:
            dev.node(sel.name).value = sel.values[0].name


DUPLICATE_ENTRY_YAML = """
device: {name: dup, vendor: v, model: m, clock_hz: 1_000_000, base_address: 0x10000}
categories:
  - name: Control
registers:
  - name: CTRL
    address: 0x10000
    fields:
      - {name: a, bits: '1:0', access: rw,
         enum: [{name: Off, value: 0}, {name: On, value: 1}],
         feature: {name: Mode, type: Enumeration, category: Control}}
      - {name: b, bits: 2, access: rw,
         feature: {name: EnumEntry_Mode_On, type: Boolean, category: Control}}
"""


def test_enum_entry_clashing_with_a_node_name_is_an_error():
    with pytest.raises(RegmapError) as info:
        loads(DUPLICATE_ENTRY_YAML)
    (diag,) = info.value.diagnostics
    assert re.match(
        r"^GenApi node name EnumEntry_Mode_On of .* is also the GenApi node name", diag.message
    )


def _divisors(formula: str) -> list[str]:
    """The text after every '/' of a formula, up to the end of its operand."""
    return [
        m.group(1) for m in re.finditer(r"/\s*(\([^()]*(?:\([^()]*\))?[^()]*\)|[\w.]+)", formula)
    ]


@pytest.mark.parametrize("which", ["camera", "encoder"])
def test_every_division_in_a_formula_is_guarded(which, camera_xml, encoder_xml):
    root = ET.fromstring(camera_xml if which == "camera" else encoder_xml)
    formulas = [
        el.text
        for el in root.iter()
        if el.tag.split("}")[1] in ("Formula", "FormulaTo", "FormulaFrom")
    ]
    divisions = [d for f in formulas for d in _divisors(f)]
    assert divisions  # the period and fixed-point converters divide
    for d in divisions:
        # A constant, or a variable that becomes 1 where it is 0.
        guarded = re.fullmatch(r"\((\w+) \+ \(\1 = 0\)\)", d)
        assert d.isdigit() or guarded, d


def _numeric_features(rmap: RegisterMap) -> list[str]:
    return [
        n
        for n, (_, f) in rmap.features.items()
        if f.feature.interface in (Interface.INTEGER, Interface.FLOAT) and f.access.readable
    ]


@pytest.mark.parametrize(
    ("which", "name"),
    [("camera", n) for n in _numeric_features(load(ROOT / "regmap" / "camera.yaml"))]
    + [("encoder", n) for n in _numeric_features(load(ENCODER_YAML))],
)
def test_formulas_hold_for_every_raw_value_at_both_ends(which, name, camera, encoder):
    """Raw 0 and the largest raw value a field can hold read without an error."""
    dev = camera if which == "camera" else encoder
    reg, f = dev.rmap.feature(name)
    clock = dev.rmap.device.clock_hz
    for raw in (0, f.max_raw):
        for index in range(reg.count):
            dev.select(reg, index)
            dev.poke(reg, f, raw, index)
            got = dev.fresh(name)
            if f.scale.kind == "period":
                # A period of 0 reads like a period of 1 cycle: the fastest rate, not a failure.
                expected = clock * 2**f.scale.frac_bits / max(raw, 1)  # period_qN: 2^-N cycle
            elif f.scale.kind == "cycles":
                expected = raw * 1_000_000 / clock
            elif f.scale.kind == "fixed":
                expected = raw / 2**f.scale.frac_bits
            else:
                expected = raw
            assert got == pytest.approx(expected), (name, raw, index)


def test_a_period_of_zero_reads_as_one_cycle(camera):
    reg, f = camera.rmap.feature("AcquisitionFrameRate")
    camera.poke(reg, f, 0)
    assert camera.fresh("AcquisitionFrameRate") == 125_000_000.0
    reg, f = camera.rmap.feature("ResultingFrameRate")
    camera.poke(reg, f, 0)
    assert camera.node("ResultingFrameRate").value == 125_000_000.0


@pytest.mark.parametrize(
    ("which", "name", "inc"),
    [
        ("camera", "TriggerDelay", 0.008),  # 1 cycle at 125 MHz = 8 ns
        ("camera", "ExposureTime", 0.008),
        ("camera", "LineDebouncerTime", 0.008),
        ("camera", "BalanceRatio", 1 / 256),  # q8
        ("camera", "Gamma", 1 / 65536),  # q16
        ("encoder", "EncoderFilterTime", 0.025),  # 1 cycle at 40 MHz = 25 ns
        ("encoder", "EncoderScale", 1 / 16),  # q4
    ],
)
def test_float_features_declare_the_step_of_one_raw_count(which, name, inc, camera, encoder):
    dev = camera if which == "camera" else encoder
    node = dev.node(name)
    assert node.inc_mode == genapi.EIncMode.fixedIncrement
    assert node.inc == inc


@pytest.mark.parametrize(
    ("which", "name"),
    [
        ("camera", "AcquisitionFrameRate"),
        ("camera", "ResultingFrameRate"),
        ("encoder", "EncoderOutputRate"),
    ],
)
def test_rates_over_a_period_have_no_fixed_step(which, name, camera, encoder):
    dev = camera if which == "camera" else encoder
    assert dev.node(name).inc_mode == genapi.EIncMode.noIncrement


def test_every_scaled_float_declares_an_increment_or_is_a_period(camera_map, encoder_map):
    for rmap in (camera_map, encoder_map):
        root = ET.fromstring(generate_genicam_xml(rmap))
        for name, (_, f) in rmap.features.items():
            if f.feature.interface is Interface.FLOAT:
                inc = root.find(f"g:Float[@Name='{name}']", NS).findtext("g:Inc", namespaces=NS)
                assert (inc is None) == (f.scale.kind in ("raw", "period")), name


# -- the standard GigE Vision features over the bootstrap registers --------------------------
class BootstrapBus:
    """A GigE Vision device's register space: bootstrap words below 0xA000, the map above."""

    def __init__(self, inner: DictBus) -> None:
        self.inner = inner
        self.boot: dict[int, int] = {}
        self.writes: list[tuple[int, int]] = []

    def put(self, address: int, data: bytes) -> None:
        for i in range(0, len(data), 4):
            self.boot[address + i] = int.from_bytes(data[i : i + 4].ljust(4, b"\0"), "big")

    def text(self, address: int, length: int) -> bytes:
        return b"".join(
            self.boot.get(address + i, 0).to_bytes(4, "big") for i in range(0, length, 4)
        )

    def read(self, addr: int) -> int:
        return self.boot.get(addr, 0) if addr < 0xA000 else self.inner.read(addr)

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        self.writes.append((addr, value))
        if addr < 0xA000:
            self.boot[addr] = value
        else:
            self.inner.write(addr, value, strobe)


@pytest.fixture
def gev(camera_map, camera_xml):
    """The camera's node map over a register space with GigE Vision bootstrap registers."""
    bus = BootstrapBus(DictBus(camera_map))
    bus.put(0x0000, (0x0002_0001).to_bytes(4, "big"))  # GigE Vision 2.1
    bus.put(0x0048, b"camtwin")
    bus.put(0x0068, b"CT-GE1")
    bus.put(0x0088, b"1.0.0")
    bus.put(0x00A8, b"digital twin")
    bus.put(0x00D8, b"TWIN0001")
    bus.put(0x0938, (3000).to_bytes(4, "big"))
    bus.put(0x093C, (125_000_000).to_bytes(8, "big"))
    bus.put(0x0D04, (0x4000_0000 | 1500).to_bytes(4, "big"))  # do-not-fragment bit, 1500 B
    nodemap = genapi.NodeMap()
    nodemap.load_xml_from_string(camera_xml)
    port = connect_bus(nodemap, bus)
    yield nodemap, bus
    del port


def _register_of(root: ET.Element, name: str) -> ET.Element:
    node = root.find(f"*[@Name='{name}']")
    if node.tag.endswith("}StringReg"):
        return node
    return root.find(f"*[@Name='{node.findtext('g:pValue', namespaces=NS)}']")


@pytest.mark.parametrize("name", list(GEV_FEATURES))
def test_standard_feature_points_at_its_bootstrap_register(name, camera_xml):
    _, tag, address, length, bits, access = GEV_FEATURES[name]
    root = ET.fromstring(camera_xml)
    node = root.find(f"*[@Name='{name}']")
    assert node.tag == f"{{{GENAPI_NAMESPACE}}}{tag}"
    if address is None:  # a constant
        assert node.findtext("g:pValue", namespaces=NS) is None
        return
    reg = _register_of(root, name)
    assert int(reg.findtext("g:Address", namespaces=NS), 16) == address
    assert int(reg.findtext("g:Length", namespaces=NS)) == length
    assert reg.findtext("g:AccessMode", namespaces=NS) == access
    assert reg.findtext("g:pPort", namespaces=NS) == "Device"
    if bits is None:
        assert reg.find("g:LSB", NS) is None and reg.find("g:Bit", NS) is None
    else:  # big-endian GenApi bits count from the MSB
        msb, lsb = bits
        assert (reg.findtext("g:LSB", namespaces=NS), reg.findtext("g:MSB", namespaces=NS)) == (
            str(31 - lsb),
            str(31 - msb),
        )


@pytest.mark.parametrize("which", ["camera", "encoder"])
def test_standard_features_sit_in_device_and_transport_layer_control(
    which, camera_xml, encoder_xml
):
    nodemap = genapi.NodeMap()
    nodemap.load_xml_from_string(camera_xml if which == "camera" else encoder_xml)
    members = _category_members(nodemap, "Root")
    for name, (category, *_rest) in GEV_FEATURES.items():
        assert members[name] == (category,), name
    assert members["TLParamsLocked"] == (TL,)
    root = [f.node.name for f in nodemap.get_node("Root").features]
    assert root[0] == DC  # SFNC order: the device's identity first
    device_control = [
        f.node.name
        for f in nodemap.get_node(DC).features
        if f.node.principal_interface_type != genapi.EInterfaceType.intfICategory
    ]
    assert device_control[:7] == [
        "DeviceVendorName",
        "DeviceModelName",
        "DeviceManufacturerInfo",
        "DeviceVersion",
        "DeviceSerialNumber",
        "DeviceID",
        "DeviceUserID",
    ]
    assert nodemap.get_node(TL).node.visibility != genapi.EVisibility.Invisible


def test_device_control_reads_the_bootstrap_strings(gev):
    nodemap, bus = gev
    get = nodemap.get_node
    assert get("DeviceVendorName").value == "camtwin"
    assert get("DeviceModelName").value == "CT-GE1"
    assert get("DeviceVersion").value == "1.0.0"
    assert get("DeviceManufacturerInfo").value == "digital twin"
    assert get("DeviceSerialNumber").value == "TWIN0001"
    assert get("DeviceID").value == "TWIN0001"
    assert get("DeviceID").node.visibility == genapi.EVisibility.Invisible
    assert get("DeviceTLType").value == "GigEVision"
    assert get("DeviceTLType").node.get_access_mode() == RO
    assert (get("DeviceTLVersionMajor").value, get("DeviceTLVersionMinor").value) == (2, 1)
    for name in ("DeviceVendorName", "DeviceSerialNumber", "DeviceTLVersionMajor"):
        assert get(name).node.get_access_mode() == RO
    get("DeviceUserID").value = "line 3 left"
    assert bus.text(0x00E8, 16) == b"line 3 left".ljust(16, b"\0")
    assert get("DeviceUserID").value == "line 3 left"
    assert all(addr < 0xA000 for addr, _ in bus.writes)


def test_timestamp_features(gev):
    nodemap, bus = gev
    get = nodemap.get_node
    assert get("GevTimestampTickFrequency").value == 125_000_000
    bus.put(0x093C, ((3 << 32) | 7).to_bytes(8, "big"))  # a 64-bit value, high word first
    assert (
        get("GevTimestampTickFrequency").get_value(verify=False, ignore_cache=True) == (3 << 32) | 7
    )
    get("GevTimestampControlLatch").execute()
    assert bus.writes == [(0x0944, 2)]  # latch: bit 1 (GigE Vision bit 30)
    bus.put(0x0948, (0x1_2345_6789).to_bytes(8, "big"))
    assert get("GevTimestampValue").value == 0x1_2345_6789
    bus.put(0x0948, (0x1_2345_678A).to_bytes(8, "big"))
    assert get("GevTimestampValue").value == 0x1_2345_678A  # not cached
    get("GevTimestampControlReset").execute()
    assert bus.writes[-1] == (0x0944, 1)  # reset: bit 0 (GigE Vision bit 31)
    assert get("GevTimestampValue").node.get_access_mode() == RO


def test_stream_channel_features(gev):
    nodemap, bus = gev
    get = nodemap.get_node
    size = get("GevSCPSPacketSize")
    assert size.value == 1500
    assert (size.min, size.max, size.inc) == (576, 9000, 4)
    size.value = 8192
    assert bus.boot[0x0D04] == 0x4000_0000 | 8192  # the flag bits are kept
    for bad in (572, 9004, 8194):
        with pytest.raises(genapi.OutOfRangeException):
            size.value = bad
    get("GevSCPD").value = 1250
    assert bus.boot[0x0D08] == 1250
    get("GevSCDA").value = 0x7F00_0001
    get("GevSCPHostPort").value = 50_000
    assert (bus.boot[0x0D18], bus.boot[0x0D00]) == (0x7F00_0001, 50_000)
    bus.put(0x0D1C, (0x0000_F00D).to_bytes(4, "big"))
    assert get("GevSCSP").value == 0xF00D
    # The stream channel is locked while the host streams.
    get("TLParamsLocked").value = 1
    for name in ("GevSCPSPacketSize", "GevSCDA", "GevSCPHostPort"):
        assert get(name).node.get_access_mode() == RO, name
    before = list(bus.writes)
    with pytest.raises(genapi.AccessException):
        size.value = 1500
    assert bus.writes == before


def test_control_channel_features(gev):
    nodemap, bus = gev
    get = nodemap.get_node
    assert get("GevHeartbeatTimeout").value == 3000
    assert get("GevHeartbeatTimeout").min == 500  # the specification's minimum
    get("GevHeartbeatTimeout").value = 1000
    assert bus.boot[0x0938] == 1000
    with pytest.raises(genapi.OutOfRangeException):
        get("GevHeartbeatTimeout").value = 499
    ccp = get("GevCCP")
    assert ccp.value == "OpenAccess"
    bus.put(0x0A00, (0x1234_0002).to_bytes(4, "big"))  # a switchover key and control access
    assert ccp.value == "ControlAccess"  # not cached: the device changes it
    ccp.value = "ExclusiveAccess"
    assert bus.writes[-1] == (0x0A00, 0x1234_0001)
    assert [(e.symbolic, e.value) for e in ccp.entries] == [
        ("OpenAccess", 0),
        ("ExclusiveAccess", 1),
        ("ControlAccess", 2),
    ]


def test_other_namespaces_have_no_bootstrap_features(camera_map, schema):
    xml = generate_genicam_xml(camera_map, standard_namespace="None")
    assert [str(e) for e in schema.iter_errors(xml)] == []
    names = {el.get("Name") for el in ET.fromstring(xml)}
    assert not names & set(GEV_FEATURES)
    # the map's own DeviceControl category holds only the map's feature
    root = ET.fromstring(xml)
    ns = {"g": root.tag[1:].split("}")[0]}
    dc = root.find("g:Category[@Name='DeviceControl']", ns)
    assert [e.text for e in dc.findall("g:pFeature", ns)] == ["DeviceLinkThroughputLimit"]
    assert "TLParamsLocked" in names  # the camera has locked features


def test_a_map_feature_with_a_standard_name_is_an_error():
    text = CLASH_YAML.replace("name: Mode_Reg,", "name: DeviceUserID,")
    with pytest.raises(RegmapError) as info:
        loads(text)
    (diag,) = info.value.diagnostics
    assert diag.message == (
        "GenApi node 'DeviceUserID' of feature DeviceUserID is a standard GigE Vision feature the "
        "XML generator emits over the bootstrap registers"
    )


@pytest.mark.parametrize(
    ("name", "inc", "off_grid"),
    [("Width", 16, 17), ("Height", 2, 1023), ("OffsetX", 16, 8), ("OffsetY", 2, 3)],
)
def test_integer_features_declare_the_map_increment(camera, name, inc, off_grid):
    node = camera.node(name)
    assert node.inc == inc
    with pytest.raises(genapi.OutOfRangeException):
        node.value = off_grid
    assert camera.bus.writes == []
    node.value = node.min + inc
    reg, f = camera.rmap.feature(name)
    assert camera.raw(reg, f) == node.min + inc


def test_integer_features_without_an_increment_step_by_one(camera_map, camera_xml):
    root = ET.fromstring(camera_xml)
    stepped = {"Width", "Height", "OffsetX", "OffsetY"}
    for name, (_, f) in camera_map.features.items():
        if f.feature.interface is Interface.INTEGER and name not in stepped:
            el = root.find(f"g:Integer[@Name='{name}']", NS)
            assert el.findtext("g:Inc", namespaces=NS) == "1", name


def test_link_throughput_limit_in_bytes_per_second(camera):
    """A rate in B/s over a byte time in q16 cycles per byte: raw = 125e6 * 2**16 / rate."""
    node = camera.node("DeviceLinkThroughputLimit")
    assert node.value == 125_000_000.0  # reset: 1 cycle per byte, 1 Gb/s
    assert node.inc_mode == genapi.EIncMode.noIncrement  # a rate has no fixed step
    node.value = 1e9
    assert camera.bus.values[0x10720] == 8192
    node.value = 1e6
    assert camera.bus.values[0x10720] == 8_192_000
    reg, f = camera.rmap.feature("DeviceLinkThroughputLimit")
    camera.poke(reg, f, 0)  # "no limit": the fastest rate, not a division by zero
    assert camera.fresh("DeviceLinkThroughputLimit") == 125_000_000 * 2**16
    root_formula = ET.fromstring(generate_genicam_xml(camera.rmap)).find(
        "g:Converter[@Name='DeviceLinkThroughputLimit_Conv']", NS
    )
    assert root_formula.findtext("g:FormulaFrom", namespaces=NS) == (
        "8192000000000 / (TO + (TO = 0))"
    )


def test_a_map_feature_named_as_a_constant_standard_feature_is_an_error():
    text = CLASH_YAML.replace("name: Mode_Reg,", "name: DeviceTLType,")
    with pytest.raises(RegmapError, match="GenApi node 'DeviceTLType' of feature DeviceTLType is"):
        loads(text)


TINY_YAML = """
device: {name: tiny, vendor: v, model: m, clock_hz: 1_000_000, base_address: 0x10000}
categories:
  - name: Control
registers:
  - name: CTRL
    address: 0x10000
    fields:
      - {name: a, bits: 0, access: rw,
         feature: {name: Enable, type: Boolean, category: Control}}
"""


def test_a_map_without_device_or_transport_categories_gets_both(schema):
    """The generator makes DeviceControl (first) and TransportLayerControl (last) itself."""
    xml = generate_genicam_xml(loads(TINY_YAML))
    assert [str(e) for e in schema.iter_errors(xml)] == []
    nodemap = genapi.NodeMap()
    nodemap.load_xml_from_string(xml)
    root = [f.node.name for f in nodemap.get_node("Root").features]
    assert root == [DC, "Control", TL]
    members = _category_members(nodemap, "Root")
    assert {n for n, path in members.items() if path == (DC,)} == {
        n for n, (cat, *_) in GEV_FEATURES.items() if cat == DC
    }
    assert {n for n, path in members.items() if path == (TL,)} == {
        n for n, (cat, *_) in GEV_FEATURES.items() if cat == TL
    } | {"TLParamsLocked"}
    assert nodemap.get_node(TL).node.visibility != genapi.EVisibility.Invisible
    # Without the GigE Vision features, nothing is locked: no transport layer category at all.
    names = {
        el.get("Name")
        for el in ET.fromstring(generate_genicam_xml(loads(TINY_YAML), standard_namespace="None"))
    }
    assert not names & {DC, TL, "TLParamsLocked"}


@pytest.mark.parametrize("name", ["", "version:0", "product:Acme:M1:dev", "µs ∑ names"])
def test_guids_are_rfc4122_name_based_uuids(name):
    from regmap.generators.genicam import _GUID_NAMESPACE, _uuid5

    assert _uuid5(_GUID_NAMESPACE, name) == str(uuid.uuid5(uuid.UUID(bytes=_GUID_NAMESPACE), name))
