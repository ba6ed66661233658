"""End-to-end tests of the cycle model: latencies and corner cases derived from docs/semantics.md.

All tests use the slow camera (1 MHz: 1 µs = 1 cycle, R = 50 cycles, K = 4) and
ExposureTime = 20 µs, so the frame period is P = max(20, 50) = 50 cycles.
"""

from __future__ import annotations

import pytest

from firmware_model import CameraModel, RegisterFile

P = 50
E = 20


class Rig:
    """A model, its register layer and a trace of every cycle's outputs."""

    def __init__(self, rmap) -> None:
        self.m = CameraModel(rmap)
        self.cam = RegisterFile(rmap, self.m.bank)
        self.cam.ExposureTime = float(E)
        self.trace = []

    @property
    def now(self) -> int:
        """The cycle a write performed now belongs to (the last simulated cycle)."""
        return self.m.cycle - 1

    def run_to(self, cycle: int, line1: int = 0, line2: int = 0) -> None:
        """Simulate up to and including ``cycle``."""
        while self.m.cycle <= cycle:
            self.trace.append(self.m.step(line1, line2))

    def cycles(self, signal: str) -> list[int]:
        return [t for t, o in enumerate(self.trace) if getattr(o, signal)]

    def at(self, cycle: int):
        return self.trace[cycle]


@pytest.fixture()
def rig(slow_camera_map):
    return Rig(slow_camera_map)


def start_hw_triggered(rig: Rig, debounce: float = 0.0, delay: float = 0.0) -> None:
    cam = rig.cam
    cam.set("LineDebouncerTime", debounce, LineSelector="Line1")
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set("TriggerSource", "Line1", TriggerSelector="FrameStart")
    cam.set("TriggerDelay", delay, TriggerSelector="FrameStart")
    cam.execute("AcquisitionStart")


@pytest.mark.parametrize(("n", "d"), [(0, 0), (1, 0), (5, 0), (5, 7), (0, 3)])
def test_pin_edge_to_frame_start_latency(rig, n, d):
    start_hw_triggered(rig, debounce=n, delay=d)
    rig.run_to(9, line1=0)
    rig.run_to(200, line1=1)  # pin sampled high from cycle 10
    expected = 10 + 3 + max(n, 1) + d
    assert rig.cycles("frame_start") == [expected]
    # Line0 (ExposureActive) follows one cycle later, E cycles wide
    rig.cam.set("LineSource", "ExposureActive", LineSelector="Line0")
    assert rig.cycles("exposure_active") == list(range(expected, expected + E))


def test_line0_exposure_latency(rig):
    rig.cam.set("LineSource", "ExposureActive", LineSelector="Line0")
    start_hw_triggered(rig, debounce=2, delay=4)
    rig.run_to(9)
    rig.run_to(100, line1=1)
    # 4 + max(N, 1) + D after the pin edge
    first = 10 + 4 + 2 + 4
    assert rig.cycles("line0_out") == list(range(first, first + E))
    assert rig.at(first).line_status & 1 == 1
    assert rig.at(first - 1).line_status & 1 == 0


def test_line0_inverter(rig):
    rig.cam.set("LineInverter", True, LineSelector="Line0")
    rig.run_to(3)
    # Off XOR 1 = 1, registered: the write performed in cycle 3 shows on the pin from cycle 5
    rig.cam.set("LineSource", "Off", LineSelector="Line0")
    rig.run_to(6)
    assert [rig.at(t).line0_out for t in range(7)] == [0, 1, 1, 1, 1, 1, 1]


def test_software_trigger_latency(rig):
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set("TriggerSource", "Software", TriggerSelector="FrameStart")
    cam.execute("AcquisitionStart")
    rig.run_to(10)
    cam.execute("TriggerSoftware")  # performed in cycle 10
    rig.run_to(20)
    cam.set("TriggerDelay", 6.0, TriggerSelector="FrameStart")
    rig.run_to(100)
    cam.execute("TriggerSoftware")  # performed in cycle 100, D = 6
    rig.run_to(200)
    assert rig.cycles("frame_start") == [11, 107]
    assert cam.FrameCount == 2


