"""The HTML report of a benchmark run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..report.html import Section, esc, figure_to_img, render_page, table
from .summary import critical_difference, summarize

__all__ = ["bench_report"]


def _fig(w: float, h: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h))


def _budget_plots(results: pd.DataFrame) -> str:
    ok = results[results["status"] == "ok"]
    parts = []
    for (dataset, protocol), block in ok.groupby(["dataset", "protocol"]):
        fig = _fig(6, 3.2)
        ax = fig.add_subplot()
        for method, m in block.groupby("method"):
            curve = m.groupby("budget")["accuracy"].agg(["mean", "std"]).sort_index()
            ax.errorbar(
                curve.index * 100,
                curve["mean"],
                yerr=curve["std"].fillna(0),
                marker="o",
                capsize=2,
                label=method,
            )
        ax.set_xlabel("labeled rows (% of train)")
        ax.set_ylabel("test accuracy")
        ax.set_title(f"{dataset} ({protocol} labeling)")
        ax.legend(fontsize=6, ncol=2)
        parts.append(figure_to_img(fig, f"accuracy against budget on {dataset}"))
    return "".join(parts)


def _cd_diagram(results: pd.DataFrame) -> str:
    ranks, cd, n = critical_difference(results)
    if not np.isfinite(cd):
        return '<p class="note">Too few blocks for a critical-difference diagram.</p>'
    fig = _fig(7, 0.3 * len(ranks) + 1.2)
    ax = fig.add_subplot()
    y = np.arange(len(ranks))
    ax.scatter(ranks.values, y, color="#2b6cb0")
    ax.set_yticks(y, ranks.index)
    ax.invert_yaxis()
    best = ranks.values[0]
    ax.axvspan(
        best, best + cd, color="#c6f6d5", alpha=0.6, label=f"within CD of the best ({cd:.2f})"
    )
    ax.set_xlabel(f"average rank over {n} dataset x protocol x budget blocks (1 = best)")
    ax.legend(fontsize=7, loc="lower right")
    return figure_to_img(fig, "critical-difference diagram") + (
        f'<p class="note">Nemenyi test at alpha = 0.05: methods whose average ranks differ by less than '
        f"{cd:.2f} are not significantly different.</p>"
    )


def bench_report(results_path: str | Path) -> str:
    results = pd.read_csv(results_path)
    s = summarize(results)
    acc = s["mean_accuracy"]
    acc_rows = [
        (m, *[f"{v:.3f}" if np.isfinite(v) else "–" for v in acc.loc[m].values]) for m in acc.index
    ]
    rank_rows = [(m, f"{r:.2f}") for m, r in s["mean_rank"].items()]
    same = s.get("same_label_budgets") or []
    same_html = ""
    if same:
        same_html = (
            '<p class="verdict bad">Some budgets give the same number of labels, so their columns do not compare different budgets:</p>'
            + table(
                ["dataset", "protocol", "budgets", "labeled rows"],
                [
                    (
                        d["dataset"],
                        d["protocol"],
                        ", ".join(f"{b:.0%}" for b in d["budgets"]),
                        d["n_labeled"],
                    )
                    for d in same
                ],
                numeric_cols=[3],
            )
        )
    wtl = s["wtl"]
    wtl_rows = [
        (
            r.method,
            r.protocol,
            f"{r.budget:.0%}",
            f"{r.wins}/{r.ties}/{r.losses}",
            f"{r.mean_diff:+.3f}",
            "–" if not np.isfinite(r.wilcoxon_p) else f"{r.wilcoxon_p:.3f}",
        )
        for r in wtl.itertuples()
    ]
    sections = [
        Section(
            "Mean accuracy",
            table(
                ["method", *[f"{b:.0%}" for b in acc.columns]],
                acc_rows,
                numeric_cols=range(1, len(acc.columns) + 1),
            )
            + same_html,
        ),
        Section(
            "Mean rank",
            '<p class="note">Rank 1 is the best mean accuracy over seeds within one dataset, '
            "protocol and budget; the table and the diagram average the same ranks over the "
            "same blocks (those where every method ran).</p>"
            + table(["method", "mean rank"], rank_rows, numeric_cols=[1])
            + _cd_diagram(results),
        ),
        Section(
            "Against the best supervised baseline",
            table(
                ["method", "protocol", "budget", "W/T/L", "mean difference", "Wilcoxon p"],
                wtl_rows,
                numeric_cols=[4, 5],
            ),
        ),
        Section("Accuracy against budget", _budget_plots(results)),
        Section(
            "Errors",
            "<p>No method failed.</p>"
            if not s["errors"]
            else table(["method", "failed cells"], sorted(s["errors"].items())),
        ),
    ]
    return render_page(
        "fewlabels benchmark", sections, f"{s['n_cells']} cells · {esc(Path(results_path).name)}"
    )
