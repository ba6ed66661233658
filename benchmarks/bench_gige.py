"""Benchmark of the GigE Vision device: the twin against Aravis' fake camera, in the same run.

Both devices stream 1280x1024 Mono8, one after the other, in one private network namespace
holding only ``lo`` (tests/netns.py; nothing leaves the machine), to ``arv-camera-test-0.8``
(auto socket buffer, Aravis' default packet-socket receiver):

- the baseline: ``arv-fake-gv-camera-0.8`` (Aravis' C reference device) asked for 1000 frames/s,
  which it cannot reach, so it streams as fast as it can;
- the twin (``camtwin serve``, its own process) at its shortest exposure, at three link
  throughput limits (DeviceLinkThroughputLimit): 125 MB/s (1 Gb/s, the default: about 95
  frames/s), 156.25 MB/s (1.25 Gb/s) and the map's maximum, where the readout (5 ms, 200
  frames/s) sets the rate. The model's own frame count (FrameCount, read over GVCP before and
  after) shows frames the model made that never reached the client.

Then, on the idle devices: the GVCP round trip of a one-register READREG (bootstrap version
register; for the twin also a register behind the firmware model's bus), and the
software-trigger-to-frame latency (Aravis binding: TriggerSoftware written, until the whole
frame is popped) minus the modelled latency (the twin's exposure + readout + transfer at the
link limit; the fake camera models none). The twin's figures are reported as ratios to the
fake camera's.

Then the RTL backend (``camtwin serve --backend verilator``) against the firmware-model backend,
both serving the slow-clock camera (1 MHz, 64 x 8) in this process, one after the other:
arv-camera-test streaming 1000 frames/s for ``--seconds``, then READREG round trips of a
register behind the backend's bus. For each backend: the device cycles it simulated per second
of the time it spent in ``advance`` (the RTL's speed while serving, Python's share included;
the event-driven model's cost per cycle), the device cycles per wall second (1e6: real time),
and the round trip; the RTL's figures as ratios to the model's. For the RTL also the runner's
own speed between accesses (cycles per second of its simulation loop).

Run: ``.venv/bin/python benchmarks/bench_gige.py [--seconds 5] [--triggers 20]
[--part all|stream|rtl] [--rtl verilator|icarus]``.
Prints a table, then the JSON, which is also written to build/bench/gige.json. The figures
depend on the machine's load (both devices and the client share its cores): compare ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from regmap import load  # noqa: E402
from sim.runner import apply_overrides, slow_overrides  # noqa: E402
from tests import netns  # noqa: E402
from tests.clients import aravis  # noqa: E402
from tests.clients.gvcp import GvcpClient, wait_until_answering  # noqa: E402
from tests.clients.twin import make_backend  # noqa: E402

WIDTH, HEIGHT = 1280, 1024
FAKE_REQUESTED_HZ = 1000.0
VERSION_REGISTER = 0x0000
LINKS = (125_000_000.0, 156_250_000.0, None)  # B/s; None: the map's maximum


def start_twin(log: Path) -> subprocess.Popen:
    """``camtwin serve`` as its own process (its own interpreter), answering on 127.0.0.1."""
    netns.require_loopback_only()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with log.open("w") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "camtwin.cli", "serve", "--serial", "BENCH01"],
            cwd=ROOT,
            env=env,
            stdout=f,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_until_answering()
    except TimeoutError:
        proc.kill()
        raise
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def steady(values: list[float]) -> float:
    """The mean of the per-second figures after the first (start-up) second."""
    rest = values[1:] or values
    return statistics.fmean(rest) if rest else 0.0


def read_counter(address: int) -> int:
    with GvcpClient(timeout=5.0) as g:
        status, (value,) = g.readreg(address)
    if status:
        raise RuntimeError(f"READREG 0x{address:x} answered 0x{status:04x}")
    return value


def stream(seconds: float, *, frequency, features, frame_count_reg=None) -> dict:
    before = read_counter(frame_count_reg) if frame_count_reg is not None else None
    run = aravis.camera_test(
        duration=seconds, width=WIDTH, height=HEIGHT, frequency=frequency, features=features
    )
    if not run.counters:
        raise RuntimeError(f"arv-camera-test produced no counters:\n{run.output}")
    aravis.arv_tool("control", "AcquisitionStop")
    time.sleep(0.5)
    mib = steady(run.mib_per_s)
    row = {
        "frames_per_s": round(steady(run.frames_per_s), 2),
        "gbit_per_s": round(mib * 2**20 * 8 / 1e9, 3),
        "completed_buffers": run["n_completed_buffers"],
        "missing_frames": run["n_missing_frames"],
        "missing_packets": run["n_missing_packets"],
        "failures": run["n_failures"],
        "resend_requests": run["n_resend_requests"],
    }
    if before is not None:
        made = read_counter(frame_count_reg) - before
        row["model_frames"] = made
        row["frames_not_delivered"] = made - run["n_completed_buffers"]
    return row


def round_trip_us(address: int, n: int) -> dict:
    with GvcpClient(timeout=5.0) as g:
        g.round_trips(address, 20)  # warm-up
        rt = sorted(g.round_trips(address, n))
    return {
        "median_us": round(statistics.median(rt) * 1e6, 1),
        "p99_us": round(rt[int(0.99 * (len(rt) - 1))] * 1e6, 1),
    }


def trigger_latency(n: int, setup: list[tuple[str, object]]) -> list[float]:
    """Seconds from writing TriggerSoftware to having the whole frame, ``n`` times."""
    with aravis.AravisClient() as c:
        for feature, value in setup:
            c.set(feature, value)
        c.set("TriggerSelector", "FrameStart")
        c.set("TriggerMode", "On")
        c.set("TriggerSource", "Software")
        c.open_stream(4)
        c.execute("AcquisitionStart")
        time.sleep(0.2)
        rows = c.call("trigger_latency", count=n, timeout=2.0)
        c.execute("AcquisitionStop")
        c.set("TriggerMode", "Off")
    bad = [r for r in rows if r["status"] != "success"]
    if bad:
        raise RuntimeError(f"{len(bad)} of {n} triggered frames failed: {bad[:3]}")
    return [(r["done_ns"] - r["send_ns"]) / 1e9 for r in rows]


def latency_row(n: int, setup, modelled_s: float) -> dict:
    lat = trigger_latency(n, setup)
    return {
        "modelled_ms": round(modelled_s * 1e3, 3),
        "median_ms": round(statistics.median(lat) * 1e3, 3),
        "max_ms": round(max(lat) * 1e3, 3),
        "median_minus_modelled_ms": round((statistics.median(lat) - modelled_s) * 1e3, 3),
    }


def twin_setup(rmap, link_bps: float) -> tuple[str, list[tuple[str, object]], float]:
    """arv-camera-test features and binding writes for 1280x1024 Mono8 at the shortest
    exposure and ``link_bps``, and the modelled trigger-to-frame-received latency in seconds:
    the exposure and the readout (docs/semantics.md), then the payload at the link limit."""
    _reg, exposure = rmap.feature("ExposureTime")
    setup: list[tuple[str, object]] = [
        ("Width", WIDTH),
        ("Height", HEIGHT),
        ("PixelFormat", "Mono8"),
        ("ExposureTime", float(exposure.min)),
        ("DeviceLinkThroughputLimit", float(link_bps)),
    ]
    readout = rmap.constant("SensorReadoutOverhead") + HEIGHT * rmap.constant("SensorLineTime")
    modelled = exposure.min * 1e-6 + readout / rmap.clock_hz + WIDTH * HEIGHT / link_bps
    features = " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in setup)
    return features, setup, modelled


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


class TimedBackend:
    """A backend whose ``advance`` calls are timed: cycles simulated, seconds spent."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.cycles = 0
        self.seconds = 0.0

    def __getattr__(self, name: str):
        return getattr(self.backend, name)

    @property
    def clock_hz(self) -> int:
        return self.backend.clock_hz

    @property
    def cycle(self) -> int:
        return self.backend.cycle

    def advance(self, until_cycle: int):
        c0 = self.backend.cycle
        t0 = time.perf_counter()
        out = self.backend.advance(until_cycle)
        self.seconds += time.perf_counter() - t0
        self.cycles += self.backend.cycle - c0
        return out


