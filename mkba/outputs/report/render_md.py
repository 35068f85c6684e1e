"""Markdown renderer: the document as GitHub/pandoc Markdown with the charts as ``charts/<name>.png``.

A figure is one image whose alt text is its caption, so pandoc turns it into a captioned figure (the
caption appears once)."""

from __future__ import annotations

from ..escape import md_cell, md_text
from .document import Document, Figure, Heading, Paragraph, Table

__all__ = ["render_markdown", "md_escape"]

_NBSP = "\u00a0"


def md_escape(text: str) -> str:
    """Text safe inside a Markdown paragraph (see :mod:`mkba.outputs.escape`)."""
    return md_text(text)


def _table(t: Table) -> list[str]:
    align = t.alignment()
    lines = ["| " + " | ".join(md_cell(h) for h in t.header) + " |",
             "|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|"]
    for i, row in enumerate(t.rows):
        cells = [md_cell(c) for c in row]
        if t.indent_of(i):
            cells[0] = _NBSP * 4 * t.indent_of(i) + cells[0]
        if i in t.bold:
            cells = [f"**{c}**" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(doc: Document, chart_dir: str = "charts") -> str:
    """Markdown of the document; every text is escaped (study text is data: no HTML, links or images)."""
    out = [f"# {md_text(doc.title)}", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += [f"{'#' * b.level} {md_text(b.text)}", ""]
        elif isinstance(b, Paragraph):
            text = md_text(b.text)
            out += [f"**{text}**" if b.style == "headline" else f"*{text}*" if b.style == "note" else text, ""]
        elif isinstance(b, Table):
            out += [*_table(b), ""]
            if b.caption:
                out += [f"*{md_text(b.caption)}*", ""]
        elif isinstance(b, Figure):
            out += [f"![{md_cell(b.caption)}]({chart_dir}/{b.name}.png)", ""]
    return "\n".join(out).rstrip() + "\n"
