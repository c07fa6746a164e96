"""Greedy ensemble selection (Caruana et al., 2004) on out-of-fold class probabilities."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .metrics import neg_log_loss

_TINY = 1e-12

__all__ = ["ensemble_selection", "blend", "fit_temperature", "temper"]


def blend(probas: Sequence[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """The weighted average ``sum_m weights[m] * probas[m]`` (members with weight 0 skipped)."""
    out = np.zeros_like(probas[0], dtype=float)
    for P, w in zip(probas, weights, strict=True):
        if w > 0:
            out += w * P
    return out / max(float(np.sum(weights)), 1e-12)


def temper(P: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities ``P`` (rows summing to one) at ``temperature``: ``softmax(log P / T)``.

    A temperature above 1 flattens overconfident probabilities, below 1 sharpens timid
    ones; the most probable class of each row is unchanged.

    >>> temper(np.array([[0.9, 0.1]]), 2.0).round(3).tolist()
    [[0.75, 0.25]]
    """
    if temperature == 1.0:
        return P
    L = np.log(np.clip(P, _TINY, 1.0)) / temperature
    L -= L.max(axis=-1, keepdims=True)
    Q = np.exp(L)
    return Q / Q.sum(axis=-1, keepdims=True)


def fit_temperature(
    P: np.ndarray, y: np.ndarray, bounds: tuple[float, float] = (0.25, 4.0), xatol: float = 1e-3
) -> float:
    """The temperature (within ``bounds``) that minimises the log loss of ``temper(P, T)``.

    Temperature scaling (Guo et al., 2017) on out-of-fold probabilities: members of an
    ensemble are averaged, and an average is dominated by its most confident member, so
    each member is first brought to the confidence its own held-out rows support. The
    bounds keep a handful of rows from driving a member to a hard vote or to uniform.

    >>> P = np.array([[0.99, 0.01], [0.99, 0.01], [0.01, 0.99], [0.99, 0.01]])
    >>> y = np.array([0, 0, 1, 1])   # right 3 times in 4, but sure every time
    >>> fit_temperature(P, y) > 1
    True
    """
    from scipy.optimize import minimize_scalar

    L = np.log(np.clip(P, _TINY, 1.0))
    rows = np.arange(len(y))

    def loss(log_t: float) -> float:
        Z = L / np.exp(log_t)
        Z -= Z.max(axis=1, keepdims=True)
        log_q = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        return -float(np.mean(log_q[rows, y]))

    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    res = minimize_scalar(loss, bounds=(lo, hi), method="bounded", options={"xatol": xatol})
    return float(np.exp(res.x))


def ensemble_selection(
    probas: Sequence[np.ndarray],
    y: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray], float],
    n_rounds: int = 25,
    init: np.ndarray | None = None,
    tie_break: Callable[[np.ndarray, np.ndarray], float] | None = neg_log_loss,
) -> np.ndarray:
    """Weights of a greedy ensemble with replacement, maximising ``score``.

    Each round adds the member whose inclusion gives the best score of the running
    average; the weights are the member counts of the best round, normalised. Ties (common
    for accuracy-like scores on few rows) are broken by log loss, then by member order.
    ``init`` gives starting counts (a prior ensemble, as in Caruana et al.'s sorted
    initialisation): the rounds add to it, and it is itself the first candidate, so with
    few rows to select on the weights stay near the prior.

    Parameters
    ----------
    probas : sequence of ndarray of shape (n_rows, n_classes)
        Out-of-fold probabilities of each member on the same rows.
    y : ndarray of shape (n_rows,)
        True class codes.
    score : callable(y, proba) -> float
        Higher is better.
    n_rounds : int, default=25
    init : ndarray of shape (n_members,), optional
        Non-negative starting counts.
    tie_break : callable(y, proba) -> float or None, default=neg_log_loss
        The second key of a tie (higher is better); None: ties go to member order (for
        predictions that are not probabilities, such as a regressor's, shape (n_rows, 1)).

    Returns
    -------
    ndarray of shape (n_members,), summing to one.

    Examples
    --------
    >>> y = np.array([0, 1, 1, 0])
    >>> good = np.array([[.8, .2], [.3, .7], [.4, .6], [.7, .3]])
    >>> bad = np.array([[.4, .6], [.6, .4], [.5, .5], [.5, .5]])
    >>> ensemble_selection([bad, good], y, lambda y, P: -((P[:, 1] - y) ** 2).mean()).tolist()
    [0.0, 1.0]
    """
    m = len(probas)
    counts = np.zeros(m) if init is None else np.asarray(init, dtype=float).copy()
    total = (
        blend(probas, counts) * counts.sum()
        if counts.sum() > 0
        else np.zeros_like(probas[0], dtype=float)
    )
    best_counts, best_value = counts.copy(), -np.inf
    if counts.sum() > 0:
        best_value = score(y, total / counts.sum())
    start = counts.sum()
    for t in range(1, n_rounds + 1):
        values = []
        for P in probas:
            avg = (total + P) / (start + t)
            values.append((score(y, avg), tie_break(y, avg) if tie_break else 0.0))
        pick = max(range(m), key=lambda i: values[i])  # first of equals: member order
        counts[pick] += 1
        total += probas[pick]
        if values[pick][0] > best_value + 1e-12:
            best_value, best_counts = values[pick][0], counts.copy()
    if best_counts.sum() == 0:  # no round had a finite score: the plain average
        best_counts = np.ones(m)
    return best_counts / best_counts.sum()
