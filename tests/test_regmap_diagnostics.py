"""Every diagnostic of the register-map compiler, each with its own bad fixture.

Each fixture in ``tests/data/regmap/bad/`` marks the offending line with ``# <- error``; the
test checks that a diagnostic points at that line, at the column of the offending text, and
says what is wrong (and, where useful, what is allowed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regmap import RegmapError, load

BAD = Path(__file__).parent / "data" / "regmap" / "bad"
MARK = "# <- error"

# fixture, text the caret must point at (on the marked line, or `line_offset` lines below),
# regex the message must match, regex the "allowed" note must match (or None).
CASES = [
    (
        "yaml_syntax",
        "access",
        r"^YAML syntax error: .*expected ',' or '\]' "
        r"\(while parsing a flow sequence started at 25:15\)$",
        None,
        1,
    ),
    (
        "unknown_key",
        "acess",
        r"^unknown key 'acess' in field of register CTRL; did you mean 'access'\?$",
        r"name, bits, access",
        0,
    ),
    ("missing_key", "name", r"^missing required key 'bits' in field of register CTRL$", None, 0),
    (
        "wrong_type",
        "[0x10004]",
        r"^address of register DELAY must be an integer, not a list$",
        None,
        0,
    ),
    (
        "leading_zero",
        "065540",
        r"^address of register DELAY must be an integer, not '065540' \(a leading zero is "
        r"ambiguous: write 0o for octal\)$",
        r"0o octal",
        0,
    ),
    (
        "bad_integer",
        "0x1000G",
        r"^address of register DELAY must be an integer, not '0x1000G'$",
        r"0x hex",
        0,
    ),
    (
        "duplicate_register",
        "CTRL",
        r"^duplicate register name 'CTRL' \(first defined at .*:17:11\)$",
        None,
        0,
    ),
    ("duplicate_field", "mode", r"^duplicate field name 'mode'", None, 0),
    ("duplicate_feature", "Enable", r"^duplicate feature name 'Enable'", None, 0),
    (
        "overlapping_registers",
        "0x10000",
        r"^register DELAY at 0x10000 overlaps register CTRL",
        None,
        0,
    ),
    (
        "overlapping_array",
        "0x10010",
        r"^register GAIN\[1\] at 0x10014 overlaps register DELAY",
        None,
        0,
    ),
    (
        "overlapping_fields",
        "4",
        r"^field CTRL.go \[4:4\] overlaps field CTRL.mode at bit 4$",
        None,
        0,
    ),
    (
        "field_outside_width",
        "35:0",
        r"^field DELAY.delay \[35:0\] lies outside the 32-bit register$",
        r"bits 0..31",
        0,
    ),
    (
        "misaligned_address",
        "0x10006",
        r"^register DELAY at 0x10006 is not aligned to 4 bytes$",
        r"multiples of 4",
        0,
    ),
    (
        "bootstrap_address",
        "0x0A04",
        r"^register DELAY at 0xA04 is in the GigE Vision bootstrap space 0x0000-0x9FFF$",
        r"0x10000",
        0,
    ),
    (
        "below_base_address",
        "0xB000",
        r"^register DELAY at 0xB000 is below the device's "
        r"base_address 0x10000$",
        None,
        0,
    ),
    (
        "base_in_bootstrap",
        "0x9000",
        r"^base_address 0x9000 is in the GigE Vision bootstrap",
        r"0x10000 or above",
        0,
    ),
    (
        "reset_too_wide",
        "[1, 256]",
        r"^reset value 256 of GAIN.gain is wider than its 8-bit field$",
        r"0..255",
        0,
    ),
    (
        "reset_outside_minmax",
        "20_000",
        r"^reset value 20000 of DELAY.delay is outside its min/max \(raw 0..10000\)$",
        None,
        0,
    ),
    (
        "reset_count",
        "[1, 2, 3]",
        r"^reset of GAIN.gain lists 3 values for 2 register\(s\)$",
        None,
        0,
    ),
    (
        "enum_value_too_wide",
        "Fast",
        r"^enum value 4 of 'Fast' does not fit the 2-bit field CTRL.mode$",
        r"0..3",
        0,
    ),
    ("duplicate_enum_value", "Fast", r"^duplicate enum value 0 in field CTRL.mode", None, 0),
    ("duplicate_enum_name", "Slow", r"^duplicate enum name 'Slow' in field CTRL.mode$", None, 0),
    (
        "enum_reset_not_entry",
        "3",
        r"^reset value 3 of CTRL.mode is not one of its enum values$",
        r"Slow=0, Fast=1",
        0,
    ),
    (
        "min_greater_than_max",
        "10_000",
        r"^min 10000 of DELAY.delay is greater than max 0$",
        None,
        0,
    ),
    (
        "scale_cannot_represent",
        "1_000_000_000",
        r"^the range 0..1e\+09 us of DELAY.delay is 0..1000000000 as raw values .* does not fit "
        r"its 24-bit field$",
        r"widen the field or narrow the range",
        0,
    ),
    ("unknown_scale", "cycle", r"^scale must be one of .*; did you mean 'cycles'\?$", None, 0),
    ("selector_selects_nothing", "[]", r"^selector ChannelSelector selects nothing$", None, 0),
    (
        "selector_unknown_feature",
        "ChannelGian",
        r"^selector ChannelSelector selects unknown feature 'ChannelGian'; "
        r"did you mean 'ChannelGain'\?$",
        r"ChannelGain",
        0,
    ),
    (
        "selector_not_array",
        "Delay",
        r"^selector ChannelSelector selects feature Delay, whose "
        r"register is not an array indexed by ChannelSelector$",
        None,
        0,
    ),
    (
        "array_unknown_selector",
        "ChanelSelector",
        r"^register GAIN is indexed by unknown selector 'ChanelSelector'; "
        r"did you mean 'ChannelSelector'\?$",
        None,
        0,
    ),
    (
        "pulse_multibit",
        "9:8",
        r"^access 'pulse' on the 2-bit field CTRL.go is meaningless",
        r"one-bit field",
        0,
    ),
    ("w1c_multibit", "9:8", r"^access 'w1c' on the 2-bit field CTRL.go is meaningless", None, 0),
    ("invalid_genicam_name", "2Go", r"^feature name '2Go' is not a valid GenICam name", None, 0),
    (
        "reserved_genicam_name",
        "TLParamsLocked",
        r"^feature name 'TLParamsLocked' clashes with a name reserved by GenApi$",
        None,
        0,
    ),
    (
        "unknown_category",
        "Contrl",
        r"^feature Go is in unknown category 'Contrl'; did you mean 'Control'\?$",
        None,
        0,
    ),
    (
        "wo_shared_array",
        "wo",
        r"^write-only field GAIN\.key has the feature ChannelKey and shares the array register "
        r"GAIN with the writable field\(s\) gain: a GenICam client cannot read it back",
        r"a register of its own",
        0,
    ),
    (
        "interface_mismatch",
        "Enumeration",
        r"^feature Go of type Enumeration needs an 'enum' list",
        None,
        0,
    ),
    (
        "unknown_access",
        "readwrite",
        r"^access of field CTRL.go must be one of the allowed "
        r"values, not 'readwrite'$",
        r"rw, ro, wo, w1c, w1s, pulse, rc",
        0,
    ),
    ("bad_bits", "8-9", r"^bits of field CTRL.go must be a bit range, not '8-9'$", r"msb:lsb", 0),
    (
        "inc_not_raw",
        "10",
        r"^inc of DELAY.delay needs a raw integer field, not scale 'cycles'$",
        r"scale 'raw' and no enum",
        0,
    ),
    (
        "inc_max_off_grid",
        "250",
        r"^max 250 of GAIN.gain is not min \+ k \* inc \(min 16, inc 16\)$",
        r"^max 240, or an inc that divides max - min$",
        0,
    ),
    (
        "inc_reset_off_grid",
        "[16, 40]",
        r"^reset value 40 of GAIN.gain is not min \+ k \* inc \(min 16, inc 16\)$",
        r"such as 32$",
        0,
    ),
    ("inc_not_positive", "0", r"^inc of field GAIN.gain must be at least 1, not 0$", None, 0),
    ("not_a_mapping", "- device", r"^the register map must be a mapping, not a list$", None, 0),
]


def _compile_errors(path: Path) -> RegmapError:
    with pytest.raises(RegmapError) as info:
        load(path)
    return info.value


@pytest.mark.parametrize(
    ("name", "token", "message", "allowed", "line_offset"), CASES, ids=[c[0] for c in CASES]
)
def test_diagnostic(name, token, message, allowed, line_offset):
    path = BAD / f"{name}.yaml"
    lines = path.read_text().splitlines()
    marked = next(i for i, text in enumerate(lines, 1) if MARK in text)
    line = marked + line_offset
    col = lines[line - 1].index(token) + 1

    err = _compile_errors(path)
    at = [d for d in err.diagnostics if (d.loc.line, d.loc.col) == (line, col)]
    assert at, f"no diagnostic at {line}:{col}; got:\n{err.render()}"
    d = next((d for d in at if re.search(message, d.message)), None)
    assert d is not None, f"no message matching {message!r} at {line}:{col}:\n{err.render()}"
    if allowed is not None:
        assert re.search(allowed, d.allowed), d.allowed
    rendered = d.render().splitlines()
    assert rendered[0] == f"{path}:{line}:{col}: error: {d.message}"
    assert rendered[1].endswith(lines[line - 1])
    caret = rendered[2].index("^")
    assert caret == rendered[1].index(lines[line - 1]) + col - 1


def test_errors_are_collected_not_stopped_at_the_first():
    path = BAD / "many_errors.yaml"
    err = _compile_errors(path)
    text = err.render()
    assert re.search(r"register DELAY at 0x10006 is not aligned", text)
    assert re.search(r"duplicate enum value 0 in field CTRL.mode", text)
    assert re.search(r"unknown key 'acess'", text)
    assert text.endswith(f"{len(err.diagnostics)} errors found")
    lines = [d.loc.line for d in err.diagnostics]
    assert lines == sorted(lines)


def test_empty_file():
    err = _compile_errors(BAD / "empty.yaml")
    assert [(d.loc.line, d.loc.col, d.message) for d in err.diagnostics] == [
        (1, 1, "the register map is empty")
    ]


def test_every_fixture_has_a_test():
    tested = {c[0] for c in CASES} | {"many_errors", "empty"}
    assert {p.stem for p in BAD.glob("*.yaml")} == tested


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("device: {name: caf\xe9}\n".encode("latin-1"))
    err = _compile_errors(path)
    assert re.search(r"^the file is not UTF-8 text", err.diagnostics[0].message)
