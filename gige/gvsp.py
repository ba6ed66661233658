"""GVSP, the GigE Vision stream protocol: frames as blocks of leader, payload and trailer packets.

:class:`GvspStreamer` sends each frame it is given to the stream channel's destination
(SCDA:SCP0) from its own UDP socket (whose port is SCSP), in datagrams of SCPS bytes (IP and
UDP headers included), paced at the link rate, and keeps a ring of recent blocks to serve
PACKETRESEND. Block ids run 1..65535 and never take the value 0; a frame takes its id when it is
queued, in read-out order, so that a frame the sender drops leaves a gap that clients count as a
missing frame, as with a camera whose frame buffer overflows.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np

from . import _mmsg
from .backend import ImageBlock

__all__ = [
    "GVSP_OVERHEAD",
    "LEADER",
    "PAYLOAD",
    "TRAILER",
    "Block",
    "GvspStreamer",
    "StreamTarget",
]

GVSP_OVERHEAD = 20 + 8 + 8
"""IP, UDP and GVSP headers: a packet of SCPS bytes carries SCPS - 36 bytes of image."""
UDP_IP_OVERHEAD = 20 + 8
LEADER, TRAILER, PAYLOAD = 1, 2, 3
STATUS_RESEND = 0x0100
STATUS_PACKET_UNAVAILABLE = 0x800C
PAYLOAD_IMAGE = 0x0001

_HEADER = struct.Struct(">HHI")  # status, block_id, format << 24 | packet_id
_LEADER = struct.Struct(">HHQIIIIIHH")  # reserved, type, timestamp, pfnc, w, h, x, y, pad x, y
_TRAILER = struct.Struct(">HHI")  # reserved, type, size y

BURST_BYTES = 32 * 1024
"""Bytes sent back to back before the pacing waits: well under a client's default 208 KiB."""
PACE_MARGIN = 1.5
"""Frames leave at this multiple of the link rate: a frame's transfer then takes at most two
thirds of its period (``P >= Tx``), which leaves the sender room to catch up after the host
held it up (at 1.1 a transfer-limited stream at 1 Gb/s lost about one frame in twenty on an
idle 2-core machine; at 1.5 none, benchmarks/bench_gige.py)."""
BATCH_PACKETS = 64
"""At most this many packets per ``sendmmsg`` call (fewer when pacing asks for less)."""
RING_BLOCKS = 16
"""Blocks kept for PACKETRESEND."""
QUEUE_BYTES = 8 * 1024 * 1024
"""Image bytes waiting to be sent, as a camera's frame buffer: when a new frame does not fit,
the oldest waiting frames are dropped (and counted). 8 MiB holds 6 full Mono8 frames or
hundreds of small ones: a sender held up for a moment (a busy host) delays small frames
instead of losing them, and a sender slower than the model never lags by more than 8 MiB."""
MIN_PACKET_SIZE = 576
MAX_PACKET_SIZE = 65535


