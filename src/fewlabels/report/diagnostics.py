"""What a user can act on, computed from the out-of-fold probabilities the evidence kept.

Pure functions on numpy arrays: the majority-class baseline, the confusion matrix and
per-class precision and recall, the reliability of the confidence (expected calibration
error) and a temperature that corrects it, permutation feature importance, and the
columns derived from a text column. Nothing here fits a model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "apply_temperature",
    "calibration",
    "confusion",
    "derived_from_text",
    "expected_calibration_error",
    "fit_temperature",
    "majority_baseline",
    "permutation_importance",
    "reliability_bins",
]


def majority_baseline(codes: np.ndarray, n_classes: int) -> dict[str, Any]:
    """Accuracy and balanced accuracy of always predicting the most common class of ``codes``.

    Examples
    --------
    >>> majority_baseline(np.array([0, 0, 0, 1]), 2)
    {'class': 0, 'accuracy': 0.75, 'balanced_accuracy': 0.5}
    """
    counts = np.bincount(codes, minlength=n_classes)
    top = int(np.argmax(counts))
    return {
        "class": top,
        "accuracy": float(counts[top] / max(counts.sum(), 1)),
        "balanced_accuracy": 1.0 / n_classes,
    }


def confusion(true: np.ndarray, pred: np.ndarray, n_classes: int) -> dict[str, Any]:
    """The confusion matrix (rows: given label, columns: predicted) and per-class precision,
    recall and support; a class never predicted has precision NaN.

    Examples
    --------
    >>> c = confusion(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2)
    >>> c["matrix"].tolist(), c["precision"].round(2).tolist(), c["recall"].tolist()
    ([[1, 1], [0, 2]], [1.0, 0.67], [0.5, 1.0])
    """
    m = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(m, (true, pred), 1)
    support = m.sum(axis=1)
    predicted = m.sum(axis=0)
    diag = np.diag(m).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, diag / np.maximum(predicted, 1), np.nan)
        recall = np.where(support > 0, diag / np.maximum(support, 1), np.nan)
    return {"matrix": m, "precision": precision, "recall": recall, "support": support}


def reliability_bins(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Rows grouped by confidence into equal-width bins: count, mean confidence, accuracy."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        sel = idx == b
        if sel.any():
            rows.append(
                (
                    edges[b],
                    edges[b + 1],
                    int(sel.sum()),
                    confidence[sel].mean(),
                    correct[sel].mean(),
                )
            )
    return pd.DataFrame(rows, columns=["low", "high", "rows", "confidence", "accuracy"])


def expected_calibration_error(proba: np.ndarray, codes: np.ndarray, n_bins: int = 10) -> float:
    """The expected calibration error of the top-class confidence (0 = calibrated).

    Examples
    --------
    >>> P = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.2, 0.8]])
    >>> round(expected_calibration_error(P, np.array([0, 1, 1, 1])), 3)
    0.3
    """
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == codes
    bins = reliability_bins(conf, correct, n_bins)
    if bins.empty:
        return float("nan")
    gap = (bins["confidence"] - bins["accuracy"]).abs()
    return float((gap * bins["rows"]).sum() / bins["rows"].sum())


def apply_temperature(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities softened (temperature > 1) or sharpened (< 1); the order per row stays
    (:func:`fewlabels.auto.ensemble.temper`, which auto's member calibration uses too).

    Examples
    --------
    >>> apply_temperature(np.array([[0.8, 0.2]]), 1.0).round(3).tolist()
    [[0.8, 0.2]]
    """
    from ..auto.ensemble import temper

    return temper(proba, temperature)


def fit_temperature(proba: np.ndarray, codes: np.ndarray) -> float:
    """The temperature in [0.05, 20] that minimises the log loss of ``proba`` on ``codes``
    (:func:`fewlabels.auto.ensemble.fit_temperature` with the report's wider bounds)."""
    from ..auto.ensemble import fit_temperature as fit

    return fit(proba, codes, bounds=(0.05, 20.0), xatol=1e-5)


