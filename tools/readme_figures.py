"""Write the figures README.md quotes from the bundled studies, computed by mkba itself.

Each figure sits between markers, inline or as a block::

    <!-- fig:headline -->"Met 90 % waarschijnlijkheid …"<!-- /fig -->

``python tools/readme_figures.py`` recomputes every marked figure and rewrites README.md;
``--check`` changes nothing and exits 1 naming the stale ones (``tests/test_readme.py`` runs it), so a
model change that moves a figure fails the suite until the README is regenerated.

The published values beside them are quotes of the source publication (002, model-spec §5); the same
targets are asserted, with their tolerances, in ``tests/test_model.py``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
STUDIES = ROOT / "studies"

MARKER = re.compile(r"<!-- fig:([\w-]+) -->(.*?)<!-- /fig -->", re.S)
MINUS = "\u2212"


def _int(v: float) -> str:
    return f"{v:,.0f}".replace("-", MINUS)


def _shown(v: float) -> str:
    """A ratio as the tool shows it (nearest 0.05), the convention of the published tables."""
    return f"{round(round(v / 0.05) * 0.05, 2):.2f}"


@cache
def _study(name: str):  # noqa: ANN202 - mkba imported lazily: `--help` needs nothing installed
    from mkba import Study

    return Study.from_toml(STUDIES / f"{name}.toml")


@cache
def _base(name: str, scenario: str = "base") -> dict[str, float]:
    from mkba import base_case

    study = _study(name)
    out = base_case(study if scenario == "base" else study.scenario(scenario))
    return {k: float(v[0]) for k, v in out.items() if getattr(v, "ndim", 0) == 1}


def headline() -> str:
    """The report's headline sentence for the default `mkba run` (bundled default study, its draws and
    seed): the first paragraph of its report.md, as the report's own renderer writes it."""
    from mkba import Study, default_study_path, simulate
    from mkba.outputs.report import Paragraph, build_report

    ds = simulate(Study.from_toml(default_study_path()))
    doc = build_report(ds, lang="nl", study=None)
    first = next(b.text for b in doc.blocks if isinstance(b, Paragraph))
    return f'"{first.rstrip(".")}"'


