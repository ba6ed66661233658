"""camtwin firmware model: register access layer, cycle-accurate and event-driven camera models.

>>> from regmap import load
>>> from firmware_model import RegisterBank, RegisterFile
>>> rmap = load("regmap/camera.yaml")
>>> cam = RegisterFile(rmap, RegisterBank(rmap))
>>> cam.TriggerDelay = 250.0
"""

# ---- the compiled bank, blocks and cycle loop, if built for this source (firmware_model.compiled)
# (first: it puts the compiled copy, if any, on this package's __path__)
from . import compiled  # noqa: F401  # isort: split

# ---- register access layer and behavioural models (firmware_model core) -------------------
from .bank import AsyncBus, Bus, BusError, RegisterBank
from .blocks import (
    Acquisition,
    Counters,
    Debouncer,
    EdgeDetector,
    FrequencyConverter,
    OutputRegister,
    Synchroniser,
    TriggerDelayFifo,
)
from .model import OUTPUT_PINS, OUTPUT_SIGNALS, CameraModel, Event, FrameCause, Outputs
from .registers import AsyncRegisterFile, FeatureValue, RegisterFile, UnknownNameError
from .results import summarise, write_results
from .scenario import MAX_CYCLES, Scenario, ScenarioError, load_scenario, loads_scenario
from .simulate import SIGNALS, Result, Write, simulate
from .waves import plot_timing, to_wavejson

__all__ = [
    "MAX_CYCLES",
    "OUTPUT_PINS",
    "OUTPUT_SIGNALS",
    "SIGNALS",
    "Acquisition",
    "AsyncBus",
    "AsyncRegisterFile",
    "Bus",
    "BusError",
    "CameraModel",
    "Counters",
    "Debouncer",
    "EdgeDetector",
    "Event",
    "FeatureValue",
    "FrameCause",
    "FrequencyConverter",
    "OutputRegister",
    "Outputs",
    "RegisterBank",
    "RegisterFile",
    "Result",
    "Scenario",
    "ScenarioError",
    "Synchroniser",
    "TriggerDelayFifo",
    "UnknownNameError",
    "Write",
    "load_scenario",
    "loads_scenario",
    "plot_timing",
    "simulate",
    "summarise",
    "to_wavejson",
    "write_results",
]
# ---- end of core exports ---------------------------------------------------------------------

# ---- electrical I/O model (firmware_model/electrical.py, docs/electrical.md) ---------------
# Opto output Line0 waveform / opto input Line1 logic; appended by the electrical-model work.
from .electrical import (
    DEFAULT_DATA_PATH,
    EdgeMeasurement,
    Line1Issue,
    Line1Result,
    LogicEdge,
    OptoIOData,
    OptoOutputWaveform,
    OptoTiming,
    Transition,
    levels_per_cycle,
    line0_timing,
    line0_waveform,
    line1_logic,
    line1_logic_from_points,
    load_opto_data,
    measure_edges,
    measure_timing,
    pin_edges_from_levels,
    us_to_cycles,
)

# Frame rendering (firmware_model/render.py, docs/firmware-model.md "Pixels").
from .render import PFNC, Frame, ImageSettings, Renderer, bytes_per_pixel

__all__ += [
    "DEFAULT_DATA_PATH",
    "EdgeMeasurement",
    "Line1Issue",
    "Line1Result",
    "LogicEdge",
    "OptoIOData",
    "OptoOutputWaveform",
    "OptoTiming",
    "Transition",
    "levels_per_cycle",
    "line0_timing",
    "line0_waveform",
    "line1_logic",
    "line1_logic_from_points",
    "load_opto_data",
    "measure_edges",
    "measure_timing",
    "pin_edges_from_levels",
    "us_to_cycles",
]
__all__ += ["PFNC", "Frame", "ImageSettings", "Renderer", "bytes_per_pixel"]
# ---- end of electrical exports ---------------------------------------------------------------
