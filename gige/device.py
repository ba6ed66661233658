"""A GigE Vision device in a thread: GVCP, GVSP and the wall clock around a backend.

>>> from regmap import load
>>> from firmware_model.device import FirmwareBackend
>>> rmap = load("regmap/camera.yaml")
>>> with Device(rmap, FirmwareBackend(rmap), port=0) as dev:   # port 0: any free port
...     url = dev.xml_url

Device time follows the wall clock: cycle ``c0 + (t - t_start) * clock_hz * speed`` at
monotonic time ``t``. The backend is advanced to "now" before every register access and
whenever it announces an event (a frame read out, a scheduled input edge); device timestamps
are backend cycles, minus the cycle of the last timestamp reset.

With ``step=N`` the clock is stepped instead: device time stands still between commands. A
command lands in the cycle ``c`` the clock shows; its ``i``-th access of the backend (a camera
register, the timestamp control) in cycle ``c + i * ACCESS_CYCLES``, the backend first run up to
it. Then the clock moves on: by ``max(N, k * ACCESS_CYCLES)`` after a command that wrote, by
``k * ACCESS_CYCLES`` after one that only read (``k`` backend accesses, answered or refused);
the backend runs those cycles as fast as it can. Every access then lands in a cycle that only
the sequence of commands decides, so a scripted session gives the same timestamps in every run
and on every backend whose register accesses take at most :data:`ACCESS_CYCLES` cycles each (the
firmware model's take at most 1, the RTL's AXI4-Lite accesses 2 to 4).
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import ipaddress
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence

from regmap import RegisterMap

from . import bootstrap as bs
from .backend import Backend, ImageBlock
from .gvcp import (
    BAD_ALIGNMENT,
    BUS_STATUS,
    GVCP_PORT,
    INVALID_ADDRESS,
    PENDING_AFTER_S,
    PENDING_TIMEOUT_MS,
    SUCCESS,
    TS_LATCH,
    TS_RESET,
    WRITE_PROTECT,
    GvcpServer,
)
from .gvsp import MAX_PACKET_SIZE, MIN_PACKET_SIZE, GvspStreamer, StreamTarget

__all__ = ["ACCESS_CYCLES", "Device", "check_step"]

ACCESS_CYCLES = 8
"""What one register access counts on the stepped clock, in cycles."""

MIN_HEARTBEAT_MS = 100
_WAIT_MAX_S = 0.05
_PENDING_AGAIN_S = PENDING_TIMEOUT_MS / 2000  # another PENDING_ACK before the last one expires


def check_step(step: object) -> None:
    """Refuse a stepped clock's step that is not a number of cycles (``ValueError``)."""
    if isinstance(step, bool) or not isinstance(step, int) or not 0 < step < 1 << 48:
        raise ValueError(f"step must be a number of cycles, 1 to 2**48 - 1, not {step!r}")


_WAIT_MIN_S = 0.0002


