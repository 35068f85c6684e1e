"""The council-ready report of a run: ``report.md``, a self-contained ``report.html``, ``report.docx``,
the charts and ``summary.xlsx``.

One document model (:mod:`.document`) is built from the run by one module per section (overview, budget,
figures, timeline, drivers, scenarios, assumptions, provenance) and rendered by one module per format
(Markdown, HTML, Word), so every file carries the same words and numbers.
"""

from __future__ import annotations

from ..inputs import input_table
from ..scenarios import SCENARIO_DRAWS, scenario_comparison
from .build import (
    ReportInputError,
    ReportStart,
    build_document,
    build_report,
    dependent_drivers,
    StudyLookup,
    load_study_for,
    locate_study,
    open_results,
    report_context,
    resolve_language,
    saved_sensitivity,
    start_report,
    write_report,
)
from .context import Context
from .document import Document, Figure, Heading, Paragraph, Table
from .render_docx import render_docx
from .render_html import render_html
from .render_md import render_markdown

__all__ = ["write_report", "start_report", "ReportStart", "build_document", "build_report", "dependent_drivers", "report_context", "open_results", "ReportInputError",
           "resolve_language", "load_study_for", "locate_study", "StudyLookup", "saved_sensitivity", "scenario_comparison", "input_table",
           "SCENARIO_DRAWS", "Context", "Document", "Figure", "Heading", "Paragraph", "Table", "render_docx",
           "render_html", "render_markdown"]
