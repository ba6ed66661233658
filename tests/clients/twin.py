"""The twin served in-process for client tests: the GigE Vision device (``gige``) over the
firmware-model backend, on 127.0.0.1 in the calling thread's loopback-only namespace.

Tests see the model through :class:`Served`: the raw value of any feature's field (read on the
model's register bank, not over GVCP), and the pins.
"""

from __future__ import annotations

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

    def counter(self, name: str) -> int:
        return self.raw(name)


@contextmanager
def serve(rmap: RegisterMap, *, serial: str = "TWIN0001", scenario=None) -> Iterator[Served]:
    """Serve the twin on 127.0.0.1:3956 until the block ends."""
    netns.require_loopback_only()
    from firmware_model.device import FirmwareBackend
    from gige.device import Device

    backend = FirmwareBackend(rmap, scenario=scenario)
    device = Device(rmap, backend, serial=serial)
    device.start()
    try:
        wait_until_answering()
        yield Served(device, backend, rmap, serial)
    finally:
        device.stop()
