"""SelfTrainingClassifier: pseudo-labeling around any classifier."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..base import BaseFewLabelsClassifier, WrapsEstimatorMixin, predict_proba_chunked
from ..data.labels import UNLABELED, Target
from ._boosting import BoostingChain
from .confidence import (
    CommitteeAgreement,
    ConfidenceContext,
    ConfidenceMeasure,
    Entropy,
    Margin,
    MaxProbability,
    TSimilarity,
)
from .loop import LabelState, PolicyRule, PoolLearner, PoolLoop, RoundRecord, Scores, Update
from .policies import MSLA, ClassBalancedTopK, Curriculum, SelectionPolicy, Threshold

__all__ = ["CONFIDENCES", "POLICIES", "SelfTrainingClassifier"]

CONFIDENCES: dict[str, Callable[[], ConfidenceMeasure]] = {
    "probability": MaxProbability,
    "margin": Margin,
    "entropy": Entropy,
    "committee": CommitteeAgreement,
    "tsimilarity": TSimilarity,
}
POLICIES: dict[str, Callable[[], SelectionPolicy]] = {
    "threshold": Threshold,
    "curriculum": Curriculum,
    "topk": ClassBalancedTopK,
    "msla": MSLA,
}
_TSIM_MAX_UNLABELED = 20_000


class _CallableConfidence(ConfidenceMeasure):
    def __init__(self, func: Callable[[np.ndarray], np.ndarray]):
        self.func = func

    def score(self, proba, X):
        return np.asarray(self.func(proba), dtype=float), proba


def _is_lightgbm(estimator: Any) -> bool:
    return type(estimator).__module__.startswith("lightgbm")


class SelfTrainingClassifier(WrapsEstimatorMixin, BaseFewLabelsClassifier):
    """Self-training (pseudo-labeling) around any classifier with ``predict_proba``.

    Each round, the model scores the unlabeled rows, a confidence measure rates its
    predictions, a selection policy accepts some of them as pseudo-labels, and the model is
    refitted on labeled plus pseudo-labeled rows (the pool loop of
    :mod:`fewlabels.selftrain.loop`). Tables pass through untouched, so a base
    model that uses native categoricals (LightGBM, the default) gets them.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, default=None
        ``None`` means LightGBM with small-data settings
        (:func:`fewlabels.supervised.default_classifier`).
    confidence : str, ConfidenceMeasure or callable, default="probability"
        ``"probability"`` (the predicted class's probability), ``"margin"``,
        ``"entropy"``, ``"committee"`` (agreement of a bagged committee),
        ``"tsimilarity"`` (diverse linear heads, Odonnat et al. 2024), a
        :class:`~fewlabels.selftrain.ConfidenceMeasure`, or ``f(proba) -> confidence``.
    policy : str or SelectionPolicy, default="threshold"
        ``"threshold"`` (0.8), ``"curriculum"`` (quantile steps of 0.2, restarting from the
        labeled rows), ``"topk"`` (10% of the pool per round, class-balanced) or
        ``"msla"`` (self-adaptive class-wise thresholds, Feofanov et al. 2019), or a
        configured policy object such as ``Threshold(0.95)``. What the loop does for a
        policy follows from its declarations (``restarts``, ``needs_prior``; see
        :mod:`fewlabels.selftrain.loop`), so a :class:`~fewlabels.selftrain.SelectionPolicy`
        subclass of your own gets the same treatment.
    max_iter : int, default=10
        Most rounds of pseudo-labeling.
    weighting : {"none", "confidence", "balanced"}, default="none"
        Sample weights of pseudo-labeled rows: 1; their confidence; or so that labeled and
        pseudo-labeled rows weigh the same in total (MSLA's Eq. 1).
    warm_start : bool, default=True
        With a LightGBM base, continue boosting from the previous round's model
        (``warm_start_estimators`` new trees a round, started from every training row's
        current score) instead of refitting from scratch; every row's score is updated
        with the new trees only, so no round re-predicts the old ones. ``estimator_`` is
        then a :class:`~fewlabels.selftrain.BoostingChain`. Ignored by restarting policies.
    warm_start_estimators : int, default=50
    chunk_size : int, default=100000
        Unlabeled rows scored at a time.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimator_ : classifier or BoostingChain
        The model of the last round (with LightGBM and ``warm_start``, the chain of the
        boosting stages of every round).
    classes_ : ndarray of shape (n_classes,)
    transduction_ : ndarray of shape (n_samples,)
        The label of every training row: given, pseudo-labeled, or (where
        ``labeled_iter_ == -1``) the final model's prediction.
    labeled_iter_ : ndarray of shape (n_samples,)
        The round in which each row got its label: 0 for given labels, -1 for never.
    n_iter_ : int
        Rounds of pseudo-labeling done.
    termination_condition_ : {"max_iter", "no_change", "all_labeled"}
    history_ : list of dict
        One record per round: rows added per class, their mean confidence, the thresholds
        used and, when ``eval_labels`` is given to ``fit``, their pseudo-label accuracy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (50, 2)), rng.normal(4, 1, (50, 2))]
    >>> y = np.full(100, -1); y[[0, 1, 50, 51]] = [0, 0, 1, 1]
    >>> clf = SelfTrainingClassifier(LogisticRegression(), policy="topk").fit(X, y)
    >>> clf.termination_condition_, int((clf.labeled_iter_ > 0).sum()) > 50
    ('max_iter', True)
    """

    _accepts_tables = True
    _allow_nan = True

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "confidence": [StrOptions(set(CONFIDENCES)), ConfidenceMeasure, callable],
        "policy": [StrOptions(set(POLICIES)), SelectionPolicy],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "weighting": [StrOptions({"none", "confidence", "balanced"})],
        "warm_start": ["boolean"],
        "warm_start_estimators": [Interval(Integral, 1, None, closed="left")],
        "chunk_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        confidence: Any = "probability",
        policy: Any = "threshold",
        max_iter: int = 10,
        weighting: str = "none",
        warm_start: bool = True,
        warm_start_estimators: int = 50,
        chunk_size: int = 100_000,
        random_state: Any = None,
    ):
        self.estimator = estimator
        self.confidence = confidence
        self.policy = policy
        self.max_iter = max_iter
        self.weighting = weighting
        self.warm_start = warm_start
        self.warm_start_estimators = warm_start_estimators
        self.chunk_size = chunk_size
        self.random_state = random_state

    # ------------------------------------------------------------------ pieces
    def _make_confidence(self) -> ConfidenceMeasure:
        if isinstance(self.confidence, str):
            return CONFIDENCES[self.confidence]()
        if isinstance(self.confidence, ConfidenceMeasure):
            return clone(self.confidence)
        return _CallableConfidence(self.confidence)

    def _make_policy(self) -> SelectionPolicy:
        return POLICIES[self.policy]() if isinstance(self.policy, str) else clone(self.policy)

    def _weights(
        self, current: np.ndarray, labeled0: np.ndarray, row_conf: np.ndarray
    ) -> np.ndarray | None:
        if self.weighting == "none":
            return None
        pseudo = (current != UNLABELED) & ~labeled0
        w = np.ones(len(current))
        if self.weighting == "confidence":
            w[pseudo] = np.clip(row_conf[pseudo], 1e-6, None)
        elif pseudo.any():
            w[pseudo] = labeled0.sum() / pseudo.sum()
        return w

    @staticmethod
    def _fit_base(base: Any, X: Any, current: np.ndarray, weights: np.ndarray | None) -> Any:
        # a base that learns from unlabeled rows itself (a deep semi-supervised network)
        # gets every row, the not-yet-labeled ones marked unlabeled
        if getattr(base, "learns_from_unlabeled", False):
            rows = np.arange(len(current))
        else:
            rows = np.flatnonzero(current != UNLABELED)
        kwargs = {} if weights is None else {"sample_weight": weights[rows]}
        return clone(base).fit(_safe_indexing(X, rows), current[rows], **kwargs)

    def _score_pool(
        self, measure: ConfidenceMeasure, P: np.ndarray, X: Any, pool: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        conf = np.empty(pool.size)
        votes = np.empty((pool.size, P.shape[1]))
        for s in range(0, pool.size, self.chunk_size):
            part = slice(s, s + self.chunk_size)
            conf[part], votes[part] = measure.score(P[part], _safe_indexing(X, pool[part]))
        return conf, votes

    def _record(self, record: RoundRecord, truth: np.ndarray | None) -> dict[str, Any]:
        (update,) = record.updates
        chosen, labels, conf = update.rows, update.labels, update.confidence
        out: dict[str, Any] = {
            "iteration": record.iteration,
            "n_added": int(chosen.size),
            "added_per_class": {
                str(c): int((labels == k).sum()) for k, c in enumerate(self.classes_)
            },
            "mean_confidence": float(conf.mean()) if chosen.size else float("nan"),
            "n_labeled_total": record.n_labeled[0],
        }
        thresholds = update.thresholds[0] if update.thresholds else None
        if thresholds is not None:
            out["thresholds"] = [float(t) for t in thresholds]
        if truth is not None and chosen.size:
            out["pseudo_label_accuracy"] = float((truth[chosen] == labels).mean())
        return out

    # ------------------------------------------------------------------ the loop
    def _fit(
        self,
        X: Any,
        target: Target,
        random_state: np.random.RandomState,
        eval_labels: Any = None,
    ) -> None:
        from ..supervised import default_classifier

        truth = None if eval_labels is None else self._encode_like_target(eval_labels)
        base = default_classifier(random_state) if self.estimator is None else clone(self.estimator)
        learner = _SelfTrainingLearner(self, X, base, self._make_confidence(), random_state)
        loop = PoolLoop(learner, PolicyRule(self._make_policy()), len(self.classes_), self.max_iter)
        result = loop.run(target.codes)
        self.estimator_ = learner.finish()
        self.history_: list[dict[str, Any]] = [self._record(r, truth) for r in result.history]
        self.n_iter_ = result.n_iter
        self.termination_condition_ = result.termination
        self.labeled_iter_ = result.state.labeled_iter[0].copy()
        final = result.state.labels[0].copy()
        rest = np.flatnonzero(final == UNLABELED)
        if rest.size:
            final[rest] = np.argmax(learner.proba(rest), axis=1)
        self.transduction_ = self.classes_[final]

    def _predict_proba(self, X: Any) -> np.ndarray:
        return predict_proba_chunked(
            self.estimator_, X, np.arange(X.shape[0]), len(self.classes_), self.chunk_size
        )


class _SelfTrainingLearner(PoolLearner[Sequence[Scores]]):
    """Self-training's side of the pool loop: one model (with LightGBM and ``warm_start``
    on an incremental loop, one booster grown round by round, every row's raw score kept
    up to date), scored through the confidence measure."""

    def __init__(
        self,
        owner: SelfTrainingClassifier,
        X: Any,
        base: Any,
        measure: ConfidenceMeasure,
        random_state: np.random.RandomState,
    ):
        self.owner, self.X, self.base, self.measure = owner, X, base, measure
        self.random_state = random_state
        self.n_classes = len(owner.classes_)
        self.chunk_size = owner.chunk_size
        self.warm = False
        self.model: Any = None
        self.raw: np.ndarray | None = None

    def start(self, state: LabelState) -> None:
        owner, X = self.owner, self.X
        self.warm = owner.warm_start and _is_lightgbm(self.base) and state.incremental
        if self.warm:
            lab = np.flatnonzero(state.given)
            self.model = BoostingChain.start(self.base, X, lab, state.codes[lab])
            every_row = np.arange(len(state.codes))
            self.raw = self.model.raw_rows(X, every_row, chunk_size=self.chunk_size)
        else:
            self.model = owner._fit_base(self.base, X, state.labels[0], None)

    def proba(self, rows: np.ndarray) -> np.ndarray:
        if self.raw is not None:
            return BoostingChain.proba_from_raw(self.raw[rows])
        return predict_proba_chunked(self.model, self.X, rows, self.n_classes, self.chunk_size)

    def prior(self, rows: np.ndarray) -> np.ndarray:
        return self.proba(rows)

    def score(self, pool: np.ndarray, state: LabelState) -> list[Scores]:
        X, measure, random_state = self.X, self.measure, self.random_state
        current = state.labels[0]
        P = self.proba(pool)
        if measure.needs_fit:
            fit_rows = np.flatnonzero(current != UNLABELED)
            sample = (
                pool
                if pool.size <= _TSIM_MAX_UNLABELED
                else random_state.choice(pool, _TSIM_MAX_UNLABELED, replace=False)
            )
            context = ConfidenceContext(
                _safe_indexing(X, fit_rows),
                current[fit_rows],
                _safe_indexing(X, sample),
                self.n_classes,
                self.base,
                random_state,
                fitted_model=self.model,
            )
            measure.fit(context)
        conf, votes = self.owner._score_pool(measure, P, X, pool)
        return [Scores(conf, votes, np.argmax(P, axis=1))]

    def refit(self, state: LabelState, updates: Sequence[Update]) -> None:
        owner, X = self.owner, self.X
        current = state.labels[0]
        weights = owner._weights(current, state.given, state.confidence[0])
        if self.raw is None:
            self.model = owner._fit_base(self.base, X, current, weights)
            return
        raw = self.raw
        rows = np.flatnonzero(current != UNLABELED)
        trained = self.model.add_stage(
            owner.warm_start_estimators,
            rows,
            current[rows],
            raw[rows],
            None if weights is None else weights[rows],
        )
        # only rows the new trees were not trained on need predicting
        rest = np.arange(len(current)) if trained is None else np.flatnonzero(current == UNLABELED)
        if trained is not None:
            raw[rows] = trained
        if rest.size:
            raw[rest] += self.model.raw_rows(
                X, rest, stages=slice(-1, None), chunk_size=self.chunk_size
            )

    def finish(self) -> Any:
        """The final model (a warm chain releases its binned data first)."""
        if self.warm:
            self.model.release()
        return self.model
