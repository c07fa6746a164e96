"""Semi-supervised regressors: the supervised baseline, COREG, self-training and value
propagation on a kNN graph, as scikit-learn regressors.

Every one takes ``fit(X, y)`` with a numeric ``y`` whose unlabeled rows are missing
(``NaN``, ``None``, ``pd.NA``; :mod:`fewlabels.data.labels` decides), and predicts one
number per row. The algorithms are the pure functions of :mod:`fewlabels.regression._core`.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..base import BaseFewLabelsRegressor, _reads_categoricals
from ..data.labels import Target
from ..exceptions import InputError
from ._core import (
    coreg,
    knn_predict,
    propagate_values,
    select_confident,
    spread_values,
    standardize,
)

__all__ = [
    "REGRESSORS",
    "COREGRegressor",
    "LabelPropagationRegressor",
    "SelfTrainingRegressor",
    "SupervisedRegressor",
    "default_regressor",
    "make_regressor",
]

#: The base models an ``estimator`` parameter may name.
REGRESSORS = ("lightgbm", "random-forest", "ridge")


def _seed(random_state: Any) -> int | None:
    if isinstance(random_state, (int, np.integer)):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    return None


def default_regressor(random_state: Any = None) -> Any:
    """LightGBM with settings that work from a handful of labeled rows upward (the
    regression twin of :func:`fewlabels.supervised.default_classifier`): small leaves,
    categorical splits on few rows, enough shrinkage to stay stable, one thread."""
    from lightgbm import LGBMRegressor

    return LGBMRegressor(
        n_estimators=200,
        learning_rate=0.05,
        num_leaves=15,
        min_child_samples=2,
        min_data_in_bin=1,
        min_data_per_group=2,
        cat_smooth=1.0,
        cat_l2=1.0,
        reg_lambda=1.0,
        subsample=0.9,
        subsample_freq=1,
        colsample_bytree=0.9,
        random_state=_seed(random_state),
        deterministic=True,
        force_row_wise=True,
        n_jobs=1,
        verbose=-1,
    )


def make_regressor(name: str, random_state: Any = None, n_jobs: int | None = None) -> Any:
    """A base regressor by name: ``"lightgbm"`` (:func:`default_regressor`),
    ``"random-forest"`` (100 trees) or ``"ridge"`` (standardized ridge, its penalty chosen
    by leave-one-out among 13 values from 1e-3 to 1e3).

    >>> type(make_regressor("random-forest")).__name__
    'RandomForestRegressor'
    """
    if name == "lightgbm":
        model = default_regressor(random_state)
        return model.set_params(n_jobs=n_jobs or 1)
    if name == "random-forest":
        from sklearn.ensemble import RandomForestRegressor

        return RandomForestRegressor(
            n_estimators=100, random_state=_seed(random_state), n_jobs=n_jobs
        )
    if name == "ridge":
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
    raise InputError(f"unknown regressor {name!r}; choose one of: {', '.join(REGRESSORS)}")


class _WrapsRegressor:
    """For regressors around an ``estimator`` (a model or a name of :data:`REGRESSORS`):
    missing values are allowed exactly when that model allows them, and a raw table is
    encoded the way it reads it (native categoricals for LightGBM, numbers otherwise)."""

    _default: ClassVar[str] = "lightgbm"

    def _base(self, random_state: Any = None) -> Any:
        estimator = getattr(self, "estimator", None)
        if estimator is None or isinstance(estimator, str):
            return make_regressor(estimator or self._default, random_state)
        return clone(estimator)

    def __sklearn_tags__(self):
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()  # type: ignore[misc]
        base = self._base()
        tags.input_tags.allow_nan = get_tags(base).input_tags.allow_nan
        tags.input_tags.categorical = _reads_categoricals(base)
        return tags

    def _table_output(self) -> str:
        return "native" if _reads_categoricals(self._base()) else "numeric"


_ESTIMATOR = [None, StrOptions(set(REGRESSORS)), HasMethods(["fit", "predict"])]


class SupervisedRegressor(_WrapsRegressor, BaseFewLabelsRegressor):
    """Fit a regressor on the labeled rows only: the baseline every method must beat.

    Parameters
    ----------
    estimator : {"lightgbm", "random-forest", "ridge"} or regressor, default=None
        The model (cloned). ``None`` or ``"lightgbm"``: :func:`default_regressor`, LightGBM
        with small-data settings, which reads native categoricals and missing values;
        ``"random-forest"``: 100 trees; ``"ridge"``: standardized ridge regression with
        the penalty chosen by leave-one-out.
    random_state : int, RandomState or None, default=None
        Seeds a named model (a given ``estimator`` keeps its own seed).

    Attributes
    ----------
    estimator_ : regressor
        The fitted model.
    n_labeled_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(8.0).reshape(-1, 1)
    >>> y = np.array([0.0, 2.0, np.nan, 6.0, np.nan, 10.0, 12.0, np.nan])
    >>> reg = SupervisedRegressor("ridge").fit(X, y)
    >>> round(float(reg.predict([[2.0]])[0]), 1), reg.n_labeled_
    (4.0, 5)
    """

    _accepts_tables = True
    _allow_nan = True

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": _ESTIMATOR,
        "random_state": ["random_state"],
    }

    def __init__(self, estimator: Any = None, random_state: Any = None):
        self.estimator = estimator
        self.random_state = random_state

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        assert target.values is not None
        lab = np.flatnonzero(target.labeled)
        base = self._base(random_state)
        self.estimator_ = base.fit(_safe_indexing(X, lab), target.values[lab])

    def _predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.estimator_.predict(X), dtype=float).ravel()


class _Standardized:
    """Numbers standardized on every row given to ``fit`` (labeled and unlabeled)."""

    def _fit_scaling(self, X: np.ndarray) -> np.ndarray:
        self.center_, self.scale_ = standardize(X)
        return self._scaled(X)

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=float) - self.center_) / self.scale_


def _pair(value: Any) -> tuple[Any, Any]:
    return (value, value) if np.isscalar(value) else (value[0], value[1])


class COREGRegressor(_Standardized, BaseFewLabelsRegressor):
    """COREG: two kNN regressors teach each other (Zhou & Li, IJCAI 2005).

    The regressors differ by their Minkowski distance ``p`` (the paper: 2 and 5) or
    their neighbour count. Each round, each scores a random pool of unlabeled rows by how
    much adding the row, with its own prediction, lowers the squared error on the row's
    labeled neighbourhood, and gives its best row (if that lowers the error at all) to the
    other regressor. It stops when neither finds such a row, or after ``max_iter`` rounds.
    The prediction averages both regressors. Inputs are standardized on all rows; a table
    is encoded to numbers (one-hot categories).

    Parameters
    ----------
    n_neighbors : int or pair of int, default=3
        Neighbours of each regressor (one value for both).
    p : float or pair of float, default=(2, 5)
        Minkowski power of each regressor's distance.
    max_iter : int, default=100
        Most co-training rounds (each adds at most one row to each regressor).
    pool_size : int, default=100
        Unlabeled rows scored per round, drawn at random and refilled.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    X1_, y1_, X2_, y2_ : ndarray
        Each regressor's training rows (standardized) and values after co-training.
    n_pseudo_labels_ : int
        Rows the two regressors labeled for each other, in all.
    n_iter_ : int
        Rounds run, the last one (which may find nothing) included.

    References
    ----------
    Zhou and Li, "Semi-supervised regression with co-training", IJCAI 2005.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(0, 1, (200, 1))
    >>> y = np.where(np.arange(200) < 20, np.sin(6 * X[:, 0]), np.nan)
    >>> reg = COREGRegressor(random_state=0).fit(X, y)
    >>> bool(np.sqrt(np.mean((reg.predict(X) - np.sin(6 * X[:, 0])) ** 2)) < 0.3)
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "p": [Interval(Real, 1, None, closed="left"), tuple, list],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_neighbors: Any = 3,
        p: Any = (2, 5),
        max_iter: int = 100,
        pool_size: int = 100,
        random_state: Any = None,
    ):
        self.n_neighbors = n_neighbors
        self.p = p
        self.max_iter = max_iter
        self.pool_size = pool_size
        self.random_state = random_state

    def _fit(self, X: np.ndarray, target: Target, random_state: np.random.RandomState) -> None:
        assert target.values is not None
        Z = self._fit_scaling(X)
        lab = target.labeled
        self.k_ = tuple(int(v) for v in _pair(self.n_neighbors))
        self.p_ = tuple(float(v) for v in _pair(self.p))
        if min(self.p_) < 1:
            raise InputError(f"p must be at least 1 for a Minkowski distance; got {self.p!r}")
        result = coreg(
            Z[lab],
            target.values[lab],
            Z[~lab],
            k=self.k_,  # type: ignore[arg-type]
            p=self.p_,  # type: ignore[arg-type]
            max_iter=self.max_iter,
            pool_size=self.pool_size,
            random_state=random_state,
        )
        self.X1_, self.y1_, self.X2_, self.y2_ = result.X1, result.y1, result.X2, result.y2
        self.n_pseudo_labels_ = len(result.added1) + len(result.added2)
        self.n_iter_ = result.n_iter

    def _predict(self, X: np.ndarray) -> np.ndarray:
        Q = self._scaled(X)
        a = knn_predict(self.X1_, self.y1_, Q, self.k_[0], self.p_[0])
        b = knn_predict(self.X2_, self.y2_, Q, self.k_[1], self.p_[1])
        return (a + b) / 2


