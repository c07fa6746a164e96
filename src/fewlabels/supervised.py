"""The supervised baseline: a classifier fitted on the labeled rows only."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods

from .base import BaseFewLabelsClassifier, WrapsEstimatorMixin, predict_proba_chunked
from .data.labels import UNLABELED, Target

__all__ = ["SupervisedClassifier", "default_classifier"]


def default_classifier(random_state: Any = None) -> Any:
    """LightGBM with settings that work from a handful of labeled rows upward.

    LightGBM's defaults need 20 rows per leaf and 100 per categorical group, so on tens of
    labels they predict a constant. These settings allow small leaves and categorical
    splits, and shrink enough to stay stable.
    """
    from lightgbm import LGBMClassifier

    seed = int(random_state) if isinstance(random_state, (int, np.integer)) else None
    if isinstance(random_state, np.random.RandomState):
        seed = int(random_state.randint(np.iinfo(np.int32).max))
    return LGBMClassifier(
        n_estimators=200,
        learning_rate=0.05,
        num_leaves=15,
        min_child_samples=2,
        min_data_in_bin=1,
        min_data_per_group=2,
        cat_smooth=1.0,
        cat_l2=1.0,
        reg_lambda=1.0,
        subsample=0.9,
        subsample_freq=1,
        colsample_bytree=0.9,
        random_state=seed,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )


class SupervisedClassifier(WrapsEstimatorMixin, BaseFewLabelsClassifier):
    """Fit a classifier on the labeled rows only: the baseline every method must beat.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, default=None
        The model to fit; it is cloned. ``None`` means :func:`default_classifier`, LightGBM
        with small-data settings, which uses native categoricals directly.
    random_state : int, RandomState or None, default=None
        Seeds the default LightGBM model (a given ``estimator`` keeps its own seed).

    Attributes
    ----------
    estimator_ : classifier
        The fitted model.
    classes_ : ndarray of shape (n_classes,)
    n_labeled_ : int
        How many labeled rows it was fitted on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[0.0], [0.2], [0.9], [1.0], [0.1], [0.95]])
    >>> y = np.array([0, 0, 1, 1, -1, -1])
    >>> clf = SupervisedClassifier(LogisticRegression()).fit(X, y)
    >>> clf.predict([[0.05], [0.97]]).tolist(), clf.n_labeled_
    ([0, 1], 4)
    """

    _accepts_tables = True
    _allow_nan = True  # LightGBM's; a given estimator's own tag decides otherwise

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator: Any = None, random_state: Any = None):
        self.estimator = estimator
        self.random_state = random_state

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        codes = target.codes
        labeled = np.flatnonzero(codes != UNLABELED)
        base = default_classifier(random_state) if self.estimator is None else clone(self.estimator)
        self.estimator_ = base.fit(_safe_indexing(X, labeled), codes[labeled])

    def _predict_proba(self, X: Any) -> np.ndarray:
        return predict_proba_chunked(self.estimator_, X, None, len(self.classes_))
