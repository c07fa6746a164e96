"""End-to-end jobs on a table: fit, predict and report. The CLI is a thin layer over these."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__
from .data.io import is_parquet_dataset, read_table, write_table, write_text
from .data.labels import (
    Target,
    encode_target,
    infer_task,
    parse_target,
    placeholder_hint,
    proportions_target,
    to_python,
)
from .data.publish import Run, verify_manifest
from .exceptions import InputError
from .methods import TASK_DEFAULTS, TASK_OPTIONS, Method, fewlabels_methods, get_method, make_model

__all__ = [
    "FitResult",
    "fit_table",
    "predict_table",
    "prepare_positive_unlabeled",
    "prepare_proportions",
    "prepare_regression_target",
    "prepare_target",
    "read_proportions",
]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

PRED_COLUMNS = ("predicted", "confidence", "was_labeled")
#: seconds for the report's permutation feature importance
IMPORTANCE_SECONDS = 3.0


def _noop(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class FitResult:
    """What :func:`fit_table` produced."""

    model: Any
    method: str
    #: the target column (None for label proportions, which have none)
    target: str | None
    classes: list[Any]
    n_rows: int
    n_labeled: int
    predictions: pd.DataFrame
    evidence: dict[str, Any] | None = None
    paths: dict[str, str] = field(default_factory=dict)
    schema: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: the column the schema set aside as the table's ID (carried into the predictions)
    id_column: str | None = None
    #: what a selecting method (auto) chose: ``choice``, member ``weights``, ``params``
    chosen: dict[str, Any] | None = None
    #: the report's diagnostics (out-of-fold confusion, calibration, importance, ...)
    diagnostics: dict[str, Any] | None = None
    #: the task learned: "classification", "positive-unlabeled" or "proportions"
    task: str = "classification"
    #: label proportions: the bag column
    bags: str | None = None
    #: why the task is what it is (the option, the method, or the target's values)
    task_reason: str | None = None

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (what ``fewlabels fit --json`` prints)."""
        return {
            "method": self.method,
            "target": self.target,
            "classes": self.classes,
            "n_rows": self.n_rows,
            "n_labeled": self.n_labeled,
            "n_features": len(self.schema.get("columns", [])),
            "dropped_columns": self.schema.get("dropped", {}),
            "evidence": self.evidence,
            "warnings": self.warnings,
            "outputs": self.paths,
            "id_column": self.id_column,
            "chosen": self.chosen,
            "calibration": _calibration_summary(self.diagnostics),
            "task": self.task,
            **({"task_reason": self.task_reason} if self.task_reason is not None else {}),
            **({"bags": self.bags} if self.bags is not None else {}),
        }


def _calibration_summary(diag: dict[str, Any] | None) -> dict[str, Any] | None:
    cal = (diag or {}).get("calibration")
    if not cal:
        return None
    return {k: cal[k] for k in ("ece", "ece_calibrated", "temperature", "apply", "rows")}


def split_target(
    frame: pd.DataFrame, target: str, unlabeled_value: Any = None
) -> tuple[pd.DataFrame, Target]:
    """``(X, y)``: the table without its target column, and the target parsed once as class
    labels. No check on how many rows are labeled (a cold start may have none); see
    :func:`prepare_target` for a fit's checks."""
    if target not in frame.columns:
        cols = ", ".join(repr(str(c)) for c in list(frame.columns)[:12])
        raise InputError(
            f"target column {target!r} not found; the columns are: {cols} (use --target)"
        )
    try:
        enc = encode_target(frame[target], unlabeled_value)
    except ValueError as exc:
        raise InputError(
            f"target column {target!r} cannot be used as class labels ({exc}); give discrete "
            "labels (a number to predict is learned by 'fewlabels fit', which reads it as a "
            "quantity)"
        ) from None
    return frame.drop(columns=[target]), enc


