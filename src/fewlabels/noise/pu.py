"""Learning from positives and unlabeled rows (PU learning).

Some rows are labeled, all with one class (the *positives*: confirmed fraud, a known
buyer); every other row is unlabeled and may be of either class. Under the SCAR
assumption (positives are "selected completely at random" for labeling) the labeled share
of the positives is a constant ``c = P(labeled | positive)``, and a classifier ``g`` of
labeled against unlabeled rows satisfies ``g(x) = c * P(positive | x)`` (Elkan and Noto,
2008). The steps are pure functions on arrays, where ``labeled`` marks the labeled
positives and ``scores`` holds out-of-fold ``g(x)``:

- :func:`elkan_noto_c`: Elkan and Noto's estimators of ``c`` (e1: the mean score of the
  labeled rows, e2: their share of the total score, e3: the largest score);
- :func:`best_bin_prior`: the share of positives among the unlabeled rows from the score
  bin where the positives are purest (best-bin estimation, Garg et al., 2021), which
  needs no separable classes: the irreducibility argument of TIcE and of the kernel
  estimators (KM), on a classifier's scores;
- :func:`prior_from_c` and :func:`estimate_prior`: the class prior ``P(positive)``
  over all rows, and ``c`` with it;
- :func:`bootstrap_prior_interval`: a percentile bootstrap interval of the prior;
- :func:`lee_liu_score` and :func:`positive_class_scores`: PU metrics, without the true
  classes (Lee and Liu's ``recall^2 / P(predicted positive)``) and with them.

:class:`PUClassifier` wraps them with three methods: Elkan–Noto's rescaled classifier,
bagging PU (Mordelet and Vert, 2014) and nnPU (Kiryo et al., 2017) on LightGBM trees (a
custom objective). The target is read by :func:`fewlabels.data.labels.parse_target`:
a target holding one class is positive-unlabeled as it is; ``positive_label=VALUE``
makes every row that is not ``VALUE`` unlabeled, whatever it holds.

References
----------
Elkan and Noto, "Learning classifiers from only positive and unlabeled data", KDD 2008.
Lee and Liu, "Learning with positive and unlabeled examples using weighted logistic
regression", ICML 2003. Mordelet and Vert, "A bagging SVM to learn from positive and
unlabeled examples", Pattern Recognition Letters 37, 2014. Kiryo, Niu, du Plessis and
Sugiyama, "Positive-unlabeled learning with non-negative risk estimator", NeurIPS 2017.
Garg, Wu, Smola, Balakrishnan and Lipton, "Mixture proportion estimation and PU learning:
a modern approach", NeurIPS 2021. Bekker and Davis, "Estimating the class prior in
positive and unlabeled data through decision tree induction" (TIcE), AAAI 2018.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import column_or_1d

from ..base import BaseFewLabelsClassifier, WrapsEstimatorMixin
from ..data.labels import UNLABELED, Target, encode_target, parse_target, to_python
from ..exceptions import InputError
from .proportions import _is_lightgbm, booster_raw, fit_custom_booster, llp_default_lightgbm

__all__ = [
    "PRIOR_METHODS",
    "PUClassifier",
    "best_bin_prior",
    "bootstrap_prior_interval",
    "elkan_noto_c",
    "estimate_prior",
    "lee_liu_score",
    "nnpu_gradient",
    "positive_class_scores",
    "positive_unlabeled_target",
    "prior_from_c",
]

logger = logging.getLogger(__name__)

#: How :func:`estimate_prior` can estimate the class prior.
PRIOR_METHODS = ("bbe", "e1", "e2", "e3")
_TINY = 1e-12


# ----------------------------------------------------------------------------- checks
def _check_scores(labeled: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(labeled)
    g = np.asarray(scores, dtype=float)
    if s.ndim != 1 or g.shape != s.shape:
        raise InputError(
            f"labeled and scores must be 1-D with one entry per row; got shapes {s.shape} "
            f"and {g.shape}"
        )
    if s.dtype != bool:
        if not np.isin(s, (0, 1)).all():
            raise InputError("labeled must be a boolean mask (or 0/1): True on a labeled positive")
        s = s.astype(bool)
    if not s.any():
        raise InputError("no row is a labeled positive; PU learning needs some labeled positives")
    if s.all():
        raise InputError("every row is a labeled positive; PU learning needs unlabeled rows too")
    if not np.all(np.isfinite(g)) or g.min() < 0 or g.max() > 1:
        raise InputError("scores must be probabilities in [0, 1] (P(labeled | x), out of fold)")
    return s, g


# ----------------------------------------------------------------------------- the prior
def _c(s: np.ndarray, g: np.ndarray, estimator: str) -> float:
    if estimator == "e1":
        c = g[s].mean()
    elif estimator == "e2":
        c = g[s].sum() / max(g.sum(), _TINY)
    else:
        c = g.max()
    return float(np.clip(c, s.mean(), 1.0))


def elkan_noto_c(labeled: Any, scores: Any, estimator: str = "e1") -> float:
    """Elkan and Noto's estimate of ``c = P(labeled | positive)``.

    Parameters
    ----------
    labeled : array-like of bool, shape (n_samples,)
        True on the labeled positives.
    scores : array-like of shape (n_samples,)
        Out-of-fold ``P(labeled | x)`` from a classifier of labeled against unlabeled rows.
    estimator : {"e1", "e2", "e3"}, default="e1"
        ``"e1"``: the mean score of the labeled rows (the paper's choice); ``"e2"``: the
        labeled rows' share of the total score; ``"e3"``: the largest score. All assume
        that a positive is never scored like a negative (separable classes): with overlap
        e1 and e2 are too low, and the prior too high.

    Returns
    -------
    float
        In ``[share of labeled rows, 1]``.

    Examples
    --------
    Two labeled rows scored 0.3 each, four unlabeled rows scored 0.3, 0.3, 0, 0: half of
    the positives are labeled.

    >>> elkan_noto_c([1, 1, 0, 0, 0, 0], [0.3, 0.3, 0.3, 0.3, 0.0, 0.0])
    0.3333333333333333
    >>> elkan_noto_c([1, 1, 0, 0, 0, 0], [0.5, 0.5, 0.5, 0.5, 0.0, 0.0])
    0.5
    """
    if estimator not in ("e1", "e2", "e3"):
        raise InputError(f"estimator must be 'e1', 'e2' or 'e3'; got {estimator!r}")
    s, g = _check_scores(labeled, scores)
    return _c(s, g, estimator)


def prior_from_c(labeled: Any, c: float) -> float:
    """The class prior ``P(positive)`` over all rows: the labeled share divided by ``c``,
    clipped to ``[labeled share, 1]``.

    Examples
    --------
    >>> prior_from_c([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.25)
    0.4
    """
    s = np.asarray(labeled).astype(bool)
    if not isinstance(c, Real) or not 0 < c <= 1:
        raise InputError(f"c must be a share in (0, 1]; got {c!r}")
    freq = float(s.mean())
    return float(np.clip(freq / c, freq, 1.0))


def _bbe_alpha(p: np.ndarray, u: np.ndarray, delta: float, gamma: float) -> float:
    """Share of positives among the unlabeled scores ``u``, from positive scores ``p``."""
    ps, us = np.sort(p), np.sort(u)
    t = np.unique(ps)  # candidate thresholds: the positives' scores
    qp = 1.0 - np.searchsorted(ps, t, side="left") / len(ps)  # share of p >= t
    qu = 1.0 - np.searchsorted(us, t, side="left") / len(us)
    slack = np.sqrt(np.log(4 / delta) / (2 * len(ps))) + np.sqrt(np.log(4 / delta) / (2 * len(us)))
    bound = qu / qp + (1 + gamma) * slack / qp
    i = int(np.argmin(bound))
    return float(min(qu[i] / qp[i], 1.0))


def best_bin_prior(labeled: Any, scores: Any, delta: float = 0.1, gamma: float = 0.01) -> float:
    """The class prior by best-bin estimation (BBE, Garg et al., 2021).

    Among thresholds ``t`` on the scores, take the one where the share of unlabeled rows
    above ``t`` over the share of labeled positives above ``t`` has the smallest upper
    confidence bound: the top bin where the unlabeled rows above ``t`` are (nearly) all
    positives. That ratio is the share ``alpha`` of positives among the unlabeled rows,
    and the prior is ``(n_labeled + alpha * n_unlabeled) / n``. Unlike Elkan–Noto's e1 it
    needs only some region of pure positives, not separable classes.

    Parameters
    ----------
    labeled : array-like of bool, shape (n_samples,)
    scores : array-like of shape (n_samples,)
        Out-of-fold scores of a classifier of labeled against unlabeled rows (any
        monotone score works).
    delta : float, default=0.1
        Confidence level of the bound used to pick the bin.
    gamma : float, default=0.01
        Slack on that bound.

    Returns
    -------
    float

    Examples
    --------
    Four labeled positives score high; of eight unlabeled rows, two score as high (the
    positives among them) and six low: alpha = 2/8, prior = (4 + 2) / 12.

    >>> labeled = [1] * 4 + [0] * 8
    >>> scores = [0.9] * 4 + [0.9] * 2 + [0.1] * 6
    >>> best_bin_prior(labeled, scores)
    0.5
    """
    s, g = _check_scores(labeled, scores)
    alpha = _bbe_alpha(g[s], g[~s], float(delta), float(gamma))
    return float((s.sum() + alpha * (~s).sum()) / len(s))


def _prior(s: np.ndarray, g: np.ndarray, method: str) -> float:
    if method == "bbe":
        alpha = _bbe_alpha(g[s], g[~s], 0.1, 0.01)
        return float((s.sum() + alpha * (~s).sum()) / len(s))
    freq = float(s.mean())
    return float(np.clip(freq / _c(s, g, method), freq, 1.0))


def estimate_prior(labeled: Any, scores: Any, method: str = "bbe") -> tuple[float, float]:
    """The class prior ``P(positive)`` over all rows, and ``c = P(labeled | positive)``.

    Parameters
    ----------
    labeled : array-like of bool, shape (n_samples,)
    scores : array-like of shape (n_samples,)
        Out-of-fold ``P(labeled | x)``.
    method : {"bbe", "e1", "e2", "e3"}, default="bbe"
        :func:`best_bin_prior`, or one of :func:`elkan_noto_c`'s estimators.

    Returns
    -------
    prior, c : float
        ``c = labeled share / prior``.

    Examples
    --------
    >>> estimate_prior([1, 1, 0, 0, 0, 0], [0.5, 0.5, 0.5, 0.5, 0.0, 0.0], method="e1")
    (0.6666666666666666, 0.5)
    """
    if method not in PRIOR_METHODS:
        raise InputError(f"method must be one of {', '.join(PRIOR_METHODS)}; got {method!r}")
    s, g = _check_scores(labeled, scores)
    prior = _prior(s, g, method)
    return prior, float(s.mean() / prior)


def bootstrap_prior_interval(
    labeled: Any,
    scores: Any,
    method: str = "bbe",
    n_bootstraps: int = 200,
    level: float = 0.95,
    random_state: Any = None,
) -> tuple[float, float]:
    """A percentile bootstrap interval of the class prior.

    The rows (labeled and unlabeled together, so the labeled share varies as it does
    between samples) are drawn with replacement ``n_bootstraps`` times and the prior is
    re-estimated on each draw from the same scores. The interval reflects the sampling
    of the rows, not the fitting of the classifier that gave the scores.

    Parameters
    ----------
    labeled, scores : array-like of shape (n_samples,)
        As in :func:`estimate_prior`.
    method : {"bbe", "e1", "e2", "e3"}, default="bbe"
    n_bootstraps : int, default=200
    level : float, default=0.95
    random_state : int, RandomState or None

    Returns
    -------
    low, high : float

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> positive = rng.random(2000) < 0.4
    >>> labeled = positive & (rng.random(2000) < 0.5)
    >>> scores = np.where(positive, 0.5, 0.0)  # a perfect classifier of P(labeled | x)
    >>> low, high = bootstrap_prior_interval(labeled, scores, random_state=0)
    >>> bool(low < 0.4 < high), bool(high - low < 0.1)
    (True, True)
    """
    if method not in PRIOR_METHODS:
        raise InputError(f"method must be one of {', '.join(PRIOR_METHODS)}; got {method!r}")
    if not 0 < level < 1:
        raise InputError(f"level must be in (0, 1); got {level!r}")
    if isinstance(n_bootstraps, bool) or not isinstance(n_bootstraps, Integral) or n_bootstraps < 1:
        raise InputError(f"n_bootstraps must be a whole number, at least 1; got {n_bootstraps!r}")
    s, g = _check_scores(labeled, scores)
    rs = check_random_state(random_state)
    n = len(s)
    draws = []
    for _ in range(int(n_bootstraps)):
        idx = rs.randint(0, n, n)
        sb = s[idx]
        if sb.all() or not sb.any():
            continue
        draws.append(_prior(sb, g[idx], method))
    if not draws:
        p = _prior(s, g, method)
        return p, p
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return float(low), float(high)


# ----------------------------------------------------------------------------- metrics
def lee_liu_score(labeled: Any, predicted: Any) -> float:
    """Lee and Liu's PU criterion ``recall^2 / P(predicted positive)``, without negatives.

    ``recall`` is measured on the labeled positives (under SCAR, the recall on all
    positives); ``r^2 / P(y_hat = 1)`` equals ``precision * recall / P(y = 1)``, so it
    ranks classifiers as the product ``precision * recall`` (a proxy of F1) does.

    Parameters
    ----------
    labeled : array-like of bool, shape (n_samples,)
        True on the labeled positives.
    predicted : array-like of bool, shape (n_samples,)
        True where a classifier predicts positive.

    Returns
    -------
    float
        0 when nothing is predicted positive.

    Examples
    --------
    >>> lee_liu_score([1, 1, 0, 0], [1, 0, 1, 0])  # recall 0.5, half predicted positive
    0.5
    """
    s = np.asarray(labeled).astype(bool)
    p = np.asarray(predicted).astype(bool)
    if s.shape != p.shape or s.ndim != 1:
        raise InputError("labeled and predicted must be 1-D with one entry per row")
    if not s.any():
        raise InputError("no row is a labeled positive; the recall is undefined")
    share = p.mean()
    if share == 0:
        return 0.0
    return float(p[s].mean() ** 2 / share)


def positive_class_scores(y_true: Any, predicted: Any) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class, when the true classes are known.

    Parameters
    ----------
    y_true, predicted : array-like of bool, shape (n_samples,)
        True on the positives (true, predicted).

    Returns
    -------
    precision, recall, f1 : float
        0 where undefined (no predicted or no true positive).

    Examples
    --------
    >>> positive_class_scores([1, 1, 0, 0], [1, 0, 1, 0])
    (0.5, 0.5, 0.5)
    """
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(predicted).astype(bool)
    if t.shape != p.shape or t.ndim != 1:
        raise InputError("y_true and predicted must be 1-D with one entry per row")
    tp = float((t & p).sum())
    precision = tp / p.sum() if p.any() else 0.0
    recall = tp / t.sum() if t.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return float(precision), float(recall), float(f1)


# ----------------------------------------------------------------------------- nnPU
def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def nnpu_gradient(
    raw: Any, labeled: Any, prior: float, beta: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient (times the number of rows) of the non-negative PU risk with the logistic
    loss, and a positive Hessian surrogate: what a LightGBM custom objective returns.

    The risk is ``pi * R_p(+1) + max(0, R_u(-1) - pi * R_p(-1))`` with ``R_p``, ``R_u``
    the mean losses over labeled and unlabeled rows (Kiryo et al., 2017). While the
    negative part ``R_u(-1) - pi * R_p(-1)`` is at least ``-beta`` the gradient is the
    unbiased risk's; when it falls below (the model starts to fit unlabeled positives as
    negatives), the step goes up that part's gradient instead, as nnPU's "defitting"
    step with ``gamma = 1``.

    Parameters
    ----------
    raw : array-like of shape (n_samples,)
        Raw scores (log-odds of positive).
    labeled : array-like of bool, shape (n_samples,)
    prior : float
        ``P(positive)`` over all rows, in (0, 1).
    beta : float, default=0

    Returns
    -------
    grad, hess : ndarray of shape (n_samples,)

    Examples
    --------
    At raw scores 0, two labeled and two unlabeled rows, prior 0.5: the negative part is
    ``ln 2 - 0.5 ln 2 > 0``, so the unbiased gradient: ``-pi * n / n_p`` on a labeled row,
    ``sigma(0) * n / n_u`` on an unlabeled one.

    >>> g, h = nnpu_gradient([0.0] * 4, [1, 1, 0, 0], 0.5)
    >>> g.tolist()
    [-1.0, -1.0, 1.0, 1.0]
    """
    f = np.asarray(raw, dtype=float)
    s = np.asarray(labeled).astype(bool)
    if f.shape != s.shape or f.ndim != 1:
        raise InputError("raw and labeled must be 1-D with one entry per row")
    if not s.any() or s.all():
        raise InputError("nnPU needs labeled positives and unlabeled rows")
    if not 0 < prior < 1:
        raise InputError(f"prior must be in (0, 1); got {prior!r}")
    return _nnpu(f, s, float(prior), float(beta))


def _nnpu(f: np.ndarray, s: np.ndarray, prior: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    n, n_p = len(f), int(s.sum())
    n_u = n - n_p
    sig = _sigmoid(f)
    wp, wu = prior * n / n_p, n / n_u
    # mean losses: l(f, +1) = log(1 + e^-f), l(f, -1) = log(1 + e^f)
    neg_u = np.logaddexp(0, f[~s]).mean()
    neg_p = np.logaddexp(0, f[s]).mean()
    negative_risk = neg_u - prior * neg_p
    grad = np.empty(n)
    curv = sig * (1 - sig)
    hess = np.empty(n)
    if negative_risk >= -beta:
        grad[s] = wp * (-(1 - sig[s])) - wp * sig[s]  # +1 loss minus its -1 loss
        grad[~s] = wu * sig[~s]
    else:  # ascend the negative part
        grad[s] = wp * sig[s]
        grad[~s] = -wu * sig[~s]
    hess[s] = wp * np.maximum(curv[s], 1e-6)
    hess[~s] = wu * np.maximum(curv[~s], 1e-6)
    return grad, hess


# ----------------------------------------------------------------------------- estimator
def _negative_label(positive: Any, others: list[Any]) -> Any:
    """What ``predict`` calls a row it judges not positive."""
    if len(others) == 1:
        return others[0]
    if isinstance(positive, (bool, np.bool_)):
        return not bool(positive)
    if isinstance(positive, (int, float, np.integer, np.floating)):
        return type(positive)(0) if positive != 0 else type(positive)(1)
    return f"not {positive}"


METHODS = ("elkan-noto", "bagging", "nnpu")


def positive_unlabeled_target(
    y: Any, positive_label: Any = None, negative_label: Any = None, who: str = "PUClassifier"
) -> tuple[Target, Any, Any]:
    """Read a target as labeled positives and unlabeled rows, as :class:`PUClassifier` does.

    Parameters
    ----------
    y : array-like of shape (n_samples,), or Target
        The target column.
    positive_label : scalar, optional
        The positive class; every row that does not hold it (another value, a missing
        value) is unlabeled. Compared as is, then as text (``"1"`` finds the class ``1``
        of a CSV column). None: a target of one class (the rest missing) is read as it is
        (:func:`~fewlabels.data.labels.parse_target`); of two classes, the greater is
        positive and the other class's rows are unlabeled; more classes raise.
    negative_label : scalar, optional
        The name of the negative class; None: the one other value of the target when
        there is exactly one, else ``0`` for a numeric positive label (``1`` when it is
        0), ``not VALUE`` for a boolean, ``"not VALUE"`` for text.
    who : str
        For error messages.

    Returns
    -------
    target : Target
        Task ``"positive-unlabeled"``: ``labeled`` marks the positives; ``classes`` is
        the positive label alone.
    positive, negative : scalar
        The two class names (``classes_ = [negative, positive]``).

    Examples
    --------
    >>> t, pos, neg = positive_unlabeled_target(["fraud", "ok", None, "fraud"], "fraud")
    >>> t.task, t.labeled.tolist(), pos, neg
    ('positive-unlabeled', [True, False, False, True], 'fraud', 'ok')
    """
    tasks = PUClassifier._target_tasks
    if positive_label is not None and not (
        isinstance(y, Target) and y.task == "positive-unlabeled"
    ):
        # a Target parsed upstream (a pipeline, the evidence's folds) names its classes too
        everything = y if isinstance(y, Target) else encode_target(y)
        classes = [to_python(c) for c in everything.classes]
        match = [c for c in classes if c == positive_label]
        if not match:  # a CLI value is text: compare as text
            match = [c for c in classes if str(c) == str(positive_label)]
        if not match:
            shown = ", ".join(repr(c) for c in classes[:8])
            raise InputError(
                f"no row holds the positive label {positive_label!r}; the target "
                f"holds {shown or 'no value'}: pass one of them as positive_label"
            )
        positive = match[0]
        k = classes.index(positive)
        is_pos = everything.codes == k
        pu = Target(
            task="positive-unlabeled",
            labeled=is_pos,
            codes=np.where(is_pos, 0, UNLABELED).astype(np.int64),
            classes=np.asarray([everything.classes[k]]),
        )
        target = parse_target(pu, tasks, who=who)
        others = [c for c in classes if c != positive]
    else:
        target = parse_target(y, tasks, who=who)
        if target.task == "multiclass":
            raise InputError(
                f"Only binary classification is supported: the target holds "
                f"{target.n_classes} classes; pass positive_label= to name the positive "
                "class (every other row is then unlabeled)"
            )
        if target.task == "binary":
            is_pos = target.labeled & (target.codes == 1)
            others = [to_python(target.classes[0])]
            logger.info(
                "PUClassifier: positive class %r (the greater of two); the %d rows of %r "
                "are read as unlabeled",
                to_python(target.classes[1]),
                int((target.labeled & ~is_pos).sum()),
                others[0],
            )
            target = replace(
                target,
                task="positive-unlabeled",
                labeled=is_pos,
                codes=np.where(is_pos, 0, UNLABELED).astype(np.int64),
                classes=target.classes[1:],
            )
        else:
            others = []
        positive = to_python(target.classes[0])
    if target.labeled.all():
        raise InputError(
            f"every row is labeled {positive!r}: PU learning needs unlabeled rows besides "
            "the one class of positives; mark the rows of unknown class as missing"
        )
    negative = negative_label
    if negative is None:
        negative = _negative_label(positive, others)
    if negative == positive:
        raise InputError(f"negative_label equals the positive label {positive!r}")
    return target, positive, negative


class PUClassifier(WrapsEstimatorMixin, BaseFewLabelsClassifier):
    """Learn a binary classifier from labeled positives and unlabeled rows.

    The target's labeled rows are the positives; the rest are unlabeled (either class).
    A classifier of labeled against unlabeled rows gives out-of-fold scores, from which
    the class prior is estimated (:func:`estimate_prior`) with a bootstrap interval;
    then ``method`` learns the classifier.

    Parameters
    ----------
    method : {"bagging", "elkan-noto", "nnpu"}, default="bagging"
        ``"elkan-noto"``: the labeled-vs-unlabeled classifier ``g`` refitted on all rows,
        ``P(positive | x) = g(x) / c`` (Elkan and Noto, 2008). ``"bagging"``: bagging PU
        (Mordelet and Vert, 2014): ``n_estimators`` models, each of the positives against
        a bootstrap sample of as many unlabeled rows; a row is positive when its mean
        score is in the top ``prior`` share (out-of-bag scores for the unlabeled rows).
        ``"nnpu"``: LightGBM trees boosted on the non-negative PU risk with the
        estimated prior (:func:`nnpu_gradient`; ``estimator`` must be None or an
        ``LGBMClassifier``).
    estimator : classifier with ``predict_proba``, default=None
        The base model; cloned. None: LightGBM with settings for noisy labels
        (:func:`~fewlabels.noise.proportions.llp_default_lightgbm`; for the model of
        labeled against unlabeled rows, leaves of ``n / 8`` rows, 5 to 50, and learning
        rate 0.05; for bagging's models, leaves of ``n / 20`` rows, 2 to 20).
    positive_label : scalar, default=None
        The positive class: rows holding it are the labeled positives, every other row
        (another value, a missing value) is unlabeled. None: a target holding one class
        (the others missing) is read as positives and unlabeled rows; a target of two
        classes takes the greater one as positive (as scikit-learn's ``pos_label=1``)
        and reads the other class's rows as unlabeled; more classes need
        ``positive_label``.
    negative_label : scalar, default=None
        What ``predict`` returns for a row judged not positive. None: the other class
        when the target holds exactly one other value, else ``0`` for a numeric positive
        label (``1`` when it is 0), ``not VALUE`` for a boolean, ``"not VALUE"`` for text.
    prior : float, default=None
        The class prior ``P(positive)`` over the training rows, when it is known; None
        estimates it.
    prior_method : {"bbe", "e1", "e2", "e3"}, default="bbe"
        See :func:`estimate_prior`.
    cv : int, default=5
        Folds for the out-of-fold scores.
    n_estimators : int, default=10
        Models of ``"bagging"``.
    n_bootstraps : int, default=200
        Draws of the prior's bootstrap interval (95%).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        ``[negative label, positive label]``: the positive class is ``classes_[1]``.
    prior_ : float
        Estimated (or given) ``P(positive)`` over the training rows.
    prior_interval_ : tuple of float
        Its 95% bootstrap interval (:func:`bootstrap_prior_interval`; the prior itself
        twice when it was given).
    c_ : float
        ``P(labeled | positive)``: the labeled share over ``prior_``.
    label_frequency_ : float
        The share of training rows that are labeled positives.
    oof_scores_ : ndarray of shape (n_samples,) or None
        Out-of-fold ``P(labeled | x)`` of the training rows; None when ``prior`` is given
        with ``"elkan-noto"`` (nothing then needs them).
    pu_metrics_ : dict
        Out of fold, for the Elkan–Noto rule ``g / c >= 0.5``: ``recall`` on the held-out
        labeled positives, ``lee_liu`` (:func:`lee_liu_score`) and ``predicted_positive``
        (share); and ``prior``, ``prior_low``, ``prior_high``, ``c``.
    estimator_ : classifier or None
        ``"elkan-noto"``: ``g`` fitted on all rows.
    estimators_ : list of classifiers
        ``"bagging"``: its models.
    booster_ : lightgbm.Booster or None
        ``"nnpu"``: the trees.
    threshold_ : float
        ``"bagging"``: the mean score above which a row is positive.
    evidence_ : Evidence
        What ``fewlabels fit`` reports: with no negative label, accuracy is not
        cross-validated; ``skipped_reason`` gives the prior, its interval and the
        out-of-fold PU metrics.
    n_labeled_ : int
        Labeled positives.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (300, 2)), rng.normal(4, 1, (300, 2))]
    >>> y = np.full(600, None, dtype=object)
    >>> y[300:][rng.random(300) < 0.3] = "fraud"  # 30% of the positives are labeled
    >>> clf = PUClassifier(random_state=0).fit(X, y)
    >>> clf.classes_.tolist(), round(clf.prior_, 1)
    (['not fraud', 'fraud'], 0.5)
    >>> bool((clf.predict(X[300:]) == "fraud").mean() > 0.9)
    True
    """

    _accepts_tables = True
    _allow_nan = True
    _target_tasks: ClassVar[frozenset[str]] = frozenset(
        {"binary", "multiclass", "positive-unlabeled"}
    )

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "method": [StrOptions(set(METHODS))],
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "positive_label": [None, object],  # any class value
        "negative_label": [None, object],
        "prior": [None, Interval(Real, 0, 1, closed="right")],
        "prior_method": [StrOptions(set(PRIOR_METHODS))],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "n_bootstraps": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        method: str = "bagging",
        estimator: Any = None,
        positive_label: Any = None,
        negative_label: Any = None,
        prior: float | None = None,
        prior_method: str = "bbe",
        cv: int = 5,
        n_estimators: int = 10,
        n_bootstraps: int = 200,
        random_state: Any = None,
    ):
        self.method = method
        self.estimator = estimator
        self.positive_label = positive_label
        self.negative_label = negative_label
        self.prior = prior
        self.prior_method = prior_method
        self.cv = cv
        self.n_estimators = n_estimators
        self.n_bootstraps = n_bootstraps
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    # -- the target ------------------------------------------------------------------
    def _pu_target(self, y: Any) -> tuple[Target, Any, Any]:
        """``(positive-unlabeled Target, positive label, negative label)``."""
        return positive_unlabeled_target(
            y, self.positive_label, self.negative_label, who=type(self).__name__
        )

    def fit(self, X: Any, y: Any, **fit_params: Any) -> PUClassifier:
        """Fit on labeled positives and unlabeled rows.

        Parameters
        ----------
        X : table or array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), or Target
            See ``positive_label``.
        **fit_params
            ``progress`` (callable(stage, done, total)) is accepted.

        Returns
        -------
        self
        """
        if y is None:
            return super().fit(X, y, **fit_params)  # type: ignore[return-value]
        if getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target, positive, negative = self._pu_target(y)  # rows checked against X in fit
        super().fit(X, target, **fit_params)
        self.classes_ = np.asarray([negative, positive])
        if self.classes_.dtype.kind == "U":
            self.classes_ = self.classes_.astype(object)
        return self

    # -- fitting ---------------------------------------------------------------------
    def _base(self, random_state: Any, n_rows: int, all_rows: bool = True) -> Any:
        """A fresh base model for ``n_rows`` training rows. The default LightGBM model of
        labeled against unlabeled rows (``all_rows``) has large leaves (``n_rows / 8``,
        5 to 50 rows) and a slower rate: a third of the positives are labeled, say, and
        small leaves learn which ones, which spoils ``g = c * P(positive | x)``. A bagging
        model sees twice the labeled rows only: leaves of ``n_rows / 20`` (2 to 20)."""
        if self.estimator is not None:
            return clone(self.estimator)
        model = llp_default_lightgbm(random_state)
        if all_rows:
            leaf = int(np.clip(n_rows // 8, 5, 50))
            model.set_params(learning_rate=0.05, min_child_samples=leaf)
        else:
            model.set_params(min_child_samples=int(np.clip(n_rows // 20, 2, 20)))
        return model

    def _oof(self, X: Any, s: np.ndarray, seed: int) -> np.ndarray:
        splits = int(min(self.cv, s.sum(), (~s).sum()))
        if splits < 2:
            raise InputError(
                "PU learning needs at least 2 labeled positives and 2 unlabeled rows to "
                "estimate the class prior out of fold; label more, or pass prior= when it "
                "is known"
            )
        out = np.zeros(len(s))
        folds = StratifiedKFold(splits, shuffle=True, random_state=seed)
        for train, test in folds.split(np.zeros(len(s)), s):
            model = self._base(seed, len(train)).fit(_safe_indexing(X, train), s[train].astype(int))
            out[test] = _positive_column(model, _safe_indexing(X, test))
        return out

    def _fit(
        self, X: Any, target: Target, random_state: np.random.RandomState, progress: Any = None
    ) -> None:
        from ..evidence import Evidence

        s = target.labeled.copy()
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        freq = float(s.mean())
        self.label_frequency_ = freq
        self.estimator_: Any = None
        self.estimators_: list[Any] = []
        self.booster_: Any = None
        self.threshold_ = 0.5
        self.oof_scores_: np.ndarray | None = None
        report = progress or (lambda stage, done, total: None)
        if self.prior is None or self.method != "elkan-noto":
            report("out-of-fold scores of labeled against unlabeled rows", 0, 1)
            self.oof_scores_ = self._oof(X, s, seed)
            report("out-of-fold scores of labeled against unlabeled rows", 1, 1)
        if self.prior is None:
            assert self.oof_scores_ is not None
            prior = _prior(s, self.oof_scores_, self.prior_method)
            interval = bootstrap_prior_interval(
                s, self.oof_scores_, self.prior_method, self.n_bootstraps, 0.95, seed
            )
        else:
            if self.prior < freq:
                raise InputError(
                    f"prior={self.prior} is below the share of labeled positives ({freq:.3f}); "
                    "the prior counts every positive, labeled or not"
                )
            prior, interval = float(self.prior), (float(self.prior), float(self.prior))
        self.prior_ = prior
        self.prior_interval_ = (float(interval[0]), float(interval[1]))
        self.c_ = float(freq / prior)
        report(f"fitting PU ({self.method})", 0, 1)
        if self.method == "elkan-noto":
            self.estimator_ = self._base(seed, len(s)).fit(X, s.astype(int))
        elif self.method == "bagging":
            self._fit_bagging(X, s, random_state, seed)
        else:
            self._fit_nnpu(X, s, seed)
        report(f"fitting PU ({self.method})", 1, 1)
        self.pu_metrics_ = self._metrics(s)
        m = self.pu_metrics_
        ev = Evidence(f"pu-{self.method}", "supervised", 0, 0)
        oof = (
            f"; out of fold, the Elkan-Noto rule finds {m['recall']:.1%} of the held-out "
            f"labeled positives (Lee-Liu score {m['lee_liu']:.2f})"
            if "recall" in m
            else ""
        )
        lo, hi = self.prior_interval_
        stated = (
            f"class prior {prior:.3f} (given)"
            if self.prior is not None
            else f"estimated class prior {prior:.3f} (95% interval {lo:.3f} to {hi:.3f})"
        )
        ev.skipped_reason = (
            "positive-unlabeled target: no row is labeled negative, so accuracy is not "
            f"cross-validated; {stated}, {self.c_:.1%} of the positives labeled{oof}"
        )
        if self.c_ > 0.98 and self.prior is None:
            ev.warnings.append(
                "the class prior is estimated at about the labeled share: the unlabeled rows "
                "look negative, or the classifier cannot tell unlabeled positives from "
                "negatives"
            )
        self.evidence_ = ev

    def _metrics(self, s: np.ndarray) -> dict[str, float]:
        m = {
            "prior": self.prior_,
            "prior_low": self.prior_interval_[0],
            "prior_high": self.prior_interval_[1],
            "c": self.c_,
        }
        if self.oof_scores_ is not None:
            pred = self.oof_scores_ / max(self.c_, _TINY) >= 0.5
            m["recall"] = float(pred[s].mean())
            m["predicted_positive"] = float(pred.mean())
            m["lee_liu"] = lee_liu_score(s, pred)
        return m

    def _fit_bagging(
        self, X: Any, s: np.ndarray, random_state: np.random.RandomState, seed: int
    ) -> None:
        pos, unl = np.flatnonzero(s), np.flatnonzero(~s)
        k = len(pos)
        total = np.zeros(len(s))
        count = np.zeros(len(s))
        for _ in range(self.n_estimators):
            sample = random_state.choice(unl, size=k, replace=True)
            rows = np.r_[pos, sample]
            model = self._base(seed, 2 * k, all_rows=False).fit(
                _safe_indexing(X, rows), np.r_[np.ones(k, int), np.zeros(k, int)]
            )
            self.estimators_.append(model)
            out = np.setdiff1d(unl, sample, assume_unique=False)
            if len(out):
                total[out] += _positive_column(model, _safe_indexing(X, out))
                count[out] += 1
        # a row is positive when its mean score is in the top prior share of the
        # unlabeled rows (out-of-bag scores)
        seen = unl[count[unl] > 0]
        alpha = (self.prior_ * len(s) - k) / max(len(unl), 1)
        if len(seen) and alpha > 0:
            scores = total[seen] / count[seen]
            self.threshold_ = float(np.quantile(scores, float(np.clip(1 - alpha, 0.0, 1.0))))
        else:
            self.threshold_ = 1.0
        self.threshold_ = float(np.clip(self.threshold_, 1e-6, 1 - 1e-6))

    def _fit_nnpu(self, X: Any, s: np.ndarray, seed: int) -> None:
        base = self._base(seed, len(s), all_rows=False)
        if not _is_lightgbm(base):
            raise InputError(
                "method='nnpu' boosts LightGBM trees on the nnPU risk; give estimator=None or "
                "an LGBMClassifier"
            )
        prior = float(np.clip(self.prior_, 1e-3, 1 - 1e-3))
        init = np.array([np.log(prior / (1 - prior))])
        self.init_score_ = init
        self.booster_ = fit_custom_booster(base, X, lambda raw: _nnpu(raw, s, prior, 0.0), 2, init)

    def _positive_proba(self, X: Any) -> np.ndarray:
        if self.method == "elkan-noto":
            g = _positive_column(self.estimator_, X)
            return np.clip(g / max(self.c_, _TINY), 0.0, 1.0)
        if self.method == "bagging":
            score = np.mean([_positive_column(m, X) for m in self.estimators_], axis=0)
            score = np.clip(score, 1e-6, 1 - 1e-6)
            t = self.threshold_
            return _sigmoid(np.log(score / (1 - score)) - np.log(t / (1 - t)))
        return _sigmoid(booster_raw(self.booster_, X, self.init_score_))

    def _predict_proba(self, X: Any) -> np.ndarray:
        p = self._positive_proba(X)
        return np.c_[1.0 - p, p]


def _positive_column(model: Any, X: Any) -> np.ndarray:
    """The probability of class 1 from a model fitted on 0/1 (0 if it saw only class 0)."""
    proba = np.asarray(model.predict_proba(X), dtype=float)
    classes = np.asarray(model.classes_)
    hit = np.flatnonzero(classes == 1)
    return proba[:, hit[0]] if len(hit) else np.zeros(proba.shape[0])
