"""Hostile inputs: every class of bad input gets one located error, quickly, never a traceback.

Each fixture in ``tests/data/hostile/`` (``regmap_*``, ``spec_*``, ``scenario_*``) marks the
offending line with ``# <- error``. The test loads it through its loader and through the CLI:
a diagnostic must point at that line and match the message; the CLI must exit 1 with it on
stderr and write nothing. Inputs too large to keep as files are generated.
"""

from __future__ import annotations

import gc
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from camtwin.cli import main
from firmware_model.scenario import load_scenario
from regmap import load
from regmap.diagnostics import EXCERPT, MAX_SHOWN, Diagnostic, DiagnosticsError
from regmap.model import SourceLoc
from regmap.yamlsource import MAX_INPUT_BYTES, MAX_MAP_NODES, MAX_REPEATED_NODES
from timingspec.spec import load_spec

from . import netns

HOSTILE = Path(__file__).parent / "data" / "hostile"
MARK = "# <- error"

CASES = {
    # register maps: YAML structure and limits
    "regmap_recursive_alias": r"^alias \*c refers to a node that contains it",
    "regmap_alias_bomb": r"^aliases and merge keys repeat more than 50000 nodes \(allowed: 50000, "
    r"or as many as the document writes itself before them, here 14\)$",
    "regmap_deep_nesting": r"^nesting deeper than 64 levels$",
    "regmap_nul": r"^a NUL character is not allowed in YAML$",
    # sizes and numbers at the edges
    "regmap_huge_count": r"^count of register GAIN must be at most 256, not 1000000000$",
    "regmap_many_values": r"^selector ChannelSelector has 300 values, more than 256$",
    "regmap_many_registers": r"^the map has 16640 registers \(array elements counted\), more than "
    r"16384$",
    "regmap_huge_clock": r"^clock_hz must be at most 10000000000, not 1000000000000$",
    "regmap_max_overflow": r"^max of field DELAY\.delay must be 0 or between 1e-12 and 1e\+15 "
    r"in magnitude, not 1e999$",
    "regmap_min_tiny": r"^min of field DELAY\.delay must be 0 or between 1e-12 and 1e\+15 "
    r"in magnitude, not 1e-300$",
    "regmap_period_range": r"^the range 0\.001\.\.1000 Hz of DELAY\.delay is 1000\.\.1000000000 as "
    r"raw values .* which does not fit its 24-bit field$",
    "regmap_huge_integer": r"^address of register DELAY must be an integer, not '9{39}…' "
    r"\(more than 40 digits\)$",
    "regmap_control_character": r"^device description holds the control character U\+0007$",
    # locations
    "regmap_alias_repeated": r"^duplicate register name 'DELAY'",
    # timing-spec expressions
    "spec_no_arguments": r"^in bound min: max\(\) takes 2 to 64 arguments, not 0$",
    "spec_round_arity": r"^in bound min: round\(\) takes 1 argument, not 3$",
    "spec_overflow": r"^in bound min: the number 1e999 is out of range",
    "spec_huge_product": r"^in bound min: 'TriggerDelay\[FrameStart\] \* 1e9 \* 1e9' is out of "
    r"range",
    "spec_nan": r"^in bound min: the number 1e200 is out of range",
    "spec_deep_expression": r"^in bound min: the expression nests deeper than 32 levels$",
    "spec_long_expression": r"^in bound min: the expression is 601 characters long, more than 500$",
    "spec_recursive_merge": r"^alias \*r refers to a node that contains it",
    "spec_merge_bomb": r"^aliases and merge keys repeat more than 50000 nodes",
    # timing-spec stimuli
    "spec_pulse_count": r"^count must be at most 10000, not 1000000000$",
    "spec_edge_after_duration": r"^edge at 30000 µs is at or after the end of the stimulus "
    r"\(duration 20000 µs\)$",
    "spec_duration_zero": r"^duration must be at least one clock cycle, not 0 µs$",
    "spec_duration_huge": r"^duration must be at most 4294967296 cycles",
    "spec_search_range": r"^search range must end at 10 s at most, not 1e\+15 µs$",
    "spec_negative_after": r"^after must be >= 0, not -5 us$",
    "spec_negative_time": r"^edge time must be >= 0, not -100 us$",
    "spec_negative_voltage": r"^line1 voltage high -24 V is outside the opto input's range$",
    "spec_low_above_high": r"^line1 voltage high \(5 V\) must be above low \(20 V\)$",
    # scenarios
    "scenario_duration_zero": r"^duration must be at least one clock cycle",
    "scenario_edge_after_duration": r"^line1 edge at 20000 µs is at or after the end "
    r"\(duration 10000 µs\)$",
    "scenario_negative_time": r"^edge time must be a time >= 0 in µs, not -1000",
    "scenario_pulse_count": r"^count must be at most 10000, not 1000000000$",
    "scenario_huge_clock": r"^clock_hz must be at most 10000000000, not 1000000000000$",
    "scenario_huge_time": r"^edge time must be 0 or between 1e-12 and 1e\+15 in magnitude, "
    r"not 1e300$",
}


