"""The target contract: the one place that decides which rows are unlabeled, and what task
a target poses.

A row is unlabeled when its target is missing (``None``, ``NaN``, ``pd.NA``, ``NaT``, an
empty CSV cell), or when it equals an explicit ``unlabeled_value``. Without an explicit
``unlabeled_value``, an integer-valued target also marks unlabeled rows with
:data:`UNLABELED` (``-1``, scikit-learn's convention), unless -1 is plainly one of its
classes: when the target holds more than one negative value (say -2 and -1), -1 stays a
class and a :class:`TargetWarning` says so.

:func:`parse_target` turns a target, once, at the boundary, into a :class:`Target` that
knows its task (binary, multiclass, regression, positive-unlabeled, label proportions) and
carries the labeled mask, class codes, values, soft labels and weights. Estimators receive
that object in ``_fit`` unchanged. Nothing else in fewlabels re-implements these rules.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

from ..exceptions import InputError

__all__ = [
    "TASKS",
    "UNLABELED",
    "EncodedTarget",
    "Target",
    "TargetWarning",
    "encode_target",
    "infer_task",
    "parse_target",
    "placeholder_hint",
    "proportions_target",
    "to_python",
    "unlabeled_mask",
]

#: Marker for an unlabeled row in an integer target (scikit-learn's convention), and the
#: code an unlabeled row gets in :attr:`EncodedTarget.codes`.
UNLABELED = -1


#: What a target can ask of an estimator. "soft" is not a task of its own: it says that
#: the labels come as one probability per class (a 2-D target), for a classification task.
Task = Literal["binary", "multiclass", "regression", "positive-unlabeled", "proportions"]
TASKS: tuple[str, ...] = ("binary", "multiclass", "regression", "positive-unlabeled", "proportions")
CLASSIFICATION: frozenset[str] = frozenset({"binary", "multiclass"})

#: What each task needs, for the error that names a task the estimator cannot take.
_NEEDS = {
    "binary": "class labels of at least two classes",
    "multiclass": "class labels of at least two classes",
    "regression": "a numeric target to predict",
    "positive-unlabeled": "labels of one class only (the positives); the rest unlabeled",
    "proportions": "bags of rows with the share of each class per bag",
    "soft": "one probability per class and row (a 2-D target)",
}


class TargetWarning(UserWarning):
    """The target was read in a way the user may not expect (for instance, -1 as a class)."""


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
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     unlabeled_mask([-2, -1, 0, None]).tolist()  # -1 is a class beside -2
    [False, False, False, True]
    """
    s = _as_series(y)
    mask = s.isna().to_numpy(dtype=bool, copy=True)
    if unlabeled_value is not None:
        mask |= (s == unlabeled_value).to_numpy(dtype=bool, na_value=False)
    elif _is_integral(s):
        minus_one = (s == UNLABELED).to_numpy(dtype=bool, na_value=False)
        if minus_one.any():
            negatives = np.unique(s[(s < 0).to_numpy(dtype=bool, na_value=False)].to_numpy())
            if len(negatives) > 1:
                shown = ", ".join(str(int(v)) for v in negatives[:5])
                warnings.warn(
                    f"the target holds several negative values ({shown}), so -1 is read as a "
                    "class, not as 'unlabeled'; mark unlabeled rows with a missing value or "
                    "pass unlabeled_value",
                    TargetWarning,
                    stacklevel=2,
                )
            else:
                mask |= minus_one
    return mask


