"""The backend interface seen from the wire: a minimal backend written here (registers in a
dict, each address answering a chosen bus status) behind a Device; every bus status becomes the
GVCP status docs/gige.md gives it, and the device needs nothing else of a backend."""

from __future__ import annotations

import struct
import time
from types import SimpleNamespace

import pytest

from gige import Device
from gige import bootstrap as bs
from gige.backend import BUS_STATUSES, Backend
from tests.gige_client import Client

pytestmark = pytest.mark.netns

BASE = 0x10000
# docs/gige.md, "Status codes": bus answer -> GVCP status of a read and of a write
EXPECTED = {
    "ok": (0x0000, 0x0000),
    "unmapped": (0x8003, 0x8003),
    "unaligned": (0x8005, 0x8005),
    "read_only": (0x8004, 0x8004),
    "write_only": (0x8003, 0x8003),
    "busy": (0x8007, 0x8007),
    "error": (0x8FFF, 0x8FFF),
}


class TableBackend:
    """Registers in a dict; address BASE + 4 * i answers BUS_STATUSES[i]."""

    clock_hz = 1_000_000

    def __init__(self) -> None:
        self.cycle = 0
        self.values: dict[int, int] = {}
        self.log: list[tuple[int, str, int]] = []  # (cycle, "r"/"w", addr) of every access
        self.lines: list[tuple[int, int, int | None]] = []

    def _status(self, addr: int) -> str:
        i = (addr - BASE) // 4
        return BUS_STATUSES[i] if 0 <= i < len(BUS_STATUSES) else "unmapped"

    def read(self, addr: int):
        self.log.append((self.cycle, "r", addr))
        status = self._status(addr)
        return status, self.values.get(addr, 0x5A5A) if status == "ok" else 0

    def write(self, addr: int, value: int):
        self.log.append((self.cycle, "w", addr))
        status = self._status(addr)
        if status == "ok":
            self.values[addr] = value
        return status

    def advance(self, until_cycle: int):
        self.cycle = max(self.cycle, until_cycle)
        return []

    def next_event(self):
        return None

    def set_line(self, line: int, level: int, at_cycle: int | None = None) -> None:
        self.lines.append((line, level, at_cycle))

    def stream_rate(self):
        return None

    def stats(self):
        return {"frames": 0, "triggers": 0, "overtriggers": 0}


def test_every_bus_status_is_its_gvcp_status(module_netns, camera_map):
    backend = TableBackend()
    assert isinstance(backend, Backend)
    assert set(EXPECTED) == set(BUS_STATUSES)
    with Device(camera_map.with_device(clock_hz=backend.clock_hz), backend, port=0) as dev:
        c = Client(port=dev.port)
        try:
            for i, name in enumerate(BUS_STATUSES):
                addr = BASE + 4 * i
                read, write = EXPECTED[name]
                assert c.readreg(addr)[0] == read, name
                assert c.writereg((addr, 7))[0] == write, name
            assert c.readreg(BASE) == (0, [7])  # the "ok" register kept the write
            # the backend's time follows the device clock (1 MHz here)
            before = backend.cycle
            c.read(BASE)
            assert backend.cycle >= before
            dev.set_line(2, 1, at_timestamp=dev.timestamp() + 10)
            assert backend.lines and backend.lines[-1][:2] == (2, 1)
        finally:
            c.close()


STEP = 100
LATCH, RESET = 2, 1  # TimestampControl bits


def test_the_stepped_clock_moves_only_with_commands(module_netns, camera_map):
    """docs/gige.md, "The stepped clock": a command's i-th backend access lands 8 i cycles after
    where the clock is; a command that writes moves it max(STEP, 8 k) on, one that only reads
    8 k (k backend accesses, answered or refused), nothing else moves it."""
    backend = TableBackend()
    rmap = camera_map.with_device(clock_hz=backend.clock_hz)
    ok = BASE  # the "ok" register
    with Device(rmap, backend, port=0, step=STEP) as dev:
        c = Client(port=dev.port)
        try:

            def latched() -> int:
                assert c.writereg((bs.TIMESTAMP_CONTROL, LATCH)) == (0, 1)
                return c.read(bs.TIMESTAMP_VALUE_HIGH) << 32 | c.read(bs.TIMESTAMP_VALUE_LOW)

            assert c.writereg((ok, 1)) == (0, 1)  # lands in 0 -> 100
            time.sleep(0.2)  # the wall clock moves nothing
            assert c.readreg(ok, ok, ok) == (0, [1, 1, 1])  # in 100, 108, 116 -> 124
            assert c.read(bs.CCP) == 0  # bootstrap only: no move
            assert c.readmem(dev.xml.address, 64)[0] == 0  # the XML: no move
            assert c.writereg((ok, 2), (ok, 3)) == (0, 2)  # in 124, 132 -> 224
            assert c.writereg((BASE + 4, 9))[0] != 0  # refused, in 224 -> 324
            assert c.readreg(BASE + 4)[0] != 0  # refused, in 324 -> 332
            assert latched() == 332  # -> 432
            assert c.writereg((bs.TIMESTAMP_CONTROL, RESET)) == (0, 1)  # in 432 -> 532
            assert latched() == 100  # in 532 -> 632
            assert c.writereg(*[(ok, v) for v in range(60)]) == (0, 60)  # 60 x 8 > STEP
            assert latched() == 200 + 8 * 60  # in 1112 -> 1212
            # a latch in the same command as writes: its own access's cycle
            assert c.writereg((ok, 1), (ok, 2), (bs.TIMESTAMP_CONTROL, LATCH)) == (0, 3)
            assert c.read(bs.TIMESTAMP_VALUE_LOW) == 780 + 16  # in 1212 + 16 -> 1312
            assert c.writereg((bs.CCP, 2)) == (0, 1)  # control: a write too -> 1412
            assert latched() == 980  # in 1412 -> 1512
            writes = [e for e in backend.log if e[1] == "w"]
            landed = [(cycle, addr) for cycle, _, addr in writes[:5]]
            assert landed == [(0, ok), (124, ok), (132, ok), (224, BASE + 4), (632, ok)]
            deadline = time.monotonic() + 5
            while backend.cycle < 1512 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert backend.cycle == 1512  # the clock ran the last step, and no further
        finally:
            c.close()


