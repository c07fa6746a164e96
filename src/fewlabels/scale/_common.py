"""What the scaled estimators share: collecting the labeled rows and a sample, the
encoder fitted on them, and setting the fitted input attributes a Dask fit cannot get
from ``BaseFewLabelsEstimator.fit``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data.labels import Target, parse_target
from .engine import concat_frames, row_uniform


def _labeled_part(X: pd.DataFrame, y: pd.Series | None, ids: np.ndarray, pool: np.ndarray):
    keep = ~pool
    return X[keep], (None if y is None else y[keep]), ids[keep]


def _sample_part(X, y, ids, pool, rate: float, seed: int):
    u = row_uniform(ids, seed, salt=7919)
    keep = u < rate
    return X[keep], ids[keep], u[keep]


def collect_labeled(parts: Any, who: str) -> tuple[pd.DataFrame, Target, np.ndarray]:
    """The labeled rows (few), their parsed target and their row ids, ordered by row id."""
    got = parts.map(_labeled_part, what="collecting the labeled rows")
    frames = [g[0] for g in got if len(g[0])]
    if not frames:
        raise_no_labels(parts)
    X = pd.concat(frames)
    y = pd.concat([g[1] for g in got if len(g[0])])
    ids = np.concatenate([g[2] for g in got])
    order = np.argsort(ids, kind="stable")
    X, y, ids = X.iloc[order], y.iloc[order], ids[order]
    target = parse_target(y.reset_index(drop=True), who=who)
    return X.reset_index(drop=True), target, ids


def raise_no_labels(parts: Any) -> None:
    from ..exceptions import InputError

    raise InputError(
        f"no row of the {parts.n_rows} rows has a label in {parts.target!r}; label at least "
        "one row of each class"
    )


def collect_sample(parts: Any, size: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """About ``size`` rows drawn by row identity (the same rows whatever the partitioning),
    ordered by row id."""
    rate = min(1.0, 1.2 * size / max(parts.n_rows, 1))
    got = parts.map(_sample_part, rate, seed, what="drawing a sample of rows")
    frames = [g[0] for g in got if len(g[0])]
    if not frames:
        return parts_empty(parts), np.zeros(0, dtype=np.int64)
    X = pd.concat(frames)
    ids = np.concatenate([g[1] for g in got])
    u = np.concatenate([g[2] for g in got])
    order = np.lexsort((ids, u))[:size]
    order = order[np.argsort(ids[order], kind="stable")]
    return X.iloc[order].reset_index(drop=True), ids[order]


def parts_empty(parts: Any) -> pd.DataFrame:
    return concat_frames([], {c: float for c in parts.features})


def set_input_attributes(est: Any, features: list[Any]) -> None:
    """What ``validate_data(reset=True)`` sets on a table with these columns."""
    est.n_features_in_ = len(features)
    if all(isinstance(c, str) for c in features):
        est.feature_names_in_ = np.asarray(features, dtype=object)
    elif hasattr(est, "feature_names_in_"):
        del est.feature_names_in_


def as_frame(X: Any) -> pd.DataFrame:
    """A validated ``X`` as a DataFrame (an array gets columns ``x0, x1, ...``)."""
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X)
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def quota(counts: np.ndarray, total: int) -> np.ndarray:
    """``total`` split over classes in the proportions of ``counts`` (largest remainder),
    the rule of :class:`~fewlabels.selftrain.ClassBalancedTopK`."""
    share = counts / counts.sum() * total
    q = np.floor(share).astype(int)
    order = np.argsort(-(share - q), kind="stable")
    q[order[: total - q.sum()]] += 1
    return q