@dataclass(frozen=True, eq=False)
class Target:
    """A parsed target: which rows are labeled, with what, and for which task.

    Build one with :func:`parse_target` (or :func:`encode_target` for class labels,
    :func:`proportions_target` for label proportions). ``fit`` accepts a ``Target`` in
    place of ``y``, so a workflow that parsed once need not parse again.

    Attributes
    ----------
    task : {"binary", "multiclass", "regression", "positive-unlabeled", "proportions"}
    labeled : ndarray of bool, shape (n_samples,)
        Rows with a label (for proportions: rows in a bag).
    codes : ndarray of int64, shape (n_samples,)
        Index into :attr:`classes` for a labeled row, :data:`UNLABELED` elsewhere (and on
        every row of a regression or proportions target).
    classes : ndarray, shape (n_classes,)
        The sorted distinct labels (soft labels: the columns; regression: empty).
    values : ndarray of float, shape (n_samples,), or None
        Regression: the target, NaN on unlabeled rows.
    soft : ndarray of float, shape (n_samples, n_classes), or None
        Soft labels: a probability per class on labeled rows, 0 on unlabeled rows.
    weights : ndarray of float, shape (n_samples,), or None
        Per-row weights, when given.
    bags : ndarray of int64, shape (n_samples,), or None
        Proportions: each row's bag, :data:`UNLABELED` for a row in no bag.
    proportions : ndarray of float, shape (n_bags, n_classes), or None
        Proportions: the share of each class in each bag.
    """

    task: str
    labeled: np.ndarray
    codes: np.ndarray
    classes: np.ndarray
    values: np.ndarray | None = None
    soft: np.ndarray | None = None
    weights: np.ndarray | None = None
    bags: np.ndarray | None = None
    proportions: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.labeled)

    @property
    def shape(self) -> tuple[int]:
        return (len(self.labeled),)

    @property
    def n_labeled(self) -> int:
        return int(self.labeled.sum())

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def is_classification(self) -> bool:
        return self.task in CLASSIFICATION

    def class_counts(self) -> np.ndarray:
        """Labeled rows per class."""
        return np.bincount(self.codes[self.labeled], minlength=len(self.classes))

    def labels(self) -> np.ndarray:
        """An object array: each labeled row's class (or value), None on unlabeled rows."""
        out = np.full(len(self), None, dtype=object)
        if self.values is not None:
            out[self.labeled] = self.values[self.labeled]
        elif len(self.classes):
            out[self.labeled] = self.classes[self.codes[self.labeled]]
        return out

    def without(self, rows: np.ndarray) -> Target:
        """The same target with ``rows`` (indices or a mask) unlabeled, as a held-out fold
        needs; nothing else changes (the classes stay, even if a class loses every row)."""
        drop = np.zeros(len(self), dtype=bool)
        drop[rows] = True
        labeled = self.labeled & ~drop
        codes = np.where(drop, UNLABELED, self.codes)
        changes: dict[str, Any] = {"labeled": labeled, "codes": codes}
        if self.values is not None:
            changes["values"] = np.where(drop, np.nan, self.values)
        if self.soft is not None:
            changes["soft"] = np.where(drop[:, None], 0.0, self.soft)
        if self.bags is not None:
            changes["bags"] = np.where(drop, UNLABELED, self.bags)
        return replace(self, **changes)


#: The name earlier versions gave a classification :class:`Target`.
EncodedTarget = Target


def _rows_error(n: int, n_rows: int | None) -> None:
    if n_rows is not None and n != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {n}; give one label per row")


def _task_error(target_task: str, accepts: frozenset[str], who: str) -> InputError:
    takes = " or ".join(sorted(t for t in accepts if t in _NEEDS))
    return InputError(
        f"{who} cannot learn a {target_task} target ({_NEEDS[target_task]}); it takes {takes} "
        f"targets, which need {'; or '.join(_NEEDS[t] for t in sorted(accepts) if t in _NEEDS)}"
    )


def _soft_target(y: Any, unlabeled_value: Any) -> Target:
    columns = list(y.columns) if isinstance(y, pd.DataFrame) else None
    P = np.asarray(y, dtype=float)
    labeled = ~np.isnan(P).any(axis=1)
    rows = P[labeled]
    if np.any(rows < 0) or not np.allclose(rows.sum(axis=1), 1.0, atol=1e-6):
        raise InputError(
            "soft labels must be probabilities: each labeled row non-negative and summing to 1; "
            "leave a row blank (NaN) to mark it unlabeled"
        )
    classes = np.asarray(columns if columns is not None else np.arange(P.shape[1]))
    codes = np.full(len(P), UNLABELED, dtype=np.int64)
    codes[labeled] = rows.argmax(axis=1)
    soft = np.where(labeled[:, None], np.nan_to_num(P), 0.0)
    task = "binary" if P.shape[1] == 2 else "multiclass"
    return Target(task=task, labeled=labeled, codes=codes, classes=classes, soft=soft)


