"""The twin served in-process for client tests: the GigE Vision device (``gige``) over the
firmware-model backend or the live RTL (``sim.serve.RtlBackend`` on Verilator or Icarus), on
127.0.0.1 in the calling thread's loopback-only namespace.

:data:`BACKENDS` parametrises a client test over the backends (``twin_target`` fixture in
``tests/conftest.py``): the model serves the camera map, the RTL its slow-clock variant (what
``camtwin serve --backend verilator`` serves by default), each with the figures a test needs.

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
    target: Any = None
    """The :class:`Target` served, when the test serves one."""

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

        The model builds what its frames are rendered from (the scene...) at its first frame
        start, and the first acquisition of a process pays for numpy's first uses: tests that
        count frames warm the device up first.
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


BACKENDS = ("model", "verilator", "icarus")


@dataclass(frozen=True)
class Target:
    """What a client test serves: a backend (:data:`BACKENDS`), its map and ``speed`` (device
    time per wall time: Icarus simulates the slow-clock camera about 20 times slower than
    real time, so it is served at a lower speed)."""

    backend: str
    rmap: RegisterMap
    speed: float = 1.0

    def roi(self, width: int, height: int) -> tuple[int, int]:
        """A region of ``width`` x ``height`` pixels, cut to the map's sensor."""
        return (
            min(width, self.rmap.constant("SensorWidth")),
            min(height, self.rmap.constant("SensorHeight")),
        )

    def real_time(self) -> Target:
        """This target at speed 1 for clients with wall-clock timeouts of their own (arv-test):
        a slowed-down device is served instead with a clock slow enough for its simulator
        (half of ``clock_hz * speed``)."""
        if self.speed >= 1:
            return self
        clock = round(self.rmap.clock_hz * self.speed / 2)
        return Target(self.backend, self.rmap.with_device(clock_hz=clock), 1.0)

    def serve(self, **kwargs) -> Any:
        """:func:`serve` with this target's backend, map and speed."""
        return serve(self.rmap, backend=self.backend, speed=self.speed, **kwargs)


def make_backend(rmap: RegisterMap, backend: str = "model", scenario=None):
    """The backend named ``backend`` over ``rmap`` (or the scenario's map)."""
    if backend == "model":
        from firmware_model.device import FirmwareBackend

        return FirmwareBackend(rmap, scenario=scenario)
    from sim.serve import RtlBackend

    return RtlBackend(rmap, backend, scenario=scenario)


@contextmanager
def serve(
    rmap: RegisterMap,
    *,
    serial: str = "TWIN0001",
    scenario=None,
    warm: bool = False,
    backend: str = "model",
    speed: float = 1.0,
    step: int | None = None,
) -> Iterator[Served]:
    """Serve the twin on 127.0.0.1:3956 until the block ends (warmed up, see
    :meth:`Served.warm_up`, if ``warm``), over the ``backend`` named (:data:`BACKENDS`)."""
    netns.require_loopback_only()
    from gige.device import Device

    be = make_backend(rmap, backend, scenario)
    try:
        device = Device(rmap, be, serial=serial, speed=speed, step=step)
        device.start()
        try:
            wait_until_answering()
            served = Served(device, be, rmap, serial)
            if warm and backend == "model":  # the RTL serves a small sensor: no warm-up
                served.warm_up()
            yield served
        finally:
            device.stop()
    finally:
        close = getattr(be, "close", None)
        if close is not None:
            close()
