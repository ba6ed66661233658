"""Jinja2 environment shared by the template-based generators (strict about undefined names)."""

from __future__ import annotations

from functools import cache

import jinja2

from ._escape import c_comment, md_text
from .names import c_ident


def hex32(value: int) -> str:
    return f"0x{value:08X}"


# Escaping by construction: every ``{{ }}`` of a template passes through its file type's
# escape function (C: nothing can end or nest a comment; the identifiers and numbers a header
# interpolates are unchanged by it; Markdown: text stays in its table cell, no raw HTML).
_FINALIZE = {".h.j2": c_comment, ".md.j2": md_text}


@cache
def environment(suffix: str = "") -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("regmap.generators", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        finalize=_FINALIZE.get(suffix),
    )
    env.filters["c_ident"] = lambda s: c_ident(s)
    env.filters["hex32"] = hex32
    env.globals["c_ident"] = c_ident
    return env


def render(template: str, **context: object) -> str:
    suffix = next((s for s in _FINALIZE if template.endswith(s)), "")
    return environment(suffix).get_template(template).render(**context)
