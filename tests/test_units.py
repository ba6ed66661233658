"""Units as part of a field's type, and the one rounding rule shared by the firmware model, the C
header's macros and the GenApi formulas."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from genicam import genapi

from firmware_model.genicam_port import connect_bus
from regmap import RegmapError, loads
from regmap.generators import generate_c_header, generate_genicam_xml, generate_markdown
from tests.cc import run_program
from tests.test_genicam import DictBus

NS = {"g": "http://www.genicam.org/GenApi/Version_1_1"}

# 2 MHz: 2 cycles per µs, so that ties are exact in binary floating point everywhere.
UNITS_YAML = """\
device: {name: ties, vendor: test, model: U1, clock_hz: 2_000_000, base_address: 0x10000}
categories: [{name: C}]
registers:
  - name: TIME_US
    address: 0x10000
    fields:
      - {name: t, bits: "23:0", access: rw, unit: us, scale: cycles, min: 0, max: 1000,
         feature: {name: TimeUs, type: Float, category: C}}
  - name: TIME_MS
    address: 0x10004
    fields:
      - {name: t, bits: "23:0", access: rw, unit: ms, scale: cycles, min: 0, max: 5,
         feature: {name: TimeMs, type: Float, category: C}}
  - name: RATE_KHZ
    address: 0x10008
    fields:
      - {name: p, bits: "23:0", access: rw, unit: kHz, scale: period, min: 100, max: 1000,
         reset: 20, feature: {name: RateKhz, type: Float, category: C}}
  - name: RATE_Q1
    address: 0x1000C
    fields:
      - {name: p, bits: "23:0", access: rw, unit: Hz, scale: period_q1, min: 1000, max: 2_000_000,
         reset: 2, feature: {name: RateQ1, type: Float, category: C}}
  - name: GAIN
    address: 0x10010
    fields:
      - {name: g, bits: "15:0", access: rw, unit: dB, scale: q1, min: 0, max: 100,
         feature: {name: GainDb, type: Float, category: C}}
