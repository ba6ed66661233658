"""The typed, immutable register-map model that every generator and consumer reads.

The loader (:mod:`regmap.loader`) builds it from YAML and only returns it when the map is
valid, so code that receives a :class:`RegisterMap` may rely on every invariant checked there
(fields inside their register, resets that fit, names that resolve).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

__all__ = [
    "RATE_UNITS",
    "TIME_UNITS",
    "Access",
    "ArraySpec",
    "Category",
    "Constant",
    "Device",
    "EnumValue",
    "Feature",
    "Field",
    "Interface",
    "Register",
    "RegisterMap",
    "Scale",
    "Selector",
    "SourceLoc",
    "Visibility",
]

TIME_UNITS: Mapping[str, int] = MappingProxyType(
    {"ns": 1_000_000_000, "us": 1_000_000, "µs": 1_000_000, "ms": 1_000, "s": 1}
)
"""Units of time and how many of them make a second: the units of scale ``cycles``."""
RATE_UNITS: Mapping[str, int] = MappingProxyType(
    {"Hz": 1, "kHz": 1_000, "MHz": 1_000_000, "Bps": 1, "kBps": 1_000, "MBps": 1_000_000}
)
"""Units of rate (events or bytes per second) and how many per second one of them is: the
units of scale ``period`` and ``period_qN``."""


@dataclass(frozen=True)
class SourceLoc:
    """Where a definition came from: ``file:line:col`` (1-based)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Access(enum.Enum):
    """Software/hardware behaviour of a field (see ``docs/semantics.md``, "Bus accesses")."""

    RW = "rw"
    RO = "ro"
    WO = "wo"
    W1C = "w1c"
    W1S = "w1s"
    PULSE = "pulse"
    RC = "rc"

    @property
    def readable(self) -> bool:
        """Software reads return the stored value (``wo`` and ``pulse`` read as 0)."""
        return self not in (Access.WO, Access.PULSE)

    @property
    def writable(self) -> bool:
        """Software writes have an effect."""
        return self not in (Access.RO, Access.RC)

    @property
    def hw_driven(self) -> bool:
        """The value (or its set input) comes from the hardware."""
        return self in (Access.RO, Access.RC, Access.W1C)

    @property
    def single_bit_only(self) -> bool:
        """Access types that only make sense on a one-bit field (one command or flag)."""
        return self in (Access.PULSE, Access.W1C, Access.W1S)


class Interface(enum.Enum):
    """GenICam interface type of a feature."""

    INTEGER = "Integer"
    FLOAT = "Float"
    ENUMERATION = "Enumeration"
    BOOLEAN = "Boolean"
    COMMAND = "Command"


class Visibility(enum.Enum):
    BEGINNER = "Beginner"
    EXPERT = "Expert"
    GURU = "Guru"


@dataclass(frozen=True)
class Scale:
    """How a feature's physical value maps to the raw field value.

    ``kind`` is one of:

    * ``raw``: the value is the field value;
    * ``cycles``: a time in ``unit`` (ns, us, ms, s), stored as clock cycles:
      ``raw = round(t * clock_hz / per_second)`` (``per_second`` 1e6 for us);
    * ``period``: a rate in ``unit`` (Hz, kHz, MHz, Bps...) stored as a period in clock
      cycles: ``raw = round(clock_hz / (rate * hz))`` (``hz`` 1000 for kHz);
      with ``frac_bits`` N > 0 (``period_qN``) the period is unsigned fixed point with N
      fractional bits: ``raw = round(clock_hz * 2**N / rate)`` (e.g. a byte time in q16 cycles
      per byte for a throughput in bytes per second);
    * ``fixed``: an unsigned fixed-point number with ``frac_bits`` fractional bits.

    ``round`` is the one rounding rule of every conversion to raw values (the header macros and
    the GenApi formulas too): to the nearest integer, a tie to the even one.
    """

    kind: str = "raw"
    frac_bits: int = 0
    unit: str = ""
    """The physical unit of a ``cycles`` (:data:`TIME_UNITS`, default ``us``) or ``period``
    (:data:`RATE_UNITS`, default ``Hz``) scale; display only for the others."""

    @property
    def per_second(self) -> int:
        """Units of a ``cycles`` scale in one second (1e6 for ``us``)."""
        return TIME_UNITS.get(self.unit or "us", 1_000_000)

    @property
    def hz(self) -> int:
        """Events per second of one unit of a ``period`` scale (1000 for ``kHz``)."""
        return RATE_UNITS.get(self.unit or "Hz", 1)

    def to_raw(self, value: float, clock_hz: int) -> int:
        """Physical value to raw field value (rounded to nearest); no range check."""
        if self.kind == "raw":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(f"value must be an integer, not {value!r}")
            return int(value)
        if self.kind == "cycles":
            return round(value * clock_hz / self.per_second)
        if self.kind == "period":
            if value <= 0:
                raise ValueError(f"rate must be positive, not {value!r}")
            return round(clock_hz * (1 << self.frac_bits) / (value * self.hz))
        if self.kind == "fixed":
            return round(value * (1 << self.frac_bits))
        raise AssertionError(self.kind)

    def from_raw(self, raw: int, clock_hz: int) -> float:
        """Raw field value to physical value."""
        if self.kind == "raw":
            return raw
        if self.kind == "cycles":
            return raw * self.per_second / clock_hz
        if self.kind == "period":
            return math.inf if raw == 0 else clock_hz * (1 << self.frac_bits) / raw / self.hz
        if self.kind == "fixed":
            return raw / (1 << self.frac_bits)
        raise AssertionError(self.kind)

    def raw_range(self, lo: float, hi: float, clock_hz: int) -> tuple[int, int]:
        """The raw interval that the physical interval ``[lo, hi]`` maps to."""
        a, b = self.to_raw(lo, clock_hz), self.to_raw(hi, clock_hz)
        return (a, b) if a <= b else (b, a)

    def __str__(self) -> str:
        if self.kind == "fixed":
            return f"q{self.frac_bits}"
        if self.kind == "period" and self.frac_bits:
            return f"period_q{self.frac_bits}"
        return self.kind


