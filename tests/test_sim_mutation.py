"""Mutation check: each planted gateware bug makes the co-verification regression fail."""

from __future__ import annotations

import pytest

from sim.mutation import MUTATIONS, run_mutant


def _killed(result) -> list[str]:
    """Names of tests that failed on a real check (a mismatch or an expectation)."""
    return [
        t.name
        for t in result.failures
        if "mismatch" in t.message or "assert" in t.message or "Error" in t.message
    ]


@pytest.mark.sim
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_sim_mutant_is_killed_icarus(mutation) -> None:
    result = run_mutant(mutation, "icarus")
    assert result.tests, f"{mutation.name}: no test results (exit {result.exit_code})"
    assert not result.passed, f"mutant {mutation.name} ({mutation.description}) survived"
    assert _killed(result), [(t.name, t.message[:200]) for t in result.failures]


@pytest.mark.sim
@pytest.mark.soak
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_sim_mutant_is_killed_verilator(mutation) -> None:
    result = run_mutant(mutation, "verilator")
    assert not result.passed and _killed(result), f"mutant {mutation.name} survived"