def serve_backend(rmap, name: str, seconds: float, roundtrips: int) -> dict:
    """Serve ``rmap`` over backend ``name`` in this process; stream, then time READREGs."""
    from gige.device import Device

    backend = TimedBackend(make_backend(rmap, name))
    w, h = rmap.constant("SensorWidth"), rmap.constant("SensorHeight")
    try:
        with Device(rmap, backend, serial="BENCH02"):
            wait_until_answering()
            c0, t0 = backend.cycle, time.monotonic()
            run = aravis.camera_test(
                duration=seconds, width=w, height=h, features="TriggerMode=Off ExposureTime=1000"
            )
            aravis.arv_tool("control", "AcquisitionStop")
            wall = time.monotonic() - t0
            cycles = backend.cycle - c0
            rt = round_trip_us(rmap.feature("Width")[0].address, roundtrips)
    finally:
        close = getattr(backend.backend, "close", None)
        if close is not None:
            close()
    return {
        "backend": name,
        "frames_per_s": round(steady(run.frames_per_s), 2),
        "completed_buffers": run.counters.get("n_completed_buffers"),
        "missing_frames": run.counters.get("n_missing_frames"),
        "simulated_cycles_per_s": round(backend.cycles / backend.seconds)
        if backend.seconds
        else None,
        "device_cycles_per_wall_s": round(cycles / wall),
        "runner_cycles_per_s": round(backend.speed()["cycles"] / backend.speed()["seconds"])
        if hasattr(backend.backend, "speed")
        else None,
        "readreg_bus": rt,
    }


