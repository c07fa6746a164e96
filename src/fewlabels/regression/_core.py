"""The semi-supervised regression algorithms as pure functions on numpy arrays.

The estimators of :mod:`fewlabels.regression.estimators` validate and encode their input,
then call these: COREG's co-training of two kNN regressors (:func:`coreg`), the choice of
confident pseudo-labels by ensemble spread (:func:`select_confident`), and the propagation
of values on a kNN graph (:func:`propagate_values`, :func:`spread_values`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from ..graph._graph import block_cg

__all__ = [
    "CoregResult",
    "coreg",
    "coreg_deltas",
    "knn_predict",
    "propagate_values",
    "regression_scores",
    "select_confident",
    "spread_values",
    "standardize",
]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- scaling
def standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and scales (1 for a constant column) of ``X``: ``(center, scale)``.

    >>> standardize(np.array([[0.0, 1.0], [2.0, 1.0]]))
    (array([1., 1.]), array([1., 1.]))
    """
    X = np.asarray(X, dtype=float)
    center = X.mean(axis=0) if len(X) else np.zeros(X.shape[1])
    scale = X.std(axis=0) if len(X) else np.ones(X.shape[1])
    return center, np.where(scale > 0, scale, 1.0)


# ---------------------------------------------------------------------------- COREG
def knn_predict(
    X_train: np.ndarray, y_train: np.ndarray, Q: np.ndarray, k: int, p: float
) -> np.ndarray:
    """The mean target of each query row's ``k`` nearest training rows (Minkowski ``p``);
    ``k`` is capped at the number of training rows."""
    k = int(min(k, len(X_train)))
    nn = NearestNeighbors(n_neighbors=k, p=p).fit(X_train)
    _, idx = nn.kneighbors(Q)
    return np.asarray(y_train, dtype=float)[idx].mean(axis=1)


def coreg_deltas(
    X_train: np.ndarray, y_train: np.ndarray, pool: np.ndarray, k: int, p: float
) -> tuple[np.ndarray, np.ndarray]:
    """COREG's confidence of each pool row: how much adding it, with its own prediction,
    lowers the squared error of its labeled neighbours (Zhou & Li 2005).

    For a pool row u with prediction ŷ_u (the mean of its k nearest training rows Ω_u),
    δ_u = mean over i in Ω_u of (y_i - h(x_i))² - (y_i - h'(x_i))², where h is the kNN
    regressor on the training rows and h' the same with (u, ŷ_u) added. Adding u changes
    h at x_i only when u comes closer to x_i than x_i's k-th neighbour; h' then replaces
    that neighbour by u, so no regressor is refitted.

    Returns ``(delta, y_hat)``, each of shape ``(len(pool),)``.

    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> d, y_hat = coreg_deltas(X, np.array([0.0, 1.0, 2.0, 10.0]), np.array([[1.5]]), 2, 2)
    >>> y_hat.round(2).tolist()
    [1.5]
    """
    return _deltas(_distances(X_train, X_train, p), _distances(pool, X_train, p), y_train, k)


def _distances(Q: np.ndarray, X: np.ndarray, p: float) -> np.ndarray:
    from scipy.spatial.distance import cdist

    if p == 2:
        return cdist(Q, X, "euclidean")
    return cdist(Q, X, "minkowski", p=p)


