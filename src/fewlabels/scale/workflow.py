"""What ``fewlabels fit | predict | query | check --engine dask`` do: the table jobs of
:mod:`fewlabels.workflow`, :mod:`fewlabels.active.workflow` and
:mod:`fewlabels.noise.workflow`, on a partitioned Parquet dataset read by Dask.

The table (a folder or glob of Parquet files) never sits in one process. What does:

- the labeled rows (few, by the premise; every scaled fit collects them), and
- a bounded sample for what must be computed in memory: all labeled rows plus a sample of
  unlabeled rows drawn by a seeded hash of each row's position
  (:func:`~fewlabels.scale.row_uniform`: the same rows whatever the partitioning), at most
  :data:`SAMPLE_ROWS` rows in all unless the labeled rows alone are more.

Which methods have a Dask path is data (:data:`DASK_METHODS`, and :data:`DASK_ALIASES`
for what ``auto`` means here); nothing branches on a method's name.

Workers are processes by default. ``$FEWLABELS_DASK_PROCESSES=0`` (:data:`PROCESSES_ENV`)
makes a local cluster's workers threads of this process instead (for tests, and for
debugging with a debugger).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError
from .engine import ScaleError, _one_line, _require_dask, row_uniform

__all__ = [
    "DASK_ALIASES",
    "DASK_METHODS",
    "DASK_STRATEGIES",
    "PROCESSES_ENV",
    "SAMPLE_ROWS",
    "DaskCluster",
    "DaskFitResult",
    "DaskMethod",
    "check_table_dask",
    "dask_method",
    "fit_table_dask",
    "predict_table_dask",
    "query_table_dask",
    "read_dask_table",
]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

#: The most rows the in-memory part of a job (the report, the label check) reads, the
#: labeled rows first.
SAMPLE_ROWS = 50_000
#: "0": a local cluster's workers are threads of this process, not processes.
PROCESSES_ENV = "FEWLABELS_DASK_PROCESSES"
#: Seconds to wait for a --scheduler address to answer before giving up.
CONNECT_TIMEOUT = 5.0
_SAMPLE_SALT = 104_729


def _noop(stage: str, done: int, total: int) -> None:
    return None


# ---------------------------------------------------------------------------- methods


def _fit_self_training(data: Any, target: str, **kwargs: Any) -> Any:
    from .selftrain import fit_self_training_dask

    return fit_self_training_dask(data, target, **kwargs)


def _fit_anchor_spreading(data: Any, target: str, **kwargs: Any) -> Any:
    from .graph import fit_anchor_spreading_dask

    return fit_anchor_spreading_dask(data, target, **kwargs)


def _fit_supervised(
    data: Any, target: str, *, unlabeled_value: Any = None, random_state: int = 0
) -> Any:
    from ..methods import make_model
    from ._common import collect_labeled
    from .engine import as_partitions

    parts = as_partitions(data, target, unlabeled_value=unlabeled_value)
    X_lab, tgt, _ = collect_labeled(parts, "the supervised baseline")
    return make_model("supervised", random_state).fit(X_lab, tgt)


def _scaled_self_training(random_state: int) -> Any:
    from .selftrain import ScaledSelfTrainingClassifier

    return ScaledSelfTrainingClassifier(random_state=random_state)


def _anchor_spreading(random_state: int) -> Any:
    from .graph import AnchorSpreadingClassifier

    return AnchorSpreadingClassifier(random_state=random_state)


def _supervised(random_state: int) -> Any:
    from ..methods import make_model

    return make_model("supervised", random_state)


@dataclass(frozen=True)
class DaskMethod:
    """A registered method's Dask path, as data.

    Parameters
    ----------
    name : str
        The method's name in :data:`fewlabels.methods.METHODS`.
    fit : callable(data, target, *, unlabeled_value, random_state)
        Fits on a Dask DataFrame; returns an ordinary in-memory fitted classifier.
    summary : str
        What runs on the cluster (the report and ``--json`` say it).
    twin : callable(random_state) -> estimator
        The same algorithm in memory, cross-validated on the labeled rows and a sample
        against the supervised baseline (:func:`sample_evidence`).
    """

    name: str
    fit: Callable[..., Any]
    summary: str
    twin: Callable[[int], Any]


#: The methods with a Dask path, by the name ``--method`` takes.
DASK_METHODS: dict[str, DaskMethod] = {
    m.name: m
    for m in (
        DaskMethod(
            "self-training",
            _fit_self_training,
            "LightGBM self-training with the pool left partitioned: each round scores every "
            "partition, keeps rows of probability >= 0.9, and refits on the labeled rows plus "
            "the most confident 20,000 of them, class-balanced (ScaledSelfTrainingClassifier)",
            _scaled_self_training,
        ),
        DaskMethod(
            "label-spreading",
            _fit_anchor_spreading,
            "label spreading on an anchor graph (500 k-means anchors of a sample, 3 nearest "
            "per row), solved from sums over the partitions (AnchorSpreadingClassifier)",
            _anchor_spreading,
        ),
        DaskMethod(
            "supervised",
            _fit_supervised,
            "LightGBM on the labeled rows only (collected from the partitions); the unlabeled "
            "rows are only predicted",
            _supervised,
        ),
    )
}

#: What another name means under the engine, and why: ``{name: (method, reason)}``.
DASK_ALIASES: dict[str, tuple[str, str]] = {
    "auto": (
        "self-training",
        "auto under --engine dask is self-training, kept only where it beats the supervised "
        "baseline on held-out labels of the sample (else the baseline is fitted): auto's "
        "cross-validated ensemble needs every row in one process; self-training reads the "
        "table as LightGBM does (categories, missing values, unscaled numbers), while "
        "label-spreading's anchor graph relies on distances between standardized rows",
    ),
}
#: Aliases whose method must beat the supervised baseline on the sample's held-out labels
#: (:func:`sample_evidence`), else the baseline is fitted instead.
GUARDED_ALIASES = frozenset({"auto"})
#: Unlabeled rows of the sample (beside every labeled row) that the held-out check uses.
EVIDENCE_POOL = 5_000

#: ``fewlabels query`` strategies with a Dask path, and the utility each one scores
#: (:data:`fewlabels.active.utilities.UNCERTAINTIES`).
DASK_STRATEGIES: dict[str, str] = {
    "margin": "margin",
    "least-confident": "least_confident",
    "entropy": "entropy",
}
#: The strategy ``fewlabels query --engine dask`` uses when none is given.
DASK_DEFAULT_STRATEGY = "margin"


def dask_method(name: str) -> tuple[DaskMethod, str | None]:
    """The Dask path of the method called ``name``, and why it stands for ``name`` (None
    when it is that method).

    Raises
    ------
    InputError
        For an unknown name (the registry's one-line error) or a method without a Dask path.

    Examples
    --------
    >>> spec, why = dask_method("auto")
    >>> spec.name, why.startswith("auto under --engine dask")
    ('self-training', True)
    """
    alias = DASK_ALIASES.get(name)
    if alias is not None:
        return DASK_METHODS[alias[0]], alias[1]
    if name in DASK_METHODS:
        return DASK_METHODS[name], None
    from ..methods import get_method

    get_method(name)  # an unknown name: the one-line error listing every method
    *first, last = DASK_METHODS
    choices = f"{', '.join(first)} or {last}"
    raise InputError(
        f"method {name!r} has no Dask path; with --engine dask use --method {choices} (or "
        f"auto: {DASK_ALIASES['auto'][0]} where it beats the supervised baseline), or run "
        "without --engine"
    )


# ---------------------------------------------------------------------------- engine


def _probe_scheduler(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Refuse, in one line and within ``timeout`` seconds, an address nothing answers at
    (distributed itself would retry for 20 s). Protocols other than tcp and tls are left
    to distributed."""
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in {"tcp", "tls"}:
        return
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        raise InputError(
            f"--scheduler {address!r} is not a scheduler address; give it as tcp://HOST:PORT "
            "(e.g. tcp://10.0.0.5:8786)"
        )
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        why = exc.strerror or str(exc) or type(exc).__name__
        raise ScaleError(
            f"cannot reach the Dask scheduler at {address!r} ({_one_line(why)}); check the "
            "address and that the scheduler is running"
        ) from None


@dataclass(frozen=True)
class DaskCluster:
    """Where the Dask engine runs: a new local cluster sized to this machine, or the
    running cluster at ``scheduler`` (dask-jobqueue, Kubernetes, ``dask scheduler``).

    Parameters
    ----------
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a running scheduler; the only difference between a laptop
        and a cluster.
    n_workers : int, optional
        Local workers (default: one per core). Not with ``scheduler``.
    memory_limit : str, optional
        Per local worker, e.g. ``"4GB"``. Not with ``scheduler``.
    processes : bool, optional
        Local workers in their own processes; default True unless
        ``$FEWLABELS_DASK_PROCESSES`` is ``0``.
    """

    scheduler: str | None = None
    n_workers: int | None = None
    memory_limit: str | None = None
    processes: bool | None = None

    @classmethod
    def from_options(
        cls,
        engine: str | None,
        scheduler: str | None = None,
        n_workers: int | None = None,
        memory_limit: str | None = None,
    ) -> DaskCluster | None:
        """The cluster the CLI's ``--engine``, ``--scheduler``, ``--workers`` and
        ``--memory-limit`` ask for; None without an engine (one process, as always)."""
        if engine is not None and engine != "dask":
            raise InputError(f"unknown engine {engine!r}; the only engine is 'dask'")
        if engine is None and scheduler is None:
            if n_workers is not None or memory_limit is not None:
                flag = "--workers" if n_workers is not None else "--memory-limit"
                raise InputError(f"{flag} sizes the Dask engine's workers; add --engine dask")
            return None
        if scheduler is not None and (n_workers is not None or memory_limit is not None):
            raise InputError(
                "--workers and --memory-limit size a local cluster; a --scheduler's cluster "
                "is sized where it was started: drop them"
            )
        return cls(scheduler, n_workers, memory_limit)

    @contextmanager
    def start(self) -> Iterator[Any]:
        """A ``distributed.Client`` on this cluster, closed (a local cluster stopped) on exit."""
        from .engine import start_engine

        _require_dask("the Dask engine (--engine dask)")
        if self.scheduler is not None:
            _probe_scheduler(self.scheduler)
        processes = (
            self.processes
            if self.processes is not None
            else os.environ.get(PROCESSES_ENV, "1").strip() != "0"
        )
        with start_engine(
            "dask", self.scheduler, self.n_workers, self.memory_limit, processes=processes
        ) as client:
            yield client


def _engine_summary(client: Any, cluster: DaskCluster) -> dict[str, Any]:
    try:
        workers = len(client.scheduler_info().get("workers", {}))
    except Exception:  # a scheduler that does not say: not worth failing the run
        workers = None
    return {"name": "dask", "scheduler": cluster.scheduler or "local", "workers": workers}


def read_dask_table(data: Any) -> Any:
    """A Dask DataFrame over ``data``: a Dask DataFrame as is, or a folder, glob or list of
    Parquet files (:func:`~fewlabels.scale.read_partitioned`).

    Raises
    ------
    InputError
        For a path that is not Parquet (a CSV, say) or cannot be read.
    """
    from .engine import read_partitioned

    _require_dask("the Dask engine (--engine dask)")
    if hasattr(data, "to_delayed") and hasattr(data, "map_partitions"):
        return data
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if path.is_file():
            with open(path, "rb") as fh:
                if fh.read(4) != b"PAR1":
                    raise InputError(
                        f"{path} is not a Parquet file; --engine dask reads a folder or glob "
                        "of Parquet files (convert the table, e.g. with pandas' to_parquet)"
                    )
    try:
        return read_partitioned(data)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"{data} cannot be read as a Parquet dataset ({type(exc).__name__}: "
            f"{_one_line(str(exc), 200)}); give a folder or glob of Parquet files with the "
            "same columns"
        ) from None


