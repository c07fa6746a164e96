"""Labeling functions (LFs): small named callables that vote for a class or abstain.

The contract is snorkel's, so existing LFs work unchanged: an LF takes one row ``x`` (read
by column name, ``x.amount`` or ``x["amount"]``) and returns a class or :data:`ABSTAIN`
(``-1``). A *vectorised* LF takes the whole table at once and returns one vote per row;
the appliers (:mod:`fewlabels.weak.apply`) call it once instead of once per row.

A vote is a class *code* (0 .. n_classes - 1), as in snorkel, or, when the applier is given
the target's classes, the class itself (``"spam"``); ``None`` counts as an abstain. LFs see a
missing cell as NaN in every column, pandas 3 string columns included (never ``pd.NA``), so
a comparison such as ``x.text == "refund"`` is False on a blank cell instead of raising.

Builders cover the common rules (:func:`keyword_lf`, :func:`regex_lf`, :func:`threshold_lf`,
:func:`range_lf`, :func:`category_lf`); each is vectorised. :func:`generate_stump_lfs`
writes LFs from a few true labels, as Snuba and AutoWS-Bench do: one-sided thresholds on
single features, kept where their accuracy on held-out labels is high. Every LF here is a
plain picklable object (no closures), so a fitted model that holds them can be saved.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError

__all__ = [
    "ABSTAIN",
    "CategoryLF",
    "LabelingFunction",
    "RangeLF",
    "RegexLF",
    "ThresholdLF",
    "as_labeling_functions",
    "category_lf",
    "generate_stump_lfs",
    "keyword_lf",
    "labeling_function",
    "range_lf",
    "regex_lf",
    "threshold_lf",
]

#: The vote of an LF that does not label a row (snorkel's value).
ABSTAIN = -1


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


class LabelingFunction:
    """A named labeling function.

    Parameters
    ----------
    name : str
        Shown in the LF table and in error messages; must be unique within a set of LFs.
    f : callable
        ``f(x, **resources) -> label or ABSTAIN`` for one row ``x``; with
        ``vectorized=True``, ``f(frame, **resources)`` returns one vote per row.
    resources : dict, optional
        Keyword arguments passed to ``f`` on every call (snorkel's ``resources``).
    vectorized : bool, default=False
        ``f`` takes the whole table (a pandas DataFrame) instead of one row.

    Examples
    --------
    >>> lf = LabelingFunction("big", lambda x: 1 if x["amount"] > 10 else ABSTAIN)
    >>> lf({"amount": 12}), lf({"amount": 3})
    (1, -1)
    """

    def __init__(
        self,
        name: str,
        f: Callable[..., Any] | None = None,
        resources: dict[str, Any] | None = None,
        vectorized: bool = False,
    ) -> None:
        self.name = name
        self.f = f
        self.resources = dict(resources or {})
        self.vectorized = vectorized

    def __call__(self, x: Any) -> Any:
        """The vote on one row."""
        if self.f is None:
            raise NotImplementedError
        if self.vectorized:  # a one-row table, for a row-wise caller
            frame = pd.DataFrame([dict(x)])
            return np.asarray(self.f(frame, **self.resources))[0]
        return self.f(x, **self.resources)

    def apply_frame(self, frame: pd.DataFrame) -> Any:
        """The votes on every row of ``frame`` at once, or None when the LF is row-wise."""
        if not self.vectorized or self.f is None:
            return None
        return self.f(frame, **self.resources)

    def __repr__(self) -> str:
        kind = "vectorised" if self.vectorized else "row-wise"
        return f"{type(self).__name__}({self.name!r}, {kind})"


def labeling_function(
    name: str | Callable[..., Any] | None = None,
    resources: dict[str, Any] | None = None,
    vectorized: bool = False,
) -> Any:
    """Decorate a function to make it a :class:`LabelingFunction` (snorkel's decorator).

    Both ``@labeling_function()`` (snorkel's spelling) and ``@labeling_function`` work.

    Parameters
    ----------
    name : str, optional
        The LF's name; the function's name by default.
    resources : dict, optional
        Keyword arguments passed to the function on every call.
    vectorized : bool, default=False
        The function takes the whole table and returns one vote per row.

    Examples
    --------
    >>> @labeling_function()
    ... def lf_refund(x):
    ...     return 1 if "refund" in x.text.lower() else ABSTAIN
    >>> import pandas as pd
    >>> lf_refund.name, lf_refund(pd.Series({"text": "Refund please"}))
    ('lf_refund', 1)
    """
    if callable(name):  # used bare: @labeling_function
        return LabelingFunction(name.__name__, name)

    def wrap(f: Callable[..., Any]) -> LabelingFunction:
        return LabelingFunction(name or f.__name__, f, resources, vectorized)

    return wrap


class _SnorkelLF(LabelingFunction):
    """A snorkel ``LabelingFunction`` (its preprocessors included), called on a pandas row."""

    needs_series = True

    def __init__(self, lf: Any) -> None:
        super().__init__(str(lf.name), lf)

    def __call__(self, x: Any) -> Any:
        row = x if isinstance(x, pd.Series) else pd.Series(dict(x))
        return self.f(row)  # type: ignore[misc]


def as_labeling_functions(lfs: Any) -> list[LabelingFunction]:
    """A list of :class:`LabelingFunction` from LFs, snorkel LFs or named plain functions.

    Raises :class:`~fewlabels.exceptions.InputError` for an empty list, for something
    that is not callable and for two LFs with the same name.

    Examples
    --------
    >>> def lf_a(x):
    ...     return ABSTAIN
    >>> [lf.name for lf in as_labeling_functions([lf_a, keyword_lf("t", ["x"], 1)])]
    ['lf_a', 'keyword_t_x']
    """
    if isinstance(lfs, LabelingFunction) or callable(lfs):
        lfs = [lfs]
    out: list[LabelingFunction] = []
    for lf in lfs:
        if isinstance(lf, LabelingFunction):
            out.append(lf)
        elif type(lf).__module__.startswith("snorkel.") and hasattr(lf, "name"):
            out.append(_SnorkelLF(lf))
        elif callable(lf):
            out.append(LabelingFunction(getattr(lf, "__name__", repr(lf)), lf))
        else:
            raise InputError(
                f"{lf!r} is not a labeling function; decorate a function with "
                "@labeling_function() or use a builder such as keyword_lf"
            )
    if not out:
        raise InputError("no labeling functions given; pass at least one LF")
    names = [lf.name for lf in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"two labeling functions share the name {dup[0]!r}; give each a name")
    return out


# --------------------------------------------------------------------------- builders
def _column(frame: pd.DataFrame, column: Any, lf: str) -> pd.Series:
    if column not in frame.columns:
        cols = ", ".join(repr(str(c)) for c in list(frame.columns)[:12])
        raise InputError(
            f"labeling function {lf!r} reads column {column!r}, which the table "
            f"lacks; the columns are: {cols}"
        )
    return frame[column]


def _votes(mask: Any, label: Any) -> np.ndarray:
    mask = np.asarray(mask, dtype=bool)
    out = np.full(len(mask), ABSTAIN, dtype=object)
    out[mask] = label
    return out


class RegexLF(LabelingFunction):
    """Votes ``label`` where the text in ``column`` matches ``pattern`` (``re.search``)."""

    def __init__(self, name: str, column: Any, pattern: str, label: Any, flags: int = 0) -> None:
        super().__init__(name, vectorized=True)
        self.column, self.pattern, self.label, self.flags = column, pattern, label, flags

    def __call__(self, x: Any) -> Any:
        v = x[self.column]
        if _missing(v):
            return ABSTAIN
        return self.label if re.search(self.pattern, str(v), self.flags) else ABSTAIN

    def apply_frame(self, frame: pd.DataFrame) -> np.ndarray:
        s = _column(frame, self.column, self.name)
        if not (pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s)):
            s = s.astype("string")
        with warnings.catch_warnings():  # "has match groups": only the match matters here
            warnings.simplefilter("ignore", UserWarning)
            hit = s.str.contains(self.pattern, flags=self.flags, regex=True, na=False)
        return _votes(hit.to_numpy(dtype=bool, na_value=False), self.label)


def regex_lf(
    column: Any, pattern: str, label: Any, *, flags: int = re.IGNORECASE, name: str | None = None
) -> RegexLF:
    """An LF voting ``label`` where ``column`` matches the regular expression ``pattern``.

    Examples
    --------
    >>> import pandas as pd
    >>> lf = regex_lf("text", r"\\bre(fund|turn)", 1)
    >>> lf.apply_frame(pd.DataFrame({"text": ["A refund", "fine", None]})).tolist()
    [1, -1, -1]
    """
    return RegexLF(name or f"regex_{column}_{pattern}", column, pattern, label, flags)


def keyword_lf(
    column: Any,
    keywords: Iterable[str],
    label: Any,
    *,
    case: bool = False,
    whole_word: bool = True,
    name: str | None = None,
) -> RegexLF:
    """An LF voting ``label`` where the text in ``column`` holds any of ``keywords``.

    ``whole_word`` matches at word boundaries ("refund" does not hit "refunded" unless
    listed); ``case=False`` ignores case.

    Examples
    --------
    >>> import pandas as pd
    >>> lf = keyword_lf("text", ["refund", "broken"], "complaint")
    >>> lf.apply_frame(pd.DataFrame({"text": ["Broken lid", "great", pd.NA]})).tolist()
    ['complaint', -1, -1]
    """
    words = [str(k) for k in keywords]
    if not words:
        raise InputError(f"keyword_lf on {column!r} got no keywords")
    alt = "|".join(re.escape(w) for w in words)
    pattern = rf"\b(?:{alt})\b" if whole_word else f"(?:{alt})"
    return RegexLF(
        name or f"keyword_{column}_{'_'.join(words[:3])}",
        column,
        pattern,
        label,
        0 if case else re.IGNORECASE,
    )


def _number(v: Any) -> float:
    if _missing(v):
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


class ThresholdLF(LabelingFunction):
    """Votes ``label`` where ``column > threshold`` (``above``) or ``column <= threshold``."""

    def __init__(
        self, name: str, column: Any, threshold: float, label: Any, above: bool = True
    ) -> None:
        super().__init__(name, vectorized=True)
        self.column, self.threshold, self.label, self.above = column, threshold, label, above

    def _hit(self, v: Any) -> Any:
        return v > self.threshold if self.above else v <= self.threshold

    def __call__(self, x: Any) -> Any:
        v = _number(x[self.column])
        return self.label if (not math.isnan(v) and self._hit(v)) else ABSTAIN

    def apply_frame(self, frame: pd.DataFrame) -> np.ndarray:
        s = _column(frame, self.column, self.name)
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            return _votes(~np.isnan(v) & self._hit(v), self.label)


def threshold_lf(
    column: Any, threshold: float, label: Any, *, above: bool = True, name: str | None = None
) -> ThresholdLF:
    """An LF voting ``label`` where ``column > threshold`` (or ``<=`` with ``above=False``).

    Examples
    --------
    >>> import pandas as pd
    >>> lf = threshold_lf("amount", 10_000, "fraud")
    >>> lf.apply_frame(pd.DataFrame({"amount": [20_000, 50, None]})).tolist()
    ['fraud', -1, -1]
    """
    op = ">" if above else "<="
    return ThresholdLF(name or f"{column}{op}{threshold:g}", column, float(threshold), label, above)


class RangeLF(LabelingFunction):
    """Votes ``label`` where ``low <= column <= high`` (bounds may be None)."""

    def __init__(
        self, name: str, column: Any, low: float | None, high: float | None, label: Any
    ) -> None:
        super().__init__(name, vectorized=True)
        self.column, self.low, self.high, self.label = column, low, high, label

    def _hit(self, v: Any) -> Any:
        ok = np.ones_like(v, dtype=bool) if isinstance(v, np.ndarray) else True
        if self.low is not None:
            ok = ok & (v >= self.low)
        if self.high is not None:
            ok = ok & (v <= self.high)
        return ok

    def __call__(self, x: Any) -> Any:
        v = _number(x[self.column])
        return self.label if (not math.isnan(v) and self._hit(v)) else ABSTAIN

    def apply_frame(self, frame: pd.DataFrame) -> np.ndarray:
        s = _column(frame, self.column, self.name)
        v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            return _votes(~np.isnan(v) & self._hit(v), self.label)


def range_lf(
    column: Any, low: float | None, high: float | None, label: Any, *, name: str | None = None
) -> RangeLF:
    """An LF voting ``label`` where ``low <= column <= high`` (a None bound is open).

    Examples
    --------
    >>> import pandas as pd
    >>> range_lf("age", 18, 25, 1).apply_frame(pd.DataFrame({"age": [17, 18, 30]})).tolist()
    [-1, 1, -1]
    """
    if low is None and high is None:
        raise InputError(f"range_lf on {column!r} needs a low or a high bound")
    return RangeLF(name or f"{low}<={column}<={high}", column, low, high, label)


class CategoryLF(LabelingFunction):
    """Votes ``label`` where ``column`` is one of ``values``."""

    def __init__(self, name: str, column: Any, values: Sequence[Any], label: Any) -> None:
        super().__init__(name, vectorized=True)
        self.column, self.values, self.label = column, list(values), label

    def __call__(self, x: Any) -> Any:
        v = x[self.column]
        if _missing(v):
            return ABSTAIN
        return self.label if v in self.values else ABSTAIN

    def apply_frame(self, frame: pd.DataFrame) -> np.ndarray:
        s = _column(frame, self.column, self.name)
        hit = s.astype(object).isin(self.values) & s.notna()
        return _votes(hit.to_numpy(dtype=bool), self.label)


def category_lf(
    column: Any, values: Iterable[Any], label: Any, *, name: str | None = None
) -> CategoryLF:
    """An LF voting ``label`` where ``column`` is one of ``values``.

    Examples
    --------
    >>> import pandas as pd
    >>> lf = category_lf("country", ["NZ", "AU"], "apac")
    >>> lf.apply_frame(pd.DataFrame({"country": ["NZ", "FR", None]})).tolist()
    ['apac', -1, -1]
    """
    vals = list(values)
    return CategoryLF(name or f"{column}_in_{'_'.join(map(str, vals[:3]))}", column, vals, label)


# ------------------------------------------------------------------ generated from labels
def generate_stump_lfs(
    X: Any,
    codes: np.ndarray,
    *,
    min_accuracy: float = 0.7,
    max_lfs: int = 20,
    holdout: float = 0.5,
    min_votes: int = 3,
    random_state: Any = None,
) -> list[LabelingFunction]:
    """LFs written from a few true labels: one-sided thresholds on single features.

    The labeled rows are split (stratified) into a part that places the thresholds and a
    held-out part that judges them. On each numeric feature, a depth-1 tree fitted on the
    first part gives a threshold; each side becomes an LF voting the side's majority class.
    An LF is kept when, on the held-out labels it votes on (at least ``min_votes``), its
    accuracy is at least ``min_accuracy`` and beats always voting its class; the
    ``max_lfs`` most accurate are returned (ranked by a Wilson lower bound).

    Parameters
    ----------
    X : DataFrame or array of shape (n_samples, n_features)
        Numeric features; an array's columns are named by position.
    codes : ndarray of int, shape (n_samples,)
        Class codes, :data:`~fewlabels.data.UNLABELED` (-1) on unlabeled rows.
    min_accuracy : float, default=0.7
    max_lfs : int, default=20
    holdout : float, default=0.5
        Share of the labeled rows held out to judge the LFs.
    min_votes : int, default=3
    random_state : int, RandomState or None

    Returns
    -------
    list of ThresholdLF
        Each votes a class code; empty when too few labels (a class with one label).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.c_[np.r_[rng.normal(0, 1, 50), rng.normal(4, 1, 50)], rng.normal(0, 1, 100)]
    >>> lfs = generate_stump_lfs(X, np.repeat([0, 1], 50), random_state=0)
    >>> sorted({lf.column for lf in lfs})
    [0]
    """
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier
    from sklearn.utils import check_random_state

    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=float))
    codes = np.asarray(codes)
    rows = np.flatnonzero(codes >= 0)
    counts = np.bincount(codes[rows]) if len(rows) else np.zeros(0, int)
    if len(rows) < 4 or (counts[counts > 0] < 2).any() or (counts > 0).sum() < 2:
        return []
    rs = check_random_state(random_state)
    n_test = max(int(round(holdout * len(rows))), (counts > 0).sum())
    if len(rows) - n_test < (counts > 0).sum():
        return []
    fit_rows, test_rows = train_test_split(
        rows, test_size=n_test, stratify=codes[rows], random_state=rs.randint(2**31 - 1)
    )
    y_fit, y_test = codes[fit_rows], codes[test_rows]
    scored: list[tuple[float, ThresholdLF]] = []
    for col in frame.columns:
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        vf, vt = values[fit_rows], values[test_rows]
        ok = ~np.isnan(vf)
        if ok.sum() < 2 or np.nanmin(vf) == np.nanmax(vf):
            continue
        tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(vf[ok, None], y_fit[ok])
        if tree.tree_.node_count < 3:
            continue
        t = float(tree.tree_.threshold[0])
        leaf_class = tree.classes_[np.argmax(tree.tree_.value[[1, 2], 0, :], axis=1)]
        for above, label in ((False, leaf_class[0]), (True, leaf_class[1])):
            with np.errstate(invalid="ignore"):
                hit = ~np.isnan(vt) & ((vt > t) if above else (vt <= t))
            n = int(hit.sum())
            if n < min_votes:
                continue
            acc = float((y_test[hit] == label).mean())
            base = float((y_test == label).mean())
            if acc >= min_accuracy and acc > base:
                lf = threshold_lf(
                    col,
                    t,
                    int(label),
                    above=above,
                    name=f"stump_{col}{'>' if above else '<='}{t:.4g}",
                )
                scored.append((_wilson_low(acc, n), lf))
    scored.sort(key=lambda s: -s[0])
    return [lf for _, lf in scored[:max_lfs]]


def _wilson_low(p: float, n: int, z: float = 1.96) -> float:
    """The lower end of the Wilson score interval of a proportion ``p`` out of ``n``."""
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    return float((centre - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / denom)
