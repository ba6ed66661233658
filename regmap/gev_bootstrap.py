"""The GigE Vision bootstrap registers (device addresses 0x0000-0x9FFF) that camtwin uses.

Source: GigE Vision specification 2.0, chapter 28 "Bootstrap registers" (table 28-1), cross-checked
against the register offsets of Aravis 0.8.26 (``src/arvgvcpprivate.h``), which clients on this
platform use. Bit positions here are the usual ones, bit 0 the least significant (the
specification numbers bits from the most significant end: its bit 31 is bit 0 here).

Every register is 32-bit big-endian on the wire; strings are NUL-padded ASCII of ``length``
bytes; 64-bit values are two registers, the most significant word first. Manufacturer-specific
registers (the register map's) start at :data:`MANUFACTURER_START`.

This module is data only: the GenICam XML generator emits the standard DeviceControl and
TransportLayerControl features over these addresses, and a GigE Vision device implements them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BOOTSTRAP",
    "CCP_CONTROL",
    "CCP_EXCLUSIVE",
    "CCP_SWITCHOVER_ENABLE",
    "HEARTBEAT_TIMEOUT_DEFAULT_MS",
    "HEARTBEAT_TIMEOUT_MIN_MS",
    "MANUFACTURER_START",
    "SCPS_DO_NOT_FRAGMENT",
    "SCPS_FIRE_TEST_PACKET",
    "SCPS_PACKET_SIZE_INC",
    "SCPS_PACKET_SIZE_MASK",
    "SCPS_PACKET_SIZE_MAX",
    "SCPS_PACKET_SIZE_MIN",
    "TIMESTAMP_CONTROL_LATCH",
    "TIMESTAMP_CONTROL_RESET",
    "BootstrapRegister",
    "bootstrap_register",
]


@dataclass(frozen=True)
class BootstrapRegister:
    """One bootstrap register (or string/64-bit block) of a GigE Vision device."""

    name: str
    """The specification's name, e.g. ``Manufacturer Name``."""
    address: int
    length: int
    """Bytes: 4 for a register, 8 for a 64-bit pair, 16-512 for a string."""
    access: str
    """``R``, ``RW`` or ``W`` as in the specification (for a host)."""
    description: str


BOOTSTRAP: tuple[BootstrapRegister, ...] = (
    BootstrapRegister(
        "Version", 0x0000, 4, "R", "GigE Vision version: major in bits 31:16, minor in 15:0."
    ),
    BootstrapRegister("Device Mode", 0x0004, 4, "R", "Endianness, device class and character set."),
    BootstrapRegister(
        "Device MAC Address High", 0x0008, 4, "R", "Upper 2 bytes of the MAC address (15:0)."
    ),
    BootstrapRegister(
        "Device MAC Address Low", 0x000C, 4, "R", "Lower 4 bytes of the MAC address."
    ),
    BootstrapRegister(
        "Supported IP Configuration", 0x0010, 4, "R", "IP configuration schemes supported."
    ),
    BootstrapRegister(
        "Current IP Configuration", 0x0014, 4, "RW", "IP configuration schemes activated."
    ),
    BootstrapRegister("Current IP Address", 0x0024, 4, "R", "IPv4 address of the device."),
    BootstrapRegister("Current Subnet Mask", 0x0034, 4, "R", "Subnet mask of the device."),
    BootstrapRegister("Current Default Gateway", 0x0044, 4, "R", "Default gateway."),
    BootstrapRegister("Manufacturer Name", 0x0048, 32, "R", "Manufacturer name (string)."),
    BootstrapRegister("Model Name", 0x0068, 32, "R", "Model name (string)."),
    BootstrapRegister("Device Version", 0x0088, 32, "R", "Device version (string)."),
    BootstrapRegister(
        "Manufacturer Specific Information", 0x00A8, 48, "R", "Manufacturer information (string)."
    ),
    BootstrapRegister("Serial Number", 0x00D8, 16, "R", "Serial number (string)."),
    BootstrapRegister("User-defined Name", 0x00E8, 16, "RW", "User-defined name (string)."),
    BootstrapRegister(
        "First URL", 0x0200, 512, "R", "URL of the XML, e.g. Local:<file>;<address>;<length>."
    ),
    BootstrapRegister("Second URL", 0x0400, 512, "R", "Alternative URL of the XML."),
    BootstrapRegister(
        "Number of Network Interfaces", 0x0600, 4, "R", "Number of physical network interfaces."
    ),
    BootstrapRegister(
        "Number of Message Channels", 0x0900, 4, "R", "Number of message channels (0 or 1)."
    ),
    BootstrapRegister("Number of Stream Channels", 0x0904, 4, "R", "Number of stream channels."),
    BootstrapRegister("GVCP Capability", 0x0934, 4, "R", "Optional GVCP features supported."),
    BootstrapRegister(
        "Heartbeat Timeout", 0x0938, 4, "RW", "Control-channel heartbeat timeout in ms."
    ),
    BootstrapRegister(
        "Timestamp Tick Frequency", 0x093C, 8, "R", "Timestamp ticks per second (64-bit)."
    ),
    BootstrapRegister(
        "Timestamp Control", 0x0944, 4, "W", "Write 2 to latch the timestamp, 1 to reset it."
    ),
    BootstrapRegister("Timestamp Value", 0x0948, 8, "R", "Latched timestamp value (64-bit)."),
    BootstrapRegister(
        "Control Channel Privilege", 0x0A00, 4, "RW", "CCP: exclusive (1) or control (2) access."
    ),
    BootstrapRegister(
        "Stream Channel Port 0", 0x0D00, 4, "RW", "SCP0: host UDP port of stream channel 0 (15:0)."
    ),
    BootstrapRegister(
        "Stream Channel Packet Size 0", 0x0D04, 4, "RW", "SCPS0: GVSP packet size in bytes (15:0)."
    ),
    BootstrapRegister(
        "Stream Channel Packet Delay 0", 0x0D08, 4, "RW", "SCPD0: inter-packet delay in ticks."
    ),
    BootstrapRegister(
        "Stream Channel Destination Address 0", 0x0D18, 4, "RW", "SCDA0: destination IPv4."
    ),
    BootstrapRegister(
        "Stream Channel Source Port 0", 0x0D1C, 4, "R", "SCSP0: device UDP source port (15:0)."
    ),
)

MANUFACTURER_START = 0xA000
"""First address of the manufacturer-specific register space."""

TIMESTAMP_CONTROL_RESET = 1 << 0
TIMESTAMP_CONTROL_LATCH = 1 << 1

CCP_EXCLUSIVE = 1 << 0
CCP_CONTROL = 1 << 1
CCP_SWITCHOVER_ENABLE = 1 << 2

HEARTBEAT_TIMEOUT_MIN_MS = 500
HEARTBEAT_TIMEOUT_DEFAULT_MS = 3000

SCPS_FIRE_TEST_PACKET = 1 << 31
SCPS_DO_NOT_FRAGMENT = 1 << 30
SCPS_PACKET_SIZE_MASK = 0xFFFF
SCPS_PACKET_SIZE_MIN = 576
"""Smallest GVSP packet (IP datagram) size a device accepts: the IPv4 minimum."""
SCPS_PACKET_SIZE_MAX = 9000
"""Largest GVSP packet size: a jumbo Ethernet frame's payload."""
SCPS_PACKET_SIZE_INC = 4


def bootstrap_register(name: str) -> BootstrapRegister:
    """The bootstrap register named ``name`` (the specification's name)."""
    for reg in BOOTSTRAP:
        if reg.name == name:
            return reg
    raise KeyError(f"no GigE Vision bootstrap register named {name!r}")
