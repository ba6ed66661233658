"""The GigE Vision bootstrap registers, built from a register map.

Addresses and layouts are those of :mod:`regmap.gev_bootstrap`, which the GenICam XML's
standard features point at (docs/gige.md lists every register served). The
manufacturer, model and version strings come from the map's ``device:`` section; the serial
number and the user-defined name from the caller; the first XML URL points at the GenICam XML
generated from the *same* map, held in device memory above the map's registers.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

from regmap import RegisterMap
from regmap import gev_bootstrap as gev
from regmap.generators import generate_genicam_xml

__all__ = [
    "BOOTSTRAP_SIZE",
    "CAPABILITIES",
    "CCP",
    "DEFAULT_HEARTBEAT_MS",
    "DEFAULT_PACKET_SIZE",
    "HEARTBEAT_TIMEOUT",
    "SCDA",
    "SCP0",
    "SCPD",
    "SCPS",
    "SCSP",
    "TIMESTAMP_CONTROL",
    "TIMESTAMP_VALUE_HIGH",
    "TIMESTAMP_VALUE_LOW",
    "Bootstrap",
    "XmlFile",
    "build_xml_file",
]


def _at(name: str) -> int:
    """The address of the bootstrap register ``name`` (the specification's name)."""
    return gev.bootstrap_register(name).address


def _block(name: str) -> tuple[int, int]:
    """(address, length in bytes) of the bootstrap string ``name``."""
    reg = gev.bootstrap_register(name)
    return reg.address, reg.length


VERSION = _at("Version")
DEVICE_MODE = _at("Device Mode")
MAC_HIGH = _at("Device MAC Address High")
MAC_LOW = _at("Device MAC Address Low")
SUPPORTED_IP_CONFIG = _at("Supported IP Configuration")
CURRENT_IP_CONFIG = _at("Current IP Configuration")
CURRENT_IP = _at("Current IP Address")
SUBNET_MASK = _at("Current Subnet Mask")
GATEWAY = _at("Current Default Gateway")
MANUFACTURER_NAME = _block("Manufacturer Name")
MODEL_NAME = _block("Model Name")
DEVICE_VERSION = _block("Device Version")
MANUFACTURER_INFO = _block("Manufacturer Specific Information")
SERIAL_NUMBER = _block("Serial Number")
USER_NAME = _block("User-defined Name")
DISCOVERY_SIZE = 0xF8
"""A DISCOVERY ack carries the bootstrap bytes 0x0000–0x00F7."""
XML_URL_0 = _block("First URL")
XML_URL_1 = _block("Second URL")
N_NETWORK_INTERFACES = _at("Number of Network Interfaces")
N_MESSAGE_CHANNELS = _at("Number of Message Channels")
N_STREAM_CHANNELS = _at("Number of Stream Channels")
CAPABILITY = _at("GVCP Capability")
HEARTBEAT_TIMEOUT = _at("Heartbeat Timeout")
TICK_FREQUENCY_HIGH = _at("Timestamp Tick Frequency")
TICK_FREQUENCY_LOW = TICK_FREQUENCY_HIGH + 4
TIMESTAMP_CONTROL = _at("Timestamp Control")
TIMESTAMP_VALUE_HIGH = _at("Timestamp Value")
TIMESTAMP_VALUE_LOW = TIMESTAMP_VALUE_HIGH + 4
CCP = _at("Control Channel Privilege")
SCP0 = _at("Stream Channel Port 0")
SCPS = _at("Stream Channel Packet Size 0")
SCPD = _at("Stream Channel Packet Delay 0")
SCDA = _at("Stream Channel Destination Address 0")
SCSP = _at("Stream Channel Source Port 0")

BOOTSTRAP_SIZE = 0x0D40
"""Bootstrap addresses served: 0x0000 up to the end of stream channel 0's block. Reads of
registers the device does not implement in that range return 0."""

# GVCP capability bits (Aravis' numbering: 1 << 31 is the specification's bit 0).
CAP_USER_NAME = 1 << 31
CAP_SERIAL_NUMBER = 1 << 30
CAP_PENDING_ACK = 1 << 5
CAP_PACKET_RESEND = 1 << 2
CAP_WRITE_MEMORY = 1 << 1
CAP_CONCATENATION = 1 << 0
CAPABILITIES = (
    CAP_USER_NAME
    | CAP_SERIAL_NUMBER
    | CAP_PENDING_ACK
    | CAP_PACKET_RESEND
    | CAP_WRITE_MEMORY
    | CAP_CONCATENATION
)

DEFAULT_HEARTBEAT_MS = gev.HEARTBEAT_TIMEOUT_DEFAULT_MS
DEFAULT_PACKET_SIZE = 1500
"""SCPS at reset: a standard Ethernet frame (IP + UDP + GVSP headers included)."""

WRITABLE = frozenset({HEARTBEAT_TIMEOUT, TIMESTAMP_CONTROL, CCP, SCP0, SCPS, SCPD, SCDA})
"""Bootstrap registers a client may write (besides the user-defined name, by WRITEMEM)."""

GEV_VERSION = (1, 2)
XML_ALIGN = 0x10_0000
"""The XML file lives at the first multiple of this address above the map's registers."""


@dataclass(frozen=True)
class XmlFile:
    """The GenICam XML as the device serves it: bytes at an address, named by a URL."""

    name: str
    data: bytes
    address: int
    window: int
    """Bytes readable from ``address``: the file, then zero padding (Aravis rounds its last
    READMEM up to a multiple of 4 and reads past the file's end)."""

    @property
    def url(self) -> str:
        return f"Local:{self.name};{self.address:x};{len(self.data):x}"

    def holds(self, addr: int, count: int = 4) -> bool:
        """Whether the ``count`` bytes at ``addr`` lie in the readable window."""
        return self.address <= addr and addr + count <= self.address + self.window


def build_xml_file(rmap: RegisterMap, *, zipped: bool = False) -> XmlFile:
    """Generate the GenICam XML of ``rmap`` and place it above the map's registers."""
    xml = generate_genicam_xml(rmap).encode("utf-8")
    name = f"{rmap.stem}.xml"
    if zipped:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, xml)
        xml = buf.getvalue()
        name = f"{rmap.stem}.zip"
    top = max(
        (a + 4 for reg in rmap.registers for a in reg.addresses),
        default=rmap.device.base_address,
    )
    address = -(-max(top, rmap.device.base_address) // XML_ALIGN) * XML_ALIGN
    window = -(-(len(xml) + 1) // 0x1000) * 0x1000
    return XmlFile(name, xml, address, window)


def _put_string(mem: bytearray, where: tuple[int, int], text: str, what: str) -> None:
    addr, size = where
    data = text.encode("utf-8")
    if len(data) >= size:
        raise ValueError(f"{what} must be at most {size - 1} bytes of UTF-8, not {text!r}")
    mem[addr : addr + size] = data.ljust(size, b"\0")


class Bootstrap:
    """The bootstrap register memory: static identity, plus the registers clients write.

    The device interprets writes (:mod:`gige.gvcp`); this class only stores bytes.
    """

    def __init__(
        self,
        rmap: RegisterMap,
        xml: XmlFile,
        *,
        ip: str,
        serial: str = "",
        user_name: str = "",
        mac: bytes = b"\x02\x00\x00\x00\x00\x01",
    ) -> None:
        mem = bytearray(BOOTSTRAP_SIZE)
        self.mem = mem
        dev = rmap.device
        self.put(VERSION, GEV_VERSION[0] << 16 | GEV_VERSION[1])
        self.put(DEVICE_MODE, 1 << 31 | 1)  # big-endian registers, UTF-8 strings
        self.put(MAC_HIGH, int.from_bytes(mac[:2], "big"))
        self.put(MAC_LOW, int.from_bytes(mac[2:], "big"))
        self.put(SUPPORTED_IP_CONFIG, 1 << 2)  # link-local address
        self.put(CURRENT_IP_CONFIG, 1 << 2)
        ip_bytes = bytes(int(x) for x in ip.split("."))
        mem[CURRENT_IP : CURRENT_IP + 4] = ip_bytes
        mask = b"\xff\x00\x00\x00" if ip_bytes[0] == 127 else b"\xff\xff\xff\x00"
        mem[SUBNET_MASK : SUBNET_MASK + 4] = mask
        _put_string(mem, MANUFACTURER_NAME, dev.vendor, "the vendor name")
        _put_string(mem, MODEL_NAME, dev.model, "the model name")
        _put_string(mem, DEVICE_VERSION, dev.version, "the device version")
        info = (dev.description or dev.name).encode("utf-8")[: MANUFACTURER_INFO[1] - 1]
        _put_string(mem, MANUFACTURER_INFO, info.decode("utf-8", "ignore"), "the description")
        _put_string(mem, SERIAL_NUMBER, serial, "the serial number")
        _put_string(mem, USER_NAME, user_name, "the user-defined name")
        _put_string(mem, XML_URL_0, xml.url, "the XML URL")
        self.put(N_NETWORK_INTERFACES, 1)
        self.put(N_MESSAGE_CHANNELS, 0)
        self.put(N_STREAM_CHANNELS, 1)
        self.put(CAPABILITY, CAPABILITIES)
        self.put(HEARTBEAT_TIMEOUT, DEFAULT_HEARTBEAT_MS)
        self.put(TICK_FREQUENCY_HIGH, dev.clock_hz >> 32)
        self.put(TICK_FREQUENCY_LOW, dev.clock_hz & 0xFFFF_FFFF)
        self.put(SCPS, DEFAULT_PACKET_SIZE)

    def put(self, addr: int, value: int) -> None:
        """Store a 32-bit big-endian word."""
        struct.pack_into(">I", self.mem, addr, value & 0xFFFF_FFFF)

    def get(self, addr: int) -> int:
        """The 32-bit big-endian word at ``addr``."""
        return struct.unpack_from(">I", self.mem, addr)[0]

    def discovery_data(self) -> bytes:
        """The bytes a DISCOVERY ack carries."""
        return bytes(self.mem[:DISCOVERY_SIZE])

    def string(self, where: tuple[int, int]) -> str:
        addr, size = where
        return bytes(self.mem[addr : addr + size]).split(b"\0", 1)[0].decode("utf-8", "replace")
