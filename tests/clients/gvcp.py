"""A raw GVCP client: builds commands, parses acknowledges, times round trips.

Used by the fuzz tests (packets no real client would send) and the GigE benchmark (register-read
round trip). The packet layout is GigE Vision 2.x §15 (GVCP): a command header
``0x42, flags, command u16, length u16, req_id u16``, an acknowledge header
``status u16, answer u16, length u16, ack_id u16``, everything big-endian.
"""

from __future__ import annotations

import socket
import struct
import time
from dataclasses import dataclass

from tests import netns

PORT = 3956
KEY = 0x42
FLAG_ACK_REQUIRED = 0x01

DISCOVERY_CMD = 0x0002
PACKETRESEND_CMD = 0x0040
READREG_CMD = 0x0080
WRITEREG_CMD = 0x0082
READMEM_CMD = 0x0084
WRITEMEM_CMD = 0x0086
PENDING_ACK = 0x0089

STATUS_SUCCESS = 0x0000
STATUS_NOT_IMPLEMENTED = 0x8001
STATUS_INVALID_PARAMETER = 0x8002
STATUS_INVALID_ADDRESS = 0x8003
STATUS_WRITE_PROTECT = 0x8004
STATUS_BAD_ALIGNMENT = 0x8005
STATUS_ACCESS_DENIED = 0x8006
STATUS_BUSY = 0x8007
STATUS_INVALID_HEADER = 0x800E
STATUS_WRONG_CONFIG = 0x800F

HEADER = struct.Struct(">BBHHH")
ACK = struct.Struct(">HHHH")


def command(
    cmd: int, payload: bytes = b"", req_id: int = 1, flags: int = FLAG_ACK_REQUIRED
) -> bytes:
    """One GVCP command packet."""
    return HEADER.pack(KEY, flags, cmd, len(payload), req_id) + payload


@dataclass(frozen=True)
class Ack:
    status: int
    answer: int
    length: int
    ack_id: int
    payload: bytes

    @classmethod
    def parse(cls, data: bytes) -> Ack:
        if len(data) < ACK.size:
            raise ValueError(f"acknowledge must be at least 8 bytes, not {len(data)}")
        status, answer, length, ack_id = ACK.unpack_from(data)
        return cls(status, answer, length, ack_id, data[ACK.size :])


class GvcpClient:
    """A UDP socket talking GVCP to one device; call inside a loopback-only namespace."""

    def __init__(self, address: str = "127.0.0.1", port: int = PORT, timeout: float = 1.0):
        netns.require_loopback_only()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.connect((address, port))
        self.sock.settimeout(timeout)
        self._req_id = 0

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> GvcpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def next_id(self) -> int:
        self._req_id = self._req_id % 0xFFFF + 1  # never 0
        return self._req_id

    def send(self, packet: bytes) -> None:
        self.sock.send(packet)

    def receive(self, timeout: float | None = None) -> Ack | None:
        """The next acknowledge (PENDING_ACKs skipped), or None on silence."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        while True:
            try:
                ack = Ack.parse(self.sock.recv(65536))
            except TimeoutError:
                return None
            # a PENDING_ACK (status SUCCESS, 4 bytes: reserved, time to completion) announces
            # the real answer; an ack of command 0x0088 also reads 0x0089, but not like that
            if not (ack.answer == PENDING_ACK and ack.status == STATUS_SUCCESS and ack.length == 4):
                return ack

    def request(self, cmd: int, payload: bytes = b"") -> Ack:
        req_id = self.next_id()
        self.send(command(cmd, payload, req_id))
        ack = self.receive()
        if ack is None:
            raise TimeoutError(f"no acknowledge to command 0x{cmd:04x}")
        if ack.ack_id != req_id:
            raise ValueError(f"acknowledge id {ack.ack_id} does not match request {req_id}")
        return ack

    def readreg(self, *addresses: int) -> tuple[int, list[int]]:
        ack = self.request(READREG_CMD, b"".join(struct.pack(">I", a) for a in addresses))
        n = len(ack.payload) // 4
        return ack.status, list(struct.unpack(f">{n}I", ack.payload[: 4 * n]))

    def writereg(self, *pairs: tuple[int, int]) -> tuple[int, int]:
        """(status, index of the first failing write or number of writes done)."""
        ack = self.request(WRITEREG_CMD, b"".join(struct.pack(">II", a, v) for a, v in pairs))
        return ack.status, struct.unpack(">HH", ack.payload[:4])[1] if ack.payload else 0

    def readmem(self, address: int, count: int) -> tuple[int, bytes]:
        ack = self.request(READMEM_CMD, struct.pack(">IHH", address, 0, count))
        return ack.status, ack.payload[4:]

    def round_trips(self, address: int, n: int) -> list[float]:
        """Seconds per READREG of one register, ``n`` times, one at a time."""
        out = []
        for _ in range(n):
            t = time.perf_counter()
            status, _ = self.readreg(address)
            out.append(time.perf_counter() - t)
            if status != STATUS_SUCCESS:
                raise ValueError(f"READREG 0x{address:08x} failed with status 0x{status:04x}")
        return out


def wait_until_answering(address: str = "127.0.0.1", timeout: float = 10.0) -> None:
    """Poll READREG of the version register until the device acknowledges."""
    deadline = time.monotonic() + timeout
    with GvcpClient(address, timeout=0.1) as c:
        while time.monotonic() < deadline:
            try:
                c.readreg(0x0000)
                return
            except (TimeoutError, ConnectionRefusedError):
                time.sleep(0.05)
    raise TimeoutError(f"no GVCP device answers on {address}:{PORT}")
