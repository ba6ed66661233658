"""Many UDP datagrams per system call: Linux ``sendmmsg(2)`` through ctypes.

Python's socket module sends one datagram per call; a 1280 x 1024 frame in 1500-byte packets
is about 900 of them. :class:`PacketBatch` describes the packets of one block once (a
``struct mmsghdr`` and a ``struct iovec`` per packet, pointing into the block's buffer), and
:meth:`PacketBatch.send` hands any run of them to the kernel in one call. Where ``sendmmsg``
is missing, :data:`AVAILABLE` is False and the caller sends packet by packet.

(UDP segmentation offload would batch too, but on loopback a packet socket — Aravis' default
receiver — sees the unsegmented super-packet, so it is not used.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import numpy as np

__all__ = ["AVAILABLE", "PacketBatch"]


class _IoVec(ctypes.Structure):
    _fields_ = (("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t))


class _MsgHdr(ctypes.Structure):
    _fields_ = (
        ("msg_name", ctypes.c_void_p),
        ("msg_namelen", ctypes.c_uint32),
        ("msg_iov", ctypes.c_void_p),
        ("msg_iovlen", ctypes.c_size_t),
        ("msg_control", ctypes.c_void_p),
        ("msg_controllen", ctypes.c_size_t),
        ("msg_flags", ctypes.c_int),
    )


class _MMsgHdr(ctypes.Structure):
    _fields_ = (("msg_hdr", _MsgHdr), ("msg_len", ctypes.c_uint))


def _load() -> object | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.sendmmsg
    except (OSError, AttributeError):
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int)
    fn.restype = ctypes.c_int
    return fn


_sendmmsg = _load()
AVAILABLE = _sendmmsg is not None
_MSG = ctypes.sizeof(_MMsgHdr)
_IOV = ctypes.sizeof(_IoVec)
_OFF_IOV = _MMsgHdr.msg_hdr.offset + _MsgHdr.msg_iov.offset
_OFF_IOVLEN = _MMsgHdr.msg_hdr.offset + _MsgHdr.msg_iovlen.offset


class PacketBatch:
    """``count`` datagrams laid out in ``buffer``: datagram ``i`` is ``stride`` bytes at
    ``i * stride`` (the last one ``last`` bytes), for a connected socket."""

    def __init__(self, buffer: np.ndarray, count: int, stride: int, last: int) -> None:
        self._buffer = buffer  # keeps the memory the descriptors point at alive
        base = buffer.ctypes.data
        iov = np.zeros((count, _IOV // 8), dtype=np.uint64)
        iov[:, 0] = base + np.arange(count, dtype=np.uint64) * stride
        iov[:, 1] = stride
        iov[-1, 1] = last
        msgs = np.zeros(count * _MSG, dtype=np.uint8)
        view = msgs.reshape(count, _MSG)
        ptrs = iov.ctypes.data + np.arange(count, dtype=np.uint64) * _IOV
        view[:, _OFF_IOV : _OFF_IOV + 8] = ptrs.astype("<u8").view(np.uint8).reshape(count, 8)
        view[:, _OFF_IOVLEN : _OFF_IOVLEN + 8] = (
            np.ones(count, dtype="<u8").view(np.uint8).reshape(count, 8)
        )
        self._iov = iov
        self._msgs = msgs
        self._addr = msgs.ctypes.data
        self.count = count

    def send(self, fd: int, first: int, n: int) -> int:
        """Send datagrams ``first .. first + n - 1`` on connected socket ``fd``: how many the
        kernel took (raises ``OSError`` if it took none)."""
        assert _sendmmsg is not None
        sent = _sendmmsg(fd, self._addr + first * _MSG, n, 0)
        if sent < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return sent
