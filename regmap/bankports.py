"""The interface of the AXI4-Lite register bank generated for a map (``<name>_regs.v``).

Every map gets a register bank: ``clk``, ``rst`` (synchronous, active high), a flat AXI4-Lite
subordinate port ``s_axil_*`` and typed ports for the fields, named ``<REG>_<field>`` (array
elements ``<REG>_<i>_<field>``):

==========  ===========================================================================
access      ports
==========  ===========================================================================
rw, wo      ``<REG>_<field>`` output: the stored value
ro          ``<REG>_<field>`` input: the value the hardware drives (software reads it)
w1c, rc     ``<REG>_<field>`` output, ``<REG>_<field>_set`` input (set wins over a clear)
w1s         ``<REG>_<field>`` output, ``<REG>_<field>_clr`` input (a software set wins)
pulse       ``<REG>_<field>`` output, high for one cycle after a write of 1
==========  ===========================================================================

and ``<REG>_written``, high in the cycle a write to that register (element) is performed.
Bus timing and the rules of each access type: ``docs/semantics.md``, "Bus accesses". This
module is the single definition of those names: the gateware builds its ports from it and the
register documentation lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Access, Field, Register, RegisterMap

__all__ = ["AXI_PORTS", "AXI_PREFIX", "BankPort", "bank_module", "bank_ports", "field_ports"]

AXI_PREFIX = "s_axil"
#: AXI4-Lite signals of the subordinate: (name without prefix, direction, width), AXI order.
AXI_PORTS = (
    ("awaddr", "input", 32),
    ("awprot", "input", 3),
    ("awvalid", "input", 1),
    ("awready", "output", 1),
    ("wdata", "input", 32),
    ("wstrb", "input", 4),
    ("wvalid", "input", 1),
    ("wready", "output", 1),
    ("bresp", "output", 2),
    ("bvalid", "output", 1),
    ("bready", "input", 1),
    ("araddr", "input", 32),
    ("arprot", "input", 3),
    ("arvalid", "input", 1),
    ("arready", "output", 1),
    ("rdata", "output", 32),
    ("rresp", "output", 2),
    ("rvalid", "output", 1),
    ("rready", "input", 1),
)

_HW_INPUT = {Access.W1C: "_set", Access.RC: "_set", Access.W1S: "_clr"}


@dataclass(frozen=True)
class BankPort:
    """One port of the register bank module."""

    name: str
    direction: str
    """``input`` or ``output`` (of the bank)."""
    width: int
    description: str
    register: str = ""
    index: int | None = None
    member: str = ""
    """The member of the register's interface: a field name, ``<field>_set``/``_clr``, or
    ``written``."""


def bank_module(rmap: RegisterMap) -> str:
    """The Verilog module (and file stem) of the map's register bank."""
    return f"{rmap.device.name}_regs"


def field_ports(f: Field) -> list[tuple[str, str, str]]:
    """``(member, direction, description)`` of the ports one field adds to its register."""
    where = f"[{f.msb}:{f.lsb}] {f.access.value}"
    if f.access is Access.RO:
        return [(f.name, "input", f"{where}: value driven by the hardware")]
    ports = [(f.name, "output", f"{where}: " + _OUT_TEXT[f.access])]
    if f.access in _HW_INPUT:
        verb = "clears" if f.access is Access.W1S else "sets"
        ports.append((f.name + _HW_INPUT[f.access], "input", f"{where}: 1 {verb} the field"))
    return ports


_OUT_TEXT = {
    Access.RW: "stored value",
    Access.WO: "stored value (reads as 0)",
    Access.W1C: "flag (write 1 to clear)",
    Access.W1S: "flag (write 1 to set)",
    Access.PULSE: "one-cycle pulse after a write of 1",
    Access.RC: "flag (cleared when read)",
}


def register_members(reg: Register) -> list[tuple[str, str, int, str]]:
    """``(member, direction, width, description)`` of one register (element)."""
    members = [("written", "output", 1, "a write to the register is performed in this cycle")]
    for f in reg.fields:
        members += [(m, d, f.width, text) for m, d, text in field_ports(f)]
    return members


def bank_ports(rmap: RegisterMap) -> list[BankPort]:
    """Every port of ``<name>_regs``, in module order."""
    ports = [
        BankPort("clk", "input", 1, f"clock, {rmap.clock_hz} Hz"),
        BankPort("rst", "input", 1, "synchronous reset, active high"),
    ]
    ports += [BankPort(f"{AXI_PREFIX}_{n}", d, w, "AXI4-Lite subordinate") for n, d, w in AXI_PORTS]
    for reg in rmap.registers:
        members = register_members(reg)
        for i in range(reg.count):
            stem = f"{reg.name}_{i}" if reg.array else reg.name
            for member, direction, width, text in members:
                ports.append(
                    BankPort(
                        f"{stem}_{member}",
                        direction,
                        width,
                        text,
                        reg.name,
                        i if reg.array else None,
                        member,
                    )
                )
    return ports
