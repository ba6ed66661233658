"""AXI4-Lite register bank generated from a register map at elaboration time."""

# Bus timing (docs/semantics.md, "Bus accesses"): a write is performed in the cycle in which the
# last of its address and data handshakes completes (cycle t); storage shows the new value from
# t+1, a pulse field is high exactly in t+1 and the register's `written` strobe is high in t
# itself. A read is performed in its AR handshake cycle: it samples the fields in that cycle and
# clears rc fields at its end; RDATA is valid from t+1.

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from regmap.model import Access, Field, Register, RegisterMap

from .axi import RESP_OKAY, RESP_SLVERR, AXI4LiteSignature

__all__ = ["FIELD_RULES", "FieldRule", "RegisterBank", "register_signature"]


class FieldRule:
    """Storage and bus behaviour of one access type."""

    access: Access

    def members(self, field: Field) -> dict[str, wiring.Member]:
        """Members this field adds to its register's interface (bank's view)."""
        return {field.name: Out(field.width)}

    def elaborate(self, m, field, port, reset, wr, wr_data, wr_mask, rd):
        """Add the field's logic to ``m``; return the value a software read returns."""
        raise NotImplementedError


class RWRule(FieldRule):
    """Read-write storage, byte strobes honoured."""

    access = Access.RW

    def elaborate(self, m, field, port, reset, wr, wr_data, wr_mask, rd):
        value = getattr(port, field.name)
        store = Signal(field.width, init=reset, name=f"{field.name}_q")
        # One enable per byte lane: all bits of a lane share its strobe (wr_mask bit).
        start = 0
        while start < field.width:
            stop = min(field.width, start + 8 - (field.lsb + start) % 8)
            with m.If(wr & wr_mask[start]):
                m.d.sync += store[start:stop].eq(wr_data[start:stop])
            start = stop
        m.d.comb += value.eq(store)
        return store


class WORule(RWRule):
    """Write-only storage: stores like ``rw`` and reads as 0."""

    access = Access.WO

    def elaborate(self, m, field, port, reset, wr, wr_data, wr_mask, rd):
        super().elaborate(m, field, port, reset, wr, wr_data, wr_mask, rd)
        return Const(0, field.width)


class RORule(FieldRule):
    """Read-only value driven by the gateware."""

    access = Access.RO

    def members(self, field):
        return {field.name: In(field.width)}

    def elaborate(self, m, field, port, reset, wr, wr_data, wr_mask, rd):
        return getattr(port, field.name)


class W1CRule(FieldRule):
    """Write 1 to clear; the gateware's ``<name>_set`` input sets and wins over a clear."""

    access = Access.W1C

    def members(self, field):
        return {field.name: Out(field.width), f"{field.name}_set": In(field.width)}

    def elaborate(self, m, field, port, reset, wr, wr_data, wr_mask, rd):
        store = Signal(field.width, init=reset, name=f"{field.name}_q")
        cleared = Mux(wr, store & ~(wr_data & wr_mask), store)
        m.d.sync += store.eq(cleared | getattr(port, f"{field.name}_set"))
        m.d.comb += getattr(port, field.name).eq(store)
        return store


class W1SRule(FieldRule):
    """Write 1 to set; the gateware's ``<name>_clr`` input clears, a software set wins."""

    access = Access.W1S

    def members(self, field):
        return {field.name: Out(field.width), f"{field.name}_clr": In(field.width)}

    def elaborate(self, m, field, port, reset, wr, wr_data, wr_mask, rd):
        store = Signal(field.width, init=reset, name=f"{field.name}_q")
        kept = store & ~getattr(port, f"{field.name}_clr")
        m.d.sync += store.eq(Mux(wr, kept | (wr_data & wr_mask), kept))
        m.d.comb += getattr(port, field.name).eq(store)
        return store


class PulseRule(FieldRule):
    """Self-clearing command: a written 1 is high for exactly the next cycle; reads 0."""

    access = Access.PULSE

    def elaborate(self, m, field, port, reset, wr, wr_data, wr_mask, rd):
        pulse = Signal(field.width, name=f"{field.name}_q")
        m.d.sync += pulse.eq(Mux(wr, wr_data & wr_mask, 0))
        m.d.comb += getattr(port, field.name).eq(pulse)
        return Const(0, field.width)


