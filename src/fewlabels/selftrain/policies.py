"""Which pseudo-labels to accept: selection policies for self-training.

Each policy is a small scikit-learn-style object (clonable, ``get_params``). Its public
``select(confidence, votes, pred, state) -> mask`` checks the policy's parameters and the
shapes of its inputs, then calls the private ``_select``, which assumes valid input and
returns a :class:`Selection` (the mask and the thresholds it used). A policy declares what
the loop around it must provide or do as class attributes: ``needs_prior`` (the initial
model's probabilities on the pool, in :attr:`PolicyState.prior_proba`) and ``restarts``
(every round re-selects from the whole pool; see :mod:`fewlabels.selftrain.loop`).
:func:`msla_thresholds` is the pure function behind :class:`MSLA`.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

__all__ = [
    "MSLA",
    "ClassBalancedTopK",
    "Curriculum",
    "PolicyState",
    "Selection",
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


@dataclass(frozen=True)
class Selection:
    """What one selection accepted: ``mask`` over the pool, and the ``thresholds`` it used
    (one per class, one for all, or None for a policy without thresholds)."""

    mask: np.ndarray
    thresholds: np.ndarray | None = None


class SelectionPolicy(BaseEstimator, metaclass=ABCMeta):
    """Base class of the selection policies.

    Subclasses implement :meth:`_select` and declare what they need:

    - ``restarts``: every round re-selects from the whole unlabeled pool and the
      pseudo-labels of the previous round are dropped (curriculum learning);
    - ``needs_prior``: :attr:`PolicyState.prior_proba` must hold the initial model's
      probabilities on the pool;
    - ``_needs``: which of ``votes``, ``pred`` and ``state`` :meth:`select` must receive.
    """

    restarts: ClassVar[bool] = False
    needs_prior: ClassVar[bool] = False
    _needs: ClassVar[frozenset[str]] = frozenset()
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {}

    @property
    def restart(self) -> bool:
        """The former name of :attr:`restarts`."""
        return self.restarts

    def select(
        self,
        confidence: Any,
        votes: Any = None,
        pred: Any = None,
        state: PolicyState | None = None,
    ) -> np.ndarray:
        """The boolean mask of the accepted rows of the pool.

        Parameters
        ----------
        confidence : array-like of shape (n,)
            The confidence of each row's prediction.
        votes : array-like of shape (n, n_classes), optional
            Class-wise votes (probabilities or class-wise confidences).
        pred : array-like of int of shape (n,), optional
            The predicted class code of each row.
        state : PolicyState, optional
            The round, the class counts and, for ``needs_prior`` policies, the prior.

        Raises
        ------
        ValueError
            When a parameter of the policy is out of range, or an input is missing or
            of the wrong shape.
        """
        self._validate_params()
        confidence, votes, pred = self._check_inputs(confidence, votes, pred, state)
        return self._select(confidence, votes, pred, state).mask

    @abstractmethod
    def _select(
        self,
        confidence: np.ndarray,
        votes: np.ndarray | None,
        pred: np.ndarray | None,
        state: PolicyState | None,
    ) -> Selection:
        """The selection on valid input (see :meth:`select`)."""

    def _check_inputs(
        self, confidence: Any, votes: Any, pred: Any, state: PolicyState | None
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        name = type(self).__name__
        confidence = np.asarray(confidence, dtype=float)
        if confidence.ndim != 1:
            raise ValueError(f"{name}.select: confidence must be 1-D, got shape {confidence.shape}")
        n = confidence.shape[0]
        given = {"votes": votes is not None, "pred": pred is not None, "state": state is not None}
        missing = sorted(k for k in self._needs if not given[k])
        if missing:
            raise ValueError(f"{name}.select needs {' and '.join(missing)}")
        if votes is not None:
            votes = np.asarray(votes, dtype=float)
            if votes.ndim != 2 or votes.shape[0] != n:
                raise ValueError(
                    f"{name}.select: votes must have shape ({n}, n_classes), got {votes.shape}"
                )
        if pred is not None:
            pred = np.asarray(pred)
            if pred.shape != (n,) or (n and not np.issubdtype(pred.dtype, np.integer)):
                raise ValueError(
                    f"{name}.select: pred must be {n} integer class codes, got "
                    f"shape {pred.shape} and dtype {pred.dtype}"
                )
            n_classes = (
                votes.shape[1]
                if votes is not None
                else (state.n_classes if state is not None else None)
            )
            if n and n_classes is not None and (pred.min() < 0 or pred.max() >= n_classes):
                raise ValueError(f"{name}.select: pred must hold codes in [0, {n_classes})")
        if state is not None:
            if np.shape(state.labeled_counts) != (state.n_classes,):
                raise ValueError(
                    f"{name}.select: state.labeled_counts must have one count per class "
                    f"({state.n_classes}), got shape {np.shape(state.labeled_counts)}"
                )
            if state.prior_proba is not None and np.shape(state.prior_proba)[0] != n:
                raise ValueError(
                    f"{name}.select: state.prior_proba must have {n} rows, got "
                    f"shape {np.shape(state.prior_proba)}"
                )
        return confidence, votes, pred


class Threshold(SelectionPolicy):
    """Accept every row whose confidence reaches a fixed threshold.

    >>> Threshold(0.8).select(np.array([0.9, 0.5, 0.8])).tolist()
    [True, False, True]
    >>> Threshold(1.5).select(np.array([0.9]))
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'threshold' parameter of Threshold must be a float in the range [0.0, 1.0]. Got 1.5 instead.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "threshold": [Interval(Real, 0, 1, closed="both")]
    }

    def __init__(self, threshold: float = 0.8):
        self.threshold = threshold

    def _select(self, confidence, votes, pred, state):
        return Selection(confidence >= self.threshold, np.array([self.threshold]))


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
    >>> [int(c.select(conf, state=PolicyState(t, 2, np.ones(2))).sum()) for t in (1, 2, 3, 4)]
    [2, 4, 6, 8]
    """

    restarts = True
    _needs = frozenset({"state"})
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "step": [Interval(Real, 0, 1, closed="neither")]
    }

    def __init__(self, step: float = 0.2):
        self.step = step

    def _select(self, confidence, votes, pred, state):
        q = 1.0 - state.iteration * self.step
        if q < self.step - 1e-12:
            q = 0.0
        theta = np.quantile(confidence, q) if confidence.size else 1.0
        return Selection(confidence >= theta, np.array([theta]))


class ClassBalancedTopK(SelectionPolicy):
    """Accept the most confident rows, class by class, in the labeled class proportions.

    Keeps the model from collapsing onto the majority class, a classic failure of
    pseudo-labeling under imbalance.

    Parameters
    ----------
    k : float or int, default=0.1
        Rows to accept per round: a fraction of the current pool (below 1), or a count
        (at least one row is taken from a non-empty pool); 0 accepts nothing.

    >>> conf = np.array([0.9, 0.8, 0.7, 0.95, 0.6, 0.5])
    >>> pred = np.array([0, 0, 0, 0, 1, 1])
    >>> state = PolicyState(1, 2, np.array([10, 10]))
    >>> np.flatnonzero(ClassBalancedTopK(k=4).select(conf, None, pred, state)).tolist()
    [0, 3, 4, 5]
    """

    _needs = frozenset({"pred", "state"})
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "k": [Interval(Real, 0, None, closed="left")]
    }

    def __init__(self, k: float | int = 0.1):
        self.k = k

    def _select(self, confidence, votes, pred, state):
        n = len(confidence)
        mask = np.zeros(n, dtype=bool)
        if self.k == 0:
            return Selection(mask)
        n_take = int(round(self.k * n)) if self.k < 1 else int(self.k)
        n_take = max(1, min(n_take, n))
        share = state.labeled_counts / state.labeled_counts.sum() * n_take
        quota = np.floor(share).astype(int)
        order = np.argsort(-(share - quota), kind="stable")
        quota[order[: n_take - quota.sum()]] += 1
        for c in range(state.n_classes):
            rows = np.flatnonzero(pred == c)
            if rows.size and quota[c] > 0:
                best = rows[np.argsort(-confidence[rows], kind="stable")[: quota[c]]]
                mask[best] = True
        return Selection(mask)


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
    when its vote for its predicted class reaches that class's threshold. The bound reads
    the initial supervised model's probabilities (``state.prior_proba``, which the loop
    provides since the policy declares ``needs_prior``), or the votes when there are none.

    Parameters
    ----------
    n_grid : int, default=50
    """

    needs_prior = True
    _needs = frozenset({"votes", "pred"})
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_grid": [Interval(Integral, 5, None, closed="left")]
    }

    def __init__(self, n_grid: int = 50):
        self.n_grid = n_grid

    def _select(self, confidence, votes, pred, state):
        prior = None if state is None else state.prior_proba
        prob = prior if prior is not None else votes
        theta = msla_thresholds(votes, prob, pred, self.n_grid)
        return Selection(votes[np.arange(len(pred)), pred] >= theta[pred], theta)
