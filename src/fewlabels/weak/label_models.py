"""Label models without torch: turn a label matrix into soft labels.

Four models, each a pure function ``fit_*(L, n_classes, ...) -> LabelModel`` on the label
matrix ``L`` (rows x LFs, class codes, -1 = abstain):

- :func:`fit_majority_vote`: the share of votes per class.
- :func:`fit_weighted_majority_vote`: votes weighted by each LF's log-odds of being right,
  its accuracy measured on the labeled rows (smoothed), or against the majority vote.
- :func:`fit_dawid_skene`: Dawid & Skene's EM (1979), one confusion matrix per LF.
- :func:`fit_matrix_completion`: snorkel's label model (Ratner et al., 2019): the LFs'
  class-conditional vote probabilities and the class balance are fitted to the observed
  overlaps ``O = A^T A / n`` by L-BFGS-B (scipy) instead of torch SGD.

Every model estimates the class balance and gives soft labels through
:meth:`LabelModel.predict_proba`; the three probabilistic ones are naive-Bayes models over
the LFs' votes (abstains carry no evidence), so a row no LF votes on gets the class balance.
Their statistics are sums over rows: the matrix-completion model needs only
:func:`overlap_statistics` (sum it over Dask partitions and call
:func:`fit_matrix_completion_from_statistics`), and each EM step of Dawid–Skene is one
pass of sums ``A^T T``. Rows are handled through the sparse one-hot matrix ``A``
(n_rows x n_lfs * n_classes), so a fit on 1,000,000 rows x 20 LFs takes seconds.

Examples
--------
>>> import numpy as np
>>> L = np.array([[0, 0, -1], [1, 1, 1], [0, -1, 0], [-1, -1, -1]])
>>> fit_majority_vote(L, 2).predict(L).tolist()
[0, 1, 0, -1]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .analysis import check_label_matrix
from .lfs import ABSTAIN

__all__ = [
    "LABEL_MODELS",
    "LabelModel",
    "fit_dawid_skene",
    "fit_label_model",
    "fit_majority_vote",
    "fit_matrix_completion",
    "fit_matrix_completion_from_statistics",
    "fit_weighted_majority_vote",
    "one_hot_votes",
    "overlap_statistics",
]

logger = logging.getLogger(__name__)

_EPS = 1e-12


@dataclass
class LabelModel:
    """A fitted label model.

    Attributes
    ----------
    name : str
    class_balance : ndarray of shape (n_classes,)
        The estimated P(y = k).
    cond : ndarray of shape (n_lfs, n_classes, n_classes) or None
        ``cond[j, k, l]``: the probability that LF j votes l on a row of class k (given
        that it votes, for Dawid–Skene and weighted majority vote; including the abstain
        mass for matrix completion). None for majority vote.
    lf_accuracies : ndarray of shape (n_lfs,)
        The accuracy each LF has according to the model: P(vote = y | it votes).
    n_iter : int
        Iterations of the solver (0 for closed forms).
    abstain : ndarray of shape (n_lfs, n_classes) or None
        ``abstain[j, k]``: the probability that LF j abstains on a row of class k, for the
        models in which an abstain is evidence too (Dawid–Skene, matrix completion: an LF
        that only ever votes "spam" says "probably not spam" by abstaining). None: abstains
        carry no evidence.
    info : dict
        Solver details.
    """

    name: str
    class_balance: np.ndarray
    cond: np.ndarray | None
    lf_accuracies: np.ndarray
    n_iter: int = 0
    abstain: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        return len(self.class_balance)

    def predict_proba(self, L: Any) -> np.ndarray:
        """Soft labels, shape (n_rows, n_classes); rows without votes get the class balance."""
        L = check_label_matrix(L, self.n_classes)
        K = self.n_classes
        if self.cond is None:  # majority vote: shares of the votes, ties split evenly
            counts, total = _vote_shares(L, K)
            out = counts / np.maximum(total, 1)[:, None]
            out[total == 0] = self.class_balance
            return out
        A = one_hot_votes(L, K)
        S = np.asarray(A @ _vote_weights(self.cond, self.abstain))
        S += np.log(np.maximum(self.class_balance, _EPS))[None, :]
        if self.abstain is not None:
            S += np.log(np.clip(self.abstain, 1e-4, 1.0)).sum(axis=0)[None, :]
        S -= S.max(axis=1, keepdims=True)
        P = np.exp(S)
        return P / P.sum(axis=1, keepdims=True)

    def predict(self, L: Any, tie_break: str = "balance") -> np.ndarray:
        """Most probable class per row; -1 (abstain) where no LF votes. Ties go to the
        class the class balance makes more likely."""
        L = check_label_matrix(L, self.n_classes)
        P = self.predict_proba(L) + 1e-9 * self.class_balance[None, :]
        out = np.argmax(P, axis=1)
        out[~(L != ABSTAIN).any(axis=1)] = ABSTAIN
        return out


def _vote_weights(cond: np.ndarray, abstain: np.ndarray | None) -> np.ndarray:
    """``W[j*K + l, k]``: what LF j voting l adds to the log-score of class k (minus what
    its abstaining would have added, when abstains are evidence)."""
    m, K, _ = cond.shape
    W = np.log(np.clip(cond, 1e-4, 1.0))
    if abstain is not None:
        W = W - np.log(np.clip(abstain, 1e-4, 1.0))[:, :, None]
    return W.transpose(0, 2, 1).reshape(m * K, K)


def one_hot_votes(L: Any, n_classes: int, dtype: Any = np.float64) -> sp.csc_matrix:
    """The sparse one-hot vote matrix ``A`` of shape (n_rows, n_lfs * n_classes):
    ``A[i, j * n_classes + l] = 1`` when LF j votes l on row i. Built column by column
    (CSC), so ``A.T`` is a CSR matrix without a copy.

    >>> one_hot_votes([[1, -1], [0, 1]], 2).toarray().tolist()
    [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0]]
    """
    L = np.asarray(L)
    n, m = L.shape
    parts = []
    indptr = np.zeros(m * n_classes + 1, dtype=np.int64)
    for j in range(m):
        col = L[:, j]
        for lab in range(n_classes):
            rows = np.flatnonzero(col == lab).astype(np.int32)
            parts.append(rows)
            indptr[j * n_classes + lab + 1] = len(rows)
    np.cumsum(indptr, out=indptr)
    indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    data = np.ones(len(indices), dtype=dtype)
    return sp.csc_matrix((data, indices, indptr), shape=(n, m * n_classes))


def _vote_shares(L: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """``(counts, total)``: votes per class and row, and votes per row."""
    counts = np.empty((L.shape[0], n_classes))
    for k in range(n_classes):
        counts[:, k] = np.count_nonzero(L == k, axis=1)
    return counts, counts.sum(axis=1)


def _class_balance_from(y: Any, n_classes: int, weights: Any = None) -> np.ndarray | None:
    if y is None:
        return None
    y = np.asarray(y)
    w = _row_weights(weights, len(y))
    lab = y >= 0
    if not lab.any():
        return None
    counts = np.bincount(y[lab], weights=w[lab], minlength=n_classes).astype(float) + 1.0
    return counts / counts.sum()


def _accuracies(cond: np.ndarray, balance: np.ndarray) -> np.ndarray:
    """P(vote = y | vote) per LF from ``cond`` and the class balance."""
    joint = cond * balance[None, :, None]  # (m, k, l)
    right = np.einsum("jkk->j", joint)
    return right / np.maximum(joint.sum(axis=(1, 2)), _EPS)


def fit_majority_vote(
    L: Any, n_classes: int, class_balance: Any = None, weights: Any = None
) -> LabelModel:
    """Majority vote: each row's soft label is the share of its votes per class.

    The class balance is the mean soft label over the covered rows (or ``class_balance``);
    each LF's accuracy is its agreement with the majority vote where it votes. ``weights``
    counts each row that many times (the distinct rows of :func:`vote_patterns`).

    Examples
    --------
    >>> lm = fit_majority_vote([[0, 0, 1], [1, 1, -1]], 2)
    >>> lm.predict_proba([[0, 0, 1]]).round(3).tolist()
    [[0.667, 0.333]]
    """
    L = check_label_matrix(L, n_classes)
    w = _row_weights(weights, L.shape[0])
    counts, total = _vote_shares(L, n_classes)
    covered = total > 0
    if class_balance is not None:
        balance = np.asarray(class_balance, dtype=float)
    elif covered.any():
        shares = counts[covered] / total[covered, None]
        balance = np.average(shares, axis=0, weights=w[covered]) + 1e-3
    else:
        balance = np.ones(n_classes)
    balance = balance / balance.sum()
    hard = np.argmax(counts + 1e-9 * balance[None, :], axis=1)
    acc = np.full(L.shape[1], np.nan)
    for j in range(L.shape[1]):
        on = L[:, j] != ABSTAIN
        if on.any():
            acc[j] = float(w[on & (L[:, j] == hard)].sum() / w[on].sum())
    return LabelModel("majority", balance, None, acc)


def _row_weights(weights: Any, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,) or (w < 0).any() or (n and not w.sum() > 0):
        raise ValueError(
            f"weights must be {n} non-negative numbers, one per row of L, with a positive sum"
        )
    return w


def _one_coin(acc: np.ndarray, n_classes: int) -> np.ndarray:
    m = len(acc)
    off = (1 - acc) / max(n_classes - 1, 1)
    cond = np.repeat(off[:, None, None], n_classes, axis=1).repeat(n_classes, axis=2)
    idx = np.arange(n_classes)
    cond[:, idx, idx] = acc[:, None]
    return cond.reshape(m, n_classes, n_classes)


def fit_weighted_majority_vote(
    L: Any,
    n_classes: int,
    y: Any = None,
    class_balance: Any = None,
    prior_accuracy: float = 0.7,
    prior_strength: float = 2.0,
    weights: Any = None,
) -> LabelModel:
    """Weighted majority vote: each LF's vote counts ``log(acc (K - 1) / (1 - acc))``.

    ``acc`` is the LF's accuracy on the labeled rows of ``y`` (codes, -1 unlabeled), shrunk
    toward ``prior_accuracy`` with the weight of ``prior_strength`` rows; without labels,
    its agreement with the majority vote. This is the naive-Bayes model with one accuracy
    per LF ("one coin"); the class balance comes from the labels, else from majority vote.
    ``weights`` counts each row that many times.

    Examples
    --------
    LF 0 is right on 4 of 4 labels: (4 + 0.7 * 2) / (4 + 2) = 0.9; LF 1 on 2 of 4:
    (2 + 1.4) / 6 = 0.57. Where they disagree, LF 0 wins.

    >>> L = [[0, 1], [0, 1], [1, 1], [0, 0]]
    >>> lm = fit_weighted_majority_vote(L, 2, y=[0, 0, 1, 0])
    >>> lm.lf_accuracies.round(2).tolist(), lm.predict([[0, 1]]).tolist()
    ([0.9, 0.57], [0])
    """
    L = check_label_matrix(L, n_classes)
    m = L.shape[1]
    w = _row_weights(weights, L.shape[0])
    mv = fit_majority_vote(L, n_classes, weights=w)
    balance = (
        np.asarray(class_balance, dtype=float)
        if class_balance is not None
        else _class_balance_from(y, n_classes, w)
    )
    if balance is None:
        balance = mv.class_balance
    if y is not None and (np.asarray(y) >= 0).any():
        yv = np.asarray(y)
        lab = yv >= 0
        acc = np.empty(m)
        for j in range(m):
            on = lab & (L[:, j] != ABSTAIN)
            right = w[on & (L[:, j] == yv)].sum()
            acc[j] = (right + prior_strength * prior_accuracy) / (w[on].sum() + prior_strength)
    else:
        acc = np.where(np.isnan(mv.lf_accuracies), prior_accuracy, mv.lf_accuracies)
    acc = np.clip(acc, 0.01, 0.99)
    cond = _one_coin(acc, n_classes)
    return LabelModel("weighted", balance / balance.sum(), cond, acc)


def fit_dawid_skene(
    L: Any,
    n_classes: int,
    max_iter: int = 100,
    tol: float = 1e-4,
    smoothing: float = 0.1,
    class_balance: Any = None,
    weights: Any = None,
) -> LabelModel:
    """Dawid–Skene EM: one confusion matrix per LF, fitted by expectation-maximisation.

    An LF's confusion matrix has a column for abstaining too, so an LF that only ever votes
    one class (most rules do) still informs: P(vote c | y = c) against P(vote c | y != c).
    EM starts from the majority vote's soft labels. The M-step counts, for every LF, the
    posterior mass of each class on the rows it votes each label (``A^T T``, a sum over
    rows; ``smoothing`` is added to every count); the E-step is the naive-Bayes posterior.
    Identical rows are fitted once, weighted by their count. It stops when no
    probability moves more than ``tol``.

    Parameters
    ----------
    L : array of shape (n_rows, n_lfs)
    n_classes : int
    max_iter : int, default=100
    tol : float, default=1e-4
    smoothing : float, default=0.1
    class_balance : array of shape (n_classes,), optional
        Fixed instead of estimated.
    weights : array of shape (n_rows,), optional
        How many times each row counts (the distinct rows of :func:`vote_patterns`); then
        the rows are taken as they are, not compressed again.

    References
    ----------
    Dawid, A. P. and Skene, A. M. (1979). Maximum likelihood estimation of observer
    error-rates using the EM algorithm. Applied Statistics 28(1), 20-28.

    Examples
    --------
    >>> L = [[0, 0, 1], [1, 1, 1], [0, 0, 0], [1, 1, 0]]
    >>> fit_dawid_skene(L, 2).predict(L).tolist()
    [0, 1, 0, 1]
    """
    L = check_label_matrix(L, n_classes)
    K, m = n_classes, L.shape[1]
    fixed = None if class_balance is None else np.asarray(class_balance, dtype=float)
    Lc, w = _compress(L, K) if weights is None else (L, _row_weights(weights, L.shape[0]))
    if len(Lc) == 0 or m == 0:
        p = fixed if fixed is not None else np.full(K, 1.0 / K)
        cond = np.full((m, K, K), 1.0 / (K + 1))
        return LabelModel(
            "dawid-skene",
            p / p.sum(),
            cond,
            _accuracies(cond, p),
            abstain=np.full((m, K), 1.0 / (K + 1)),
        )
    A = one_hot_votes(Lc, K)
    At = A.T.tocsr()
    mv = fit_majority_vote(Lc, K, weights=w)
    T = LabelModel("majority", mv.class_balance, None, mv.lf_accuracies).predict_proba(Lc)
    cond = np.full((m, K, K), 1.0 / (K + 1))
    abstain = np.full((m, K), 1.0 / (K + 1))
    p = np.full(K, 1.0 / K)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        Tw = T * w[:, None]
        mass = Tw.sum(axis=0)  # (K,)
        votes = np.asarray(At @ Tw).reshape(m, K, K).transpose(0, 2, 1)  # (j, k, l)
        absent = mass[None, :] - votes.sum(axis=2)  # (j, k)
        denom = mass[None, :] + smoothing * (K + 1)
        new_cond = (votes + smoothing) / denom[:, :, None]
        new_abstain = (np.maximum(absent, 0.0) + smoothing) / denom
        p = fixed if fixed is not None else mass + smoothing
        p = p / p.sum()
        S = np.asarray(A @ _vote_weights(new_cond, new_abstain))
        # the same clip as _vote_weights takes off per vote, or an LF that never abstains
        # leaves log(abstain / 1e-4) on every row it votes on
        S += (np.log(p) + np.log(np.clip(new_abstain, 1e-4, 1.0)).sum(axis=0))[None, :]
        S -= S.max(axis=1, keepdims=True)
        T = np.exp(S)
        T /= T.sum(axis=1, keepdims=True)
        delta = max(
            float(np.abs(new_cond - cond).max()), float(np.abs(new_abstain - abstain).max())
        )
        cond, abstain = new_cond, new_abstain
        if delta < tol:
            break
    return LabelModel("dawid-skene", p, cond, _accuracies(cond, p), n_iter, abstain)


def _compress(L: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``L`` and how often each occurs (rows kept as they are when a
    row does not fit one int64 key)."""
    n, m = L.shape
    if n == 0 or m * np.log2(K + 1) >= 62:
        return L, np.ones(n)
    base = (K + 1) ** np.arange(m, dtype=np.int64)
    keys = (L.astype(np.int64) + 1) @ base
    uniq, first, counts = np.unique(keys, return_index=True, return_counts=True)
    if len(uniq) > 0.7 * n:
        return L, np.ones(n)
    return L[first], counts.astype(float)


