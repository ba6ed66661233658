"""Image geometry, PayloadSize, readout and transfer times and the frame period in the firmware
model, against values worked out by hand from docs/semantics.md ("Image geometry, payload and
frame period") for the camera's map: a 1280 x 1024 sensor, Width 16..1280 step 16, Height
2..1024 step 2, OffsetX step 16, OffsetY step 2, R(H) = 10 600 + 600 H cycles."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_model import CameraModel, RegisterFile
from firmware_model.imaging import TX_MAX, Imaging
from firmware_model.model import Event

MONO8, MONO10, MONO12 = 0x0108_0001, 0x0110_0003, 0x0110_0005


@pytest.fixture(scope="module")
def imaging(camera_map):
    return Imaging(camera_map)


@pytest.mark.parametrize(
    ("raw", "width"),
    [
        (0, 16),  # below the minimum: the minimum
        (15, 16),
        (16, 16),
        (17, 16),  # off the grid: the legal value below
        (31, 16),
        (32, 32),
        (1279, 1264),
        (1280, 1280),
        (1281, 1280),  # beyond the sensor: the sensor
        (0xFFFF, 1280),
    ],
)
def test_effective_width(imaging, raw, width):
    assert imaging.effective_width(raw) == width


@pytest.mark.parametrize(
    ("raw", "height"),
    [(0, 2), (1, 2), (2, 2), (3, 2), (5, 4), (1023, 1022), (1024, 1024), (4000, 1024)],
)
def test_effective_height(imaging, raw, height):
    assert imaging.effective_height(raw) == height


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        # (Width, Height, OffsetX, OffsetY, PixelFormat) -> (W, H, X, Y, format, bytes/pixel)
        ((1280, 1024, 0, 0, MONO8), (1280, 1024, 0, 0, "Mono8", 1)),
        ((640, 480, 100, 33, MONO10), (640, 480, 96, 32, "Mono10", 2)),
        # offsets that would leave the sensor are lowered until the image fits
        ((640, 480, 1264, 1022, MONO12), (640, 480, 640, 544, "Mono12", 2)),
        ((16, 2, 1270, 1023, MONO8), (16, 2, 1264, 1022, "Mono8", 1)),
        ((1280, 1024, 16, 2, MONO8), (1280, 1024, 0, 0, "Mono8", 1)),
        # a value that is no PixelFormat entry images as Mono8
        ((32, 2, 0, 0, 0), (32, 2, 0, 0, "Mono8", 1)),
        ((32, 2, 0, 0, 0x0110_0004), (32, 2, 0, 0, "Mono8", 1)),
    ],
)
def test_geometry(imaging, settings, expected):
    g = imaging.geometry(*settings)
    assert (g.width, g.height, g.offset_x, g.offset_y, g.pixel_format, g.bytes_per_pixel) == (
        expected
    )
    assert g.pixel_format_value == settings[4]
    assert g.payload_size == expected[0] * expected[1] * expected[5]


def test_readout_and_transfer(imaging):
    assert imaging.readout(1024) == 625_000  # 10 600 + 1024 * 600: 5 ms at 125 MHz
    assert imaging.readout(2) == 11_800
    assert imaging.transfer(1_310_720, 65_536) == 1_310_720  # one cycle per byte
    assert imaging.transfer(1_310_720, 16_000) == 320_000  # 512 MB/s
    assert imaging.transfer(3, 1) == 1  # ceil(3 / 65536)
    assert imaging.transfer(65_536, 1) == 1
    assert imaging.transfer(65_537, 1) == 2
    assert imaging.transfer(1_000, 0) == 0  # byte time 0: no limit
    assert imaging.transfer(2_621_440, 2**32 - 1) == TX_MAX == 2**32 - 1  # saturates


def _rig(camera_map, **raw):
    m = CameraModel(camera_map)
    cam = RegisterFile(camera_map, m.bank)
    for name, value in raw.items():
        cam.set_raw(name, value)
    m.step()  # the writes are visible from the next cycle
    return m, cam


@pytest.mark.parametrize(
    ("raw", "payload", "period"),
    [
        # reset: 1280 x 1024 Mono8, E = 1 250 000, Tx = 1 310 720 > R = 625 000
        ({}, 1_310_720, 1_310_720),
        # 512 MB/s: Tx = 320 000 < E = 1 250 000
        ({"DeviceLinkThroughputLimit": 16_000}, 1_310_720, 1_250_000),
        # short exposure, fast link: readout-limited, R(1024) = 625 000
        ({"DeviceLinkThroughputLimit": 16_000, "ExposureTime": 100}, 1_310_720, 625_000),
        # Mono12 full size at 1 cycle per byte: Tx = 2 621 440
        ({"PixelFormat": MONO12, "ExposureTime": 100}, 2_621_440, 2_621_440),
        # 320 x 240 Mono8, E = 2 ms: P = max(250 000, 154 600, 76 800)
        ({"Width": 320, "Height": 240, "ExposureTime": 250_000}, 76_800, 250_000),
        # frame-rate limit 100 Hz enabled on a 640 x 480 Mono10 region
        (
            {
                "Width": 640,
                "Height": 480,
                "PixelFormat": MONO10,
                "ExposureTime": 100,
                "AcquisitionFrameRate": 1_250_000,
                "AcquisitionFrameRateEnable": 1,
            },
            614_400,
            1_250_000,
        ),
        # raw extremes: sensor-size Mono12, byte time 2**32 - 1: Tx saturates
        (
            {
                "Width": 0xFFFF,
                "Height": 0xFFFF,
                "PixelFormat": MONO12,
                "DeviceLinkThroughputLimit": 2**32 - 1,
            },
            2_621_440,
            2**32 - 1,
        ),
        # byte time 0 (no limit), tiny exposure: R(2) = 11 800
        (
            {"Width": 0, "Height": 0, "DeviceLinkThroughputLimit": 0, "ExposureTime": 0},
            32,
            11_800,
        ),
    ],
)
def test_registers_payload_and_resulting_period(camera_map, raw, payload, period):
    _m, cam = _rig(camera_map, **raw)
    assert cam.get_raw("PayloadSize") == payload
    assert cam.get_raw("ResultingFrameRate") == period
    assert (cam.get_raw("SensorWidth"), cam.get_raw("SensorHeight")) == (1280, 1024)


def test_readout_end_uses_the_values_latched_at_frame_start(slow_camera_map):
    """Slow map: 64 x 8 sensor, R(H) = 10 + 5 H, byte time 4096 (1/16 cycle per byte)."""
    m, cam = _rig(slow_camera_map, ExposureTime=30, Height=8)
    cam.execute("AcquisitionStart")  # performed in cycle 0: active from cycle 2
    while m.cycle < 3:
        m.step()
    t0 = 2
    assert [e for e in m.events if e.kind == "frame_start"] == [Event(t0, "frame_start")]
    # P = max(30, R(8) = 50, Tx = 512 / 16 = 32) = 50; readout ends at t0 + 30 + 50
    cam.set_raw("Height", 2)  # a later frame reads out 2 lines: R(2) = 20
    cam.set_raw("ExposureTime", 7)
    while m.cycle <= t0 + 120:
        m.step()
    ends = [e for e in m.events if e.kind == "readout_end"]
    starts = [e.cycle for e in m.events if e.kind == "frame_start"]
    # frame 2 starts at t0 + 50 with E = 7, H = 2: P = max(7, 20, 2) = 20, readout at +27;
    # so it is read out (t0 + 77) before frame 1 (t0 + 80)
    assert starts[:3] == [t0, t0 + 50, t0 + 70]
    assert ends[:3] == [
        Event(t0 + 77, "readout_end", frame=t0 + 50),
        Event(t0 + 80, "readout_end", frame=t0),
        Event(t0 + 97, "readout_end", frame=t0 + 70),
    ]
    first, second = m.frame_images[t0], m.frame_images[t0 + 50]
    assert (first.readout_end, first.exposure, first.period, first.transfer) == (
        t0 + 80,
        30,
        50,
        32,
    )
    assert (first.geometry.width, first.geometry.height) == (64, 8)
    assert (second.geometry.height, second.period, second.transfer) == (2, 20, 8)


def test_event_mode_does_not_skip_a_readout_end(slow_camera_map):
    m, cam = _rig(slow_camera_map, ExposureTime=400, AcquisitionMode=0)  # SingleFrame
    cam.execute("AcquisitionStart")
    m.step()
    m.step()  # cycle 2: the frame starts, P = 400
    while m.cycle < 10_000:
        wake = m.next_activity()
        if wake is None:
            break
        if wake > m.cycle:
            m.skip(wake - m.cycle)
        m.step()
    # the frame's period ends at 2 + 400; its readout at 2 + 400 + R(8) = 452
    assert [(e.cycle, e.kind) for e in m.events] == [
        (2, "frame_start"),
        (402, "acquisition_done"),
        (452, "readout_end"),
    ]


def test_docs_example_runs(monkeypatch):
    """The example of docs/firmware-model.md ("readout_end", "frame_images") as written, run
    from the checkout's root like the commands."""
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    doc = (root / "docs" / "firmware-model.md").read_text()
    start = doc.index("```python", doc.index("`tests/test_fw_imaging.py`"))
    code = doc[start + len("```python") : doc.index("```", start + 3)]
    assert "frame_images" in code
    exec(compile(code, "docs/firmware-model.md", "exec"), {})
