"""The base classes of fewlabels' estimators.

Every estimator takes ``fit(X, y)`` where ``y`` marks unlabeled rows as described in
:mod:`fewlabels.data.labels`. The public ``fit`` validates ``X``, parses ``y`` once into a
:class:`~fewlabels.data.Target` and resolves the seed; a family implements the private
hook ``_fit(X, target, random_state)`` on that validated input. ``target.codes`` holds
class indices and :data:`~fewlabels.data.UNLABELED` for unlabeled rows.

A family states which targets it learns in ``_target_tasks`` (class labels by default; a
positive-unlabeled family adds ``"positive-unlabeled"``, a regressor has
``"regression"``, one that takes soft labels adds ``"soft"``) and may refine the check in
``_check_target``. :class:`BaseFewLabelsRegressor` is the classifiers' sibling.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .data.encoder import ENCODED, _is_table
from .data.io import as_pandas
from .data.labels import CLASSIFICATION, Target, parse_target

__all__ = [
    "BaseFewLabelsClassifier",
    "BaseFewLabelsEstimator",
    "BaseFewLabelsRegressor",
    "WrapsEstimatorMixin",
    "labels_from_proba",
    "needs_encoding",
    "predict_proba_chunked",
    "validate_X",
]


def predict_proba_chunked(
    model: Any, X: Any, rows: np.ndarray | None, n_classes: int, chunk_size: int = 100_000
) -> np.ndarray:
    """``model.predict_proba`` on ``X[rows]`` (all rows when None), ``chunk_size`` rows at a time.

    ``model`` was fitted on class codes; its columns are placed by code, so a model that
    saw only some classes still yields an ``(n, n_classes)`` matrix.
    """
    if rows is None:
        rows = np.arange(X.shape[0])
    out = np.zeros((len(rows), n_classes))
    for start in range(0, len(rows), chunk_size):
        part = rows[start : start + chunk_size]
        out[start : start + len(part)][:, np.asarray(model.classes_, dtype=int)] = (
            model.predict_proba(_safe_indexing(X, part))
        )
    return out


def labels_from_proba(model: Any, proba: np.ndarray) -> np.ndarray:
    """What ``model.predict(X)`` returns, from ``proba = model.predict_proba(X)``, without a
    second pass over ``X``. A model (or a pipeline's last step) with a ``decide(proba)``
    method, such as a tuned decision threshold, decides; otherwise the most probable class."""
    last = model.steps[-1][1] if hasattr(model, "steps") else model
    decide = getattr(last, "decide", None)
    idx = decide(proba) if decide is not None else np.argmax(proba, axis=1)
    return np.asarray(model.classes_)[idx]


def validate_X(estimator: Any, X: Any, reset: bool, accepts_tables: bool, allow_nan: bool) -> Any:
    """Check ``X`` for ``estimator`` (``n_features_in_``, names): a table stays a pandas
    DataFrame when ``accepts_tables`` (native categoricals untouched), else an array."""
    if accepts_tables and _is_table(X):
        frame = as_pandas(X)
        validate_data(estimator, frame, skip_check_array=True, reset=reset)
        return frame
    return validate_data(
        estimator, X, reset=reset, ensure_all_finite="allow-nan" if allow_nan else True
    )


def needs_encoding(frame: Any, allow_nan: bool = True) -> bool:
    """Whether a table must go through :class:`~fewlabels.data.TableEncoder` before a model
    sees it: it has a column that is not plain numbers (text, categories, dates, booleans,
    pandas' nullable types), or missing values where ``allow_nan`` is False. A table that
    a ``TableEncoder`` produced (its ``"native"`` output) never does.

    >>> import pandas as pd
    >>> needs_encoding(pd.DataFrame({"a": [1.0, 2.0]})), needs_encoding(pd.DataFrame({"a": ["x"]}))
    (False, True)
    """
    if frame.attrs.get(ENCODED):
        return False
    for dtype in frame.dtypes:
        if not (isinstance(dtype, np.dtype) and dtype.kind in "iuf"):
            return True
    return not allow_nan and bool(frame.isna().to_numpy().any())


def _reads_categoricals(estimator: Any) -> bool:
    """Whether ``estimator`` takes pandas ``category`` columns itself (LightGBM, scikit-learn's
    histogram gradient boosting, an estimator tagged ``categorical``)."""
    from sklearn.utils import get_tags

    native = ("lightgbm", "sklearn.ensemble._hist_gradient_boosting")
    return any(k.__module__.startswith(native) for k in type(estimator).__mro__) or bool(
        get_tags(estimator).input_tags.categorical
    )


class WrapsEstimatorMixin:
    """For classifiers around a user-given ``estimator`` (LightGBM when None): missing values
    are allowed exactly when the wrapped model allows them, and a raw table is encoded the
    way the wrapped model reads it (native categoricals, or numbers)."""

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        if self.estimator is not None:
            tags.input_tags.allow_nan = get_tags(self.estimator).input_tags.allow_nan
        return tags

    def _table_output(self) -> str:
        estimator = getattr(self, "estimator", None)
        if estimator is None or _reads_categoricals(estimator):
            return super()._table_output()  # type: ignore[misc]
        return "numeric"


class BaseFewLabelsEstimator(BaseEstimator):
    """What every fewlabels estimator shares: it validates ``X``, parses the target once
    and resolves the seed, then calls the family's ``_fit(X, target, random_state)``.

    Subclasses set ``_accepts_tables`` to keep pandas input untouched (so that native
    categoricals reach a base model that uses them), ``_allow_nan`` when missing values
    are fine, and ``_target_tasks`` to the tasks they learn.

    A raw table (pandas, polars or Arrow) with text, category, date or boolean columns, or
    with missing values where the estimator takes none, is typed and encoded here exactly
    as ``fewlabels fit`` does it: by a :class:`~fewlabels.data.TableEncoder` (the
    ``"native"`` output for estimators that take tables, else ``"numeric"``), fitted once,
    kept as ``table_encoder_`` and applied again at predict time. A numeric array, an
    all-number table and a table that a ``TableEncoder`` already encoded (as in the
    pipelines of :func:`fewlabels.make_model`) pass through as before, and
    ``table_encoder_`` is None.
    """

    _accepts_tables: bool = False
    _allow_nan: bool = False
    #: The estimator encodes a raw table itself in ``_fit`` (on the rows it chooses, as its
    #: Dask path does): the table reaches ``_fit`` untouched.
    _encodes_tables: bool = False
    _target_tasks: ClassVar[frozenset[str]] = CLASSIFICATION
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {"random_state": ["random_state"]}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self._allow_nan
        tags.input_tags.categorical = self._accepts_tables
        return tags

    def _table_output(self) -> str:
        """The :class:`~fewlabels.data.TableEncoder` output a raw table is encoded to."""
        return "native" if self._accepts_tables else "numeric"

    def _validate_X(self, X: Any, reset: bool) -> Any:
        if reset:
            self.table_encoder_: Any = None
            if _is_table(X):
                from sklearn.utils import get_tags

                frame = as_pandas(X)
                if self._encodes_tables:
                    validate_data(self, frame, skip_check_array=True, reset=True)
                    return frame
                if needs_encoding(frame, get_tags(self).input_tags.allow_nan):
                    from .data.encoder import TableEncoder

                    validate_data(self, frame, skip_check_array=True, reset=True)
                    encoder = TableEncoder(output=self._table_output())
                    encoded = encoder.fit_transform(frame)
                    self.table_encoder_ = encoder
                    return encoded
        else:
            fitted = getattr(self, "table_encoder_", None)
            if fitted is not None:
                if _is_table(X):
                    X = as_pandas(X)
                    validate_data(self, X, skip_check_array=True, reset=False)
                return fitted.transform(X)
        return validate_X(self, X, reset, self._accepts_tables, self._allow_nan)

    def _check_target(self, target: Target) -> None:
        """A family's own conditions on a parsed target, beyond its task (none by default)."""

    def _set_target_attributes(self, target: Target) -> None:
        self.n_labeled_ = target.n_labeled

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any, **fit_params: Any) -> BaseFewLabelsEstimator:
        """Fit on labeled and unlabeled rows together.

        Parameters
        ----------
        X : table or array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), or Target
            The target; unlabeled rows hold a missing value (or -1 in an integer target).
            A :class:`~fewlabels.data.Target` parsed earlier is taken as is.
        **fit_params
            Passed to the family's ``_fit`` (for instance ``progress``).

        Returns
        -------
        self
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        X = self._validate_X(X, reset=True)
        if getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target = parse_target(y, self._target_tasks, n_rows=X.shape[0], who=type(self).__name__)
        self._check_target(target)
        self._set_target_attributes(target)
        rs = check_random_state(getattr(self, "random_state", None))
        self._fit(X, target, rs, **fit_params)
        return self

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        """The algorithm, on validated input (a subclass may accept fit parameters too)."""
        raise NotImplementedError


class BaseFewLabelsClassifier(ClassifierMixin, BaseFewLabelsEstimator):
    """Base of fewlabels classifiers: ``classes_`` from the target, probabilities from
    ``_predict_proba(X)``."""

    def _set_target_attributes(self, target: Target) -> None:
        super()._set_target_attributes(target)
        self.classes_ = target.classes

    def _encode_like_target(self, values: Any) -> np.ndarray:
        """Codes (indices into ``classes_``) of a fully labeled array; -1 for unknown labels."""
        values = np.asarray(values, dtype=object)
        lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
        return np.array([lookup.get(v.item() if hasattr(v, "item") else v, -1) for v in values])

    def _predict_proba(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self, "classes_")
        return self._predict_proba(self._validate_X(X, reset=False))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy on ``(X, y)``, a fully labeled target.

        A ``y`` with unlabeled rows (missing values, or -1 in an integer target) raises
        :class:`~fewlabels.exceptions.UnlabeledScoreError`: scored against the unlabeled
        marker, the accuracy would mean nothing. To cross-validate or search on a partly
        labeled target, use :mod:`fewlabels.model_selection`'s folds and scorers.
        """
        from .exceptions import UnlabeledScoreError
        from .model_selection import labeled_rows

        n_unlabeled = int((~labeled_rows(y)).sum())
        if n_unlabeled:
            raise UnlabeledScoreError(
                f"{type(self).__name__}.score got a target with {n_unlabeled} unlabeled "
                "row(s), which would be scored against the unlabeled marker; score labeled "
                "rows only: use fewlabels.model_selection (cv=LabeledStratifiedKFold(...), "
                "scoring=get_scorer('accuracy'), or its cross_validate)"
            )
        return float(super().score(X, y, sample_weight=sample_weight))


class BaseFewLabelsRegressor(RegressorMixin, BaseFewLabelsEstimator):
    """Base of fewlabels regressors, the classifiers' sibling: ``target.values`` holds the
    numbers (NaN on unlabeled rows), and ``_predict(X)`` returns one value per row."""

    _target_tasks: ClassVar[frozenset[str]] = frozenset({"regression"})

    def _predict(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def predict(self, X: Any) -> np.ndarray:
        """The predicted value of each row."""
        check_is_fitted(self, "n_labeled_")
        return self._predict(self._validate_X(X, reset=False))
