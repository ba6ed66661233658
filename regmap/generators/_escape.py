"""Escaping for the generated artifacts, in one place: text from a register map (names,
descriptions, units) is made safe for where it lands, whatever it holds.

The loader already refuses control characters in a map's strings; these functions make the
generators safe by construction for any :class:`~regmap.model.RegisterMap`, including one built
in code.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["c_comment", "md_text", "xml_text", "xml_tree"]

# Characters XML 1.0 does not allow at all (C0 controls except tab, newline, carriage return;
# surrogates; U+FFFE and U+FFFF).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def c_comment(value: object) -> str:
    """``value`` as text that cannot end or nest a C comment (``*/``, ``/*``) and holds no
    control characters; everything the C header interpolates goes through it."""
    text = _CONTROL.sub(" ", str(value))
    # Repeat: "*/*/" would otherwise leave a "*/" behind after one pass.
    while "*/" in text or "/*" in text:
        text = text.replace("*/", "* /").replace("/*", "/ *")
    return text


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can hold (characters it forbids replaced by U+FFFD); the
    serialiser escapes ``<``, ``>``, ``&`` and quotes."""
    return _XML_INVALID.sub("\ufffd", str(value))


def xml_tree(root: ET.Element) -> ET.Element:
    """Every text, tail and attribute value of the tree made XML-safe, in place."""
    for el in root.iter():
        if el.text is not None:
            el.text = xml_text(el.text)
        if el.tail is not None:
            el.tail = xml_text(el.tail)
        for key, value in el.attrib.items():
            el.attrib[key] = xml_text(value)
    return root


_MD_SPECIAL = {"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;", "&": "&amp;"}
_MD_RE = re.compile(r"[\\|<>&]")


def md_text(value: object) -> str:
    """``value`` as Markdown text that stays inside its table cell or paragraph: one line,
    ``|`` and backslashes escaped, no raw HTML (``<``, ``>`` and ``&`` as entities)."""
    text = _CONTROL.sub(" ", str(value)).replace("\r", " ").replace("\n", " ")
    return _MD_RE.sub(lambda m: _MD_SPECIAL[m.group(0)], text)
