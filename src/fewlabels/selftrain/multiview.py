"""Multi-view teachers: co-training (Blum & Mitchell) and tri-training (Zhou & Li)."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..base import BaseFewLabelsClassifier, WrapsEstimatorMixin, predict_proba_chunked
from ..data.labels import UNLABELED, Target
from .classifier import POLICIES
from .confidence import max_probability
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
    max_iter : int, default=10
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : list of two classifiers
    views_ : list of two lists of column positions
    labeled_iter_ : ndarray of shape (n_samples,)
    n_iter_ : int
    termination_condition_ : str
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

    _parameter_constraints: dict = {
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
        codes = target.codes
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
        K = len(self.classes_)
        policy = self._policy()
        labeled0 = codes != UNLABELED
        counts = np.bincount(codes[labeled0], minlength=K)
        current = codes.copy()
        labeled_iter = np.where(labeled0, 0, -1)
        bases = [self._base(random_state) for _ in views]

        def fit_all() -> list[Any]:
            rows = np.flatnonzero(current != UNLABELED)
            return [
                clone(b).fit(_columns(_safe_indexing(X, rows), v), current[rows])
                for b, v in zip(bases, views, strict=True)
            ]

        models = fit_all()
        termination = "max_iter"
        n_iter = 0
        for it in range(1, self.max_iter + 1):
            pool = np.flatnonzero(current == UNLABELED)
            if pool.size == 0:
                termination = "all_labeled"
                break
            best_conf = np.full(pool.size, -1.0)
            best_label = np.full(pool.size, UNLABELED)
            for m, v in zip(models, views, strict=True):
                P = predict_proba_chunked(m, _columns(X, v), pool, K, 100_000)
                conf, pred = max_probability(P), np.argmax(P, axis=1)
                mask = policy.select(conf, P, pred, PolicyState(it, K, counts))
                better = mask & (conf > best_conf)
                best_conf[better], best_label[better] = conf[better], pred[better]
            chosen = best_label != UNLABELED
            if not chosen.any():
                termination = "no_change"
                break
            current[pool[chosen]] = best_label[chosen]
            labeled_iter[pool[chosen]] = it
            n_iter = it
            models = fit_all()
        self.estimators_ = models
        self.labeled_iter_ = labeled_iter
        self.n_iter_ = n_iter
        self.termination_condition_ = termination

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
        ``None`` is classic tri-training (every agreed row is a candidate).
    max_iter : int, default=10
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimators_ : list of three classifiers
    n_iter_ : int
    termination_condition_ : str
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

    _parameter_constraints: dict = {
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
        policy = self._policy()
        L = np.flatnonzero(codes != UNLABELED)
        U = np.flatnonzero(codes == UNLABELED)
        yL = codes[L]
        counts = np.bincount(yL, minlength=K)

        def boot() -> np.ndarray:  # stratified bootstrap: every class stays present
            return np.concatenate(
                [random_state.choice(L[yL == c], (yL == c).sum(), replace=True) for c in range(K)]
            )

        def fit(rows: np.ndarray, labels: np.ndarray) -> Any:
            return self._base(random_state).fit(_safe_indexing(X, rows), labels)

        models = []
        for _ in range(3):
            b = boot()
            models.append(fit(b, codes[b]))
        e_prev = np.full(3, 0.5)
        l_prev = np.zeros(3)
        termination = "max_iter"
        n_iter = 0
        for it in range(1, self.max_iter + 1):
            if U.size == 0:
                termination = "all_labeled"
                break
            PL = [predict_proba_chunked(m, X, L, K, 100_000) for m in models]
            PU = [predict_proba_chunked(m, X, U, K, 100_000) for m in models]
            updates: list[tuple[int, np.ndarray, np.ndarray]] = []
            for i in range(3):
                j, k = [t for t in range(3) if t != i]
                pj, pk = np.argmax(PL[j], axis=1), np.argmax(PL[k], axis=1)
                agree_l = pj == pk
                e = float((agree_l & (pj != yL)).sum() / max(agree_l.sum(), 1))
                if e >= e_prev[i]:
                    continue
                uj, uk = np.argmax(PU[j], axis=1), np.argmax(PU[k], axis=1)
                cand = np.flatnonzero(uj == uk)
                if policy is not None and cand.size:
                    conf = (PU[j][cand, uj[cand]] + PU[k][cand, uk[cand]]) / 2
                    votes = (PU[j][cand] + PU[k][cand]) / 2
                    cand = cand[policy.select(conf, votes, uj[cand], PolicyState(it, K, counts))]
                if l_prev[i] == 0:
                    l_prev[i] = np.floor(e / (e_prev[i] - e) + 1)
                if l_prev[i] >= cand.size:
                    continue
                if e * cand.size < e_prev[i] * l_prev[i]:
                    pass
                elif l_prev[i] > e / (e_prev[i] - e):
                    keep = int(np.ceil(e_prev[i] * l_prev[i] / max(e, 1e-12) - 1))
                    cand = random_state.choice(cand, keep, replace=False)
                else:
                    continue
                updates.append((i, cand, uj[cand]))
                e_prev[i] = e
            if not updates:
                termination = "no_change"
                break
            n_iter = it
            for i, cand, labels in updates:
                models[i] = fit(np.concatenate([L, U[cand]]), np.concatenate([yL, labels]))
                l_prev[i] = cand.size
        self.estimators_ = models
        self.n_iter_ = n_iter
        self.termination_condition_ = termination

    def _predict_proba(self, X: Any) -> np.ndarray:
        rows = np.arange(X.shape[0])
        K = len(self.classes_)
        return np.mean(
            [predict_proba_chunked(m, X, rows, K, 100_000) for m in self.estimators_], axis=0
        )
