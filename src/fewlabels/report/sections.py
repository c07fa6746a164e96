"""The sections of the report written by ``fewlabels fit``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .html import Section, beside, esc, figure_to_img, table

__all__ = ["data_section", "evidence_section", "method_section", "predictions_section"]


def _figure(width: float = 6.0, height: float = 3.0) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def data_section(
    n_rows: int,
    target: str | None,
    labels: pd.Series,
    labeled: np.ndarray,
    schema: dict[str, Any],
    intro: str | None = None,
) -> Section:
    """The table: labeled rows (per class) and the feature columns; ``intro`` (HTML)
    replaces the first paragraph (a positive-unlabeled or label-proportions target)."""
    # the labels as the target parsed them (ints stay ints, strings keep their spelling)
    given = pd.Series(labels[labeled].to_numpy())
    try:
        counts = given.value_counts().sort_index()
    except TypeError:  # values that do not sort together
        counts = given.value_counts()
    kinds: dict[str, int] = {}
    for c in schema["columns"]:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    parts = [
        intro
        or f"<p>{n_rows:,} rows; {int(labeled.sum()):,} labeled ({labeled.mean():.1%}) in target column "
        f"<code>{esc(target)}</code>, {int((~labeled).sum()):,} unlabeled.</p>",
        *(
            [
                "<h3>Labeled rows per class</h3>",
                table(
                    ["class", "labeled rows"],
                    [(k, f"{v:,}") for k, v in counts.items()],
                    numeric_cols=[1],
                ),
            ]
            if len(counts) or intro is None
            else []
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
    rows.append(_majority_row(evidence))
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
        beside(ax, fontsize=8)
        parts.append(figure_to_img(fig, "gain over the supervised baseline per fold"))
        parts.append(
            '<p class="note">Folds share training rows, so the interval is somewhat optimistic.</p>'
        )
    return Section("The evidence", "".join(parts), "evidence")


def _portfolio_section(evidence: dict[str, Any]) -> Section:
    """An ensemble's evidence: each member's out-of-fold scores and its weight in the two
    ensembles, then the paired comparison of the ensembles."""
    res = evidence["portfolio"]
    gain, lo, hi = (
        evidence.get("gain", 0.0),
        evidence.get("gain_low", 0.0),
        evidence.get("gain_high", 0.0),
    )
    cls = "good" if lo > 0 and not evidence["is_baseline"] else "neutral"
    ran = [i for i, st in enumerate(res["status"]) if st == "ok"]
    rows = [
        (
            res["method"][i],
            res["kind"][i],
            f"{res['mean_accuracy'][i]:.3f}",
            f"{res['std_accuracy'][i]:.3f}",
            f"{res['mean_balanced_accuracy'][i]:.3f}",
            f"{res['mean_score'][i]:.3f}",
            f"{res['weight_supervised'][i]:.2f}",
            f"{res['weight_semi_supervised'][i]:.2f}",
            f"{res['seconds'][i]:.1f}",
        )
        for i in ran
    ]
    skipped = [
        (res["method"][i], res["status"][i]) for i in range(len(res["method"])) if i not in ran
    ]
    fig = _figure(6, 0.4 * len(ran) + 1.0)
    ax = fig.add_subplot()
    order = sorted(ran, key=lambda i: res["mean_accuracy"][i])
    ax.barh(
        [res["method"][i] for i in order],
        [res["mean_accuracy"][i] for i in order],
        xerr=[res["std_accuracy"][i] for i in order],
        color=["#2b6cb0" if res["semi_supervised"][i] else "#a0aec0" for i in order],
        capsize=3,
    )
    ax.set_xlabel("out-of-fold accuracy on held-out labeled rows (mean, std)")
    low = min(res["mean_accuracy"][i] - res["std_accuracy"][i] for i in ran) - 0.05
    ax.set_xlim(max(0.0, low), 1.0)
    m = np.asarray(evidence["method_scores"])
    b = np.asarray(evidence["baseline_scores"])
    metric = res.get("metric", "log loss")
    parts = [
        f'<p class="verdict {cls}">{esc(evidence["verdict"])}</p>',
        f"<p>Every member was cross-validated on the same {len(m)} folds of labeled rows; in each "
        "fold the held-out rows lost their labels before anything was fitted, so the teacher's "
        "pseudo-labels and the graph used that fold's training labels only. Greedy ensemble "
        "selection then weighted the members, once among the supervised ones and once among all; "
        "each fold's ensemble score uses weights chosen on the other folds. The semi-supervised "
        "ensemble is kept only if it beats the supervised one by more than one standard error.</p>",
        table(
            ["ensemble", "accuracy (mean)", "std", "balanced accuracy"],
            [
                (
                    evidence["baseline"],
                    f"{b.mean():.3f}",
                    f"{b.std():.3f}",
                    f"{np.mean(evidence['baseline_balanced']):.3f}",
                ),
                (
                    evidence["method"],
                    f"{m.mean():.3f}",
                    f"{m.std():.3f}",
                    f"{np.mean(evidence['method_balanced']):.3f}",
                ),
                _majority_row(evidence),
            ],
            numeric_cols=[1, 2, 3],
        ),
        f"<p>Accuracy gain of the semi-supervised ensemble over the supervised one: {gain:+.1%} "
        f"(95% interval {lo:+.1%} to {hi:+.1%}).</p>",
        table(
            [
                "member",
                "kind",
                "accuracy",
                "std",
                "balanced accuracy",
                f"score ({esc(str(metric))})",
                "weight (supervised)",
                "weight (semi-supervised)",
                "seconds",
            ],
            rows,
            numeric_cols=[2, 3, 4, 5, 6, 7, 8],
        ),
        figure_to_img(fig, "out-of-fold accuracy of each member"),
    ]
    if skipped:
        parts.append("<h3>Members not used</h3>" + table(["member", "why"], skipped))
    return Section("The evidence", "".join(parts), "evidence")


def _majority_row(evidence: dict[str, Any]) -> tuple[str, str, str, str]:
    """The majority-class baseline on the same folds: always the training folds' most
    common class (balanced accuracy 1 / classes)."""
    maj = evidence.get("majority_scores") or []
    k = evidence.get("n_classes")
    if not maj:
        return ("majority class (baseline)", "–", "–", "–")
    return (
        "always the majority class (baseline)",
        f"{np.mean(maj):.3f}",
        f"{np.std(maj):.3f}",
        f"{1 / k:.3f}" if k else "–",
    )


def warnings_section(warnings: list[str]) -> Section:
    """What the user must know before using the predictions."""
    body = "".join(f'<p class="verdict bad">{esc(w)}</p>' for w in warnings)
    return Section("Warnings", body, "warnings")


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
    beside(ax, fontsize=8)
    parts.append(figure_to_img(fig, "histogram of prediction confidence"))
    return Section("The predictions", "".join(parts), "predictions")
