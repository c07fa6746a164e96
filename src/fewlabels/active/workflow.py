"""``query_table`` and ``plan_table``: what ``fewlabels query`` and ``fewlabels plan`` do."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ..data.labels import to_python
from ..exceptions import InputError

__all__ = ["plan_table", "query_table"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

#: The columns ``fewlabels query`` puts before the table's own.
QUERY_COLUMNS = ("row", "guess", "confidence", "reason")


def _check_out(out: Any, data: Any) -> Path:
    from ..data.io import ARROW_SUFFIXES, CSV_SUFFIXES, PARQUET_SUFFIXES
    from ..workflow import check_not_input

    dest = Path(out)
    if dest.is_dir():
        raise InputError(f"--out {dest} is a folder; give a file name such as to_label.csv")
    if dest.suffix.lower() not in CSV_SUFFIXES | PARQUET_SUFFIXES | ARROW_SUFFIXES:
        raise InputError(
            f"cannot tell the output format from '{dest.name}'; end the name with .csv, "
            ".parquet or .arrow"
        )
    check_not_input([dest], data)
    return dest


def _fresh(name: str, taken: set[str]) -> str:
    while name in taken:
        name = f"{name}_fewlabels"
    return name


def query_table(
    data: Any,
    target: str,
    n: int = 20,
    out: str | os.PathLike[str] | None = None,
    *,
    strategy: str = "cluster-margin",
    method: str = "auto",
    time_limit: float | None = None,
    unlabeled_value: Any = None,
    missing_values: list[str] | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Pick the ``n`` rows of a table to label next; write them with the model's guess and
    the reason each was picked.

    ``method`` is fitted on every row (its labeled and unlabeled ones), then ``strategy``
    picks among the unlabeled rows. With no labels yet, or labels of one class only, no
    model can be fitted: TypiClust picks (a cold start), and the guess is left blank.

    Parameters
    ----------
    data : path or table
        Never modified.
    target : str
        The label column; blank cells are unlabeled rows.
    n : int, default=20
    out : path, optional
        The file to write (``.csv``, ``.parquet`` or ``.arrow``), atomically; None writes
        nothing. Its columns: ``row`` (0-based position of the row in the table),
        ``guess`` and ``confidence`` (the model's), ``reason``, then the row as it is in
        the table (the target blank, to be filled in). Best row first.
    strategy : str, default="cluster-margin"
        See :data:`fewlabels.active.STRATEGIES`.
    method : str, default="auto"
    time_limit : float, optional
        For ``auto``'s cross-validation.
    unlabeled_value, missing_values, random_state, progress
        As for :func:`fewlabels.workflow.fit_table`.

    Returns
    -------
    dict
        A JSON-ready summary, with the picked rows as ``rows``.
    """
    from ..data.io import read_table, write_table
    from ..methods import get_method, make_model
    from ..workflow import split_target
    from .strategies import TypiClust, get_strategy

    report = progress or (lambda stage, done, total: None)
    if isinstance(n, bool) or int(n) < 1:
        raise InputError(f"--n must be at least 1; got {n}")
    chooser = get_strategy(strategy)
    spec = get_method(method, task="classification")
    dest = _check_out(out, data) if out is not None else None
    report("reading the table", 0, 1)
    frame = read_table(data, missing_values=missing_values)
    X, y = split_target(frame, target, unlabeled_value)
    n_unlabeled = int((~y.labeled).sum())
    if n_unlabeled == 0:
        raise InputError(f"every row of {target!r} is labeled already; there is nothing to query")
    model = None
    cold = len(y.classes) < 2
    if cold:
        why = "no row is labeled" if y.n_labeled == 0 else "the labels hold one class only"
        logger.warning("%s: a cold start, TypiClust picks the rows (no model yet)", why)
        if chooser.needs_model:
            chooser = TypiClust()
    else:
        kwargs: dict[str, Any] = {"time_limit": time_limit} if "time_limit" in spec.params else {}
        model = make_model(method, random_state, **kwargs)
        report(f"fitting {method}", 0, 1)
        fit_params = {"model__progress": report} if spec.own_evidence else {}
        model.fit(X, y, **fit_params)
        report(f"fitting {method}", 1, 1)
    report(f"choosing rows ({chooser.label()})", 0, 1)
    sel = chooser.select(X, y, model, int(n), None, random_state)
    report(f"choosing rows ({chooser.label()})", 1, 1)
    if sel.subsampled:
        logger.warning("%s", sel.note())
    if sel.proba is not None and sel.classes is not None:
        guess = [to_python(c) for c in sel.classes[sel.proba.argmax(axis=1)]]
        confidence: list[Any] = sel.proba.max(axis=1).round(4).tolist()
    else:
        guess = [None] * len(sel.indices)
        confidence = [None] * len(sel.indices)
    rows = frame.iloc[sel.indices].reset_index(drop=True)
    taken = set(map(str, rows.columns))
    meta = {c: _fresh(c, taken) for c in QUERY_COLUMNS}
    head = pd.DataFrame(
        {
            meta["row"]: sel.indices,
            meta["guess"]: pd.Series(guess, dtype=object),
            meta["confidence"]: confidence,
            meta["reason"]: sel.reasons,
        }
    )
    table = pd.concat([head, rows], axis=1)
    summary: dict[str, Any] = {
        "rows": int(len(frame)),
        "labeled_rows": int(y.n_labeled),
        "unlabeled_rows": n_unlabeled,
        "method": None if cold else method,
        "strategy": sel.strategy,
        "cold_start": cold,
        "queried": int(len(sel.indices)),
        "scored": sel.n_candidates,
        "note": sel.note(),
        "picked": sel.indices.tolist(),
        "output": None if dest is None else str(dest),
    }
    if dest is not None:
        report("writing outputs", 0, 1)
        write_table(table, dest)
        report("writing outputs", 1, 1)
    return summary