@dataclass(frozen=True)
class EnumValue:
    name: str
    value: int
    description: str = ""
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Feature:
    """GenICam metadata of the feature a field implements."""

    name: str
    interface: Interface
    visibility: Visibility
    category: str
    locked: bool = False
    """Acquisition locks the feature (read-only while TLParamsLocked is set)."""
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Field:
    name: str
    msb: int
    lsb: int
    access: Access
    reset: tuple[int, ...]
    """Reset value per array element (one entry for a plain register)."""
    description: str = ""
    unit: str = ""
    scale: Scale = Scale()
    min: float | None = None
    """Minimum in physical units (``unit``/``scale``); None: the field's range."""
    max: float | None = None
    enum: tuple[EnumValue, ...] = ()
    feature: Feature | None = None
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)
    inc: int = 1
    """Raw increment of an Integer feature: legal values are ``min + k * inc``."""

    @property
    def width(self) -> int:
        return self.msb - self.lsb + 1

    @property
    def mask(self) -> int:
        """Mask of the field in its register (already shifted)."""
        return ((1 << self.width) - 1) << self.lsb

    @property
    def max_raw(self) -> int:
        return (1 << self.width) - 1

    def on_grid(self, raw: int) -> bool:
        """``raw`` is ``min + k * inc`` for an integer ``k`` (always true with ``inc`` 1)."""
        lo = int(self.min) if self.min is not None else 0
        return (raw - lo) % self.inc == 0

    def reset_for(self, index: int = 0) -> int:
        return self.reset[index] if len(self.reset) > 1 else self.reset[0]

    def raw_limits(self, clock_hz: int) -> tuple[int, int]:
        """The legal raw interval: min/max converted, or the whole field."""
        if self.enum:
            values = [e.value for e in self.enum]
            return min(values), max(values)
        if self.min is None or self.max is None:
            return 0, self.max_raw
        return self.scale.raw_range(self.min, self.max, clock_hz)

    def enum_value(self, name: str) -> int:
        for e in self.enum:
            if e.name == name:
                return e.value
        raise KeyError(name)

    def enum_name(self, value: int) -> str | None:
        for e in self.enum:
            if e.value == value:
                return e.name
        return None


@dataclass(frozen=True)
class ArraySpec:
    """A register repeated once per value of a selector, ``stride`` bytes apart."""

    selector: str
    count: int
    stride: int


@dataclass(frozen=True)
class Register:
    name: str
    address: int
    fields: tuple[Field, ...]
    description: str = ""
    array: ArraySpec | None = None
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)

    @property
    def count(self) -> int:
        return self.array.count if self.array else 1

    def address_of(self, index: int = 0) -> int:
        if not 0 <= index < self.count:
            raise IndexError(f"{self.name} has {self.count} element(s), not index {index}")
        return self.address + (self.array.stride * index if self.array else 0)

    @property
    def addresses(self) -> tuple[int, ...]:
        return tuple(self.address_of(i) for i in range(self.count))

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"register {self.name} has no field {name!r}")

    def reset_value(self, index: int = 0) -> int:
        value = 0
        for f in self.fields:
            value |= (f.reset_for(index) << f.lsb) & f.mask
        return value

    @property
    def read_only(self) -> bool:
        """Software writes have no effect on any field (the bus answers SLVERR)."""
        return not any(f.access.writable for f in self.fields)


