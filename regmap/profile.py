"""What a map must provide for the camera-specific consumers (the camera gateware top, the
firmware model, timing specs, the GigE Vision device): the camera profile.

The profile is the bundled camera map itself (``regmap/camera.yaml``, one source of truth):
every register of it with every field, the feature each field implements, every selector with
its values and every constant. :func:`camera_profile_errors` lists everything a map lacks, each
located in the map (the register that lacks a field, else where the missing thing would go).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from .diagnostics import Diagnostic, RegmapError, closest, did_you_mean
from .model import RegisterMap, SourceLoc

__all__ = [
    "CAMERA_COMMANDS",
    "camera_like",
    "camera_map",
    "camera_profile_errors",
    "check_camera_profile",
    "is_camera_map",
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
def _camera_bytes() -> bytes:
    return _CAMERA_YAML.read_bytes()


def is_camera_map(rmap: RegisterMap) -> bool:
    """``rmap`` was compiled from a file that is the bundled camera map, byte for byte (the map
    ``camtwin init`` writes, say): it has everything of the camera's, with nothing to compare."""
    try:
        return Path(rmap.source).read_bytes() == _camera_bytes()
    except (OSError, TypeError, ValueError):
        return False


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
    if is_camera_map(rmap):
        return True
    names = camera_register_names()
    return 2 * len(names & {r.name for r in rmap.registers}) >= len(names)


def _lines(rmap: RegisterMap) -> list[str]:
    try:
        return Path(rmap.source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return []


def _near(
    name: str, known: Mapping[str, SourceLoc | None], default: SourceLoc
) -> tuple[SourceLoc, str]:
    """Where to point at for a missing ``name``: the closest name the map defines (with its
    "did you mean"), else ``default``."""
    close = closest(name, known)
    return (known.get(close) if close else None) or default, did_you_mean(name, known)


def camera_profile_errors(rmap: RegisterMap, needed_by: str) -> list[Diagnostic]:
    """One located diagnostic per register, field, feature, selector (value) or constant of
    the camera that ``rmap`` lacks; empty when the map provides them all."""
    if is_camera_map(rmap):
        return []
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

    names = {r.name: r.loc for r in rmap.registers}
    features = rmap.features
    for ref_reg in ref.registers:
        if ref_reg.name not in names:
            loc, hint = _near(ref_reg.name, names, first_reg)
            error(
                loc,
                f"the map lacks the camera register {ref_reg.name} (0x{ref_reg.address:X}){hint}",
                "a register map with every register of the camera (see `camtwin init`)",
            )
            continue
        reg = rmap.register(ref_reg.name)
        fields = {f.name: f.loc for f in reg.fields}
        for ref_f in ref_reg.fields:
            if ref_f.name not in fields:
                loc, hint = _near(ref_f.name, fields, reg.loc or first_reg)
                error(
                    loc,
                    f"register {reg.name} lacks the camera field {ref_f.name} "
                    f"[{ref_f.msb}:{ref_f.lsb}]{hint}",
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
            loc, hint = _near(ref_sel.name, {n: x.loc for n, x in selectors.items()}, first_sel)
            error(
                loc,
                f"the map lacks the camera selector {ref_sel.name}{hint}",
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
            loc, hint = _near(name, {n: c.loc for n, c in constants.items()}, const_loc)
            error(
                loc,
                f"the map lacks the camera constant {name}{hint}",
                "device.constants: " + ", ".join(ref.device.constants),
            )
    return out


def check_camera_profile(rmap: RegisterMap, needed_by: str) -> None:
    """Raise :class:`RegmapError` listing everything of the camera that ``rmap`` lacks."""
    errors = camera_profile_errors(rmap, needed_by)
    if errors:
        raise RegmapError(errors)
