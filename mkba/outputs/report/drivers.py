"""Section "Wat bepaalt de uitkomst" / "What drives the result": the one-way tornado (chart and table
show the same inputs) and any global sensitivity results saved next to the run."""

from __future__ import annotations

import json

from ...simulator.labels import input_label
from ..formatting import format_money, format_number
from .context import TORNADO_TOP, Context
from .document import Block, Figure, Heading, Paragraph, Table

__all__ = ["section", "INDEX_LABELS", "METHOD_LABELS", "TARGET_LABELS"]

INDEX_LABELS = {
    "S1": ("eerste orde (S1)", "first order (S1)"), "ST": ("totaal (ST)", "total (ST)"),
    "S2": ("tweede orde (S2)", "second order (S2)"), "mu_star": ("μ* (gemiddeld effect)", "μ* (mean effect)"),
    "sigma": ("σ (spreiding van het effect)", "σ (spread of the effect)"), "delta": ("δ (momentonafhankelijk)",
                                                                                  "δ (moment-independent)"),
    "median": ("PAWN-mediaan", "PAWN median"), "swing": ("bereik", "swing"),
}
METHOD_LABELS = {"sobol": ("Sobol", "Sobol"), "morris": ("Morris", "Morris"), "fast": ("FAST", "FAST"),
                 "rbd-fast": ("RBD-FAST", "RBD-FAST"), "delta": ("δ-index", "δ index"), "pawn": ("PAWN", "PAWN")}
TARGET_LABELS = {"saldo": ("saldo", "balance"), "bc_social": ("maatschappelijke B/K", "social B/C"),
                 "bc_financial": ("financiële B/K", "financial B/C"), "bc_municipal": ("B/K gemeente", "municipal B/C"),
                 "costs": ("totale kosten", "total costs"), "benefits": ("totale baten", "total benefits")}


def _pick(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    nl, en = table.get(key, (key, key))
    return nl if lang == "nl" else en


def section(ctx: Context) -> list[Block]:
    lang = ctx.lang
    out: list[Block] = [Heading(ctx.t("drivers"))]
    n_corr = len(ctx.study.parameters.correlations) if ctx.study is not None else 0
    dep = ctx.dependent
    if n_corr and dep is not None:  # drivers from the run's own (correlated) draws
        out.append(Paragraph(ctx.t("dep_intro", n=n_corr, draws=format_number(int(dep.attrs.get("draws", 0)),
                                                                             lang=lang))))
        inert = dep["inert"].values if "inert" in dep else None
        rows = []
        for i, p in enumerate(dep["parameter"].values[:TORNADO_TOP]):
            row = [input_label(str(p), lang, ctx.own)] + [
                format_number(float(dep["value"].sel(parameter=p, index=k)), 3, lang=lang) for k in ("delta", "S1")]
            if inert is not None:
                row.append(ctx.t("no") if bool(inert[i]) else ctx.t("yes"))
            rows.append(row)
        out.append(Table([ctx.t("input"), "δ", "S1", *([ctx.t("inert_col")] if inert is not None else [])], rows,
                         name="dependent_drivers"))
    elif n_corr:
        out.append(Paragraph(ctx.t("dep_none", n=n_corr), "note"))
    tornado = ctx.tornado
    if tornado is not None:
        n = min(TORNADO_TOP, tornado.sizes["parameter"])
        if "tornado" in ctx.charts:
            out.append(Figure("tornado", ctx.t("tornado_caption", n=n)))
        rows = []
        for i in range(n):
            row = tornado.isel(parameter=i)
            rows.append([input_label(str(row["parameter"].values), lang, ctx.own),
                         format_money(float(row["target_low"]), lang=lang),
                         format_money(float(row["target_high"]), lang=lang), format_money(float(row["swing"]), lang=lang)])
        out.append(Table([ctx.t("input"), ctx.t("low"), ctx.t("high"), ctx.t("swing")], rows, name="tornado"))
    else:
        out.append(Paragraph(ctx.t("no_tornado", why=ctx.tornado_why or ctx.t("no_study_short")), "note"))
    for fname, sa in ctx.sensitivity:
        idx = [str(i) for i in sa["index"].values]
        out.append(Paragraph(ctx.t("saved_sa", method=_pick(METHOD_LABELS, str(sa.attrs.get("method", "")), lang),
                                   target=_pick(TARGET_LABELS, str(sa.attrs.get("target", "")), lang),
                                   n=format_number(int(sa.attrs.get("n_evaluations", 0)), lang=lang), file=fname)))

        def cell(v: float) -> str:  # Sobol indices are fractions, Morris μ* is in euros
            return format_number(v, 0 if abs(v) >= 100 else 3, lang=lang)

        rows = [[input_label(str(p), lang, ctx.own)] + [cell(float(sa["value"].sel(parameter=p, index=i))) for i in idx]
                for p in sa["parameter"].values[:8]]
        out.append(Table([ctx.t("input"), *(_pick(INDEX_LABELS, i, lang) for i in idx)], rows, name="sensitivity"))
        if int(sa.attrs.get("inputs_treated_as_independent", 0)):
            out.append(Paragraph(ctx.t("independent_sa", n=len(json.loads(sa.attrs.get("correlations_ignored", "[]")))),
                                 "note"))
    return out
