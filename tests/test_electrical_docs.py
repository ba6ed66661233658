"""docs/electrical.md: the example runs and prints what the document says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "electrical.md"


def test_documented_example_output_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    example = text[text.index("## Example") :]
    code = re.search(r"```python\n(.*?)```", example, re.S)
    shown = re.search(r"```text\n(.*?)```", example, re.S)
    assert code is not None and shown is not None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.group(1), str(DOC), "exec"), {})
    assert out.getvalue() == shown.group(1)


def test_documented_line_limits_example_output_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Line0, Line1 and Line2 limits") : text.index("## Not modelled")]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    shown = re.search(r"```text\n(.*?)```", section, re.S)
    assert code is not None and shown is not None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.group(1), str(DOC), "exec"), {})
    assert out.getvalue() == shown.group(1)
