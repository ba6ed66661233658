"""camtwin register maps: the YAML format, its compiler and the generators it feeds.

>>> from regmap import load
>>> rmap = load("regmap/camera.yaml")
"""

from .diagnostics import Diagnostic, RegmapError, UnsupportedMap
from .loader import load, loads
from .model import (
    Access,
    ArraySpec,
    Category,
    Constant,
    Device,
    EnumValue,
    Feature,
    Field,
    Interface,
    Register,
    RegisterMap,
    Scale,
    Selector,
    SourceLoc,
    Visibility,
)

__all__ = [
    "Access",
    "ArraySpec",
    "Category",
    "Constant",
    "Device",
    "Diagnostic",
    "EnumValue",
    "Feature",
    "Field",
    "Interface",
    "Register",
    "RegisterMap",
    "RegmapError",
    "Scale",
    "Selector",
    "SourceLoc",
    "UnsupportedMap",
    "Visibility",
    "load",
    "loads",
]
