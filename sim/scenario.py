"""Precomputed stimulus: pin edge trains and timed register operations, directed or random."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from regmap import RegisterMap

__all__ = [
    "FINAL_READS",
    "Op",
    "Scenario",
    "edge_train",
    "image_values",
    "random_scenario",
    "reset_image_period",
]

Edges = list[tuple[int, int]]

FINAL_READS = (
    "FrameCount",
    "TriggerLostCount",
    "OvertriggerCount",
    "EventOvertriggerStatus",
    "AcquisitionActive",
    "LineStatusAll",
    "ResultingFrameRate",
    "PayloadSize",
)
"""Features read over the bus at the end of every scenario (their registers are compared)."""


@dataclass(frozen=True)
class Op:
    """A register operation issued at ``cycle`` through the firmware register access layer.

    ``kind`` is ``set`` (raw value), ``execute`` (a command), ``get`` (a read) or ``write`` (a
    raw bus write of ``value`` with byte ``strobe`` to register ``feature``, element 0).
    """

    cycle: int
    kind: str
    feature: str
    value: int = 0
    selectors: tuple[tuple[str, str], ...] = ()
    strobe: int = 0xF

    def __str__(self) -> str:
        sel = "".join(f"[{v}]" for _, v in self.selectors)
        if self.kind == "set":
            return f"@{self.cycle} {self.feature}{sel}={self.value}"
        if self.kind == "write":
            return f"@{self.cycle} write {self.feature}=0x{self.value:X}/{self.strobe:04b}"
        return f"@{self.cycle} {self.kind} {self.feature}{sel}"


def op(cycle: int, kind: str, feature: str, value: int = 0, **selectors: str) -> Op:
    """Shorthand for :class:`Op` with keyword selectors."""
    return Op(cycle, kind, feature, value, tuple(sorted(selectors.items())))


@dataclass
class Scenario:
    """Everything one co-simulation run does: name, seed, length, pin edges and register ops."""

    name: str
    cycles: int
    lines: dict[str, Edges] = field(default_factory=dict)
    ops: list[Op] = field(default_factory=list)
    seed: int | None = None
    tags: set[str] = field(default_factory=set)

    def describe(self, limit: int = 40) -> str:
        """The configuration as one line per operation (truncated)."""
        ops = [str(o) for o in sorted(self.ops, key=lambda o: o.cycle)]
        more = f" ... ({len(ops) - limit} more)" if len(ops) > limit else ""
        edges = ", ".join(f"{k}: {len(v)} edges" for k, v in self.lines.items())
        return (
            f"scenario {self.name} (seed {self.seed}, {self.cycles} cycles; "
            f"{edges or 'no pin edges'})"
            f"\n  ops: {'; '.join(ops[:limit])}{more}"
        )


def edge_train(
    rng: random.Random, start: int, end: int, min_run: int, max_run: int, level: int = 0
) -> Edges:
    """Alternating edges from ``start`` to ``end`` with run lengths in ``[min_run, max_run]``."""
    out: Edges = []
    t = start
    while t < end:
        level ^= 1
        out.append((t, level))
        t += rng.randint(min_run, max_run)
    return out


def _mixed_train(rng: random.Random, start: int, end: int, n: int) -> Edges:
    """An edge train mixing glitches (runs around the debouncer time ``n``) and long pulses."""
    out: Edges = []
    t, level = start, 0
    while t < end:
        level ^= 1
        out.append((t, level))
        r = rng.random()
        if r < 0.3:
            t += rng.randint(max(1, n - 2), n + 2)
        elif r < 0.5:
            t += rng.randint(1, 3)
        else:
            t += rng.randint(5, 120)
    return out


def image_values(rmap: RegisterMap) -> dict[str, list[int]]:
    """Raw values the random scenarios write to the image features: the legal extremes and
    middle values, and values only a raw write can store (below the minimum, off the
    increment grid, beyond the sensor, formats that are no PixelFormat entry, byte time 0)."""
    w, h = rmap.constant("SensorWidth"), rmap.constant("SensorHeight")
    fmt = rmap.feature("PixelFormat")[1]
    entries = [e.value for e in fmt.enum]
    return {
        "Width": [0, 15, 16, 17, 32, w // 2 + 1, w - 1, w, w + 16, 0xFFFF],
        "Height": [0, 1, 2, 3, 4, h // 2 + 1, h - 1, h, h + 2, 0xFFFF],
        "PixelFormat": [*entries, *entries, 0, 0x0110_0004],
        # q16 cycles per byte: 0 (no limit), 2**-16, 1/16 (the slow map's reset), just over
        # 1/8, 1/4, 1 and just over 1 (mostly short transfers, so that frames stay frequent)
        "DeviceLinkThroughputLimit": [0, 1, 4096, 4096, 4096, 8193, 16_384, 65_536, 65_537],
    }


def reset_image_period(rmap: RegisterMap) -> int:
    """``max(R(H), Tx)`` at reset (full sensor, Mono8), from the map's constants and resets.

    Written out here from docs/semantics.md, apart from both models, for expectations.
    """
    c = rmap.constant
    readout = c("SensorReadoutOverhead") + c("SensorHeight") * c("SensorLineTime")
    payload = c("SensorWidth") * c("SensorHeight")  # Mono8 at reset, Width/Height clamped
    byte_time = rmap.feature("DeviceLinkThroughputLimit")[1].reset[0]
    return max(readout, -(-payload * byte_time // 2**16))


def random_scenario(
    rmap: RegisterMap, seed: int, cycles: int = 4000, dense: bool | None = None
) -> Scenario:
    """A constrained-random scenario: configuration, edge trains and mid-run reprogramming.

    ``dense`` (default: every other seed) reprograms single fields every few cycles.
    """
    rng = random.Random(seed)
    if dense is None:
        dense = seed % 2 == 1
    ops: list[Op] = []
    readout = reset_image_period(rmap)
    image = image_values(rmap)
    t = 1

    def at(delta: int) -> int:
        nonlocal t
        t += delta
        return t

    def configure(c0: int) -> None:
        nonlocal t
        t = c0
        for line in ("Line1", "Line2"):
            ops.append(
                op(
                    at(1),
                    "set",
                    "LineDebouncerTime",
                    rng.choice([0, 1, 2, 3, 5, 8]),
                    LineSelector=line,
                )
            )
            ops.append(op(at(1), "set", "LineInverter", rng.randint(0, 1), LineSelector=line))
        ops.append(op(at(1), "set", "LineMode", rng.choice([0, 0, 1]), LineSelector="Line2"))
        for line in ("Line0", "Line2"):
            ops.append(op(at(1), "set", "LineSource", rng.randint(0, 7), LineSelector=line))
            ops.append(op(at(1), "set", "LineInverter", rng.randint(0, 1), LineSelector=line))
        ops.append(
            op(
                at(1),
                "set",
                "UserOutputValue",
                rng.randint(0, 1),
                UserOutputSelector=rng.choice(["UserOutput0", "UserOutput1", "UserOutput2"]),
            )
        )
        ops.append(op(at(1), "set", "FrequencyConverterInputSource", rng.randint(0, 1)))
        ops.append(
            op(at(1), "set", "FrequencyConverterMultiplier", rng.choice([1, 1, 2, 3, 4, 7, 40]))
        )
        ops.append(op(at(1), "set", "FrequencyConverterDivider", rng.choice([1, 1, 2, 3])))
        for sel in ("FrameStart", "AcquisitionStart"):
            on = rng.random() < (0.8 if sel == "FrameStart" else 0.3)
            ops.append(
                op(at(1), "set", "TriggerSource", rng.choice([1, 1, 2, 3, 0]), TriggerSelector=sel)
            )
            ops.append(
                op(at(1), "set", "TriggerActivation", rng.randint(0, 1), TriggerSelector=sel)
            )
            ops.append(
                op(
                    at(1),
                    "set",
                    "TriggerDelay",
                    rng.choice([0, 0, 1, 2, 7, 30, 90, 200]),
                    TriggerSelector=sel,
                )
            )
            ops.append(op(at(1), "set", "TriggerMode", int(on), TriggerSelector=sel))
        ops.append(
            op(
                at(1),
                "set",
                "ExposureTime",
                rng.choice([1, 5, 20, readout - 1, readout, readout + 13, 2 * readout]),
            )
        )
        ops.append(op(at(1), "set", "AcquisitionFrameRateEnable", rng.randint(0, 1)))
        ops.append(
            op(at(1), "set", "AcquisitionFrameRate", rng.choice([1, 10, readout, 3 * readout]))
        )
        for name, values in image.items():
            ops.append(op(at(1), "set", name, rng.choice(values)))
        ops.append(op(at(1), "set", "AcquisitionMode", rng.choice([0, 1, 2, 2])))
        ops.append(op(at(1), "set", "AcquisitionFrameCount", rng.choice([1, 2, 3, 5])))

    configure(1)
    ops.append(op(at(5), "execute", "AcquisitionStart"))
    n = max(1, rng.choice([0, 1, 2, 3, 5, 8]))
    lines = {
        "line1_in": _mixed_train(rng, 100, cycles - 200, n),
        "line2_i": _mixed_train(rng, 150, cycles - 200, n),
    }
    # Reprogramming, software triggers, stops and restarts during the run.
    c = 200
    while c < cycles - 300:
        c += rng.randint(5, 80) if dense else rng.randint(60, 600)
        r = rng.random()
        if dense and r < 0.5:
            ops.append(_single_field_op(rng, c, readout, image))
        elif r < 0.2:
            ops.append(
                op(
                    c,
                    "execute",
                    "TriggerSoftware",
                    TriggerSelector=rng.choice(["FrameStart", "AcquisitionStart"]),
                )
            )
        elif r < 0.3:
            ops.append(op(c, "execute", rng.choice(["AcquisitionStop", "AcquisitionStart"])))
        elif r < 0.4:
            configure(c)
            c = t
        elif r < 0.5:
            ops.append(
                op(c, "set", "TriggerDelay", rng.choice([0, 3, 40]), TriggerSelector="FrameStart")
            )
        elif r < 0.6:
            ops.append(op(c, "set", "FrequencyConverterMultiplier", rng.choice([1, 3, 9])))
        elif r < 0.7:
            ops.append(op(c, "execute", "CounterReset"))
        elif r < 0.75:
            ops.append(op(c, "set", "EventOvertriggerStatus", 1))
        elif r < 0.8:
            reg = rng.choice(["FC_MULTIPLIER", "EXPOSURE_TIME", "TRIGGER_DELAY"])
            # Raw words >= 1: M = 0 is outside the legal range (and crashes the model's
            # event-driven mode, see docs/coverification.md).
            ops.append(
                Op(c, "write", reg, rng.randint(1, 60), (), rng.choice([0x0, 0x1, 0x2, 0x3]))
            )
        else:
            ops.append(
                op(
                    c,
                    "get",
                    rng.choice(
                        [
                            "FrameCount",
                            "AcquisitionActive",
                            "LineStatusAll",
                            "OvertriggerCount",
                            "PayloadSize",
                            "ResultingFrameRate",
                        ]
                    ),
                )
            )
    name = f"random-{'dense-' if dense else ''}{seed}"
    return Scenario(name, cycles, lines, ops, seed, {"dense"} if dense else set())


def _single_field_op(rng: random.Random, c: int, readout: int, image: dict[str, list[int]]) -> Op:
    """One field reprogrammed at cycle ``c`` (for the dense random flavour)."""
    sel = rng.choice(["FrameStart", "AcquisitionStart"])
    line = rng.choice(["Line1", "Line2"])
    choices = [
        lambda: op(c, "set", "LineDebouncerTime", rng.randint(0, 6), LineSelector=line),
        lambda: op(c, "set", "LineInverter", rng.randint(0, 1), LineSelector=line),
        lambda: op(c, "set", "TriggerDelay", rng.randint(0, 50), TriggerSelector=sel),
        lambda: op(c, "set", "TriggerActivation", rng.randint(0, 1), TriggerSelector=sel),
        lambda: op(c, "set", "TriggerSource", rng.randint(0, 3), TriggerSelector=sel),
        lambda: op(c, "set", "TriggerMode", rng.randint(0, 1), TriggerSelector=sel),
        lambda: op(c, "set", "ExposureTime", rng.randint(1, 2 * readout)),
        lambda: op(c, "set", "AcquisitionMode", rng.randint(0, 2)),
        lambda: op(c, "set", "AcquisitionFrameRateEnable", rng.randint(0, 1)),
        lambda: op(c, "set", "FrequencyConverterInputSource", rng.randint(0, 1)),
        lambda: op(c, "set", "FrequencyConverterDivider", rng.randint(1, 4)),
        lambda: op(c, "execute", rng.choice(["AcquisitionStart", "AcquisitionStop"])),
        lambda: op(c, "execute", "TriggerSoftware", TriggerSelector=sel),
        lambda: op(c, "set", "LineMode", rng.randint(0, 1), LineSelector="Line2"),
        lambda: _image_op(rng, c, image),
    ]
    return rng.choice(choices)()


def _image_op(rng: random.Random, c: int, image: dict[str, list[int]]) -> Op:
    """One image feature (Width, Height, PixelFormat, byte time) set to one of its values."""
    name = rng.choice(list(image))
    return op(c, "set", name, rng.choice(image[name]))