def test_debounce_run_exactly_n_and_n_minus_1(rig):
    start_hw_triggered(rig, debounce=5)
    rig.run_to(9)
    rig.run_to(13, line1=1)  # 4 cycles high: N - 1, filtered
    rig.run_to(99)
    assert rig.cycles("frame_start") == []
    rig.run_to(104, line1=1)  # 5 cycles high (100..104): passes
    rig.run_to(200)
    assert rig.cycles("frame_start") == [100 + 3 + 5]


def test_line_status_is_debounced_input(rig):
    rig.cam.set("LineDebouncerTime", 2.0, LineSelector="Line1")
    rig.run_to(4)
    rig.run_to(20, line1=1)
    # pin edge at 5 -> y at 5 + 2 + 2 = 9
    assert [rig.at(t).line_status >> 1 & 1 for t in range(7, 12)] == [0, 0, 1, 1, 1]
    assert rig.cam.get("LineStatus", LineSelector="Line1") is True
    assert rig.cam.LineStatusAll == 0b010


def test_falling_edge_activation_and_line2(rig):
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set("TriggerSource", "Line2", TriggerSelector="FrameStart")
    cam.set("TriggerActivation", "FallingEdge", TriggerSelector="FrameStart")
    cam.execute("AcquisitionStart")
    rig.run_to(9, line2=1)
    rig.run_to(29, line2=1)
    rig.run_to(60, line2=0)  # falls at 30 -> frame at 30 + 3 + 1
    assert rig.cycles("frame_start") == [34]


def test_line2_output_mode(rig):
    cam = rig.cam
    cam.set("LineSource", "UserOutput1", LineSelector="Line2")
    cam.set("UserOutputValue", True, UserOutputSelector="UserOutput1")
    rig.run_to(4, line2=1)
    cam.set("LineMode", "Output", LineSelector="Line2")  # performed in cycle 4
    rig.run_to(10, line2=1)
    assert [rig.at(t).line2_oe for t in range(8)] == [0] * 6 + [1, 1]
    assert all(rig.at(t).line2_o == 1 for t in range(1, 10))
    # the input path sees 0 from cycle 5: y (high since 0 + 2 + 1 = 3) falls at 6;
    # LineStatus of an output line is the driven level (1)
    assert rig.at(4).line_status >> 2 & 1 == 1
    assert rig.at(9).line_status >> 2 & 1 == 1


def test_trigger_while_busy_is_overtrigger(rig):
    start_hw_triggered(rig)
    rig.run_to(9)
    rig.run_to(11, line1=1)  # edge at 10 -> frame at 14
    rig.run_to(29)
    rig.run_to(31, line1=1)  # edge at 30 -> released at 34, frame busy until 14 + 50
    rig.run_to(63)
    rig.run_to(65, line1=1)  # edge at 64 -> released at 68 >= 64: accepted
    rig.run_to(100)
    assert rig.cycles("frame_start") == [14, 68]
    assert [e.cycle for e in rig.m.events if e.kind == "overtrigger"] == [34]
    assert rig.cam.OvertriggerCount == 1
    assert rig.cam.EventOvertriggerStatus is True
    # FrameTriggerWait: 1 while active and idle, 0 during 15..63, 1 from 64 until 68
    assert rig.at(14).frame_trigger_wait == 1
    assert not any(rig.at(t).frame_trigger_wait for t in range(15, 64))
    assert rig.at(64).frame_trigger_wait == 1
    assert rig.at(69).frame_trigger_wait == 0


def test_triggers_exactly_p_apart_all_accepted(rig):
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set("TriggerSource", "Software", TriggerSelector="FrameStart")
    cam.execute("AcquisitionStart")
    rig.run_to(0)
    for k in range(4):
        rig.run_to(10 + k * P)
        cam.execute("TriggerSoftware")
    rig.run_to(300)
    assert rig.cycles("frame_start") == [11, 61, 111, 161]
    assert cam.OvertriggerCount == 0


def test_fifo_full_loses_triggers(rig):
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set("TriggerSource", "Software", TriggerSelector="FrameStart")
    cam.set("TriggerDelay", 100.0, TriggerSelector="FrameStart")
    cam.execute("AcquisitionStart")
    for k in range(5):  # K = 4: the 5th trigger is lost
        rig.run_to(10 + k)
        cam.execute("TriggerSoftware")
    rig.run_to(300)
    # triggers high in 11..15; the 5th (15) finds 4 pending
    assert [(e.cycle, e.kind) for e in rig.m.events if e.kind == "trigger_lost"] == [
        (15, "trigger_lost")
    ]
    assert cam.TriggerLostCount == 1
    assert cam.EventTriggerLostStatus is True
    # released at 111..114: the first starts a frame, the others are overtriggers
    assert rig.cycles("frame_start") == [111]
    assert cam.OvertriggerCount == 3


