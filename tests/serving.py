"""A ``camtwin serve`` process in a test: waiting until it answers discovery, stopping it, and
never leaving it running."""

from __future__ import annotations

import contextlib
import signal
import socket
import struct
import subprocess
import time
from collections.abc import Iterator

DISCOVERY = struct.pack(">BBHHH", 0x42, 0x11, 2, 0, 1)
"""A GVCP DISCOVERY_CMD (acknowledge requested, request id 1)."""


def discover(port: int, timeout: float) -> bytes:
    """The device's DISCOVERY_ACK on 127.0.0.1:``port``, asked for until it answers (an
    AssertionError after ``timeout`` seconds)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.2)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            s.sendto(DISCOVERY, ("127.0.0.1", port))
            try:
                return s.recv(2048)
            except TimeoutError:
                continue
    finally:
        s.close()
    raise AssertionError("the device never answered")


@contextlib.contextmanager
def reaped(p: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """``p``, killed and waited for on the way out if it is still running."""
    try:
        yield p
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()


def stop(p: subprocess.Popen, timeout: float, sig: int = signal.SIGINT) -> tuple[str, str]:
    """Send ``sig`` (Ctrl-C by default) and return what ``p`` wrote until it ended."""
    p.send_signal(sig)
    return p.communicate(timeout=timeout)
