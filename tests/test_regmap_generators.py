"""C header and register documentation generated from the map."""

from __future__ import annotations

import subprocess

import pytest

from regmap.generators import (
    GENERATORS,
    generate_c_header,
    generate_markdown,
    write_atomic,
    write_new,
)
from tests.cc import run_program

PROGRAM = r"""
#include <stdio.h>
#include "camera.h"
int main(void) {
    printf("%u\n", (unsigned)CAMERA_TRIGGER_DELAY_ADDR(CAMERA_TRIGGER_SELECTOR_ACQUISITION_START));
    printf("%u\n", (unsigned)CAMERA_TRIGGER_CTRL_SOURCE_MASK);
    printf("%u\n", (unsigned)CAMERA_TRIGGER_CTRL_SOURCE_SHIFT);
    printf("%u\n", (unsigned)CAMERA_TRIGGER_CTRL_SOURCE_FREQUENCY_CONVERTER);
    printf("%u\n", (unsigned)CAMERA_GAMMA_ENABLE_MASK);
    printf("%u\n", (unsigned)CAMERA_LINE_CFG_ADDR(2));
    printf("%u\n", (unsigned)CAMERA_TRIGGER_DELAY_DELAY_FROM_US(250.0));
    printf("%u\n", (unsigned)CAMERA_ACQ_FRAME_PERIOD_PERIOD_FROM_HZ(2048.0));
    printf("%u\n", (unsigned)CAMERA_TRIGGER_CTRL_SOURCE_SET(0xFFFFFFFFu, 2u));
    printf("%u\n", (unsigned)CAMERA_LINE_CFG_RESET);
    printf("%u\n", (unsigned)CAMERA_SENSOR_LINE_TIME);
    printf("%u\n", (unsigned)CAMERA_LINK_THROUGHPUT_BYTE_TIME_FROM_BPS(125000000.0));
    printf("%u\n", (unsigned)CAMERA_LINK_THROUGHPUT_BYTE_TIME_TO_BPS(8192000u));
    printf("%u\n", (unsigned)CAMERA_LINK_THROUGHPUT_BYTE_TIME_TO_BPS(0u));
    printf("%u\n", (unsigned)CAMERA_WIDTH_RESET);
    return 0;
}
"""


def test_c_header_compiles_and_matches_the_map(camera_map, tmp_path):
    (tmp_path / "camera.h").write_text(generate_c_header(camera_map))
    (tmp_path / "main.c").write_text(PROGRAM)
    out = run_program(tmp_path / "main.c", tmp_path / "main", cwd=tmp_path)
    # Values read off regmap/camera.yaml by hand.
    assert out == [
        0x10114,  # TRIGGER_DELAY at 0x10104, stride 0x10, element 1
        0x70,  # TRIGGER_CTRL.source bits 6:4
        4,
        3,  # FrequencyConverter = 3
        0x8000_0000,  # GAMMA.enable bit 31
        0x10220,  # LINE_CFG at 0x10200, stride 0x10, element 2
        31_250,  # 250 µs at 125 MHz
        61_035,  # round(125e6 / 2048)
        0xFFFF_FFAF,  # source field (bits 6:4) replaced by 2
        0x1,  # Line0: LineMode = Output (1), everything else 0
        600,  # SensorLineTime
        65_536,  # 1 Gb/s = 125e6 B/s at 125 MHz: 1 cycle per byte, 2**16 in q16
        1_000_000,  # 125 cycles per byte (8_192_000 / 2**16) is 1e6 B/s
        0,  # byte time 0 (no limit) converts to 0, not a division by zero
        1280,  # WIDTH reset
    ]


def test_c_header_also_compiles_as_cpp(camera_map, tmp_path):
    (tmp_path / "camera.h").write_text(generate_c_header(camera_map))
    (tmp_path / "t.cpp").write_text('#include "camera.h"\nint main() { return 0; }\n')
    subprocess.run(["g++", "-Wall", "-Werror", "-fsyntax-only", "t.cpp"], check=True, cwd=tmp_path)


def test_generators_are_deterministic(camera_map):
    for gen in GENERATORS.values():
        assert gen.render(camera_map) == gen.render(camera_map)


def test_markdown_has_a_bit_field_table_per_register(camera_map):
    text = generate_markdown(camera_map)
    for reg in camera_map.registers:
        assert f"\n## {reg.name}\n" in text
    assert (
        "| 26:0 | delay | rw | 0 | TriggerDelay (Float, Expert) | 0 – 1e+06 us "
        "(raw 0 – 125000000, cycles) |" in text
    )
    assert (
        "| `0x00010104` | [TRIGGER_DELAY](#trigger_delay) | 2 × 16 B by TriggerSelector |" in text
    )
    assert "| Width (Integer, Beginner, locked while acquiring) | 16 – 1280, in steps of 16 |" in (
        text
    )
    assert "| 1e+06 – 1.024e+09 Bps (raw 8000 – 8192000, period_q16) |" in text


def test_write_atomic_only_rewrites_changed_files(tmp_path):
    path = tmp_path / "sub" / "x.txt"
    assert write_atomic(path, "a") is True
    mtime = path.stat().st_mtime_ns
    assert write_atomic(path, "a") is False
    assert path.stat().st_mtime_ns == mtime
    assert write_atomic(path, "b") is True
    assert path.read_text() == "b"
    assert [p.name for p in path.parent.iterdir()] == ["x.txt"]  # no temporary left behind


def test_write_new_never_replaces_a_file(tmp_path):
    path = tmp_path / "sub" / "x.txt"
    write_new(path, b"a")
    assert path.read_bytes() == b"a"
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    with pytest.raises(FileExistsError):
        write_new(path, b"b")
    assert path.read_bytes() == b"a"
    assert [p.name for p in path.parent.iterdir()] == ["x.txt"]  # no temporary left behind
