"""The official GenICam GenApi drives the RTL: NodeMap -> port -> AXI4-Lite master -> gateware.

The NodeMap is loaded from ``generate_genicam_xml`` of the very map being simulated (the runner's
config: the slow-clock test map, 1 MHz, in the default suite) and connected through
``firmware_model.genicam_port.BusPort`` to :class:`SimBus`, a synchronous bus whose ``read`` and
``write`` are the testbench's async ``AxiBus`` accesses wrapped with ``cocotb.task.resume``.
GenApi is synchronous, so every test body runs in a thread started with ``cocotb.task.bridge``;
the simulator advances only while that thread waits in a ``resume``-d coroutine (a bus access or
a wait), and the thread runs only while the simulator waits for it.

Expectations are derived by hand from the map (cycles = round(us * clock_hz / 1e6),
period = round(clock_hz / Hz), qN = round(x * 2**N), enum values, bit positions) and checked with
raw AXI reads tagged ``raw`` in the bus log; GenApi's own accesses are tagged ``genapi``. After
each test the whole session (pin edges, every access at its cycle) is replayed on the firmware
model, which must produce the same output edges and read data.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cocotb
from cocotb.task import bridge, resume
from genicam import genapi

from firmware_model.genicam_port import connect_bus
from regmap import Access, Field, Register, RegisterMap
from regmap.generators.genicam import generate_genicam_xml

from .cosim import replay
from .genicam_plan import (
    command_features,
    event_features,
    hand_raw,
    raw_to_value,
    read_only_features,
    rw_features,
    values_to_write,
)
from .scenario import reset_image_period
from .scoreboard import first_mismatch, format_edges
from .testbench import CameraTB, start_tb

__all__ = [
    "GenApiHost",
    "SimBus",
    "command_features",
    "event_features",
    "read_only_features",
    "rw_features",
]


# -- the bridge -----------------------------------------------------------------------------
class SimBus:
    """A synchronous firmware-model ``Bus`` over the testbench's AXI master.

    Only callable from a thread started with ``cocotb.task.bridge``: each access blocks the thread
    while the simulator performs it. Accesses are logged in ``tb.bus.log`` with ``tag``.
    """

    def __init__(self, tb: CameraTB, tag: str) -> None:
        self.tb = tb
        self.tag = tag
        self._read = resume(self._aread)
        self._write = resume(self._awrite)

    async def _aread(self, addr: int) -> int:
        self.tb.bus.tag = self.tag
        return await self.tb.bus.read(addr)

    async def _awrite(self, addr: int, value: int, strobe: int) -> None:
        self.tb.bus.tag = self.tag
        await self.tb.bus.write(addr, value, strobe)

    def read(self, addr: int) -> int:
        return self._read(addr)

    def write(self, addr: int, value: int, strobe: int = 0xF) -> None:
        self._write(addr, value, strobe)


class GenApiHost:
    """A GenApi NodeMap of the simulated map, connected to the RTL; use from a bridge thread."""

    def __init__(self, tb: CameraTB) -> None:
        self.tb = tb
        self.rmap: RegisterMap = tb.rmap
        self.clock = tb.rmap.device.clock_hz
        self.xml = generate_genicam_xml(tb.rmap)
        self.nodemap = genapi.NodeMap()
        self.nodemap.load_xml_from_string(self.xml)
        self.bus = SimBus(tb, "genapi")
        self.raw_bus = SimBus(tb, "raw")
        self.port = connect_bus(self.nodemap, self.bus)  # GenApi does not own the port
        self._wait = resume(tb.cycles)
        self._set_pin = resume(self._aset_pin)
        self._get_pin = resume(self._aget_pin)

    # -- GenApi side
    def node(self, name: str):
        return self.nodemap.get_node(name)

    def fresh(self, name: str):
        """A feature's value read from the device, bypassing GenApi's cache."""
        return self.node(name).get_value(verify=False, ignore_cache=True)

    def select(self, reg: Register, index: int) -> None:
        if reg.array is not None:
            sel = self.rmap.selector(reg.array.selector)
            self.node(sel.name).value = sel.values[index].name

    def genapi_accesses(self, start: int, kind: str | None = None) -> list:
        """GenApi's bus accesses logged since log index ``start`` (``kind`` "r"/"w" or both)."""
        return [
            a
            for a in self.tb.bus.log[start:]
            if a.tag == "genapi" and (kind is None or a.kind == kind)
        ]

    # -- raw side
    def word(self, addr: int) -> int:
        return self.raw_bus.read(addr)

    def raw(self, reg: Register, f: Field, index: int = 0) -> int:
        return (self.word(reg.address_of(index)) & f.mask) >> f.lsb

    def snapshot(self) -> dict[int, int]:
        """Raw words of every software-owned register (no hardware-driven bits)."""
        return {
            reg.address_of(i): self.word(reg.address_of(i))
            for reg in self.rmap.registers
            if all(f.access in (Access.RW, Access.WO, Access.PULSE) for f in reg.fields)
            for i in range(reg.count)
        }

    # -- simulation side
    def wait(self, cycles: int) -> None:
        self._wait(cycles)

    def cycle(self) -> int:
        return self.tb.cycle()

    async def _aset_pin(self, name: str, level: int) -> None:
        """Drive an input from the next cycle on (recorded in ``tb.stimulus`` for the replay)."""
        cycle = self.tb.cycle() + 1
        self.tb.drive(name, [(cycle, level)])
        await self.tb.until_cycle(cycle, 0.5)

    async def _aget_pin(self, name: str) -> int:
        return int(getattr(self.tb.dut, name).value)

    def set_pin(self, name: str, level: int) -> None:
        self._set_pin(name, level)

    def pin(self, name: str) -> int:
        return self._get_pin(name)

    def rises(self, signal: str = "frame_start") -> list[int]:
        """Cycles in which a monitored output rose."""
        return [c for c, v in self.tb.monitors[signal].edges() if v == 1]


