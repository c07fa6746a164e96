"""The sections of ``fewlabels fit``'s report for a numeric target (a regression).

They read the evidence as a plain dict (``evidence_dict`` in
:mod:`fewlabels.regression.workflow`): per-fold RMSE, MAE and R² of the method and of the
supervised baseline, the paired RMSE gain with its interval, and the out-of-fold
predictions of the labeled rows, which the predicted-against-actual plot shows. No model is
fitted here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .html import Section, beside, esc, figure_to_img, table

__all__ = [
    "interval",
    "regression_evidence_section",
    "regression_predictions_section",
    "target_intro",
]


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def interval(scores: Any) -> tuple[float, float, float]:
    """Mean of per-fold scores and a 95% interval (normal approximation over the folds).

    >>> interval([1.0, 2.0, 3.0])[0]
    2.0
    """
    s = np.asarray(scores, dtype=float)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return float("nan"), float("nan"), float("nan")
    half = 1.96 * s.std(ddof=1) / np.sqrt(s.size) if s.size > 1 else float("nan")
    return float(s.mean()), float(s.mean() - half), float(s.mean() + half)


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return "–"
    return f"{value:.4g}"


def _with_interval(scores: Any) -> str:
    mean, lo, hi = interval(scores)
    if not np.isfinite(lo):
        return _fmt(mean)
    return f"{_fmt(mean)} [{_fmt(lo)}, {_fmt(hi)}]"


def target_intro(
    n_rows: int, target: str | None, values: np.ndarray, labeled: np.ndarray, reason: str | None
) -> str:
    """The data section's first lines for a numeric target: how many rows hold a value, the
    values' range and quartiles, and why fewlabels read the target as a number."""
    v = np.asarray(values, dtype=float)[labeled]
    q = np.percentile(v, [0, 25, 50, 75, 100]) if v.size else [np.nan] * 5
    why = f" It is read as a number to predict: {esc(reason)}." if reason else ""
    return (
        f"<p>{n_rows:,} rows; {int(labeled.sum()):,} hold a value ({labeled.mean():.1%}) in "
        f"target column <code>{esc(target)}</code>, {int((~labeled).sum()):,} are "
        f"unlabeled.{why}</p>"
        + table(
            ["", "min", "25%", "median", "75%", "max"],
            [("labeled values", *(_fmt(float(x)) for x in q))],
            numeric_cols=[1, 2, 3, 4, 5],
        )
    )


def regression_evidence_section(evidence: dict[str, Any] | None) -> Section:
    """RMSE, MAE and R² of the method and the supervised baseline on held-out labeled rows,
    with intervals, the paired gain and the verdict; the members' scores of a selection."""
    if evidence is None:
        return Section(
            "The evidence",
            '<p class="note">Evidence was not computed (--no-evidence).</p>',
            "evidence",
        )
    if not evidence.get("method_rmse"):
        return Section(
            "The evidence", f'<p class="note">{esc(evidence["verdict"])}</p>', "evidence"
        )
    low, high = (
        np.nan if evidence.get(k) is None else float(evidence[k]) for k in ("gain_low", "gain_high")
    )
    cls = (
        "neutral"
        if evidence.get("is_baseline")
        else "good"
        if low > 0
        else "bad"
        if high < 0
        else "neutral"
    )
    rows = [
        (
            evidence["baseline"] + " (baseline)",
            _with_interval(evidence["baseline_rmse"]),
            _with_interval(evidence["baseline_mae"]),
            _with_interval(evidence["baseline_r2"]),
        )
    ]
    if not evidence.get("is_baseline"):
        rows.append(
            (
                evidence["method"],
                _with_interval(evidence["method_rmse"]),
                _with_interval(evidence["method_mae"]),
                _with_interval(evidence["method_r2"]),
            )
        )
    folds = len(evidence["method_rmse"])
    parts = [
        f'<p class="verdict {cls}">{esc(evidence["verdict"])}</p>',
        f"<p>Scores on labeled rows held out of each fit ({folds} folds; unlabeled rows stay "
        "in every fit). Mean with a 95% interval over the folds; lower RMSE and MAE are "
        "better, higher R².</p>",
        table(["model", "RMSE", "MAE", "R²"], rows),
    ]
    if evidence.get("selection_reason"):
        parts.append(f"<p>{esc(evidence['selection_reason'])}</p>")
    portfolio = evidence.get("portfolio") or {}
    if portfolio:
        scores = {k: np.nan if v is None else float(v) for k, v in portfolio.items()}
        ranked = sorted(scores.items(), key=lambda kv: (not np.isfinite(kv[1]), kv[1]))
        parts.append("<h3>Members compared</h3>")
        parts.append(
            table(
                ["member", "cross-validated RMSE"],
                [(name, _fmt(v)) for name, v in ranked],
                numeric_cols=[1],
            )
        )
    return Section("The evidence", "".join(parts), "evidence")


def _oof_plot(true: np.ndarray, pred: np.ndarray) -> str:
    fig = _figure(4.6, 4.2)
    ax = fig.add_subplot()
    ax.scatter(true, pred, s=10, alpha=0.6, color="#2b6cb0", label="labeled row (held out)")
    lo = float(min(true.min(), pred.min()))
    hi = float(max(true.max(), pred.max()))
    ax.plot([lo, hi], [lo, hi], color="#a0aec0", lw=1, label="predicted = actual")
    ax.set_xlabel("actual value")
    ax.set_ylabel("predicted (out of fold)")
    beside(ax, fontsize=8)
    return figure_to_img(fig, "out-of-fold predicted against actual values of the labeled rows")


def regression_predictions_section(
    pred: np.ndarray,
    labeled: np.ndarray,
    values: np.ndarray,
    oof: dict[str, Any] | None,
) -> Section:
    """The predicted values of every row, and the out-of-fold predicted-against-actual plot
    of the labeled rows when the evidence kept it."""
    pred = np.asarray(pred, dtype=float)
    q = np.percentile(pred, [0, 25, 50, 75, 100])
    parts = [
        "<h3>Predicted values (all rows)</h3>",
        table(
            ["", "min", "25%", "median", "75%", "max"],
            [("predicted", *(_fmt(float(x)) for x in q))],
            numeric_cols=[1, 2, 3, 4, 5],
        ),
    ]
    if oof and len(oof.get("true", [])):
        true, held = np.asarray(oof["true"], float), np.asarray(oof["pred"], float)
        rmse = float(np.sqrt(np.mean((true - held) ** 2)))
        parts.append(
            f"<h3>Predicted against actual, out of fold</h3><p>Each labeled row predicted by a "
            f"model that did not see its value ({len(true):,} rows, RMSE {_fmt(rmse)}). Points "
            "far from the diagonal are the rows the model gets most wrong.</p>"
        )
        parts.append(_oof_plot(true, held))
    if labeled.any():
        train = float(np.sqrt(np.mean((pred[labeled] - np.asarray(values)[labeled]) ** 2)))
        parts.append(
            f"<p>On the labeled rows the fitted model's RMSE is {_fmt(train)} (training fit, "
            "not a test score; see the evidence for that).</p>"
        )
    fig = _figure(6, 2.6)
    ax = fig.add_subplot()
    ax.hist(
        [pred[~labeled], pred[labeled]],
        bins=30,
        stacked=True,
        label=["unlabeled", "labeled"],
        color=["#2b6cb0", "#a0aec0"],
    )
    ax.set_xlabel("predicted value")
    ax.set_ylabel("rows")
    beside(ax, fontsize=8)
    parts.append(figure_to_img(fig, "histogram of the predicted values"))
    return Section("The predictions", "".join(parts), "predictions")