def overlap_statistics(L: Any, n_classes: int) -> tuple[np.ndarray, int]:
    """The sufficient statistics of the matrix-completion model: ``(A^T A, n_rows)``.

    Both are sums over rows, so the statistics of a table split in parts (Dask partitions)
    are the sums of the parts' statistics.

    >>> S, n = overlap_statistics([[0, 1], [0, -1]], 2)
    >>> S.tolist(), n
    ([[2.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0]], 2)
    """
    L = check_label_matrix(L, n_classes)
    A = one_hot_votes(L, n_classes)
    return np.asarray((A.T @ A).toarray(), dtype=float), int(L.shape[0])


def fit_matrix_completion(
    L: Any,
    n_classes: int,
    y: Any = None,
    class_balance: Any = None,
    prec_init: float = 0.7,
    l2: float = 0.0,
    max_iter: int = 500,
    weights: Any = None,
) -> LabelModel:
    """snorkel's label model, solved with scipy: see
    :func:`fit_matrix_completion_from_statistics`; ``y`` (codes, -1 unlabeled) only sets
    the starting class balance. The overlaps pin the class balance down only loosely
    (from a uniform start it stays near uniform, as snorkel's default assumes): give
    ``class_balance``, or labels ``y``, when the classes are unbalanced. ``weights``
    counts each row that many times.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 2000)
    >>> L = np.stack([np.where(rng.random(2000) < a, y, 1 - y) for a in (0.9, 0.8, 0.7)], 1)
    >>> fit_matrix_completion(L, 2).lf_accuracies.round(1).tolist()
    [0.9, 0.8, 0.7]
    """
    L = check_label_matrix(L, n_classes)
    A = one_hot_votes(L, n_classes)
    if weights is None:
        S, n = np.asarray((A.T @ A).toarray(), dtype=float), float(L.shape[0])
    else:
        w = _row_weights(weights, L.shape[0])
        S, n = np.asarray((A.T @ A.multiply(w[:, None])).toarray(), dtype=float), float(w.sum())
    init = (
        np.asarray(class_balance, dtype=float)
        if class_balance is not None
        else _class_balance_from(y, n_classes, weights)
    )
    lm = fit_matrix_completion_from_statistics(
        S,
        n,
        n_classes,
        class_balance_init=init,
        fixed_balance=class_balance is not None,
        prec_init=prec_init,
        l2=l2,
        max_iter=max_iter,
    )
    return lm


