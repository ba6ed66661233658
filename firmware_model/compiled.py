"""The firmware model compiled to C with mypyc: the same Python source, faster.

:mod:`firmware_model.bank`, :mod:`firmware_model.blocks` and :mod:`firmware_model.model` (the
register bank, the blocks and the cycle and event loop of :class:`~firmware_model.CameraModel`)
are plain, typed Python. ``build()`` compiles exactly those files with mypyc into a cache
directory named after a hash of their text and of the interpreter (``python -m
firmware_model.compile``; ``scripts/bootstrap.sh`` does it). When ``firmware_model`` is
imported, :func:`activate` puts that directory first on the package's ``__path__`` if it holds
a complete build *of the current text*: so an edited model is never replaced by an older
compiled copy, it runs interpreted until it is compiled again.

``$CAMTWIN_MODEL`` chooses: ``auto`` (the default: compiled when built, else interpreted),
``compiled`` (an error when no build of the current text exists), ``interpreted`` (never the
compiled copy: for a debugger, a profiler or line coverage of the model).

The cache: ``$CAMTWIN_MODEL_CACHE`` if set, else ``build/compiled-model`` of the source checkout
when camtwin runs from one, else ``$XDG_CACHE_HOME/camtwin/model`` (``~/.cache/camtwin/model``).
Concurrent builds of one text wait for each other (a file lock); a build is moved into place
whole, so a reader never sees half of one. The cache keeps the newest builds (:data:`KEEP`).

This module imports only the standard library: ``firmware_model/__init__.py`` runs it before
the model.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import itertools
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

__all__ = [
    "MODES",
    "MODULES",
    "CompiledModelError",
    "activate",
    "build",
    "cache_root",
    "is_compiled",
    "location",
    "mode",
    "source_key",
    "status",
]

MODULES = ("bank", "blocks", "model")
"""The compiled modules of ``firmware_model``."""
MODE_ENV = "CAMTWIN_MODEL"
MODES = ("auto", "compiled", "interpreted")
CACHE_ENV = "CAMTWIN_MODEL_CACHE"
PACKAGE_DIR = Path(__file__).resolve().parent
STAMP = "COMPLETE"
GROUP = "firmware_model._compiled"
"""mypyc's group name: its runtime library becomes ``firmware_model._compiled__mypyc``."""

_status = "interpreted (firmware_model not imported yet)"


class CompiledModelError(RuntimeError):
    """The compiled model is required but missing, or could not be built (the message says
    why and what to do)."""


def mode() -> str:
    """``$CAMTWIN_MODEL`` (default ``auto``)."""
    value = os.environ.get(MODE_ENV, "").strip() or "auto"
    if value not in MODES:
        raise CompiledModelError(
            f"{MODE_ENV}={value!r} is not a model choice: use one of {', '.join(MODES)}"
        )
    return value


KEYED = ("firmware_model", "regmap")
"""The packages whose Python text the key covers: the compiled modules, and everything they
are compiled against (mypyc builds in, for one, the field positions of the named tuples they
read, such as ``imaging.ImageGeometry``)."""


