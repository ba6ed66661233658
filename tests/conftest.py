"""Shared fixtures: the bundled camera map, and a slow-clock variant for short simulations;
``describe`` for simulator-run assertion messages; loopback-only network namespaces for tests
that start a GigE Vision client or device (``netns`` marker, ``netns``/``module_netns``
fixtures, see ``tests/netns.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regmap import RegisterMap, load
from sim.runner import apply_overrides, slow_overrides
from tests import netns as _netns

ROOT = Path(__file__).resolve().parent.parent
CAMERA_YAML = ROOT / "regmap" / "camera.yaml"
ICARUS_SPEED = 0.02
"""Device time per wall time when the client tests serve the RTL on Icarus."""


def describe(result) -> str:
    """A simulator run's outcome for an assertion message: each test, and each failure's text."""
    lines = [f"{result.simulator}: exit {result.exit_code}, results {result.results_xml}"]
    for t in result.tests:
        lines.append(f"  {t.name}: {'PASS' if t.passed else 'FAIL'}")
        if not t.passed:
            lines.append("    " + t.message[:4000].replace("\n", "\n    "))
    return "\n".join(lines)


def slow_camera(rmap: RegisterMap) -> RegisterMap:
    """The camera at a 1 MHz clock with a 50-cycle sensor readout and a 4-deep trigger FIFO.

    One cycle is then one microsecond, and frames are short enough to simulate many.
    """
    return apply_overrides(rmap, slow_overrides())


@pytest.fixture(scope="session")
def camera_map() -> RegisterMap:
    return load(CAMERA_YAML)


@pytest.fixture(scope="session")
def slow_camera_map(camera_map: RegisterMap) -> RegisterMap:
    return slow_camera(camera_map)


@pytest.fixture(
    params=["model", "verilator", pytest.param("icarus", marks=pytest.mark.soak)],
)
def twin_target(request, camera_map: RegisterMap, slow_camera_map: RegisterMap):
    """A client test's device: the firmware model serving the camera map, or the RTL on
    Verilator (default suite) or Icarus (``soak``) serving its slow-clock variant, as
    ``camtwin serve --backend`` does (``tests.clients.twin.Target``)."""
    from tests.clients.twin import Target

    if request.param == "model":
        return Target("model", camera_map)
    speed = ICARUS_SPEED if request.param == "icarus" else 1.0
    return Target(request.param, slow_camera_map, speed)


@pytest.fixture(scope="module")
def module_netns():
    """The module's tests, and module-scoped fixtures that depend on this one (a device served
    for several tests), share one fresh network namespace holding only ``lo``."""
    with _netns.loopback_namespace():
        yield


@pytest.fixture
def netns():
    """The test runs in a fresh network namespace holding only ``lo`` (or in the module's, when
    ``module_netns`` is active): clients and devices it starts see only loopback."""
    with _netns.loopback_namespace():
        yield


@pytest.fixture(autouse=True)
def _netns_marker(request):
    """``@pytest.mark.netns`` puts the test in a loopback-only namespace, like ``netns``."""
    if request.node.get_closest_marker("netns") is None:
        yield
        return
    with _netns.loopback_namespace():
        yield
