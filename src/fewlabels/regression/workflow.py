"""``fewlabels fit`` on a numeric target: fit, evidence, predictions and the report.

:func:`fewlabels.workflow.fit_table` parses the target, opens the output folder and calls
:func:`fit_and_write_regression`, which mirrors the classification path: the evidence comes
from the estimator (``evidence_``, for ``auto-regressor``) or from cross-validation against
the supervised regressor; the predictions table gets one ``predicted`` number per row.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..data.io import write_table, write_text
from ..data.labels import Target

__all__ = ["BASELINE", "evidence_dict", "fit_and_write_regression"]

logger = logging.getLogger(__name__)

#: The supervised regressor every regression method is compared with.
BASELINE = "supervised-regressor"


def evidence_dict(ev: Any) -> dict[str, Any]:
    """The evidence as the report and ``--json`` read it (:meth:`RegressionEvidence.to_dict`:
    per-fold RMSE, MAE and R² of the method and the baseline, the paired RMSE gain, baseline
    minus method, with its interval, the verdict and the members' scores)."""
    return dict(ev.to_dict())


def _oof(ev: Any) -> dict[str, Any] | None:
    rows = getattr(ev, "oof_rows", None)
    if rows is None:
        return None
    return {
        "rows": np.asarray(rows),
        "true": np.asarray(ev.oof_true, dtype=float),
        "pred": np.asarray(ev.oof_pred, dtype=float),
    }


def fit_and_write_regression(
    spec: Any,
    model: Any,
    target: str,
    frame: pd.DataFrame,
    X: pd.DataFrame,
    y: Target,
    evidence: bool,
    random_state: int,
    report: Any,
    run: Any,
    names: dict[str, str],
    paths: dict[str, Path],
    missing_values: list[str] | None,
    task_reason: str | None,
) -> Any:
    """Fit ``model`` (a pipeline ``TableEncoder -> regressor``) on ``X`` and the numeric
    target ``y``, and write the model, the predictions and the report into ``run``."""
    from ..methods import make_model
    from ..persist import save_model
    from ..workflow import FitResult, _calibration_summary
    from .evidence import compare_regressors

    ev = None
    if evidence and not spec.own_evidence:

        def fold(done: int, total: int) -> None:
            report("cross-validating against the supervised regressor", done, total)

        ev = compare_regressors(
            lambda: make_model(spec.name, random_state),
            lambda: make_model(BASELINE, random_state),
            X,
            y,
            method_name=spec.name,
            baseline_name=BASELINE,
            random_state=random_state,
            progress=fold,
        )
        ev.semi_supervised = spec.semi_supervised
    report(f"fitting {spec.name}", 0, 1)
    fit_params = {"model__progress": report} if spec.own_evidence else {}
    model.fit(X, y, **fit_params)
    if spec.own_evidence:
        ev = model.named_steps["model"].evidence_
    report(f"fitting {spec.name}", 1, 1)
    report("predicting", 0, 1)
    pred = np.asarray(model.predict(X), dtype=float)
    report("predicting", 1, 1)
    schema = dict(model.named_steps["encode"].schema_)
    evidence_out = evidence_dict(ev) if ev is not None else None
    warnings = list((evidence_out or {}).get("warnings", []))
    if evidence_out is not None:
        if evidence_out["available"] and not evidence_out["is_baseline"]:
            if (evidence_out.get("gain_high") or 0.0) < 0:
                warnings.append(
                    f"{spec.name} is worse than the supervised regressor on this table: "
                    f"{evidence_out['verdict']}"
                )
        evidence_out["warnings"] = warnings
    for w in warnings:
        logger.warning("%s", w)
    from ..workflow import _predictions_frame

    predictions = _predictions_frame(frame, pred, np.full(len(pred), np.nan), y.labeled).drop(
        columns=["confidence"]
    )
    from ..report.fit import id_column

    result = FitResult(
        model=model,
        method=spec.name,
        target=target,
        classes=[],
        n_rows=len(frame),
        n_labeled=y.n_labeled,
        predictions=predictions,
        evidence=evidence_out,
        schema=schema,
        warnings=warnings,
        id_column=id_column(schema),
        diagnostics={"oof": _oof(ev) if ev is not None else None},
        task="regression",
        task_reason=task_reason,
    )
    if run is not None:
        report("writing outputs", 0, 1)
        meta = {
            "method": spec.name,
            "target": target,
            "task": "regression",
            "task_reason": task_reason,
            "classes": [],
            "schema": schema,
            "n_rows": result.n_rows,
            "n_labeled": result.n_labeled,
            "missing_values": missing_values,
            "calibration": _calibration_summary(None),
            "evidence": {
                k: v
                for k, v in (evidence_out or {}).items()
                if not isinstance(v, (list, dict, np.ndarray))
            },
        }
        save_model(model, run.path(names["model"]), meta)
        run.checkpoint("after-model")
        write_table(predictions, run.path(names["predictions"]))
        run.checkpoint("after-predictions")
        write_text(run.path(names["report"]), _report(result, y, pred, spec.summary))
        run.checkpoint("after-report")
        result.paths = {k: str(v) for k, v in paths.items()}
        report("writing outputs", 1, 1)
    return result


def _report(result: Any, y: Target, pred: np.ndarray, summary: str) -> str:
    from ..report import render_page
    from ..report.regression import (
        regression_evidence_section,
        regression_predictions_section,
        target_intro,
    )
    from ..report.sections import data_section, method_section, warnings_section

    assert y.values is not None
    params = result.model.named_steps["model"].get_params(deep=False)
    intro = target_intro(result.n_rows, result.target, y.values, y.labeled, result.task_reason)
    no_classes = pd.Series(np.full(len(y), None, dtype=object))
    sections = [
        *([warnings_section(result.warnings)] if result.warnings else []),
        data_section(result.n_rows, result.target, no_classes, y.labeled, result.schema, intro),
        method_section(result.method, summary, params),
        regression_evidence_section(result.evidence),
        regression_predictions_section(
            pred, y.labeled, y.values, (result.diagnostics or {}).get("oof")
        ),
    ]
    return render_page(
        f"fewlabels report: {result.target}",
        sections,
        f"method {result.method} · regression · fewlabels {__version__}",
    )
