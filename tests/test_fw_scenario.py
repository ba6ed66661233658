"""Scenario files, the `camtwin model` command, the bundled examples and the wave renderers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camtwin.cli import main
from firmware_model import simulate
from firmware_model.scenario import ScenarioError, load_scenario, loads_scenario
from firmware_model.waves import plot_timing, to_wavejson

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "firmware_model" / "examples"


def test_debounce_example(camera_map):
    sc = load_scenario(EXAMPLES / "debounce_1500us.yaml", camera_map)
    r = sc.run()
    # 125 MHz: 1500 µs = 187_500 cycles; pulses of 3000 µs and exactly 1500 µs pass, starting
    # frames 3 + 187_500 cycles after their edges at 1000 µs and 20000 µs
    assert r.pulses("frame_start") == [125_000 + 187_503, 2_500_000 + 187_503]
    assert r.counters["FrameCount"] == 2
    assert r.counters["OvertriggerCount"] == 0


def test_frequency_converter_example(camera_map):
    sc = load_scenario(EXAMPLES / "frequency_converter_2048hz.yaml", camera_map)
    r = sc.run()
    # 205 input pulses: 205 aligned pulses plus one extra for each of the 204 measured periods
    out = r.pulses("line0_out")
    assert len(out) == 409
    # the first extra pulse comes half a period (30518 cycles, ceil(61035 / 2)) after the
    # second input edge; input edges at round((10 + k * 488.28125) µs * 125)
    second = round((10 + 488.28125) * 125)
    rise = second + 3 + 1  # pin edge -> converter input (N = 0): 2 + 1 + 1
    t_measured = rise - ((10 * 125) + 4)
    assert out[1] == rise + 1  # aligned pulse, one output register
    assert out[2] == rise + -(-t_measured // 2) + 1


def test_examples_event_equals_cycle_mode_on_short_window(camera_map):
    sc = load_scenario(EXAMPLES / "frequency_converter_2048hz.yaml", camera_map)
    a = simulate(sc.rmap, 400_000, line2=sc.line2, writes=sc.writes, mode="cycle")
    b = simulate(sc.rmap, 400_000, line2=sc.line2, writes=sc.writes, mode="event")
    assert a.edges == b.edges
    assert len(a.pulses("line0_out")) == 13  # 7 input pulses: 7 aligned + 6 extra


SCENARIO_OK = """
duration: 300
device:
  clock_hz: 1_000_000
  constants: {SensorLineTime: 5, SensorReadoutOverhead: 40, SensorWidth: 16, SensorHeight: 2}
setup:
  - {feature: ExposureTime, value: 20}
  - {feature: TriggerMode, value: On, selectors: {TriggerSelector: FrameStart}}
  - {feature: TriggerSource, value: Software, selectors: {TriggerSelector: FrameStart}}
  - {execute: AcquisitionStart}
writes:
  - {at: 100, execute: TriggerSoftware, selectors: {TriggerSelector: FrameStart}}
  - {at: 120, execute: TriggerSoftware}
inputs:
  line1: [[10, 1], [15, 0]]
"""


def test_scenario_in_user_units(camera_map):
    sc = loads_scenario(SCENARIO_OK, camera_map)
    assert sc.rmap.clock_hz == 1_000_000
    r = sc.run()
    # performed in 100 -> frame at 101; at 120 the camera is busy (P = 50): overtrigger at 121
    assert r.pulses("frame_start") == [101]
    assert r.event_cycles("overtrigger") == [121]
    assert r.edges["line1_in"] == [(0, 0), (10, 1), (15, 0)]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("duration: 10\nsetpu: []\n", "<s>:2:1", "unknown key 'setpu'"),
        ("setup: []\n", "<s>:1:1", "missing required key 'duration'"),
        (
            "duration: 10\nsetup:\n  - {feature: ExposureTme, value: 3}\n",
            "<s>:3:15",
            "did you mean 'ExposureTime'",
        ),
        (
            "duration: 10\nsetup:\n  - {feature: ExposureTime, value: 3}\n",
            "<s>:3:36",
            "ExposureTime must be between 10 and 1000000 us, not 3",
        ),
        (
            "duration: 10\nsetup:\n  - {feature: TriggerMode, value: Onn}\n",
            "<s>:3:35",
            "TriggerMode must be one of",
        ),
        ("duration: 10\nsetup:\n  - {feature: FrameCount, value: 3}\n", "<s>:3:15", "read-only"),
        ("duration: 10\nsetup:\n  - {execute: ExposureTime}\n", "<s>:3:15", "not a command"),
        ("duration: 10\ninputs: {line1: [[5, 2]]}\n", "<s>:2:22", "level must be one of"),
        ("duration: 10\ninputs: {line1: [[5, 1], [3, 0]]}\n", "<s>:2:27", "time order"),
        ("duration: -4\n", "<s>:1:11", "time >= 0"),
        ("duration: [\n", "<s>:2:1", "YAML syntax error"),
    ],
)
def test_scenario_errors_point_at_the_text(camera_map, text, where, message):
    with pytest.raises(ScenarioError) as info:
        loads_scenario(text, camera_map, "<s>")
    rendered = info.value.render()
    assert f"{where}: error:" in rendered
    assert message in rendered


def test_cli_model_writes_results(tmp_path, capsys):
    rc = main(
        [
            "model",
            str(ROOT / "regmap" / "camera.yaml"),
            "--scenario",
            str(EXAMPLES / "debounce_1500us.yaml"),
            "-o",
            str(tmp_path),
        ]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "frames: 2" in out
    assert "187503 cycles" in out
    events = json.loads((tmp_path / "events.json").read_text())
    assert [e["cycle"] for e in events if e["event"] == "frame_start"] == [312_503, 2_687_503]
    csv_lines = (tmp_path / "events.csv").read_text().splitlines()
    assert csv_lines[0] == "cycle,time_us,event,selector"
    assert csv_lines[1].startswith("312503,2500.024000,frame_start")
    assert (tmp_path / "timing.png").read_bytes()[:4] == b"\x89PNG"
    waves = json.loads((tmp_path / "waves.json").read_text())
    assert {lane["name"] for lane in waves["signal"]} >= {"frame_start", "line1_in", "cycle"}
    assert "frames: 2" in (tmp_path / "summary.txt").read_text()


def test_cli_model_bad_scenario_is_one_message(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("duration: 10\nsetup:\n  - {feature: TrigerMode, value: On}\n")
    rc = main(["model", "--scenario", str(bad), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"{bad}:3:15: error: no feature named 'TrigerMode'" in err
    assert "Traceback" not in err
    rc = main(["model", "--scenario", str(tmp_path / "missing.yaml"), "-o", str(tmp_path)])
    assert rc == 2
    assert "does not exist" in capsys.readouterr().err


def test_wavejson_per_cycle_and_compressed(slow_camera_map, tmp_path):
    writes = [(-1, "ExposureTime", 20.0), (-1, "AcquisitionStart", None)]
    r = simulate(slow_camera_map, 8, writes=writes)
    w = to_wavejson(r, signals=["acquisition_active", "frame_start", "line_status"])
    lanes = {lane["name"]: lane for lane in w["signal"]}
    # pulse in cycle 0, active from 1, free-run frame at 1
    assert lanes["acquisition_active"]["wave"] == "01......"
    assert lanes["frame_start"]["wave"] == "010....."
    assert lanes["line_status"]["data"] == ["000"]
    long = simulate(slow_camera_map, 10_000, writes=writes)
    wc = to_wavejson(long, signals=["frame_start"], max_ticks=50)
    cyc = next(lane for lane in wc["signal"] if lane["name"] == "cycle")
    # ticks: cycle 0, then each change and the cycle after it
    assert cyc["data"][:6] == ["0", "1", "2", "3", "51", "52"]
    assert wc["signal"][0]["wave"][:8] == "010.10.1"
    png = plot_timing(long, tmp_path / "t.png", start=0, end=200)
    assert png.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(KeyError, match="no signal named"):
        to_wavejson(r, signals=["nope"])
    with pytest.raises(ValueError, match="window"):
        plot_timing(r, tmp_path / "x.png", start=5, end=3)


def test_scenario_write_after_end_is_an_error(camera_map):
    text = "duration: 10\nwrites:\n  - {at: 10, execute: AcquisitionStart}\n"
    with pytest.raises(ScenarioError, match=r"<s>:3:5: error: the write is at or after the end"):
        loads_scenario(text, camera_map, "<s>")


def test_a_scenario_that_is_not_a_mapping_is_a_diagnostic(camera_map):
    with pytest.raises(ScenarioError) as info:
        loads_scenario("[1]\n", camera_map, "s.yaml")
    (d,) = info.value.diagnostics
    assert (d.loc.line, d.loc.col) == (1, 1)
    assert d.message == "the scenario must be a mapping, not a list"


def test_cli_model_output_is_an_existing_file(tmp_path, capsys):
    target = tmp_path / "out.txt"
    target.write_text("x")
    rc = main(["model", "--scenario", str(EXAMPLES / "debounce_1500us.yaml"), "-o", str(target)])
    assert rc == 2
    assert capsys.readouterr().err == (
        f"camtwin model: error: output '{target}' exists and is not a directory\n"
    )
    assert target.read_text() == "x"


def test_cli_model_non_utf8_scenario_is_a_diagnostic(tmp_path, capsys):
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"# caf\xe9\nduration: 10\n")
    rc = main(["model", "--scenario", str(bad), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"{bad}:1:6: error: the file is not UTF-8 text" in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_cli_model_duration_too_long_is_a_diagnostic(tmp_path, capsys):
    sc = tmp_path / "long.yaml"
    sc.write_text("duration: 1e12\n")
    rc = main(["model", "--scenario", str(sc), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 1
    # 1e12 µs at 125 MHz = 1.25e14 cycles; 2**32 cycles = 34 359 738.368 µs
    assert (
        f"{sc}:1:11: error: duration is 125000000000000 cycles at 125000000 Hz; at most "
        "4294967296 cycles (3.43597e+07 µs) can be simulated"
    ) in err


def test_duration_limit_is_2_to_the_32_cycles(camera_map):
    dev = "device: {clock_hz: 1_000_000}\n"
    assert loads_scenario(dev + "duration: 4294967296\n", camera_map).cycles == 2**32
    with pytest.raises(ScenarioError, match=r"<s>:2:11: error: duration is 4294967297 cycles"):
        loads_scenario(dev + "duration: 4294967297\n", camera_map, "<s>")


def test_pulse_train_must_start_before_the_end(camera_map):
    ok = "duration: 100\ninputs: {line1: {period: 10, width: 5, count: 10}}\n"
    assert len(loads_scenario(ok, camera_map).line1) == 20  # last pulse starts at 90 µs
    bad = ok.replace("count: 10", "count: 11")
    with pytest.raises(ScenarioError) as info:
        loads_scenario(bad, camera_map, "<s>")
    assert info.value.render().startswith(
        "<s>:2:47: error: line1: pulse 11 of the train starts at 100 µs, at or after the end "
        "(duration 100 µs)"
    )


def test_cli_model_does_not_hide_model_errors(tmp_path, monkeypatch):
    from firmware_model.scenario import Scenario

    def broken(self, mode="event"):
        raise ValueError("a model bug")

    monkeypatch.setattr(Scenario, "run", broken)
    with pytest.raises(ValueError, match="a model bug"):
        main(["model", "--scenario", str(EXAMPLES / "debounce_1500us.yaml"), "-o", str(tmp_path)])
