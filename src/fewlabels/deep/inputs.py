"""Tables in, tensors out: the numeric and categorical inputs of a neural network.

Pure NumPy (no torch), so it is testable and picklable on its own. Numbers are imputed with
the median, get a missing-value indicator where the fitted data had gaps, and are
standardized. Categorical columns (pandas ``category``, strings, booleans) become integer
codes for embedding tables, with 0 reserved for missing and unseen values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data.encoder import _is_table
from ..data.io import as_pandas

__all__ = ["TabularInputs"]


def _is_categorical(s: pd.Series) -> bool:
    return (
        isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(s.dtype)
        or pd.api.types.is_string_dtype(s.dtype)
        or pd.api.types.is_bool_dtype(s.dtype)
    )


class TabularInputs:
    """Learn how to turn a table into ``(numeric float32, categorical int64)`` arrays.

    Attributes (after :meth:`fit`)
    ------------------------------
    numeric_columns, categorical_columns : list
    categories : dict of column to ndarray of its categories (code ``i + 1``)
    cardinalities : list of int
        Embedding table sizes (categories + 1 for missing/unseen).
    n_numeric : int
        Width of the numeric block (standardized columns + missing indicators).
    """

    def fit(self, X: Any) -> TabularInputs:
        frame = self._frame(X)
        self.columns = list(frame.columns)
        self.categorical_columns = [c for c in frame.columns if _is_categorical(frame[c])]
        self.numeric_columns = [c for c in frame.columns if c not in self.categorical_columns]
        self.categories = {}
        for c in self.categorical_columns:
            s = frame[c]
            cats = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else None
            if cats is None:
                cats = pd.Index(pd.unique(s.dropna()))
            self.categories[c] = np.asarray(cats, dtype=object)
        self.cardinalities = [len(self.categories[c]) + 1 for c in self.categorical_columns]
        num = self._raw_numeric(frame)
        with np.errstate(all="ignore"):
            fill = np.nanmedian(num, axis=0) if num.size else np.zeros(num.shape[1])
        self.fill = np.where(np.isfinite(fill), fill, 0.0)
        self.has_missing = np.isnan(num).any(axis=0)
        filled = np.where(np.isnan(num), self.fill, num)
        self.center = filled.mean(axis=0) if len(filled) else np.zeros(num.shape[1])
        scale = filled.std(axis=0) if len(filled) else np.ones(num.shape[1])
        self.scale = np.where(scale > 1e-12, scale, 1.0)
        self.n_numeric = num.shape[1] + int(self.has_missing.sum())
        return self

    @staticmethod
    def _frame(X: Any) -> pd.DataFrame:
        if _is_table(X):
            return as_pandas(X)
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(f"expected a 2-D table, got an array of shape {arr.shape}")
        return pd.DataFrame(arr)

    def _raw_numeric(self, frame: pd.DataFrame) -> np.ndarray:
        if not self.numeric_columns:
            return np.empty((len(frame), 0))
        return np.column_stack(
            [
                pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                for c in self.numeric_columns
            ]
        )

    def transform(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        frame = self._frame(X)
        num = self._raw_numeric(frame)
        miss = np.isnan(num)
        z = (np.where(miss, self.fill, num) - self.center) / self.scale
        numeric = np.hstack([z, miss[:, self.has_missing].astype(float)]).astype(np.float32)
        cat = np.zeros((len(frame), len(self.categorical_columns)), dtype=np.int64)
        for j, c in enumerate(self.categorical_columns):
            codes = pd.Categorical(frame[c], categories=self.categories[c]).codes
            cat[:, j] = codes.astype(np.int64) + 1  # -1 (missing or unseen) becomes 0
        return numeric, cat
