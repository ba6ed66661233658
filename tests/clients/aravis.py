"""Aravis 0.8 clients for tests and benchmarks: the command-line tools, their output parsers,
the reference fake camera, and the GObject-binding client (``aravis_client.py``).

Every function here starts processes in the calling thread's network namespace and refuses to
(:class:`tests.netns.NamespaceError`) unless that namespace holds only ``lo``: call them inside
``tests.netns.loopback_namespace()`` (the ``netns`` fixture or marker).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests import netns
from tests.clients.gvcp import wait_until_answering

ARV_TOOL = "arv-tool-0.8"
ARV_CAMERA_TEST = "arv-camera-test-0.8"
ARV_TEST = "arv-test-0.8"
ARV_FAKE_CAMERA = "arv-fake-gv-camera-0.8"
SYSTEM_PYTHON = "/usr/bin/python3"  # the interpreter python3-gi and the Aravis typelib serve
CLIENT_SCRIPT = Path(__file__).resolve().parent / "aravis_client.py"
LOCALHOST = "127.0.0.1"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess:
    netns.require_loopback_only()
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout)


def arv_tool(
    *args: str, address: str | None = LOCALHOST, debug: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """``arv-tool-0.8 [-a ADDRESS] [-d DEBUG] ARGS``; ``address=None`` discovers by broadcast."""
    argv = [ARV_TOOL]
    if address is not None:
        argv += ["-a", address]
    if debug is not None:
        argv += ["-d", debug]
    return _run([*argv, *args], timeout)


def arv_tool_bytes(*args: str, address: str = LOCALHOST, timeout: float = 60) -> bytes:
    """The raw standard output of ``arv-tool-0.8 -a ADDRESS ARGS`` (which must succeed)."""
    netns.require_loopback_only()
    r = subprocess.run([ARV_TOOL, "-a", address, *args], capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"arv-tool {' '.join(args)} failed: {r.stderr.decode(errors='replace')}")
    return r.stdout


def discover(address: str | None = None) -> list[tuple[str, str]]:
    """``(device id, address)`` of each device arv-tool lists (plain, or with ``-a``)."""
    out = arv_tool(address=address).stdout
    found = []
    for line in out.splitlines():
        m = re.fullmatch(r"(.+?) \((\d+\.\d+\.\d+\.\d+)\)", line.strip())
        if m:
            found.append((m.group(1), m.group(2)))
        elif re.fullmatch(r"\d+\.\d+\.\d+\.\d+", line.strip()):
            found.append((line.strip(), line.strip()))
    return found


@dataclass(frozen=True)
class Feature:
    """One node of ``arv-tool features``: its kind, access and name, enum entries if any."""

    kind: str  # Category, Integer, Float, Enumeration, Command, Boolean, StringReg, ...
    name: str
    access: str | None  # "RW", "RO", "WO" (None for categories)
    entries: tuple[str, ...] = ()


def parse_features(text: str) -> list[Feature]:
    """The nodes listed by ``arv-tool features``, in order (categories included)."""
    out: list[Feature] = []
    for line in text.splitlines():
        m = re.match(r"\s*(\w+)\s*: (?:\[(\w+)\] )?'([^']+)'", line)
        if not m:
            continue
        kind, access, name = m.groups()
        if kind == "EnumEntry":
            last = out[-1]
            out[-1] = Feature(last.kind, last.name, last.access, (*last.entries, name))
        else:
            out.append(Feature(kind, name, access))
    return out


def parse_control(text: str) -> dict[str, str]:
    """``Feature = value`` lines of ``arv-tool control`` (range and increment suffixes dropped,
    units kept: ``"10 us"``; the last line of a feature wins), and ``Command executed`` lines as
    ``{"Command": "executed"}``."""
    values = {}
    for line in text.splitlines():
        m = re.match(r"(\S+) = (.*?)(?: min:\S+ max:\S+(?: inc:\S+)?)?$", line.strip())
        if m:
            values[m.group(1)] = m.group(2)
            continue
        m = re.match(r"(\S+) executed$", line.strip())
        if m:
            values[m.group(1)] = "executed"
    return values


@dataclass
class CameraTestRun:
    """What ``arv-camera-test-0.8`` printed: per-second rates and the final stream counters."""

    returncode: int
    frames_per_s: list[float] = field(default_factory=list)
    mib_per_s: list[float] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    output: str = ""

    def __getitem__(self, key: str) -> int:
        return self.counters[key]


def number(value: str) -> float:
    """The number of an ``arv-tool control`` value such as ``"10 us"`` or ``"200 Hz"``."""
    return float(value.split()[0])


def parse_camera_test(text: str, returncode: int = 0) -> CameraTestRun:
    run = CameraTestRun(returncode, output=text)
    for line in text.splitlines():
        m = re.match(r"\s*(\d+) frames/s -\s+([\d.]+) MiB/s", line)
        if m:
            run.frames_per_s.append(float(m.group(1)))
            run.mib_per_s.append(float(m.group(2)))
            continue
        m = re.match(r"(n_\w+)\s+= (\d+)$", line.strip())
        if m:
            run.counters[m.group(1)] = int(m.group(2))
    return run


def camera_test(
    address: str = LOCALHOST,
    *,
    duration: float,
    frequency: float | None = None,
    software_trigger: float | None = None,
    width: int | None = None,
    height: int | None = None,
    exposure_us: float | None = None,
    features: str | None = None,
    auto_buffer: bool = True,
    extra: Sequence[str] = (),
    timeout: float | None = None,
) -> CameraTestRun:
    """``arv-camera-test-0.8`` for ``duration`` seconds; its rates and final counters."""
    argv = [ARV_CAMERA_TEST, "-n", address, "--duration", f"{duration:g}"]
    if frequency is not None:
        argv += ["-f", f"{frequency:g}"]
    if software_trigger is not None:
        argv += ["-o", f"{software_trigger:g}"]
    if width is not None:
        argv += ["-w", str(width)]
    if height is not None:
        argv += ["-h", str(height)]
    if exposure_us is not None:
        argv += ["-e", f"{exposure_us:g}"]
    if features:
        argv += ["--features", features]
    if auto_buffer:
        argv.append("-a")
    r = _run([*argv, *extra], timeout or duration + 30)
    return parse_camera_test(r.stdout + r.stderr, r.returncode)


@dataclass(frozen=True)
class Check:
    """One line of ``arv-test-0.8``: ``Test:Check  STATUS  detail``."""

    name: str
    status: str  # SUCCESS, FAILURE, IGNORED
    detail: str


def parse_arv_test(text: str) -> tuple[list[str], list[Check]]:
    """The devices tested (``Testing 'Vendor:Model'``) and every check line."""
    devices, checks = [], []
    for raw in text.splitlines():
        line = _ANSI.sub("", raw).rstrip()
        m = re.match(r"Testing '(.+)'$", line)
        if m:
            devices.append(m.group(1))
            continue
        m = re.match(r"(\w+:\w+)\s+(SUCCESS|FAILURE|IGNORED)\b\s*(.*)$", line)
        if m:
            checks.append(Check(*m.groups()))
    return devices, checks


def arv_test(
    config: Path | None = None,
    *,
    name: str | None = None,
    tests: str | None = None,
    timeout: float = 240,
) -> tuple[list[str], list[Check], str]:
    """``arv-test-0.8`` (which always exits 0): devices, checks and the whole output."""
    argv = [ARV_TEST]
    if config is not None:
        argv += ["-c", str(config)]
    if name is not None:
        argv += ["-n", name]
    if tests is not None:
        argv += ["-t", tests]
    r = _run(argv, timeout)
    text = r.stdout + r.stderr
    devices, checks = parse_arv_test(text)
    return devices, checks, text


class FakeCamera:
    """``arv-fake-gv-camera-0.8`` on 127.0.0.1, Aravis' own reference device (a context manager)."""

    def __init__(self, serial: str = "GV01"):
        self.serial = serial
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> FakeCamera:
        netns.require_loopback_only()
        self.proc = subprocess.Popen(
            [ARV_FAKE_CAMERA, "-i", LOCALHOST, "-s", self.serial],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_answering(LOCALHOST)
        return self

    def __exit__(self, *exc) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class ClientError(RuntimeError):
    """The Aravis binding reported an error for a request."""


class AravisClient:
    """``aravis_client.py`` under ``/usr/bin/python3``: one connected camera, JSON requests."""

    def __init__(self, address: str = LOCALHOST, timeout: float = 30):
        netns.require_loopback_only()
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(CLIENT_SCRIPT), address],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.info = self._reply()

    def _reply(self):
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            raise ClientError(f"aravis_client.py ended without an answer: {err.strip()}")
        reply = json.loads(line)
        if "error" in reply:
            raise ClientError(reply["error"])
        return reply["ok"]

    def call(self, op: str, **kwargs):
        self.proc.stdin.write(json.dumps({"op": op, **kwargs}) + "\n")
        self.proc.stdin.flush()
        return self._reply()

    def get(self, feature: str, type: str = "integer"):
        return self.call("get", feature=feature, type=type)

    def set(self, feature: str, value) -> None:
        self.call("set", feature=feature, value=value)

    def execute(self, feature: str) -> None:
        self.call("execute", feature=feature)

    def open_stream(self, buffers: int = 8) -> dict:
        return self.call("open_stream", buffers=buffers)

    def pop(self, count: int = 1, timeout: float = 2.0) -> list[dict]:
        return self.call("pop", count=count, timeout=timeout)

    def stats(self) -> dict[str, int]:
        return self.call("stats")

    def kill(self) -> None:
        """End the client abruptly (no goodbye to the device)."""
        self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.proc.stdin.close()
                self.proc.wait(10)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.kill()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()

    def __enter__(self) -> AravisClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def wait_for(predicate, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until true or ``timeout`` seconds pass; its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
