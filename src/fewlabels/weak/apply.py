"""Appliers: run labeling functions over a table and return the label matrix ``L``.

``L`` has one row per table row and one column per LF, holding class codes and
:data:`~fewlabels.weak.lfs.ABSTAIN` (-1), as a small integer array (``int16``). The pandas
applier calls a vectorised LF once on the whole table and a row-wise LF once per row; the
Dask applier runs the same code on each partition through ``map_partitions`` with an
explicit ``meta``, so no LF ever runs on the fake rows that Dask's meta inference makes
up (the cause of snorkel's ``DaskLFApplier`` failure on pandas 3 string columns).

Both appliers hand row-wise LFs the same row values: a missing cell is NaN in every column
kind (never ``pd.NA``), whether pandas stores the column as ``str``, ``string[pyarrow]`` or
object. An LF that raises stops the run with one
:class:`~fewlabels.exceptions.InputError` line naming the LF and the row, unless
``fault_tolerant=True``, which counts the faults per LF (``faults_``) and abstains.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError
from .lfs import ABSTAIN, LabelingFunction, _SnorkelLF, as_labeling_functions

__all__ = ["DaskLFApplier", "LFApplyError", "PandasLFApplier", "apply_lfs", "with_labels"]

logger = logging.getLogger(__name__)


class LFApplyError(InputError):
    """A labeling function raised, or returned a vote that is not a class, on a row."""


class _Row(Mapping[str, Any]):
    """One row, read by column name as ``x["col"]`` or ``x.col``; ``x.name`` is its index."""

    __slots__ = ("_cols", "_i", "name")

    def __init__(self, cols: dict[Any, np.ndarray], i: int, name: Any) -> None:
        self._cols, self._i, self.name = cols, i, name

    def __getitem__(self, key: Any) -> Any:
        try:
            return self._cols[key][self._i]
        except KeyError:
            raise KeyError(f"no column {key!r} in the table") from None

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._cols[key][self._i]
        except KeyError:
            raise AttributeError(f"the table has no column {key!r}") from None

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cols)

    def __len__(self) -> int:
        return len(self._cols)


def _label(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _column_values(s: pd.Series) -> np.ndarray:
    """A column's values as row-wise LFs see them: floats stay floats, everything else is an
    object array whose missing cells are NaN."""
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiub":
        return s.to_numpy()
    return s.to_numpy(dtype=object, na_value=np.nan)


def _as_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    from ..data.encoder import _is_table
    from ..data.io import as_pandas

    if _is_table(data):
        return as_pandas(data)
    arr = np.asarray(data)
    if arr.ndim != 2:
        raise InputError(f"labeling functions need a table; got an array of shape {arr.shape}")
    return pd.DataFrame(arr)


def _codes(
    votes: Any,
    lf: LabelingFunction,
    frame: pd.DataFrame,
    lookup: dict[Any, int] | None,
    n_classes: int | None,
) -> np.ndarray:
    """Votes -> int16 codes, or an LFApplyError naming the LF and the first bad row.

    With ``lookup`` (class -> code), a vote is read as a class first; a whole number that
    is no class is read as a code when the classes are not numbers (snorkel's LFs vote
    codes). Without it, votes are codes."""
    v = np.asarray(votes)
    if v.ndim != 1 or v.shape[0] != len(frame):
        got = v.shape[0] if v.ndim else "a scalar"
        raise LFApplyError(
            f"labeling function {lf.name!r} returned {got} votes for {len(frame)} rows; "
            "a vectorised LF must return one vote per row"
        )
    numeric_classes = lookup is not None and all(
        isinstance(c, (int, float, np.number)) and not isinstance(c, bool) for c in lookup
    )
    out = np.full(len(v), ABSTAIN, dtype=np.int64)
    if v.dtype.kind in "iu" and not numeric_classes:
        out[:] = v
        bad = (v < ABSTAIN) | (v >= n_classes if n_classes else False)
    else:
        obj = v.astype(object)
        with np.errstate(invalid="ignore"):
            abstain = pd.isna(obj) | np.array(
                [x is None or (type(x) is not bool and x == ABSTAIN) for x in obj.tolist()],
                dtype=bool,
            )
        if lookup is not None:
            idx = pd.Index(list(lookup), dtype=object).get_indexer(pd.Index(obj, dtype=object))
            out[:] = idx
        bad = ~abstain & (out < 0)
        for i in np.flatnonzero(bad):
            x = obj[i]
            code_ok = isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))
            if code_ok and not numeric_classes and 0 <= x < (n_classes or np.iinfo(np.int16).max):
                out[i], bad[i] = int(x), False
        out[abstain] = ABSTAIN
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        want = (
            f"one of the classes {sorted(map(str, lookup))}"
            if lookup is not None
            else "a class code 0 .. n_classes - 1"
        )
        raise LFApplyError(
            f"labeling function {lf.name!r} returned {_label(v[first])!r} on row {first} "
            f"(index {_label(frame.index[first])!r}); an LF returns {want} or ABSTAIN (-1)"
        )
    return out.astype(np.int16)


def _lookup(classes: Sequence[Any] | None) -> dict[Any, int] | None:
    if classes is None:
        return None
    lookup: dict[Any, int] = {}
    for i, c in enumerate(list(classes)):
        lookup[c.item() if isinstance(c, np.generic) else c] = i
    return lookup


def _apply(
    lfs: list[LabelingFunction],
    frame: pd.DataFrame,
    classes: Sequence[Any] | None,
    fault_tolerant: bool,
    faults: dict[str, int],
) -> np.ndarray:
    n, m = len(frame), len(lfs)
    lookup = _lookup(classes)
    n_classes = None if classes is None else len(lookup or ())
    L = np.full((n, m), ABSTAIN, dtype=np.int16)
    rowwise = []
    for j, lf in enumerate(lfs):
        if not lf.vectorized:
            rowwise.append(j)
            continue
        try:
            votes = lf.apply_frame(frame)
        except InputError:
            raise
        except Exception as exc:  # the LF's own bug: name it, with the error
            if not fault_tolerant:
                raise LFApplyError(
                    f"labeling function {lf.name!r} raised {type(exc).__name__}: {exc} on the "
                    "table (vectorised); fix the LF"
                ) from None
            faults[lf.name] = faults.get(lf.name, 0) + n
            continue
        L[:, j] = _codes(votes, lf, frame, lookup, n_classes)
    if rowwise:
        cols = {c: _column_values(frame[c]) for c in frame.columns}
        series = any(isinstance(lfs[j], _SnorkelLF) for j in rowwise)
        raw = np.full((n, len(rowwise)), ABSTAIN, dtype=object)
        index = frame.index
        for i in range(n):
            x: Any = _Row(cols, i, index[i])
            if series:
                x = pd.Series({c: cols[c][i] for c in cols}, name=index[i])
            for r, j in enumerate(rowwise):
                try:
                    raw[i, r] = lfs[j](x)
                except Exception as exc:
                    if not fault_tolerant:
                        raise LFApplyError(
                            f"labeling function {lfs[j].name!r} raised {type(exc).__name__}: "
                            f"{exc} on row {i} (index {_label(index[i])!r}); fix the LF or return "
                            "ABSTAIN for such rows"
                        ) from None
                    faults[lfs[j].name] = faults.get(lfs[j].name, 0) + 1
        for r, j in enumerate(rowwise):
            L[:, j] = _codes(raw[:, r], lfs[j], frame, lookup, n_classes)
    return L


class PandasLFApplier:
    """Apply LFs to a pandas table (a polars or Arrow table, or an array, is converted).

    Parameters
    ----------
    lfs : list of LabelingFunction, snorkel LFs or named functions

    Attributes
    ----------
    lfs_ : list of LabelingFunction
        Set by :meth:`apply`.
    faults_ : dict of str to int
        Per LF, the rows on which it raised (only with ``fault_tolerant=True``).

    Examples
    --------
    >>> import pandas as pd
    >>> from fewlabels.weak import keyword_lf, threshold_lf
    >>> df = pd.DataFrame({"text": ["refund now", "love it"], "stars": [1, 5]})
    >>> lfs = [keyword_lf("text", ["refund"], 0), threshold_lf("stars", 3, 1)]
    >>> PandasLFApplier(lfs).apply(df).tolist()
    [[0, -1], [-1, 1]]
    """

    def __init__(self, lfs: Any) -> None:
        self.lfs = lfs

    def apply(
        self, data: Any, classes: Sequence[Any] | None = None, fault_tolerant: bool = False
    ) -> np.ndarray:
        """The label matrix ``L`` of shape (n_rows, n_lfs), dtype int16.

        ``classes``: the target's classes; LFs may then vote a class (``"spam"``) instead of
        its code, and a vote outside them is an error.
        """
        self.lfs_ = as_labeling_functions(self.lfs)
        self.faults_: dict[str, int] = {}
        L = _apply(self.lfs_, _as_frame(data), classes, fault_tolerant, self.faults_)
        if self.faults_:
            logger.warning("labeling functions that raised (abstained there): %s", self.faults_)
        return L


def apply_lfs(lfs: Any, data: Any, classes: Sequence[Any] | None = None) -> np.ndarray:
    """``PandasLFApplier(lfs).apply(data, classes)``: the label matrix of ``data``.

    Examples
    --------
    >>> import pandas as pd
    >>> from fewlabels.weak import category_lf
    >>> apply_lfs([category_lf("c", ["a"], "yes")], pd.DataFrame({"c": ["a", "b"]}),
    ...           classes=["no", "yes"]).ravel().tolist()
    [1, -1]
    """
    return PandasLFApplier(lfs).apply(data, classes)


def _partition_labels(
    part: pd.DataFrame,
    lfs: list[LabelingFunction],
    classes: Sequence[Any] | None,
    fault_tolerant: bool,
) -> pd.DataFrame:
    L = _apply(lfs, part, classes, fault_tolerant, {})
    return pd.DataFrame(L, index=part.index, columns=[lf.name for lf in lfs])


class DaskLFApplier:
    """Apply LFs to a Dask DataFrame, partition by partition (``map_partitions``).

    The result's ``meta`` is given explicitly (one int16 column per LF), so Dask never
    runs an LF on a made-up row. Needs ``dask[dataframe]``.

    Examples
    --------
    >>> import pandas as pd
    >>> import dask.dataframe as dd  # doctest: +SKIP
    >>> from fewlabels.weak import threshold_lf
    >>> ddf = dd.from_pandas(pd.DataFrame({"x": [1, 5, 9]}), npartitions=2)  # doctest: +SKIP
    >>> DaskLFApplier([threshold_lf("x", 4, 1)]).apply(ddf).ravel().tolist()  # doctest: +SKIP
    [-1, 1, 1]
    """

    def __init__(self, lfs: Any) -> None:
        self.lfs = lfs

    def apply_lazy(
        self, ddf: Any, classes: Sequence[Any] | None = None, fault_tolerant: bool = False
    ) -> Any:
        """The label matrix as a lazy Dask DataFrame (one column per LF, the input's index)."""
        self.lfs_ = as_labeling_functions(self.lfs)
        meta = pd.DataFrame({lf.name: pd.Series([], dtype=np.int16) for lf in self.lfs_})
        return ddf.map_partitions(_partition_labels, self.lfs_, classes, fault_tolerant, meta=meta)

    def apply(
        self, ddf: Any, classes: Sequence[Any] | None = None, fault_tolerant: bool = False
    ) -> np.ndarray:
        """The label matrix ``L`` (computed), rows in the order of the partitions."""
        try:
            import dask  # noqa: F401
        except ImportError:
            from ..exceptions import MissingDependencyError

            raise MissingDependencyError("dask", "dask", "the Dask LF applier") from None
        return np.asarray(self.apply_lazy(ddf, classes, fault_tolerant).compute(), dtype=np.int16)


def with_labels(frame: pd.DataFrame, L: np.ndarray, lfs: Any, prefix: str = "lf_") -> pd.DataFrame:
    """A copy of ``frame`` with one column of votes per LF joined on (``prefix + name``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from fewlabels.weak import threshold_lf
    >>> with_labels(pd.DataFrame({"x": [1, 9]}), np.array([[-1], [1]]),
    ...             [threshold_lf("x", 4, 1, name="big")]).columns.tolist()
    ['x', 'lf_big']
    """
    names = [lf.name for lf in as_labeling_functions(lfs)]
    if L.shape != (len(frame), len(names)):
        raise InputError(f"L has shape {L.shape}; expected ({len(frame)}, {len(names)})")
    labels = pd.DataFrame(np.asarray(L), index=frame.index, columns=[prefix + n for n in names])
    return pd.concat([frame, labels], axis=1)
