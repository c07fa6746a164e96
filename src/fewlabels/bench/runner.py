"""The benchmark loop: datasets x protocols x budgets x seeds x methods, resumable."""

from __future__ import annotations

import csv
import io
import logging
import os
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import InputError

__all__ = ["BenchConfig", "run_benchmark", "RESULT_FIELDS", "cell_splits"]

logger = logging.getLogger(__name__)

RESULT_FIELDS = (
    "dataset",
    "protocol",
    "budget",
    "seed",
    "method",
    "family",
    "status",
    "error",
    "n_train",
    "n_labeled",
    "n_test",
    "accuracy",
    "balanced_accuracy",
    "macro_f1",
    "log_loss",
    "fit_seconds",
    "predict_seconds",
    "peak_memory_mb",
)

#: Selection-bias strength r used by the "biased" protocol (the T-similarity paper's common value).
BIAS_STRENGTH = 1.0


@dataclass
class BenchConfig:
    """What to run. Budgets are labeled fractions of the train part, at least ``min_per_class``."""

    datasets: Sequence[str]
    methods: Sequence[str]
    protocols: Sequence[str] = ("random", "biased")
    budgets: Sequence[float] = (0.01, 0.05, 0.10)
    seeds: Sequence[int] = (0, 1, 2, 3, 4)
    test_size: float = 0.3
    min_per_class: int = 2
    max_rows: int | None = (
        None  # subsample larger tables (stratified) to keep the suite's time bounded
    )
    extra: dict[str, Any] = field(default_factory=dict)
    #: trace Python allocations for ``peak_memory_mb``. Off by default: tracemalloc slows
    #: allocation-heavy Python code (scikit-learn's forests) several times, which distorts
    #: fit times and makes time-limited methods cut their work short.
    trace_memory: bool = False


def cell_splits(
    y: np.ndarray,
    X: Any,
    protocol: str,
    budget: float,
    seed: int,
    test_size: float,
    min_per_class: int,
):
    """The split of one cell: 70/30 train/test, then the labeled rows inside train."""
    from ..datasets import make_ssl_split

    if protocol not in ("random", "biased"):
        raise InputError(f"unknown protocol {protocol!r}; use random or biased")
    return make_ssl_split(
        y,
        labeled=budget,
        test_size=test_size,
        min_per_class=min_per_class,
        X=X if protocol == "biased" else None,
        bias=BIAS_STRENGTH if protocol == "biased" else None,
        random_state=seed,
    )


def _key(row: dict) -> tuple:
    return (
        row["dataset"],
        row["protocol"],
        str(float(row["budget"])),
        str(int(row["seed"])),
        row["method"],
    )


def _repair_tail(path: Path) -> None:
    """Drop a partial last row (a run killed while appending): rows are whole or absent."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as fh:
        data = fh.read()
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        fh.truncate(keep)
    logger.warning("dropped a partial last row of %s (an interrupted run); it will be redone", path)


def _done_cells(path: Path) -> set[tuple]:
    _repair_tail(path)
    if not path.exists():
        return set()
    with open(path, newline="") as fh:
        return {_key(r) for r in csv.DictReader(fh)}


def _metrics(
    y_true: np.ndarray, pred: np.ndarray, proba: np.ndarray | None, classes: np.ndarray
) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, log_loss

    out = {
        "accuracy": accuracy_score(y_true, pred),
        "balanced_accuracy": balanced_accuracy_score(y_true, pred),
        "macro_f1": f1_score(y_true, pred, average="macro"),
        "log_loss": float("nan"),
    }
    if proba is not None:
        try:
            out["log_loss"] = log_loss(y_true, np.clip(proba, 1e-15, 1), labels=classes)
        except ValueError:
            pass
    return {k: round(float(v), 6) for k, v in out.items()}


def _run_cell(
    method: Any, X: Any, y: np.ndarray, split: Any, seed: int, trace_memory: bool = False
) -> dict[str, Any]:
    from sklearn.utils import _safe_indexing

    from ..base import labels_from_proba

    train, test = split.train, split.test
    target = np.full(len(y), -1, dtype=np.int64)
    target[split.labeled] = y[split.labeled]
    X_train, X_test = _safe_indexing(X, train), _safe_indexing(X, test)
    model = method.make(seed)
    if trace_memory:
        tracemalloc.start()
    start = time.perf_counter()
    model.fit(X_train, target[train])
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    proba = model.predict_proba(X_test) if hasattr(model, "predict_proba") else None
    pred = model.predict(X_test) if proba is None else labels_from_proba(model, proba)
    predict_s = time.perf_counter() - start
    peak = float("nan")
    if trace_memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    if proba is not None and len(model.classes_) != len(np.unique(y)):
        full = np.zeros((len(test), len(np.unique(y))))
        full[:, np.asarray(model.classes_, dtype=int)] = proba
        proba = full
    return {
        "n_train": len(train),
        "n_labeled": len(split.labeled),
        "n_test": len(test),
        **_metrics(y[test], np.asarray(pred), proba, np.arange(len(np.unique(y)))),
        "fit_seconds": round(fit_s, 4),
        "predict_seconds": round(predict_s, 4),
        "peak_memory_mb": round(peak / 2**20, 2),
    }


_TABLES: dict[tuple, tuple[Any, np.ndarray]] = {}  # per process: loaded (and capped) tables


def _table(name: str, tables: dict | None, max_rows: int | None) -> tuple[Any, np.ndarray]:
    """A dataset's (X, class codes), subsampled (stratified) to ``max_rows``; cached."""
    key = (name, max_rows, id(tables.get(name)) if tables and name in tables else None)
    if key in _TABLES:
        return _TABLES[key]
    import pandas as pd

    from ..datasets import load

    if tables and name in tables:
        X, y_raw = tables[name]
    else:
        loaded = load(name)
        X, y_raw = loaded.X, loaded.y
    # a dataset's target is the full truth: every value is a class, -1 included (KEEL's
    # banana has classes -1 and 1), so the unlabeled-row rule must not apply here
    y = pd.factorize(pd.Series(np.asarray(y_raw)), sort=True)[0]
    if (y < 0).any():
        raise InputError(f"dataset {name!r} has rows without a class; a benchmark needs them all")
    if max_rows and len(y) > max_rows:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(
            np.arange(len(y)), train_size=max_rows, stratify=y, random_state=0
        )
        keep = np.sort(keep)
        X = X.iloc[keep].reset_index(drop=True) if hasattr(X, "iloc") else X[keep]
        y = y[keep]
    _TABLES[key] = (X, y)
    return X, y


