"""Drive the camera twin's registers through the official GenICam GenApi, like a GigE client.

Run from the repository root: ``.venv/bin/python docs/examples/genicam_client.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from genicam import genapi

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from firmware_model import RegisterBank  # noqa: E402
from firmware_model.genicam_port import connect_bus  # noqa: E402
from regmap import load  # noqa: E402
from regmap.generators.genicam import generate_genicam_xml  # noqa: E402


def main() -> None:
    """Load the generated XML, connect it to the register model, set and read TriggerDelay."""
    rmap = load(ROOT / "regmap" / "camera.yaml")
    nodemap = genapi.NodeMap()
    nodemap.load_xml_from_string(generate_genicam_xml(rmap))

    bank = RegisterBank(rmap)  # the firmware model's registers; any Bus works
    port = connect_bus(nodemap, bank)  # keep a reference: GenApi does not own the port

    nodemap.get_node("TriggerSelector").value = "FrameStart"
    delay = nodemap.get_node("TriggerDelay")
    delay.value = 250.0
    addr = rmap.register("TRIGGER_DELAY").address_of(0)
    print(f"TriggerDelay = {delay.value} {delay.unit} -> register 0x{addr:08X} = {bank.read(addr)}")
    print(f"TriggerDelay range {delay.min} .. {delay.max} {delay.unit}")
    del port


if __name__ == "__main__":
    main()
