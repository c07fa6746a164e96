"""The sections of the report written by ``fewlabels fit``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .html import Section, esc, figure_to_img, table

__all__ = ["data_section", "evidence_section", "method_section", "predictions_section"]


def _figure(width: float = 6.0, height: float = 3.0) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def data_section(
    n_rows: int, target: str, labels: pd.Series, labeled: np.ndarray, schema: dict[str, Any]
) -> Section:
    counts = labels[labeled].astype(str).value_counts().sort_index()
    kinds: dict[str, int] = {}
    for c in schema["columns"]:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    parts = [
        f"<p>{n_rows:,} rows; {int(labeled.sum()):,} labeled ({labeled.mean():.1%}) in target column "
        f"<code>{esc(target)}</code>, {int((~labeled).sum()):,} unlabeled.</p>",
        "<h3>Labeled rows per class</h3>",
        table(
            ["class", "labeled rows"], [(k, f"{v:,}") for k, v in counts.items()], numeric_cols=[1]
        ),
        "<h3>Feature columns</h3>",
        table(["kind", "columns"], sorted(kinds.items()), numeric_cols=[1]),
        table(
            ["column", "kind", "missing", "distinct"],
            [
                (c["name"], c["kind"], f"{c['n_missing']:,}", f"{c['n_unique']:,}")
                for c in schema["columns"][:200]
            ],
            numeric_cols=[2, 3],
        ),
    ]
    if len(schema["columns"]) > 200:
        parts.append(f'<p class="note">… and {len(schema["columns"]) - 200} more columns.</p>')
    if schema["dropped"]:
        parts.append("<h3>Columns not used as features</h3>")
        parts.append(table(["column", "reason"], sorted(schema["dropped"].items())))
    return Section("The data", "".join(parts), "data")


def method_section(name: str, summary: str, params: dict[str, Any]) -> Section:
    rows = [
        (k, repr(v)) for k, v in sorted(params.items()) if not k.endswith("estimator") or v is None
    ]
    body = f"<p><b>{esc(name)}</b>: {esc(summary)}</p>" + table(["parameter", "value"], rows)
    return Section("The method", body, "method")


def evidence_section(evidence: dict[str, Any] | None) -> Section:
    if evidence is None:
        return Section(
            "The evidence",
            '<p class="note">Evidence was not computed (--no-evidence).</p>',
            "evidence",
        )
    if not evidence.get("method_scores"):
        return Section(
            "The evidence", f'<p class="note">{esc(evidence["verdict"])}</p>', "evidence"
        )
    m = np.asarray(evidence["method_scores"])
    b = np.asarray(evidence["baseline_scores"])
    same = evidence["is_baseline"]
    if evidence.get("portfolio"):
        return _portfolio_section(evidence)
    gain = evidence.get("gain", 0.0)
    cls = (
        "neutral"
        if same
        else "good"
        if evidence["gain_low"] > 0
        else "bad"
        if evidence["gain_high"] < 0
        else "neutral"
    )
    rows = [
        (
            evidence["baseline"] + " (baseline)",
            f"{b.mean():.3f}",
            f"{b.std():.3f}",
            f"{np.mean(evidence['baseline_balanced']):.3f}",
        )
    ]
    if not same:
        rows.append(
            (
                evidence["method"],
                f"{m.mean():.3f}",
                f"{m.std():.3f}",
                f"{np.mean(evidence['method_balanced']):.3f}",
            )
        )
    parts = [
        f'<p class="verdict {cls}">{esc(evidence["verdict"])}</p>',
        f"<p>Stratified {evidence['n_splits']}-fold cross-validation on the labeled rows, repeated "
        f"{evidence['n_repeats']} time(s). In each fold the held-out rows keep their features but lose "
        "their labels, so a semi-supervised method can use them as unlabeled rows, exactly as at fit time; "
        "both models are scored on them.</p>",
        table(
            ["model", "accuracy (mean)", "std", "balanced accuracy"], rows, numeric_cols=[1, 2, 3]
        ),
    ]
    if not same:
        fig = _figure(6, 2.6)
        ax = fig.add_subplot()
        ax.axvline(0, color="#888", lw=1)
        d = m - b
        ax.scatter(
            d,
            np.random.default_rng(0).uniform(-0.2, 0.2, len(d)),
            alpha=0.6,
            color="#2b6cb0",
            label="fold",
        )
        ax.errorbar(
            [gain],
            [0],
            xerr=[[gain - evidence["gain_low"]], [evidence["gain_high"] - gain]],
            fmt="o",
            color="#c53030",
            capsize=4,
            label="mean, 95% interval",
        )
        ax.set_yticks([])
        ax.set_xlabel(f"accuracy of {evidence['method']} minus {evidence['baseline']}, per fold")
        ax.legend(loc="upper right", fontsize=8)
        parts.append(figure_to_img(fig, "gain over the supervised baseline per fold"))
        parts.append(
            '<p class="note">Folds share training rows, so the interval is somewhat optimistic.</p>'
        )
    return Section("The evidence", "".join(parts), "evidence")


def _portfolio_section(evidence: dict[str, Any]) -> Section:
    res = evidence["portfolio"]
    cls = "good" if evidence.get("gain_low", 0) > 0 and not evidence["is_baseline"] else "neutral"
    rows = [
        (
            name,
            "semi-supervised" if semi else "supervised",
            f"{mean:.3f}",
            f"{std:.3f}",
            f"{bal:.3f}",
        )
        for name, semi, mean, std, bal in zip(
            res["method"],
            res["semi_supervised"],
            res["mean_accuracy"],
            res["std_accuracy"],
            res["mean_balanced_accuracy"],
            strict=True,
        )
    ]
    fig = _figure(6, 0.45 * len(rows) + 1.0)
    ax = fig.add_subplot()
    order = np.argsort(res["mean_accuracy"])
    names = [res["method"][i] for i in order]
    ax.barh(
        names,
        [res["mean_accuracy"][i] for i in order],
        xerr=[res["std_accuracy"][i] for i in order],
        color=["#2b6cb0" if res["semi_supervised"][i] else "#a0aec0" for i in order],
        capsize=3,
    )
    ax.set_xlabel("cross-validated accuracy on held-out labeled rows (mean, std)")
    lo = min(res["mean_accuracy"]) - max(res["std_accuracy"]) - 0.05
    ax.set_xlim(max(0.0, lo), 1.0)
    n_folds = len(res["fold_accuracy"][0])
    parts = [
        f'<p class="verdict {cls}">{esc(evidence["verdict"])}</p>',
        "" if evidence["is_baseline"] else f"<p>{esc(evidence.get('selection_reason') or '')}.</p>",
        f"<p>Every method was cross-validated on the same {n_folds} folds of labeled rows; in each fold the "
        "held-out rows lost their labels before anything was fitted, so pseudo-labels came from that fold's "
        "training labels only. A semi-supervised method is chosen only if it beats the best supervised one "
        "by more than one standard error.</p>",
        table(
            ["method", "kind", "accuracy (mean)", "std", "balanced accuracy"],
            rows,
            numeric_cols=[2, 3, 4],
        ),
        figure_to_img(fig, "cross-validated accuracy of each method in the portfolio"),
        '<p class="note">The choice was made on these folds, so the chosen method\'s score is slightly optimistic.</p>',
    ]
    return Section("The evidence", "".join(parts), "evidence")


def predictions_section(
    pred: pd.Series,
    confidence: np.ndarray,
    labeled: np.ndarray,
    truth: pd.Series,
) -> Section:
    counts = pred.astype(str).value_counts().sort_index()
    parts = [
        "<h3>Predicted classes (all rows)</h3>",
        table(
            ["class", "rows", "share"],
            [(k, f"{v:,}", f"{v / len(pred):.1%}") for k, v in counts.items()],
            numeric_cols=[1, 2],
        ),
    ]
    if labeled.any():
        agree = float(
            (pred[labeled].astype(str).to_numpy() == truth[labeled].astype(str).to_numpy()).mean()
        )
        parts.append(
            f"<p>On the labeled rows, the model agrees with the given label for {agree:.1%} of rows "
            "(training fit, not a test score; see the evidence for that).</p>"
        )
    fig = _figure(6, 2.6)
    ax = fig.add_subplot()
    ax.hist(
        [confidence[~labeled], confidence[labeled]],
        bins=20,
        range=(0, 1),
        stacked=True,
        label=["unlabeled", "labeled"],
        color=["#2b6cb0", "#a0aec0"],
    )
    ax.set_xlabel("confidence (probability of the predicted class)")
    ax.set_ylabel("rows")
    ax.legend(fontsize=8)
    parts.append(figure_to_img(fig, "histogram of prediction confidence"))
    low = np.argsort(confidence)[:10]
    parts.append("<h3>Least confident predictions</h3>")
    parts.append(
        table(
            ["row", "predicted", "confidence", "labeled"],
            [(int(i), pred.iloc[i], f"{confidence[i]:.3f}", bool(labeled[i])) for i in low],
            numeric_cols=[0, 2],
        )
    )
    return Section("The predictions", "".join(parts), "predictions")
