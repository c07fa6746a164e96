"""Model selection for partly labeled targets: split, score and search on labeled rows only.

scikit-learn's :func:`~sklearn.model_selection.cross_val_score` and
:class:`~sklearn.model_selection.GridSearchCV` know nothing of unlabeled rows: their default
folds put unlabeled rows in the test folds, and their scorers compare predictions with the
unlabeled marker (-1) as if it were a class (a NaN target raises). fewlabels' estimators
therefore refuse to ``score`` a target with unlabeled rows
(:class:`~fewlabels.exceptions.UnlabeledScoreError`), and this module gives what to use
instead:

- :class:`LabeledStratifiedKFold`: folds that hold out labeled rows only, stratified on
  their classes; every unlabeled row stays in every training fold (a semi-supervised
  method learns from them, nothing is scored on them). Unlabeled rows are marked as
  everywhere in fewlabels: a missing value (None, NaN, pd.NA) or -1 in an integer target.
- :func:`get_scorer` / :data:`SCORERS`: scorers that score the labeled rows only, for the
  metrics ``fewlabels fit --metric`` offers (``accuracy``, ``balanced_accuracy``,
  ``f1_macro``, ``roc_auc``, and ``neg_log_loss``, minus the log loss so that higher is
  better).
- :func:`cross_validate`: scikit-learn's, with these as its defaults.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.model_selection import GridSearchCV, cross_val_score
>>> from fewlabels.selftrain import SelfTrainingClassifier
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(0, 1, (200, 2)); X[:100] += 3
>>> y = np.repeat([0, 1], 100); y[rng.random(200) < 0.8] = -1   # 80% unlabeled
>>> cv = LabeledStratifiedKFold(n_splits=3, shuffle=True, random_state=0)
>>> model = SelfTrainingClassifier(LogisticRegression(), max_iter=3)
>>> scores = cross_val_score(model, X, y, cv=cv, scoring=get_scorer("accuracy"))
>>> bool(scores.min() > 0.9)
True
>>> res = cross_validate(model, X, y, cv=cv, scoring=["accuracy", "neg_log_loss"])
>>> sorted(k for k in res if k.startswith("test_"))
['test_accuracy', 'test_neg_log_loss']
>>> search = GridSearchCV(model, {"policy": ["threshold", "topk"]}, cv=cv,
...                       scoring=get_scorer("balanced_accuracy")).fit(X, y)
>>> search.best_params_["policy"] in ("threshold", "topk")
True
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator, StratifiedKFold
from sklearn.utils import _safe_indexing

from .auto.metrics import METRICS
from .data.labels import unlabeled_mask
from .exceptions import InputError

__all__ = [
    "SCORERS",
    "LabeledScorer",
    "LabeledStratifiedKFold",
    "cross_validate",
    "get_scorer",
    "labeled_rows",
]

#: Metrics scored from the predicted classes (the others from the probabilities).
_FROM_LABELS = ("accuracy", "balanced_accuracy", "f1_macro")


def labeled_rows(y: Any, unlabeled_value: Any = None) -> np.ndarray:
    """Boolean mask of the labeled rows of ``y`` (the one rule of
    :func:`fewlabels.data.unlabeled_mask`, whose warnings are left to ``fit``).

    >>> labeled_rows([0, 1, -1, None]).tolist()
    [True, True, False, False]
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ~unlabeled_mask(y, unlabeled_value)


class LabeledStratifiedKFold(BaseCrossValidator):
    """Stratified K-fold over the labeled rows; unlabeled rows train in every fold.

    The labeled rows are split as :class:`~sklearn.model_selection.StratifiedKFold` splits
    them (on their classes); each fold's test rows are labeled rows only, and its training
    rows are the other labeled rows plus every unlabeled row.

    Parameters
    ----------
    n_splits : int, default=5
        Folds (at least 2; at most the rows of the smallest labeled class).
    shuffle : bool, default=False
        Shuffle each class's labeled rows before splitting.
    random_state : int, RandomState or None, default=None
        Used when ``shuffle`` is True.
    unlabeled_value : scalar, default=None
        A further target value that marks an unlabeled row (e.g. ``"?"``).

    Examples
    --------
    >>> y = [0, 0, 1, 1, -1, -1]
    >>> [(tr.tolist(), te.tolist()) for tr, te in LabeledStratifiedKFold(2).split(None, y)]
    [([1, 3, 4, 5], [0, 2]), ([0, 2, 4, 5], [1, 3])]
    """

    def __init__(
        self,
        n_splits: int = 5,
        *,
        shuffle: bool = False,
        random_state: Any = None,
        unlabeled_value: Any = None,
    ):
        if not isinstance(n_splits, Integral) or n_splits < 2:
            raise InputError(f"n_splits must be an integer of at least 2; got {n_splits!r}")
        self.n_splits: int = int(n_splits)
        self.shuffle: bool = shuffle
        self.random_state: Any = random_state
        self.unlabeled_value: Any = unlabeled_value

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds, ``n_splits``."""
        return self.n_splits

    def split(
        self, X: Any, y: Any = None, groups: Any = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train, test)`` row indices; test rows are labeled, train rows include
        every unlabeled row."""
        if y is None:
            raise InputError(
                "LabeledStratifiedKFold needs the target y to find the labeled rows; pass y"
            )
        labeled = labeled_rows(y, self.unlabeled_value)
        lab, unl = np.flatnonzero(labeled), np.flatnonzero(~labeled)
        if len(lab) == 0:
            raise InputError("no row of y is labeled, so no row can be held out; label some rows")
        values = pd.Series(np.asarray(y, dtype=object)[lab]).map(str)
        codes = pd.factorize(values)[0]
        smallest = int(np.bincount(codes).min())
        if smallest < self.n_splits:
            raise InputError(
                f"the smallest labeled class has {smallest} row(s), fewer than n_splits="
                f"{self.n_splits}; lower n_splits or label more rows of that class"
            )
        cv = StratifiedKFold(self.n_splits, shuffle=self.shuffle, random_state=self.random_state)
        for tr, te in cv.split(np.zeros(len(lab)), codes):
            yield np.sort(np.concatenate([lab[tr], unl])), lab[te]

    def _iter_test_indices(self, X: Any = None, y: Any = None, groups: Any = None):
        for _, test in self.split(X, y, groups):
            yield test


