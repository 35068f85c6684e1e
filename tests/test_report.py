"""Reports (issue 4): report.md/.html, charts, summary.xlsx, `mkba run` / `mkba report`."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from mkba.outputs.formatting import format_money_ends, format_probability
from mkba.outputs.summary import summarise
from mkba.simulator.results import net, with_inputs
from mkba.simulator.study import Study
from cli_run import run_cli

DRAWS = 3000
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


_run = run_cli


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, forward_path) -> tuple[Path, dict]:
    """One `mkba run` with the default report (Dutch study → Dutch report)."""
    out = tmp_path_factory.mktemp("run")
    code, stdout, _ = _run(["run", str(forward_path), "--draws", str(DRAWS), "--seed", "7", "--out", str(out), "--json"])
    assert code == 0
    return out / "steenwijkerland-doorkijk", json.loads(stdout)


@pytest.fixture(scope="module")
def results(run_dir) -> xr.Dataset:
    with xr.open_dataset(run_dir[0] / "results.nc", engine="h5netcdf") as f:
        return f.load()


def _headline_numbers(ds: xr.Dataset, lang: str) -> tuple[str, str, str]:
    res = summarise(ds)
    lo, hi = format_money_ends(res["summary"]["saldo"]["p5"], res["summary"]["saldo"]["p95"], lang=lang)
    p = format_probability(res["probabilities"]["bc_social_gt_1"], lang=lang)
    return lo, hi, p  # "… is > 0,99" / "… is 0,96"


class TestRunWritesReport:
    def test_files_and_json_outputs(self, run_dir):
        folder, result = run_dir
        outs = result["outputs"]
        for key in ("report_md", "report_html", "report_docx", "excel", "charts"):
            assert Path(outs[key]).exists(), key
        for name in ("saldo", "ratios", "costs_benefits", "actors", "cashflow",
                     "convergence", "tornado"):
            assert (folder / "charts" / f"{name}.png").stat().st_size > 1000, name
        assert not list((folder / "charts").glob("*.svg")), "SVG only with --svg"
        assert not list(folder.rglob("*.tmp")), "a temporary file was left behind"

    def test_headline_carries_the_run_numbers(self, run_dir, results):
        md = (run_dir[0] / "report.md").read_text(encoding="utf-8")
        lo, hi, p = _headline_numbers(results, "nl")
        assert (f"Met 90 % waarschijnlijkheid ligt het saldo tussen {lo} en {hi}; de kans dat de maatschappelijke "
                f"B/K-verhouding groter is dan 1 is {p}.") in md

    def test_sections_present(self, run_dir):
        md = (run_dir[0] / "report.md").read_text(encoding="utf-8")
        for heading in ("## Kosten en baten", "## Wie betaalt, wie wint", "## Tijdprofiel", "## Wat bepaalt de uitkomst",
                        "## Wat-als-scenario's", "## Aannames", "## Methode", "## Herkomst"):
            assert heading in md
        for scenario in ("Geen voorkomen escalatie", "Substitutie op meer diverse trajecten", "extra zwaardere"):
            assert scenario in md
        assert "Werk en Inkomen" in md and "Voorkomen escalatiekosten" in md
        assert "| Waarde van een QALY | PERT: min 20.000 – meest waarschijnlijk 50.000 – max 100.000 |" in md
        assert "gepubliceerde puntschatting: LPBL" in md  # [study] published = true, with its reference

    def test_escalation_scenario_lowers_the_saldo(self, run_dir):
        # the what-if without prevented escalation must show a negative paired Δ saldo
        md = (run_dir[0] / "report.md").read_text(encoding="utf-8")
        row = next(line for line in md.splitlines() if line.startswith("| Geen voorkomen escalatie"))
        delta = row.rstrip(" |").split("|")[-1]
        assert "\u2212" in delta.split("(")[0]

    def test_html_is_self_contained(self, run_dir):
        page = (run_dir[0] / "report.html").read_text(encoding="utf-8")
        srcs = re.findall(r'<img[^>]*\ssrc="([^"]+)"', page)
        assert len(srcs) == (run_dir[0] / "report.md").read_text(encoding="utf-8").count("![")
        assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
        assert not re.search(r'(src|href)="(https?:)?//', page)
        assert "<link" not in page
        assert html.escape("Met 90 % waarschijnlijkheid") in page


class TestExcel:
    def test_sheets_match_netcdf(self, run_dir, results):
        openpyxl = pytest.importorskip("openpyxl")
        wb = openpyxl.load_workbook(run_dir[0] / "summary.xlsx", read_only=True)
        assert wb.sheetnames == ["Samenvatting", "Wie betaalt wie wint", "Invoer", "Wat-als", "Trekkingen", "Herkomst"]
        assert not any("'" in n for n in wb.sheetnames)
        res = summarise(results)
        rows = {r[7]: r for r in wb["Samenvatting"].iter_rows(min_row=2, values_only=True) if r and r[7]}
        for name in ("saldo", "costs", "benefits", "bc_social", "escalation"):
            base, mean, p5, p50, p95 = rows[name][2:7]
            assert isinstance(p5, float)  # numbers, not text
            np.testing.assert_allclose([base, mean, p5, p50, p95],
                                       [res["base"][name], *(res["summary"][name][k] for k in ("mean", "p5", "p50", "p95"))],
                                       rtol=1e-12)
        assert rows["bc_social_gt_1"][2] == pytest.approx(res["probabilities"]["bc_social_gt_1"], abs=1e-12)
        assert rows["bc_social_gt_1"][0] == "Kans B/K maatschappelijk > 1" and rows["bc_social_gt_1"][3] is None

        draws = list(wb["Trekkingen"].iter_rows(values_only=True))
        header, body = draws[0], draws[1:]
        assert len(body) == min(1_000, results.sizes["draw"])  # --excel-draws default
        for col, var in (("Saldo", "saldo"), ("B/K gemeente", "bc_municipal"),
                         ("Toename kwaliteit van leven", "line.quality_of_life"), ("Waarde van een QALY", "input.prices.qaly_value")):
            j = header.index(col)
            if var.startswith("line."):
                expected = results["line"].sel(item=var[5:]).values
            elif var.startswith("input."):  # the lean store recomputes the inputs from the study and seed
                expected = with_inputs(results, Study.from_toml(results.attrs["study_file"]))["inputs"].sel(
                    input=var[6:]).values
            else:
                expected = results[var].values
            np.testing.assert_array_equal(np.array([r[j] for r in body], dtype=float), expected[: len(body)])

        actors = {(r[7], r[1]): r for r in wb["Wie betaalt wie wint"].iter_rows(min_row=2, values_only=True)}
        jeugd = net(results, "jeugd").values  # benefits − costs per draw (float32 parts in the lean store)
        assert actors[("jeugd", "saldo")][3] == pytest.approx(float(jeugd.mean()), rel=1e-9)
        assert actors[("jeugd", "kans saldo > 0")][2] == pytest.approx(float((jeugd > 0).mean()), abs=1e-12)
        assert actors[("municipality", "B/K-verhouding")][2] == pytest.approx(float(results["base_bc_municipal"]))
        inputs = {r[9]: r for r in wb["Invoer"].iter_rows(min_row=2, values_only=True)}
        assert inputs["prices.qaly_value"][0] == "Waarde van een QALY"
        assert inputs["prices.qaly_value"][3] == "PERT: min 20.000 – meest waarschijnlijk 50.000 – max 100.000"
        assert json.loads(inputs["prices.qaly_value"][10])["dist"] == "pert"  # the hidden machine-readable column
        wb.close()
        full = openpyxl.load_workbook(run_dir[0] / "summary.xlsx")
        assert all(full[name].auto_filter.ref for name in full.sheetnames if name != "Herkomst")
        full.close()
        wb.close()

    def test_number_formats(self, run_dir):
        openpyxl = pytest.importorskip("openpyxl")
        wb = openpyxl.load_workbook(run_dir[0] / "summary.xlsx", read_only=True)
        ws = wb["Trekkingen"]
        rows = list(ws.iter_rows())
        header = [c.value for c in rows[0]]
        assert len(rows) == min(DRAWS, 1_000) + 1
        for row in (rows[1], rows[-1]):  # the first row is openpyxl's, the rest are filled in directly
            assert row[header.index("Saldo")].number_format == "#,##0"
            assert row[header.index("B/K maatschappelijk")].number_format == "0.000"
        summ = list(wb["Samenvatting"].iter_rows(min_row=2, max_row=7))
        assert {r[5].number_format for r in summ} == {"#,##0"}
        wb.close()


class TestRegenerate:
    def test_same_numbers_from_results_nc(self, run_dir, tmp_path):
        folder, _ = run_dir
        code, stdout, _ = _run(["report", str(folder / "results.nc"), "--out", str(tmp_path)])
        assert code == 0 and "report.html" in stdout
        # same study file, same results: the regenerated report is the same document
        assert (tmp_path / "report.md").read_text(encoding="utf-8") == (folder / "report.md").read_text(encoding="utf-8")

    def test_without_study_file_in_english(self, run_dir, results, tmp_path):
        ds = results.copy()
        ds.attrs["study_file"] = str(tmp_path / "moved-away.toml")
        nc = tmp_path / "results.nc"
        ds.to_netcdf(nc, engine="h5netcdf")
        # results of `mkba sensitivity` next to results.nc are listed in the drivers section
        sobol = xr.Dataset({"value": (("parameter", "index"), [[0.61, 0.7], [0.2, 0.25]])},
                           coords={"parameter": ["prices.qaly_value", "effects.escalation.rate.families"],
                                   "index": ["S1", "ST"]},
                           attrs={"method": "sobol", "target": "saldo", "study": ds.attrs["study"],
                                  "n_evaluations": 1024})
        sobol.to_netcdf(tmp_path / "sensitivity-sobol.nc", engine="h5netcdf")
        code, _, err = _run(["report", str(nc), "--lang", "en"])
        assert code == 0, err
        md = (tmp_path / "report.md").read_text(encoding="utf-8")
        lo, hi, p = _headline_numbers(results, "en")
        assert (f"With 90% probability the balance lies between {lo} and {hi}; the probability that the social B/C "
                f"ratio exceeds 1 is {p}.") in md
        assert "without the scenario comparison" in md
        assert "## What-if scenarios" not in md and "geen-escalatie" not in md
        assert "Work & Income" in md
        assert "Global sensitivity analysis (Sobol, target balance, 1,024 model evaluations; sensitivity-sobol.nc)" in md
        assert "| Value of a QALY | 0.610 | 0.700 |" in md
        wb = pytest.importorskip("openpyxl").load_workbook(tmp_path / "summary.xlsx", read_only=True)
        assert "Scenarios" not in wb.sheetnames and "Draws" in wb.sheetnames
        wb.close()

    @pytest.mark.parametrize("kind", ["missing", "not-netcdf", "not-mkba"])
    def test_bad_results_file_exit_2(self, tmp_path, kind):
        path = tmp_path / "r.nc"
        if kind == "not-netcdf":
            path.write_text("hello", encoding="utf-8")
        elif kind == "not-mkba":
            xr.Dataset({"x": ("draw", np.arange(3.0))}).to_netcdf(path, engine="h5netcdf")
        code, out, err = _run(["report", str(path), "--out", str(tmp_path / "o")])
        assert code == 2
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {path}:")
        assert "Traceback" not in err
        assert not (tmp_path / "o").exists()


class TestLeanAndNoReport:
    def test_lean_run_reports_base_case(self, tmp_path, forward_path):
        import mkba
        from mkba.outputs.report import write_report

        study = mkba.Study.from_toml(forward_path)
        ds = mkba.simulate(study, draws=1000, seed=3, store="lean")
        assert "npv" not in ds and "cashflow" not in ds
        out = write_report(ds, tmp_path, lang="en", find_study=False)
        md = Path(out["report_md"]).read_text(encoding="utf-8")
        # the lean store streams the cash-flow bands: the time profile keeps its ranges
        assert "are not kept per draw" not in md and "## Time profile" in md
        assert "## Who pays, who gains" in md  # the budget view survives the lean store
        assert (tmp_path / "charts" / "actors.png").exists()
        wb = pytest.importorskip("openpyxl").load_workbook(out["excel"], read_only=True)
        actors = {(r[7], r[1]): r for r in wb["Who pays who gains"].iter_rows(min_row=2, values_only=True)}
        sign = xr.where(ds["kind"] == "cost", -1.0, 1.0)
        wi = actors[("wi", "balance")]
        assert wi[2] == pytest.approx(float((ds["base_npv"].sel(actor="wi") * sign).sum()), rel=1e-9)
        net = ds["actor_benefits"].sel(actor="wi").values.astype(float) - ds["actor_costs"].sel(actor="wi").values
        assert wi[5] == pytest.approx(float(np.median(net)), rel=1e-9)  # per-draw figures, also when lean
        wb.close()

    def test_no_report_skips_files_and_matplotlib(self, tmp_path, forward_path):
        code = (
            "import sys, json\n"
            "from mkba.cli import main\n"
            f"rc = main(['run', {str(forward_path)!r}, '--draws', '300', '--no-report', '--json', '--out', {str(tmp_path)!r}])\n"
            "assert rc == 0\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported by --no-report'\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        obj = json.loads(proc.stdout)  # still exactly one JSON object
        assert "report_html" not in obj["outputs"]
        folder = tmp_path / "steenwijkerland-doorkijk"
        assert (folder / "results.nc").exists() and not (folder / "report.html").exists()


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium/chrome binary on PATH: cannot render report.html")
class TestBrowser:
    def _chromium(self, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}"]
        return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=90)

    def test_renders_with_every_image_loaded(self, run_dir, tmp_path):
        from PIL import Image

        page = (run_dir[0] / "report.html").read_text(encoding="utf-8")
        n_img = len(re.findall(r"<img\s", page))
        # after the load event, write how many images decoded into the DOM, then read it via --dump-dom
        probe = ('<script>window.addEventListener("load",function(){var im=[].slice.call(document.images);'
                 'var ok=im.filter(function(i){return i.complete&&i.naturalWidth>0}).length;'
                 'var d=document.createElement("div");d.id="imgcheck";d.textContent="loaded="+ok+" total="+im.length;'
                 'document.body.appendChild(d);});</script>')
        check = tmp_path / "check.html"
        check.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
        dom = self._chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", check.as_uri())
        m = re.search(r'id="imgcheck">loaded=(\d+) total=(\d+)<', dom.stdout)
        assert m, f"probe not found in the DOM (stderr: {dom.stderr[-500:]})"
        assert int(m.group(2)) == n_img > 0
        assert int(m.group(1)) == n_img

        shot = tmp_path / "shot.png"
        self._chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", "--hide-scrollbars",
                       (run_dir[0] / "report.html").as_uri())
        assert shot.exists(), "chromium wrote no screenshot"
        px = np.asarray(Image.open(shot).convert("L"), dtype=float)
        assert px.shape == (2000, 1200)
        dark = (px < 128).mean()
        assert 0.005 < dark < 0.5, f"screenshot looks blank or broken (dark share {dark:.4f})"
        assert px.std() > 10


class TestCharts:
    @pytest.fixture(scope="class")
    @classmethod
    def small(cls, forward_path) -> xr.Dataset:
        import mkba

        return mkba.simulate(mkba.Study.from_toml(forward_path), draws=800, seed=5, store="full")

    def test_plot_functions_draw_into_a_given_axes(self, small):
        from mkba.outputs import charts

        for name, (fn, kw) in charts.chart_functions().items():
            ax = charts.new_axes()
            assert fn(small, ax=ax, lang="en", **kw) is ax, name
            assert ax.get_title(), name
            assert ax.has_data(), name
        ax = charts.plot_actors(small, lang="en")
        assert [t.get_text() for t in ax.get_yticklabels()][0] == "Work & Income"

    def test_distribution_marks_quantiles_and_break_even(self, small):
        from mkba.outputs.charts import plot_distribution

        ax = plot_distribution(small, "bc_social", lang="nl")
        xs = sorted(float(line.get_xdata()[0]) for line in ax.get_lines() if len(set(line.get_xdata())) == 1)
        expected = sorted([1.0, *np.quantile(small["bc_social"].values, (0.05, 0.5, 0.95))])
        np.testing.assert_allclose(xs, expected, rtol=1e-12)

    def test_ratios_chart_marks_each_ratio_and_its_probability(self, small):
        from mkba.outputs.charts import RATIO_VARS, plot_ratios
        from mkba.outputs.formatting import format_number, format_probability
        from mkba.outputs.summary import prob_above

        ax = plot_ratios(small, lang="nl")
        marks = sorted(float(seg[0][0]) for c in ax.collections if hasattr(c, "get_segments") for seg in c.get_segments())
        expected = sorted(float(q) for v in RATIO_VARS for q in np.quantile(small[v].values, (0.05, 0.5, 0.95)))
        np.testing.assert_allclose(marks, expected, rtol=1e-12)  # P5, P50, P95 of every ratio
        texts = [t.get_text() for t in ax.texts]
        assert [lab.get_text() for lab in ax.get_yticklabels()] == ["Gemeente", "Financieel", "Maatschappelijk"]
        for v, text in zip(reversed(RATIO_VARS), texts):  # rows from the bottom: municipal first
            p = format_probability(prob_above(small[v].values, 1.0), lang="nl")
            assert text.endswith(f"P(B/K > 1) {p}")
            assert f"P50 {format_number(float(np.median(small[v].values)), 2, lang='nl')}" in text
        assert any(float(line.get_xdata()[0]) == 1.0 for line in ax.get_lines())  # break-even

    def test_actor_net_adds_up_to_saldo(self, small):
        from mkba.outputs.charts import actor_net, net_cashflow

        np.testing.assert_allclose(actor_net(small).sum("actor").values, small["saldo"].values, rtol=1e-9)
        assert float(actor_net(small, base=True).sum()) == pytest.approx(float(small["base_saldo"]), rel=1e-9)
        assert net_cashflow(small).dims == ("draw", "year")


def _html_tables(page: str) -> list[list[list[str]]]:
    tables = []
    for t in re.findall(r"<table[^>]*>(.*?)</table>", page, flags=re.S):
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", t, flags=re.S)
        tables.append([[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)] for r in rows])
    return tables


class TestWord:
    def test_docx_has_the_tables_images_and_numbers_of_the_html(self, run_dir):
        docx = pytest.importorskip("docx")
        from docx.shared import Mm

        d = docx.Document(str(run_dir[0] / "report.docx"))
        page = (run_dir[0] / "report.html").read_text(encoding="utf-8")
        expected = _html_tables(page)
        assert len(d.tables) == len(expected) > 5
        for t, rows in zip(d.tables, expected):
            got = [[c.text.strip() for c in r.cells] for r in t.rows]
            assert got == rows
            assert t.style.name == "Table Grid"  # borders
            assert all(run.bold for run in t.rows[0].cells[0].paragraphs[0].runs)  # header row
            assert t.rows[0]._tr.trPr.find(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
        # numbers right-aligned (the first column is the label)
        budget = next(t for t in d.tables if t.rows[0].cells[0].text == "Partij")
        assert budget.rows[1].cells[3].paragraphs[0].alignment == 2  # WD_ALIGN_PARAGRAPH.RIGHT
        n_img = len(re.findall(r"<img\s", page))
        assert len(d.inline_shapes) == n_img > 0
        sec = d.sections[0]
        assert abs(sec.page_width - Mm(210)) < Mm(1) and abs(sec.page_height - Mm(297)) < Mm(1)
        text_width = sec.page_width - sec.left_margin - sec.right_margin
        assert all(abs(s.width - text_width) < Mm(1) for s in d.inline_shapes)  # charts at column width
        styles = [p.style.name for p in d.paragraphs]
        assert "Heading 1" in styles and "Heading 2" in styles and styles[0] == "Title"
        captions = [p.text for p in d.paragraphs if p.style.name == "Caption"]
        assert len(captions) == n_img == len(set(captions))  # every caption once
        assert not any(p.text in captions for p in d.paragraphs if p.style.name != "Caption")

    @pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
    def test_libreoffice_converts_it(self, run_dir, tmp_path):
        src = tmp_path / "report.docx"
        shutil.copy(run_dir[0] / "report.docx", src)
        proc = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless",
                               "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                              capture_output=True, text=True, timeout=180)
        pdf = tmp_path / "report.pdf"
        assert proc.returncode == 0 and pdf.exists(), proc.stderr
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF")
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
        assert 3 <= pages <= 30
        assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+595\.\d*\s+841\.\d*", data)  # A4 portrait
