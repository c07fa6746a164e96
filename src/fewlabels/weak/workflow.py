"""``weak_table``: what ``fewlabels weak`` does (read, load and apply the LFs, fit, write)."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.labels import to_python
from ..exceptions import InputError
from .lfs import LabelingFunction, as_labeling_functions

__all__ = ["load_lfs", "weak_table"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


def load_lfs(path: str | os.PathLike[str]) -> list[LabelingFunction]:
    """The labeling functions of a Python file: its ``lfs`` list when it defines one, else
    every :class:`~fewlabels.weak.LabelingFunction` (or snorkel LF) it defines at module
    level, in the order of definition.

    A file that does not exist, fails to import or defines no LF raises one
    :class:`~fewlabels.exceptions.InputError` line (with the line of the file that failed).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--lfs {p}: no such file; give the Python file that defines the LFs")
    name = f"_fewlabels_lfs_{uuid.uuid4().hex[:8]}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise InputError(f"--lfs {p} cannot be imported; give a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        where = ""
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if Path(frame.filename).resolve() == p.resolve():
                where = f" at line {frame.lineno}"
                break
        if isinstance(exc, SyntaxError) and exc.lineno:
            where = f" at line {exc.lineno}"
        raise InputError(
            f"the LF file {p} failed to import{where}: {type(exc).__name__}: {exc}; fix the file"
        ) from None
    finally:
        sys.modules.pop(name, None)
    found = getattr(module, "lfs", None)
    if found is None:
        found = [
            v
            for v in vars(module).values()
            if isinstance(v, LabelingFunction)
            or (
                type(v).__module__.startswith("snorkel.") and type(v).__name__ == "LabelingFunction"
            )
        ]
    if not found:
        raise InputError(
            f"the LF file {p} defines no labeling function; decorate functions with "
            "@labeling_function() (from fewlabels.weak) or define a list named lfs"
        )
    return as_labeling_functions(found)