def test_free_run_continuous_and_stop_during_frame(rig):
    cam = rig.cam
    rig.run_to(4)
    cam.execute("AcquisitionStart")  # performed in 4, pulse in 5: active from 6
    rig.run_to(130)
    cam.execute("AcquisitionStop")  # performed in 130, pulse in 131: frame from 106 in progress
    rig.run_to(300)
    assert rig.cycles("frame_start") == [6, 56, 106]
    assert rig.cycles("acquisition_active") == list(range(6, 156))
    assert cam.EventAcquisitionDoneStatus is False


def test_stop_when_no_frame_in_progress(rig):
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.execute("AcquisitionStart")
    rig.run_to(20)
    cam.execute("AcquisitionStop")  # pulse in 21: inactive from 22
    rig.run_to(30)
    assert rig.cycles("acquisition_active") == list(range(1, 22))


def test_single_frame(rig):
    cam = rig.cam
    cam.AcquisitionMode = "SingleFrame"
    rig.run_to(9)
    cam.execute("AcquisitionStart")  # performed in 9, pulse in 10: active from 11
    rig.run_to(200)
    assert rig.cycles("frame_start") == [11]
    assert rig.cycles("acquisition_active") == list(range(11, 61))
    assert [e.cycle for e in rig.m.events if e.kind == "acquisition_done"] == [61]
    assert cam.EventAcquisitionDoneStatus is True


def test_multi_frame_done_bit_timing(rig):
    cam = rig.cam
    cam.AcquisitionMode = "MultiFrame"
    cam.AcquisitionFrameCount = 3
    evt_addr = rig.m.rmap.register("EVENT_STATUS").address
    rig.run_to(0)
    cam.execute("AcquisitionStart")  # performed in 0, pulse in 1: active from 2
    done_bits = [0]
    while rig.m.cycle < 200:
        rig.run_to(rig.m.cycle)
        done_bits.append(rig.m.bank.read(evt_addr) >> 2 & 1)  # read performed in that cycle
    assert rig.cycles("frame_start") == [2, 52, 102]
    assert rig.cycles("acquisition_active") == list(range(2, 152))
    assert done_bits.index(1) == 152  # reads 1 from the cycle AcquisitionActive falls


def test_acquisition_start_trigger(rig):
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="AcquisitionStart")
    cam.set("TriggerSource", "Software", TriggerSelector="AcquisitionStart")
    cam.execute("AcquisitionStart")  # arms
    rig.run_to(30)
    assert rig.cycles("acquisition_active") == []
    cam.execute("TriggerSoftware", TriggerSelector="AcquisitionStart")  # in 30, pulse 31
    rig.run_to(100)
    # released in 31, active from 32, free-run frame at 32 and 82
    assert rig.cycles("acquisition_active")[0] == 32
    assert rig.cycles("frame_start") == [32, 82]


def test_acquisition_start_trigger_ignored_when_idle(rig):
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="AcquisitionStart")
    cam.set("TriggerSource", "Software", TriggerSelector="AcquisitionStart")
    cam.execute("TriggerSoftware", TriggerSelector="AcquisitionStart")
    rig.run_to(20)
    cam.execute("AcquisitionStart")
    rig.run_to(40)
    assert rig.cycles("acquisition_active") == []


def test_w1c_set_wins_over_clear_in_same_cycle(rig):
    start_hw_triggered(rig)
    rig.run_to(9)
    rig.run_to(11, line1=1)  # frame at 14
    rig.run_to(19)
    rig.run_to(21, line1=1)  # edge at 20: released (overtrigger) in 24
    rig.run_to(24)
    rig.cam.EventOvertriggerStatus = True  # write 1 to clear, performed in 24: set wins
    rig.run_to(25)
    assert rig.cam.EventOvertriggerStatus is True
    rig.cam.EventOvertriggerStatus = True  # performed in 25: clears
    rig.run_to(26)
    assert rig.cam.EventOvertriggerStatus is False
    assert rig.cam.OvertriggerCount == 1


