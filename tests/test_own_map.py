"""A register map of another device through every generator: the register bank's module and
its documented ports agree, the outputs build."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from hdl.bankexport import generate_bank_verilog
from regmap import load
from regmap.bankports import bank_module, bank_ports
from regmap.generators import generate_markdown
from tests.conftest import ROOT

SENSORHUB = ROOT / "docs" / "examples" / "sensorhub.yaml"
_PORT = re.compile(r"^\s*(input|output)\s+(?:\[(\d+):0\]\s+)?(\w+);", re.M)


@pytest.fixture(scope="module")
def sensorhub():
    return load(SENSORHUB)


@pytest.fixture(scope="module")
def bank_verilog(sensorhub):
    return generate_bank_verilog(sensorhub)


def test_bank_module_ports_are_the_documented_ones(sensorhub, bank_verilog):
    module = re.search(rf"^module {bank_module(sensorhub)}\((.*?)\);", bank_verilog, re.M | re.S)
    assert module is not None
    listed = {p.strip() for p in module.group(1).split(",")}
    declared = {
        name: (direction, int(msb) + 1 if msb else 1)
        for direction, msb, name in _PORT.findall(bank_verilog)
        if name in listed
    }
    documented = {p.name: (p.direction, p.width) for p in bank_ports(sensorhub)}
    assert declared == documented
    doc = generate_markdown(sensorhub)
    for p in bank_ports(sensorhub):
        assert f"| `{p.name}` | {p.direction} | {p.width} |" in doc


def test_typed_field_ports(sensorhub):
    ports = {p.name: p for p in bank_ports(sensorhub)}
    assert (ports["PERIOD_period"].direction, ports["PERIOD_period"].width) == ("output", 28)
    assert ports["STATUS_temperature"].direction == "input"
    assert ports["IRQ_done_set"].direction == "input"
    assert ports["IRQ_mask_done_clr"].direction == "input"
    assert ports["MISSED_count_set"].width == 8
    assert ports["GAIN_1_gain"].width == 12


def test_bank_compiles_with_icarus(tmp_path, bank_verilog):
    src = tmp_path / "bank.v"
    src.write_text(bank_verilog)
    proc = subprocess.run(
        ["iverilog", "-g2012", "-o", str(tmp_path / "bank.vvp"), str(src)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["check", "MAP"],
        ["generate", "MAP", "--only", "header,docs,genicam", "-o", "out"],
        ["check", "CAMERA"],
        ["check", "--deep", "CAMERA"],
        ["generate", "CAMERA", "--only", "header,docs,genicam", "-o", "out"],
    ],
)
def test_text_commands_import_no_gateware_simulator_or_numerics(args, tmp_path):
    """`check` and the text generators of any map stay light: no Amaranth, cocotb, numpy or
    matplotlib (`camtwin check --deep` of a camera map sets the camera's consumers up, the
    gateware and the model among them)."""
    args = [
        str(SENSORHUB)
        if a == "MAP"
        else str(ROOT / "regmap" / "camera.yaml")
        if a == "CAMERA"
        else a
        for a in args
    ]
    heavy = ("amaranth", "cocotb", "numpy", "matplotlib")
    code = (
        "import sys; from camtwin.cli import main; rc = main(sys.argv[1:]); "
        f"print([m for m in {heavy!r} if m in sys.modules]); sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    imported = proc.stdout.strip().splitlines()[-1]
    if args[:2] == ["check", "--deep"]:
        assert "amaranth" in imported  # the camera's consumers were set up
    else:
        assert imported == "[]"
