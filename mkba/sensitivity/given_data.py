"""Given-data sensitivity: PAWN and Borgonovo's δ (with the correlation-ratio first-order index)
from an ordinary Monte Carlo (or LHS) sample, without extra model runs.

Both estimators partition each input's sample into equal-probability classes (by quantiles of the
input) and compare the target's distribution in each class with its unconditional distribution.

- **PAWN** (Pianosi & Wagener 2015, 2018): the Kolmogorov–Smirnov distance between the empirical
  CDF of the target and its CDF within each of ``slices`` classes; summarised by the median
  (the ranking index), mean and maximum over the classes. Computed exactly (ties included) for all
  inputs at once with one cumulative count over the sorted target, so it costs O(n k S).
- **δ** (Borgonovo 2007) by the class-partition estimator of Plischke, Borgonovo & Smith (2013):
  ``δ = Σ_c n_c / (2 n) ∫ |f_Y(y) − f_{Y|c}(y)| dy`` with Gaussian kernel densities (Silverman
  bandwidths, as SALib). Instead of evaluating ``scipy.stats.gaussian_kde`` point by point (what makes
  SALib's ``delta`` take minutes at 20,000 draws) the densities are **binned KDEs**: linear binning on
  a grid of ≥ 256 points with ≥ 4 points per bandwidth, and convolution with the Gaussian kernel by
  FFT (Silverman 1982; Wand 1994), which approximates the exact KDE to well below the estimator's
  sampling error. Nothing is subsampled. The class count follows SALib/Plischke et al.
  (``n^(2/(7+tanh((1500−n)/500)))``, at most 48); the bias reduction and the CI use
  ``num_resamples`` bootstrap resamples (Plischke et al. 2013, eq. 30), as SALib does.
- **S1** from the same classes: the correlation ratio ``Var(E[Y|class]) / Var(Y)`` (Plischke 2013;
  its bias for an inert input is about ``(classes − 1)/n``).
- **Inert reference**: δ keeps a positive bias at any finite n (an inert input gets δ ≈ 0.02 at 20,000
  draws), so ``INERT_DUMMIES`` dummy inputs, independent uniforms with no effect, are evaluated the same
  way (same classes, KDEs and bootstrap). The largest dummy δ is the δ an inert input reaches at this
  sample size (attr ``delta_inert``); an input whose δ does not exceed it is marked "not
  distinguishable from inert" (variable ``inert``). ``S1_inert`` likewise for the correlation ratio.

References
----------
Pianosi, F., Wagener, T. (2015). A simple and efficient method for global sensitivity analysis based
on cumulative distribution functions. *Environ. Model. Softw.* 67, 1–11.
doi:10.1016/j.envsoft.2015.01.004
Pianosi, F., Wagener, T. (2018). Distribution-based sensitivity analysis from a generic input-output
sample. *Environ. Model. Softw.* 108, 197–207. doi:10.1016/j.envsoft.2018.07.019
Borgonovo, E. (2007). A new uncertainty importance measure. *Reliab. Eng. Syst. Saf.* 92(6),
771–784. doi:10.1016/j.ress.2006.04.015
Plischke, E., Borgonovo, E., Smith, C. L. (2013). Global sensitivity measures from given data.
*Eur. J. Oper. Res.* 226(3), 536–550. doi:10.1016/j.ejor.2012.11.047
Silverman, B. W. (1982). Algorithm AS 176: Kernel density estimation using the fast Fourier
transform. *J. R. Stat. Soc. C* 31(1), 93–99. doi:10.2307/2347084
Wand, M. P. (1994). Fast computation of multivariate kernel estimators. *J. Comput. Graph. Stat.*
3(4), 433–445. doi:10.1080/10618600.1994.10474656
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Literal

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from .._lazy import special
from ._result import check_outputs, indices_dataset
from .targets import extract

__all__ = ["GivenDataMethod", "MIN_DRAWS", "analyse_given_data", "delta_classes", "given_data"]

GivenDataMethod = Literal["pawn", "delta"]
MIN_DRAWS = 200  # below this, 10 classes hold < 20 draws each: KS distances and densities are noise
GRID = 256  # minimum KDE grid; see _kde_grid
MAX_GRID = 4096
INERT_DUMMIES = 8  # dummy inputs for δ's inert reference: their max is about an inert input's P94
MANY_BINS = 1 << 21  # bins × resamples filled at once by _Delta.many (16 MB per array)


def delta_classes(n: int) -> int:
    """Number of conditioning classes of the δ estimator for ``n`` draws (Plischke et al. 2013, as SALib)."""
    e = 2.0 / (7.0 + np.tanh((1500.0 - n) / 500.0))
    return int(min(int(np.ceil(n**e)), 48))


def _labels(x: NDArray[np.float64], classes: int) -> NDArray[np.int64]:
    """Class of each draw per input: equal-probability classes by the input's sample quantiles.
    Discrete inputs put equal values in one class (some classes then stay empty)."""
    n, k = x.shape
    xt = np.ascontiguousarray(x.T)  # (k, n): each input's draws contiguous
    order = np.argsort(xt, axis=1)
    xs = np.take_along_axis(xt, order, axis=1)
    # the quantiles of the sorted rows are those of x's columns (the same order statistics), selected far
    # faster; a draw's class is the number of quantiles <= it, which in sorted order is a run of classes
    q = np.quantile(xs, np.arange(1, classes) / classes, axis=1)  # (classes-1, k)
    lab = np.empty((n, k), dtype=np.int64)
    runs = np.arange(classes)
    for i in range(k):
        first = np.searchsorted(xs[i], q[:, i], side="left")  # the first sorted draw >= each quantile
        first = np.maximum.accumulate(first)  # (the quantiles rise; this only guards against rounding)
        lab[order[i], i] = np.repeat(runs, np.diff(first, prepend=0, append=n))
    return lab


class _Pawn:
    """KS distances (k, slices) between the target's ECDF and its ECDF within each class, for the
    sample itself or a bootstrap resample given as multiplicities ``m`` (which leaves every sort
    unchanged, so a resample costs O(n k)).

    Exact, ties included: for a class member at sorted position ``r`` with class-cumulative weight
    ``c`` (itself included), the one-sided distances ``c/n_c − F(y_r)`` and
    ``F(y_r−) − (c − m_r)/n_c`` are evaluated; the supremum over the two step functions is attained
    at such points, and extra evaluation points (members with zero weight) can only give values
    below it.
    """

    def __init__(self, lab: NDArray[np.int64], y: NDArray[np.float64], slices: int) -> None:
        n, k = lab.shape
        self.n, self.k, self.slices = n, k, slices
        self.order = np.argsort(y, kind="stable")
        ys = y[self.order]
        self.tie_end = np.searchsorted(ys, ys, side="right") - 1  # last position of each run of ties
        self.tie_start = np.searchsorted(ys, ys, side="left")
        ls = np.ascontiguousarray(lab[self.order].T, dtype=np.int16)  # (k, n): labels in y order
        self.r = np.argsort(ls, axis=1, kind="stable")  # radix sort: y positions grouped by class
        counts = np.zeros((k, slices), dtype=np.int64)
        for i in range(k):
            counts[i] = np.bincount(ls[i], minlength=slices)
        self.counts = counts.ravel()
        self.seg = (np.cumsum(counts, axis=1) - counts + np.arange(k)[:, None] * n).ravel()
        self.nonempty = self.counts > 0

    def __call__(self, m: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        n, k = self.n, self.k
        ms = np.ones(n) if m is None else m[self.order].astype(float)
        cum = np.cumsum(ms)
        total = cum[-1]
        f_right = cum[self.tie_end] / total
        f_left = np.concatenate(([0.0], cum))[self.tie_start] / total
        w = ms[self.r]  # (k, n), grouped by class
        cw = np.cumsum(w, axis=1).ravel()  # running weight along each row
        # Class-cumulative weight = running weight minus the running weight before the class starts.
        offs = np.where(self.seg % n == 0, 0.0, cw[np.maximum(self.seg - 1, 0)])
        ne = self.nonempty
        size = np.zeros(k * self.slices)
        size[ne] = np.add.reduceat(w.ravel(), self.seg[ne])
        c = cw - np.repeat(offs, self.counts)
        nc = np.repeat(size, self.counts)
        r = self.r.ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.maximum(c / nc - f_right[r], f_left[r] - (c - w.ravel()) / nc)
        out = np.full(k * self.slices, np.nan)
        out[ne] = np.maximum.reduceat(d, self.seg[ne])
        out[size <= 0] = np.nan
        return out.reshape(k, self.slices)


def _kde_grid(y: NDArray[np.float64]) -> tuple[float, float, int]:
    """Grid of the binned KDEs: from 4 bandwidths below the minimum to 4 above the maximum, with at
    least 4 grid steps per (unconditional) bandwidth, so linear binning stays far below the
    estimator's sampling error (Wand 1994); 256 points usually, at most 4,096 for long tails."""
    h = float(_silverman(float(np.std(y, ddof=1)), len(y)))
    lo, hi = float(y.min()) - 4 * h, float(y.max()) + 4 * h
    grid = GRID
    while grid < MAX_GRID and (hi - lo) / (grid - 1) > h / 4:
        grid *= 2
    return lo, (hi - lo) / (grid - 1), grid