def calibration(
    proba: np.ndarray,
    codes: np.ndarray,
    *,
    threshold: float = 0.05,
    n_splits: int = 2,
    random_state: int = 0,
) -> dict[str, Any]:
    """Whether the out-of-fold confidence is off, and a temperature that corrects it.

    The error after calibration is measured honestly: the temperature is fitted on one
    half of the out-of-fold rows and scored on the other (``n_splits``-fold cross-fitting).
    The temperature fitted on all rows is kept (``apply``) only when the error before is
    above ``threshold`` and the cross-fitted error is lower.

    Returns ``{"ece", "ece_calibrated", "temperature", "apply", "rows"}``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> codes = rng.integers(0, 2, 400)
    >>> right = rng.random(400) < 0.7  # 70% right, but always 99% sure
    >>> pred = np.where(right, codes, 1 - codes)
    >>> P = np.where(np.eye(2)[pred] == 1, 0.99, 0.01)
    >>> c = calibration(P, codes)
    >>> c["apply"], c["ece"] > 0.25, c["ece_calibrated"] < 0.05
    (True, True, True)
    """
    n = len(codes)
    before = expected_calibration_error(proba, codes)
    out = {"ece": before, "ece_calibrated": float("nan"), "temperature": 1.0, "apply": False}
    out["rows"] = n
    if n < 20:
        return out
    order = np.random.default_rng(random_state).permutation(n)
    calibrated = np.empty_like(proba)
    for part in np.array_split(order, n_splits):
        rest = np.setdiff1d(order, part)
        t = fit_temperature(proba[rest], codes[rest])
        calibrated[part] = apply_temperature(proba[part], t)
    after = expected_calibration_error(calibrated, codes)
    out["ece_calibrated"] = after
    if before > threshold and after < before:
        out["temperature"] = fit_temperature(proba, codes)
        out["apply"] = True
    return out


def permutation_importance(
    predict_proba: Callable[[Any], np.ndarray],
    X: pd.DataFrame,
    codes: np.ndarray,
    columns: list[str],
    *,
    n_repeats: int = 2,
    time_budget: float = 5.0,
    random_state: int = 0,
) -> dict[str, list[float]]:
    """Accuracy lost when each column of ``X`` is shuffled (mean and spread over repeats).

    Columns not reached within ``time_budget`` seconds get NaN. ``predict_proba`` must be a
    model that did not learn from these rows' labels (a fold's model on its held-out rows).

    Examples
    --------
    >>> X = pd.DataFrame({"a": [0, 1, 0, 1] * 10, "b": [0.0] * 40})
    >>> f = lambda T: np.eye(2)[T["a"].to_numpy()]
    >>> r = permutation_importance(f, X, X["a"].to_numpy(), ["a", "b"], n_repeats=3)
    >>> r["drop"][0] > 0.2, r["drop"][1]
    (True, 0.0)
    """
    rng = np.random.default_rng(random_state)
    start = time.perf_counter()
    base = float(np.mean(predict_proba(X).argmax(axis=1) == codes))
    drop, spread = [], []
    for col in columns:
        if time.perf_counter() - start > time_budget:
            drop.append(float("nan"))
            spread.append(float("nan"))
            continue
        scores = []
        for _ in range(n_repeats):
            shuffled = X.copy()
            shuffled[col] = shuffled[col].to_numpy()[rng.permutation(len(X))]
            scores.append(float(np.mean(predict_proba(shuffled).argmax(axis=1) == codes)))
        drop.append(base - float(np.mean(scores)))
        spread.append(float(np.std(scores)))
    return {"drop": drop, "std": spread, "rows": [len(X)] * len(columns)}


def derived_from_text(
    frame: pd.DataFrame, text_columns: list[str], numeric_columns: list[str]
) -> dict[str, str]:
    """Numeric columns that are (almost) the character or word count of a text column.

    Returns ``{column: description}``; a rank correlation of at least 0.95 counts.

    Examples
    --------
    >>> df = pd.DataFrame({"text": ["a b", "a b c d", "x", "long text here ok"],
    ...                    "length": [3, 7, 1, 17], "other": [5, 1, 4, 2]})
    >>> derived_from_text(df, ["text"], ["length", "other"])
    {'length': "the character count of text column 'text'"}
    """
    found: dict[str, str] = {}
    for t in text_columns:
        if t not in frame.columns:
            continue
        text = frame[t].astype("string")
        counts = {
            "character": text.str.len(),
            "word": text.str.split().str.len(),
        }
        for c in numeric_columns:
            if c in found or c not in frame.columns:
                continue
            values = pd.to_numeric(frame[c], errors="coerce")
            for what, n in counts.items():
                both = values.notna() & n.notna()
                if both.sum() < 3 or values[both].nunique() < 2:
                    continue
                rho = values[both].astype(float).corr(n[both].astype(float), method="spearman")
                if np.isfinite(rho) and rho >= 0.95:
                    found[c] = f"the {what} count of text column {t!r}"
                    break
    return found
