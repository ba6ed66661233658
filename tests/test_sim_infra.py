"""The co-verification infrastructure on a tiny stand-in design, and the scoreboard's comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.runner import SIMULATORS, Design, run
from sim.scoreboard import compare_edges, first_mismatch

TINY = Path(__file__).resolve().parent.parent / "sim" / "selftest" / "tiny_camera.v"
CAMERA_YAML = str(Path(__file__).resolve().parent.parent / "regmap" / "camera.yaml")


def describe(result) -> str:
    lines = [f"{result.simulator}: exit {result.exit_code}, results {result.results_xml}"]
    lines += [
        f"  {t.name}: {'PASS' if t.passed else 'FAIL'} {t.message[:2000]}" for t in result.tests
    ]
    return "\n".join(lines)


@pytest.mark.sim
@pytest.mark.parametrize("simulator", SIMULATORS)
def test_sim_infra_tiny_design(simulator: str) -> None:
    design = Design((TINY,), "camera", "tiny", {"regmap": CAMERA_YAML})
    result = run(simulator, design, "sim.selftest.cocotb_tiny", seed=7)
    assert result.passed, describe(result)
    assert {t.name for t in result.tests} == {"bus_access", "edges_match_reference"}


def test_sim_compare_edges_reports_first_difference() -> None:
    exp = [(0, 0), (10, 1), (11, 0), (30, 1)]
    assert compare_edges("fs", exp, list(exp)) is None
    m = compare_edges("fs", exp, [(0, 0), (10, 1), (12, 0), (30, 1)])
    assert (m.index, m.expected, m.actual) == (2, (11, 0), (12, 0))
    assert "expected 0 at cycle 11, RTL gave 0 at cycle 12" in str(m)
    m = compare_edges("fs", exp, exp[:2])
    assert m.actual is None and m.expected == (11, 0)


def test_sim_first_mismatch_is_earliest_over_signals() -> None:
    exp = {"a": [(0, 0), (50, 1)], "b": [(0, 0), (20, 1)]}
    got = {"a": [(0, 0), (51, 1)], "b": [(0, 0), (21, 1)]}
    assert first_mismatch(exp, got).signal == "b"
    assert first_mismatch(exp, exp) is None


def test_sim_verilator_makes_only_the_top_level_ports_public(tmp_path: Path) -> None:
    """cocotb's --public-flat-rw is negated; a control file makes the top module's ports public
    (ANSI and non-ANSI port declarations, several names per declaration)."""
    from sim.runner import top_ports, verilator_port_access

    tiny = Design((TINY,), "camera", "tiny")
    ports = top_ports(tiny)
    assert ports[:3] == ["clk", "rst", "s_axil_awaddr"] and "acquisition_active" in ports
    src = tmp_path / "top.v"
    src.write_text(
        "module sub(input a, output b); endmodule\n"
        "module top(clk, d, q);\n  input clk;\n  input [7:0] d, e;\n  output reg [1:0] q;\n"
        "  wire inner;\nendmodule\n"
    )
    top = Design((src,), "top", "t")
    assert top_ports(top) == ["clk", "d", "e", "q"]
    args = verilator_port_access(top, tmp_path / "b")
    assert args[0] == "--no-public-flat-rw"
    vlt = Path(args[1]).read_text()
    assert 'public_flat_rw -module "top" -var "d"' in vlt and "inner" not in vlt
    assert top_ports(Design((src,), "missing", "m")) == []
