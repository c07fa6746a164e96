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
from .data.io import read_table, write_table, write_text
from .data.labels import Target, encode_target, placeholder_hint
from .data.publish import Run, verify_manifest
from .exceptions import InputError
from .methods import get_method, make_model

__all__ = ["FitResult", "fit_table", "predict_table", "prepare_target"]

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
    target: str
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
        }


def _calibration_summary(diag: dict[str, Any] | None) -> dict[str, Any] | None:
    cal = (diag or {}).get("calibration")
    if not cal:
        return None
    return {k: cal[k] for k in ("ece", "ece_calibrated", "temperature", "apply", "rows")}


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


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
            f"target column {target!r} cannot be used as class labels ({exc}); give discrete labels"
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
            f"the labeled rows of {target!r} hold only one class ({_py(enc.classes[0])!r}); "
            f"label at least one row of another class{hint}"
        )
    if placeholder:  # the placeholder is a class now: say so, the fit goes on
        logger.warning("target column %r: %s", target, placeholder)
    return X, enc, enc.labeled


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
        cols += [f"proba_{_py(c)}" for c in classes]
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
            out[names[f"proba_{_py(c)}"]] = proba[:, j]
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
    target: str,
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
) -> FitResult:
    """Fit a method on a partially labeled table and write the model, predictions and report.

    Parameters
    ----------
    data : path or table
        CSV, Parquet or Arrow file, or a pandas / polars / Arrow table. Never modified.
    target : str
        The target column; rows with a missing target (or -1 in an integer target, or
        ``unlabeled_value``) are unlabeled.
    method : str, default="auto"
        A name from :data:`fewlabels.methods.METHODS`. ``"auto"`` builds an ensemble by
        cross-validation on the labeled rows and keeps the supervised ensemble unless the
        semi-supervised one clearly helps.
    out : path, optional
        Folder for ``model.skops``, ``predictions.<csv|parquet>`` and ``report.html``;
        ``None`` writes nothing.
    evidence : bool, default=True
        Cross-validate the method against the supervised baseline on the labeled rows.
    random_state : int, default=0
    unlabeled_value : scalar, optional
        An extra target value meaning "unlabeled".
    predictions_format : {"csv", "parquet"}, optional
        Default: Parquet when the input is Parquet or Arrow, else CSV.
    progress : callable(stage, done, total), optional
    time_limit : float, optional
        Seconds for the method's own search (``auto``; see :attr:`Method.params`).
    metric : str, optional
        What the method's search optimises (``auto``).
    missing_values : list of str, optional
        The cell texts that mean "missing" in every column of a CSV (see
        :func:`~fewlabels.data.read_table`); stored with the model, so ``predict`` reads
        its tables the same way.

    Returns
    -------
    FitResult
    """
    report = progress or _noop
    spec = get_method(method)
    model = make_model(method, random_state, time_limit=time_limit, metric=metric)
    report("reading the table", 0, 1)
    frame = read_table(data, missing_values=missing_values)
    X, y, labeled = prepare_target(frame, target, unlabeled_value)
    fmt = predictions_format or (
        "parquet"
        if isinstance(data, (str, os.PathLike))
        and Path(data).suffix.lower() in {".parquet", ".pq", ".arrow", ".feather", ".ipc"}
        else "csv"
    )
    if fmt not in {"csv", "parquet"}:
        raise InputError(f"unknown predictions format {fmt!r}; use csv or parquet")
    names = {"model": "model.skops", "predictions": f"predictions.{fmt}", "report": "report.html"}
    with open_outputs(out, names, data) as (paths, run):
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
        )


def _fit_and_write(
    spec: Any,
    model: Any,
    method: str,
    target: str,
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
        if ev.available and ev.method != ev.baseline and ev.gain()[2] < 0:
            logger.warning(
                "%s is worse than the supervised baseline on this table: %s", method, ev.verdict()
            )
    report(f"fitting {method}", 0, 1)
    fit_params = {"model__progress": report} if spec.own_evidence else {}
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
    count = count_target_note(frame[target], y, target)
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
        classes=[_py(c) for c in classes],
        n_rows=len(frame),
        n_labeled=int(labeled.sum()),
        predictions=predictions,
        evidence=evidence_dict,
        schema=schema,
        warnings=warnings,
        id_column=diag["id_column"],
        chosen=diag["chosen"],
        diagnostics=diag,
    )
    if run is not None:
        report("writing outputs", 0, 1)
        meta = {
            "method": method,
            "target": target,
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
        write_text(
            run.path(names["report"]),
            _fit_report(result, pd.Series(y.labels()), labeled, pred, conf, spec.summary),
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
        data_section(result.n_rows, result.target, truth, labeled, result.schema),
        method,
        evidence_section(result.evidence),
        *(diagnostics_sections(diag) if diag else []),
        predictions,
    ]
    return render_page(
        f"fewlabels report: {result.target}",
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
        f"target {target!r} holds whole numbers ({len(classes)} distinct, {_py(classes.min())} "
        f"to {_py(classes.max())}), so fewlabels treats each value as a class and predicts only "
        "these values; fewlabels fit learns classes only (no option fits a number: there is no "
        "regression task), so if it is a count, bin it into ranges in your table first"
    )


def predict_table(
    model: Any, data: Any, out: str | os.PathLike[str] | None = None, *, proba: bool = False
) -> pd.DataFrame:
    """Predict every row of a table with a saved model (a path) or a fitted pipeline.

    Returns the input rows (the ID column among them) with ``predicted`` and ``confidence``
    columns, and with ``proba=True`` one ``proba_<class>`` column per class; writes them
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
