"""Sparse kNN graphs, label spreading and label propagation, as pure functions on arrays."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..data.labels import UNLABELED
from ._knn import NeighborIndex, build_index

try:  # scipy's kernel for CSR x dense (accumulates into its output; releases the GIL)
    from scipy.sparse._sparsetools import csr_matvecs as _csr_matvecs
except ImportError:  # pragma: no cover - a scipy without it falls back to ``@``
    _csr_matvecs = None

__all__ = [
    "KnnGraph",
    "block_cg",
    "edge_weights",
    "knn_graph",
    "normalize_graph",
    "propagate_labels",
    "spread_labels",
    "spread_labels_closed_form",
    "to_distribution",
]

logger = logging.getLogger(__name__)

#: Graphs with at least this many rows are multiplied and solved in row blocks, in threads.
PARALLEL_MIN_ROWS = 20_000

#: A row's local scale is its distance to this neighbour (Zelnik-Manor & Perona use the 7th).
SCALE_NEIGHBOR = 7


@dataclass
class KnnGraph:
    """A symmetric sparse affinity matrix and what inductive prediction needs of it."""

    W: sp.csr_matrix
    scales: np.ndarray
    degree: np.ndarray
    index: NeighborIndex
    order: np.ndarray | None = None


def prepare_points(X: np.ndarray, metric: str) -> np.ndarray:
    """float32 rows, L2-normalized for the cosine metric."""
    X = np.asarray(X, dtype=np.float32)
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        X = X / np.where(norms > 0, norms, 1.0)
    return np.ascontiguousarray(X)


def local_scales(sq_dist: np.ndarray) -> np.ndarray:
    """Each row's distance to its ``SCALE_NEIGHBOR``-th neighbour (never zero)."""
    k = sq_dist.shape[1]
    scales = np.sqrt(np.maximum(sq_dist[:, min(SCALE_NEIGHBOR, k) - 1], 0.0))
    positive = scales[scales > 0]
    return np.where(scales > 0, scales, positive.min() if positive.size else 1.0)


def edge_weights(
    values: np.ndarray,
    metric: str,
    power: float,
    own_scale: np.ndarray | None,
    other_scale: np.ndarray | None,
) -> np.ndarray:
    """Affinities from neighbour search results.

    Euclidean: exp(-d^2 / (s_i s_j)) with local scales (no kernel width to tune).
    Cosine: max(similarity, 0). Either is then raised to ``power`` (Iscen et al. use 3).
    """
    if metric == "euclidean":
        if own_scale is None or other_scale is None:
            raise ValueError("euclidean edge weights need the local scales")
        w = np.exp(-np.maximum(values, 0.0) / (own_scale[:, None] * other_scale))
    else:
        w = np.clip(values, 0.0, None)
    return w**power if power != 1 else w


