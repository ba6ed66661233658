"""The GVSP sender as clients see it.

Its frame buffer: frames wait (up to QUEUE_BYTES of image data) while the sender is held up;
only when a new frame does not fit are the oldest waiting ones dropped. Its packets on lo: one
GVSP packet per IP packet, as a packet-socket receiver (Aravis' default) needs.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

import pytest

from gige import gvsp


@dataclass(frozen=True)
class Frame:
    frame_id: int
    timestamp: int
    pixel_format: int = 0x01080001
    width: int = 64
    height: int = 16
    offset_x: int = 0
    offset_y: int = 0
    data: bytes = bytes(64 * 16)


def leaders(sock: socket.socket, *, with_ids: bool = False) -> list:
    """Timestamps of the leaders received until the line goes quiet (with their block ids:
    ``(block id, timestamp)``)."""
    out = []
    sock.settimeout(0.3)
    while True:
        try:
            pkt = sock.recv(65536)
        except TimeoutError:
            return out
        if pkt[4] == gvsp.LEADER:
            ts = struct.unpack_from(">Q", pkt, 12)[0]
            out.append((struct.unpack_from(">H", pkt, 2)[0], ts) if with_ids else ts)


@pytest.mark.netns
@pytest.mark.parametrize(("budget_frames", "submitted"), [(3, 5), (8, 8), (1, 4)])
def test_frames_wait_within_the_budget_and_the_oldest_are_dropped(
    monkeypatch, budget_frames, submitted
):
    monkeypatch.setattr(gvsp, "QUEUE_BYTES", budget_frames * 64 * 16)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    streamer = gvsp.GvspStreamer("127.0.0.1")
    target = gvsp.StreamTarget("127.0.0.1", rx.getsockname()[1], 1500, rate=None)
    try:
        for i in range(submitted):  # the sender thread is not running yet: all of them wait
            streamer.submit(Frame(i + 1, 1000 * (i + 1)), target)
        streamer.start()
        got = leaders(rx, with_ids=True)
    finally:
        streamer.stop()
        rx.close()
    kept = min(budget_frames, submitted)
    assert streamer.dropped == submitted - kept
    # block ids are taken in queueing order: the dropped frames' ids are a gap clients see
    assert got == [(i + 1, 1000 * (i + 1)) for i in range(submitted - kept, submitted)]


ETH_P_IP = 0x0800


@pytest.mark.netns
@pytest.mark.parametrize("packet_size", [576, 1500, 9000])
def test_a_packet_socket_on_lo_sees_datagrams_of_at_most_scps_bytes(packet_size):
    """Aravis receives the stream with a packet socket by default (as root): every IP packet it
    sees on lo must be one GVSP packet of at most SCPS bytes, whatever the sender batches."""
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    tap = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    tap.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    tap.bind(("lo", ETH_P_IP))
    streamer = gvsp.GvspStreamer("127.0.0.1")
    frame = Frame(1, 5, width=320, height=40, data=bytes(range(256)) * 50)
    target = gvsp.StreamTarget("127.0.0.1", port, packet_size, rate=None)
    try:
        streamer.start()
        streamer.submit(frame, target)
        sizes = []
        tap.settimeout(0.3)
        while True:
            try:
                ip = tap.recv(1 << 17)
            except TimeoutError:
                break
            ihl = (ip[0] & 0x0F) * 4
            if ip[9] == socket.IPPROTO_UDP and struct.unpack_from(">H", ip, ihl + 2)[0] == port:
                sizes.append(struct.unpack_from(">H", ip, 2)[0])  # IP total length
    finally:
        streamer.stop()
        rx.close()
        tap.close()
    n_payload = -(-len(frame.data) // (packet_size - gvsp.GVSP_OVERHEAD))
    assert len(sizes) == n_payload + 2  # leader, payload packets, trailer
    assert max(sizes) <= packet_size


@pytest.mark.netns
def test_frames_waiting_for_a_previous_destination_are_dropped():
    """A client that opens a new stream gets its frames next, not the previous one's backlog."""
    old_rx, new_rx = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    for s in (old_rx, new_rx):
        s.bind(("127.0.0.1", 0))
    streamer = gvsp.GvspStreamer("127.0.0.1")
    old = gvsp.StreamTarget("127.0.0.1", old_rx.getsockname()[1], 1500, rate=None)
    new = gvsp.StreamTarget("127.0.0.1", new_rx.getsockname()[1], 1500, rate=None)
    try:
        for i in range(3):
            streamer.submit(Frame(i + 1, 100 + i), old)
        streamer.submit(Frame(4, 200), new)
        streamer.start()
        got_old, got_new = leaders(old_rx), leaders(new_rx)
    finally:
        streamer.stop()
        old_rx.close()
        new_rx.close()
    assert (got_old, got_new, streamer.dropped) == ([], [200], 3)
