"""HTML renderer: one self-contained page (CSS inline, charts as base64 PNG ``data:`` URIs, no external
resources), with A4 print rules: portrait A4 pages, tables and figures not split across pages where they
fit on one, headings kept with what follows, table headers repeated on a new page."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping

from .document import Document, Figure, Heading, Paragraph, Table, number_cell

__all__ = ["render_html", "html_escape", "CSS"]

CSS = """
body{font-family:"Segoe UI",Calibri,Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;
line-height:1.4}
h1{font-size:1.5rem;border-bottom:2px solid #111;padding-bottom:.3rem;margin:0 0 .8rem}
h2{font-size:1.2rem;margin:1.6rem 0 .5rem}h3{font-size:1.02rem;margin:1.1rem 0 .4rem}
p{margin:.4rem 0}p.note{font-size:.85rem;color:#333}
p.headline{font-size:1.1rem;font-weight:600;border-left:4px solid #111;padding-left:.6rem}
table{border-collapse:collapse;margin:.4rem 0 .8rem;font-size:.85rem}
th,td{border:1px solid #888;padding:.2rem .45rem;vertical-align:top}
th{background:#e8e8e8;text-align:left}td.r,th.r{text-align:right}
tr.total td{font-weight:600}td.sub{padding-left:1.4rem}
figure{margin:.8rem 0}figure img{width:100%;max-width:42rem;height:auto;border:1px solid #ddd}
figcaption{font-size:.82rem;font-style:italic}
@page{size:A4 portrait;margin:12mm 13mm 13mm}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:9pt;line-height:1.25}
 h1{font-size:13pt;margin:0 0 2mm;padding-bottom:1mm}
 h2{font-size:11pt;margin:3.5mm 0 1.2mm;break-after:avoid}
 h3{font-size:9.5pt;margin:2.5mm 0 1mm;break-after:avoid}
 p{margin:1mm 0;orphans:3;widows:3}p.headline{font-size:10pt}p.note{font-size:7.5pt}
 p:has(+ table){break-after:avoid}
 table{font-size:7.5pt;width:100%;margin:1mm 0 1.5mm;break-inside:auto}thead{display:table-header-group}
 tr{break-inside:avoid}table.keep{break-inside:avoid}
 th,td{padding:.45mm 1.2mm}
 figure{margin:1.5mm 0;break-inside:avoid}figure img{max-width:100%;width:100%;border:none}
 figcaption{font-size:7.5pt}
}
"""


def html_escape(text: str) -> str:
    return html.escape(text, quote=True)


def _table(t: Table) -> list[str]:
    e = html_escape
    align = t.alignment()
    # short tables stay on one page; long ones (the assumptions) may break between rows
    cls = ' class="keep"' if len(t.rows) <= 25 else ""
    out = [f"<table{cls}><thead><tr>" + "".join(f'<th class="{a}">{e(h)}</th>' for a, h in zip(align, t.header))
           + "</tr></thead><tbody>"]
    for i, row in enumerate(t.rows):
        tr = ' class="total"' if i in t.bold else ""
        cells = []
        for j, (a, c) in enumerate(zip(align, row)):
            cls_ = a + (" sub" if j == 0 and t.indent_of(i) else "")
            cells.append(f'<td class="{cls_}">{e(number_cell(c) if a == "r" else c)}</td>')
        out.append(f"<tr{tr}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if t.caption:
        out.append(f'<p class="note">{e(t.caption)}</p>')
    return out


def render_html(doc: Document, images: Mapping[str, bytes]) -> str:
    """Self-contained HTML of ``doc``; ``images`` maps a figure name to its PNG bytes."""
    e = html_escape
    out = ["<!DOCTYPE html>", f'<html lang="{doc.lang}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(doc.title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>", f"<h1>{e(doc.title)}</h1>"]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            cls = f' class="{b.style}"' if b.style != "body" else ""
            out.append(f"<p{cls}>{e(b.text)}</p>")
        elif isinstance(b, Table):
            out += _table(b)
        elif isinstance(b, Figure):
            data = base64.b64encode(images[b.name]).decode("ascii")
            out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(b.caption)}">'
                       f"<figcaption>{e(b.caption)}</figcaption></figure>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