def prepare_target(
    frame: pd.DataFrame, target: str, unlabeled_value: Any = None
) -> tuple[pd.DataFrame, Target, np.ndarray]:
    """Split a table into features and its target, parsed once, for a fit.

    Returns ``(X, y, labeled)``: ``X`` without the target column, ``y`` the parsed
    :class:`~fewlabels.data.Target` (every estimator's ``fit`` takes it as is, so nothing
    parses the column again), and the boolean labeled mask. Refuses a target with no label
    or a single class.
    """
    X, enc = split_target(frame, target, unlabeled_value)
    placeholder = placeholder_hint(frame[target]) if unlabeled_value is None else None
    also = f"; {placeholder}" if placeholder else ""
    if enc.n_labeled == 0:
        raise InputError(
            f"no row has a label in target column {target!r}; label at least one row of each "
            f"class{also}"
        )
    if len(enc.classes) < 2:
        minus_one = bool((pd.to_numeric(frame[target], errors="coerce") == -1).any())
        hint = (
            "; -1 marks an unlabeled row in an integer target, so if -1 is a class here, "
            "recode it (e.g. to 0) first"
            if minus_one
            else also
        )
        raise InputError(
            f"the labeled rows of {target!r} hold only one class ({to_python(enc.classes[0])!r}); "
            f"label at least one row of another class{hint}"
        )
    if placeholder:  # the placeholder is a class now: say so, the fit goes on
        logger.warning("target column %r: %s", target, placeholder)
    return X, enc, enc.labeled


def _column_missing(frame: pd.DataFrame, column: str, option: str) -> InputError:
    cols = ", ".join(repr(str(c)) for c in list(frame.columns)[:12])
    return InputError(
        f"{option} column {column!r} not found; the columns are: {cols} (use {option})"
    )


def prepare_positive_unlabeled(
    frame: pd.DataFrame, target: str, positive_label: Any
) -> tuple[pd.DataFrame, Target, np.ndarray]:
    """Split a table into features and a positive-unlabeled target, for a PU fit.

    The rows whose ``target`` holds ``positive_label`` (compared as is, then as text, as
    the CLI gives it) are the labeled positives; every other row is unlabeled, whether it
    is blank or holds another value (a "no" is not a negative label: PU learning has
    none). The target is parsed once by
    :func:`~fewlabels.noise.pu.positive_unlabeled_target`.

    Returns
    -------
    X, y, labeled
        ``y`` has task ``"positive-unlabeled"``; ``labeled`` marks the positives.
    """
    from .noise.pu import positive_unlabeled_target

    if target not in frame.columns:
        raise _column_missing(frame, target, "--target")
    try:
        y, positive, _ = positive_unlabeled_target(
            frame[target], positive_label, who="fewlabels fit --positive-label"
        )
    except InputError as exc:
        raise InputError(
            str(exc).replace(
                "pass one of them as positive_label", "give one of them as --positive-label"
            )
        ) from None
    except ValueError as exc:  # a continuous column
        raise InputError(
            f"target column {target!r} cannot be used as class labels ({exc}); give discrete labels"
        ) from None
    other = int((frame[target].notna().to_numpy() & ~y.labeled).sum())
    if other:
        logger.warning(
            "target column %r: %d row(s) hold a value other than the positive label %r; "
            "they are read as unlabeled (PU learning has no negative labels)",
            target,
            other,
            positive,
        )
    return frame.drop(columns=[target]), y, y.labeled


def _bag_name(value: Any) -> str | None:
    """A bag's name as text: 3 and 3.0 (an integer column with blanks) are one bag."""
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(to_python(value))


