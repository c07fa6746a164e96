"""``check_table``: what ``fewlabels check`` does (read, find label issues, write, report)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError
from .errors import FILTERS, NoiseEstimate

__all__ = ["check_table"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

#: The most likely errors the report shows as rows of the table.
REPORT_ROWS = 50


def check_table(
    data: Any,
    target: str,
    out: str | os.PathLike[str] | None = None,
    *,
    method: str = "supervised",
    filter_by: str = "prune_by_noise_rate",
    cv: int = 5,
    unlabeled_value: Any = None,
    random_state: int = 0,
    missing_values: list[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Find the labels of a table that look wrong; write the ranked issues and a report.

    The labeled rows get out-of-fold probabilities from ``method`` (unlabeled rows stay in
    every fold, so a semi-supervised method uses them), and confident learning flags the
    labels they contradict (:func:`~fewlabels.noise.find_label_issues`).

    Parameters
    ----------
    data : path or table
        CSV, Parquet or Arrow file, or a pandas / polars / Arrow table. Never modified.
    target : str
        The label column; blank cells are unlabeled rows.
    out : path, optional
        Folder for ``label_issues.csv`` and ``report.html``, published together; ``None``
        writes nothing.
    method : str, default="supervised"
        A method of :data:`fewlabels.methods.METHODS` whose out-of-fold probabilities judge
        the labels.
    filter_by : str, default="prune_by_noise_rate"
        See :func:`~fewlabels.noise.find_label_issues`.
    cv : int, default=5
    unlabeled_value : scalar, optional
    random_state : int, default=0
    missing_values : list of str, optional
        Cell texts that mean "missing" (see :func:`~fewlabels.data.read_table`).
    progress : callable(stage, done, total), optional

    Returns
    -------
    dict
        A JSON-ready summary: counts, the estimated noise per class, the output paths.
        ``label_issues.csv`` holds one row per issue, most likely error first: ``row``
        (0-based position of the data row in the table), ``given_label``,
        ``suggested_label``, ``score`` (normalized margin: low = likely wrong) and
        ``probability`` (the suggestion's out-of-fold probability).
    """
    from ..data.io import read_table
    from ..methods import get_method, make_model
    from ..workflow import open_outputs, prepare_target

    report = progress or (lambda stage, done, total: None)
    check_options(filter_by, cv)
    spec = get_method(method, task="classification")
    report("reading the table", 0, 1)
    frame = read_table(data, missing_values=missing_values)
    X, y, labeled = prepare_target(frame, target, unlabeled_value)
    names = {"issues": "label_issues.csv", "report": "report.html"}
    with open_outputs(out, names, data) as (paths, run):  # checked and locked before any work
        return _check_and_write(
            frame,
            X,
            y,
            target,
            spec,
            make_model,
            filter_by,
            cv,
            random_state,
            report,
            run,
            names,
            paths,
        )


def check_options(filter_by: str, cv: int) -> None:
    """One line for a ``--filter-by`` or ``--cv`` that ``fewlabels check`` cannot use."""
    if filter_by not in FILTERS:
        raise InputError(f"unknown --filter-by {filter_by!r}; choose one of: {', '.join(FILTERS)}")
    if cv < 2:
        raise InputError(f"--cv must be at least 2 folds; got {cv}")


def _check_and_write(
    frame: pd.DataFrame,
    X: pd.DataFrame,
    y: Any,
    target: str,
    spec: Any,
    make_model: Callable[..., Any],
    filter_by: str,
    cv: int,
    random_state: int,
    report: Progress,
    run: Any,
    names: dict[str, str],
    paths: dict[str, Any],
    *,
    ids: np.ndarray | None = None,
    n_rows: int | None = None,
    extra: dict[str, Any] | None = None,
    scope: str | None = None,
    note: str = "",
    footer: str = "",
) -> dict[str, Any]:
    """Judge the labeled rows of ``frame`` out of fold, and write the issues and the report.

    ``frame`` may be a sample of a larger table (``fewlabels check --engine dask``): ``ids``
    then give each of its rows' position in the whole table (what ``row`` reports),
    ``n_rows`` the table's size, ``extra`` more summary entries, and ``scope``, ``note`` and
    ``footer`` the report's description of where the rows came from (HTML).
    """
    from ..data.io import write_table, write_text
    from .cleaning import at_majority_rate, label_issues_frame, out_of_fold_proba
    from .errors import estimate_noise, find_label_issues

    stage = f"out-of-fold probabilities from {spec.name}"
    rows, proba = out_of_fold_proba(
        make_model(spec.name, random_state),
        X,
        y,
        cv,
        random_state,
        progress=lambda d, t: report(stage, d, t),
    )
    proba = proba / np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)
    codes = y.codes[rows]
    mask = find_label_issues(codes, proba, filter_by)
    noise = estimate_noise(codes, proba)
    issues = label_issues_frame(rows, codes, proba, mask, y.classes)
    local = issues["row"].to_numpy()  # positions in ``frame``
    if ids is not None:
        issues = issues.assign(row=np.asarray(ids)[local])
    accuracy = float((proba.argmax(axis=1) == codes).mean())
    classes = [c.item() if isinstance(c, np.generic) else c for c in y.classes]
    summary: dict[str, Any] = {
        "rows": int(len(frame) if n_rows is None else n_rows),
        "labeled_rows": int(len(rows)),
        "method": spec.name,
        "filter_by": filter_by,
        "issues": int(mask.sum()),
        "issue_share": float(mask.mean()),
        "estimated_noise_share": noise.issue_share,
        "oof_accuracy": accuracy,
        "noise_rates": {str(c): float(r) for c, r in zip(classes, noise.noise_rates, strict=True)},
        "paths": {k: str(v) for k, v in paths.items()},
        "warnings": [],
        **(extra or {}),
    }
    if at_majority_rate(codes, proba):
        summary["warnings"].append(
            f"the out-of-fold model ({accuracy:.3f} accuracy) is no better than always "
            f"predicting the majority class ({np.bincount(codes).max() / len(codes):.3f}): "
            "its flags say the features are weak, not that these labels are wrong; try "
            "another --method or more labels before reviewing them"
        )
        logger.warning("fewlabels check: %s", summary["warnings"][-1])
    if run is not None:
        report("writing outputs", 0, 1)
        write_table(issues, run.path(names["issues"]))
        write_text(
            run.path(names["report"]),
            _report(frame, local, target, issues, noise, classes, summary, cv, scope, note, footer),
        )
        report("writing outputs", 1, 1)
    return summary


