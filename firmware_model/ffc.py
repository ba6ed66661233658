"""The synthetic sensor's non-uniformity and flat-field correction (FFC) of the rendered frames.

A real sensor is not uniform: each pixel adds a dark offset (fixed-pattern noise) and has its
own gain, and the lens darkens the corners (vignetting). :class:`NonUniformity` defines that
response for the modelled sensor; flat-field correction undoes it from two reference frames,
a dark one and an evenly lit bright one, as correction tables (:func:`ffc_tables`) applied per
pixel (:meth:`FFCTables.apply`). Definitions: ``docs/firmware-model.md``, "Sensor
non-uniformity and flat-field correction".

>>> nu = NonUniformity()
>>> gain, offset = nu.maps(64, 48)
>>> t = ffc_tables(nu.expose(np.zeros((48, 64))), nu.expose(np.full((48, 64), 2048.0)))
>>> flat = t.apply(nu.expose(np.full((48, 64), 1500.0)))
>>> int(flat.max()) - int(flat.min()) <= 4
True
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "BRIGHT_REFERENCE",
    "FFC_MODES",
    "MAX_BRIGHTNESS_RATIO",
    "PLANE_BLOCK",
    "FFCTables",
    "NonUniformity",
    "ffc_tables",
]

#: FFCMode entries: a correction per pixel, or per 16 x 16-pixel block ("plane").
FFC_MODES = ("PointToPoint", "Plane16x16")
#: Side of a plane of the Plane16x16 mode, in pixels.
PLANE_BLOCK = 16
#: The manual's condition: the bright reference's max/min brightness ratio is at most 2 (the
#: correction gain, brightest / pixel, is then between 1 and 2).
MAX_BRIGHTNESS_RATIO = 2.0
#: Sensor value of the evenly lit bright reference the renderer calibrates with (half scale, so
#: that no pixel saturates).
BRIGHT_REFERENCE = 2048

_SENSOR_MAX = 4095


@dataclass(frozen=True)
class NonUniformity:
    """The sensor's fixed-pattern response: raw value ``R = min(floor(S·g + o + 1/2), 4095)``
    of a sensor value ``S``, with a per-pixel gain ``g`` and dark offset ``o`` (12-bit units).

    ``g(x, y) = (1 - vignetting · r²) · (1 + p(x, y))``, with ``r²`` the squared distance from
    the sensor's centre normalised to 1 at the corners and ``p`` uniform in ``±prnu`` (pixel
    response non-uniformity). ``o(x, y) = dark_offset + c(x) + d(x, y)``, with the column
    pattern ``c`` an integer in ``0..column_fpn`` per column and ``d`` an integer in
    ``0..pixel_dsnu`` per pixel. ``p``, ``c``, ``d`` are drawn in that order from
    ``numpy.random.default_rng(seed)``.
    """

    vignetting: float = 0.30
    prnu: float = 0.01
    dark_offset: int = 24
    column_fpn: int = 16
    pixel_dsnu: int = 8
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("vignetting", "prnu"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < 1:
                raise ValueError(f"{name} must be a number in [0, 1), not {v!r}")
        for name in ("dark_offset", "column_fpn", "pixel_dsnu", "seed"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"{name} must be an integer >= 0, not {v!r}")
        if self.dark_offset + self.column_fpn + self.pixel_dsnu > _SENSOR_MAX // 4:
            raise ValueError(
                "dark offsets must stay below a quarter of the range: dark_offset + column_fpn "
                f"+ pixel_dsnu at most {_SENSOR_MAX // 4}"
            )

    def maps(self, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        """The gain ``g`` and offset ``o`` maps of a ``width`` x ``height`` sensor (float32)."""
        y = np.arange(height, dtype=np.float64)[:, None]
        x = np.arange(width, dtype=np.float64)[None, :]
        r2 = (((2 * x + 1 - width) / width) ** 2 + ((2 * y + 1 - height) / height) ** 2) / 2
        rng = np.random.default_rng(self.seed)
        p = rng.uniform(-self.prnu, self.prnu, (height, width))
        c = rng.integers(0, self.column_fpn + 1, width)
        d = rng.integers(0, self.pixel_dsnu + 1, (height, width))
        gain = (1 - self.vignetting * r2) * (1 + p)
        offset = self.dark_offset + c[None, :] + d
        return gain.astype(np.float32), offset.astype(np.float32)

    def expose(self, values: npt.ArrayLike) -> np.ndarray:
        """Raw 12-bit values (uint16) of a whole-sensor array of sensor values ``S``."""
        s = np.asarray(values, dtype=np.float64)
        if s.ndim != 2:
            raise ValueError(f"sensor values must be a 2-D array, not {s.ndim}-D")
        gain, offset = self.maps(s.shape[1], s.shape[0])
        return raw_values(s, gain, offset + np.float32(0.5))


def raw_values(s: np.ndarray, gain: np.ndarray, offset_half: np.ndarray) -> np.ndarray:
    """``min(floor(S·g + o + 1/2), 4095)`` as uint16, given ``offset_half = o + 1/2``."""
    r = np.multiply(s, gain, dtype=np.float32)
    r += offset_half
    np.clip(r, 0, _SENSOR_MAX, out=r)
    return r.astype(np.uint16)


@dataclass(frozen=True)
class FFCTables:
    """Correction tables over the whole sensor: ``C = clamp(floor((R - dark) · gain + 1/2),
    0, 4095)`` for a raw value ``R``; in Plane16x16 mode both tables are constant over each
    16 x 16-pixel block. ``ratio`` is the bright reference's max/min brightness ratio."""

    mode: str
    dark: np.ndarray  # float32, the dark reference (block means in Plane16x16)
    gain: np.ndarray  # float32, brightest / pixel brightness, 1..2
    ratio: float

    def apply(self, raw: npt.ArrayLike, x0: int = 0, y0: int = 0) -> np.ndarray:
        """Corrected 12-bit values (uint16) of raw values ``raw`` whose top-left pixel is
        sensor pixel ``(x0, y0)``."""
        r = np.asarray(raw)
        h, w = r.shape
        g = self.gain[y0 : y0 + h, x0 : x0 + w]
        k = self.bias[y0 : y0 + h, x0 : x0 + w]
        if g.shape != r.shape:
            raise ValueError(f"a {w} x {h} window at ({x0}, {y0}) is outside the tables")
        c = np.multiply(r, g, dtype=np.float32)
        c += k
        np.clip(c, 0, _SENSOR_MAX, out=c)
        return c.astype(np.uint16)

    @functools.cached_property
    def bias(self) -> np.ndarray:
        """``1/2 - dark · gain`` (float32): the corrected value is ``floor(R · gain + bias)``."""
        return (np.float32(0.5) - self.dark * self.gain).astype(np.float32)


