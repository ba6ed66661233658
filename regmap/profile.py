"""What a map must provide for the camera-specific consumers (the camera gateware top, the
firmware model, timing specs, the GigE Vision device): the camera profile.

The profile is the bundled camera map itself (``regmap/camera.yaml``, one source of truth):
every register of it with every field, the feature each field implements, every selector with
its values and every constant. :func:`camera_profile_errors` lists everything a map lacks, each
located in the map (the register that lacks a field, else where the missing thing would go).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .diagnostics import Diagnostic, RegmapError, did_you_mean
from .model import RegisterMap, SourceLoc

__all__ = [
    "CAMERA_COMMANDS",
    "camera_like",
    "camera_map",
    "camera_profile_errors",
    "check_camera_profile",
]

CAMERA_COMMANDS = ("model", "timing", "regress", "serve", "generate --only camera")
"""The commands that need the camera profile; the others work on any valid map."""

_CAMERA_YAML = Path(__file__).resolve().parent / "camera.yaml"


@cache
def camera_map() -> RegisterMap:
    """The bundled camera map, the reference of the profile."""
    from .loader import load

    return load(_CAMERA_YAML)


@cache
def camera_register_names() -> frozenset[str]:
    """The register names of the bundled camera map (read quickly, without compiling it)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(_CAMERA_YAML, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=loader)
    return frozenset(r["name"] for r in data["registers"])


def camera_like(rmap: RegisterMap) -> bool:
    """The map has at least half of the camera's registers: it is meant to be a camera map
    (whatever else it lacks is an error), not the map of another device."""
    names = camera_register_names()
    return 2 * len(names & {r.name for r in rmap.registers}) >= len(names)


def _lines(rmap: RegisterMap) -> list[str]:
    try:
        return Path(rmap.source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return []


def camera_profile_errors(rmap: RegisterMap, needed_by: str) -> list[Diagnostic]:
    """One located diagnostic per register, field, feature, selector (value) or constant of
    the camera that ``rmap`` lacks; empty when the map provides them all."""
    ref = camera_map()
    lines = _lines(rmap)
    top = SourceLoc(rmap.source or "<map>", 1, 1)
    first_reg = rmap.registers[0].loc if rmap.registers and rmap.registers[0].loc else top
    consts = [c.loc for c in rmap.device.constants.values() if c.loc is not None]
    const_loc = consts[0] if consts else top
    first_sel = rmap.selectors[0].loc if rmap.selectors and rmap.selectors[0].loc else top
    out: list[Diagnostic] = []

    def error(loc: SourceLoc, message: str, allowed: str) -> None:
        source = lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""
        out.append(Diagnostic(loc, f"{needed_by}: {message}", allowed, 1, source))

    names = [r.name for r in rmap.registers]
    features = rmap.features
    for ref_reg in ref.registers:
        if ref_reg.name not in names:
            error(
                first_reg,
                f"the map lacks the camera register {ref_reg.name} "
                f"(0x{ref_reg.address:X}){did_you_mean(ref_reg.name, names)}",
                "a register map with every register of the camera (see `camtwin init`)",
            )
            continue
        reg = rmap.register(ref_reg.name)
        fields = [f.name for f in reg.fields]
        for ref_f in ref_reg.fields:
            if ref_f.name not in fields:
                error(
                    reg.loc or first_reg,
                    f"register {reg.name} lacks the camera field {ref_f.name} "
                    f"[{ref_f.msb}:{ref_f.lsb}]{did_you_mean(ref_f.name, fields)}",
                    "the camera's fields: " + ", ".join(f.name for f in ref_reg.fields),
                )
                continue
            f = reg.field(ref_f.name)
            want = ref_f.feature.name if ref_f.feature else None
            have = f.feature.name if f.feature else None
            if want is not None and have != want:
                error(
                    f.loc or reg.loc or first_reg,
                    f"field {reg.name}.{f.name} must implement the camera feature {want}"
                    + (f", not {have}" if have else ", it has no feature")
                    + (did_you_mean(want, features) if have is None else ""),
                    f"feature: {{name: {want}, ...}}",
                )
    selectors = {s.name: s for s in rmap.selectors}
    for ref_sel in ref.selectors:
        sel = selectors.get(ref_sel.name)
        if sel is None:
            error(
                first_sel,
                f"the map lacks the camera selector {ref_sel.name}"
                f"{did_you_mean(ref_sel.name, selectors)}",
                "selectors: " + ", ".join(s.name for s in ref.selectors),
            )
            continue
        values = [v.name for v in sel.values]
        missing = [v.name for v in ref_sel.values if v.name not in values]
        if missing:
            error(
                sel.loc or first_sel,
                f"selector {sel.name} lacks the camera's value(s) {', '.join(missing)}",
                ", ".join(v.name for v in ref_sel.values),
            )
    constants = rmap.device.constants
    for name in ref.device.constants:
        if name not in constants:
            error(
                const_loc,
                f"the map lacks the camera constant {name}{did_you_mean(name, constants)}",
                "device.constants: " + ", ".join(ref.device.constants),
            )
    return out


def check_camera_profile(rmap: RegisterMap, needed_by: str) -> None:
    """Raise :class:`RegmapError` listing everything of the camera that ``rmap`` lacks."""
    errors = camera_profile_errors(rmap, needed_by)
    if errors:
        raise RegmapError(errors)
