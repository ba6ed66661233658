"""Typed, field-level access to the camera's features over any register bus.

The access logic is written once as generators that yield bus operations; :class:`RegisterFile`
drives them over a synchronous :class:`~firmware_model.bank.Bus` and
:class:`AsyncRegisterFile` over an :class:`~firmware_model.bank.AsyncBus`.

>>> cam = RegisterFile(rmap, RegisterBank(rmap))
>>> cam.TriggerSelector = "FrameStart"
>>> cam.TriggerDelay = 250.0          # microseconds, converted with the map's scale
>>> cam.execute("TriggerSoftware")
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Generator
from typing import Any

from regmap import Access, Field, Interface, Register, RegisterMap

from .bank import AsyncBus, Bus

__all__ = ["AsyncRegisterFile", "FeatureValue", "RegisterFile", "UnknownNameError"]

FeatureValue = bool | int | float | str
"""A feature value in user units: enum name, bool, int or float (µs, Hz, fixed point)."""

# A bus operation: ("r", addr) -> int, or ("w", addr, value, strobe) -> None.
_Op = tuple
_Gen = Generator[_Op, Any, Any]


class UnknownNameError(KeyError, AttributeError):
    """A feature, selector or value name that the register map does not define."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _did_you_mean(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


class _RegisterLogic:
    """The bus-independent part: name resolution, selectors, conversions, access rules."""

    _OWN = frozenset({"rmap", "_selectors", "_wo_shadow", "_bus", "_keep"})

    def __init__(self, rmap: RegisterMap) -> None:
        object.__setattr__(self, "rmap", rmap)
        object.__setattr__(self, "_selectors", {s.name: 0 for s in rmap.selectors})
        object.__setattr__(self, "_wo_shadow", {})
        object.__setattr__(self, "_keep", {})

    # -- names --------------------------------------------------------------------------
    def _names(self) -> list[str]:
        return list(self.rmap.features) + [s.name for s in self.rmap.selectors]

    def _feature(self, name: str) -> tuple[Register, Field]:
        if not isinstance(name, str):
            raise TypeError(f"feature name must be a str, not {name!r}")
        try:
            return self.rmap.features[name]
        except KeyError:
            pass
        hint = _did_you_mean(name, self._names())
        raise UnknownNameError(f"no feature named {name!r}{hint}") from None

    def features(self) -> list[str]:
        """Names of every feature of the register map."""
        return list(self.rmap.features)

    # -- selectors ----------------------------------------------------------------------
    def select(self, selector: str, value: str) -> None:
        """Set host-side selector state, e.g. ``select("LineSelector", "Line2")``."""
        sel = self._selector(selector)
        try:
            index = sel.index(value) if isinstance(value, str) else None
        except KeyError:
            index = None
        if index is None:
            names = [v.name for v in sel.values]
            hint = _did_you_mean(str(value), names)
            raise ValueError(
                f"{selector} must be one of {', '.join(names)}, not {value!r}{hint}"
            ) from None
        self._selectors[selector] = index

    def selected(self, selector: str) -> str:
        """The current value name of a selector."""
        sel = self._selector(selector)
        return sel.values[self._selectors[selector]].name

    def _selector(self, name: str):
        if name not in self._selectors:
            hint = _did_you_mean(name, [s.name for s in self.rmap.selectors])
            raise UnknownNameError(f"no selector named {name!r}{hint}")
        return self.rmap.selector(name)

    def _index(self, reg: Register, fname: str, sel: dict[str, str]) -> int:
        chosen = reg.array.selector if reg.array else None
        for key in sel:
            self._selector(key)
            if key != chosen:
                raise ValueError(f"feature {fname!r} is not selected by {key}")
        if chosen is None:
            return 0
        if chosen in sel:
            s = self.rmap.selector(chosen)
            try:
                return s.index(sel[chosen])
            except KeyError:
                names = [v.name for v in s.values]
                raise ValueError(
                    f"{chosen} must be one of {', '.join(names)}, not {sel[chosen]!r}"
                ) from None
        return self._selectors[chosen]

    def address(self, name: str, **selectors: str) -> int:
        """Bus address of the register holding a feature (for the current/given selectors)."""
        reg, _f = self._feature(name)
        return reg.address_of(self._index(reg, name, selectors))

    # -- conversions --------------------------------------------------------------------
    def to_raw(self, name: str, value: FeatureValue) -> int:
        """Convert a user value of a feature to its raw field value, with range checks."""
        _reg, f = self._feature(name)
        iface = f.feature.interface if f.feature else Interface.INTEGER
        if iface is Interface.COMMAND:
            raise TypeError(f"feature {name!r} is a command; use execute({name!r})")
        if iface is Interface.ENUMERATION:
            names = [e.name for e in f.enum]
            if not isinstance(value, str) or value not in names:
                hint = _did_you_mean(str(value), names)
                raise ValueError(f"{name} must be one of {', '.join(names)}, not {value!r}{hint}")
            return f.enum_value(value)
        if iface is Interface.BOOLEAN:
            if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
                return int(value)
            raise TypeError(f"{name} must be a bool, not {value!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name} must be a number, not {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{name} must be finite, not {value!r}")
        if iface is Interface.INTEGER and isinstance(value, float) and not value.is_integer():
            raise ValueError(f"{name} must be an integer, not {value!r}")
        raw = f.scale.to_raw(value, self.rmap.clock_hz)
        lo, hi = f.raw_limits(self.rmap.clock_hz)
        if not (lo <= raw <= hi and 0 <= raw <= f.max_raw):
            unit = f" {f.unit}" if f.unit else ""
            lo_v = f.min if f.min is not None else f.scale.from_raw(lo, self.rmap.clock_hz)
            hi_v = f.max if f.max is not None else f.scale.from_raw(hi, self.rmap.clock_hz)
            raise ValueError(
                f"{name} must be between {_num(lo_v)} and {_num(hi_v)}{unit}, not {value!r}"
            )
        return raw

    def from_raw(self, name: str, raw: int) -> FeatureValue:
        """Convert a raw field value of a feature to its user value."""
        _reg, f = self._feature(name)
        iface = f.feature.interface if f.feature else Interface.INTEGER
        if iface is Interface.ENUMERATION:
            e = f.enum_name(raw)
            return e if e is not None else raw
        if iface in (Interface.BOOLEAN, Interface.COMMAND):
            return bool(raw)
        if iface is Interface.INTEGER:
            return raw
        return f.scale.from_raw(raw, self.rmap.clock_hz)

    # -- access generators --------------------------------------------------------------
    def _g_get_raw(self, name: str, sel: dict[str, str]) -> _Gen:
        reg, f = self._feature(name)
        addr = reg.address_of(self._index(reg, name, sel))
        if f.access in (Access.WO, Access.PULSE):
            kind = "a command" if f.access is Access.PULSE else "write-only"
            raise TypeError(f"feature {name!r} is {kind} and cannot be read")
        word = yield ("r", addr)
        return (word & f.mask) >> f.lsb

    def _g_get(self, name: str, sel: dict[str, str]) -> _Gen:
        raw = yield from self._g_get_raw(name, sel)
        return self.from_raw(name, raw)

    def _g_set_raw(self, name: str, raw: int, sel: dict[str, str]) -> _Gen:
        reg, f = self._feature(name)
        index = self._index(reg, name, sel)
        addr = reg.address_of(index)
        if not f.access.writable:
            raise ValueError(f"feature {name!r} is read-only")
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= f.max_raw:
            raise ValueError(
                f"raw value of {name} must be an integer in 0..{f.max_raw}, not {raw!r}"
            )
        # Fields whose value must be preserved by a read-modify-write (once per feature).
        keep = self._keep.get(name)
        if keep is None:
            keep_rw = 0
            keep_wo = 0
            for other in reg.fields:
                if other is f:
                    continue
                if other.access is Access.RW:
                    keep_rw |= other.mask
                elif other.access is Access.WO:
                    keep_wo |= other.mask
            keep = self._keep[name] = (keep_rw, keep_wo)
        keep_rw, keep_wo = keep
        word = 0
        if keep_rw:
            current = yield ("r", addr)
            word |= current & keep_rw
        if keep_wo:
            word |= self._wo_shadow.get(addr, reg.reset_value(index)) & keep_wo
        # w1c, w1s and pulse bits of other fields are written 0; ro/rc bits 0 too.
        word |= (raw << f.lsb) & f.mask
        yield ("w", addr, word, 0xF)
        if f.access is Access.WO or keep_wo:
            self._wo_shadow[addr] = word

    def _g_set(self, name: str, value: FeatureValue, sel: dict[str, str]) -> _Gen:
        _reg, f = self._feature(name)
        if not f.access.writable:
            raise ValueError(f"feature {name!r} is read-only")
        raw = self.to_raw(name, value)
        yield from self._g_set_raw(name, raw, sel)

    def _g_execute(self, name: str, sel: dict[str, str]) -> _Gen:
        _reg, f = self._feature(name)
        iface = f.feature.interface if f.feature else None
        if iface is not Interface.COMMAND and f.access is not Access.PULSE:
            raise TypeError(f"feature {name!r} is not a command")
        yield from self._g_set_raw(name, 1, sel)

    # -- attribute sugar (selectors are host state) ---------------------------------------
    def _is_selector(self, name: str) -> bool:
        return name in self._selectors

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._names()))


