"""Label spreading on an anchor graph (Liu, He and Chang, ICML 2010), solved from sums
over partitions.

Every row is linked to its ``n_nearest`` nearest of ``n_anchors`` anchors (k-means
centres of a sample) with Gaussian weights that sum to one: a sparse ``n x m`` matrix
``Z``. The anchor graph ``W = Z Λ^-1 Z^T`` (``Λ = diag(Z^T 1)``) has unit degrees, so
label spreading's ``F = (I - α W)^-1 Y`` becomes, by the Woodbury identity,

    F = Y + Z B,   B = (Λ / α - Z^T Z)^-1 Z^T Y,

an ``m x m`` system. ``Z^T Z`` and ``Λ`` are sums over rows (one pass over the
partitions, an ``m x m`` matrix each), ``Z^T Y`` reads the labeled rows only, and a row's
class scores are ``Z_i B``: the same formula for training rows and new rows, computed
partition by partition. Memory is ``O(m^2)`` per worker and ``O(m (K + d))`` for the
model, whatever the number of rows.

The trade against the kNN graph of :class:`~fewlabels.graph.LabelSpreadingClassifier`:
rows talk only through anchors, so structure finer than the anchor spacing is lost; in
exchange there is no n x n graph, no neighbour search among the rows and no iterative
solve over them (see benchmarks/dask_scale.py for the measured accuracy of both).
"""

from __future__ import annotations

import logging
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils._param_validation import Interval

from ..base import BaseFewLabelsClassifier
from ..data.labels import Target
from ._common import as_frame, collect_labeled, collect_sample, set_input_attributes
from .engine import MemoryPartitions, as_partitions

__all__ = ["AnchorSpreadingClassifier", "anchor_weights", "fit_anchor_spreading_dask"]

logger = logging.getLogger(__name__)


def _points(scaler: Any, X: pd.DataFrame) -> np.ndarray:
    return np.ascontiguousarray(scaler.transform(X), dtype=np.float32)


def _nearest_anchors(P: np.ndarray, anchors: np.ndarray, s: int) -> tuple[np.ndarray, np.ndarray]:
    """Squared distances and indices of each row's ``s`` nearest anchors (exact search)."""
    try:
        import faiss
    except ImportError:
        d2 = (
            (P.astype(np.float64) ** 2).sum(1)[:, None]
            - 2.0 * P.astype(np.float64) @ anchors.T.astype(np.float64)
            + (anchors.astype(np.float64) ** 2).sum(1)[None, :]
        )
        idx = np.argsort(d2, axis=1, kind="stable")[:, :s]
        return np.maximum(np.take_along_axis(d2, idx, axis=1), 0.0), idx
    index = faiss.IndexFlatL2(anchors.shape[1])
    index.add(np.ascontiguousarray(anchors, dtype=np.float32))
    d2, idx = index.search(P, s)
    return np.maximum(d2.astype(np.float64), 0.0), idx.astype(np.int64)


def anchor_weights(
    P: np.ndarray, anchors: np.ndarray, n_nearest: int, bandwidth: float
) -> sp.csr_matrix:
    """The rows of ``Z``: each row's Gaussian weights exp(-d^2 / (2 h^2)) to its
    ``n_nearest`` nearest anchors, normalized to sum to one.

    Examples
    --------
    >>> Z = anchor_weights(np.array([[0.0], [1.0]], dtype=np.float32),
    ...                    np.array([[0.0], [2.0]], dtype=np.float32), 2, 1.0)
    >>> Z.toarray().round(3).tolist()
    [[0.881, 0.119], [0.5, 0.5]]
    """
    n, m = len(P), len(anchors)
    s = int(min(n_nearest, m))
    d2, idx = _nearest_anchors(P, anchors, s)
    logits = -(d2 - d2[:, :1]) / (2.0 * bandwidth**2)  # shift by the nearest: no underflow
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    return sp.csr_matrix(
        (w.ravel(), idx.ravel(), np.arange(0, n * s + 1, s)), shape=(n, m), dtype=np.float64
    )


def _anchor_sums(X, y, ids, pool, scaler, anchors, n_nearest, bandwidth, chunk_size):
    """One partition's ``Z^T Z`` (m x m) and ``Z^T 1`` (m)."""
    m = len(anchors)
    G = np.zeros((m, m))
    lam = np.zeros(m)
    for a in range(0, len(X), chunk_size):
        Z = anchor_weights(
            _points(scaler, X.iloc[a : a + chunk_size]), anchors, n_nearest, bandwidth
        )
        G += (Z.T @ Z).toarray()
        lam += np.asarray(Z.sum(axis=0)).ravel()
    return G, lam


