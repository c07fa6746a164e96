"""The core math of active learning, as pure functions on numpy arrays.

Every function here takes arrays and returns arrays; nothing fits a model or reads a
table. The query strategies of :mod:`fewlabels.active.strategies` call them on the
probabilities of a fitted model (uncertainty, committee disagreement) or on a numeric
view of the rows (k-centre, typicality, ball coverage). A utility is "higher = more
worth labeling" throughout.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

__all__ = [
    "UNCERTAINTIES",
    "ball_coverage_greedy",
    "entropy",
    "kcenter_greedy",
    "kl_disagreement",
    "least_confident",
    "margin",
    "top_k",
    "typicality",
    "vote_entropy",
]


def _check_proba(P: Any) -> np.ndarray:
    P = np.asarray(P, dtype=float)
    if P.ndim != 2 or P.shape[1] < 2:
        raise ValueError(
            f"probabilities must be an (n_rows, n_classes) matrix with 2+ classes; got {P.shape}"
        )
    return P


def least_confident(P: Any) -> np.ndarray:
    """``1 - max_j P[i, j]``, scaled to [0, 1] by ``k / (k - 1)`` (1: uniform).

    Examples
    --------
    >>> least_confident([[0.9, 0.1], [0.5, 0.5]]).round(3).tolist()
    [0.2, 1.0]
    """
    P = _check_proba(P)
    k = P.shape[1]
    return (1.0 - P.max(axis=1)) * k / (k - 1)


def margin(P: Any) -> np.ndarray:
    """``1 - (p_first - p_second)``: 1 when the two most probable classes tie.

    Examples
    --------
    >>> margin([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]]).round(3).tolist()
    [0.5, 0.95]
    """
    P = _check_proba(P)
    two = -np.partition(-P, 1, axis=1)[:, :2]
    return 1.0 - (two[:, 0] - two[:, 1])


def entropy(P: Any) -> np.ndarray:
    """Shannon entropy of each row, divided by ``log k`` (1: uniform).

    Examples
    --------
    >>> entropy([[1.0, 0.0], [0.5, 0.5]]).round(3).tolist()
    [0.0, 1.0]
    """
    P = _check_proba(P)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(P > 0, P * np.log(P), 0.0).sum(axis=1)
    return np.maximum(h / np.log(P.shape[1]), 0.0) + 0.0  # no -0.0


#: Uncertainty measures by name (what ``UncertaintySampling(method=...)`` accepts).
UNCERTAINTIES = {"least_confident": least_confident, "margin": margin, "entropy": entropy}


def vote_entropy(member_proba: Any) -> np.ndarray:
    """Entropy of the committee's hard votes, divided by ``log k`` (Dagan & Engelson, 1995).

    Parameters
    ----------
    member_proba : array of shape (n_members, n_rows, n_classes)

    Examples
    --------
    >>> votes = [[[0.9, 0.1], [0.9, 0.1]], [[0.8, 0.2], [0.1, 0.9]]]  # 2 members, 2 rows
    >>> vote_entropy(votes).round(3).tolist()
    [0.0, 1.0]
    """
    M = np.asarray(member_proba, dtype=float)
    if M.ndim != 3:
        raise ValueError(
            f"member probabilities must be 3-D (members, rows, classes); got {M.shape}"
        )
    k = M.shape[2]
    votes = M.argmax(axis=2)  # (members, rows)
    share = np.stack([(votes == j).mean(axis=0) for j in range(k)], axis=1)
    return entropy(share)


def kl_disagreement(member_proba: Any) -> np.ndarray:
    """Mean KL divergence of each member from the committee's mean ("KL to the mean",
    McCallum & Nigam, 1998): 0 when every member agrees.

    Examples
    --------
    >>> kl_disagreement([[[0.5, 0.5]], [[0.5, 0.5]]]).tolist()
    [0.0]
    """
    M = np.clip(np.asarray(member_proba, dtype=float), 1e-12, 1.0)
    mean = M.mean(axis=0, keepdims=True)
    return (M * (np.log(M) - np.log(mean))).sum(axis=2).mean(axis=0)


def top_k(utilities: Any, k: int, random_state: np.random.RandomState | None = None) -> np.ndarray:
    """Positions of the ``k`` largest utilities, largest first; ties broken at random
    (``random_state``) or, without one, by position.

    Examples
    --------
    >>> top_k([0.1, 0.9, 0.5, 0.9], 2).tolist()
    [1, 3]
    """
    u = np.asarray(utilities, dtype=float)
    k = min(int(k), len(u))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    tie = (
        random_state.random_sample(len(u))
        if random_state is not None
        else np.arange(len(u)) / len(u)
    )
    if k < len(u):
        part = np.argpartition(-u, k - 1)[:k]
        # rows tied with the k-th value may sit outside the partition: include them all
        cut = u[part].min()
        part = np.flatnonzero(u >= cut)
    else:
        part = np.arange(len(u))
    order = np.lexsort((tie[part], -u[part]))
    return part[order][:k].astype(np.int64)


def _sq_dist_to(points: np.ndarray, centre: np.ndarray, sq_norms: np.ndarray) -> np.ndarray:
    return np.maximum(sq_norms - 2.0 * points @ centre + centre @ centre, 0.0)


def kcenter_greedy(points: Any, n: int, centres: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Greedy k-centre (Gonzalez, 1985; the CoreSet of Sener & Savarese, 2018).

    Repeatedly picks the point farthest from its nearest centre, and makes it a centre.
    The result covers the points within twice the optimal radius.

    Parameters
    ----------
    points : array of shape (n_points, n_features)
        The candidates.
    n : int
        How many to pick.
    centres : array of shape (n_centres, n_features), optional
        Existing centres (the labeled rows). Without any, the first pick is the point
        nearest the points' mean, so the result is deterministic.

    Returns
    -------
    picked : ndarray of int, shape (n,)
        Positions in ``points``, in the order picked.
    radius : ndarray of float, shape (n,)
        Each pick's distance to its nearest centre when it was picked (what made it the
        farthest); ``inf`` for a first pick made without centres.

    Examples
    --------
    >>> pts = [[0, 0], [1, 0], [10, 0], [10, 1], [5, 5]]
    >>> picked, radius = kcenter_greedy(pts, 2, centres=[[0, 0]])
    >>> picked.tolist(), radius.round(2).tolist()
    ([3, 4], [10.05, 6.4])
    """
    X = np.asarray(points, dtype=float)
    n = min(int(n), len(X))
    sq = np.einsum("ij,ij->i", X, X)
    nearest = np.full(len(X), np.inf)
    picked = np.zeros(n, dtype=np.int64)
    radius = np.zeros(n)
    start = 0
    if centres is not None and len(np.atleast_2d(centres)) and np.size(centres):
        C = np.atleast_2d(np.asarray(centres, dtype=float))
        for c in C:  # a few labeled rows; one pass each keeps memory at O(n_points)
            np.minimum(nearest, _sq_dist_to(X, c, sq), out=nearest)
    elif n:
        first = int(np.argmin(_sq_dist_to(X, X.mean(axis=0), sq)))
        picked[0], radius[0] = first, np.inf
        np.minimum(nearest, _sq_dist_to(X, X[first], sq), out=nearest)
        nearest[first] = -np.inf  # never picked twice, even among duplicate rows
        start = 1
    for t in range(start, n):
        i = int(np.argmax(nearest))
        picked[t], radius[t] = i, np.sqrt(max(nearest[i], 0.0))
        np.minimum(nearest, _sq_dist_to(X, X[i], sq), out=nearest)
        nearest[i] = -np.inf
    return picked, radius