@dataclass(frozen=True)
class Selector:
    """A GenICam selector: a host-side enumeration choosing the element of register arrays."""

    name: str
    values: tuple[EnumValue, ...]
    selects: tuple[str, ...]
    description: str = ""
    visibility: Visibility = Visibility.BEGINNER
    category: str = ""
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)

    def index(self, name: str) -> int:
        for i, v in enumerate(self.values):
            if v.name == name:
                return i
        raise KeyError(name)


@dataclass(frozen=True)
class Category:
    name: str
    description: str = ""
    parent: str | None = None
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Constant:
    name: str
    value: int
    unit: str = ""
    description: str = ""
    loc: SourceLoc | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Device:
    name: str
    vendor: str
    model: str
    version: str
    clock_hz: int
    base_address: int
    bus_width: int
    constants: Mapping[str, Constant]
    description: str = ""


_IDENT = re.compile(r"[^0-9A-Za-z]+")


@dataclass(frozen=True)
class RegisterMap:
    """A validated register map: the single source of truth for every artifact."""

    device: Device
    categories: tuple[Category, ...]
    selectors: tuple[Selector, ...]
    registers: tuple[Register, ...]
    source: str = ""

    def __post_init__(self) -> None:
        features: dict[str, tuple[Register, Field]] = {}
        for reg in self.registers:
            for f in reg.fields:
                if f.feature is not None:
                    features[f.feature.name] = (reg, f)
        object.__setattr__(self, "_features", MappingProxyType(features))
        object.__setattr__(
            self, "_registers", MappingProxyType({r.name: r for r in self.registers})
        )

    # -- lookups ---------------------------------------------------------------------------
    def register(self, name: str) -> Register:
        try:
            return self._registers[name]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"no register named {name!r}") from None

    def feature(self, name: str) -> tuple[Register, Field]:
        """The register and field implementing the GenICam feature ``name``."""
        try:
            return self._features[name]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"no feature named {name!r}") from None

    @property
    def features(self) -> Mapping[str, tuple[Register, Field]]:
        return self._features  # type: ignore[attr-defined]

    def selector(self, name: str) -> Selector:
        for s in self.selectors:
            if s.name == name:
                return s
        raise KeyError(f"no selector named {name!r}")

    def constant(self, name: str) -> int:
        try:
            return self.device.constants[name].value
        except KeyError:
            raise KeyError(f"no constant named {name!r}") from None

    @property
    def clock_hz(self) -> int:
        return self.device.clock_hz

    @property
    def stem(self) -> str:
        """Base name of generated artifacts: the device name (``camera`` gives ``camera.h``)."""
        return self.device.name

    @property
    def c_prefix(self) -> str:
        return _IDENT.sub("_", self.device.name).upper()

    def with_device(self, **changes: object) -> RegisterMap:
        """A copy with device settings changed, e.g. a slow clock or short readout for tests.

        ``constants`` may be given as a mapping of name to new integer value, and ``resets`` as
        a mapping of feature name to new raw reset value (one value for every array element).
        """
        constants = changes.pop("constants", None)
        resets = changes.pop("resets", None)
        device = replace(self.device, **changes)  # type: ignore[arg-type]
        if constants:
            merged = dict(device.constants)
            for name, value in constants.items():  # type: ignore[attr-defined]
                if name not in merged:
                    raise KeyError(f"no constant named {name!r}")
                merged[name] = replace(merged[name], value=int(value))
            device = replace(device, constants=MappingProxyType(merged))
        registers = self.registers
        if resets:
            registers = tuple(_with_resets(reg, resets) for reg in registers)  # type: ignore[arg-type]
            unknown = set(resets) - set(self.features)  # type: ignore[arg-type]
            if unknown:
                raise KeyError(f"no feature named {sorted(unknown)[0]!r}")
        return replace(self, device=device, registers=registers)


def _with_resets(reg: Register, resets: Mapping[str, int]) -> Register:
    """``reg`` with the reset values of the features named in ``resets`` replaced."""
    fields = tuple(
        replace(f, reset=(int(resets[f.feature.name]),))
        if f.feature is not None and f.feature.name in resets
        else f
        for f in reg.fields
    )
    return replace(reg, fields=fields)
