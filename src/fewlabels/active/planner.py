"""The label-budget planner: how accurate will the model be with more labels?

From the labels there are, :func:`learning_curve` measures cross-validated accuracy on
nested subsamples of the labeled rows (in each fold, the training part grows from a few
labels per class to all of them; the held-out part scores each size). :func:`fit_power_law`
fits the inverse power law ``accuracy(n) = a - b * n ** -c`` (the usual shape of learning
curves: Frey & Fisher, 1999; Figueroa et al., 2012) with scipy, and :func:`plan_labels`
extrapolates it to 2, 5 and 10 times the labels, with bootstrap intervals (the held-out
rows resampled, the curve refitted). With a query strategy, the nested subsamples grow by
active selection instead of at random, which forecasts active labeling.

A forecast extrapolates: it assumes the curve keeps its shape, and its interval covers
the noise of the measured points, not a change of regime.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing, check_random_state

from ..data.labels import Target, parse_target
from ..exceptions import InputError

__all__ = [
    "Forecast",
    "LabelPlan",
    "LearningCurve",
    "PowerLaw",
    "fit_power_law",
    "learning_curve",
    "plan_labels",
    "power_law",
]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


def power_law(n: Any, a: float, b: float, c: float) -> np.ndarray:
    """``a - b * n ** -c``: accuracy rising towards ``a`` as labels ``n`` grow.

    Examples
    --------
    >>> power_law([1, 4], 0.9, 0.4, 0.5).round(3).tolist()
    [0.5, 0.7]
    """
    return a - b * np.power(np.asarray(n, dtype=float), -c)


@dataclass(frozen=True)
class PowerLaw:
    """A fitted inverse power law ``a - b * n ** -c``.

    Attributes
    ----------
    a : float
        The accuracy the curve tends to with unlimited labels.
    b, c : float
        Scale and rate of the approach.
    """

    a: float
    b: float
    c: float

    def __call__(self, n: Any) -> np.ndarray:
        return power_law(n, self.a, self.b, self.c)

    def labels_for(self, accuracy: float) -> float:
        """Labels the curve needs to reach ``accuracy`` (``inf`` at or above ``a``).

        Examples
        --------
        >>> round(PowerLaw(0.9, 0.4, 0.5).labels_for(0.7), 6)
        4.0
        """
        if accuracy >= self.a or self.b <= 0 or self.c <= 0:
            return float("inf")
        return float((self.b / (self.a - accuracy)) ** (1.0 / self.c))


#: The rates ``c`` the grid search of :func:`fit_power_law` tries before refining.
_RATES = np.geomspace(0.01, 3.0, 120)


def _grid_fit(x: np.ndarray, acc: np.ndarray, w: np.ndarray) -> tuple[PowerLaw, float]:
    """For each rate on :data:`_RATES`, ``a`` and ``b`` by weighted least squares (the law
    is linear in them), within ``0 <= a <= 1`` and ``b >= 0``; the best by squared error."""
    sw = w / w.sum()
    mean_acc = float(sw @ acc)
    Z = x[None, :] ** -_RATES[:, None]  # (rates, points)
    mz = Z @ sw
    dz = Z - mz[:, None]
    var = (dz**2) @ sw
    b = -(dz * (acc - mean_acc)[None, :]) @ sw / np.where(var > 0, var, 1.0)
    b = np.where(var > 0, b, 0.0)
    a = mean_acc + b * mz
    over = a > 1.0  # a at its bound, b refitted
    b_at_one = ((1.0 - acc)[None, :] * Z) @ sw / ((Z**2) @ sw)
    a = np.where(over, 1.0, a)
    b = np.where(over, np.maximum(b_at_one, 0.0), b)
    flat = b <= 0  # no rise: a flat line at the mean
    a = np.where(flat, mean_acc, a)
    b = np.where(flat, 0.0, b)
    sse = ((acc[None, :] - (a[:, None] - b[:, None] * Z)) ** 2) @ w
    k = int(np.argmin(sse))
    return PowerLaw(float(max(a[k], 0.0)), float(b[k]), float(_RATES[k])), float(sse[k])


def fit_power_law(n: Any, accuracy: Any, weights: Any = None, refine: bool = True) -> PowerLaw:
    """Least-squares fit of ``a - b * n ** -c`` with ``0 <= a <= 1``, ``b >= 0`` and
    ``0.01 <= c <= 3``.

    A grid search over ``c`` (``a`` and ``b`` in closed form for each) finds the start;
    scipy's ``curve_fit`` (trust region reflective, within the bounds) refines it.

    Parameters
    ----------
    n : array-like of shape (n_points,)
        Label counts (positive).
    accuracy : array-like of shape (n_points,)
    weights : array-like of shape (n_points,), optional
        Relative precision of each point (e.g. its held-out rows).
    refine : bool, default=True
        Refine the grid's answer with ``curve_fit`` (the bootstrap skips it: the grid is
        within 3% of the best rate, and a hundred times faster).

    Examples
    --------
    >>> n = np.array([10, 20, 40, 80, 160])
    >>> law = fit_power_law(n, power_law(n, 0.95, 0.8, 0.6))
    >>> round(law.a, 3), round(law.b, 3), round(law.c, 3)
    (0.95, 0.8, 0.6)
    """
    x = np.asarray(n, dtype=float)
    acc = np.asarray(accuracy, dtype=float)
    if x.shape != acc.shape or len(x) < 3:
        raise InputError(f"a power law needs 3 or more (n, accuracy) points; got {len(x)}")
    if np.any(x <= 0):
        raise InputError("label counts must be positive")
    w = np.ones(len(x)) if weights is None else np.maximum(np.asarray(weights, float), 1e-9)
    start, sse = _grid_fit(x, acc, w)
    if not refine or start.b == 0.0:
        return start
    from scipy.optimize import curve_fit

    p0 = (min(start.a, 1 - 1e-9), max(start.b, 1e-9), float(np.clip(start.c, 0.0101, 2.999)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params, _ = curve_fit(
                power_law,
                x,
                acc,
                p0=p0,
                sigma=1.0 / np.sqrt(w),
                bounds=([0.0, 0.0, 0.01], [1.0, np.inf, 3.0]),
                method="trf",
                maxfev=2000,
            )
    except (RuntimeError, ValueError):
        return start
    refined = PowerLaw(float(params[0]), float(params[1]), float(params[2]))
    if float(w @ (acc - refined(x)) ** 2) > sse:
        return start
    return refined


@dataclass
class LearningCurve:
    """Cross-validated accuracy at nested subsample sizes of the labeled rows.

    Attributes
    ----------
    sizes : ndarray of int, shape (n_sizes,)
        Labels the model was fitted on.
    correct : list of ndarray of bool, shape (n_sizes, n_held_out)
        Per fold (of every repeat): which held-out rows each size's model got right.
    held_out : list of ndarray of int
        Per fold: the held-out rows (positions in the table).
    strategy : str
        "random", or the strategy that grew the subsamples.
    """

    sizes: np.ndarray
    correct: list[np.ndarray]
    held_out: list[np.ndarray]
    strategy: str = "random"

    def accuracy(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Accuracy per size over every held-out row of every fold, each row weighted by
        ``weights[row]`` (a bootstrap's counts; all 1 when None)."""
        hits = np.concatenate(self.correct, axis=1).astype(float)
        if weights is None:
            return hits.mean(axis=1)
        w = np.concatenate([weights[rows] for rows in self.held_out]).astype(float)
        return (hits @ w) / max(w.sum(), 1e-12)