async def run_host(dut, body: Callable[[GenApiHost], None]) -> CameraTB:
    """Start the testbench, run ``body(host)`` in a GenApi thread (``cocotb.task.bridge``), then
    replay the session (pin edges and every bus access at its cycle) on the firmware model and
    require the same output edges and the same data for every read."""
    tb = await start_tb(dut)

    @bridge
    def in_thread() -> None:
        host = GenApiHost(tb)
        body(host)

    await in_thread()
    end = tb.cycle() + 2
    await tb.until_cycle(end)
    rtl = tb.edges(end)
    model, bus_mismatch, _ = replay(tb.rmap, tb.stimulus, tb.bus.log, end)
    assert bus_mismatch is None, f"RTL and model differ on a bus access: {bus_mismatch}"
    mismatch = first_mismatch(model, rtl)
    if mismatch is not None:
        around = min(x[0] for x in (mismatch.expected, mismatch.actual) if x is not None)
        raise AssertionError(
            f"RTL and model differ: {mismatch}\n"
            f"  model {mismatch.signal}: {format_edges(model[mismatch.signal], around)}\n"
            f"  RTL   {mismatch.signal}: {format_edges(rtl[mismatch.signal], around)}"
        )
    by_genapi = sum(a.tag == "genapi" for a in tb.bus.log)
    dut._log.info(
        "%d cycles, %d bus accesses (%d by GenApi), RTL == model", end, len(tb.bus.log), by_genapi
    )
    return tb


# -- read-back tolerance --------------------------------------------------------------------
def close(got, want, clock: int, f: Field) -> bool:
    """Equal, or within one raw step for converted (Float) features."""
    kind = f.scale.kind
    if kind == "cycles":
        return math.isclose(got, want, abs_tol=1e6 / clock)
    if kind == "period":
        return math.isclose(got, want, abs_tol=want * want / clock)
    if kind == "fixed":
        return math.isclose(got, want, abs_tol=2.0**-f.scale.frac_bits)
    return got == want


