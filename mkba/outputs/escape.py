"""Study text is data: escaping for every output format it reaches (issue 11 item 7).

A study's titles, descriptions, sources and notes are written by whoever made the study file. In a
report they must read as text, never act: no HTML or images in Markdown (``<img src=x onerror=…>``),
no links smuggled in, no formulas in a workbook (``=HYPERLINK(…)``), no characters that make a
document invalid. Renderers call these helpers on every piece of text they emit; the document model
keeps plain text.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["md_text", "md_cell", "docx_text", "formula_safe", "neutralise_formulas", "FORMULA_START"]

# In Markdown, raw HTML (it needs "<") and link/image syntax ("[ ]") are what turn text into content; a
# backslash could undo an escape. ">" and "&" alone form no tag (and "P(B/K > 1)" stays readable in the
# source); code spans (`…`) are inert and kept; emphasis is no risk.
_MD = str.maketrans({"<": "&lt;", "[": "\\[", "]": "\\]", "\\": "\\\\"})
# block syntax that only counts at the start of a paragraph: headings, lists, quotes, rules, tables
_MD_START = re.compile(r"^(\s*)([#=+\-*>]|\d+[.)])")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def md_text(text: Any) -> str:
    """``text`` as one Markdown paragraph or heading that renders exactly as written (one line)."""
    s = _inline(text)
    return _MD_START.sub(lambda m: m.group(1) + "\\" + m.group(2), s, count=1)


def md_cell(text: Any) -> str:
    """``text`` in a Markdown table cell (``|`` escaped too; a cell starts no block)."""
    return _inline(text).replace("|", "\\|")


def _inline(text: Any) -> str:
    return " ".join(str(text).split("\n")).translate(_MD)


def docx_text(text: Any) -> str:
    """``text`` for a Word run: python-docx writes runs literally (no markup to escape), but XML 1.0
    forbids most control characters, so they are dropped (else saving the document fails)."""
    return _XML_INVALID.sub("", str(text))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheet programs read as a formula


def formula_safe(value: Any) -> bool:
    """True if ``value`` may be written as it is; False for a string a spreadsheet would take as a formula."""
    return not (isinstance(value, str) and value.startswith(FORMULA_START))


def neutralise_formulas(wb: Any) -> int:
    """Make every string cell of an openpyxl workbook that starts like a formula a text cell with a quote
    prefix (shown as written, kept text when edited; openpyxl would otherwise store ``=…`` as a
    formula). Returns the number of cells changed. Call just before saving."""

    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, str) and (c.data_type == "f" or not formula_safe(v)):
                    c.value = v
                    c.data_type = "s"
                    c.quotePrefix = True
                    changed += 1
    return changed
