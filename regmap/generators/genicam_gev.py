"""The standard GigE Vision features of the GenICam XML, over the bootstrap registers.

A GigE Vision client expects the SFNC DeviceControl features (vendor, model, serial number...)
and the GigE Vision TransportLayerControl features (packet size, timestamp...) in the XML. When
they are missing, Aravis adds stand-ins of its own; the generator emits them instead, from this
table, over the addresses of :mod:`regmap.gev_bootstrap`. PayloadSize and
DeviceLinkThroughputLimit are not here: they are registers of the camera's map.

Each entry is data; :mod:`regmap.generators.genicam` turns it into nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

from regmap import gev_bootstrap as gev

__all__ = ["DEVICE_CONTROL", "STANDARD_FEATURES", "TRANSPORT_LAYER_CONTROL", "StandardFeature"]

DEVICE_CONTROL = "DeviceControl"
TRANSPORT_LAYER_CONTROL = "TransportLayerControl"


@dataclass(frozen=True)
class StandardFeature:
    """One standard feature over a bootstrap register (or a constant)."""

    name: str
    interface: str
    """``String`` (a StringReg), ``Integer``, ``Command`` or ``Enumeration``."""
    category: str
    tooltip: str
    register: str | None = None
    """The bootstrap register's name (:data:`regmap.gev_bootstrap.BOOTSTRAP`); None: a constant."""
    access: str = "RO"
    """Access mode of the register node: ``RO``, ``RW`` or ``WO``."""
    bits: tuple[int, int] | None = None
    """(msb, lsb) of a field of a 32-bit register, bit 0 the least significant; None: all."""
    visibility: str = "Beginner"
    volatile: bool = False
    """The device changes the value by itself: the register node is not cached."""
    locked: bool = False
    """Read-only while TLParamsLocked is 1 (stream channel settings)."""
    minimum: int | None = None
    maximum: int | None = None
    inc: int | None = None
    unit: str = ""
    command_value: int | None = None
    entries: tuple[tuple[str, int, str], ...] = ()
    """Enumeration entries: (name, value, tooltip)."""
    value: int | None = None
    """A constant Enumeration's value (no register)."""

    @property
    def bootstrap(self) -> gev.BootstrapRegister | None:
        return None if self.register is None else gev.bootstrap_register(self.register)


def _string(name: str, register: str, tooltip: str, **kw: object) -> StandardFeature:
    return StandardFeature(name, "String", DEVICE_CONTROL, tooltip, register, **kw)  # type: ignore[arg-type]


_U32_MAX = 0xFFFF_FFFF

