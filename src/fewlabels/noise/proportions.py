"""Learning from label proportions (LLP): bags of rows, and each bag's share of each class.

No row has a label; a *bag* of rows (a region, a batch, a campaign) comes with the share
of each class among its rows. The core steps are pure functions on arrays:

- :func:`match_bag_proportions`: soft labels that follow a model's probabilities but
  whose sums within every bag match the bag's class counts (the E-step of EM-LLP: a
  per-bag Sinkhorn scaling of the probabilities);
- :func:`proportion_loss` and :func:`proportion_loss_gradient`: the bag-level
  cross-entropy between each bag's proportions and its rows' mean predicted probability
  (Ardehaly and Culotta, 2017; "DLLP", Dulac-Arnold et al., 2019), and its gradient and a
  positive Hessian surrogate with respect to the raw scores, as a LightGBM objective takes;
- :func:`bag_majority_labels`: the baseline that gives every row its bag's majority class;
- :func:`bag_folds` and :func:`bag_cross_validate`: cross-validation that holds out whole
  bags, so no held-out bag's proportions are seen.

:class:`ProportionsClassifier` wraps them: ``method="em"`` alternates fitting a
classifier on soft labels (rows weighted by class) with :func:`match_bag_proportions`;
``method="lightgbm-proportion-loss"`` boosts LightGBM trees on the proportion loss
directly (a custom objective, binary and multiclass).

A target of label proportions is :func:`fewlabels.data.labels.proportions_target`'s
:class:`~fewlabels.data.Target` (task ``"proportions"``): bag codes per row and a
``(n_bags, n_classes)`` matrix of shares. With ``bags=None`` and an ordinary class target,
every labeled row is a bag of one whose proportions are its label, and both methods are
supervised learning (the proportion loss is then exactly the logistic loss).

References
----------
Ardehaly and Culotta, "Co-training for demographic classification using deep learning
from label proportions", ICDMW 2017. Dulac-Arnold, Zeghidour, Cuturi, Beyer and Vert,
"Deep multi-class learning from label proportions", arXiv:1905.12909, 2019.
"""

from __future__ import annotations

import logging
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import column_or_1d

from ..base import BaseFewLabelsClassifier, WrapsEstimatorMixin
from ..data.encoder import _is_table
from ..data.io import as_pandas
from ..data.labels import UNLABELED, Target, proportions_target
from ..exceptions import InputError

__all__ = [
    "METHODS",
    "ProportionsClassifier",
    "bag_cross_validate",
    "bag_folds",
    "bag_majority_labels",
    "match_bag_proportions",
    "proportion_loss",
    "proportion_loss_gradient",
]

logger = logging.getLogger(__name__)

#: The ways :class:`ProportionsClassifier` learns from bags.
METHODS = ("em", "lightgbm-proportion-loss")

_TINY = 1e-12
#: Probabilities are kept this far from 0 and 1 inside the losses.
_CLIP = 1e-7