def fit_matrix_completion_from_statistics(
    overlaps: np.ndarray,
    n_rows: float,
    n_classes: int,
    class_balance_init: Any = None,
    fixed_balance: bool = False,
    prec_init: float = 0.7,
    l2: float = 0.0,
    max_iter: int = 500,
) -> LabelModel:
    """Fit ``mu[j*K + l, k] = P(LF j votes l | y = k)`` and the class balance ``p`` to the
    overlap matrix ``O = A^T A / n`` (Ratner et al., 2019).

    The loss is snorkel's: the squared error of ``O - mu diag(p) mu^T`` off the blocks
    where an LF meets itself, plus the squared error of each vote's marginal
    ``mu p - diag(O)``, plus a penalty keeping each LF's vote probabilities under 1 per
    class, plus ``l2`` times the distance to the start. The start is snorkel's: each LF
    right with precision ``prec_init``. L-BFGS-B (scipy) minimises it with exact gradients
    over ``mu`` in [0, 1] and the logits of ``p``; then the classes are matched to the LFs'
    votes (Hungarian method), which undoes a label swap.

    References
    ----------
    Ratner, A., Hancock, B., Dunnmon, J., Sala, F., Pandey, S. and Ré, C. (2019). Training
    complex models with multi-task weak supervision. AAAI.
    """
    from scipy.optimize import linear_sum_assignment, minimize

    K = n_classes
    d = overlaps.shape[0]
    m = d // K
    Obs = overlaps / max(n_rows, 1)
    diag = np.diag(Obs).copy()
    mask = np.ones((d, d))
    for j in range(m):
        mask[j * K : (j + 1) * K, j * K : (j + 1) * K] = 0.0
    p0 = (
        np.asarray(class_balance_init, dtype=float)
        if class_balance_init is not None
        else np.full(K, 1.0 / K)
    )
    p0 = p0 / p0.sum()
    # snorkel's start: P(vote l | y = k) = P(vote l) * prec / P(y = k) on the diagonal
    mu0 = np.zeros((d, K))
    for j in range(m):
        for lab in range(K):
            a = j * K + lab
            mu0[a, lab] = diag[a] * prec_init / p0[lab]
            for k in range(K):
                if k != lab:
                    mu0[a, k] = diag[a] * (1 - prec_init) / max(K - 1, 1) / p0[k]
    mu0 = np.clip(mu0, 0.0, 1.0)
    scale = 1.0 / max(float(np.mean(Obs[mask > 0] ** 2)) if m > 1 else 1.0, 1e-12)
    group = np.kron(np.eye(m), np.ones((1, K)))  # (m, d): sums an LF's rows

    def unpack(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mu = z[: d * K].reshape(d, K)
        if fixed_balance:
            return mu, p0
        t = z[d * K :]
        e = np.exp(t - t.max())
        return mu, e / e.sum()

    def loss(z: np.ndarray) -> tuple[float, np.ndarray]:
        mu, p = unpack(z)
        R = mask * (Obs - (mu * p) @ mu.T)
        dv = mu @ p - diag
        col = group @ mu - 1.0  # (m, K): each LF's vote mass per class, minus 1
        over = np.maximum(col, 0.0)
        f = np.sum(R**2) + np.sum(dv**2) + 10.0 * np.sum(over**2)
        g_mu = -4.0 * (R @ mu) * p[None, :] + 2.0 * dv[:, None] * p[None, :]
        g_mu += 20.0 * group.T @ over
        g_p = -2.0 * np.einsum("ak,ab,bk->k", mu, R, mu) + 2.0 * mu.T @ dv
        if l2 > 0:
            f += l2 * np.sum((mu - mu0) ** 2) / scale
            g_mu += 2 * l2 * (mu - mu0) / scale
        g = [g_mu.ravel()]
        if not fixed_balance:
            g.append(p * (g_p - p @ g_p))
        return f * scale, np.concatenate(g) * scale

    z0 = np.concatenate([mu0.ravel(), [] if fixed_balance else np.log(p0)])
    bounds = [(0.0, 1.0)] * (d * K) + ([] if fixed_balance else [(-10.0, 10.0)] * K)
    res = minimize(
        loss,
        z0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter, "ftol": 1e-12, "gtol": 1e-10},
    )
    mu, p = unpack(res.x)
    # undo a label swap: match model classes to the vote labels they explain best
    agree = np.einsum("jlk->lk", (mu * p[None, :]).reshape(m, K, K))
    _, perm = linear_sum_assignment(-agree)
    mu, p = mu[:, perm], p[perm]
    cond = np.clip(mu.reshape(m, K, K).transpose(0, 2, 1), 0.01, 0.99)  # (j, k, l)
    abstain = np.clip(1.0 - mu.reshape(m, K, K).sum(axis=1), 0.01, 0.99)  # (j, k)
    return LabelModel(
        "matrix-completion",
        p,
        cond,
        _accuracies(cond, p),
        int(res.nit),
        abstain,
        {"loss": float(res.fun), "converged": bool(res.success)},
    )


