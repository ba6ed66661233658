"""The backend interface seen from the wire: a minimal backend written here (registers in a
dict, each address answering a chosen bus status) behind a Device; every bus status becomes the
GVCP status docs/gige.md gives it, and the device needs nothing else of a backend."""

from __future__ import annotations

import pytest

from gige import Device
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
        self.lines: list[tuple[int, int, int | None]] = []

    def _status(self, addr: int) -> str:
        i = (addr - BASE) // 4
        return BUS_STATUSES[i] if 0 <= i < len(BUS_STATUSES) else "unmapped"

    def read(self, addr: int):
        status = self._status(addr)
        return status, self.values.get(addr, 0x5A5A) if status == "ok" else 0

    def write(self, addr: int, value: int):
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