def _silverman(sd: NDArray[np.float64] | float, n: NDArray[np.float64] | float) -> NDArray[np.float64]:
    # scipy.stats.gaussian_kde(bw_method="silverman") in one dimension: sd * (3 n / 4)^(-1/5)
    return np.asarray(sd) * (0.75 * np.asarray(n, dtype=float)) ** -0.2


def _smooth(counts: NDArray[np.float64], h_bins: NDArray[np.float64]) -> NDArray[np.float64]:
    """Gaussian-smoothed binned counts along the last axis (zero-padded FFT, no wrap-around)."""
    grid = counts.shape[-1]
    f = np.fft.rfftfreq(2 * grid)
    kern = np.exp(-0.5 * (2 * np.pi * f[None, :] * h_bins.reshape(-1, 1)) ** 2)
    c = counts.reshape(-1, grid)
    out = np.fft.irfft(np.fft.rfft(c, n=2 * grid, axis=1) * kern, n=2 * grid, axis=1)[:, :grid]
    return np.clip(out, 0.0, None).reshape(counts.shape)


class _Delta:
    """δ (Plischke et al. 2013, eq. 26, with binned KDEs) and the correlation-ratio S1 of every input,
    for the sample or a bootstrap resample given as multiplicities ``m`` (same bins, same classes)."""

    def __init__(self, lab: NDArray[np.int64], y: NDArray[np.float64], classes: int) -> None:
        n, k = lab.shape
        self.n, self.k, self.classes, self.y = n, k, classes, y
        self.lo, self.step, self.grid = _kde_grid(y)
        pos = np.clip((y - self.lo) / self.step, 0.0, self.grid - 1 - 1e-9)
        self.j = pos.astype(np.int64)
        self.w = pos - self.j
        # the bin of each draw per input, input by input ((k·n,), input-major: binning one input's draws
        # after the other keeps the counts in cache, 2-3x faster than draw by draw; each bin still sums
        # its draws in draw order, so the counts are the same to the bit)
        cell = np.arange(k)[:, None] * classes + lab.T
        self.flat = (cell * self.grid + self.j[None, :]).ravel()
        self.flat_next = self.flat + 1

    def __call__(self, m: NDArray[np.float64] | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        m = np.ones(self.n) if m is None else m.astype(float)
        k, grid = self.k, self.grid
        size = k * self.classes * grid
        counts = (np.bincount(self.flat, np.tile(m * (1.0 - self.w), k), size)
                  + np.bincount(self.flat_next, np.tile(m * self.w, k), size))
        return self._indices(counts.reshape(k, self.classes, grid), m)

    def many(self, ms: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(B, k) δ and S1 for B resamples ``ms`` (B, n) at once: the same numbers as B calls, to the bit.

        The bins of many resamples are filled by two sparse products, bins × draws one-hot matrices times
        the draws' weights of all resamples: scipy adds each bin's draws in draw order (1.0 × weight, exact),
        as the bincount does, 3× faster for 20 resamples. A few resamples at a time: the bins' memory is
        (k · classes · grid) × resamples. (The one-hot matrices are the transposes of draws × bins matrices
        with k entries a draw, which need no sorting to build.)"""
        ms = np.asarray(ms, dtype=float)
        k, classes, grid, n = self.k, self.classes, self.grid, self.n
        size = k * classes * grid
        per = max(1, min(len(ms), MANY_BINS // size))
        if per < 2:  # too large for more than one at a time: the bincount
            out = [self(m) for m in ms]
            return np.stack([d for d, _ in out]), np.stack([s for _, s in out])
        from scipy.sparse import csr_matrix  # (scipy.special, which mkba loads, makes it a few ms)

        by_draw = self.flat.reshape(k, n).T.ravel()  # each draw's k bins, ascending (input-major cells)
        starts = np.arange(0, k * n + 1, k)
        ones = np.ones(k * n)
        to_bin = csr_matrix((ones, by_draw, starts), shape=(n, size)).T
        to_next = csr_matrix((ones, by_draw + 1, starts), shape=(n, size)).T
        deltas, s1s = [], []
        for lo in range(0, len(ms), per):
            chunk = ms[lo:lo + per]
            binned = to_bin @ (chunk.T * (1.0 - self.w)[:, None]) + to_next @ (chunk.T * self.w[:, None])
            counts = np.ascontiguousarray(binned.T).reshape(len(chunk), k, classes, grid)
            for c, m in zip(counts, chunk):
                d, s1 = self._indices(c, m)
                deltas.append(d)
                s1s.append(s1)
        return np.stack(deltas), np.stack(s1s)

    def _indices(self, counts: NDArray[np.float64], m: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """δ and S1 from the binned counts (k, classes, grid) of the resample with multiplicities ``m``."""
        n, y, step, grid = self.n, self.y, self.step, self.grid
        # Linear binning keeps each draw's position exactly (weights 1 − w at j, w at j + 1), so the
        # class sizes and means follow from the bins exactly; the class variances (for the
        # bandwidths only) carry the binning's extra variance of at most step²/4.
        g = np.arange(grid, dtype=float)
        nc = counts.sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_b = counts @ g / nc
            var_b = np.maximum(counts @ (g * g) / nc - mean_b**2, 0.0) * nc / np.maximum(nc - 1.0, 1.0)
            mean_c = self.lo + step * mean_b
            h = _silverman(np.sqrt(var_b), nc)  # in bins
        # A class with < 2 draws or a constant target has no density estimate: left out (as SALib).
        ok = (nc > 1) & (h > 0) & np.isfinite(h)
        dens_c = _smooth(counts, np.where(ok, h, 1.0)) / (np.where(ok, nc, 1.0)[:, :, None] * step)
        tot = np.bincount(self.j, m * (1.0 - self.w), grid) + np.bincount(self.j + 1, m * self.w, grid)
        ybar = float((m * y).sum() / n)
        vy = float((m * (y - ybar) ** 2).sum() / n)
        h0 = _silverman(np.sqrt(vy * n / (n - 1.0)), n) / step
        dens = _smooth(tot[None, :], np.array([h0]))[0] / (n * step)
        l1 = np.abs(dens_c - dens[None, None, :]).sum(axis=2) * step  # (k, classes)
        delta = np.where(ok, nc / (2.0 * n) * l1, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore"):
            s1 = np.nansum(nc * (mean_c - ybar) ** 2, axis=1) / (n * vy)
        return delta, s1


def analyse_given_data(
    x: ArrayLike,
    y: ArrayLike,
    names: Sequence[str],
    *,
    method: GivenDataMethod = "delta",
    target: str = "y",
    slices: int = 10,
    num_resamples: int = 50,
    conf_level: float = 0.95,
    seed: int = 0,
) -> xr.Dataset:
    """PAWN or δ/S1 indices from a given sample ``x (n, k)``, ``y (n,)`` of independent inputs.

    Parameters
    ----------
    method
        ``"pawn"``: indices ``median`` (ranking), ``mean``, ``max`` of the KS distances over
        ``slices`` classes; attr ``ks_critical`` = the two-sample KS critical value (α = 0.05) of a
        class against the whole sample, below which a median is indistinguishable from no influence.
        ``"delta"``: indices ``delta`` (ranking; bias-reduced) and ``S1``.
    num_resamples
        Bootstrap resamples for the CIs (and δ's bias reduction); 0 skips them.

    Raises
    ------
    ValueError
        Too few draws (< :data:`MIN_DRAWS`), mismatched shapes, a non-finite or constant target.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"inputs have shape {x.shape}; expected (draws, {len(names)}) for {len(names)} names")
    n = x.shape[0]
    if n < MIN_DRAWS:
        raise ValueError(f"{method}: {n} draws are too few for a given-data analysis; use at least {MIN_DRAWS}")
    y = check_outputs(y, n, target)
    if method not in ("pawn", "delta"):
        raise ValueError(f"unknown given-data method {method!r}; choose 'pawn' or 'delta'")
    if not np.isfinite(x).all():
        raise ValueError("the inputs contain non-finite values")
    rng = np.random.default_rng(seed)
    z = float(special.ndtri(0.5 + conf_level / 2))  # = scipy.stats.norm.ppf, without importing scipy.stats (~0.3 s)
    # A bootstrap resample as multiplicities of the draws: the same sorts, bins and classes serve all.
    boots = [np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(num_resamples)]
    if method == "pawn":
        if slices < 2 or n < 10 * slices:
            raise ValueError(f"pawn: {slices} slices need at least {10 * slices} draws and slices >= 2")
        pawn = _Pawn(_labels(x, slices), y, slices)

        def stats(m: NDArray[np.float64] | None) -> NDArray[np.float64]:
            ks = pawn(m)
            return np.stack([np.nanmedian(ks, axis=1), np.nanmean(ks, axis=1), np.nanmax(ks, axis=1)])

        point = stats(None)
        conf = {}
        if boots:
            b = np.stack([stats(m) for m in boots])  # (B, 3, k)
            conf = {k: z * b[:, i].std(axis=0, ddof=1) for i, k in enumerate(("median", "mean", "max"))}
        nc = n / slices
        attrs = {"slices": slices, "ks_critical": float(1.358 * np.sqrt((n + nc) / (n * nc)))}
        return indices_dataset(names, {"median": point[0], "mean": point[1], "max": point[2]}, conf,
                               method="pawn", target=target, rank_by="median", n_evaluations=0,
                               plot=["median"], attrs={"draws": n, "num_resamples": num_resamples,
                                                       "conf_level": conf_level, **attrs})
    classes = delta_classes(n)
    k = x.shape[1]
    # inert dummies, evaluated with the real inputs: the δ an input without any effect reaches here
    dummies = np.random.default_rng([seed, 0x1AE27]).random((n, INERT_DUMMIES))
    est = _Delta(_labels(np.column_stack([x, dummies]), classes), y, classes)
    d_hat, s1 = est()
    conf = {}
    delta = d_hat
    if boots:
        b_delta, b_s1 = est.many(np.stack(boots))  # (B, k + dummies) each
        # Bias reduction of Plischke et al. (2013, eq. 30): 2 δ̂ − mean of the bootstrap δ̂*.
        d_br = 2.0 * d_hat[None, :] - b_delta
        delta = d_br.mean(axis=0)
        conf = {"delta": z * d_br.std(axis=0, ddof=1)[:k], "S1": z * b_s1.std(axis=0, ddof=1)[:k]}
    delta_inert, s1_inert = float(delta[k:].max()), float(s1[k:].max())
    ds = indices_dataset(names, {"delta": delta[:k], "S1": s1[:k]}, conf, method="delta", target=target,
                         rank_by="delta", n_evaluations=0, plot=["delta", "S1"],
                         attrs={"draws": n, "classes": classes, "num_resamples": num_resamples,
                                "conf_level": conf_level, "kde": f"binned Gaussian KDE, {est.grid} points",
                                "delta_inert": delta_inert, "S1_inert": s1_inert,
                                "inert_dummies": INERT_DUMMIES})
    # "not distinguishable from inert": δ no larger than the largest δ of the inert dummies
    return ds.assign(inert=("parameter", ds["value"].sel(index="delta").values <= delta_inert))


def given_data(
    ds: xr.Dataset,
    *,
    method: GivenDataMethod = "delta",
    target: str = "saldo",
    slices: int = 10,
    num_resamples: int = 50,
    conf_level: float = 0.95,
    seed: int = 0,
    max_draws: int | None = None,
) -> xr.Dataset:
    """Given-data indices from the Dataset of :func:`mkba.simulate` (needs ``inputs(draw, input)``).

    The run's design (attr ``design``) must be a sample of the joint distribution (``mc``, ``lhs``, ``sobol``); the target
    is any name of :mod:`mkba.sensitivity.targets`, read from the run's per-draw variables (``line``
    for lines, ``npv`` for actors). ``max_draws`` analyses only the first draws (an honest prefix:
    a run of N draws is the prefix of a longer run).
    """
    if "inputs" not in ds or "input" not in ds.dims:
        raise ValueError("the run keeps no sampled inputs (variable 'inputs'); simulate with store='full', or "
                         "recompute them with mkba.simulator.results.with_inputs(ds, study), for a given-data analysis")
    design = json.loads(ds.attrs.get("design", "{}") or "{}")
    kind = design.get("kind", ds.attrs.get("sampler"))
    if kind not in ("mc", "lhs", "sobol"):
        raise ValueError(f"a given-data analysis needs a sample of the inputs' joint distribution (mc, lhs or "
                         f"sobol), the run's design is {kind!r}")
    sub = ds.isel(draw=slice(0, max_draws)) if max_draws else ds
    if target in sub.data_vars and sub[target].dims == ("draw",):
        # only the target is read: a Dataset opened from a file reads every variable asked for
        outputs: dict[str, NDArray] = {target: sub[target].values}
    else:
        outputs = {k: sub[k].values for k in sub.data_vars if sub[k].dims == ("draw",)}
        if "npv" in sub:
            outputs["npv"] = sub["npv"].values
        elif "line" in sub and target not in outputs:
            items = [str(i) for i in sub["item"].values]
            if target in items:
                outputs[target] = sub["line"].sel(item=target).values
    y = extract(outputs, target)
    names = [str(v) for v in sub["input"].values]
    res = analyse_given_data(sub["inputs"].values, y, names, method=method, target=target, slices=slices,
                             num_resamples=num_resamples, conf_level=conf_level, seed=seed)
    res.attrs.update(study=str(ds.attrs.get("study", "")), seed=int(ds.attrs.get("seed", -1)),
                     design=json.dumps(design))
    if "input_group" in sub.coords:
        grp = dict(zip(names, [str(g) for g in sub["input_group"].values]))
        res = res.assign_coords(group=("parameter", [grp[p] for p in res["parameter"].values]))
    return res
