"""Printing the report (issue 13 item 6): report.html printed to PDF by headless Chromium is A4, its first
page holds the headline, the costs-and-benefits table and the budget view (with a [plan] also the municipal
budget per year), no table or chart is wider than the text column (which would make Chromium shrink every
page), and charts are printed at the column's width. Skipped where Chromium or pdftotext is missing."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mkba import Study, simulate
from mkba.outputs.report import write_report
from mkba.simulator.study import bundled_studies

CHROMIUM = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium/chrome binary on PATH: cannot print report.html"),
    pytest.mark.skipif(PDFTOTEXT is None, reason="no pdftotext (poppler-utils) on PATH: cannot read the printed PDF"),
]
STUDIES = {p.stem: p for p in bundled_studies()}
A4_PT = (595.0, 842.0)


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp / 'profile'}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module", params=["steenwijkerland-doorkijk", "west-betuwe-2020--meerjarenplan"])
def printed(request, tmp_path_factory) -> tuple[str, Path, Path]:
    stem, _, scenario = request.param.partition("--")
    root = Study.from_toml(STUDIES[stem])
    ds = simulate(root.scenario(scenario or "base"), draws=1000, seed=7)
    folder = tmp_path_factory.mktemp("print")
    write_report(ds, folder, study=root, excel=False, docx=False)
    pdf = folder / "report.pdf"
    done = _chromium(folder, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", (folder / "report.html").as_uri())
    assert pdf.exists(), done.stderr[-800:]
    return request.param, folder, pdf


def _page(pdf: Path, n: int) -> str:
    return subprocess.run([PDFTOTEXT, "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True,
                          timeout=60, check=True).stdout


def test_a4_pages(printed):
    _, _, pdf = printed
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes, "no page size in the PDF"
    for w, h in boxes:
        assert abs(float(w) - A4_PT[0]) < 2 and abs(float(h) - A4_PT[1]) < 2, (w, h)


def test_first_page_holds_headline_table_and_budget_view(printed):
    case, _, pdf = printed
    page = re.sub(r"\s+", " ", _page(pdf, 1))
    assert "Met 90 % waarschijnlijkheid ligt het saldo tussen" in page
    assert "Kosten en baten" in page and "Totaal kosten" in page and "B/K gemeente" in page
    # the whole budget view: its heading, its last party and the municipal ratio under it
    assert "Wie betaalt, wie wint" in page and "Huishoudens" in page
    assert "B/K-verhouding gemeente (alleen financiële baten)" in page
    if case.endswith("meerjarenplan"):  # the municipal budget per year, to its last year
        assert "Begroting van de gemeente per jaar" in page
        assert re.search(r"\b2021\b.*\b2028\b", page)
    # and the charts come after it
    assert "Verdeling van de uitkomsten" not in page


def test_nothing_wider_than_the_text_column(printed):
    """With the print rules applied at the A4 column width (182 mm), no table, figure or paragraph sticks
    out (Chromium would scale every printed page down to fit it), and each chart fills the column."""
    _, folder, _ = printed
    page = (folder / "report.html").read_text(encoding="utf-8")
    page = page.replace("@media print{", "@media all{").replace("</style>", "body{width:182mm!important}</style>")
    probe = ("<script>window.addEventListener('load',function(){var W=document.body.getBoundingClientRect().width;"
             "var wide=[],narrow=[];document.querySelectorAll('table,figure,p,h1,h2,h3').forEach(function(e){"
             "if(e.getBoundingClientRect().width>W+1)wide.push(e.tagName+':'+(e.innerText||'').slice(0,40))});"
             "document.querySelectorAll('figure img').forEach(function(i){if(i.getBoundingClientRect().width<0.98*W)"
             "narrow.push(i.alt.slice(0,40))});var d=document.createElement('pre');d.id='probe';"
             "d.textContent='wide='+JSON.stringify(wide)+' narrow='+JSON.stringify(narrow)+' imgs='+"
             "document.images.length;document.body.appendChild(d)});</script>")
    check = folder / "probe.html"
    check.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
    dom = _chromium(folder, "--virtual-time-budget=10000", "--dump-dom", check.as_uri()).stdout
    m = re.search(r'id="probe">wide=(.*?) narrow=(.*?) imgs=(\d+)<', dom)
    assert m, "probe not found in the DOM"
    assert m.group(1) == "[]", f"wider than the column: {m.group(1)}"
    assert m.group(2) == "[]" and int(m.group(3)) > 3, f"charts narrower than the column: {m.group(2)}"
