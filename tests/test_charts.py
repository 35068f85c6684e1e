"""The costs-benefits chart: every line the council discusses is a readable bar with its own interval;
new-for-old and the costs in the null situation (equal by definition, as large as the team) are set apart."""
from __future__ import annotations

import numpy as np
import pytest

import mkba
from mkba.outputs.charts import plot_costs_benefits


@pytest.fixture(scope="module")
def ds(forward_path):
    return mkba.simulate(mkba.Study.from_toml(forward_path), draws=4000, seed=3)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_lines_drawn_team_cost_set_apart(ds, lang):
    from mkba.outputs.formatting import format_money

    ax = plot_costs_benefits(ds, lang=lang)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    bars = [p for p in ax.patches]
    assert len(bars) == len(ticks) >= 5
    widths = sorted(abs(b.get_width()) for b in bars)
    team = float(ds["line"].sel(item="new_for_old").mean())
    assert widths[-1] < 0.2 * team  # nothing as large as the team is drawn: the lines stay legible
    notes = " ".join(t.get_text() for t in ax.figure.texts)
    assert format_money(team, lang=lang) in notes  # but the set-apart amount is stated
    # each drawn bar is its line's mean, costs to the left
    escalation = float(ds["line"].sel(item="escalation").mean())
    assert any(np.isclose(b.get_width(), escalation) for b in bars)
    extra = float(ds["line"].sel(item="extra_care").mean())
    assert any(np.isclose(b.get_width(), -extra) for b in bars)


def test_convergence_lines_named_at_their_ends_not_by_a_legend(ds):
    from mkba.outputs.charts import plot_convergence, running_quantiles

    ax = plot_convergence(ds)
    assert ax.get_legend() is None  # a legend sat on the lines (issue 13 item 7)
    labels = {t.get_text(): t for t in ax.texts}
    assert set(labels) == {"P5", "P50", "P95"}
    _, q = running_quantiles(ds["saldo"].values)
    for row, name in zip(q, ("P5", "P50", "P95")):
        # each label sits at its own line's final value (data in euros), right of the plot area
        assert labels[name].xy == (1.0, row[-1])
