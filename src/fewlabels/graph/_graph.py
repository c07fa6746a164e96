"""Sparse kNN graphs and label spreading, as pure functions on arrays."""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import cg
from sklearn.neighbors import NearestNeighbors

from ..data.labels import UNLABELED

__all__ = ["knn_graph", "normalize_graph", "spread_labels", "spread_labels_closed_form"]

logger = logging.getLogger(__name__)


def local_scales(distances: np.ndarray, scale_index: int) -> np.ndarray:
    """Local scales for self-tuning Gaussian weights exp(-d_ij^2 / (s_i s_j)).

    ``s_i`` is row i's distance to its ``scale_index``-th neighbour (Zelnik-Manor & Perona),
    so no kernel width has to be tuned.
    """
    k = distances.shape[1]
    scales = distances[:, min(scale_index, k - 1)].copy()
    positive = scales[scales > 0]
    scales[scales <= 0] = positive.min() if positive.size else 1.0
    return scales


def knn_graph(
    X: np.ndarray, n_neighbors: int, scale_index: int = 7
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Symmetric sparse affinity matrix of the kNN graph of ``X`` (exact neighbours).

    Returns ``(W, scales)``: ``W`` is an ``n x n`` CSR matrix with zero diagonal, weights
    ``exp(-d^2 / (s_i s_j))`` on the union of the kNN edges; ``scales`` are the local scales.
    """
    n = X.shape[0]
    k = min(n_neighbors, n - 1)
    nn = NearestNeighbors(n_neighbors=k + 1).fit(X)
    dist, idx = nn.kneighbors(X)
    dist, idx = dist[:, 1:], idx[:, 1:]
    scales = local_scales(dist, scale_index)
    w = np.exp(-(dist**2) / (scales[:, None] * scales[idx]))
    rows = np.repeat(np.arange(n), k)
    W = sp.csr_matrix((w.ravel(), (rows, idx.ravel())), shape=(n, n))
    W = W.maximum(W.T).tocsr()
    W.setdiag(0.0)
    W.eliminate_zeros()
    return W, scales


def normalize_graph(W: sp.spmatrix) -> sp.csr_matrix:
    """D^{-1/2} W D^{-1/2}, with isolated nodes left at zero."""
    d = np.asarray(W.sum(axis=1)).ravel()
    inv = np.zeros_like(d)
    inv[d > 0] = 1.0 / np.sqrt(d[d > 0])
    D = sp.diags(inv)
    return (D @ W @ D).tocsr()


def _seed_matrix(codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Y with Y[i, c] = 1/|labeled rows of c| on labeled rows: classes weigh equally."""
    Y = np.zeros((len(codes), n_classes))
    labeled = np.flatnonzero(codes != UNLABELED)
    Y[labeled, codes[labeled]] = 1.0
    counts = Y.sum(axis=0)
    return Y / np.where(counts > 0, counts, 1.0)


def spread_labels(
    S: sp.spmatrix,
    codes: np.ndarray,
    n_classes: int,
    alpha: float = 0.99,
    tol: float = 1e-6,
    max_iter: int = 200,
) -> tuple[np.ndarray, int]:
    """Solve (I - alpha S) F = Y by conjugate gradients, one system per class.

    Returns ``(F, n_iter)`` where ``n_iter`` is the most CG iterations any class took.
    """
    n = S.shape[0]
    A = (sp.identity(n, format="csr") - alpha * S).tocsr()
    Y = _seed_matrix(codes, n_classes)
    F = np.zeros_like(Y)
    worst = 0
    for c in range(n_classes):
        iters = 0

        def count(_: np.ndarray) -> None:
            nonlocal iters
            iters += 1

        F[:, c], info = cg(A, Y[:, c], rtol=tol, maxiter=max_iter, callback=count)
        if info > 0:
            logger.warning(
                "label spreading for class %d did not converge in %d iterations", c, max_iter
            )
        worst = max(worst, iters)
    return F, worst


def spread_labels_closed_form(
    S: np.ndarray | sp.spmatrix, codes: np.ndarray, n_classes: int, alpha: float = 0.99
) -> np.ndarray:
    """The exact solution F = (I - alpha S)^{-1} Y, with a dense solve (small graphs only)."""
    S = S.toarray() if sp.issparse(S) else np.asarray(S)
    A = np.eye(S.shape[0]) - alpha * S
    return np.linalg.solve(A, _seed_matrix(codes, n_classes))
