"""camtwin's GigE Vision device: GVCP control, GVSP streaming, bootstrap registers and the
GenICam XML of a register map, in front of a backend (:mod:`gige.backend`) that provides the
camera's behaviour. It reads :mod:`regmap` and nothing else of camtwin.

>>> from gige import Device
"""

from .backend import BUS_STATUSES, Backend, BusStatus, ImageBlock
from .bootstrap import Bootstrap, XmlFile, build_xml_file
from .device import Device
from .gvcp import GVCP_PORT, STATUS, GvcpServer, PortInUseError
from .gvsp import GvspStreamer, StreamTarget

__all__ = [
    "BUS_STATUSES",
    "GVCP_PORT",
    "STATUS",
    "Backend",
    "Bootstrap",
    "BusStatus",
    "Device",
    "GvcpServer",
    "GvspStreamer",
    "ImageBlock",
    "PortInUseError",
    "StreamTarget",
    "XmlFile",
    "build_xml_file",
]