class RegisterFile(_RegisterLogic):
    """Synchronous feature access: ``cam.TriggerDelay = 250.0``, ``cam.get("LineStatus")``."""

    def __init__(self, rmap: RegisterMap, bus: Bus) -> None:
        super().__init__(rmap)
        object.__setattr__(self, "_bus", bus)

    @property
    def bus(self) -> Bus:
        """The bus the registers are accessed over."""
        return self._bus

    def _run(self, gen: _Gen) -> Any:
        bus = self._bus
        try:
            op = next(gen)
            while True:
                if op[0] == "r":
                    result = bus.read(op[1])
                else:
                    bus.write(op[1], op[2], op[3])
                    result = None
                op = gen.send(result)
        except StopIteration as stop:
            return stop.value

    def get(self, name: str, **selectors: str) -> FeatureValue:
        """Read a feature in user units (enum name, bool, int, µs, Hz...)."""
        if self._is_selector(name) and not selectors:
            return self.selected(name)
        return self._run(self._g_get(name, selectors))

    def set(self, name: str, value: FeatureValue, **selectors: str) -> None:
        """Write a feature in user units; selectors given here apply to this call only."""
        if self._is_selector(name) and not selectors:
            self.select(name, value)  # type: ignore[arg-type]
            return
        self._run(self._g_set(name, value, selectors))

    def get_raw(self, name: str, **selectors: str) -> int:
        """Read a feature's raw field value."""
        return self._run(self._g_get_raw(name, selectors))

    def set_raw(self, name: str, raw: int, **selectors: str) -> None:
        """Write a feature's raw field value (only checked against the field width)."""
        self._run(self._g_set_raw(name, raw, selectors))

    def execute(self, name: str, **selectors: str) -> None:
        """Execute a command feature (write 1 to its pulse field)."""
        self._run(self._g_execute(name, selectors))

    def __getitem__(self, name: str) -> FeatureValue:
        return self.get(name)

    def __setitem__(self, name: str, value: FeatureValue) -> None:
        self.set(name, value)

    def __getattr__(self, name: str) -> FeatureValue:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or name in self._OWN:
            object.__setattr__(self, name, value)
        else:
            self.set(name, value)