def payload_size(frame: ImageBlock) -> int:
    """Bytes of a frame's image: width * height * the PFNC code's bytes per pixel (bits 23..16
    of the code hold the effective pixel size; Mono10 and Mono12 unpacked take 16)."""
    return frame.width * frame.height * -(-(frame.pixel_format >> 16 & 0xFF) // 8)


@dataclass(frozen=True)
class StreamTarget:
    """Where and how a block is sent: the stream channel registers when it was queued."""

    host: str
    port: int
    packet_size: int
    rate: float | None
    """Bytes per second (None: unpaced)."""
    packet_delay_s: float = 0.0
    """SCPD, as a minimum time between two packets."""
    timestamp_offset: int = 0
    """Subtracted from frame timestamps (the cycle of the last timestamp reset)."""


class Block:
    """A frame cut into GVSP packets: leader (packet id 0), payloads 1..n, trailer n+1.

    The payload packets are laid out back to back in :attr:`wire` (header, then SCPS - 36
    bytes of image, the last one shorter), so that one ``sendmmsg`` sends many of them, and a
    resend is a slice.
    """

    __slots__ = (
        "block_id",
        "chunk",
        "leader",
        "n_payload",
        "size",
        "stride",
        "trailer",
        "wire",
        "wire_array",
    )

    def __init__(
        self, block_id: int, frame: ImageBlock, packet_size: int, timestamp_offset: int = 0
    ) -> None:
        self.block_id = block_id
        data = np.frombuffer(frame.data, dtype=np.uint8)
        size = self.size = data.size
        chunk = self.chunk = packet_size - GVSP_OVERHEAD
        stride = self.stride = chunk + _HEADER.size
        n = self.n_payload = -(-size // chunk)
        full, rest = divmod(size, chunk)
        headers = np.zeros((n, _HEADER.size), dtype=np.uint8)
        headers[:, 2] = block_id >> 8
        headers[:, 3] = block_id & 0xFF
        info = (PAYLOAD << 24) | np.arange(1, n + 1, dtype=np.uint32)
        headers[:, 4:] = info.astype(">u4").view(np.uint8).reshape(n, 4)
        wire = np.empty(full * stride + (_HEADER.size + rest if rest else 0), dtype=np.uint8)
        rows = wire[: full * stride].reshape(full, stride)
        rows[:, : _HEADER.size] = headers[:full]
        rows[:, _HEADER.size :] = data[: full * chunk].reshape(full, chunk)
        if rest:
            tail = wire[full * stride :]
            tail[: _HEADER.size] = headers[full]
            tail[_HEADER.size :] = data[full * chunk :]
        self.wire_array = wire
        self.wire = memoryview(wire).cast("B")
        self.leader = _HEADER.pack(0, block_id, LEADER << 24) + _LEADER.pack(
            0,
            PAYLOAD_IMAGE,
            (frame.timestamp - timestamp_offset) & 0xFFFF_FFFF_FFFF_FFFF,
            frame.pixel_format,
            frame.width,
            frame.height,
            frame.offset_x,
            frame.offset_y,
            0,
            0,
        )
        self.trailer = _HEADER.pack(0, block_id, TRAILER << 24 | (n + 1)) + _TRAILER.pack(
            0, PAYLOAD_IMAGE, frame.height
        )

    @property
    def n_packets(self) -> int:
        return self.n_payload + 2

    def packet(self, packet_id: int, status: int = 0) -> bytes:
        """One packet's bytes, with ``status`` in its header (0x0100 marks a resend)."""
        if packet_id == 0:
            body = self.leader[_HEADER.size :]
            info = LEADER << 24
        elif packet_id == self.n_payload + 1:
            body = self.trailer[_HEADER.size :]
            info = TRAILER << 24 | packet_id
        else:
            a = (packet_id - 1) * self.stride + _HEADER.size
            body = bytes(self.wire[a : a + self.chunk])
            info = PAYLOAD << 24 | packet_id
        return _HEADER.pack(status, self.block_id, info) + body


class GvspStreamer:
    """Sends queued frames as GVSP blocks from a thread; serves resends from a ring."""

    def __init__(self, address: str) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
        sock.bind((address, 0))
        self.sock = sock
        self.port = sock.getsockname()[1]
        self._queue: deque[tuple[ImageBlock, StreamTarget, int]] = deque()  # frame, where, id
        self._cond = threading.Condition()
        self._ring: OrderedDict[int, tuple[Block, StreamTarget]] = OrderedDict()
        self._ring_lock = threading.Lock()
        self._resends: deque[tuple[int, int, int]] = deque()
        self._queued_bytes = 0
        self._next_id = 1
        self._stop = False
        self._thread: threading.Thread | None = None
        self.blocks = 0
        self.packets = 0
        self.bytes = 0
        self.dropped = 0
        self.resent = 0
        self.send_errors = 0
        self.failures = 0
        """Frames that could not be sent at all (their pixels failed); see last_failure."""
        self.last_failure: Exception | None = None
        self._link_free = 0.0
        self.batched = _mmsg.AVAILABLE
        """Send many packets per system call (``sendmmsg``); else one per call."""

    # -- thread ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="gvsp", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(5)
        self.sock.close()

    def submit(self, frame: ImageBlock, target: StreamTarget) -> None:
        """Queue ``frame`` for sending to ``target`` as the next block id; drop the oldest
        waiting frames while the queue holds more than :data:`QUEUE_BYTES` (the newest always
        stays). A dropped frame's block id is never sent: clients see the gap."""
        size = payload_size(frame)
        with self._cond:
            last = self._queue[-1][1] if self._queue else None
            if last is not None and (last.host, last.port) != (target.host, target.port):
                # a new stream destination: frames still waiting for the old one are stale
                self.dropped += len(self._queue)
                self._queue.clear()
                self._queued_bytes = 0
            self._queue.append((frame, target, self._new_block_id()))
            self._queued_bytes += size
            while self._queued_bytes > QUEUE_BYTES and len(self._queue) > 1:
                old, _target, _id = self._queue.popleft()
                self._queued_bytes -= payload_size(old)
                self.dropped += 1
            self._cond.notify()

    def idle(self) -> bool:
        """Nothing queued or being sent."""
        with self._cond:
            return not self._queue and not self._busy

    _busy = False

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._resends and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                item = self._queue.popleft() if self._queue else None
                self._busy = item is not None
                if item is not None:
                    self._queued_bytes -= payload_size(item[0])
            self._serve_resends()
            if item is not None:
                frame, target, block_id = item
                try:
                    self._send_block(frame, target, block_id)
                except Exception as exc:  # e.g. a frame whose pixels could not be made
                    self.failures += 1
                    self.last_failure = exc
                finally:
                    with self._cond:
                        self._busy = False

    def _new_block_id(self) -> int:
        bid = self._next_id
        self._next_id = bid % 0xFFFF + 1  # 1..65535, never 0
        return bid

    # -- sending --------------------------------------------------------------------------
    def _send_block(self, frame: ImageBlock, target: StreamTarget, block_id: int) -> None:
        block = Block(block_id, frame, target.packet_size, target.timestamp_offset)
        with self._ring_lock:
            self._ring[block.block_id] = (block, target)
            while len(self._ring) > RING_BLOCKS:
                self._ring.popitem(last=False)
        dest = (target.host, target.port)
        sock = self.sock
        errors = 0
        try:
            sock.connect(dest)
        except OSError:
            self.send_errors += 1
            return
        rate = target.rate
        delay = target.packet_delay_s
        stride = block.stride
        wire = block.wire
        n = block.n_payload
        wire_packet = stride + UDP_IP_OVERHEAD
        # packets per call: one when SCPD asks for gaps, else what the burst allows
        per_call = 1 if delay else max(1, min(BATCH_PACKETS, BURST_BYTES // wire_packet))
        batch = _mmsg.PacketBatch(block.wire_array, n, stride, len(wire) - (n - 1) * stride)
        batch_send = batch.send if self.batched else None
        fd = sock.fileno()
        send = sock.send
        clock = time.perf_counter
        pace = rate * PACE_MARGIN if rate else None
        burst_s = BURST_BYTES / pace if pace else 0.0
        try:
            send(block.leader)
        except OSError:
            errors += 1
        sent = len(block.leader) + UDP_IP_OVERHEAD
        i = 0
        while i < n:
            k = min(per_call, n - i)
            try:
                if batch_send is not None:
                    k = batch_send(fd, i, k)
                else:
                    for j in range(i, i + k):
                        send(wire[j * stride : (j + 1) * stride])
            except OSError:
                errors += 1  # e.g. ECONNREFUSED: the client's port is closed; go on
            i += k
            sent += k * wire_packet
            if pace is not None:
                # token bucket across blocks: the link is busy until _link_free; at most
                # BURST_BYTES of credit build up while the sender lags behind
                now = clock()
                free = max(self._link_free, now - burst_s) + k * wire_packet / pace
                self._link_free = free
                if free > now:
                    time.sleep(free - now)
            elif delay:
                time.sleep(delay)
            if self._resends:
                self._serve_resends()
        try:
            send(block.trailer)
        except OSError:
            errors += 1
        self.blocks += 1
        self.packets += block.n_packets
        self.bytes += sent + len(block.trailer) + UDP_IP_OVERHEAD
        self.send_errors += errors

    # -- resend ---------------------------------------------------------------------------
    def request_resend(self, block_id: int, first: int, last: int) -> None:
        """Queue a PACKETRESEND request: packets ``first..last`` of block ``block_id``."""
        with self._cond:
            if len(self._resends) < 256:
                self._resends.append((block_id, first, last))
                self._cond.notify()

    def _serve_resends(self) -> None:
        while True:
            with self._cond:
                if not self._resends:
                    return
                block_id, first, last = self._resends.popleft()
            with self._ring_lock:
                entry = self._ring.get(block_id)
            if entry is None:
                self._send_unavailable(block_id, first)
                continue
            block, target = entry
            last = min(last, block.n_packets - 1)
            dest = (target.host, target.port)
            for pid in range(first, last + 1):
                try:
                    self.sock.sendto(block.packet(pid, STATUS_RESEND), dest)
                    self.resent += 1
                except OSError:
                    self.send_errors += 1

    def _send_unavailable(self, block_id: int, packet_id: int) -> None:
        with self._ring_lock:
            if not self._ring:
                return
            _block, target = next(reversed(self._ring.values()))
        pkt = _HEADER.pack(
            STATUS_PACKET_UNAVAILABLE, block_id, PAYLOAD << 24 | packet_id & 0xFFFFFF
        )
        try:
            self.sock.sendto(pkt, (target.host, target.port))
        except OSError:
            self.send_errors += 1

    # -- test packet ----------------------------------------------------------------------
    def fire_test_packet(self, host: str, port: int, packet_size: int) -> None:
        """Send one datagram of ``packet_size`` bytes (headers included): SCPS's test packet."""
        body = bytearray(max(packet_size - UDP_IP_OVERHEAD, _HEADER.size))
        _HEADER.pack_into(body, 0, 0, 0, 0)
        try:
            self.sock.sendto(body, (host, port))
        except OSError:
            self.send_errors += 1