def read_proportions(
    source: Any, bags: str | None = None, missing_values: list[str] | None = None
) -> pd.DataFrame:
    """Each bag's class shares, from a file, a table or a mapping, checked.

    Parameters
    ----------
    source : path, table or mapping
        A CSV, Parquet or Arrow file (or a table) with one row per bag: the bag column
        (named like ``bags``, else the first column) and one column per class holding
        that class's share of the bag's rows (a blank is 0); a DataFrame indexed by bag;
        or ``{bag: {class: share}}``.
    bags : str, optional
        The name of the data's bag column.
    missing_values : list of str, optional
        As in :func:`~fewlabels.data.read_table`.

    Returns
    -------
    DataFrame
        Indexed by bag name (as text), one float column per class.

    Examples
    --------
    >>> shares = {"north": {"churn": 0.25, "stay": 0.75}, 7: {"churn": 0.5, "stay": 0.5}}
    >>> read_proportions(shares).to_dict("index")
    {'north': {'churn': 0.25, 'stay': 0.75}, '7': {'churn': 0.5, 'stay': 0.5}}
    """
    if isinstance(source, dict):
        table = pd.DataFrame(source).T
    elif (
        isinstance(source, pd.DataFrame)
        and bags not in source.columns
        and not isinstance(source.index, pd.RangeIndex)
    ):  # a frame indexed by bag, as proportions_target takes it
        table = source.copy()
    else:
        table = read_table(source, missing_values=missing_values)
        key = bags if bags in table.columns else table.columns[0]
        table = table.set_index(key)
    names = [_bag_name(b) for b in table.index.tolist()]
    if any(n is None for n in names):
        raise InputError("the proportions have a row without a bag name; name each row's bag")
    table.index = pd.Index(names, dtype=object)
    if table.shape[1] < 2:
        raise InputError(
            "the proportions need a bag column and at least two class columns (each class's "
            f"share of the bag's rows); got the columns {[str(c) for c in table.columns]}"
        )
    twice = sorted(set(table.index[table.index.duplicated()]))
    if twice:
        raise InputError(
            f"the proportions list bag(s) {', '.join(map(repr, twice[:5]))} more than once; "
            "give each bag one row"
        )
    shares = table.apply(pd.to_numeric, errors="coerce")
    bad = [str(c) for c in table.columns if (shares[c].isna() & table[c].notna()).any()]
    if bad:
        raise InputError(
            f"the proportions column(s) {', '.join(map(repr, bad))} hold text where a share "
            "(a number from 0 to 1) belongs; give numbers"
        )
    shares = shares.fillna(0.0).astype(float)
    sums = shares.sum(axis=1)
    off = ((sums - 1).abs() > 1e-6) | (shares < 0).any(axis=1)
    if off.any():
        which = ", ".join(f"{b!r} ({sums[b]:.4g})" for b in list(shares.index[off])[:3])
        percent = bool(((sums[off] - 100).abs() <= 1e-3).all())
        hint = "; they look like percentages: divide them by 100" if percent else ""
        raise InputError(
            f"the class shares of {int(off.sum())} bag(s) do not sum to 1 or are negative: "
            f"{which}; give each bag's shares as fractions from 0 to 1 that sum to 1{hint}"
        )
    return shares


def prepare_proportions(
    frame: pd.DataFrame,
    bags: str,
    proportions: Any,
    missing_values: list[str] | None = None,
) -> tuple[pd.DataFrame, Target, np.ndarray]:
    """Split a table into features and a label-proportions target, for an LLP fit.

    The ``bags`` column says each row's bag (blank: in no bag) and is no feature;
    ``proportions`` (see :func:`read_proportions`) each bag's class shares. The target is
    :func:`~fewlabels.data.labels.proportions_target`'s.

    Returns
    -------
    X, y, labeled
        ``y`` has task ``"proportions"`` (``y.labeled`` marks the rows in a bag);
        ``labeled`` is all False: no row has a label of its own.
    """
    if bags not in frame.columns:
        raise _column_missing(frame, bags, "--bags")
    table = read_proportions(proportions, bags, missing_values)
    names = pd.Series([_bag_name(b) for b in frame[bags].tolist()], dtype=object)
    y = proportions_target(names, table, who="fewlabels fit --bags")
    unused = len(set(table.index) - set(names.dropna()))
    if unused:
        logger.info("%d bag(s) of the proportions have no row in the table", unused)
    return frame.drop(columns=[bags]), y, np.zeros(len(frame), dtype=bool)


#: The tasks a target column alone can pose (``--task``).
TARGET_TASKS = ("classification", "regression")


def _task_of(
    target: str | None, positive_label: Any, bags: Any, proportions: Any, task: str | None = None
) -> str | None:
    """The task ``fit_table``'s options pose (one-line errors for combinations that clash);
    None when a target alone leaves it to the target's values (:func:`infer_task`)."""
    if task is not None:
        if task not in TARGET_TASKS:
            raise InputError(f"unknown task {task!r}; use {' or '.join(TARGET_TASKS)}")
        if positive_label is not None or bags is not None or proportions is not None:
            raise InputError(
                "--task applies to a --target column alone; --positive-label and --bags "
                "pose their own tasks, so drop --task"
            )
    if bags is not None or proportions is not None:
        if positive_label is not None:
            raise InputError(
                "--positive-label (positives only) and --bags (label proportions) pose "
                "different tasks; give one of them"
            )
        if bags is None:
            raise InputError("--proportions needs --bags COL, the column naming each row's bag")
        if proportions is None:
            raise InputError(
                "--bags needs --proportions FILE: one row per bag, the bag column and one "
                "column per class with its share"
            )
        if target is not None:
            raise InputError(
                "label proportions need no --target (no row has a label); drop --target, or "
                "drop --bags and --proportions to learn from the target"
            )
        return "proportions"
    if target is None:
        raise InputError(
            "give --target COL (the column to learn), or --bags COL --proportions FILE to "
            "learn from label proportions"
        )
    return task if positive_label is None else "positive-unlabeled"


