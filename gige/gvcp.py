"""GVCP, the GigE Vision control protocol: a device on UDP port 3956.

:class:`GvcpServer` receives commands on the device's address (127.0.0.1 unless the user names
another) and the broadcast discoveries that arrive on that address's interface, and answers them
from the bootstrap memory (:mod:`gige.bootstrap`), the XML file, and the backend's register bus
(manufacturer space, at and above the map's base address). docs/gige.md lists every command,
register and status code, and what a malformed packet gets.
"""

from __future__ import annotations

import contextlib
import errno
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from regmap import gev_bootstrap as gev

from . import bootstrap as bs

if TYPE_CHECKING:
    from .device import Device

__all__ = [
    "ACK_REQUIRED",
    "COMMANDS",
    "GVCP_PORT",
    "KEY",
    "STATUS",
    "GvcpServer",
    "PortInUseError",
]

GVCP_PORT = 3956
KEY = 0x42
ACK_REQUIRED = 0x01
EXTENDED_IDS = 0x10
HEADER = struct.Struct(">BBHHH")  # key, flags, command, length, req_id
ACK_HEADER = struct.Struct(">HHHH")  # status, ack, length, ack_id

DISCOVERY = 0x0002
PACKETRESEND = 0x0040
READREG = 0x0080
WRITEREG = 0x0082
READMEM = 0x0084
WRITEMEM = 0x0086
PENDING_ACK = 0x0089
COMMANDS = {
    DISCOVERY: "DISCOVERY",
    PACKETRESEND: "PACKETRESEND",
    READREG: "READREG",
    WRITEREG: "WRITEREG",
    READMEM: "READMEM",
    WRITEMEM: "WRITEMEM",
}

SUCCESS = 0x0000
NOT_IMPLEMENTED = 0x8001
INVALID_PARAMETER = 0x8002
INVALID_ADDRESS = 0x8003
WRITE_PROTECT = 0x8004
BAD_ALIGNMENT = 0x8005
ACCESS_DENIED = 0x8006
BUSY = 0x8007
INVALID_HEADER = 0x800E
GENERIC_ERROR = 0x8FFF
STATUS = {
    "SUCCESS": SUCCESS,
    "NOT_IMPLEMENTED": NOT_IMPLEMENTED,
    "INVALID_PARAMETER": INVALID_PARAMETER,
    "INVALID_ADDRESS": INVALID_ADDRESS,
    "WRITE_PROTECT": WRITE_PROTECT,
    "BAD_ALIGNMENT": BAD_ALIGNMENT,
    "ACCESS_DENIED": ACCESS_DENIED,
    "BUSY": BUSY,
    "INVALID_HEADER": INVALID_HEADER,
    "ERROR": GENERIC_ERROR,
}
BUS_STATUS = {
    "ok": SUCCESS,
    "unmapped": INVALID_ADDRESS,
    "unaligned": BAD_ALIGNMENT,
    "read_only": WRITE_PROTECT,
    "write_only": INVALID_ADDRESS,
    "busy": BUSY,
    "error": GENERIC_ERROR,
}
"""GVCP status of each backend bus answer (:data:`gige.backend.BusStatus`)."""

MAX_REGISTERS = 135
"""READREG/WRITEREG: at most 540 bytes of payload (GVCP's 576-byte datagram limit)."""
MAX_MEMORY = 536
"""READMEM/WRITEMEM: at most 536 data bytes (540 with the address)."""
PENDING_AFTER_S = 0.02
"""An access that waits this long for the backend is acknowledged with PENDING_ACK first."""
PENDING_TIMEOUT_MS = 1000
"""The completion time announced in a PENDING_ACK."""
MAX_CLIENTS = 64
"""Clients whose last command the device remembers, to recognise retransmissions."""

CCP_EXCLUSIVE = gev.CCP_EXCLUSIVE
CCP_CONTROL = gev.CCP_CONTROL

TS_RESET = gev.TIMESTAMP_CONTROL_RESET
TS_LATCH = gev.TIMESTAMP_CONTROL_LATCH


IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Linux <netinet/in.h>; Python lacks the name


class PortInUseError(OSError):
    """The GVCP port is already bound on the requested address."""


class _Fail(Exception):
    """Stop a command with a GVCP status (the ack carries what was done before)."""

    def __init__(self, status: int) -> None:
        self.status = status