def _stratified_order(codes: np.ndarray, rs: np.random.RandomState) -> np.ndarray:
    """Positions ordered so that every prefix holds the classes in about their
    proportions, each class's rows in random order, every class in the first ``k``."""
    keys = np.empty(len(codes))
    for c in np.unique(codes):
        where = np.flatnonzero(codes == c)
        where = where[rs.permutation(len(where))]
        keys[where] = (np.arange(len(where)) + rs.random_sample()) / len(where)
        keys[where[0]] = -1.0 + rs.random_sample() * 1e-3  # one of each class first
    return np.argsort(keys, kind="stable")


def _grid(low: int, high: int, n_sizes: int) -> np.ndarray:
    sizes = np.unique(np.round(np.geomspace(low, high, n_sizes)).astype(int))
    return sizes[(sizes >= low) & (sizes <= high)]


def learning_curve(
    model: Any,
    X: Any,
    y: Any,
    *,
    cv: int = 5,
    n_repeats: int = 3,
    n_sizes: int = 6,
    min_size: int | None = None,
    semi_supervised: bool = True,
    strategy: Any = None,
    random_state: Any = None,
    progress: Progress | None = None,
) -> LearningCurve:
    """Cross-validated accuracy on nested subsamples of the labeled rows.

    The labeled rows are split into ``cv`` stratified folds. In each fold, the training
    part is put in a stratified random order (or, with ``strategy``, the first
    ``min_size`` rows in that order and then the rows the strategy picks, batch by batch,
    with the model of the previous size); the model is fitted on its first
    ``sizes[i]`` rows and scored on the held-out fold. With ``semi_supervised``, every
    other row of the table stays in the fit, unlabeled (the held-out rows too: they lose
    their labels), as a fewlabels estimator learns from it.

    Parameters
    ----------
    model : estimator
        Cloned for every fit.
    X : table or array of shape (n_rows, n_features)
    y : array-like of shape (n_rows,) or Target
    cv : int, default=5
        Lowered to the smallest class's labeled count (at least 2).
    n_repeats : int, default=3
        Cross-validations with different folds and subsample orders, pooled: with few
        labels, which rows make up a small subsample moves its accuracy more than the
        held-out rows do.
    n_sizes : int, default=6
        Sizes on a geometric grid from ``min_size`` to the smallest training part.
    min_size : int, optional
        Default: ``max(2 * n_classes, 6)``, or the smallest training part if smaller.
    semi_supervised : bool, default=True
    strategy : str or QueryStrategy, optional
        Grow the subsamples by active selection instead of at random.
    random_state : int, RandomState or None
    progress : callable(stage, done, total), optional

    Returns
    -------
    LearningCurve
    """
    from sklearn.model_selection import StratifiedKFold

    from .loop import _takes_unlabeled

    rs = check_random_state(random_state)
    n_rows = int(X.shape[0]) if hasattr(X, "shape") else len(X)
    target = parse_target(y, n_rows=n_rows, who="the label-budget planner")
    lab = np.flatnonzero(target.labeled)
    codes = target.codes[lab]
    counts = np.bincount(codes, minlength=target.n_classes)
    if counts.min() < 2:
        small = target.classes[int(np.argmin(counts))]
        raise InputError(
            f"the planner needs at least 2 labels of every class; class {small!r} has "
            f"{int(counts.min())}: label more rows of it"
        )
    k = int(min(cv, counts.min()))
    if k < 2:
        raise InputError(f"cv must be at least 2; got {cv}")
    folds = [
        fold
        for _ in range(max(int(n_repeats), 1))
        for fold in StratifiedKFold(k, shuffle=True, random_state=rs.randint(2**31 - 1)).split(
            lab, codes
        )
    ]
    smallest = min(len(tr) for tr, _ in folds)
    low = min(min_size or max(2 * target.n_classes, 6), smallest)
    sizes = _grid(low, smallest, n_sizes)
    if len(sizes) < 3:
        raise InputError(
            f"{len(lab)} labeled rows give fewer than 3 curve points; the planner needs about "
            f"{3 * max(2 * target.n_classes, 6)} labels (3 sizes of at least "
            f"{max(2 * target.n_classes, 6)})"
        )
    query = None
    if strategy is not None:
        from .strategies import get_strategy

        query = get_strategy(strategy)
    uses_unlabeled = semi_supervised and _takes_unlabeled(model)
    labels = target.labels()
    report = progress or (lambda stage, done, total: None)
    total, done = len(folds) * len(sizes), 0
    correct: list[np.ndarray] = []
    held_out: list[np.ndarray] = []
    for train, held in folds:
        train_rows = lab[train]
        held_rows = lab[held]
        order = train_rows[_stratified_order(target.codes[train_rows], rs)]
        chosen = list(order[: sizes[0]])
        per_size = np.zeros((len(sizes), len(held_rows)), dtype=bool)
        fitted: Any = None
        for i, size in enumerate(sizes):
            if query is None:
                chosen = list(order[:size])
            elif len(chosen) < size:  # grow actively with the previous size's model
                rest = np.setdiff1d(train_rows, chosen)
                sub = target.without(np.setdiff1d(np.arange(n_rows), chosen))
                picks = query.query(X, sub, fitted, size - len(chosen), rest, rs)
                chosen.extend(picks.tolist())
            rows = np.asarray(chosen[:size])
            fitted = _fit(model, X, target, labels, rows, uses_unlabeled, n_rows)
            pred = np.asarray(fitted.predict(_safe_indexing(X, held_rows)), dtype=object)
            per_size[i] = pred == labels[held_rows]
            done += 1
            report("learning curve", done, total)
        correct.append(per_size)
        held_out.append(held_rows)
    name = "random" if query is None else query.label()
    return LearningCurve(sizes, correct, held_out, name)