def _task_mismatch(spec: Method, task: str) -> InputError:
    """The one-line error for a method whose task is not the one the options pose."""
    fitting = [n for n, m in fewlabels_methods().items() if m.task == task]
    choose = (
        f"a {task} method from 'fewlabels methods'"
        if task in TARGET_TASKS
        else f"--method {' or '.join(fitting)}"
    )
    return InputError(
        f"method {spec.name!r} learns a {spec.task} task, which needs "
        f"{TASK_OPTIONS[spec.task]}; with {TASK_OPTIONS[task]} use {choose} (or leave "
        "--method auto)"
    )


def _predictions_frame(
    frame: pd.DataFrame,
    pred: np.ndarray,
    conf: np.ndarray,
    labeled: np.ndarray | None,
    proba: np.ndarray | None = None,
    classes: Any = None,
) -> pd.DataFrame:
    """The input rows (the ID column among them) with ``predicted``, ``confidence``,
    ``was_labeled`` and, given ``proba``, one ``proba_<class>`` column per class."""
    out = frame.copy()
    names = {}
    cols = list(PRED_COLUMNS)
    if proba is not None:
        cols += [f"proba_{to_python(c)}" for c in classes]
    for col in cols:
        name = col
        while name in out.columns:
            name = f"{name}_fewlabels"
        names[col] = name
    out[names["predicted"]] = pred
    out[names["confidence"]] = conf
    if labeled is not None:
        out[names["was_labeled"]] = labeled
    if proba is not None:
        for j, c in enumerate(classes):
            out[names[f"proba_{to_python(c)}"]] = proba[:, j]
    return out


@contextlib.contextmanager
def open_outputs(
    out: Any, names: dict[str, str], data: Any
) -> Iterator[tuple[dict[str, Path], Run | None]]:
    """Check, lock and stage a run's output folder before any work; publish it on a clean exit.

    Yields ``({key: out / file name}, run)``; with ``out=None`` (nothing to write),
    ``({}, None)``. Refuses an output that would overwrite the input ``data``; the folder
    checks themselves are :meth:`Run.open`'s.
    """
    if out is None:
        yield {}, None
        return
    paths = {key: Path(out) / name for key, name in names.items()}
    check_not_input(list(paths.values()), data)
    with Run.open(out, set(names.values())) as run:
        yield paths, run


def check_not_input(outputs: list[Path], data: Any) -> None:
    """Refuse an output path that is the input file ``data``."""
    if isinstance(data, (str, os.PathLike)):
        src = Path(data).resolve()
        for p in outputs:
            if p.resolve() == src:
                raise InputError(
                    f"the output {p} would overwrite the input file; choose another --out"
                )


