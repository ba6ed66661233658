"""The generated register bank of a map of another device (all seven access types) on Icarus
Verilog and Verilator, driven by cocotbext-axi: reset values, field rules, byte strobes, SLVERR,
and random traffic against the firmware model's register bank (sim/cocotb_bank.py)."""

from __future__ import annotations

import pytest

from regmap import Access, load
from sim.runner import SIMULATORS, bank_design, run
from tests.conftest import ROOT

SENSORHUB = ROOT / "docs" / "examples" / "sensorhub.yaml"
TESTS = ["reset_values", "field_rules", "byte_strobes", "slverr", "random_traffic"]


def test_the_map_uses_every_access_type_and_is_no_camera():
    rmap = load(SENSORHUB)
    assert {f.access for r in rmap.registers for f in r.fields} == set(Access)
    assert all(r.name != "LINE_CFG" for r in rmap.registers)


@pytest.mark.sim
@pytest.mark.parametrize("simulator", SIMULATORS)
def test_generated_bank(simulator):
    result = run(
        simulator,
        bank_design(SENSORHUB),
        "sim.cocotb_bank",
        seed=7,
        config={"steps": 600},
    )
    names = sorted(t.name for t in result.tests)
    assert names == sorted(TESTS), result
    failures = [(t.name, t.message) for t in result.failures]
    assert result.passed, failures