def plan_table(
    data: Any,
    target: str,
    *,
    method: str = "supervised-logreg",
    strategy: str | None = "margin",
    multipliers: tuple[float, ...] = (2, 5, 10),
    cv: int = 5,
    n_repeats: int = 3,
    n_bootstrap: int = 200,
    unlabeled_value: Any = None,
    missing_values: list[str] | None = None,
    random_state: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """How accurate will ``method`` be with more labels? (:func:`~fewlabels.active.plan_labels`)

    The forecast under random labeling, and with ``strategy`` also under active labeling
    (the nested subsamples grown by that strategy).

    Returns
    -------
    dict
        A JSON-ready summary: ``random`` (and ``active``) hold the plan
        (:meth:`~fewlabels.active.LabelPlan.to_dict`).
    """
    from ..data.io import read_table
    from ..methods import get_method, make_model
    from ..workflow import prepare_target
    from .planner import plan_labels
    from .strategies import get_strategy

    if cv < 2:
        raise InputError(f"--cv must be at least 2 folds; got {cv}")
    if n_repeats < 1:
        raise InputError(f"--repeats must be at least 1; got {n_repeats}")
    if strategy is not None:
        get_strategy(strategy)  # a bad name fails before any work
    get_method(method, task="classification")
    model = make_model(method, random_state)
    report = progress or (lambda stage, done, total: None)
    report("reading the table", 0, 1)
    frame = read_table(data, missing_values=missing_values)
    X, y, _ = prepare_target(frame, target, unlabeled_value)
    summary: dict[str, Any] = {
        "rows": int(len(frame)),
        "labeled_rows": int(y.n_labeled),
        "method": method,
    }
    orders = [("random", None)] + ([("active", strategy)] if strategy is not None else [])
    for key, strat in orders:
        stage = f"learning curve ({strat or 'random'} labeling)"

        def curve_progress(s: str, d: int, t: int, stage: str = stage) -> None:
            report(stage, d, t)

        plan = plan_labels(
            model,
            X,
            y,
            multipliers=multipliers,
            cv=cv,
            n_repeats=n_repeats,
            n_bootstrap=n_bootstrap,
            strategy=strat,
            random_state=random_state,
            progress=curve_progress,
        )
        summary[key] = plan.to_dict()
    return summary
