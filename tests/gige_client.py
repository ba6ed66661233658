"""A small GVCP/GVSP client for the device tests, written from the GigE Vision packet layouts
(not from the device's code): one UDP socket for commands, one for a stream channel."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

from regmap import RegisterMap


class Client:
    """A minimal GVCP client: one UDP socket, one request at a time."""

    def __init__(self, host: str = "127.0.0.1", port: int = 3956) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(1.0)
        self.dest = (host, port)
        self.req = 0

    def close(self) -> None:
        self.sock.close()

    def raw(self, data: bytes, timeout: float = 1.0) -> bytes | None:
        """Send a datagram; the answer, or None after ``timeout`` of silence."""
        self.sock.sendto(data, self.dest)
        self.sock.settimeout(timeout)
        try:
            while True:
                ans = self.sock.recv(2048)
                if struct.unpack_from(">H", ans, 2)[0] != 0x0089:  # skip PENDING_ACK
                    return ans
        except TimeoutError:
            return None

    def command(self, cmd: int, payload: bytes = b"", flags: int = 0x01) -> tuple[int, bytes]:
        self.req = self.req % 0xFFFF + 1
        ans = self.raw(struct.pack(">BBHHH", 0x42, flags, cmd, len(payload), self.req) + payload)
        assert ans is not None, f"no answer to command 0x{cmd:04X}"
        status, ack, length, req = struct.unpack_from(">HHHH", ans)
        assert ack == cmd + 1 and req == self.req
        assert length == len(ans) - 8
        return status, ans[8:]

    def readreg(self, *addrs: int) -> tuple[int, list[int]]:
        status, body = self.command(0x0080, struct.pack(f">{len(addrs)}I", *addrs))
        return status, list(struct.unpack(f">{len(body) // 4}I", body))

    def read(self, addr: int) -> int:
        status, values = self.readreg(addr)
        assert status == 0, f"READREG 0x{addr:X}: status 0x{status:04X}"
        return values[0]

    def writereg(self, *pairs: tuple[int, int]) -> tuple[int, int]:
        words = [w for p in pairs for w in p]
        status, body = self.command(0x0082, struct.pack(f">{len(words)}I", *words))
        return status, struct.unpack(">HH", body)[1]

    def write(self, addr: int, value: int) -> None:
        status, _ = self.writereg((addr, value))
        assert status == 0, f"WRITEREG 0x{addr:X}: status 0x{status:04X}"

    def readmem(self, addr: int, count: int) -> tuple[int, bytes]:
        status, body = self.command(0x0084, struct.pack(">II", addr, count))
        if status == 0:
            assert struct.unpack_from(">I", body)[0] == addr
        return status, body[4:]

    def string(self, addr: int, size: int) -> str:
        status, data = self.readmem(addr, size)
        assert status == 0
        return data.split(b"\0", 1)[0].decode()


def field_addr(rmap: RegisterMap, feature: str, index: int = 0) -> tuple[int, int, int]:
    reg, f = rmap.feature(feature)
    return reg.address_of(index), f.mask, f.lsb


def set_field(c: Client, rmap: RegisterMap, feature: str, raw: int, index: int = 0) -> None:
    addr, mask, lsb = field_addr(rmap, feature, index)
    old = c.read(addr)
    c.write(addr, (old & ~mask) | (raw << lsb & mask))


def get_field(c: Client, rmap: RegisterMap, feature: str, index: int = 0) -> int:
    addr, mask, lsb = field_addr(rmap, feature, index)
    return (c.read(addr) & mask) >> lsb


@dataclass
class Packet:
    status: int
    block_id: int
    format: int
    packet_id: int
    body: bytes


def parse_gvsp(data: bytes) -> Packet:
    status, block_id, info = struct.unpack_from(">HHI", data)
    return Packet(status, block_id, info >> 24, info & 0xFFFFFF, data[8:])


@dataclass
class Received:
    """One GVSP block as received: leader fields, the payload, the trailer."""

    block_id: int
    timestamp: int
    pixel_format: int
    width: int
    height: int
    offset_x: int
    offset_y: int
    payload: bytes
    packets: dict[int, Packet] = field(default_factory=dict)
    size_y: int = 0


class StreamReceiver:
    """A stream channel's receiving end. Its socket buffer holds a few whole frames: the tests
    that use it check content, and share the interpreter with the device they receive from."""

    def __init__(self, rcvbuf: int = 8 * 1024 * 1024) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()

    def packet(self, timeout: float = 2.0) -> Packet:
        self.sock.settimeout(timeout)
        return parse_gvsp(self.sock.recv(65536))

    def block(self, timeout: float = 5.0) -> Received:
        """Receive packets up to a trailer; the block they make (leader first)."""
        packets: dict[int, Packet] = {}
        while True:
            p = self.packet(timeout)
            packets[p.packet_id] = p
            if p.format == 2:
                break
        leader = packets[0]
        assert leader.format == 1
        (_r, ptype, ts, pfnc, w, h, x, y, _px, _py) = struct.unpack_from(">HHQIIIIIHH", leader.body)
        assert ptype == 1  # image
        trailer = packets[max(packets)]
        _r, ttype, size_y = struct.unpack_from(">HHI", trailer.body)
        assert ttype == 1
        payload = b"".join(packets[i].body for i in range(1, max(packets)))
        return Received(leader.block_id, ts, pfnc, w, h, x, y, payload, packets, size_y)
