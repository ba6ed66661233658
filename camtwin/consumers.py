"""One checking stage: what the consumers of a register map need, checked when it is loaded.

The register-map compiler checks a map against its format; the consumers (the firmware model,
the GigE Vision device backend, the generators, the gateware, the timing checks) need more:
the camera's registers, features and constants by name, with usable values. Rather than a
second list of those names that would drift from the code, each consumer is set up on the map
here, the way the commands set it up, before any command does its work. What a consumer cannot
find becomes a located diagnostic (at the closest name the map defines, "did you mean"), so
that whatever ``camtwin check`` accepts, every command either runs or refuses at load time.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from regmap import RegisterMap, SourceLoc, UnsupportedMap
from regmap.diagnostics import Diagnostic, did_you_mean

__all__ = ["ALL", "SETUP_ERRORS", "Problem", "consumer_problems"]

SETUP_ERRORS = (KeyError, AttributeError, ValueError, TypeError, IndexError, ArithmeticError)
"""What a consumer raises when a map that compiled lacks something it needs, or holds a value
it cannot use."""


@dataclass(frozen=True)
class Problem:
    """A consumer that cannot be set up on a map."""

    use: str
    diagnostic: Diagnostic
    absent: bool
    """The map defines nothing close to what is missing: a generic map, not the camera's (a
    register or constant of a similar name, or a value, makes it an error in the map)."""


def _firmware_model(rmap: RegisterMap) -> None:
    from firmware_model import CameraModel

    model = CameraModel(rmap)
    for _ in range(4):
        model.step()


def _device(rmap: RegisterMap) -> None:
    from firmware_model.device import FirmwareBackend

    FirmwareBackend(rmap)


def _generators(rmap: RegisterMap) -> None:
    from regmap.generators import GENERATORS

    for gen in GENERATORS.values():
        with contextlib.suppress(UnsupportedMap):  # `generate` refuses it with its own message
            gen.render(rmap)


def _gateware(rmap: RegisterMap) -> None:
    from amaranth.hdl import Fragment, UnusedElaboratable

    from hdl.camera import Camera

    # Blocks of a design that fails to build warn when freed, later: not this trial's business.
    warnings.filterwarnings("ignore", category=UnusedElaboratable)
    with contextlib.suppress(UnsupportedMap):  # `generate` and `regress` refuse it themselves
        camera = Camera(rmap)
        camera._MustUse__silence = True  # elaborated here, not used in a design
        Fragment.get(camera, None)


def _timing(rmap: RegisterMap) -> None:
    rmap.constant("FrameStartLatencyFixed")  # the datasheet tables of every report


TRIALS: dict[str, Callable[[RegisterMap], None]] = {
    "firmware model": _firmware_model,
    "device backend": _device,
    "generators": _generators,
    "gateware": _gateware,
    "timing checks": _timing,
}
ALL = tuple(TRIALS)

_MISSING = re.compile(
    r"no (?P<kind>register|feature|selector|constant) named '(?P<name>[^']+)'"
    r"|register (?P<reg>\w+) has no field '(?P<field>[^']+)'"
)


def _candidates(rmap: RegisterMap, kind: str) -> dict[str, SourceLoc | None]:
    if kind == "register":
        return {r.name: r.loc for r in rmap.registers}
    if kind == "feature":
        return {n: (f.feature.loc if f.feature else f.loc) for n, (_r, f) in rmap.features.items()}
    if kind == "selector":
        return {s.name: s.loc for s in rmap.selectors}
    return {n: c.loc for n, c in rmap.device.constants.items()}


def _locate(rmap: RegisterMap, use: str, exc: BaseException) -> tuple[SourceLoc, str, bool]:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    start = SourceLoc(rmap.source, 1, 1)
    m = _MISSING.search(text)
    if m and m.group("kind"):
        kind, name = m.group("kind"), m.group("name")
        known = _candidates(rmap, kind)
        hint = did_you_mean(name, known)
        close = re.search(r"'([^']+)'\?$", hint)
        loc = known.get(close.group(1)) if close else next(iter(known.values()), None)
        return (
            loc or start,
            f"the {use} needs the {kind} {name}, which the map does not define{hint}",
            not hint,
        )
    if m:
        reg = (
            rmap.register(m.group("reg"))
            if m.group("reg") in _candidates(rmap, "register")
            else None
        )
        names = [f.name for f in reg.fields] if reg else []
        return (
            (reg.loc if reg else None) or start,
            f"the {use} needs the field {m.group('reg')}.{m.group('field')}, which the map does "
            f"not define{did_you_mean(m.group('field'), names)}",
            False,
        )
    for name, loc in _candidates(rmap, "constant").items():
        if re.search(rf"\b{re.escape(name)}\b", text) and loc is not None:
            return loc, f"the {use} cannot use the constant {name}: {text}", False
    return start, f"the {use} cannot use this map: {type(exc).__name__}: {text}", False


def consumer_problems(rmap: RegisterMap, uses: Iterable[str] = ALL) -> list[Problem]:
    """A :class:`Problem` for each consumer in ``uses`` that cannot be set up on ``rmap``."""
    try:
        lines = Path(rmap.source).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, TypeError):
        lines = []
    out: list[Problem] = []
    for use in uses:
        try:
            TRIALS[use](rmap)
        except SETUP_ERRORS as exc:
            loc, message, absent = _locate(rmap, use, exc)
            source = lines[loc.line - 1] if 0 < loc.line <= len(lines) else ""
            length = len(re.match(r"[\w.:-]*", source[loc.col - 1 :]).group(0)) if source else 1
            out.append(Problem(use, Diagnostic(loc, message, "", max(1, length), source), absent))
    return out
