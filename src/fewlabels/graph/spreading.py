"""LabelSpreadingClassifier: label spreading on a sparse kNN graph."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval

from ..base import BaseFewLabelsClassifier
from ._graph import knn_graph, normalize_graph, spread_labels

__all__ = ["LabelSpreadingClassifier"]


def _to_distribution(F: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Rows of non-negative scores summing to one; a row with no mass gets the prior."""
    F = np.clip(F, 0.0, None)
    total = F.sum(axis=1, keepdims=True)
    out = np.where(total > 0, F / np.where(total > 0, total, 1.0), prior)
    return out


class LabelSpreadingClassifier(BaseFewLabelsClassifier):
    """Label spreading (Zhou et al.) on a sparse kNN graph, solved by conjugate gradients.

    Unlike scikit-learn's ``LabelSpreading``, the graph is sparse throughout (no ``n x n``
    dense kernel), edge weights use self-tuning local scales (no kernel width to pick),
    every class weighs the same in the seeds (minority classes are not swamped), and a
    row cut off from every label gets the class prior instead of NaN.

    Parameters
    ----------
    n_neighbors : int, default=10
        Neighbours per row in the graph.
    alpha : float, default=0.99
        How far labels spread (0: not at all; close to 1: far).
    tol : float, default=1e-6
        Relative residual at which conjugate gradients stop.
    max_iter : int, default=200
        Most conjugate-gradient iterations per class.

    Attributes
    ----------
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        Propagated class distribution of each training row.
    transduction_ : ndarray of shape (n_samples,)
        The label given to each training row.
    n_iter_ : int
        Most conjugate-gradient iterations any class took.
    classes_ : ndarray of shape (n_classes,)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.r_[np.linspace(0, 1, 20), np.linspace(5, 6, 20)][:, None]
    >>> y = np.full(40, -1); y[0], y[39] = 0, 1
    >>> clf = LabelSpreadingClassifier(n_neighbors=5).fit(X, y)
    >>> clf.transduction_[:20].tolist() == [0] * 20, clf.predict([[0.5], [5.5]]).tolist()
    (True, [0, 1])
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self, n_neighbors: int = 10, alpha: float = 0.99, tol: float = 1e-6, max_iter: int = 200
    ):
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.tol = tol
        self.max_iter = max_iter

    def _fit(self, X: np.ndarray, codes: np.ndarray, random_state: np.random.RandomState) -> None:
        n_classes = len(self.classes_)
        labeled = codes >= 0
        self.class_prior_ = np.bincount(codes[labeled], minlength=n_classes) / labeled.sum()
        if X.shape[0] < 2:
            F = np.zeros((X.shape[0], n_classes))
            F[labeled, codes[labeled]] = 1.0
            self.n_iter_ = 0
        else:
            W, self.scales_ = knn_graph(X, self.n_neighbors)
            F, self.n_iter_ = spread_labels(
                normalize_graph(W), codes, n_classes, self.alpha, self.tol, self.max_iter
            )
        self.label_distributions_ = _to_distribution(F, self.class_prior_)
        self.transduction_ = self.classes_[np.argmax(self.label_distributions_, axis=1)]
        self.X_fit_ = X
        if not hasattr(self, "scales_"):
            self.scales_ = np.ones(X.shape[0])

    def _predict_proba(self, X: np.ndarray) -> np.ndarray:
        k = min(self.n_neighbors, self.X_fit_.shape[0])
        dist, idx = NearestNeighbors(n_neighbors=k).fit(self.X_fit_).kneighbors(X)
        own = dist[:, min(7, k - 1)]
        own = np.where(own > 0, own, self.scales_[idx[:, 0]])
        w = np.exp(-(dist**2) / (own[:, None] * self.scales_[idx]))
        scores = np.einsum("ij,ijk->ik", w, self.label_distributions_[idx])
        return _to_distribution(scores, self.class_prior_)
