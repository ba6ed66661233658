"""The twin served in-process for client tests: the GigE Vision device (``gige``) over the
firmware-model backend, on 127.0.0.1 in the calling thread's loopback-only namespace.

Tests see the model through :class:`Served`: the raw value of any feature's field (read on the
model's register bank, not over GVCP), and the pins.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from regmap import RegisterMap
from tests import netns
from tests.clients.gvcp import wait_until_answering


@dataclass
class Served:
    device: Any
    backend: Any
    rmap: RegisterMap
    serial: str

    def raw(self, feature: str, index: int = 0) -> int:
        """The raw field value of ``feature`` (element ``index`` of an array) in the model."""
        reg, field = self.rmap.feature(feature)
        with self.device.lock:
            status, value = self.backend.read(reg.address_of(index))
        if status != "ok":
            raise AssertionError(f"model read of {feature} answered {status}")
        return (value & field.mask) >> field.lsb

    def write_raw(self, feature: str, raw: int, index: int = 0) -> None:
        """Write ``feature``'s field (others kept) as the controlling client would."""
        reg, field = self.rmap.feature(feature)
        addr = reg.address_of(index)
        value = self.device.read_register(addr)
        self.device.write_register(addr, (value & ~field.mask) | ((raw << field.lsb) & field.mask))

    def warm_up(self, timeout: float = 5.0) -> None:
        """Run one short acquisition with no stream open, then zero the counters.

        The renderer builds its scene on the first frame it renders (tens of milliseconds at
        full sensor size); meanwhile the model's frames pile up and the device drops the
        oldest. Tests that count frames warm the device up first.
        """
        self.write_raw("AcquisitionStart", 1)
        deadline = time.monotonic() + timeout
        while self.raw("FrameCount") < 2:
            if time.monotonic() > deadline:
                raise TimeoutError("no frame while warming up the twin")
            time.sleep(0.01)
        self.write_raw("AcquisitionStop", 1)
        while self.raw("AcquisitionActive"):
            if time.monotonic() > deadline:
                raise TimeoutError("the warm-up acquisition did not stop")
            time.sleep(0.01)
        self.write_raw("CounterReset", 1)


@contextmanager
def serve(
    rmap: RegisterMap, *, serial: str = "TWIN0001", scenario=None, warm: bool = False
) -> Iterator[Served]:
    """Serve the twin on 127.0.0.1:3956 until the block ends (warmed up, see
    :meth:`Served.warm_up`, if ``warm``)."""
    netns.require_loopback_only()
    from firmware_model.device import FirmwareBackend
    from gige.device import Device

    backend = FirmwareBackend(rmap, scenario=scenario)
    device = Device(rmap, backend, serial=serial)
    device.start()
    try:
        wait_until_answering()
        served = Served(device, backend, rmap, serial)
        if warm:
            served.warm_up()
        yield served
    finally:
        device.stop()
