"""TableEncoder: a scikit-learn transformer that remembers a table's schema."""

from __future__ import annotations

import re
from collections import Counter
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..exceptions import InputError
from .io import as_pandas
from .schema import ColumnInfo, Schema, column_kind, infer_schema, reads_as_free_text, text_kind

__all__ = [
    "ENCODED",
    "OTHER_CATEGORY",
    "NumericView",
    "TableEncoder",
    "internal_names",
    "safe_name",
]

#: The category that rare categories are merged into when ``max_categories`` is exceeded.
OTHER_CATEGORY = "(other)"
#: The ``DataFrame.attrs`` key that marks a ``TableEncoder``'s ``"native"`` output (row
#: subsets keep it), so that an estimator given it does not type and encode it again.
ENCODED = "fewlabels_encoded"

_DATE_PARTS = ("year", "month", "day", "weekday", "hour", "minute")
_TRUE = {"true", "yes", "1", "1.0", "t", "y"}
_FALSE = {"false", "no", "0", "0.0", "f", "n"}


#: Characters an internal feature name keeps: letters and digits of any script, ``_`` and
#: ``- . $ % +``. Everything else (whitespace, quotes, ``[ ] { } : ,`` which LightGBM
#: refuses, ``<`` which XGBoost refuses, control characters) becomes ``_``.
_UNSAFE = re.compile(r"[^\w\-.$%+]")
#: The longest internal name before a disambiguating suffix.
_MAX_NAME = 120


def safe_name(name: str) -> str:
    """``name`` made safe for every backend: unsafe characters become ``_``, at most
    120 characters, never empty. A name that is already safe comes back unchanged.

    >>> safe_name("price[$]"), safe_name("a:b"), safe_name("<b>x</b>"), safe_name("Größe")
    ('price_$_', 'a_b', '_b_x__b_', 'Größe')
    """
    return _UNSAFE.sub("_", str(name))[:_MAX_NAME] or "_"


def internal_names(names: list[str]) -> list[str]:
    """Unique backend-safe names for ``names``, in order.

    A name that is already safe is kept as it is (so ordinary tables, and the importances
    or tree dumps of their models, read exactly as before); the others get their
    :func:`safe_name`, with ``__2``, ``__3``, ... appended when that is taken, e.g.
    ``["a_b", "a:b"]`` becomes ``["a_b", "a_b__2"]``.
    """
    out: list[str | None] = [None] * len(names)
    taken: set[str] = set()
    for i, name in enumerate(names):
        if safe_name(name) == name and name not in taken:
            out[i] = name
            taken.add(name)
    for i, name in enumerate(names):
        if out[i] is None:
            base = candidate = safe_name(name)
            k = 2
            while candidate in taken:
                candidate = f"{base}__{k}"
                k += 1
            out[i] = candidate
            taken.add(candidate)
    return [n for n in out if n is not None]


def _is_table(X: Any) -> bool:
    return isinstance(X, pd.DataFrame) or type(X).__module__.split(".")[0] in {"polars", "pyarrow"}


def _as_str_or_nan(s: pd.Series) -> pd.Series:
    out = s.astype(object)
    mask = out.notna()
    out[mask] = out[mask].map(str)
    return out