def fit_table(
    data: Any,
    target: str | None,
    method: str = "auto",
    out: str | os.PathLike[str] | None = None,
    *,
    evidence: bool = True,
    random_state: int = 0,
    unlabeled_value: Any = None,
    predictions_format: str | None = None,
    progress: Progress | None = None,
    time_limit: float | None = None,
    metric: str | None = None,
    missing_values: list[str] | None = None,
    positive_label: Any = None,
    bags: str | None = None,
    proportions: Any = None,
    task: str | None = None,
    lfs: Any = None,
) -> FitResult:
    """Fit a method on a partially labeled table and write the model, predictions and report.

    The options pose the task: a ``target`` alone, classification; with
    ``positive_label``, learning from positives and unlabeled rows (PU); ``bags`` and
    ``proportions`` instead of a target, learning from label proportions (LLP). The
    method must learn that task (:attr:`Method.task`).

    Parameters
    ----------
    data : path or table
        CSV, Parquet or Arrow file, or a pandas / polars / Arrow table. Never modified.
    target : str or None
        The target column; rows with a missing target (or -1 in an integer target, or
        ``unlabeled_value``) are unlabeled. None with ``bags``.
    method : str, default="auto"
        A name from :data:`fewlabels.methods.METHODS`. ``"auto"`` is the task's default
        (:data:`~fewlabels.methods.TASK_DEFAULTS`); for classification it builds an
        ensemble by cross-validation on the labeled rows and keeps the supervised ensemble
        unless the semi-supervised one clearly helps.
    out : path, optional
        Folder for ``model.skops``, ``predictions.<csv|parquet>`` and ``report.html``;
        ``None`` writes nothing.
    evidence : bool, default=True
        Cross-validate the method against the supervised baseline on the labeled rows.
    random_state : int, default=0
    unlabeled_value : scalar, optional
        An extra target value meaning "unlabeled".
    predictions_format : {"csv", "parquet"}, optional
        Default: Parquet when the input is Parquet or Arrow (a file, or a folder or glob of
        Parquet files), else CSV.
    progress : callable(stage, done, total), optional
    time_limit : float, optional
        Seconds for the method's own search (``auto``; see :attr:`Method.params`).
    metric : str, optional
        What the method's search optimises (``auto``).
    missing_values : list of str, optional
        The cell texts that mean "missing" in every column of a CSV (see
        :func:`~fewlabels.data.read_table`); stored with the model, so ``predict`` reads
        its tables the same way.
    positive_label : scalar, optional
        PU learning: the rows whose target holds this value are the labeled positives;
        every other row is unlabeled, blank or not (see
        :func:`prepare_positive_unlabeled`). The non-positive class is called
        ``"not VALUE"``.
    bags : str, optional
        Label proportions: the column naming each row's bag (not a feature).
    proportions : path, table or mapping, optional
        Label proportions: each bag's class shares (see :func:`read_proportions`).
    task : {"classification", "regression"}, optional
        What a ``target`` alone asks for. By default the method says it, or with
        ``method="auto"`` the target's values do (:func:`~fewlabels.data.infer_task`:
        numbers with fractions, or more than 30 distinct whole numbers, are a quantity to
        predict); the report and :attr:`FitResult.task_reason` say which and why.
    lfs : path or list of labeling functions, optional
        Labeling functions (a Python file as ``fewlabels weak --lfs`` reads it, or
        :class:`~fewlabels.weak.LabelingFunction` objects), applied to the table as read.
        Their votes go to a method that learns from them (``auto``'s ``+weak`` members);
        any other method, or a task other than class labels, is refused in one line.

    Returns
    -------
    FitResult
    """
    report = progress or _noop
    posed = _task_of(target, positive_label, bags, proportions, task)
    task_reason = f"--task {posed}" if task is not None else None
    if posed is None and method != "auto":  # a target alone: the method says the task
        posed = get_method(method).task
        if posed not in TARGET_TASKS:
            raise _task_mismatch(get_method(method), "classification")
        task_reason = f"method {method} learns a {posed} task"
    if posed is not None:
        spec = _task_method(method, posed)
        model = _make(spec, random_state, time_limit, metric, positive_label)
    report("reading the table", 0, 1)
    frame = read_table(data, missing_values=missing_values)
    if posed is None:  # --method auto on a target alone: the target's values say
        assert target is not None
        if target not in frame.columns:
            split_target(frame, target)  # the one-line error listing the columns
        posed, why = infer_task(frame[target], unlabeled_value)
        task_reason = f"target {target!r}: {why}"
        spec = _task_method(method, posed)
        model = _make(spec, random_state, time_limit, metric, positive_label)
    task = posed
    method = spec.name
    if task == "regression":
        assert target is not None
        X, y, labeled = prepare_regression_target(frame, target, unlabeled_value)
    elif task == "positive-unlabeled":
        assert target is not None
        X, y, labeled = prepare_positive_unlabeled(frame, target, positive_label)
    elif task == "proportions":
        assert bags is not None
        X, y, labeled = prepare_proportions(frame, bags, proportions, missing_values)
    else:
        assert target is not None
        X, y, labeled = prepare_target(frame, target, unlabeled_value)
    fit_params = _lfs_fit_params(lfs, model, method, task, X, y)
    fmt = predictions_format or (
        "parquet"
        if isinstance(data, (str, os.PathLike))
        and (
            Path(data).suffix.lower() in {".parquet", ".pq", ".arrow", ".feather", ".ipc"}
            or is_parquet_dataset(data)  # a folder or glob of Parquet files
        )
        else "csv"
    )
    if fmt not in {"csv", "parquet"}:
        raise InputError(f"unknown predictions format {fmt!r}; use csv or parquet")
    names = {"model": "model.skops", "predictions": f"predictions.{fmt}", "report": "report.html"}
    if out is not None and proportions is not None:
        check_not_input([Path(out) / n for n in names.values()], proportions)
    with open_outputs(out, names, data) as (paths, run):
        if task == "regression":
            from .regression.workflow import fit_and_write_regression

            assert target is not None
            return fit_and_write_regression(
                spec, model, target, frame, X, y, evidence, random_state, report, run,
                names, paths, missing_values, task_reason,
            )  # fmt: skip
        return _fit_and_write(
            spec,
            model,
            method,
            target,
            frame,
            X,
            y,
            labeled,
            evidence,
            random_state,
            report,
            run,
            names,
            paths,
            missing_values,
            bags,
            task_reason,
            fit_params,
        )