def _open_broadcast_socket(port: int) -> socket.socket | None:
    """A socket that receives the broadcasts to 255.255.255.255:``port`` (None if refused)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        s.bind(("255.255.255.255", port))
    except OSError:
        s.close()
        return None
    return s


class GvcpServer:
    """The GVCP side of a :class:`~gige.device.Device`: sockets, control channel, commands."""

    def __init__(self, device: Device, address: str, port: int) -> None:
        self.device = device
        self.address = address
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((address, port))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    exc.errno, f"UDP port {port} on {address} is already in use"
                ) from None
            raise
        self.sock = sock
        self.port = sock.getsockname()[1]
        self.bcast = _open_broadcast_socket(self.port) if port else None
        self.controller: tuple[str, int] | None = None
        self.ccp = 0
        self.last_seen = 0.0
        self._send_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.packets = 0
        self._last: dict[tuple[str, int], tuple[tuple[int, int, bytes], bytes]] = {}
        """Per client: its last register command and the acknowledge it got."""
        self._handlers: dict[int, Callable[[int, int, bytes, tuple[str, int]], bytes | None]] = {
            DISCOVERY: self._discovery,
            READREG: self._readreg,
            WRITEREG: self._writereg,
            READMEM: self._readmem,
            WRITEMEM: self._writemem,
        }

    # -- thread ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="gvcp", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.sock.close()
        if self.bcast is not None:
            self.bcast.close()

    def _run(self) -> None:
        socks = [self.sock] + ([self.bcast] if self.bcast is not None else [])
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select(socks, [], [], 0.05)
            except (OSError, ValueError):
                return
            for s in ready:
                try:
                    if s is self.sock:
                        data, peer = s.recvfrom(2048)
                    else:
                        data, anc, _flags, peer = s.recvmsg(2048, socket.CMSG_SPACE(12))
                        if not self._on_our_interface(anc):
                            continue
                except OSError:
                    continue
                self.handle(data, peer, broadcast=s is not self.sock)
            self._check_heartbeat()

    def _on_our_interface(self, anc: list) -> bool:
        """A broadcast counts only if it arrived where the device's address is (IP_PKTINFO's
        ``ipi_spec_dst``): the default device answers only on loopback."""
        for level, kind, data in anc:
            if level == socket.IPPROTO_IP and kind == IP_PKTINFO and len(data) >= 12:
                return socket.inet_ntoa(data[4:8]) == self.address
        return False

    def _check_heartbeat(self) -> None:
        if self.controller is None:
            return
        timeout = self.device.bootstrap.get(bs.HEARTBEAT_TIMEOUT) / 1000
        if time.monotonic() - self.last_seen > timeout:
            self.release_control()

    def release_control(self) -> None:
        """Drop the controlling application and close the stream channel (as on a heartbeat
        timeout)."""
        self.controller = None
        self.ccp = 0
        self.device.on_control_lost()

    # -- packets --------------------------------------------------------------------------
    def _send(self, data: bytes, peer: tuple[str, int]) -> None:
        # an unreachable peer is its own problem
        with self._send_lock, contextlib.suppress(OSError):
            self.sock.sendto(data, peer)

    def handle(self, data: bytes, peer: tuple[str, int], broadcast: bool = False) -> None:
        """Process one datagram from ``peer`` and send the answer, if any."""
        self.packets += 1
        if len(data) < HEADER.size or data[0] != KEY:
            return  # not GVCP: silence
        _key, flags, command, length, req_id = HEADER.unpack_from(data)
        if peer == self.controller:
            self.last_seen = time.monotonic()
        ack_required = bool(flags & ACK_REQUIRED)
        if broadcast and command != DISCOVERY:
            return  # only discovery is served on the broadcast address
        payload = data[HEADER.size :]
        handler = self._handlers.get(command)
        if command == PACKETRESEND:
            self._last.pop(peer, None)
            if len(payload) >= length and length in (12, 20):
                self.device.resend(payload[:length], bool(flags & EXTENDED_IDS))
            return  # PACKETRESEND is never acknowledged
        ack_cmd = (command + 1) & 0xFFFF
        if handler is None:
            if ack_required:
                self._send(ACK_HEADER.pack(NOT_IMPLEMENTED, ack_cmd, 0, req_id), peer)
            return
        if req_id == 0 or length % 4 or len(payload) < length:
            if ack_required:
                self._send(ACK_HEADER.pack(INVALID_HEADER, ack_cmd, 0, req_id), peer)
            return
        if command == DISCOVERY and not ack_required:
            return
        key = (command, req_id, bytes(payload[:length]))
        last = self._last.get(peer)
        if last is not None and last[0] == key:
            # a retransmission of the client's previous command (it missed the acknowledge):
            # the same answer, not the command again (a TriggerSoftware would run twice, a
            # read would move the stepped clock once more)
            if ack_required:
                self._send(last[1], peer)
            return
        try:
            status, body = handler(flags, req_id, payload[:length], peer)
        except _Fail as f:
            status, body = f.status, b""
        except Exception:  # a bug must not take the device down: answer ERROR
            status, body = GENERIC_ERROR, b""
            self.device.count_error()
        ack = ACK_HEADER.pack(status, ack_cmd, len(body), req_id) + body
        if command != DISCOVERY:
            self._last.pop(peer, None)  # kept in arrival order: the oldest client goes first
            self._last[peer] = (key, ack)
            if len(self._last) > MAX_CLIENTS:
                del self._last[next(iter(self._last))]
        if ack_required:
            self._send(ack, peer)

    # -- control --------------------------------------------------------------------------
    def _may_read(self, peer: tuple[str, int]) -> bool:
        return not (self.ccp & CCP_EXCLUSIVE) or self.controller in (None, peer)

    def _may_write(self, peer: tuple[str, int]) -> bool:
        return self.controller in (None, peer)

    # -- commands -------------------------------------------------------------------------
    def _discovery(self, _flags, _req_id, _payload, _peer) -> tuple[int, bytes]:
        return SUCCESS, self.device.bootstrap.discovery_data()

    def _readreg(self, _flags, req_id, payload, peer) -> tuple[int, bytes]:
        n = len(payload) // 4
        if n == 0 or n > MAX_REGISTERS:
            return INVALID_PARAMETER, b""
        if not self._may_read(peer):
            return ACCESS_DENIED, b""
        addrs = struct.unpack(f">{n}I", payload)
        out: list[int] = []
        dev = self.device
        with dev.bus_access(
            lambda: self._pending(READREG, req_id, peer),
            backend=any(dev.uses_backend(a) for a in addrs),
        ) as bus:
            for a in addrs:
                status, value = bus.read_word(a, peer)
                if status != SUCCESS:
                    return status, struct.pack(f">{len(out)}I", *out)
                out.append(value)
        return SUCCESS, struct.pack(f">{n}I", *out)

    def _writereg(self, _flags, req_id, payload, peer) -> tuple[int, bytes]:
        n = len(payload) // 8
        if n == 0 or n > MAX_REGISTERS // 2 or len(payload) % 8:
            return INVALID_PARAMETER, struct.pack(">HH", 0, 0)
        words = struct.unpack(f">{2 * n}I", payload)
        done = 0
        dev = self.device
        with dev.bus_access(
            lambda: self._pending(WRITEREG, req_id, peer),
            backend=any(dev.uses_backend(words[2 * i]) for i in range(n)),
        ) as bus:
            for i in range(n):
                addr, value = words[2 * i], words[2 * i + 1]
                status = self._write_word(bus, addr, value, peer)
                if status != SUCCESS:
                    return status, struct.pack(">HH", 0, done)
                done += 1
        return SUCCESS, struct.pack(">HH", 0, done)

    def _write_word(self, bus, addr: int, value: int, peer: tuple[str, int]) -> int:
        if addr == bs.CCP:
            bus.wrote = True
            return self._write_ccp(value, peer)
        if not self._may_write(peer):
            return ACCESS_DENIED
        return bus.write_word(addr, value, peer)

    def _write_ccp(self, value: int, peer: tuple[str, int]) -> int:
        if self.controller is not None and self.controller != peer:
            return ACCESS_DENIED
        if value & (CCP_EXCLUSIVE | CCP_CONTROL):
            self.controller = peer
            self.ccp = value & (CCP_EXCLUSIVE | CCP_CONTROL)
            self.last_seen = time.monotonic()
        elif self.controller is not None:
            self.release_control()
        return SUCCESS

    def _readmem(self, _flags, req_id, payload, peer) -> tuple[int, bytes]:
        if len(payload) != 8:
            return INVALID_PARAMETER, b""
        addr, count = struct.unpack(">II", payload)
        count &= 0xFFFF
        if count == 0 or count > MAX_MEMORY:
            return INVALID_PARAMETER, b""
        if addr % 4 or count % 4:
            return BAD_ALIGNMENT, b""
        if not self._may_read(peer):
            return ACCESS_DENIED, b""
        with self.device.bus_access(
            lambda: self._pending(READMEM, req_id, peer),
            backend=self.device.uses_backend(addr, count),
        ) as bus:
            status, data = bus.read_memory(addr, count, peer)
        if status != SUCCESS:
            return status, b""
        return SUCCESS, struct.pack(">I", addr) + data

    def _writemem(self, _flags, req_id, payload, peer) -> tuple[int, bytes]:
        if len(payload) < 8:
            return INVALID_PARAMETER, struct.pack(">HH", 0, 0)
        addr = struct.unpack_from(">I", payload)[0]
        data = payload[4:]
        if len(data) > MAX_MEMORY:
            return INVALID_PARAMETER, struct.pack(">HH", 0, 0)
        if addr % 4:
            return BAD_ALIGNMENT, struct.pack(">HH", 0, 0)
        if not self._may_write(peer) and not (addr == bs.CCP and len(data) == 4):
            return ACCESS_DENIED, struct.pack(">HH", 0, 0)
        with self.device.bus_access(
            lambda: self._pending(WRITEMEM, req_id, peer),
            backend=self.device.uses_backend(addr, len(data)),
        ) as bus:
            if addr == bs.CCP and len(data) == 4:
                bus.wrote = True
                status = self._write_ccp(struct.unpack(">I", data)[0], peer)
                done = 4 if status == SUCCESS else 0
            else:
                status, done = bus.write_memory(addr, data, peer)
        return status, struct.pack(">HH", 0, done)

    def _pending(self, command: int, req_id: int, peer: tuple[str, int]) -> None:
        """Tell ``peer`` that the answer to ``req_id`` will take a while (PENDING_ACK)."""
        ack = ACK_HEADER.pack(SUCCESS, PENDING_ACK, 4, req_id)
        self._send(ack + struct.pack(">I", PENDING_TIMEOUT_MS), peer)
