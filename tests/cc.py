"""The C compiler as the generated headers' users run it: C99, every warning an error."""

from __future__ import annotations

import subprocess
from pathlib import Path

STRICT_C99 = ("gcc", "-std=c99", "-Wall", "-Wextra", "-Werror")
"""How a generated header must compile: C99, ``-Wall -Wextra``, no warning."""


def check_syntax(header: Path, **kw) -> subprocess.CompletedProcess:
    """Compile ``header`` alone as C (syntax and warnings only); ``kw`` as for subprocess.run."""
    return subprocess.run([*STRICT_C99, "-fsyntax-only", "-x", "c", str(header)], **kw)


def run_program(main: Path, exe: Path, **kw) -> list[int]:
    """Build ``main`` (a C file beside its headers) into ``exe`` (the build must succeed; ``kw``
    as for subprocess.run), run it and return the integers it printed."""
    subprocess.run([*STRICT_C99, "-o", str(exe), str(main)], check=True, **kw)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]