def _check_column(ddf: Any, column: str) -> None:
    if column not in ddf.columns:
        cols = ", ".join(repr(str(c)) for c in list(ddf.columns)[:12])
        raise InputError(
            f"target column {column!r} not found; the columns are: {cols} (use --target)"
        )


def _blank_unlabeled_value(ddf: Any, target: str, unlabeled_value: Any) -> Any:
    """``ddf`` with ``unlabeled_value`` blanked in the target (for the passes that decide
    the unlabeled rows by missing values and -1 only)."""
    if unlabeled_value is None:
        return ddf
    return ddf.map_partitions(_blank_part, target, unlabeled_value)


def _blank_part(part: pd.DataFrame, target: str, value: Any) -> pd.DataFrame:
    hit = (part[target] == value).to_numpy(dtype=bool, na_value=False)
    if not hit.any():
        return part
    return part.assign(**{target: part[target].astype(object).mask(hit)})


# ---------------------------------------------------------------------------- sample


def _sample_part(
    X: pd.DataFrame, y: Any, ids: np.ndarray, pool: np.ndarray, rate: float, seed: int
) -> tuple[pd.DataFrame, Any, np.ndarray, np.ndarray, np.ndarray]:
    u = row_uniform(ids, seed, salt=_SAMPLE_SALT)
    keep = ~pool | (u < rate)
    return X[keep], (None if y is None else y[keep]), ids[keep], u[keep], pool[keep]


