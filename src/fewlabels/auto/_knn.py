"""A kNN classifier that shrinks k to the rows it was given (few labels per fold)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone


class SmallKNN(ClassifierMixin, BaseEstimator):
    """``estimator`` with ``n_neighbors`` capped at the number of training rows."""

    def __init__(self, estimator: Any):
        self.estimator = estimator

    def fit(self, X: Any, y: Any) -> SmallKNN:
        k = min(self.estimator.n_neighbors, len(y))
        self.estimator_ = clone(self.estimator).set_params(n_neighbors=k).fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.estimator_.predict_proba(X)