def _run_group(
    config: BenchConfig,
    name: str,
    protocol: str,
    budget: float,
    seed: int,
    pending: list[str],
    tables: dict | None,
) -> list[dict[str, Any]]:
    """Every pending method on one (dataset, protocol, budget, seed): one result row each."""
    from .peers import available_methods

    methods = available_methods()
    X, y = _table(name, tables, config.max_rows)
    split = cell_splits(y, X, protocol, budget, seed, config.test_size, config.min_per_class)
    rows = []
    for mname in pending:
        row: dict[str, Any] = {
            "dataset": name,
            "protocol": protocol,
            "budget": budget,
            "seed": seed,
            "method": mname,
            "family": methods[mname].origin,
        }
        try:
            row.update(
                status="ok",
                error="",
                **_run_cell(methods[mname], X, y, split, seed, config.trace_memory),
            )
        except Exception as exc:  # recorded, never dropped
            if tracemalloc.is_tracing():
                tracemalloc.stop()
            row.update(
                status="error",
                error=f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300],
            )
            logger.warning("%s failed on %s: %s", mname, name, row["error"])
        rows.append(row)
    return rows


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def run_benchmark(
    config: BenchConfig,
    results_path: str | os.PathLike[str],
    *,
    tables: dict[str, tuple[Any, Any]] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    n_jobs: int = 1,
) -> Path:
    """Run every cell not already in ``results_path`` and append its row (resumable).

    A method that fails on a cell is recorded as an error row with its message, never
    dropped. ``tables`` maps extra dataset names to ``(X, y)`` (the user's own data).
    Peak memory is what Python and NumPy allocated during fit and predict (tracemalloc);
    native allocations inside LightGBM, torch or faiss are not counted.

    ``n_jobs`` > 1 runs that many worker processes, each single-threaded (torch, OpenMP and
    BLAS read the thread variables set for them), one (dataset, protocol, budget, seed) at a
    time; rows are written as each finishes, so an interrupted run resumes as well. Whether
    that is faster depends on the machine: on this project's 2-vCPU box two single-threaded
    LightGBM fits side by side each ran 4.5x slower than one alone, so its suite runs with
    ``n_jobs=1``.
    """
    from ..datasets import DATASETS
    from .peers import available_methods

    path = Path(results_path)
    methods = available_methods()
    unknown = [m for m in config.methods if m not in methods]
    if unknown:
        raise InputError(f"unknown method(s) {unknown}; see fewlabels.bench.available_methods()")
    missing = [d for d in config.datasets if d not in DATASETS and d not in (tables or {})]
    if missing:  # checked before anything is written: a failed run leaves no results file
        raise InputError(
            f"unknown dataset(s) {missing}; choose from 'fewlabels datasets' (nothing was run)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    done = _done_cells(path)
    groups = []  # seed outermost: a run cut short still covers every dataset evenly
    for seed in config.seeds:
        for name in config.datasets:
            for protocol in config.protocols:
                for budget in config.budgets:
                    cell = {"dataset": name, "protocol": protocol, "budget": budget, "seed": seed}
                    pending = [m for m in config.methods if _key({**cell, "method": m}) not in done]
                    if pending:
                        groups.append((name, protocol, budget, seed, pending))
    total = len(config.datasets) * len(config.protocols) * len(config.budgets)
    total *= len(config.seeds) * len(config.methods)
    count = total - sum(len(g[-1]) for g in groups)
    new_file = not path.exists()
    with open(path, "a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=RESULT_FIELDS)
        if new_file:
            writer.writeheader()

        def write(rows: list[dict[str, Any]]) -> None:
            nonlocal count
            buf = io.StringIO()  # a group's rows go to the file in one write, then to disk
            csv.DictWriter(buf, fieldnames=RESULT_FIELDS).writerows(rows)
            fh.write(buf.getvalue())
            count += len(rows)
            fh.flush()
            os.fsync(fh.fileno())
            if progress is not None and rows:
                r = rows[-1]
                what = f"{r['dataset']} {r['protocol']} {float(r['budget']):.0%} seed {r['seed']}"
                progress(count, total, what)

        if n_jobs <= 1:
            for g in groups:
                write(_run_group(config, *g, tables))
            return path
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from multiprocessing import get_context

        saved = {v: os.environ.get(v) for v in _THREAD_VARS}
        os.environ.update({v: "1" for v in _THREAD_VARS})  # inherited by the workers
        try:
            with ProcessPoolExecutor(n_jobs, mp_context=get_context("spawn")) as pool:
                futures = [pool.submit(_run_group, config, *g, tables) for g in groups]
                for future in as_completed(futures):
                    write(future.result())
        finally:
            for v, old in saved.items():
                if old is None:
                    os.environ.pop(v, None)
                else:
                    os.environ[v] = old
    return path
