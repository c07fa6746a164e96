"""The one place that decides which rows are unlabeled.

A row is unlabeled when its target is missing (``None``, ``NaN``, ``pd.NA``, ``NaT``, an
empty CSV cell), when the target is integer-valued and equals :data:`UNLABELED` (``-1``,
scikit-learn's convention), or when it equals an explicit ``unlabeled_value``.
Nothing else in fewlabels re-implements this rule: call :func:`unlabeled_mask` or
:func:`encode_target`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

__all__ = ["UNLABELED", "EncodedTarget", "encode_target", "unlabeled_mask"]

#: Marker for an unlabeled row in an integer target (scikit-learn's convention), and the
#: code an unlabeled row gets in :attr:`EncodedTarget.codes`.
UNLABELED = -1


def _as_series(y: Any) -> pd.Series:
    if isinstance(y, pd.Series):
        return y
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"the target must be one column; got {y.shape[1]} columns")
        return y.iloc[:, 0]
    if hasattr(y, "to_pandas"):  # polars Series, pyarrow Array / ChunkedArray
        return pd.Series(y.to_pandas())
    if isinstance(y, np.ndarray):
        arr = y
    elif hasattr(y, "__array__"):
        arr = np.asarray(y)
    else:  # a list: let pandas infer the dtype (ints stay ints, None becomes missing)
        arr = pd.Series(list(y)).to_numpy()
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"the target must be 1-dimensional; got an array of shape {arr.shape}")
    return pd.Series(arr)


def _is_integral(values: pd.Series) -> bool:
    """True when every present value is an integer (also for floats read from a CSV)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return False
    if pd.api.types.is_integer_dtype(values.dtype):
        return True
    if pd.api.types.is_float_dtype(values.dtype):
        v = values.to_numpy(dtype=float, na_value=np.nan)
        v = v[np.isfinite(v)]
        return bool(np.all(v == np.round(v)))
    return False


def unlabeled_mask(y: Any, unlabeled_value: Any = None) -> np.ndarray:
    """Boolean mask of the unlabeled rows of a target.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The target: numbers, strings or booleans, with unlabeled rows marked as described
        in the module docstring.
    unlabeled_value : scalar, default=None
        An extra value that also marks an unlabeled row (for example ``"?"``).

    Returns
    -------
    mask : ndarray of bool, shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> unlabeled_mask([0, 1, -1, 1]).tolist()
    [False, False, True, False]
    >>> unlabeled_mask(["cat", None, "dog", np.nan]).tolist()
    [False, True, False, True]
    >>> unlabeled_mask(["a", "?", "b"], unlabeled_value="?").tolist()
    [False, True, False]
    """
    s = _as_series(y)
    mask = s.isna().to_numpy(dtype=bool, copy=True)
    if _is_integral(s):
        mask |= (s == UNLABELED).to_numpy(dtype=bool, na_value=False)
    if unlabeled_value is not None:
        mask |= (s == unlabeled_value).to_numpy(dtype=bool, na_value=False)
    return mask


@dataclass(frozen=True)
class EncodedTarget:
    """A target split into labeled codes and the class list.

    Attributes
    ----------
    codes : ndarray of int64, shape (n_samples,)
        Index into :attr:`classes` for a labeled row, :data:`UNLABELED` for an unlabeled one.
    classes : ndarray, shape (n_classes,)
        The sorted distinct labels of the labeled rows.
    labeled : ndarray of bool, shape (n_samples,)
    """

    codes: np.ndarray
    classes: np.ndarray
    labeled: np.ndarray

    @property
    def n_labeled(self) -> int:
        return int(self.labeled.sum())


def encode_target(y: Any, unlabeled_value: Any = None) -> EncodedTarget:
    """Encode a partially labeled classification target.

    Integer-valued float targets (a CSV column of integers with blanks) get integer classes.
    A continuous target raises ``ValueError("Unknown label type: ...")`` as scikit-learn does.

    Examples
    --------
    >>> t = encode_target([2.0, float("nan"), 5.0, 2.0])
    >>> t.codes.tolist(), t.classes.tolist()
    ([0, -1, 1, 0], [2, 5])
    """
    s = _as_series(y)
    labeled = ~unlabeled_mask(s, unlabeled_value)
    values = s[labeled].infer_objects()
    if _is_integral(values) and not pd.api.types.is_integer_dtype(values.dtype):
        values = values.astype("int64")
    arr = values.to_numpy()
    if arr.dtype == object:
        kinds = {type(v) for v in arr}
        if len(kinds) > 1 and not all(issubclass(k, (int, np.integer)) for k in kinds):
            names = ", ".join(sorted(k.__name__ for k in kinds))
            raise ValueError(f"the target mixes value types ({names}); make every label one type")
    if arr.size:
        kind = type_of_target(arr)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {kind!r}. fewlabels classifiers need discrete class labels"
            )
    classes, inverse = np.unique(arr, return_inverse=True)
    codes = np.full(len(s), UNLABELED, dtype=np.int64)
    codes[labeled] = inverse
    return EncodedTarget(codes=codes, classes=classes, labeled=labeled)
