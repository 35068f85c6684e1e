"""The municipal budget per plan year in the report and the workbook (issue 13 item 1, West Betuwe's
"investeringen en besparingen in de komende jaren"): investments, savings and balance per year with their
90 % intervals, in every store and both languages."""

from __future__ import annotations

import re

import numpy as np
import pytest
from numpy.testing import assert_allclose

from mkba import Study, simulate
from mkba.outputs.plan import plan_view
from mkba.outputs.report import build_document, render_docx, render_html, render_markdown, report_context
from mkba.simulator.domain import MUNICIPAL_ACTORS
from mkba.simulator.study import bundled_studies

WEST_BETUWE = next(p for p in bundled_studies() if p.stem == "west-betuwe-2020")


@pytest.fixture(scope="module")
def root() -> Study:
    return Study.from_toml(WEST_BETUWE)


@pytest.fixture(scope="module")
def study(root) -> Study:
    return root.scenario("meerjarenplan")


@pytest.fixture(scope="module")
def full(study):
    return simulate(study, draws=1500, seed=11, store="full")


@pytest.fixture(scope="module")
def lean(study):
    return simulate(study, draws=1500, seed=11, store="lean")


def _number(cell: str) -> float:
    """A cell in whole thousands as the report writes it: "−1.015" (nl) → -1015."""
    return float(cell.replace("\u2212", "-").replace(".", "").replace(",", ""))


def test_investments_are_the_plans_extra_means(study, full):
    """The study funds its team new-for-old, so in the base case the municipality's only net extra spending
    is the plan's investment line: investments per year are the study file's ``investments`` (then 0)."""
    view = plan_view(full)
    plan = study.options.plan
    expected = list(plan.investments) + [0.0] * (len(view["years"]) - len(plan.investments))
    assert view["years"][: len(plan.years)] == list(plan.years)
    assert_allclose(view["investment"]["base"], expected, atol=1e-6)
    # savings − investments is the municipal budget of the run, year by year
    assert_allclose(np.subtract(view["savings"]["base"], view["investment"]["base"]), view["balance"]["base"],
                    atol=1e-6)
    # years after the last municipal flow are left out; the last one shown has one
    last = [abs(view[m]["base"][-1]) + abs(view[m]["p95"][-1]) for m in ("investment", "savings", "balance")]
    assert max(last) > 0 and len(view["years"]) < full.sizes["plan_year"]


def test_intervals_per_year(full):
    view = plan_view(full)
    bal = full["plan_municipal"].values[:, : len(view["years"])]
    assert_allclose(view["balance"]["p5"], np.quantile(bal, 0.05, axis=0))
    assert_allclose(view["balance"]["p95"], np.quantile(bal, 0.95, axis=0))
    assert_allclose(view["p_balance_gt_0"], (bal > 0).mean(axis=0))
    for m in ("investment", "savings"):
        d = view[m]
        assert np.all(np.asarray(d["p5"]) <= np.asarray(d["p50"]) + 1e-9)
        assert np.all(np.asarray(d["p50"]) <= np.asarray(d["p95"]) + 1e-9)
    # the savings vary with the effects; the investments are fixed amounts in this study
    assert np.ptp(np.subtract(view["savings"]["p95"], view["savings"]["p5"])) > 0
    assert_allclose(view["investment"]["p5"], view["investment"]["p95"])
    # per draw, savings − investments is the municipal budget: the bands bracket the balance's median
    assert np.all(np.subtract(view["savings"]["p95"], view["investment"]["p5"]) >= np.asarray(view["balance"]["p50"]) - 1)


def test_lean_store_keeps_every_band(full, lean):
    # every store streams the bands of investments and savings: the lean view is the full view, number
    # for number, and the bands are numpy's quantiles of the full store's per-draw flows per actor
    v_full, v_lean = plan_view(full), plan_view(lean)
    assert v_lean["draws_per_actor"] is True and v_lean["years"] == v_full["years"]
    for k in ("investment", "savings"):
        assert v_lean[k] == v_full[k]  # the same streamed bands in both stores
    for k in ("base", "p5", "p50", "p95"):  # the balance per draw: float32 in the lean store
        assert_allclose(v_lean["balance"][k], v_full["balance"][k], rtol=1e-6, atol=0.1)
    m = [list(full["actor"].values).index(a) for a in MUNICIPAL_ACTORS]
    net = full["plan_benefits"].values[:, :, m] - full["plan_costs"].values[:, :, m]
    years = len(v_full["years"])
    for k, v in (("investment", np.clip(-net, 0.0, None).sum(axis=-1)), ("savings", np.clip(net, 0.0, None).sum(axis=-1))):
        q = np.quantile(v, (0.05, 0.5, 0.95), axis=0)[:, :years]
        assert [v_lean[k][p] for p in ("p5", "p50", "p95")] == q.tolist()


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("store", ["full", "lean"])
def test_report_table_and_chart(root, full, lean, lang, store):
    ds = full if store == "full" else lean
    doc = build_document(report_context(ds, lang=lang, study=root, charts=("plan_budget", "actors")))
    table = next(t for t in doc.tables() if t.name == "plan")
    view = plan_view(ds)
    assert [r[0] for r in table.rows] == [str(y) for y in view["years"]]
    h = table.header
    inv, sav, bal = h.index("Investeringen" if lang == "nl" else "Investments"), \
        h.index("Besparingen" if lang == "nl" else "Savings"), \
        h.index("Saldo (basisgeval)" if lang == "nl" else "Balance (base case)")
    assert len(h) == 9  # intervals of investments and savings in every store
    for row in table.rows:  # savings − investments = balance, to the rounding of three numbers
        assert abs(_number(row[sav]) - _number(row[inv]) - _number(row[bal])) <= 1, row
    assert [round(_number(r[inv]) * 1e3) for r in table.rows[:5]] == [1_200_000, 975_000, 750_000, 525_000, 300_000]
    names = [f.name for f in doc.figures()]
    assert "plan_budget" in names and names.index("actors") < names.index("plan_budget")
    md = render_markdown(doc)
    heading = "### Begroting van de gemeente per jaar" if lang == "nl" else "### Municipal budget per year"
    assert heading in md
    # the tables of the budget view come before its charts (the first printed page holds the tables)
    blocks = doc.blocks
    assert blocks.index(table) < blocks.index(next(f for f in doc.figures() if f.name == "actors"))
    note = "oudere versie van mkba" if lang == "nl" else "older version of mkba"
    assert note not in md  # no store lacks the intervals