def typicality(points: Any, k: int = 20) -> np.ndarray:
    """TypiClust's typicality: the inverse of the mean distance to the ``k`` nearest other
    points (Hacohen, Dekel and Weinshall, 2022). Dense spots score high.

    Examples
    --------
    >>> typicality([[0.0], [1.0], [2.0], [9.0]], k=1).round(3).tolist()
    [1.0, 1.0, 1.0, 0.143]
    """
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(points, dtype=float)
    if len(X) < 2:
        return np.ones(len(X))
    k = min(int(k), len(X) - 1)
    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    return 1.0 / (dist[:, 1:].mean(axis=1) + 1e-12)


def ball_coverage_greedy(
    adjacency: Any, n: int, covered: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """ProbCover's greedy maximum coverage (Yehuda et al., 2022).

    ``adjacency[i, j]`` is true when point ``j`` lies in the ball of point ``i``. Each step
    picks the point whose ball covers most still-uncovered points, then marks them covered.

    Parameters
    ----------
    adjacency : sparse or dense boolean matrix of shape (n_points, n_points)
    n : int
    covered : boolean array of shape (n_points,), optional
        Points already covered (by the labeled rows' balls).

    Returns
    -------
    picked : ndarray of int, shape (n,)
    gain : ndarray of int, shape (n,)
        The points newly covered by each pick (0 once everything is covered; later picks
        then go to the lowest uncovered position, then in order).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 1]], bool)
    >>> picked, gain = ball_coverage_greedy(A, 2)
    >>> picked.tolist(), gain.tolist()
    ([1, 3], [3, 1])
    """
    A = sparse.csr_matrix(adjacency, dtype=bool).astype(np.int32)
    m = A.shape[0]
    n = min(int(n), m)
    cov = np.zeros(m, dtype=bool) if covered is None else np.asarray(covered, dtype=bool).copy()
    picked = np.zeros(n, dtype=np.int64)
    gain = np.zeros(n, dtype=np.int64)
    chosen = np.zeros(m, dtype=bool)
    for t in range(n):
        counts = np.asarray(A @ (~cov).astype(np.int32)).ravel()
        counts[chosen] = -1
        i = int(np.argmax(counts))
        picked[t], gain[t] = i, max(counts[i], 0)
        chosen[i] = True
        cov[A[i].indices] = True
    return picked, gain
