"""The Aravis client harness (tests/clients) against Aravis' own fake camera.

The twin's client tests trust these wrappers and parsers; here they meet the real tools' output
on a device whose behaviour Aravis defines (``arv-fake-gv-camera-0.8``: vendor Aravis, model
Fake, 512x512 Mono8 by default, AcquisitionFrameRate 25 Hz), so a parser that silently drops
lines, or a client that never streams, fails here first.
"""

from __future__ import annotations

import itertools
import re

import pytest

from tests.clients import aravis
from tests.clients.gvcp import READREG_CMD, STATUS_SUCCESS, GvcpClient, command

pytestmark = pytest.mark.usefixtures("module_netns")


@pytest.fixture(scope="module")
def fake(module_netns):
    with aravis.FakeCamera(serial="HARNESS1") as cam:
        yield cam


def test_discovery_plain_and_by_address(fake):
    assert aravis.discover() == [("Aravis-Fake-HARNESS1", "127.0.0.1")]
    assert aravis.discover("127.0.0.1") == [("127.0.0.1", "127.0.0.1")]


def test_features_and_control_parsers(fake):
    text = aravis.arv_tool("features").stdout
    feats = {f.name: f for f in aravis.parse_features(text)}
    # every quoted name in the listing is either a node or an entry of the enumeration above it
    quoted = re.findall(r"'([^']+)'", text)
    entries = [e for f in feats.values() for e in f.entries]
    assert sorted(quoted) == sorted([*feats, *entries])
    assert feats["Width"] == aravis.Feature("Integer", "Width", "RW")
    assert feats["AcquisitionStart"].kind == "Command"
    assert {"Mono8", "Mono16"} <= set(feats["PixelFormat"].entries)
    r = aravis.arv_tool("control", "Width=256", "Width", "PixelFormat")
    assert aravis.parse_control(r.stdout) == {"Width": "256", "PixelFormat": "Mono8"}


def test_camera_test_parser_counts_every_frame(fake):
    run = aravis.camera_test(duration=2, width=128, height=64, frequency=50)
    assert run.returncode == 0, run.output
    assert run.frames_per_s, run.output
    assert run["n_missing_frames"] == 0 and run["n_missing_packets"] == 0
    # 50 Hz for about 2 s (the first second may be partial)
    assert 60 <= run["n_completed_buffers"] <= 110, run.output
    assert run["n_transferred_bytes"] >= run["n_completed_buffers"] * 128 * 64


def test_arv_test_parser_sees_every_check(fake, tmp_path):
    cfg = tmp_path / "fake.cfg"
    cfg.write_text("[Aravis:Fake]\nSchema=Ignore\nSensorSize=2048;2048\nChunksSupport=false\n")
    devices, checks, text = aravis.arv_test(cfg, tests="Genicam|Properties|GigEVision")
    assert devices == ["Aravis:Fake"]
    status_lines = [ln for ln in text.splitlines() if re.search(r"SUCCESS|FAILURE|IGNORED", ln)]
    assert len(checks) == len(status_lines) > 0
    by_name = {c.name: c for c in checks}
    assert by_name["Genicam:Load"].status == "SUCCESS"
    assert by_name["Properties:SensorSizeCheck"].detail == "2048x2048"


def test_binding_client_streams_and_reports_counters(fake):
    with aravis.AravisClient() as c:
        assert c.info["vendor"] == "Aravis" and c.info["model"] == "Fake"
        c.set("Width", 64)
        c.set("Height", 32)
        assert c.get("PayloadSize") == 64 * 32
        c.set("AcquisitionMode", "Continuous")
        c.set("AcquisitionFrameRate", 100.0)
        c.open_stream(4)
        c.execute("AcquisitionStart")
        frames = c.pop(5, timeout=2.0)
        c.execute("AcquisitionStop")
        stats = c.stats()
    assert [f["status"] for f in frames] == ["success"] * 5
    assert all(f["size"] == 64 * 32 and (f["width"], f["height"]) == (64, 32) for f in frames)
    ids = [f["frame_id"] for f in frames]
    assert all((b - a) % 65535 == 1 for a, b in itertools.pairwise(ids))
    ts = [f["timestamp_ns"] for f in frames]
    assert all(b > a for a, b in itertools.pairwise(ts))
    assert stats["n_completed_buffers"] >= 5 and stats["n_missing_packets"] == 0


def test_binding_client_reports_errors(fake):
    with aravis.AravisClient() as c, pytest.raises(aravis.ClientError, match="NoSuchFeature"):
        c.set("NoSuchFeature", 1)


def test_raw_gvcp_client(fake):
    with GvcpClient() as g:
        # the fake camera answers the first address of a READREG only
        status, values = g.readreg(0x0934)
        assert status == STATUS_SUCCESS and len(values) == 1
        g.send(command(READREG_CMD, b"\x00\x00\x00\x00", req_id=77))
        ack = g.receive()
        assert ack is not None and ack.ack_id == 77 and ack.answer == READREG_CMD + 1
        assert len(g.round_trips(0x0000, 10)) == 10