def rtl_report(seconds: float, roundtrips: int, simulator: str) -> dict:
    """The RTL backend against the model backend, both on the slow-clock camera."""
    rmap = apply_overrides(load(ROOT / "regmap" / "camera.yaml"), slow_overrides())
    model = serve_backend(rmap, "model", seconds, roundtrips)
    rtl = serve_backend(rmap, simulator, seconds, roundtrips)
    added_ms = (rtl["readreg_bus"]["median_us"] - model["readreg_bus"]["median_us"]) / 1e3
    return {
        "map": f"slow-clock camera, {rmap.clock_hz / 1e6:g} MHz",
        "model": model,
        "rtl": rtl,
        "ratios_rtl_to_model": {
            "simulated_cycles_per_s": ratio(
                rtl["simulated_cycles_per_s"] or 0, model["simulated_cycles_per_s"] or 0
            ),
            "readreg_round_trip": ratio(
                rtl["readreg_bus"]["median_us"], model["readreg_bus"]["median_us"]
            ),
        },
        "targets": {
            "rtl_at_least_1M_cycles_per_s": (rtl["runner_cycles_per_s"] or 0) >= 1e6,
            "rtl_adds_under_50_ms_per_round_trip": added_ms < 50,
        },
    }


def rtl_table(r: dict) -> None:
    m, t, q = r["model"], r["rtl"], r["ratios_rtl_to_model"]
    print(f"RTL backend ({t['backend']}) against the model backend, {r['map']}, same run")
    print(f"{'measure':<36}{'model':>12}{'RTL':>12}{'RTL/model':>11}")
    rows = [
        ("cycles simulated per s", m["simulated_cycles_per_s"], t["simulated_cycles_per_s"]),
        ("device cycles per wall s", m["device_cycles_per_wall_s"], t["device_cycles_per_wall_s"]),
        ("RTL runner cycles per s (its loop)", "-", t["runner_cycles_per_s"]),
        ("READREG (bus) µs, median", m["readreg_bus"]["median_us"], t["readreg_bus"]["median_us"]),
        ("READREG (bus) µs, p99", m["readreg_bus"]["p99_us"], t["readreg_bus"]["p99_us"]),
        ("frames/s streamed (1000 asked)", m["frames_per_s"], t["frames_per_s"]),
        ("missing frames", m["missing_frames"], t["missing_frames"]),
    ]
    for name, a, b in rows:
        rat = ratio(b, a) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else ""
        print(f"{name:<36}{a!s:>12}{b!s:>12}{rat!s:>11}")
    del q
    for k, v in r["targets"].items():
        print(f"target {k}: {'met' if v else 'NOT met'}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0, help="streaming time per run")
    p.add_argument("--triggers", type=int, default=20, help="software triggers per device")
    p.add_argument("--roundtrips", type=int, default=2000, help="READREGs per register")
    p.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "gige.json")
    p.add_argument(
        "--part",
        choices=("all", "stream", "rtl"),
        default="all",
        help="stream: the twin against the fake camera; rtl: the RTL backend against the model",
    )
    p.add_argument("--rtl", choices=("verilator", "icarus"), default="verilator")
    args = p.parse_args(argv)
    netns.enter_loopback_namespace()  # everything below sees only lo
    rmap = load(ROOT / "regmap" / "camera.yaml")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    report: dict = {"load_average": [round(x, 2) for x in load_before]}
    if args.part != "rtl":
        report.update(stream_report(args, rmap))
    if args.part != "stream":
        report["rtl"] = rtl_report(args.seconds, args.roundtrips, args.rtl)
    args.json.write_text(json.dumps(report, indent=2))
    if args.part != "rtl":
        table(report)
        print()
    if args.part != "stream":
        rtl_table(report["rtl"])
        print()
    print(json.dumps(report, indent=2))
    print(f"JSON: {args.json}")
    return 0


