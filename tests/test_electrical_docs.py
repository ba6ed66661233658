"""docs/electrical.md: the examples run and print what the document says they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "electrical.md"


@pytest.mark.parametrize(
    ("heading", "end"),
    [("## Example", None), ("## Line0, Line1 and Line2 limits", "## Not modelled")],
    ids=["example", "line_limits"],
)
def test_documented_example_output_is_current(heading: str, end: str | None) -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(heading) : text.index(end) if end is not None else None]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    shown = re.search(r"```text\n(.*?)```", section, re.S)
    assert code is not None and shown is not None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.group(1), str(DOC), "exec"), {})
    assert out.getvalue() == shown.group(1)
