"""The report speaks the reader's language (issue 13 item 2): the Dutch and the English report of every
bundled study show no input path, no internal file name, no developer reference and no word of the other
language; distributions are written out in words."""

from __future__ import annotations

import html
import re

import pytest

from mkba import Study, simulate
from mkba.outputs.report import build_document, render_html, render_markdown, report_context, scenario_comparison
from mkba.sensitivity.oneway import oneway
from mkba.simulator.domain import ACTORS, ITEMS
from mkba.simulator.labels import has_input_label
from mkba.simulator.study import bundled_studies

STUDIES = [p for p in bundled_studies() if "batch" not in p.name]
# every bundled study's base, and the multi-year plan (its municipal budget per year)
CASES = [*(p.stem for p in STUDIES), "west-betuwe-2020--meerjarenplan"]

# English words a Dutch report must not contain ("saldo" is Dutch, and the name of the MKBA balance)
ENGLISH = ("the", "and", "with", "for", "from", "draws", "draw", "fraction", "share", "household", "households",
           "trajectory", "trajectories", "per year", "base case", "drivers", "driver", "lean", "full", "mean",
           "median", "net benefit", "net result", "break-even", "seed", "storage", "study", "input", "inputs",
           "default", "calibrate", "calibrated", "published", "not", "only", "costs", "benefits", "balance",
           "probability", "welfare", "youth", "insurer", "government", "scenario comparison", "yr",
           "common random numbers", "inference", "fixed", "uncertain", "source", "value")
# Dutch words an English report must not contain (case-sensitive: "De Kop" is a name)
DUTCH = ("het", "de", "een", "van", "en", "trekkingen", "basisgeval", "huishoudens", "aandeel", "kans", "meest",
         "waarschijnlijk", "kosten", "baten", "invoer", "jaar", "gemeente", "Gemeente", "Kosten", "Baten",
         "Huishoudens", "Zorgverzekeraar", "Woningcorporaties", "vast", "onzeker", "bron", "mediaan")
INTERNAL = (re.compile(r"\b\d{3}_[0-9a-f]{16}\b"), re.compile(r"site-packages"), re.compile(r"\.py\b"),
            re.compile(r"model-spec", re.I), re.compile(r"\bresults\.nc\b"), re.compile(r"sensitivity-\w+\.nc"),
            re.compile(r"\[(INFERENCE|FACT|DERIVED)"), re.compile(r"\bpert\(|lam="))


def _plain(page: str) -> str:
    body = page[page.index("<body>"):]
    body = re.sub(r'<img[^>]*>', " ", body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module", params=CASES)
def case(request) -> tuple[Study, str]:
    stem, _, scenario = request.param.partition("--")
    return Study.from_toml(next(p for p in STUDIES if p.stem == stem)), scenario or "base"


@pytest.fixture(scope="module")
def study(case) -> Study:
    return case[0]


@pytest.fixture(scope="module")
def run(case):
    study, scenario = case
    own = study.scenario(scenario)
    ds = simulate(own, draws=400, seed=3)
    tornado = oneway(own.model, own.parameters, target="saldo", low=0.05, high=0.95)
    scen = scenario_comparison(study, ds, 400) if study.scenarios else None
    return ds, tornado, scen


def _texts(study, run, lang: str) -> tuple[str, str]:
    ds, tornado, scen = run
    ctx = report_context(ds, lang=lang, study=study, tornado=tornado, scenarios=scen, with_decision=True)
    doc = build_document(ctx)
    md = render_markdown(doc)
    text = _plain(render_html(doc, {}))
    return md, text


def _study_words(study: Study, ds, lang: str) -> list[str]:
    """Text the study file itself brings (titles, references, the citations of its sources): the study's
    own language, which an English report quotes as it is."""
    from mkba.outputs.inputs import input_table

    s = study.spec
    out = [s.study.title, s.study.reference, s.study.municipality, *(sc.title for sc in s.scenarios)]
    if lang == "en":  # a Dutch study cites Dutch documents; the Dutch report must be Dutch throughout
        out += [r["source_text"] for r in input_table(ds, study, lang=lang)]
    return [w for w in out if w]


def _strip(text: str, study: Study, ds, lang: str) -> str:
    for w in sorted(_study_words(study, ds, lang), key=len, reverse=True):
        text = text.replace(w, " ")
    return text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_internals(study, run, lang):
    md, text = _texts(study, run, lang)
    for body in (md, text):
        for name in study.parameters:
            assert name not in body, f"input path {name!r} in the {lang} report"
        for key in (*ITEMS, *ACTORS):
            if "_" in key:
                assert key not in body, f"internal key {key!r} in the {lang} report"
        assert not re.search(r"\b(reach|costs|effects|prices|finance|timing)\.[a-z_]+", body)
        for pattern in INTERNAL:
            assert not pattern.search(body), f"{pattern.pattern!r} in the {lang} report"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_one_language(study, run, lang):
    _, text = _texts(study, run, lang)
    text = _strip(text, study, run[0], lang)
    words, flags = (ENGLISH, re.I) if lang == "nl" else (DUTCH, 0)
    found = sorted({w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, flags)})
    assert not found, f"{'English' if lang == 'nl' else 'Dutch'} words in the {lang} report: {found}"


