"""The live RTL behind the GigE Vision device: ``camtwin serve --backend verilator|icarus``.

:class:`RtlProcess` is the interactive runner: a long-lived simulator process holding the
generated ``camera.v`` between accesses. Python sends it bus accesses, input-pin edges and "run
until cycle N"; it answers with the bus responses and every change of the design's output pins,
in RTL cycles (the text protocol is in the header of ``sim/harness/serve_harness.cpp`` and in
docs/gige.md).

- Verilator: ``sim/harness/serve_harness.cpp`` around the Verilated model, over the process's
  stdin and stdout (several million cycles per second between accesses).
- Icarus: ``sim/harness/serve_tb.v``, the same protocol over two FIFOs (tens of thousands of
  cycles per second: far slower than the device's clock, for checks that allow it).

:class:`RtlBackend` implements ``gige.backend.Backend`` (structurally: :mod:`sim` never imports
:mod:`gige`) on top of it:

- register accesses are AXI4-Lite transactions on the RTL (an SLVERR is classified with the
  register map: unmapped address, write to a read-only register, or another error);
- frames start where the RTL's ``frame_start`` output rises; trigger, exposure and acquisition
  state are the RTL's output pins;
- Line1/Line2 edges (a scenario's waveforms, :meth:`RtlBackend.set_line`) drive the RTL's
  ``line1_in`` and ``line2_i`` pins in the cycles they are due, also during bus accesses;
  a scenario's timed writes are presented on the bus in their cycle;
- pixels come from the firmware model's renderer (:mod:`firmware_model.render`), with
  ``ImageSettings.from_registers`` over the RTL's register values at the frame's start. Those
  values are a shadow of the RTL's registers: every register is read over the bus at start-up
  and a register is read back after each write to it, so the shadow holds what the RTL stores.
  A frame is read out, and leaves, at ``t0 + E + R(H)`` (docs/semantics.md) with the exposure
  and height the RTL held at its start ``t0``; it is the model backend's
  ``firmware_model.device.DeviceFrame``, whose pixels are rendered when first read.

Time: device cycle 0 is the cycle after the start-up accesses (a scenario's setup writes and the
shadow reads); device time is RTL cycles from there, so frame timestamps are RTL cycles. The
device calls :meth:`RtlBackend.advance` with the cycle of the wall clock (times ``--speed``):
the RTL never runs ahead of it. When the RTL is slower than that (Icarus, or the 125 MHz map),
one call simulates for at most :data:`MAX_RUN_S` of wall time and returns early, so that a GVCP
command waits at most that long; :attr:`RtlBackend.cycle` says how far it got.

Builds go to ``build/sim/<worker>/serve-<simulator>/<hash>/`` (one per simulator, worker and
design); each run's own files (the Icarus FIFOs) go to a fresh directory inside it.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware_model.device import DeviceFrame, LiveInputs
from firmware_model.imaging import Imaging
from firmware_model.registers import RegisterFile
from firmware_model.render import ImageSettings, Renderer
from firmware_model.simulate import Write, _apply
from regmap import RegisterMap

from .native import OUTPUTS, VERILATOR_FLAGS, build_runner, harness_key
from .runner import sim_build_root, worker_id

__all__ = ["MAX_RUN_S", "SIMULATORS", "RtlBackend", "RtlProcess", "build_serve"]

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
CPP_HARNESS = HARNESS_DIR / "serve_harness.cpp"
VERILOG_TB = HARNESS_DIR / "serve_tb.v"
SIMULATORS = ("verilator", "icarus")
MAX_RUN_S = 0.02
"""The longest wall time one :meth:`RtlBackend.advance` simulates before it returns."""
PIN_LOOKAHEAD = 64
"""Pin edges due within this many cycles are handed to the RTL before a bus access (an access
takes a few cycles, and pins keep their cycle meanwhile)."""

_INF = float("inf")
_SIG = {name: i for i, name in enumerate(OUTPUTS)}


# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServeBuild:
    simulator: str
    executable: Path
    directory: Path


def build_serve(
    verilog: str, top: str, simulator: str = "verilator", build_base: Path | None = None
) -> ServeBuild:
    """Build the interactive runner for a design text (a no-op when already built)."""
    if simulator not in SIMULATORS:
        raise ValueError(f"unknown simulator {simulator!r} (choose from {', '.join(SIMULATORS)})")
    harness = CPP_HARNESS if simulator == "verilator" else VERILOG_TB
    key = harness_key(simulator, verilog, top, harness, VERILATOR_FLAGS)
    directory = (build_base or sim_build_root()) / worker_id() / f"serve-{simulator}" / key
    exe = build_runner(
        simulator, directory, verilog, top, harness=CPP_HARNESS, testbench=VERILOG_TB, jobs=2
    )
    return ServeBuild(simulator, exe, directory)


# ---------------------------------------------------------------------------------------------
# The interactive runner
# ---------------------------------------------------------------------------------------------


class RtlError(RuntimeError):
    """The simulator process failed or broke the protocol."""


Edge = tuple[int, int, int]  # (signal index, cycle, level)


class RtlProcess:
    """One long-lived simulator process speaking the serve protocol (absolute RTL cycles)."""

    def __init__(self, build: ServeBuild) -> None:
        self.simulator = build.simulator
        self._tmp: tempfile.TemporaryDirectory | None = None
        if build.simulator == "verilator":
            self.proc = subprocess.Popen(
                [str(build.executable)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            self._out = self.proc.stdin
            self._in = self.proc.stdout
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="run-", dir=build.directory)
            cmd_fifo = Path(self._tmp.name) / "cmd"
            out_fifo = Path(self._tmp.name) / "out"
            os.mkfifo(cmd_fifo)
            os.mkfifo(out_fifo)
            self.proc = subprocess.Popen(
                ["vvp", "-n", str(build.executable), f"+cmd={cmd_fifo}", f"+out={out_fifo}"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            self._out = os.fdopen(self._open_writer(cmd_fifo), "wb")
            self._in = open(out_fifo, "rb")  # noqa: SIM115 (closed in close())
        self.cycle = 0
        self.seconds = 0.0
        """Wall time spent waiting for the simulator (its share of the serving time)."""
        self.cycles_run = 0
        first = self._answer([])
        if first[0] != b"t":
            raise RtlError(f"unexpected greeting from the {self.simulator} runner: {first!r}")

    def _open_writer(self, fifo: Path, timeout: float = 60.0) -> int:
        """Open the command FIFO once the simulator has opened its end (or report its end)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    raise RtlError(self._died()) from None
                time.sleep(0.01)
                continue
            os.set_blocking(fd, True)
            return fd

    def _send(self, text: str) -> None:
        try:
            self._out.write(text.encode())
            self._out.flush()
        except (BrokenPipeError, ValueError):
            raise RtlError(self._died()) from None

    def _died(self) -> str:
        self.proc.poll()
        err = b""
        if self.proc.stderr is not None:
            err = self.proc.stderr.read() or b""
        elif self.proc.stdout is not None and self.simulator == "icarus":
            err = self.proc.stdout.read() or b""
        return (
            f"the {self.simulator} runner stopped (exit {self.proc.returncode}): "
            f"{err.decode(errors='replace').strip()[-2000:]}"
        )

    def _answer(self, edges: list[Edge]) -> list[bytes]:
        while True:
            line = self._in.readline()
            if not line:
                raise RtlError(self._died())
            parts = line.split()
            if parts[0] == b"e":
                edges.append((int(parts[1]), int(parts[2]), int(parts[3])))
            else:
                self.cycle = int(parts[-1])
                return parts

    @property
    def limits_wall_time(self) -> bool:
        """Whether ``run`` itself stops after ``max_s`` (Verilator; the Icarus testbench has no
        wall clock: its callers bound the cycles instead, see :meth:`rate`)."""
        return self.simulator == "verilator"

    def rate(self) -> float:
        """Cycles per second simulated so far (a first guess before any)."""
        if self.seconds > 0.01 and self.cycles_run:
            return self.cycles_run / self.seconds
        return 20_000.0

    def pin(self, line: int, cycle: int, level: int) -> None:
        """Schedule input ``line`` (1, 2) to ``level`` from ``cycle`` (in cycle order per line)."""
        self._send(f"p {line} {cycle} {level}\n")

    def run(self, until: int, max_s: float = 0.0) -> list[Edge]:
        """Simulate the cycles before ``until`` (or for ``max_s`` seconds); the output edges."""
        edges: list[Edge] = []
        if until <= self.cycle:
            return edges
        t0 = time.perf_counter()
        start = self.cycle
        self._send(f"r {until} {int(max_s * 1e6)}\n")
        self._answer(edges)
        self.seconds += time.perf_counter() - t0
        self.cycles_run += self.cycle - start
        return edges

    def read(self, addr: int) -> tuple[int, int, list[Edge]]:
        """AXI4-Lite read presented now: ``(RDATA, RRESP, edges meanwhile)``."""
        edges: list[Edge] = []
        self._send(f"R {addr}\n")
        parts = self._answer(edges)
        return int(parts[1]), int(parts[2]), edges

    def write(self, addr: int, value: int, strobe: int = 0xF) -> tuple[int, int, list[Edge]]:
        """AXI4-Lite write presented now: ``(BRESP, performed cycle, edges meanwhile)``."""
        edges: list[Edge] = []
        self._send(f"W {addr} {value & 0xFFFF_FFFF} {strobe & 0xF}\n")
        parts = self._answer(edges)
        return int(parts[1]), int(parts[2]), edges

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self._send("q\n")
                self.proc.wait(5)
            except (RtlError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for f in (self._out, self._in, self.proc.stderr, self.proc.stdout):
            if f is not None:
                with contextlib.suppress(OSError):
                    f.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


# ---------------------------------------------------------------------------------------------
# The backend
# ---------------------------------------------------------------------------------------------


class _ShadowBus:
    """The RTL's register values as last read (a ``firmware_model.bank.Bus``); writes through
    it are collected, not performed (the backend performs them on the RTL)."""

    def __init__(self) -> None:
        self.values: dict[int, int] = {}
        self.pending: list[tuple[int, int, int]] = []

    def read(self, addr: int) -> int:
        return self.values.get(addr, 0)

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        self.pending.append((addr, value, strobe))


class RtlBackend(LiveInputs):
    """The generated RTL of ``rmap`` behind a GigE Vision device (see the module docstring).

    ``simulator``: ``verilator`` or ``icarus``; ``scenario``: a ``firmware_model`` scenario
    (its setup writes before cycle 0, its timed writes and Line1/Line2 edges from cycle 0,
    repeating if it says so); ``verilog``: the design text to serve instead of the generated one.
    """

    def __init__(
        self,
        rmap: RegisterMap,
        simulator: str = "verilator",
        *,
        scenario: Any = None,
        seed: int = 0,
        verilog: str | None = None,
        build_base: Path | None = None,
        max_run_s: float = MAX_RUN_S,
    ) -> None:
        if scenario is not None:
            rmap = scenario.rmap
        self.rmap = rmap
        self.simulator = simulator
        self.max_run_s = max_run_s
        if verilog is None:
            from hdl.export import generate_verilog

            verilog = generate_verilog(rmap)
        self.build = build_serve(verilog, rmap.device.name, simulator, build_base)
        self.rtl = RtlProcess(self.build)
        self.imaging = Imaging(rmap)
        self.renderer = Renderer.for_map(rmap, seed=seed)
        self.shadow = _ShadowBus()
        self.regs = RegisterFile(rmap, self.shadow)
        self._slots: dict[int, Any] = {}
        for reg in rmap.registers:
            for a in reg.addresses:
                self._slots[a] = reg
        self._features = set(rmap.features)
        self.levels = [0] * len(OUTPUTS)
        self._frames = 0
        self._triggered = 0  # frames started by a FrameStart trigger
        self._trigger_mode = None
        if "TriggerMode" in self._features and "TriggerSelector" in {
            sel.name for sel in rmap.selectors
        }:
            reg, f = rmap.feature("TriggerMode")
            index = [v.name for v in rmap.selector("TriggerSelector").values].index("FrameStart")
            self._trigger_mode = (reg, f, index)
            self._on = next(e.value for e in f.enum if e.name == "On")
        self._readouts: list[tuple[int, int, int, ImageSettings]] = []  # (end, t0, id, settings)
        self._live: list[tuple[int, int, int, int]] = []  # (device cycle, seq, line, level)
        self._seq = itertools.count()
        self._sent_pin = [-1, -1]  # the last cycle scheduled per line (absolute)
        self._requested = 0  # the last ``until`` asked for (device cycles)
        self.base = 0
        try:
            for a in sorted(self._slots):
                data, resp, edges = self.rtl.read(a)
                self._edges(edges)
                if resp == 0:
                    self.shadow.values[a] = data
            self.scenario = scenario
            self._script: Iterator[tuple[int, int, str, Any]] = iter(())
            self._next: tuple[int, int, str, Any] | None = None
            if scenario is not None:
                for w in scenario.writes:
                    if w.cycle < 0:
                        self._perform(w)
                self._script = scenario.items()
                self._next = next(self._script, None)
        except BaseException:
            self.rtl.close()
            raise
        self.base = self.rtl.cycle

    # -- life cycle -----------------------------------------------------------------------
    def close(self) -> None:
        """End the simulator process."""
        self.rtl.close()

    def __enter__(self) -> RtlBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- edges and frames -----------------------------------------------------------------
    def _edges(self, edges: list[Edge]) -> None:
        """Take the RTL's output edges (absolute cycles) into account: frame starts."""
        fs = _SIG["frame_start"]
        for sig, cycle, level in edges:
            if sig == fs and level == 1 and self.levels[sig] == 0:
                self._frame_start(cycle - self.base)
            self.levels[sig] = level

    def _frame_start(self, t0: int) -> None:
        self._frames += 1
        regs = self.regs
        if self._trigger_mode is not None:
            reg, f, index = self._trigger_mode
            if (self.shadow.read(reg.address_of(index)) & f.mask) >> f.lsb == self._on:
                self._triggered += 1
        s = ImageSettings.from_registers(regs)  # the effective geometry
        end = t0 + regs.get_raw("ExposureTime") + self.imaging.readout(s.height)
        heapq.heappush(self._readouts, (end, t0, self._frames, s))

    def _render(self, t0: int, end: int, frame_id: int, s: ImageSettings) -> DeviceFrame:
        """The frame; its pixels are rendered when first read (outside the device's lock)."""
        return DeviceFrame.latched(frame_id, t0, end, s, self.renderer)

    # -- pins and scenario ----------------------------------------------------------------
    def _schedule_pins(self, before: int) -> None:
        """Hand the RTL every pin edge due before device cycle ``before`` (a scenario's up to
        its next timed write)."""
        due: list[tuple[int, int, int, int]] = []
        while self._next is not None and self._next[2] == "pin" and self._next[0] < before:
            key, _o, _k, (line, level) = self._next
            due.append((key, -1, line, level))
            self._next = next(self._script, None)
        while self._live and self._live[0][0] < before:
            due.append(heapq.heappop(self._live))
        due.sort()
        for cycle, _s, line, level in due:
            c = max(cycle + self.base, self._sent_pin[line - 1])
            self._sent_pin[line - 1] = c
            self.rtl.pin(line, c, level)

    def _perform(self, w: Write) -> None:
        """A scenario write: its bus words (computed on the shadow), performed now."""
        _apply(self.regs, w)
        pending, self.shadow.pending = self.shadow.pending, []
        for addr, value, strobe in pending:
            self._bus_write(addr, value, strobe)

    # -- Backend --------------------------------------------------------------------------
    @property
    def clock_hz(self) -> int:
        return self.rmap.clock_hz

    @property
    def cycle(self) -> int:
        return self.rtl.cycle - self.base

    def _classify(self, addr: int, write: bool) -> str:
        reg = self._slots.get(addr)
        if reg is None:
            return "unmapped"
        if write and reg.read_only:
            return "read_only"
        return "error"

    def read(self, addr: int) -> tuple[str, int]:
        if addr % 4:
            return "unaligned", 0
        self._schedule_pins(self.cycle + PIN_LOOKAHEAD)
        data, resp, edges = self.rtl.read(addr)
        self._edges(edges)
        if resp != 0:
            return self._classify(addr, False), 0
        if addr in self._slots:
            self.shadow.values[addr] = data
        return "ok", data

    def _bus_write(self, addr: int, value: int, strobe: int = 0xF) -> int:
        self._schedule_pins(self.cycle + PIN_LOOKAHEAD)
        resp, performed, edges = self.rtl.write(addr, value, strobe)
        # frames that started up to the cycle the write was performed in latched the old value
        self._edges([e for e in edges if e[1] <= performed])
        if resp == 0 and addr in self._slots:
            data, rresp, more = self.rtl.read(addr)
            if rresp == 0:
                self.shadow.values[addr] = data
            else:  # a write-only register: keep what was written
                self.shadow.values[addr] = value & 0xFFFF_FFFF
            self._edges([e for e in edges if e[1] > performed] + more)
        else:
            self._edges([e for e in edges if e[1] > performed])
        return resp

    def write(self, addr: int, value: int) -> str:
        if addr % 4:
            return "unaligned"
        if self._bus_write(addr, value) != 0:
            return self._classify(addr, True)
        return "ok"

    def advance(self, until_cycle: int) -> list[DeviceFrame]:
        """Run the RTL up to ``until_cycle`` (device cycles); the frames read out meanwhile.

        Returns early (``cycle < until_cycle``) after :attr:`max_run_s` of wall time."""
        self._requested = max(self._requested, until_cycle)
        deadline = time.perf_counter() + self.max_run_s
        while self.cycle < until_cycle:
            target = until_cycle
            while self._next is not None:
                key, _o, kind, data = self._next
                if kind == "pin":
                    if key >= target:
                        break
                    self._schedule_pins(key + 1)
                    continue
                if key - 1 > self.cycle:  # performed in cycle key - 1, effective from key
                    target = min(target, key - 1)
                    break
                self._next = next(self._script, None)
                self._perform(data)
            self._schedule_pins(target)
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            end = target + self.base
            if not self.rtl.limits_wall_time:  # Icarus: as many cycles as fit in the time
                end = min(end, self.rtl.cycle + max(64, int(self.rtl.rate() * left)))
            self._edges(self.rtl.run(end, left))
        return self._ready()

    def _ready(self) -> list[DeviceFrame]:
        out = []
        now = self.cycle
        while self._readouts and self._readouts[0][0] < now:
            end, t0, frame_id, s = heapq.heappop(self._readouts)
            out.append(self._render(t0, end, frame_id, s))
        return out

    def next_event(self) -> int | None:
        """The smallest ``until`` for which :meth:`advance` has something to do: a frame to
        read out, an input or write due, the cycles a call left undone; while the RTL's
        ``acquisition_active`` is high, every 10 ms of device time (frames may start)."""
        now = self.cycle
        if now < self._requested:
            return now + 1
        best = self._next_key()
        if self._readouts:
            best = min(best, self._readouts[0][0])
        if self.levels[_SIG["acquisition_active"]]:
            best = min(best, now + max(1, self.clock_hz // 100))
        return None if best == _INF else int(max(best, now)) + 1

    def stats(self) -> dict[str, int]:
        """Frames started (the RTL's ``frame_start`` pin); triggers: the frames a FrameStart
        trigger started, and the RTL's overtrigger and lost-trigger counters read over the
        bus."""
        counts = {}
        for name in ("OvertriggerCount", "TriggerLostCount"):
            if name in self._features:
                reg, f = self.rmap.feature(name)
                status, value = self.read(reg.address)
                if status == "ok":
                    counts[name] = (value & f.mask) >> f.lsb
        over = counts.get("OvertriggerCount", 0)
        return {
            "frames": self._frames,
            "triggers": self._triggered + over + counts.get("TriggerLostCount", 0),
            "overtriggers": over,
            "cycle": self.cycle,
        }

    def speed(self) -> dict[str, float]:
        """Cycles simulated and the simulator's wall time so far (for benchmarks)."""
        return {"cycles": self.rtl.cycles_run, "seconds": self.rtl.seconds}
