"""Word renderer (python-docx): ``report.docx`` for the people who write council documents.

A4 portrait; the title in style Title, sections in Heading 1 and sub-sections in Heading 2; real Word tables
(style Table Grid: borders; a bold, shaded header row repeated on every page; numbers right-aligned); each
chart at the width of the text column with its caption once, in style Caption."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..escape import docx_text
from .document import Document, Figure, Heading, Paragraph, Table, number_cell

__all__ = ["render_docx"]

_PAGE_MM = (210, 297)
_MARGIN_MM = 20


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


def _runs(text: str) -> str:
    """A run's content as python-docx writes it: text in ``w:t`` (space-preserving where it starts or ends
    with white space), a tab as ``w:tab``, a line break as ``w:br``."""
    from xml.sax.saxutils import escape

    out = []
    for k, piece in enumerate(re.split(r"([\t\r\n])", text)):
        if k % 2:
            out.append("<w:tab/>" if piece == "\t" else "<w:br/>")
        elif piece:
            keep = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            out.append(f"<w:t{keep}>{escape(piece)}</w:t>")
    return "".join(out)


def _twips(mm: float) -> int:
    from docx.shared import Mm

    return int(Mm(mm).twips)


def _table(doc, t: Table, styled: Callable[[str, str], Any]) -> None:  # noqa: ANN001 - python-docx Document
    """The table as WordprocessingML, written as one string and parsed once: the same elements python-docx
    makes cell by cell (style Table Grid, fixed layout, each cell's width, a shaded bold header row repeated
    on every page, rows that do not split), in a tenth of the time — python-docx walks the table's XML for
    every cell property it sets, which made the tables most of the Word file's cost."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt

    align = t.alignment()
    text_mm = _PAGE_MM[0] - 2 * _MARGIN_MM
    pt = 8.5
    while pt > _MIN_PT and sum(_bounds(t, pt)[0]) > text_mm:
        pt -= 0.5  # a wide table (the plan per year) in a smaller font rather than with broken words
    widths = [_twips(w) for w in _column_widths(t, text_mm, pt)]
    size = f'<w:sz w:val="{round(2 * pt)}"/>'
    margin = round(_CELL_MARGIN_MM / 25.4 * 1440)  # twips
    xml = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/>'
           '<w:jc w:val="left"/><w:tblLayout w:type="fixed"/><w:tblLook w:firstColumn="1" w:firstRow="1" '
           'w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/>'
           f'<w:tblCellMar><w:left w:w="{margin}" w:type="dxa"/><w:right w:w="{margin}" w:type="dxa"/>'
           '</w:tblCellMar></w:tblPr><w:tblGrid>', *(f'<w:gridCol w:w="{w}"/>' for w in widths), "</w:tblGrid>"]
    for i, row in enumerate([t.header, *t.rows]):
        xml.append('<w:tr><w:trPr><w:cantSplit/><w:tblHeader w:val="true"/></w:trPr>' if i == 0
                   else "<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        bold = i == 0 or (i - 1) in t.bold
        indent = t.indent_of(i - 1) if i > 0 else 0
        for j, (value, w) in enumerate(zip(row, widths)):
            shade = '<w:shd w:val="clear" w:color="auto" w:fill="E8E8E8"/>' if i == 0 else ""
            ind = f'<w:ind w:left="{_twips(4 * indent)}"/>' if j == 0 and indent else ""
            jc = "right" if align[j] == "r" else "left"
            cell = docx_text(number_cell(value) if align[j] == "r" and i > 0 else value)
            xml.append(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/>{shade}</w:tcPr><w:p><w:pPr>'
                       f'<w:spacing w:after="0"/>{ind}<w:jc w:val="{jc}"/></w:pPr><w:r><w:rPr>'
                       f'{"<w:b/>" if bold else ""}{size}</w:rPr>{_runs(cell)}</w:r></w:p></w:tc>')
        xml.append("</w:tr>")
    xml.append("</w:tbl>")
    doc.element.body._insert_tbl(parse_xml("".join(xml)))
    after = styled(t.caption, "Caption") if t.caption else doc.add_paragraph()
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
    # each style's id looked up once: python-docx scans every style of the document per styled paragraph
    ids = {name: d.styles[name].style_id for name in ("Title", "Caption", "Heading 1", "Heading 2", "Heading 3")}

    def styled(text: str, style: str) -> Any:  # what d.add_paragraph(text, style=style) makes
        p = d.add_paragraph(docx_text(text))
        p._p.style = ids[style]
        return p

    styled(doc.title, "Title")
    width = Mm(_PAGE_MM[0] - 2 * _MARGIN_MM)
    for b in doc.blocks:
        if isinstance(b, Heading):
            styled(b.text, f"Heading {max(1, min(3, b.level - 1))}")
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
            _table(d, b, styled)
        elif isinstance(b, Figure):
            pic = d.add_paragraph()
            pic.paragraph_format.keep_with_next = True
            pic.add_run().add_picture(io.BytesIO(images[b.name]), width=width)
            styled(b.caption, "Caption")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