def test_counter_reset(rig):
    start_hw_triggered(rig)
    rig.run_to(9)
    rig.run_to(11, line1=1)  # frame at 14
    rig.run_to(13)
    rig.cam.execute("CounterReset")  # pulse in 14, the cycle of the frame start: reset wins
    rig.run_to(20)
    assert rig.cycles("frame_start") == [14]
    assert rig.cam.FrameCount == 0


def test_trigger_mode_off_discards_pending(rig):
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set("TriggerSource", "Software", TriggerSelector="FrameStart")
    cam.set("TriggerDelay", 30.0, TriggerSelector="FrameStart")
    rig.run_to(5)
    cam.execute("TriggerSoftware")  # enters in 6, released in 36
    rig.run_to(10)
    cam.set("TriggerMode", "Off", TriggerSelector="FrameStart")
    rig.run_to(60)
    assert cam.OvertriggerCount == 0
    assert rig.cycles("frame_start") == []


def test_frequency_converter_first_edge_and_multiplier(rig):
    cam = rig.cam
    cam.FrequencyConverterMultiplier = 2
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set("TriggerSource", "FrequencyConverter", TriggerSelector="FrameStart")
    cam.set("LineSource", "FrequencyConverter", LineSelector="Line0")
    cam.execute("AcquisitionStart")
    rig.run_to(9)
    rig.run_to(11, line1=1)  # rise at 10 + 3 + 1 = 14: aligned pulse only (T unknown)
    rig.run_to(109)
    rig.run_to(111, line1=1)  # rise at 114: T = 100, M = 2 -> extra pulse at 164
    rig.run_to(300)
    assert rig.cycles("line0_out") == [15, 115, 165]
    assert rig.cycles("frame_start") == [14, 114, 164]


def test_converter_write_resets_period(rig):
    cam = rig.cam
    cam.FrequencyConverterMultiplier = 2
    cam.set("LineSource", "FrequencyConverter", LineSelector="Line0")
    rig.run_to(9)
    rig.run_to(11, line1=1)  # rise at 14
    rig.run_to(109)
    rig.run_to(111, line1=1)  # rise at 114, T = 100
    rig.run_to(120)
    cam.FrequencyConverterDivider = 1  # any converter write: reset, owed pulse at 164 dropped
    rig.run_to(209)
    rig.run_to(211, line1=1)  # rise at 214: first edge after the reset
    rig.run_to(300)
    assert rig.cycles("line0_out") == [15, 115, 215]


def test_resulting_frame_rate(rig):
    cam = rig.cam
    rig.run_to(0)
    assert cam.get_raw("ResultingFrameRate") == 50
    cam.ExposureTime = 80.0
    rig.run_to(1)
    assert cam.get_raw("ResultingFrameRate") == 80
    cam.AcquisitionFrameRate = 10_000.0  # 100 cycles, not enabled yet
    cam.AcquisitionFrameRateEnable = True
    rig.run_to(2)
    assert cam.get_raw("ResultingFrameRate") == 100
    assert cam.ResultingFrameRate == pytest.approx(10_000.0)


def test_counters_read_as_registers(rig):
    """A read performed in the cycle of a frame start still returns the old FrameCount."""
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set("TriggerSource", "Software", TriggerSelector="FrameStart")
    cam.execute("AcquisitionStart")
    rig.run_to(10)
    cam.execute("TriggerSoftware")  # frame at 11
    rig.run_to(11)
    assert rig.at(11).frame_start == 1
    assert cam.FrameCount == 0  # read performed in cycle 11
    assert cam.FrameTriggerWait is True  # FrameTriggerWait[11] = 1 (the frame's start cycle)
    assert cam.ExposureActive is True
    rig.run_to(12)
    assert cam.FrameCount == 1
    assert cam.FrameTriggerWait is False


def test_unaligned_and_unmapped_addresses(rig):
    from firmware_model import BusError

    base = rig.m.rmap.register("ACQ_CTRL").address
    with pytest.raises(BusError):
        rig.m.bank.read(base + 1)
    with pytest.raises(BusError):
        rig.m.bank.write(base + 2, 0)
    with pytest.raises(BusError):
        rig.m.bank.read(base + 0xC)  # a hole in the map


