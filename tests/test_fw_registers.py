"""Register access layer: the in-memory bank's access rules and the typed feature API."""

from __future__ import annotations

import asyncio

import pytest

from firmware_model import (
    AsyncRegisterFile,
    BusError,
    RegisterBank,
    RegisterFile,
    UnknownNameError,
)
from regmap import loads

MIX_YAML = """
device:
  name: t
  vendor: v
  model: m
  version: 1.0.0
  clock_hz: 1_000_000
  base_address: 0x10000
  bus_width: 32
categories:
  - name: C
registers:
  - name: MIX
    address: 0x10000
    fields:
      - {name: a, bits: 7:0, access: rw, reset: 5,
         feature: {name: A, type: Integer, visibility: Beginner, category: C}}
      - {name: w, bits: 15:8, access: wo,
         feature: {name: W, type: Integer, visibility: Beginner, category: C}}
      - {name: c, bits: 16, access: w1c,
         feature: {name: C1, type: Boolean, visibility: Beginner, category: C}}
      - {name: s, bits: 17, access: w1s,
         feature: {name: S1, type: Boolean, visibility: Beginner, category: C}}
      - {name: p, bits: 18, access: pulse,
         feature: {name: P1, type: Command, visibility: Beginner, category: C}}
      - {name: r, bits: 27:24, access: ro,
         feature: {name: R, type: Integer, visibility: Beginner, category: C}}
  - name: RCREG
    address: 0x10004
    fields:
      - {name: rc, bits: 3:0, access: rc,
         feature: {name: RC1, type: Integer, visibility: Beginner, category: C}}
"""

MIX = 0x10000
RCREG = 0x10004


class RecordingBus:
    """A bus wrapper that records every access (to check what the layer writes)."""

    def __init__(self, inner: RegisterBank) -> None:
        self.inner = inner
        self.log: list[tuple] = []

    def read(self, addr: int) -> int:
        value = self.inner.read(addr)
        self.log.append(("r", addr, value))
        return value

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        self.log.append(("w", addr, value, strobe))
        self.inner.write(addr, value, strobe)