STANDARD_FEATURES: tuple[StandardFeature, ...] = (
    # -- DeviceControl (SFNC) -----------------------------------------------------------------
    _string("DeviceVendorName", "Manufacturer Name", "Name of the manufacturer of the device."),
    _string("DeviceModelName", "Model Name", "Model of the device."),
    _string(
        "DeviceManufacturerInfo",
        "Manufacturer Specific Information",
        "Manufacturer information about the device.",
    ),
    _string("DeviceVersion", "Device Version", "Version of the device."),
    _string("DeviceSerialNumber", "Serial Number", "Serial number of the device."),
    _string(
        "DeviceID",
        "Serial Number",
        "Serial number of the device (DeviceSerialNumber under its former SFNC name, which some "
        "clients still read).",
        visibility="Invisible",
    ),
    _string(
        "DeviceUserID",
        "User-defined Name",
        "User-programmable name of the device.",
        access="RW",
    ),
    StandardFeature(
        "DeviceTLType",
        "Enumeration",
        DEVICE_CONTROL,
        "Transport layer of the device.",
        entries=(("GigEVision", 0, "GigE Vision."),),
        value=0,
        visibility="Expert",
    ),
    StandardFeature(
        "DeviceTLVersionMajor",
        "Integer",
        DEVICE_CONTROL,
        "Major version of the GigE Vision specification the device complies with.",
        "Version",
        bits=(31, 16),
        visibility="Expert",
    ),
    StandardFeature(
        "DeviceTLVersionMinor",
        "Integer",
        DEVICE_CONTROL,
        "Minor version of the GigE Vision specification the device complies with.",
        "Version",
        bits=(15, 0),
        visibility="Expert",
    ),
    # -- TransportLayerControl (GigE Vision) --------------------------------------------------
    StandardFeature(
        "GevCCP",
        "Enumeration",
        TRANSPORT_LAYER_CONTROL,
        "Control channel privilege of the application: who may write to the device.",
        "Control Channel Privilege",
        access="RW",
        bits=(1, 0),
        visibility="Guru",
        volatile=True,
        entries=(
            ("OpenAccess", 0, "No application controls the device."),
            (
                "ExclusiveAccess",
                gev.CCP_EXCLUSIVE,
                "Only the controlling application may read or write.",
            ),
            ("ControlAccess", gev.CCP_CONTROL, "Only the controlling application may write."),
        ),
    ),
    StandardFeature(
        "GevHeartbeatTimeout",
        "Integer",
        TRANSPORT_LAYER_CONTROL,
        "Time without a packet from the controlling application after which the device "
        "releases control.",
        "Heartbeat Timeout",
        access="RW",
        visibility="Guru",
        volatile=True,
        minimum=gev.HEARTBEAT_TIMEOUT_MIN_MS,
        maximum=_U32_MAX,
        unit="ms",
    ),
    StandardFeature(
        "GevTimestampTickFrequency",
        "Integer",
        TRANSPORT_LAYER_CONTROL,
        "Number of timestamp ticks per second (the model's clock).",
        "Timestamp Tick Frequency",
        visibility="Expert",
        unit="Hz",
    ),
    StandardFeature(
        "GevTimestampControlLatch",
        "Command",
        TRANSPORT_LAYER_CONTROL,
        "Latches the current timestamp into GevTimestampValue.",
        "Timestamp Control",
        access="WO",
        visibility="Expert",
        command_value=gev.TIMESTAMP_CONTROL_LATCH,
    ),
    StandardFeature(
        "GevTimestampControlReset",
        "Command",
        TRANSPORT_LAYER_CONTROL,
        "Resets the timestamp counter to 0.",
        "Timestamp Control",
        access="WO",
        visibility="Expert",
        command_value=gev.TIMESTAMP_CONTROL_RESET,
    ),
    StandardFeature(
        "GevTimestampValue",
        "Integer",
        TRANSPORT_LAYER_CONTROL,
        "Timestamp latched by GevTimestampControlLatch, in ticks.",
        "Timestamp Value",
        visibility="Expert",
        volatile=True,
    ),
    StandardFeature(
        "GevSCPHostPort",
        "Integer",
        TRANSPORT_LAYER_CONTROL,
        "UDP port on the host that stream channel 0 sends to (0 closes the channel).",
        "Stream Channel Port 0",
        access="RW",
        bits=(15, 0),
        visibility="Guru",
        volatile=True,
        locked=True,
        minimum=0,
        maximum=0xFFFF,
    ),
    StandardFeature(
        "GevSCDA",
        "Integer",
        TRANSPORT_LAYER_CONTROL,
        "IPv4 address that stream channel 0 sends to.",
        "Stream Channel Destination Address 0",
        access="RW",
        visibility="Guru",
        volatile=True,
        locked=True,
        minimum=0,
        maximum=_U32_MAX,
    ),
    StandardFeature(
        "GevSCSP",
        "Integer",
        TRANSPORT_LAYER_CONTROL,
        "UDP source port of stream channel 0 on the device.",
        "Stream Channel Source Port 0",
        bits=(15, 0),
        visibility="Guru",
        volatile=True,
    ),
    StandardFeature(
        "GevSCPSPacketSize",
        "Integer",
        TRANSPORT_LAYER_CONTROL,
        "Size of the stream packets (IP datagrams) of stream channel 0.",
        "Stream Channel Packet Size 0",
        access="RW",
        bits=(15, 0),
        visibility="Expert",
        volatile=True,
        locked=True,
        minimum=gev.SCPS_PACKET_SIZE_MIN,
        maximum=gev.SCPS_PACKET_SIZE_MAX,
        inc=gev.SCPS_PACKET_SIZE_INC,
        unit="B",
    ),
    StandardFeature(
        "GevSCPD",
        "Integer",
        TRANSPORT_LAYER_CONTROL,
        "Delay between two stream packets of stream channel 0, in timestamp ticks.",
        "Stream Channel Packet Delay 0",
        access="RW",
        visibility="Expert",
        volatile=True,
        minimum=0,
        maximum=_U32_MAX,
    ),
)