def knn_graph(
    X: np.ndarray,
    n_neighbors: int = 10,
    *,
    metric: str = "euclidean",
    power: float = 1.0,
    mutual: bool = False,
    knn: str = "auto",
    random_state: int = 0,
) -> KnnGraph:
    """Build the kNN affinity graph of the rows of ``X``, sparse throughout.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    n_neighbors : int
    metric : {"euclidean", "cosine"}
    power : float
        Affinities are raised to this power.
    mutual : bool
        Keep an edge only when each end is among the other's neighbours (min); otherwise
        keep it when either is (max).
    knn : {"auto", "exact", "approximate"}
    random_state : int

    Returns
    -------
    KnnGraph
    """
    P = prepare_points(X, metric)
    n = P.shape[0]
    k = int(min(n_neighbors, n - 1))
    index = build_index(P, metric, knn, random_state=random_state)
    values, idx = index.search(P, k + 1)
    values, idx = _drop_self(values, idx, n)
    idx = idx[:, :k]
    values = values[:, :k]
    valid = idx >= 0
    idx = np.where(valid, idx, np.arange(n)[:, None])
    scales = local_scales(values) if metric == "euclidean" else np.ones(n)
    w = edge_weights(values, metric, power, scales, scales[idx])
    # self-loops and missing neighbours get weight 0 and are dropped below
    w = np.where(valid & (idx != np.arange(n)[:, None]), w, 0.0).astype(np.float32)
    # k entries a row: the CSR arrays are the search results as they are
    W = sp.csr_matrix((w.ravel(), idx.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    W.sum_duplicates()
    W = (W.minimum(W.T) if mutual else W.maximum(W.T)).tocsr()
    W.eliminate_zeros()
    degree = np.asarray(W.sum(axis=1, dtype=np.float64)).ravel()
    return KnnGraph(
        W=W,
        scales=scales,
        degree=degree,
        index=index,
        order=index.locality_order(P),
    )


def _drop_self(values: np.ndarray, idx: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row from its own neighbour list (wherever the search put it)."""
    own = idx == np.arange(n)[:, None]
    has_self = own.any(axis=1)
    # rows whose self-match was not returned (approximate search) drop their last neighbour
    own[~has_self, -1] = True
    keep = ~own
    k = idx.shape[1] - 1
    return values[keep].reshape(n, k), idx[keep].reshape(n, k)


def normalize_graph(W: sp.spmatrix) -> sp.csr_matrix:
    """D^{-1/2} W D^{-1/2}, with isolated nodes left at zero."""
    d = np.asarray(W.sum(axis=1)).ravel()
    inv = np.zeros_like(d)
    inv[d > 0] = 1.0 / np.sqrt(d[d > 0])
    D = sp.diags(inv)
    return (D @ W @ D).tocsr()


def seed_matrix(codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Y with Y[i, c] = 1/|labeled rows of c| on labeled rows: every class weighs the same."""
    Y = np.zeros((len(codes), n_classes))
    labeled = np.flatnonzero(codes != UNLABELED)
    Y[labeled, codes[labeled]] = 1.0
    counts = Y.sum(axis=0)
    return Y / np.where(counts > 0, counts, 1.0)


def block_cg(
    matvec, B: np.ndarray, tol: float = 1e-6, max_iter: int = 200, x0: np.ndarray | None = None
) -> tuple[np.ndarray, int, bool]:
    """Conjugate gradients on every column of ``B`` at once (one SPD operator).

    Each column runs its own CG (its own step sizes); one sparse product per iteration
    serves all columns, and the updates are in place. Stops when every column's residual
    is below ``tol`` times its right-hand side's norm. Returns ``(X, iterations, converged)``.
    """

    def rows_matvec(V: np.ndarray, out: np.ndarray, rows: slice) -> None:
        out[rows] = matvec(V)

    return _block_cg(rows_matvec, B, tol, max_iter, x0)


def _block_cg(
    matvec_rows,
    B: np.ndarray,
    tol: float,
    max_iter: int,
    x0: np.ndarray | None = None,
    row_map=None,
) -> tuple[np.ndarray, int, bool]:
    """:func:`block_cg` whose work is split in row blocks.

    ``matvec_rows(V, out, rows)`` writes rows ``rows`` (a slice) of ``A @ V`` into ``out``;
    ``row_map(fn)`` calls ``fn(rows)`` for every row block (in threads) and returns the
    results, by default one block of all rows. Every step of an iteration (the product, the
    updates and the column sums) runs block by block, so two cores share all of it.
    """
    run = row_map or (lambda fn: [fn(slice(None))])
    X = np.zeros_like(B) if x0 is None else x0.copy()
    R = B.copy()
    AP = np.empty_like(B)
    if x0 is not None:
        run(lambda s: matvec_rows(X, AP, s))
        R -= AP
    P = R.copy()
    rs = np.einsum("ij,ij->j", R, R)
    target = (tol * np.maximum(np.linalg.norm(B, axis=0), 1e-30)) ** 2
    it = 0

    def product(s: slice) -> np.ndarray:
        matvec_rows(P, AP, s)
        return np.einsum("ij,ij->j", P[s], AP[s])

    def update(s: slice) -> np.ndarray:
        X[s] += P[s] * alpha
        R[s] -= AP[s] * alpha
        return np.einsum("ij,ij->j", R[s], R[s])

    def direction(s: slice) -> None:
        P[s] *= beta
        P[s] += R[s]

    for it in range(1, max_iter + 1):
        active = rs > target
        if not active.any():
            return X, it - 1, True
        pAp = np.sum(run(product), axis=0)
        alpha = np.where(active & (pAp > 0), rs / np.where(pAp > 0, pAp, 1.0), 0.0).astype(B.dtype)
        rs_new = np.sum(run(update), axis=0)
        beta = np.where(active, rs_new / np.where(rs > 0, rs, 1.0), 0.0).astype(B.dtype)
        run(direction)
        rs = rs_new
    return X, it, bool((rs <= target).all())


class ParallelMatmul:
    """A CSR matrix split in row blocks whose products run in threads (scipy releases the GIL).

    With ``order`` (a permutation that puts graph neighbours close together in memory, for
    example by search cell), the matrix is stored permuted, which makes the sparse product
    cache-friendly (2x faster on the benchmark's 100k-row graph). Vectors passed to
    :meth:`add_product` are in the permuted order; :meth:`permute` / :meth:`unpermute` convert.
    """

    def __init__(self, S: sp.spmatrix, order: np.ndarray | None = None, n_jobs: int | None = None):
        S = sp.csr_matrix(S)
        if order is not None:
            S = S[order][:, order].tocsr()
        self.order = order
        n_jobs = n_jobs or min(os.cpu_count() or 1, 8)
        n_blocks = n_jobs if S.shape[0] >= PARALLEL_MIN_ROWS else 1
        bounds = np.linspace(0, S.shape[0], n_blocks + 1).astype(int)
        self.slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self.blocks = [S[s] for s in self.slices]
        self._pool = ThreadPoolExecutor(n_blocks) if n_blocks > 1 else None

    def row_map(self, fn):
        """``fn(rows)`` for every row block, in the threads; the results in block order."""
        if self._pool is None:
            return [fn(s) for s in self.slices]
        return list(self._pool.map(fn, self.slices))

    def add_product(self, V: np.ndarray, out: np.ndarray, rows: slice) -> None:
        """``out[rows] += S[rows] @ V`` without temporaries (``V`` C-contiguous)."""
        block = self.blocks[self.slices.index(rows)]
        if _csr_matvecs is None or block.dtype != V.dtype or V.dtype != out.dtype:
            out[rows] += block @ V
            return
        n_rows, n_cols = block.shape
        _csr_matvecs(
            n_rows,
            n_cols,
            V.shape[1],
            block.indptr,
            block.indices,
            block.data,
            V.ravel(),
            out[rows].ravel(),
        )

    def permute(self, V: np.ndarray) -> np.ndarray:
        return V if self.order is None else V[self.order]

    def unpermute(self, V: np.ndarray) -> np.ndarray:
        if self.order is None:
            return V
        out = np.empty_like(V)
        out[self.order] = V
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


def spread_labels(
    S: sp.spmatrix,
    codes: np.ndarray,
    n_classes: int,
    alpha: float = 0.99,
    tol: float = 1e-4,
    max_iter: int = 300,
    order: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Label spreading: solve (I - alpha S) F = Y for all classes by block CG.

    ``S`` is the normalized affinity D^{-1/2} W D^{-1/2}, solved in its own dtype (a
    float32 graph halves the memory traffic). ``order`` optionally gives a locality
    ordering of the nodes. Returns ``(F, iterations)``, F in float64.
    """
    dtype = np.float32 if S.dtype == np.float32 else np.float64
    op = ParallelMatmul(sp.csr_matrix(S) * dtype(-alpha), order)  # stores -alpha S

    def matvec_rows(V: np.ndarray, out: np.ndarray, rows: slice) -> None:  # (I - alpha S) V
        out[rows] = V[rows]
        op.add_product(V, out, rows)

    try:
        Y = np.ascontiguousarray(op.permute(seed_matrix(codes, n_classes).astype(dtype)))
        F, it, ok = _block_cg(matvec_rows, Y, tol, max_iter, row_map=op.row_map)
    finally:
        op.close()
    if not ok:
        logger.warning(
            "label spreading did not converge in %d iterations; raise max_iter", max_iter
        )
    return op.unpermute(F).astype(np.float64), it


def spread_labels_closed_form(
    S: np.ndarray | sp.spmatrix, codes: np.ndarray, n_classes: int, alpha: float = 0.99
) -> np.ndarray:
    """The exact solution F = (I - alpha S)^{-1} Y, with a dense solve (small graphs only)."""
    dense = np.asarray(S.toarray()) if isinstance(S, sp.spmatrix | sp.sparray) else np.asarray(S)
    return np.linalg.solve(np.eye(dense.shape[0]) - alpha * dense, seed_matrix(codes, n_classes))


def propagate_labels(
    W: sp.spmatrix,
    codes: np.ndarray,
    n_classes: int,
    tol: float = 1e-6,
    max_iter: int = 500,
    ridge: float = 1e-6,
) -> tuple[np.ndarray, int]:
    """Hard-clamped label propagation (Zhu & Ghahramani's harmonic solution).

    Labeled rows keep their one-hot label; unlabeled rows solve
    (D_uu - W_uu + ridge·I) F_u = W_ul Y_l by block CG. The small ridge keeps the system
    definite for components without a label (their rows stay at zero).
    """
    W = sp.csr_matrix(W, dtype=np.float64)
    labeled = codes != UNLABELED
    F = np.zeros((len(codes), n_classes))
    F[np.flatnonzero(labeled), codes[labeled]] = 1.0
    u = np.flatnonzero(~labeled)
    if u.size == 0:
        return F, 0
    Wuu = W[u][:, u]
    Wul = W[u][:, np.flatnonzero(labeled)]
    deg = np.asarray(W[u].sum(axis=1)).ravel() + ridge

    def matvec(V: np.ndarray) -> np.ndarray:
        return deg[:, None] * V - Wuu @ V

    Fu, it, ok = block_cg(matvec, Wul @ F[labeled], tol, max_iter)
    if not ok:
        logger.warning(
            "label propagation did not converge in %d iterations; raise max_iter", max_iter
        )
    F[u] = Fu
    return F, it


def to_distribution(F: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Rows of non-negative scores summing to one; a row with no mass gets ``prior`` (never NaN)."""
    F = np.clip(F, 0.0, None)
    total = F.sum(axis=1, keepdims=True)
    return np.where(total > 0, F / np.where(total > 0, total, 1.0), prior)
