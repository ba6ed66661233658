"""Fuzzed GVCP packets never crash the device, and each gets the status code or the silence
that GigE Vision 2.x prescribes.

The expectations come from the specification's rules (§15 GVCP: the 0x42 key, the acknowledge
flag, header checks, per-command limits: 135 addresses per READREG, 67 pairs per WRITEREG,
536 bytes per READMEM/WRITEMEM, aligned accesses; PACKETRESEND never acknowledged; the
bootstrap registers' access rights) and from the register map (which addresses are registers,
which are read-only). Where the specification leaves the choice to the device (unused
bootstrap addresses, the order of two independent header faults), every allowed answer is
accepted. Silence is observed with a sentinel READREG sent right behind each packet: the device
answers in order, so the first answer to arrive is the sentinel's when the packet got none.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regmap import RegisterMap, load
from tests.clients import gvcp as g
from tests.clients.twin import serve

SILENCE = None
SENTINEL_ID = 0xFFFF
MAX_READREG = 135  # 540 bytes of payload in a 576-byte GVCP packet
MAX_WRITEREG = 67
MAX_MEMORY = 536

# Bootstrap registers (GigE Vision 2.x, table 28-1) by access right.
BOOTSTRAP_END = 0x0D40  # through stream channel 0's block
BOOTSTRAP_READ_ONLY = [
    *range(0x0000, 0x0014, 4),  # version, device mode, MAC, network capability
    *range(0x0018, 0x00E8, 4),  # current IP configuration and the read-only strings
    *range(0x0200, 0x0600, 4),  # the two XML URLs
    0x0600,  # number of network interfaces
    0x0900,  # number of message channels
    0x0904,  # number of stream channels
    0x0934,  # GVCP capability
    0x093C,  # timestamp tick frequency high
    0x0940,  # timestamp tick frequency low
    0x0948,  # timestamp value high (latched)
    0x094C,  # timestamp value low
]
BOOTSTRAP_WRITABLE = [
    0x0938,  # heartbeat timeout
    0x0944,  # timestamp control
    0x0A00,  # CCP
    0x0D00,  # SCP0
    0x0D04,  # SCPS
    0x0D08,  # SCPD
    0x0D18,  # SCDA
    *range(0x00E8, 0x00F8, 4),  # user-defined name
]
KNOWN = {
    g.DISCOVERY_CMD,
    g.PACKETRESEND_CMD,
    g.READREG_CMD,
    g.WRITEREG_CMD,
    g.READMEM_CMD,
    g.WRITEMEM_CMD,
}


class AddressSpace:
    """What the specification and the register map say about each address."""

    def __init__(self, rmap: RegisterMap, xml_address: int, xml_length: int):
        self.readable_regs = set()
        self.writable_regs = set()
        self.read_only_regs = set()
        for reg in rmap.registers:
            for a in reg.addresses:
                self.readable_regs.add(a)
                (self.read_only_regs if reg.read_only else self.writable_regs).add(a)
        self.xml = (xml_address, xml_address + (xml_length + 3) // 4 * 4)
        self.base = rmap.device.base_address

    def in_xml(self, addr: int) -> bool:
        return self.xml[0] <= addr < self.xml[1]

    def near_xml_end(self, addr: int) -> bool:
        # a device may serve a window a little larger than the file (zero padding)
        return self.xml[1] <= addr < self.xml[1] + 0x1000

    def read(self, addr: int) -> set[int]:
        if addr % 4:
            return {g.STATUS_BAD_ALIGNMENT}
        if addr < BOOTSTRAP_END:
            if addr in BOOTSTRAP_READ_ONLY or addr in BOOTSTRAP_WRITABLE:
                return {g.STATUS_SUCCESS}
            return {g.STATUS_SUCCESS, g.STATUS_INVALID_ADDRESS}  # unused: device's choice
        if self.in_xml(addr) or addr in self.readable_regs:
            return {g.STATUS_SUCCESS}
        if self.near_xml_end(addr):
            return {g.STATUS_SUCCESS, g.STATUS_INVALID_ADDRESS}
        return {g.STATUS_INVALID_ADDRESS}

    def write(self, addr: int) -> set[int]:
        if addr % 4:
            return {g.STATUS_BAD_ALIGNMENT}
        if addr < BOOTSTRAP_END:
            if addr in BOOTSTRAP_WRITABLE:
                return {g.STATUS_SUCCESS}
            if addr in BOOTSTRAP_READ_ONLY:
                return {g.STATUS_WRITE_PROTECT}
            # unused, or optional features (persistent IP, message channel): device's choice
            return {g.STATUS_SUCCESS, g.STATUS_WRITE_PROTECT, g.STATUS_INVALID_ADDRESS}
        if self.in_xml(addr) or addr in self.read_only_regs:
            return {g.STATUS_WRITE_PROTECT}
        if addr in self.writable_regs:
            return {g.STATUS_SUCCESS}
        if self.near_xml_end(addr):
            return {g.STATUS_WRITE_PROTECT, g.STATUS_INVALID_ADDRESS}
        return {g.STATUS_INVALID_ADDRESS}


def _sequence(statuses: list[set[int]]) -> set[int]:
    """Statuses of a command that stops at the first failing access."""
    possible: set[int] = set()
    for s in statuses:
        possible |= s - {g.STATUS_SUCCESS}
        if g.STATUS_SUCCESS not in s:
            return possible
    return possible | {g.STATUS_SUCCESS}


def expected(packet: bytes, space: AddressSpace) -> set[int | None]:
    """Every answer the specification allows: a status code, or SILENCE."""
    if len(packet) < 8 or packet[0] != g.KEY:
        return {SILENCE}
    _key, flags, cmd, length, req_id = g.HEADER.unpack_from(packet)
    payload = packet[8:]
    if cmd == g.PACKETRESEND_CMD or not flags & g.FLAG_ACK_REQUIRED:
        return {SILENCE}
    malformed = req_id == 0 or length % 4 or len(payload) < length
    if cmd not in KNOWN:
        return {g.STATUS_NOT_IMPLEMENTED} | ({g.STATUS_INVALID_HEADER} if malformed else set())
    if malformed:
        return {g.STATUS_INVALID_HEADER}
    body = payload[:length]
    if cmd == g.DISCOVERY_CMD:
        return {g.STATUS_SUCCESS}
    if cmd == g.READREG_CMD:
        n = len(body) // 4
        if not 1 <= n <= MAX_READREG:
            return {g.STATUS_INVALID_PARAMETER}
        return _sequence([space.read(a) for a in struct.unpack(f">{n}I", body)])
    if cmd == g.WRITEREG_CMD:
        n = len(body) // 8
        if len(body) % 8 or not 1 <= n <= MAX_WRITEREG:
            return {g.STATUS_INVALID_PARAMETER}
        words = struct.unpack(f">{2 * n}I", body)
        return _sequence([space.write(words[2 * i]) for i in range(n)])
    if cmd == g.READMEM_CMD:
        if len(body) != 8:
            return {g.STATUS_INVALID_PARAMETER}
        addr, _reserved, count = struct.unpack(">IHH", body)
        if not 1 <= count <= MAX_MEMORY:
            return {g.STATUS_INVALID_PARAMETER}
        if addr % 4 or count % 4:
            return {g.STATUS_BAD_ALIGNMENT}
        return _sequence([space.read(a) for a in range(addr, addr + count, 4)])
    # WRITEMEM: address, then at least one word of data
    if len(body) < 8 or len(body) - 4 > MAX_MEMORY:
        return {g.STATUS_INVALID_PARAMETER}
    addr = struct.unpack_from(">I", body)[0]
    if addr % 4:
        return {g.STATUS_BAD_ALIGNMENT}
    if addr == 0x0A00 and len(body) == 8:
        return {g.STATUS_SUCCESS}
    return _sequence([space.write(a) for a in range(addr, addr + len(body) - 4, 4)])


@pytest.fixture(scope="module")
def device(module_netns, camera_map):
    with serve(camera_map, serial="FUZZ0001") as served, g.GvcpClient(timeout=2.0) as c:
        _status, url_bytes = c.readmem(0x0200, 512)
        url = url_bytes.split(b"\0", 1)[0].decode()
        _name, addr, length = url.split(";")
        space = AddressSpace(camera_map, int(addr, 16), int(length, 16))
        yield served, c, space
        assert c.readreg(0x0000)[0] == g.STATUS_SUCCESS  # still serving after every example


def check(device, packet: bytes) -> None:
    _served, c, space = device
    allowed = expected(packet, space)
    fuzzed_id = struct.unpack_from(">H", packet, 6)[0] if len(packet) >= 8 else None
    sentinel_id = SENTINEL_ID if fuzzed_id != SENTINEL_ID else SENTINEL_ID - 1
    c.send(packet)
    c.send(g.command(g.READREG_CMD, struct.pack(">I", 0), req_id=sentinel_id))
    first = c.receive(timeout=2.0)
    assert first is not None, f"the device went silent after {packet.hex()}"
    if first.ack_id == sentinel_id:
        got = SILENCE
    else:
        got = first.status
        assert first.ack_id == fuzzed_id, f"ack id {first.ack_id} for request {fuzzed_id}"
        sentinel = c.receive(timeout=2.0)
        assert sentinel is not None and sentinel.ack_id == sentinel_id, "no answer after ack"
    name = "silence" if got is None else f"0x{got:04x}"
    assert got in allowed, f"{packet.hex()}: got {name}, allowed {allowed}"


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def header(cmd, payload, *, key=g.KEY, flags=g.FLAG_ACK_REQUIRED, length=None, req_id=1):
    n = len(payload) if length is None else length
    return struct.pack(">BBHHH", key, flags, cmd, n, req_id) + payload


_MAP = load(Path(__file__).resolve().parent.parent / "regmap" / "camera.yaml")
ANCHORS = sorted(
    {*BOOTSTRAP_READ_ONLY[::8], *BOOTSTRAP_WRITABLE, 0x0F00, 0xFFFF_FFFC}
    | {a for reg in _MAP.registers for a in reg.addresses}
)


def addresses():
    """Addresses near the interesting ones (bootstrap, the map's registers, the XML file, as
    ``("xml", offset)`` resolved once the device tells where its XML is), or anywhere."""
    near = st.tuples(st.sampled_from(ANCHORS), st.integers(-64, 64)).map(
        lambda t: (t[0] + t[1]) & 0xFFFF_FFFF
    )
    xml = st.tuples(st.just("xml"), st.integers(-64, 0x10000))
    return st.one_of(st.sampled_from(ANCHORS), near, xml, st.integers(0, 0xFFFF_FFFF))


def resolve(space: AddressSpace, a) -> int:
    if isinstance(a, tuple):
        return (space.xml[0] + a[1]) & 0xFFFF_FFFF
    return a


@SETTINGS
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes(device, data):
    check(device, data)


@SETTINGS
@given(
    key=st.sampled_from([g.KEY, 0x00, 0x43, 0xFF]),
    flags=st.integers(0, 255),
    cmd=st.one_of(st.sampled_from(sorted(KNOWN)), st.integers(0, 0xFFFF)),
    length=st.one_of(st.none(), st.integers(0, 0xFFFF)),
    req_id=st.integers(0, 0xFFFE),
    payload=st.binary(max_size=560),
)
def test_header_fields(device, key, flags, cmd, length, req_id, payload):
    check(device, header(cmd, payload, key=key, flags=flags, length=length, req_id=req_id))


@SETTINGS
@given(addrs=st.lists(addresses(), min_size=0, max_size=140), req_id=st.integers(1, 0xFFFE))
def test_readreg_addresses(device, addrs, req_id):
    payload = b"".join(struct.pack(">I", resolve(device[2], a)) for a in addrs)
    check(device, header(g.READREG_CMD, payload, req_id=req_id))


@SETTINGS
@given(
    pairs=st.lists(st.tuples(addresses(), st.integers(0, 0xFFFF_FFFF)), min_size=0, max_size=70),
    req_id=st.integers(1, 0xFFFE),
)
def test_writereg_addresses(device, pairs, req_id):
    payload = b"".join(struct.pack(">II", resolve(device[2], a), v) for a, v in pairs)
    check(device, header(g.WRITEREG_CMD, payload, req_id=req_id))


@SETTINGS
@given(addr=addresses(), count=st.integers(0, 0xFFFF), req_id=st.integers(1, 0xFFFE))
def test_readmem_ranges(device, addr, count, req_id):
    body = struct.pack(">IHH", resolve(device[2], addr), 0, count)
    check(device, header(g.READMEM_CMD, body, req_id=req_id))


@SETTINGS
@given(addr=addresses(), data=st.binary(max_size=600), req_id=st.integers(1, 0xFFFE))
def test_writemem_ranges(device, addr, data, req_id):
    data = data[: len(data) // 4 * 4]
    body = struct.pack(">I", resolve(device[2], addr)) + data
    check(device, header(g.WRITEMEM_CMD, body, req_id=req_id))


def test_reference_agrees_with_the_specification_examples(device):
    """Hand-picked packets with the answer the specification gives (a check of the oracle)."""
    _served, _c, space = device
    readreg = lambda *a: header(g.READREG_CMD, b"".join(struct.pack(">I", x) for x in a))  # noqa: E731
    assert expected(b"\x42\x01\x00", space) == {SILENCE}
    assert expected(header(g.READREG_CMD, b"\0\0\0\0", key=0x43), space) == {SILENCE}
    assert expected(header(g.READREG_CMD, b"\0\0\0\0", flags=0), space) == {SILENCE}
    assert expected(header(0x1234, b""), space) == {g.STATUS_NOT_IMPLEMENTED}
    assert expected(readreg(0x0000), space) == {g.STATUS_SUCCESS}
    assert expected(readreg(0x0002), space) == {g.STATUS_BAD_ALIGNMENT}
    assert expected(readreg(0x0000, 0xFFFF_FFF0), space) == {g.STATUS_INVALID_ADDRESS}
    assert expected(readreg(*[0] * 136), space) == {g.STATUS_INVALID_PARAMETER}
    write_version = header(g.WRITEREG_CMD, struct.pack(">II", 0x0000, 1))
    assert expected(write_version, space) == {g.STATUS_WRITE_PROTECT}
    resend = header(g.PACKETRESEND_CMD, bytes(12))
    assert expected(resend, space) == {SILENCE}


def test_ack_of_command_0x0088_is_not_a_pending_ack(device):
    """Its acknowledge reads 0x0089 like a PENDING_ACK, but carries NOT_IMPLEMENTED."""
    check(device, header(0x0088, b"", req_id=0))
    check(device, header(0x0088, b"\0\0\0\0", req_id=9))
