"""Label errors by confident learning, as pure functions on ``(labels, pred_probs)``.

``labels`` holds each row's given class as an integer ``0 .. K-1`` and ``pred_probs`` the
out-of-fold probabilities of the ``K`` classes (rows summing to 1). From them:

- :func:`confident_thresholds`: per class, the mean probability of that class over the
  rows labeled with it (its "self-confidence");
- :func:`confident_joint`: the ``K x K`` counts of rows given label ``i`` whose true label
  is confidently ``j`` (a row counts where the probability of ``j`` reaches ``j``'s
  threshold; with several such classes, the most probable one), calibrated so that each
  row ``i`` sums to the number of rows labeled ``i``;
- :func:`estimate_noise`: the joint distribution of given and true labels, the noise
  matrix and each class's noise rate;
- :func:`find_label_issues`: which rows look mislabeled (``filter_by`` as in Northcutt et
  al., 2021: prune by noise rate, by class, both, or the confident joint's off-diagonal);
- :func:`label_quality_scores`: one score per row in [0, 1], low for a likely error.

The definitions follow confident learning as cleanlab 2.9 implements it, so the masks are
the same on the same inputs (rows tied exactly at a cut may be chosen differently). The
selection is linear-time (``argpartition``) instead of a sort per class pair.

References
----------
Northcutt, Jiang and Chuang, "Confident Learning: Estimating Uncertainty in Dataset
Labels", JAIR 70, 2021.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..exceptions import InputError

__all__ = [
    "FILTERS",
    "SCORES",
    "NoiseEstimate",
    "confident_joint",
    "confident_thresholds",
    "estimate_noise",
    "find_label_issues",
    "label_quality_scores",
]

#: The ways :func:`find_label_issues` can decide which rows are issues.
FILTERS = ("prune_by_noise_rate", "prune_by_class", "both", "confident_learning")
#: The label-quality scores :func:`label_quality_scores` computes.
SCORES = ("self_confidence", "normalized_margin", "confidence_weighted_entropy")

#: Slack in the threshold comparisons (cleanlab's FLOATING_POINT_COMPARISON).
_EPS = 1e-6
#: How far a row of probabilities may be from summing to 1.
_SUM_TOL = 1e-3
#: Threshold of a class no row is labeled with: no probability reaches it.
_NEVER = 2.0


def _check(labels: Any, pred_probs: Any, one_class: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(labels, pred_probs)``: int64 labels in range, probabilities whose rows
    sum to 1, and (unless ``one_class``) at least two classes among the labels."""
    P = np.asarray(pred_probs)
    if P.ndim != 2 or P.shape[1] < 2:
        raise InputError(
            f"pred_probs must be a 2-D array with one column per class (at least 2); got shape "
            f"{P.shape}"
        )
    if not np.issubdtype(P.dtype, np.floating):
        P = P.astype(float)
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) != len(P):
        raise InputError(
            f"labels must be 1-D with one label per row of pred_probs ({len(P)}); got shape "
            f"{y.shape}"
        )
    if len(y) == 0:
        raise InputError("labels and pred_probs are empty; give at least one labeled row")
    if not np.issubdtype(y.dtype, np.integer):
        if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        else:
            raise InputError(
                "labels must be class indices 0 .. K-1 (integers); encode the classes first"
            )
    y = y.astype(np.int64, copy=False)
    K = P.shape[1]
    if y.min() < 0 or y.max() >= K:
        raise InputError(
            f"labels must lie in 0 .. {K - 1} (one per column of pred_probs); got values from "
            f"{int(y.min())} to {int(y.max())}"
        )
    sums = P.sum(axis=1)  # NaN or infinite when any entry is
    if not np.all(np.isfinite(sums)) or P.min() < -_EPS or P.max() > 1 + _EPS:
        raise InputError("pred_probs must be finite probabilities between 0 and 1")
    bad = np.abs(sums - 1.0) > _SUM_TOL
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"each row of pred_probs must sum to 1; row {i} sums to {sums[i]:.4g} "
            f"({int(bad.sum())} such rows); pass probabilities, e.g. predict_proba's output"
        )
    if not one_class and np.bincount(y, minlength=K).astype(bool).sum() < 2:
        raise InputError(
            f"all labels are class {int(y[0])}; label errors need at least two classes"
        )
    return y, P


