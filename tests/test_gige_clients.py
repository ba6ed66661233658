"""The twin on the wire, proven with real clients: Aravis' arv-tool, arv-camera-test, arv-test
and its GObject binding, all inside one loopback-only network namespace per module.

Every test runs against each backend (``twin_target``): the firmware model serving the camera
map, and the live RTL on Verilator (on Icarus under ``soak``) serving its slow-clock variant,
as ``camtwin serve --backend verilator`` does. Regions of interest are cut to the served
sensor; exposure times in µs are the same on both maps.

Expected values come from the register map (features, ranges, enum values, scales) and from
the camera's documented semantics (docs/semantics.md: frame period, readout, debouncer, trigger
delay), never from the device's own answers.
"""

from __future__ import annotations

import math
import statistics
import subprocess
import sys

import pytest

from regmap import Access, Interface, RegisterMap
from tests.clients import aravis
from tests.clients.twin import Target

ROOT = aravis.CLIENT_SCRIPT.parent.parent.parent
SERIAL = "TWIN0001"


@pytest.fixture
def twin(netns, twin_target: Target):
    """A fresh twin (reset state) for each test, in the test's own namespace."""
    with twin_target.serve(serial=SERIAL, warm=True) as served:
        served.target = twin_target
        yield served


def _generated_xml(tmp_path, target: Target) -> bytes:
    if target.backend != "model":  # the slow-clock variant: the generator camtwin generate runs
        from regmap.generators.genicam import generate_genicam_xml

        return generate_genicam_xml(target.rmap).encode()
    out = tmp_path / "gen"
    r = subprocess.run(
        [sys.executable, "-m", "camtwin.cli", "generate", "-o", str(out), "--only", "genicam"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    (xml,) = out.glob("*.xml")
    return xml.read_bytes()


# -- arv-tool -------------------------------------------------------------------------------


def test_discovery_plain_and_by_address(twin):
    dev = twin.rmap.device
    assert aravis.discover() == [(f"{dev.vendor}-{dev.model}-{SERIAL}", "127.0.0.1")]
    assert aravis.discover("127.0.0.1") == [("127.0.0.1", "127.0.0.1")]


def test_genicam_is_our_xml_byte_for_byte(twin, tmp_path):
    """Aravis keeps exactly the URL's length of bytes, without a terminating NUL, and arv-tool
    prints that buffer as a C string: the document, then whatever bytes follow it in the
    client's memory up to a NUL, then a newline. The document must be ours, every byte."""
    served = aravis.arv_tool_bytes("genicam")
    expected = _generated_xml(tmp_path, twin.target)
    assert served[: len(expected)] == expected
    tail = served[len(expected) :]
    assert tail.endswith(b"\n") and b"<" not in tail and len(tail) < 256, tail


def test_features_lists_every_feature_of_the_map(twin):
    listed = {f.name: f for f in aravis.parse_features(aravis.arv_tool("features").stdout)}
    rmap = twin.rmap
    for name, (_reg, field) in rmap.features.items():
        assert name in listed, f"{name} missing from arv-tool features"
        if field.enum:
            assert set(listed[name].entries) == {e.name for e in field.enum}, name
    for sel in rmap.selectors:
        assert set(listed[sel.name].entries) == {v.name for v in sel.values}, sel.name


def test_no_warning_about_the_xml(twin):
    r = aravis.arv_tool("features", debug="all:1")
    assert r.returncode == 0
    assert r.stderr == ""
    r = aravis.arv_tool("values", debug="all:1")
    assert r.stderr == ""


def _writes(rmap: RegisterMap):
    """(feature, selectors, value text, expected raw) for every writable feature: each enum
    entry, min and max of numbers, both boolean values; first and last selector element."""
    sel_of = {name: sel for sel in rmap.selectors for name in sel.selects}
    for name, (reg, field) in rmap.features.items():
        feat = field.feature
        if not field.access.writable or feat.interface is Interface.COMMAND:
            continue
        if field.access is Access.W1C:
            continue  # event bits: write 1 to clear, checked with the events
        indices = [0]
        sels = [{}]
        if reg.array is not None:
            sel = rmap.selector(reg.array.selector)
            indices = sorted({0, reg.count - 1})
            sels = [{sel.name: sel.values[i].name} for i in indices]
        for index, sel in zip(indices, sels, strict=True):
            if field.enum:
                for e in field.enum:
                    yield name, sel, index, e.name, e.value
            elif feat.interface is Interface.BOOLEAN:
                yield name, sel, index, "true", 1
                yield name, sel, index, "false", 0
            else:
                lo, hi = field.raw_limits(rmap.clock_hz)
                for raw in (lo, hi):
                    value = field.scale.from_raw(raw, rmap.clock_hz)
                    text = str(int(value)) if feat.interface is Interface.INTEGER else repr(value)
                    yield name, sel, index, text, raw
    del sel_of


def test_control_writes_and_reads_back_every_writable_feature(twin):
    rmap = twin.rmap
    failures = []
    for name, sel, index, text, raw in _writes(rmap):
        args = [f"{k}={v}" for k, v in sel.items()] + [f"{name}={text}", name]
        r = aravis.arv_tool("control", *args)
        back = aravis.parse_control(r.stdout).get(name)
        _reg, field = rmap.feature(name)
        if field.enum or field.feature.interface is Interface.BOOLEAN:
            ok_back = back is not None and back.lower() == text.lower()
        else:
            ok_back = back is not None and math.isclose(
                aravis.number(back), float(text), rel_tol=1e-5
            )
        model = twin.raw(name, index)
        if r.returncode != 0 or not ok_back or model != raw:
            failures.append(f"{name}{sel}={text}: read back {back!r}, model raw {model} != {raw}")
    assert not failures, "\n".join(failures)


def test_control_executes_every_command_with_its_effect(twin):
    def run(*args):
        r = aravis.arv_tool("control", *args)
        assert r.returncode == 0, r.stderr
        return aravis.parse_control(r.stdout)

    commands = [
        n for n, (_r, f) in twin.rmap.features.items() if f.feature.interface is Interface.COMMAND
    ]
    assert {"AcquisitionStart", "AcquisitionStop", "TriggerSoftware", "CounterReset"} <= set(
        commands
    )
    run(
        "AcquisitionMode=Continuous",
        "TriggerSelector=FrameStart",
        "TriggerMode=On",
        "TriggerSource=Software",
        "ExposureTime=100",
    )
    frames0 = twin.raw("FrameCount")
    assert run("AcquisitionStart")["AcquisitionStart"] == "executed"
    assert twin.raw("AcquisitionActive") == 1
    assert run("TriggerSoftware")["TriggerSoftware"] == "executed"
    assert aravis.wait_for(lambda: twin.raw("FrameCount") == frames0 + 1, 2.0)
    assert run("AcquisitionStop")["AcquisitionStop"] == "executed"
    assert aravis.wait_for(lambda: twin.raw("AcquisitionActive") == 0, 2.0)
    assert run("CounterReset")["CounterReset"] == "executed"
    assert twin.raw("FrameCount") == 0
    run("TriggerMode=Off")
    untested = set(commands) - {
        "AcquisitionStart",
        "AcquisitionStop",
        "TriggerSoftware",
        "CounterReset",
    }
    for name in sorted(untested):
        assert run(name)[name] == "executed"


# -- arv-camera-test --------------------------------------------------------------------------


def _resulting_rate() -> float:
    r = aravis.arv_tool("control", "ResultingFrameRate")
    return aravis.number(aravis.parse_control(r.stdout)["ResultingFrameRate"])


def _steady(values: list[float]) -> float:
    """The typical per-second rate: the median of the whole seconds (first and last dropped),
    so that one second in which a busy host held the device up does not decide."""
    return statistics.median(values[1:-1] or values)


# arv-camera-test counts the frames between two runs of a GLib 1 s timeout, which GLib rearms
# from the moment it ran: a loaded host that wakes the client's main loop late lengthens that
# "second" (by 10-30 ms on a loaded 2-core machine: 127 or 128 frames at 125 frames/s, second
# after second). It can only lengthen it: fewer frames than the rate are never the timer's.
TICK_LATENESS = 0.05


# A loaded 2-core CI host can hold the client's stream thread for longer than Aravis' default
# frame retention (100 ms) and packet timeout: give late packets and resends time to arrive.
PATIENT = ("--frame-retention=1000", "--packet-timeout=100")


def test_camera_test_continuous_at_the_resulting_frame_rate(twin):
    # 512x64 Mono8 (or the sensor), 8 ms exposure: the exposure sets the period (125 frames/s)
    w, h = twin.target.roi(512, 64)
    features = "TriggerMode=Off ExposureTime=8000 AcquisitionFrameRateEnable=false"
    r = aravis.arv_tool(
        "control", f"Width={w}", f"Height={h}", "PixelFormat=Mono8", *features.split()
    )
    assert r.returncode == 0, r.stderr
    rate = _resulting_rate()
    assert math.isclose(rate, 125.0, rel_tol=1e-6)
    run = aravis.camera_test(duration=5, width=w, height=h, features=features, extra=PATIENT)
    assert run["n_missing_frames"] == 0 and run["n_missing_packets"] == 0, run.output
    assert run["n_failures"] == 0 and run["n_completed_buffers"] > 0, run.output
    # the device sent every frame the model read out (none dropped behind a slow sender)
    assert twin.device.stats()["frames_dropped"] == 0
    wall_rate = rate * twin.target.speed
    # per-second frame counts are whole numbers: a slowed-down device's 2.5 frames/s is 2 or 3
    tol = max(0.01, 1 / wall_rate)
    steady = _steady(run.frames_per_s)
    assert wall_rate * (1 - tol) <= steady <= wall_rate * (1 + TICK_LATENESS + tol), (
        run.frames_per_s
    )


def test_camera_test_software_trigger(twin):
    """arv-camera-test's software triggers (a GLib timer at 100 Hz, so a little slower in
    practice) against a 1 ms frame period: every frame the model starts reaches the client
    whole. (A trigger whose command waits behind another on a busy host takes effect when the
    device handles it, so two may rarely fall within one frame period: an overtrigger, counted
    by the model, not a lost frame.)"""
    w, h = twin.target.roi(512, 64)
    speed = twin.target.speed  # triggers as often in device time on a slowed-down device
    run = aravis.camera_test(
        duration=4,
        width=w,
        height=h,
        software_trigger=100 * speed,
        features="ExposureTime=1000",
        extra=PATIENT,
    )
    assert run["n_missing_frames"] == 0 and run["n_missing_packets"] == 0, run.output
    assert run["n_failures"] == 0 and run["n_completed_buffers"] >= 200 * speed, run.output
    # the device sent every frame the model read out (none dropped behind a slow sender)
    assert twin.device.stats()["frames_dropped"] == 0


# -- arv-test ---------------------------------------------------------------------------------


@pytest.fixture
def twin_in_real_time(netns, twin_target: Target):
    """A fresh twin at speed 1 (arv-test's timeouts are its own): a slowed-down simulator is
    served with a slower clock instead (:meth:`Target.real_time`)."""
    target = twin_target.real_time()
    with target.serve(serial=SERIAL, warm=True) as served:
        served.target = target
        yield served


def test_arv_test_every_check_succeeds(twin_in_real_time, tmp_path):
    """arv-test streams without an enlarged socket buffer: small frames (16 KiB) keep every
    burst well inside the default one, so a busy machine cannot make it drop packets.

    SingleAcquisition starts right after MultipleAcquisitionA stops a 10 Hz acquisition, and
    SoftwareTrigger right after SingleAcquisition's frame. By docs/semantics.md an
    AcquisitionStop during a frame period ends the acquisition only when that period (100 ms)
    completes, and an AcquisitionStart meanwhile has no effect, so the configuration gives the
    camera the settling delays arv-test offers for such cameras.
    """
    twin = twin_in_real_time
    dev = twin.rmap.device
    w, h = twin.rmap.constant("SensorWidth"), twin.rmap.constant("SensorHeight")
    rw, rh = twin.target.roi(256, 64)
    # 10 ms exposure (the camera map's reset; the slow-clock variant's is 1.25 s)
    r = aravis.arv_tool(
        "control", f"Width={rw}", f"Height={rh}", "PixelFormat=Mono8", "ExposureTime=10000"
    )
    assert r.returncode == 0, r.stderr
    cfg = tmp_path / "twin.cfg"
    cfg.write_text(
        f"[{dev.vendor}:{dev.model}]\n"
        "Schema=Ignore\n"
        f"SensorSize={w};{h}\n"
        "ChunksSupport=false\n"
        "SoftwareTriggerSupport=true\n"
        "SingleAcquisitionDelay=0.5\n"
        "SoftwareTriggerDelay=0.5\n"
    )
    devices, checks, text = aravis.arv_test(cfg)
    assert devices == [f"{dev.vendor}:{dev.model}"], text
    names = {c.name.split(":")[0] for c in checks}
    assert {
        "Genicam",
        "Properties",
        "MultipleAcquisitionA",
        "SingleAcquisition",
        "SoftwareTrigger",
        "GigEVision",
    } <= names, text
    bad = [c for c in checks if c.status != "SUCCESS"]
    assert not bad, text
