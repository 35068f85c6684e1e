"""Security (issue 11 item 7): formula and HTML injection neutralised; mkba batch's own cluster is private."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomlw

from mkba.cli import main
from mkba.outputs.escape import docx_text, md_cell, md_text

ROOT = Path(__file__).resolve().parents[1]
FORWARD = ROOT / "studies" / "steenwijkerland-doorkijk.toml"
XSS = '<img src=x onerror="alert(1)">'
LINK = "[klik hier](javascript:alert(1)) ![x](http://evil/x.png)"
FORMULA = '=HYPERLINK("http://evil","klik")'


@pytest.fixture(scope="module")
def injected(tmp_path_factory) -> Path:
    raw = tomllib.loads(FORWARD.read_text(encoding="utf-8"))
    raw["study"]["title"] = f"Wijk {XSS}"
    raw["study"]["description"] = LINK
    raw["scenarios"][0]["title"] = FORMULA
    raw["scenarios"][1]["title"] = "@SUM(A1:A9)"
    raw["scenarios"][2]["title"] = "-2+3"
    d = tmp_path_factory.mktemp("inj")
    p = d / "inj.toml"
    p.write_text(tomlw.dumps(raw), encoding="utf-8")
    assert main(["run", str(p), "--draws", "300", "--out", str(d / "out")]) == 0
    return d / "out" / raw["study"]["name"]


def test_workbook_cells_are_text(injected):
    from openpyxl import load_workbook

    wb = load_workbook(injected / "summary.xlsx")
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value in (FORMULA, "@SUM(A1:A9)", "-2+3"):
                    found[c.value] = (c.data_type, c.quotePrefix)
    assert found == {FORMULA: ("s", True), "@SUM(A1:A9)": ("s", True), "-2+3": ("s", True)}
    wb.close()


def test_report_markdown_and_html_escape_study_text(injected):
    md = (injected / "report.md").read_text(encoding="utf-8")
    page = (injected / "report.html").read_text(encoding="utf-8")
    assert "<img" not in md and "&lt;img src=x" in md
    assert "](javascript:" not in md.replace("\\](javascript:", "")  # the bracket is escaped
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert 'onerror="alert' not in page


def test_escape_helpers():
    assert md_text(XSS).startswith("&lt;img")
    assert md_text("# kop") == "\\# kop" and md_text("> citaat") == "\\> citaat"
    assert md_text(LINK) == "\\[klik hier\\](javascript:alert(1)) !\\[x\\](http://evil/x.png)"
    assert md_text("P(B/K > 1) = 0,95 & meer") == "P(B/K > 1) = 0,95 & meer"  # readable where harmless
    assert md_cell("a | b\nc") == "a \\| b c"
    assert docx_text("a\x00b\x0bc\td") == "abc\td"


def test_docx_helper_makes_a_valid_document(tmp_path):
    docx = pytest.importorskip("docx")
    d = docx.Document()
    d.add_paragraph(docx_text("titel\x01 met \x1f stuurtekens"))
    d.save(tmp_path / "x.docx")
    assert docx.Document(tmp_path / "x.docx").paragraphs[0].text == "titel met  stuurtekens"


def test_local_cluster_is_private():
    pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    from distributed import Client
    from distributed.security import Security

    from mkba.simulator.cluster import _client

    with _client(1, None, None) as c:
        address = c.scheduler.address
        assert address.startswith("tls://127.0.0.1:")
        assert c.submit(sum, [1, 2]).result() == 3  # the run's own client works
        # Dask's HTTP server (health, metrics) listens on 127.0.0.1 only, and serves no dashboard
        import urllib.error
        import urllib.request

        http = c.cluster.scheduler.http_server
        hosts = {sock.getsockname()[0] for sock in http._sockets.values()}
        assert hosts == {"127.0.0.1"}
        port = next(iter(http._sockets.values())).getsockname()[1]
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=5)
        assert exc.value.code == 404
        for kwargs in ({}, {"security": Security.temporary()}):  # no credentials, or others' credentials
            with pytest.raises((OSError, TypeError, ValueError)):
                Client(address, timeout="2s", set_as_default=False, **kwargs)
        with pytest.raises(OSError):  # plain TCP is refused too
            Client(address.replace("tls://", "tcp://"), timeout="2s", set_as_default=False)