#: Label models by name; ``fit(L, n_classes, y)`` each. Majority vote first: it is the
#: reference every other model must beat.
LABEL_MODELS: dict[str, Callable[..., LabelModel]] = {
    "majority": lambda L, k, y=None, w=None: fit_majority_vote(L, k, weights=w),
    "weighted": lambda L, k, y=None, w=None: fit_weighted_majority_vote(L, k, y, weights=w),
    "dawid-skene": lambda L, k, y=None, w=None: fit_dawid_skene(L, k, weights=w),
    "matrix-completion": lambda L, k, y=None, w=None: fit_matrix_completion(L, k, y, weights=w),
}


def fit_label_model(
    name: str, L: Any, n_classes: int, y: Any = None, weights: Any = None
) -> LabelModel:
    """Fit the label model ``name`` (a key of :data:`LABEL_MODELS`); ``weights`` counts
    each row of ``L`` (and ``y``) that many times, as :func:`vote_patterns` gives them.

    >>> fit_label_model("dawid-skene", [[0, 0], [1, 1]], 2).name
    'dawid-skene'
    """
    from ..exceptions import InputError

    if name not in LABEL_MODELS:
        raise InputError(f"unknown label model {name!r}; choose one of: {', '.join(LABEL_MODELS)}")
    return LABEL_MODELS[name](L, n_classes, y, weights)


