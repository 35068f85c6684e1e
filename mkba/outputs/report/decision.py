"""Section "Besluit en onzekerheid" / "Decision and uncertainty": the plain blocks of
:func:`mkba.decision.section.report_section` (issue 12) as document blocks, with its chart."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import xarray as xr

from ..formatting import Lang
from .context import Context
from .document import Block, Figure, Heading, Paragraph, Table

if TYPE_CHECKING:
    from ...simulator.study import Study

__all__ = ["analyse", "section"]


def analyse(ds: xr.Dataset, lang: Lang, study: Study | None, chart_dir: Path,
            formats: tuple[str, ...] = ("png",)) -> tuple[list[tuple[str, Any]], dict[str, dict[str, Path]]]:
    """The section's blocks and its acceptability chart (drawn into ``chart_dir``)."""
    from ...decision.section import report_section
    from ..charts import save_figure
    from ..decision_charts import plot_acceptability

    if study is not None:  # the run's own scenario (its own lines and correlations)
        study = study.scenario(str(ds.attrs.get("scenario", "base")))
    blocks, a = report_section(ds, lang, study=study)
    written = {}
    if a is not None and a.acceptability is not None:
        written["acceptability"] = save_figure(plot_acceptability(a.acceptability, lang=lang).figure,
                                               chart_dir / "acceptability", formats)
    return list(blocks), written


def section(ctx: Context) -> list[Block]:
    out: list[Block] = []
    for kind, b in ctx.decision:
        if kind == "table":
            out.append(Table(list(b["header"]), [list(r) for r in b["rows"]], b.get("align", ""), name="decision"))
        elif kind == "figure":
            if b["name"] in ctx.charts:
                out.append(Figure(b["name"], b["caption"]))
        elif kind in ("h2", "h3"):
            out.append(Heading(str(b), 2 if kind == "h2" else 3))
        else:
            out.append(Paragraph(str(b)))
    return out
