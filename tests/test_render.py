"""The renderer (firmware_model/render.py) against docs/firmware-model.md, section "Pixels".

Every expected pixel below is worked out by hand from the documented definitions (the
arithmetic is in the comments); pipeline steps are checked against a plain-Python reference
of the documented formulas, value by value.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from firmware_model import CameraModel, RegisterBank, RegisterFile
from firmware_model.render import (
    PFNC,
    TEST_PATTERNS,
    Frame,
    ImageSettings,
    Renderer,
    bytes_per_pixel,
    pipeline_lut,
)
from regmap import load

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "firmware-model.md"
W = 4095
# The eight mono levels k * 4095 // 7.
LEVELS = [0, 585, 1170, 1755, 2340, 2925, 3510, 4095]
# Colour bars at BalanceRatio 1: channel = min((4095 * 256 + 128) >> 8, 4095) = 4095, luma =
# (77 R + 150 G + 29 B + 128) >> 8. white 256*4095 -> 4095; yellow 227*4095 = 929565 -> 3631;
# cyan 179*4095 = 733005 -> 2863; green 150*4095 = 614250 -> 2399; magenta 106*4095 = 434070
# -> 1696; red 77*4095 = 315315 -> 1232; blue 29*4095 = 118755 -> 464; black 0.
LUMAS = [4095, 3631, 2863, 2399, 1696, 1232, 464, 0]


def mono12(r: Renderer, pattern: str, w: int, h: int, **kw) -> list[list[int]]:
    """Pixels of a Mono12 frame with the identity pipeline (the default image features)."""
    s = ImageSettings(w, h, pixel_format="Mono12", test_pattern=pattern, **kw)
    return r.render(s, frame_id=0, timestamp=0).pixels.tolist()


# ---------------------------------------------------------------- patterns, by hand
def test_mono_bar() -> None:
    # 8 x 2 sensor: bar k = x * 8 // 8 = x
    assert mono12(Renderer(8, 2), "MonoBar", 8, 2) == [LEVELS, LEVELS]
    # 12 x 1 sensor: x * 8 // 12 = 0 0 1 2 2 3 4 4 5 6 6 7
    assert mono12(Renderer(12, 1), "MonoBar", 12, 1) == [
        [0, 0, 585, 1170, 1170, 1755, 2340, 2340, 2925, 3510, 3510, 4095]
    ]


def test_mono_bar_mono8() -> None:
    # 4095 // 7 * k >> 4: 0 36 73 109 146 182 219 255
    f = Renderer(8, 1).render(ImageSettings(8, 1, test_pattern="MonoBar"), 0, 0)
    assert list(f.data) == [0, 36, 73, 109, 146, 182, 219, 255]


def test_checkboard() -> None:
    # 16 x 16 sensor: cell C = min(16, 16) // 8 = 2; white where (x//2 + y//2) is even
    a = [W, W, 0, 0] * 4
    b = [0, 0, W, W] * 4
    assert mono12(Renderer(16, 16), "Checkboard", 16, 16) == [a, a, b, b] * 4
    # 24 x 8 sensor: C = 8 // 8 = 1 (single-pixel cells)
    a = [W, 0] * 12
    b = [0, W] * 12
    assert mono12(Renderer(24, 8), "Checkboard", 24, 8) == [a, b] * 4
    # 4 x 4 sensor: C = max(1, 4 // 8) = 1
    assert mono12(Renderer(4, 4), "Checkboard", 4, 4) == [[W, 0, W, 0], [0, W, 0, W]] * 2


def test_oblique_mono_bar() -> None:
    # 8 x 3 sensor: level index ((x + y) * 8 // 8) % 8 = (x + y) % 8
    assert mono12(Renderer(8, 3), "ObliqueMonoBar", 8, 3) == [
        [0, 585, 1170, 1755, 2340, 2925, 3510, 4095],
        [585, 1170, 1755, 2340, 2925, 3510, 4095, 0],
        [1170, 1755, 2340, 2925, 3510, 4095, 0, 585],
    ]
    # 16 x 2 sensor: ((x + y) * 8 // 16) % 8 = ((x + y) // 2) % 8
    assert mono12(Renderer(16, 2), "ObliqueMonoBar", 16, 2) == [
        [0, 0, 585, 585, 1170, 1170, 1755, 1755, 2340, 2340, 2925, 2925, 3510, 3510, 4095, 4095],
        [0, 585, 585, 1170, 1170, 1755, 1755, 2340, 2340, 2925, 2925, 3510, 3510, 4095, 4095, 0],
    ]


def test_vertical_color_bar() -> None:
    assert mono12(Renderer(8, 2), "VerticalColorBar", 8, 2) == [LUMAS, LUMAS]


def test_horizontal_color_bar() -> None:
    # 2 x 8 sensor: bar k = y * 8 // 8 = y
    assert mono12(Renderer(2, 8), "HorizontalColorBar", 2, 8) == [[v, v] for v in LUMAS]


def test_gradual_color_bar() -> None:
    # 8 x 4 sensor: luma[x] * (4 - y) // 4
    assert mono12(Renderer(8, 4), "GradualColorBar", 8, 4) == [
        LUMAS,
        [3071, 2723, 2147, 1799, 1272, 924, 348, 0],  # * 3 // 4: 12285/4, 10893/4, 8589/4 ...
        [2047, 1815, 1431, 1199, 848, 616, 232, 0],  # * 2 // 4
        [1023, 907, 715, 599, 424, 308, 116, 0],  # * 1 // 4
    ]


def test_color_bars_follow_balance_ratio() -> None:
    # Red 0.5 (q8 128): R = (4095 * 128 + 128) >> 8 = 2048; G = B = 4095.
    # white 77*2048 + 150*4095 + 29*4095 + 128 = 890829 -> 3479; yellow 157696 + 614250 + 128
    # = 772074 -> 3015; magenta 157696 + 118755 + 128 = 276579 -> 1080; red 157824 -> 616.
    px = mono12(Renderer(8, 1), "VerticalColorBar", 8, 1, balance_ratio=(0.5, 1.0, 1.0))
    assert px == [[3479, 3015, 2863, 2399, 1080, 616, 464, 0]]
    # Blue 15 saturates the channel at 4095: the same as 1
    px = mono12(Renderer(8, 1), "VerticalColorBar", 8, 1, balance_ratio=(1.0, 1.0, 15.0))
    assert px == [LUMAS]
    # the mono patterns ignore it
    px = mono12(Renderer(8, 1), "MonoBar", 8, 1, balance_ratio=(0.0, 0.0, 0.0))
    assert px == [LEVELS]


# ---------------------------------------------------------------- pipeline
def reference(v: int, s: ImageSettings) -> int:
    """docs/firmware-model.md, "Image pipeline", one value at a time."""
    v = min(v + s.black_level, 4095)
    v = min((v * (64 + s.gain_raw) + 32) // 64, 4095)
    v = min(v * 2**s.digital_shift, 4095)
    if s.gamma is not None:
        v = math.floor(4095 * (v / 4095) ** s.gamma + 0.5)
    return v // 2 ** (12 - {"Mono8": 8, "Mono10": 10, "Mono12": 12}[s.pixel_format])


PIPELINES = [
    {},
    {"black_level": 100},
    {"black_level": 255},
    {"gain_raw": 1},
    {"gain_raw": 32},
    {"gain_raw": 1023},
    {"digital_shift": 1},
    {"digital_shift": 4},
    {"digital_shift": 7},
    {"gamma": 0.45},
    {"gamma": 1.0},
    {"gamma": 2.2},
    {"gamma": 3.99998},
    {"gamma": 0.0},
    {"black_level": 37, "gain_raw": 200, "digital_shift": 2, "gamma": 0.7},
    {"black_level": 255, "gain_raw": 1023, "digital_shift": 4, "gamma": 3.5},
]


@pytest.mark.parametrize("fmt", list(PFNC))
@pytest.mark.parametrize("features", PIPELINES, ids=lambda d: ",".join(map(str, d.items())))
def test_pipeline_table_follows_formulas(features: dict, fmt: str) -> None:
    s = ImageSettings(1, 1, pixel_format=fmt, **features)
    lut = pipeline_lut(s)
    assert lut.shape == (4096,)
    assert lut.tolist() == [reference(v, s) for v in range(4096)]


def test_pipeline_steps_by_hand() -> None:
    """MonoBar 8 x 1 (levels 0 585 1170 1755 2340 2925 3510 4095) through single steps."""
    r = Renderer(8, 1)

    def px(**kw) -> list[int]:
        return mono12(r, "MonoBar", 8, 1, **kw)[0]

    assert px() == LEVELS  # GainRaw 0: (64 v + 32) >> 6 = v
    assert px(black_level=100) == [100, 685, 1270, 1855, 2440, 3025, 3610, 4095]
    # GainRaw 64: (128 v + 32) >> 6 = 2 v, saturating
    assert px(gain_raw=64) == [0, 1170, 2340, 3510, 4095, 4095, 4095, 4095]
    # GainRaw 32: (96 v + 32) >> 6: 56192/64 = 878, 112352/64 = 1755.5, 168512/64 = 2633,
    # 224672/64 = 3510.5, 280832/64 = 4388 -> 4095
    assert px(gain_raw=32) == [0, 878, 1755, 2633, 3510, 4095, 4095, 4095]
    assert px(digital_shift=1) == [0, 1170, 2340, 3510, 4095, 4095, 4095, 4095]
    assert px(digital_shift=3) == [0, 4095, 4095, 4095, 4095, 4095, 4095, 4095]
    # Gamma 0.5: 4095 * sqrt(k / 7) + 0.5: 1547.76, 2188.9, 2680.8, 3095.5, 3460.9, 3791.1
    assert px(gamma=0.5) == [0, 1548, 2189, 2681, 3096, 3461, 3791, 4095]
    # order: black level, then gain: (0 + 16) * 2 = 32 (not 0 * 2 + 16 = 16)
    assert px(black_level=16, gain_raw=64)[0] == 32
    # gain, then shift: 585 * 1.5 = 878 (877.5 rounds up), << 1 = 1756 (not 1755)
    assert px(gain_raw=32, digital_shift=1)[1] == 1756
    # shift, then gamma: (585 << 1) = 1170 -> 4095 * sqrt(1170 / 4095) + 0.5 = 2189.4 -> 2189
    assert px(digital_shift=1, gamma=0.5)[1] == 2189


def test_gamma_zero_is_white_and_gamma_none_is_off() -> None:
    r = Renderer(8, 1)
    assert mono12(r, "MonoBar", 8, 1, gamma=0.0) == [[4095] * 8]  # x ** 0 = 1, also for x = 0
    assert mono12(r, "MonoBar", 8, 1, gamma=None) == [LEVELS]


# ---------------------------------------------------------------- formats, byte order
def test_pixel_formats_and_byte_order() -> None:
    r = Renderer(8, 1)
    s = ImageSettings(8, 1, test_pattern="MonoBar")
    data = {fmt: r.render(replace(s, pixel_format=fmt), 0, 0).data for fmt in PFNC}
    assert data["Mono8"] == bytes([0, 36, 73, 109, 146, 182, 219, 255])
    # Mono12: 585 = 0x249 -> 49 02; 4095 = 0xFFF -> FF 0F (little-endian)
    assert data["Mono12"][:4] == bytes([0x00, 0x00, 0x49, 0x02])
    assert data["Mono12"][-2:] == bytes([0xFF, 0x0F])
    # Mono10: v >> 2: 585 -> 146 = 0x92; 4095 -> 1023 = 0x3FF
    assert data["Mono10"][:4] == bytes([0x00, 0x00, 0x92, 0x00])
    assert data["Mono10"][-2:] == bytes([0xFF, 0x03])
    assert {fmt: len(d) for fmt, d in data.items()} == {"Mono8": 8, "Mono10": 16, "Mono12": 16}


def test_bytes_per_pixel_and_pfnc() -> None:
    assert [bytes_per_pixel(f) for f in ("Mono8", "Mono10", "Mono12")] == [1, 2, 2]
    assert PFNC == {"Mono8": 0x01080001, "Mono10": 0x01100003, "Mono12": 0x01100005}
    with pytest.raises(ValueError, match=r"^pixel format must be one of Mono8, Mono10, Mono12, "
                       r"not 'RGB8'$"):  # fmt: skip
        bytes_per_pixel("RGB8")


@pytest.mark.parametrize("fmt", list(PFNC))
def test_payload_size(fmt: str) -> None:
    s = ImageSettings(48, 6, 16, 2, pixel_format=fmt, test_pattern="Checkboard")
    f = Renderer(64, 8).render(s, 3, 99)
    assert len(f.data) == s.payload_size == 48 * 6 * {"Mono8": 1}.get(fmt, 2)
    assert f.pixels.shape == (6, 48)


# ---------------------------------------------------------------- ROI
def test_roi_window_by_hand() -> None:
    # 16 x 16 Checkboard (C = 2), window x 3..6, y 5..6: (x//2 + y//2) even -> white
    # y = 5 (2): x 3 (1) 0, x 4 (2) W, x 5 (2) W, x 6 (3) 0; y = 6 (3): W 0 0 W
    px = mono12(Renderer(16, 16), "Checkboard", 4, 2, offset_x=3, offset_y=5)
    assert px == [[0, W, W, 0], [W, 0, 0, W]]
    # ObliqueMonoBar 8 x 3 at (5, 1), 3 x 2: (x + y) % 8 for x 5..7, y 1..2
    px = mono12(Renderer(8, 3), "ObliqueMonoBar", 3, 2, offset_x=5, offset_y=1)
    assert px == [[3510, 4095, 0], [4095, 0, 585]]


@pytest.mark.parametrize("pattern", TEST_PATTERNS)
def test_roi_shows_the_same_sensor_pixels(pattern: str) -> None:
    r = Renderer(64, 32, seed=5)
    full = r.render(ImageSettings(64, 32, test_pattern=pattern), 11, 0).pixels
    for ox, oy, w, h in [(0, 0, 64, 32), (16, 2, 32, 8), (48, 30, 16, 2), (63, 31, 1, 1)]:
        part = r.render(ImageSettings(w, h, ox, oy, test_pattern=pattern), 11, 0).pixels
        assert np.array_equal(part, full[oy : oy + h, ox : ox + w]), (ox, oy, w, h)


# ---------------------------------------------------------------- the moving scene
def test_scene_is_deterministic() -> None:
    s = ImageSettings(64, 32, pixel_format="Mono12")
    a = Renderer(64, 32, seed=1).render(s, 7, 0).data
    b = Renderer(64, 32, seed=1).render(s, 7, 0).data
    assert a == b
    assert a != Renderer(64, 32, seed=2).render(s, 7, 0).data


def test_scene_moves_by_the_documented_step() -> None:
    # frame n shows the scene at ((x + 7n) mod SW, (y + 3n) mod SH)
    r = Renderer(64, 32)
    s = ImageSettings(64, 32, pixel_format="Mono12")
    frames = [r.render(s, n, 0).pixels for n in range(4)]
    for n in range(3):
        assert not np.array_equal(frames[n], frames[n + 1])
        assert np.array_equal(np.roll(frames[n], (-3, -7), axis=(0, 1)), frames[n + 1])
    # 9 frames later the offset is (63 mod 64, 27 mod 32)
    far = r.render(s, 9, 0).pixels
    assert np.array_equal(np.roll(frames[0], (-27, -63), axis=(0, 1)), far)


def test_scene_background_and_discs() -> None:
    # background 512 + 1024 |2x - SW| // SW + 1024 |2y - SH| // SH; discs are 2600..4095
    r = Renderer(64, 32, seed=3)
    px = r.render(ImageSettings(64, 32, pixel_format="Mono12"), 0, 0).pixels
    background = 0
    for y in range(32):
        for x in range(64):
            bg = 512 + 1024 * abs(2 * x - 64) // 64 + 1024 * abs(2 * y - 32) // 32
            if px[y, x] == bg:
                background += 1
            else:
                assert 2600 <= px[y, x] <= 4095, (x, y)
    assert background > 64 * 32 // 4


def documented_scene(sw: int, sh: int, seed: int) -> np.ndarray:
    """The scene of frame 0 as docs/firmware-model.md defines it, pixel set by pixel set."""
    y, x = np.mgrid[0:sh, 0:sw]
    scene = 512 + 1024 * abs(2 * x - sw) // sw + 1024 * abs(2 * y - sh) // sh
    rng = np.random.default_rng(seed)
    for _ in range(8):
        cx, cy = int(rng.integers(0, sw)), int(rng.integers(0, sh))
        r = int(rng.integers(max(1, sh // 32), max(2, sh // 8) + 1))
        level = int(rng.integers(2600, 4096))
        dx = np.minimum(abs(x - cx), sw - abs(x - cx))
        dy = np.minimum(abs(y - cy), sh - abs(y - cy))
        scene[dx * dx + dy * dy <= r * r] = level
    return scene


@pytest.mark.parametrize(
    ("sw", "sh", "seed"), [(1280, 1024, 0), (64, 8, 0), (64, 32, 3), (7, 5, 1), (1, 1, 2)]
)
def test_scene_is_the_documented_one(sw: int, sh: int, seed: int) -> None:
    s = ImageSettings(sw, sh, pixel_format="Mono12")
    px = Renderer(sw, sh, seed=seed).render(s, 0, 0).pixels
    assert np.array_equal(px, documented_scene(sw, sh, seed))


@pytest.mark.parametrize("pattern", ["Off", "ObliqueMonoBar"])
def test_prepare_builds_the_source_and_changes_no_pixel(pattern: str) -> None:
    s = ImageSettings(32, 8, offset_x=16, pixel_format="Mono8", test_pattern=pattern)
    prepared = Renderer(64, 8)
    prepared.prepare(s)
    assert prepared.render(s, 5, 0).data == Renderer(64, 8).render(s, 5, 0).data
    with pytest.raises(ValueError, match="OffsetX \\+ Width"):
        prepared.prepare(replace(s, offset_x=48))


def test_test_patterns_do_not_move() -> None:
    r = Renderer(32, 8)
    s = ImageSettings(32, 8, test_pattern="ObliqueMonoBar")
    assert r.render(s, 0, 0).data == r.render(s, 1000, 5).data


# ---------------------------------------------------------------- frames
def test_frame_carries_id_timestamp_and_settings() -> None:
    s = ImageSettings(16, 2, test_pattern="MonoBar", pixel_format="Mono10")
    f = Renderer(16, 2).render(s, frame_id=42, timestamp=1_250_000)
    assert isinstance(f, Frame)
    assert (f.frame_id, f.timestamp, f.settings) == (42, 1_250_000, s)
    assert f.pixels.dtype == np.dtype("<u2")
    assert not f.pixels.flags.writeable


# ---------------------------------------------------------------- from the registers
def test_from_registers_reads_the_features() -> None:
    rmap = load(ROOT / "regmap" / "camera.yaml")
    cam = RegisterFile(rmap, RegisterBank(rmap))
    # the map's reset values: full sensor, Mono8, Off, gain 0, black 0, shift 0, gamma off,
    # every BalanceRatio 1.0 (raw 256 in q8)
    assert ImageSettings.from_registers(cam) == ImageSettings(1280, 1024)
    cam.Width = 640
    cam.Height = 480
    cam.OffsetX = 32
    cam.OffsetY = 10
    cam.PixelFormat = "Mono12"
    cam.TestPattern = "VerticalColorBar"
    cam.GainRaw = 100
    cam.BlackLevel = 12
    cam.DigitalShift = 2
    cam.Gamma = 0.5
    cam.GammaEnable = True
    cam.set("BalanceRatio", 2.5, BalanceRatioSelector="Blue")
    cam.set("BalanceRatio", 0.25, BalanceRatioSelector="Red")
    expected = ImageSettings(
        640, 480, 32, 10, "Mono12", "VerticalColorBar", 100, 12, 2, 0.5, (0.25, 1.0, 2.5)
    )
    assert ImageSettings.from_registers(cam) == expected
    assert cam.BalanceRatioSelector == "Red"  # reading every channel leaves the selector alone
    cam.GammaEnable = False
    assert ImageSettings.from_registers(cam).gamma is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # docs/semantics.md, "Image geometry, payload and frame period": W = grid(clamp(Width,
        # 16, 1280), 16, 16), H = grid(clamp(Height, 2, 1024), 2, 2), X = min(grid(OffsetX, 0,
        # 16), 1280 - W), Y = min(grid(OffsetY, 0, 2), 1024 - H)
        ({"Width": 17, "Height": 3}, (16, 2, 0, 0)),  # off the grid: the legal value below
        ({"Width": 0, "Height": 0}, (16, 2, 0, 0)),  # below the minimum: the minimum
        ({"Width": 0xFFFF, "Height": 0xFFFF}, (1280, 1024, 0, 0)),  # beyond: the sensor
        ({"Width": 640, "OffsetX": 17, "OffsetY": 5}, (640, 1024, 16, 0)),  # Y: 1024 - 1024 = 0
        ({"Width": 1280, "OffsetX": 1264}, (1280, 1024, 0, 0)),  # lowered until it fits
        ({"Width": 256, "Height": 4, "OffsetX": 0xFFFF, "OffsetY": 1023}, (256, 4, 1024, 1020)),
    ],
)
def test_from_registers_effective_geometry(raw: dict, expected: tuple) -> None:
    rmap = load(ROOT / "regmap" / "camera.yaml")
    cam = RegisterFile(rmap, RegisterBank(rmap))
    for name, value in raw.items():
        cam.set_raw(name, value)
    s = ImageSettings.from_registers(cam)
    assert (s.width, s.height, s.offset_x, s.offset_y) == expected
    Renderer(1280, 1024).render(s, 0, 0)  # always inside the sensor


def test_from_registers_reserved_values() -> None:
    rmap = load(ROOT / "regmap" / "camera.yaml")
    cam = RegisterFile(rmap, RegisterBank(rmap))
    cam.set_raw("PixelFormat", 0x12345678)  # no entry: images as Mono8
    cam.set_raw("TestPattern", 7)  # no entry: Off
    cam.set_raw("DigitalShift", 7)  # beyond the feature's 0..4: saturates
    s = ImageSettings.from_registers(cam)
    assert (s.pixel_format, s.test_pattern, s.digital_shift) == ("Mono8", "Off", 7)
    cam.set_raw("PixelFormat", 0x01100003)
    assert ImageSettings.from_registers(cam).pixel_format == "Mono10"


def test_renderer_for_the_camera_map() -> None:
    rmap = load(ROOT / "regmap" / "camera.yaml")
    cam = RegisterFile(rmap, RegisterBank(rmap))
    r = Renderer.for_map(rmap)
    assert (r.sensor_width, r.sensor_height) == (1280, 1024)
    cam.Width, cam.Height, cam.OffsetX, cam.OffsetY = 256, 4, 1024, 1020
    cam.TestPattern = "MonoBar"
    cam.PixelFormat = "Mono10"
    f = r.render(ImageSettings.from_registers(cam), frame_id=1, timestamp=5)
    assert len(f.data) == 256 * 4 * 2
    # x = 1024..1279: bar 1024 * 8 // 1280 = 6 (3510 >> 2 = 877) up to x = 1119, then
    # bar 7 (4095 >> 2 = 1023) from x = 1120 = 7 * 1280 / 8
    assert f.pixels[0].tolist() == [877] * 96 + [1023] * 160


def test_frames_have_the_models_payload_size() -> None:
    rmap = load(ROOT / "regmap" / "camera.yaml")
    model = CameraModel(rmap)
    cam = RegisterFile(rmap, model.bank)
    r = Renderer.for_map(rmap)
    for fmt, w, h in [("Mono8", 1280, 1024), ("Mono12", 333, 77), ("Mono10", 16, 2)]:
        cam.PixelFormat = fmt
        cam.set_raw("Width", w)
        cam.set_raw("Height", h)
        model.step()
        f = r.render(ImageSettings.from_registers(cam), 0, 0)
        assert len(f.data) == cam.PayloadSize


# ---------------------------------------------------------------- bad settings
@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"width": 0}, r"^width must be positive, not 0$"),
        ({"height": -2}, r"^height must be positive, not -2$"),
        ({"width": 16.0}, r"^width must be an integer, not 16\.0$"),
        ({"offset_x": True}, r"^offset_x must be an integer, not True$"),
        ({"offset_y": -1}, r"^offset_y must be at least 0, not -1$"),
        ({"pixel_format": "Mono16"}, r"^pixel format must be one of Mono8, Mono10, Mono12, "),
        ({"test_pattern": "ColorBar"}, r"^test_pattern must be one of Off, MonoBar, .*'ColorBar'"),
        ({"gain_raw": -1}, r"^gain_raw must be at least 0, not -1$"),
        ({"black_level": "1"}, r"^black_level must be an integer, not '1'$"),
        ({"digital_shift": -3}, r"^digital_shift must be at least 0, not -3$"),
        ({"gamma": -0.5}, r"^gamma must be None or a finite number >= 0, not -0\.5$"),
        ({"gamma": math.nan}, r"^gamma must be None or a finite number >= 0, not nan$"),
        ({"balance_ratio": (1.0, 1.0)}, r"^balance_ratio must be a tuple of three finite"),
        ({"balance_ratio": (1.0, -1.0, 1.0)}, r"^balance_ratio must be a tuple of three finite"),
    ],
)
def test_bad_settings(kw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ImageSettings(**{"width": 16, "height": 2, **kw})


def test_bad_render_arguments() -> None:
    r = Renderer(64, 8)
    with pytest.raises(ValueError, match=r"^OffsetX \+ Width must be at most SensorWidth 64, "
                       r"not 32 \+ 48 = 80$"):  # fmt: skip
        r.render(ImageSettings(48, 2, 32, 0), 0, 0)
    with pytest.raises(ValueError, match=r"^OffsetY \+ Height must be at most SensorHeight 8, "
                       r"not 2 \+ 8 = 10$"):  # fmt: skip
        r.render(ImageSettings(16, 8, 0, 2), 0, 0)
    with pytest.raises(ValueError, match=r"^frame_id must be at least 0, not -1$"):
        r.render(ImageSettings(16, 2), -1, 0)
    with pytest.raises(ValueError, match=r"^timestamp must be an integer, not 1\.5$"):
        r.render(ImageSettings(16, 2), 0, 1.5)
    with pytest.raises(ValueError, match=r"^settings must be an ImageSettings, not None$"):
        r.render(None, 0, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^sensor_width must be positive, not 0$"):
        Renderer(0, 8)


# ---------------------------------------------------------------- docs
def test_documented_example_output_is_current(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Python example of the "Pixels" section prints the text block that follows it."""
    monkeypatch.chdir(ROOT)  # the examples name regmap/camera.yaml from the checkout's root
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Pixels\n")
    section = text[start : text.index("\n## ", start)]
    pairs = re.findall(r"```python\n(.*?)```\s*(?:\n[^`]*?)?```text\n(.*?)```", section, re.S)
    assert len(pairs) == 3
    for code, shown in pairs:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), {})
        assert out.getvalue() == shown