class RCRule(FieldRule):
    """Clear on read; the gateware's ``<name>_set`` input sets and wins over the clear."""

    access = Access.RC

    def members(self, field):
        return {field.name: Out(field.width), f"{field.name}_set": In(field.width)}

    def elaborate(self, m, field, port, reset, wr, wr_data, wr_mask, rd):
        store = Signal(field.width, init=reset, name=f"{field.name}_q")
        m.d.sync += store.eq(Mux(rd, 0, store) | getattr(port, f"{field.name}_set"))
        m.d.comb += getattr(port, field.name).eq(store)
        return store


#: One rule object per access type.
FIELD_RULES: dict[Access, FieldRule] = {
    rule.access: rule
    for rule in (RWRule(), RORule(), WORule(), W1CRule(), W1SRule(), PulseRule(), RCRule())
}


def register_signature(reg: Register) -> wiring.Signature:
    """Interface of one register (element) as the bank sees it, plus its ``written`` strobe."""
    members: dict[str, wiring.Member] = {"written": Out(1)}
    for f in reg.fields:
        for name, member in FIELD_RULES[f.access].members(f).items():
            if name in members:
                raise ValueError(
                    f"field names of register {reg.name} must give unique port names, "
                    f"not a second {name!r}"
                )
            members[name] = member
    return wiring.Signature(members)


def _regs_signature(rmap: RegisterMap) -> wiring.Signature:
    members = {}
    for reg in rmap.registers:
        member = Out(register_signature(reg))
        members[reg.name] = member.array(reg.count) if reg.array else member
    return wiring.Signature(members)