def _blocks(a: np.ndarray) -> np.ndarray:
    """Each 16 x 16-pixel block's mean, spread over the block (partial blocks at the edges)."""
    h, w = a.shape
    n = PLANE_BLOCK
    hb, wb = -(-h // n), -(-w // n)
    pad = np.full((hb * n, wb * n), np.nan)
    pad[:h, :w] = a
    means = np.nanmean(pad.reshape(hb, n, wb, n), axis=(1, 3))
    return np.repeat(np.repeat(means, n, axis=0), n, axis=1)[:h, :w]


def ffc_tables(dark: npt.ArrayLike, bright: npt.ArrayLike, mode: str = "PointToPoint") -> FFCTables:
    """Correction tables from a dark and an evenly lit bright reference frame (raw values).

    The three corrections: the dark reference is subtracted (dark-field: the fixed-pattern
    offset); each pixel's brightness ``bright - dark`` is scaled to the brightest one's
    (bright-field: gain non-uniformity and vignetting), with a gain ``max / brightness``
    between 1 and 2; in ``Plane16x16`` mode both are taken as each 16 x 16 block's mean, in
    ``PointToPoint`` mode per pixel. The max/min brightness ratio must be at most 2.
    """
    if mode not in FFC_MODES:
        raise ValueError(f"FFC mode must be one of {', '.join(FFC_MODES)}, not {mode!r}")
    d = np.asarray(dark, dtype=np.float64)
    b = np.asarray(bright, dtype=np.float64)
    if d.ndim != 2 or d.shape != b.shape:
        raise ValueError(
            f"dark and bright reference frames must be 2-D arrays of the same shape, not "
            f"{d.shape} and {b.shape}"
        )
    if mode == "Plane16x16":
        d, b = _blocks(d), _blocks(b)
    level = b - d
    low = float(level.min())
    if not low > 0:
        raise ValueError(
            f"flat-field correction needs a bright reference brighter than the dark reference "
            f"at every {'pixel' if mode == 'PointToPoint' else 'block'}; the least difference "
            f"is {low:g}"
        )
    high = float(level.max())
    ratio = high / low
    if ratio > MAX_BRIGHTNESS_RATIO and not math.isclose(ratio, MAX_BRIGHTNESS_RATIO):
        raise ValueError(
            f"flat-field correction needs a max/min brightness ratio of at most "
            f"{MAX_BRIGHTNESS_RATIO:g} in the bright reference, not {ratio:.3g} "
            f"(brightest {high:g}, darkest {low:g} above the dark reference)"
        )
    gain = (high / level).astype(np.float32)
    return FFCTables(mode, d.astype(np.float32), gain, ratio)
