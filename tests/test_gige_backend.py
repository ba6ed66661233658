"""The backend interface seen from the wire: a minimal backend written here (registers in a
dict, each address answering a chosen bus status) behind a Device; every bus status becomes the
GVCP status docs/gige.md gives it, and the device needs nothing else of a backend."""

from __future__ import annotations

import struct
import time

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
    """docs/gige.md, "The stepped clock": a command lands where the clock is; a write moves it
    STEP on (8 cycles per register at least), a read 8 per camera register, nothing else."""
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
            assert c.readreg(ok, ok, ok) == (0, [1, 1, 1])  # in 100 -> 124
            assert c.read(bs.CCP) == 0  # bootstrap only: no move
            assert c.readmem(dev.xml.address, 64)[0] == 0  # the XML: no move
            assert c.writereg((ok, 2), (ok, 3)) == (0, 2)  # in 124 -> 224
            assert c.writereg((BASE + 4, 9))[0] != 0  # refused: no move
            assert c.readreg(BASE + 4)[0] != 0  # a camera register read: 224 -> 232
            assert latched() == 232  # -> 332
            assert c.writereg((bs.TIMESTAMP_CONTROL, RESET)) == (0, 1)  # in 332 -> 432
            assert latched() == 100  # in 432 -> 532
            assert c.writereg(*[(ok, v) for v in range(60)]) == (0, 60)  # 60 x 8 > STEP
            assert latched() == 200 + 8 * 60  # in 1012 -> 1112
            writes = [e for e in backend.log if e[1] == "w"]
            landed = [(cycle, addr) for cycle, _, addr in writes[:4]]
            assert landed == [(0, ok), (124, ok), (124, ok), (224, BASE + 4)]
            deadline = time.monotonic() + 5
            while backend.cycle < 1112 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert backend.cycle == 1112  # the clock ran the last step, and no further
        finally:
            c.close()


def test_a_retransmitted_write_is_acknowledged_not_repeated(module_netns, camera_map):
    backend = TableBackend()
    rmap = camera_map.with_device(clock_hz=backend.clock_hz)
    with Device(rmap, backend, port=0) as dev:
        c = Client(port=dev.port)
        try:

            def writereg(req_id: int, value: int) -> bytes | None:
                cmd = struct.pack(">BBHHH", 0x42, 0x01, 0x0082, 8, req_id)
                return c.raw(cmd + struct.pack(">II", BASE, value))

            first = writereg(7, 1)
            assert first is not None and first[:2] == b"\0\0"
            assert writereg(7, 1) == first  # the same command again: the same answer
            assert len([e for e in backend.log if e[1] == "w"]) == 1
            assert writereg(8, 1) is not None  # a new request id: a new write
            assert writereg(7, 2) is not None  # another command with an old id: a new write
            assert len([e for e in backend.log if e[1] == "w"]) == 3
            assert backend.values[BASE] == 2
        finally:
            c.close()
