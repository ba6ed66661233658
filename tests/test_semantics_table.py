"""docs/semantics.md, "Every stored value": the table names every multi-bit writable field of the
bundled map with its bits, and every raw value of every field renders an image."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from firmware_model import CameraModel, RegisterFile
from firmware_model.render import ImageSettings, Renderer
from regmap import RegisterMap
from regmap.model import Access

DOC = Path(__file__).resolve().parents[1] / "docs" / "semantics.md"


def _table_rows() -> dict[str, str]:
    """``REGISTER.field`` -> bits column of the "Every stored value" table."""
    text = DOC.read_text()
    section = text[text.index("## Every stored value") :]
    section = section[: section.index("\n## ", 1)]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not re.match(r"[A-Z_]+\.", cells[0]):
            continue
        # "WIDTH.width, HEIGHT.height (Width, Height)" names two fields
        for name in re.findall(r"([A-Z_]+\.[a-z_]+)", cells[0].split("(")[0]):
            rows[name] = cells[1]
    return rows


def test_table_lists_every_multi_bit_writable_field(camera_map: RegisterMap) -> None:
    rows = _table_rows()
    expected = {}
    for reg in camera_map.registers:
        for f in reg.fields:
            if f.access in (Access.RW, Access.WO) and f.width > 1:
                bits = f"{f.msb}:{f.lsb}"
                expected[f"{reg.name}.{f.name}"] = bits
    # LINE_CFG.mode is 1 bit but listed: its meaning depends on the line
    rows.pop("LINE_CFG.mode")
    assert rows == expected


@pytest.mark.parametrize(
    ("word", "size"),
    [
        # Width/Height 0: the minimum 16 x 2; 0xFFFF and 0x5555: beyond the sensor
        (0, (2, 16)),
        (0xFFFF_FFFF, (1024, 1280)),
        (0x8000_0000, (2, 16)),
        (0x5555_5555, (1024, 1280)),
    ],
)
def test_every_raw_value_renders(camera_map: RegisterMap, word: int, size) -> None:
    """Every writable register holding the same raw word: the model runs, the image settings
    follow, and the renderer makes a frame of the effective size (no value raises)."""
    model = CameraModel(camera_map)
    regs = RegisterFile(camera_map, model.bank)
    for reg in camera_map.registers:
        if any(f.access in (Access.RW, Access.WO) for f in reg.fields):
            for addr in reg.addresses:
                model.bank.write(addr, word)
    model.run(20)
    settings = ImageSettings.from_registers(regs)
    frame = Renderer.for_map(camera_map).render(settings, 0, 0)
    assert (settings.height, settings.width) == size
    assert frame.pixels.shape == size
