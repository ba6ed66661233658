"""What the firmware model computes for a fixed set of inputs, as JSON on stdout: run once per
``$CAMTWIN_MODEL`` by ``tests/test_fw_compiled.py``, which compares the compiled model with the
interpreted one (``python -m tests.model_digest`` from the checkout).

The inputs: dense random seeds of the regression farm (single fields reprogrammed every few
cycles, pins toggling around the debouncer time, raw writes with random strobes) replayed in
event and cycle mode, and the bundled example scenarios (event mode).
"""

from __future__ import annotations

import contextlib
import json
import sys

from firmware_model import OUTPUT_PINS, BusError, CameraModel, compiled, load_scenario
from regmap import load
from sim.farm import native_stimulus
from sim.reference import advance_replay
from sim.runner import apply_overrides, slow_overrides
from sim.scenario import random_scenario

from .conftest import CAMERA_YAML, ROOT

SEEDS = tuple(range(1, 13))
CYCLES = 20_000


def _replay(rmap, seed: int, event_mode: bool) -> dict:
    sc = random_scenario(rmap, seed, CYCLES)
    writes = sorted(native_stimulus(rmap, sc), key=lambda w: w.cycle)
    model = CameraModel(rmap)
    edges: list = [[] for _ in OUTPUT_PINS]
    responses: list[bool] = []

    def apply(i: int) -> None:
        w = writes[i]
        try:
            model.bank.write(w.addr, w.value, w.strobe)
            responses.append(True)
        except BusError:
            responses.append(False)

    lines = {k: [(0, 0), *sc.lines.get(k, [])] for k in ("line1_in", "line2_i")}
    advance_replay(
        model,
        lines["line1_in"],
        lines["line2_i"],
        [max(w.cycle, 0) for w in writes],
        apply,
        CYCLES,
        edges,
        event_mode=event_mode,
    )
    c = model.counters
    return {
        "edges": edges,
        "events": [list(e) for e in model.events],
        "frame_causes": [list(f) for f in model.frame_causes],
        "counters": [c.frames, c.lost, c.overtriggers],
        "responses": responses,
        "registers": sorted(model.bank.values.items()),
        "cycle": model.cycle,
    }


def _outcome(call) -> list:
    try:
        return ["ok", repr(call())]
    except Exception as exc:  # the exception's kind and text are what is compared
        return [type(exc).__name__, str(exc)]


def _inputs(rmap) -> dict:
    """What the public entry points do with values of other types than the ones they are
    written for: the same, compiled or interpreted."""
    import numpy as np

    model = CameraModel(rmap)
    bank = model.bank
    addr = rmap.register("TRIGGER_CTRL").address
    out: dict = {}
    for name, value in (
        ("float", 1.5),
        ("none", None),
        ("text", "5"),
        ("numpy", np.uint32(5)),
        ("bool", True),
        ("negative", -1),
        ("wide", 1 << 32),
    ):
        out[f"write value {name}"] = _outcome(lambda v=value: bank.write(addr, v))
        out[f"write strobe {name}"] = _outcome(lambda v=value: bank.write(addr, 1, v))
        out[f"write address {name}"] = _outcome(lambda v=value: bank.write(v, 1))
        out[f"read address {name}"] = _outcome(lambda v=value: bank.read(v))
    for name, level in (("numpy", np.int64(1)), ("bool", True), ("none", None), ("two", 2)):
        out[f"step {name}"] = _outcome(lambda lv=level: model.step(lv, lv))
        out[f"skip_sampling {name}"] = _outcome(lambda lv=level: model.skip_sampling(lv, 0))
        out[f"run {name}"] = _outcome(lambda lv=level: model.run(3, lv, lv))
    out["after"] = [model.cycle, list(model._pins), sorted(bank.values.items())]
    return out


def digest() -> dict:
    camera = load(CAMERA_YAML)
    rmap = apply_overrides(camera, slow_overrides())
    out: dict = {"model": compiled.status().split(" ")[0], "seeds": {}, "scenarios": {}}
    for seed in SEEDS:
        for mode in ("event", "cycle"):
            out["seeds"][f"{seed}/{mode}"] = _replay(rmap, seed, mode == "event")
    out["inputs"] = _inputs(camera)
    for path in sorted((ROOT / "firmware_model" / "examples").glob("*.yaml")):
        sc = load_scenario(path, camera)
        with contextlib.redirect_stdout(sys.stderr):
            out["scenarios"][path.name] = sc.run("event").to_dict()
    return out


if __name__ == "__main__":
    json.dump(digest(), sys.stdout, sort_keys=True)
