"""camtwin gateware: the camera's I/O and trigger path in Amaranth (see docs/gateware.md)."""

from .axi import AXI4LiteSignature
from .camera import Camera
from .export import generate_verilog
from .regbank import RegisterBank

__all__ = ["AXI4LiteSignature", "Camera", "RegisterBank", "generate_verilog"]
