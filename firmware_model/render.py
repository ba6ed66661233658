"""Pixels of the modelled camera: test patterns and a moving scene, through the image pipeline.

The sensor is monochrome, ``SensorWidth`` x ``SensorHeight`` pixels, 12 bits per pixel
internally. A frame is the ``Width`` x ``Height`` window at (``OffsetX``, ``OffsetY``) of the
sensor, in the selected pixel format. Every definition here (patterns, scene, pipeline) is
written out in ``docs/firmware-model.md``, section "Pixels".

>>> r = Renderer(16, 4)
>>> f = r.render(ImageSettings(16, 4, test_pattern="MonoBar"), frame_id=1, timestamp=0)
>>> list(f.data[:4])
[0, 0, 36, 36]
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .ffc import BRIGHT_REFERENCE, FFC_MODES, FFCTables, NonUniformity, ffc_tables, raw_values
from .imaging import Imaging

__all__ = [
    "PFNC",
    "PIXEL_BITS",
    "SCENE_STEP",
    "SENSOR_BITS",
    "SENSOR_MAX",
    "TEST_PATTERNS",
    "Frame",
    "ImageSettings",
    "Renderer",
    "bytes_per_pixel",
    "pipeline_lut",
]

#: GenICam PFNC codes of the supported pixel formats (Mono10/12: unpacked, 16-bit containers).
PFNC = {"Mono8": 0x01080001, "Mono10": 0x01100003, "Mono12": 0x01100005}
#: Significant bits of each pixel format.
PIXEL_BITS = {"Mono8": 8, "Mono10": 10, "Mono12": 12}
#: Bits of the sensor value that enters the pipeline.
SENSOR_BITS = 12
SENSOR_MAX = (1 << SENSOR_BITS) - 1
#: TestPattern entries in register order; the last two are the colour models' patterns.
TEST_PATTERNS = (
    "Off",
    "MonoBar",
    "Checkboard",
    "ObliqueMonoBar",
    "VerticalColorBar",
    "GradualColorBar",
    "HorizontalColorBar",
)
#: With TestPattern Off the scene moves by (dx, dy) sensor pixels per frame id.
SCENE_STEP = (7, 3)

#: Gray levels of the eight mono bars: ``k * 4095 // 7``.
MONO_LEVELS = tuple(k * SENSOR_MAX // 7 for k in range(8))
#: The eight colour bars (R, G, B on/off): white, yellow, cyan, green, magenta, red, blue, black.
COLOR_BARS = (
    (1, 1, 1),
    (1, 1, 0),
    (0, 1, 1),
    (0, 1, 0),
    (1, 0, 1),
    (1, 0, 0),
    (0, 0, 1),
    (0, 0, 0),
)
#: Integer luma weights (BT.601, sum 256) turning a colour bar into the mono sensor's value.
LUMA_WEIGHTS = (77, 150, 29)

_SCENE_DISCS = 8
_CACHE_LIMIT = 32


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, not {value!r}")
    if value < minimum:
        what = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{name} must be {what}, not {value!r}")


def bytes_per_pixel(pixel_format: str) -> int:
    """Bytes one pixel takes in a frame: 1 for Mono8, 2 for Mono10 and Mono12 (unpacked)."""
    if pixel_format not in PFNC:
        raise ValueError(f"pixel format must be one of {', '.join(PFNC)}, not {pixel_format!r}")
    return 1 if PIXEL_BITS[pixel_format] <= 8 else 2


@dataclass(frozen=True)
class ImageSettings:
    """The image features one frame is rendered with (user values, as the features give them).

    ``gamma`` is None when GammaEnable is 0; ``ffc`` is None when FFCEnable is 0, else the
    FFCMode (``PointToPoint`` or ``Plane16x16``). ``balance_ratio`` holds the Red, Green and Blue
    BalanceRatio values; on this monochrome sensor they weigh the colour test patterns only.
    Values beyond the features' ranges that the registers can still hold (e.g. DigitalShift 7)
    are valid: every pipeline step saturates.
    """

    width: int
    height: int
    offset_x: int = 0
    offset_y: int = 0
    pixel_format: str = "Mono8"
    test_pattern: str = "Off"
    gain_raw: int = 0
    black_level: int = 0
    digital_shift: int = 0
    gamma: float | None = None
    balance_ratio: tuple[float, float, float] = (1.0, 1.0, 1.0)
    ffc: str | None = None

    def __post_init__(self) -> None:
        _check_int("width", self.width, 1)
        _check_int("height", self.height, 1)
        _check_int("offset_x", self.offset_x, 0)
        _check_int("offset_y", self.offset_y, 0)
        bytes_per_pixel(self.pixel_format)
        if self.test_pattern not in TEST_PATTERNS:
            raise ValueError(
                f"test_pattern must be one of {', '.join(TEST_PATTERNS)}, not {self.test_pattern!r}"
            )
        _check_int("gain_raw", self.gain_raw, 0)
        _check_int("black_level", self.black_level, 0)
        _check_int("digital_shift", self.digital_shift, 0)
        if self.gamma is not None and (
            isinstance(self.gamma, bool)
            or not isinstance(self.gamma, int | float)
            or not math.isfinite(self.gamma)
            or self.gamma < 0
        ):
            raise ValueError(f"gamma must be None or a finite number >= 0, not {self.gamma!r}")
        ratios = self.balance_ratio
        if not (
            isinstance(ratios, tuple)
            and len(ratios) == 3
            and all(
                isinstance(r, int | float)
                and not isinstance(r, bool)
                and math.isfinite(r)
                and r >= 0
                for r in ratios
            )
        ):
            raise ValueError(
                f"balance_ratio must be a tuple of three finite numbers >= 0 (Red, Green, Blue), "
                f"not {ratios!r}"
            )
        if self.ffc is not None and self.ffc not in FFC_MODES:
            raise ValueError(
                f"ffc must be None (off) or one of {', '.join(FFC_MODES)}, not {self.ffc!r}"
            )

    @property
    def payload_size(self) -> int:
        """Bytes of one frame: Width * Height * bytes_per_pixel(PixelFormat)."""
        return self.width * self.height * bytes_per_pixel(self.pixel_format)

    @classmethod
    def from_registers(cls, regs: Any) -> ImageSettings:
        """Read the image features through a register access layer (a ``RegisterFile``).

        Any register value gives settings: the geometry and pixel format are the effective
        ones of docs/semantics.md ("Image geometry, payload and frame period": clamped to the
        sensor, on the increments' grid, an offset lowered until the image fits, a PixelFormat
        value that is no entry as Mono8), and a TestPattern value that is no entry is Off.
        """
        geo = Imaging(regs.rmap).geometry(
            regs.get_raw("Width"),
            regs.get_raw("Height"),
            regs.get_raw("OffsetX"),
            regs.get_raw("OffsetY"),
            regs.get_raw("PixelFormat"),
        )
        pattern = regs.get("TestPattern")
        ffc = None  # a map without the FFC features: off
        if "FFCEnable" in regs.rmap.features and regs.get("FFCEnable"):
            mode = regs.get("FFCMode") if "FFCMode" in regs.rmap.features else None
            ffc = mode if mode in FFC_MODES else FFC_MODES[0]
        gamma = float(regs.get("Gamma")) if regs.get("GammaEnable") else None
        ratios = tuple(
            float(regs.get("BalanceRatio", BalanceRatioSelector=c))
            for c in ("Red", "Green", "Blue")
        )
        return cls(
            width=geo.width,
            height=geo.height,
            offset_x=geo.offset_x,
            offset_y=geo.offset_y,
            pixel_format=geo.pixel_format,
            test_pattern=pattern if pattern in TEST_PATTERNS else "Off",
            gain_raw=int(regs.get("GainRaw")),
            black_level=int(regs.get("BlackLevel")),
            digital_shift=int(regs.get("DigitalShift")),
            gamma=gamma,
            balance_ratio=ratios,  # type: ignore[arg-type]
            ffc=ffc,
        )


@dataclass(frozen=True)
class Frame:
    """One rendered frame: its id, the device timestamp of its frame start (cycles), the
    settings it was rendered with and its payload (row-major, 16-bit formats little-endian)."""

    frame_id: int
    timestamp: int
    settings: ImageSettings
    data: bytes

    @property
    def pixels(self) -> np.ndarray:
        """The payload as a read-only (Height, Width) array (uint8, or little-endian uint16)."""
        s = self.settings
        dtype = np.uint8 if bytes_per_pixel(s.pixel_format) == 1 else np.dtype("<u2")
        return np.frombuffer(self.data, dtype=dtype).reshape(s.height, s.width)


def pipeline_lut(settings: ImageSettings) -> np.ndarray:
    """The image pipeline as a table: output pixel value for each 12-bit sensor value.

    Steps, in this order, on integers (v starts as the sensor value, 0..4095):
    black level ``v = min(v + BlackLevel, 4095)``; gain
    ``v = min((v * (64 + GainRaw) + 32) >> 6, 4095)``; digital shift
    ``v = min(v << DigitalShift, 4095)``; gamma (when enabled)
    ``v = floor(4095 * (v / 4095) ** Gamma + 0.5)``; output ``v >> (12 - bits)``.
    """
    v = np.arange(SENSOR_MAX + 1, dtype=np.int64)
    v = np.minimum(v + min(settings.black_level, SENSOR_MAX + 1), SENSOR_MAX)
    gain = 64 + min(settings.gain_raw, 64 * (SENSOR_MAX + 1))  # larger gains saturate alike
    v = np.minimum((v * gain + 32) >> 6, SENSOR_MAX)
    v = np.minimum(v << min(settings.digital_shift, SENSOR_BITS), SENSOR_MAX)
    if settings.gamma is not None:
        v = np.floor(SENSOR_MAX * (v / SENSOR_MAX) ** float(settings.gamma) + 0.5).astype(np.int64)
    v >>= SENSOR_BITS - PIXEL_BITS[settings.pixel_format]
    dtype = np.uint8 if bytes_per_pixel(settings.pixel_format) == 1 else np.dtype("<u2")
    return v.astype(dtype)


def _balance_q8(ratios: tuple[float, float, float]) -> tuple[int, int, int]:
    return tuple(min(math.floor(r * 256 + 0.5), 1 << 20) for r in ratios)  # type: ignore[return-value]


def _bar_lumas(balance_q8: tuple[int, int, int]) -> np.ndarray:
    """12-bit mono value of each colour bar: balanced channels, then integer luma."""
    chan = [min((SENSOR_MAX * q + 128) >> 8, SENSOR_MAX) for q in balance_q8]
    lumas = [
        (sum(w * c * on for w, c, on in zip(LUMA_WEIGHTS, chan, bar, strict=True)) + 128) >> 8
        for bar in COLOR_BARS
    ]
    return np.array(lumas, dtype=np.int64)


class Renderer:
    """Renders frames of a ``sensor_width`` x ``sensor_height`` monochrome sensor.

    Pattern sources (12-bit, whole sensor) are computed once per pattern and cached, as are
    pipeline tables; a frame is then one table look-up over the window. ``seed`` chooses the
    scene shown with TestPattern Off. ``non_uniformity`` gives the sensor a fixed-pattern
    response (:class:`~firmware_model.ffc.NonUniformity`); without it the sensor is ideal and
    flat-field correction changes nothing.
    """

    def __init__(
        self,
        sensor_width: int,
        sensor_height: int,
        *,
        seed: int = 0,
        non_uniformity: NonUniformity | None = None,
    ) -> None:
        _check_int("sensor_width", sensor_width, 1)
        _check_int("sensor_height", sensor_height, 1)
        _check_int("seed", seed, 0)
        if non_uniformity is not None and not isinstance(non_uniformity, NonUniformity):
            raise ValueError(
                f"non_uniformity must be None or a NonUniformity, not {non_uniformity!r}"
            )
        self.sensor_width = int(sensor_width)
        self.sensor_height = int(sensor_height)
        self.seed = int(seed)
        self.non_uniformity = non_uniformity
        self._sources: dict[tuple, np.ndarray] = {}
        self._luts: dict[tuple, np.ndarray] = {}
        self._sensed: dict[tuple, np.ndarray] = {}
        self._ffc: dict[str, FFCTables] = {}
        self._maps: tuple[np.ndarray, np.ndarray] | None = None
        self._local = threading.local()  # per-thread work buffer of the scene's FFC path

    @classmethod
    def for_map(
        cls, rmap: Any, *, seed: int = 0, non_uniformity: NonUniformity | None = None
    ) -> Renderer:
        """A renderer for the sensor of a register map (its SensorWidth and SensorHeight)."""
        return cls(
            rmap.constant("SensorWidth"),
            rmap.constant("SensorHeight"),
            seed=seed,
            non_uniformity=non_uniformity,
        )

    # -- sensor response and flat-field correction ----------------------------------------
    def _gain_offset(self) -> tuple[np.ndarray, np.ndarray]:
        """The non-uniformity's gain map and offset map + 1/2 over the sensor (cached)."""
        if self._maps is None:
            assert self.non_uniformity is not None
            g, o = self.non_uniformity.maps(self.sensor_width, self.sensor_height)
            o += np.float32(0.5)
            g.setflags(write=False)
            o.setflags(write=False)
            self._maps = (g, o)
        return self._maps

    def reference_frames(self) -> tuple[np.ndarray, np.ndarray]:
        """Raw dark (sensor value 0) and bright (``BRIGHT_REFERENCE``, evenly lit) frames of
        the whole sensor: what the correction tables are computed from."""
        shape = (self.sensor_height, self.sensor_width)
        return self.expose(np.zeros(shape)), self.expose(np.full(shape, float(BRIGHT_REFERENCE)))

    def expose(self, values: Any) -> np.ndarray:
        """Raw 12-bit values (uint16) of whole-sensor sensor values through the sensor."""
        s = np.asarray(values)
        if s.shape != (self.sensor_height, self.sensor_width):
            raise ValueError(
                f"sensor values must be a {self.sensor_height} x {self.sensor_width} array "
                f"(rows x columns), not {s.shape}"
            )
        if self.non_uniformity is None:
            return np.clip(np.floor(s + 0.5), 0, SENSOR_MAX).astype(np.uint16)
        g, o = self._gain_offset()
        return raw_values(s, g, o)

    def ffc_tables(self, mode: str) -> FFCTables:
        """The flat-field correction tables of ``mode``, computed once from
        :meth:`reference_frames` (``ValueError`` if the max/min brightness ratio exceeds 2)."""
        t = self._ffc.get(mode)
        if t is None:
            t = ffc_tables(*self.reference_frames(), mode)
            self._ffc[mode] = t
        return t

    def _sense(self, src: np.ndarray, x0: int, y0: int, ffc: str | None) -> np.ndarray:
        """Sensor values of a window at (x0, y0) through the sensor and the FFC."""
        if self.non_uniformity is None:
            return src  # an ideal sensor: raw = S, and the correction is the identity
        g, o = self._gain_offset()
        h, w = src.shape
        win = (slice(y0, y0 + h), slice(x0, x0 + w))
        # raw_values() (and FFCTables.apply()) in one reused float32 buffer: the same float32
        # operations in the same order, so the same result, without page faults per frame.
        # (min instead of clip: S·g + o + 1/2 is positive.) The buffer is per thread, so
        # frames may be rendered from several threads.
        buf = getattr(self._local, "buffer", None)
        if buf is None or buf.shape != src.shape:
            buf = self._local.buffer = np.empty(src.shape, dtype=np.float32)
        np.multiply(src, g[win], out=buf)
        buf += o[win]
        np.minimum(buf, SENSOR_MAX, out=buf)
        if ffc is not None:
            t = self.ffc_tables(ffc)
            np.trunc(buf, out=buf)  # the raw value (an integer, exact in float32)
            buf *= t.gain[win]
            buf += t.bias[win]
            np.clip(buf, 0, SENSOR_MAX, out=buf)
        return buf.astype(np.uint16)

    # -- sources ------------------------------------------------------------------------
    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        y = np.arange(self.sensor_height, dtype=np.int64)[:, None]
        x = np.arange(self.sensor_width, dtype=np.int64)[None, :]
        return x, y

    def pattern(self, name: str, balance_ratio: tuple[float, float, float] = (1.0, 1.0, 1.0)):
        """The 12-bit sensor values of a test pattern over the whole sensor (cached, read-only).

        For ``"Off"`` this is the scene of frame id 0."""
        if name not in TEST_PATTERNS:
            raise ValueError(
                f"test_pattern must be one of {', '.join(TEST_PATTERNS)}, not {name!r}"
            )
        if name == "Off":
            return self._scene_texture()[: self.sensor_height, : self.sensor_width]
        balance = _balance_q8(balance_ratio) if name.endswith("ColorBar") else (256, 256, 256)
        key = (name, balance)
        src = self._sources.get(key)
        if src is None:
            src = self._make_pattern(name, balance)
            src.setflags(write=False)
            if len(self._sources) >= _CACHE_LIMIT:
                self._sources.clear()
            self._sources[key] = src
        return src

    def _make_pattern(self, name: str, balance: tuple[int, int, int]) -> np.ndarray:
        sw, sh = self.sensor_width, self.sensor_height
        x, y = self._grid()
        levels = np.array(MONO_LEVELS, dtype=np.int64)
        if name == "MonoBar":
            v = np.broadcast_to(levels[x * 8 // sw], (sh, sw))
        elif name == "ObliqueMonoBar":
            v = levels[((x + y) * 8 // sw) % 8]
        elif name == "Checkboard":
            c = max(1, min(sw, sh) // 8)
            v = np.where((x // c + y // c) % 2 == 0, SENSOR_MAX, 0)
        else:
            lumas = _bar_lumas(balance)
            if name == "VerticalColorBar":
                v = np.broadcast_to(lumas[x * 8 // sw], (sh, sw))
            elif name == "HorizontalColorBar":
                v = np.broadcast_to(lumas[y * 8 // sh], (sh, sw))
            else:  # GradualColorBar
                v = lumas[x * 8 // sw] * (sh - y) // sh
        return np.ascontiguousarray(v, dtype=np.uint16)

    def _scene_texture(self) -> np.ndarray:
        """The scene tiled 2 x 2, so that every moved window is a plain slice."""
        key = ("Off",)
        tex = self._sources.get(key)
        if tex is None:
            tex = np.tile(self._make_scene(), (2, 2))
            tex.setflags(write=False)
            self._sources[key] = tex
        return tex

    def _make_scene(self) -> np.ndarray:
        sw, sh = self.sensor_width, self.sensor_height
        x, y = self._grid()
        v = 512 + (1024 * np.abs(2 * x - sw)) // sw + (1024 * np.abs(2 * y - sh)) // sh
        v = v.astype(np.uint16)  # at most 2560
        rng = np.random.default_rng(self.seed)
        r_lo, r_hi = max(1, sh // 32), max(2, sh // 8)
        for _ in range(_SCENE_DISCS):
            cx = int(rng.integers(0, sw))
            cy = int(rng.integers(0, sh))
            r = int(rng.integers(r_lo, r_hi + 1))
            level = int(rng.integers(2600, SENSOR_MAX + 1))
            dx = np.abs(x[0] - cx)
            dy = np.abs(y[:, 0] - cy)
            dx = np.minimum(dx, sw - dx)  # the scene wraps around: distances on a torus
            dy = np.minimum(dy, sh - dy)
            # only the rows and columns within r of the centre: the disc's bounding box
            # (the first frame of a new scene is rendered while the camera streams)
            cols = np.flatnonzero(dx <= r)
            rows = np.flatnonzero(dy <= r)
            inside = dy[rows, None] ** 2 + dx[None, cols] ** 2 <= r * r
            box = np.ix_(rows, cols)
            v[box] = np.where(inside, level, v[box])
        return v

    def _lut(self, settings: ImageSettings) -> np.ndarray:
        key = (
            settings.pixel_format,
            settings.black_level,
            settings.gain_raw,
            settings.digital_shift,
            settings.gamma,
        )
        lut = self._luts.get(key)
        if lut is None:
            lut = pipeline_lut(settings)
            if len(self._luts) >= _CACHE_LIMIT:
                self._luts.clear()
            self._luts[key] = lut
        return lut

    # -- frames -------------------------------------------------------------------------
    def source(self, settings: ImageSettings, frame_id: int) -> np.ndarray:
        """The 12-bit sensor values of a frame's window, before the pipeline (a read-only view)."""
        _check_int("frame_id", frame_id, 0)
        s = settings
        if s.offset_x + s.width > self.sensor_width:
            raise ValueError(
                f"OffsetX + Width must be at most SensorWidth {self.sensor_width}, "
                f"not {s.offset_x} + {s.width} = {s.offset_x + s.width}"
            )
        if s.offset_y + s.height > self.sensor_height:
            raise ValueError(
                f"OffsetY + Height must be at most SensorHeight {self.sensor_height}, "
                f"not {s.offset_y} + {s.height} = {s.offset_y + s.height}"
            )
        if s.test_pattern == "Off":
            tex = self._scene_texture()
            dx = SCENE_STEP[0] * frame_id % self.sensor_width
            dy = SCENE_STEP[1] * frame_id % self.sensor_height
        else:
            tex = self.pattern(s.test_pattern, s.balance_ratio)
            dx = dy = 0
        x0, y0 = dx + s.offset_x, dy + s.offset_y
        return tex[y0 : y0 + s.height, x0 : x0 + s.width]

    def sensor_values(self, settings: ImageSettings, frame_id: int) -> np.ndarray:
        """The 12-bit values of a frame's window entering the image pipeline: the source
        through the sensor's non-uniformity and, when ``settings.ffc``, the correction."""
        src = self.source(settings, frame_id)
        s = settings
        if self.non_uniformity is None:
            return src
        if s.test_pattern == "Off":
            return self._sense(src, s.offset_x, s.offset_y, s.ffc)
        # A test pattern is the same in every frame: its whole-sensor values are cached.
        balance = _balance_q8(s.balance_ratio) if s.test_pattern.endswith("ColorBar") else None
        key = (s.test_pattern, balance, s.ffc)
        full = self._sensed.get(key)
        if full is None:
            full = self._sense(self.pattern(s.test_pattern, s.balance_ratio), 0, 0, s.ffc)
            full.setflags(write=False)
            if len(self._sensed) >= _CACHE_LIMIT:
                self._sensed.clear()
            self._sensed[key] = full
        return full[s.offset_y : s.offset_y + s.height, s.offset_x : s.offset_x + s.width]

    def prepare(self, settings: ImageSettings) -> None:
        """Build and cache what frames of ``settings`` are made from (the scene or test
        pattern, the sensor's maps and correction tables, the pipeline's table), so that the
        first such frame renders as fast as the next. ``ValueError`` for settings no frame can
        have (a window outside the sensor...)."""
        if not isinstance(settings, ImageSettings):
            raise ValueError(f"settings must be an ImageSettings, not {settings!r}")
        self.source(settings, 0)
        self._lut(settings)
        if self.non_uniformity is not None:
            self._gain_offset()
            if settings.ffc is not None:
                self.ffc_tables(settings.ffc)
            if settings.test_pattern != "Off":
                self.sensor_values(settings, 0)  # a pattern's whole-sensor values are cached

    def render(self, settings: ImageSettings, frame_id: int, timestamp: int) -> Frame:
        """Render frame ``frame_id`` whose frame start is at device time ``timestamp`` (cycles)."""
        if not isinstance(settings, ImageSettings):
            raise ValueError(f"settings must be an ImageSettings, not {settings!r}")
        _check_int("timestamp", timestamp, 0)
        src = self.sensor_values(settings, frame_id)
        data = np.take(self._lut(settings), src).tobytes()
        return Frame(int(frame_id), int(timestamp), settings, data)

    def render_values(
        self, settings: ImageSettings, values: Any, frame_id: int = 0, timestamp: int = 0
    ) -> Frame:
        """Render a frame of a given whole-sensor scene (``values``: 12-bit sensor values,
        SensorHeight x SensorWidth, e.g. an evenly lit flat field) instead of the settings'
        source, through the same sensor, correction and pipeline."""
        if not isinstance(settings, ImageSettings):
            raise ValueError(f"settings must be an ImageSettings, not {settings!r}")
        _check_int("frame_id", frame_id, 0)
        _check_int("timestamp", timestamp, 0)
        raw = self.expose(values)  # checks the shape
        s = settings
        self.source(s, 0)  # checks the window
        win = raw[s.offset_y : s.offset_y + s.height, s.offset_x : s.offset_x + s.width]
        if s.ffc is not None and self.non_uniformity is not None:
            win = self.ffc_tables(s.ffc).apply(win, s.offset_x, s.offset_y)
        data = np.take(self._lut(s), win).tobytes()
        return Frame(int(frame_id), int(timestamp), s, data)