def _regression_target(s: pd.Series, unlabeled_value: Any) -> Target:
    labeled = ~s.isna().to_numpy(dtype=bool)
    if unlabeled_value is not None:
        labeled &= ~(s == unlabeled_value).to_numpy(dtype=bool, na_value=False)
    try:
        values = pd.to_numeric(s.where(labeled), errors="raise").to_numpy(
            dtype=float, na_value=np.nan
        )
    except (TypeError, ValueError):
        raise InputError(
            "a regression target must be numeric; give numbers, with a blank for unlabeled rows"
        ) from None
    if not np.all(np.isfinite(values[labeled])):
        raise InputError("the target holds infinite values; give finite numbers")
    n = len(values)
    return Target(
        task="regression",
        labeled=labeled,
        codes=np.full(n, UNLABELED, dtype=np.int64),
        classes=np.array([]),
        values=values,
    )


def parse_target(
    y: Any,
    accepts: frozenset[str] | set[str] = CLASSIFICATION,
    *,
    unlabeled_value: Any = None,
    sample_weight: Any = None,
    n_rows: int | None = None,
    who: str = "this estimator",
) -> Target:
    """Parse a partially labeled target, once, into a :class:`Target`.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_classes), or Target
        Class labels or numbers, unlabeled rows marked as in the module docstring; a 2-D
        target of probabilities is read as soft labels. A :class:`Target` is checked and
        returned as is.
    accepts : set of str
        The tasks the caller can learn (see :data:`TASKS`), plus ``"soft"`` when it takes
        soft labels. A continuous target is read as regression only when ``"regression"``
        is accepted; labels of a single class are read as positive-unlabeled only when
        ``"positive-unlabeled"`` is.
    unlabeled_value : scalar, optional
        The value that marks an unlabeled row (then -1 is an ordinary value).
    sample_weight : array-like of shape (n_samples,), optional
    n_rows : int, optional
        The number of rows of ``X``, checked against ``y``.
    who : str
        The estimator's name, for error messages.

    Returns
    -------
    Target

    Examples
    --------
    >>> parse_target(["cat", None, "dog"]).task
    'binary'
    >>> t = parse_target([0.5, None, 2.25], accepts={"regression"})
    >>> t.task, t.labeled.tolist()
    ('regression', [True, False, True])
    >>> parse_target([1, -1, 1], accepts={"binary", "positive-unlabeled"}).task
    'positive-unlabeled'
    >>> parse_target([[0.9, 0.1], [float("nan")] * 2], accepts={"binary", "soft"}).soft
    array([[0.9, 0.1],
           [0. , 0. ]])
    """
    accepts = frozenset(accepts)
    if isinstance(y, Target):
        target = y
    else:
        shape = y.shape if hasattr(y, "shape") else np.asarray(y, dtype=object).shape
        two_d = len(shape) == 2 and shape[1] > 1
        if two_d:
            if "soft" not in accepts:
                raise InputError(
                    f"{who} takes one label per row, but y has {np.shape(y)[1]} columns; soft "
                    "labels (one probability per class) need an estimator that takes them"
                )
            target = _soft_target(y, unlabeled_value)
        else:
            s = _as_series(y)
            if "regression" in accepts and not (accepts & CLASSIFICATION):
                target = _regression_target(s, unlabeled_value)
            else:
                target = _class_target(s, unlabeled_value, regression="regression" in accepts)
                if target.values is None and len(target.classes) == 1:
                    if "positive-unlabeled" in accepts:
                        target = replace(target, task="positive-unlabeled")
        if sample_weight is not None:
            w = np.asarray(sample_weight, dtype=float)
            if w.shape != (len(target),) or np.any(w < 0) or not np.all(np.isfinite(w)):
                raise InputError(
                    f"sample_weight must hold one finite, non-negative weight per row "
                    f"({len(target)}); got shape {w.shape}"
                )
            target = replace(target, weights=w)
    _rows_error(len(target), n_rows)
    if target.n_labeled == 0:
        raise InputError("no row has a label; label at least one row of each class")
    if target.task in CLASSIFICATION and len(target.classes) < 2:
        raise InputError(
            f"the labeled rows hold only one class ({to_python(target.classes[0])!r}); "
            "label at least one row of another class"
        )
    if target.task not in accepts:
        raise _task_error(target.task, accepts, who)
    if target.soft is not None and "soft" not in accepts:
        raise _task_error("soft", accepts, who)
    return target


