"""The decision and its risk: expected net benefit per option, the chosen option, the probability that it
is the wrong one, the expected loss of deciding now and the expected value of perfect information.

For options j with net benefit NB_j per draw (one column each), deciding now picks
j* = argmax_j E[NB_j]. With perfect information one would pick the best option in every draw, so

    EVPI = E[max_j NB_j] − max_j E[NB_j]                                   (Raiffa & Schlaifer 1961)

and the expected opportunity loss of deciding now, E[max_j NB_j − NB_j*], equals the EVPI
(Felli & Hazen 1998, §2). A single target NB compares "go on" (NB) with "stop" (0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Decision", "decide", "evpi", "options_matrix", "GO", "STOP"]

GO, STOP = "invest", "stop"


@dataclass(frozen=True)
class Decision:
    """The result of :func:`decide` (amounts in the target's unit, € for mkba)."""

    options: tuple[str, ...]
    expected: tuple[float, ...]  # E[NB_j] per option
    best: str  # the option with the highest expected net benefit (the decision now)
    p_wrong: float  # P(another option is better in a draw)
    expected_loss: float  # E[max_j NB_j − NB_best]: the expected opportunity loss of deciding now
    loss_if_wrong: float  # E[max_j NB_j − NB_best | the decision is wrong]; NaN if it never is
    evpi: float  # E[max_j NB_j] − max_j E[NB_j]
    p_best: tuple[float, ...]  # P(option j is the best in a draw)

    def to_dict(self) -> dict[str, float | str]:
        return {"best": self.best, "p_wrong": self.p_wrong, "expected_loss": self.expected_loss}


def options_matrix(nb: ArrayLike) -> NDArray[np.float64]:
    """(n, m) net benefits: a single target (n,) becomes the two options (stop = 0, invest = NB)."""
    a = np.asarray(nb, dtype=np.float64)
    if a.ndim == 1:
        return np.column_stack([np.zeros_like(a), a])
    if a.ndim != 2 or a.shape[1] < 2:
        raise ValueError(f"net benefits must be (n,) or (n, m >= 2), got shape {a.shape}")
    return a


def _clean(value: float, m: NDArray[np.float64]) -> float:
    """A value of information ≥ 0, with rounding residue of the means (≈ 1e-16 of the amounts) set to 0."""
    return 0.0 if value <= 1e-12 * float(np.abs(m).max(initial=0.0)) else float(value)


def evpi(nb: ArrayLike) -> float:
    """E[max_j NB_j] − max_j E[NB_j] (≥ 0); ``nb`` as in :func:`options_matrix`."""
    m = options_matrix(nb)
    return _clean(float(m.max(axis=1).mean() - m.mean(axis=0).max()), m)


def decide(nb: ArrayLike, options: tuple[str, ...] | None = None) -> Decision:
    """The decision now and its risk for net benefits ``nb`` ((n,) target or (n, m) options).

    Non-finite draws are an error: a decision on a NaN would be silent nonsense."""
    m = options_matrix(nb)
    if not np.all(np.isfinite(m)):
        raise ValueError("net benefits contain NaN or infinite values")
    if options is None:
        options = (STOP, GO) if np.ndim(nb) == 1 else tuple(f"option {j}" for j in range(m.shape[1]))
    if len(options) != m.shape[1]:
        raise ValueError(f"{len(options)} option names for {m.shape[1]} options")
    mean = m.mean(axis=0)
    j = int(np.argmax(mean))
    top = m.max(axis=1)
    loss = top - m[:, j]
    wrong = loss > 0
    p_wrong = float(wrong.mean())
    best_per_draw = np.argmax(m, axis=1)
    p_best = tuple(float(np.mean(best_per_draw == k)) for k in range(m.shape[1]))
    value = _clean(float(top.mean() - mean[j]), m)
    return Decision(
        options=tuple(options),
        expected=tuple(float(v) for v in mean),
        best=options[j],
        p_wrong=p_wrong,
        expected_loss=_clean(float(loss.mean()), m),
        loss_if_wrong=float(loss[wrong].mean()) if wrong.any() else float("nan"),
        evpi=value,
        p_best=p_best,
    )