"""

# (feature, register, value, raw): every value converts to an exact tie or an exact integer.
TIES = [
    ("TimeUs", "TIME_US", 0.25, 0),  # 0.5 -> 0
    ("TimeUs", "TIME_US", 0.75, 2),  # 1.5 -> 2
    ("TimeUs", "TIME_US", 1.25, 2),  # 2.5 -> 2
    ("TimeUs", "TIME_US", 1.75, 4),  # 3.5 -> 4
    ("TimeMs", "TIME_MS", 0.5, 1000),  # a time in ms: 2000 cycles per ms
    ("RateKhz", "RATE_KHZ", 800.0, 2),  # 2.5 -> 2
    ("RateKhz", "RATE_KHZ", 400.0, 5),
    ("RateQ1", "RATE_Q1", 1_600_000.0, 2),  # 2.5 -> 2
    ("RateQ1", "RATE_Q1", 1_142_857.0, 4),  # 3.5000004 -> 4
    ("GainDb", "GAIN", 0.25, 0),  # 0.5 -> 0
    ("GainDb", "GAIN", 1.25, 2),  # 2.5 -> 2
    ("GainDb", "GAIN", 1.75, 4),  # 3.5 -> 4
]


@pytest.fixture(scope="module")
def ties_map():
    return loads(UNITS_YAML, "ties.yaml")


def test_model_rounds_ties_to_even(ties_map):
    for feature, _reg, value, raw in TIES:
        _r, f = ties_map.feature(feature)
        assert f.scale.to_raw(value, ties_map.clock_hz) == raw, (feature, value)


def test_header_macros_round_like_the_model(ties_map, tmp_path):
    (tmp_path / "ties.h").write_text(generate_c_header(ties_map))
    lines = []
    for feature, reg, value, _raw in TIES:
        _r, f = ties_map.feature(feature)
        unit = {"us": "US", "ms": "MS", "kHz": "KHZ", "Hz": "HZ", "dB": "DB"}[f.unit]
        lines.append(
            f'printf("%u\\n", (unsigned)TIES_{reg}_{f.name.upper()}_FROM_{unit}({value!r}));'
        )
    (tmp_path / "main.c").write_text(
        '#include <stdio.h>\n#include "ties.h"\nint main(void) {\n'
        + "\n".join(lines)
        + "\nreturn 0;\n}\n"
    )
    got = run_program(tmp_path / "main.c", tmp_path / "ties", capture_output=True)
    assert got == [raw for *_x, raw in TIES]


def test_genapi_formulas_round_like_the_model(ties_map):
    nodemap = genapi.NodeMap()
    nodemap.load_xml_from_string(generate_genicam_xml(ties_map))
    bus = DictBus(ties_map)
    port = connect_bus(nodemap, bus)  # noqa: F841 - GenApi does not own the port
    for feature, reg, value, raw in TIES:
        nodemap.get_node(feature).value = value
        r = ties_map.register(reg)
        assert (bus.values[r.address] & r.fields[0].mask) == raw, (feature, value)


def test_macro_names_unit_and_formulas_follow_the_unit(ties_map):
    header = generate_c_header(ties_map)
    for name in (
        "TIES_TIME_MS_T_FROM_MS(x)",
        "TIES_TIME_MS_T_TO_MS(x)",
        "TIES_RATE_KHZ_P_FROM_KHZ(x)",
    ):
        assert f"#define {name} " in header
    root = ET.fromstring(generate_genicam_xml(ties_map))
    conv = {c.get("Name"): c for c in root.iterfind("g:Converter", NS)}
    assert conv["TimeMs_Conv"].findtext("g:Unit", namespaces=NS) == "ms"
    assert "FROM * 2000" in conv["TimeMs_Conv"].findtext("g:FormulaTo", namespaces=NS)
    assert conv["TimeMs_Conv"].findtext("g:FormulaFrom", namespaces=NS) == "TO / 2000"
    assert conv["RateKhz_Conv"].findtext("g:FormulaFrom", namespaces=NS) == "2000 / (TO + (TO = 0))"
    feats = {f.get("Name"): f for f in root.iterfind("g:Float", NS)}
    assert feats["TimeMs"].findtext("g:Unit", namespaces=NS) == "ms"
    assert feats["TimeMs"].findtext("g:Inc", namespaces=NS) == "0.0005"
    doc = generate_markdown(ties_map)
    assert "| 0 – 5 ms (raw 0 – 10000, cycles) |" in doc


def _one_field(keys: str) -> str:
    """A map of one register A with one field x (line 6) that has ``keys`` besides its name,
    bits and access."""
    return (
        "device: {name: u, vendor: v, model: m, clock_hz: 1_000_000, base_address: 0x10000}\n"
        "registers:\n"
        "  - name: A\n"
        "    address: 0x10000\n"
        "    fields:\n"
        f"      - {{name: x, bits: '15:0', access: rw, {keys}}}\n"
    )


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            "unit: Hz, scale: cycles",
            r"'Hz' of A\.x is not a time unit, .* \(it is a rate unit\)",
        ),
        (
            "unit: us, scale: period",
            r"'us' of A\.x is not a rate unit, .* \(it is a time unit\)",
        ),
        (
            "unit: dB, scale: cycles",
            r"unit 'dB' of A\.x is not a time unit, which scale 'cycles' stores$",
        ),
        (
            "unit: MS, scale: cycles",
            r"unit 'MS' of A\.x is not a time unit, .*; did you mean 'ms'\?",
        ),
        ("scale: cycles", r"A\.x has scale 'cycles' but no unit"),
        ("scale: period_q16", r"A\.x has scale 'period_q16' but no unit"),
    ],
)
def test_unit_mismatches_are_one_located_error(field, message):
    text = _one_field(f"{field}, min: 1, max: 50")
    with pytest.raises(RegmapError) as info:
        loads(text, "u.yaml")
    (diag,) = info.value.diagnostics
    assert diag.loc.line == 6
    key = "unit" if "unit:" in field else "scale"
    assert diag.loc.col == text.splitlines()[5].index(f"{key}: ") + len(key) + 3
    assert re.search(message, diag.message), diag.message


@pytest.mark.parametrize("scale", ["raw", "q4"])
def test_free_display_units_with_raw_and_fixed_point(scale):
    text = _one_field(f"unit: '°C', scale: {scale}, min: 0, max: 50")
    rmap = loads(text, "u.yaml")
    assert rmap.register("A").fields[0].unit == "°C"
    header = generate_c_header(rmap)
    assert ("#define U_A_X_FROM_C(x)" in header) == (scale == "q4")  # raw: no conversion