def _lfs_fit_params(
    lfs: Any, model: Any, method: str, task: str, X: pd.DataFrame, y: Target
) -> dict[str, Any]:
    """The labeling functions' votes on ``X`` as the model's ``label_matrix`` fit
    parameter (none without ``lfs``), or one line saying why they cannot be used."""
    if lfs is None:
        return {}
    from sklearn.utils.validation import has_fit_parameter

    if task != "classification":
        raise InputError(f"--lfs votes for class labels; this fit learns a {task} task: drop --lfs")
    if not has_fit_parameter(model.named_steps["model"], "label_matrix"):
        raise InputError(
            f"method {method} does not learn from labeling functions: use --method auto "
            "(its +weak members), or 'fewlabels weak'"
        )
    from .weak import apply_lfs
    from .weak.workflow import resolve_lfs

    return {"model__label_matrix": apply_lfs(resolve_lfs(lfs), X, classes=list(y.classes))}


def _task_method(method: str, task: str) -> Method:
    """The registered method for ``task`` (``"auto"``: the task's default), refused in one
    line when it learns another task."""
    spec = get_method(TASK_DEFAULTS[task] if method == "auto" else method)
    if spec.task != task:
        raise _task_mismatch(spec, task)
    return spec


def _make(
    spec: Method, random_state: int, time_limit: Any, metric: Any, positive_label: Any
) -> Any:
    return make_model(
        spec.name, random_state, time_limit=time_limit, metric=metric, positive_label=positive_label
    )


def prepare_regression_target(
    frame: pd.DataFrame, target: str, unlabeled_value: Any = None, min_labeled: int = 5
) -> tuple[pd.DataFrame, Target, np.ndarray]:
    """Split a table into features and a numeric target, parsed once, for a regression fit.

    Returns ``(X, y, labeled)``. Refuses a target that is not numeric, with fewer than
    ``min_labeled`` labeled rows, or with one value only.
    """
    if target not in frame.columns:
        split_target(frame, target)  # the one-line error listing the columns
    try:
        y = parse_target(frame[target], {"regression"}, unlabeled_value=unlabeled_value)
    except InputError as exc:
        raise InputError(f"target column {target!r}: {exc}") from None
    values = y.values[y.labeled] if y.values is not None else np.array([])
    if y.n_labeled < min_labeled:
        raise InputError(
            f"target column {target!r} has {y.n_labeled} labeled row(s); a regression needs at "
            f"least {min_labeled}: give more rows a value"
        )
    if np.ptp(values) == 0:
        raise InputError(
            f"every labeled row of {target!r} holds the same value ({to_python(values[0])!r}); "
            "there is nothing to learn: give rows of other values"
        )
    return frame.drop(columns=[target]), y, y.labeled