def _marked_line(path: Path) -> int:
    lines = path.read_bytes().decode("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if MARK in line)


def _load(path: Path, camera_map):
    kind = path.stem.split("_")[0]
    if kind == "regmap":
        return load(path)
    if kind == "spec":
        return load_spec(path, camera_map)
    return load_scenario(path, camera_map)


def _argv(path: Path, out: Path) -> list[str]:
    kind = path.stem.split("_")[0]
    if kind == "regmap":
        return ["generate", str(path), "-o", str(out)]
    if kind == "spec":
        return ["timing", str(path), "-o", str(out), "--no-tables"]
    return ["model", "--scenario", str(path), "-o", str(out)]


def test_every_fixture_has_a_case():
    assert {p.stem for p in HOSTILE.glob("*.yaml")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_is_one_located_error(name, camera_map):
    path = HOSTILE / f"{name}.yaml"
    with pytest.raises(DiagnosticsError) as info:
        _load(path, camera_map)
    line = _marked_line(path)
    diags = info.value.diagnostics
    hits = [d for d in diags if d.loc.line == line and re.search(CASES[name], d.message)]
    assert hits, f"no diagnostic on line {line} matching {CASES[name]!r}:\n{info.value}"
    assert hits[0].loc.file == str(path)


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_exits_1_with_the_location(name, tmp_path, capsys):
    path = HOSTILE / f"{name}.yaml"
    out = tmp_path / "out"
    rc = main(_argv(path, out))
    err = capsys.readouterr().err
    assert rc == 1, err
    assert f"{path}:{_marked_line(path)}:" in err
    assert "Traceback" not in err
    assert not out.exists()


# -- inputs too large for fixture files ------------------------------------------------------


def test_oversized_file_is_refused_at_once(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * (MAX_INPUT_BYTES // 10 + 1))
    with pytest.raises(DiagnosticsError) as info:
        load(path)
    (d,) = info.value.diagnostics
    assert (d.loc.line, d.loc.col) == (1, 1)
    assert re.fullmatch(r"the file is larger than the limit of 1048576 bytes \(1 MiB\)", d.message)


def _plain_registers(first: int, n: int, fields: str) -> str:
    return "".join(
        f"  - {{name: R{i}, address: {0x10000 + 4 * i:#x}, fields: {fields}}}\n"
        for i in range(first, first + n)
    )


_HEAD = (
    "device: {name: big, vendor: test, model: B1, clock_hz: 1_000_000, base_address: 0x10000}\n"
    "registers:\n"
)
_FIELD = "[{name: v, bits: '7:0', access: rw}]"


def test_a_large_plain_map_loads(tmp_path):
    """5000 registers without aliases (about 70 000 nodes, 0.4 MiB) are a map, not an attack."""
    path = tmp_path / "big.yaml"
    path.write_text(_HEAD + _plain_registers(0, 5000, _FIELD))
    assert path.stat().st_size < MAX_INPUT_BYTES
    rmap = load(path)
    assert [r.name for r in rmap.registers[::1000]] == [f"R{i}" for i in range(0, 5000, 1000)]
    assert main(["check", str(path)]) == 0


def test_a_large_map_may_repeat_as_many_nodes_as_it_writes(tmp_path):
    """Anchors may repeat more than 50 000 nodes in a map that writes more than that itself."""
    plain = _plain_registers(0, 4000, _FIELD)  # 14 nodes each, written
    aliased = (
        f"  - {{name: R4000, address: {0x10000 + 4 * 4000:#x}, fields: &f {_FIELD}}}\n"
        + _plain_registers(4001, 6999, "*f")  # 8 nodes repeated each
    )
    path = tmp_path / "anchors.yaml"
    path.write_text(_HEAD + plain + aliased)
    assert MAX_REPEATED_NODES < 8 * 6999  # more than a small document may repeat
    rmap = load(path)
    assert len(rmap.registers) == 11000
    assert rmap.registers[-1].fields[0].name == "v"


def test_a_document_of_too_many_nodes_is_refused(tmp_path):
    path = tmp_path / "nodes.yaml"
    path.write_text(
        "numbers: [" + "0," * MAX_MAP_NODES + "]\n" + _HEAD + _plain_registers(0, 1, _FIELD)
    )
    assert path.stat().st_size < MAX_INPUT_BYTES
    with pytest.raises(DiagnosticsError) as info:
        load(path)
    (d,) = info.value.diagnostics
    assert re.fullmatch(
        rf"the document holds more than {MAX_MAP_NODES} nodes \(with aliases and merge keys "
        r"expanded\)",
        d.message,
    )


def test_error_on_a_long_line_shows_a_short_excerpt(tmp_path):
    path = tmp_path / "long.yaml"
    minimal = (Path(__file__).parent / "data" / "regmap" / "minimal.yaml").read_text()
    path.write_text(minimal.replace("1_000_000", "x" * 500_000))
    with pytest.raises(DiagnosticsError) as info:
        load(path)
    text = str(info.value)
    assert re.search(r":6:13: error: clock_hz must be an integer, not 'x{20,}…'", text)
    assert len(text) < 1000
    source, caret = text.splitlines()[1:3]
    assert len(source) < EXCERPT + 20
    assert source[caret.index("^")] == "x"


def test_many_errors_render_the_first_few(tmp_path):
    path = tmp_path / "many.yaml"
    minimal = (Path(__file__).parent / "data" / "regmap" / "minimal.yaml").read_text()
    path.write_text(
        minimal.replace(
            "  vendor: test\n", "  vendor: test\n" + "".join(f"  bad{i}: 1\n" for i in range(1000))
        )
    )
    with pytest.raises(DiagnosticsError) as info:
        load(path)
    text = str(info.value)
    assert f"... and {1000 - MAX_SHOWN} more errors (the first {MAX_SHOWN} are shown)" in text
    assert text.endswith("1000 errors found")


def test_excerpt_window_keeps_the_caret_under_the_column():
    line = "a" * 300 + "BAD" + "b" * 300
    d = Diagnostic(SourceLoc("f.yaml", 1, 301), "bad", length=3, source_line=line)
    shown, caret = d.render().splitlines()[1:3]
    col = caret.index("^")
    assert shown[col : col + 3] == "BAD"
    assert len(shown) < EXCERPT + 20


def test_control_characters_are_not_echoed():
    d = Diagnostic(SourceLoc("f.yaml", 1, 1), "unknown key '\x1b[31mred'", source_line="\x1b[31m")
    assert "\x1b" not in d.render()


# -- escaping by construction --------------------------------------------------------------------


def _hostile_map():
    """The minimal map with descriptions no loader accepts: built in code."""
    from dataclasses import replace

    rmap = load(Path(__file__).parent / "data" / "regmap" / "minimal.yaml")
    evil = "end */ int injected; /* \x01\x1b[31m <Name>&amp;"
    regs = tuple(replace(r, description=evil) for r in rmap.registers)
    return replace(rmap, registers=regs, device=replace(rmap.device, description=evil))


def test_c_header_comments_cannot_be_closed(tmp_path):
    import shutil
    import subprocess

    from regmap.generators import generate_c_header

    text = generate_c_header(_hostile_map())
    assert "int injected" in text  # the description is there, as comment text
    assert "*/ int injected" not in text
    assert "\x01" not in text and "\x1b" not in text
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:  # pragma: no cover - the set-up installs a compiler
        pytest.fail("no C compiler")
    header = tmp_path / "camera.h"
    header.write_text(text)
    src = tmp_path / "use.c"
    src.write_text('#include "camera.h"\nint injected_check(void) { return 0; }\n')
    proc = subprocess.run(
        [cc, "-fsyntax-only", "-Wall", "-Werror", str(src)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_genicam_xml_holds_no_forbidden_characters():
    import xml.etree.ElementTree as ET

    from regmap.generators import generate_genicam_xml

    text = generate_genicam_xml(_hostile_map())
    root = ET.fromstring(text.encode("utf-8"))  # raises on characters XML forbids
    texts = [el.text or "" for el in root.iter()]
    assert any("end */ int injected" in t and "<Name>&amp;" in t for t in texts)


def test_html_report_escapes_titles_and_has_a_csp(tmp_path, camera_map):
    from timingspec.report import run_spec, write_reports
    from timingspec.spec import loads_spec

    spec = (HOSTILE.parent / "timing" / "impossible.yaml").read_text()
    spec = spec.replace(
        "title: TriggerDelay 250 µs is at least 250 µs",
        "title: '<script>alert(1)</script><img src=x onerror=alert(2)>'",
    ).replace("description: One", "description: <b onmouseover=alert(3)>One")
    run = run_spec(
        loads_spec(spec, camera_map, "evil.yaml"), camera_map, "camera.yaml", tables=False
    )
    write_reports(run, tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert "<script" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    assert csp and "default-src 'none'" in csp.group(1) and "script-src" not in csp.group(1)


# -- one checking stage: what `check` accepts, every command runs or refuses at load -------------

CAMERA = Path(__file__).resolve().parent.parent / "regmap" / "camera.yaml"
# A map `check` used to accept that a later command crashed on: mutation of the camera map,
# the message `check` gives now.
MAP_CASES = {
    "renamed_register": (
        ("name: TRIGGER_DELAY\n", "name: TRIGGER_DELAYS\n"),
        r"error: the gateware needs the register TRIGGER_DELAY, which the map does not define; "
        r"did you mean 'TRIGGER_DELAYS'\?",
    ),
    "missing_constant": (
        ("    TriggerFifoDepth:\n", "    TriggerFifoDeep:\n"),
        r"error: the (firmware model|gateware) needs the constant TriggerFifoDepth, which the map "
        r"does not define; did you mean 'TriggerFifoDeep'\?",
    ),
    "huge_fifo_depth": (
        (re.compile(r"(    TriggerFifoDepth:\n      value: )\d+"), r"\g<1>4_000_000_000"),
        r"error: the gateware cannot use the constant TriggerFifoDepth: TriggerFifoDepth must be "
        r"an integer from 1 to 1024, not 4000000000",
    ),
    "negative_constant": (
        (re.compile(r"(    SensorLineTime:\n      value: )[\d_]+"), r"\g<1>-600"),
        r"error: constant SensorLineTime value must be at least 0, not -600",
    ),
    "huge_constant": (
        (re.compile(r"(    SensorLineTime:\n      value: )[\d_]+"), r"\g<1>2**80"),
        r"error: constant SensorLineTime value must be an integer, not '2\*\*80'",
    ),
}


def _mutated(tmp_path: Path, name: str) -> Path:
    (old, new), _message = MAP_CASES[name]
    text = CAMERA.read_text()
    changed = (
        old.sub(new, text, count=1) if isinstance(old, re.Pattern) else text.replace(old, new, 1)
    )
    assert changed != text, f"the camera map no longer has {old!r}"
    path = tmp_path / f"{name}.yaml"
    path.write_text(changed)
    return path


# A camera design whose construction failed part-way warns when it is freed, in whichever
# test the garbage collector runs: not a failure of this one.
@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
@pytest.mark.parametrize("name", sorted(MAP_CASES))
def test_check_deep_refuses_what_a_later_command_cannot_use(name, tmp_path, capsys):
    path = _mutated(tmp_path, name)
    assert main(["check", "--deep", str(path)]) == 1
    gc.collect()  # free the failed design here, under this test's warning filter
    err = capsys.readouterr().err
    # what the camera's map has and this one lacks comes first (nothing more is tried then)
    want = SHALLOW[name] or rf"\d+:\d+: {MAP_CASES[name][1]}"
    assert re.search(rf"^{re.escape(str(path))}:{want}", err, re.M), err
    assert "Traceback" not in err and "Warning" not in err


# `check` without --deep: what the camera's map has that a camera map lacks, at the closest name
SHALLOW = {
    "renamed_register": (
        r"271:11: error: a camera map needs everything of the camera's: the map lacks the camera "
        r"register TRIGGER_DELAY \(0x10104\); did you mean 'TRIGGER_DELAYS'\?"
    ),
    "missing_constant": (
        r"\d+:5: error: a camera map needs everything of the camera's: the map lacks the camera "
        r"constant TriggerFifoDepth; did you mean 'TriggerFifoDeep'\?"
    ),
    "huge_fifo_depth": None,  # a value only the gateware refuses: --deep, or the commands
    "negative_constant": r"\d+:\d+: " + MAP_CASES["negative_constant"][1],
    "huge_constant": r"\d+:\d+: " + MAP_CASES["huge_constant"][1],
}


@pytest.mark.parametrize("name", sorted(MAP_CASES))
def test_check_refuses_what_the_camera_map_has_and_this_one_lacks(name, tmp_path, capsys):
    path = _mutated(tmp_path, name)
    rc = main(["check", str(path)])
    out, err = capsys.readouterr()
    if SHALLOW[name] is None:
        assert rc == 0 and out.startswith(f"{path}: OK"), err
        return
    assert rc == 1
    assert re.search(rf"^{re.escape(str(path))}:{SHALLOW[name]}", err, re.M), err
    assert err.count(": error: ") == 1  # one mistake, one diagnostic


@pytest.mark.netns
@pytest.mark.parametrize("name", sorted(MAP_CASES))
def test_serving_the_rtl_refuses_at_load(name, tmp_path):
    """`serve --backend icarus` sets the gateware up before anything slow: a map it cannot
    build is a located error (in a loopback-only namespace, should it serve after all)."""
    path = _mutated(tmp_path, name)
    root = Path(__file__).resolve().parent.parent
    try:
        proc = netns.run(
            [sys.executable, "-m", "camtwin", "serve", str(path), "--backend", "icarus"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve accepted {name}")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert f"{path}:" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", sorted(MAP_CASES))
def test_later_commands_run_or_refuse_at_load(name, tmp_path, capsys):
    path = _mutated(tmp_path, name)
    spec = HOSTILE.parent / "timing" / "impossible.yaml"
    scenario = CAMERA.parent.parent / "firmware_model" / "examples" / "debounce_1500us.yaml"
    for argv in (
        ["generate", str(path), "-o", str(tmp_path / "g")],
        ["model", str(path), "--scenario", str(scenario), "-o", str(tmp_path / "m")],
        ["timing", str(spec), "--regmap", str(path), "-o", str(tmp_path / "t"), "--no-tables"],
    ):
        rc = main(argv)
        err = capsys.readouterr().err
        out = Path(argv[argv.index("-o") + 1])
        assert rc in (0, 1), (argv, err)
        assert "Traceback" not in err
        if not out.exists():  # refused when the map was loaded, with the location
            assert rc == 1 and f"{path}:" in err, (argv, err)


def test_check_accepts_a_generic_map_with_a_note(capsys):
    minimal = HOSTILE.parent / "regmap" / "minimal.yaml"
    assert main(["check", str(minimal)]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"^note: a generic map, not the camera's: the firmware model, device backend, gateware, "
        r"timing checks find nothing of what they need in it",
        out,
        re.M,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "--only", "x" * 5000, "-o", "{tmp}/o"],
        ["model", "--mode", "x" * 5000],
        ["timing", "--rtl", "y" * 5000],
        ["check", "z" * 5000 + ".yaml"],
    ],
)
def test_usage_errors_quote_only_an_excerpt(argv, tmp_path, capsys):
    args = [a.format(tmp=tmp_path) for a in argv]
    try:
        rc = main(args)
    except SystemExit as exc:
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last.startswith(f"camtwin {argv[0]}: error: ")
    assert len(last) < 400, last[:200]