def _fit(
    model: Any,
    X: Any,
    target: Target,
    labels: np.ndarray,
    rows: np.ndarray,
    uses_unlabeled: bool,
    n_rows: int,
) -> Any:
    est = clone(model)
    if uses_unlabeled:
        keep = np.zeros(n_rows, dtype=bool)
        keep[rows] = True
        return est.fit(X, target.without(~keep))
    return est.fit(_safe_indexing(X, rows), labels[rows].tolist())


@dataclass(frozen=True)
class Forecast:
    """The predicted accuracy at ``n_labels`` labels, with its bootstrap interval."""

    multiplier: float
    n_labels: int
    accuracy: float
    low: float
    high: float


@dataclass
class LabelPlan:
    """What :func:`plan_labels` found.

    Attributes
    ----------
    n_labeled : int
    curve : LearningCurve
    law : PowerLaw
        Fitted to the curve's mean accuracy per size.
    laws : list of PowerLaw
        The bootstrap refits.
    now : Forecast
        The curve at the current label count (multiplier 1).
    forecasts : list of Forecast
    level : float
        The intervals' coverage (0.95).
    """

    n_labeled: int
    curve: LearningCurve
    law: PowerLaw
    laws: list[PowerLaw]
    now: Forecast
    forecasts: list[Forecast] = field(default_factory=list)
    level: float = 0.95

    def labels_needed(self, accuracy: float) -> tuple[float, float, float]:
        """Labels to reach ``accuracy``: the fitted curve's answer and a bootstrap
        interval (``inf`` where a curve never gets there)."""
        point = self.law.labels_for(accuracy)
        boot = np.array([law.labels_for(accuracy) for law in self.laws])
        tail = (1 - self.level) / 2
        if not len(boot):
            return point, point, point
        # no interpolation: a bootstrap curve that never gets there is inf, not nan
        lo, hi = np.quantile(boot, [tail, 1 - tail], method="inverted_cdf")
        return point, float(lo), float(hi)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "n_labeled": self.n_labeled,
            "strategy": self.curve.strategy,
            "sizes": self.curve.sizes.tolist(),
            "cv_accuracy": self.curve.accuracy().round(4).tolist(),
            "power_law": {"a": self.law.a, "b": self.law.b, "c": self.law.c},
            "level": self.level,
            "forecasts": [vars(f) for f in [self.now, *self.forecasts]],
        }


