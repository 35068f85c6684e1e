"""The report's document model: a title and a list of blocks (heading, paragraph, table, figure).

Sections build blocks from the run; renderers (Markdown, HTML, Word) turn the same blocks into files, so
every format carries the same words and numbers. Blocks hold finished text (formatted numbers, labels in
the report language): a renderer only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from ..formatting import Lang

__all__ = ["Heading", "Paragraph", "Table", "Figure", "Block", "Document", "number_cell"]

_NBSP = "\u00a0"


def number_cell(text: str) -> str:
    """The text of a right-aligned (number) cell as HTML and Word lay it out: its amounts never break inside
    ("€ 1,2 mln", "−1.458 tot −640" stay whole: no-break spaces) but a cell may break between the two ends
    of a range and before a parenthesis, so a table of long ranges fits the page width (a printed page is
    otherwise shrunk to the widest table)."""
    out = text.replace(" ", _NBSP)
    for word in ("tot", "to"):
        out = out.replace(f"{_NBSP}{word}{_NBSP}", f"{_NBSP}{word} ")
    return out.replace(f"{_NBSP}(", " (").replace(f";{_NBSP}", "; ")


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2  # 1 is the title; sections are 2, sub-sections 3


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: Literal["body", "headline", "note"] = "body"


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    align: str = ""  # one letter per column, l or r (default: first left, the rest right)
    caption: str = ""
    indent: tuple[int, ...] = ()  # per row: 0, or 1 for a row that belongs to the row above (a domain)
    bold: tuple[int, ...] = ()  # rows shown in bold (totals)
    name: str = ""  # an identifier for tests and styling, e.g. "budget"

    def alignment(self) -> str:
        return self.align or "l" + "r" * (len(self.header) - 1)

    def indent_of(self, i: int) -> int:
        return self.indent[i] if i < len(self.indent) else 0


@dataclass(frozen=True)
class Figure:
    name: str  # chart file stem inside charts/
    caption: str


Block = Union[Heading, Paragraph, Table, Figure]


@dataclass
class Document:
    lang: Lang
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]
