"""``camtwin serve``: what it prints, how it stops, and its one-line errors (in a loopback-only
network namespace; the command runs as a child process of the test)."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.serving import discover, reaped, stop

pytestmark = pytest.mark.netns

ROOT = Path(__file__).resolve().parent.parent


def _serve(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "camtwin.cli", "serve", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kw,
    )


def test_serve_prints_identity_and_stops_cleanly(camera_map):
    with reaped(_serve("--serial", "S-1", "--user-name", "left", "--port", "3956")) as p:
        ans = discover(3956, timeout=10)
        assert ans[0xD8 + 8 : 0xD8 + 8 + 3] == b"S-1"
        time.sleep(1.3)  # at least one status line
        out, err = stop(p, timeout=10)
    assert p.returncode == 0, err
    assert err == ""
    lines = out.splitlines()
    dev = camera_map.device
    assert lines[0].split()[1] == f"{dev.vendor}-{dev.model}-S-1"
    assert lines[1].split()[1] == "127.0.0.1:3956"
    assert lines[2].split()[1].startswith(f"Local:{camera_map.stem}.xml;")
    status = lines[3].split()
    assert status[0::2][:3] == ["frames", "triggers", "overtriggers"]
    assert "controller" in status
    assert lines[-1] == "stopped"


def test_serve_on_the_stepped_clock():
    """``--step``: each write moves device time by exactly its cycles, whatever the wall clock
    does meanwhile (docs/gige.md, "The stepped clock")."""
    from gige import bootstrap as bs
    from tests.gige_client import Client

    with reaped(_serve("--step", "5000", "--port", "3958")) as p:
        discover(3958, timeout=10)
        c = Client(port=3958)
        try:
            latched = []
            for pause in (0.0, 0.3):
                time.sleep(pause)
                assert c.writereg((bs.TIMESTAMP_CONTROL, 2)) == (0, 1)  # latch
                latched.append(c.read(bs.TIMESTAMP_VALUE_LOW))
        finally:
            c.close()
        out, err = stop(p, timeout=10)
    assert p.returncode == 0, err
    assert latched[1] - latched[0] == 5000
    assert out.splitlines()[3] == "clock   stepped: 5000 cycles after each write command"


def test_sigterm_stops_cleanly():
    with reaped(_serve("--port", "3957")) as p:
        discover(3957, timeout=10)
        _out, err = stop(p, timeout=10, sig=signal.SIGTERM)
    assert p.returncode == 0, err


def test_port_in_use_is_one_line_and_exit_2():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 3958))
    try:
        p = _serve("--port", "3958")
        out, err = p.communicate(timeout=30)
    finally:
        s.close()
    assert p.returncode == 2
    assert err.count("\n") == 1
    assert err.startswith("camtwin serve: error: ")
    assert "3958" in err and "in use" in err
    assert out == ""


@pytest.mark.parametrize(
    "args, message",
    [
        (("--interface", "not-an-ip"), "address must be an IPv4 address"),
        (("--interface", "255.255.255.255"), "unicast"),
        (("--port", "0"), "--port must be 1..65535"),
        (("--speed", "0"), "speed must be > 0"),
        (("--step", "0"), "step must be a number of cycles, 1 to 2**48 - 1, not 0"),
        (("--scenario", "missing.yaml"), "does not exist"),
        (("--sensor", "non-uniform", "--backend", "icarus"), "--sensor non-uniform needs"),
    ],
)
def test_usage_errors(args, message):
    p = _serve(*args)
    _out, err = p.communicate(timeout=30)
    assert p.returncode == 2
    assert err.count("\n") == 1 and message in err


def test_speed_and_step_exclude_each_other():
    p = _serve("--step", "1000", "--speed", "2")
    _out, err = p.communicate(timeout=30)
    assert p.returncode == 2
    assert err.startswith("usage: camtwin serve")
    assert err.splitlines()[-1] == (
        "camtwin serve: error: argument --speed: not allowed with argument --step"
    )


def test_bad_scenario_gives_a_located_error(tmp_path):
    sc = tmp_path / "bad.yaml"
    sc.write_text("duration: 1000\nrepeat: sometimes\ninputs:\n  line1: [[10, 1], [5, 0]]\n")
    p = _serve("--scenario", str(sc))
    _out, err = p.communicate(timeout=30)
    assert p.returncode == 1
    assert f"{sc}:2:9" in err  # repeat must be true or false
    assert f"{sc}:4:" in err  # edges out of order
    assert "Traceback" not in err


def _readreg(port: int, addr: int) -> tuple[int, int]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    try:
        s.sendto(struct.pack(">BBHHHI", 0x42, 0x01, 0x0080, 4, 7, addr), ("127.0.0.1", port))
        ack = 0x0089
        while ack == 0x0089:  # PENDING_ACK: a slow backend (the RTL) answers later
            status, ack, _len, _req, value = struct.unpack(">HHHHI", s.recv(2048)[:12])
    finally:
        s.close()
    return status, value


@pytest.mark.sim
@pytest.mark.parametrize("simulator, port", [("verilator", 3959), ("icarus", 3961)])
def test_serve_the_rtl(slow_camera_map, simulator, port):
    """``--backend verilator|icarus`` serves the generated RTL of the slow-clock variant: the
    register reads are AXI4-Lite reads of the RTL (its sensor is the variant's)."""
    with reaped(_serve("--backend", simulator, "--port", str(port), "--speed", "0.02")) as p:
        discover(port, timeout=600)  # the first use builds the RTL
        addr = slow_camera_map.feature("SensorWidth")[0].address
        assert _readreg(port, addr) == (0, slow_camera_map.constant("SensorWidth"))
        out, err = stop(p, timeout=10)
    assert p.returncode == 0, err
    lines = out.splitlines()
    assert lines[3] == f"rtl     {simulator}, the slow-clock variant of the map (1 MHz)"
    assert lines[-1] == "stopped"


@pytest.mark.sim
@pytest.mark.soak
def test_serve_the_rtl_at_the_maps_own_clock(camera_map):
    """``--rtl-clock map``: the RTL of the map itself (125 MHz, the full sensor), with the line
    saying that it runs slower than real time."""
    with reaped(_serve("--backend", "verilator", "--rtl-clock", "map", "--port", "3960")) as p:
        discover(3960, timeout=900)  # the first use builds the RTL
        addr = camera_map.feature("SensorWidth")[0].address
        assert _readreg(3960, addr) == (0, camera_map.constant("SensorWidth"))
        out, err = stop(p, timeout=10)
    assert p.returncode == 0, err
    note = out.splitlines()[3]
    assert note.startswith("rtl     verilator at the map's 125 MHz: slower than real time"), note