# -- tests ----------------------------------------------------------------------------------
@cocotb.test()
async def genicam_rw_features_round_trip(dut):
    """Every writable feature, every selector value, at min/max/middle or each enum entry."""
    checked: list[tuple[str, int, object]] = []

    def body(h: GenApiHost) -> None:
        rmap, clock = h.rmap, h.clock
        for name in rw_features(rmap):
            reg, f = rmap.feature(name)
            node = h.node(name)
            before_feature = h.snapshot()
            for index in range(reg.count):
                h.select(reg, index)
                addr = reg.address_of(index)
                for value in values_to_write(f):
                    word_before = h.word(addr)
                    start = len(h.tb.bus.log)
                    node.value = value
                    writes = h.genapi_accesses(start, "w")
                    assert [w.addr for w in writes] == [addr], (name, index, value, writes)
                    assert all(w.ok for w in writes)
                    word = h.word(addr)
                    want = hand_raw(clock, f, value)
                    got = (word & f.mask) >> f.lsb
                    assert got == want, f"{name}[{index}] = {value!r}: raw {got}, want {want}"
                    assert word & ~f.mask == word_before & ~f.mask, (name, index, value)
                    back = h.fresh(name)
                    assert close(back, value, clock, f), (name, index, value, back)
                    checked.append((name, index, value))
            # Only this feature's register elements changed.
            after = h.snapshot()
            own = {reg.address_of(i) for i in range(reg.count)}
            assert {a: v for a, v in after.items() if a not in own} == {
                a: v for a, v in before_feature.items() if a not in own
            }, name

    tb = await run_host(dut, body)
    names = {n for n, _, _ in checked}
    assert names == set(rw_features(tb.rmap))
    dut._log.info("GenApi round trip: %d writes of %d features", len(checked), len(names))


@cocotb.test()
async def genicam_hand_derived_registers(dut):
    """Spot values derived by hand: addresses, strides, bit positions, units at the sim clock."""

    def body(h: GenApiHost) -> None:
        clock = h.clock
        cyc = lambda us: round(us * clock / 1_000_000)  # noqa: E731
        h.node("TriggerSelector").value = "FrameStart"
        h.node("TriggerDelay").value = 250.0
        assert h.word(0x10104) == cyc(250)  # 250 cycles at 1 MHz
        h.node("TriggerSelector").value = "AcquisitionStart"
        assert h.fresh("TriggerDelay") == 0.0
        h.node("TriggerDelay").value = 17.0
        assert h.word(0x10114) == cyc(17)  # + stride 0x10
        assert h.word(0x10104) == cyc(250)
        h.node("TriggerSelector").value = "FrameStart"
        assert h.fresh("TriggerDelay") == 250.0
        h.node("ExposureTime").value = 10.0
        assert h.word(0x10010) == cyc(10)
        h.node("AcquisitionFrameRate").value = 100.0
        assert h.word(0x10014) == round(clock / 100)
        h.node("LineSelector").value = "Line2"
        h.node("LineDebouncerTime").value = 1500.0
        assert h.word(0x10224) == cyc(1500)
        h.node("BalanceRatioSelector").value = "Blue"
        h.node("BalanceRatio").value = 1.5  # Q8
        assert h.word(0x10618) == 384
        assert h.word(0x10620) == 0x0001_0000  # Gamma 1.0 in Q16, GammaEnable 0
        h.node("GammaEnable").value = True  # RTL bit 31 = GenApi bit 0
        h.node("Gamma").value = 0.5
        assert h.word(0x10620) == 0x8000_8000
        h.node("TriggerMode").value = "On"  # RTL bit 0 of the FrameStart element
        assert h.word(0x10100) == 0x11  # TriggerSource reset Line1 in bits 6:4
        h.node("TriggerSelector").value = "AcquisitionStart"
        h.node("TriggerSource").value = "FrequencyConverter"
        assert h.word(0x10110) == 0x30
        assert h.word(0x10100) == 0x11
        # ResultingFrameRate = clock / max(E, R, F if enabled), computed by the gateware.
        readout = reset_image_period(h.rmap)
        for exposure_us, enable in ((10.0, False), (10.0, True), (20_000.0, False)):
            h.node("ExposureTime").value = exposure_us
            h.node("AcquisitionFrameRateEnable").value = enable
            period = max(cyc(exposure_us), readout, round(clock / 100) if enable else 0)
            assert h.word(0x10018) == period, (exposure_us, enable)
            assert math.isclose(h.fresh("ResultingFrameRate"), clock / period)

    await run_host(dut, body)


