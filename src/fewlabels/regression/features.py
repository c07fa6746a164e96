"""Features built by classifiers, as an aid to regression (Troisemaine & Lemaire, EGC 2022).

The labeled targets are cut at ``S`` equal-frequency thresholds ``t_1 < ... < t_S``; one
binary classifier per threshold learns ``P(y <= t_s | x)``, and the ``S`` probabilities, an
estimate of the conditional CDF of ``y`` given ``x``, are appended to the features. Any
regressor then learns from ``d + S`` columns.

Two departures from the paper, both parameters:

* ``oof=True`` (the default) gives each training row the probabilities of classifiers that
  did not see its label (``cv`` folds over the labeled rows, or the out-of-bag votes of a
  bagging ensemble with ``cv="oob"``). The paper used in-sample probabilities, which a
  flexible classifier such as a random forest fits almost perfectly on its own training
  rows, so that the regressor learns from features that are sharper than the ones it sees
  at predict time. ``oof=False`` reproduces the paper.
* ``semi_supervised=True`` trains each threshold classifier on the labeled and the
  unlabeled rows, by self-training (:class:`~fewlabels.selftrain.SelfTrainingClassifier`).

The core is three pure functions on arrays: :func:`equal_frequency_thresholds`,
:func:`threshold_targets` and :func:`monotone_cdf`.
"""

from __future__ import annotations

import logging
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.base import TransformerMixin, clone, is_classifier
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, check_cv
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import BaseFewLabelsEstimator, BaseFewLabelsRegressor
from ..data.labels import UNLABELED, Target
from ..exceptions import InputError

__all__ = [
    "ClassifierFeatures",
    "ClassifierFeaturesRegressor",
    "equal_frequency_thresholds",
    "monotone_cdf",
    "threshold_targets",
]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- pure functions
def equal_frequency_thresholds(y: Any, S: int) -> np.ndarray:
    """At most ``S`` thresholds that cut ``y`` into ``S + 1`` groups of about equal size.

    The rule of the paper's code (``EqualFreqStepsEncoder``): the candidate cut points are
    the midpoints between consecutive distinct values of ``y``; threshold ``i`` (1..S) is
    the candidate nearest to the sorted value at position ``i * n / (S + 1)`` (rounded down
    in the lower half, up in the upper half; ties go to the lower candidate in the lower
    half, the upper one in the upper half). Duplicates are removed, so a target with few
    distinct values gets fewer than ``S`` thresholds.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Finite target values.
    S : int
        The number of thresholds wanted.

    Returns
    -------
    thresholds : ndarray of shape (n_thresholds,)
        Sorted and distinct, ``n_thresholds <= min(S, n_distinct - 1)``; empty when ``y``
        holds a single distinct value.

    Examples
    --------
    >>> equal_frequency_thresholds([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], 3).tolist()
    [2.5, 5.5, 7.5]
    >>> equal_frequency_thresholds([0, 0, 0, 1], 4).tolist()
    [0.5]
    """
    values = np.sort(np.asarray(y, dtype=float).ravel())
    distinct = np.unique(values)
    if distinct.size < 2:
        return np.empty(0)
    candidates = (distinct[:-1] + distinct[1:]) / 2.0
    n = values.size
    out = np.empty(S)
    for i in range(1, S + 1):
        lower = i <= (S + 1) / 2.0
        position = i * n / (S + 1)
        index = int(np.floor(position) if lower else np.ceil(position))
        ideal = values[min(index, n - 1)]
        gap = np.abs(candidates - ideal)
        nearest = np.flatnonzero(gap == gap.min())
        out[i - 1] = candidates[nearest[0] if i < (S + 1) / 2.0 else nearest[-1]]
    return np.unique(out)


def threshold_targets(y: Any, thresholds: Any) -> np.ndarray:
    """The binary targets ``1[y <= t_s]``, one column per threshold.

    >>> threshold_targets([1.0, 2.0, 3.0], [1.5, 2.5]).tolist()
    [[1, 1], [0, 1], [0, 0]]
    """
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    return (y <= np.asarray(thresholds, dtype=float).reshape(1, -1)).astype(np.int64)


def monotone_cdf(P: Any) -> np.ndarray:
    """Make each row of ``P[:, s] ~ P(y <= t_s | x)`` non-decreasing in ``s``.

    The S classifiers are trained independently, so their probabilities can cross. Each
    row is sorted (the monotone rearrangement of Chernozhukov, Fernandez-Val and Galichon,
    2010): it keeps the set of values, and the sorted row is never farther from a true,
    monotone CDF than the unsorted one, in any L_p norm. Sorting is cheaper than an
    isotonic fit and, unlike a running maximum, does not bias the estimate upward.

    >>> monotone_cdf([[0.1, 0.4, 0.3, 0.9]]).tolist()
    [[0.1, 0.3, 0.4, 0.9]]
    """
    return np.sort(np.asarray(P, dtype=float), axis=1)


