"""How the labeling functions behave: coverage, overlaps, conflicts, polarity, accuracy.

Pure functions of the label matrix ``L`` (n_rows x n_lfs, class codes, -1 = abstain), with
snorkel's definitions: an LF *overlaps* on a row it votes on when another LF votes there
too, and *conflicts* when another LF votes a different class there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError
from .lfs import ABSTAIN

__all__ = [
    "check_label_matrix",
    "conflict_matrix",
    "label_coverage",
    "lf_conflicts",
    "lf_coverages",
    "lf_empirical_accuracies",
    "lf_overlaps",
    "lf_polarities",
    "lf_summary",
    "vote_counts",
]


def check_label_matrix(L: Any, n_classes: int | None = None) -> np.ndarray:
    """``L`` as a 2-D integer array, or an InputError (values below -1, or not below
    ``n_classes``, are refused)."""
    L = np.asarray(L)
    if L.ndim != 2:
        raise InputError(f"the label matrix must be 2-D (rows x LFs); got shape {L.shape}")
    if L.size and L.dtype.kind not in "iu":
        if L.dtype.kind == "f" and np.all(np.mod(L, 1) == 0):
            L = L.astype(np.int64)
        else:
            raise InputError("the label matrix must hold whole numbers (class codes, -1 abstain)")
    if L.size and (L.min() < ABSTAIN or (n_classes is not None and L.max() >= n_classes)):
        top = "" if n_classes is None else f" .. {n_classes - 1}"
        raise InputError(
            f"the label matrix holds {int(L.min())} .. {int(L.max())}; votes must "
            f"be class codes 0{top} or -1 (abstain)"
        )
    return L


def vote_counts(L: Any, n_classes: int) -> np.ndarray:
    """``(n_rows, n_classes)``: how many LFs vote each class on each row.

    >>> vote_counts([[0, 0, -1], [1, 0, -1]], 2).tolist()
    [[2, 0], [1, 1]]
    """
    L = check_label_matrix(L, n_classes)
    counts = np.zeros((L.shape[0], n_classes), dtype=np.int32)
    for k in range(n_classes):
        counts[:, k] = (L == k).sum(axis=1)
    return counts


def lf_coverages(L: Any) -> np.ndarray:
    """Per LF, the share of rows it votes on.

    >>> lf_coverages([[0, -1], [1, -1], [-1, 1], [0, -1]]).tolist()
    [0.75, 0.25]
    """
    L = check_label_matrix(L)
    return (L != ABSTAIN).mean(axis=0) if len(L) else np.zeros(L.shape[1])


def label_coverage(L: Any) -> float:
    """The share of rows at least one LF votes on.

    >>> label_coverage([[0, -1], [-1, -1]])
    0.5
    """
    L = check_label_matrix(L)
    return float((L != ABSTAIN).any(axis=1).mean()) if len(L) else 0.0


def lf_overlaps(L: Any) -> np.ndarray:
    """Per LF, the share of rows where it and at least one other LF vote.

    >>> lf_overlaps([[0, 0], [1, -1], [-1, 1]]).tolist()
    [0.3333333333333333, 0.3333333333333333]
    """
    L = check_label_matrix(L)
    votes = L != ABSTAIN
    return (votes & (votes.sum(axis=1, keepdims=True) > 1)).mean(axis=0)


def lf_conflicts(L: Any) -> np.ndarray:
    """Per LF, the share of rows where it votes and another LF votes a different class.

    >>> lf_conflicts([[0, 1, -1], [0, 0, 0]]).tolist()
    [0.5, 0.5, 0.0]
    """
    L = check_label_matrix(L)
    n, m = L.shape
    if n == 0 or m == 0:
        return np.zeros(m)
    k = int(L.max()) + 1 if L.size and L.max() >= 0 else 1
    counts = vote_counts(L, k)
    total = counts.sum(axis=1)
    out = np.zeros(m)
    for j in range(m):
        on = np.flatnonzero(L[:, j] != ABSTAIN)
        same = counts[on, L[on, j]]
        out[j] = np.count_nonzero(total[on] > same) / n
    return out


def conflict_matrix(L: Any) -> np.ndarray:
    """``(n_lfs, n_lfs)``: the share of rows on which LFs i and j both vote and disagree.

    >>> conflict_matrix([[0, 1], [0, 0], [1, -1]]).tolist()
    [[0.0, 0.3333333333333333], [0.3333333333333333, 0.0]]
    """
    L = check_label_matrix(L)
    n, m = L.shape
    out = np.zeros((m, m))
    if n == 0:
        return out
    for i in range(m):
        vi = L[:, i]
        on = vi != ABSTAIN
        for j in range(i + 1, m):
            vj = L[:, j]
            out[i, j] = out[j, i] = np.count_nonzero(on & (vj != ABSTAIN) & (vi != vj)) / n
    return out


def lf_polarities(L: Any) -> list[list[int]]:
    """Per LF, the sorted class codes it votes (its polarity).

    >>> lf_polarities([[0, -1], [1, -1]])
    [[0, 1], []]
    """
    L = check_label_matrix(L)
    return [sorted(int(v) for v in np.unique(L[:, j]) if v != ABSTAIN) for j in range(L.shape[1])]


def lf_empirical_accuracies(L: Any, y: Any) -> np.ndarray:
    """Per LF, its accuracy on the labeled rows it votes on (NaN where it votes on none).

    ``y`` holds class codes and -1 on unlabeled rows.

    >>> lf_empirical_accuracies([[0, 1], [1, 1], [0, -1]], [0, 0, -1]).tolist()
    [0.5, 0.0]
    """
    L = check_label_matrix(L)
    y = np.asarray(y)
    if y.shape != (L.shape[0],):
        raise InputError(f"y has shape {y.shape}; expected ({L.shape[0]},)")
    out = np.full(L.shape[1], np.nan)
    lab = y >= 0
    for j in range(L.shape[1]):
        on = lab & (L[:, j] != ABSTAIN)
        if on.any():
            out[j] = float((L[on, j] == y[on]).mean())
    return out


def lf_summary(
    L: Any,
    y: Any = None,
    names: Sequence[str] | None = None,
    learned_accuracies: Any = None,
    classes: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """One row per LF: polarity, coverage, overlaps, conflicts, and, when given, the
    empirical accuracy on the labeled rows (with the count of labeled rows it voted on)
    and the accuracy the label model learned.

    Examples
    --------
    >>> t = lf_summary([[0, 0], [1, -1]], y=[0, 1], names=["a", "b"])
    >>> t["coverage"].tolist(), t["accuracy"].tolist(), t["polarity"].tolist()
    ([1.0, 0.5], [1.0, 1.0], [[0, 1], [0]])
    """
    L = check_label_matrix(L)
    m = L.shape[1]
    names = list(names) if names is not None else [f"lf_{j}" for j in range(m)]
    pol = lf_polarities(L)
    if classes is not None:
        pol_shown: list[Any] = [[classes[c] for c in p] for p in pol]
    else:
        pol_shown = pol
    frame = pd.DataFrame(
        {
            "polarity": pol_shown,
            "coverage": lf_coverages(L),
            "overlaps": lf_overlaps(L),
            "conflicts": lf_conflicts(L),
        },
        index=pd.Index(names, name="lf"),
    )
    if y is not None:
        yv = np.asarray(y)
        frame["accuracy"] = lf_empirical_accuracies(L, yv)
        frame["labeled_votes"] = ((L != ABSTAIN) & (yv >= 0)[:, None]).sum(axis=0)
    if learned_accuracies is not None:
        frame["learned_accuracy"] = np.asarray(learned_accuracies, dtype=float)
    return frame
