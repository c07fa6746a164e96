"""Greedy ensemble selection (Caruana et al., 2004) on out-of-fold class probabilities."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .metrics import neg_log_loss

__all__ = ["ensemble_selection", "blend"]


def blend(probas: Sequence[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """The weighted average ``sum_m weights[m] * probas[m]`` (members with weight 0 skipped)."""
    out = np.zeros_like(probas[0], dtype=float)
    for P, w in zip(probas, weights, strict=True):
        if w > 0:
            out += w * P
    return out / max(float(np.sum(weights)), 1e-12)


def ensemble_selection(
    probas: Sequence[np.ndarray],
    y: np.ndarray,
    score: Callable[[np.ndarray, np.ndarray], float],
    n_rounds: int = 25,
    init: np.ndarray | None = None,
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
            values.append((score(y, avg), neg_log_loss(y, avg)))
        pick = max(range(m), key=lambda i: values[i])  # first of equals: member order
        counts[pick] += 1
        total += probas[pick]
        if values[pick][0] > best_value + 1e-12:
            best_value, best_counts = values[pick][0], counts.copy()
    if best_counts.sum() == 0:  # no round had a finite score: the plain average
        best_counts = np.ones(m)
    return best_counts / best_counts.sum()
