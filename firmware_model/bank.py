"""In-memory register bank implementing the bus access rules of docs/semantics.md.

The bank is both a bus slave (``read``/``write``, raising :class:`BusError` for SLVERR) and the
hardware side of the registers (``hw_*`` methods) used by the behavioural model.
"""

from __future__ import annotations

from collections.abc import Callable

from regmap import Access, Field, Register, RegisterMap

from .buses import AsyncBus, Bus

__all__ = ["AsyncBus", "Bus", "BusError", "RegisterBank"]


class BusError(Exception):
    """A bus access answered SLVERR (unmapped address or write to a read-only register)."""

    def __init__(self, addr: int, kind: str, reason: str) -> None:
        self.addr = addr
        self.kind = kind
        self.reason = reason
        super().__init__(f"SLVERR on {kind} at 0x{addr:08X}: {reason}")


def strobe_mask(strobe: int) -> int:
    """The 32-bit bit mask selected by a 4-bit byte strobe."""
    if not 0 <= strobe <= 0xF:
        raise ValueError(f"strobe must be a 4-bit byte mask, not {strobe!r}")
    mask = 0
    for i in range(4):
        if strobe >> i & 1:
            mask |= 0xFF << (8 * i)
    return mask


class _Slot:
    """Decoded access masks of one register instance."""

    __slots__ = (
        "index",
        "pulse",
        "rc",
        "read_mask",
        "read_only",
        "reg",
        "store",
        "w1c",
        "w1s",
    )

    def __init__(self, reg: Register, index: int) -> None:
        self.reg = reg
        self.index = index
        self.read_only = reg.read_only
        masks = {a: 0 for a in Access}
        for f in reg.fields:
            masks[f.access] |= f.mask
        self.read_mask = 0
        for a, m in masks.items():
            if a.readable:
                self.read_mask |= m
        self.store = masks[Access.RW] | masks[Access.WO]
        self.w1c = masks[Access.W1C]
        self.w1s = masks[Access.W1S]
        self.pulse = masks[Access.PULSE]
        self.rc = masks[Access.RC]


