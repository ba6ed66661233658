"""GVSP streaming: a software trigger written over GVCP gives one model frame on the wire, as
leader, payload and trailer packets of the negotiated size, timestamped in model cycles, sent
when the frame is read out; PACKETRESEND is served from the ring. Checked with the small client
of ``tests/gige_client.py`` in a loopback-only network namespace."""

from __future__ import annotations

import struct
from dataclasses import dataclass

import pytest

from firmware_model import RegisterBank, RegisterFile
from firmware_model.device import FirmwareBackend
from firmware_model.render import ImageSettings, Renderer
from gige import Device
from gige.gvsp import GvspStreamer, StreamTarget
from tests.gige_client import Client, StreamReceiver, get_field, set_field

pytestmark = pytest.mark.netns


def _bits_per_pixel(pfnc: int) -> int:
    return pfnc >> 16 & 0xFF  # PFNC: bits 23..16 hold the effective pixel size


def _stored_bytes(pfnc: int) -> int:
    return -(-_bits_per_pixel(pfnc) // 8)


@pytest.fixture(scope="module")
def device(module_netns, camera_map):
    with Device(camera_map, FirmwareBackend(camera_map)) as dev:
        yield dev


@pytest.fixture
def setup(device, camera_map):
    """A controlling client with a stream channel to a receiver, FrameStart on Software."""
    c = Client()
    rx = StreamReceiver()
    c.write(0x0A00, 2)
    c.writereg((0x0D18, 0x7F000001), (0x0D00, rx.port), (0x0D04, 1500))
    rm = camera_map
    set_field(c, rm, "TriggerMode", rm.feature("TriggerMode")[1].enum_value("On"), 0)
    set_field(c, rm, "TriggerSource", rm.feature("TriggerSource")[1].enum_value("Software"), 0)
    set_field(c, rm, "AcquisitionMode", rm.feature("AcquisitionMode")[1].enum_value("Continuous"))
    set_field(c, rm, "Width", 320)  # small frames: a few hundred packets
    set_field(c, rm, "Height", 100)
    set_field(c, rm, "AcquisitionStart", 1)
    yield c, rx
    set_field(c, rm, "AcquisitionStop", 1)
    c.writereg((0x0D00, 0), (0x0A00, 0))
    c.close()
    rx.close()


def _latch(c: Client) -> int:
    c.write(0x0944, 2)
    hi, lo = c.readreg(0x0948, 0x094C)[1]
    return hi << 32 | lo


def _trigger(c: Client, rmap) -> None:
    set_field(c, rmap, "TriggerSoftware", 1, 0)


def test_software_trigger_gives_one_frame(setup, camera_map):
    c, rx = setup
    rm = camera_map
    hz = rm.clock_hz
    delay_us = 2000
    set_field(c, rm, "TriggerDelay", rm.feature("TriggerDelay")[1].scale.to_raw(delay_us, hz), 0)
    frames_before = get_field(c, rm, "FrameCount")
    t_before = _latch(c)
    _trigger(c, rm)
    blk = rx.block()
    t_after = _latch(c)
    assert blk.block_id != 0
    # the frame starts TriggerDelay after the write (docs/semantics.md: t + 1 + D) ...
    assert blk.timestamp >= t_before + delay_us * hz // 1_000_000
    # ... and leaves once read out: exposure and readout of the frame have passed
    exposure = get_field(c, rm, "ExposureTime")
    assert t_after >= blk.timestamp + exposure
    assert get_field(c, rm, "FrameCount") == frames_before + 1
    # geometry and payload
    size = blk.width * blk.height * _stored_bytes(blk.pixel_format)
    assert len(blk.payload) == size
    assert blk.size_y == blk.height
    chunk = 1500 - 36
    n = -(-size // chunk)
    assert sorted(blk.packets) == list(range(n + 2))
    assert all(len(blk.packets[i].body) == chunk for i in range(1, n))
    assert all(p.block_id == blk.block_id and p.status == 0 for p in blk.packets.values())
    assert [blk.packets[i].format for i in (0, 1, n + 1)] == [1, 3, 2]
    assert (blk.width, blk.height) == (320, 100)
    assert blk.pixel_format == rm.feature("PixelFormat")[1].enum_value("Mono8")
    # the pixels are the model's frame: the renderer's, for these settings, id and timestamp
    regs = RegisterFile(rm, RegisterBank(rm))
    regs.Width, regs.Height = 320, 100
    expected = Renderer.for_map(rm).render(
        ImageSettings.from_registers(regs), frames_before + 1, blk.timestamp
    )
    assert blk.payload == expected.data


def test_a_pin_driven_live_triggers_a_frame_at_its_cycle(device, setup, camera_map):
    c, rx = setup
    rm = camera_map
    set_field(c, rm, "TriggerSource", rm.feature("TriggerSource")[1].enum_value("Line1"), 0)
    set_field(c, rm, "TriggerDelay", 0, 0)
    t = _latch(c) + rm.clock_hz // 100  # 10 ms ahead, in device time
    device.set_line(1, 1, at_timestamp=t)
    device.set_line(1, 0, at_timestamp=t + rm.clock_hz // 1000)
    blk = rx.block()
    # docs/semantics.md: pin edge -> frame_start = FrameStartLatencyFixed + max(N, 1) + D
    n = get_field(c, rm, "LineDebouncerTime", 1)
    assert blk.timestamp == t + rm.constant("FrameStartLatencyFixed") + max(n, 1)
    set_field(c, rm, "TriggerSource", rm.feature("TriggerSource")[1].enum_value("Software"), 0)


def test_packet_size_follows_scps_and_blocks_count_up(setup, camera_map):
    c, rx = setup
    set_field(c, camera_map, "TriggerDelay", 0, 0)
    c.write(0x0D04, 9000)
    assert c.read(0x0D04) & 0xFFFF == 9000
    _trigger(c, camera_map)
    a = rx.block()
    _trigger(c, camera_map)
    b = rx.block()
    assert b.block_id == a.block_id % 0xFFFF + 1
    assert b.timestamp > a.timestamp
    size = len(a.payload)
    n = -(-size // (9000 - 36))
    assert sorted(a.packets) == list(range(n + 2))
    assert a.payload != b.payload  # the scene moves from frame to frame


def test_packetresend_from_the_ring(setup, camera_map):
    c, rx = setup
    set_field(c, camera_map, "TriggerDelay", 0, 0)
    _trigger(c, camera_map)
    blk = rx.block()
    req = struct.pack(">HHII", 0, blk.block_id, 2, 3)
    c.sock.sendto(struct.pack(">BBHHH", 0x42, 0, 0x0040, len(req), 99) + req, c.dest)
    got = [rx.packet(), rx.packet()]
    assert [p.packet_id for p in got] == [2, 3]
    for p in got:
        assert p.status == 0x0100  # resent
        assert p.body == blk.packets[p.packet_id].body
    # a block no longer (or never) sent: PACKET_UNAVAILABLE
    gone = (blk.block_id + 1000) % 0xFFFF + 1
    req = struct.pack(">HHII", 0, gone, 1, 1)
    c.sock.sendto(struct.pack(">BBHHH", 0x42, 0, 0x0040, len(req), 100) + req, c.dest)
    p = rx.packet()
    assert (p.status, p.block_id) == (0x800C, gone)


@dataclass
class _Frame:
    frame_id: int
    timestamp: int
    data: bytes
    pixel_format: int = 0x01080001
    width: int = 100
    height: int = 10
    offset_x: int = 0
    offset_y: int = 0


def test_block_ids_wrap_around_zero(module_netns):
    rx = StreamReceiver()
    s = GvspStreamer("127.0.0.1")
    s.start()
    try:
        s._next_id = 0xFFFF
        target = StreamTarget("127.0.0.1", rx.port, 576, None)
        for k in range(2):
            s.submit(_Frame(k + 1, 1000 * k, bytes([k]) * 1000), target)
        a, b = rx.block(), rx.block()
    finally:
        s.stop()
        rx.close()
    assert (a.block_id, b.block_id) == (0xFFFF, 1)
    assert (a.timestamp, b.timestamp) == (0, 1000)
    assert a.payload == b"\0" * 1000 and b.payload == b"\1" * 1000
    assert len(a.packets) == 2 + 2  # 1000 bytes in 540-byte payloads


def test_a_repeating_scenario_drives_the_pins(module_netns, camera_map):
    from firmware_model.scenario import loads_scenario

    sc = loads_scenario(
        """
duration: 20000
repeat: true
setup:
  - {feature: TriggerMode, value: "On", selectors: {TriggerSelector: FrameStart}}
  - {feature: TriggerSource, value: Line1, selectors: {TriggerSelector: FrameStart}}
  - {feature: ExposureTime, value: 100}
  - {feature: Height, value: 8}
  - {execute: AcquisitionStart}
inputs:
  line1: [[3000, 1], [4000, 0]]
""",
        camera_map,
    )
    period = sc.cycles
    pin = sc.line1[0][0]
    rx = StreamReceiver()
    with Device(sc.rmap, FirmwareBackend(sc.rmap, scenario=sc), port=0) as dev:
        c = Client(port=dev.port)
        try:
            c.writereg((0x0D18, 0x7F000001), (0x0D00, rx.port))
            blocks = [rx.block() for _ in range(3)]
        finally:
            c.close()
            rx.close()
    latency = camera_map.constant("FrameStartLatencyFixed") + 1  # LineDebouncerTime 0
    for b in blocks:
        assert (b.timestamp - pin - latency) % period == 0
        assert b.height == 8
    assert [b.timestamp // period for b in blocks] == [
        blocks[0].timestamp // period + k for k in range(3)
    ]


class _BadFrame:
    """A frame whose pixels cannot be made."""

    frame_id, timestamp, pixel_format = 1, 0, 0x01080001
    width, height, offset_x, offset_y = 100, 10, 0, 0

    @property
    def data(self) -> bytes:
        raise ValueError("no pixels")


def test_a_frame_that_fails_is_counted_and_the_next_one_sent(module_netns):
    rx = StreamReceiver()
    s = GvspStreamer("127.0.0.1")
    s.start()
    try:
        target = StreamTarget("127.0.0.1", rx.port, 576, None)
        s.submit(_BadFrame(), target)
        s.submit(_Frame(2, 5, b"\7" * 1000), target)
        blk = rx.block()
    finally:
        s.stop()
        rx.close()
    assert (blk.timestamp, blk.payload) == (5, b"\7" * 1000)
    assert s.failures == 1 and str(s.last_failure) == "no pixels"