class RegisterBank(wiring.Component):
    """AXI4-Lite subordinate holding every register of a map, its fields exposed by name."""

    # regs.<REGISTER> (regs.<REGISTER>[i] for arrays) has one member per field (plus
    # <field>_set/<field>_clr hardware inputs for w1c/rc/w1s) and a `written` strobe, high in
    # the cycle a write to that register (element) is performed with an OKAY response. Unmapped
    # or unaligned addresses and writes to read-only registers answer SLVERR.

    def __init__(self, rmap: RegisterMap):
        if not isinstance(rmap, RegisterMap):
            raise TypeError(f"rmap must be a RegisterMap, not {rmap!r}")
        if rmap.device.bus_width != 32:
            raise ValueError(f"bus_width must be 32, not {rmap.device.bus_width!r}")
        self._rmap = rmap
        super().__init__({"bus": In(AXI4LiteSignature()), "regs": Out(_regs_signature(rmap))})

    @property
    def rmap(self) -> RegisterMap:
        """The register map the bank implements."""
        return self._rmap

    def reg(self, name: str, index: int | None = None):
        """The interface of register ``name`` (element ``index`` of an array)."""
        port = getattr(self.regs, name)
        if index is None:
            if self._rmap.register(name).array:
                raise ValueError(f"index must be given for array register {name}, not None")
            return port
        return port[index] if self._rmap.register(name).array else port

    def elaborate(self, platform):
        m = Module()
        bus = self.bus

        # ---- write channel: AW and W are buffered independently, one outstanding write.
        aw_full = Signal()
        aw_addr = Signal(32)
        w_full = Signal()
        w_data = Signal(32)
        w_strb = Signal(4)
        bvalid = Signal()
        bresp = Signal(2)
        m.d.comb += [
            bus.awready.eq(~aw_full & ~bvalid),
            bus.wready.eq(~w_full & ~bvalid),
            bus.bvalid.eq(bvalid),
            bus.bresp.eq(bresp),
        ]
        aw_hs = bus.awvalid & bus.awready
        w_hs = bus.wvalid & bus.wready
        wr_addr = Mux(aw_full, aw_addr, bus.awaddr)
        wr_data = Mux(w_full, w_data, bus.wdata)
        wr_strb = Mux(w_full, w_strb, bus.wstrb)
        do_write = Signal()
        m.d.comb += do_write.eq((aw_full | aw_hs) & (w_full | w_hs))
        wr_mask = Signal(32)
        m.d.comb += wr_mask.eq(Cat(*(bit.replicate(8) for bit in wr_strb)))

        # ---- read channel: one outstanding read, RDATA registered.
        rvalid = Signal()
        rdata = Signal(32)
        rresp = Signal(2)
        m.d.comb += [
            bus.arready.eq(~rvalid),
            bus.rvalid.eq(rvalid),
            bus.rdata.eq(rdata),
            bus.rresp.eq(rresp),
        ]
        ar_hs = Signal()
        m.d.comb += ar_hs.eq(bus.arvalid & bus.arready)

        # ---- address decoder: the bits common to all registers are compared once.
        addresses = [reg.address_of(i) for reg in self._rmap.registers for i in range(reg.count)]
        shift = max(2, *((a ^ addresses[0]).bit_length() for a in addresses))
        prefix = addresses[0] >> shift
        wr_window = Signal()
        rd_window = Signal()
        m.d.comb += [
            wr_window.eq(do_write & (wr_addr[shift:] == prefix) & (wr_addr[:2] == 0)),
            rd_window.eq(ar_hs & (bus.araddr[shift:] == prefix) & (bus.araddr[:2] == 0)),
        ]
        wr_index = wr_addr[2:shift]
        rd_index = bus.araddr[2:shift]

        wr_hits = []
        wr_ok = []
        rd_hits = []
        rd_values = []
        for reg in self._rmap.registers:
            ports = getattr(self.regs, reg.name)
            for i in range(reg.count):
                port = ports[i] if reg.array else ports
                addr = reg.address_of(i)
                suffix = f"{reg.name}_{i}" if reg.array else reg.name
                wr_hit = Signal(name=f"wr_hit_{suffix}")
                rd_hit = Signal(name=f"rd_hit_{suffix}")
                index = (addr >> 2) & ((1 << (shift - 2)) - 1)
                m.d.comb += [
                    wr_hit.eq(wr_window & (wr_index == index)),
                    rd_hit.eq(rd_window & (rd_index == index)),
                ]
                wr_hits.append(wr_hit)
                rd_hits.append(rd_hit)
                writable = not reg.read_only
                if writable:
                    wr_ok.append(wr_hit)
                    m.d.comb += port.written.eq(wr_hit)
                value = Const(0, 32)
                for f in reg.fields:
                    rule = FIELD_RULES[f.access]
                    field_value = rule.elaborate(
                        m,
                        f,
                        port,
                        f.reset_for(i),
                        wr_hit if writable else Const(0),
                        wr_data[f.lsb : f.msb + 1],
                        wr_mask[f.lsb : f.msb + 1],
                        rd_hit,
                    )
                    value = value | (Value.cast(field_value) << f.lsb)
                rd_values.append(value[:32])

        any_wr_ok = Cat(*wr_ok).any() if wr_ok else Const(0)
        with m.If(do_write):
            m.d.sync += [
                aw_full.eq(0),
                w_full.eq(0),
                bvalid.eq(1),
                bresp.eq(Mux(any_wr_ok, RESP_OKAY, RESP_SLVERR)),
            ]
        with m.Else():
            with m.If(aw_hs):
                m.d.sync += [aw_full.eq(1), aw_addr.eq(bus.awaddr)]
            with m.If(w_hs):
                m.d.sync += [w_full.eq(1), w_data.eq(bus.wdata), w_strb.eq(bus.wstrb)]
            with m.If(bvalid & bus.bready):
                m.d.sync += bvalid.eq(0)

        # The selected register's value: the OR of every register's value gated by its hit, as
        # a balanced tree (a chain as long as a large map would nest too deeply to elaborate).
        terms = [Mux(hit, value, 0) for hit, value in zip(rd_hits, rd_values, strict=True)]
        while len(terms) > 1:
            terms = [a | b for a, b in zip(terms[::2], terms[1::2], strict=False)] + (
                terms[-1:] if len(terms) % 2 else []
            )
        read_value = terms[0] if terms else Const(0, 32)
        any_rd = Cat(*rd_hits).any()
        with m.If(ar_hs):
            m.d.sync += [
                rvalid.eq(1),
                rdata.eq(read_value),
                rresp.eq(Mux(any_rd, RESP_OKAY, RESP_SLVERR)),
            ]
        with m.Elif(rvalid & bus.rready):
            m.d.sync += rvalid.eq(0)
        return m