# ---------------------------------------------------------------------------- helpers
class _Constant:
    """A threshold classifier for a threshold that the training labels do not cross:
    its probability of ``y <= t`` is the share of training labels below it (0 or 1)."""

    def __init__(self, p: float):
        self.p = float(p)

    def proba(self, X: Any) -> np.ndarray:
        return np.full(X.shape[0], self.p)


def _positive_proba(model: Any, X: Any) -> np.ndarray:
    if isinstance(model, _Constant):
        return model.proba(X)
    classes = list(np.asarray(model.classes_).tolist())
    P = model.predict_proba(X)
    return P[:, classes.index(1)] if 1 in classes else np.zeros(X.shape[0])


def _default_classifier(random_state: np.random.RandomState) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=100, n_jobs=1, random_state=random_state.randint(np.iinfo(np.int32).max)
    )


def _seeded(estimator: Any, random_state: np.random.RandomState) -> Any:
    """A clone of ``estimator`` with a fresh seed drawn from ``random_state`` (when it has one)."""
    est = clone(estimator)
    if "random_state" in est.get_params(deep=False):
        est.set_params(random_state=int(random_state.randint(np.iinfo(np.int32).max)))
    return est


# ---------------------------------------------------------------------------- transformer
class ClassifierFeatures(TransformerMixin, BaseFewLabelsEstimator):
    """Append an estimate of the conditional CDF of the target, learnt by classifiers.

    ``fit`` cuts the labeled targets at ``S`` equal-frequency thresholds
    (:func:`equal_frequency_thresholds`) and trains one binary classifier per threshold
    ``t_s`` on the target ``1[y <= t_s]``. ``transform`` returns ``X`` followed by the
    ``S`` probabilities ``P(y <= t_s | x)``, made non-decreasing in ``s`` by
    :func:`monotone_cdf` (Troisemaine & Lemaire, EGC 2022).

    ``fit_transform`` gives the training rows *out-of-fold* probabilities (``oof=True``):
    a labeled row gets those of classifiers fitted without its label, so a regressor
    trained next sees features as noisy as at predict time. ``fit(X, y).transform(X)``
    gives in-sample probabilities instead, as the paper did (and as ``oof=False`` does in
    ``fit_transform`` too). Unlabeled training rows get the probabilities of the
    classifiers fitted on every labeled row.

    In a :class:`sklearn.pipeline.Pipeline` before a plain regressor, the target must be
    fully labeled (the regressor receives it as is). With unlabeled rows, use
    :class:`ClassifierFeaturesRegressor`.

    Parameters
    ----------
    S : int, default=32
        Thresholds wanted; fewer are used when the labeled target has fewer distinct values
        (``thresholds_`` holds those used).
    classifier : classifier with ``predict_proba``, default=None
        The threshold classifier, cloned once per threshold. ``None`` means the paper's
        choice, a random forest of 100 trees (scikit-learn's defaults, ``n_jobs=1``).
    semi_supervised : bool, default=False
        Train each threshold classifier on labeled and unlabeled rows: by self-training
        around ``classifier`` (:class:`~fewlabels.selftrain.SelfTrainingClassifier` with its
        defaults), or, when ``classifier`` is already a fewlabels classifier (which takes
        unlabeled rows itself), with that classifier.
    oof : bool, default=True
        Out-of-fold probabilities for the labeled training rows in ``fit_transform``.
    cv : int, cross-validation splitter or "oob", default=5
        How the out-of-fold probabilities are made: ``cv`` folds of the labeled rows (the
        rows of the held-out fold stay in as unlabeled rows in the semi-supervised case), or
        ``"oob"``: the out-of-bag votes of a bagging classifier (a random forest), which cost
        no extra fit (supervised only). Rows that no tree left out get in-sample votes.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    thresholds_ : ndarray of shape (n_thresholds,)
    estimators_ : list
        The fitted threshold classifiers, one per threshold.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, (200, 1))
    >>> y = X[:, 0] ** 2
    >>> cf = ClassifierFeatures(S=4, classifier=LogisticRegression(), random_state=0)
    >>> Z = cf.fit_transform(X, y)
    >>> Z.shape, bool(np.all(np.diff(Z[:, 1:], axis=1) >= 0))
    ((200, 5), True)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "S": [Interval(Integral, 1, None, closed="left")],
        "classifier": [None, HasMethods(["fit", "predict_proba"])],
        "semi_supervised": ["boolean"],
        "oof": ["boolean"],
        "cv": [Interval(Integral, 2, None, closed="left"), "cv_object", StrOptions({"oob"})],
        "random_state": ["random_state"],
    }
    _target_tasks: ClassVar[frozenset[str]] = frozenset({"regression"})

    def __init__(
        self,
        S: int = 32,
        classifier: Any = None,
        *,
        semi_supervised: bool = False,
        oof: bool = True,
        cv: Any = 5,
        random_state: Any = None,
    ):
        self.S = S
        self.classifier = classifier
        self.semi_supervised = semi_supervised
        self.oof = oof
        self.cv = cv
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    # ------------------------------------------------------------------ pieces
    def _base(self, random_state: np.random.RandomState) -> Any:
        base = (
            _default_classifier(random_state)
            if self.classifier is None
            else _seeded(self.classifier, random_state)
        )
        if not self.semi_supervised or getattr(base, "_target_tasks", None) is not None:
            return base
        from ..selftrain import SelfTrainingClassifier

        return SelfTrainingClassifier(
            base, random_state=int(random_state.randint(np.iinfo(np.int32).max))
        )

    def _fit_one(
        self, base: Any, X: np.ndarray, z: np.ndarray, rows: np.ndarray, unlabeled: np.ndarray
    ) -> Any:
        """One threshold classifier on labeled ``rows`` (and ``unlabeled`` rows when
        semi-supervised); a constant when those labels hold one class."""
        zr = z[rows]
        if zr.min() == zr.max():
            return _Constant(zr[0])
        model = clone(base)
        if self.semi_supervised:
            fit_rows = np.concatenate([rows, unlabeled])
            codes = np.concatenate([zr, np.full(unlabeled.size, UNLABELED)])
            return model.fit(X[fit_rows], codes)
        return model.fit(X[rows], zr)

    def _cdf(self, models: list[Any], X: np.ndarray) -> np.ndarray:
        if not models:
            return np.empty((X.shape[0], 0))
        P = np.column_stack([_positive_proba(m, X) for m in models])
        return monotone_cdf(P)

    # ------------------------------------------------------------------ fit
    def _fit(
        self,
        X: Any,
        target: Target,
        random_state: np.random.RandomState,
        _train_out: list[np.ndarray] | None = None,
    ) -> None:
        X = np.asarray(X, dtype=float)
        labeled = np.flatnonzero(target.labeled)
        unlabeled = np.flatnonzero(~target.labeled)
        assert target.values is not None
        y = target.values
        if labeled.size < 2:
            raise InputError(
                f"ClassifierFeatures got one sample with a label ({labeled.size}); label at "
                "least two rows with different targets to place a threshold"
            )
        thresholds = equal_frequency_thresholds(y[labeled], self.S)
        if thresholds.size == 0:
            raise InputError(
                "the labeled rows hold a single target value, so no threshold can split them; "
                "ClassifierFeatures needs at least two distinct labeled values"
            )
        if thresholds.size < self.S:
            logger.info("%d of %d thresholds (few distinct targets)", thresholds.size, self.S)
        oob = self.cv == "oob"
        if oob and (self.semi_supervised or not self._has_oob()):
            raise InputError(
                "cv='oob' needs a supervised bagging classifier with oob_score (a random "
                "forest); use cv=5 for out-of-fold probabilities with another classifier"
            )
        Z = np.zeros((len(y), thresholds.size), dtype=np.int64)
        Z[labeled] = threshold_targets(y[labeled], thresholds)
        base = self._base(random_state)
        want_oof = _train_out is not None and self.oof
        if oob and want_oof:
            base.set_params(oob_score=True)
        self.thresholds_ = thresholds
        self.estimators_ = [
            self._fit_one(base, X, Z[:, s], labeled, unlabeled) for s in range(Z.shape[1])
        ]
        if _train_out is None:
            return
        P = self._cdf(self.estimators_, X)
        if want_oof and oob:
            P[labeled] = self._oob_cdf(P[labeled], labeled)
        elif want_oof:
            P[labeled] = self._cv_cdf(base, X, Z, labeled, unlabeled, random_state)
        _train_out.append(np.hstack([X, P]))

    def _has_oob(self) -> bool:
        if self.classifier is None:
            return True
        return "oob_score" in self.classifier.get_params(deep=False)

    def _oob_cdf(self, P_in: np.ndarray, labeled: np.ndarray) -> np.ndarray:
        """Out-of-bag probabilities of the labeled rows (the forests saw the labeled rows
        only, in order); in-sample ones where a row was in every bag."""
        P = P_in.copy()
        for s, model in enumerate(self.estimators_):
            if isinstance(model, _Constant):
                continue
            votes = np.asarray(model.oob_decision_function_)
            col = list(np.asarray(model.classes_).tolist()).index(1)
            ok = np.isfinite(votes[:, col])
            P[ok, s] = votes[ok, col]
        return monotone_cdf(P)

    def _cv_cdf(
        self,
        base: Any,
        X: np.ndarray,
        Z: np.ndarray,
        labeled: np.ndarray,
        unlabeled: np.ndarray,
        random_state: np.random.RandomState,
    ) -> np.ndarray:
        n_lab = labeled.size
        if isinstance(self.cv, Integral):
            splitter: Any = KFold(
                min(int(self.cv), n_lab),
                shuffle=True,
                random_state=int(random_state.randint(np.iinfo(np.int32).max)),
            )
        else:
            splitter = check_cv(self.cv)
        out = np.empty((n_lab, Z.shape[1]))
        for train, test in splitter.split(np.empty((n_lab, 1))):
            rows, held = labeled[train], labeled[test]
            pool = np.concatenate([unlabeled, held]) if self.semi_supervised else unlabeled
            models = [self._fit_one(base, X, Z[:, s], rows, pool) for s in range(Z.shape[1])]
            out[test] = self._cdf(models, X[held])
        return out

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """Fit, and return the training rows' features: out-of-fold probabilities for the
        labeled rows when ``oof`` (see the class docstring), in-sample otherwise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            The target, NaN on unlabeled rows.

        Returns
        -------
        ndarray of shape (n_samples, n_features + n_thresholds)
        """
        out: list[np.ndarray] = []
        self.fit(X, y, _train_out=out, **fit_params)
        return out[0]

    def transform(self, X: Any) -> np.ndarray:
        """``X`` followed by the ``n_thresholds`` probabilities ``P(y <= t_s | x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features + n_thresholds)
        """
        check_is_fitted(self, "estimators_")
        X = np.asarray(self._validate_X(X, reset=False), dtype=float)
        return np.hstack([X, self._cdf(self.estimators_, X)])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input names, then ``cdf_0 ... cdf_{n_thresholds - 1}``."""
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self, "estimators_")
        names = _check_feature_names_in(self, input_features)
        return np.asarray(
            [*map(str, names), *(f"cdf_{s}" for s in range(len(self.thresholds_)))], dtype=object
        )