class SelfTrainingRegressor(_WrapsRegressor, BaseFewLabelsRegressor):
    """Self-training for regression, the ensemble's spread as its confidence.

    Each round the model, fitted on the labeled and pseudo-labeled rows, predicts the
    remaining unlabeled rows together with the spread of an ensemble's predictions
    (``confidence``): the per-tree standard deviation of a forest (``"variance"``), or
    that of a committee of models fitted on bootstrap samples (``"committee"``, any
    model). The rows with the lowest spread, at most ``threshold`` times the labeled
    targets' standard deviation, get their prediction as a pseudo-label (at most
    ``fraction`` of the candidates and as many as there are labeled rows, a round). It stops when no row qualifies or after
    ``max_iter`` rounds, and the model is refitted on everything.

    Parameters
    ----------
    estimator : {"lightgbm", "random-forest", "ridge"} or regressor, default=None
        The model (cloned). ``None``: a random forest of 50 trees. ``"variance"`` needs a
        fitted ``estimators_`` list (a forest or a bagging ensemble).
    confidence : {"variance", "committee"}, default="variance"
    threshold : float or None, default=0.5
        Most spread a pseudo-label may have, in standard deviations of the labeled
        targets; None: no cap (only ``fraction`` limits a round).
    fraction : float, default=0.2
        Most of the remaining candidates pseudo-labeled in one round (at least one).
    max_iter : int, default=3
        Most rounds.
    n_committee : int, default=5
        Committee size for ``confidence="committee"``.
    max_pool : int, default=5000
        Unlabeled rows drawn as candidates (all when fewer).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimator_ : regressor
        The final model, fitted on the labeled and pseudo-labeled rows.
    pseudo_rows_ : ndarray of int
        The training rows that were pseudo-labeled, in order.
    pseudo_values_ : ndarray of float
        Their pseudo-labels.
    n_iter_ : int
        Rounds run, the last one (which may find nothing) included.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 3))
    >>> y_true = X[:, 0] + 0.5 * X[:, 1]
    >>> y = np.where(np.arange(300) < 40, y_true, np.nan)
    >>> reg = SelfTrainingRegressor(random_state=0).fit(X, y)
    >>> reg.n_iter_ >= 1 and len(reg.pseudo_rows_) > 0
    True
    """

    _accepts_tables = True
    _allow_nan = True
    _default = "random-forest"

    def _base(self, random_state: Any = None) -> Any:
        if self.estimator is None:  # a forest of 50 trees: one fit a round
            return make_regressor("random-forest", random_state).set_params(n_estimators=50)
        return super()._base(random_state)

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": _ESTIMATOR,
        "confidence": [StrOptions({"variance", "committee"})],
        "threshold": [None, Interval(Real, 0, None, closed="neither")],
        "fraction": [Interval(Real, 0, 1, closed="right")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "n_committee": [Interval(Integral, 2, None, closed="left")],
        "max_pool": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        confidence: str = "variance",
        threshold: float | None = 0.5,
        fraction: float = 0.2,
        max_iter: int = 3,
        n_committee: int = 5,
        max_pool: int = 5000,
        random_state: Any = None,
    ):
        self.estimator = estimator
        self.confidence = confidence
        self.threshold = threshold
        self.fraction = fraction
        self.max_iter = max_iter
        self.n_committee = n_committee
        self.max_pool = max_pool
        self.random_state = random_state

    def _spread(
        self, X: Any, rows: np.ndarray, vals: np.ndarray, cand: np.ndarray, rng: Any
    ) -> tuple[np.ndarray, np.ndarray, Any]:
        """Predictions and ensemble spread on ``cand``; also the model fitted on ``rows``
        (None in committee mode, whose members are fitted on bootstrap samples)."""
        Xc = _safe_indexing(X, cand)
        if self.confidence == "variance":
            model = self._base(rng).fit(_safe_indexing(X, rows), vals)
            trees = getattr(model, "estimators_", None)
            if trees is None:
                raise InputError(
                    f"confidence='variance' needs a forest or bagging model (with "
                    f"estimators_); {type(model).__name__} has none: use "
                    "confidence='committee'"
                )
            A = np.asarray(Xc, dtype=np.float32) if hasattr(Xc, "columns") else Xc
            feats = getattr(model, "estimators_features_", None)
            P = np.stack(
                [t.predict(A if feats is None else A[:, feats[i]]) for i, t in enumerate(trees)]
            )
            return np.asarray(model.predict(Xc), dtype=float), P.std(axis=0), model
        committee: list[np.ndarray] = []
        for _ in range(self.n_committee):
            boot = rng.randint(0, len(rows), len(rows))
            member = self._base(rng).fit(_safe_indexing(X, rows[boot]), vals[boot])
            committee.append(np.asarray(member.predict(Xc), dtype=float).ravel())
        Q = np.stack(committee)
        return Q.mean(axis=0), Q.std(axis=0), None

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        assert target.values is not None
        lab = np.flatnonzero(target.labeled)
        cand = np.flatnonzero(~target.labeled)
        if len(cand) > self.max_pool:
            cand = np.sort(random_state.choice(cand, self.max_pool, replace=False))
        rows, vals = lab, target.values[lab]
        scale = float(np.std(vals)) or 1.0
        pseudo_rows: list[np.ndarray] = []
        pseudo_vals: list[np.ndarray] = []
        model = None
        it = 0
        for _ in range(self.max_iter):
            it += 1
            if len(cand) == 0 or len(rows) < 2:
                break
            pred, spread, model = self._spread(X, rows, vals, cand, random_state)
            n_max = len(lab)  # at most as many pseudo-labels a round as there are labels
            pick = select_confident(spread, scale, self.threshold, self.fraction, n_max)
            if pick.size == 0:
                break
            pseudo_rows.append(cand[pick])
            pseudo_vals.append(pred[pick])
            rows = np.concatenate([rows, cand[pick]])
            vals = np.concatenate([vals, pred[pick]])
            cand = np.delete(cand, pick)
            model = None  # the training set changed
        self.n_iter_ = max(it, 1)
        self.pseudo_rows_ = np.concatenate(pseudo_rows) if pseudo_rows else lab[:0]
        self.pseudo_values_ = np.concatenate(pseudo_vals) if pseudo_vals else np.zeros(0)
        if model is None:
            model = self._base(random_state).fit(_safe_indexing(X, rows), vals)
        self.estimator_ = model

    def _predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.estimator_.predict(X), dtype=float).ravel()