# ----------------------------------------------------------------------------- checks
def _check_bags(
    bags: Any, proportions: Any, n_rows: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(bags, proportions)``: int64 bag codes (-1 = in no bag) indexing the
    rows of a finite, non-negative ``(n_bags, n_classes)`` matrix whose rows sum to 1."""
    b = np.asarray(bags)
    if b.ndim != 1:
        raise InputError(f"bags must be 1-D, one bag code per row; got shape {b.shape}")
    if n_rows is not None and len(b) != n_rows:
        raise InputError(f"bags has {len(b)} entries for {n_rows} rows; give one bag per row")
    if not np.issubdtype(b.dtype, np.integer):
        raise InputError(
            "bags must be integer codes 0 .. n_bags-1 (-1 for a row in no bag); "
            "proportions_target builds them from any bag names"
        )
    P = np.asarray(proportions, dtype=float)
    if P.ndim != 2 or P.shape[1] < 2:
        raise InputError(
            f"proportions must be a 2-D array, one row per bag and one column per class "
            f"(at least 2); got shape {P.shape}"
        )
    if not np.all(np.isfinite(P)) or P.min() < 0 or not np.allclose(P.sum(axis=1), 1, atol=1e-6):
        raise InputError("each bag's class shares must be non-negative and sum to 1")
    b = b.astype(np.int64, copy=False)
    if b.size and (b.max() >= len(P) or b.min() < UNLABELED):
        raise InputError(
            f"bag codes must lie in 0 .. {len(P) - 1} (one per row of proportions), or -1 for "
            f"a row in no bag; got values from {int(b.min())} to {int(b.max())}"
        )
    return b, P


def _check_proba(proba: Any, n_rows: int, n_classes: int) -> np.ndarray:
    Q = np.asarray(proba, dtype=float)
    if Q.shape != (n_rows, n_classes):
        raise InputError(
            f"proba must have one row per bag code and one column per class, shape "
            f"({n_rows}, {n_classes}); got {Q.shape}"
        )
    if not np.all(np.isfinite(Q)) or Q.min() < 0:
        raise InputError("proba must hold finite, non-negative probabilities")
    return Q


# ----------------------------------------------------------------------------- E-step
def _bag_sums(values: np.ndarray, bags: np.ndarray, n_bags: int) -> np.ndarray:
    """Per bag, the column sums of ``values`` (rows with bag -1 are left out)."""
    out = np.zeros((n_bags, values.shape[1]))
    keep = bags >= 0
    np.add.at(out, bags[keep], values[keep])
    return out


def _match(Q: np.ndarray, b: np.ndarray, P: np.ndarray, n_iter: int, tol: float) -> np.ndarray:
    keep = b >= 0
    rows, bag = np.flatnonzero(keep), b[keep]
    sizes = np.bincount(bag, minlength=len(P)).astype(float)
    want = sizes[:, None] * P  # class counts per bag
    Z = np.maximum(Q[rows], _TINY) * (P[bag] > 0)  # a class absent from the bag gets 0
    Z[Z.sum(axis=1) == 0] = P[bag][Z.sum(axis=1) == 0]  # a row with no allowed mass
    scale = np.ones_like(P)
    for _ in range(n_iter):
        S = Z * scale[bag]
        S /= np.maximum(S.sum(axis=1, keepdims=True), _TINY)
        got = _bag_sums(S, bag, len(P))
        ratio = np.where(want > 0, want / np.maximum(got, _TINY), 0.0)
        scale *= ratio
        if np.max(np.abs(got - want)) <= tol:
            break
    S = Z * scale[bag]
    S /= np.maximum(S.sum(axis=1, keepdims=True), _TINY)
    out = np.zeros_like(Q)
    out[rows] = S
    return out


def match_bag_proportions(
    proba: Any, bags: Any, proportions: Any, n_iter: int = 100, tol: float = 1e-6
) -> np.ndarray:
    """Soft labels close to ``proba`` whose class sums in every bag match its proportions.

    Each row's probabilities are multiplied by a factor per bag and class and renormalized
    (iterative proportional fitting, i.e. Sinkhorn scaling within each bag) until, in every
    bag ``b`` of ``n_b`` rows, the soft labels of class ``k`` sum to ``n_b * P[b, k]``.
    A class with share 0 in a bag gets 0 on its rows; a bag of one row gets its
    proportions as its label. This is the E-step of EM-LLP.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        A model's class probabilities.
    bags : array-like of int, shape (n_samples,)
        Each row's bag, ``0 .. n_bags-1``; -1 for a row in no bag (it gets zeros).
    proportions : array-like of shape (n_bags, n_classes)
        Each bag's class shares (rows sum to 1).
    n_iter : int, default=100
        Most scaling rounds.
    tol : float, default=1e-6
        Stop when every bag's class sums are this close to its counts.

    Returns
    -------
    soft : ndarray of shape (n_samples, n_classes)
        Rows sum to 1 (0 for rows in no bag).

    Examples
    --------
    A bag of two rows, half of each class: the row the model finds more likely positive
    gets more of the positive class, and the bag's sums are one of each.

    >>> soft = match_bag_proportions([[0.2, 0.8], [0.4, 0.6]], [0, 0], [[0.5, 0.5]])
    >>> soft.sum(axis=0).round(6).tolist(), bool(soft[0, 1] > soft[1, 1])
    ([1.0, 1.0], True)
    """
    b, P = _check_bags(bags, proportions)
    Q = _check_proba(proba, len(b), P.shape[1])
    return _match(Q, b, P, int(n_iter), float(tol))


# ----------------------------------------------------------------------------- the loss
def _softmax(raw: np.ndarray) -> np.ndarray:
    if raw.ndim == 1:
        p = 1.0 / (1.0 + np.exp(-raw))
        return np.c_[1.0 - p, p]
    z = raw - raw.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _loss(Q: np.ndarray, b: np.ndarray, P: np.ndarray) -> float:
    keep = b >= 0
    sizes = np.bincount(b[keep], minlength=len(P)).astype(float)
    mean = _bag_sums(Q, b, len(P)) / np.maximum(sizes, 1)[:, None]
    mean = np.clip(mean, _CLIP, 1.0)
    per_bag = -(P * np.log(mean)).sum(axis=1)
    return float((sizes * per_bag).sum() / max(sizes.sum(), 1))


def proportion_loss(proba: Any, bags: Any, proportions: Any) -> float:
    """The bag-level cross-entropy between each bag's proportions and its mean prediction.

    ``sum_b n_b * CE(P[b], mean of proba over bag b) / sum_b n_b``: each row counts once,
    so a large bag weighs as much as its rows. For bags of one row with one-hot
    proportions it is the ordinary log-loss.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
    bags : array-like of int, shape (n_samples,)
        Bag codes ``0 .. n_bags-1``, -1 for a row in no bag (left out).
    proportions : array-like of shape (n_bags, n_classes)

    Returns
    -------
    float

    Examples
    --------
    >>> round(proportion_loss([[0.9, 0.1], [0.1, 0.9]], [0, 0], [[0.5, 0.5]]), 6)  # ln 2
    0.693147
    """
    b, P = _check_bags(bags, proportions)
    Q = _check_proba(proba, len(b), P.shape[1])
    return _loss(Q, b, P)


def _gradient(raw: np.ndarray, b: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    binary = raw.ndim == 1
    Q = np.clip(_softmax(raw), _CLIP, 1.0 - _CLIP)
    keep = b >= 0
    sizes = np.bincount(b[keep], minlength=len(P)).astype(float)
    mean = _bag_sums(Q, b, len(P)) / np.maximum(sizes, 1)[:, None]
    R = np.where(
        keep[:, None], P[np.maximum(b, 0)] / np.clip(mean, _CLIP, 1.0)[np.maximum(b, 0)], 0.0
    )
    # d/df_ij of -sum_k P_bk log(mean_bk), times n_b (each row weighs once):
    #   -p_ij * (R_ij - sum_k R_ik p_ik)
    grad = -Q * (R - (R * Q).sum(axis=1, keepdims=True))
    hess = np.where(keep[:, None], np.maximum(Q * (1.0 - Q), 1e-6), 0.0)
    if binary:
        return grad[:, 1], hess[:, 1]
    return grad, hess


def proportion_loss_gradient(
    raw: Any, bags: Any, proportions: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of the proportion loss (times the number of rows) in the raw scores, and a
    positive Hessian surrogate: what a LightGBM custom objective returns.

    With ``p`` the softmax of row ``i``'s raw scores and ``m_b`` its bag's mean
    probability, the gradient is ``-p_ij * (R_ij - sum_k R_ik p_ik)`` with
    ``R_ik = P[b, k] / m_bk``. For a bag of one row with a one-hot label it is ``p - y``,
    the logistic loss's. The Hessian surrogate is ``p_ij (1 - p_ij)`` (the logistic one,
    exact for bags of one row); rows in no bag get zeros.

    Parameters
    ----------
    raw : array-like of shape (n_samples,) or (n_samples, n_classes)
        Binary: one score per row (the log-odds of class 1). Multiclass: one per class.
    bags : array-like of int, shape (n_samples,)
    proportions : array-like of shape (n_bags, n_classes)

    Returns
    -------
    grad, hess : ndarray, each of the shape of ``raw``

    Examples
    --------
    >>> g, h = proportion_loss_gradient([0.0, 0.0], [0, 1], [[0.0, 1.0], [1.0, 0.0]])
    >>> g.tolist(), h.tolist()  # p - y with p = 0.5
    ([-0.5, 0.5], [0.25, 0.25])
    """
    F = np.asarray(raw, dtype=float)
    b, P = _check_bags(bags, proportions, len(F))
    if F.ndim == 1 and P.shape[1] != 2:
        raise InputError(
            f"one raw score per row is for two classes; proportions have {P.shape[1]}: give "
            "one score per class"
        )
    if F.ndim == 2 and F.shape[1] != P.shape[1]:
        raise InputError(f"raw has {F.shape[1]} columns for {P.shape[1]} classes")
    return _gradient(F, b, P)


# ----------------------------------------------------------------------------- baselines
def bag_majority_labels(bags: Any, proportions: Any) -> np.ndarray:
    """Each row's bag's most frequent class (the bag-majority baseline); -1 in no bag.

    Examples
    --------
    >>> bag_majority_labels([0, 0, 1, -1], [[0.75, 0.25], [0.2, 0.8]]).tolist()
    [0, 0, 1, -1]
    """
    b, P = _check_bags(bags, proportions)
    out = np.full(len(b), UNLABELED, dtype=np.int64)
    keep = b >= 0
    out[keep] = P.argmax(axis=1)[b[keep]]
    return out


def bag_folds(bags: Any, n_splits: int = 5, random_state: Any = None) -> list[np.ndarray]:
    """Folds of whole bags: each fold's test rows are all the rows of some bags.

    The bags are shuffled and dealt into ``n_splits`` groups of (nearly) equal bag count;
    rows in no bag (-1) are in no test fold.

    Parameters
    ----------
    bags : array-like of int, shape (n_samples,)
    n_splits : int, default=5
        At least 2, and at most the number of bags.
    random_state : int, RandomState or None

    Returns
    -------
    list of ndarray of int
        The test rows of each fold.

    Examples
    --------
    >>> folds = bag_folds([0, 0, 1, 1, 2, 2, -1], n_splits=3, random_state=0)
    >>> sorted(sorted(f.tolist()) for f in folds)
    [[0, 1], [2, 3], [4, 5]]
    """
    b = np.asarray(bags)
    if b.ndim != 1 or not np.issubdtype(b.dtype, np.integer):
        raise InputError("bags must be a 1-D array of integer bag codes (-1 for no bag)")
    present = np.unique(b[b >= 0])
    if isinstance(n_splits, bool) or not isinstance(n_splits, Integral) or n_splits < 2:
        raise InputError(f"n_splits must be a whole number, at least 2; got {n_splits!r}")
    if len(present) < n_splits:
        raise InputError(
            f"cannot make {n_splits} folds of whole bags from {len(present)} bag(s); "
            "use fewer folds or more bags"
        )
    order = check_random_state(random_state).permutation(present)
    group = np.full(int(b.max()) + 1, -1)
    group[order] = np.arange(len(order)) % n_splits
    fold_of = np.where(b >= 0, group[np.maximum(b, 0)], -1)
    return [np.flatnonzero(fold_of == f) for f in range(n_splits)]


def bag_cross_validate(
    estimator: Any,
    X: Any,
    y: Any,
    cv: int = 5,
    random_state: Any = None,
    y_true: Any = None,
) -> dict[str, list[float]]:
    """Cross-validate an LLP model by holding out whole bags.

    Each fold's bags leave the target (their rows stay in ``X``, in no bag, which
    :class:`ProportionsClassifier` ignores), the model is fitted on the rest and scored
    on the held-out bags: the mean absolute difference between each held-out bag's given
    proportions and its rows' mean predicted probabilities (``bag_error``), and, when the
    true row labels are known (a benchmark), the accuracy on the held-out rows.

    Parameters
    ----------
    estimator : ProportionsClassifier
        Cloned for every fold, with ``bags=None`` (the bags come from ``y``).
    X : table or array-like of shape (n_samples, n_features)
        Without the bag column.
    y : Target
        A proportions target (:func:`fewlabels.data.labels.proportions_target`).
    cv : int, default=5
        Folds of whole bags (:func:`bag_folds`).
    random_state : int, RandomState or None
        Seeds the folds.
    y_true : array-like of shape (n_samples,), optional
        The true class of each row (names as in the target's classes).

    Returns
    -------
    dict
        ``bag_error`` (per fold); ``baseline_bag_error`` (per fold), the same error when
        every held-out row gets the training bags' overall class shares (what a model that
        learned nothing from the features would say); and, with ``y_true``, ``accuracy``
        (per fold).
    """
    if not isinstance(y, Target) or y.task != "proportions":
        raise InputError(
            "bag_cross_validate takes a proportions target; build one with "
            "fewlabels.data.labels.proportions_target(bags, proportions)"
        )
    assert y.bags is not None and y.proportions is not None
    out: dict[str, list[float]] = {"bag_error": [], "baseline_bag_error": []}
    truth = None if y_true is None else np.asarray(y_true, dtype=object)
    if truth is not None:
        out["accuracy"] = []
    for test in bag_folds(y.bags, cv, random_state):
        model = clone(estimator).set_params(bags=None, proportions=None, cv=None)
        train = y.without(test)
        model.fit(X, train)
        Q = np.asarray(model.predict_proba(_safe_indexing(X, test)))
        sub = y.bags[test]
        held = np.unique(sub)
        codes = np.searchsorted(held, sub)
        sizes = np.bincount(codes).astype(float)
        mean = _bag_sums(Q, codes, len(held)) / sizes[:, None]
        out["bag_error"].append(float(np.abs(mean - y.proportions[held]).mean()))
        assert train.bags is not None
        in_bag = train.bags[train.labeled]  # each training row's bag's shares, averaged
        overall = y.proportions[in_bag].mean(axis=0)
        out["baseline_bag_error"].append(float(np.abs(overall - y.proportions[held]).mean()))
        if truth is not None:
            pred = model.classes_[Q.argmax(axis=1)]
            out["accuracy"].append(float(np.mean(pred.astype(object) == truth[test])))
    return out


# ----------------------------------------------------------------------------- LightGBM
def llp_default_lightgbm(random_state: Any = None) -> Any:
    """The LightGBM model the LLP and PU methods use by default.

    Soft labels and bag-level losses give each row a weak, noisy signal, so the leaves
    are larger (20 rows) than :func:`fewlabels.supervised.default_classifier`'s, which is
    made for a handful of exact labels; the rest follows it. The methods fit many small
    models (EM rounds, folds, bags), where one thread per model is the fastest.
    """
    from ..supervised import default_classifier

    return default_classifier(random_state).set_params(
        n_estimators=100, learning_rate=0.1, min_child_samples=20, n_jobs=1
    )


def _booster_params(model: Any) -> tuple[dict[str, Any], int]:
    """``lightgbm.train`` parameters and rounds from an ``LGBMClassifier``'s settings."""
    params = {k: v for k, v in model.get_params().items() if v is not None}
    rounds = int(params.pop("n_estimators", 100))
    for k in ("objective", "class_weight", "importance_type"):
        params.pop(k, None)
    params.setdefault("verbose", -1)
    # keep every feature in the dataset even when no split of it can meet the leaf size
    # (a small table): LightGBM then grows stumps instead of failing on "no features"
    params.setdefault("feature_pre_filter", False)
    return params, rounds


def _is_lightgbm(model: Any) -> bool:
    return type(model).__module__.startswith("lightgbm")


def fit_custom_booster(
    model: Any,
    X: Any,
    objective: Any,
    n_classes: int,
    init: np.ndarray,
    rows: np.ndarray | None = None,
) -> Any:
    """A LightGBM ``Booster`` trained with ``objective(raw) -> (grad, hess)`` on ``X``.

    ``model`` (an ``LGBMClassifier``) gives the settings; ``init`` is the starting raw
    score (one value, or one per class), added back by :func:`booster_raw`. ``rows``
    restricts training to those rows (the objective then sees their scores only).
    """
    import lightgbm as lgb

    params, rounds = _booster_params(model)
    K = 1 if n_classes == 2 else n_classes
    if K > 1:
        params["num_class"] = K
    data = X if rows is None else _safe_indexing(X, rows)
    n = data.shape[0]
    init_score = np.tile(np.asarray(init, dtype=float).reshape(1, -1), (n, 1))

    def fobj(preds: np.ndarray, _: Any) -> tuple[np.ndarray, np.ndarray]:
        raw = preds.reshape(n, K, order="F") if (K > 1 and preds.ndim == 1) else preds
        g, h = objective(raw)
        if K > 1 and preds.ndim == 1:
            return g.reshape(-1, order="F"), h.reshape(-1, order="F")
        return g, h

    params["objective"] = fobj
    dataset = lgb.Dataset(
        data,
        label=np.zeros(n),
        init_score=init_score[:, 0] if K == 1 else init_score,
        free_raw_data=True,
    )
    return lgb.train(params, dataset, num_boost_round=rounds)


def booster_raw(booster: Any, X: Any, init: np.ndarray) -> np.ndarray:
    """Raw scores of a booster from :func:`fit_custom_booster`, its ``init`` added back."""
    raw = np.asarray(booster.predict(X, raw_score=True), dtype=float)
    init = np.asarray(init, dtype=float)
    return raw + (init[0] if raw.ndim == 1 else init.reshape(1, -1))


# ----------------------------------------------------------------------------- estimator
class ProportionsClassifier(WrapsEstimatorMixin, BaseFewLabelsClassifier):
    """Learn a row-level classifier from bags of rows with known class proportions.

    Parameters
    ----------
    bags : str or array-like of shape (n_samples,), default=None
        Each row's bag: the name of a column of the table ``X`` (which then is no feature,
        and may be left in or out of the table at predict time), or one bag per row (any
        hashable; missing for a row in no bag). With ``bags`` given, ``fit(X)`` takes no
        ``y``. None: the bags come from ``y`` (a proportions
        :class:`~fewlabels.data.Target`), or, for an ordinary class target, every
        labeled row is a bag of one with its label as proportions (supervised learning).
    proportions : mapping or DataFrame, default=None
        Per bag, the share of each class: ``{bag: {class: share}}`` or a frame indexed by
        bag with one column per class (see
        :func:`~fewlabels.data.labels.proportions_target`). Required with ``bags``.
    method : {"lightgbm-proportion-loss", "em"}, default="lightgbm-proportion-loss"
        ``"em"``: EM-LLP. Soft labels start at each row's bag proportions; each round
        fits ``estimator`` on them (every row once per class, weighted by its soft label)
        and resets them with :func:`match_bag_proportions` from the model's probabilities.
        ``"lightgbm-proportion-loss"``: LightGBM trees boosted on
        :func:`proportion_loss` (a custom objective); ``estimator`` must then be None or
        an ``LGBMClassifier``, whose settings it uses.
    estimator : classifier with ``sample_weight`` and ``predict_proba``, default=None
        The model; cloned. None: LightGBM (:func:`llp_default_lightgbm`; with 30 trees
        a round for ``"em"``, which keeps a round from reproducing its own soft labels).
    max_iter : int, default=10
        EM rounds at most.
    tol : float, default=1e-3
        EM stops when no soft label moves more than this.
    cv : int or None, default=5
        Folds of whole bags for the evidence (:func:`bag_cross_validate`, run by ``fit``
        when there are at least 2 bags per fold; fewer folds with fewer bags): how far
        held-out bags' predicted shares are from their given ones, against predicting the
        overall shares. None: no held-out check (``fit`` is ``cv`` times faster).
    random_state : int, RandomState or None, default=None
        Seeds the default LightGBM model and the folds.

    Attributes
    ----------
    estimator_ : classifier or None
        ``"em"``: the model of the last round.
    booster_ : lightgbm.Booster or None
        ``"lightgbm-proportion-loss"``: the trees.
    init_score_ : ndarray
        The booster's starting raw score (the log-odds, or log-shares, of the mean
        proportions).
    soft_labels_ : ndarray of shape (n_samples, n_classes)
        ``"em"``: the last soft labels (zeros for rows in no bag).
    n_iter_ : int
        EM rounds run (1 for the proportion loss).
    n_bags_ : int
    bag_error_ : float
        Training fit: mean absolute difference between each bag's proportions and its
        rows' mean predicted probability.
    evidence_ : Evidence
        What ``fewlabels fit`` reports: no row has a label, so accuracy is not
        cross-validated; ``skipped_reason`` gives ``bag_error_`` and, with ``cv``, the
        held-out bags' error against the overall-shares baseline.
    cv_results_ : dict or None
        With ``cv``: :func:`bag_cross_validate`'s ``bag_error`` and
        ``baseline_bag_error`` per fold.
    classes_ : ndarray of shape (n_classes,)
    n_labeled_ : int
        Rows in a bag.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2))
    >>> truth = (X[:, 0] > 0).astype(int)
    >>> bags = np.repeat(np.arange(50), 8)
    >>> shares = {b: {0: 1 - truth[bags == b].mean(), 1: truth[bags == b].mean()}
    ...           for b in range(50)}
    >>> clf = ProportionsClassifier(bags=bags, proportions=shares, random_state=0).fit(X)
    >>> bool((clf.predict(X) == truth).mean() > 0.9)
    True
    """

    _accepts_tables = True
    _allow_nan = True
    _target_tasks: ClassVar[frozenset[str]] = frozenset({"binary", "multiclass", "proportions"})

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "bags": [None, str, "array-like"],
        "proportions": [None, dict, pd.DataFrame],
        "method": [StrOptions(set(METHODS))],
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "cv": [None, Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        bags: Any = None,
        proportions: Any = None,
        method: str = "lightgbm-proportion-loss",
        estimator: Any = None,
        max_iter: int = 10,
        tol: float = 1e-3,
        cv: int | None = 5,
        random_state: Any = None,
    ):
        self.bags = bags
        self.proportions = proportions
        self.method = method
        self.estimator = estimator
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.random_state = random_state

    # -- input -----------------------------------------------------------------------
    def _bag_column(self) -> str | None:
        return self.bags if isinstance(self.bags, str) else None

    def _validate_X(self, X: Any, reset: bool) -> Any:
        col = self._bag_column()
        if col is not None and _is_table(X):
            frame = as_pandas(X)
            if col in frame.columns:
                X = frame.drop(columns=[col])
        return super()._validate_X(X, reset)

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> ProportionsClassifier:
        """Fit on bags of rows and their class proportions.

        Parameters
        ----------
        X : table or array-like of shape (n_samples, n_features)
            With the bag column when ``bags`` names one.
        y : array-like of shape (n_samples,), Target, or None
            None when ``bags`` is given. Otherwise a proportions
            :class:`~fewlabels.data.Target`, or class labels (every labeled row a bag of
            one).
        **fit_params
            ``progress`` (callable(stage, done, total)) is accepted and called per round.

        Returns
        -------
        self
        """
        if self.bags is not None:
            if y is not None:
                raise InputError(
                    "ProportionsClassifier got both y and bags; with bags (and proportions) "
                    "no y is needed: call fit(X)"
                )
            if self.proportions is None:
                raise InputError(
                    "ProportionsClassifier got bags without proportions; give each bag's "
                    "class shares as proportions={bag: {class: share}} or a table"
                )
            col = self._bag_column()
            if col is not None:
                if not _is_table(X) or col not in as_pandas(X).columns:
                    raise InputError(
                        f"bags={col!r} names a column, but X has no column {col!r}; pass the "
                        "table with its bag column, or one bag per row"
                    )
                values = as_pandas(X)[col]
            else:
                values = column_or_1d(np.asarray(self.bags, dtype=object))
            y = proportions_target(values, self.proportions, who="ProportionsClassifier")
        elif self.proportions is not None:
            raise InputError(
                "ProportionsClassifier got proportions without bags; say each row's bag with "
                "bags= (a column name or one bag per row)"
            )
        return super().fit(X, y, **fit_params)  # type: ignore[return-value]

    def _check_target(self, target: Target) -> None:
        if target.task == "proportions":
            assert target.bags is not None
            n_bags = len(np.unique(target.bags[target.labeled]))
            if n_bags < 2:
                raise InputError(
                    "the bag column holds a single bag: its proportions say nothing about "
                    "which row is which class; give at least two bags"
                )

    @staticmethod
    def _bags_of(target: Target) -> tuple[np.ndarray, np.ndarray]:
        """``(bag code per row, proportions)``; a class target: a bag per labeled row."""
        if target.task == "proportions":
            assert target.bags is not None and target.proportions is not None
            return target.bags, target.proportions
        rows = np.flatnonzero(target.labeled)
        bags = np.full(len(target), UNLABELED, dtype=np.int64)
        bags[rows] = np.arange(len(rows))
        P = np.zeros((len(rows), target.n_classes))
        P[np.arange(len(rows)), target.codes[rows]] = 1.0
        return bags, P

    # -- fitting ---------------------------------------------------------------------
    def _fit(
        self, X: Any, target: Target, random_state: np.random.RandomState, progress: Any = None
    ) -> None:
        from ..evidence import Evidence

        bags, P = self._bags_of(target)
        K = target.n_classes
        rows = np.flatnonzero(bags >= 0)
        self.n_bags_ = int(len(np.unique(bags[rows])))
        self.estimator_: Any = None
        self.booster_: Any = None
        self.soft_labels_ = np.zeros((len(bags), K))
        if self.estimator is not None:
            base = clone(self.estimator)
        else:  # EM refits every round: fewer trees fit the soft labels less exactly
            base = llp_default_lightgbm(random_state)
            if self.method == "em":
                base.set_params(n_estimators=30)
        # the rows in a bag, with their bags renumbered 0..B-1
        used, sub_bags = np.unique(bags[rows], return_inverse=True)
        sub_P = P[used]
        Xr = _safe_indexing(X, rows)
        if self.method == "em":
            Q, soft = self._fit_em(base, Xr, sub_bags, sub_P, K, progress)
            self.soft_labels_[rows] = soft
        else:
            Q = self._fit_loss(base, Xr, sub_bags, sub_P, K)
        self.bag_error_ = float(
            np.abs(
                _bag_sums(Q, sub_bags, len(sub_P)) / np.bincount(sub_bags)[:, None] - sub_P
            ).mean()
        )
        reason = (
            "label proportions: no row has a label, so accuracy is not cross-validated; "
            f"the training bags' proportions are matched to {self.bag_error_:.3f} (mean "
            "absolute error)"
        )
        self.cv_results_ = None
        folds = min(self.cv or 0, self.n_bags_ // 2) if target.task == "proportions" else 0
        if folds >= 2:
            self.cv_results_ = bag_cross_validate(
                self, X, target, cv=folds, random_state=random_state
            )
            held = float(np.mean(self.cv_results_["bag_error"]))
            base = float(np.mean(self.cv_results_["baseline_bag_error"]))
            verdict = "closer to" if held < base else "no closer to"
            reason += (
                f"; with whole bags held out ({folds} folds), the predicted shares miss each "
                f"held-out bag's given shares by {held:.3f} on average, against {base:.3f} when "
                "every row gets the overall shares: the model's bags are "
                f"{verdict} the truth than a model that ignores the features"
            )
        elif target.task == "proportions" and self.cv:
            reason += "; too few bags to hold some out (cv needs 2 bags per fold)"
        ev = Evidence(f"llp-{self.method}", "bag-majority", 0, 0)
        ev.skipped_reason = reason
        self.evidence_ = ev

    def _fit_em(
        self, base: Any, X: Any, bags: np.ndarray, P: np.ndarray, K: int, progress: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        n = len(bags)
        soft = P[bags].copy()
        stack = np.tile(np.arange(n), K)
        Xs = _safe_indexing(X, stack)
        ys = np.repeat(np.arange(K), n)
        self.n_iter_ = 0
        Q = soft
        for it in range(self.max_iter):
            model = clone(base).fit(Xs, ys, sample_weight=soft.T.reshape(-1) + _TINY)
            Q = _place_columns(model, X, K)
            new = _match(Q, bags, P, 100, 1e-6)
            moved = float(np.abs(new - soft).max())
            soft = new
            self.n_iter_ = it + 1
            self.estimator_ = model
            if progress is not None:
                progress("EM-LLP rounds", it + 1, self.max_iter)
            logger.debug("EM-LLP round %d: soft labels moved %.4f", it + 1, moved)
            if moved <= self.tol:
                break
        return Q, soft

    def _fit_loss(self, base: Any, X: Any, bags: np.ndarray, P: np.ndarray, K: int) -> np.ndarray:
        if not _is_lightgbm(base):
            raise InputError(
                "method='lightgbm-proportion-loss' boosts LightGBM trees; give "
                "estimator=None or an LGBMClassifier, or use method='em' for any classifier"
            )
        sizes = np.bincount(bags).astype(float)
        prior = np.clip((sizes[:, None] * P).sum(axis=0) / sizes.sum(), _CLIP, 1.0)
        init = np.log(prior / prior[0])[1:] if K == 2 else np.log(prior)
        self.init_score_ = init
        self.booster_ = fit_custom_booster(base, X, lambda raw: _gradient(raw, bags, P), K, init)
        self.n_iter_ = 1
        return _softmax(booster_raw(self.booster_, X, init))

    def _predict_proba(self, X: Any) -> np.ndarray:
        K = len(self.classes_)
        if self.booster_ is not None:
            return _softmax(booster_raw(self.booster_, X, self.init_score_))
        return _place_columns(self.estimator_, X, K)


def _place_columns(model: Any, X: Any, K: int) -> np.ndarray:
    """``model.predict_proba(X)`` with its columns placed by class code ``0 .. K-1``."""
    proba = np.asarray(model.predict_proba(X), dtype=float)
    out = np.zeros((proba.shape[0], K))
    out[:, np.asarray(model.classes_, dtype=int)] = proba
    return out
