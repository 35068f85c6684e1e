"""Word renderer (python-docx): ``report.docx`` for the people who write council documents.

A4 portrait; the title in style Title, sections in Heading 1 and sub-sections in Heading 2; real Word tables
(style Table Grid: borders; a bold, shaded header row repeated on every page; numbers right-aligned); each
chart at the width of the text column with its caption once, in style Caption."""

from __future__ import annotations

import io
from collections.abc import Mapping

from ..escape import docx_text
from .document import Document, Figure, Heading, Paragraph, Table, number_cell

__all__ = ["render_docx"]

_PAGE_MM = (210, 297)
_MARGIN_MM = 20


def _shade(cell, fill: str) -> None:  # noqa: ANN001 - python-docx cell
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _repeat_header(row) -> None:  # noqa: ANN001 - python-docx row
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cell_margins(table) -> None:  # noqa: ANN001 - python-docx table
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(round(_CELL_MARGIN_MM / 25.4 * 1440)))  # twips
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl_pr.append(mar)


def _cant_split(row) -> None:  # noqa: ANN001
    from docx.oxml import OxmlElement

    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


_CHAR_MM = 2.0  # a character of 8.5 pt text, bold headers and LibreOffice's wider stand-in font included
_CELL_MARGIN_MM = 1.0  # left and right cell margin (Word's default 1.9 mm leaves wide tables no room)
_PAD_MM = 2 * _CELL_MARGIN_MM + 0.4  # margins and borders
_MIN_PT = 7.0  # a table too wide at 8.5 pt is set smaller, down to this


def _bounds(t: Table, pt: float) -> tuple[list[float], list[float]]:
    """Per column its narrowest width (mm: its longest header word or unbreakable piece of a cell, an amount
    being one piece, see :func:`number_cell`) and its preferred one (its longest cell; texts capped at 45
    characters: they wrap)."""
    align = t.alignment()
    char = _CHAR_MM * pt / 8.5
    mins, prefs = [], []
    for j, head in enumerate(t.header):
        cells = [str(r[j]) for r in t.rows]
        word = max([len(w) for w in str(head).split()] + [1])
        piece = max([len(w) for c in cells for w in (number_cell(c) if align[j] == "r" else c).split(" ")] + [1])
        longest = max([len(c) for c in cells] + [1])
        mins.append(_PAD_MM + char * max(word, piece))
        prefs.append(_PAD_MM + char * max(word, min(longest, 45)))
    return mins, prefs


def _column_widths(t: Table, total_mm: float, pt: float = 8.5) -> list[float]:
    """Column widths (mm) sharing the text width by content, so that Word and LibreOffice never break a
    header word or an amount in the middle: each column at least its narrowest width, the room left shared
    in proportion to what each column would like more (:func:`_bounds`)."""
    mins, prefs = _bounds(t, pt)
    if sum(prefs) <= total_mm:
        return [p * total_mm / sum(prefs) for p in prefs]
    if sum(mins) < total_mm:
        share = (total_mm - sum(mins)) / (sum(prefs) - sum(mins))
        return [m + (p - m) * share for m, p in zip(mins, prefs)]
    return [m * total_mm / sum(mins) for m in mins]


def _table(doc, t: Table) -> None:  # noqa: ANN001 - python-docx Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    align = t.alignment()
    table = doc.add_table(rows=1 + len(t.rows), cols=len(t.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _cell_margins(table)
    text_mm = _PAGE_MM[0] - 2 * _MARGIN_MM
    pt = 8.5
    while pt > _MIN_PT and sum(_bounds(t, pt)[0]) > text_mm:
        pt -= 0.5  # a wide table (the plan per year) in a smaller font rather than with broken words
    widths = [Mm(w) for w in _column_widths(t, text_mm, pt)]
    for col, w in zip(table.columns, widths):  # the table grid (LibreOffice reads it) and each cell (Word)
        col.width = w
    # rows and cells fetched once: python-docx walks the whole table on every ``rows[i]``/``cells[j]``
    for i, (row, r) in enumerate(zip([t.header, *t.rows], table.rows)):
        _cant_split(r)
        for j, (text, cell) in enumerate(zip(row, r.cells)):
            cell.width = widths[j]
            p = cell.paragraphs[0]
            p.paragraph_format.space_after = Pt(0)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align[j] == "r" else WD_ALIGN_PARAGRAPH.LEFT
            if j == 0 and i > 0 and t.indent_of(i - 1):
                p.paragraph_format.left_indent = Mm(4 * t.indent_of(i - 1))
            run = p.add_run(docx_text(number_cell(text) if align[j] == "r" and i > 0 else text))
            run.font.size = Pt(pt)
            if i == 0 or (i - 1) in t.bold:
                run.bold = True
            if i == 0:
                _shade(cell, "E8E8E8")
    _repeat_header(table.rows[0])
    after = doc.add_paragraph(docx_text(t.caption), style="Caption") if t.caption else doc.add_paragraph()
    after.paragraph_format.space_after = Pt(4)


def render_docx(doc: Document, images: Mapping[str, bytes]) -> bytes:
    """The Word file of ``doc`` as bytes; ``images`` maps a figure name to its PNG bytes."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    d = docx.Document()
    sec = d.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(_PAGE_MM[0]), Mm(_PAGE_MM[1])
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Mm(_MARGIN_MM))
    normal = d.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    d.core_properties.title = docx_text(doc.title)
    d.core_properties.language = "nl-NL" if doc.lang == "nl" else "en-GB"
    d.add_paragraph(docx_text(doc.title), style="Title")
    width = Mm(_PAGE_MM[0] - 2 * _MARGIN_MM)
    for b in doc.blocks:
        if isinstance(b, Heading):
            d.add_heading(docx_text(b.text), level=max(1, min(3, b.level - 1)))
        elif isinstance(b, Paragraph):
            p = d.add_paragraph()
            run = p.add_run(docx_text(b.text))
            if b.style == "headline":
                run.bold = True
                run.font.size = Pt(11.5)
            elif b.style == "note":
                run.italic = True
                run.font.size = Pt(9)
        elif isinstance(b, Table):
            _table(d, b)
        elif isinstance(b, Figure):
            pic = d.add_paragraph()
            pic.paragraph_format.keep_with_next = True
            pic.add_run().add_picture(io.BytesIO(images[b.name]), width=width)
            d.add_paragraph(docx_text(b.caption), style="Caption")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
