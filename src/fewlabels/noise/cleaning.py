"""Out-of-fold probabilities from any model, and a classifier that cleans its labels.

:func:`out_of_fold_proba` holds out folds of the *labeled* rows only; every unlabeled row
stays in every training fold, so a semi-supervised model uses it to judge the held-out
labels. :class:`LabelCleaningClassifier` finds the label issues from those probabilities
(:func:`~fewlabels.noise.errors.find_label_issues`), drops or relabels them and refits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..base import BaseFewLabelsClassifier, BaseFewLabelsEstimator, WrapsEstimatorMixin
from ..data.labels import Target, parse_target
from ..evidence import labeled_folds
from ..exceptions import InputError
from .errors import _SCORE_FUNCS, FILTERS, estimate_noise, find_label_issues

__all__ = [
    "LabelCleaningClassifier",
    "at_majority_rate",
    "label_issues_frame",
    "noisy_labels_warning",
    "out_of_fold_proba",
]

logger = logging.getLogger(__name__)


def _takes_unlabeled(model: Any) -> bool:
    """The model (or a pipeline's last step) is a fewlabels estimator: it takes a target
    with unlabeled rows, and its ``classes_`` are the target's classes."""
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    return isinstance(last, BaseFewLabelsEstimator)


def _as_fewlabels(model: Any, random_state: Any) -> Any:
    """A fewlabels model: ``model`` itself, a scikit-learn classifier wrapped in the
    supervised baseline (fitted on the labeled rows), or the default (LightGBM)."""
    from ..supervised import SupervisedClassifier

    if model is None:
        return SupervisedClassifier(random_state=random_state)
    return clone(model) if _takes_unlabeled(model) else SupervisedClassifier(clone(model))


def _seed(random_state: Any) -> int:
    """An int seed for the folds, drawn from any ``random_state``."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def out_of_fold_proba(
    model: Any,
    X: Any,
    y: Any,
    cv: int = 5,
    random_state: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each labeled row's class probabilities from a model that never saw its label.

    Stratified ``cv``-fold over the labeled rows (lowered to the smallest class's count).
    In each fold the held-out rows lose their labels but stay in the table, with every
    unlabeled row, so a semi-supervised fewlabels model fits on all rows; a scikit-learn
    classifier is fitted on the fold's labeled rows (through
    :class:`~fewlabels.supervised.SupervisedClassifier`).

    Parameters
    ----------
    model : fewlabels estimator or pipeline, scikit-learn classifier, or None
        Cloned for every fold. None: LightGBM on the labeled rows (the supervised baseline).
    X : table or array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), or Target
        Unlabeled rows hold a missing value (or -1 in an integer target).
    cv : int, default=5
    random_state : int, RandomState or None
        Seeds the folds and, through the default model, LightGBM.
    progress : callable(done, total), optional
        Called after every fold.

    Returns
    -------
    rows : ndarray of int, shape (n_labeled,)
        The labeled rows' positions in ``X``.
    proba : ndarray of shape (n_labeled, n_classes)
        Their out-of-fold probabilities, columns in the order of the target's classes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.r_[np.zeros((6, 1)), np.ones((6, 1))] + np.arange(12)[:, None] * 0.01
    >>> y = np.r_[[0] * 6, [1] * 6]
    >>> rows, proba = out_of_fold_proba(LogisticRegression(), X, y, cv=3, random_state=0)
    >>> rows.tolist() == list(range(12)), proba.shape, bool((proba.argmax(1) == y).all())
    (True, (12, 2), True)
    """
    if isinstance(cv, bool) or not isinstance(cv, Integral) or cv < 2:
        raise InputError(f"cv must be a whole number of folds, at least 2; got {cv!r}")
    target = parse_target(y, n_rows=X.shape[0], who="out_of_fold_proba")
    rs = check_random_state(random_state)
    seed = _seed(rs)
    folds, _, _, reason = labeled_folds(target, int(cv), 1, seed)
    if reason is not None:
        raise InputError(
            f"cannot hold out labeled rows: {reason}; label at least 2 rows of every class"
        )
    rows = np.flatnonzero(target.labeled)
    position = np.full(len(target), -1)
    position[rows] = np.arange(len(rows))
    proba = np.zeros((len(rows), target.n_classes))
    for f, test in enumerate(folds):
        fitted = _as_fewlabels(model, seed).fit(X, target.without(test))
        proba[position[test]] = _place(fitted, _safe_indexing(X, test), target.classes)
        if progress is not None:
            progress(f + 1, len(folds))
    return rows, proba


def _place(model: Any, X: Any, classes: np.ndarray) -> np.ndarray:
    """``model.predict_proba(X)`` with its columns placed in the order of ``classes``."""
    P = np.asarray(model.predict_proba(X), dtype=float)
    own = np.asarray(model.classes_)
    if len(own) == len(classes) and np.array_equal(own, classes):
        return P
    out = np.zeros((len(P), len(classes)))
    lookup = {c: i for i, c in enumerate(classes.tolist())}
    out[:, [lookup[c] for c in own.tolist()]] = P
    return out


def label_issues_frame(
    rows: np.ndarray,
    codes: np.ndarray,
    proba: np.ndarray,
    mask: np.ndarray,
    classes: np.ndarray,
    score: str = "normalized_margin",
) -> pd.DataFrame:
    """The issues as a table, most likely error first: ``row`` (position in the data),
    ``given_label``, ``suggested_label`` (the most probable class out of fold),
    ``score`` (label quality, low = likely wrong) and ``probability``
    of the suggestion.

    ``rows``, ``codes`` and ``proba`` describe the labeled rows; ``mask`` flags the issues
    among them.
    """
    idx = np.flatnonzero(mask)
    P = proba[idx]
    scores = _SCORE_FUNCS[score](codes[idx], P) if len(idx) else np.zeros(0)
    suggested = P.argmax(axis=1) if len(idx) else np.zeros(0, dtype=int)
    order = np.argsort(scores, kind="stable")
    idx, P, scores, suggested = idx[order], P[order], scores[order], suggested[order]
    return pd.DataFrame(
        {
            "row": rows[idx].astype(np.int64),
            "given_label": classes[codes[idx]] if len(idx) else classes[:0],
            "suggested_label": classes[suggested] if len(idx) else classes[:0],
            "score": scores.astype(float),
            "probability": P[np.arange(len(idx)), suggested] if len(idx) else np.zeros(0),
        }
    )


class LabelCleaningClassifier(WrapsEstimatorMixin, BaseFewLabelsClassifier):
    """Find the labels that look wrong, drop or fix them, and refit.

    The labeled rows get out-of-fold probabilities from the model itself
    (:func:`out_of_fold_proba`: unlabeled rows stay in every fold); confident learning
    (:func:`~fewlabels.noise.errors.find_label_issues`) flags the labels that disagree
    with them; the model is refitted with those labels removed (``"drop"``: the rows stay
    as unlabeled rows, which a semi-supervised model still learns from) or replaced by
    the most probable class (``"relabel"``). Every class keeps at least one label.

    Parameters
    ----------
    estimator : fewlabels estimator or pipeline, or classifier with ``predict_proba``
        The model to clean for; cloned. None: LightGBM on the labeled rows
        (:class:`~fewlabels.supervised.SupervisedClassifier`). A scikit-learn classifier
        is fitted on the labeled rows.
    filter_by : {"prune_by_noise_rate", "prune_by_class", "both", "confident_learning"}
        See :func:`~fewlabels.noise.errors.find_label_issues`.
    action : {"drop", "relabel"}, default="drop"
    cv : int, default=5
        Folds for the out-of-fold probabilities (lowered to the smallest class's count).
    random_state : int, RandomState or None, default=None
        Seeds the folds and the default model.

    Attributes
    ----------
    estimator_ : estimator
        The model refitted on the cleaned labels.
    label_issues_ : DataFrame
        One row per issue, most likely error first: ``row`` (position in ``X``),
        ``given_label``, ``suggested_label``, ``score`` (normalized margin: low = likely
        wrong) and ``probability`` (out-of-fold probability of the suggestion).
    issue_mask_ : ndarray of bool, shape (n_samples,)
        The rows whose label was dropped or relabeled.
    noise_rates_ : ndarray of shape (n_classes,)
        Per class, the estimated share of its labels that are wrong.
    noise_matrix_ : ndarray of shape (n_classes, n_classes)
        ``P(given = i | true = j)``.
    oof_proba_ : ndarray of shape (n_labeled, n_classes) or None
        The out-of-fold probabilities of the labeled rows (in row order); None when no
        fold could be made (a class with a single label), in which case nothing is
        cleaned and ``skipped_reason_`` says why.
    skipped_reason_ : str or None
    classes_ : ndarray of shape (n_classes,)
    n_labeled_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (40, 2)), rng.normal(4, 1, (40, 2))]
    >>> y = np.repeat([0, 1], 40)
    >>> y[[4, 50]] = 1 - y[[4, 50]]  # two wrong labels
    >>> clf = LabelCleaningClassifier(LogisticRegression(), random_state=0).fit(X, y)
    >>> sorted(clf.label_issues_["row"].tolist())
    [4, 50]
    """

    _accepts_tables = True
    _allow_nan = True

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "filter_by": [StrOptions(set(FILTERS))],
        "action": [StrOptions({"drop", "relabel"})],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        filter_by: str = "prune_by_noise_rate",
        action: str = "drop",
        cv: int = 5,
        random_state: Any = None,
    ):
        self.estimator = estimator
        self.filter_by = filter_by
        self.action = action
        self.cv = cv
        self.random_state = random_state

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        seed = _seed(random_state)
        rows = np.flatnonzero(target.labeled)
        codes = target.codes[rows]
        K = target.n_classes
        self.issue_mask_ = np.zeros(len(target), dtype=bool)
        self.noise_rates_ = np.zeros(K)
        self.noise_matrix_ = np.eye(K)
        self.oof_proba_ = None
        self.skipped_reason_ = None
        mask = np.zeros(len(rows), dtype=bool)
        try:
            _, proba = out_of_fold_proba(self.estimator, X, target, self.cv, seed)
        except InputError as exc:  # a class with one label: nothing can be held out
            self.skipped_reason_ = str(exc)
            logger.warning("label cleaning skipped: %s", exc)
            proba = None
        if proba is not None:
            proba = proba / np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)
            self.oof_proba_ = proba
            if len(np.unique(codes)) >= 2:
                mask = find_label_issues(codes, proba, self.filter_by)
                mask = _keep_one_per_class(mask, codes, proba)
                noise = estimate_noise(codes, proba)
                self.noise_rates_ = noise.noise_rates
                self.noise_matrix_ = noise.noise_matrix
        self.issue_mask_[rows[mask]] = True
        self.label_issues_ = label_issues_frame(
            rows,
            codes,
            proba if proba is not None else np.zeros((len(rows), K)),
            mask,
            target.classes,
        )
        cleaned = target
        if mask.any():
            if self.action == "drop":
                cleaned = target.without(rows[mask])
            else:
                new = target.codes.copy()
                new[rows[mask]] = proba[mask].argmax(axis=1)  # type: ignore[index]
                cleaned = replace(target, codes=new)
        self.estimator_ = _as_fewlabels(self.estimator, seed).fit(X, cleaned)

    def _predict_proba(self, X: Any) -> np.ndarray:
        return _place(self.estimator_, X, self.classes_)


