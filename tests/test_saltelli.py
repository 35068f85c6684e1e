"""The vectorised Saltelli design is SALib's, matrix for matrix (issue 14 item 5)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from mkba.sensitivity.designs import saltelli

SALib_sobol = pytest.importorskip("SALib.sample.sobol")


def unit_problem(d: int, groups: list[str] | None = None) -> dict:
    prob = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    if groups is not None:
        prob["groups"] = groups
    return prob


@pytest.mark.parametrize("d, n, second, seed, groups", [
    (1, 8, False, 0, None),
    (3, 64, True, 1, None),
    (24, 256, False, 20190225, None),
    (24, 128, True, 7, None),
    (6, 32, False, 3, ["a", "b", "a", "c", "b", "a"]),  # grouped, not contiguous
    (6, 32, True, 3, ["a", "b", "a", "c", "b", "a"]),
    (4, 16, False, 5, ["g"] * 4),  # one group: SALib treats it as no grouping
    (3, 16, False, 5, ["x0", "x1", "x2"]),  # groups = names: no grouping either
])
def test_equals_salib(d, n, second, seed, groups):
    prob = unit_problem(d, groups)
    ref = SALib_sobol.sample({**prob}, n, calc_second_order=second, scramble=True, seed=seed)
    got = saltelli(prob, n, second_order=second, seed=seed)
    assert got.shape == ref.shape and got.dtype == ref.dtype
    assert np.array_equal(got, ref)  # bit for bit


def test_faster_than_the_loop():
    prob = unit_problem(24)
    t0 = time.perf_counter()
    ref = SALib_sobol.sample(dict(prob), 1024, calc_second_order=False, scramble=True, seed=1)
    t_salib = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = saltelli(prob, 1024, seed=1)
    t_ours = time.perf_counter() - t0
    assert np.array_equal(got, ref)
    assert t_ours < t_salib / 3, (t_ours, t_salib)
