"""Tuning without novel labels: hide some known classes and pretend they are novel.

In each split, a share of the known classes loses its labels (the "hidden" classes); the
method runs on that data and is scored on how well it recovers the hidden classes, whose
labels are known to us (Troisemaine et al., DAMI 2024, section 4). The same splits check the
estimate of the number of novel classes: the truth is the number of hidden classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..data.labels import UNLABELED, encode_target
from ..exceptions import InputError
from .metrics import cluster_accuracy

__all__ = ["hidden_class_splits", "hidden_class_search", "check_estimate_on_known"]


def hidden_class_splits(
    codes: np.ndarray,
    n_splits: int = 3,
    hidden_share: float = 0.5,
    random_state: int = 0,
    min_hidden: int = 1,
) -> list[np.ndarray]:
    """For each split, the codes of the known classes to hide (at least 2 stay visible)."""
    known = np.unique(codes[codes != UNLABELED])
    if len(known) < 2 + min_hidden:
        raise InputError(
            f"this needs at least {2 + min_hidden} known classes (2 stay visible, "
            f"{min_hidden} hidden); the labeled rows hold {len(known)}"
        )
    n_hide = int(min(len(known) - 2, max(min_hidden, round(hidden_share * len(known)))))
    rng = np.random.default_rng(random_state)
    return [np.sort(rng.choice(known, n_hide, replace=False)) for _ in range(n_splits)]


def _hide(
    codes: np.ndarray, hidden: np.ndarray, keep_unlabeled: bool
) -> tuple[np.ndarray, np.ndarray]:
    is_hidden = np.isin(codes, hidden)
    rows = np.arange(len(codes)) if keep_unlabeled else np.flatnonzero(codes != UNLABELED)
    y = codes[rows].astype(object)
    y[is_hidden[rows] | (codes[rows] == UNLABELED)] = None
    return rows, y


def hidden_class_search(
    X: Any,
    y: Any,
    candidates: Sequence[dict[str, Any]],
    *,
    n_novel: int | None = None,
    n_splits: int = 3,
    hidden_share: float = 0.5,
    metric: str = "ari",
    random_state: int = 0,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score each candidate parameter set of :class:`NovelClassDiscovery` on hidden classes.

    The unlabeled rows stay in (so a split has ``n_novel + hidden`` clusters to find when
    ``n_novel`` is given; ``"auto"`` otherwise). Scored on the hidden classes' rows with
    ``metric`` ("ari" or "acc"). Returns ``(best parameters, one record per candidate)``.
    """
    from sklearn.metrics import adjusted_rand_score
    from sklearn.utils import _safe_indexing

    from .estimator import NovelClassDiscovery

    codes = encode_target(y).codes
    splits = hidden_class_splits(codes, n_splits, hidden_share, random_state)
    records: list[dict[str, Any]] = []
    for params in candidates:
        scores = []
        for s, hidden in enumerate(splits):
            rows, y_split = _hide(codes, hidden, keep_unlabeled=True)
            total = "auto" if n_novel is None else n_novel + len(hidden)
            model = NovelClassDiscovery(
                **{**params, "n_novel": total, "random_state": random_state + s}
            )
            model.fit(_safe_indexing(X, rows), y_split)
            on = np.isin(codes[rows], hidden)
            truth, pred = codes[rows][on], model.labels_[on]
            scores.append(
                adjusted_rand_score(truth, pred)
                if metric == "ari"
                else cluster_accuracy(truth, pred)
            )
        records.append({"params": dict(params), "scores": scores, "mean": float(np.mean(scores))})
    best = max(records, key=lambda r: r["mean"])
    return best["params"], records


def check_estimate_on_known(
    X: Any,
    y: Any,
    *,
    method: str = "kmeans",
    n_splits: int = 3,
    hidden_share: float = 0.5,
    random_state: int = 0,
    **params: Any,
) -> list[dict[str, int]]:
    """How well ``n_novel="auto"`` counts classes whose number we know: in each split, the
    hidden known classes (at least 2, since the estimate ranges over k >= 2) are the only
    unlabeled rows. One ``{"true", "estimated"}`` a split."""
    from sklearn.utils import _safe_indexing

    from .estimator import NovelClassDiscovery

    codes = encode_target(y).codes
    out = []
    splits = hidden_class_splits(codes, n_splits, hidden_share, random_state, min_hidden=2)
    for s, hidden in enumerate(splits):
        rows, y_split = _hide(codes, hidden, keep_unlabeled=False)
        model = NovelClassDiscovery(method, n_novel="auto", random_state=random_state + s, **params)
        model.fit(_safe_indexing(X, rows), y_split)
        out.append({"true": int(len(hidden)), "estimated": int(model.n_novel_)})
    return out