def _kmeans(P: np.ndarray, k: int, n_iter: int, seed: int) -> np.ndarray:
    try:
        import faiss
    except ImportError:
        from sklearn.cluster import KMeans

        km = KMeans(k, n_init=1, max_iter=n_iter, random_state=seed).fit(P)
        return km.cluster_centers_.astype(np.float32)
    km = faiss.Kmeans(
        P.shape[1], k, niter=n_iter, seed=seed, verbose=False, min_points_per_centroid=1
    )
    km.train(np.ascontiguousarray(P, dtype=np.float32))
    return np.asarray(km.centroids, dtype=np.float32)


class AnchorSpreadingClassifier(BaseFewLabelsClassifier):
    """Label spreading on an anchor graph: the algorithm behind
    :func:`fit_anchor_spreading_dask`, here on an in-memory table.

    See :mod:`fewlabels.scale.graph` for the derivation. The features are made numeric
    and standardized by a :class:`~fewlabels.data.TableEncoder` (``"numeric"`` output)
    fitted on a sample drawn by row hash; the anchors are the k-means centres of that
    sample.

    Parameters
    ----------
    n_anchors : int, default=500
        Anchors (k-means centres); fewer when the sample has fewer rows.
    n_nearest : int, default=3
        Anchors each row is linked to (3 beat 5 on the tests' table: 0.82 against 0.80
        accuracy with 300 anchors).
    alpha : float, default=0.9
        How far labels spread (as in label spreading). On the anchor graph 0.99 spread
        too far: 0.73 against 0.82 accuracy at 300 anchors on the tests' table.
    sample_size : int, default=50000
        Rows drawn to fit the encoder, the anchors and the kernel width.
    kmeans_iter : int, default=20
    chunk_size : int, default=100000
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    anchors_ : ndarray of shape (n_anchors, n_features_encoded)
    bandwidth_ : float
        The Gaussian width h: the root mean squared distance of the sample's rows to their
        ``n_nearest``-th anchor.
    anchor_scores_ : ndarray of shape (n_anchors, n_classes)
        ``B``: a row's class scores are ``Z_i B``.
    anchor_mass_ : ndarray of shape (n_anchors,)
        ``Z^T 1``: the rows each anchor stands for.
    class_prior_ : ndarray of shape (n_classes,)
    scaler_ : TableEncoder

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (200, 2)), rng.normal(5, 1, (200, 2))]
    >>> y = np.full(400, -1); y[[0, 200]] = [0, 1]
    >>> clf = AnchorSpreadingClassifier(n_anchors=20, random_state=0).fit(X, y)
    >>> float((clf.predict(X) == np.repeat([0, 1], 200)).mean()) > 0.95
    True
    """

    _accepts_tables = True
    _allow_nan = True
    _encodes_tables = True  # its scaler_ encodes a raw table, fitted as on Dask

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_anchors": [Interval(Integral, 2, None, closed="left")],
        "n_nearest": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "sample_size": [Interval(Integral, 2, None, closed="left")],
        "kmeans_iter": [Interval(Integral, 1, None, closed="left")],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_anchors: int = 500,
        n_nearest: int = 3,
        alpha: float = 0.9,
        *,
        sample_size: int = 50_000,
        kmeans_iter: int = 20,
        chunk_size: int = 100_000,
        random_state: Any = None,
    ):
        self.n_anchors = n_anchors
        self.n_nearest = n_nearest
        self.alpha = alpha
        self.sample_size = sample_size
        self.kmeans_iter = kmeans_iter
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        frame = as_frame(X)
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        labeled = np.flatnonzero(target.labeled)
        parts = MemoryPartitions(frame, ~target.labeled, chunk_size=self.chunk_size)
        sample, _ = collect_sample(parts, int(self.sample_size), seed)
        self._run(parts, frame.iloc[labeled], target.codes[labeled], sample, seed)

    def _run(
        self,
        parts: Any,
        X_lab: pd.DataFrame,
        codes_lab: np.ndarray,
        sample: pd.DataFrame,
        seed: int,
    ) -> None:
        from ..data.encoder import TableEncoder
        from ..graph._graph import seed_matrix

        K = len(self.classes_)
        fit_rows = pd.concat([X_lab, sample], ignore_index=True)
        self.scaler_ = TableEncoder(output="numeric").fit(fit_rows)
        P = _points(self.scaler_, fit_rows)
        m = int(min(self.n_anchors, len(P)))
        self.anchors_ = _kmeans(P, m, int(self.kmeans_iter), seed)
        s = int(min(self.n_nearest, m))
        d2, _ = _nearest_anchors(P, self.anchors_, s)
        self.bandwidth_ = float(max(np.sqrt(d2[:, -1].mean()), 1e-6))
        sums = parts.map(
            _anchor_sums,
            self.scaler_,
            self.anchors_,
            s,
            self.bandwidth_,
            int(self.chunk_size),
            what="summing the anchor graph",
        )
        G = np.sum([g for g, _ in sums], axis=0)
        lam = np.sum([v for _, v in sums], axis=0)
        Zl = anchor_weights(_points(self.scaler_, X_lab), self.anchors_, s, self.bandwidth_)
        Y = seed_matrix(codes_lab, K)
        A = np.diag(lam) / float(self.alpha) - G
        A[np.diag_indices_from(A)] += 1e-9 * max(float(lam.max()), 1.0)
        self.anchor_scores_ = np.linalg.solve(A, Zl.T @ Y)
        self.anchor_mass_ = lam
        counts = np.bincount(codes_lab, minlength=K)
        self.class_prior_ = counts / counts.sum()
        self.n_anchors_ = m

    def _predict_proba(self, X: Any) -> np.ndarray:
        from ..graph._graph import to_distribution

        frame = as_frame(X)
        out = np.empty((len(frame), len(self.classes_)))
        for a in range(0, len(frame), self.chunk_size):
            part = frame.iloc[a : a + self.chunk_size]
            Z = anchor_weights(
                _points(self.scaler_, part),
                self.anchors_,
                int(min(self.n_nearest, self.n_anchors_)),
                self.bandwidth_,
            )
            out[a : a + len(part)] = to_distribution(Z @ self.anchor_scores_, self.class_prior_)
        return out