def test_every_input_has_a_label(study):
    missing = [n for n in study.parameters if not has_input_label(n)]
    assert not missing


def test_distributions_in_words(study, run):
    md, _ = _texts(study, run, "nl")
    assert "PERT: min " in md and "meest waarschijnlijk" in md
    md_en, _ = _texts(study, run, "en")
    assert "PERT: min " in md_en and "most likely" in md_en


def _tables(md: str, heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after ``heading`` (cells without bold markers)."""
    lines = md[md.index(heading):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip().strip("*").strip() for c in line.strip("|").split("|")])
    return rows


def _thousands(cell: str) -> float:
    return float(cell.replace("\u2212", "-").replace(".", "").replace(",", ""))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_budget_table_adds_up(study, run, lang):
    """Issue 13: the balance of "Wie betaalt, wie wint" can be read from its costs and benefits on every
    row (one precision for every cell: whole thousands of euros)."""
    md, _ = _texts(study, run, lang)
    rows = _tables(md, "## Wie betaalt, wie wint" if lang == "nl" else "## Who pays, who gains")
    checked = 0
    for row in rows:
        costs, benefits, balance = row[1:4]
        if costs == "—":
            continue  # a party without any cost or benefit
        assert abs(_thousands(benefits) - _thousands(costs) - _thousands(balance)) <= 1, row
        checked += 1
    assert checked >= 6
    assert ("Bedragen × € 1.000" if lang == "nl" else "Amounts in € thousand") in md


# --- the console speaks the same language (issue 13 item 2) ---------------------------------------

def _console_body(out: str) -> str:
    """The console text without the "geschreven:" line (the paths of the files written)."""
    return "\n".join(line for line in out.splitlines() if not line.startswith(("geschreven: ", "written: ")))


def _check_dutch_console(body: str, words: list[str], names: list[str]) -> None:
    for name in names:
        assert name not in body, f"input path {name!r} on the console"
    for key in (*ITEMS, *ACTORS, "bc_social", "bc_financial", "bc_municipal"):
        if "_" in key:
            assert key not in body, f"internal key {key!r} on the console"
    assert not re.search(r"\b(reach|costs|effects|prices|finance|timing|plan)\.[a-z_]+", body)
    for pattern in INTERNAL:
        assert not pattern.search(body), f"{pattern.pattern!r} on the console"
    for w in sorted(words, key=len, reverse=True):
        body = body.replace(w, " ")
    found = sorted({w for w in ENGLISH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", body, re.I)})
    assert not found, f"English words on the Dutch console: {found}"


def test_run_console_in_dutch(case, run, tmp_path):
    from cli_run import run_cli

    study, scenario = case
    code, out, err = run_cli(["run", str(study.source), "--scenario", scenario, "--draws", "300", "--no-report",
                              "--out", str(tmp_path)])
    assert code == 0, err
    assert "Post" in out and "Wie betaalt, wie wint" in out
    if scenario == "meerjarenplan":
        assert "Begroting van de gemeente per jaar" in out and "Investeringen" in out
    _check_dutch_console(_console_body(out), _study_words(study, run[0], "nl"), list(study.parameters))


@pytest.mark.parametrize("stem", ["steenwijkerland-doorkijk", "west-betuwe-2020"])
def test_decide_console_in_dutch(stem, tmp_path):
    from cli_run import run_cli

    study = Study.from_toml(next(p for p in STUDIES if p.stem == stem))
    alternatives = ["--alternatives", f"base,{study.spec.scenarios[0].name}"] if study.spec.scenarios else []
    code, out, err = run_cli(["decide", str(study.source), "--draws", "600", "--out", str(tmp_path), *alternatives])
    assert code == 0, err
    assert "Besluit en onzekerheid" in out and "Per actor" in out
    if alternatives:  # the alternatives by their titles, never their scenario names
        assert "Alternatieven" in out and study.spec.scenarios[0].title in out
        assert study.spec.scenarios[0].name not in _console_body(out)
    words = [study.spec.study.title, *(sc.title for sc in study.spec.scenarios)]
    _check_dutch_console(_console_body(out), [w for w in words if w], list(study.parameters))


def test_batch_console_and_csv_in_dutch(tmp_path):
    import csv

    from cli_run import run_cli

    from mkba.simulator.batch import Batch

    path = STUDIES[0].parent / "steenwijkerland-doorkijk-batch.toml"
    batch = Batch.from_toml(path)
    code, out, err = run_cli(["batch", str(path), "--draws", "200", "--workers", "0", "--no-chart", "--out",
                              str(tmp_path)])
    assert code == 0, err
    words = [batch.spec.batch.title, *(g.title for g in batch.spec.grids)]
    for _, s in batch.studies:
        words += [s.spec.study.title, *(sc.title for sc in s.spec.scenarios)]
    names = sorted({n for _, s in batch.studies for n in s.parameters})
    _check_dutch_console(_console_body(out), [w for w in words if w], names)
    assert "Waarde van een QALY = 20.000" in out  # a grid point by its input's label
    with open(tmp_path / batch.name / "summary.csv", encoding="utf-8") as f:
        titles = [row["title"] for row in csv.DictReader(f)]
    assert titles and not any(n in t for t in titles for n in names)
    assert "basis" in titles and any("Waarde van een QALY = 50.000" in t for t in titles)