def source_key() -> str:
    """A hash of the Python text of :data:`KEYED` and of the interpreter's extension ABI."""
    h = hashlib.sha256()
    abi = f"{sys.implementation.cache_tag} {sysconfig.get_config_var('EXT_SUFFIX')}"
    h.update(abi.encode())
    root = PACKAGE_DIR.parent
    for package in KEYED:
        for path in sorted((root / package).rglob("*.py")):
            h.update(b"\0" + path.relative_to(root).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()[:20]


def cache_root() -> Path:
    """Where compiled copies are kept (see the module's text)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "sim").is_dir():
        return checkout / "build" / "compiled-model"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "camtwin" / "model"


def location(key: str | None = None) -> Path:
    """The directory of the build of ``key`` (default: the current text)."""
    return cache_root() / (key or source_key())


def _complete(directory: Path) -> bool:
    return (directory / STAMP).is_file()


def activate(package_path: list[str], probe: bool = False) -> str:
    """Put the compiled copy of the current text first on ``package_path`` (the package's
    ``__path__``) when the mode allows and it is built; return (and keep) the status line.

    ``probe`` (the package's own call): load the compiled code now, and fall back to the
    interpreted model if it does not load on this machine (a build directory shared with a
    machine of another C library, say)."""
    global _status
    chosen = mode()
    if chosen == "interpreted":
        _status = f"interpreted ({MODE_ENV}=interpreted)"
        return _status
    where = location()
    if _complete(where):
        entry = str(where / "firmware_model")
        package_path.insert(0, entry)
        try:
            if probe:
                importlib.import_module(f"{GROUP}__mypyc")
        except (ImportError, OSError) as exc:
            package_path.remove(entry)
            reason = f"the compiled copy in {where} does not load here: {exc}"
            if chosen == "compiled":
                raise CompiledModelError(f"{MODE_ENV}=compiled, but {reason}") from None
            _status = f"interpreted ({reason})"
            return _status
        _status = f"compiled ({where})"
        return _status
    if chosen == "compiled":
        raise CompiledModelError(
            f"{MODE_ENV}=compiled, but the firmware model is not compiled for its current "
            f"source (no build in {where}): compile it with "
            f"`{MODE_ENV}=auto python -m firmware_model.compile`"
        )
    _status = (
        "interpreted (not compiled for the current source: `python -m firmware_model.compile` "
        "compiles it)"
    )
    return _status


def status() -> str:
    """Which model this process runs, and why: ``compiled (<dir>)`` or ``interpreted (...)``."""
    return _status


def is_compiled() -> bool:
    """Whether the imported :mod:`firmware_model.model` is the compiled one."""
    module = sys.modules.get("firmware_model.model")
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    return module is not None and str(getattr(module, "__file__", "")).endswith(suffix)


# The compiler runs in a child process: mypy and setuptools stay out of the caller.
_BUILD = """
import sys
from setuptools import setup
from mypyc.build import mypycify

out, group, *paths = sys.argv[1:]
setup(
    name="camtwin-model",
    ext_modules=mypycify(
        ["--follow-imports=silent", "--ignore-missing-imports", *paths],
        group_name=group,
        target_dir=out + "/c",
    ),
    script_args=["-q", "build_ext", "--build-lib", out + "/lib", "--build-temp", out + "/o"],
)
"""


def _first_error(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines()
    for line in lines:
        if "error:" in line.lower():
            return line.strip()
    return lines[-1].strip() if lines else "no output"


KEEP = 8
"""The most builds kept in a cache (older ones, of earlier source texts, are removed)."""


def _prune(root: Path, keep: Path) -> None:
    """Keep the newest :data:`KEEP` builds; remove what builds killed over an hour ago left."""
    try:
        entries = list(root.iterdir())
        builds = sorted(
            (p for p in entries if _complete(p) and p != keep),
            key=lambda p: (p / STAMP).stat().st_mtime,
            reverse=True,
        )
        for old in builds[KEEP - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
            for extra in (root / f"{old.name}.log", root / f"{old.name}.lock"):
                extra.unlink(missing_ok=True)
        hour_ago = time.time() - 3600
        for p in entries:
            if p.name.startswith(".") and p.is_dir() and p.stat().st_mtime < hour_ago:
                shutil.rmtree(p, ignore_errors=True)
    except OSError:  # another process pruning at the same time
        pass


def _mypy_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mypy")
    except PackageNotFoundError:
        return "unknown"


def build() -> Path:
    """Compile the current text (a no-op when its build exists); return the build directory.

    Raises :class:`CompiledModelError` (naming the build log) when mypyc or the C compiler
    fails, or the source changed while it was being compiled."""
    key = source_key()
    dest = location(key)
    if _complete(dest):
        return dest
    root = dest.parent
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building the same text
        if _complete(dest):
            return dest
        if importlib.util.find_spec("mypyc") is None:
            raise CompiledModelError(
                "mypyc is not installed (it comes with mypy: pip install mypy)"
            )
        log = root / f"{key}.log"
        with tempfile.TemporaryDirectory(prefix=f".{key}-", dir=root) as tmp:
            paths = [str(PACKAGE_DIR / f"{name}.py") for name in MODULES]
            cmd = [sys.executable, "-c", _BUILD, tmp, GROUP, *paths]
            t0 = time.monotonic()
            with open(log, "w") as f:
                proc = subprocess.run(cmd, cwd=tmp, stdout=f, stderr=subprocess.STDOUT, check=False)
            if proc.returncode != 0:
                raise CompiledModelError(
                    f"mypyc could not compile the firmware model: {_first_error(log)} "
                    f"(the whole log: {log})"
                )
            if source_key() != key:
                raise CompiledModelError(
                    "the firmware model's source changed while it was being compiled: "
                    "compile it again"
                )
            staging = Path(tmp) / "out"
            package = staging / "firmware_model"
            package.mkdir(parents=True)
            built = sorted((Path(tmp) / "lib" / "firmware_model").iterdir())
            for so in built:
                shutil.move(str(so), package / so.name)
            (staging / STAMP).write_text(
                f"modules: {', '.join(MODULES)}\nmypy: {_mypy_version()}\n"
                f"built in {time.monotonic() - t0:.1f} s\n"
            )
            os.replace(staging, dest)
        _prune(root, keep=dest)
    return dest


def _activate_package() -> None:
    """The package's own activation (``firmware_model/__init__.py``)."""
    global _status
    package_path = sys.modules["firmware_model"].__path__
    try:
        activate(package_path, probe=True)
    except CompiledModelError:
        if not _compiling():
            raise
        _status = "interpreted (compiling)"  # the compile command runs whatever the choice
    except (OSError, RuntimeError) as exc:  # no readable source text, no home directory ...
        if mode() == "compiled":
            raise CompiledModelError(f"{MODE_ENV}=compiled, but {exc}") from None
        _status = f"interpreted (no compiled copy can be looked for: {exc})"


def _compiling() -> bool:
    """Whether this process is ``python -m firmware_model.compile``."""
    argv = getattr(sys, "orig_argv", [])
    return any(pair == ("-m", "firmware_model.compile") for pair in itertools.pairwise(argv))


if __package__ == "firmware_model" and "firmware_model.model" not in sys.modules:
    _activate_package()