# ---------------------------------------------------------------------------- regressor
class ClassifierFeaturesRegressor(BaseFewLabelsRegressor):
    """A regressor on ``X`` plus the classifier-built CDF features of :class:`ClassifierFeatures`.

    The features are fitted on every row (the labeled ones, and the unlabeled ones too when
    ``semi_supervised``); the regressor learns from the labeled rows' features, out-of-fold
    when ``oof``. A fewlabels regressor (one that takes unlabeled rows) gets every row, its
    target NaN where unlabeled.

    Parameters
    ----------
    regressor : regressor, default=None
        ``None`` means ``Ridge(alpha=1.0)``: with few labels and ``S`` extra columns, plain
        least squares is underdetermined.
    S, classifier, semi_supervised, oof, cv, random_state
        As in :class:`ClassifierFeatures`.

    Attributes
    ----------
    features_ : ClassifierFeatures
    regressor_ : regressor
    n_labeled_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-2, 2, (200, 1))
    >>> y = X[:, 0] ** 2
    >>> y[::2] = np.nan  # half the rows unlabeled
    >>> reg = ClassifierFeaturesRegressor(S=8, classifier=LogisticRegression(), random_state=0)
    >>> reg.fit(X, y).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **ClassifierFeatures._parameter_constraints,
        "regressor": [None, HasMethods(["fit", "predict"])],
    }

    def __init__(
        self,
        regressor: Any = None,
        S: int = 32,
        classifier: Any = None,
        *,
        semi_supervised: bool = False,
        oof: bool = True,
        cv: Any = 5,
        random_state: Any = None,
    ):
        self.regressor = regressor
        self.S = S
        self.classifier = classifier
        self.semi_supervised = semi_supervised
        self.oof = oof
        self.cv = cv
        self.random_state = random_state

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        if self.regressor is not None and is_classifier(self.regressor):
            raise InputError("regressor must be a regressor, not a classifier")
        features = ClassifierFeatures(
            S=self.S,
            classifier=self.classifier,
            semi_supervised=self.semi_supervised,
            oof=self.oof,
            cv=self.cv,
            random_state=random_state,
        )
        Z = features.fit_transform(X, target)
        regressor = (
            Ridge(alpha=1.0) if self.regressor is None else _seeded(self.regressor, random_state)
        )
        assert target.values is not None
        if getattr(regressor, "_target_tasks", None) is not None:
            regressor.fit(Z, target.values)
        else:
            regressor.fit(Z[target.labeled], target.values[target.labeled])
        self.features_ = features
        self.regressor_ = regressor

    def _predict(self, X: Any) -> np.ndarray:
        Z = self.features_.transform(X)
        return np.asarray(self.regressor_.predict(Z), dtype=float).ravel()
