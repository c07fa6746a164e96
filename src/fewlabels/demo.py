"""The demo: the main job on a bundled dataset, with the truth kept aside to score it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from .data.io import write_table
from .workflow import Progress, fit_table, predict_table

__all__ = ["run_demo"]

DEMO_METHODS = ("supervised", "label-spreading")


def run_demo(
    out: str | os.PathLike[str] = "fewlabels-demo",
    labeled_fraction: float = 0.05,
    random_state: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Hide 95% of the labels of scikit-learn's digits, fit each method, score on the hidden labels.

    Writes ``digits.csv`` (target ``digit`` mostly blank) and one folder per method with the
    model, predictions and report; checks that ``predict`` with the saved model reproduces
    the predictions of ``fit``.
    """
    from sklearn.datasets import load_digits

    out = Path(out)
    X, y = load_digits(return_X_y=True, as_frame=True)
    rng = np.random.default_rng(random_state)
    table = X.copy()
    digit = y.astype("Int64")
    hidden = np.ones(len(y), dtype=bool)
    for c in np.unique(y):  # stratified: the same share of each digit stays labeled
        rows = np.flatnonzero(y.to_numpy() == c)
        hidden[rng.choice(rows, max(1, round(labeled_fraction * len(rows))), replace=False)] = False
    table["digit"] = digit.mask(hidden)
    data = write_table(table, out / "digits.csv")
    results = []
    for method in DEMO_METHODS:
        start = time.perf_counter()
        staged = (
            None
            if progress is None
            else (lambda stage, d, t, m=method: progress(f"{m}: {stage}", d, t))
        )
        res = fit_table(
            data, "digit", method, out / method, random_state=random_state, progress=staged
        )
        seconds = time.perf_counter() - start
        again = predict_table(res.paths["model"], data)
        if not np.array_equal(
            again["predicted"].to_numpy(), res.predictions["predicted"].to_numpy()
        ):
            raise RuntimeError("predict with the saved model differs from fit's predictions")
        pred = res.predictions["predicted"].to_numpy()
        truth = y.to_numpy()
        ev = res.evidence or {}
        results.append(
            {
                "method": method,
                "cv_accuracy": float(ev.get("method_mean", np.nan)),
                "hidden_accuracy": float(np.mean(pred[hidden] == truth[hidden])),
                "verdict": ev.get("verdict", ""),
                "seconds": round(seconds, 2),
                "report": res.paths["report"],
            }
        )
    return {
        "data": str(data),
        "n_rows": len(table),
        "n_labeled": int((~hidden).sum()),
        "methods": results,
        "hidden_rows": int(hidden.sum()),
        "predict_matches_fit": True,
    }
