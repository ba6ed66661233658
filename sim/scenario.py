"""Precomputed stimulus: pin edge trains and timed register operations, directed or random."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from regmap import RegisterMap
from regmap.model import Access

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


class Op(NamedTuple):
    """A register operation issued at ``cycle`` through the firmware register access layer (a
    named tuple: a dense random seed makes thousands).

    ``kind`` is ``set`` (raw value), ``execute`` (a command), ``get`` (a read), ``write`` (a
    raw bus write of ``value`` with byte ``strobe`` to register ``feature``, element 0, or to
    ``address`` when given; ``feature`` is then a label) or ``read`` (a raw bus read of
    ``address``).
    """

    cycle: int
    kind: str
    feature: str
    value: int = 0
    selectors: tuple[tuple[str, str], ...] = ()
    strobe: int = 0xF
    address: int | None = None

    def __str__(self) -> str:
        sel = "".join(f"[{v}]" for _, v in self.selectors)
        at = "" if self.address is None else f"@0x{self.address:X}"
        if self.kind == "set":
            return f"@{self.cycle} {self.feature}{sel}={self.value}"
        if self.kind == "write":
            return f"@{self.cycle} write {self.feature}{at}=0x{self.value:X}/{self.strobe:04b}"
        if self.kind == "read":
            return f"@{self.cycle} read {self.feature}{at}"
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
        for i, v in enumerate(rng.choice(USER_PATTERNS)):
            ops.append(op(at(1), "set", "UserOutputValue", v, UserOutputSelector=f"UserOutput{i}"))
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
        if rng.random() < (0.15 if dense else 0.35):
            c = _special_ops(rng, rmap, c, ops)
            continue
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
            ops.append(Op(c, "write", reg, rng.randint(1, 60), (), rng.randint(0, 15)))
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
    _inverter_in_quiet_windows(rng, lines, ops, cycles)
    name = f"random-{'dense-' if dense else ''}{seed}"
    return Scenario(name, cycles, lines, ops, seed, {"dense"} if dense else set())


USER_PATTERNS = ((1, 0, 1), (0, 1, 0), (1, 0, 0), (0, 1, 1), (0, 0, 1), (1, 1, 0))
"""UserOutputValue 0, 1, 2: patterns in which each output differs from the other two."""


_PER_MAP: dict[tuple[str, int], tuple[RegisterMap, Any]] = {}


def _per_map(rmap: RegisterMap, what: str, make: Callable[[], Any]) -> Any:
    """``make()`` once per map (the random scenarios ask for the same lists many times)."""
    hit = _PER_MAP.get((what, id(rmap)))
    if hit is None or hit[0] is not rmap:
        hit = _PER_MAP[(what, id(rmap))] = (rmap, make())
    return hit[1]


def raw_write_targets(rmap: RegisterMap) -> list[tuple[str, int]]:
    """Every register element with a writable (``rw``/``wo``) or write-1-to-clear field: the
    targets of raw writes, which may store any value of a field's bits (docs/semantics.md,
    "Every stored value")."""
    writable = (Access.RW, Access.WO, Access.W1C)
    return list(
        _per_map(
            rmap,
            "raw_write_targets",
            lambda: [
                (reg.name, i)
                for reg in rmap.registers
                if any(f.access in writable for f in reg.fields)
                for i in range(reg.count)
            ],
        )
    )


LONG_TIME_REGS = (
    "EXPOSURE_TIME",
    "ACQ_FRAME_PERIOD",
    "TRIGGER_DELAY",
    "LINE_DEBOUNCE",
    "LINK_THROUGHPUT",
)
"""Registers whose random raw words are mostly kept short, so that frames keep coming."""


def unmapped_addresses(rmap: RegisterMap) -> list[int]:
    """Word addresses around and between the registers that no register occupies."""

    def make() -> list[int]:
        mapped = set(_mapped(rmap))
        base = rmap.device.base_address
        near = {a + d for a in mapped for d in (4, -4, 0x40)}
        near |= {base - 4, base + 0xC, base + 0x7FC, base + 0xFFFC, 0x0}
        return sorted(a for a in near if a >= 0 and a not in mapped)

    return list(_per_map(rmap, "unmapped_addresses", make))


def _mapped(rmap: RegisterMap) -> list[int]:
    """Every register element's address, sorted."""
    return _per_map(
        rmap, "mapped", lambda: sorted({a for reg in rmap.registers for a in reg.addresses})
    )