class LabelPropagationRegressor(_Standardized, BaseFewLabelsRegressor):
    """Propagation of a numeric target on a sparse kNN graph of all rows.

    ``method="harmonic"``: labeled rows keep their value and every unlabeled row takes
    the affinity-weighted mean of its neighbours' values (Zhu, Ghahramani & Lafferty's
    harmonic solution). ``method="spreading"``: label spreading with ``alpha`` (Zhou et
    al.), labeled rows smoothed too. Both are solved by conjugate gradients on the graph
    of :func:`fewlabels.graph.knn_graph` (self-tuning affinities). A row no label reaches
    gets the labeled mean. A new row gets the affinity-weighted mean of its neighbours
    among the fitted rows (a fitted row its own value). Inputs are standardized on all
    rows; a table is encoded to numbers (one-hot categories).

    Parameters
    ----------
    n_neighbors : int, default=10
    method : {"harmonic", "spreading"}, default="harmonic"
    alpha : float, default=0.9
        How far values spread (``method="spreading"`` only). At 10% labels, 0.9 against
        0.99 gave RMSE 4.55 against 5.03 on Friedman #1 (400 rows) and 63.7 against 74.9
        on diabetes (10 neighbours, one seed).
    metric : {"euclidean", "cosine"}, default="euclidean"
    power : float, default=1.0
        Affinities are raised to this power.
    mutual : bool, default=False
        Keep only mutual-neighbour edges.
    knn : {"auto", "exact", "approximate"}, default="auto"
        Neighbour search (approximate above 20,000 rows with faiss).
    tol : float, default=1e-6
        Relative residual at which conjugate gradients stop.
    max_iter : int, default=500
        Most conjugate-gradient iterations.
    random_state : int, RandomState or None, default=None
        Seeds approximate neighbour search.

    Attributes
    ----------
    transduction_ : ndarray of shape (n_samples,)
        The propagated value of every training row.
    n_iter_ : int
        Conjugate-gradient iterations (0 when every row is labeled).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 3 * np.pi, 300)
    >>> X = np.c_[t * np.cos(t), t * np.sin(t)]
    >>> y = np.full(300, np.nan)
    >>> y[::30] = t[::30]
    >>> reg = LabelPropagationRegressor(n_neighbors=5).fit(X, y)
    >>> bool(np.abs(reg.transduction_ - t).mean() < 0.1)  # along the spiral, not across
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions({"harmonic", "spreading"})],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "metric": [StrOptions({"euclidean", "cosine"})],
        "power": [Interval(Real, 0, None, closed="neither")],
        "mutual": ["boolean"],
        "knn": [StrOptions({"auto", "exact", "approximate"})],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_neighbors: int = 10,
        method: str = "harmonic",
        alpha: float = 0.9,
        metric: str = "euclidean",
        power: float = 1.0,
        mutual: bool = False,
        knn: str = "auto",
        tol: float = 1e-6,
        max_iter: int = 500,
        random_state: Any = None,
    ):
        self.n_neighbors = n_neighbors
        self.method = method
        self.alpha = alpha
        self.metric = metric
        self.power = power
        self.mutual = mutual
        self.knn = knn
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def _fit(self, X: np.ndarray, target: Target, random_state: np.random.RandomState) -> None:
        from ..graph._graph import knn_graph, normalize_graph, prepare_points

        assert target.values is not None
        values, lab = target.values, target.labeled
        self.mean_ = float(values[lab].mean())
        P = prepare_points(self._fit_scaling(X), self.metric)
        self._fit_seed = int(random_state.randint(np.iinfo(np.int32).max))
        self.X_fit_ = P
        self._index = None
        if P.shape[0] < 2:
            self.transduction_ = np.where(lab, values, self.mean_)
            self.n_iter_, self.scales_, self.knn_backend_ = 0, np.ones(P.shape[0]), "none"
            return
        graph = knn_graph(
            P,
            self.n_neighbors,
            metric=self.metric,
            power=self.power,
            mutual=self.mutual,
            knn=self.knn,
            random_state=self._fit_seed,
        )
        if self.method == "harmonic":
            f, it = propagate_values(graph.W, values, lab, self.tol, self.max_iter)
        else:
            f, it = spread_values(
                normalize_graph(graph.W), values, lab, self.alpha, self.tol, self.max_iter
            )
        self.transduction_, self.n_iter_ = f, it
        self.scales_, self.knn_backend_ = graph.scales, graph.index.backend
        self._index = graph.index

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_index", None)  # rebuilt on demand; faiss indexes are not saved
        return state

    def _neighbor_index(self) -> Any:
        from ..graph._knn import build_index

        if getattr(self, "_index", None) is None:
            knn = (
                "exact"
                if self.knn_backend_ in ("sklearn", "faiss-exact", "none")
                else "approximate"
            )
            self._index = build_index(self.X_fit_, self.metric, knn, random_state=self._fit_seed)
        return self._index

    def _predict(self, X: np.ndarray) -> np.ndarray:
        from ..graph._graph import edge_weights, local_scales, prepare_points

        P = prepare_points(self._scaled(X), self.metric)
        n_fit = self.X_fit_.shape[0]
        k = int(min(self.n_neighbors, n_fit))
        values, idx = self._neighbor_index().search(P, k)
        valid = idx >= 0
        idx = np.where(valid, idx, 0)
        if self.metric == "euclidean":
            own = local_scales(values)
            w = edge_weights(values, self.metric, self.power, own, self.scales_[idx])
        else:
            w = edge_weights(values, self.metric, self.power, None, None)
        w = np.where(valid, w, 0.0)
        total = w.sum(axis=1)
        f = self.transduction_[idx]
        pred = np.where(
            total > 0, (w * f).sum(axis=1) / np.where(total > 0, total, 1.0), self.mean_
        )
        same = valid[:, 0] & np.all(P == self.X_fit_[idx[:, 0]], axis=1)
        pred[same] = self.transduction_[idx[same, 0]]
        return pred
