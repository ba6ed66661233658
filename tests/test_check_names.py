"""`check` refuses what a generator could not build, at the map's text, naming both sources of a
clash; one mistake gives one diagnostic."""

from __future__ import annotations

import pytest

from regmap import RegmapError, load
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "regmap"


def _diagnostics(name: str) -> list[tuple[int, int, str]]:
    with pytest.raises(RegmapError) as info:
        load(DATA / name)
    return [(d.loc.line, d.loc.col, d.message) for d in info.value.diagnostics]


def test_generated_identifiers_are_checked_with_both_sources():
    path = DATA / "generated_identifiers.yaml"
    assert _diagnostics("generated_identifiers.yaml") == [
        (
            2,
            39,
            "device model '2000X' must start with a letter (it names the GenICam XML's ModelName)",
        ),
        (2, 55, "device version '1.x' is not 'major.minor[.subminor]'"),
        (4, 12, "category cycle: A -> B -> A"),
        (
            15,
            16,
            "C macro IDS_A_B_C_SHIFT of field A.b_c is also the C macro of field A_B.c "
            f"(defined at {path}:11:16)",
        ),
        (
            15,
            62,
            "GenApi node name Gain_Reg of feature Gain_Reg is also the GenApi node name of "
            f"the register node of feature Gain (defined at {path}:11:60)",
        ),
        (
            17,
            11,
            "register-bank port S_x_set of register S ([1:1] rw: stored value) is also the "
            "register-bank port of register S ([0:0] w1c: 1 sets the field) "
            f"(defined at {path}:17:11)",
        ),
    ]


def test_one_mistake_one_diagnostic():
    """An unreadable selector value or enum entry is reported once: not also as an empty
    selector, a count or reset list that no longer matches, or a reset that is no entry."""
    assert [(line, msg) for line, _col, msg in _diagnostics("no_cascade.yaml")] == [
        (7, "missing required key 'value' in selector value"),
        (22, "missing required key 'value' in enum of field E.m value"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("name: Sampling\n", "name: 2Sampling\n", "category name '2Sampling' is not a valid"),
        ("name: Sampling\n", "name: Sampling.x\n", "category name 'Sampling.x' is not a valid"),
        ("name: ChannelGain,", "name: TLParamsLocked,", "clashes with a name reserved by GenApi"),
    ],
)
def test_genicam_names_follow_the_generator(old, new, message, tmp_path):
    text = (ROOT / "docs" / "examples" / "sensorhub.yaml").read_text()
    assert old in text
    path = tmp_path / "m.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(RegmapError) as info:
        load(path)
    assert any(message in d.message for d in info.value.diagnostics), info.value.render()