def test_reserved_enum_values_select_nothing(rig):
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set_raw("TriggerSource", 7, TriggerSelector="FrameStart")  # reserved: no trigger
    cam.set_raw("LineSource", 15, LineSelector="Line0")  # reserved: drives 0
    cam.set("LineInverter", True, LineSelector="Line2")
    cam.set_raw("LineSource", 9, LineSelector="Line2")  # reserved: 0 XOR inverter
    cam.execute("AcquisitionStart")
    rig.run_to(9)
    rig.run_to(100, line1=1)
    assert rig.cycles("frame_start") == []
    assert rig.cycles("line0_out") == []
    assert rig.cycles("line2_o") == list(range(1, 101))


HW_FIELDS = (
    "FrameCount",
    "TriggerLostCount",
    "OvertriggerCount",
    "EventTriggerLostStatus",
    "EventOvertriggerStatus",
    "FrameTriggerWait",
    "ExposureActive",
    "AcquisitionActive",
)


def test_reads_return_every_hardware_field_during_the_read_cycle(rig):
    """docs/semantics.md: a read performed in cycle t returns status bits, counters and event
    bits as they are during t; counters and event bits change from the cycle after the event.

    Software triggers (D = 100, K = 4) high in 11..15: the one in 15 is lost; releases at 111
    (frame, FrameTriggerWait[111] = 1) and 112..114 (overtriggers); CounterReset pulse in 201.
    """
    cam = rig.cam
    cam.set("TriggerMode", "On", TriggerSelector="FrameStart")
    cam.set("TriggerSource", "Software", TriggerSelector="FrameStart")
    cam.set("TriggerDelay", 100.0, TriggerSelector="FrameStart")
    cam.execute("AcquisitionStart")  # pulse in 0: active from 1
    reads = {}
    while rig.m.cycle <= 210:
        t = rig.m.cycle
        rig.run_to(t)
        reads[t] = tuple(int(cam.get(name)) for name in HW_FIELDS)  # performed in cycle t
        if 10 <= t <= 14:
            cam.execute("TriggerSoftware")  # performed in t, high in t + 1
        if t == 200:
            cam.execute("CounterReset")  # high in 201: counters 0 from 202
    assert rig.cycles("frame_start") == [111]
    assert [e.cycle for e in rig.m.events if e.kind == "overtrigger"] == [112, 113, 114]
    # (frames, lost, overtriggers, lost bit, overtrigger bit, wait, exposure, active)
    assert reads[15] == (0, 0, 0, 0, 0, 1, 0, 1)  # the trigger lost in 15: not yet visible
    assert reads[16] == (0, 1, 0, 1, 0, 1, 0, 1)
    assert reads[110] == (0, 1, 0, 1, 0, 1, 0, 1)
    assert reads[111] == (0, 1, 0, 1, 0, 1, 1, 1)  # frame start cycle: status of 111, old count
    assert reads[112] == (1, 1, 0, 1, 0, 0, 1, 1)  # overtrigger in 112: not yet visible
    assert reads[113] == (1, 1, 1, 1, 1, 0, 1, 1)
    assert reads[114] == (1, 1, 2, 1, 1, 0, 1, 1)
    assert reads[115] == (1, 1, 3, 1, 1, 0, 1, 1)
    assert reads[131] == (1, 1, 3, 1, 1, 0, 0, 1)  # E = 20: exposure 111..130
    assert reads[161] == (1, 1, 3, 1, 1, 1, 0, 1)  # t0 + P: waiting again
    assert reads[201] == (1, 1, 3, 1, 1, 1, 0, 1)  # CounterReset high in 201
    assert reads[202] == (0, 0, 0, 1, 1, 1, 0, 1)  # counters zeroed, event bits kept