OUT_OF_RANGE = (
    ("TriggerDelay", 1_000_000.5),
    ("TriggerDelay", -1.0),
    ("ExposureTime", 9.9),
    ("AcquisitionFrameRate", 10_001.0),
    ("AcquisitionFrameRate", 0.5),
    ("AcquisitionFrameCount", 0),
    ("AcquisitionFrameCount", 256),
    ("BlackLevel", 256),
    ("DigitalShift", 5),
    ("FrequencyConverterMultiplier", 0),
    ("FrequencyConverterDivider", 65536),
    ("BalanceRatio", 15.01),
    ("Gamma", 4.0),
    ("LineDebouncerTime", 8000.5),
)


@cocotb.test()
async def genicam_rejected_writes_never_reach_the_bus(dut):
    """Out-of-range values, unknown entries, locked and read-only features: no bus write."""

    def body(h: GenApiHost) -> None:
        before = h.snapshot()
        start = len(h.tb.bus.log)
        for name, value in OUT_OF_RANGE:
            try:
                h.node(name).value = value
            except genapi.OutOfRangeException:
                pass
            else:
                raise AssertionError(f"GenApi accepted {name} = {value!r}")
        for name, value, exc in (
            ("TestPattern", "Bogus", genapi.InvalidArgumentException),
            ("FrameCount", 1, genapi.AccessException),
            ("LineStatusAll", 7, genapi.AccessException),
        ):
            try:
                h.node(name).value = value
            except exc:
                pass
            else:
                raise AssertionError(f"GenApi accepted {name} = {value!r}")
        h.node("TLParamsLocked").value = 1
        try:
            h.node("AcquisitionMode").value = "SingleFrame"
        except genapi.AccessException:
            pass
        else:
            raise AssertionError("AcquisitionMode written while TLParamsLocked")
        assert h.genapi_accesses(start) == []  # not even a read
        assert h.snapshot() == before
        h.node("TLParamsLocked").value = 0
        h.node("AcquisitionMode").value = "SingleFrame"
        assert h.word(0x10000) & 0b11 == 0
        # The edge values themselves are accepted and reach the RTL.
        h.node("FrequencyConverterDivider").value = 65535
        h.node("LineSelector").value = "Line1"
        h.node("LineDebouncerTime").value = 8000.0
        assert h.word(0x10408) == 65535
        assert h.word(0x10214) == round(8000 * h.clock / 1e6)

    await run_host(dut, body)


@cocotb.test()
async def genicam_read_only_features_follow_the_rtl(dut):
    """Read-only features at every selector value equal the raw registers and the pins."""

    def body(h: GenApiHost) -> None:
        rmap, clock = h.rmap, h.clock

        def check_all(expected: dict[tuple[str, int], object]) -> None:
            for name in read_only_features(rmap):
                reg, f = rmap.feature(name)
                for index in range(reg.count):
                    h.select(reg, index)
                    start = len(h.tb.bus.log)
                    got = h.node(name).value  # NoCache: a plain read goes to the RTL
                    reads = h.genapi_accesses(start, "r")
                    assert reg.address_of(index) in [a.addr for a in reads], (name, index)
                    raw = h.raw(reg, f, index)
                    assert close(got, raw_to_value(clock, f, raw), clock, f), (name, index)
                    if (name, index) in expected:
                        assert got == expected[name, index], (name, index, got)

        # After reset: idle, counters zero, every line low (Line0 drives 0).
        idle = {(n, 0): 0 for n in ("FrameCount", "TriggerLostCount", "OvertriggerCount")}
        idle.update({(n, 0): False for n in ("AcquisitionActive", "FrameTriggerWait")})
        idle.update({("LineStatus", i): False for i in range(3)})
        idle[("LineStatusAll", 0)] = 0
        check_all(idle)
        # Inputs high (debouncer 0: y follows 2 sync + 1 cycles later), Line0 inverted.
        h.set_pin("line1_in", 1)
        h.set_pin("line2_i", 1)
        h.node("LineSelector").value = "Line0"
        h.node("LineInverter").value = True
        h.wait(6)
        assert h.pin("line0_out") == 1
        check_all({("LineStatus", i): True for i in range(3)} | {("LineStatusAll", 0): 0b111})
        h.node("LineSelector").value = "Line1"
        h.node("LineInverter").value = True  # Line1 now reads low
        h.wait(6)
        check_all({("LineStatus", 1): False, ("LineStatusAll", 0): 0b101})
        h.node("LineSelector").value = "Line2"
        h.node("LineMode").value = "Output"  # LineStatus = driven level: LineSource Off -> 0
        h.wait(4)
        assert (h.pin("line2_oe"), h.pin("line2_o")) == (1, 0)
        check_all({("LineStatus", 2): False, ("LineStatusAll", 0): 0b001})
        h.node("UserOutputSelector").value = "UserOutput2"
        h.node("UserOutputValue").value = True
        h.node("LineSource").value = "UserOutput2"
        h.wait(4)
        assert h.pin("line2_o") == 1
        check_all({("LineStatus", 2): True, ("LineStatusAll", 0): 0b101})

    await run_host(dut, body)