def published_case() -> str:
    r, f = _base("steenwijkerland-2018"), _base("steenwijkerland-doorkijk")
    no_esc = _base("steenwijkerland-doorkijk", "geen-escalatie")
    extra = _base("steenwijkerland-doorkijk", "extra-trajecten")
    diverse = _base("steenwijkerland-doorkijk", "diverse-substitutie")
    rows = [
        ("retrospective 2018: costs / benefits / saldo", "2,115,000 / 1,700,900 / −414,100",
         " / ".join(_int(r[k]) for k in ("costs", "benefits", "saldo"))),
        ("retrospective: financial / social B/C (shown at 0.05)", "0.75 / 0.80",
         " / ".join(f"{r[k]:.3f} → {_shown(r[k])}" for k in ("bc_financial", "bc_social"))),
        ("forward look: costs / benefits / saldo", "1,529,200 / 1,841,500 / 312,300",
         " / ".join(_int(f[k]) for k in ("costs", "benefits", "saldo"))),
        ("forward look: financial / social / municipal B/C", "1.10 / 1.20 / 1.10",
         " / ".join(f"{f[k]:.3f}" for k in ("bc_financial", "bc_social", "bc_municipal"))),
        ("what-if no escalation: saldo change", "−85,000 (84,600)", _int(no_esc["saldo"] - f["saldo"])),
        ("what-if 5 % extra trajectories: saldo change", "−65,000", _int(extra["saldo"] - f["saldo"])),
        ("what-if diverse substitution: social B/C", "1.30",
         f"{diverse['bc_social']:.3f} → {_shown(diverse['bc_social'])}"),
    ]
    lines = ["| | published | mkba base case |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n" + "\n".join(lines) + "\n"


def batch_whatifs() -> str:
    f = _base("steenwijkerland-doorkijk")
    no_esc = _base("steenwijkerland-doorkijk", "geen-escalatie")["saldo"] - f["saldo"]
    extra = _base("steenwijkerland-doorkijk", "extra-trajecten")["saldo"] - f["saldo"]
    bc = _base("steenwijkerland-doorkijk", "diverse-substitutie")["bc_social"]
    return f"saldo {_int(no_esc)} vs −84,600; {_int(extra)} vs −65,000; social B/C {bc:.3f} → {_shown(bc)}"


def sobol_runs() -> str:
    """Model runs of the default Sobol' analysis: N (k + 2) for the forward look's k uncertain inputs."""
    k = len(_study("steenwijkerland-doorkijk").parameters.uncertain)
    return f"{2048 * (k + 2):,} model runs for the {k} uncertain inputs"


def _actor_sums(actors: tuple[str, ...] | list[str]) -> tuple[float, float]:
    """(costs, benefits) of the forward look's base case summed over ``actors``."""
    from mkba.simulator.domain import ACTORS

    b = _base_full("steenwijkerland-doorkijk")
    j = [list(ACTORS).index(a) for a in actors]
    return float(b["actor_costs"][0, j].sum()), float(b["actor_benefits"][0, j].sum())


@cache
def _base_full(name: str):  # noqa: ANN202
    from mkba import base_case

    return base_case(_study(name))


def budget_case() -> str:
    """The budget view's mkba column beside the published App. II columns (tests/test_budget.py)."""
    from mkba.simulator.domain import ACTORS, MUNICIPAL_ACTORS

    mc, mb = _actor_sums(MUNICIPAL_ACTORS)
    rows = [
        ("municipality: costs / benefits / B/C", "1,529,192 / 1,667,667 / 1.10",
         f"{_int(mc)} / {_int(mb)} / {mb / mc:.3f} → {_shown(mb / mc)}"),
        ("health insurer (col. 2?): benefits", "19,863", _int(_actor_sums(["zvw"])[1])),
        ("households (col. 3): benefits", "126,046", _int(_actor_sums(["households"])[1])),
        ("national government (col. 4?): benefits", "27,929", _int(_actor_sums(["rijk"])[1])),
        ("all columns: benefits", "1,841,505", _int(_actor_sums(list(ACTORS))[1])),
    ]
    lines = ["| | published | mkba base case |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n" + "\n".join(lines) + "\n"


def budget_escalation() -> str:
    """The part of prevented escalation mkba books at the municipality (the profile's domain split)."""
    from mkba.simulator.domain import ACTORS, ITEMS, MUNICIPAL_ACTORS

    b = _base_full("steenwijkerland-doorkijk")
    m = [list(ACTORS).index(a) for a in MUNICIPAL_ACTORS]
    return f"€ {float(b['npv'][0, ITEMS.index('escalation'), m].sum()):,.0f}"


FIGURES: dict[str, Callable[[], str]] = {
    "budget-case": budget_case,
    "budget-escalation": budget_escalation,
    "headline": headline,
    "published-case": published_case,
    "batch-whatifs": batch_whatifs,
    "sobol-runs": sobol_runs,
}


def render(text: str) -> tuple[str, list[str]]:
    """``text`` with every marked figure recomputed, and the names of those that changed."""
    stale: list[str] = []
    unknown = sorted({m.group(1) for m in MARKER.finditer(text)} - set(FIGURES))
    if unknown:
        raise ValueError(f"README.md: unknown figure marker(s): {', '.join(unknown)}")
    values = {name: FIGURES[name]() for name in {m.group(1) for m in MARKER.finditer(text)}}

    def sub(m: re.Match[str]) -> str:
        name, old = m.group(1), m.group(2)
        if old != values[name] and name not in stale:
            stale.append(name)
        return f"<!-- fig:{name} -->{values[name]}<!-- /fig -->"

    return MARKER.sub(sub, text), stale


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    if argv not in ([], ["--check"]):
        print("usage: python tools/readme_figures.py [--check]", file=sys.stderr)
        return 2
    text = README.read_text(encoding="utf-8")
    new, stale = render(text)
    if check:
        if stale:
            print(f"README.md: stale figures: {', '.join(stale)}; run `python tools/readme_figures.py`",
                  file=sys.stderr)
            return 1
        print("README.md: every figure is current")
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
    print(f"README.md: {len(stale)} figure(s) updated" + (f": {', '.join(stale)}" if stale else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
