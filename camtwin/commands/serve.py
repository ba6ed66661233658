"""``camtwin serve``: the firmware model, or the live RTL on Verilator or Icarus, as a GigE Vision
camera on the network (loopback by default), until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Sequence

from ._common import (
    CompileFailed,
    UsageError,
    add_regmap_argument,
    load_regmap,
    load_scenario_file,
)

STATUS_INTERVAL_S = 1.0
BACKENDS = ("model", "verilator", "icarus")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``serve`` subcommand."""
    p = sub.add_parser(
        "serve",
        help="serve the firmware model or the RTL as a GigE Vision camera (camera maps)",
        description="Run the firmware model (or, with --backend verilator|icarus, the generated "
        "RTL) as a GigE Vision device (GVCP on UDP 3956, GVSP streaming) on 127.0.0.1, or on "
        "the address given with --interface. Prints the device name, its address and its XML "
        "URL, then a status line; Ctrl-C stops it.",
    )
    add_regmap_argument(p)
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default="model",
        help="what behaves as the camera: the firmware model (default), or the generated RTL "
        "simulated live by Verilator or Icarus",
    )
    p.add_argument(
        "--rtl-clock",
        choices=("slow", "map"),
        default="slow",
        help="the RTL backends' clock: the map's slow-clock variant (default: 1 MHz, a 64 x 8 "
        "sensor; real time on Verilator) or the map's own clock (slower than real time)",
    )
    p.add_argument(
        "--scenario",
        metavar="FILE.yaml",
        help="Line1/Line2 waveforms and timed "
        "writes, times from the start of serving (camtwin model's format)",
    )
    p.add_argument("--serial", default="TWIN0001", help="serial number (default: TWIN0001)")
    p.add_argument("--user-name", default="", metavar="NAME", help="user-defined name")
    p.add_argument(
        "--interface",
        default="127.0.0.1",
        metavar="ADDR",
        help="IPv4 address to serve on (default: 127.0.0.1, loopback only)",
    )
    p.add_argument("--port", type=int, default=3956, help="GVCP UDP port (default: 3956)")
    clock = p.add_mutually_exclusive_group()
    clock.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="device time per wall-clock time (default: 1, real time)",
    )
    clock.add_argument(
        "--step",
        type=int,
        metavar="CYCLES",
        help="a stepped clock instead of the wall clock: device time stands still, except for "
        "CYCLES cycles after each write command, run as fast as the backend can (a scripted "
        "session then gives the same timestamps in every run and on every backend)",
    )
    p.add_argument("--zip-xml", action="store_true", help="serve the GenICam XML zipped")
    p.add_argument(
        "--sensor",
        choices=("ideal", "non-uniform"),
        default="ideal",
        help="the firmware model's sensor: ideal (default: the documented pattern levels) or "
        "non-uniform (vignetting and fixed-pattern offsets, which FFCEnable corrects)",
    )
    return p