class _Access:
    """The device's address space during one locked access (see :meth:`Device.bus_access`)."""

    def __init__(self, dev: Device) -> None:
        self.dev = dev
        self.accesses = 0
        """Backend accesses (camera registers, the timestamp control), answered or refused."""
        self.wrote = False
        """The command writes (a register of any kind, CCP included)."""
        self.boot = dev.bootstrap
        self.xml = dev.xml
        self.base = dev.rmap.device.base_address

    def _slot(self) -> None:
        """Before a backend access: on the stepped clock, run the backend up to the access's
        cycle (``ACCESS_CYCLES`` apart within a command)."""
        self.dev._catch_up(self.dev.now() + ACCESS_CYCLES * self.accesses)
        self.accesses += 1

    def read_word(self, addr: int, peer: tuple[str, int] | None = None) -> tuple[int, int]:
        if addr % 4:
            return BAD_ALIGNMENT, 0
        if addr < bs.BOOTSTRAP_SIZE:
            if addr == bs.CCP:
                return SUCCESS, self.dev.gvcp.ccp if self.dev.gvcp else 0
            if addr == bs.TIMESTAMP_CONTROL:
                return SUCCESS, 0
            return SUCCESS, self.boot.get(addr)
        if self.xml.holds(addr):
            return SUCCESS, int.from_bytes(self._xml_bytes(addr, 4), "big")
        if addr >= self.base:
            self._slot()
            status, value = self.dev.backend.read(addr)
            return BUS_STATUS.get(status, 0x8FFF), value & 0xFFFF_FFFF
        return INVALID_ADDRESS, 0

    def _xml_bytes(self, addr: int, count: int) -> bytes:
        x = self.xml
        a = addr - x.address
        return x.data[a : a + count].ljust(count, b"\0")

    def read_memory(self, addr: int, count: int, peer=None) -> tuple[int, bytes]:
        if self.xml.holds(addr, count):
            return SUCCESS, self._xml_bytes(addr, count)
        words = []
        for a in range(addr, addr + count, 4):
            status, v = self.read_word(a, peer)
            if status != SUCCESS:
                return status, b""
            words.append(v)
        return SUCCESS, struct.pack(f">{len(words)}I", *words)

    def write_word(self, addr: int, value: int, peer=None) -> int:
        self.wrote = True
        if addr % 4:
            return BAD_ALIGNMENT
        if addr < bs.BOOTSTRAP_SIZE:
            if addr == bs.TIMESTAMP_CONTROL:
                self._slot()
            return self.dev.write_bootstrap(addr, value)
        if self.xml.holds(addr):
            return WRITE_PROTECT
        if addr >= self.base:
            self._slot()
            return BUS_STATUS.get(self.dev.backend.write(addr, value), 0x8FFF)
        return INVALID_ADDRESS

    def write_memory(self, addr: int, data: bytes, peer=None) -> tuple[int, int]:
        if len(data) % 4:
            return BAD_ALIGNMENT, 0
        done = 0
        for i in range(0, len(data), 4):
            status = self.write_word(addr + i, int.from_bytes(data[i : i + 4], "big"), peer)
            if status != SUCCESS:
                return status, done
            done += 4
        return SUCCESS, done