class LabeledScorer:
    """A scikit-learn scorer, ``scorer(estimator, X, y)``, that scores labeled rows only.

    Rows whose target is unlabeled are left out; the others are scored with ``metric``
    (higher is better). ``accuracy``, ``balanced_accuracy`` and ``f1_macro`` compare
    ``estimator.predict`` with the labels (a tuned decision threshold counts);
    ``neg_log_loss`` and ``roc_auc`` read ``estimator.predict_proba``, its columns in the
    order of ``estimator.classes_``. A label the estimator never saw counts as wrong.

    Parameters
    ----------
    metric : {"accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "neg_log_loss"}
        ``"log_loss"`` is taken for ``"neg_log_loss"``.
    unlabeled_value : scalar, default=None

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> X, y = np.zeros((5, 1)), np.array([0, 0, 1, -1, -1])
    >>> model = DummyClassifier().fit(X[:3], y[:3])   # always predicts 0
    >>> LabeledScorer("accuracy")(model, X, y)        # 2 of the 3 labeled rows
    0.6666666666666666
    """

    def __init__(self, metric: str, unlabeled_value: Any = None):
        name = "neg_log_loss" if metric == "log_loss" else metric
        if name not in SCORER_NAMES:
            raise InputError(f"unknown metric {metric!r}; choose one of: {', '.join(SCORER_NAMES)}")
        self.metric = name
        self.unlabeled_value = unlabeled_value

    def __repr__(self) -> str:
        return f"LabeledScorer({self.metric!r})"

    def __call__(self, estimator: Any, X: Any, y: Any, sample_weight: Any = None) -> float:
        if sample_weight is not None:
            raise InputError("fewlabels' scorers take no sample_weight; leave it out")
        rows = np.flatnonzero(labeled_rows(y, self.unlabeled_value))
        y = np.asarray(y, dtype=object)  # after the mask: -1 marks "unlabeled" in int targets
        if len(rows) == 0:
            raise InputError(
                "no row to score is labeled; hold out labeled rows (LabeledStratifiedKFold)"
            )
        Xl = _safe_indexing(X, rows)
        classes = list(np.asarray(estimator.classes_).tolist())
        lookup = {c: i for i, c in enumerate(classes)}
        k = len(classes)
        # a label the model never saw gets its own (never predicted) column k
        truth = np.array([lookup.get(v.item() if hasattr(v, "item") else v, k) for v in y[rows]])
        P = np.zeros((len(rows), k + 1))
        if self.metric in _FROM_LABELS:
            pred = np.asarray(estimator.predict(Xl), dtype=object)
            P[np.arange(len(rows)), [lookup.get(_py(v), k) for v in pred]] = 1.0
        else:
            P[:, :k] = estimator.predict_proba(Xl)
        if self.metric == "roc_auc" and k == 2 and (truth == k).any():
            raise InputError("roc_auc needs every held-out label to be a class the model knows")
        if self.metric == "roc_auc" and k == 2:
            P = P[:, :2]
        metric = "log_loss" if self.metric == "neg_log_loss" else self.metric
        return float(METRICS[metric](truth, P))


def _py(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


#: The scorer names, scikit-learn's spelling (log loss as ``neg_log_loss``).
SCORER_NAMES = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "neg_log_loss")
#: One :class:`LabeledScorer` per name.
SCORERS: dict[str, LabeledScorer] = {}
SCORERS.update({name: LabeledScorer(name) for name in SCORER_NAMES})


def get_scorer(metric: str, unlabeled_value: Any = None) -> LabeledScorer:
    """The scorer of labeled rows for ``metric`` (see :class:`LabeledScorer`).

    >>> get_scorer("log_loss")
    LabeledScorer('neg_log_loss')
    """
    return LabeledScorer(metric, unlabeled_value)


def _scoring(scoring: Any) -> Any:
    if isinstance(scoring, str):
        return get_scorer(scoring)
    if isinstance(scoring, (list, tuple, set)):
        return {str(s): get_scorer(s) if isinstance(s, str) else s for s in scoring}
    if isinstance(scoring, dict):
        return {k: get_scorer(v) if isinstance(v, str) else v for k, v in scoring.items()}
    return scoring


def cross_validate(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    scoring: Any = "accuracy",
    cv: Any = 5,
    random_state: Any = None,
    **kwargs: Any,
) -> dict[str, np.ndarray]:
    """:func:`sklearn.model_selection.cross_validate` on labeled rows.

    ``scoring`` names (a string, a list, or a dict's values) become :class:`LabeledScorer`
    objects; an integer ``cv`` becomes ``LabeledStratifiedKFold(cv, shuffle=True,
    random_state=random_state)``. Other keyword arguments go to scikit-learn's
    ``cross_validate``. See the module's example.
    """
    from sklearn.model_selection import cross_validate as sk_cross_validate

    if isinstance(cv, Integral):
        cv = LabeledStratifiedKFold(int(cv), shuffle=True, random_state=random_state)
    return sk_cross_validate(estimator, X, y, scoring=_scoring(scoring), cv=cv, **kwargs)
