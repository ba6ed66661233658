"""Timing-spec validation: datasheet claims checked on the camera model (docs/timing.md).

>>> from regmap import load
>>> from timingspec import evaluate, load_spec
>>> rmap = load("regmap/camera.yaml")
>>> spec = load_spec("timingspec/specs/camera-timing.yaml", rmap)
>>> all(evaluate(rmap, r).passed for r in spec.requirements)
True
"""

from .engine import Backend, RtlUnavailable, Scenario, SimResult, Write, rtl_backend, run_model
from .measure import Measurement, Result, evaluate
from .report import Run, datasheet_tables, run_spec, write_reports
from .spec import (
    Bound,
    Measure,
    Requirement,
    Setting,
    Spec,
    SpecError,
    Stimulus,
    load_spec,
    loads_spec,
)

__all__ = [
    "Backend",
    "Bound",
    "Measure",
    "Measurement",
    "Requirement",
    "Result",
    "RtlUnavailable",
    "Run",
    "Scenario",
    "Setting",
    "SimResult",
    "Spec",
    "SpecError",
    "Stimulus",
    "Write",
    "datasheet_tables",
    "evaluate",
    "load_spec",
    "loads_spec",
    "rtl_backend",
    "run_model",
    "run_spec",
    "write_reports",
]
