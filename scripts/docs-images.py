"""Generate the pictures of docs/firmware-model.md: each test pattern, and flat-field
correction before and after, rendered by the firmware model's renderer.

The PNGs are committed in ``docs/images/`` so that the documentation shows them; this script is
their only source. ``tests/test_docs_images.py`` runs it and checks that the committed files
are exactly what it writes (byte for byte: pixel images without text or version metadata).

Run: ``.venv/bin/python scripts/docs-images.py [--out docs/images] [--check]``.
``--check`` writes nothing and exits 1 when a committed picture is missing or differs.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from firmware_model.ffc import NonUniformity  # noqa: E402
from firmware_model.render import TEST_PATTERNS, ImageSettings, Renderer  # noqa: E402

#: The pictures' sensor: a quarter of the camera's 1280 x 1024 in each direction (the patterns
#: are defined relative to the sensor size, so they look the same).
SENSOR = (320, 256)
GUTTER = 8  # white pixels between the panels of a before/after picture


def png(pixels: np.ndarray) -> bytes:
    """An 8-bit grey PNG of ``pixels`` (Mono8 values), without metadata that varies."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import image

    buf = io.BytesIO()
    image.imsave(
        buf, pixels, cmap="gray", vmin=0, vmax=255, format="png", metadata={"Software": None}
    )
    return buf.getvalue()


def side_by_side(*panels: np.ndarray) -> np.ndarray:
    """Panels of equal height next to each other, with a white gutter."""
    h = panels[0].shape[0]
    gap = np.full((h, GUTTER), 255, dtype=np.uint8)
    parts: list[np.ndarray] = []
    for p in panels:
        parts += [p, gap]
    return np.hstack(parts[:-1])


def pictures() -> dict[str, bytes]:
    """File name -> PNG bytes of every picture."""
    sw, sh = SENSOR
    out: dict[str, bytes] = {}
    ideal = Renderer(sw, sh, seed=1)
    for name in TEST_PATTERNS:
        s = ImageSettings(sw, sh, test_pattern=name)
        out[f"pattern-{name}.png"] = png(ideal.render(s, 0, 0).pixels)
    shaded = Renderer(sw, sh, seed=1, non_uniformity=NonUniformity())
    flat = np.full((sh, sw), 2000.0)
    panels = {}
    for ffc in (None, "PointToPoint", "Plane16x16"):
        s = ImageSettings(sw, sh, ffc=ffc)
        panels[ffc] = (
            shaded.render_values(s, flat).pixels,
            shaded.render(ImageSettings(sw, sh, test_pattern="MonoBar", ffc=ffc), 0, 0).pixels,
            shaded.render(s, 0, 0).pixels,
        )
    for i, what in enumerate(("flat", "MonoBar", "scene")):
        out[f"ffc-{what}.png"] = png(
            side_by_side(*(panels[f][i] for f in (None, "PointToPoint", "Plane16x16")))
        )
    # The dark reference, stretched so that the offsets show: 12-bit 24 black, 48 white.
    dark, _bright = shaded.reference_frames()
    out["ffc-dark-reference.png"] = png(np.clip((dark.astype(np.int64) - 24) * 255 // 24, 0, 255))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    pics = pictures()
    if args.check:
        bad = [
            n
            for n, data in pics.items()
            if not (args.out / n).is_file() or (args.out / n).read_bytes() != data
        ]
        for n in bad:
            print(f"{args.out / n}: missing or out of date (run scripts/docs-images.py)")
        return 1 if bad else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for n, data in pics.items():
        (args.out / n).write_bytes(data)
    print(f"{len(pics)} pictures in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