def plan_labels(
    model: Any,
    X: Any,
    y: Any,
    *,
    multipliers: Sequence[float] = (2, 5, 10),
    cv: int = 5,
    n_repeats: int = 3,
    n_sizes: int = 6,
    n_bootstrap: int = 200,
    semi_supervised: bool = True,
    strategy: Any = None,
    random_state: Any = None,
    progress: Progress | None = None,
) -> LabelPlan:
    """Forecast the accuracy at ``multipliers`` times the current labels.

    Measures a :func:`learning_curve`, fits a :class:`PowerLaw` to its mean accuracy per
    size, and evaluates it at ``m * n_labeled`` for each multiplier. The intervals come
    from ``n_bootstrap`` resamples of the labeled rows (each held-out row counted as often
    as it was drawn, alike for every size and fold), each refitted.

    Parameters
    ----------
    model : estimator
    X, y
        The table and its partial target.
    multipliers : sequence of float, default=(2, 5, 10)
    cv, n_repeats, n_sizes, semi_supervised, strategy, random_state, progress
        See :func:`learning_curve`.
    n_bootstrap : int, default=200

    Returns
    -------
    LabelPlan

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.integers(0, 2, 400)
    >>> X = rng.normal(0, 1, (400, 5)) + truth[:, None]
    >>> y = np.where(np.arange(400) < 60, truth, -1)
    >>> plan = plan_labels(LogisticRegression(), X, y, random_state=0, n_bootstrap=50)
    >>> [f.n_labels for f in plan.forecasts]
    [120, 300, 600]
    >>> all(f.low <= f.accuracy <= f.high for f in plan.forecasts)
    True
    """
    rs = check_random_state(random_state)
    curve = learning_curve(
        model,
        X,
        y,
        cv=cv,
        n_repeats=n_repeats,
        n_sizes=n_sizes,
        semi_supervised=semi_supervised,
        strategy=strategy,
        random_state=rs,
        progress=progress,
    )
    n_rows = int(X.shape[0]) if hasattr(X, "shape") else len(X)
    target = parse_target(y, n_rows=n_rows)
    n_labeled = target.n_labeled
    lab = np.flatnonzero(target.labeled)
    law = fit_power_law(curve.sizes, curve.accuracy())
    laws = []
    for _ in range(int(n_bootstrap)):  # the labeled rows resampled, every fold alike
        counts = np.bincount(rs.choice(lab, len(lab)), minlength=n_rows)
        laws.append(fit_power_law(curve.sizes, curve.accuracy(counts), refine=False))
    level = 0.95
    tail = (1 - level) / 2

    def forecast(m: float) -> Forecast:
        n = int(round(m * n_labeled))
        boot = np.array([float(b(n)) for b in laws]) if laws else np.array([float(law(n))])
        lo, hi = np.quantile(boot, [tail, 1 - tail])
        point = float(law(n))
        return Forecast(float(m), n, point, float(min(lo, point)), float(max(hi, point)))

    return LabelPlan(
        n_labeled,
        curve,
        law,
        laws,
        forecast(1.0),
        [forecast(m) for m in multipliers],
        level,
    )