def to_python(value: Any) -> Any:
    """A NumPy scalar as the Python scalar it holds (a class value for JSON, a report or a
    file); anything else as it is.

    >>> to_python(np.int64(3)), to_python("a")
    (3, 'a')
    """
    return value.item() if isinstance(value, np.generic) else value


def _class_target(s: pd.Series, unlabeled_value: Any, regression: bool = False) -> Target:
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
        if kind == "continuous" and regression:
            return _regression_target(s, unlabeled_value)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {kind!r}. fewlabels classifiers need discrete class labels"
            )
    classes, inverse = np.unique(arr, return_inverse=True)
    codes = np.full(len(s), UNLABELED, dtype=np.int64)
    codes[labeled] = inverse
    task = "binary" if len(classes) <= 2 else "multiclass"
    return Target(task=task, labeled=labeled, codes=codes, classes=classes)


def encode_target(y: Any, unlabeled_value: Any = None) -> Target:
    """Encode a partially labeled classification target (no checks on the class count).

    Integer-valued float targets (a CSV column of integers with blanks) get integer classes.
    A continuous target raises ``ValueError("Unknown label type: ...")`` as scikit-learn does.

    Examples
    --------
    >>> t = encode_target([2.0, float("nan"), 5.0, 2.0])
    >>> t.codes.tolist(), t.classes.tolist()
    ([0, -1, 1, 0], [2, 5])
    """
    if isinstance(y, Target):
        return y
    return _class_target(_as_series(y), unlabeled_value)


def proportions_target(
    bags: Any, proportions: Any, classes: Any = None, who: str = "this estimator"
) -> Target:
    """A label-proportions target: each row's bag and each bag's class shares.

    Parameters
    ----------
    bags : array-like of shape (n_samples,)
        Each row's bag (any hashable; missing for a row in no bag).
    proportions : mapping or DataFrame
        Per bag, the share of each class: ``{bag: {class: share}}`` or a frame indexed by
        bag with one column per class. Each bag's shares sum to 1.
    classes : sequence, optional
        The class order; default: sorted class names.

    Examples
    --------
    >>> t = proportions_target(["a", "a", "b", None], {"a": {"x": 0.5, "y": 0.5}, "b": {"x": 1.0}})
    >>> t.task, t.bags.tolist(), t.proportions.tolist()
    ('proportions', [0, 0, 1, -1], [[0.5, 0.5], [1.0, 0.0]])
    """
    table = (
        pd.DataFrame(proportions).T if isinstance(proportions, dict) else pd.DataFrame(proportions)
    )
    table = table.fillna(0.0)
    names = list(classes) if classes is not None else sorted(table.columns)
    table = table.reindex(columns=names, fill_value=0.0)
    P = table.to_numpy(dtype=float)
    if np.any(P < 0) or not np.allclose(P.sum(axis=1), 1.0, atol=1e-6):
        raise InputError("each bag's class shares must be non-negative and sum to 1")
    s = _as_series(bags)
    in_bag = ~s.isna().to_numpy(dtype=bool)
    lookup = {b: i for i, b in enumerate(table.index.tolist())}
    unknown = sorted({str(b) for b in s[in_bag] if b not in lookup})
    if unknown:
        raise InputError(
            f"rows name bags without proportions ({', '.join(unknown[:5])}); give each bag its shares"
        )
    bag_codes = np.full(len(s), UNLABELED, dtype=np.int64)
    bag_codes[in_bag] = [lookup[b] for b in s[in_bag]]
    target = Target(
        task="proportions",
        labeled=in_bag,
        codes=np.full(len(s), UNLABELED, dtype=np.int64),
        classes=np.asarray(names),
        bags=bag_codes,
        proportions=P,
    )
    if target.n_labeled == 0:
        raise InputError(f"{who}: no row is in a bag; give each row its bag")
    return target