def _special_ops(rng: random.Random, rmap: RegisterMap, c: int, ops: list[Op]) -> int:
    """One group of operations aimed at corners a plain random walk rarely reaches; returns
    the cycle the group ends in."""
    k = rmap.constant("TriggerFifoDepth")
    r = rng.random()
    if r < 0.2:
        # A burst of software triggers within a long delay: fills the selector's FIFO.
        sel = rng.choice(["FrameStart", "AcquisitionStart"])
        ops.append(op(c, "set", "TriggerSource", 0, TriggerSelector=sel))
        ops.append(op(c + 1, "set", "TriggerDelay", rng.randint(80, 200), TriggerSelector=sel))
        ops.append(op(c + 2, "set", "TriggerMode", 1, TriggerSelector=sel))
        if sel == "AcquisitionStart":
            ops.append(op(c + 3, "execute", "AcquisitionStart"))
        for i in range(k + rng.randint(1, 3)):
            ops.append(op(c + 4 + 3 * i, "execute", "TriggerSoftware", TriggerSelector=sel))
        return c + 4 + 3 * (k + 3)
    if r < 0.35:
        # AcquisitionStart by a software trigger: armed, then triggered (its own effect).
        ops.append(op(c, "set", "TriggerSource", 0, TriggerSelector="AcquisitionStart"))
        ops.append(
            op(
                c + 1,
                "set",
                "TriggerDelay",
                rng.choice([0, 0, 3, 20]),
                TriggerSelector="AcquisitionStart",
            )
        )
        ops.append(op(c + 2, "set", "TriggerMode", 1, TriggerSelector="AcquisitionStart"))
        ops.append(op(c + 3, "execute", "AcquisitionStop"))
        ops.append(op(c + 4, "execute", "AcquisitionStart"))
        t = c + rng.randint(10, 60)
        ops.append(op(t, "execute", "TriggerSoftware", TriggerSelector="AcquisitionStart"))
        return t
    if r < 0.6:
        # Raw writes to any writable register: 0, all ones (every field at the top of its
        # bits), both with all bytes, or a random word with any byte strobe.
        targets = raw_write_targets(rmap)
        for i in range(rng.randint(1, 3)):
            name, idx = rng.choice(targets)
            reg = rmap.register(name)
            r = rng.random()
            if r < 0.2:
                value, strobe = 0, 0xF
            elif r < 0.4:
                value, strobe = 0xFFFF_FFFF, 0xF
            else:
                value, strobe = rng.getrandbits(32), rng.randint(0, 15)
                if name in LONG_TIME_REGS and rng.random() >= 0.25:
                    # mostly short times; sometimes any word
                    value &= 0x00FF_00FF
            ops.append(
                Op(c + 3 * i, "write", f"{name}[{idx}]", value, (), strobe, reg.address_of(idx))
            )
        return c + 9
    if r < 0.8:
        # Unmapped and unaligned addresses: SLVERR, and no side effect.
        mapped = _mapped(rmap)
        for i in range(rng.randint(1, 3)):
            if rng.random() < 0.5:
                addr, label = rng.choice(unmapped_addresses(rmap)), "unmapped"
            else:
                addr, label = rng.choice(mapped) + rng.randint(1, 3), "unaligned"
            if rng.random() < 0.5:
                ops.append(Op(c + 3 * i, "read", label, address=addr))
            else:
                value, strobe = rng.getrandbits(32), rng.randint(0, 15)
                ops.append(Op(c + 3 * i, "write", label, value, (), strobe, addr))
        return c + 9
    # User outputs with distinct values, driven out on Line0 or Line2.
    pattern = rng.choice(USER_PATTERNS)
    for i, v in enumerate(pattern):
        ops.append(op(c + i, "set", "UserOutputValue", v, UserOutputSelector=f"UserOutput{i}"))
    line = rng.choice(["Line0", "Line2"])
    if line == "Line2":
        ops.append(op(c + 3, "set", "LineMode", 1, LineSelector="Line2"))
    for j, src in enumerate(rng.sample([4, 5, 6], 3)):
        ops.append(op(c + 4 + 6 * j, "set", "LineSource", src, LineSelector=line))
    return c + 20


def _inverter_in_quiet_windows(
    rng: random.Random, lines: dict[str, Edges], ops: list[Op], cycles: int
) -> None:
    """LineInverter toggled (to 1, then back to 0) with a debouncer time N > 0 while the pin
    holds still: the inverted level alone must travel through the debouncer."""
    for pin, line in (("line1_in", "Line1"), ("line2_i", "Line2")):
        edges = lines.get(pin, [])
        gaps = [(a[0], b[0]) for a, b in itertools.pairwise(edges) if b[0] - a[0] >= 45]
        for start, end in rng.sample(gaps, min(2, len(gaps))):
            n = rng.randint(1, 6)
            if end + 10 >= cycles:
                continue
            ops.append(op(start + 2, "set", "LineDebouncerTime", n, LineSelector=line))
            ops.append(op(start + 8, "set", "LineInverter", 1, LineSelector=line))
            ops.append(op(start + 8 + n + 12, "set", "LineInverter", 0, LineSelector=line))


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