class Device:
    """A GigE Vision camera on ``address``:``port`` whose behaviour comes from ``backend``.

    ``start()``/``stop()``, or use it as a context manager. ``serial`` and ``user_name`` fill the
    bootstrap strings; ``zip_xml`` serves the XML zipped; ``speed`` scales device time against
    the wall clock (1: real time); ``step`` replaces the wall clock with the stepped clock (the
    module's docstring): ``step`` cycles after each write command.
    """

    def __init__(
        self,
        rmap: RegisterMap,
        backend: Backend,
        *,
        address: str = "127.0.0.1",
        port: int = GVCP_PORT,
        serial: str = "TWIN0001",
        user_name: str = "",
        zip_xml: bool = False,
        speed: float = 1.0,
        step: int | None = None,
    ) -> None:
        try:
            ip = ipaddress.IPv4Address(address)
        except ValueError:
            raise ValueError(f"address must be an IPv4 address, not {address!r}") from None
        if ip.is_multicast or ip.is_unspecified or str(ip) == "255.255.255.255":
            raise ValueError(f"address must be one interface's unicast address, not {address!r}")
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be 0..65535, not {port!r}")
        if not speed > 0:
            raise ValueError(f"speed must be > 0, not {speed!r}")
        if step is not None:
            check_step(step)
        self.rmap = rmap
        self.backend = backend
        self.address = str(ip)
        self._requested_port = port
        self.speed = float(speed)
        self.step = step
        self.xml = bs.build_xml_file(rmap, zipped=zip_xml)
        self.bootstrap = bs.Bootstrap(
            rmap, self.xml, ip=self.address, serial=serial, user_name=user_name
        )
        self.clock_hz = backend.clock_hz
        self.gvcp: GvcpServer | None = None
        self.stream: GvspStreamer | None = None
        self.lock = threading.Lock()
        """Held around every backend call: hold it to use the backend from outside safely."""
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self._c0 = 0
        self._vc = 0  # the stepped clock's "now"
        self._resets: list[int] = [0]  # the cycles of the last timestamp resets, in order
        self._on_pending: Callable[[], None] | None = None  # during a slow catch-up
        self.frames_out = 0
        self._handoff: deque[ImageBlock] = deque()
        self.failure: Exception | None = None
        """Set when the backend raised while the device advanced it: model time stopped."""
        self.frames_unsent = 0
        self.errors = 0

    # -- identity -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.gvcp.port if self.gvcp else self._requested_port

    @property
    def xml_url(self) -> str:
        return self.xml.url

    @property
    def name(self) -> str:
        """``vendor-model-serial``: how GigE Vision clients name the device."""
        b = self.bootstrap
        parts = (
            b.string(bs.MANUFACTURER_NAME),
            b.string(bs.MODEL_NAME),
            b.string(bs.SERIAL_NUMBER),
        )
        return "-".join(p for p in parts if p)

    @property
    def controller(self) -> tuple[str, int] | None:
        """The application holding the control channel privilege, if any."""
        return self.gvcp.controller if self.gvcp else None

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> Device:
        """Bind the sockets and start serving; :class:`~gige.gvcp.PortInUseError` if taken."""
        if self._thread is not None:
            raise RuntimeError("the device is already running")
        self.gvcp = GvcpServer(self, self.address, self._requested_port)
        try:
            self.stream = GvspStreamer(self.address)
        except OSError:
            self.gvcp.stop()
            raise
        self.bootstrap.put(bs.SCSP, self.stream.port)
        self._t0 = time.monotonic()
        self._c0 = self._vc = self.backend.cycle
        self._stop.clear()
        self.stream.start()
        self.gvcp.start()
        self._thread = threading.Thread(target=self._run_clock, name="device-clock", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the sockets (frames in flight are abandoned)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        if self.gvcp is not None:
            self.gvcp.stop()
        if self.stream is not None:
            self.stream.stop()

    def __enter__(self) -> Device:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- time -----------------------------------------------------------------------------
    def now(self) -> int:
        """The backend cycle that corresponds to the wall clock now (with the stepped clock:
        the cycle the next command lands in)."""
        if self.step is not None:
            return self._vc
        dt = time.monotonic() - self._t0
        return self._c0 + int(dt * self.clock_hz * self.speed)

    @property
    def _ts_offset(self) -> int:
        """The cycle of the last timestamp reset."""
        return self._resets[-1]

    def timestamp(self) -> int:
        """The device timestamp now (ticks of ``clock_hz`` since the last reset): the cycle
        the backend has reached, which an RTL slower than the wall clock reaches late. Read
        without :attr:`lock` (safe while holding it)."""
        return self.backend.cycle - self._ts_offset

    def _offset_at(self, cycle: int) -> int:
        """The timestamp offset of a frame that started in ``cycle``: the cycle of the last
        reset up to it (a reset does not restamp frames that started before it)."""
        resets = self._resets
        return resets[max(0, bisect.bisect_right(resets, cycle) - 1)]

    def _catch_up(self, cycle: int) -> None:
        """On the stepped clock, run the backend up to ``cycle`` (the caller holds
        :attr:`lock`); a long run keeps the waiting command's client patient (PENDING_ACK)."""
        if self.step is None:
            return
        last = time.perf_counter()
        while self.backend.cycle < cycle:
            self._handoff.extend(self.backend.advance(cycle))
            if self._on_pending is not None and time.perf_counter() - last > _PENDING_AGAIN_S:
                self._on_pending()
                last = time.perf_counter()

    def _tick(self, access: _Access) -> None:
        """Move the stepped clock on after a command (the caller holds :attr:`lock`)."""
        if self.step is None:
            return
        moved = ACCESS_CYCLES * access.accesses
        self._vc += max(self.step, moved) if access.wrote else moved

    def _run_clock(self) -> None:
        try:
            self._clock_loop()
        except Exception as exc:  # the backend failed (a simulator died...): report, stop
            self.failure = exc

    def _clock_loop(self) -> None:
        rate = self.clock_hz * self.speed
        while not self._stop.is_set():
            with self.lock:
                now = self.now()
                frames = self.backend.advance(now)
                nxt = self.backend.next_event()
                behind = self.backend.cycle < now
                if self._handoff:  # frames a GVCP command's advance produced come first
                    frames = [*self._handoff, *frames]
                    self._handoff.clear()
            self._deliver(frames)
            if self.step is not None:  # stepped: run until now, then wait for a write
                if not behind:
                    self._wake.wait(_WAIT_MAX_S)
                    self._wake.clear()
                continue
            if nxt is None:
                wait = _WAIT_MAX_S
            else:  # from now: making the frames' pixels took a while
                wait = min(max((nxt - self.now()) / rate, _WAIT_MIN_S), _WAIT_MAX_S)
            self._wake.wait(wait)
            self._wake.clear()

    # -- backend access -------------------------------------------------------------------
    @contextlib.contextmanager
    def bus_access(
        self, on_pending: Callable[[], None] | None = None, *, backend: bool = True
    ) -> Iterator[_Access]:
        """Hold the backend, advanced to now, for one GVCP command.

        ``on_pending`` is called once if the backend is not ready for the access within
        :data:`~gige.gvcp.PENDING_AFTER_S` (busy elsewhere, or slow to catch up with the
        clock): the command then gets a PENDING_ACK first. With ``backend=False`` (a command
        that touches only bootstrap registers and the XML, :meth:`uses_backend`) the backend is
        neither held nor advanced.
        """
        if not backend:
            access = _Access(self)
            yield access
            if access.wrote and self.step is not None:
                with self.lock:
                    self._tick(access)
                self._wake.set()
            return
        t0 = time.perf_counter()
        pending = False
        if not self.lock.acquire(timeout=PENDING_AFTER_S):
            if on_pending is not None:
                on_pending()
                pending = True
            self.lock.acquire()
        try:
            if self._thread is not None:
                # the clock thread sends them (making their pixels takes a while); handed over
                # under the lock, so that frames keep their read-out order
                self._handoff.extend(self.backend.advance(self.now()))
            slow = time.perf_counter() - t0 > PENDING_AFTER_S  # a slow backend (an RTL)
            if slow and not pending and on_pending is not None:
                on_pending()
            self._on_pending = on_pending
            access = _Access(self)
            yield access
            self._tick(access)
        finally:
            self._on_pending = None
            self.lock.release()
        self._wake.set()

    def uses_backend(self, addr: int, count: int = 4) -> bool:
        """Whether an access to ``count`` bytes at ``addr`` reaches the backend's registers
        (manufacturer space, outside the XML)."""
        if self.xml.holds(addr, count):
            return False
        if addr <= bs.TIMESTAMP_CONTROL < addr + count:
            return True  # latches and resets the backend's time
        return addr + count > self.rmap.device.base_address

    def set_line(
        self, line: int, level: int, delay_s: float = 0.0, *, at_timestamp: int | None = None
    ) -> None:
        """Drive input pin Line1 (``line=1``) or Line2 (``line=2``) to ``level``, ``delay_s``
        from now, or at device timestamp ``at_timestamp`` (as the GVCP timestamp latch counts:
        a past time means now)."""
        with self.lock:
            if at_timestamp is not None:
                cycle = int(at_timestamp) + self._ts_offset
            else:
                cycle = self.now() + int(delay_s * self.clock_hz * self.speed)
            self.backend.set_line(line, level, cycle)
        self._wake.set()

    def read_register(self, addr: int) -> int:
        """Read a register as a GVCP READREG would (raises ``OSError`` on a GVCP error)."""
        with self.bus_access() as bus:
            status, value = bus.read_word(addr)
        if status != SUCCESS:
            raise OSError(f"read at 0x{addr:08X}: GVCP status 0x{status:04X}")
        return value

    def write_register(self, addr: int, value: int) -> None:
        """Write a register as a GVCP WRITEREG from the controller would."""
        with self.bus_access() as bus:
            status = bus.write_word(addr, value)
        if status != SUCCESS:
            raise OSError(f"write at 0x{addr:08X}: GVCP status 0x{status:04X}")

    # -- bootstrap writes -----------------------------------------------------------------
    def write_bootstrap(self, addr: int, value: int) -> int:
        boot = self.bootstrap
        if addr == bs.HEARTBEAT_TIMEOUT:
            boot.put(addr, max(value, MIN_HEARTBEAT_MS))
        elif addr == bs.TIMESTAMP_CONTROL:
            # the caller holds the backend, advanced to now (:meth:`uses_backend`)
            if value & TS_RESET:
                self._resets = [*self._resets[-15:], self.backend.cycle]
            if value & TS_LATCH:
                ts = self.timestamp()
                boot.put(bs.TIMESTAMP_VALUE_HIGH, ts >> 32)
                boot.put(bs.TIMESTAMP_VALUE_LOW, ts & 0xFFFF_FFFF)
        elif addr == bs.SCPS:
            size = min(max(value & 0xFFFF, MIN_PACKET_SIZE), MAX_PACKET_SIZE)
            boot.put(addr, (value & 0x6000_0000) | size)
            if value & 0x8000_0000:
                port = boot.get(bs.SCP0) & 0xFFFF
                host = socket.inet_ntoa(boot.mem[bs.SCDA : bs.SCDA + 4])
                if port and self.stream is not None:
                    self.stream.fire_test_packet(host, port, size)
        elif addr in (bs.SCP0, bs.SCPD, bs.SCDA):
            boot.put(addr, value)
        elif bs.USER_NAME[0] <= addr < bs.USER_NAME[0] + bs.USER_NAME[1]:
            boot.put(addr, value)
            end = bs.USER_NAME[0] + bs.USER_NAME[1] - 1
            boot.mem[end] = 0  # keep the string terminated
        else:
            return WRITE_PROTECT
        return SUCCESS

    # -- streaming ------------------------------------------------------------------------
    def _deliver(self, frames: Sequence[ImageBlock]) -> None:
        if not frames:
            return
        boot = self.bootstrap
        port = boot.get(bs.SCP0) & 0xFFFF
        dest = boot.get(bs.SCDA)
        if not port or not dest or self.stream is None:
            self.frames_unsent += len(frames)
            return
        with self.lock:
            rate = self.backend.stream_rate()
        target = StreamTarget(
            host=socket.inet_ntoa(dest.to_bytes(4, "big")),
            port=port,
            packet_size=boot.get(bs.SCPS) & 0xFFFF,
            rate=rate * self.speed if rate else None,
            packet_delay_s=boot.get(bs.SCPD) / self.clock_hz,
        )
        for f in frames:
            # the pixels are made here, in the thread that advanced the model, so that the
            # sender only sends (a backend may make them when data is first read); a frame
            # whose pixels fail is the sender's to count
            with contextlib.suppress(Exception):
                _ = f.data
            offset = self._offset_at(f.timestamp)
            self.stream.submit(f, dataclasses.replace(target, timestamp_offset=offset))
            self.frames_out += 1

    def resend(self, payload: bytes, extended: bool) -> None:
        """Serve a PACKETRESEND command's payload."""
        if self.stream is None:
            return
        if extended and len(payload) >= 20:
            _ch, _r, first, last, bid = struct.unpack_from(">HHIIQ", payload)
        else:
            _ch, bid, first, last = struct.unpack_from(">HHII", payload)
        self.stream.request_resend(bid & 0xFFFF, first & 0xFFFFFF, last & 0xFFFFFF)

    def on_control_lost(self) -> None:
        """The controlling application left or timed out: close the stream channel."""
        self.bootstrap.put(bs.SCP0, 0)

    def count_error(self) -> None:
        self.errors += 1

    # -- status ---------------------------------------------------------------------------
    def stats(self) -> dict[str, object]:
        """Frames, triggers, overtriggers (from the backend), stream figures, controller."""
        with self.lock:
            b = dict(self.backend.stats())
        s = self.stream
        return {
            **b,
            "frames_sent": s.blocks if s else 0,
            "bytes_sent": s.bytes if s else 0,
            "frames_dropped": s.dropped if s else 0,
            "frames_unsent": self.frames_unsent,
            "controller": self.controller,
        }
