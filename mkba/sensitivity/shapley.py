"""Shapley effects: a variance share per input that is defined for *dependent* inputs.

The Shapley effect of input ``i`` is its average marginal contribution to the explained variance,
over every order in which inputs can be added (Owen 2014):
``Sh_i = Σ_{J ∌ i} |J|! (k − |J| − 1)! / k! · (c(J ∪ {i}) − c(J)) / Var(Y)``, with the cost
``c(J) = E[Var(Y | X_{−J})]``. The effects are ≥ 0 and sum to 1 whatever the dependence; a
correlation shares variance between the correlated inputs instead of crediting it twice or never.

Estimator: random permutations (Song, Nelson & Staum 2016, Algorithm 1, with their recommended
``N_o = 1`` outer and ``N_i = 3`` inner samples): for each permutation π and each prefix
``J = {π_1 … π_j}``, one draw of ``X_{−J}`` from the joint distribution and three draws of
``X_J | X_{−J}``, whose sample variance estimates ``c(J)``; ``c`` of all inputs is ``Var(Y)``
from ``n_var`` joint draws. Conditional sampling is exact through the study's Gaussian copula:
the inputs are ``F_i^{-1}(Φ(Z_i))`` with ``Z ~ N(0, R)``, so ``Z_J | Z_{−J}`` is normal with the
usual conditional mean and covariance (inputs outside any correlation are simply redrawn).
Confidence intervals: bootstrap over the permutations (and the variance draws).

References
----------
Owen, A. B. (2014). Sobol' indices and Shapley value. *SIAM/ASA J. Uncertainty Quantification* 2,
245–251. doi:10.1137/130936233
Song, E., Nelson, B. L., Staum, J. (2016). Shapley effects for global sensitivity analysis: theory
and computation. *SIAM/ASA J. Uncertainty Quantification* 4, 1060–1083. doi:10.1137/15M1048070
Iooss, B., Prieur, C. (2019). Shapley effects for sensitivity analysis with correlated inputs:
comparisons with Sobol' indices, numerical estimation and applications. *Int. J. Uncertainty
Quantification* 9(5), 493–514. doi:10.1615/Int.J.UncertaintyQuantification.2019028372
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .._lazy import special
from ..simulator.engine import Model
from ..simulator.parameters import ParameterSet, spearman_to_pearson
from ._result import check_outputs, indices_dataset
from .targets import extract

__all__ = ["N_INNER", "analyse_shapley", "copula_correlation"]

N_INNER = 3  # inner draws per conditional variance (Song et al. 2016: N_o = 1, N_i = 3)
N_VAR = 10_000  # joint draws for Var(Y)
EPS = 1e-12
CHUNK = 32_768  # model rows per call


def copula_correlation(params: ParameterSet) -> NDArray[np.float64]:
    """The normal-copula correlation matrix R over ``params.uncertain`` (identity where independent)."""
    names = params.uncertain
    idx = {n: i for i, n in enumerate(names)}
    r = np.eye(len(names))
    for a, b, rank in params.correlations:
        r[idx[a], idx[b]] = r[idx[b], idx[a]] = spearman_to_pearson(rank)
    return r


def _evaluate(model: Model, params: ParameterSet, z: NDArray[np.float64], target: str) -> NDArray[np.float64]:
    """The target at rows of normal scores ``z (rows, k)``, already correlated: no copula again."""
    names = params.uncertain
    out = []
    for s in range(0, len(z), CHUNK):
        u = np.clip(special.ndtr(z[s : s + CHUNK]), EPS, 1.0 - EPS)
        x = params.inputs_from_uniforms({n: u[:, i] for i, n in enumerate(names)}, len(u), correlate=False)
        out.append(extract(model(x), target))
    return np.concatenate(out)


def analyse_shapley(
    model: Model,
    params: ParameterSet,
    *,
    target: str = "saldo",
    n: int = 2_000,
    n_var: int = N_VAR,
    seed: int = 0,
    num_resamples: int = 200,
    conf_level: float = 0.95,
) -> xr.Dataset:
    """Shapley effects of ``target`` with the parameters' own dependence (Gaussian copula).

    Parameters
    ----------
    n
        Random permutations; the model runs ``n_var + n (k − 1) N_INNER`` times.
    n_var
        Joint draws for Var(Y).

    Returns
    -------
    xarray.Dataset
        ``value``/``conf`` over ``parameter`` × ``index`` (``shapley``), ranked; attrs ``method`` =
        ``"shapley"``, ``n_permutations``, ``n_inner``, ``n_var``, ``inputs_treated_as_independent`` = 0.
    """
    from scipy.stats import norm

    names = params.uncertain
    k = len(names)
    if k < 2:
        raise ValueError("Shapley effects need at least 2 uncertain inputs")
    if n < 10:
        raise ValueError(f"shapley: n = {n} permutations are too few; use at least 10")
    rng = np.random.default_rng(seed)
    r = copula_correlation(params)
    chol = np.linalg.cholesky(r)
    corr = np.flatnonzero((np.abs(r - np.eye(k)) > 0).any(axis=1))  # inputs in some correlation

    # Var(Y) from joint draws
    y_var = check_outputs(_evaluate(model, params, rng.standard_normal((n_var, k)) @ chol.T, target), n_var, target)

    # permutations and, per prefix J (j = 1 … k−1), one outer draw of Z and N_INNER conditional redraws
    perms = np.argsort(rng.random((n, k)), axis=1)
    rank = np.argsort(perms, axis=1)  # position of each input in each permutation
    j = np.arange(1, k)
    in_j = rank[:, None, :] < j[None, :, None]  # (n, k−1, k): input in the prefix J
    outer = rng.standard_normal((n, k - 1, k)) @ chol.T  # Z ~ N(0, R)
    z = np.repeat(outer[:, :, None, :], N_INNER, axis=2)  # (n, k−1, N_INNER, k)
    fresh = rng.standard_normal(z.shape)
    # inputs in J and in no correlation: independent of the rest, redrawn from N(0, 1)
    indep = in_j.copy()
    indep[:, :, corr] = False
    z = np.where(indep[:, :, None, :], fresh, z)
    # correlated inputs in J: Z_JC | Z_{C∖J} ~ N(A z, S), by prefix pattern over the correlated set
    if corr.size:
        pattern = in_j[:, :, corr] @ (1 << np.arange(corr.size))  # (n, k−1) bit mask over corr
        zc = z.reshape(-1, N_INNER, k)
        fc = fresh.reshape(-1, N_INNER, k)
        pat = pattern.ravel()
        for mask in np.unique(pat):
            inside = np.array([(mask >> b) & 1 for b in range(corr.size)], dtype=bool)
            if not inside.any():
                continue
            a_idx, b_idx = corr[inside], corr[~inside]
            rows = np.flatnonzero(pat == mask)
            raa = r[np.ix_(a_idx, a_idx)]
            if b_idx.size:
                rab, rbb = r[np.ix_(a_idx, b_idx)], r[np.ix_(b_idx, b_idx)]
                gain = np.linalg.solve(rbb, rab.T).T  # R_ab R_bb⁻¹
                mean = zc[rows][:, :, b_idx] @ gain.T
                cov = raa - gain @ rab.T
            else:
                mean, cov = 0.0, raa
            lc = np.linalg.cholesky(cov + 1e-15 * np.eye(len(a_idx)))
            block = zc[rows]
            block[:, :, a_idx] = mean + fc[rows][:, :, a_idx] @ lc.T
            zc[rows] = block
        z = zc.reshape(z.shape)
    y = _evaluate(model, params, z.reshape(-1, k), target).reshape(n, k - 1, N_INNER)
    if not np.isfinite(y).all():
        raise ValueError(f"target {target!r} is not finite in some runs (e.g. a ratio with zero costs); "
                         "choose another target")
    cost = y.var(axis=2, ddof=1)  # (n, k−1): c(J) for each prefix

    def effects(perm_rows: NDArray[np.int64], var_rows: NDArray[np.int64]) -> NDArray[np.float64]:
        v = y_var[var_rows].var(ddof=1)
        c = np.concatenate([np.zeros((len(perm_rows), 1)), cost[perm_rows],
                            np.full((len(perm_rows), 1), v)], axis=1)
        delta = np.diff(c, axis=1)  # (m, k): contribution of the input at each position
        sh = np.zeros(k)
        np.add.at(sh, perms[perm_rows].ravel(), delta.ravel())
        return sh / (len(perm_rows) * v)

    all_p, all_v = np.arange(n), np.arange(n_var)
    sh = effects(all_p, all_v)
    conf = {}
    if num_resamples:
        boot = np.stack([effects(rng.integers(0, n, n), rng.integers(0, n_var, n_var))
                         for _ in range(num_resamples)])
        conf = {"shapley": norm.ppf(0.5 + conf_level / 2) * boot.std(axis=0, ddof=1)}
    runs = n_var + n * (k - 1) * N_INNER
    return indices_dataset(
        names, {"shapley": sh}, conf, method="shapley", target=target, rank_by="shapley", n_evaluations=runs,
        attrs={"n_permutations": n, "n_inner": N_INNER, "n_var": n_var, "seed": seed, "conf_level": conf_level,
               "num_resamples": num_resamples, "inputs_treated_as_independent": 0,
               "dependence": "Gaussian copula of the study's rank correlations" if params.correlations
               else "independent inputs (no correlations)",
               "sum": float(sh.sum())},
    )
