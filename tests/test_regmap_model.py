"""The bundled camera map compiles, and the typed model answers what generators need."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regmap import Access, RegmapError, Scale, loads
from tests.conftest import ROOT

MINIMAL = (ROOT / "tests" / "data" / "regmap" / "minimal.yaml").read_text()


def test_camera_map_compiles_with_every_feature_of_the_manual(camera_map):
    expected = {
        "AcquisitionMode",
        "AcquisitionFrameCount",
        "AcquisitionStart",
        "AcquisitionStop",
        "AcquisitionFrameRateEnable",
        "AcquisitionFrameRate",
        "ResultingFrameRate",
        "ExposureTime",
        "TriggerMode",
        "TriggerSource",
        "TriggerSoftware",
        "TriggerActivation",
        "TriggerDelay",
        "LineMode",
        "LineInverter",
        "LineStatus",
        "LineStatusAll",
        "LineSource",
        "UserOutputValue",
        "LineDebouncerTime",
        "FrequencyConverterInputSource",
        "FrequencyConverterMultiplier",
        "FrequencyConverterDivider",
        "BlackLevel",
        "GainAuto",
        "GainRaw",
        "DigitalShift",
        "BalanceWhiteAuto",
        "BalanceRatio",
        "GammaEnable",
        "Gamma",
        "TestPattern",
        "FFCEnable",
        "FrameCount",
        "TriggerLostCount",
        "OvertriggerCount",
    }
    assert expected <= set(camera_map.features)
    selectors = {s.name for s in camera_map.selectors}
    assert {
        "TriggerSelector",
        "LineSelector",
        "UserOutputSelector",
        "FrequencyConverterSelector",
        "BalanceRatioSelector",
    } <= selectors
    assert camera_map.clock_hz == 125_000_000
    assert camera_map.device.base_address >= 0x10000


def test_camera_map_trigger_delay_covers_one_second(camera_map):
    reg, field = camera_map.feature("TriggerDelay")
    # 1 s at 125 MHz is 125e6 cycles, which needs 27 bits.
    assert field.raw_limits(camera_map.clock_hz) == (0, 125_000_000)
    assert field.width >= 27
    assert reg.address_of(1) - reg.address_of(0) == reg.array.stride
    assert camera_map.selector(reg.array.selector).index("AcquisitionStart") == 1


def test_event_bits_are_write_one_to_clear(camera_map):
    reg = camera_map.register("EVENT_STATUS")
    assert {f.access for f in reg.fields} == {Access.W1C}
    assert all(f.width == 1 for f in reg.fields)


def test_per_element_reset(camera_map):
    reg, field = camera_map.feature("LineMode")
    assert [field.enum_name(field.reset_for(i)) for i in range(3)] == ["Output", "Input", "Input"]
    assert reg.reset_value(0) & field.mask == 1 << field.lsb


@pytest.mark.parametrize(
    ("scale", "value", "raw"),
    [
        (Scale("cycles"), 250.0, 31_250),  # 250 µs at 125 MHz
        (Scale("cycles"), 1500.0, 187_500),
        (Scale("period"), 2048.0, 61_035),  # 125e6 / 2048 = 61035.16
        (Scale("fixed", 8), 1.5, 384),
        # 1 Gb/s as a q16 byte time at 125 MHz: 125e6 * 2**16 / 125e6 = 65536 (1 cycle/byte)
        (Scale("period", 16), 125_000_000.0, 65_536),
        (Scale("period", 16), 1_000_000.0, 8_192_000),  # 125 cycles/byte = 8_192_000 / 2**16
        (Scale("raw"), 7, 7),
    ],
)
def test_scale_conversions(scale, value, raw):
    assert scale.to_raw(value, 125_000_000) == raw
    back = scale.from_raw(raw, 125_000_000)
    assert back == pytest.approx(value, rel=1e-4)


def test_period_q_scale_is_named_and_shown_as_a_rate(camera_map):
    _, f = camera_map.feature("DeviceLinkThroughputLimit")
    assert (str(f.scale), f.scale.kind, f.scale.frac_bits) == ("period_q16", "period", 16)
    assert f.scale.from_raw(0, 125_000_000) == float("inf")
    # 1.024e9 B/s is 125e6 * 2**16 / 1.024e9 = 8000 (exact, also 64 at 1 MHz);
    # 1e6 B/s is 125 cycles/byte = 8_192_000
    assert f.raw_limits(camera_map.clock_hz) == (8000, 8_192_000)


def test_field_increment_grid(camera_map):
    _, width = camera_map.feature("Width")
    _, height = camera_map.feature("Height")
    assert (width.inc, height.inc, camera_map.feature("ExposureTime")[1].inc) == (16, 2, 1)
    assert width.on_grid(32) and not width.on_grid(40)
    assert height.on_grid(2) and not height.on_grid(3)


def test_with_device_overrides_clock_and_constants(camera_map):
    slow = camera_map.with_device(clock_hz=1_000_000, constants={"SensorLineTime": 5})
    assert (slow.clock_hz, slow.constant("SensorLineTime")) == (1_000_000, 5)
    assert camera_map.constant("SensorLineTime") == 600  # the original is untouched
    with pytest.raises(KeyError, match="no constant named 'Nope'"):
        camera_map.with_device(constants={"Nope": 1})


def test_with_device_overrides_feature_resets(camera_map):
    fast = camera_map.with_device(resets={"DeviceLinkThroughputLimit": 4096})
    assert fast.feature("DeviceLinkThroughputLimit")[1].reset == (4096,)
    assert fast.register("LINK_THROUGHPUT").reset_value() == 4096
    assert camera_map.feature("DeviceLinkThroughputLimit")[1].reset == (65_536,)
    with pytest.raises(KeyError, match="no feature named 'Nope'"):
        camera_map.with_device(resets={"Nope": 1})


def test_model_is_immutable(camera_map):
    with pytest.raises(dataclasses.FrozenInstanceError):
        camera_map.registers[0].address = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        camera_map.device.constants["SensorLineTime"] = None  # type: ignore[index]


def test_unknown_lookups_raise_key_error(camera_map):
    with pytest.raises(KeyError, match="no feature named 'TriggerDelai'"):
        camera_map.feature("TriggerDelai")
    with pytest.raises(KeyError, match="no register named 'NOPE'"):
        camera_map.register("NOPE")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_malformed_maps_never_raise_anything_but_regmap_error(data):
    """Random edits of a valid map either compile or give diagnostics: never a traceback."""
    text = MINIMAL
    for _ in range(data.draw(st.integers(1, 3))):
        pos = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        chunk = data.draw(
            st.sampled_from(
                [
                    "",
                    ":",
                    "-",
                    " ",
                    "\n",
                    "[",
                    "{",
                    "}",
                    "0x",
                    "0x_",
                    "08",
                    "99",
                    "rw",
                    "name",
                    "'",
                    "*",
                    "&a",
                ]
            )
        )
        span = data.draw(st.integers(0, 8))
        if kind == "delete":
            text = text[:pos] + text[pos + span :]
        elif kind == "insert":
            text = text[:pos] + chunk + text[pos:]
        else:
            text = text[:pos] + chunk + text[pos + span :]
    try:
        loads(text, "fuzz.yaml")
    except RegmapError as exc:
        assert exc.diagnostics
        for d in exc.diagnostics:
            assert d.loc.file == "fuzz.yaml" and d.loc.line >= 1 and d.loc.col >= 1
