"""The GigE Vision device's control protocol (GVCP), checked with a small client written here
from the GigE Vision bootstrap layout (not with the device's own code), in a loopback-only
network namespace. Expected values come from the register map and the generated XML."""

from __future__ import annotations

import socket
import struct
import time

import pytest

from firmware_model.device import FirmwareBackend
from gige import Device
from regmap import RegisterMap
from regmap.generators import generate_genicam_xml
from tests.gige_client import Client, field_addr, get_field

pytestmark = pytest.mark.netns

SERIAL = "SN-0042"
USER = "bench-left"


@pytest.fixture(scope="module")
def device(module_netns, camera_map):
    dev = Device(camera_map, FirmwareBackend(camera_map), serial=SERIAL, user_name=USER)
    with dev:
        yield dev


@pytest.fixture
def client(device):
    c = Client()
    yield c
    # leave the device as found: no controller
    c.writereg((0x0A00, 0))
    c.close()


# -- discovery and bootstrap ----------------------------------------------------------------


def _check_discovery_ack(ans: bytes, req: int, rmap: RegisterMap) -> None:
    status, ack, length, ack_id = struct.unpack_from(">HHHH", ans)
    assert (status, ack, length, ack_id) == (0, 0x0003, 0xF8, req)
    body = ans[8:]
    assert len(body) == 0xF8

    def text(addr: int, size: int) -> str:
        return body[addr : addr + size].split(b"\0", 1)[0].decode()

    assert struct.unpack_from(">I", body, 0x0000)[0] >> 16 >= 1  # GigE Vision 1.x or later
    assert struct.unpack_from(">I", body, 0x0004)[0] >> 31 == 1  # big-endian registers
    assert body[0x24:0x28] == socket.inet_aton("127.0.0.1")
    assert text(0x48, 32) == rmap.device.vendor
    assert text(0x68, 32) == rmap.device.model
    assert text(0x88, 32) == rmap.device.version
    assert text(0xD8, 16) == SERIAL
    assert text(0xE8, 16) == USER


def test_discovery_unicast(client, camera_map):
    ans = client.raw(struct.pack(">BBHHH", 0x42, 0x11, 0x0002, 0, 0x1234))
    assert ans is not None
    _check_discovery_ack(ans, 0x1234, camera_map)


def test_discovery_broadcast(device, camera_map):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind(("127.0.0.1", 0))  # a limited broadcast leaves by the bound address's interface
    s.settimeout(1.0)
    try:
        s.sendto(struct.pack(">BBHHH", 0x42, 0x11, 0x0002, 0, 7), ("255.255.255.255", 3956))
        ans, peer = s.recvfrom(2048)
    finally:
        s.close()
    assert peer == ("127.0.0.1", 3956)
    _check_discovery_ack(ans, 7, camera_map)


def test_bootstrap_registers_from_the_map(client, camera_map):
    hz = camera_map.clock_hz
    status, values = client.readreg(0x093C, 0x0940, 0x0904, 0x0600, 0x0938)
    assert status == 0
    assert values[0] << 32 | values[1] == hz
    assert values[2] == 1  # one stream channel
    assert values[3] == 1  # one network interface
    assert values[4] == 3000  # default heartbeat timeout (ms)
    cap = client.read(0x0934)
    for bit, what in ((31, "user name"), (30, "serial"), (0, "concatenation"), (1, "WRITEMEM")):
        assert cap >> bit & 1, what
    assert client.string(0x0048, 32) == camera_map.device.vendor
    assert client.string(0x00D8, 16) == SERIAL


def test_user_name_is_writable(client):
    name = b"renamed".ljust(16, b"\0")
    status, _body = client.command(0x0086, struct.pack(">I", 0x00E8) + name)
    assert status == 0
    assert client.string(0x00E8, 16) == "renamed"
    client.command(0x0086, struct.pack(">I", 0x00E8) + USER.encode().ljust(16, b"\0"))
    assert client.string(0x00E8, 16) == USER


# -- XML ------------------------------------------------------------------------------------