class AsyncRegisterFile(_RegisterLogic):
    """Asynchronous feature access: ``await acam.set("TriggerDelay", 250.0)``.

    Selectors are host state and can be assigned directly: ``acam.LineSelector = "Line2"``.
    """

    def __init__(self, rmap: RegisterMap, bus: AsyncBus) -> None:
        super().__init__(rmap)
        object.__setattr__(self, "_bus", bus)

    @property
    def bus(self) -> AsyncBus:
        """The bus the registers are accessed over."""
        return self._bus

    async def _run(self, gen: _Gen) -> Any:
        bus = self._bus
        try:
            op = next(gen)
            while True:
                if op[0] == "r":
                    result = await bus.read(op[1])
                else:
                    await bus.write(op[1], op[2], op[3])
                    result = None
                op = gen.send(result)
        except StopIteration as stop:
            return stop.value

    async def get(self, name: str, **selectors: str) -> FeatureValue:
        """Read a feature in user units."""
        if self._is_selector(name) and not selectors:
            return self.selected(name)
        return await self._run(self._g_get(name, selectors))

    async def set(self, name: str, value: FeatureValue, **selectors: str) -> None:
        """Write a feature in user units; selectors given here apply to this call only."""
        if self._is_selector(name) and not selectors:
            self.select(name, value)  # type: ignore[arg-type]
            return
        await self._run(self._g_set(name, value, selectors))

    async def get_raw(self, name: str, **selectors: str) -> int:
        """Read a feature's raw field value."""
        return await self._run(self._g_get_raw(name, selectors))

    async def set_raw(self, name: str, raw: int, **selectors: str) -> None:
        """Write a feature's raw field value (only checked against the field width)."""
        await self._run(self._g_set_raw(name, raw, selectors))

    async def execute(self, name: str, **selectors: str) -> None:
        """Execute a command feature."""
        await self._run(self._g_execute(name, selectors))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._selectors:
            return self.selected(name)
        self._feature(name)
        raise AttributeError(f"use 'await {type(self).__name__}.get({name!r})' for features")

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_") or name in self._OWN:
            object.__setattr__(self, name, value)
        elif name in self._selectors:
            self.select(name, value)
        else:
            self._feature(name)
            raise TypeError(f"use 'await {type(self).__name__}.set({name!r}, value)' for features")