def _fit_and_write(
    spec: Any,
    model: Any,
    method: str,
    target: str | None,
    frame: pd.DataFrame,
    X: pd.DataFrame,
    y: Target,
    labeled: np.ndarray,
    evidence: bool,
    random_state: int,
    report: Progress,
    run: Any,
    names: dict[str, str],
    paths: dict[str, Path],
    missing_values: list[str] | None,
    bags: str | None = None,
    task_reason: str | None = None,
    fit_params: dict[str, Any] | None = None,
) -> FitResult:
    from .base import labels_from_proba
    from .evidence import compare_with_supervised
    from .persist import save_model

    ev = None
    if evidence and not spec.own_evidence:

        def fold(done: int, total: int) -> None:
            report("cross-validating against the supervised baseline", done, total)

        ev = compare_with_supervised(
            lambda: make_model(method, random_state),
            lambda: make_model("supervised", random_state),
            X,
            y,
            method_name=method,
            baseline_name="supervised",
            random_state=random_state,
            progress=fold,
            importance_seconds=IMPORTANCE_SECONDS,
        )
        ev.semi_supervised = spec.semi_supervised
        if ev.available and ev.method != ev.baseline and ev.gain()[2] < 0:
            logger.warning(
                "%s is worse than the supervised baseline on this table: %s", method, ev.verdict()
            )
    report(f"fitting {method}", 0, 1)
    fit_params = dict(fit_params or {})
    if spec.own_evidence:
        fit_params["model__progress"] = report
    model.fit(X, y, **fit_params)
    if spec.own_evidence:
        ev = model.named_steps["model"].evidence_
    report(f"fitting {method}", 1, 1)
    report("predicting", 0, 1)
    proba = model.predict_proba(X)
    classes = model.classes_
    pred = labels_from_proba(model, proba)  # a tuned decision threshold decides
    report("predicting", 1, 1)
    schema = dict(model.named_steps["encode"].schema_)
    from .report.fit import diagnose

    report("diagnostics for the report", 0, 1)
    diag = diagnose(
        model,
        X,
        y,
        proba,
        ev,
        frame,
        schema,
        random_state=random_state,
        importance_seconds=IMPORTANCE_SECONDS,
        bags=bags,
    )
    report("diagnostics for the report", 1, 1)
    proba = diag["proba"]  # recalibrated when the out-of-fold confidence was off
    conf = proba.max(axis=1)
    evidence_dict = ev.to_dict() if ev is not None else None
    warnings = list((evidence_dict or {}).get("warnings", []))
    one_class = _one_class_warning(pred, classes)
    if one_class:
        warnings.append(one_class)
    warnings += [w for w in diag["warnings"] if w not in warnings]
    from .noise.cleaning import noisy_labels_warning

    warnings += noisy_labels_warning(ev, y)  # from the evidence's out-of-fold probabilities
    count = (
        count_target_note(frame[target], y, target)
        if y.is_classification and target is not None
        else None
    )
    if count:
        warnings.append(count)
    if evidence_dict is not None:
        evidence_dict["warnings"] = warnings
        evidence_dict["n_classes"] = len(classes)
    for w in warnings:
        logger.warning("%s", w)
    predictions = _predictions_frame(frame, pred, conf, labeled, proba, classes)
    kept = frame.attrs.get("fewlabels_kept_markers") or {}
    if kept:  # text pandas would have called missing, kept as values
        schema["kept_markers"] = kept
    result = FitResult(
        model=model,
        method=method,
        target=target,
        classes=[to_python(c) for c in classes],
        n_rows=len(frame),
        n_labeled=int(labeled.sum()),
        predictions=predictions,
        evidence=evidence_dict,
        schema=schema,
        warnings=warnings,
        id_column=diag["id_column"],
        chosen=diag["chosen"],
        diagnostics=diag,
        task=spec.task,
        bags=bags,
        task_reason=task_reason,
    )
    if run is not None:
        report("writing outputs", 0, 1)
        meta = {
            "method": method,
            "target": target,
            "task": spec.task,
            "task_reason": task_reason,
            **({"bags": bags} if bags is not None else {}),
            "classes": result.classes,
            "schema": schema,
            "n_rows": result.n_rows,
            "n_labeled": result.n_labeled,
            "missing_values": missing_values,
            "calibration": _calibration_summary(diag),
            "evidence": {
                k: v for k, v in (result.evidence or {}).items() if not isinstance(v, list)
            },
        }
        save_model(model, run.path(names["model"]), meta)
        run.checkpoint("after-model")
        write_table(predictions, run.path(names["predictions"]))
        run.checkpoint("after-predictions")
        # label proportions give no row a label of its own: no given label to show
        truth = y.labels() if y.task != "proportions" else np.full(len(y), None, dtype=object)
        write_text(
            run.path(names["report"]),
            _fit_report(result, pd.Series(truth), labeled, pred, conf, spec.summary),
        )
        run.checkpoint("after-report")
        result.paths = {k: str(v) for k, v in paths.items()}
        report("writing outputs", 1, 1)
    return result


