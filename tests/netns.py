"""Private network namespaces holding only loopback, for GigE Vision clients and devices.

Aravis discovery broadcasts on every interface it sees, so every test or benchmark that starts
a client (arv-tool, arv-test, the Aravis binding) or the device runs in a fresh network
namespace whose only interface is ``lo``, brought up here. Three ways in:

- :func:`loopback_namespace`, a context manager that moves the calling thread into a fresh
  namespace and back out on exit. Threads, sockets and subprocesses created inside it belong to
  the namespace, so a device served in-process and the client processes meet on 127.0.0.1.
- :func:`enter_loopback_namespace`, the same without the way back (for benchmark scripts).
- :func:`command` / :func:`run`, which wrap a command line in ``unshare -n -m``: the command
  sees a fresh namespace (and a sysfs mounted for it), checks that ``/sys/class/net`` lists only
  ``lo`` and refuses to start otherwise.

Every entry point refuses to go on (:class:`NamespaceError`) when anything but ``lo`` is
visible. Creating a namespace needs CAP_SYS_ADMIN (the test suite runs as root).
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
_IFREQ = struct.Struct("16sh22x")  # struct ifreq (40 bytes): name, then ifr_flags

_libc = ctypes.CDLL(None, use_errno=True)
_state = threading.local()

# The shell side of command(): a sysfs of the new namespace, lo up, nothing else visible.
_GUARD = (
    "mount -t sysfs sysfs /sys || exit 97; "
    "ip link set lo up || exit 97; "
    'if [ "$(ls /sys/class/net)" != lo ]; then '
    'echo "netns: refusing to run, interfaces other than lo are visible:" '
    "$(ls /sys/class/net) >&2; exit 97; fi; "
    'exec "$@"'
)
REFUSED = 97  # exit status of a wrapped command that refused to start


class NamespaceError(RuntimeError):
    """A loopback-only network namespace could not be set up or left."""


def interfaces() -> list[str]:
    """Names of the network interfaces visible to the calling thread."""
    return sorted(name for _, name in socket.if_nameindex())


def loopback_up() -> bool:
    """Whether ``lo`` is up in the calling thread's namespace."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = _IFREQ.unpack(fcntl.ioctl(s, SIOCGIFFLAGS, _IFREQ.pack(b"lo", 0)))[1]
    return bool(flags & IFF_UP)


def require_loopback_only() -> None:
    """Raise :class:`NamespaceError` unless the calling thread sees only ``lo``, and it is up."""
    names = interfaces()
    if names != ["lo"]:
        raise NamespaceError(
            "refusing to start a GigE Vision client or device: interfaces other than lo are "
            f"visible ({', '.join(names)}); run it inside loopback_namespace()"
        )
    if not loopback_up():
        raise NamespaceError("refusing to start a GigE Vision client or device: lo is down")


def inside() -> bool:
    """Whether the calling thread is in a namespace made by this module."""
    return getattr(_state, "depth", 0) > 0


def _unshare_net() -> None:
    if _libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise NamespaceError(
            f"cannot create a network namespace: {os.strerror(err)} (needs CAP_SYS_ADMIN)"
        )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = _IFREQ.unpack(fcntl.ioctl(s, SIOCGIFFLAGS, _IFREQ.pack(b"lo", 0)))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, _IFREQ.pack(b"lo", flags | IFF_UP))


def enter_loopback_namespace() -> None:
    """Move the calling thread into a fresh namespace holding only ``lo`` (up), for good."""
    _unshare_net()
    require_loopback_only()
    _state.depth = getattr(_state, "depth", 0) + 1


@contextmanager
def loopback_namespace() -> Iterator[None]:
    """Run the body in a fresh namespace holding only ``lo``; restore the thread's on exit.

    Nested uses share the outermost namespace, so a module-scoped device and a test's clients
    are in the same one.
    """
    if inside():
        require_loopback_only()
        yield
        return
    saved = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        _unshare_net()
        _state.depth = 1
        try:
            require_loopback_only()
            yield
        finally:
            _state.depth = 0
            if _libc.setns(saved, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise NamespaceError(
                    f"cannot return to the original network namespace: {os.strerror(err)}"
                )
    finally:
        os.close(saved)


def command(argv: Sequence[str]) -> list[str]:
    """``argv`` wrapped to run in a fresh loopback-only namespace (exit 97 if it refuses)."""
    return ["unshare", "--net", "--mount", "sh", "-c", _GUARD, "netns", *argv]


def run(argv: Sequence[str], **kwargs) -> subprocess.CompletedProcess:
    """Run ``argv`` in the calling thread's loopback namespace, or in a fresh one via
    :func:`command` when the thread is not in one. ``kwargs`` go to :func:`subprocess.run`."""
    if inside():
        require_loopback_only()
        return subprocess.run(list(argv), **kwargs)
    return subprocess.run(command(argv), **kwargs)