@cocotb.test()
async def genicam_software_trigger_acquisition(dut):
    """TriggerMode On, Software, AcquisitionStart, TriggerSoftware -> frame_start; counters."""

    def body(h: GenApiHost) -> None:
        clock, readout = h.clock, reset_image_period(h.rmap)
        cyc = lambda us: round(us * clock / 1_000_000)  # noqa: E731
        n = h.node
        n("ExposureTime").value = 10.0
        period = max(cyc(10.0), readout)
        n("AcquisitionMode").value = "Continuous"
        n("TriggerSelector").value = "FrameStart"
        n("TriggerMode").value = "On"
        n("TriggerSource").value = "Software"
        n("LineSelector").value = "Line0"
        n("LineSource").value = "ExposureActive"
        assert h.word(0x10100) == 0x01  # mode On, source Software (0)
        assert n("AcquisitionActive").value is False
        n("AcquisitionStart").execute()
        assert n("AcquisitionActive").value is True
        assert n("FrameTriggerWait").value is True
        assert h.pin("acquisition_active") == 1
        assert h.word(0x10000) & 0x30 == 0  # pulse bits read 0

        def fire() -> int:
            """TriggerSoftware through GenApi; returns the cycle its write was performed."""
            start = len(h.tb.bus.log)
            n("TriggerSoftware").execute()
            writes = h.genapi_accesses(start, "w")
            assert [(w.addr, w.value & (1 << 12)) for w in writes] == [(0x10100, 1 << 12)]
            return writes[0].cycle

        frames = []
        for k, delay_us in enumerate((0.0, 0.0, 7.0, 30.0)):
            n("TriggerDelay").value = delay_us
            count = n("FrameCount").value
            t = fire()
            h.wait(period + cyc(delay_us) + 2)
            frames.append(t + 1 + cyc(delay_us))  # docs/semantics.md: t + 1 + D
            assert h.rises() == frames, (k, h.rises(), frames)
            assert n("FrameCount").value == count + 1 == k + 1
        # Line0 = ExposureActive, one register later: high E cycles from each frame start + 1.
        assert h.rises("line0_out") == [f + 1 for f in frames]
        assert n("ExposureActive").value is False
        # Two triggers closer than P: the second is an overtrigger.
        n("TriggerDelay").value = 0.0
        t1 = fire()
        t2 = fire()
        assert t2 + 1 - (t1 + 1) < period
        h.wait(period + 2)
        frames.append(t1 + 1)
        assert h.rises() == frames
        assert n("FrameCount").value == len(frames)
        assert n("OvertriggerCount").value == 1
        assert n("EventOvertriggerStatus").value is True
        start = len(h.tb.bus.log)
        n("EventOvertriggerStatus").value = True  # write 1 to clear, only that bit
        assert [(w.addr, w.value) for w in h.genapi_accesses(start, "w")] == [(0x10510, 0b001)]
        assert h.word(0x10510) & 1 == 0
        assert n("EventOvertriggerStatus").value is False
        # Delay FIFO (depth K) full: K + 2 software triggers within the delay, 2 lost.
        depth = h.rmap.constant("TriggerFifoDepth")
        n("TriggerDelay").value = 200.0
        delay = cyc(200.0)
        frames_before = n("FrameCount").value
        over_before = n("OvertriggerCount").value
        times = [fire() for _ in range(depth + 2)]
        assert times[-1] - times[0] < delay
        assert n("TriggerLostCount").value == 2
        assert n("EventTriggerLostStatus").value is True
        n("EventTriggerLostStatus").value = True
        assert n("EventTriggerLostStatus").value is False
        # The K kept triggers leave in order at t + 1 + D (one per cycle at most); each one
        # finding the camera not waiting (within P of the last frame) is an overtrigger.
        h.wait(delay + period + 2)
        release, last = [], None
        for t in times[:depth]:
            release.append(max(t + 1 + delay, release[-1] + 1 if release else 0))
        accepted = []
        for r in release:
            if last is None or r - last >= period:
                accepted.append(r)
                last = r
        frames += accepted
        assert h.rises() == frames
        assert n("FrameCount").value == frames_before + len(accepted)
        assert n("OvertriggerCount").value == over_before + depth - len(accepted)
        # CounterReset zeroes the three counters.
        n("CounterReset").execute()
        counters = ("FrameCount", "TriggerLostCount", "OvertriggerCount")
        assert [n(c).value for c in counters] == [0, 0, 0]
        assert [h.word(a) for a in (0x10500, 0x10504, 0x10508)] == [0, 0, 0]
        # AcquisitionStop with no frame in progress: inactive from the next cycle.
        n("AcquisitionStop").execute()
        h.wait(period + 2)
        assert n("AcquisitionActive").value is False
        assert h.pin("acquisition_active") == 0

    await run_host(dut, body)


@cocotb.test()
async def genicam_acquisition_start_trigger_and_single_frame(dut):
    """AcquisitionStart selector's TriggerSoftware starts the acquisition; SingleFrame is done."""

    def body(h: GenApiHost) -> None:
        readout = reset_image_period(h.rmap)
        n = h.node
        n("ExposureTime").value = 10.0
        period = max(round(10 * h.clock / 1e6), readout)
        n("AcquisitionMode").value = "SingleFrame"
        n("TriggerSelector").value = "AcquisitionStart"
        n("TriggerMode").value = "On"
        n("TriggerSource").value = "Software"
        assert h.word(0x10110) == 0x01
        n("AcquisitionStart").execute()
        h.wait(3)
        assert n("AcquisitionActive").value is False  # armed, waiting for its trigger
        start = len(h.tb.bus.log)
        n("TriggerSoftware").execute()  # the AcquisitionStart element
        assert [(w.addr, w.value) for w in h.genapi_accesses(start, "w")] == [
            (0x10110, 0x01 | 1 << 12)
        ]
        h.wait(2)
        assert n("AcquisitionActive").value is True
        # FrameStart trigger Off: free run, SingleFrame -> one frame, then done.
        h.wait(2 * period)
        assert len(h.rises()) == 1
        assert n("FrameCount").value == 1
        assert n("AcquisitionActive").value is False
        assert n("EventAcquisitionDoneStatus").value is True
        n("EventAcquisitionDoneStatus").value = True
        assert h.word(0x10510) == 0
        # The converter's registers also take commands through GenApi: a Line1 edge via the
        # FrequencyConverter as FrameStart source, in MultiFrame mode with 2 frames.
        n("AcquisitionMode").value = "MultiFrame"
        n("AcquisitionFrameCount").value = 2
        n("TriggerMode").value = "Off"  # AcquisitionStart selector
        n("TriggerSelector").value = "FrameStart"
        n("TriggerMode").value = "On"
        n("TriggerSource").value = "FrequencyConverter"
        n("FrequencyConverterSelector").value = "FrequencyConverter0"
        n("FrequencyConverterInputSource").value = "Line1"
        n("AcquisitionStart").execute()
        for _ in range(2):
            h.set_pin("line1_in", 1)
            h.wait(5)
            h.set_pin("line1_in", 0)
            h.wait(period + 2)
        assert len(h.rises()) == 3
        assert n("FrameCount").value == 3
        assert n("AcquisitionActive").value is False
        assert n("EventAcquisitionDoneStatus").value is True

    await run_host(dut, body)
