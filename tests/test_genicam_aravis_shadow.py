"""A write-only feature sharing a register, in Aravis (tests/test_genicam_aravis.py serves the
camera and encoder maps; this module serves tests/data/genicam/shadow.yaml, alone, in a network
namespace holding only ``lo``)."""

from __future__ import annotations

import re

import pytest

from tests.test_genicam import SHADOW_YAML
from tests.test_genicam_aravis import arv_tool, register_word, served, warnings

pytestmark = pytest.mark.usefixtures("module_netns")


def test_aravis_writes_a_write_only_field_but_not_its_copy(tmp_path_factory):
    """MIX (tests/data/genicam/shadow.yaml): a 7:0 rw, w 15:8 wo (reset 3), v 19:16 wo without a
    feature (reset 2), c 20 w1c, p 21 pulse, t 31:24 wo. Aravis writes the wo feature W into its
    bits, and the others as read (the wo bits read 0); it skips ``pValueCopy``, so a later write
    of A writes W's reset value back, not the 9 written (docs/genicam.md)."""
    with served(SHADOW_YAML, tmp_path_factory) as moved:
        listed = arv_tool("features")
        assert warnings(listed) == []
        assert re.search(r"Integer +: \[WO\] 'W'$", listed.stdout, re.MULTILINE), listed.stdout
        assert warnings(arv_tool("values")) == []
        address = moved.register("MIX").address
        result = arv_tool("control", "W=9", f"R[0x{address:X}]", "A=8", f"R[0x{address:X}]")
        assert warnings(result) == []
        first, second = register_word(result.stdout, address)
        assert first == 0x00_02_09_05  # W = 9, a as read (reset 5), v from its reset value 2
        assert second == 0x00_02_03_08  # A = 8; W back at its reset value 3: no node-map copy
