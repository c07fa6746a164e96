"""Feature typing: what each column of a table is, and which columns are not features.

:func:`infer_schema` types every column as numeric, boolean, categorical, datetime or
(with ``text="embed"`` and the ``text`` extra installed) free text, and sets aside ID-like
columns (unique per row), constant columns and, otherwise, free-text columns, each with a
logged reason. It also rejects what no model can use, with one line naming the
column and the fix: a column that is empty in every row, infinite values, a column that
mixes numbers and text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError
from .text import disabled_reason, text_enabled

__all__ = ["ColumnInfo", "Schema", "infer_schema", "KINDS"]

logger = logging.getLogger(__name__)

#: The feature kinds a column can have ("text": a free-text column, embedded by
#: :mod:`fewlabels.data.text`).
KINDS = ("numeric", "boolean", "categorical", "datetime", "text")
#: The reasons a free-text column is set aside: with ``text="drop"``, and when the
#: ``text`` extra is absent (the report shows the latter, which says how to enable text).
TEXT_DROPPED = "free text (set aside: text='drop')"

_MIN_ROWS_FOR_ID = 20
_ID_NAME = re.compile(r"(^|[_\s-])(id|uuid|guid|key)$", re.IGNORECASE)
_BOOL_STRINGS = {"true": True, "false": False, "yes": True, "no": False}


@dataclass
class ColumnInfo:
    """What fewlabels learned about one feature column."""

    name: str
    kind: str
    n_missing: int = 0
    n_unique: int = 0


@dataclass
class Schema:
    """The feature columns of a table and the columns set aside, with reasons."""

    columns: list[ColumnInfo] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)
    text_columns: list[str] = field(default_factory=list)

    def names(self, kind: str | None = None) -> list[str]:
        return [c.name for c in self.columns if kind is None or c.kind == kind]

    def kind_counts(self) -> dict[str, int]:
        counts = {k: 0 for k in KINDS}
        for c in self.columns:
            counts[c.kind] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """Plain Python types only, so that it can be saved safely and shown in a report."""
        return {
            "columns": [asdict(c) for c in self.columns],
            "dropped": dict(self.dropped),
            "text_columns": list(self.text_columns),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Schema:
        return cls(
            columns=[ColumnInfo(**c) for c in d["columns"]],
            dropped=dict(d["dropped"]),
            text_columns=list(d["text_columns"]),
        )


def _is_stringish(s: pd.Series) -> bool:
    return (
        pd.api.types.is_object_dtype(s.dtype)
        or pd.api.types.is_string_dtype(s.dtype)
        or isinstance(s.dtype, pd.CategoricalDtype)
    )


def _object_kind(values: pd.Series, name: str) -> str:
    """Type a column of Python objects / strings; raise on a mix of numbers and text."""
    kinds = {type(v) for v in values.head(10_000)}
    if kinds <= {bool, np.bool_}:
        return "boolean"
    numeric_types = (int, float, np.integer, np.floating)
    has_num = any(
        issubclass(k, numeric_types) and not issubclass(k, (bool, np.bool_)) for k in kinds
    )
    has_str = any(issubclass(k, str) for k in kinds)
    if has_num and has_str:
        example = next(v for v in values if isinstance(v, str))
        raise InputError(
            f"column '{name}' mixes numbers and text (for example {example!r}); "
            "make every value a number, or every value text"
        )
    if has_num:
        return "numeric"
    if not has_str:
        type_names = ", ".join(sorted(k.__name__ for k in kinds))
        raise InputError(
            f"column '{name}' holds values of an unsupported type ({type_names}); "
            "convert it to numbers, text or dates"
        )
    as_num = pd.to_numeric(values, errors="coerce")
    frac = float(as_num.notna().mean())
    if 0.5 <= frac < 1.0:
        example = values[as_num.isna()].iloc[0]
        raise InputError(
            f"column '{name}' mixes numbers and text (for example {example!r} among numbers); "
            "fix or blank the non-numeric values, or make the whole column text"
        )
    lowered = set(values.head(10_000).str.strip().str.lower().unique())
    if lowered <= set(_BOOL_STRINGS):
        return "boolean"
    if _looks_like_dates(values):
        return "datetime"
    return "categorical"


def _looks_like_dates(values: pd.Series) -> bool:
    sample = values.head(200)
    if not sample.str.contains(r"\d{1,4}[-/:]\d{1,2}", regex=True).all():
        return False
    try:
        parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    except (ValueError, TypeError):
        return False
    return bool(parsed.notna().all())


def is_free_text(values: pd.Series) -> bool:
    """Whether the (non-missing) string values read as free text: mostly distinct, with a
    median of at least four words."""
    sample = values.head(2_000).astype(str)
    n_words = sample.str.count(r"\s+") + 1
    return bool(sample.nunique() > 0.5 * len(sample) and n_words.median() >= 4)


def _is_id_like(s: pd.Series, kind: str, n_rows: int) -> bool:
    if n_rows < _MIN_ROWS_FOR_ID or s.isna().any() or s.nunique() != n_rows:
        return False
    if kind == "categorical":
        return True
    if kind == "numeric" and pd.api.types.is_integer_dtype(s.dtype):
        v = np.sort(s.to_numpy())
        contiguous = bool(v[-1] - v[0] == n_rows - 1)
        return contiguous or s.is_monotonic_increasing or bool(_ID_NAME.search(str(s.name)))
    return False


def column_kind(s: pd.Series, name: str) -> str:
    """The feature kind of one non-empty column (raises on unusable content)."""
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "numeric"
    if pd.api.types.is_numeric_dtype(dtype):
        if pd.api.types.is_complex_dtype(dtype):
            raise InputError(f"column '{name}' holds complex numbers; split it into real columns")
        values = s.to_numpy(dtype=float, na_value=np.nan)
        n_inf = int(np.isinf(values).sum())
        if n_inf:
            raise InputError(
                f"column '{name}' has {n_inf} infinite value(s); replace them with finite "
                "numbers or leave the cells blank"
            )
        return "numeric"
    if _is_stringish(s):
        return _object_kind(s.dropna(), name)
    raise InputError(
        f"column '{name}' has an unsupported type ({dtype}); convert it to numbers, text or dates"
    )


def reads_as_free_text(s: pd.Series, kind: str, n_rows: int) -> bool:
    """Whether a column typed ``kind``, in a table of ``n_rows`` rows, is free text (a
    categorical column of mostly distinct, several-word values; see :func:`is_free_text`)."""
    return kind == "categorical" and n_rows >= _MIN_ROWS_FOR_ID and is_free_text(s.dropna())


def text_kind(text: str) -> str | None:
    """What becomes of a free-text column: ``"text"`` (embedded) when ``text="embed"``
    and the ``text`` extra is installed, else None (set aside, see :func:`text_reason`)."""
    return "text" if text == "embed" and text_enabled() else None


def text_reason(text: str) -> str:
    """Why a free-text column is set aside under ``text`` (``"embed"`` or ``"drop"``)."""
    return f"free text; {disabled_reason()}" if text == "embed" else TEXT_DROPPED


def infer_schema(frame: pd.DataFrame, exclude: tuple[str, ...] = (), text: str = "drop") -> Schema:
    """Type the feature columns of ``frame`` and set aside the ones that are not features.

    Parameters
    ----------
    frame : pandas.DataFrame
    exclude : tuple of str
        Columns that are not features (the target), left out of the schema.
    text : {"drop", "embed"}, default="drop"
        What becomes of a free-text column (always listed in ``text_columns``).
        ``"embed"`` gives it kind ``"text"`` when the ``text`` extra is installed (its
        embedding then joins the features, see :class:`~fewlabels.data.TableEncoder`,
        whose default this is), and sets it aside with a reason that says how to enable
        text otherwise. ``"drop"`` sets it aside.

    Returns
    -------
    Schema

    Raises
    ------
    InputError
        A column is empty in every row, has infinite values or mixes numbers and text, or
        no feature column is left.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"size": [1.5, 2.0, None], "color": ["red", "blue", "red"],
    ...                    "const": [7, 7, 7]})
    >>> s = infer_schema(df)
    >>> [(c.name, c.kind) for c in s.columns], s.dropped
    ([('size', 'numeric'), ('color', 'categorical')], {'const': 'constant (one value in every row)'})
    """
    if text not in ("drop", "embed"):
        raise InputError(f"text must be 'embed' or 'drop'; got {text!r}")
    schema = Schema()
    n_rows = len(frame)
    for name in frame.columns:
        if name in exclude:
            continue
        s = frame[name]
        label = str(name)
        n_missing = int(s.isna().sum())
        if n_missing == n_rows:
            raise InputError(
                f"column '{label}' is empty in every row; drop the column or fill in its values"
            )
        kind = column_kind(s, label)
        n_unique = int(s.nunique(dropna=True))
        if n_rows >= 3 and n_unique <= 1 and n_missing == 0:
            schema.dropped[label] = "constant (one value in every row)"
        elif reads_as_free_text(s, kind, n_rows):
            schema.text_columns.append(label)
            if text_kind(text) is not None:
                schema.columns.append(ColumnInfo(label, "text", n_missing, n_unique))
                continue
            schema.dropped[label] = text_reason(text)
        elif _is_id_like(s, kind, n_rows):
            schema.dropped[label] = "ID-like (a different value in every row)"
        else:
            schema.columns.append(ColumnInfo(label, kind, n_missing, n_unique))
            continue
        logger.info("column %r is not used as a feature: %s", label, schema.dropped[label])
    if not schema.columns:
        reasons = "; ".join(f"'{k}': {v}" for k, v in list(schema.dropped.items())[:5])
        raise InputError(
            "no usable feature column is left"
            + (f" ({reasons})" if reasons else "")
            + "; give a table with at least one informative feature column"
        )
    return schema
