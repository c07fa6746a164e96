"""Split protocols for semi-supervised experiments.

:func:`make_ssl_split` returns labeled, unlabeled and test row indices: a stratified test
part, then within the rest a labeled subset of a given fraction, count or per-class count,
with at least ``min_per_class`` labels in every class. Labeled rows are drawn uniformly, or
with sample-selection bias as in the T-similarity paper (Odonnat et al., AISTATS 2024):
within each class, P(labeled) is proportional to exp(r * |projection on that class's first
principal component|) of the standardized features.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from ..data.labels import encode_target
from ..exceptions import InputError

__all__ = ["SSLSplit", "enlarge", "make_ssl_split", "selection_bias_weights"]


@dataclass(frozen=True)
class SSLSplit:
    """Row indices of a semi-supervised split (disjoint, sorted)."""

    labeled: np.ndarray
    unlabeled: np.ndarray
    test: np.ndarray

    def masked_target(self, y: Any, marker: Any = None) -> np.ndarray:
        """The training target: true labels on labeled rows, ``marker`` (missing) elsewhere.

        Indexed like ``train``: ``y`` restricted to ``labeled ∪ unlabeled`` in row order.
        """
        y_arr = np.asarray(y, dtype=object)
        out = np.full(len(y_arr), marker, dtype=object)
        out[self.labeled] = y_arr[self.labeled]
        return out[self.train]

    @property
    def train(self) -> np.ndarray:
        return np.sort(np.concatenate([self.labeled, self.unlabeled]))


def _per_class_counts(
    labeled: Any, class_sizes: np.ndarray, classes: np.ndarray, min_per_class: int
) -> np.ndarray:
    k = len(class_sizes)
    if isinstance(labeled, dict):
        missing = [c for c in classes.tolist() if c not in labeled]
        if missing:
            raise InputError(
                f"the per-class label counts lack classes {missing}; give a count for every class"
            )
        counts = np.array([int(labeled[c]) for c in classes.tolist()])
    elif (
        isinstance(labeled, Real)
        and not isinstance(labeled, (bool, Integral))
        and 0 < float(labeled) < 1
    ):
        counts = np.maximum(np.round(class_sizes * float(labeled)).astype(int), min_per_class)
    elif isinstance(labeled, Integral) and int(labeled) >= 1:
        total = int(labeled)
        if total < min_per_class * k:
            raise InputError(
                f"{total} labels cannot give {min_per_class} per class to {k} classes; "
                f"ask for at least {min_per_class * k}"
            )
        share = class_sizes / class_sizes.sum() * (total - min_per_class * k)
        counts = min_per_class + np.floor(share).astype(int)
        rest = total - counts.sum()
        order = np.argsort(-(share - np.floor(share)), kind="stable")
        counts[order[:rest]] += 1
    else:
        raise InputError(
            f"labeled must be a fraction in (0, 1), a count >= 1 or a dict of per-class counts; got {labeled!r}"
        )
    too_many = counts > class_sizes
    if too_many.any():
        c = classes[np.argmax(too_many)]
        raise InputError(
            f"class {c!r} has {class_sizes[np.argmax(too_many)]} training rows but "
            f"{counts[np.argmax(too_many)]} labels were asked for; ask for fewer labels"
        )
    return counts


def selection_bias_weights(Z: np.ndarray, strength: float) -> np.ndarray:
    """Sampling weights exp(r * |PC1 projection|) of the rows of one class, normalized.

    ``Z`` holds that class's standardized features. The projection is on the class's first
    principal component; the exponent is shifted by its maximum for numerical safety (this
    does not change the normalized weights).
    """
    if Z.shape[0] < 2:
        return np.full(Z.shape[0], 1.0 / max(Z.shape[0], 1))
    centred = Z - Z.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    proj = np.abs(centred @ vt[0])
    logits = strength * proj
    w = np.exp(logits - logits.max())
    return w / w.sum()


def make_ssl_split(
    y: Any,
    labeled: float | int | dict = 0.05,
    *,
    test_size: float = 0.3,
    min_per_class: int = 1,
    X: Any = None,
    bias: float | None = None,
    random_state: Any = None,
) -> SSLSplit:
    """Split rows into labeled, unlabeled and test indices.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Fully labeled target (the truth).
    labeled : float, int or dict, default=0.05
        The labeled budget: a fraction of each class's training rows, a total count spread
        over the classes in proportion to their sizes, or an exact count per class.
    test_size : float, default=0.3
        Fraction of rows held out for testing (stratified); 0 for none.
    min_per_class : int, default=1
        The fewest labels any class gets.
    X : table or array-like, optional
        The features; needed for a biased split.
    bias : float, optional
        The selection-bias strength r: within each class, a training row is labeled with
        probability proportional to exp(r * |PC1 projection|). ``None`` draws uniformly.
    random_state : int, RandomState or None

    Returns
    -------
    SSLSplit

    Examples
    --------
    >>> import numpy as np
    >>> y = np.repeat([0, 1, 2], 100)
    >>> s = make_ssl_split(y, labeled=0.1, test_size=0.3, random_state=0)
    >>> len(s.test), np.bincount(y[s.labeled]).tolist(), len(s.unlabeled)
    (90, [7, 7, 7], 189)
    """
    rng = check_random_state(random_state)
    target = encode_target(y)
    if not target.labeled.all():
        raise InputError("make_ssl_split needs the full truth; y has missing labels")
    codes = target.codes
    n = len(codes)
    if not 0 <= test_size < 1:
        raise InputError(f"test_size must be in [0, 1); got {test_size}")
    test_mask = np.zeros(n, dtype=bool)
    for c in range(len(target.classes)):
        rows = np.flatnonzero(codes == c)
        n_test = int(round(len(rows) * test_size))
        if test_size > 0 and len(rows) - n_test < min_per_class:
            raise InputError(
                f"class {target.classes[c]!r} is too small for a test split; lower test_size"
            )
        test_mask[rng.choice(rows, n_test, replace=False)] = True
    train_rows = np.flatnonzero(~test_mask)
    class_sizes = np.bincount(codes[train_rows], minlength=len(target.classes))
    counts = _per_class_counts(labeled, class_sizes, target.classes, min_per_class)
    Z = None
    if bias is not None:
        if X is None:
            raise InputError("a biased split needs the features; pass X")
        from ..data.encoder import TableEncoder

        Z = TableEncoder(output="numeric", drop_useless=False).fit(X).transform(X)
    labeled_mask = np.zeros(n, dtype=bool)
    for c, k in enumerate(counts):
        rows = train_rows[codes[train_rows] == c]
        p = None if Z is None or bias is None else selection_bias_weights(Z[rows], float(bias))
        labeled_mask[rng.choice(rows, int(k), replace=False, p=p)] = True
    return SSLSplit(
        labeled=np.flatnonzero(labeled_mask),
        unlabeled=np.flatnonzero(~labeled_mask & ~test_mask),
        test=np.flatnonzero(test_mask),
    )


def enlarge(
    X: Any, y: Any, n_rows: int, noise: float = 0.05, random_state: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Resample a numeric table to ``n_rows`` rows with small Gaussian noise, for scale tests.

    Rows are drawn with replacement; each copy gets noise of ``noise`` times each column's
    standard deviation (none when ``n_rows`` does not exceed the table). Split the table
    into train and test *before* enlarging, so that no test row has a noisy twin in train.

    Returns ``(X_big, y_big)`` as float32 features and the matching labels.

    Examples
    --------
    >>> Xb, yb = enlarge(np.arange(10.0)[:, None], np.arange(10) % 2, 25, random_state=0)
    >>> Xb.shape, yb.shape
    ((25, 1), (25,))
    """
    rng = check_random_state(random_state)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    pick = rng.choice(len(X), n_rows, replace=n_rows > len(X))
    Xb = X[pick]
    if n_rows > len(X):
        Xb = Xb + rng.normal(0, noise, Xb.shape) * X.std(axis=0)
    return Xb.astype(np.float32), y[pick]