def _nearest(D: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of each row's ``k`` smallest entries of ``D``, nearest first."""
    if k < D.shape[1]:
        idx = np.argpartition(D, k - 1, axis=1)[:, :k]
    else:
        idx = np.tile(np.arange(D.shape[1]), (len(D), 1))
    d = np.take_along_axis(D, idx, axis=1)
    order = np.argsort(d, axis=1, kind="stable")
    return np.take_along_axis(d, order, axis=1), np.take_along_axis(idx, order, axis=1)


def _deltas(
    D_train: np.ndarray, D_pool: np.ndarray, y_train: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`coreg_deltas` from the training rows' distances to each other and the pool
    rows' distances to the training rows."""
    y_train = np.asarray(y_train, dtype=float)
    k = int(min(k, len(y_train)))
    # each training row's own neighbourhood (itself first) and its current prediction
    dist_i, idx_i = _nearest(D_train, k)
    h = y_train[idx_i].mean(axis=1)
    kth = dist_i[:, -1]
    keep_sum = y_train[idx_i[:, :-1]].sum(axis=1)  # the k-1 neighbours that stay
    dist_u, idx_u = _nearest(D_pool, k)
    y_hat = y_train[idx_u].mean(axis=1)
    # h'(x_i) for every neighbour i of every pool row u
    replaced = dist_u < kth[idx_u]
    h_new = np.where(replaced, (keep_sum[idx_u] + y_hat[:, None]) / k, h[idx_u])
    y_i = y_train[idx_u]
    delta = ((y_i - h[idx_u]) ** 2 - (y_i - h_new) ** 2).mean(axis=1)
    return delta, y_hat


@dataclass
class CoregResult:
    """The two regressors' training sets after co-training, and what happened."""

    X1: np.ndarray
    y1: np.ndarray
    X2: np.ndarray
    y2: np.ndarray
    #: the unlabeled rows (indices into ``X_unlabeled``) each regressor labeled for the other
    added1: list[int]
    added2: list[int]
    n_iter: int


def coreg(
    X_labeled: np.ndarray,
    y_labeled: np.ndarray,
    X_unlabeled: np.ndarray,
    *,
    k: tuple[int, int] = (3, 3),
    p: tuple[float, float] = (2.0, 5.0),
    max_iter: int = 100,
    pool_size: int = 100,
    random_state: np.random.RandomState | None = None,
) -> CoregResult:
    """COREG: co-training of two kNN regressors (Zhou & Li, IJCAI 2005).

    Both regressors start from the labeled rows; they differ by their distance (Minkowski
    ``p``) or neighbour count ``k``. Each round, each regressor scores a random pool of
    ``pool_size`` unlabeled rows by :func:`coreg_deltas` and, when the best score is
    positive, labels that row with its prediction for the *other* regressor. The round's
    rows leave the pool, which is refilled. It stops when neither finds a row that
    lowers its labeled neighbours' error, or after ``max_iter`` rounds.

    Parameters
    ----------
    X_labeled : ndarray of shape (n_labeled, d)
        Standardized features (the caller scales them).
    y_labeled : ndarray of shape (n_labeled,)
    X_unlabeled : ndarray of shape (n_unlabeled, d)
    k, p : pairs
        Neighbours and Minkowski power of the two regressors (the paper: k = 3, p = 2
        and 5).
    max_iter : int
    pool_size : int
    random_state : RandomState, optional

    Returns
    -------
    CoregResult
        ``n_iter`` counts the rounds run, the last one included (so at least 1).
    """
    rng = random_state if random_state is not None else np.random.RandomState(0)
    X_lab, y_lab = np.asarray(X_labeled, float), np.asarray(y_labeled, float)
    X_unlabeled = np.asarray(X_unlabeled, float)
    # per regressor: its training rows (labeled, then rows the other one added), their
    # values, their distances to each other and every unlabeled row's distance to them;
    # each round appends one row and one column instead of recomputing
    n0, cap = len(X_lab), len(X_lab) + max_iter
    views: list[dict[str, Any]] = []
    for j in range(2):
        D = np.zeros((cap, cap))
        D[:n0, :n0] = _distances(X_lab, X_lab, p[j])
        U = np.zeros((len(X_unlabeled), cap))
        U[:, :n0] = _distances(X_unlabeled, X_lab, p[j])
        views.append({"rows": [], "y": list(y_lab), "D": D, "U": U, "n": n0})
    left = list(rng.permutation(len(X_unlabeled)))  # rows not yet in the pool, shuffled
    pool = [left.pop() for _ in range(min(pool_size, len(left)))]
    added1: list[int] = []
    added2: list[int] = []
    it = 0
    for _ in range(max_iter):
        it += 1
        if not pool:
            break
        picks = []
        for j, v in enumerate(views):
            n = v["n"]
            delta, y_hat = _deltas(v["D"][:n, :n], v["U"][pool, :n], np.asarray(v["y"]), k[j])
            best = int(np.argmax(delta))
            picks.append((pool[best], float(y_hat[best])) if delta[best] > 0 else None)
        if picks[0] is None and picks[1] is None:
            break
        for j, pick in enumerate(picks):  # regressor j teaches the other one
            if pick is None:
                continue
            u, value = pick
            other = views[1 - j]
            n = other["n"]
            d_new = other["U"][u, :n]  # the new row's distances to the other's training rows
            other["D"][n, :n] = other["D"][:n, n] = d_new
            other["U"][:, n] = _distances(X_unlabeled, X_unlabeled[u : u + 1], p[1 - j])[:, 0]
            other["n"] = n + 1
            other["rows"].append(u)
            other["y"].append(value)
            (added1 if j == 0 else added2).append(u)
        for pick in picks:
            if pick is not None and pick[0] in pool:
                pool.remove(pick[0])
        while len(pool) < pool_size and left:
            pool.append(left.pop())
    X1 = np.vstack([X_lab, X_unlabeled[views[0]["rows"]]])
    X2 = np.vstack([X_lab, X_unlabeled[views[1]["rows"]]])
    y1, y2 = np.asarray(views[0]["y"]), np.asarray(views[1]["y"])
    return CoregResult(X1, y1, X2, y2, added1, added2, max(it, 1))


# ---------------------------------------------------------------------------- self-training
def select_confident(
    spread: np.ndarray, scale: float, threshold: float | None, fraction: float, n_max: int
) -> np.ndarray:
    """The candidates to pseudo-label this round: lowest ensemble spread first.

    A candidate qualifies when its spread (standard deviation across the ensemble) is at
    most ``threshold * scale`` (``scale``: the labeled targets' standard deviation;
    ``threshold=None``: every candidate qualifies). Of those, at most ``fraction`` of the
    candidates (at least one) and at most ``n_max`` are taken, the most confident first.

    Returns positions into ``spread``.

    >>> select_confident(np.array([0.3, 0.1, 0.2, 5.0]), 1.0, 0.5, 0.5, 10).tolist()
    [1, 2]
    """
    spread = np.asarray(spread, dtype=float)
    if spread.size == 0 or n_max <= 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(spread, kind="stable")
    if threshold is not None:
        order = order[spread[order] <= threshold * scale]
    take = int(min(max(1, np.floor(fraction * spread.size)), n_max))
    return order[:take].astype(np.int64)


# ---------------------------------------------------------------------------- graphs
def _ratio(F: np.ndarray, mean: float) -> np.ndarray:
    """Column 0 (the centred values) over column 1 (the labeled mass) reaching each row,
    plus ``mean``; rows no label reaches get ``mean``."""
    mass = F[:, 1]
    reached = mass > 1e-12
    out = np.full(len(F), mean)
    out[reached] += F[reached, 0] / mass[reached]
    return out


def propagate_values(
    W: sp.spmatrix,
    values: np.ndarray,
    labeled: np.ndarray,
    tol: float = 1e-6,
    max_iter: int = 500,
) -> tuple[np.ndarray, int]:
    """The harmonic solution (Zhu, Ghahramani & Lafferty 2003) for a numeric target.

    Labeled rows keep their value; each unlabeled row's value is the affinity-weighted
    mean of its neighbours'. It solves (D_uu - W_uu) [F_v, F_1] = W_ul [y_l - m, 1] by
    block conjugate gradients (a tiny ridge keeps rows cut off from every label
    solvable) and returns m + F_v / F_1: the propagated weighted average of labeled
    values, exactly the harmonic function where a label reaches, and the labeled mean m
    where none does. Returns ``(f, iterations)``.

    >>> W = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    >>> f, _ = propagate_values(W, np.array([0.0, np.nan, 2.0]), np.array([True, False, True]))
    >>> f.round(6).tolist()
    [0.0, 1.0, 2.0]
    """
    W = sp.csr_matrix(W, dtype=np.float64)
    labeled = np.asarray(labeled, dtype=bool)
    values = np.asarray(values, dtype=float)
    mean = float(values[labeled].mean())
    f = np.where(labeled, values, mean)
    u, lab = np.flatnonzero(~labeled), np.flatnonzero(labeled)
    if u.size == 0:
        return f, 0
    Wu = W[u]
    Wuu, Wul = Wu[:, u], Wu[:, lab]
    deg = np.asarray(Wu.sum(axis=1)).ravel() + 1e-9

    def matvec(V: np.ndarray) -> np.ndarray:
        return deg[:, None] * V - Wuu @ V

    B = Wul @ np.column_stack([values[lab] - mean, np.ones(lab.size)])
    F, it, ok = block_cg(matvec, B, tol, max_iter)
    if not ok:
        logger.warning("value propagation did not converge in %d iterations", max_iter)
    f[u] = _ratio(F, mean)
    return f, it


def spread_values(
    S: sp.spmatrix,
    values: np.ndarray,
    labeled: np.ndarray,
    alpha: float = 0.99,
    tol: float = 1e-6,
    max_iter: int = 500,
) -> tuple[np.ndarray, int]:
    """Label spreading (Zhou et al. 2004) of a numeric target, labeled rows included.

    Solves (I - alpha S) [F_v, F_1] = [y - m, 1] on the labeled rows (0 elsewhere) with
    ``S`` the normalized affinity D^(-1/2) W D^(-1/2), and returns m + F_v / F_1: each
    row's spread-weighted average of labeled values (labeled rows are smoothed too, by
    ``alpha``). Returns ``(f, iterations)``.
    """
    S = sp.csr_matrix(S, dtype=np.float64)
    labeled = np.asarray(labeled, dtype=bool)
    values = np.asarray(values, dtype=float)
    mean = float(values[labeled].mean())
    n = S.shape[0]
    B = np.zeros((n, 2))
    B[labeled, 0] = values[labeled] - mean
    B[labeled, 1] = 1.0

    def matvec(V: np.ndarray) -> np.ndarray:
        return V - alpha * (S @ V)

    F, it, ok = block_cg(matvec, B, tol, max_iter)
    if not ok:
        logger.warning("value spreading did not converge in %d iterations", max_iter)
    return _ratio(F, mean), it


# ---------------------------------------------------------------------------- scores
def regression_scores(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float, float]:
    """RMSE, MAE and R² (NaN when the true values are constant).

    >>> regression_scores(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    (0.5773502691896257, 0.3333333333333333, 0.5)
    """
    y_true = np.asarray(y_true, dtype=float)
    err = np.asarray(y_pred, dtype=float) - y_true
    rmse = float(np.sqrt(np.mean(err**2)))
    mae = float(np.mean(np.abs(err)))
    sst = float(np.sum((y_true - y_true.mean()) ** 2))
    r2 = 1.0 - float(np.sum(err**2)) / sst if sst > 0 else float("nan")
    return rmse, mae, r2
