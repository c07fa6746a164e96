"""``discover_table``: what ``fewlabels discover`` does (read, discover, write, report)."""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError

__all__ = ["discover_table"]

logger = logging.getLogger(__name__)

TYPICAL_ROWS = 3


def _report(frame_u: pd.DataFrame, model: Any, target: str, method: str) -> str:
    from ..report.html import Section, esc, figure_to_img, render_page, table

    labels = model.labels_[model.unlabeled_]
    conf = model.confidence_[model.unlabeled_]
    Z = model.representation_
    names = list(model.cluster_names_)
    sizes = pd.Series(labels).value_counts()
    novel = [n for n in names if str(n).startswith("novel-")]
    warnings = list(getattr(model, "warnings_", []))
    sections = [
        *(
            [
                Section(
                    "Warnings", "<ul>" + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>"
                )
            ]
            if warnings
            else []
        ),
        Section(
            "Summary",
            f"<p>{len(labels):,} unlabeled rows; {len(model.known_classes_)} known classes "
            f"in <code>{esc(target)}</code>; method <code>{esc(method)}</code>; "
            f"<b>{model.n_novel_} novel cluster(s)</b>"
            + (f" (estimated; {esc(_estimate_words(model))})" if model.silhouette_ else "")
            + f"; {int(np.mean([n in novel for n in labels]) * 100 + 0.5)}% of the unlabeled "
            "rows are placed in a novel cluster"
            + (
                f"; mean silhouette {model.cluster_silhouette_:.2f}"
                if getattr(model, "cluster_silhouette_", None) is not None
                else ""
            )
            + ".</p>",
        ),
        Section(
            "Clusters",
            table(
                ["cluster", "kind", "unlabeled rows", "mean confidence"],
                [
                    [
                        n,
                        "novel" if n in novel else "known",
                        int(sizes.get(n, 0)),
                        f"{conf[labels == n].mean():.2f}" if (labels == n).any() else "–",
                    ]
                    for n in names
                ],
                numeric_cols=(2, 3),
            ),
        ),
    ]
    from matplotlib.figure import Figure
    from sklearn.decomposition import PCA

    P = PCA(2, random_state=0).fit_transform(Z) if Z.shape[1] > 2 else Z[:, :2]
    fig = Figure(figsize=(8.0, 4.5))
    ax = fig.add_subplot()
    lab = ~model.unlabeled_
    ax.scatter(P[lab, 0], P[lab, 1], s=6, c="#bbbbbb", label="labeled (known classes)")
    Pu = P[model.unlabeled_]
    for i, n in enumerate(names):
        rows = labels == n
        if rows.any():
            ax.scatter(Pu[rows, 0], Pu[rows, 1], s=8, label=str(n), color=f"C{i % 10}")
    ax.set_xlabel("first principal component")
    ax.set_ylabel("second principal component")
    # beside the plot, never over it: one column, two past 16 entries
    n_entries = len(ax.get_legend_handles_labels()[1])
    ax.legend(
        fontsize=7,
        markerscale=2,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        ncol=1 if n_entries <= 16 else 2,
        frameon=False,
    )
    sections.append(
        Section(
            "2-D projection",
            "<p>The clustered space projected on its first two principal components.</p>"
            + figure_to_img(fig, "clusters in two dimensions"),
        )
    )
    if model.silhouette_:
        items = sorted(model.silhouette_.items())
        sections.append(
            Section(
                "Number of novel classes",
                table(["k", "mean silhouette"], [[k, f"{v:.3f}"] for k, v in items], (0, 1)),
            )
        )
    typical = []
    Zu = Z[model.unlabeled_]
    for n in novel:
        rows = np.flatnonzero(labels == n)
        if not len(rows):
            continue
        centre = model.centroids_[len(model.known_classes_) + novel.index(n)]
        near = rows[np.argsort(((Zu[rows] - centre) ** 2).sum(1))[:TYPICAL_ROWS]]
        part = frame_u.iloc[near]
        typical.append(
            f"<h3>{esc(n)} ({len(rows):,} rows)</h3>"
            + table(list(part.columns), part.astype(str).values.tolist())
        )
    sections.append(
        Section(
            "Typical rows of each novel cluster",
            "<p>The rows nearest each novel cluster's centre, to help a person name it.</p>"
            + "".join(typical),
        )
    )
    return render_page(f"fewlabels discover: {target}", sections)