def test_report_files_carry_the_plan(root, full):
    doc = build_document(report_context(full, lang="nl", study=root, charts=("plan_budget",)))
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    page = render_html(doc, {"plan_budget": png})
    assert re.search(r"<h3>Begroting van de gemeente per jaar</h3>", page)
    assert "2021" in page and "Investeringen 90 %-interval" in page
    import io

    import docx

    d = docx.Document(io.BytesIO(render_docx(doc, {"plan_budget": _tiny_png()})))
    tables = [t for t in d.tables if t.rows[0].cells[0].text == "Jaar"]
    assert tables and tables[0].rows[1].cells[0].text == "2021"
    # columns share the text width by content (Word's equal columns broke "Investeringen" and "2021")
    from docx.shared import Mm

    widths = [c.width for c in tables[0].columns]
    assert abs(sum(widths) - Mm(170)) < Mm(1)
    year, invest_range = widths[0], widths[2]
    assert Mm(8.5) < year < invest_range


def _tiny_png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buf, format="PNG")
    return buf.getvalue()


def test_workbook_sheet(tmp_path, full):
    from openpyxl import load_workbook

    from mkba.outputs.excel import write_excel

    path = write_excel(full, tmp_path / "summary.xlsx", lang="nl", draws=0)
    ws = load_workbook(path)["Begroting per jaar"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("jaar", "grootheid", "basisgeval", "P5", "P50", "P95")
    view = plan_view(full)
    inv = [r for r in rows[1:] if r[1] == "investeringen"]
    assert [r[0] for r in inv] == view["years"]
    assert_allclose([r[2] for r in inv], view["investment"]["base"])
    p = [r for r in rows[1:] if r[1] == "kans saldo > 0"]
    assert_allclose([r[2] for r in p], view["p_balance_gt_0"]) and all(r[3] is None for r in p)
    assert ws.auto_filter.ref


def test_no_plan_no_section(forward_path):
    ds = simulate(Study.from_toml(forward_path), draws=300, seed=1)
    assert plan_view(ds) is None
    doc = build_document(report_context(ds, lang="nl"))
    assert not [t for t in doc.tables() if t.name == "plan"]


def test_scenario_table_marks_this_run(root, full):
    """A scenario run's own row in the scenario table is the headline's; the base row is the base scenario."""
    from mkba.outputs.report import scenario_comparison

    rows = scenario_comparison(root, full, 500)
    doc = build_document(report_context(full, lang="nl", study=root, scenarios=rows))
    table = next(t for t in doc.tables() if t.name == "scenarios")
    labels = [r[0] for r in table.rows]
    assert labels[0] == "Basis"
    mine = [k for k, lab in enumerate(labels) if lab.endswith("(deze run)")]
    assert len(mine) == 1 and labels[mine[0]].startswith(root.scenario_title("meerjarenplan"))
    assert table.bold == (mine[0],)
    own = next(r for r in rows if r["name"] == "meerjarenplan")
    assert own["base_saldo"] == pytest.approx(float(full["base_saldo"]))


def test_json_plan_block_has_investments_and_savings(tmp_path, study, full):
    """`mkba run --json`'s "plan" block (issue 13 item 1): per plan year the municipal balance, P(balance > 0),
    and the investments and savings with their bands; equal to the numbers computed from the per-draw flows
    of a full store of the same draws, and to what the report's budget view shows."""
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "mkba.cli", "run", str(WEST_BETUWE), "--scenario", "meerjarenplan",
                          "--draws", "1500", "--seed", "11", "--no-report", "--json", "--out", str(tmp_path)],
                         capture_output=True, text=True, check=True)
    plan = json.loads(out.stdout)["plan"]
    years = full.sizes["plan_year"]
    assert plan["years"] == [int(y) for y in full["plan_year"].values]
    m = [list(full["actor"].values).index(a) for a in MUNICIPAL_ACTORS if a in full["actor"].values]
    net = (full["plan_benefits"].values - full["plan_costs"].values)[:, :, m]  # (draw, year, domain)
    invest, savings = np.clip(-net, 0, None).sum(axis=2), np.clip(net, 0, None).sum(axis=2)
    for key, per_draw in (("investment", invest), ("savings", savings)):
        assert len(plan[key]["p50"]) == years
        for q, level in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95)):
            assert_allclose(plan[key][q], np.quantile(per_draw, level, axis=0), rtol=1e-6, atol=1e-3)
    assert_allclose(plan["p_municipal_gt_0"], (full["plan_municipal"].values > 0).mean(axis=0))
    assert_allclose(np.subtract(plan["savings"]["base"], plan["investment"]["base"]), plan["municipal"]["base"],
                    atol=1e-6)
    view = plan_view(full)
    shown = len(view["years"])
    assert_allclose(plan["investment"]["p95"][:shown], view["investment"]["p95"], rtol=1e-6, atol=1e-3)
    assert_allclose(plan["p_municipal_gt_0"][:shown], view["p_balance_gt_0"])
