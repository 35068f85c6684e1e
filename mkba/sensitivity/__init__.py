"""Sensitivity analysis: which assumptions drive the result (issue 3).

Generic over models: every function takes any vectorised ``f(inputs) -> dict[str, ndarray]`` plus a
:class:`mkba.ParameterSet`; the ``*_study`` conveniences take a :class:`mkba.Study`.

- :func:`oneway`, :func:`spider`, :func:`switching_values` — one input at a time, others at base;
- :func:`analyse` / :func:`analyse_study` — Sobol, Morris, FAST, RBD-FAST, δ, PAWN, Shapley in one call;
- :func:`sample` + :func:`evaluate_design` + ``analyse_<method>`` — the same, step by step;
- :func:`given_data` — δ or PAWN on the Dataset of an existing :func:`mkba.simulate` run.
"""

from __future__ import annotations

from .analysis import (DEFAULT_N, INDEPENDENT_METHODS, METHODS, analyse, analyse_study, default_n, flag_independence,
                       method_notes, oneway_indices, to_json)
from .shapley import analyse_shapley
from .designs import MIN_N, check_design, evaluate_design, problem, sample
from .fast import analyse_fast, analyse_rbd_fast
from .given_data import analyse_given_data, given_data
from .morris import analyse_morris
from .oneway import oneway, oneway_study, spider, switching_values
from .sobol import analyse_sobol
from .targets import available_targets, extract

__all__ = [
    "DEFAULT_N",
    "INDEPENDENT_METHODS",
    "METHODS",
    "MIN_N",
    "analyse",
    "analyse_fast",
    "analyse_given_data",
    "analyse_morris",
    "analyse_rbd_fast",
    "analyse_shapley",
    "analyse_sobol",
    "analyse_study",
    "available_targets",
    "check_design",
    "default_n",
    "evaluate_design",
    "extract",
    "flag_independence",
    "given_data",
    "method_notes",
    "oneway",
    "oneway_indices",
    "oneway_study",
    "problem",
    "sample",
    "spider",
    "switching_values",
    "to_json",
]