def _status(dev, prev_bytes: int, dt: float) -> tuple[str, int]:
    s = dev.stats()
    ctrl = s["controller"]
    mbps = (s["bytes_sent"] - prev_bytes) * 8 / 1e6 / dt if dt > 0 else 0.0
    line = (
        f"frames {s['frames']}  triggers {s['triggers']}  overtriggers {s['overtriggers']}  "
        f"{mbps:.1f} Mb/s  controller {f'{ctrl[0]}:{ctrl[1]}' if ctrl else 'none'}"
    )
    return line, int(s["bytes_sent"])


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM: 0; 1 if the map or scenario has errors; 2 usage errors."""
    from gige import Device, PortInUseError

    rtl = args.backend != "model"
    if args.step is not None:  # before any slow set-up
        from gige.device import check_step

        try:
            check_step(args.step)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    try:
        # the RTL backends serve the gateware generated from the map: set it up too
        uses = ("device backend", "gateware") if rtl else ("device backend",)
        rmap = load_regmap(args.regmap, uses, camera="serve")
    except CompileFailed:
        return 1
    if rtl and args.rtl_clock == "slow":
        from sim.runner import apply_overrides, slow_overrides

        rmap = apply_overrides(rmap, slow_overrides())
    scenario = None
    if args.scenario is not None:
        try:
            scenario = load_scenario_file(args.scenario, rmap)
        except CompileFailed:
            return 1
        rmap = scenario.rmap
    if not 0 < args.port <= 65535:
        raise UsageError(f"--port must be 1..65535, not {args.port}")
    if args.sensor != "ideal" and args.backend != "model":
        raise UsageError("--sensor non-uniform needs --backend model")
    backend = _backend(args.backend, rmap, scenario, args.sensor)
    try:
        dev = Device(
            rmap,
            backend,
            address=args.interface,
            port=args.port,
            serial=args.serial,
            user_name=args.user_name,
            zip_xml=args.zip_xml,
            speed=args.speed,
            step=args.step,
        )
    except ValueError as exc:
        _close(backend)
        raise UsageError(str(exc)) from None
    stop = threading.Event()
    old = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            dev.start()
        except PortInUseError as exc:
            raise UsageError(exc.strerror) from None
        except OSError as exc:
            raise UsageError(
                f"cannot serve on {args.interface}:{args.port}: {exc.strerror or exc}"
            ) from None
        try:
            _serve(dev, stop, _notes(args, rmap))
        finally:
            dev.stop()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        _close(backend)
    if dev.failure is not None:
        print(
            f"camtwin serve: error: the {args.backend} backend failed: {dev.failure}",
            file=sys.stderr,
        )
        return 1
    return 0


def _backend(name: str, rmap, scenario, sensor: str = "ideal"):
    """The backend named ``name``: the firmware model, or the RTL (built on first use)."""
    if name == "model":
        from firmware_model.device import FirmwareBackend
        from firmware_model.ffc import NonUniformity

        nu = NonUniformity() if sensor == "non-uniform" else None
        return FirmwareBackend(rmap, scenario=scenario, non_uniformity=nu)
    from sim.native import NativeBuildError
    from sim.serve import RtlBackend, RtlError

    try:
        return RtlBackend(rmap, name, scenario=scenario)
    except (NativeBuildError, RtlError) as exc:
        raise UsageError(f"cannot serve the RTL on {name}: {exc}") from None


def _close(backend) -> None:
    close = getattr(backend, "close", None)
    if close is not None:
        close()


def _notes(args: argparse.Namespace, rmap) -> list[str]:
    """The lines saying what the RTL serves (RTL backends) and how the clock runs (stepped)."""
    notes = []
    mhz = f"{rmap.clock_hz / 1e6:g} MHz"
    if args.backend == "model":
        pass
    elif args.rtl_clock == "slow":
        notes.append(f"rtl     {args.backend}, the slow-clock variant of the map ({mhz})")
    elif args.step is None:
        notes.append(
            f"rtl     {args.backend} at the map's {mhz}: slower than real time (frames arrive "
            "later in wall time; their timestamps stay right)"
        )
    else:
        notes.append(f"rtl     {args.backend} at the map's {mhz}")
    if args.step is not None:
        notes.append(f"clock   stepped: {args.step} cycles after each write command")
    return notes


def _serve(dev, stop: threading.Event, notes: Sequence[str] = ()) -> None:
    b = dev.bootstrap
    from gige import bootstrap as bs

    out = sys.stdout
    print(
        f"device  {dev.name} ({b.string(bs.MANUFACTURER_NAME)} {b.string(bs.MODEL_NAME)} "
        f"{b.string(bs.DEVICE_VERSION)})",
        file=out,
    )
    print(f"address {dev.address}:{dev.port} (GVCP), stream from port {dev.stream.port}", file=out)
    print(f"xml     {dev.xml_url}", file=out)
    for note in notes:
        print(note, file=out)
    out.flush()
    tty = out.isatty()
    prev = 0
    t_prev = time.monotonic()
    while not stop.wait(STATUS_INTERVAL_S) and dev.failure is None:
        now = time.monotonic()
        line, prev = _status(dev, prev, now - t_prev)
        t_prev = now
        if tty:
            out.write("\r" + line.ljust(79))
        else:
            out.write(line + "\n")
        out.flush()
    if tty:
        out.write("\n")
    out.write("stopped\n")
    out.flush()
