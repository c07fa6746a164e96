"""How much did the unlabeled rows help? Cross-validated evidence on the labeled rows.

Each fold hides the labels of some labeled rows (they stay in the table as unlabeled rows,
which is exactly what a semi-supervised method sees at fit time), fits the method and the
supervised baseline on what is left, and scores both on the hidden rows. The paired
differences give the estimated gain with an interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.utils import _safe_indexing

from .data.labels import parse_target

__all__ = [
    "CVResult",
    "Evidence",
    "compare_with_supervised",
    "cross_validate_methods",
    "labeled_folds",
    "paired_difference",
    "paired_gain",
]

logger = logging.getLogger(__name__)


@dataclass
class Evidence:
    """Fold scores of a method and the supervised baseline, and the estimated gain."""

    method: str
    baseline: str
    n_splits: int
    n_repeats: int
    method_scores: list[float] = field(default_factory=list)
    baseline_scores: list[float] = field(default_factory=list)
    method_balanced: list[float] = field(default_factory=list)
    baseline_balanced: list[float] = field(default_factory=list)
    skipped_reason: str | None = None
    portfolio: dict[str, Any] | None = None
    selection_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: a selection compared ``method`` with the baseline and kept the baseline
    kept_baseline: bool = False

    @property
    def available(self) -> bool:
        return self.skipped_reason is None and bool(self.method_scores)

    def gain(self) -> tuple[float, float, float]:
        """Mean accuracy gain over the baseline and a 95% interval (normal approximation).

        The folds share training rows, so the interval is somewhat too narrow; read it as
        a guide, not a test.
        """
        return paired_gain(self.method_scores, self.baseline_scores)

    @property
    def is_baseline(self) -> bool:
        """The method is the supervised baseline (or a selection kept the baseline)."""
        return self.method == self.baseline or self.kept_baseline

    def verdict(self) -> str:
        if not self.available:
            return f"no evidence: {self.skipped_reason}"
        mean, lo, hi = self.gain()
        if self.is_baseline:
            if self.selection_reason:
                return f"kept the {self.baseline}: {self.selection_reason}"
            return "this is the supervised baseline"
        chose = (
            f"chose the {self.method} ({self.selection_reason}); " if self.selection_reason else ""
        )
        if lo > 0:
            return f"{chose}the unlabeled rows helped: {mean:+.1%} accuracy (95% interval {lo:+.1%} to {hi:+.1%})"
        if hi < 0:
            return (
                f"{chose}WORSE than the supervised baseline: {mean:+.1%} accuracy "
                f"(95% interval {lo:+.1%} to {hi:+.1%}); prefer --method {self.baseline}"
            )
        return f"{chose}no clear difference in accuracy from the {self.baseline}: {mean:+.1%} (95% interval {lo:+.1%} to {hi:+.1%})"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.available:
            d["gain"], d["gain_low"], d["gain_high"] = self.gain()
            d["method_mean"] = float(np.mean(self.method_scores))
            d["baseline_mean"] = float(np.mean(self.baseline_scores))
        d["verdict"] = self.verdict()
        d["is_baseline"] = self.is_baseline
        return _finite(d)


@dataclass
class CVResult:
    """Per-fold scores and predictions of several methods on the same folds."""

    folds: list[np.ndarray]
    accuracy: dict[str, list[float]] = field(default_factory=dict)
    balanced_accuracy: dict[str, list[float]] = field(default_factory=dict)
    predictions: dict[str, list[np.ndarray]] = field(default_factory=dict)


def labeled_folds(
    y: Any, n_splits: int = 5, n_repeats: int | None = None, random_state: int | None = 0
) -> tuple[list[np.ndarray], int, int, str | None]:
    """Stratified, repeated folds over the labeled rows of ``y``.

    Returns ``(test_rows_per_fold, n_splits, n_repeats, reason)``; ``reason`` says why no
    fold can be made (a class with fewer than 2 labels), else it is None. ``n_repeats``
    defaults to 3 below 100 labeled rows, 2 below 1,000, else 1.
    """
    target = parse_target(y)
    labeled = np.flatnonzero(target.labeled)
    counts = np.bincount(target.codes[labeled], minlength=len(target.classes))
    splits = int(min(n_splits, counts.min())) if counts.size else 0
    if n_repeats is None:
        n_repeats = 3 if len(labeled) < 100 else 2 if len(labeled) < 1000 else 1
    if splits < 2:
        return (
            [],
            max(splits, 0),
            n_repeats,
            "a class has fewer than 2 labeled rows, so no row can be held out",
        )
    cv = RepeatedStratifiedKFold(n_splits=splits, n_repeats=n_repeats, random_state=random_state)
    folds = [labeled[test] for _, test in cv.split(labeled, target.codes[labeled])]
    return folds, splits, n_repeats, None


def cross_validate_methods(
    factories: dict[str, Callable[[], Any]],
    X: Any,
    y: Any,
    folds: list[np.ndarray],
    progress: Callable[[int, int], None] | None = None,
) -> CVResult:
    """Score several methods on the same folds of labeled rows.

    In each fold the held-out rows lose their labels *before* anything is fitted (they
    stay in the table as unlabeled rows, as at fit time); every method is fitted on what
    is left and scored on them. Nothing but the scoring ever reads a held-out label.
    ``y`` is parsed once; each method is fitted on that :class:`~fewlabels.data.Target`
    with the fold's rows unlabeled (:meth:`~fewlabels.data.Target.without`).
    """
    target = parse_target(y)
    result = CVResult(folds=folds)
    for name in factories:
        result.accuracy[name], result.balanced_accuracy[name], result.predictions[name] = [], [], []
    total = len(folds) * len(factories)
    done = 0
    for test in folds:
        fold = target.without(test)
        truth = target.classes[target.codes[test]]
        for name, make in factories.items():
            pred = np.asarray(make().fit(X, fold).predict(_rows(X, test)))
            result.predictions[name].append(pred)
            result.accuracy[name].append(float(accuracy_score(truth, pred)))
            result.balanced_accuracy[name].append(float(balanced_accuracy_score(truth, pred)))
            done += 1
            if progress is not None:
                progress(done, total)
    return result


def paired_difference(a: list[float], b: list[float]) -> tuple[float, float]:
    """Mean of a - b over paired folds and its standard error (NaN below two folds)."""
    d = np.asarray(a) - np.asarray(b)
    se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
    return float(d.mean()), float(se)


def paired_gain(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """Mean of a - b over folds, and a 95% interval (normal approximation)."""
    mean, se = paired_difference(a, b)
    return mean, mean - 1.96 * se, mean + 1.96 * se


def compare_with_supervised(
    make_method: Callable[[], Any],
    make_baseline: Callable[[], Any],
    X: Any,
    y: Any,
    *,
    method_name: str = "method",
    baseline_name: str = "supervised",
    n_splits: int = 5,
    n_repeats: int | None = None,
    random_state: int | None = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Evidence:
    """Cross-validate a method against the supervised baseline on the labeled rows.

    Parameters
    ----------
    make_method, make_baseline : callable
        Each returns a fresh unfitted estimator (or pipeline) taking ``fit(X, y)`` with
        unlabeled rows marked.
    X : table or array-like
    y : array-like
        The partially labeled target.
    n_splits : int, default=5
        Folds, lowered to the size of the smallest class when needed.
    n_repeats : int, optional
        Repeats of the k-fold; by default 3 below 100 labeled rows, 2 below 1,000, else 1.
    random_state : int, default=0
    progress : callable(done, total), optional
        Called after every fitted model.

    Returns
    -------
    Evidence
    """
    y = parse_target(y)  # once, for the folds and every fit
    folds, splits, repeats, reason = labeled_folds(y, n_splits, n_repeats, random_state)
    ev = Evidence(method_name, baseline_name, splits, repeats)
    if reason is not None:
        ev.skipped_reason = reason
        return ev
    factories = {baseline_name: make_baseline}
    if method_name != baseline_name:
        factories[method_name] = make_method
    cv = cross_validate_methods(factories, X, y, folds, progress)
    ev.baseline_scores = cv.accuracy[baseline_name]
    ev.baseline_balanced = cv.balanced_accuracy[baseline_name]
    ev.method_scores = cv.accuracy[method_name]
    ev.method_balanced = cv.balanced_accuracy[method_name]
    logger.info("evidence for %s: %s", method_name, ev.verdict())
    return ev


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (strict JSON)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    return value


def _rows(X: Any, idx: np.ndarray) -> Any:
    return _safe_indexing(X, idx)
