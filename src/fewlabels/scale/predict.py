"""Row-wise work with a fitted model, partition by partition: predictions (written to
Parquet atomically), active-learning utilities and label-quality scores, each with one
reduction on the client."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError
from .engine import (
    FewLabelsError,
    PartitionError,
    _one_line,
    _require_dask,
    as_partitions,
    compute,
    concat_frames,
    top_rows,
)

__all__ = [
    "predict_dask",
    "score_active_dask",
    "score_label_errors_dask",
    "write_predictions",
]

logger = logging.getLogger(__name__)


def _features(model: Any, columns: list[Any]) -> list[Any]:
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return columns
    missing = [c for c in names if c not in columns]
    if missing:
        raise InputError(
            f"the table lacks column(s) the model was fitted with: {list(missing)[:10]}; "
            "give a table with the same feature columns"
        )
    return list(names)


def _prediction_frame(
    classes: np.ndarray,
    P: np.ndarray,
    index: Any,
    proba: bool,
    keep: pd.DataFrame | None,
    labels: np.ndarray | None = None,
) -> pd.DataFrame:
    data: dict[str, Any] = {}
    if keep is not None:
        data.update({c: keep[c].array for c in keep.columns})  # dtypes kept (text: str)
    if labels is None:
        labels = np.asarray(classes)[np.argmax(P, axis=1)] if len(P) else classes[:0]
    # the classes' own dtype (text classes: a string column, not object, which the empty
    # meta of a Parquet write could not type)
    dtype = pd.Series(np.asarray(classes)).infer_objects().dtype
    data["prediction"] = pd.array(np.asarray(labels), dtype=dtype)
    if proba:
        for j, c in enumerate(classes):
            data[f"proba_{c}"] = P[:, j]
    return pd.DataFrame(data, index=index)


def _predict_partition(
    part: pd.DataFrame,
    model: Any,
    features: list[Any],
    proba: bool,
    keep: list[Any],
    partition_info: dict | None = None,
) -> pd.DataFrame:
    number = None if partition_info is None else partition_info.get("number")
    try:
        if not len(part):
            P, labels = np.zeros((0, len(model.classes_))), None
        else:  # what model.predict says: a tuned decision threshold decides
            from ..base import labels_from_proba

            P = np.asarray(model.predict_proba(part[features]))
            labels = labels_from_proba(model, P)
        return _prediction_frame(
            np.asarray(model.classes_), P, part.index, proba, part[keep] if keep else None, labels
        )
    except Exception as exc:
        where = f"partition {number}" if number is not None else "a partition"
        detail = str(exc) if isinstance(exc, FewLabelsError) else f"{type(exc).__name__}: {exc}"
        raise PartitionError(f"prediction failed on {where}: {_one_line(detail)}") from None


def predict_dask(
    model: Any, data: Any, *, proba: bool = True, keep: list[str] | tuple[str, ...] = ()
) -> Any:
    """The predictions of a fitted model on a Dask DataFrame, lazily, partition by partition.

    Parameters
    ----------
    model : fitted classifier with ``classes_`` and ``predict_proba``
        Any fewlabels classifier (it reads the columns it was fitted with, by
        ``feature_names_in_``), or a scikit-learn one fitted on all the table's columns.
    data : dask.dataframe.DataFrame, or a Parquet directory or glob
    proba : bool, default=True
        Add a ``proba_<class>`` column per class.
    keep : list of str
        Input columns copied into the output (a row id, say).

    Returns
    -------
    dask.dataframe.DataFrame
        ``keep`` columns, ``prediction``, and the probabilities, with the input's index
        and partitions; its ``meta`` is given, so nothing runs on made-up rows.

    Examples
    --------
    >>> pred = predict_dask(model, ddf, keep=["id"])  # doctest: +SKIP
    >>> pred.to_parquet("out/")  # doctest: +SKIP
    """
    _require_dask("predicting on a Dask DataFrame")
    if isinstance(data, (str, os.PathLike)):
        from .engine import read_partitioned

        data = read_partitioned(data)
    classes = np.asarray(model.classes_)
    features = _features(model, list(data.columns))
    missing = [c for c in keep if c not in data.columns]
    if missing:
        raise InputError(f"no column(s) {missing} in the table to keep")
    keep_meta = data._meta[list(keep)] if keep else None
    meta = _prediction_frame(
        classes, np.zeros((0, len(classes))), data._meta.index, proba, keep_meta
    )
    return data.map_partitions(
        _predict_partition, model, features, proba, list(keep), meta=meta, align_dataframes=False
    )


def write_predictions(
    model: Any,
    data: Any,
    out: str | os.PathLike[str],
    *,
    proba: bool = True,
    keep: list[str] | tuple[str, ...] = (),
    overwrite: bool = False,
) -> Path:
    """Predict partition by partition and write a Parquet directory (one file per
    partition, ``part.000000.parquet`` on, in the input's order), atomically: into a
    hidden temporary directory beside ``out``, renamed to ``out`` only once every
    partition is written. If a partition raises or a worker dies,
    the temporary directory is removed, ``out`` is untouched, and one :class:`ScaleError`
    line says what failed.

    Returns
    -------
    Path
        ``out``.
    """
    dest = Path(out)
    if dest.exists() and not overwrite:
        raise InputError(f"{str(dest)!r} exists; remove it, choose another --out, or overwrite")
    pred = predict_dask(model, data, proba=proba, keep=keep)
    write_parquet_folder(pred, dest, "writing predictions")
    logger.info("predictions written to %s", dest)
    return dest


def write_parquet_folder(frame: Any, out: str | os.PathLike[str], what: str) -> Path:
    """Compute the lazy Dask DataFrame ``frame`` into the Parquet folder ``out`` (one file
    per partition, in order), atomically: into a hidden temporary folder beside ``out``,
    which replaces ``out`` only once every partition is written. A failure (``what`` names
    the work) removes the temporary folder and leaves ``out`` as it was."""
    dest = Path(out)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.{uuid.uuid4().hex[:8]}.part"
    try:
        task = frame.to_parquet(
            tmp, write_index=False, compute=False, name_function=_part_file_name
        )
        compute([task], what)
        if dest.exists():
            old = dest.parent / f".{dest.name}.{uuid.uuid4().hex[:8]}.old"
            os.replace(dest, old)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    except BaseException:
        _settle()  # tasks still running elsewhere may write into tmp: let them finish
        raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _part_file_name(number: int) -> str:
    """``part.000012.parquet``: zero-padded, so that every reader (pandas and pyarrow sort
    the names as text) puts the partitions in order."""
    return f"part.{number:06d}.parquet"


def _settle(timeout: float = 10.0) -> None:
    """Wait (at most ``timeout`` s) until the cluster runs no task, after a failure."""
    import time

    try:
        from distributed import get_client

        client = get_client()
    except (ImportError, ValueError):
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not any(client.processing().values()):
                return
        except Exception:  # a closing client: nothing to wait for
            return
        time.sleep(0.1)


def _active_part(X, y, ids, pool, model, strategy, k):
    from ..active.utilities import UNCERTAINTIES

    rows = np.flatnonzero(pool)
    if rows.size == 0:
        return X.iloc[:0], np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64)
    P = np.asarray(model.predict_proba(X.iloc[rows]))
    u = UNCERTAINTIES[strategy](P)
    frame = pd.DataFrame({"row_id": ids[rows], "utility": u})
    best = top_rows(frame, "utility", k).index.to_numpy()
    return X.iloc[rows[best]], ids[rows[best]], u[best], P[best].argmax(axis=1)


def score_active_dask(
    model: Any,
    data: Any,
    target: str | None = None,
    *,
    strategy: str = "margin",
    k: int = 100,
    exclude: list[str] | tuple[str, ...] = (),
) -> pd.DataFrame:
    """The ``k`` unlabeled rows most worth labeling, by an uncertainty of ``model``'s
    probabilities (:data:`fewlabels.active.utilities.UNCERTAINTIES`), from a per-partition
    top-k merged on the client.

    Parameters
    ----------
    model : fitted classifier
    data : dask.dataframe.DataFrame, or a Parquet directory or glob
    target : str, optional
        The target column: its labeled rows are skipped. None scores every row.
    strategy : {"margin", "least_confident", "entropy"}, default="margin"
    k : int, default=100
    exclude : list of str
        Columns that are not features.

    Returns
    -------
    pandas.DataFrame
        The rows (their feature columns), with ``row_id`` (global position),
        ``utility`` and ``predicted``, most useful first (ties by position).
    """
    from ..active.utilities import UNCERTAINTIES

    if strategy not in UNCERTAINTIES:
        raise InputError(
            f"unknown strategy {strategy!r}; choose one of: {', '.join(UNCERTAINTIES)}"
        )
    if int(k) < 1:
        raise InputError(f"k must be at least 1, got {k}")
    parts = as_partitions(data, target, exclude=exclude)
    features = _features(model, parts.features)
    parts.features = features
    got = parts.map(_active_part, model, strategy, int(k), what="scoring rows for labeling")
    frames = [
        g[0].assign(row_id=g[1], utility=g[2], predicted=np.asarray(model.classes_)[g[3]])
        for g in got
        if len(g[1])
    ]
    if not frames:
        return concat_frames([], {"row_id": np.int64, "utility": float})
    merged = pd.concat(frames, ignore_index=True)
    return top_rows(merged, "utility", int(k)).reset_index(drop=True)


def _errors_part(X, y, ids, pool, model, method, k):
    from ..noise.errors import label_quality_scores

    classes = list(np.asarray(model.classes_).tolist())
    K = len(classes)
    lookup = pd.Index(classes)
    codes = lookup.get_indexer(y) if y is not None else np.full(len(X), -1)
    rows = np.flatnonzero(codes >= 0)
    sums, counts = np.zeros(K), np.zeros(K, dtype=np.int64)
    if rows.size == 0:
        return (
            X.iloc[:0],
            np.zeros(0, dtype=np.int64),
            np.zeros(0),
            np.zeros(0, dtype=np.int64),
            sums,
            counts,
        )
    P = np.asarray(model.predict_proba(X.iloc[rows]))
    c = codes[rows]
    scores = label_quality_scores(c, P, method)
    np.add.at(sums, c, P[np.arange(len(c)), c])
    counts += np.bincount(c, minlength=K)
    frame = pd.DataFrame({"row_id": ids[rows], "score": scores})
    worst = top_rows(frame, "score", k, ascending=True).index.to_numpy()
    return X.iloc[rows[worst]], ids[rows[worst]], scores[worst], c[worst], sums, counts


def score_label_errors_dask(
    model: Any,
    data: Any,
    target: str,
    *,
    method: str = "self_confidence",
    k: int = 100,
    exclude: list[str] | tuple[str, ...] = (),
) -> tuple[pd.DataFrame, dict[Any, float]]:
    """The ``k`` labeled rows whose label looks most wrong to ``model``
    (:func:`fewlabels.noise.errors.label_quality_scores`, lowest first), and each class's
    self-confidence (the mean probability of its class over the rows labeled with it,
    confident learning's threshold), in one pass with one reduction.

    ``model`` should not have been fitted on these labels (in-sample probabilities flatter
    them): use a model fitted on other rows, or the out-of-fold models of
    :mod:`fewlabels.noise` on a sample.

    Returns
    -------
    rows : pandas.DataFrame
        The rows, with ``row_id``, ``score`` and ``given`` (the label).
    self_confidence : dict of class to float
    """
    from ..noise.errors import SCORES

    if method not in SCORES:
        raise InputError(f"unknown method {method!r}; choose one of: {', '.join(SCORES)}")
    if int(k) < 1:
        raise InputError(f"k must be at least 1, got {k}")
    parts = as_partitions(data, target, exclude=exclude)
    parts.features = _features(model, parts.features)
    got = parts.map(_errors_part, model, method, int(k), what="scoring label quality")
    classes = np.asarray(model.classes_)
    sums = np.sum([g[4] for g in got], axis=0)
    counts = np.sum([g[5] for g in got], axis=0)
    conf = {
        c.item() if hasattr(c, "item") else c: (float(s / n) if n else float("nan"))
        for c, s, n in zip(classes, sums, counts, strict=True)
    }
    frames = [g[0].assign(row_id=g[1], score=g[2], given=classes[g[3]]) for g in got if len(g[1])]
    if not frames:
        return concat_frames([], {"row_id": np.int64, "score": float}), conf
    merged = pd.concat(frames, ignore_index=True)
    return top_rows(merged, "score", int(k), ascending=True).reset_index(drop=True), conf
