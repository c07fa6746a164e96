"""Which pseudo-labels to accept: selection policies for self-training.

Each policy is a small scikit-learn-style object (clonable, ``get_params``) with one hook,
``select(confidence, votes, pred, state) -> mask`` over the current pool of unlabeled rows.
:func:`msla_thresholds` is the pure function behind :class:`MSLA`.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

__all__ = [
    "MSLA",
    "ClassBalancedTopK",
    "Curriculum",
    "PolicyState",
    "SelectionPolicy",
    "Threshold",
    "msla_thresholds",
]


@dataclass
class PolicyState:
    """What a policy knows at one round."""

    iteration: int  # 1 at the first selection
    n_classes: int
    labeled_counts: np.ndarray  # labeled rows per class (the original labels)
    prior_proba: np.ndarray | None = (
        None  # the initial supervised model's probabilities on the pool
    )


class SelectionPolicy(BaseEstimator):
    """Base class. ``restart = True`` means every round re-selects from the whole unlabeled
    pool and the pseudo-labels of the previous round are dropped (curriculum learning)."""

    restart: bool = False

    def select(
        self, confidence: np.ndarray, votes: np.ndarray, pred: np.ndarray, state: PolicyState
    ) -> np.ndarray:
        raise NotImplementedError

    def thresholds(self) -> np.ndarray | None:  # what the last selection used, for the history
        return getattr(self, "_last_thresholds", None)


class Threshold(SelectionPolicy):
    """Accept every row whose confidence reaches a fixed threshold.

    >>> Threshold(0.8).select(np.array([0.9, 0.5, 0.8]), None, None, None).tolist()
    [True, False, True]
    """

    _parameter_constraints: dict = {"threshold": [Interval(Real, 0, 1, closed="both")]}

    def __init__(self, threshold: float = 0.8):
        self.threshold = threshold

    def select(self, confidence, votes, pred, state):
        self._last_thresholds = np.array([self.threshold])
        return confidence >= self.threshold


class Curriculum(SelectionPolicy):
    """Curriculum pseudo-labeling (Cascante-Bonilla et al., AAAI 2021).

    Round t accepts the rows above the (1 - t * step) quantile of confidence over the
    whole unlabeled pool, and restarts from the labeled rows: the previous round's
    pseudo-labels are dropped, the model refitted on the labeled rows plus the new
    selection. Once the quantile falls below ``step``, every row is taken.

    The MSLA authors' code starts one step later (the 0.6 quantile when step = 0.2);
    this follows the paper's intent (top 20% first).

    >>> c = Curriculum(step=0.25)
    >>> conf = np.arange(8) / 8.0
    >>> [int(c.select(conf, None, None, PolicyState(t, 2, np.ones(2))).sum()) for t in (1, 2, 3, 4)]
    [2, 4, 6, 8]
    """

    restart = True
    _parameter_constraints: dict = {"step": [Interval(Real, 0, 1, closed="neither")]}

    def __init__(self, step: float = 0.2):
        self.step = step

    def select(self, confidence, votes, pred, state):
        q = 1.0 - state.iteration * self.step
        if q < self.step - 1e-12:
            q = 0.0
        theta = np.quantile(confidence, q) if confidence.size else 1.0
        self._last_thresholds = np.array([theta])
        return confidence >= theta


class ClassBalancedTopK(SelectionPolicy):
    """Accept the most confident rows, class by class, in the labeled class proportions.

    Keeps the model from collapsing onto the majority class, a classic failure of
    pseudo-labeling under imbalance.

    Parameters
    ----------
    k : float or int, default=0.1
        Rows to accept per round: a fraction of the current pool, or a count.

    >>> conf = np.array([0.9, 0.8, 0.7, 0.95, 0.6, 0.5])
    >>> pred = np.array([0, 0, 0, 0, 1, 1])
    >>> state = PolicyState(1, 2, np.array([10, 10]))
    >>> np.flatnonzero(ClassBalancedTopK(k=4).select(conf, None, pred, state)).tolist()
    [0, 3, 4, 5]
    """

    _parameter_constraints: dict = {"k": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, k: float | int = 0.1):
        self.k = k

    def select(self, confidence, votes, pred, state):
        n = len(confidence)
        n_take = int(round(self.k * n)) if self.k < 1 else int(self.k)
        n_take = max(1, min(n_take, n))
        share = state.labeled_counts / state.labeled_counts.sum() * n_take
        quota = np.floor(share).astype(int)
        order = np.argsort(-(share - quota), kind="stable")
        quota[order[: n_take - quota.sum()]] += 1
        mask = np.zeros(n, dtype=bool)
        for c in range(state.n_classes):
            rows = np.flatnonzero(pred == c)
            if rows.size and quota[c] > 0:
                best = rows[np.argsort(-confidence[rows], kind="stable")[: quota[c]]]
                mask[best] = True
        self._last_thresholds = None
        return mask


def _first_rise(values: np.ndarray) -> int:
    """Index at which the MSLA authors stop scanning: the first n > 3 with v[n] > v[n-1] >= v[n-2]."""
    for n in range(4, len(values)):
        if values[n] > values[n - 1] >= values[n - 2]:
            return n
    return len(values) - 1


def msla_thresholds(
    votes: np.ndarray, prob: np.ndarray, pred: np.ndarray, n_grid: int = 50
) -> np.ndarray:
    """Per-class thresholds minimizing the transductive bound of Feofanov et al. (AAAI 2019).

    For each class k and each candidate threshold theta on a grid between the smallest and
    largest vote for k, the conditional risk of the rows that would be pseudo-labeled k is
    bounded through the joint Bayes risks with every other class i; each joint risk is an
    infimum over gamma in (theta, 1] of I_ik + max(K_ik + M_ik(<theta) - M_ik(<gamma), 0)
    / gamma. The bound is divided by the share of rows selected, and theta_k is its
    minimizer. Both scans stop, as in the authors' code, once the value rises twice.

    Parameters
    ----------
    votes : ndarray of shape (u, K)
        The vote (probability or class-wise confidence) of every unlabeled row.
    prob : ndarray of shape (u, K)
        Class-probability estimates used inside the bound (the authors use the initial
        supervised model's).
    pred : ndarray of shape (u,)
        The predicted class of every row.
    n_grid : int
        Grid size for theta and gamma.

    Returns
    -------
    ndarray of shape (K,)
    """
    votes = np.asarray(votes, dtype=float)
    prob = np.asarray(prob, dtype=float)
    u, K = votes.shape
    count = prob.sum(axis=0)
    u_i = votes.sum(axis=0)
    u_i = np.where(u_i > 0, u_i, 1e-15)
    thetas_out = np.zeros(K)
    steps = (np.arange(n_grid) + 1) / n_grid
    for k in range(K):
        v = votes[:, k]
        order = np.argsort(v, kind="stable")
        vs = v[order]
        Ps = prob[order]
        cum_p = np.vstack([np.zeros(K), np.cumsum(Ps, axis=0)])
        cum_pv = np.vstack([np.zeros(K), np.cumsum(Ps * vs[:, None], axis=0)])
        K_ik = (prob * ((pred == k) * v)[:, None]).sum(axis=0) / u_i
        lo, hi = vs[0], vs[-1]
        grid = lo + np.arange(n_grid) * (hi - lo) / n_grid
        bounds = []
        for n, theta in enumerate(grid):
            gammas = theta + (1.0 - theta) * steps
            ig = np.searchsorted(vs, gammas, side="left")
            it = np.searchsorted(vs, theta, side="left")
            I_ik = (cum_p[ig] - cum_p[it]) / u_i
            A = K_ik + cum_pv[it] / u_i - cum_pv[ig] / u_i
            ub = I_ik + np.clip(A, 0.0, None) / gammas[:, None]  # (n_grid, K)
            joint = np.array([ub[: _first_rise(ub[:, i]) + 1, i].min() for i in range(K)])
            joint[k] = 0.0
            risk = float(count @ joint) / u
            share = max(float(np.mean((v >= theta) & (pred == k))), 1e-15)
            bounds.append(risk / share)
            if n > 3 and bounds[-1] > bounds[-2] >= bounds[-3]:
                break
        thetas_out[k] = grid[int(np.argmin(bounds))]
    return thetas_out


class MSLA(SelectionPolicy):
    """Self-adaptive class-wise thresholds (Feofanov, Devijver, Amini, AAAI 2019).

    Every round, each class gets the threshold that minimizes a transductive bound on the
    error of the rows it would pseudo-label (:func:`msla_thresholds`); a row is accepted
    when its vote for its predicted class reaches that class's threshold.

    Parameters
    ----------
    n_grid : int, default=50
    """

    _parameter_constraints: dict = {"n_grid": [Interval(Integral, 5, None, closed="left")]}

    def __init__(self, n_grid: int = 50):
        self.n_grid = n_grid

    def select(self, confidence, votes, pred, state):
        prob = state.prior_proba if state.prior_proba is not None else votes
        theta = msla_thresholds(votes, prob, pred, self.n_grid)
        self._last_thresholds = theta
        return votes[np.arange(len(pred)), pred] >= theta[pred]