# ----------------------------------------------------------------------------- counting
def _thresholds(y: np.ndarray, P: np.ndarray) -> np.ndarray:
    K = P.shape[1]
    counts = np.bincount(y, minlength=K)
    self_conf = P[np.arange(len(y)), y].astype(np.float64)
    sums = np.bincount(y, weights=self_conf, minlength=K)
    t = np.full(K, _NEVER)
    present = counts > 0
    t[present] = sums[present] / counts[present]
    return np.maximum(t, 2 * _EPS)


def confident_thresholds(labels: Any, pred_probs: Any) -> np.ndarray:
    """Per class, the mean probability of the class over the rows labeled with it.

    A class no row is labeled with gets 2 (no probability reaches it).

    Examples
    --------
    >>> P = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8]])
    >>> confident_thresholds([0, 0, 1], P).round(3).tolist()
    [0.8, 0.8]
    """
    y, P = _check(labels, pred_probs)
    return _thresholds(y, P)


def _guesses(y: np.ndarray, P: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's confident true-label guess and whether it has one."""
    above = P >= t - _EPS
    n_above = above.view(np.int8).sum(axis=1, dtype=np.int64)
    guess = above.argmax(axis=1)  # the one class above its threshold ...
    several = np.flatnonzero(n_above > 1)
    guess[several] = P[several].argmax(axis=1)  # ... or the most probable of all
    return guess, n_above > 0


def _raw_joint(y: np.ndarray, guess: np.ndarray, confident: np.ndarray, K: int) -> np.ndarray:
    # counted true x given and transposed, as cleanlab's confusion matrix is (memory order)
    cj = np.bincount(guess[confident] * K + y[confident], minlength=K * K).reshape(K, K).T
    np.fill_diagonal(cj, np.maximum(cj.diagonal(), 1))  # every class keeps one right label
    return cj


def _round_keeping_sum(values: np.ndarray) -> np.ndarray:
    """Round to integers whose sum is the rounded sum (largest remainders move)."""
    ints = values.round()
    target = np.round(values.sum())
    total = np.round(ints.sum())
    while abs(total - target) > _EPS:
        diff = np.round(target - total)
        step = -1 if diff < 0 else 1
        n = min(int(abs(diff)), len(values))
        idx = np.argsort(values - ints)[::-step][:n]
        ints[idx] += step
        total = np.round(ints.sum())
    return ints.astype(np.int64)


def _calibrate(cj: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Rescale each row to its label count and the whole to their total; integer counts."""
    # the transposes keep cleanlab's memory order, so that the sums (and the rounding of
    # exact ties) come out bit for bit the same
    rows = (cj.T / np.maximum(cj.sum(axis=1), 1e-100) * counts).T
    rows = rows / max(float(np.sum(rows)), 1e-100) * int(counts.sum())
    return np.array([_round_keeping_sum(r) for r in rows], dtype=np.int64)


def confident_joint(
    labels: Any, pred_probs: Any, *, calibrate: bool = True, thresholds: Any = None
) -> np.ndarray:
    """The confident joint: ``C[i, j]`` rows given label ``i`` confidently of class ``j``.

    A row is counted under class ``j`` when ``pred_probs[:, j]`` reaches ``j``'s threshold
    (:func:`confident_thresholds`, less 1e-6); when several classes do, the most probable
    one; a row that reaches no threshold is not counted. Each diagonal entry is at least
    1. With ``calibrate``, each row ``i`` is rescaled to the number of rows labeled ``i``
    and rounded keeping the row totals (Northcutt et al. 2021, eq. 2).

    Parameters
    ----------
    labels : array-like of int, shape (n_samples,)
        Given labels, ``0 .. K-1``.
    pred_probs : array-like of shape (n_samples, K)
        Out-of-fold class probabilities.
    calibrate : bool, default=True
    thresholds : array-like of shape (K,), optional
        Per-class thresholds; default: :func:`confident_thresholds`.

    Returns
    -------
    ndarray of int64, shape (K, K)

    Examples
    --------
    >>> P = np.array([[0.8, 0.1, 0.1], [0.4, 0.5, 0.1], [0.1, 0.7, 0.2],
    ...               [0.3, 0.3, 0.4], [0.6, 0.1, 0.3], [0.1, 0.2, 0.7]])
    >>> labels = [0, 0, 1, 1, 2, 2]  # thresholds 0.6, 0.5, 0.5; row 3 reaches none
    >>> confident_joint(labels, P, calibrate=False).tolist()
    [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    >>> confident_joint(labels, P).tolist()  # row 1 rescaled to the 2 rows labeled 1
    [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    """
    y, P = _check(labels, pred_probs)
    K = P.shape[1]
    t = _thresholds(y, P) if thresholds is None else np.asarray(thresholds, dtype=float)
    guess, confident = _guesses(y, P, t)
    cj = _raw_joint(y, guess, confident, K)
    return _calibrate(cj, np.bincount(y, minlength=K)) if calibrate else cj


@dataclass(frozen=True)
class NoiseEstimate:
    """What confident learning estimates about the label noise of a table.

    Attributes
    ----------
    confident_joint : ndarray of int, shape (K, K)
        Calibrated counts: rows given label ``i`` whose true class is ``j``.
    joint : ndarray of shape (K, K)
        ``confident_joint`` normalised: the estimated ``P(given = i, true = j)``.
    noise_matrix : ndarray of shape (K, K)
        ``P(given = i | true = j)`` (columns sum to 1).
    inverse_noise_matrix : ndarray of shape (K, K)
        ``P(true = j | given = i)`` (rows sum to 1).
    noise_rates : ndarray of shape (K,)
        Per given class ``i``, the estimated share of its rows whose label is wrong,
        ``1 - P(true = i | given = i)``.
    label_counts : ndarray of int, shape (K,)
    n_issues : int
        Estimated number of wrong labels (the calibrated joint's off-diagonal).
    """

    confident_joint: np.ndarray
    joint: np.ndarray
    noise_matrix: np.ndarray
    inverse_noise_matrix: np.ndarray
    noise_rates: np.ndarray
    label_counts: np.ndarray
    n_issues: int

    @property
    def issue_share(self) -> float:
        """The estimated share of wrong labels."""
        return float(self.n_issues / max(int(self.label_counts.sum()), 1))


def _noise_from_joint(cj: np.ndarray, counts: np.ndarray) -> NoiseEstimate:
    joint = cj / max(float(cj.sum()), 1e-100)
    true_counts = cj.sum(axis=0).astype(float)
    noise = cj / np.maximum(true_counts, 1e-100)
    inverse = cj / np.maximum(cj.sum(axis=1, keepdims=True).astype(float), 1e-100)
    n_issues = int(cj.sum() - np.trace(cj))
    return NoiseEstimate(
        confident_joint=cj,
        joint=joint,
        noise_matrix=noise,
        inverse_noise_matrix=inverse,
        noise_rates=1.0 - inverse.diagonal(),
        label_counts=counts,
        n_issues=n_issues,
    )


def estimate_noise(labels: Any, pred_probs: Any) -> NoiseEstimate:
    """The joint of given and true labels, the noise matrices and per-class noise rates.

    Examples
    --------
    >>> P = np.array([[0.8, 0.1, 0.1], [0.4, 0.5, 0.1], [0.1, 0.7, 0.2],
    ...               [0.3, 0.3, 0.4], [0.6, 0.1, 0.3], [0.1, 0.2, 0.7]])
    >>> est = estimate_noise([0, 0, 1, 1, 2, 2], P)
    >>> est.n_issues, est.noise_rates.tolist()
    (2, [0.5, 0.0, 0.5])
    """
    y, P = _check(labels, pred_probs)
    K = P.shape[1]
    counts = np.bincount(y, minlength=K)
    guess, confident = _guesses(y, P, _thresholds(y, P))
    return _noise_from_joint(_calibrate(_raw_joint(y, guess, confident, K), counts), counts)


# ----------------------------------------------------------------------------- pruning
def _keep_per_class(pcm: np.ndarray, n: int) -> np.ndarray:
    """``pcm`` (true x given counts) with each diagonal raised to ``n``, taken evenly from
    the column's non-zero noise counts, truncated to integers (as cleanlab does)."""
    diag = pcm.diagonal()
    new_diag = np.maximum(diag, n)
    nonzero = np.maximum(np.count_nonzero(pcm, axis=0) - 1.0, 1.0)
    out = pcm - (new_diag - diag) / nonzero
    out[out < 0] = 0
    np.fill_diagonal(out, new_diag)
    return out.astype(np.int64)


def _smallest(values: np.ndarray, n: int, cuts: tuple[float, ...]) -> np.ndarray:
    """Positions of the ``n`` smallest values (any order), in linear time.

    The selection runs on the values below the first cut that leaves at least ``n`` of
    them (the ``n`` smallest are all there), else on all values."""
    if n >= len(values):
        return np.arange(len(values))
    for cut in cuts:
        cand = np.flatnonzero(values < cut)
        if len(cand) >= n:
            return cand[np.argpartition(values[cand], n - 1)[:n]]
    return np.argpartition(values, n - 1)[:n]


def _prune(
    y: np.ndarray, P: np.ndarray, cj: np.ndarray, by_class: bool, by_rate: bool, min_per_class: int
) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the rows pruned by class and by noise rate."""
    K = P.shape[1]
    pcm = _keep_per_class(cj.T, min_per_class)  # [true, given]
    small = np.uint8 if K <= 255 else np.uint16 if K <= 65535 else np.int64
    order = np.argsort(y.astype(small), kind="stable")  # radix sort for small ints
    counts = np.bincount(y, minlength=K)
    ends = np.cumsum(counts)
    mask_class = np.zeros(len(y), dtype=bool)
    mask_rate = np.zeros(len(y), dtype=bool)
    for k in range(K):
        n_k = int(counts[k])
        if n_k <= max(min_per_class, 1):  # too few rows to prune (cleanlab: a warning)
            continue
        rows = order[ends[k] - n_k : ends[k]]
        block = np.take(P, rows, axis=0).T.copy()  # (K, n_k): one class per row
        p_k = block[k]
        if by_class:
            n_issues = n_k - int(pcm[k, k])
            if n_issues >= 1:
                mask_class[rows[_smallest(p_k, n_issues, (0.25, 0.5))]] = True
        if by_rate:
            for j in range(K):
                n_prune = int(pcm[j, k])
                if j != k and n_prune > 0:
                    # the rows labeled k most likely to be j: largest p_j - p_k
                    pick = _smallest(p_k - block[j], n_prune, (0.0, 0.5))
                    mask_rate[rows[pick]] = True
    return mask_class, mask_rate


def _predicted_given(y: np.ndarray, P: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Of ``rows``, those whose most probable class is the given one (ties and gaps under
    1e-6 favour the given label): never an issue."""
    sub = np.array(P[rows], dtype=P.dtype, copy=True)
    sub[np.arange(len(rows)), y[rows]] += _EPS
    return rows[sub.argmax(axis=1) == y[rows]]


def find_label_issues(
    labels: Any,
    pred_probs: Any,
    filter_by: str = "prune_by_noise_rate",
    *,
    min_examples_per_class: int = 1,
    rank_by: str | None = None,
) -> np.ndarray:
    """The rows whose given label looks wrong, by confident learning.

    Parameters
    ----------
    labels : array-like of int, shape (n_samples,)
        Given labels, ``0 .. K-1``.
    pred_probs : array-like of shape (n_samples, K)
        Out-of-fold probabilities (a model's predictions on rows it was not fitted on; see
        :func:`~fewlabels.noise.out_of_fold_proba`).
    filter_by : {"prune_by_noise_rate", "prune_by_class", "both", "confident_learning"}
        - ``"prune_by_noise_rate"``: for every off-diagonal cell ``(i, j)`` of the
          calibrated confident joint, the ``C[i, j]`` rows labeled ``i`` with the largest
          ``p_j - p_i``;
        - ``"prune_by_class"``: per class ``i``, its ``n_i - C[i, i]`` rows with the
          smallest ``p_i``;
        - ``"both"``: rows flagged by both;
        - ``"confident_learning"``: the rows counted off the diagonal of the (uncalibrated)
          confident joint.

        In every case a row whose most probable class is its given label is kept.
    min_examples_per_class : int, default=1
        Pruning leaves at least this many rows of each class (not for
        ``"confident_learning"``).
    rank_by : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}, optional
        Return the issues' row indices, most likely error first, ordered by that score
        (:func:`label_quality_scores`), instead of a mask.

    Returns
    -------
    ndarray
        A boolean mask of shape (n_samples,), or (with ``rank_by``) the indices of the
        flagged rows, ranked.

    Examples
    --------
    >>> P = np.array([[0.8, 0.1, 0.1], [0.4, 0.5, 0.1], [0.1, 0.7, 0.2],
    ...               [0.3, 0.3, 0.4], [0.6, 0.1, 0.3], [0.1, 0.2, 0.7]])
    >>> labels = [0, 0, 1, 1, 2, 2]
    >>> find_label_issues(labels, P).tolist()  # row 3 is unsure, not confidently wrong
    [False, True, False, False, True, False]
    >>> find_label_issues(labels, P, rank_by="normalized_margin").tolist()
    [4, 1]
    """
    if filter_by not in FILTERS:
        raise InputError(f"unknown filter_by {filter_by!r}; choose one of: {', '.join(FILTERS)}")
    if rank_by is not None and rank_by not in SCORES:
        raise InputError(f"unknown rank_by {rank_by!r}; choose one of: {', '.join(SCORES)}")
    if int(min_examples_per_class) < 0:
        raise InputError("min_examples_per_class must be 0 or more")
    y, P = _check(labels, pred_probs)
    K = P.shape[1]
    guess, confident = _guesses(y, P, _thresholds(y, P))
    raw = _raw_joint(y, guess, confident, K)
    if filter_by == "confident_learning":
        mask = confident & (guess != y)
    else:
        cj = _calibrate(raw, np.bincount(y, minlength=K))
        by_class, by_rate = _prune(
            y,
            P,
            cj,
            filter_by in ("prune_by_class", "both"),
            filter_by in ("prune_by_noise_rate", "both"),
            int(min_examples_per_class),
        )
        mask = {"prune_by_class": by_class, "prune_by_noise_rate": by_rate}.get(
            filter_by, by_class & by_rate
        )
    flagged = np.flatnonzero(mask)
    mask[_predicted_given(y, P, flagged)] = False
    if rank_by is None:
        return mask
    rows = np.flatnonzero(mask)
    scores = _SCORE_FUNCS[rank_by](y[rows], P[rows])
    return rows[np.argsort(scores, kind="stable")]


# ----------------------------------------------------------------------------- scores
def _self_confidence(y: np.ndarray, P: np.ndarray) -> np.ndarray:
    return np.asarray(P[np.arange(len(y)), y], dtype=float)


def _normalized_margin(y: np.ndarray, P: np.ndarray) -> np.ndarray:
    own = _self_confidence(y, P)
    others = np.array(P, dtype=float, copy=True)
    others[np.arange(len(y)), y] = -np.inf
    return (own - others.max(axis=1) + 1) / 2


def _confidence_weighted_entropy(y: np.ndarray, P: np.ndarray) -> np.ndarray:
    from scipy.special import xlogy

    own = np.maximum(_self_confidence(y, P), _EPS)
    Pf = np.clip(np.asarray(P, dtype=float), 0.0, 1.0)
    entropy = -xlogy(Pf, Pf).sum(axis=1) / np.log(P.shape[1])
    ratio = entropy / own
    return np.log(ratio + 1) / np.maximum(ratio, _EPS)


_SCORE_FUNCS = {
    "self_confidence": _self_confidence,
    "normalized_margin": _normalized_margin,
    "confidence_weighted_entropy": _confidence_weighted_entropy,
}


def label_quality_scores(
    labels: Any, pred_probs: Any, method: str = "self_confidence"
) -> np.ndarray:
    """One score per row in [0, 1]; the lower, the more likely the given label is wrong.

    Parameters
    ----------
    labels : array-like of int, shape (n_samples,)
    pred_probs : array-like of shape (n_samples, K)
    method : {"self_confidence", "normalized_margin", "confidence_weighted_entropy"}
        - ``"self_confidence"``: ``p[given]``;
        - ``"normalized_margin"``: ``(p[given] - max of the other p + 1) / 2``;
        - ``"confidence_weighted_entropy"``: with ``r`` = normalised entropy of ``p``
          over ``p[given]``, ``log(r + 1) / r``.

    Examples
    --------
    >>> P = np.array([[0.9, 0.1], [0.3, 0.7]])
    >>> label_quality_scores([0, 0], P).tolist()
    [0.9, 0.3]
    >>> label_quality_scores([0, 0], P, "normalized_margin").round(2).tolist()
    [0.9, 0.3]
    """
    if method not in SCORES:
        raise InputError(f"unknown method {method!r}; choose one of: {', '.join(SCORES)}")
    y, P = _check(labels, pred_probs, one_class=True)
    return _SCORE_FUNCS[method](y, P)