class TableEncoder(TransformerMixin, BaseEstimator):
    """Turn a table into model input, remembering its schema.

    Columns are typed once, at ``fit`` (see :func:`fewlabels.data.infer_schema`): numeric,
    boolean, categorical (strings, pandas ``category``), datetime (expanded into year,
    month, day, weekday and, where times vary, hour and minute) and free text (expanded
    into the 384 dimensions of its sentence embedding, ``{column}__emb0`` to
    ``{column}__emb383``, and 32 LSA components fitted on the rows given to ``fit``,
    ``{column}__lsa0`` ..., in every output; see :mod:`fewlabels.data.text`). ID-like and
    constant columns are set aside with a logged reason, and so is free text when
    ``text="drop"`` or the ``text`` extra is absent (the reason then says how to enable it).

    Parameters
    ----------
    output : {"native", "ordinal", "numeric"}, default="native"
        ``"native"`` returns a DataFrame whose categorical columns keep the pandas
        ``category`` dtype with the categories fixed at fit time, for models that use them
        directly (LightGBM, HistGradientBoosting). ``"ordinal"`` returns a float matrix with
        categories as integer codes and missing values as NaN. ``"numeric"`` returns a
        dense float matrix with no missing values: numbers imputed with the median and
        standardized, a missing-value indicator for every column that had gaps, and
        categories one-hot encoded (for linear, distance and graph methods).
    max_categories : int, default=100
        The most categories kept per column; rarer ones are merged into ``"(other)"``.
    drop_useless : bool, default=True
        Set aside ID-like and constant columns (and free text that is not embedded).
    text : {"embed", "drop"}, default="embed"
        ``"embed"``: a free-text column is embedded once per distinct text (cached on disk
        by content, so ``transform``, other folds and reruns read the cache) when the
        ``text`` extra is installed (``pip install 'fewlabels[text]'``), and set aside
        otherwise. ``"drop"``: free-text columns are set aside.

    Attributes
    ----------
    schema_ : dict
        The learned schema, in plain Python types (see :class:`fewlabels.data.Schema`).
    categories_ : dict of str to list of str
        The categories kept for each categorical column.
    text_dims_ : dict of str to int
        The embedding width of each text column (384).
    text_lsa_ : dict of str to tuple or None
        Each text column's latent semantic analysis, fitted on the rows given to ``fit``
        (:func:`fewlabels.data.text.fit_lsa`; ``{column}__lsa0`` ... in the output), or
        None when its texts hold too few words.
    feature_names_map_ : dict of str to str
        The columns of the ``"native"`` output, in order: each internal name mapped to the
        name users see (the column's own name, ``{column}__{part}`` for a date part).
        Internal names are safe for every backend (LightGBM refuses ``[ ] { } : , "`` in a
        feature name): a name that is already safe is kept, others have their unsafe
        characters replaced by ``_`` and, on a clash, a ``__2``-style suffix (see
        :func:`internal_names`). :meth:`original_name` reads this map;
        :meth:`get_feature_names_out` gives the user-facing names.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a table with string column names. These, ``schema_`` and
        ``categories_`` are in the table's own column names.

    Notes
    -----
    Any column name works: only the ``"native"`` output (a DataFrame, whose column names
    reach the model) uses the internal names; the table given at ``transform`` time keeps
    its own names.

    At ``transform`` time a category never seen in ``fit`` becomes ``"(other)"`` where that
    category exists and missing otherwise. A missing column, or a column whose values no
    longer fit its type (text in a numeric column), raises an ``InputError`` naming it.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"age": [31, 45, None, 28], "plan": ["a", "b", "a", "c"]})
    >>> enc = TableEncoder().fit(X)
    >>> enc.transform(pd.DataFrame({"age": [50], "plan": ["z"]})).dtypes.astype(str).tolist()
    ['float64', 'category']
    >>> TableEncoder(output="numeric").fit_transform(X).shape
    (4, 5)
    """

    _parameter_constraints: dict = {
        "output": [StrOptions({"native", "ordinal", "numeric"})],
        "max_categories": [Interval(Integral, 2, None, closed="left")],
        "drop_useless": ["boolean"],
        "text": [StrOptions({"embed", "drop"})],
    }

    def __init__(
        self,
        output: str = "native",
        max_categories: int = 100,
        drop_useless: bool = True,
        text: str = "embed",
    ):
        self.output = output
        self.max_categories = max_categories
        self.drop_useless = drop_useless
        self.text = text

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []  # numbers come out as float64
        return tags

    # ------------------------------------------------------------------ input handling
    def _frame(self, X: Any, reset: bool) -> pd.DataFrame:
        if _is_table(X):
            frame = as_pandas(X)
            if not reset:
                frame = self._select_fitted_columns(frame)
            validate_data(self, frame, skip_check_array=True, reset=reset)
            return frame
        arr = validate_data(
            self, X, dtype=None, ensure_all_finite=False, reset=reset, ensure_min_samples=1
        )
        return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])

    def _select_fitted_columns(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The fitted columns of ``frame``, in fitted order; extra columns are ignored."""
        fitted = getattr(self, "feature_names_in_", None)
        if fitted is None:
            return frame
        present = {str(c) for c in frame.columns}
        missing = [c for c in fitted if str(c) not in present]
        if missing:
            shown = ", ".join(repr(str(m)) for m in missing[:10])
            raise InputError(
                f"the table lacks column(s) the model was fitted with: {shown}; "
                "give a table with the same feature columns"
            )
        if list(frame.columns) == list(fitted):
            return frame
        return frame[list(fitted)]

    def _schema_for(self, frame: pd.DataFrame) -> Schema:
        if self.drop_useless:
            return infer_schema(frame, text=self.text)
        schema = Schema()
        embed = text_kind(self.text) is not None
        for name in frame.columns:
            s = frame[name]
            if s.isna().all():
                raise InputError(
                    f"column '{name}' is empty in every row; drop the column or fill in its values"
                )
            kind = column_kind(s, str(name))
            if embed and reads_as_free_text(s, kind, len(s)):
                kind = "text"
                schema.text_columns.append(str(name))
            schema.columns.append(
                ColumnInfo(str(name), kind, int(s.isna().sum()), int(s.nunique()))
            )
        return schema

    # ------------------------------------------------------------------ value conversion
    @staticmethod
    def _numeric(s: pd.Series, name: str) -> np.ndarray:
        if pd.api.types.is_timedelta64_dtype(s.dtype):
            return s.dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            values = s.to_numpy(dtype=float, na_value=np.nan)
        else:
            values = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            bad = np.isnan(values) & s.notna().to_numpy()
            if bad.any():
                example = s[bad].iloc[0]
                raise InputError(
                    f"column '{name}' was numeric when the model was fitted but now holds "
                    f"{example!r}; give numbers in that column (blank for unknown)"
                )
        if np.isinf(values).any():
            raise InputError(
                f"column '{name}' has infinite values; replace them with finite numbers or blanks"
            )
        return values

    @staticmethod
    def _boolean(s: pd.Series, name: str) -> np.ndarray:
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            return s.to_numpy(dtype=float, na_value=np.nan)
        lowered = s.astype(object).map(lambda v: str(v).strip().lower() if pd.notna(v) else None)
        values = np.full(len(s), np.nan)
        values[lowered.isin(_TRUE).to_numpy()] = 1.0
        values[lowered.isin(_FALSE).to_numpy()] = 0.0
        bad = np.isnan(values) & s.notna().to_numpy()
        if bad.any():
            raise InputError(
                f"column '{name}' was true/false when the model was fitted but now holds "
                f"{s[bad].iloc[0]!r}; give true/false values in that column"
            )
        return values

    @staticmethod
    def _datetime(s: pd.Series, name: str) -> pd.Series:
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            out = s
        else:
            out = pd.to_datetime(s, errors="coerce", format="mixed")
            bad = out.isna() & s.notna()
            if bad.any():
                raise InputError(
                    f"column '{name}' holds dates but {s[bad].iloc[0]!r} is not one; "
                    "fix the value or leave the cell blank"
                )
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
        return out

    @staticmethod
    def _date_part(d: pd.Series, part: str) -> np.ndarray:
        values = d.dt.day_of_week if part == "weekday" else getattr(d.dt, part)
        return values.to_numpy(dtype=float, na_value=np.nan)

    def _categorical(self, s: pd.Series, name: str) -> pd.Categorical:
        cats = self.categories_[name]
        values = _as_str_or_nan(s)
        unseen = values.notna() & ~values.isin(set(cats))
        values[unseen] = OTHER_CATEGORY if OTHER_CATEGORY in cats else np.nan
        return pd.Categorical(values, categories=cats)

    # ------------------------------------------------------------------ fit / transform
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> TableEncoder:
        """Learn the schema, categories and scaling of ``X``. ``y`` is ignored."""
        frame = self._frame(X, reset=True)
        schema = self._schema_for(frame)
        self.categories_: dict[str, list[str]] = {}
        self.date_parts_: dict[str, list[str]] = {}
        self.text_dims_: dict[str, int] = {}
        self.text_lsa_: dict[str, Any] = {}
        for col in schema.columns:
            s = frame[self._lookup(frame, col.name)]
            if col.kind == "categorical":
                counts = _as_str_or_nan(s).value_counts(dropna=True)
                keep = (
                    list(counts.index[: self.max_categories - 1])
                    if len(counts) > self.max_categories
                    else list(counts.index)
                )
                if len(counts) > self.max_categories:
                    keep.append(OTHER_CATEGORY)
                self.categories_[col.name] = sorted(keep, key=lambda c: (c == OTHER_CATEGORY, c))
            elif col.kind == "datetime":
                d = self._datetime(s, col.name)
                parts = [p for p in _DATE_PARTS if p not in ("hour", "minute")]
                for p in ("hour", "minute"):
                    if self._date_part(d, p)[~d.isna().to_numpy()].any():
                        parts.append(p)
                self.date_parts_[col.name] = parts
            elif col.kind == "text":
                from .text import EMBEDDING_DIM, fit_lsa

                self.text_dims_[col.name] = EMBEDDING_DIM
                self.text_lsa_[col.name] = fit_lsa(s.to_numpy(dtype=object))
        self.schema_ = schema.to_dict()
        shown = self._output_order()
        clashes = sorted(n for n, k in Counter(shown).items() if k > 1)
        if clashes:
            raise InputError(
                f"column name(s) {', '.join(map(repr, clashes[:10]))} clash with the parts "
                "of a date column (named '<column>__<part>') or the features of a text "
                "column ('<column>__emb<i>', '<column>__lsa<i>'); rename them"
            )
        self.feature_names_map_ = dict(zip(internal_names(shown), shown, strict=True))
        # imputation and scaling for the "numeric" output
        self.fill_, self.center_, self.scale_, self.has_missing_ = _fit_scaling(
            self._numeric_block(frame)
        )
        return self

    @staticmethod
    def _lookup(frame: pd.DataFrame, name: str) -> Any:
        for c in frame.columns:
            if str(c) == name:
                return c
        raise KeyError(name)

    def _columns(self) -> list[ColumnInfo]:
        return Schema.from_dict(self.schema_).columns

    def _numeric_block(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Every non-categorical feature as a float vector, keyed by output name: each
        column kind's codec (:data:`_CODECS`) turns its column into named vectors."""
        out: dict[str, np.ndarray] = {}
        for col in self._columns():
            codec = _CODECS.get(col.kind)
            if codec is not None:
                out.update(codec(self, frame[self._lookup(frame, col.name)], col.name))
        return out

    def transform(self, X: Any) -> Any:
        """Encode ``X`` with the schema learned in ``fit``."""
        check_is_fitted(self, "schema_")
        frame = self._frame(X, reset=False)
        names = {str(c) for c in frame.columns}
        missing = [c.name for c in self._columns() if c.name not in names]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:10])
            raise InputError(
                f"the table lacks column(s) the model was fitted with: {shown}; "
                "give a table with the same feature columns"
            )
        numeric = self._numeric_block(frame)
        cats = {
            c.name: self._categorical(frame[self._lookup(frame, c.name)], c.name)
            for c in self._columns()
            if c.kind == "categorical"
        }
        if self.output == "native":
            data: dict[str, Any] = {}
            for internal, name in self._name_map().items():
                data[internal] = cats[name] if name in cats else numeric[name]
            out = pd.DataFrame(data, index=frame.index)
            out.attrs[ENCODED] = True
            return out
        if self.output == "ordinal":
            cols = [
                np.where(cats[n].codes < 0, np.nan, cats[n].codes).astype(float)
                if n in cats
                else numeric[n]
                for n in self._output_order()
            ]
            return np.column_stack(cols) if cols else np.empty((len(frame), 0))
        return self._numeric_matrix(numeric, cats, len(frame))

    def _output_order(self) -> list[str]:
        order: list[str] = []
        for col in self._columns():
            if col.kind == "datetime":
                order.extend(f"{col.name}__{p}" for p in self.date_parts_[col.name])
            elif col.kind == "text":
                order.extend(_embedding_names(col.name, self.text_dims_[col.name]))
                order.extend(_lsa_names(col.name, self.text_lsa_[col.name]))
            else:
                order.append(col.name)
        return order

    def _name_map(self) -> dict[str, str]:
        """Internal name -> user-facing name (the identity for an encoder fitted before
        the map existed, whose internal names were the user-facing ones)."""
        names = getattr(self, "feature_names_map_", None)
        return names if names is not None else {n: n for n in self._output_order()}

    def original_name(self, internal: str) -> str:
        """The user-facing name of a ``"native"`` output column (an internal name, as a
        model fitted on that output knows it, e.g. in LightGBM's ``feature_name_``).

        >>> enc = TableEncoder().fit(pd.DataFrame({"price[$]": [1.0, 2.0], "a": [0, 1]}))
        >>> names = list(enc.transform(pd.DataFrame({"price[$]": [3.0], "a": [1]})).columns)
        >>> names, [enc.original_name(n) for n in names]
        (['price_$_', 'a'], ['price[$]', 'a'])
        """
        check_is_fitted(self, "schema_")
        names = self._name_map()
        if internal not in names:
            raise KeyError(f"{internal!r} is not an output column of this encoder")
        return names[internal]

    def _numeric_matrix(
        self, numeric: dict[str, np.ndarray], cats: dict[str, pd.Categorical], n: int
    ) -> np.ndarray:
        return _numeric_matrix(self._output_order(), numeric, cats, self, n)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns, in the table's own column names: ``{column}``,
        ``{column}__{part}`` for a date part and, in the ``"numeric"`` output,
        ``{column}={category}`` for a one-hot column and ``{column}__missing`` for a
        missing-value indicator. The ``"native"`` output's DataFrame carries the internal
        names instead (see ``feature_names_map_``)."""
        check_is_fitted(self, "schema_")
        if self.output != "numeric":
            return np.asarray(list(self._name_map().values()), dtype=object)
        names: list[str] = []
        for name in self._output_order():
            if name in self.categories_:
                names.extend(f"{name}={c}" for c in self.categories_[name])
            else:
                names.append(name)
                if self.has_missing_[name]:
                    names.append(f"{name}__missing")
        return np.asarray(names, dtype=object)

    @property
    def schema(self) -> Schema:
        """The learned :class:`~fewlabels.data.Schema`."""
        check_is_fitted(self, "schema_")
        return Schema.from_dict(self.schema_)


# ---------------------------------------------------------------------- column codecs
def _numeric_codec(enc: TableEncoder, s: pd.Series, name: str) -> dict[str, np.ndarray]:
    return {name: enc._numeric(s, name)}


def _boolean_codec(enc: TableEncoder, s: pd.Series, name: str) -> dict[str, np.ndarray]:
    return {name: enc._boolean(s, name)}


def _datetime_codec(enc: TableEncoder, s: pd.Series, name: str) -> dict[str, np.ndarray]:
    d = enc._datetime(s, name)
    return {f"{name}__{part}": enc._date_part(d, part) for part in enc.date_parts_[name]}


def _embedding_names(name: str, dims: int) -> list[str]:
    return [f"{name}__emb{i}" for i in range(dims)]


def _lsa_names(name: str, lsa: Any) -> list[str]:
    return [] if lsa is None else [f"{name}__lsa{i}" for i in range(lsa[1].n_components)]


def _text_codec(enc: TableEncoder, s: pd.Series, name: str) -> dict[str, np.ndarray]:
    """The column's sentence embedding, one float vector per dimension (each distinct text
    embedded once, then read from the cache), then its LSA components (see
    :mod:`fewlabels.data.text`)."""
    from .text import default_embedder, lsa_transform

    texts = s.to_numpy(dtype=object)
    E = default_embedder().embed(texts, column=name).astype(np.float64)
    dims = enc.text_dims_[name]
    if E.shape[1] != dims:
        raise InputError(
            f"column '{name}' was embedded in {dims} dimensions at fit but now in "
            f"{E.shape[1]}; refit the model with this text model"
        )
    out = dict(zip(_embedding_names(name, dims), np.asfortranarray(E).T, strict=True))
    lsa = enc.text_lsa_[name]
    if lsa is not None:
        L = lsa_transform(lsa, texts)
        out.update(zip(_lsa_names(name, lsa), np.asfortranarray(L).T, strict=True))
    return out


#: Column kind -> codec: how a column of that kind becomes named float vectors.
#: Categorical columns keep their own path (a pandas Categorical with fixed categories).
_CODECS = {
    "numeric": _numeric_codec,
    "boolean": _boolean_codec,
    "datetime": _datetime_codec,
    "text": _text_codec,
}


def _fit_scaling(
    blocks: dict[str, np.ndarray],
) -> tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, bool]]:
    """Median fill, mean, standard deviation (1 when constant) and has-missing, per vector."""
    fill, center, scale, has_missing = {}, {}, {}, {}
    for name, values in blocks.items():
        finite = values[~np.isnan(values)]
        fill[name] = float(np.median(finite)) if finite.size else 0.0
        center[name] = float(finite.mean()) if finite.size else 0.0
        std = float(finite.std()) if finite.size else 0.0
        scale[name] = std if std > 0 else 1.0
        has_missing[name] = bool(np.isnan(values).any())
    return fill, center, scale, has_missing


def _numeric_matrix(
    order: list[str],
    numeric: dict[str, np.ndarray],
    cats: dict[str, pd.Categorical],
    stats: Any,
    n: int,
) -> np.ndarray:
    """The dense float matrix: standardized numbers (plus a missing indicator where the
    fitted data had gaps) and one-hot categories; ``stats`` has ``fill_``, ``center_``,
    ``scale_`` and ``has_missing_``."""
    cols: list[np.ndarray] = []
    for name in order:
        if name in cats:
            codes = np.asarray(cats[name].codes)
            onehot = np.zeros((n, len(cats[name].categories)))
            ok = codes >= 0
            onehot[np.flatnonzero(ok), codes[ok]] = 1.0
            cols.append(onehot)
            continue
        v = numeric[name]
        miss = np.isnan(v)
        z = (np.where(miss, stats.fill_[name], v) - stats.center_[name]) / stats.scale_[name]
        cols.append(z[:, None])
        if stats.has_missing_[name]:
            cols.append(miss.astype(float)[:, None])
    return np.hstack(cols) if cols else np.empty((n, 0))


class NumericView(TransformerMixin, BaseEstimator):
    """The numeric view of an already encoded table, without a second encoding.

    A method that needs numbers (a graph, a distance, a linear model) but receives the
    native output of the pipeline's :class:`TableEncoder` takes this view of it: numbers
    are imputed with the median and standardized, with a missing-value indicator where the
    fitted rows had gaps, and ``category`` columns are one-hot encoded over the categories
    their dtype fixes. Nothing is typed again: no column is dropped, renamed or retyped,
    so the schema stays the one the encoder learned. A plain array is all numbers.

    Attributes
    ----------
    columns_ : list of str
        The input columns, in order.
    categorical_ : list of str
        The columns one-hot encoded.
    n_features_in_ : int

    Examples
    --------
    >>> import pandas as pd
    >>> native = TableEncoder().fit_transform(pd.DataFrame({"a": [1.0, 3.0], "c": ["x", "y"]}))
    >>> NumericView().fit_transform(native).tolist()
    [[-1.0, 1.0, 0.0], [1.0, 0.0, 1.0]]
    """

    _parameter_constraints: dict = {}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags

    def _parts(self, X: Any) -> tuple[pd.DataFrame, dict[str, np.ndarray], dict[str, Any]]:
        frame = as_pandas(X) if _is_table(X) else pd.DataFrame(np.asarray(X, dtype=float))
        frame.columns = [str(c) for c in frame.columns]
        cats = {
            c: frame[c].array
            for c in frame.columns
            if isinstance(frame[c].dtype, pd.CategoricalDtype)
        }
        numeric = {}
        for c in frame.columns:
            if c in cats:
                continue
            try:
                numeric[c] = frame[c].to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError):
                raise InputError(
                    f"column '{c}' is not numeric or categorical; encode the table with "
                    "TableEncoder first (fewlabels.make_model does)"
                ) from None
        return frame, numeric, cats

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> NumericView:
        """Learn the scaling of ``X``'s number columns. ``y`` is ignored."""
        if _is_table(X):
            validate_data(self, as_pandas(X), skip_check_array=True, reset=True)
        else:
            X = validate_data(self, X, ensure_all_finite="allow-nan", reset=True)
        frame, numeric, cats = self._parts(X)
        self.columns_ = list(frame.columns)
        self.categorical_ = list(cats)
        self.fill_, self.center_, self.scale_, self.has_missing_ = _fit_scaling(numeric)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The dense float matrix of ``X``."""
        check_is_fitted(self, "columns_")
        if _is_table(X):
            validate_data(self, as_pandas(X), skip_check_array=True, reset=False)
        else:
            X = validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        frame, numeric, cats = self._parts(X)
        return _numeric_matrix(self.columns_, numeric, cats, self, len(frame))
