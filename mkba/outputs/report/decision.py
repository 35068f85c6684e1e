"""Section "Besluit en onzekerheid" / "Decision and uncertainty": the plain blocks of
:func:`mkba.decision.section.report_section` (issue 12) as document blocks, with its chart."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import xarray as xr

from ..formatting import Lang
from .context import Context
from .document import Block, Figure, Heading, Paragraph, Table

if TYPE_CHECKING:
    from ...simulator.study import Study

__all__ = ["analyse", "section"]


def analyse(ds: xr.Dataset, lang: Lang, study: Study | None) -> tuple[list[tuple[str, Any]], Any]:
    """The section's blocks and the acceptability curve its chart shows (None: no chart)."""
    from ...decision.section import report_section

    if study is not None:  # the run's own scenario (its own lines and correlations)
        study = study.scenario(str(ds.attrs.get("scenario", "base")))
    blocks, a = report_section(ds, lang, study=study)
    return list(blocks), (a.acceptability if a is not None else None)


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
