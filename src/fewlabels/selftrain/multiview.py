"""Multi-view teachers: co-training (Blum & Mitchell) and tri-training (Zhou & Li).

Both run the pool loop of :mod:`fewlabels.selftrain.loop`, as self-training does: a
learner here supplies the models' score and refit steps, a selection rule the select step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..base import BaseFewLabelsClassifier, WrapsEstimatorMixin, predict_proba_chunked
from ..data.labels import UNLABELED, Target
from .classifier import POLICIES
from .confidence import max_probability
from .loop import (
    LabelState,
    PolicyRule,
    PoolLearner,
    PoolLoop,
    RoundRecord,
    Scores,
    SelectionRule,
    Update,
)
from .policies import PolicyState, SelectionPolicy

__all__ = ["CoTrainingClassifier", "TriTrainingClassifier"]


def _columns(X: Any, cols: list) -> Any:
    if hasattr(X, "iloc"):
        return X.iloc[:, cols]
    return np.asarray(X)[:, cols]


class _MultiViewBase(WrapsEstimatorMixin, BaseFewLabelsClassifier):
    _accepts_tables = True
    _allow_nan = True

    def _base(self, random_state: np.random.RandomState) -> Any:
        from ..supervised import default_classifier

        base = default_classifier(random_state) if self.estimator is None else clone(self.estimator)
        if "random_state" in base.get_params():
            base.set_params(random_state=int(random_state.randint(2**31 - 1)))
        return base

    def _policy(self) -> SelectionPolicy | None:
        if self.policy is None:
            return None
        return POLICIES[self.policy]() if isinstance(self.policy, str) else clone(self.policy)


class CoTrainingClassifier(_MultiViewBase):
    """Co-training: two models on two views of the features teach each other.

    Each round, each view's model scores the unlabeled rows from its own columns; the
    selection policy accepts its confident predictions; the accepted rows (the more
    confident view wins a disagreement) join the shared labeled set, and both models are
    refitted. Predictions average the two views' probabilities.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, default=None
        Cloned for each view; ``None`` means LightGBM with small-data settings.
    views : list of two lists of column positions, or None, default=None
        ``None`` splits the columns at random into two halves.
    policy : str or SelectionPolicy, default="topk"
        As for :class:`~fewlabels.selftrain.SelfTrainingClassifier`, applied to each view. A
        restarting policy (``"curriculum"``) re-selects from the whole unlabeled pool every
        round, the new selection replacing the previous round's pseudo-labels, and stops
        once a round selects what the previous round did.
    max_iter : int, default=10
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : list of two classifiers
    views_ : list of two lists of column positions
    labeled_iter_ : ndarray of shape (n_samples,)
        The round in which each row got its current label: 0 for given labels, -1 for never.
    n_iter_ : int
    termination_condition_ : {"max_iter", "no_change", "all_labeled"}
    history_ : list of dict
        One record per round: ``n_pool`` (rows scored), ``n_added`` (a one-item list: the
        rows accepted) and ``n_labeled_total`` (labeled rows afterwards, a one-item list).
    classes_ : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> y_true = np.repeat([0, 1], 60)
    >>> X = rng.normal(0, 1, (120, 4)) + 3 * y_true[:, None]
    >>> y = np.full(120, -1); y[[0, 1, 60, 61]] = [0, 0, 1, 1]
    >>> clf = CoTrainingClassifier(LogisticRegression(), random_state=0).fit(X, y)
    >>> float((clf.predict(X) == y_true).mean()) > 0.95
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "views": [None, list],
        "policy": [StrOptions(set(POLICIES)), SelectionPolicy],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        views: Any = None,
        policy: Any = "topk",
        max_iter: int = 10,
        random_state: Any = None,
    ):
        self.estimator = estimator
        self.views = views
        self.policy = policy
        self.max_iter = max_iter
        self.random_state = random_state

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        n_features = X.shape[1]
        if self.views is not None:
            views = [list(v) for v in self.views]
            if len(views) != 2 or not all(views):
                raise ValueError("views must be two non-empty lists of column positions")
        elif n_features < 2:
            views = [[0], [0]]
        else:
            perm = random_state.permutation(n_features)
            views = [
                sorted(perm[: n_features // 2].tolist()),
                sorted(perm[n_features // 2 :].tolist()),
            ]
        self.views_ = views
        policy = self._policy()
        assert policy is not None  # the constraints allow no None
        K = len(self.classes_)
        learner = _CoTrainingLearner(X, views, [self._base(random_state) for _ in views], K)
        result = PoolLoop(learner, PolicyRule(policy), K, self.max_iter).run(target.codes)
        self.estimators_ = learner.models
        self.labeled_iter_ = result.state.labeled_iter[0].copy()
        self.n_iter_ = result.n_iter
        self.termination_condition_ = result.termination
        self.history_ = [_round_summary(r, 1) for r in result.history]

    def _predict_proba(self, X: Any) -> np.ndarray:
        rows = np.arange(X.shape[0])
        K = len(self.classes_)
        return np.mean(
            [
                predict_proba_chunked(m, _columns(X, v), rows, K, 100_000)
                for m, v in zip(self.estimators_, self.views_, strict=True)
            ],
            axis=0,
        )


class TriTrainingClassifier(_MultiViewBase):
    """Tri-training (Zhou & Li, IEEE TKDE 2005): three models from bootstrap samples label
    rows for each other where the other two agree.

    Model i receives the rows on which models j and k agree, but only when the estimated
    error of that agreement (measured on the labeled rows) has fallen, and only as many as
    the paper's bound allows (subsampled otherwise). A ``policy`` optionally filters the
    agreed rows further by confidence (the mean probability of j and k). Predictions
    average the three models' probabilities.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, default=None
    policy : str, SelectionPolicy or None, default=None
        ``None`` is classic tri-training (every agreed row is a candidate). Tri-training
        re-selects each model's pseudo-labels from the whole pool every round anyway; with
        a restarting policy (``"curriculum"``) the loop also goes on through rounds in which
        no model is updated (the schedule widens the selection), stopping once a round
        selects what the previous round did.
    max_iter : int, default=10
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : list of three classifiers
    n_iter_ : int
    termination_condition_ : {"max_iter", "no_change", "all_labeled"}
    history_ : list of dict
        One record per round: ``n_pool`` (rows scored), ``n_added`` (rows given to each of
        the three models, 0 when it was not updated) and ``n_labeled_total`` (each model's
        labeled plus pseudo-labeled rows afterwards).
    classes_ : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> rng = np.random.default_rng(0)
    >>> y_true = np.repeat([0, 1], 100)
    >>> X = rng.normal(0, 1, (200, 2)) + 3 * y_true[:, None]
    >>> y = np.where(rng.random(200) < 0.1, y_true, -1)
    >>> clf = TriTrainingClassifier(DecisionTreeClassifier(max_depth=3), random_state=0).fit(X, y)
    >>> float((clf.predict(X) == y_true).mean()) > 0.9
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "policy": [None, StrOptions(set(POLICIES)), SelectionPolicy],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        policy: Any = None,
        max_iter: int = 10,
        random_state: Any = None,
    ):
        self.estimator = estimator
        self.policy = policy
        self.max_iter = max_iter
        self.random_state = random_state

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        codes = target.codes
        K = len(self.classes_)
        learner = _TriTrainingLearner(self, X, codes, K, random_state)
        rule = _TriTrainingRule(self._policy(), codes, random_state)
        result = PoolLoop(learner, rule, K, self.max_iter, n_tracks=3).run(codes)
        self.estimators_ = learner.models
        self.n_iter_ = result.n_iter
        self.termination_condition_ = result.termination
        self.history_ = [_round_summary(r, 3) for r in result.history]

    def _predict_proba(self, X: Any) -> np.ndarray:
        rows = np.arange(X.shape[0])
        K = len(self.classes_)
        return np.mean(
            [predict_proba_chunked(m, X, rows, K, 100_000) for m in self.estimators_], axis=0
        )


def _round_summary(record: RoundRecord, n_tracks: int) -> dict[str, Any]:
    """One ``history_`` entry of co- and tri-training: the pool scored, the rows each track
    (co-training: the shared labels; tri-training: each model's) got, and its labels after."""
    added = [0] * n_tracks
    for u in record.updates:
        added[u.track] = int(u.rows.size)
    return {
        "iteration": record.iteration,
        "n_pool": record.n_pool,
        "n_added": added,
        "n_labeled_total": list(record.n_labeled),
    }


class _CoTrainingLearner(PoolLearner[Sequence[Scores]]):
    """Co-training's side of the pool loop: one model per view, all on the shared labels."""

    def __init__(self, X: Any, views: list[list[int]], bases: list[Any], n_classes: int):
        self.X, self.views, self.bases, self.n_classes = X, views, bases, n_classes
        self.models: list[Any] = []

    def start(self, state: LabelState) -> None:
        self.refit(state, ())

    def score(self, pool: np.ndarray, state: LabelState) -> list[Scores]:
        out = []
        for m, v in zip(self.models, self.views, strict=True):
            P = predict_proba_chunked(m, _columns(self.X, v), pool, self.n_classes, 100_000)
            out.append(Scores(max_probability(P), P, np.argmax(P, axis=1)))
        return out

    def refit(self, state: LabelState, updates: Sequence[Update]) -> None:
        rows = state.labeled_rows(0)
        Xr, yr = _safe_indexing(self.X, rows), state.labels[0, rows]
        self.models = [
            clone(b).fit(_columns(Xr, v), yr) for b, v in zip(self.bases, self.views, strict=True)
        ]


@dataclass(frozen=True)
class _TriScores:
    """The three models' probabilities on the labeled rows and on the pool."""

    labeled: list[np.ndarray]
    pool: list[np.ndarray]


class _TriTrainingLearner(PoolLearner[_TriScores]):
    """Tri-training's side of the pool loop: three models from stratified bootstrap samples
    of the labeled rows; model i learns from track i (the labeled rows plus its own
    pseudo-labels) and is refitted when the track changes."""

    def __init__(
        self,
        owner: TriTrainingClassifier,
        X: Any,
        codes: np.ndarray,
        n_classes: int,
        random_state: np.random.RandomState,
    ):
        self.owner, self.X, self.n_classes, self.random_state = owner, X, n_classes, random_state
        self.L = np.flatnonzero(codes != UNLABELED)
        self.yL = codes[self.L]
        self.models: list[Any] = []

    def _fit(self, rows: np.ndarray, labels: np.ndarray) -> Any:
        return self.owner._base(self.random_state).fit(_safe_indexing(self.X, rows), labels)

    def start(self, state: LabelState) -> None:
        L, yL, rs = self.L, self.yL, self.random_state
        for _ in range(3):  # stratified bootstrap: every class stays present
            b = np.concatenate(
                [
                    rs.choice(L[yL == c], (yL == c).sum(), replace=True)
                    for c in range(self.n_classes)
                ]
            )
            self.models.append(self._fit(b, state.codes[b]))

    def score(self, pool: np.ndarray, state: LabelState) -> _TriScores:
        K = self.n_classes
        return _TriScores(
            [predict_proba_chunked(m, self.X, self.L, K, 100_000) for m in self.models],
            [predict_proba_chunked(m, self.X, pool, K, 100_000) for m in self.models],
        )

    def refit(self, state: LabelState, updates: Sequence[Update]) -> None:
        for u in updates:
            self.models[u.track] = self._fit(
                np.concatenate([self.L, u.rows]), np.concatenate([self.yL, u.labels])
            )


class _TriTrainingRule(SelectionRule[_TriScores]):
    """Zhou & Li's selection: model i gets the pool rows on which models j and k agree,
    optionally filtered by a policy on their mean confidence, but only when the error of
    that agreement on the labeled rows has fallen and only as many rows as the paper's
    bound allows (subsampled otherwise). Each model's pseudo-labels are re-selected every
    round (``reselects``)."""

    reselects = True

    def __init__(
        self,
        policy: SelectionPolicy | None,
        codes: np.ndarray,
        random_state: np.random.RandomState,
    ):
        if policy is not None:
            policy._validate_params()
        self.policy = policy
        self.yL = codes[codes != UNLABELED]
        self.random_state = random_state
        self.e_prev = np.full(3, 0.5)  # the agreement's error when model i was last updated
        self.l_prev = np.zeros(3)  # how many rows it got then

    def select(self, scores: _TriScores, pool: np.ndarray, state: PolicyState) -> list[Update]:
        PL, PU, yL = scores.labeled, scores.pool, self.yL
        e_prev, l_prev = self.e_prev, self.l_prev
        updates = []
        for i in range(3):
            j, k = [t for t in range(3) if t != i]
            pj, pk = np.argmax(PL[j], axis=1), np.argmax(PL[k], axis=1)
            agree_l = pj == pk
            e = float((agree_l & (pj != yL)).sum() / max(agree_l.sum(), 1))
            if e >= e_prev[i]:
                continue
            uj, uk = np.argmax(PU[j], axis=1), np.argmax(PU[k], axis=1)
            cand = np.flatnonzero(uj == uk)
            conf = (PU[j][cand, uj[cand]] + PU[k][cand, uk[cand]]) / 2
            thresholds: tuple[np.ndarray | None, ...] = ()
            if self.policy is not None and cand.size:
                prior = None if state.prior_proba is None else state.prior_proba[cand]
                votes = (PU[j][cand] + PU[k][cand]) / 2
                sub = PolicyState(state.iteration, state.n_classes, state.labeled_counts, prior)
                chosen = self.policy._select(conf, votes, uj[cand], sub)
                cand, conf = cand[chosen.mask], conf[chosen.mask]
                thresholds = (chosen.thresholds,)
            if l_prev[i] == 0:
                l_prev[i] = np.floor(e / (e_prev[i] - e) + 1)
            if l_prev[i] >= cand.size:
                continue
            if e * cand.size < e_prev[i] * l_prev[i]:
                pass
            elif l_prev[i] > e / (e_prev[i] - e):
                keep = int(np.ceil(e_prev[i] * l_prev[i] / max(e, 1e-12) - 1))
                picked = self.random_state.choice(cand.size, keep, replace=False)
                cand, conf = cand[picked], conf[picked]
            else:
                continue
            updates.append(Update(i, pool[cand], uj[cand], conf, thresholds))
            e_prev[i] = e
            l_prev[i] = cand.size
        return updates
