"""Output directories replaced as a set: a command's outputs are all old or all new.

Every command that writes files (``generate``, ``model``, ``timing``, ``regress``) writes them
into a fresh staging directory beside its output directory, then swaps the two with one atomic
rename (Linux ``renameat2(RENAME_EXCHANGE)``; where that is not available, two renames, between
which a killed run leaves no output directory rather than a mixed one). A run that fails leaves
the previous set untouched and removes its staging directory; a run that is killed (SIGKILL)
leaves its staging directory behind, hidden (``.<name>.camtwin-<pid>-…``) and removed by the
next run into the same directory once its process is gone.

An output directory that is a mount point cannot be renamed: its staging directory goes inside
it, and each entry is replaced by one rename (every file whole, the set not at once). A
symbolic link to a directory stays a link: the directory it points to is replaced.

The directory's other entries (files the command does not write, such as a ``timing/`` report
kept inside the ``generate`` output) are carried over into the new set as hard links, so
nothing else in the directory is lost. The command's own entries from a previous run that this
run does not write (a requirement's diagram that no longer exists) are dropped.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import filecmp
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from regmap.diagnostics import excerpt

__all__ = ["MAX_CARRIED", "OutputError", "check_output_path", "output_set", "shown"]

MAX_CARRIED = 10_000
"""The most other entries an output directory may hold (they are carried over by hard links)."""
_NAME_MAX = 255
_PATH_MAX = 4095


class OutputError(Exception):
    """The output directory cannot be used or written (a one-line message)."""


def shown(path: str | Path) -> str:
    """A path for a message: cut in the middle when very long."""
    text = str(path)
    if len(text) <= 120:
        return excerpt(text, 120)
    return excerpt(text[:50], 50) + "…" + excerpt(text[-69:], 69)


def check_output_path(path: Path) -> Path:
    """``path`` as an absolute output directory, or :class:`OutputError` saying why not."""
    text = os.fspath(path)
    if not text.strip():
        raise OutputError("the output directory must not be empty")
    raw = os.fsencode(text)
    if len(raw) > _PATH_MAX:
        raise OutputError(f"output path is longer than {_PATH_MAX} bytes")
    for part in Path(text).parts:
        if len(os.fsencode(part)) > _NAME_MAX:
            raise OutputError(
                f"output path '{shown(text)}' has a name longer than {_NAME_MAX} bytes"
            )
    target = Path(os.path.abspath(text))
    if target.parent == target:
        raise OutputError(f"output directory '{shown(text)}' is the file-system root")
    cwd = Path.cwd()
    if target == cwd or target in cwd.parents:
        raise OutputError(
            f"output directory '{shown(text)}' is the current directory or one of its parents: "
            "name a directory of its own"
        )
    try:
        if target.exists() and not target.is_dir():
            raise OutputError(f"output '{shown(text)}' exists and is not a directory")
        above = next(p for p in target.parents if p.exists())
        if not above.is_dir():
            raise OutputError(f"cannot create output directory '{shown(text)}': Not a directory")
    except OSError as exc:
        raise OutputError(f"cannot use output '{shown(text)}': {exc.strerror}") from None
    if target.is_symlink():  # replace the directory it points to, keep the link
        target = target.resolve()
    return target


def _owned(owned: Collection[str] | Callable[[str], bool]) -> Callable[[str], bool]:
    if callable(owned):
        return owned
    names = frozenset(owned)
    return names.__contains__


def _staging_prefix(target: Path) -> str:
    return f".{target.name[:64]}.camtwin-"


def _staging_dir(target: Path) -> Path:
    """Where the staging directory goes: beside the target, or inside it when the target is a
    mount point (a directory cannot be renamed across file systems)."""
    return target if target.is_dir() and os.path.ismount(target) else target.parent


def _clean_stale(target: Path) -> None:
    """Remove staging directories of this target left by killed runs."""
    prefix = _staging_prefix(target)
    with contextlib.suppress(OSError):
        for entry in _staging_dir(target).iterdir():
            if not entry.name.startswith(prefix):
                continue
            pid = entry.name[len(prefix) :].split("-", 1)[0]
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                shutil.rmtree(entry, ignore_errors=True)
            except PermissionError:
                pass  # alive, another user's


def _check_foreign(target: Path, owned: Callable[[str], bool]) -> None:
    """:class:`OutputError` if the target holds too many entries the command does not write."""
    if not target.is_dir():
        return
    count = 0
    for e in (e for e in target.iterdir() if not owned(e.name)):
        count += 1
        if e.is_dir() and not e.is_symlink():
            for _root, dirs, files in os.walk(e):
                count += len(dirs) + len(files)
                if count > MAX_CARRIED:
                    break
        if count > MAX_CARRIED:
            raise OutputError(
                f"output directory '{shown(target)}' holds more than {MAX_CARRIED} entries that "
                "this command does not write: name a directory of its own"
            )


def _link_tree(src: Path, dst: Path) -> None:
    """``dst`` as a copy of ``src`` made of hard links (copies where linking is refused)."""
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        dst.mkdir()
        shutil.copystat(src, dst)
        for child in src.iterdir():
            _link_tree(child, dst / child.name)
    else:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)


def _same(a: Path, b: Path) -> bool:
    """Whether two files or directory trees have the same names and contents."""
    if a.is_dir() != b.is_dir():
        return False
    if not a.is_dir():
        return filecmp.cmp(a, b, shallow=False)
    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        return False
    return all(_same(a / n, b / n) for n in names)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing directories; False where the system cannot."""
    import ctypes  # only here: most runs write a new set, or one unchanged

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock on ``directory`` (held by its open descriptor) while committing."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def output_set(
    target: Path, owned: Collection[str] | Callable[[str], bool]
) -> Iterator[OutputSetStage]:
    """Stage a command's outputs and put them in place as one set.

    ``owned`` names the top-level entries the command writes (or is a predicate on names).
    The body writes into ``stage.path``; when it returns, the staged set replaces ``target``
    (other entries of ``target`` are carried over). If the body raises, ``target`` is left
    as it was. :class:`OutputError` if the directory cannot be used; :class:`OSError` if
    writing fails.
    """
    target = check_output_path(target)
    is_owned = _owned(owned)
    try:
        _check_foreign(target, is_owned)
    except OSError as exc:
        raise OutputError(
            f"cannot read output directory '{shown(target)}': {exc.strerror}"
        ) from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create output directory '{shown(target)}': {exc.strerror}"
        ) from None
    _clean_stale(target)
    where = _staging_dir(target)
    try:
        path = Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(target)}{os.getpid()}-", dir=where))
    except OSError as exc:
        raise OutputError(f"cannot write into '{shown(where)}': {exc.strerror}") from None
    stage = OutputSetStage(path, target)
    try:
        yield stage
        if not stage.aborted:
            os.chmod(path, 0o777 & ~_umask())
            with _locked(target.parent):
                stage.changed = _commit(path, target, is_owned)
    finally:
        shutil.rmtree(path, ignore_errors=True)


