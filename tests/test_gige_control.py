"""Control channel privilege and heartbeat, with two real clients.

An Aravis client (the binding) takes control access (CCP = 2) when it connects and keeps it with
its heartbeat (a CCP read about once a second). While it lives, a second application is refused
(ACCESS_DENIED to its writes and to its attempt to take control; it may still read, as control
access without the exclusive bit allows). Killed, it sends nothing more: the device releases
control once the heartbeat timeout (bootstrap 0x0938, in ms) has passed without a packet from
it, and the second application then gets control.
"""

from __future__ import annotations

import time

import pytest

from tests.clients import aravis
from tests.clients import gvcp as g
from tests.clients.twin import serve

pytestmark = pytest.mark.netns

CCP, HEARTBEAT = 0x0A00, 0x0938
CCP_EXCLUSIVE, CCP_CONTROL = 1, 2


def test_second_client_refused_then_control_released_after_heartbeat_timeout(camera_map):
    exposure_addr = camera_map.feature("ExposureTime")[0].address
    one_ms = camera_map.clock_hz // 1000
    with serve(camera_map), g.GvcpClient() as second:
        first = aravis.AravisClient()
        try:
            first.set("ExposureTime", 200.0)  # the first client controls the camera
            assert second.writereg((CCP, CCP_CONTROL))[0] == g.STATUS_ACCESS_DENIED
            assert second.writereg((exposure_addr, one_ms))[0] == g.STATUS_ACCESS_DENIED
            # the binding takes control access (CCP = 2), not exclusive access: others may read
            assert second.readreg(exposure_addr)[0] == g.STATUS_SUCCESS
            # a second Aravis client cannot take control either
            with pytest.raises(aravis.ClientError), aravis.AravisClient() as other:
                other.set("ExposureTime", 300.0)
            first.set("ExposureTime", 250.0)  # the first one is unaffected
        finally:
            first.kill()
        killed = time.monotonic()
        # right after the kill, the device still honours the dead client's privilege
        assert second.writereg((CCP, CCP_CONTROL))[0] == g.STATUS_ACCESS_DENIED

        def taken() -> bool:
            return second.writereg((CCP, CCP_EXCLUSIVE | CCP_CONTROL))[0] == g.STATUS_SUCCESS

        assert aravis.wait_for(taken, timeout=15.0, interval=0.1)
        released_after = time.monotonic() - killed
        status, (timeout_ms,) = second.readreg(HEARTBEAT)
        assert status == g.STATUS_SUCCESS
        # the dead client's last heartbeat came at most about a second before the kill
        assert released_after >= timeout_ms / 1000 - 1.5, (released_after, timeout_ms)
        assert second.writereg((exposure_addr, one_ms))[0] == g.STATUS_SUCCESS