def stream_report(args: argparse.Namespace, rmap) -> dict:
    """The twin (model backend, camera map) against Aravis' fake camera."""

    with aravis.FakeCamera():
        fake = {
            "device": "arv-fake-gv-camera-0.8",
            "stream": stream(args.seconds, frequency=FAKE_REQUESTED_HZ, features=None),
            "readreg_bootstrap": round_trip_us(VERSION_REGISTER, args.roundtrips),
        }
        fake["trigger_latency"] = latency_row(
            args.triggers, [("Width", WIDTH), ("Height", HEIGHT), ("PixelFormat", "Mono8")], 0.0
        )

    _reg, link = rmap.feature("DeviceLinkThroughputLimit")
    frame_count = rmap.feature("FrameCount")[0].address
    proc = start_twin(args.json.parent / "gige-serve.log")
    try:
        runs = []
        for bps in LINKS:
            bps = float(link.max) if bps is None else bps
            features, _setup, _modelled = twin_setup(rmap, bps)
            row = stream(
                args.seconds, frequency=None, features=features, frame_count_reg=frame_count
            )
            row["link_bytes_per_s"] = bps
            runs.append(row)
        twin = {
            "device": "camtwin serve",
            "streams": runs,
            "readreg_bootstrap": round_trip_us(VERSION_REGISTER, args.roundtrips),
            "readreg_bus": round_trip_us(rmap.feature("Width")[0].address, args.roundtrips),
        }
        _f, setup, modelled = twin_setup(rmap, float(link.max))
        twin["trigger_latency"] = latency_row(args.triggers, setup, modelled)
    finally:
        stop(proc)

    fs = fake["stream"]
    best = max(runs, key=lambda r: r["gbit_per_s"])
    lossless = [
        r
        for r in runs
        if r["missing_frames"] == r["missing_packets"] == 0
        and r.get("frames_not_delivered", 0) <= 1
    ]
    return {
        "frame": f"{WIDTH}x{HEIGHT} Mono8",
        "fake": fake,
        "twin": twin,
        "ratios_twin_to_fake": {
            "gbit_per_s_best": ratio(best["gbit_per_s"], fs["gbit_per_s"]),
            "frames_per_s_best": ratio(best["frames_per_s"], fs["frames_per_s"]),
            "readreg_round_trip": ratio(
                twin["readreg_bootstrap"]["median_us"], fake["readreg_bootstrap"]["median_us"]
            ),
            "trigger_latency_excess": ratio(
                twin["trigger_latency"]["median_minus_modelled_ms"],
                fake["trigger_latency"]["median_minus_modelled_ms"],
            ),
        },
        "targets": {
            "twin_at_least_1_gbit_per_s_without_loss": any(
                r["gbit_per_s"] >= 1.0 for r in lossless
            ),
            "twin_throughput_at_least_fake": best["gbit_per_s"] >= fs["gbit_per_s"],
        },
    }


def table(r: dict) -> None:
    f, t, q = r["fake"], r["twin"], r["ratios_twin_to_fake"]
    print(f"{r['frame']}, same run, same namespace, load average {r['load_average']}")
    print(
        f"{'device':<34}{'Gb/s':>7}{'frames/s':>10}{'missing fr':>11}{'missing pk':>11}"
        f"{'model fr':>10}{'not sent':>10}"
    )
    fs = f["stream"]
    print(
        f"{'fake camera (asked 1000 Hz)':<34}{fs['gbit_per_s']:>7}{fs['frames_per_s']:>10}"
        f"{fs['missing_frames']:>11}{fs['missing_packets']:>11}{'-':>10}{'-':>10}"
    )
    for s in t["streams"]:
        name = f"twin, link {s['link_bytes_per_s'] / 1e6:g} MB/s"
        print(
            f"{name:<34}{s['gbit_per_s']:>7}{s['frames_per_s']:>10}{s['missing_frames']:>11}"
            f"{s['missing_packets']:>11}{s['model_frames']:>10}{s['frames_not_delivered']:>10}"
        )
    print()
    print(f"{'measure':<30}{'fake camera':>12}{'twin':>10}{'twin/fake':>11}")
    rows = [
        (
            "best Gb/s",
            fs["gbit_per_s"],
            max(s["gbit_per_s"] for s in t["streams"]),
            q["gbit_per_s_best"],
        ),
        (
            "READREG round trip µs (median)",
            f["readreg_bootstrap"]["median_us"],
            t["readreg_bootstrap"]["median_us"],
            q["readreg_round_trip"],
        ),
        ("READREG via model bus µs", "-", t["readreg_bus"]["median_us"], ""),
        (
            "trigger→frame ms (median)",
            f["trigger_latency"]["median_ms"],
            t["trigger_latency"]["median_ms"],
            "",
        ),
        ("  modelled ms", 0, t["trigger_latency"]["modelled_ms"], ""),
        (
            "  minus modelled ms",
            f["trigger_latency"]["median_minus_modelled_ms"],
            t["trigger_latency"]["median_minus_modelled_ms"],
            q["trigger_latency_excess"],
        ),
    ]
    for name, a, b, c in rows:
        print(f"{name:<30}{a!s:>12}{b!s:>10}{c!s:>11}")
    for k, v in r["targets"].items():
        print(f"target {k}: {'met' if v else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
