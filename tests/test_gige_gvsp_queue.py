"""The GVSP sender's frame buffer: frames wait (up to QUEUE_BYTES of image data) while the
sender is held up; only when a new frame does not fit are the oldest waiting ones dropped."""

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


def leaders(sock: socket.socket) -> list[int]:
    """Timestamps of the leaders received until the line goes quiet."""
    out = []
    sock.settimeout(0.3)
    while True:
        try:
            pkt = sock.recv(65536)
        except TimeoutError:
            return out
        if pkt[4] == gvsp.LEADER:
            out.append(struct.unpack_from(">Q", pkt, 12)[0])


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
        got = leaders(rx)
    finally:
        streamer.stop()
        rx.close()
    kept = min(budget_frames, submitted)
    assert streamer.dropped == submitted - kept
    assert got == [1000 * (i + 1) for i in range(submitted - kept, submitted)]
