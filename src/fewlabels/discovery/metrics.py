"""Clustering metrics for class discovery: accuracy after Hungarian matching, and friends.

Cluster ids are arbitrary, so accuracy first matches clusters to classes one-to-one
(the assignment that maximises the number of agreeing rows; Hungarian algorithm), then
counts. Balanced accuracy averages the per-class recall under the same matching.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["hungarian_match", "cluster_accuracy", "balanced_cluster_accuracy", "discovery_scores"]


def _codes(values: Any) -> tuple[np.ndarray, np.ndarray]:
    uniq, codes = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return uniq, codes


def hungarian_match(y_true: Any, y_pred: Any) -> dict[Any, Any]:
    """The one-to-one map {cluster: class} that maximises agreement (unmatched clusters left out)."""
    from scipy.optimize import linear_sum_assignment

    t_names, t = _codes(y_true)
    p_names, p = _codes(y_pred)
    counts = np.zeros((len(p_names), len(t_names)), dtype=np.int64)
    np.add.at(counts, (p, t), 1)
    rows, cols = linear_sum_assignment(-counts)
    return {p_names[r]: t_names[c] for r, c in zip(rows, cols, strict=True)}


def _matched(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    truth = np.asarray(y_true, dtype=object).astype(str)
    pred = np.asarray(y_pred, dtype=object).astype(str)
    if len(truth) != len(pred):
        raise ValueError(f"y_true has {len(truth)} rows but y_pred has {len(pred)}")
    mapping = hungarian_match(truth, pred)
    return truth, np.array([mapping.get(v, "\0unmatched") for v in pred], dtype=object)


def cluster_accuracy(y_true: Any, y_pred: Any) -> float:
    """Share of rows whose cluster, matched one-to-one to a class, is their class."""
    if len(y_true) == 0:
        return float("nan")
    truth, mapped = _matched(y_true, y_pred)
    return float(np.mean(truth == mapped))


def balanced_cluster_accuracy(y_true: Any, y_pred: Any) -> float:
    """Mean over classes of the share of the class's rows in its matched cluster."""
    if len(y_true) == 0:
        return float("nan")
    truth, mapped = _matched(y_true, y_pred)
    return float(np.mean([np.mean(mapped[truth == c] == c) for c in np.unique(truth)]))


def discovery_scores(y_true: Any, y_pred: Any, novel: Any) -> dict[str, dict[str, float]]:
    """ACC, balanced ACC, NMI and ARI on the novel rows, the known rows and all rows.

    ``novel`` marks rows whose true class is novel. On "all" rows the matching is global
    (known classes and novel clusters compete for the same assignment).
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    truth = np.asarray(y_true, dtype=object).astype(str)
    pred = np.asarray(y_pred, dtype=object).astype(str)
    novel = np.asarray(novel, dtype=bool)
    out = {}
    for part, rows in (("novel", novel), ("known", ~novel), ("all", np.ones_like(novel))):
        t, p = truth[rows], pred[rows]
        if len(t) == 0:
            out[part] = dict.fromkeys(("acc", "bacc", "nmi", "ari"), float("nan"))
            continue
        out[part] = {
            "acc": cluster_accuracy(t, p),
            "bacc": balanced_cluster_accuracy(t, p),
            "nmi": float(normalized_mutual_info_score(t, p)),
            "ari": float(adjusted_rand_score(t, p)),
        }
    return out