def _xml_location(client: Client) -> tuple[str, int, int]:
    url = client.string(0x0200, 512)
    scheme, rest = url.split(":", 1)
    assert scheme == "Local"
    name, addr, size = rest.split(";")
    return name, int(addr, 16), int(size, 16)


def test_readmem_of_the_xml_with_padding(client, camera_map):
    name, addr, size = _xml_location(client)
    expected = generate_genicam_xml(camera_map).encode()
    assert name == f"{camera_map.stem}.xml"
    assert size == len(expected)
    assert addr >= camera_map.device.base_address
    got = b""
    rounded = -(-size // 4) * 4  # as Aravis reads it: the last chunk rounded up to 4 bytes
    while len(got) < rounded:
        n = min(512, rounded - len(got))
        status, chunk = client.readmem(addr + len(got), n)
        assert status == 0
        assert len(chunk) == n
        got += chunk
    assert got[:size] == expected
    assert got[size:] == b"\0" * (rounded - size)


def test_readmem_limits(client):
    _name, addr, _size = _xml_location(client)
    assert client.readmem(addr, 540)[0] == 0x8002  # INVALID_PARAMETER: more than 536 bytes
    assert client.readmem(addr + 2, 8)[0] == 0x8005  # BAD_ALIGNMENT
    assert client.readmem(addr, 6)[0] == 0x8005
    assert client.readmem(0x0000_F000, 4)[0] == 0x8003  # INVALID_ADDRESS: between regions
    assert client.readmem(0x0F00_0000, 4)[0] == 0x8003


def test_zipped_xml_device(module_netns, camera_map):
    import io
    import zipfile

    with Device(camera_map, FirmwareBackend(camera_map), port=13956, zip_xml=True):
        c = Client(port=13956)
        try:
            name, addr, size = _xml_location(c)
            data = b""
            while len(data) < size:
                status, chunk = c.readmem(
                    addr + len(data), min(512, -(-(size - len(data)) // 4) * 4)
                )
                assert status == 0
                data += chunk
        finally:
            c.close()
    assert name == f"{camera_map.stem}.zip"
    with zipfile.ZipFile(io.BytesIO(data[:size])) as z:
        (member,) = z.namelist()
        assert z.read(member) == generate_genicam_xml(camera_map).encode()


# -- registers ------------------------------------------------------------------------------


def test_multi_address_readreg_and_writereg(client, camera_map):
    (a_delay, _, _), (a_exp, _, _) = (
        field_addr(camera_map, "TriggerDelay", 0),
        field_addr(camera_map, "ExposureTime"),
    )
    status, index = client.writereg((a_delay, 1234), (a_exp, 4321))
    assert (status, index) == (0, 2)
    status, values = client.readreg(a_delay, 0x0934, a_exp)
    assert status == 0
    assert values[0] & field_addr(camera_map, "TriggerDelay")[1] == 1234
    assert values[2] & field_addr(camera_map, "ExposureTime")[1] == 4321


def test_status_codes_follow_the_bus(client, camera_map):
    a_exp = field_addr(camera_map, "ExposureTime")[0]
    ro = next(r for r in camera_map.registers if r.read_only)
    unmapped = max(a for r in camera_map.registers for a in r.addresses) + 4
    # READREG stops at the first failing address; the ack holds the values before it
    status, values = client.readreg(a_exp, unmapped, a_exp)
    assert status == 0x8003 and len(values) == 1
    assert client.readreg(a_exp + 2)[0] == 0x8005
    # WRITEREG: the index of the failing write
    assert client.writereg((a_exp, 5000), (ro.address, 1)) == (0x8004, 1)
    assert client.writereg((unmapped, 1)) == (0x8003, 0)
    assert client.writereg((0x0000, 1)) == (0x8004, 0)  # bootstrap version: read-only
    assert get_field(client, camera_map, "ExposureTime") == 5000


def test_malformed_packets_get_status_or_silence(client, camera_map):
    assert client.raw(b"\x42\x01\x00", timeout=0.2) is None  # too short: silence
    assert client.raw(struct.pack(">BBHHH", 0x43, 1, 0x80, 4, 1) + b"\0" * 4, 0.2) is None
    ans = client.raw(struct.pack(">BBHHH", 0x42, 1, 0x1234, 0, 5))
    assert struct.unpack_from(">HHHH", ans) == (0x8001, 0x1235, 0, 5)  # NOT_IMPLEMENTED
    ans = client.raw(struct.pack(">BBHHH", 0x42, 1, 0x0080, 8, 6) + b"\0" * 4)
    assert struct.unpack_from(">HHHH", ans)[:2] == (0x800E, 0x0081)  # INVALID_HEADER: length
    ans = client.raw(struct.pack(">BBHHH", 0x42, 1, 0x0080, 4, 0) + b"\0" * 4)
    assert struct.unpack_from(">HH", ans) == (0x800E, 0x0081)  # req_id 0
    # without the ack flag: executed, not answered
    a_exp = field_addr(camera_map, "ExposureTime")[0]
    pkt = struct.pack(">BBHHHII", 0x42, 0, 0x0082, 8, 9, a_exp, 777)
    assert client.raw(pkt, timeout=0.2) is None
    assert get_field(client, camera_map, "ExposureTime") == 777
    # the device still answers
    assert client.read(0x0934)


# -- control channel ------------------------------------------------------------------------


def test_control_privilege_and_access_denied(device, camera_map):
    a, b = Client(), Client()
    a_exp = field_addr(camera_map, "ExposureTime")[0]
    try:
        a.write(0x0A00, 2)  # control
        assert a.read(0x0A00) == 2
        assert b.writereg((a_exp, 100)) == (0x8006, 0)  # ACCESS_DENIED
        assert b.writereg((0x0A00, 2)) == (0x8006, 0)
        assert b.readreg(a_exp)[0] == 0  # control access: others may still read
        a.write(0x0A00, 3)  # exclusive
        assert b.readreg(a_exp)[0] == 0x8006
        a.write(a_exp, 100)
        a.write(0x0A00, 0)  # release
        b.write(0x0A00, 2)
        assert a.writereg((a_exp, 1)) == (0x8006, 0)
        b.write(0x0A00, 0)
    finally:
        a.close()
        b.close()


def test_heartbeat_timeout_releases_control(device):
    a, b = Client(), Client()
    try:
        a.write(0x0A00, 2)
        a.write(0x0938, 300)  # heartbeat timeout, ms
        a.write(0x0D00, 40000)  # a stream channel open
        assert b.writereg((0x0A00, 2))[0] == 0x8006
        deadline = time.monotonic() + 5
        while b.writereg((0x0A00, 2))[0] != 0:  # a went silent
            assert time.monotonic() < deadline, "control was never released"
            time.sleep(0.05)
        assert b.read(0x0D00) == 0  # the stream channel was closed with the old control
        b.write(0x0938, 3000)
        b.write(0x0A00, 0)
    finally:
        a.close()
        b.close()


def test_timestamp_latch_and_reset(client, camera_map):
    def latch() -> int:
        client.write(0x0944, 2)
        hi, lo = client.readreg(0x0948, 0x094C)[1]
        return hi << 32 | lo

    t1 = latch()
    time.sleep(0.01)
    t2 = latch()
    assert t2 > t1
    client.write(0x0944, 1)  # reset
    t3 = latch()
    assert t3 < t2


# -- busy backend and robustness ------------------------------------------------------------


def test_pending_ack_while_the_backend_is_busy(device, client, camera_map):
    """A READREG that waits for the backend gets a PENDING_ACK, then its answer."""
    client.sock.settimeout(2.0)
    a_exp = field_addr(camera_map, "ExposureTime")[0]
    with device.lock:  # the backend is busy (e.g. rendering a frame)
        client.sock.sendto(struct.pack(">BBHHHI", 0x42, 1, 0x0080, 4, 77, a_exp), client.dest)
        first = client.sock.recv(2048)
        time.sleep(0.05)
    second = client.sock.recv(2048)
    status, ack, length, req = struct.unpack_from(">HHHH", first)
    assert (status, ack, length, req) == (0, 0x0089, 4, 77)
    assert struct.unpack_from(">I", first, 8)[0] > 0  # time to completion, ms
    assert struct.unpack_from(">HHHH", second) == (0, 0x0081, 4, 77)


class _SlowBackend(FirmwareBackend):
    """A backend that takes 60 ms to catch up with the clock (as a simulated RTL can)."""

    slow = False

    def advance(self, until_cycle):
        if self.slow:
            time.sleep(0.06)
        return super().advance(until_cycle)


def test_pending_ack_while_the_backend_catches_up(module_netns, camera_map):
    backend = _SlowBackend(camera_map)
    a_exp = field_addr(camera_map, "ExposureTime")[0]
    with Device(camera_map, backend, port=0) as dev:
        c = Client(port=dev.port)
        try:
            backend.slow = True
            c.sock.settimeout(2.0)
            c.sock.sendto(struct.pack(">BBHHHI", 0x42, 1, 0x0080, 4, 78, a_exp), c.dest)
            first, second = c.sock.recv(2048), c.sock.recv(2048)
        finally:
            backend.slow = False
            c.close()
    assert struct.unpack_from(">HHHH", first) == (0, 0x0089, 4, 78)
    assert struct.unpack_from(">HHHH", second) == (0, 0x0081, 4, 78)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    key=st.sampled_from([0x42, 0x42, 0x42, 0x00, 0xFF]),
    flags=st.integers(0, 255),
    command=st.sampled_from([0x0002, 0x0080, 0x0084, 0x0040, 0x0089, 0x7FFF, 0xFFFF]),
    length=st.integers(0, 0xFFFF),
    req_id=st.integers(0, 0xFFFF),
    payload=st.binary(max_size=64),
)
def test_fuzzed_reads_get_an_ack_or_silence(device, key, flags, command, length, req_id, payload):
    c = Client()
    try:
        answered = key == 0x42 and flags & 1 and command != 0x0040
        ans = c.raw(struct.pack(">BBHHH", key, flags, command, length, req_id) + payload, 0.05)
        if ans is None and answered:  # a slow answer, on a loaded machine
            c.sock.settimeout(2.0)
            ans = c.sock.recv(2048)
        if ans is not None:
            assert key == 0x42 and flags & 1 and command != 0x0040
            status, ack, alen, aid = struct.unpack_from(">HHHH", ans)
            assert (ack, aid) == ((command + 1) & 0xFFFF, req_id)
            assert alen == len(ans) - 8
            header_ok = req_id != 0 and length % 4 == 0 and len(payload) >= length
            if command not in (0x0002, 0x0080, 0x0084):
                assert status == 0x8001  # NOT_IMPLEMENTED
            elif not header_ok:
                assert status == 0x800E  # INVALID_HEADER
            elif command == 0x0002:
                assert status == 0 and alen == 0xF8
            elif command == 0x0080 and (length == 0 or length > 540):
                assert status == 0x8002  # INVALID_PARAMETER
            elif command == 0x0084 and length != 8:
                assert status == 0x8002
        else:
            assert key != 0x42 or not flags & 1 or command == 0x0040
        assert c.read(0x0934)  # still serving
    finally:
        c.close()


class _DyingBackend(FirmwareBackend):
    """A backend whose simulator dies on demand."""

    dead = False

    def advance(self, until_cycle):
        if self.dead:
            raise RuntimeError("the simulator exited")
        return super().advance(until_cycle)


def test_a_failing_backend_is_reported_and_answered_with_error(module_netns, camera_map):
    backend = _DyingBackend(camera_map)
    with Device(camera_map, backend, port=0) as dev:
        c = Client(port=dev.port)
        try:
            assert c.readreg(0x0934)[0] == 0
            backend.dead = True
            deadline = time.monotonic() + 5
            while dev.failure is None:
                assert time.monotonic() < deadline, "the failure was never recorded"
                time.sleep(0.01)
            assert str(dev.failure) == "the simulator exited"
            a_exp = field_addr(camera_map, "ExposureTime")[0]
            assert c.readreg(a_exp)[0] == 0x8FFF  # answered, with ERROR
            assert c.readreg(0x0934)[0] == 0  # bootstrap registers do not need the backend
        finally:
            c.close()