def _one_class_warning(pred: np.ndarray, classes: np.ndarray, share: float = 0.99) -> str | None:
    """A warning when (nearly) every row is predicted as one class."""
    values, counts = np.unique(pred.astype(str), return_counts=True)
    top = counts.max() / counts.sum()
    if len(classes) > 1 and top >= share:
        return (
            f"the model predicts {values[np.argmax(counts)]!r} for {top:.1%} of the rows: it finds "
            "(almost) no row of the other classes; label more rows of the rare classes, or try "
            "--metric balanced_accuracy"
        )
    return None


def _fit_report(
    result: FitResult,
    truth: pd.Series,
    labeled: np.ndarray,
    pred: np.ndarray,
    conf: np.ndarray,
    summary: str,
) -> str:
    from .report import render_page
    from .report.fit import chosen_html, diagnostics_sections, next_section
    from .report.sections import (
        data_section,
        evidence_section,
        method_section,
        predictions_section,
        warnings_section,
    )

    params = result.model.named_steps["model"].get_params(deep=False)
    diag = result.diagnostics or {}
    method = method_section(result.method, summary, params)
    method.body += chosen_html(result.chosen)
    predictions = predictions_section(pd.Series(pred), conf, labeled, truth)
    predictions.body += next_section(diag)
    sections = [
        *([warnings_section(result.warnings)] if result.warnings else []),
        data_section(
            result.n_rows, result.target, truth, labeled, result.schema, diag.get("data_intro")
        ),
        method,
        evidence_section(result.evidence),
        *(diagnostics_sections(diag) if diag else []),
        predictions,
    ]
    return render_page(
        f"fewlabels report: {result.target if result.target is not None else result.bags}",
        sections,
        f"method {result.method} · fewlabels {__version__}",
    )


def count_target_note(column: pd.Series, y: Target, target: str) -> str | None:
    """A note when a whole-number target looks like a count read as classes: at least 3
    non-negative whole-number classes with very unequal labeled counts."""
    classes = np.asarray(y.classes)
    if (
        len(classes) < 3
        or pd.api.types.is_bool_dtype(column.dtype)
        or not np.issubdtype(classes.dtype, np.integer)
        or classes.min() < 0
    ):
        return None
    counts = y.class_counts()
    if counts.max() < 4 * max(counts.min(), 1) and counts.min() >= 3:
        return None
    return (
        f"target {target!r} holds whole numbers ({len(classes)} distinct, {to_python(classes.min())} "
        f"to {to_python(classes.max())}), so fewlabels treats each value as a class and predicts only "
        "these values; if it is a quantity (a count, an amount), refit with --task regression "
        "to predict a number"
    )


def predict_table(
    model: Any, data: Any, out: str | os.PathLike[str] | None = None, *, proba: bool = False
) -> pd.DataFrame:
    """Predict every row of a table with a saved model (a path) or a fitted pipeline.

    Returns the input rows (the ID column among them) with ``predicted`` and ``confidence``
    columns (a regression model: ``predicted`` only), and with ``proba=True`` one ``proba_<class>`` column per class; writes them
    atomically to ``out`` (CSV, Parquet or Arrow by suffix) when given. A saved model
    whose fit recalibrated its probabilities (see the report) applies that temperature.
    """
    from .base import labels_from_proba
    from .persist import load_model

    missing_values, temperature = None, None
    if isinstance(model, (str, os.PathLike)):
        verify_manifest(model)  # a model from a run folder must be that run's
        loaded = load_model(model)
        model, missing_values = loaded.model, loaded.metadata.get("missing_values")
        cal = loaded.metadata.get("calibration") or {}
        temperature = float(cal["temperature"]) if cal.get("apply") else None
    if out is not None:
        check_not_input([Path(out)], data)
    frame = read_table(data, missing_values=missing_values)  # as the model's table was read
    if not hasattr(model, "predict_proba"):  # a regressor: one number per row
        if proba:
            raise InputError(
                "this model predicts numbers (a regression), so it has no class probabilities; "
                "drop --proba"
            )
        result = frame.copy()
        name = "predicted"
        while name in result.columns:
            name = f"{name}_fewlabels"
        result[name] = model.predict(frame)
        if out is not None:
            write_table(result, out)
        return result
    P = model.predict_proba(frame)
    pred = labels_from_proba(model, P)
    if temperature is not None:
        from .report.diagnostics import apply_temperature

        P = apply_temperature(P, temperature)
    result = _predictions_frame(
        frame, pred, P.max(axis=1), None, P if proba else None, model.classes_
    )
    if out is not None:
        write_table(result, out)
    return result