class SlowBackend(TableBackend):
    """A backend that simulates 1000 cycles per 0.1 s."""

    def advance(self, until_cycle: int):
        if until_cycle > self.cycle:
            time.sleep(0.1)
            self.cycle = min(until_cycle, self.cycle + 1000)
        return []


def test_a_command_waiting_for_a_long_step_keeps_its_client_waiting(module_netns, camera_map):
    backend = SlowBackend()
    rmap = camera_map.with_device(clock_hz=backend.clock_hz)
    with Device(rmap, backend, port=0, step=20_000) as dev:
        c = Client(port=dev.port)
        try:
            assert c.writereg((BASE, 5)) == (0, 1)  # the clock moves 20 000 cycles: 2 s
            t0 = time.monotonic()
            c.sock.sendto(struct.pack(">BBHHHI", 0x42, 1, 0x0080, 4, 500, BASE), c.dest)
            pendings = 0
            c.sock.settimeout(1.5)  # a PENDING_ACK announces 1 s; the next comes within 0.5 s
            while True:
                ans = c.sock.recv(2048)
                status, ack, _length, req = struct.unpack_from(">HHHH", ans)
                assert req == 500
                if ack != 0x0089:
                    break
                pendings += 1
            assert (status, ack, ans[8:]) == (0, 0x0081, struct.pack(">I", 5))
            assert time.monotonic() - t0 > 1.5 and pendings >= 3
        finally:
            c.close()


def test_a_reset_does_not_restamp_frames_that_started_before_it(module_netns, camera_map):
    """A frame that started in cycle 50 and is read out in 150, after a timestamp reset in 100:
    its timestamp still counts from the reset before it (GVSP leader)."""
    from tests.gige_client import StreamReceiver

    class OneFrame(TableBackend):
        sent = False

        def advance(self, until_cycle: int):
            super().advance(until_cycle)
            if self.cycle > 150 and not self.sent:
                self.sent = True
                return [
                    SimpleNamespace(
                        frame_id=1,
                        timestamp=50,
                        pixel_format=0x01080001,
                        width=8,
                        height=2,
                        offset_x=0,
                        offset_y=0,
                        data=bytes(16),
                    )
                ]
            return []

    backend = OneFrame()
    rmap = camera_map.with_device(clock_hz=backend.clock_hz)
    rx = StreamReceiver()
    with Device(rmap, backend, port=0, step=STEP) as dev:
        c = Client(port=dev.port)
        try:
            host = int.from_bytes(bytes([127, 0, 0, 1]), "big")
            assert c.writereg((bs.SCDA, host), (bs.SCP0, rx.port)) == (0, 2)  # 0 -> 100
            assert c.writereg((bs.TIMESTAMP_CONTROL, RESET)) == (0, 1)  # in 100 -> 200
            block = rx.block()
            assert block.timestamp == 50
        finally:
            c.close()
            rx.close()


def test_a_retransmitted_command_is_answered_again_not_repeated(module_netns, camera_map):
    backend = TableBackend()
    rmap = camera_map.with_device(clock_hz=backend.clock_hz)
    with Device(rmap, backend, port=0) as dev:
        a, b = Client(port=dev.port), Client(port=dev.port)
        try:

            def command(client, cmd: int, req_id: int, *words: int) -> bytes | None:
                head = struct.pack(">BBHHH", 0x42, 0x01, cmd, 4 * len(words), req_id)
                return client.raw(head + struct.pack(f">{len(words)}I", *words))

            def accesses(kind: str) -> int:
                return len([e for e in backend.log if e[1] == kind])

            first = command(a, 0x82, 7, BASE, 1)
            assert first is not None and first[:2] == b"\0\0"
            assert command(a, 0x82, 7, BASE, 1) == first  # again: the same answer
            assert accesses("w") == 1
            assert command(b, 0x82, 7, BASE, 1) is not None  # another client's: a new write
            assert accesses("w") == 2
            assert command(a, 0x82, 7, BASE, 1) == first  # a's last command, still
            assert accesses("w") == 2
            assert command(a, 0x82, 8, BASE, 1) is not None  # a new request id: a new write
            assert command(a, 0x82, 8, BASE, 2) is not None  # the same id, new payload: new
            assert accesses("w") == 4 and backend.values[BASE] == 2
            read = command(a, 0x80, 9, BASE)
            assert command(a, 0x80, 9, BASE) == read and accesses("r") == 1  # not read again
            assert command(a, 0x82, 8, BASE, 2) is not None  # not the previous one: carried out
            assert accesses("w") == 5
        finally:
            a.close()
            b.close()