class AsyncAdapter:
    """An AsyncBus over a synchronous bus."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def read(self, addr: int) -> int:
        return self.inner.read(addr)

    async def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        self.inner.write(addr, value, strobe)


@pytest.fixture()
def mix():
    rmap = loads(MIX_YAML)
    bank = RegisterBank(rmap)
    return rmap, bank


def field(rmap, name):
    return rmap.feature(name)[1]


# ---------------------------------------------------------------- bank: access types
def test_rw_reset_and_store(mix):
    _rmap, bank = mix
    assert bank.read(MIX) & 0xFF == 5
    bank.write(MIX, 0xA7)
    assert bank.read(MIX) & 0xFF == 0xA7


def test_rw_byte_strobes(mix):
    _rmap, bank = mix
    bank.write(MIX, 0x12)
    # strobe selects byte 1 only: byte 0 (field a) keeps 0x12
    bank.write(MIX, 0x0000_3456, strobe=0b0010)
    assert bank.read(MIX) & 0xFF == 0x12
    assert bank.values[MIX] & 0xFF00 == 0x3400  # wo field stored 0x34


def test_wo_reads_zero_but_stores(mix):
    rmap, bank = mix
    bank.write(MIX, 0xAB00)
    assert bank.read(MIX) & 0xFF00 == 0
    assert bank.field_value(MIX, field(rmap, "W")) == 0xAB


def test_w1c_clear_and_keep(mix):
    rmap, bank = mix
    c = field(rmap, "C1")
    bank.begin_cycle()
    bank.hw_set(MIX, c)
    assert bank.read(MIX) >> 16 & 1 == 0  # a register: set from the next cycle
    bank.begin_cycle()  # next cycle
    assert bank.read(MIX) >> 16 & 1 == 1
    bank.write(MIX, 0)  # 0 keeps
    assert bank.read(MIX) >> 16 & 1 == 1
    bank.write(MIX, 1 << 16)  # 1 clears
    assert bank.read(MIX) >> 16 & 1 == 0


def test_w1c_set_wins_over_clear_in_same_cycle(mix):
    rmap, bank = mix
    c = field(rmap, "C1")
    bank.begin_cycle()
    bank.hw_set(MIX, c)
    bank.begin_cycle()
    assert bank.read(MIX) >> 16 & 1 == 1
    bank.hw_set(MIX, c)  # set again in the cycle where software clears: set wins
    bank.write(MIX, 1 << 16)
    bank.begin_cycle()
    assert bank.read(MIX) >> 16 & 1 == 1
    bank.write(MIX, 1 << 16)  # a clear without a set clears
    bank.begin_cycle()
    assert bank.read(MIX) >> 16 & 1 == 0


def test_w1s_set_keep_and_hw_clear(mix):
    rmap, bank = mix
    s = field(rmap, "S1")
    bank.write(MIX, 0)
    assert bank.read(MIX) >> 17 & 1 == 0
    bank.write(MIX, 1 << 17)
    assert bank.read(MIX) >> 17 & 1 == 1
    bank.write(MIX, 0)  # 0 keeps
    assert bank.read(MIX) >> 17 & 1 == 1
    bank.begin_cycle()
    bank.hw_clear(MIX, s)
    bank.begin_cycle()
    assert bank.read(MIX) >> 17 & 1 == 0
    # a software set performed in the same cycle as a hardware clear wins
    bank.write(MIX, 1 << 17)
    bank.hw_clear(MIX, s)
    bank.begin_cycle()
    assert bank.read(MIX) >> 17 & 1 == 1


def test_pulse_high_for_exactly_next_cycle_and_reads_zero(mix):
    rmap, bank = mix
    p = field(rmap, "P1")
    bank.write(MIX, 1 << 18)
    assert bank.read(MIX) >> 18 & 1 == 0
    assert not bank.pulse(MIX, p)  # not yet: the write's own cycle
    bank.begin_cycle()
    assert bank.pulse(MIX, p)
    bank.begin_cycle()
    assert not bank.pulse(MIX, p)


def test_ro_driven_by_hardware_and_ignores_writes(mix):
    rmap, bank = mix
    bank.hw_drive(MIX, field(rmap, "R"), 9)
    assert bank.read(MIX) >> 24 & 0xF == 9
    bank.write(MIX, 0x0F00_0000 | 5)
    assert bank.read(MIX) >> 24 & 0xF == 9
    assert bank.read(MIX) & 0xFF == 5


def test_rc_read_clears(mix):
    rmap, bank = mix
    bank.hw_drive(RCREG, field(rmap, "RC1"), 0xC)
    assert bank.read(RCREG) == 0xC
    assert bank.read(RCREG) == 0


def test_slverr(mix):
    _rmap, bank = mix
    with pytest.raises(BusError):
        bank.read(0x10008)
    with pytest.raises(BusError):
        bank.write(0x10008, 1)
    # RCREG has only an rc field: the whole register is read-only
    bank.hw_drive(RCREG, field(mix[0], "RC1"), 3)
    with pytest.raises(BusError):
        bank.write(RCREG, 0)
    assert bank.read(RCREG) == 3  # no effect


def test_camera_readonly_register_slverr(camera_map):
    bank = RegisterBank(camera_map)
    with pytest.raises(BusError, match="read-only"):
        bank.write(camera_map.register("FRAME_COUNT").address, 1)
    with pytest.raises(BusError, match="unmapped"):
        bank.read(0x0)


# ---------------------------------------------------------------- read-modify-write
def test_rmw_never_writes_back_w1c_and_zeroes_commands(mix):
    rmap, bank = mix
    bus = RecordingBus(bank)
    cam = RegisterFile(rmap, bus)
    bank.hw_set(MIX, field(rmap, "C1"))
    bank.begin_cycle()
    cam.S1 = True
    cam.W = 0x44
    bus.log.clear()
    cam.A = 0x33
    writes = [e for e in bus.log if e[0] == "w"]
    assert len(writes) == 1
    word = writes[0][2]
    assert word & 0xFF == 0x33
    assert word >> 8 & 0xFF == 0x44  # wo field preserved from the host shadow
    assert word >> 16 & 0x7 == 0  # w1c, w1s, pulse bits written 0
    assert cam.C1 is True  # the event bit survived
    assert cam.S1 is True
    assert bank.field_value(MIX, field(rmap, "W")) == 0x44


def test_register_without_rw_neighbours_needs_no_read(camera_map):
    bank = RegisterBank(camera_map)
    bus = RecordingBus(bank)
    cam = RegisterFile(camera_map, bus)
    cam.execute("CounterReset")
    assert [e[0] for e in bus.log] == ["w"]
    cam.EventOvertriggerStatus = True  # write-1-to-clear through the feature API
    assert bus.log[-1][2] == 0b001


# ---------------------------------------------------------------- typed API, camera map
def test_selectors_choose_element(camera_map):
    bank = RegisterBank(camera_map)
    cam = RegisterFile(camera_map, bank)
    cam.TriggerSelector = "AcquisitionStart"
    cam.TriggerMode = "On"
    assert cam.TriggerSelector == "AcquisitionStart"
    base = camera_map.register("TRIGGER_CTRL").address
    assert bank.read(base + 0x10) & 1 == 1
    assert bank.read(base) & 1 == 0
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    assert cam.TriggerSelector == "AcquisitionStart"  # per-call selectors are not sticky
    assert bank.read(base) & 1 == 1
    cam.LineSelector = "Line0"
    assert cam.LineMode == "Output"
    assert cam.get("LineMode", LineSelector="Line1") == "Input"
    with pytest.raises(ValueError, match="LineSelector must be one of"):
        cam.LineSelector = "Line7"
    with pytest.raises(ValueError, match="not selected by"):
        cam.get("ExposureTime", LineSelector="Line1")


def test_unit_conversions(camera_map):
    bank = RegisterBank(camera_map)
    cam = RegisterFile(camera_map, bank)
    cam.TriggerDelay = 250.0  # 250 µs * 125 MHz = 31250 cycles
    assert cam.get_raw("TriggerDelay") == 31_250
    assert bank.read(camera_map.register("TRIGGER_DELAY").address) == 31_250
    assert cam.TriggerDelay == pytest.approx(250.0)
    cam.AcquisitionFrameRate = 100.0  # Hz -> period 1_250_000 cycles
    assert cam.get_raw("AcquisitionFrameRate") == 1_250_000
    cam.BalanceRatio = 1.5  # q8: 384
    assert cam.get_raw("BalanceRatio") == 384
    cam.Gamma = 0.5  # q16: 32768
    assert cam.get_raw("Gamma") == 32768
    assert cam.Gamma == 0.5
    cam.GammaEnable = True
    assert cam.get_raw("Gamma") == 32768  # neighbour field preserved
    assert cam.GammaEnable is True
    cam.AcquisitionMode = "SingleFrame"
    assert cam.get_raw("AcquisitionMode") == 0
    assert cam["AcquisitionMode"] == "SingleFrame"
    cam["BlackLevel"] = 17
    assert cam.BlackLevel == 17


def test_range_errors_never_clamp(camera_map):
    cam = RegisterFile(camera_map, RegisterBank(camera_map))
    before = cam.get_raw("ExposureTime")
    with pytest.raises(ValueError, match="ExposureTime must be between 10 and"):
        cam.ExposureTime = 9.0
    with pytest.raises(ValueError, match="ExposureTime must be between"):
        cam.ExposureTime = 1_000_001.0
    assert cam.get_raw("ExposureTime") == before
    with pytest.raises(ValueError):
        cam.AcquisitionFrameRate = 0.0
    with pytest.raises(ValueError):
        cam.AcquisitionFrameRate = 20_000.0
    with pytest.raises(ValueError, match="AcquisitionFrameCount must be between 1 and 255"):
        cam.AcquisitionFrameCount = 0
    with pytest.raises(ValueError, match="must be an integer"):
        cam.AcquisitionFrameCount = 2.5
    with pytest.raises(ValueError, match="must be finite"):
        cam.TriggerDelay = float("nan")
    with pytest.raises(TypeError, match="must be a number"):
        cam.TriggerDelay = "fast"
    with pytest.raises(ValueError, match=r"TriggerSource must be one of.*did you mean 'Line1'"):
        cam.TriggerSource = "Line11"
    with pytest.raises(TypeError, match="must be a bool"):
        cam.LineInverter = "yes"


def test_name_errors(camera_map):
    cam = RegisterFile(camera_map, RegisterBank(camera_map))
    with pytest.raises(UnknownNameError, match="did you mean 'TriggerDelay'"):
        cam.TrigerDelay = 3
    with pytest.raises(KeyError, match="ExposureTime"):
        cam["ExposureTme"]
    assert not hasattr(cam, "NoSuchFeature")
    with pytest.raises(ValueError, match="'FrameCount' is read-only"):
        cam.FrameCount = 1
    with pytest.raises(ValueError, match="read-only"):
        cam.set_raw("LineStatus", 1)
    with pytest.raises(TypeError, match="is a command"):
        cam.TriggerSoftware = 1
    with pytest.raises(TypeError, match="cannot be read"):
        cam.get("AcquisitionStart")
    with pytest.raises(TypeError, match="not a command"):
        cam.execute("ExposureTime")
    with pytest.raises(ValueError, match="raw value of TriggerDelay"):
        cam.set_raw("TriggerDelay", 1 << 27)


def test_execute_is_a_pulse(camera_map):
    bank = RegisterBank(camera_map)
    cam = RegisterFile(camera_map, bank)
    reg, f = camera_map.feature("TriggerSoftware")
    cam.execute("TriggerSoftware", TriggerSelector="AcquisitionStart")
    bank.begin_cycle()
    assert bank.pulse(reg.address_of(1), f)
    assert not bank.pulse(reg.address_of(0), f)


def test_async_facade_same_logic(camera_map):
    bank = RegisterBank(camera_map)
    acam = AsyncRegisterFile(camera_map, AsyncAdapter(bank))

    async def scenario():
        acam.TriggerSelector = "AcquisitionStart"
        await acam.set("TriggerDelay", 2.0)
        assert await acam.get_raw("TriggerDelay") == 250
        assert await acam.get("TriggerDelay", TriggerSelector="FrameStart") == 0.0
        await acam.execute("CounterReset")
        with pytest.raises(ValueError, match="between"):
            await acam.set("ExposureTime", 1.0)
        with pytest.raises(UnknownNameError, match="did you mean"):
            await acam.get("ExposureTim")
        with pytest.raises(TypeError, match="await"):
            acam.ExposureTime = 100.0
        return await acam.get("TriggerSelector")

    assert asyncio.run(scenario()) == "AcquisitionStart"
    assert bank.read(camera_map.register("TRIGGER_DELAY").address_of(1)) == 250


def test_bus_protocols(camera_map):
    from firmware_model import AsyncBus, Bus

    bank = RegisterBank(camera_map)
    assert isinstance(bank, Bus)
    assert isinstance(AsyncAdapter(bank), AsyncBus)
    cam = RegisterFile(camera_map, RecordingBus(bank))
    assert cam.address("TriggerDelay", TriggerSelector="AcquisitionStart") == 0x10114
    assert "TriggerDelay" in cam.features()
    assert "ExposureTime" in dir(cam)
    with pytest.raises(ValueError, match="strobe must be"):
        bank.write(0x10000, 0, strobe=0x1F)
    with pytest.raises(ValueError, match="32-bit"):
        bank.write(0x10000, 1 << 32)
