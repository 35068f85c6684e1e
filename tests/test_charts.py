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