#: ``fit``'s report warns when at least this share of the labels (and 3 rows) are
#: contradicted by a confident out-of-fold prediction.
NOISY_SHARE = 0.02
_CONFIDENT = 0.8


def at_majority_rate(codes: np.ndarray, proba: np.ndarray) -> bool:
    """Whether out-of-fold probabilities ``proba`` are no more accurate on ``codes`` than
    always predicting the majority class (within two binomial standard errors).

    Such a model cannot judge labels: its confident misses say the features are weak, not
    that the labels are wrong.

    >>> at_majority_rate(np.array([0, 0, 0, 1]), np.array([[.9, .1]] * 4))
    True
    >>> at_majority_rate(np.array([0, 1] * 20), np.tile([[.9, .1], [.1, .9]], (20, 1)))
    False
    """
    codes = np.asarray(codes)
    majority = np.bincount(codes).max() / len(codes)
    accuracy = float(np.mean(np.asarray(proba).argmax(axis=1) == codes))
    return bool(accuracy <= majority + 2 * np.sqrt(majority * (1 - majority) / len(codes)))


def noisy_labels_warning(evidence: Any, target: Target) -> list[str]:
    """A warning for ``fit``'s report when the labels look noisy, from the out-of-fold
    probabilities the evidence kept (``oof_rows``, ``oof_proba``); empty otherwise.

    It counts the rows confident learning flags whose out-of-fold prediction is also
    confident (probability >= 0.8): an uncertain model on a hard table does not trigger it,
    nor does a model whose out-of-fold accuracy is within two standard errors of the
    majority-class rate.
    """
    rows = getattr(evidence, "oof_rows", None)
    P = getattr(evidence, "oof_proba", None)
    if rows is None or P is None or len(rows) < 10:
        return []
    P = np.asarray(P, dtype=float)
    P = P / np.maximum(P.sum(axis=1, keepdims=True), 1e-12)
    codes = target.codes[np.asarray(rows)]
    if codes.min() < 0 or len(np.unique(codes)) < 2:
        return []
    if at_majority_rate(codes, P):
        return []
    mask = find_label_issues(codes, P, "prune_by_noise_rate") & (P.max(axis=1) >= _CONFIDENT)
    n = int(mask.sum())
    if n < max(3, NOISY_SHARE * len(codes)):
        return []
    share = estimate_noise(codes, P).issue_share
    return [
        f"the labels look noisy: {n} of {len(codes)} labeled rows ({n / len(codes):.1%}) are "
        f"confidently predicted as another class by a model that did not see them "
        f"(confident learning estimates {share:.1%} wrong labels); list them with "
        "'fewlabels check DATA --target COL'"
    ]


def _keep_one_per_class(mask: np.ndarray, codes: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """``mask`` with, in every class all of whose labels it flags, its most confident
    label (the highest probability of its class) kept."""
    mask = mask.copy()
    for k in np.unique(codes):
        members = np.flatnonzero(codes == k)
        if mask[members].all():
            mask[members[np.argmax(proba[members, k])]] = False
    return mask