def _estimate_words(model: Any) -> str:
    """How the number of novel classes was estimated, its range and its check, in words."""
    lo, hi = getattr(model, "n_novel_range_", None) or (model.n_novel_, model.n_novel_)
    parts = [f"{lo} to {hi} over repeated runs" if lo != hi else f"{lo} in every repeated run"]
    checks = getattr(model, "n_novel_check_", [])
    if checks:
        shown = ", ".join(f"{c['estimated']} for {c['true']}" for c in checks)
        parts.append(f"on known classes hidden as if novel it found {shown}")
    return "; ".join(parts)


def discover_table(
    data: Any,
    target: str,
    out: str | os.PathLike[str] | None = None,
    *,
    method: str = "gcd-kmeans",
    n_novel: Any = "auto",
    unlabeled_value: Any = None,
    standardize: bool = True,
    random_state: int = 0,
    missing_values: list[str] | None = None,
) -> dict[str, Any]:
    """Discover novel classes among the unlabeled rows of a table; write the results.

    Writes ``discoveries.csv`` (every unlabeled row, its ``discovered`` class or novel
    cluster and a ``confidence``) and ``report.html`` into ``out``. Returns a summary.
    """
    from ..data.io import read_table
    from ..workflow import open_outputs, prepare_target
    from .estimator import NovelClassDiscovery

    frame = read_table(data, missing_values=missing_values)
    X, y, labeled = prepare_target(frame, target, unlabeled_value)
    if labeled.all():
        raise InputError(
            f"every row of {target!r} has a label, so there is nothing to discover; leave the "
            "target blank on the rows whose class is unknown"
        )
    names = {"discoveries": "discoveries.csv", "report": "report.html"}
    with open_outputs(out, names, data) as (paths, run):  # checked and locked before any work
        model = NovelClassDiscovery(
            method, n_novel=n_novel, standardize=standardize, random_state=random_state
        ).fit(X, y)
        return _write(frame, target, method, model, n_novel, run, names, paths)


def _write(
    frame: Any,
    target: str,
    method: str,
    model: Any,
    n_novel: Any,
    run: Any,
    names: dict[str, str],
    paths: dict[str, Any],
) -> dict[str, Any]:
    from ..data.io import write_table, write_text

    unl = model.unlabeled_
    frame_u = frame.loc[unl].drop(columns=[target])
    result = frame_u.copy()
    result["discovered"] = model.labels_[unl]
    result["confidence"] = np.round(model.confidence_[unl], 4)
    result["is_novel"] = [str(v).startswith("novel-") for v in result["discovered"]]
    if run is not None:
        write_table(result, run.path(names["discoveries"]))
        write_text(run.path(names["report"]), _report(frame_u, model, target, method))
    counts = result["discovered"].value_counts()
    return {
        "rows": int(len(frame)),
        "unlabeled_rows": int(unl.sum()),
        "known_classes": [str(c) for c in model.known_classes_],
        "n_novel": int(model.n_novel_),
        "novel_estimated": n_novel == "auto",
        "n_novel_range": list(model.n_novel_range_) if model.n_novel_range_ else None,
        "n_novel_check": model.n_novel_check_,
        "cluster_silhouette": model.cluster_silhouette_,
        "novel_share": float(result["is_novel"].mean()) if len(result) else 0.0,
        "warnings": list(model.warnings_),
        "cluster_sizes": {str(k): int(v) for k, v in counts.items()},
        "paths": {k: str(v) for k, v in paths.items()},
    }