def test_read_in_cycle_of_acquisition_done_and_lost_on_both_selectors(rig):
    """The AcquisitionDone bit reads 1 from t0 + P, the first cycle with AcquisitionActive = 0;
    TriggerLostCount counts +2 when both selectors drop a trigger in one cycle, from t+1."""
    cam = rig.cam
    for sel in ("FrameStart", "AcquisitionStart"):
        cam.set("TriggerMode", "On", TriggerSelector=sel)
        cam.set("TriggerSource", "Line1", TriggerSelector=sel)
        cam.set("TriggerDelay", 1000.0, TriggerSelector=sel)
    cam.AcquisitionMode = "SingleFrame"
    rising = []
    level = 0
    reads = {}
    while rig.m.cycle < 60:  # Line1 rises at 10, 20, 30, 40, 50: rise pulses 14, 24, ..., 54
        t = rig.m.cycle
        level = 1 if t >= 10 and (t - 10) % 10 < 5 else 0
        rig.run_to(t, line1=level)
        if rig.m.edges[0].y1 and not rig.m.edges[0].y2:
            rising.append(t + 1)
        reads[t] = (cam.TriggerLostCount, cam.EventTriggerLostStatus)
    assert rising == [14, 24, 34, 44, 54]
    # K = 4 pending per selector after 14..44: both selectors drop the trigger of 54
    assert reads[54] == (0, False)
    assert reads[55] == (2, True)
    # SingleFrame free run (FrameStart trigger Off): done bit from t0 + P
    cam.set("TriggerMode", "Off", TriggerSelector="FrameStart")
    cam.set("TriggerMode", "Off", TriggerSelector="AcquisitionStart")
    t_write = rig.m.cycle - 1
    cam.execute("AcquisitionStart")  # pulse in t_write + 1: active and frame at t_write + 2
    t0 = t_write + 2
    done = {}
    while rig.m.cycle <= t0 + P + 1:
        t = rig.m.cycle
        rig.run_to(t)
        done[t] = (cam.AcquisitionActive, cam.EventAcquisitionDoneStatus)
    assert rig.cycles("frame_start") == [t0]
    assert done[t0 + P - 1] == (True, False)
    assert done[t0 + P] == (False, True)


def test_raw_exposure_zero_reads(rig):
    """ExposureTime 0 (a raw write): no ExposureActive cycle, ResultingFrameRate max(0, R)."""
    cam = rig.cam
    cam.set_raw("ExposureTime", 0)
    cam.execute("AcquisitionStart")  # pulse in 0: active and first free-run frame at 1
    rig.run_to(0)
    assert cam.get_raw("ResultingFrameRate") == P
    rig.run_to(1)
    assert rig.at(1).frame_start == 1
    assert (cam.ExposureActive, cam.FrameTriggerWait) == (False, True)  # read in 1
    rig.run_to(2 * P + 1)
    assert rig.cycles("frame_start") == [1, 1 + P, 1 + 2 * P]
    assert rig.cycles("exposure_active") == []


def test_frame_period_is_at_least_one_cycle(slow_camera_map):
    """A map without readout time (both sensor constants 0), ExposureTime 0, byte time 0 and the
    rate limit F = 0 enabled: every term of P is 0, P counts as 1 (docs/semantics.md). A
    SingleFrame acquisition takes one frame and is done one cycle after it."""
    rmap = slow_camera_map.with_device(constants={"SensorLineTime": 0, "SensorReadoutOverhead": 0})
    rig = Rig(rmap)
    cam = rig.cam
    for name in ("ExposureTime", "DeviceLinkThroughputLimit", "AcquisitionFrameRate"):
        cam.set_raw(name, 0)
    cam.AcquisitionFrameRateEnable = True
    cam.AcquisitionMode = "SingleFrame"
    rig.run_to(0)
    assert cam.get_raw("ResultingFrameRate") == 1
    cam.execute("AcquisitionStart")  # performed in 0, pulse in 1: active from 2
    rig.run_to(10)
    assert rig.cycles("frame_start") == [2]
    assert rig.cycles("acquisition_active") == [2]
    assert cam.EventAcquisitionDoneStatus


def test_multiplier_zero_event_driven(slow_camera_map):
    """FrequencyConverterMultiplier 0 (a raw write) owes no pulses: the converter passes the
    input edges alone (through the divider), in the event-driven mode as cycle by cycle."""
    from firmware_model.simulate import simulate

    addr = slow_camera_map.register("FC_MULTIPLIER").address
    writes = [
        (0, "LineSource", "FrequencyConverter", {"LineSelector": "Line0"}),
        (1, addr, 0),
    ]
    line1 = [(c, lv) for k in range(5) for c, lv in ((40 + 30 * k, 1), (45 + 30 * k, 0))]
    runs = [
        simulate(slow_camera_map, 300, line1=line1, writes=writes, mode=mode)
        for mode in ("event", "cycle")
    ]
    assert runs[0].edges == runs[1].edges
    # one Line0 pulse per input rise: pin -> rise 4 cycles, fc -> Line0 pin 1 cycle
    assert [c for c, v in runs[0].edges["line0_out"] if v] == [45 + 30 * k for k in range(5)]
