"""Benchmark of the frame renderer (firmware_model/render.py) at the full sensor size.

For each pixel format and source (the moving scene of TestPattern Off, and a test pattern),
it renders frames with every pipeline step active (black level, gain, digital shift, gamma)
and reports frames/s, the payload rate in Gb/s, and the ratio to a same-run baseline: a plain
numpy copy of a frame of the same payload into ``bytes`` (``ndarray.tobytes()``: the least any
renderer returning ``bytes`` must do). Also the time of the first frame of each configuration
(pattern source and pipeline table built). For Mono8 also with the sensor's non-uniformity,
without and with flat-field correction (PointToPoint and Plane16x16): the scene's frames pay
the per-pixel gain and offset of the sensor and the correction, a test pattern's are cached.

Run: ``.venv/bin/python benchmarks/bench_render.py [--frames 200] [--repeat 3]``.
Prints a JSON object, then a table; writes the JSON to build/bench/render.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware_model.ffc import NonUniformity
from firmware_model.render import ImageSettings, Renderer, bytes_per_pixel

ROOT = Path(__file__).resolve().parent.parent
SENSOR = (1280, 1024)
SOURCES = ("Off", "Checkboard")
FORMATS = ("Mono8", "Mono10", "Mono12")
#: (sensor, FFC) cases: every format on the ideal sensor, Mono8 also on the non-uniform one.
SENSORS = (("ideal", None), ("non-uniform", None), ("non-uniform", "PointToPoint"))
SENSORS_MONO8 = (*SENSORS, ("non-uniform", "Plane16x16"))


def best_rate(fn, frames: int, repeat: int) -> float:
    """Highest calls/s of ``fn(i)`` over ``repeat`` runs of ``frames`` calls."""
    for i in range(min(frames, 20)):  # warm up (caches, CPU clock)
        fn(i)
    best = 0.0
    for _ in range(repeat):
        t = time.perf_counter()
        for i in range(frames):
            fn(i)
        best = max(best, frames / (time.perf_counter() - t))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200, help="frames per timed run")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (best is reported)")
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "render.json")
    args = parser.parse_args(argv)
    sw, sh = SENSOR
    rows = []
    for fmt in FORMATS:
        bpp = bytes_per_pixel(fmt)
        frame = np.random.default_rng(0).integers(0, 256, (sh, sw))
        frame = frame.astype(np.uint8 if bpp == 1 else np.uint16)
        base = best_rate(lambda _i, a=frame: a.tobytes(), args.frames, args.repeat)
        cases = [
            (source, sensor, ffc)
            for sensor, ffc in (SENSORS_MONO8 if fmt == "Mono8" else SENSORS[:1])
            for source in SOURCES
        ]
        for source, sensor, ffc in cases:
            s = ImageSettings(
                sw,
                sh,
                pixel_format=fmt,
                test_pattern=source,
                black_level=16,
                gain_raw=48,
                digital_shift=1,
                gamma=0.45,
                ffc=ffc,
            )
            nu = NonUniformity() if sensor == "non-uniform" else None
            r = Renderer(sw, sh, seed=1, non_uniformity=nu)
            t = time.perf_counter()
            r.render(s, 0, 0)
            first_ms = (time.perf_counter() - t) * 1e3
            rate = best_rate(lambda i, r=r, s=s: r.render(s, i, i), args.frames, args.repeat)
            rows.append(
                {
                    "pixel_format": fmt,
                    "source": source,
                    "sensor": sensor,
                    "ffc": ffc or "off",
                    "width": sw,
                    "height": sh,
                    "payload_bytes": s.payload_size,
                    "first_frame_ms": round(first_ms, 2),
                    "frames_per_s": round(rate, 1),
                    "gbit_per_s": round(rate * s.payload_size * 8 / 1e9, 2),
                    "baseline_copy_frames_per_s": round(base, 1),
                    "ratio_to_copy": round(rate / base, 3),
                }
            )
    report = {"sensor": list(SENSOR), "frames": args.frames, "repeat": args.repeat, "rows": rows}
    print(json.dumps(report, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(
        f"{'format':<8}{'source':<12}{'sensor':<13}{'FFC':<14}{'frames/s':>10}{'Gb/s':>8}"
        f"{'copy f/s':>10}{'ratio':>8}{'first ms':>10}"
    )
    for row in rows:
        print(
            f"{row['pixel_format']:<8}{row['source']:<12}{row['sensor']:<13}{row['ffc']:<14}"
            f"{row['frames_per_s']:>10,.0f}"
            f"{row['gbit_per_s']:>8.2f}{row['baseline_copy_frames_per_s']:>10,.0f}"
            f"{row['ratio_to_copy']:>8.3f}{row['first_frame_ms']:>10.1f}"
        )
    print(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
