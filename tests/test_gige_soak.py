"""Longer real-client runs (``-m soak``): many more fuzzed GVCP packets, and a minute of
full-sensor streaming to arv-camera-test with nothing lost."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clients import aravis
from tests.clients import gvcp as g
from tests.clients.twin import serve
from tests.test_gige_fuzz import KNOWN, addresses, check, device, header, resolve

pytestmark = pytest.mark.soak
__all__ = ["device"]  # the fuzz module's device fixture, used here too

LONG = settings(
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# first: the fuzz tests below serve their device for the rest of the module
@pytest.mark.netns
def test_a_minute_of_full_sensor_frames(camera_map):
    """1280x1024 Mono8 at a 10 MB/s link limit (the transfer sets the period: 7.6 frames/s) for
    60 s: every frame arrives whole and the device drops none, on a busy host too."""
    features = "TriggerMode=Off ExposureTime=100 DeviceLinkThroughputLimit=1e+07"
    with serve(camera_map, warm=True) as twin:
        run = aravis.camera_test(
            duration=60,
            width=1280,
            height=1024,
            features=features,
            extra=("--frame-retention=1000", "--packet-timeout=100"),
        )
        assert run["n_missing_frames"] == 0 and run["n_missing_packets"] == 0, run.output
        assert run["n_failures"] == 0 and run["n_completed_buffers"] > 400, run.output
        assert twin.device.stats()["frames_dropped"] == 0


@LONG
@given(
    key=st.sampled_from([g.KEY, 0x43]),
    flags=st.integers(0, 255),
    cmd=st.one_of(st.sampled_from(sorted(KNOWN)), st.integers(0, 0xFFFF)),
    length=st.one_of(st.none(), st.integers(0, 0xFFFF)),
    req_id=st.integers(0, 0xFFFE),
    payload=st.binary(max_size=560),
)
def test_header_fields_long(device, key, flags, cmd, length, req_id, payload):
    check(device, header(cmd, payload, key=key, flags=flags, length=length, req_id=req_id))


@LONG
@given(addrs=st.lists(addresses(), min_size=1, max_size=135), req_id=st.integers(1, 0xFFFE))
def test_readreg_addresses_long(device, addrs, req_id):
    payload = b"".join(struct.pack(">I", resolve(device[2], a)) for a in addrs)
    check(device, header(g.READREG_CMD, payload, req_id=req_id))