@dataclass
class TableSample:
    """All labeled rows of a partitioned table and a seeded sample of its unlabeled rows,
    in memory, in table order."""

    #: the rows, with every column of the table (the target among them)
    frame: pd.DataFrame
    #: each row's position in the whole table
    ids: np.ndarray
    labeled: np.ndarray
    n_rows: int
    n_labeled: int
    n_partitions: int

    @property
    def n_unlabeled(self) -> int:
        return self.n_rows - self.n_labeled

    @property
    def n_sampled_unlabeled(self) -> int:
        return int((~self.labeled).sum())

    def note(self) -> str:
        """One sentence on what the sample holds."""
        if self.n_sampled_unlabeled == self.n_unlabeled:
            return f"all {self.n_rows:,} rows of the table (it is smaller than the sample size)"
        return (
            f"a sample of {len(self.frame):,} of the table's {self.n_rows:,} rows: all "
            f"{self.n_labeled:,} labeled rows and {self.n_sampled_unlabeled:,} of the "
            f"{self.n_unlabeled:,} unlabeled rows, drawn by a seeded hash of each row's position"
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "rows": int(len(self.frame)),
            "labeled": int(self.n_labeled),
            "unlabeled": self.n_sampled_unlabeled,
        }


def draw_sample(parts: Any, size: int, seed: int) -> TableSample:
    """All labeled rows of ``parts`` (:class:`~fewlabels.scale.engine.DaskPartitions`) and
    unlabeled rows chosen by :func:`~fewlabels.scale.row_uniform`, at most ``size`` rows in
    all unless the labeled rows alone are more (then those only), in one pass."""
    rate = min(1.0, 1.2 * size / max(parts.n_rows, 1))
    got = parts.map(_sample_part, rate, int(seed), what="drawing a sample of rows")
    got = [g for g in got if len(g[2])]
    columns = list(parts.ddf.columns)
    if not got:  # an empty table
        empty = parts.ddf._meta.iloc[:0]
        return TableSample(empty, np.zeros(0, np.int64), np.zeros(0, bool), 0, 0, 0)
    X = pd.concat([g[0] for g in got])
    ids = np.concatenate([g[2] for g in got])
    u = np.concatenate([g[3] for g in got])
    pool = np.concatenate([g[4] for g in got])
    n_labeled = int((~pool).sum())
    room = max(int(size) - n_labeled, 0)
    unl = np.flatnonzero(pool)
    chosen = unl[np.lexsort((ids[unl], u[unl]))[:room]]
    keep = np.sort(np.r_[np.flatnonzero(~pool), chosen])
    keep = keep[np.argsort(ids[keep], kind="stable")]
    frame = X.iloc[keep].copy()
    if parts.target is not None:
        frame[parts.target] = pd.concat([g[1] for g in got]).iloc[keep].to_numpy()
    frame = frame[[c for c in columns if c in frame.columns]].reset_index(drop=True)
    if n_labeled > size:
        logger.warning(
            "the %d labeled rows are more than the sample size %d; the sample holds them all",
            n_labeled,
            size,
        )
    return TableSample(
        frame, ids[keep], ~pool[keep], int(parts.n_rows), n_labeled, int(parts.n_partitions)
    )


# ---------------------------------------------------------------------------- models


def _table_model(estimator: Any, features: list[Any], meta: pd.DataFrame) -> Any:
    """``estimator`` behind a step that keeps its feature columns: a model that takes the
    whole table (the target, an ID, other columns), as every model file of fewlabels does."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    select = ColumnTransformer(
        [("features", "passthrough", list(features))],
        remainder="drop",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    select.fit(meta[list(features)])
    return Pipeline([("select", select), ("model", estimator)])


class CalibratedModel:
    """A saved model as ``fewlabels predict`` applies it: probabilities at the fit's
    temperature (see the fit's report), decisions (a tuned threshold's) on the model's own
    probabilities. Only the predictions by partition use it."""

    def __init__(self, model: Any, temperature: float) -> None:
        self.model = model
        self.temperature = temperature
        self.classes_ = model.classes_
        names = getattr(model, "feature_names_in_", None)
        if names is not None:
            self.feature_names_in_ = names

    def predict_proba(self, X: Any) -> np.ndarray:
        from ..report.diagnostics import apply_temperature

        return apply_temperature(np.asarray(self.model.predict_proba(X)), self.temperature)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        from ..report.diagnostics import apply_temperature

        raw = apply_temperature(proba, 1.0 / self.temperature)  # the model's own
        last = self.model.steps[-1][1] if hasattr(self.model, "steps") else self.model
        decide = getattr(last, "decide", None)
        return decide(raw) if decide is not None else np.argmax(raw, axis=1)


def _prediction_columns(columns: list[Any], classes: Any, proba: bool) -> list[Any]:
    """The input columns the predictions keep (all, but one named like an output)."""
    from ..data.labels import to_python

    taken = {"prediction", *([f"proba_{to_python(c)}" for c in classes] if proba else [])}
    keep = [c for c in columns if str(c) not in taken]
    if len(keep) < len(columns):
        logger.warning(
            "the predictions leave out input column(s) %s, named like an output column",
            [c for c in columns if str(c) in taken],
        )
    return keep


# ---------------------------------------------------------------------------- fit


@dataclass
class DaskFitResult:
    """What :func:`fit_table_dask` produced."""

    #: the fitted model as saved: the table's feature columns, then the estimator
    model: Any
    method: str
    #: why ``method`` runs (what ``auto`` means under the engine), or None
    method_reason: str | None
    target: str
    classes: list[Any]
    n_rows: int
    n_labeled: int
    n_partitions: int
    #: the rows the report was built from
    sample: dict[str, int]
    engine: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: the held-out check on the sample (:func:`sample_evidence`), as a dict; None when
    #: skipped
    evidence: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (what ``fewlabels fit --engine dask --json`` prints)."""
        return {
            "method": self.method,
            "method_reason": self.method_reason,
            "target": self.target,
            "classes": self.classes,
            "n_rows": self.n_rows,
            "n_labeled": self.n_labeled,
            "n_partitions": self.n_partitions,
            "task": "classification",
            "engine": self.engine,
            "report_sample": self.sample,
            "evidence": self.evidence,
            "warnings": self.warnings,
            "outputs": self.paths,
        }