class OutputSetStage:
    """Where a command writes its outputs, and after the commit which of them changed."""

    def __init__(self, path: Path, target: Path) -> None:
        self.path = path
        """The staging directory: write the outputs here."""
        self.target = target
        """The output directory the set will replace."""
        self.changed: set[str] = set()
        """Top-level names whose content differs from the previous set (after the commit)."""
        self.aborted = False

    def abort(self) -> None:
        """Discard the staged outputs: the previous set stays."""
        self.aborted = True


def _replace_each(staging: Path, target: Path, new: set[str], dropped: list[Path]) -> None:
    """The fallback for a mount point: each entry replaced by one rename (a file, or a
    directory through a rename aside), so every file is whole, but not the set at once."""
    for name in sorted(new):
        dst = target / name
        if dst.is_dir() and not dst.is_symlink():
            old = staging / f"{name}.camtwin-old"
            os.rename(dst, old)
        os.replace(staging / name, dst)
    for entry in dropped:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _commit(staging: Path, target: Path, owned: Callable[[str], bool]) -> set[str]:
    new = {p.name for p in staging.iterdir()}
    if not target.is_dir():
        os.rename(staging, target)
        return new
    changed = {n for n in new if not (target / n).exists() or not _same(staging / n, target / n)}
    dropped = [e for e in target.iterdir() if owned(e.name) and e.name not in new]
    if not changed and not dropped:
        return set()  # the same set: keep the files (and their times) as they are
    if staging.parent == target:  # a mount point
        _replace_each(staging, target, new, dropped)
        return changed
    for entry in target.iterdir():  # the current entries, not only those seen before
        if not owned(entry.name) and entry.name not in new:
            _link_tree(entry, staging / entry.name)
    if not _exchange(staging, target):
        old = staging.with_name(staging.name + "-old")
        os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    return changed