#: Target values that usually stand for "no label" rather than for a class (compared
#: stripped and lower-cased) - see :func:`placeholder_hint`.
_PLACEHOLDERS = frozenset(
    {"?", "unknown", "-", "none", "n/a", "missing", "tbd", "null", "unlabeled", "unlabelled"}
)


#: A whole-number target with more distinct labeled values than this is read as a
#: quantity (regression), not as classes.
MAX_WHOLE_NUMBER_CLASSES = 30


def infer_task(
    y: Any, unlabeled_value: Any = None, max_classes: int = MAX_WHOLE_NUMBER_CLASSES
) -> tuple[str, str]:
    """Whether a target asks for classes or for a number, and why, in one sentence.

    Text, booleans and categories are class labels. Numbers with a fractional part are a
    quantity to predict (regression). Whole numbers are classes unless they take more
    than ``max_classes`` distinct values (a price in dollars, a count of days): then a
    quantity. The unlabeled rows follow :func:`unlabeled_mask`.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    unlabeled_value : scalar, optional
    max_classes : int, default=30

    Returns
    -------
    task : {"classification", "regression"}
    reason : str

    Examples
    --------
    >>> infer_task([0.5, None, 2.25])[0]
    'regression'
    >>> infer_task(["yes", "no", None])[0]
    'classification'
    >>> infer_task(list(range(100)) + [None])
    ('regression', 'the labeled values are 100 distinct whole numbers (more than 30): read as a quantity')
    """
    s = _as_series(y)
    values = s[~unlabeled_mask(s, unlabeled_value)]
    numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
        values.dtype
    )
    if not numeric:
        converted = pd.to_numeric(values, errors="coerce")
        if len(values) and converted.notna().all() and values.map(type).isin((int, float)).all():
            values, numeric = converted, True
    if not numeric:
        return "classification", "the labeled values are not numbers: read as classes"
    v = values.to_numpy(dtype=float, na_value=np.nan)
    v = v[np.isfinite(v)]
    n_distinct = len(np.unique(v))
    if not np.all(v == np.round(v)):
        example = to_python(v[v != np.round(v)][0])
        return (
            "regression",
            f"the labeled values are numbers with fractions (e.g. {example!r}): read as a quantity",
        )
    if n_distinct > max_classes:
        return (
            "regression",
            f"the labeled values are {n_distinct} distinct whole numbers (more than "
            f"{max_classes}): read as a quantity",
        )
    return (
        "classification",
        f"the labeled values are {n_distinct} distinct whole numbers (at most {max_classes}): "
        "read as classes",
    )


def placeholder_hint(values: Any, min_share: float = 0.05) -> str | None:
    """A one-line suggestion when a target seems to mark unlabeled rows with a placeholder.

    A placeholder is a string such as ``?``, ``unknown``, ``-``, ``none``, ``n/a``,
    ``missing``, ``tbd``, ``null`` or ``unlabeled`` (compared stripped and case-insensitive).
    The most frequent one is suggested when it is on at least ``min_share`` of the rows and
    on at least 2 rows. The function only looks; it decides nothing.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
        The target column as read (missing values are ignored).
    min_share : float, default=0.05
        The smallest share of all rows the placeholder must be on.

    Returns
    -------
    str or None
        For example ``"did you mean --unlabeled-value '?' (the target holds '?' on 37
        rows)"``; None when no placeholder is frequent enough.

    Examples
    --------
    >>> placeholder_hint(["cat", "dog", "?", "?", "cat"])
    "did you mean --unlabeled-value '?' (the target holds '?' on 2 rows)"
    >>> placeholder_hint(["cat", "dog", "cat", None]) is None
    True
    """
    s = _as_series(values)
    n_rows = len(s)
    if n_rows == 0:
        return None
    strings = s[s.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)].astype(object)
    if strings.empty:
        return None
    is_placeholder = strings.str.strip().str.lower().isin(_PLACEHOLDERS).to_numpy(dtype=bool)
    counts = strings[is_placeholder].value_counts()
    if counts.empty:
        return None
    value, count = str(counts.index[0]), int(counts.iloc[0])
    if count < 2 or count < min_share * n_rows:
        return None
    return f"did you mean --unlabeled-value {value!r} (the target holds {value!r} on {count} rows)"