def fit_anchor_spreading_dask(
    data: Any,
    target: str,
    *,
    features: list[str] | None = None,
    exclude: list[str] | tuple[str, ...] = (),
    unlabeled_value: Any = None,
    n_anchors: int = 500,
    n_nearest: int = 3,
    alpha: float = 0.9,
    sample_size: int = 50_000,
    kmeans_iter: int = 20,
    chunk_size: int = 100_000,
    random_state: int | None = 0,
) -> AnchorSpreadingClassifier:
    """Anchor-graph label spreading on a Dask DataFrame (or a Parquet directory or glob):
    three passes over the partitions (labeled rows, a sample, the graph's sums), an
    ``m x m`` solve on the client, and an ordinary in-memory fitted
    :class:`AnchorSpreadingClassifier` as the result.

    Parameters are those of :class:`AnchorSpreadingClassifier`, plus ``target``,
    ``features``, ``exclude`` and ``unlabeled_value`` as in
    :func:`~fewlabels.scale.fit_self_training_dask`.

    Raises
    ------
    InputError, ScaleError

    Examples
    --------
    >>> with start_engine(n_workers=1, processes=False):  # doctest: +SKIP
    ...     model = fit_anchor_spreading_dask("data/*.parquet", "y", n_anchors=300)
    """
    est = AnchorSpreadingClassifier(
        n_anchors,
        n_nearest,
        alpha,
        sample_size=sample_size,
        kmeans_iter=kmeans_iter,
        chunk_size=chunk_size,
        random_state=random_state,
    )
    est._validate_params()
    parts = as_partitions(
        data, target, features=features, exclude=exclude, unlabeled_value=unlabeled_value
    )
    X_lab, tgt, _ = collect_labeled(parts, "AnchorSpreadingClassifier")
    from sklearn.utils import check_random_state

    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    sample, _ = collect_sample(parts, int(sample_size), seed)
    est.table_encoder_ = None
    set_input_attributes(est, parts.features)
    est.classes_ = tgt.classes
    est.n_labeled_ = tgt.n_labeled
    est._run(parts, X_lab, tgt.codes, sample, seed)
    return est
