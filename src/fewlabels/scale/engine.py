"""The Dask engine: start or join a cluster, and run a function over every partition.

Everything at scale in fewlabels is one of two patterns over the partitions of a table:
a *map* whose per-partition output is small (candidates for pseudo-labels, sums of a
graph's anchor products, the top rows of a query) followed by one reduction on the
client, or a *map* whose output is as long as the input (predictions), written to Parquet.
:class:`DaskPartitions` runs the first pattern on a Dask DataFrame;
:class:`MemoryPartitions` runs the very same functions on an in-memory table (optionally
cut in chunks), which is how the single-process estimators share the code and how the
tests show that both give the same model.

Randomness never depends on where a row sits in a partition: a row's identity is its
global position in the table (the offset of its partition plus its position inside), and
every random choice reads :func:`row_uniform` of that position, so the same seed gives the
same choice whatever the partitioning.

Nothing here imports Dask at import time; the ``dask`` extra is needed only to run it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import FewLabelsError, InputError, MissingDependencyError

__all__ = [
    "DaskPartitions",
    "MemoryPartitions",
    "PartitionError",
    "ScaleError",
    "as_partitions",
    "read_partitioned",
    "row_uniform",
    "start_engine",
]

logger = logging.getLogger(__name__)

#: The most distinct target values a class target may have at scale (beyond: not classes).
MAX_DISTINCT_TARGET = 10_000

PartitionFn = Callable[..., Any]


class ScaleError(FewLabelsError):
    """A distributed computation failed (a partition raised, or a worker died); the
    message is one line naming what failed and where."""


class PartitionError(ScaleError):
    """A function raised on one partition; the message names the partition and its rows."""


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _require_dask(purpose: str) -> None:
    try:
        import dask  # noqa: F401
        import dask.dataframe  # noqa: F401
    except ImportError:
        raise MissingDependencyError("dask", "dask", purpose) from None


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def start_engine(
    engine: str = "dask",
    scheduler: str | None = None,
    n_workers: int | None = None,
    memory_limit: str | int | None = None,
    *,
    threads_per_worker: int = 1,
    processes: bool = True,
) -> Iterator[Any]:
    """A Dask ``distributed.Client``: on a new local cluster, or on the cluster at ``scheduler``.

    Parameters
    ----------
    engine : {"dask"}
        The only engine.
    scheduler : str, optional
        The address of a running scheduler (``tcp://10.0.0.5:8786``: dask-jobqueue,
        Kubernetes or ``dask scheduler``); nothing else changes. None starts a
        ``LocalCluster`` sized to this machine.
    n_workers : int, optional
        Local workers; default one per CPU core available to this process.
    memory_limit : str or int, optional
        Per local worker (``"4GB"``); default Dask's share of the machine's memory. A
        worker above it is restarted by its nanny, and the task retried.
    threads_per_worker : int, default=1
    processes : bool, default=True
        Local workers in their own processes (False: threads of this process, for tests).

    Yields
    ------
    distributed.Client
        Closed, and the local cluster stopped, on exit.

    Examples
    --------
    >>> with start_engine(n_workers=1, processes=False) as client:  # doctest: +SKIP
    ...     print(len(client.scheduler_info()["workers"]))
    1
    """
    if engine != "dask":
        raise InputError(f"unknown engine {engine!r}; the only engine is 'dask'")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise MissingDependencyError("distributed", "dask", "the Dask engine") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise ScaleError(
                f"cannot reach the Dask scheduler at {scheduler!r} ({_one_line(str(exc))}); "
                "check the address and that the scheduler is running"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    n = int(n_workers) if n_workers is not None else _cpu_count()
    if n < 1:
        raise InputError(f"n_workers must be at least 1, got {n_workers}")
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=threads_per_worker,
        processes=processes,
        memory_limit="auto" if memory_limit is None else memory_limit,
        dashboard_address=":0",
    )
    client = Client(cluster)
    logger.info("local Dask cluster: %d worker(s), %s", n, cluster.dashboard_link or "no dashboard")
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def read_partitioned(source: Any, columns: Sequence[str] | None = None) -> Any:
    """A Dask DataFrame over a partitioned Parquet dataset: a directory, a glob of files,
    or a list of files (one partition per file or row group, as Dask reads them).

    Raises
    ------
    InputError
        When nothing matches ``source``.
    """
    _require_dask("reading a partitioned Parquet dataset")
    import glob

    import dask.dataframe as dd

    paths: Any = source
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if any(ch in text for ch in "*?["):
            paths = sorted(glob.glob(text))
            if not paths:
                raise InputError(f"no file matches {text!r}; give a Parquet directory or glob")
        elif not os.path.exists(text):
            raise InputError(f"{text!r} does not exist; give a Parquet directory or glob")
    return dd.read_parquet(paths, columns=list(columns) if columns is not None else None)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def row_uniform(ids: Any, seed: int, salt: int = 0) -> np.ndarray:
    """A uniform number in [0, 1) for each row identity, fixed by ``(seed, salt)``.

    A splitmix64 hash of the row's global position: the same row gets the same number
    whatever partition it is in, so every random choice made with it is independent of
    the partitioning.

    Examples
    --------
    >>> u = row_uniform(np.arange(5), seed=0)
    >>> bool(np.all((u >= 0) & (u < 1))), bool(np.array_equal(u[2:], row_uniform([2, 3, 4], 0)))
    (True, True)
    """
    z = np.asarray(ids, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        z = (
            z
            + np.uint64(seed & 0xFFFFFFFF) * _GOLDEN
            + np.uint64(salt & 0xFFFFFFFF) * np.uint64(0xD1B54A32D192ED03)
        )
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def labeled_values(distinct: pd.Series, unlabeled_value: Any = None) -> pd.Series:
    """The target values that mean "labeled", from the target's distinct values.

    :func:`~fewlabels.data.unlabeled_mask` decides from the set of values only (missing
    values, ``unlabeled_value``, and -1 unless several negative values make it a class),
    so applying it to the distinct values decides exactly as on the whole column.
    """
    from ..data.labels import unlabeled_mask

    distinct = distinct.reset_index(drop=True)
    return distinct[~unlabeled_mask(distinct, unlabeled_value)]


class MemoryPartitions:
    """An in-memory table seen as partitions of ``chunk_size`` rows (one when None).

    ``pool`` marks the unlabeled rows; ``y`` holds the raw target (or None).
    """

    def __init__(
        self,
        X: pd.DataFrame,
        pool: np.ndarray,
        y: pd.Series | None = None,
        chunk_size: int | None = None,
    ) -> None:
        self.X, self.pool, self.y = X, np.asarray(pool, dtype=bool), y
        n = len(X)
        step = n if not chunk_size else int(chunk_size)
        self.bounds = [(a, min(a + step, n)) for a in range(0, max(n, 1), max(step, 1))]
        self.n_rows = n
        self.features = [str(c) for c in X.columns]

    @property
    def n_partitions(self) -> int:
        return len(self.bounds)

    def map(self, fn: PartitionFn, *args: Any, what: str = "a computation") -> list[Any]:
        out = []
        for a, b in self.bounds:
            y = None if self.y is None else self.y.iloc[a:b]
            ids = np.arange(a, b, dtype=np.int64)
            out.append(fn(self.X.iloc[a:b], y, ids, self.pool[a:b], *args))
        return out


def _on_partition(
    part: pd.DataFrame,
    number: int,
    offset: int,
    features: list[Any],
    target: Any,
    labeled: pd.Series | None,
    what: str,
    fn: PartitionFn,
    args: tuple[Any, ...],
) -> Any:
    n = len(part)
    try:
        X = part[features]
        y = None if target is None else part[target]
        if y is None or labeled is None:
            pool = np.ones(n, dtype=bool)
        else:
            pool = ~y.isin(labeled).to_numpy(dtype=bool)
        ids = np.arange(offset, offset + n, dtype=np.int64)
        return fn(X, y, ids, pool, *args)
    except FewLabelsError as exc:
        if isinstance(exc, PartitionError):
            raise
        raise PartitionError(
            f"{what} failed on partition {number} (rows {offset}..{offset + n - 1}): "
            f"{_one_line(str(exc))}"
        ) from None
    except Exception as exc:
        raise PartitionError(
            f"{what} failed on partition {number} (rows {offset}..{offset + n - 1}): "
            f"{type(exc).__name__}: {_one_line(str(exc))}"
        ) from None


def compute(tasks: Sequence[Any], what: str) -> list[Any]:
    """``dask.compute(*tasks)``, every failure turned into one :class:`ScaleError` line."""
    import dask

    try:
        return list(dask.compute(*tasks))
    except ScaleError as exc:
        raise type(exc)(_one_line(str(exc))) from None
    except FewLabelsError:
        raise
    except Exception as exc:
        name = type(exc).__name__
        if name == "KilledWorker":
            raise ScaleError(
                f"a Dask worker died while {what} ({_one_line(str(exc), 160)}); it ran out of "
                "memory or was killed: give workers more memory (--memory-limit) or use "
                "smaller partitions"
            ) from None
        raise ScaleError(f"{what} failed: {name}: {_one_line(str(exc))}") from None


def _len_and_values(part: pd.DataFrame, target: Any) -> tuple[int, pd.Series | None]:
    return len(part), None if target is None else part[target].drop_duplicates()


class DaskPartitions:
    """A Dask DataFrame's partitions, each with the global position of its first row.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
    target : str or None
        The target column; its labeled rows are decided by
        :func:`~fewlabels.data.unlabeled_mask` on its distinct values (one pass over the
        column, which also counts the rows of every partition).
    features : list of str, optional
        The feature columns; default every column but the target and ``exclude``.
    exclude : list of str, optional
    unlabeled_value : scalar, optional
    """

    def __init__(
        self,
        ddf: Any,
        target: Any = None,
        features: Sequence[Any] | None = None,
        exclude: Sequence[Any] = (),
        unlabeled_value: Any = None,
    ) -> None:
        _require_dask("scaling out on Dask")
        import dask

        columns = list(ddf.columns)
        if target is not None and target not in columns:
            shown = ", ".join(map(repr, columns[:10]))
            raise InputError(
                f"no column {target!r} in the table (columns: {shown}); check --target"
            )
        if features is None:
            skip = {target, *exclude}
            features = [c for c in columns if c not in skip]
        else:
            missing = [c for c in features if c not in columns]
            if missing:
                raise InputError(f"the table lacks column(s) {missing[:10]}; give the same columns")
        if not features:
            raise InputError("the table has no feature column beside the target")
        self.ddf, self.target, self.features = ddf, target, list(features)
        # the partitions of the whole frame: a projection of it may be partitioned
        # differently (dask-expr fuses small Parquet files by the columns read)
        self._parts = ddf.to_delayed()
        counted = compute(
            [dask.delayed(_len_and_values)(p, target) for p in self._parts],
            "counting the rows of every partition",
        )
        lengths = np.array([n for n, _ in counted], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self.lengths = lengths
        self.n_rows = int(lengths.sum())
        self.labeled: pd.Series | None = None
        if target is not None:
            distinct = pd.concat([v for _, v in counted]).drop_duplicates()
            if len(distinct) > MAX_DISTINCT_TARGET:
                raise InputError(
                    f"the target {target!r} has more than {MAX_DISTINCT_TARGET} distinct values; "
                    "scaling out learns class labels: give a class column"
                )
            self.labeled = labeled_values(distinct, unlabeled_value)

    @property
    def n_partitions(self) -> int:
        return len(self._parts)

    def map(self, fn: PartitionFn, *args: Any, what: str = "a computation") -> list[Any]:
        """``fn(X, y, ids, pool, *args)`` on every partition, computed; the results in
        partition order. ``args`` are shipped once (one graph key each)."""
        import dask

        shared = dask.delayed(args, pure=False, traverse=False)
        labeled = self.labeled
        tasks = [
            dask.delayed(_on_partition, pure=False)(
                p, i, int(o), self.features, self.target, labeled, what, fn, shared
            )
            for i, (p, o) in enumerate(zip(self._parts, self.offsets, strict=True))
        ]
        return compute(tasks, what)


def as_partitions(
    data: Any,
    target: Any = None,
    *,
    features: Sequence[Any] | None = None,
    exclude: Sequence[Any] = (),
    unlabeled_value: Any = None,
) -> DaskPartitions:
    """``data`` (a Dask DataFrame, or a Parquet directory or glob) as :class:`DaskPartitions`."""
    if isinstance(data, (str, os.PathLike)):
        data = read_partitioned(data)
    if not hasattr(data, "to_delayed") or not hasattr(data, "map_partitions"):
        raise InputError(
            f"expected a Dask DataFrame or a Parquet directory/glob, got {type(data).__name__}"
        )
    return DaskPartitions(data, target, features, exclude, unlabeled_value)


def concat_frames(frames: Sequence[pd.DataFrame], columns: dict[str, Any]) -> pd.DataFrame:
    """Concatenate small per-partition frames (an empty frame of ``columns`` when none)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype=d) for c, d in columns.items()})
    return pd.concat(frames, ignore_index=True)


def top_rows(frame: pd.DataFrame, key: str, k: int, ascending: bool = False) -> pd.DataFrame:
    """The ``k`` rows with the largest (or smallest) ``key``, ties by ``row_id``; the same
    rows from a per-partition top-k merged as from the whole table."""
    if k <= 0 or not len(frame):
        return frame.iloc[:0]
    primary = frame[key].to_numpy(dtype=float)
    order = np.lexsort((frame["row_id"].to_numpy(), primary if ascending else -primary))
    return frame.iloc[order[:k]]
