"""Scores of class probabilities against true codes, as fast NumPy functions.

Every score is "higher is better" (log loss enters as its negative), so one greedy loop
can maximise any of them. They are computed thousands of times while an ensemble is
selected, so they avoid scikit-learn's input validation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import rankdata

__all__ = ["METRICS", "score"]

_EPS = 1e-15


def neg_log_loss(y: np.ndarray, P: np.ndarray) -> float:
    """Minus the mean log loss (natural log), probabilities clipped at 1e-15.

    >>> round(neg_log_loss(np.array([0, 1]), np.array([[0.5, 0.5], [0.0, 1.0]])), 4)
    -0.3466
    """
    p = P[np.arange(len(y)), y]
    return float(np.mean(np.log(np.clip(p, _EPS, 1.0))))


def accuracy(y: np.ndarray, P: np.ndarray) -> float:
    """Share of rows whose most probable class is the true one."""
    return float(np.mean(np.argmax(P, axis=1) == y))


def _confusion(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k)


def balanced_accuracy(y: np.ndarray, P: np.ndarray) -> float:
    """Mean recall over the classes present in ``y``.

    >>> balanced_accuracy(np.array([0, 0, 0, 1]), np.array([[1, 0], [1, 0], [1, 0], [1, 0]]))
    0.5
    """
    k = P.shape[1]
    c = _confusion(y, np.argmax(P, axis=1), k)
    support = c.sum(axis=1)
    present = support > 0
    return float(np.mean(np.diag(c)[present] / support[present]))


def f1_macro(y: np.ndarray, P: np.ndarray) -> float:
    """Unweighted mean F1 over the classes present in ``y`` or predicted."""
    k = P.shape[1]
    c = _confusion(y, np.argmax(P, axis=1), k)
    tp = np.diag(c).astype(float)
    denom = c.sum(axis=0) + c.sum(axis=1)
    seen = denom > 0
    return float(np.mean(2 * tp[seen] / denom[seen]))


def roc_auc(y: np.ndarray, P: np.ndarray) -> float:
    """ROC AUC (binary), or the mean one-vs-rest AUC over the classes present in ``y``.

    >>> roc_auc(np.array([0, 0, 1, 1]), np.array([[.9, .1], [.6, .4], [.65, .35], [.2, .8]]))
    0.75
    """
    classes = np.flatnonzero(np.bincount(y, minlength=P.shape[1]))
    if len(classes) < 2:
        return float("nan")
    cols = [1] if P.shape[1] == 2 else list(classes)
    aucs = []
    for c in cols:
        pos = y == c
        ranks = rankdata(P[:, c])
        n_pos, n_neg = pos.sum(), (~pos).sum()
        aucs.append((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    return float(np.mean(aucs))


#: Metric name -> score function ``(codes, proba) -> float``, higher is better.
METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "log_loss": neg_log_loss,
    "accuracy": accuracy,
    "balanced_accuracy": balanced_accuracy,
    "f1_macro": f1_macro,
    "roc_auc": roc_auc,
}


def score(metric: str, y: np.ndarray, P: np.ndarray) -> float:
    """``METRICS[metric](y, P)``; log loss is returned as its (positive) loss for display."""
    value = METRICS[metric](y, P)
    return -value if metric == "log_loss" else value
