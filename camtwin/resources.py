"""The data camtwin carries, and the default paths of the commands.

The installed package holds the camera's register map (``regmap/camera.yaml``), its timing spec
(``timingspec/specs/camera-timing.yaml``), example scenarios (``firmware_model/examples/``) and
the GenApi 1.1 schema (``regmap/third_party/genicam/``): one copy each, found beside the
modules that own them. A command's default input is the file of the same role in the current
project (the layout that ``camtwin init`` writes), else the bundled one. Build trees go under
the working directory (``build/``) or ``--build-dir``, never into the installed package.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = [
    "PROJECT_REGMAP",
    "PROJECT_SCENARIOS",
    "PROJECT_SPEC",
    "bundled_regmap",
    "bundled_scenarios",
    "bundled_spec",
    "default_regmap",
    "default_scenario",
    "default_spec",
    "genapi_xsd",
]

PROJECT_REGMAP = Path("regmap/camera.yaml")
"""The register map of a project, relative to its directory."""
PROJECT_SPEC = Path("specs/camera-timing.yaml")
"""The timing spec of a project."""
PROJECT_SCENARIOS = Path("scenarios")
"""The scenarios of a project."""
DEFAULT_SCENARIO = "debounce_1500us.yaml"


def _package_dir(package: str) -> Path:
    """The directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations or not spec.origin:
        raise RuntimeError(f"camtwin is incompletely installed: package {package!r} is missing")
    # its __init__.py's directory (firmware_model's search path may begin with its compiled copy)
    return Path(spec.origin).parent


def bundled_regmap() -> Path:
    """The camera's register map, as installed."""
    return _package_dir("regmap") / "camera.yaml"


def bundled_spec() -> Path:
    """The camera's timing spec, as installed."""
    return _package_dir("timingspec") / "specs" / "camera-timing.yaml"


def bundled_scenarios() -> list[Path]:
    """The example scenarios of the camera, as installed."""
    return sorted((_package_dir("firmware_model") / "examples").glob("*.yaml"))


def genapi_xsd() -> Path:
    """The GenApi 1.1 XML schema (unmodified; provenance beside it)."""
    return _package_dir("regmap") / "third_party" / "genicam" / "GenApiSchema_Version_1_1.xsd"


def _local_or(path: Path, bundled: Path) -> Path:
    return path if path.is_file() else bundled


def default_regmap() -> Path:
    """``regmap/camera.yaml`` of the current project, else the bundled camera map."""
    return _local_or(PROJECT_REGMAP, bundled_regmap())


def default_spec() -> Path:
    """``specs/camera-timing.yaml`` of the current project, else the bundled spec."""
    return _local_or(PROJECT_SPEC, bundled_spec())


def default_scenario() -> Path:
    """``scenarios/debounce_1500us.yaml`` of the current project, else the bundled example."""
    bundled = next(p for p in bundled_scenarios() if p.name == DEFAULT_SCENARIO)
    return _local_or(PROJECT_SCENARIOS / DEFAULT_SCENARIO, bundled)