class RegisterBank:
    """The camera's registers in memory, with the access rules of every access type.

    A ``write()`` between two model steps is performed in the cycle that just ran; the next step
    sees the new value and any pulse fields written with 1 (high for exactly that step).
    """

    def __init__(self, rmap: RegisterMap) -> None:
        self.rmap = rmap
        self._slots: dict[int, _Slot] = {}
        self.values: dict[int, int] = {}
        for reg in rmap.registers:
            for i in range(reg.count):
                addr = reg.address_of(i)
                self._slots[addr] = _Slot(reg, i)
                self.values[addr] = reg.reset_value(i)
        self._pending_pulses: dict[int, int] = {}
        self.pulses: dict[int, int] = {}
        """Pulse bits high in the current cycle, by address."""
        self._hw_set: dict[int, int] = {}
        self._hw_clear: dict[int, int] = {}
        self._sw_set: dict[int, int] = {}
        self.version = 0
        """Incremented on every write that is performed (for configuration caches)."""
        self.read_hook: Callable[[], None] | None = None
        """Called before each software read (the model drives hardware-driven fields then)."""
        self.write_hooks: list[Callable[[int, int, int], None]] = []
        """Called as ``hook(addr, old_value, new_value)`` after each performed write."""

    # -- bus slave ------------------------------------------------------------------------
    def read(self, addr: object) -> int:
        """Software read; ``rc`` fields clear after being returned."""
        if not isinstance(addr, int) or addr < 0:
            raise ValueError(f"address must be an integer >= 0, not {addr!r}")
        slot = self._slots.get(addr)
        if slot is None:
            raise BusError(addr, "read", "unmapped address")
        if self.read_hook is not None:
            self.read_hook()
        value = self.values[addr]
        if slot.rc:
            self.values[addr] = value & ~slot.rc
        return value & slot.read_mask

    def write(self, addr: object, value: object, strobe: object = 0xF) -> None:
        """Software write with byte strobes; SLVERR for unmapped or read-only registers.

        (``object`` arguments: checked here, the same way compiled and interpreted.)"""
        if not isinstance(addr, int) or addr < 0:
            raise ValueError(f"address must be an integer >= 0, not {addr!r}")
        if not isinstance(value, int) or not 0 <= value <= 0xFFFF_FFFF:
            raise ValueError(f"value must be a 32-bit unsigned integer, not {value!r}")
        if not isinstance(strobe, int):
            raise ValueError(f"strobe must be a 4-bit byte mask, not {strobe!r}")
        bits = strobe_mask(strobe)
        slot = self._slots.get(addr)
        if slot is None:
            raise BusError(addr, "write", "unmapped address")
        if slot.read_only:
            raise BusError(addr, "write", f"register {slot.reg.name} is read-only")
        v = value & bits
        old = self.values[addr]
        new = (old & ~(slot.store & bits)) | (v & slot.store)
        # w1c: a 1 clears unless the hardware set the bit in this same cycle (set wins).
        new &= ~(v & slot.w1c)
        new |= v & slot.w1s
        if v & slot.w1s:
            self._sw_set[addr] = self._sw_set.get(addr, 0) | (v & slot.w1s)
        self.values[addr] = new
        if v & slot.pulse:
            self._pending_pulses[addr] = self._pending_pulses.get(addr, 0) | (v & slot.pulse)
        self.version += 1
        for hook in self.write_hooks:
            hook(addr, old, new)

    # -- hardware side --------------------------------------------------------------------
    def begin_cycle(self) -> None:
        """Start a new cycle: apply the previous cycle's hardware sets/clears, raise its pulses.

        Hardware set inputs win over software clears performed in the same cycle, and software
        sets (``w1s``) win over hardware clears, as docs/semantics.md requires.
        """
        self.pulses = self._pending_pulses
        self._pending_pulses = {}
        if self._hw_clear:
            values = self.values
            for addr, mask in self._hw_clear.items():
                values[addr] &= ~(mask & ~self._sw_set.get(addr, 0))
            self._hw_clear = {}
        if self._hw_set:
            values = self.values
            for addr, mask in self._hw_set.items():
                values[addr] |= mask
            self._hw_set = {}
        if self._sw_set:
            self._sw_set = {}

    def pulse(self, addr: int, field: Field) -> bool:
        """Whether the pulse field is high in the current cycle."""
        return bool(self.pulses.get(addr, 0) & field.mask)

    def hw_drive(self, addr: int, field: Field, value: int) -> None:
        """Drive the value of a hardware-driven (``ro``) field."""
        self.values[addr] = (self.values[addr] & ~field.mask) | ((value << field.lsb) & field.mask)

    def hw_set(self, addr: int, field: Field) -> None:
        """Set input of a ``w1c``/``rc`` field in this cycle: the bit reads 1 from the next one."""
        self._hw_set[addr] = self._hw_set.get(addr, 0) | field.mask

    def hw_clear(self, addr: int, field: Field) -> None:
        """Clear input of a ``w1s`` field in this cycle: the bit reads 0 from the next one."""
        self._hw_clear[addr] = self._hw_clear.get(addr, 0) | field.mask

    @property
    def idle(self) -> bool:
        """No pulse, hardware set or clear is waiting for the next cycle."""
        return not (self._pending_pulses or self._hw_set or self._hw_clear)

    @property
    def pulses_pending(self) -> bool:
        """A pulse field was written with 1: it is high in the next cycle."""
        return bool(self._pending_pulses)

    def field_value(self, addr: int, field: Field) -> int:
        """The stored value of a field, as the hardware sees it."""
        return (self.values[addr] & field.mask) >> field.lsb

    def slot_register(self, addr: int) -> tuple[Register, int]:
        """The register and array index at a mapped address."""
        slot = self._slots.get(addr)
        if slot is None:
            raise KeyError(f"no register at address 0x{addr:08X}")
        return slot.reg, slot.index
