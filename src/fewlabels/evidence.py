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
    #: per fold, the accuracy of predicting the training folds' majority class
    majority_scores: list[float] = field(default_factory=list)
    #: the out-of-fold class probabilities of the method, one row per labeled row (its
    #: first repeat): ``oof_rows`` index the table, ``oof_proba`` columns follow the classes.
    #: Kept for the report; left out of :meth:`to_dict`.
    oof_rows: Any = field(default=None, repr=False, compare=False)
    oof_proba: Any = field(default=None, repr=False, compare=False)
    #: permutation importance of the method's feature columns on its held-out rows
    #: (``columns``, ``drop`` in accuracy, ``std``, ``rows``), or None
    importance: dict[str, Any] | None = None
    #: whether ``method`` learns from unlabeled rows; a supervised method that beats the
    #: baseline is "ahead of" it, not helped by the unlabeled rows
    semi_supervised: bool = True

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
            what = (
                "the unlabeled rows helped"
                if self.semi_supervised
                else f"ahead of the {self.baseline} (a supervised method: no unlabeled rows used)"
            )
            return f"{chose}{what}: {mean:+.1%} accuracy (95% interval {lo:+.1%} to {hi:+.1%})"
        if hi < 0:
            return (
                f"{chose}WORSE than the supervised baseline: {mean:+.1%} accuracy "
                f"(95% interval {lo:+.1%} to {hi:+.1%}); prefer --method {self.baseline}"
            )
        return f"{chose}no clear difference in accuracy from the {self.baseline}: {mean:+.1%} (95% interval {lo:+.1%} to {hi:+.1%})"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("oof_rows", None), d.pop("oof_proba", None)
        if self.majority_scores:
            d["majority_mean"] = float(np.mean(self.majority_scores))
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
    #: per method and fold, the class probabilities of the held-out rows (None for a model
    #: without ``predict_proba``)
    probas: dict[str, list[np.ndarray | None]] = field(default_factory=dict)
    #: per fold, the accuracy of predicting the training folds' majority class
    majority: list[float] = field(default_factory=list)
    #: permutation importance of one method on its first ``n_splits`` folds, or None
    importance: dict[str, Any] | None = None


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
    importance: tuple[str, int, float] | None = None,
) -> CVResult:
    """Score several methods on the same folds of labeled rows.

    In each fold the held-out rows lose their labels *before* anything is fitted (they
    stay in the table as unlabeled rows, as at fit time); every method is fitted on what
    is left and scored on them. Nothing but the scoring ever reads a held-out label.
    ``y`` is parsed once; each method is fitted on that :class:`~fewlabels.data.Target`
    with the fold's rows unlabeled (:meth:`~fewlabels.data.Target.without`).

    ``importance=(name, n_folds, seconds)`` also measures the permutation importance of
    method ``name``'s feature columns on the held-out rows of the first ``n_folds`` folds
    (each fold's own model, so no held-out label was learned), within ``seconds``.
    """
    target = parse_target(y)
    result = CVResult(folds=folds)
    for name in factories:
        result.accuracy[name], result.balanced_accuracy[name], result.predictions[name] = [], [], []
        result.probas[name] = []
    total = len(folds) * len(factories)
    done = 0
    for test in folds:
        fold = target.without(test)
        truth = target.classes[target.codes[test]]
        train = fold.codes[fold.labeled]
        result.majority.append(float(np.mean(target.codes[test] == np.bincount(train).argmax())))
        for name, make in factories.items():
            model = make().fit(X, fold)
            proba = None
            if hasattr(model, "predict_proba"):  # one pass: the labels follow from it
                from .base import labels_from_proba

                proba = np.asarray(model.predict_proba(_rows(X, test)))
                pred = np.asarray(labels_from_proba(model, proba))
            else:
                pred = np.asarray(model.predict(_rows(X, test)))
            result.predictions[name].append(pred)
            result.probas[name].append(proba)
            if importance is not None and name == importance[0] and proba is not None:
                i = len(result.probas[name]) - 1
                if i < importance[1]:
                    _add_importance(result, model, X, test, target, importance, i)
            result.accuracy[name].append(float(accuracy_score(truth, pred)))
            result.balanced_accuracy[name].append(float(balanced_accuracy_score(truth, pred)))
            done += 1
            if progress is not None:
                progress(done, total)
    return result