def vote_patterns(
    L: Any, n_classes: int, y: Any = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The distinct rows of ``L`` (with their label in ``y``, codes or -1) and how many
    times each occurs: ``(patterns, pattern_labels or None, counts)``.

    Every label model fitted on the patterns with ``weights=counts`` is the one fitted on
    ``L``; the counts are sums over rows, so the patterns of a table split in parts are the
    parts' patterns with their counts added (:func:`fit_label_model_dask`).

    >>> P, _, c = vote_patterns([[0, -1], [1, 1], [0, -1]], 2)
    >>> P.tolist(), c.tolist()
    ([[0, -1], [1, 1]], [2, 1])
    """
    L = check_label_matrix(L, n_classes)
    table = L if y is None else np.c_[L, np.asarray(y)]
    uniq, counts = np.unique(table, axis=0, return_counts=True)
    if y is None:
        return uniq.astype(L.dtype), None, counts
    return uniq[:, :-1].astype(L.dtype), uniq[:, -1], counts


def fit_label_model_dask(
    name: str, votes: Any, n_classes: int, label_column: str | None = None
) -> LabelModel:
    """Fit the label model ``name`` on a Dask DataFrame of votes (one column per LF, as
    :meth:`~fewlabels.weak.DaskLFApplier.apply_lazy` gives it) without collecting its rows.

    One pass over the partitions counts the distinct vote patterns (a Dask groupby with a
    tree reduction); the model is then fitted on the patterns, each weighted by its count,
    which gives the model fitted on every row in memory. Memory grows with the number of
    distinct patterns, not of rows. ``label_column``: a column of the frame holding class
    codes (-1 unlabeled), for the models that use labels ("weighted").
    """
    cols = [c for c in votes.columns if c != label_column]
    keys = cols if label_column is None else [*cols, label_column]
    counts = votes.groupby(keys).size().compute()
    index = counts.index.to_frame(index=False)
    L = index[cols].to_numpy(dtype=np.int16)
    y = None if label_column is None else index[label_column].to_numpy(dtype=np.int64)
    return fit_label_model(name, L, n_classes, y, weights=counts.to_numpy(dtype=float))


#: The label models whose LF accuracies come from the votes alone (the labels give at
#: most the class balance), so that their accuracy on the labeled rows is an honest score.
UNSUPERVISED_LABEL_MODELS = ("majority", "dawid-skene", "matrix-completion")


def best_label_model(
    L: Any, n_classes: int, y: Any, names: Sequence[str] = UNSUPERVISED_LABEL_MODELS
) -> tuple[LabelModel, float]:
    """The label model of ``names`` most accurate on the labeled rows some LF covers, and
    that accuracy (NaN when no labeled row is covered: then majority vote).

    ``y`` holds class codes, -1 for unlabeled rows. Ties go to the first name (majority vote
    by default), so a model must beat majority vote to be chosen. Meant for models that do
    not fit the LFs' accuracies to ``y`` (:data:`UNSUPERVISED_LABEL_MODELS`): scoring a
    model on the labels it was fitted to would favour it.

    >>> lm, acc = best_label_model([[0, 0], [1, -1], [1, 1]], 2, [0, 1, -1])
    >>> lm.name, acc
    ('majority', 1.0)
    """
    L = np.asarray(L)
    y = np.asarray(y)
    judged = (y >= 0) & (L != ABSTAIN).any(axis=1)
    best: tuple[LabelModel, float] | None = None
    for name in names:
        lm = fit_label_model(name, L, n_classes, y)
        if not judged.any():
            return lm, float("nan")
        acc = float(np.mean(lm.predict(L[judged]) == y[judged]))
        if best is None or acc > best[1] + 1e-12:
            best = (lm, acc)
    assert best is not None
    return best


def soft_label_rows(
    Q: np.ndarray, rows: np.ndarray, weight: float = 1.0, floor: float = 1e-3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Soft labels as weighted rows: ``(rows, codes, weights)`` with each row of ``rows``
    once per class its soft label ``Q`` gives at least ``floor``, weighted by that
    probability times ``weight``. A model that takes ``sample_weight`` then learns the
    expected loss under the soft labels.

    >>> r, c, w = soft_label_rows(np.array([[0.9, 0.1], [0.0, 1.0]]), np.array([5, 7]))
    >>> r.tolist(), c.tolist(), w.round(2).tolist()
    ([5, 5, 7], [0, 1, 1], [0.9, 0.1, 1.0])
    """
    r, k = np.nonzero(Q >= floor)
    return rows[r], k, weight * Q[r, k]