def _report(
    frame: pd.DataFrame,
    local: np.ndarray,
    target: str,
    issues: pd.DataFrame,
    noise: NoiseEstimate,
    classes: list[Any],
    summary: dict[str, Any],
    cv: int,
    scope: str | None = None,
    note: str = "",
    footer: str = "",
) -> str:
    """The check's report; ``local`` gives each issue's row in ``frame`` (see
    :func:`_check_and_write` for ``scope``, ``note`` and ``footer``)."""
    from .._version import __version__
    from ..report.html import Section, esc, render_page, table

    n_lab = summary["labeled_rows"]
    flagged = issues["given_label"].astype(str).value_counts()
    verdict_cls = "bad" if summary["estimated_noise_share"] >= 0.02 else "good"
    caveats = "".join(f'<p class="verdict bad">{esc(w)}</p>' for w in summary["warnings"])
    sections = [
        Section(
            "Summary",
            caveats + f'<p class="verdict {verdict_cls}">{summary["issues"]:,} of {n_lab:,} labels '
            f"({summary['issue_share']:.1%}) look wrong; confident learning estimates "
            f"{summary['estimated_noise_share']:.1%} of the labels are wrong.</p>"
            + (
                f"<p>{summary['rows']:,} rows, {n_lab:,} labeled in target column "
                f"<code>{esc(target)}</code>."
                if scope is None
                else f"<p>{scope}"
            )
            + f" Each labeled row was judged by "
            f"<code>{esc(summary['method'])}</code> fitted without its label ({cv}-fold "
            "cross-validation over the labeled rows; the unlabeled rows stay in every fold). "
            f"Out-of-fold accuracy against the given labels: {summary['oof_accuracy']:.3f}. "
            f"Issues chosen by <code>{esc(summary['filter_by'])}</code> (Northcutt et al., "
            f"2021). A flagged label is a candidate for review, not a proven error.{note}</p>",
            "summary",
        ),
        Section(
            "Noise per class",
            "<p>Estimated share of each class's labels that are wrong, and the flagged rows.</p>"
            + table(
                ["given label", "labeled rows", "estimated wrong", "flagged"],
                [
                    (
                        c,
                        f"{int(noise.label_counts[i]):,}",
                        f"{noise.noise_rates[i]:.1%}",
                        f"{int(flagged.get(str(c), 0)):,}",
                    )
                    for i, c in enumerate(classes)
                ],
                numeric_cols=[1, 2, 3],
            )
            + "<h3>Noise matrix</h3><p>Estimated rows given label <i>i</i> (row) whose true "
            "class is <i>j</i> (column): the calibrated confident joint. Off the diagonal are "
            "the wrong labels.</p>"
            + table(
                ["given \\ true", *map(str, classes)],
                [
                    (str(c), *(f"{int(v):,}" for v in noise.confident_joint[i]))
                    for i, c in enumerate(classes)
                ],
                numeric_cols=range(1, len(classes) + 1),
            )
            + "<p>As probabilities P(given <i>i</i> | true <i>j</i>) (columns sum to 1):</p>"
            + table(
                ["given \\ true", *map(str, classes)],
                [
                    (str(c), *(f"{v:.3f}" for v in noise.noise_matrix[i]))
                    for i, c in enumerate(classes)
                ],
                numeric_cols=range(1, len(classes) + 1),
            ),
            "noise",
        ),
    ]
    top = issues.head(REPORT_ROWS)
    if len(top):
        data = frame.iloc[local[: len(top)]].drop(columns=[target])
        header = ["row", "given label", "suggested label", "score", "probability"]
        body = [
            [
                int(r.row),
                r.given_label,
                r.suggested_label,
                f"{r.score:.3f}",
                f"{r.probability:.3f}",
                *data.iloc[i].astype(str).tolist(),
            ]
            for i, r in enumerate(top.itertuples(index=False))
        ]
        shown = f"the {len(top)} most likely" if len(issues) > len(top) else f"all {len(top)}"
        errors = (
            f"<p>{shown.capitalize()} label errors, most likely first, with the row's "
            "features. <i>score</i> is the normalized margin (low: the given label is "
            "unlikely); <i>probability</i> is the out-of-fold probability of the suggested "
            "label. The full list is in label_issues.csv.</p>"
            + table([*header, *map(str, data.columns)], body, numeric_cols=[0, 3, 4])
        )
    else:
        errors = '<p class="note">No label looks wrong.</p>'
    sections.append(Section("Most likely errors", errors, "errors"))
    return render_page(
        f"fewlabels check: {target}",
        sections,
        f"method {summary['method']}{footer} · fewlabels {__version__}",
    )