def _add_importance(
    result: CVResult,
    model: Any,
    X: Any,
    test: np.ndarray,
    target: Any,
    importance: tuple[str, int, float],
    fold: int,
) -> None:
    """Pool one fold's permutation importance into ``result.importance``."""
    import pandas as pd

    from .report.diagnostics import permutation_importance

    if not isinstance(X, pd.DataFrame):
        return
    encode = getattr(model, "named_steps", {}).get("encode")
    schema = getattr(encode, "schema_", None)
    columns = [c["name"] for c in schema["columns"]] if schema else [str(c) for c in X.columns]
    columns = [c for c in columns if c in X.columns]
    rows = _rows(X, test)
    r = permutation_importance(
        model.predict_proba,
        rows,
        target.codes[test],
        columns,
        time_budget=importance[2] / importance[1],
        random_state=fold,
    )
    n = len(test)
    if result.importance is None:
        result.importance = {"columns": columns, "sum": np.zeros(len(columns)), "rows": 0}
        result.importance["sq"] = np.zeros(len(columns))
    imp = result.importance
    if imp["columns"] != columns:
        return
    imp["sum"] = imp["sum"] + n * np.asarray(r["drop"])
    imp["sq"] = imp["sq"] + n * np.asarray(r["std"]) ** 2
    imp["rows"] += n


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
    importance_seconds: float = 0.0,
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
    importance_seconds : float, default=0
        Seconds for the method's permutation feature importance on its held-out rows
        (first repeat); 0 skips it.

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
    cv = cross_validate_methods(
        factories,
        X,
        y,
        folds,
        progress,
        importance=(method_name, splits, importance_seconds) if importance_seconds > 0 else None,
    )
    ev.baseline_scores = cv.accuracy[baseline_name]
    ev.baseline_balanced = cv.balanced_accuracy[baseline_name]
    ev.method_scores = cv.accuracy[method_name]
    ev.method_balanced = cv.balanced_accuracy[method_name]
    ev.majority_scores = cv.majority
    ev.warnings = majority_warning(ev.method_scores, ev.majority_scores)
    first = folds[:splits]  # the first repeat: every labeled row held out once
    probas = cv.probas[method_name][:splits]
    if all(p is not None for p in probas):
        ev.oof_rows = np.concatenate(first)
        ev.oof_proba = np.concatenate(probas)  # type: ignore[arg-type]
    if cv.importance is not None and cv.importance["rows"]:
        imp, n = cv.importance, cv.importance["rows"]
        ev.importance = {
            "columns": imp["columns"],
            "drop": [float(v) for v in imp["sum"] / n],
            "std": [float(v) for v in np.sqrt(imp["sq"] / n)],
            "rows": int(n),
            "scope": "held-out rows, each fold's own model",
        }
    logger.info("evidence for %s: %s", method_name, ev.verdict())
    return ev


def majority_warning(acc: list[float], majority: list[float]) -> list[str]:
    """A warning when the fold accuracies are within noise (one standard error of the
    paired differences) of always predicting the training folds' majority class."""
    if len(acc) < 2 or len(acc) != len(majority):
        return []
    diff, se = paired_difference(acc, majority)
    if diff <= se:
        return [
            f"the cross-validated accuracy ({np.mean(acc):.3f}) is within noise of always "
            f"predicting the majority class ({np.mean(majority):.3f}): the features may not "
            "predict this target, or more labels are needed"
        ]
    return []


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