def weak_table(
    data: Any,
    target: str,
    lfs: Any,
    out: str | os.PathLike[str] | None = None,
    *,
    label_model: str = "auto",
    cv: int = 5,
    repeats: int | None = None,
    unlabeled_value: Any = None,
    random_state: int = 0,
    missing_values: list[str] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Label a table with labeling functions and a few true labels; write the labels, the
    model and a report.

    Parameters
    ----------
    data : path or table
        CSV, Parquet or Arrow file, or a table. Never modified.
    target : str
        The label column; blank cells are unlabeled rows. The LFs see every other column.
    lfs : path or list
        A Python file of LFs (:func:`load_lfs`), or the LFs themselves.
    out : path, optional
        Folder for ``labels.csv``, ``lf_summary.csv``, ``model.skops`` and ``report.html``,
        published together; None writes nothing. An LF that fails leaves it untouched.
    label_model : str, default="auto"
    cv : int, default=5
    repeats : int, optional
        Repeats of the folds; by default 3 below 100 labeled rows, 2 below 1,000, else 1.
    unlabeled_value : scalar, optional
    random_state : int, default=0
    missing_values : list of str, optional
    progress : callable(stage, done, total), optional

    Returns
    -------
    dict
        A JSON-ready summary. ``labels.csv`` has one row per table row: ``row``,
        ``weak_label`` (blank where no LF votes), ``weak_confidence``, ``votes``,
        ``predicted`` and ``confidence`` (the end model), ``was_labeled``, then each LF's
        vote (``lf_<name>``, blank for an abstain).
    """
    from ..data.io import read_table
    from ..workflow import open_outputs, prepare_target
    from .apply import apply_lfs

    report = progress or (lambda stage, done, total: None)
    check_weak_options(cv, repeats)
    functions = resolve_lfs(lfs)
    report("reading the table", 0, 1)
    frame = read_table(data, missing_values=missing_values)
    X, y, labeled = prepare_target(frame, target, unlabeled_value)
    names = {
        "labels": "labels.csv",
        "lf_summary": "lf_summary.csv",
        "model": "model.skops",
        "report": "report.html",
    }
    with open_outputs(out, names, data) as (paths, run):  # nothing is published on an error
        report("applying the labeling functions", 0, 1)
        L = apply_lfs(functions, X, classes=list(y.classes))
        report("applying the labeling functions", 1, 1)
        model = fit_weak_model(X, y, L, label_model, cv, repeats, random_state, report)
        lf_names = [lf.name for lf in functions]
        return _summarise_and_write(
            frame, X, y, target, L, lf_names, model, model.named_steps["model"], run, names,
            paths, report,
        )  # fmt: skip


def resolve_lfs(lfs: Any) -> list[LabelingFunction]:
    """The LFs of a Python file (:func:`load_lfs`), or the given LFs as
    :class:`~fewlabels.weak.LabelingFunction` objects."""
    if isinstance(lfs, (str, os.PathLike)):
        return load_lfs(lfs)
    return as_labeling_functions(lfs)


def check_weak_options(cv: int, repeats: int | None) -> None:
    """One line for folds or repeats out of range."""
    if cv < 2:
        raise InputError(f"--cv must be at least 2 folds; got {cv}")
    if repeats is not None and repeats < 1:
        raise InputError(f"--repeats must be at least 1; got {repeats}")


def fit_weak_model(
    X: pd.DataFrame,
    y: Any,
    L: np.ndarray,
    label_model: str,
    cv: int,
    repeats: int | None,
    random_state: int,
    report: Progress,
) -> Any:
    """The pipeline ``fewlabels weak`` fits: the table encoder, then a
    :class:`~fewlabels.weak.WeakSupervisionClassifier` on the votes ``L``."""
    from sklearn.pipeline import Pipeline

    from ..data.encoder import TableEncoder
    from .estimator import WeakSupervisionClassifier

    report("choosing the label model and the end model", 0, 1)
    model = Pipeline(
        [
            ("encode", TableEncoder(output="numeric")),
            (
                "model",
                WeakSupervisionClassifier(
                    label_model=label_model, cv=cv, n_repeats=repeats, random_state=random_state
                ),
            ),
        ]
    )
    model.fit(X, y, model__label_matrix=L)
    report("choosing the label model and the end model", 1, 1)
    return model


def _summarise_and_write(
    frame: pd.DataFrame,
    X: pd.DataFrame,
    y: Any,
    target: str,
    L: np.ndarray,
    lf_names: list[str],
    model: Any,
    clf: Any,
    run: Any,
    names: dict[str, str],
    paths: dict[str, Any],
    report: Progress,
    write_labels: Callable[[Path], None] | None = None,
    extra: dict[str, Any] | None = None,
    scope: str = "",
) -> dict[str, Any]:
    """The summary, and (with a ``run``) the labels, the LF table, the model and the report.

    ``write_labels`` writes the labels instead of ``labels.csv`` from ``frame`` (the Dask
    path writes every row's labels as a Parquet folder); ``extra`` joins the summary and
    ``scope`` the report's summary (what the rows are).
    """
    from ..data.io import write_table, write_text
    from .analysis import conflict_matrix, lf_summary

    classes = np.asarray(y.classes, dtype=object)
    table = lf_summary(
        L,
        y.codes,
        lf_names,
        clf.label_model_.lf_accuracies,
        classes=[to_python(c) for c in classes],
    )
    P = clf.soft_labels_
    covered = clf.covered_
    proba = model.predict_proba(X)
    labels = pd.DataFrame(
        {
            "row": np.arange(len(frame), dtype=np.int64),
            "weak_label": np.where(covered, classes[P.argmax(axis=1)], None),
            "weak_confidence": np.where(covered, P.max(axis=1), np.nan),
            "votes": (L >= 0).sum(axis=1),
            "predicted": classes[proba.argmax(axis=1)],
            "confidence": proba.max(axis=1),
            "was_labeled": y.labeled,
        }
    )
    for j, n in enumerate(lf_names):
        labels[f"lf_{n}"] = np.where(L[:, j] >= 0, classes[np.maximum(L[:, j], 0)], None)
    ev = clf.evidence_
    scores = clf.label_model_scores_
    summary = {
        "rows": int(len(frame)),
        "labeled_rows": int(y.n_labeled),
        "lfs": len(lf_names),
        "coverage": float(clf.coverage_),
        "label_model": clf.label_model_name_,
        "label_model_accuracy": scores[clf.label_model_name_]["accuracy"],
        "majority_vote_accuracy": scores["majority"]["accuracy"],
        "weak_kept": bool(clf.weak_kept_),
        "fallback": clf.fallback_,
        "verdict": ev.verdict(),
        "paths": {k: str(v) for k, v in paths.items()},
        **(extra or {}),
    }
    if run is not None:
        from ..persist import save_model

        report("writing outputs", 0, 1)
        if write_labels is None:
            write_table(labels, run.path(names["labels"]))
        else:
            write_labels(run.path(names["labels"]))
        write_table(table.reset_index().astype({"polarity": str}), run.path(names["lf_summary"]))
        save_model(model, run.path(names["model"]), {"target": target, "task": "weak"})
        write_text(
            run.path(names["report"]),
            _report(target, table, conflict_matrix(L), lf_names, clf, summary, scope),
        )
        report("writing outputs", 1, 1)
    return _json(summary)


def _json(d: Any) -> Any:
    if isinstance(d, dict):
        return {k: _json(v) for k, v in d.items()}
    if isinstance(d, float) and d != d:
        return None
    return d


def _fmt(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else f"{v:.3f}"


def _report(
    target: str,
    table: pd.DataFrame,
    conflicts: np.ndarray,
    lf_names: list[str],
    clf: Any,
    summary: dict[str, Any],
    scope: str = "",
) -> str:
    from .._version import __version__
    from ..report.html import Section, esc, render_page
    from ..report.html import table as html_table
    from ..report.sections import evidence_section

    scores = clf.label_model_scores_
    chosen = clf.label_model_name_
    lost = scores[chosen]["accuracy"] < scores["majority"]["accuracy"]
    verdict = (
        f"The label model <code>{esc(chosen)}</code> is right on "
        f"{_fmt(scores[chosen]['accuracy'])} of the held-out labels the LFs cover; majority "
        f"vote on {_fmt(scores['majority']['accuracy'])}."
    )
    if clf.fallback_:
        verdict += f" <b>{esc(clf.fallback_)}</b>."
    elif lost:
        verdict += " <b>It lost to majority vote.</b>"
    sections = [
        Section(
            "Summary",
            f'<p class="verdict {"good" if clf.weak_kept_ else "bad"}">{esc(summary["verdict"])}'
            f"</p><p>{summary['rows']:,} rows, {summary['labeled_rows']:,} labeled in "
            f"<code>{esc(target)}</code>; {summary['lfs']} labeling functions cover "
            f"{summary['coverage']:.1%} of the rows. {verdict}</p>"
            + (f"<p>{scope}</p>" if scope else ""),
            "summary",
        ),
        Section(
            "Labeling functions",
            "<p>Coverage, overlaps and conflicts are shares of all rows; accuracy is on the "
            "labeled rows each LF votes on (<i>labeled votes</i> of them); learned accuracy is "
            "what the label model estimated without the labels.</p>"
            + html_table(
                [
                    "LF",
                    "polarity",
                    "coverage",
                    "overlaps",
                    "conflicts",
                    "accuracy",
                    "labeled votes",
                    "learned accuracy",
                ],
                [
                    (
                        n,
                        ", ".join(map(str, r.polarity)),
                        f"{r.coverage:.1%}",
                        f"{r.overlaps:.1%}",
                        f"{r.conflicts:.1%}",
                        _fmt(r.accuracy),
                        int(r.labeled_votes),
                        _fmt(r.learned_accuracy),
                    )
                    for n, r in zip(table.index, table.itertuples(index=False), strict=True)
                ],
                numeric_cols=range(2, 8),
            ),
            "lfs",
        ),
        Section("Conflicts", _heatmap(conflicts, lf_names), "conflicts"),
        Section(
            "Label model against majority vote",
            "<p>Each label model is fitted in every fold with the fold's held-out labels "
            "hidden and scored on the held-out rows the LFs cover.</p>"
            + html_table(
                ["label model", "held-out accuracy", "covered share", "folds", "used"],
                [
                    (
                        n,
                        _fmt(s["accuracy"]),
                        f"{s['mean_coverage']:.1%}",
                        " ".join(_fmt(a) for a in s["fold_accuracy"]),
                        "yes" if n == chosen else "",
                    )
                    for n, s in scores.items()
                ],
                numeric_cols=[1, 2],
            ),
            "label-models",
        ),
        evidence_section(clf.evidence_.to_dict()),
    ]
    return render_page(
        f"fewlabels weak: {target}", sections, f"label model {chosen} · fewlabels {__version__}"
    )


def _heatmap(C: np.ndarray, names: list[str]) -> str:
    """The conflict matrix as an HTML table whose cells shade with the share."""
    from ..report.html import esc

    if not len(names):
        return '<p class="note">No labeling function.</p>'
    top = max(float(C.max()), 1e-12)
    head = "".join(f"<th>{esc(n)}</th>" for n in names)
    body = ""
    for i, n in enumerate(names):
        cells = "".join(
            f'<td class="num" style="background: rgba(200, 40, 40, {C[i, j] / top:.2f})">'
            f"{C[i, j]:.1%}</td>"
            for j in range(len(names))
        )
        body += f"<tr><th>{esc(n)}</th>{cells}</tr>"
    return (
        "<p>Share of all rows on which two LFs both vote and disagree (darker: more).</p>"
        f'<div class="scroll"><table><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )
