"""The generated XML in Aravis, the most used open GenICam client on Linux.

Aravis' reference device, ``arv-fake-gv-camera-0.8``, serves a given XML (``-g FILE``) over
GVCP and keeps every register below 0x10000 in plain memory (the XML itself is mapped from
0x10000). The camera's registers are therefore moved down by a fixed offset, so that they land
in that memory above the GigE Vision bootstrap (0xA000); bootstrap registers are the fake
camera's own. The fake camera and every ``arv-tool-0.8`` run in a network namespace holding
only ``lo`` (tests/netns.py): Aravis never sees another interface.

Both the camera's map and the encoder test map (tests/data/genicam/encoder.yaml: another clock,
nested categories, an 8-byte selector stride) are served in turn. Checked: Aravis loads the XML,
adds no stand-in of its own for a standard feature, prints no warning at warning level while it
reads every feature, writes every enum and selector entry by its name (the register gets the
entry's value), writes every number, boolean and event bit in every selected element to the
raw value derived by hand (its formula evaluator rounds ties to even like the register map),
executes every command, and reads a period register holding 0 without an error.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from regmap import Interface, RegisterMap, load
from regmap.generators.genicam import generate_genicam_xml
from sim.genicam_plan import hand_raw, values_to_write
from tests.test_genicam import ENCODER_YAML, GEV_FEATURES

ROOT = Path(__file__).resolve().parent.parent
FAKE = "arv-fake-gv-camera-0.8"
TOOL = "arv-tool-0.8"
SERIAL = "TWIN0001"
FAKE_MEMORY_END = 0x10000  # the fake camera's register memory; its XML is mapped above
MANUFACTURER_START = 0xA000  # GigE Vision: the manufacturer's registers start here

pytestmark = pytest.mark.usefixtures("module_netns")


def relocated(rmap: RegisterMap) -> RegisterMap:
    """The map with its registers moved down to start at 0xA000, inside the fake camera."""
    low = min(r.address for r in rmap.registers)
    moved = replace(
        rmap,
        registers=tuple(
            replace(r, address=r.address - low + MANUFACTURER_START) for r in rmap.registers
        ),
    )
    top = max(a for r in moved.registers for a in r.addresses)
    assert top + 4 <= FAKE_MEMORY_END, f"the map does not fit the fake camera (0x{top:X})"
    return moved


def arv_tool(*args: str, debug: str = "all:1") -> subprocess.CompletedProcess:
    """Run arv-tool against the fake camera on 127.0.0.1 (inside the module's namespace), with
    Aravis' range checks on: a write outside a feature's Min/Max is an error."""
    env = dict(os.environ, ARV_DEBUG=debug)
    return subprocess.run(
        [TOOL, "--range-check=enable", "-a", "127.0.0.1", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def warnings(result: subprocess.CompletedProcess) -> list[str]:
    """Aravis' warning lines (marked 🆆) and its error messages."""
    lines = (result.stdout + result.stderr).splitlines()
    return [ln for ln in lines if "🆆" in ln or re.search(r"\berror\b", ln, re.IGNORECASE)]


MAPS = {"camera": ROOT / "regmap" / "camera.yaml", "encoder": ENCODER_YAML}


@contextlib.contextmanager
def served(path: Path, tmp_path_factory) -> Iterator[RegisterMap]:
    """The fake camera serving the relocated map's XML, its registers at their reset values."""
    assert shutil.which(FAKE) and shutil.which(TOOL), "Aravis tools missing: scripts/bootstrap.sh"
    moved = relocated(load(path))
    path = tmp_path_factory.mktemp("aravis") / f"{moved.stem}.xml"
    path.write_text(generate_genicam_xml(moved), encoding="utf-8")
    log = path.with_suffix(".log").open("w")
    proc = subprocess.Popen(
        [FAKE, "-i", "127.0.0.1", "-s", SERIAL, "-g", str(path)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while (
            "DeviceSerialNumber = " + SERIAL not in arv_tool("control", "DeviceSerialNumber").stdout
        ):
            assert proc.poll() is None, f"{FAKE} exited with {proc.returncode}"
            assert time.monotonic() < deadline, f"{FAKE} did not answer on 127.0.0.1"
            time.sleep(0.2)
        # The fake camera's memory starts at 0: load the map's reset values, as the device has.
        resets = [
            f"R[0x{reg.address_of(i):X}]=0x{reg.reset_value(i):X}"
            for reg in moved.registers
            for i in range(reg.count)
        ]
        result = arv_tool("control", *resets)
        assert warnings(result) == []
        yield moved
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module", params=list(MAPS))
def rmap(request, tmp_path_factory):
    """The fake camera serving a relocated map's XML, its registers at their reset values."""
    with served(MAPS[request.param], tmp_path_factory) as moved:
        yield moved


def register_word(output: str, address: int) -> list[int]:
    """The words arv-tool printed for reads of ``R[address]``, in order."""
    return [
        int(w, 16)
        for w in re.findall(rf"^R\[0x{address:08x}\] = (0x[0-9a-f]+)$", output, re.MULTILINE)
    ]


def printed_value(output: str, name: str) -> list[str]:
    """The values arv-tool printed for feature ``name`` (after a write, or a read), in order."""
    return re.findall(rf"^{name} = (\S+)", output, re.MULTILINE)


def test_aravis_adds_no_stand_in_for_a_standard_feature(rmap):
    result = arv_tool("features", debug="genicam:3")
    added = re.findall(r"\[Gc::set_default_node_data\] Add '(\w+)'", result.stderr + result.stdout)
    assert added  # Aravis always adds its private ArvGev* nodes
    assert [name for name in added if not name.startswith("Arv")] == []


def test_aravis_lists_every_feature(rmap):
    result = arv_tool("features")
    assert warnings(result) == []
    listed = set(re.findall(r"^\s*\w+\s*: \[\w+\] '(\w+)'", result.stdout, re.MULTILINE))
    expected = set(rmap.features) | {s.name for s in rmap.selectors}
    expected |= set(GEV_FEATURES) | {"TLParamsLocked"}
    assert listed == expected


def test_aravis_reads_every_feature_without_a_warning(rmap):
    result = arv_tool("values")
    assert warnings(result) == []
    for name in rmap.features:
        if rmap.feature(name)[1].access.readable:
            assert re.search(rf"'{name}' = ", result.stdout), name
    assert f"'DeviceSerialNumber' = '{SERIAL}'" in result.stdout


def _enum_writes(rmap: RegisterMap) -> list[tuple[list[str], str, str, int, int]]:
    """Per enum feature: (selector resets, feature, entry, register address, field value)."""
    plan = []
    for name, (reg, f) in rmap.features.items():
        if f.feature.interface is not Interface.ENUMERATION or not f.access.writable:
            continue
        pre = []
        if reg.array is not None:  # element 0 of the selected array
            sel = rmap.selector(reg.array.selector)
            pre = [f"{sel.name}={sel.values[0].name}"]
        for e in f.enum:
            plan.append((pre, name, e.name, reg.address, e.value))
    return plan


def test_aravis_writes_every_enum_entry_by_name(rmap):
    plan = _enum_writes(rmap)
    args = []
    for pre, name, entry, address, _ in plan:
        args += [*pre, f"{name}={entry}", f"R[0x{address:X}]"]
    result = arv_tool("control", *args)
    assert warnings(result) == []
    out = result.stdout.splitlines()
    # arv-tool prints the value after each write and the register word after each read.
    values = [ln for ln in out if not ln.startswith("R[") and " = " in ln]
    words = [int(ln.split(" = ")[1], 16) for ln in out if ln.startswith("R[")]
    for (_, name, entry, _, raw), word in zip(plan, words, strict=True):
        assert f"{name} = {entry}" in values, (name, entry)
        _, f = rmap.feature(name)
        assert (word & f.mask) >> f.lsb == raw, (name, entry)


def test_aravis_writes_every_selector_entry_by_name(rmap):
    args = [f"{s.name}={v.name}" for s in rmap.selectors for v in s.values]
    result = arv_tool("control", *args)
    assert warnings(result) == []
    for s in rmap.selectors:
        for v in s.values:
            assert f"{s.name} = {v.name}" in result.stdout


def _select(rmap: RegisterMap, name: str, index: int = 0) -> list[str]:
    """arv-tool arguments selecting element ``index`` of the register array behind ``name``."""
    reg, _ = rmap.feature(name)
    if reg.array is None:
        return []
    sel = rmap.selector(reg.array.selector)
    return [f"{sel.name}={sel.values[index].name}"]


def test_aravis_reads_a_period_of_zero(rmap):
    periods = [n for n, (_, f) in rmap.features.items() if f.scale.kind == "period"]
    assert periods
    for name in periods:
        reg, f = rmap.feature(name)
        result = arv_tool("control", *_select(rmap, name), f"R[0x{reg.address:X}]=0", name)
        assert warnings(result) == []
        # A period of 0 reads as one raw count: clock_hz * 2^N / 1, the fastest rate.
        (got,) = printed_value(result.stdout, name)
        assert float(got) == pytest.approx(rmap.clock_hz * 2**f.scale.frac_bits, rel=1e-5), name
        arv_tool("control", f"R[0x{reg.address:X}]=0x{reg.reset_value():X}")


def _arg(value) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def test_aravis_writes_every_feature_like_the_register_map(rmap):
    """Every writable number, boolean and event bit, in every selected element: Aravis writes the
    raw value derived by hand (its formula evaluator rounds ties to even like the register map)."""
    plan = []
    for name, (reg, f) in rmap.features.items():
        kind = f.feature.interface
        if not f.access.writable or kind in (Interface.COMMAND, Interface.ENUMERATION):
            continue
        values = list(values_to_write(f))  # min, max, a middle value (on the Inc grid); booleans
        if name == "EncoderScale":  # Q4: 2040.5 and 2041.5 counts, ties to the even count
            values += [127.53125, 127.59375]
        plan += [(name, reg, f, i, v) for i in range(reg.count) for v in values]
    args = []
    for name, reg, _, i, value in plan:
        args += [*_select(rmap, name, i), f"{name}={_arg(value)}", f"R[0x{reg.address_of(i):X}]"]
    result = arv_tool("control", *args)
    assert warnings(result) == []
    words: dict[int, list[int]] = {}
    for name, reg, f, i, value in plan:
        address = reg.address_of(i)
        words.setdefault(address, register_word(result.stdout, address))
        word = words[address].pop(0)
        assert (word & f.mask) >> f.lsb == hand_raw(rmap.clock_hz, f, value), (name, i, value)
    reset_registers(rmap)


def test_aravis_executes_every_command_in_every_element(rmap):
    plan = [
        (name, reg, f, i)
        for name, (reg, f) in rmap.features.items()
        if f.feature.interface is Interface.COMMAND
        for i in range(reg.count)
    ]
    assert plan
    args = []
    for name, reg, _, i in plan:
        args += [*_select(rmap, name, i), name, f"R[0x{reg.address_of(i):X}]"]
    result = arv_tool("control", *args)
    assert warnings(result) == []
    assert result.stdout.count(" executed") == len(plan)
    words: dict[int, list[int]] = {}
    for name, reg, f, i in plan:
        # The fake camera's memory keeps the written word: the command's bit is set in it.
        address = reg.address_of(i)
        words.setdefault(address, register_word(result.stdout, address))
        assert words[address].pop(0) & f.mask == f.mask, (name, i)
    reset_registers(rmap)


def reset_registers(rmap: RegisterMap) -> None:
    """Every register of the fake camera back to the map's reset value, selectors to element 0."""
    resets = [
        f"R[0x{reg.address_of(i):X}]=0x{reg.reset_value(i):X}"
        for reg in rmap.registers
        for i in range(reg.count)
    ]
    selectors = [f"{s.name}={s.values[0].name}" for s in rmap.selectors]
    assert warnings(arv_tool("control", *resets, *selectors)) == []


@pytest.mark.parametrize("rmap", ["camera"], indirect=True)
def test_aravis_writes_image_format_features(rmap):
    width, _ = rmap.feature("Width")
    link, _ = rmap.feature("DeviceLinkThroughputLimit")
    result = arv_tool(
        "control",
        "Width=640",
        f"R[0x{width.address:X}]",
        "DeviceLinkThroughputLimit=1e9",
        f"R[0x{link.address:X}]",
        f"R[0x{link.address:X}]=0",
        "DeviceLinkThroughputLimit",
        f"R[0x{link.address:X}]=0x{link.reset_value():X}",
        f"R[0x{width.address:X}]=0x{width.reset_value():X}",
    )
    assert warnings(result) == []
    words = [
        int(w, 16) for w in re.findall(r"^R\[0x[0-9a-f]+\] = (0x[0-9a-f]+)", result.stdout, re.M)
    ]
    assert words[:2] == [640, 8192]  # 125e6 * 2**16 / 1e9 cycles per byte, q16
    assert re.search(r"^DeviceLinkThroughputLimit = 8\.192e\+12 Bps", result.stdout, re.M)


@pytest.mark.parametrize("rmap", ["camera"], indirect=True)
def test_aravis_rejects_values_outside_the_limits(rmap):
    exposure, _ = rmap.feature("ExposureTime")
    width, _ = rmap.feature("Width")
    result = arv_tool(
        "control",
        "ExposureTime=9.9",  # Min 10 us
        "Width=1296",  # Max 1280
        "GevSCPSPacketSize=9004",  # Max 9000
        f"R[0x{exposure.address:X}]",
        f"R[0x{width.address:X}]",
    )
    assert len([ln for ln in result.stdout.splitlines() if "error" in ln]) == 3
    assert register_word(result.stdout, exposure.address) == [exposure.reset_value()]
    assert register_word(result.stdout, width.address) == [width.reset_value()]


def test_aravis_writes_the_standard_features(rmap):
    result = arv_tool(
        "control",
        "DeviceUserID=bench-3",
        "DeviceUserID",
        "GevSCPSPacketSize=8192",
        "R[0xD04]",
        "GevTimestampControlLatch",
        "DeviceTLType",
    )
    assert warnings(result) == []
    assert "DeviceUserID = bench-3" in result.stdout
    word = re.search(r"^R\[0x00000d04\] = (0x[0-9a-f]+)", result.stdout, re.MULTILINE)
    assert int(word.group(1), 16) & 0xFFFF == 8192
    assert "GevTimestampControlLatch executed" in result.stdout
    assert "DeviceTLType = GigEVision" in result.stdout
