"""Streaming results (issue 14 item 3): block-by-block statistics equal numpy's, results.nc written block
by block equals the in-memory Dataset bit for bit, and memory does not grow with the number of draws."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
import xarray as xr

from mkba.outputs.stats import SeriesStats, linear_quantile
from mkba.outputs.summary import QUANTILES, Summary, blocks_of, summarise
from mkba.simulator.results import data_checksum, simulate, simulate_to_netcdf, write_netcdf
from mkba.simulator.study import Study

RNG = np.random.default_rng(20261201)


def streamed(x: np.ndarray, block: int = 65_536, thresholds=(0.0, 1.0)) -> SeriesStats:
    st = SeriesStats(QUANTILES, thresholds, dtype=x.dtype)
    for lo in range(0, len(x), block):
        st.add(x[lo:lo + block])
    return st


CASES = {
    "normal": RNG.normal(size=700_000),
    "lognormal, heavy tail": RNG.lognormal(0.0, 2.5, size=400_000),
    "90 % zeros": np.where(RNG.random(300_000) < 0.9, 0.0, RNG.gamma(2.0, 1.0, 300_000)),
    "three values": RNG.choice([-1.0, 2.0, 5.0], size=250_000, p=[0.03, 0.9, 0.07]),
    "constant": np.full(150_000, 3.25),
    "zeros (a party without costs)": np.zeros(300_000),
    "zero blocks, then a tail": np.concatenate([np.zeros(200_000), RNG.gamma(2.0, 1.0, 3_000)]),
    "ratio with NaN and inf": np.where(RNG.random(200_000) < 0.02, np.nan,
                                       np.where(RNG.random(200_000) < 0.001, np.inf, RNG.gamma(3.0, 0.4, 200_000))),
    "float32 lines": RNG.normal(1e6, 2e5, size=300_000).astype(np.float32),
    "correlated mixture": np.concatenate([RNG.normal(0, 1, 100_000), RNG.normal(8, 0.1, 60_000)])[
        RNG.permutation(160_000)],
}


@pytest.mark.parametrize("name", list(CASES))
def test_series_stats_equal_numpy(name):
    x = CASES[name]
    st = streamed(x)
    finite = x[np.isfinite(x)]
    assert st.quantiles() == [float(q) for q in np.quantile(finite, QUANTILES)]  # bit for bit
    assert st.mean == pytest.approx(float(finite.mean(dtype=np.float64)), rel=1e-13, abs=1e-300)
    defined = x[~np.isnan(x)]
    assert st.prob_above(1.0) == np.count_nonzero(defined > 1.0) / defined.size
    assert st.nan_share == np.count_nonzero(np.isnan(x)) / x.size
    # O(√n) memory: the brackets hold a few thousand values, not the series
    assert max(len(b.values) for b in st.brackets) < 20_000


@pytest.mark.parametrize("n, block", [(n, b) for n in (1, 2, 3, 7, 100, 4_097, 65_537) for b in (1, 1_000, 65_536)
                                      if b > 1 or n <= 4_097])  # one value per block only for small n
def test_any_size_and_block(n, block):
    x = RNG.standard_t(3, size=n)
    assert streamed(x, block).quantiles() == [float(q) for q in np.quantile(x, QUANTILES)]


def test_linear_quantile_is_numpys_arithmetic():
    for _ in range(2_000):
        n = int(RNG.integers(2, 10_000))
        q = float(RNG.random())
        x = np.sort(RNG.normal(size=n)).astype(RNG.choice([np.float32, np.float64]))
        k = math.floor((n - 1) * q)
        # as the summary asks numpy: an array of levels (float64 results, also for float32 values)
        assert linear_quantile(x[k], x[min(k + 1, n - 1)], n, q) == float(np.quantile(x, [q])[0])


def test_sorted_series_falls_back_exactly():
    x = np.sort(RNG.normal(size=300_000))  # not in random order: the first block says nothing
    assert streamed(x).quantiles() is None  # the statistics say they need a second pass ...
    ds = xr.Dataset({"v": ("draw", x)}, coords={"item": ["a"], "kind": ("item", ["cost"]), "actor": ["wi"]})
    st = Summary(ds)
    st.stats["v"] = streamed(x)
    got = st._stats("v", lambda name: ds[name].values)  # ... and the summary takes it
    assert [got["p5"], got["p50"], got["p95"]] == [float(q) for q in np.quantile(x, QUANTILES)]


@pytest.fixture(scope="module")
def forward(forward_path) -> Study:
    return Study.from_toml(forward_path)


def plan_study() -> Study:
    """A study with own-format inputs and a two-year [plan] (per-draw budget per plan year)."""
    from test_study_format import raw_study

    raw = raw_study(effects__work={"persons": 4}, effects__substitution={"trajectories": 220, "price": 500},
                    effects__escalation={"households": {"families": 5, "other": 5}})
    raw["costs"]["cost_per_fte"] = {"dist": "pert", "min": 70_000, "mode": 74_000, "max": 78_000}
    raw["plan"] = {"years": [2021, 2022], "team_cost": [370_000, 740_000], "ramp_up": [0.5, 1.0]}
    return Study.from_dict(raw)


@pytest.mark.parametrize("store, draws, chunk, which", [("full", 30_001, 20_000, "forward"),
                                                       ("lean", 140_000, 65_536, "forward"),
                                                       ("lean", 70_000, 30_000, "plan")])
def test_streamed_file_is_the_dataset(tmp_path, forward, store, draws, chunk, which):
    if which == "plan":
        forward = plan_study()
    path = tmp_path / "results.nc"
    seen = []
    skeleton = simulate_to_netcdf(forward, path, draws=draws, seed=3, store=store, chunk_size=chunk,
                                  observe=lambda skeleton: lambda b: seen.append(len(b["saldo"])))
    assert sum(seen) == draws and skeleton.attrs["store"] == store
    ref = simulate(forward, draws=draws, seed=3, store=store)
    write_netcdf(ref, tmp_path / "ref.nc")
    with xr.open_dataset(path) as got, xr.open_dataset(tmp_path / "ref.nc") as old:
        assert set(got.variables) == set(old.variables) == set(ref.variables)
        for v in got.variables:
            assert got[v].dtype == old[v].dtype and got[v].dims == old[v].dims, v
            assert np.array_equal(got[v].values, ref[v].values, equal_nan=got[v].dtype.kind == "f"), v
        assert {k: v for k, v in got.attrs.items() if k != "created"} == \
            {k: v for k, v in old.attrs.items() if k != "created"}  # also the block-wise data_sha256
        assert got.attrs["data_sha256"] == data_checksum(got)
        # The summary of the file, block by block, is the summary of the in-memory Dataset.
        res = summarise(got)
        assert res == summarise(ref)
    if which == "plan":  # the budget per plan year, column by column, as numpy's quantile along the draws
        q = np.quantile(ref["plan_municipal"].values.astype(np.float64), QUANTILES, axis=0)
        assert [res["plan"]["municipal"][k] for k in ("p5", "p50", "p95")] == q.tolist()


def test_summary_against_numpy_on_a_real_run(forward):
    ds = simulate(forward, draws=200_001, seed=11, store="lean")
    res = summarise(ds)
    saldo = ds["saldo"].values
    assert [res["summary"]["saldo"][k] for k in ("p5", "p50", "p95")] == list(np.quantile(saldo, QUANTILES))
    line = ds["line"].sel(item="escalation").values  # float32 in the lean store
    assert res["summary"]["escalation"]["p95"] == float(np.quantile(line, 0.95))
    c, b = ds["actor_costs"].sel(actor="welzijn").values, ds["actor_benefits"].sel(actor="welzijn").values
    balance = b.astype(np.float64) - c
    got = res["actors"]["welzijn"]["balance"]
    assert [got["p5"], got["p50"], got["p95"]] == list(np.quantile(balance, QUANTILES))
    assert res["actors"]["welzijn"]["p_balance_gt_0"] == np.mean(balance > 0)
    assert res["probabilities"]["bc_social_gt_1"] == np.mean(ds["bc_social"].values > 1)


def test_memory_stays_flat(tmp_path, forward):
    """Peak traced memory of a lean streamed run does not grow with the draws (numpy's allocations are
    traced): 4× the draws would add ≥ 33 MB if the per-draw arrays (168 bytes a draw) were kept."""

    def peak(draws: int) -> int:
        tracemalloc.start()
        try:
            summ: list[Summary] = []
            simulate_to_netcdf(forward, tmp_path / f"r{draws}.nc", draws=draws, seed=1, store="lean", workers=1,
                               observe=lambda sk: summ.append(Summary(sk)) or summ[0].add)
            summ[0].result()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(65_536), peak(262_144)
    assert large < small + 12e6, (small, large)
    with xr.open_dataset(tmp_path / "r262144.nc") as ds:
        assert ds.sizes["draw"] == 262_144 and next(blocks_of(ds, 10))["saldo"].shape == (10,)