def sample_evidence(
    spec: DaskMethod,
    sample: TableSample,
    target: str,
    unlabeled_value: Any,
    random_state: int,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """The held-out check under the engine: ``spec``'s in-memory twin against the supervised
    baseline, cross-validated on the labeled rows of the ``sample``, with at most
    :data:`EVIDENCE_POOL` of its unlabeled rows as the pool
    (:func:`~fewlabels.evidence.compare_with_supervised`)."""
    from ..evidence import compare_with_supervised
    from ..workflow import prepare_target

    frame, labeled = sample.frame, sample.labeled
    unl = np.flatnonzero(~labeled)
    if len(unl) > EVIDENCE_POOL:
        pick = np.random.default_rng(random_state).choice(unl, EVIDENCE_POOL, replace=False)
        frame = frame.iloc[np.sort(np.r_[np.flatnonzero(labeled), pick])]
    X, y, _ = prepare_target(frame, target, unlabeled_value)
    ev = compare_with_supervised(
        lambda: spec.twin(random_state),
        lambda: _supervised(random_state),
        X,
        y,
        method_name=spec.name,
        baseline_name="supervised",
        random_state=random_state,
        progress=progress,
    )
    ev.semi_supervised = True
    return ev


def _beats_baseline(ev: Any) -> tuple[bool, str]:
    """Whether the method beat the supervised baseline by more than one standard error of
    the paired fold differences, and the sentence saying so."""
    from ..evidence import paired_difference

    if not ev.available:
        return False, f"no held-out check was possible ({ev.verdict()})"
    diff, se = paired_difference(ev.method_scores, ev.baseline_scores)
    if np.isfinite(diff) and diff > se:
        return True, f"it beat the supervised baseline by {diff:+.3f} accuracy (SE {se:.3f})"
    return False, (
        f"it did not beat the supervised baseline by more than one standard error on the "
        f"sample's held-out labels ({diff:+.3f} accuracy, SE {se:.3f})"
    )


def fit_table_dask(
    data: Any,
    target: str,
    method: str = "auto",
    out: str | os.PathLike[str] | None = None,
    *,
    cluster: DaskCluster | None = None,
    random_state: int = 0,
    unlabeled_value: Any = None,
    progress: Progress | None = None,
    sample_rows: int | None = None,
    task: str | None = None,
    evidence: bool = True,
) -> DaskFitResult:
    """:func:`~fewlabels.workflow.fit_table` on a partitioned Parquet dataset, on Dask.

    Writes into ``out``, all or nothing (:class:`~fewlabels.data.publish.Run`):
    ``model.skops`` (loadable by ``fewlabels predict``, with or without the engine),
    ``predictions/`` (a Parquet folder, one file per partition: the input's columns,
    ``prediction`` and one ``proba_<class>`` column per class), ``report.html`` (built from
    :class:`TableSample`; it says how big) and the manifest ``run.json``.

    Parameters
    ----------
    data : str, path or dask.dataframe.DataFrame
        A folder or glob of Parquet files. Never modified.
    target : str
        The class label column; blank cells (or -1, or ``unlabeled_value``) are unlabeled.
    method : str, default="auto"
        One of :data:`DASK_METHODS`, or an alias of :data:`DASK_ALIASES`.
    out : path, optional
        None writes nothing.
    cluster : DaskCluster, optional
        Default: a local cluster sized to this machine.
    random_state : int, default=0
    unlabeled_value : scalar, optional
    progress : callable(stage, done, total), optional
    sample_rows : int, optional
        The report's sample size; default :data:`SAMPLE_ROWS`.
    task : {"classification"}, optional
        The engine learns class labels. By default a target that reads as a quantity
        (:func:`~fewlabels.data.infer_task` on the sample's labeled rows) is refused;
        ``"classification"`` reads it as classes anyway.
    evidence : bool, default=True
        Cross-validate the method's in-memory twin against the supervised baseline on the
        sample's labeled rows (:func:`sample_evidence`). ``auto`` keeps self-training only
        where it wins there; otherwise it fits the supervised baseline, and says why.

    Returns
    -------
    DaskFitResult

    Raises
    ------
    InputError
        Bad input, or a method without a Dask path.
    ScaleError
        A partition failed or a worker died (one line); nothing is written then.
    """
    from ..base import labels_from_proba
    from ..data.io import write_text
    from ..data.labels import infer_task, to_python
    from ..methods import get_method
    from ..persist import save_model
    from ..workflow import _one_class_warning, open_outputs, prepare_target
    from .engine import as_partitions
    from .predict import write_predictions

    report = progress or _noop
    if task not in (None, "classification"):
        raise InputError(f"--task {task} has no Dask path; --engine dask learns class labels")
    spec, reason = dask_method(method)
    cluster = cluster or DaskCluster()
    ddf = read_dask_table(data)
    _check_column(ddf, target)
    names = {"model": "model.skops", "predictions": "predictions", "report": "report.html"}
    with open_outputs(out, names, data) as (paths, run), cluster.start() as client:
        engine = _engine_summary(client, cluster)
        report("reading the labels and a sample for the report", 0, 1)
        parts = as_partitions(ddf, target, unlabeled_value=unlabeled_value)
        sample = draw_sample(parts, int(sample_rows or SAMPLE_ROWS), random_state)
        if task is None:
            kind, why = infer_task(sample.frame[target], unlabeled_value)
            if kind != "classification":
                raise InputError(
                    f"target {target!r}: {why}; --engine dask learns class labels: give "
                    "--task classification to read its values as classes, or run without "
                    "--engine"
                )
        _, y_sample, _ = prepare_target(sample.frame, target, unlabeled_value)  # >= 2 classes
        report("reading the labels and a sample for the report", 1, 1)
        ev = None
        if evidence and get_method(spec.name).semi_supervised:  # not the baseline itself
            stage = f"checking {spec.name} against the supervised baseline on the sample"

            def fold(done: int, total: int) -> None:
                report(stage, done, total)

            ev = sample_evidence(spec, sample, target, unlabeled_value, random_state, fold)
            wins, why = _beats_baseline(ev)
            if method in GUARDED_ALIASES and not wins:
                spec = DASK_METHODS["supervised"]
                reason = (
                    f"{method} under --engine dask fitted the supervised baseline: "
                    f"self-training was cross-validated on the sample and {why}"
                )
                ev.kept_baseline = True
            elif method in GUARDED_ALIASES:
                reason = f"{reason}; on the sample {why}"
        report(f"fitting {spec.name} on Dask", 0, 1)
        estimator = spec.fit(
            ddf, target, unlabeled_value=unlabeled_value, random_state=random_state
        )
        model = _table_model(estimator, parts.features, ddf._meta)
        report(f"fitting {spec.name} on Dask", 1, 1)
        classes = [to_python(c) for c in model.classes_]
        proba = np.asarray(model.predict_proba(sample.frame))
        one_class = _one_class_warning(labels_from_proba(model, proba), model.classes_)
        warnings = [one_class] if one_class else []
        if ev is not None and not ev.kept_baseline and ev.available and ev.gain()[2] < 0:
            warnings.append(
                f"{spec.name} is worse than the supervised baseline on the sample's held-out "
                f"labels: {ev.verdict()}"
            )
        for w in warnings:
            logger.warning("%s", w)
        result = DaskFitResult(
            model,
            spec.name,
            reason,
            target,
            classes,
            sample.n_rows,
            sample.n_labeled,
            sample.n_partitions,
            sample.to_dict(),
            engine,
            warnings=warnings,
            evidence=ev.to_dict() if ev is not None else None,
        )
        if run is not None:
            report("writing outputs", 0, 1)
            schema = _schema(estimator, sample.frame.drop(columns=[target]))
            meta = {
                "method": spec.name,
                "target": target,
                "task": "classification",
                "task_reason": "--engine dask learns class labels",
                "method_reason": reason,
                "classes": classes,
                "schema": schema,
                "n_rows": sample.n_rows,
                "n_labeled": sample.n_labeled,
                "missing_values": None,
                "engine": "dask",
            }
            save_model(model, run.path(names["model"]), meta)
            run.checkpoint("after-model")
            report("predicting every partition", 0, 1)
            write_predictions(
                model,
                ddf,
                run.path(names["predictions"]),
                proba=True,
                keep=_prediction_columns(list(ddf.columns), model.classes_, True),
            )
            report("predicting every partition", 1, 1)
            run.checkpoint("after-predictions")
            write_text(
                run.path(names["report"]),
                _fit_report(result, spec, estimator, sample, y_sample, schema, proba),
            )
            run.checkpoint("after-report")
            result.paths = {k: str(v) for k, v in paths.items()}
            report("writing outputs", 1, 1)
    return result


def _schema(estimator: Any, X: pd.DataFrame) -> dict[str, Any]:
    """The column schema the estimator's encoder saw, else the sample's."""
    steps = getattr(estimator, "named_steps", {})
    for encoder in (
        steps.get("encode"),
        getattr(estimator, "table_encoder_", None),
        getattr(estimator, "scaler_", None),
    ):
        if encoder is not None and hasattr(encoder, "schema_"):
            return dict(encoder.schema_)
    from ..data.schema import infer_schema

    return infer_schema(X).to_dict()


def _fit_report(
    result: DaskFitResult,
    spec: DaskMethod,
    estimator: Any,
    sample: TableSample,
    y: Any,
    schema: dict[str, Any],
    P: np.ndarray,
) -> str:
    from .._version import __version__
    from ..base import labels_from_proba
    from ..report import Section, esc, render_page, table
    from ..report.sections import data_section, method_section, warnings_section

    pred = pd.Series(labels_from_proba(result.model, P))
    conf = P.max(axis=1)
    labeled = sample.labeled
    truth = pd.Series(y.labels())
    engine = result.engine
    where = (
        f"the scheduler at <code>{esc(engine['scheduler'])}</code>"
        if engine["scheduler"] != "local"
        else "a local cluster"
    )
    workers = f", {engine['workers']} worker(s)" if engine.get("workers") else ""
    intro = (
        f'<p class="verdict neutral">This report was built from {esc(sample.note())}: '
        f"{len(sample.frame):,} rows in all. The model was fitted on every row, on Dask "
        f"({where}{workers}, {result.n_partitions:,} partitions); the predictions of every "
        "row are in the predictions folder.</p>"
    )
    share = result.n_labeled / max(result.n_rows, 1)
    data_intro = (
        f"<p>{result.n_rows:,} rows; {result.n_labeled:,} labeled ({share:.1%}) in target "
        f"column <code>{esc(result.target)}</code>, {result.n_rows - result.n_labeled:,} "
        "unlabeled. The column summary below is of the rows the encoder was fitted on.</p>"
    )
    method = method_section(result.method, spec.summary, estimator.get_params(deep=False))
    if result.method_reason:
        method.body = f"<p>{esc(result.method_reason)}.</p>" + method.body
    history = getattr(estimator, "history_", None)
    if history:
        method.body += "<h3>Rounds</h3>" + table(
            ["round", "pool rows", "above the threshold", "pseudo-labels", "mean confidence"],
            [
                (
                    h["iteration"],
                    f"{h['n_pool']:,}",
                    f"{sum(h['above_threshold_per_class'].values()):,}",
                    f"{h['n_added']:,}",
                    f"{h['mean_confidence']:.3f}",
                )
                for h in history
            ],
            numeric_cols=[0, 1, 2, 3, 4],
        )
    counts = pred[~labeled].astype(str).value_counts().sort_index()
    n_unl = int((~labeled).sum())
    body = [
        f"<h3>Predicted classes (the sample's {n_unl:,} unlabeled rows)</h3>",
        table(
            ["class", "rows", "share"],
            [(k, f"{v:,}", f"{v / max(n_unl, 1):.1%}") for k, v in counts.items()],
            numeric_cols=[1, 2],
        ),
    ]
    if labeled.any():
        agree = float(
            (pred[labeled].astype(str).to_numpy() == truth[labeled].astype(str).to_numpy()).mean()
        )
        body.append(
            f"<p>On the {int(labeled.sum()):,} labeled rows, the model agrees with the given "
            f"label for {agree:.1%} of rows (training fit, not a test score).</p>"
        )
    if n_unl:
        q = np.quantile(conf[~labeled], [0.1, 0.25, 0.5, 0.75, 0.9])
        body.append(
            "<p>Confidence (probability of the predicted class) on the sample's unlabeled "
            "rows:</p>"
            + table(
                ["10%", "25%", "median", "75%", "90%"],
                [[f"{v:.3f}" for v in q]],
                numeric_cols=range(5),
            )
        )
    sections = [
        *([warnings_section(result.warnings)] if result.warnings else []),
        Section("How this report was made", intro, "sample"),
        data_section(result.n_rows, result.target, truth, labeled, schema, intro=data_intro),
        method,
        _evidence_section(result.evidence),
        Section("The predictions", "".join(body), "predictions"),
    ]
    return render_page(
        f"fewlabels report: {result.target}",
        sections,
        f"method {result.method} on Dask · fewlabels {__version__}",
    )


def _evidence_section(evidence: dict[str, Any] | None) -> Any:
    from ..report import Section
    from ..report.sections import evidence_section

    if evidence is None:
        return Section(
            "The evidence",
            '<p class="note">Not computed (--no-evidence, or the method is the supervised '
            "baseline itself).</p>",
            "evidence",
        )
    sec = evidence_section(evidence)
    sec.body = (
        '<p class="note">Cross-validated in memory on the sample (every labeled row and at '
        f"most {EVIDENCE_POOL:,} of its unlabeled rows), with the method's in-memory twin: "
        "the same algorithm, a smaller pool than the fit on Dask had.</p>" + sec.body
    )
    return sec


# ---------------------------------------------------------------------------- predict


def _check_prediction_folder(dest: Path, data: Any) -> bool:
    """Whether ``dest`` is a previous predictions folder to replace (False: a new one);
    refuses a file, a folder holding other files, and a folder in or around the input."""
    from ..data.io import ARROW_SUFFIXES, CSV_SUFFIXES

    if dest.suffix.lower() in CSV_SUFFIXES | ARROW_SUFFIXES:
        raise InputError(
            f"-o {dest}: under --engine dask the predictions are a folder of Parquet files; "
            "give a folder name such as predictions/"
        )
    if isinstance(data, (str, os.PathLike)) and not any(ch in os.fspath(data) for ch in "*?["):
        src, out = Path(data).resolve(), dest.resolve()
        if out == src or src in out.parents or out in src.parents:
            raise InputError(
                f"-o {dest} is the input folder, in it or around it; choose another -o"
            )
    if not dest.exists():
        return False
    if not dest.is_dir():
        raise InputError(f"-o {dest} is a file; under --engine dask give a folder name")
    other = [
        p.name
        for p in dest.iterdir()
        if p.suffix.lower() != ".parquet" and p.name not in {"_metadata", "_common_metadata"}
    ]
    if other:
        raise InputError(
            f"-o {dest} holds other files ({', '.join(sorted(other)[:5])}); the predictions "
            "replace the whole folder, so give a new or empty folder"
        )
    return True


def predict_table_dask(
    model: Any,
    data: Any,
    out: str | os.PathLike[str],
    *,
    proba: bool = False,
    cluster: DaskCluster | None = None,
) -> dict[str, Any]:
    """:func:`~fewlabels.workflow.predict_table` partition by partition: the predictions of
    a saved model (a path) or a fitted one for every row of a partitioned Parquet dataset,
    written atomically to the Parquet folder ``out`` (a previous predictions folder there is
    replaced).

    The columns: the input's, ``prediction`` and, with ``proba``, one ``proba_<class>``
    column per class. A saved fit that recalibrated its probabilities applies that
    temperature, as ``fewlabels predict`` does.

    Returns
    -------
    dict
        ``rows``, ``output``, ``partitions`` and ``engine``.
    """
    from ..data.publish import verify_manifest
    from ..persist import load_model
    from .predict import write_predictions

    temperature = None
    if isinstance(model, (str, os.PathLike)):
        verify_manifest(model)
        loaded = load_model(model)
        model = loaded.model
        cal = loaded.metadata.get("calibration") or {}
        temperature = float(cal["temperature"]) if cal.get("apply") else None
    if not hasattr(model, "predict_proba"):
        raise InputError(
            "this model predicts numbers (a regression), which has no Dask path yet; predict "
            "without --engine"
        )
    dest = Path(out)
    replace = _check_prediction_folder(dest, data)
    cluster = cluster or DaskCluster()
    ddf = read_dask_table(data)
    applied = CalibratedModel(model, temperature) if temperature is not None else model
    with cluster.start() as client:
        engine = _engine_summary(client, cluster)
        write_predictions(
            applied,
            ddf,
            dest,
            proba=proba,
            keep=_prediction_columns(list(ddf.columns), model.classes_, proba),
            overwrite=replace,
        )
    import pyarrow.parquet as pq

    files = sorted(dest.glob("*.parquet"))
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    return {"rows": int(rows), "output": str(dest), "partitions": len(files), "engine": engine}


# ---------------------------------------------------------------------------- query


def query_table_dask(
    data: Any,
    target: str,
    n: int = 20,
    out: str | os.PathLike[str] | None = None,
    *,
    strategy: str | None = None,
    method: str = "auto",
    unlabeled_value: Any = None,
    random_state: int = 0,
    cluster: DaskCluster | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """:func:`~fewlabels.active.workflow.query_table` on Dask: ``method``'s Dask path is
    fitted on every row, every unlabeled row is scored partition by partition, and the
    ``n`` most uncertain come back (one top-k reduction). The file written has the same
    columns as ``fewlabels query``'s: ``row`` (the row's position in the table),
    ``guess``, ``confidence``, ``reason``, then the row (the target blank).

    ``strategy`` is one of :data:`DASK_STRATEGIES` (default margin): the diversity and
    density strategies need every candidate in one process. A cold start (no label, or
    one class) has no Dask path either.
    """
    from ..active.strategies import _uncertainty_reason
    from ..active.workflow import QUERY_COLUMNS, _check_out, _fresh
    from ..data.io import write_table
    from ..data.labels import to_python
    from .predict import score_active_dask

    report = progress or _noop
    if isinstance(n, bool) or int(n) < 1:
        raise InputError(f"--n must be at least 1; got {n}")
    name = strategy or DASK_DEFAULT_STRATEGY
    if name not in DASK_STRATEGIES:
        raise InputError(
            f"strategy {name!r} has no Dask path (it needs every candidate row in one "
            f"process); with --engine dask use --strategy {', '.join(DASK_STRATEGIES)} "
            f"(default {DASK_DEFAULT_STRATEGY}), or run without --engine"
        )
    utility = DASK_STRATEGIES[name]
    spec, reason = dask_method(method)
    dest = _check_out(out, data) if out is not None else None
    cluster = cluster or DaskCluster()
    ddf = read_dask_table(data)
    _check_column(ddf, target)
    with cluster.start() as client:
        engine = _engine_summary(client, cluster)
        report(f"fitting {spec.name} on Dask", 0, 1)
        estimator = spec.fit(
            ddf, target, unlabeled_value=unlabeled_value, random_state=random_state
        )
        report(f"fitting {spec.name} on Dask", 1, 1)
        report(f"scoring every unlabeled row ({name})", 0, 1)
        top = score_active_dask(
            estimator,
            _blank_unlabeled_value(ddf, target, unlabeled_value),
            target,
            strategy=utility,
            k=int(n),
        )
        n_rows = int(len(ddf))
        report(f"scoring every unlabeled row ({name})", 1, 1)
    if not len(top):
        raise InputError(f"every row of {target!r} is labeled already; there is nothing to query")
    features = list(
        getattr(estimator, "feature_names_in_", [c for c in ddf.columns if c != target])
    )
    classes = np.asarray(estimator.classes_)
    P = np.asarray(estimator.predict_proba(top[features]))
    rows = top[features].copy()
    rows[target] = pd.Series([None] * len(top), dtype=object, index=rows.index)
    rows = rows[[c for c in ddf.columns if c in rows.columns]].reset_index(drop=True)
    taken = set(map(str, rows.columns))
    meta = {c: _fresh(c, taken) for c in QUERY_COLUMNS}
    utilities = top["utility"].to_numpy(dtype=float)
    head = pd.DataFrame(
        {
            meta["row"]: top["row_id"].to_numpy(dtype=np.int64),
            meta["guess"]: pd.Series(
                [to_python(c) for c in classes[P.argmax(axis=1)]], dtype=object
            ),
            meta["confidence"]: P.max(axis=1).round(4),
            meta["reason"]: [
                _uncertainty_reason(utility, P[i], classes, utilities[i]) for i in range(len(top))
            ],
        }
    )
    n_labeled = int(estimator.n_labeled_)
    n_unlabeled = n_rows - n_labeled
    summary: dict[str, Any] = {
        "rows": n_rows,
        "labeled_rows": n_labeled,
        "unlabeled_rows": n_unlabeled,
        "method": spec.name,
        "method_reason": reason,
        "strategy": name,
        "cold_start": False,
        "queried": int(len(top)),
        "scored": n_unlabeled,
        "note": f"{name} scored all {n_unlabeled:,} unlabeled rows, partition by partition",
        "picked": top["row_id"].astype(int).tolist(),
        "output": None if dest is None else str(dest),
        "engine": engine,
    }
    if dest is not None:
        report("writing outputs", 0, 1)
        write_table(pd.concat([head, rows], axis=1), dest)
        report("writing outputs", 1, 1)
    return summary


# ---------------------------------------------------------------------------- check


def _labeled_sample(
    ddf: Any,
    target: str,
    unlabeled_value: Any,
    sample_rows: int | None,
    random_state: int,
    report: Progress,
) -> tuple[Any, TableSample, pd.DataFrame, Any]:
    """The table's partitions, its :class:`TableSample` and the sample's features and
    parsed target: what the commands that judge in memory start from."""
    from ..workflow import prepare_target
    from .engine import as_partitions

    report("collecting the labeled rows and a sample", 0, 1)
    parts = as_partitions(ddf, target, unlabeled_value=unlabeled_value)
    sample = draw_sample(parts, int(sample_rows or SAMPLE_ROWS), random_state)
    report("collecting the labeled rows and a sample", 1, 1)
    X, y, _ = prepare_target(sample.frame, target, unlabeled_value)
    return parts, sample, X, y


def check_table_dask(
    data: Any,
    target: str,
    out: str | os.PathLike[str] | None = None,
    *,
    method: str = "supervised",
    filter_by: str = "prune_by_noise_rate",
    cv: int = 5,
    unlabeled_value: Any = None,
    random_state: int = 0,
    cluster: DaskCluster | None = None,
    progress: Progress | None = None,
    sample_rows: int | None = None,
) -> dict[str, Any]:
    """:func:`~fewlabels.noise.workflow.check_table` on a partitioned Parquet dataset.

    The labels are judged in memory, as ``fewlabels check`` judges them, on
    :class:`TableSample` (every labeled row, and a sample of unlabeled rows for a
    semi-supervised ``method``): the distributed part is the one pass that collects them,
    so any method works, and on a table smaller than ``sample_rows`` the result is the
    single-process one. ``label_issues.csv`` gives each row's position in the whole table.
    """
    from ..methods import get_method, make_model
    from ..noise.workflow import _check_and_write, check_options
    from ..report import esc
    from ..workflow import open_outputs

    report = progress or _noop
    check_options(filter_by, cv)
    spec = get_method(method, task="classification")
    cluster = cluster or DaskCluster()
    ddf = read_dask_table(data)
    _check_column(ddf, target)
    names = {"issues": "label_issues.csv", "report": "report.html"}
    with open_outputs(out, names, data) as (paths, run):
        with cluster.start() as client:
            engine = _engine_summary(client, cluster)
            parts, sample, X, y = _labeled_sample(
                ddf, target, unlabeled_value, sample_rows, random_state, report
            )
        frame = sample.frame
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
            ids=sample.ids,
            n_rows=sample.n_rows,
            extra={"engine": engine, "sample": sample.to_dict()},
            scope=(
                f"{sample.n_rows:,} rows in {sample.n_partitions:,} partitions, read on Dask; "
                f"the labels were judged in memory on {esc(sample.note())}."
            ),
            note=" Rows are numbered by their position in the whole table.",
            footer=" on Dask",
        )


# ---------------------------------------------------------------------------- weak


def _class_values(values: Any, classes: list[Any]) -> Any:
    """Class labels (None where missing) as a column every partition types alike: nullable
    integers for whole-number classes, else text."""
    if all(isinstance(c, (bool, np.bool_)) for c in classes):
        return pd.array(values, dtype="boolean")
    if all(isinstance(c, (int, np.integer)) for c in classes):
        return pd.array(values, dtype="Int64")
    return pd.array([None if v is None else str(v) for v in values], dtype="string")


def _votes_partition(
    part: pd.DataFrame,
    lfs: list[Any],
    classes: list[Any],
    features: list[Any],
    target: str,
    labeled: Any,
) -> pd.DataFrame:
    """A partition's votes (``lf_<j>``, whatever the LFs are called) and its label codes
    (``label``, -1 unlabeled)."""
    from ..weak.apply import _partition_labels

    votes = _partition_labels(part[features], lfs, classes, False)
    votes.columns = [f"lf_{j}" for j in range(len(lfs))]
    y = part[target]
    lookup = {c: i for i, c in enumerate(classes)}
    codes = np.array([lookup.get(v, -1) for v in y.astype(object)], dtype=np.int64)
    votes["label"] = np.where(y.isin(labeled).to_numpy(dtype=bool), codes, -1)
    return votes


def _weak_labels_partition(
    part: pd.DataFrame,
    lfs: list[Any],
    classes: list[Any],
    features: list[Any],
    target: str,
    labeled: Any,
    model: Any,
    label_model: Any,
    offsets: np.ndarray,
    partition_info: dict | None = None,
) -> pd.DataFrame:
    """One partition's rows of ``labels/``: the columns of ``fewlabels weak``'s labels.csv."""
    from ..weak.apply import PandasLFApplier

    n, K = len(part), len(classes)
    number = None if partition_info is None else partition_info.get("number")
    if number is None and n:  # pragma: no cover - Dask always passes it to a real partition
        raise RuntimeError("Dask gave no partition number; the row numbers would be wrong")
    start = int(offsets[number]) if number is not None else 0
    L = PandasLFApplier(lfs).apply(part[features], classes)
    P = label_model.predict_proba(L)
    proba = np.asarray(model.predict_proba(part[features])) if n else np.zeros((0, K))
    covered = (L >= 0).any(axis=1)
    names = np.asarray(classes, dtype=object)

    def named(codes: np.ndarray, where: Any) -> Any:  # class names, None elsewhere
        values = np.full(n, None, dtype=object)
        values[where] = names[codes[where]]
        return _class_values(values, classes)

    out = {
        "row": np.arange(start, start + n, dtype=np.int64),
        "weak_label": named(P.argmax(axis=1), covered),
        "weak_confidence": np.where(covered, P.max(axis=1), np.nan),
        "votes": (L >= 0).sum(axis=1).astype(np.int64),
        "predicted": named(proba.argmax(axis=1), np.ones(n, dtype=bool)),
        "confidence": proba.max(axis=1),
        "was_labeled": part[target].isin(labeled).to_numpy(dtype=bool),
    }
    for j, lf in enumerate(lfs):
        out[f"lf_{lf.name}"] = named(L[:, j].astype(np.int64), L[:, j] >= 0)
    return pd.DataFrame(out, index=part.index)


def weak_table_dask(
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
    cluster: DaskCluster | None = None,
    progress: Progress | None = None,
    sample_rows: int | None = None,
) -> dict[str, Any]:
    """:func:`~fewlabels.weak.workflow.weak_table` on a partitioned Parquet dataset.

    The LFs vote on every row partition by partition. The label model and the end model
    are chosen as ``fewlabels weak`` chooses them, on :class:`TableSample` (every labeled
    row and a sample of unlabeled ones). A label model that learns from the votes alone is
    then refitted on every row's votes (:func:`~fewlabels.weak.fit_label_model_dask`
    counts the vote patterns across partitions), and ``labels/`` (a Parquet folder, one
    file per partition, the columns of ``labels.csv``) gives every row its weak label and
    the end model's prediction. ``lf_summary.csv``, ``model.skops`` and ``report.html``
    come from the sample; the report says so. With a refit the LFs run twice over the
    table (once to count the vote patterns, once to write the labels), which holds no
    partition's votes longer than its task.
    """
    from ..report import esc
    from ..weak.apply import apply_lfs
    from ..weak.label_models import UNSUPERVISED_LABEL_MODELS, fit_label_model_dask
    from ..weak.workflow import (
        _summarise_and_write,
        check_weak_options,
        fit_weak_model,
        resolve_lfs,
    )
    from ..workflow import open_outputs
    from .predict import write_parquet_folder

    report = progress or _noop
    check_weak_options(cv, repeats)
    functions = resolve_lfs(lfs)
    cluster = cluster or DaskCluster()
    ddf = read_dask_table(data)
    _check_column(ddf, target)
    names = {
        "labels": "labels",
        "lf_summary": "lf_summary.csv",
        "model": "model.skops",
        "report": "report.html",
    }
    with open_outputs(out, names, data) as (paths, run), cluster.start() as client:
        engine = _engine_summary(client, cluster)
        parts, sample, X, y = _labeled_sample(
            ddf, target, unlabeled_value, sample_rows, random_state, report
        )
        frame = sample.frame
        classes = list(y.classes)
        report("applying the labeling functions to the sample", 0, 1)
        L = apply_lfs(functions, X, classes=classes)
        report("applying the labeling functions to the sample", 1, 1)
        model = fit_weak_model(X, y, L, label_model, cv, repeats, random_state, report)
        clf = model.named_steps["model"]
        full_lm = clf.label_model_
        # majority vote's soft labels are the vote shares: nothing to refit
        refit = clf.label_model_name_ in UNSUPERVISED_LABEL_MODELS[1:]
        features = list(X.columns)
        if refit:
            report("fitting the label model on every row's votes", 0, 1)
            meta = pd.DataFrame(
                {f"lf_{j}": pd.Series([], dtype=np.int16) for j in range(len(functions))}
            ).assign(label=pd.Series([], dtype=np.int64))
            votes = ddf.map_partitions(
                _votes_partition, functions, classes, features, target, parts.labeled,
                meta=meta, align_dataframes=False,
            )  # fmt: skip
            full_lm = fit_label_model_dask(
                clf.label_model_name_, votes, len(classes), label_column="label"
            )
            report("fitting the label model on every row's votes", 1, 1)

        def write_labels(dest: Path) -> None:
            args = (functions, classes, features, target, parts.labeled, model, full_lm)
            empty = _weak_labels_partition(ddf._meta, *args, parts.offsets)
            lazy = ddf.map_partitions(
                _weak_labels_partition, *args, parts.offsets, meta=empty, align_dataframes=False
            )
            report("labeling every partition", 0, 1)
            write_parquet_folder(lazy, dest, "writing the weak labels")
            report("labeling every partition", 1, 1)

        chosen = esc(clf.label_model_name_)
        if refit:
            fitted_on = (
                f"its {chosen} label model was refitted on the votes of all {sample.n_rows:,} "
                "rows (labels/ uses it)"
            )
        elif clf.label_model_name_ == "majority":
            fitted_on = "majority vote needs no refit: its soft labels are each row's vote shares"
        else:
            fitted_on = (
                f"its {chosen} label model learns from the labels, all of which are in the sample"
            )
        scope = (
            f"{sample.n_rows:,} rows in {sample.n_partitions:,} partitions, read on Dask. The "
            f"label model and the end model were chosen and fitted in memory on "
            f"{esc(sample.note())}; {fitted_on}. The tables above are the sample's."
        )
        summary = _summarise_and_write(
            frame, X, y, target, L, [lf.name for lf in functions], model, clf, run, names,
            paths, report, write_labels=write_labels if run is not None else None,
            extra={"engine": engine, "sample": sample.to_dict(), "table_rows": sample.n_rows},
            scope=scope,
        )  # fmt: skip
    return summary
