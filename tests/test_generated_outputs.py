"""Whatever ``check`` accepts, every output builds: hypothesis writes register maps (names that
may collide once generated, reserved and standard names, hostile descriptions, units that may
not fit their scale), and each map is either refused with located diagnostics or its C header
compiles with ``gcc -Werror``, its register bank with Icarus Verilog, and its GenApi XML is valid
against the schema and loads in the reference GenApi (write-only features sharing a register
with writable fields included: the XML keeps their copies in the node map)."""

from __future__ import annotations

import subprocess

import pytest
import xmlschema
from genicam import genapi
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from camtwin.resources import genapi_xsd
from hdl.bankexport import generate_bank_verilog
from regmap import RegmapError, loads
from regmap.generators import generate_c_header, generate_genicam_xml, generate_markdown
from regmap.generators.names import shadowed_fields
from tests.cc import check_syntax

REG_NAMES = ["CTRL", "A_B", "A", "STATUS", "GAIN", "X1", "IRQ"]
FIELD_NAMES = ["b_c", "c", "en", "value", "x", "x_set", "written", "mode"]
HOSTILE_FEATURES = ["Gain", "Gain_Reg", "Root", "DeviceUserID", "Main"]
DESCRIPTIONS = ["", "plain", "ends a comment */ here", "<b>&amp;</b> | pipe", "back\\slash"]
UNITS = (
    [("", "raw")] * 4
    + [
        ("us", "cycles"),
        ("ms", "cycles"),
        ("Hz", "period"),
        ("kHz", "period"),
        ("dB", "q4"),
        ("%", "raw"),
    ]
    * 2
    + [("Hz", "cycles"), ("us", "period")]
)


def rarely(good: list, bad: list):
    """Mostly one of ``good``, sometimes one of ``bad``."""
    return st.sampled_from(good * 12 + bad)


@st.composite
def fields(draw, reg: str):
    out = []
    bit = 0
    for name in draw(st.lists(st.sampled_from(FIELD_NAMES), min_size=1, max_size=3, unique=True)):
        width = draw(st.integers(1, 12))
        if bit + width > 32:
            break
        access = draw(st.sampled_from(["rw", "ro", "wo", "w1c", "w1s", "pulse", "rc"]))
        if access in ("w1c", "w1s", "pulse"):
            width = 1
        unit, scale = draw(st.sampled_from(UNITS)) if width >= 8 else ("", "raw")
        f = {
            "name": name,
            "bits": f"{bit + width - 1}:{bit}",
            "access": access,
            "description": draw(st.sampled_from(DESCRIPTIONS)),
        }
        if unit:
            f["unit"] = unit
        if scale != "raw":
            f.update(scale=scale, min=1, max=draw(st.sampled_from([10, 100])))
            f["reset"] = 1
        if draw(st.booleans()):
            kind = (
                "Command"
                if access == "pulse"
                else "Float"
                if scale != "raw"
                else "Boolean"
                if width == 1
                else "Integer"
            )
            own = reg + name.title().replace("_", "")
            f["feature"] = {
                "name": draw(rarely([own], HOSTILE_FEATURES)),
                "type": kind,
                "category": "Main",
            }
        out.append(f)
        bit += width
    return out


@st.composite
def register_maps(draw) -> dict:
    regs = []
    names = draw(st.lists(st.sampled_from(REG_NAMES), min_size=1, max_size=4, unique=True))
    for i, name in enumerate(names):
        regs.append(
            {
                "name": name,
                "address": 0x10000 + 4 * i,
                "fields": draw(fields(name.title().replace("_", ""))),
                "description": draw(st.sampled_from(DESCRIPTIONS)),
            }
        )
    if draw(st.booleans()):
        # A write-only feature beside writable fields: its value lives in the node map too.
        extra = draw(st.sampled_from(["rw", "wo", "w1c", "pulse", "ro"]))
        regs.append(
            {
                "name": "KEYS",
                "address": 0x10000 + 4 * len(regs),
                "fields": [
                    {"name": "lo", "bits": "7:0", "access": "rw", "reset": 1},
                    {
                        "name": "key",
                        "bits": "15:8",
                        "access": "wo",
                        "reset": draw(st.sampled_from([0, 3, 255])),
                        "feature": {"name": "KeysKey", "type": "Integer", "category": "Main"},
                    },
                    {"name": "more", "bits": "16", "access": extra},
                ],
            }
        )
    selectors = []
    if draw(st.booleans()):
        # A register array under a selector: features per element, GenApi pIndex addressing.
        arr_fields = draw(fields("Arr"))
        features = [f["feature"]["name"] for f in arr_fields if "feature" in f]
        if features:
            count = draw(st.integers(2, 3))
            selectors.append(
                {
                    "name": "ChanSel",
                    "values": [{"name": f"Chan{i}", "value": i} for i in range(count)],
                    "selects": features,
                }
            )
            regs.append(
                {
                    "name": "ARR",
                    "address": 0x10100,
                    "array": {"selector": "ChanSel", "stride": draw(st.sampled_from([4, 8]))},
                    "fields": arr_fields,
                }
            )
    data = {
        "device": {
            "name": draw(rarely(["dev", "my_dev", "a"], ["_hidden"])),
            "vendor": draw(rarely(["Acme", "Acme Inc."], ["3M"])),
            "model": "M1",
            "version": draw(rarely(["1.0", "2.1.3"], ["1.x", "v2"])),
            "description": draw(st.sampled_from(DESCRIPTIONS)),
            "clock_hz": 1_000_000,
            "base_address": 0x10000,
        },
        "categories": [{"name": "Main"}],
        "registers": regs,
    }
    if selectors:
        data["selectors"] = selectors
    return data


def _yaml(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False)


def _outputs_build(text: str, tmp) -> None:
    try:
        rmap = loads(text, "h.yaml")
    except RegmapError as exc:  # a located refusal
        event("refused")
        assert exc.diagnostics
        for d in exc.diagnostics:
            assert d.loc.file == "h.yaml" and d.loc.line >= 1 and d.loc.col >= 1, d
        return
    event("accepted")
    header = tmp / "h.h"
    header.write_text(generate_c_header(rmap))
    proc = check_syntax(header, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + "\n" + text
    bank = tmp / "bank.v"
    bank.write_text(generate_bank_verilog(rmap))
    proc = subprocess.run(
        ["iverilog", "-g2012", "-o", str(tmp / "bank.vvp"), str(bank)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr + "\n" + text
    xml = generate_genicam_xml(rmap)
    _schema().validate(xml)
    nodemap = genapi.NodeMap()
    nodemap.load_xml_from_string(xml)
    if any(shadowed_fields(reg) for reg in rmap.registers):
        event("write-only feature sharing a register")
    if rmap.selectors:
        event("register array")
    generate_markdown(rmap)


_SCHEMA = []


def _schema() -> xmlschema.XMLSchema:
    if not _SCHEMA:
        _SCHEMA.append(xmlschema.XMLSchema(str(genapi_xsd())))
    return _SCHEMA[0]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=register_maps())
def test_every_accepted_map_builds_every_output(data, tmp_path):
    _outputs_build(_yaml(data), tmp_path)


@pytest.mark.soak
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=register_maps())
def test_every_accepted_map_builds_every_output_soak(data, tmp_path):
    _outputs_build(_yaml(data), tmp_path)
