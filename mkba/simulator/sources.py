"""Where a number comes from: the published documents that mkba's defaults cite, and the provenance
(source, note, origin) of every value a study gives.

Citations name a document as a reader can look it up (publisher, title or subject, date, locator),
never an internal file name. A value a study leaves at its default is shown as "mkba default: …", so
it never reads as if the study had said it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..distributions.parse import META_KEYS

__all__ = ["DOCUMENTS", "DEFAULT", "Provenance", "Origin", "collect_provenance", "lookup", "default_source",
           "META_KEYS"]

# The public documents behind the defaults (all Dutch), by a key used only in code.
DOCUMENTS = {
    "woerden-2013": "Gemeente Woerden, raadsinformatiebrief over de inverdieneffecten van het sociaal "
                    "makelpunt (commissie 10 april 2013, raadsvoorstel 13R.00079)",
    "meta-2014": "LPBL, meta-analyse van 13 MKBA's van sociale (wijk)teams, voor het ministerie van BZK "
                 "(januari 2014)",
    "de-kop-2019": "LPBL, MKBA Sociaal werk De Kop, Steenwijkerland (terugblik 2018 en doorkijk; "
                   "effectenarena 25 februari 2019)",
    "woerden-pilot-2013": "Gemeente Woerden, evaluatie van de pilot Integraal werken (WoerdenWijzer.nl, "
                          "juni 2012 – voorjaar 2013)",
    "west-betuwe-2020": "LPBL, MKBA West Betuwe, beleidsplan Bouwen aan sociale kracht (gegevens 2020)",
}

DEFAULT = "mkba default"  # prefix of every default's source; the Dutch report writes "standaardwaarde mkba"

Origin = Literal["study", "default", "scenario"]

# Tables of shares: the keys a study leaves out of one are 0 by the study's own statement, not defaults.
SHARE_TABLES = ("share_type", "mix", "funding", "actors", "investment_actors")


@dataclass(frozen=True)
class Provenance:
    """Who gave a value (``origin``), the citation (``source``) and a free remark (``note``)."""

    origin: Origin = "study"
    source: str = ""
    note: str = ""


def default_source(citation: str) -> str:
    """The source text of an input left at mkba's default: "mkba default: <citation>"."""
    return f"{DEFAULT}: {citation}" if citation else DEFAULT


def _is_value_table(node: Mapping[str, Any]) -> bool:
    return "dist" in node or "value" in node or ("p5" in node and "p95" in node)


def _text(node: Mapping[str, Any], key: str) -> str:
    v = node.get(key, "")
    return v.strip() if isinstance(v, str) else ""


def collect_provenance(raw: Mapping[str, Any], prefix: str = "",
                       inherited: Provenance = Provenance()) -> dict[str, Provenance]:
    """Dotted path → provenance of every value the study file gives. A value table
    (``{ value = …, source = … }``, ``{ dist = …, source = … }``) carries its own; a table of shares
    (``{ families = 0.45, …, source = … }``) passes its source and note to its entries."""
    out: dict[str, Provenance] = {}
    for key, node in raw.items():
        if key in META_KEYS:
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(node, Mapping):
            here = Provenance("study", _text(node, "source") or inherited.source, _text(node, "note") or inherited.note)
            if _is_value_table(node):
                out[path] = here
            else:  # a block or a table of shares: only its entries are values
                out.update(collect_provenance(node, path, here))
                if key in SHARE_TABLES or prefix.endswith("share_severity"):
                    out[f"{path}.*"] = here  # the shares it leaves out are 0, given by the same table
        elif not isinstance(node, list):
            out[path] = Provenance("study", inherited.source, inherited.note)
    return out


def lookup(provenance: Mapping[str, Provenance], name: str) -> Provenance | None:
    """The provenance of input ``name``: its own entry, else that of the nearest table that holds it
    (e.g. a Dirichlet table over shares); ``None`` when the study does not give it."""
    parts = name.split(".")
    if name not in provenance and ".".join([*parts[:-1], "*"]) in provenance:
        return provenance[".".join([*parts[:-1], "*"])]
    for i in range(len(parts), 0, -1):
        hit = provenance.get(".".join(parts[:i]))
        if hit is not None:
            return hit
    return None
