"""Graph-based classifiers: label spreading, label propagation, and a graph pseudo-labeler."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..base import BaseFewLabelsClassifier, WrapsEstimatorMixin, predict_proba_chunked
from ..data.labels import UNLABELED, Target
from ..selftrain.confidence import entropy_confidence
from ._graph import (
    KnnGraph,
    edge_weights,
    knn_graph,
    local_scales,
    normalize_graph,
    prepare_points,
    propagate_labels,
    spread_labels,
    to_distribution,
)
from ._knn import build_index

__all__ = [
    "BaseGraphClassifier",
    "GraphPseudoLabelClassifier",
    "LabelPropagationClassifier",
    "LabelSpreadingClassifier",
]

_GRAPH_CONSTRAINTS: dict = {
    "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    "metric": [StrOptions({"euclidean", "cosine"})],
    "power": [Interval(Real, 0, None, closed="neither")],
    "mutual": ["boolean"],
    "knn": [StrOptions({"auto", "exact", "approximate"})],
    "inductive": [StrOptions({"dense", "sparse"})],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}

_GRAPH_PARAMS_DOC = """n_neighbors : int, default=10
        Neighbours per row in the kNN graph.
    metric : {"euclidean", "cosine"}, default="euclidean"
        Euclidean distances give self-tuning Gaussian affinities exp(-d^2 / (s_i s_j)),
        with s_i the distance to the 7th neighbour (no kernel width to tune); cosine gives
        the clipped similarity (Iscen et al.).
    power : float, default=1.0
        Affinities are raised to this power (Iscen et al. use 3 with cosine).
    mutual : bool, default=False
        Keep only mutual-neighbour edges (sparser, can isolate rows: they get the prior).
    knn : {"auto", "exact", "approximate"}, default="auto"
        Neighbour search. ``auto`` is exact up to 20,000 rows and approximate above
        (faiss' inverted-file index; needs ``fewlabels[scale]``, else exact).
    inductive : {"dense", "sparse"}, default="dense"
        How new rows are scored. ``dense`` keeps every node's class scores; ``sparse``
        keeps only each node's best class (ZLaP's sparse variant: far less memory with
        many classes)."""


class BaseGraphClassifier(BaseFewLabelsClassifier):
    """Base of the graph classifiers: builds the graph, calls ``_solve``, predicts inductively.

    Subclasses implement ``_solve(graph, codes, n_classes) -> (F, n_iter)``: non-negative
    class scores for every training row.

    Inductive prediction. For a new row q joined to its neighbours j with affinities
    w_qj, the label-spreading fixed point gives f_q = alpha * sum_j w_qj f_j /
    sqrt(d_q d_j): class scores proportional to sum_j w_qj f_j / sqrt(d_j). This is what
    ZLaP's dual solution reduces to on a graph without class nodes, so no system is solved
    at prediction time. A query row identical to a training row is that graph node: it
    gets the node's transductive distribution exactly.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = dict(_GRAPH_CONSTRAINTS)

    def _solve(self, graph: KnnGraph, codes: np.ndarray, n_classes: int) -> tuple[np.ndarray, int]:
        raise NotImplementedError

    def _fit(self, X: np.ndarray, target: Target, random_state: np.random.RandomState) -> None:
        codes = target.codes
        n_classes = len(self.classes_)
        labeled = codes != UNLABELED
        self.class_prior_ = np.bincount(codes[labeled], minlength=n_classes) / labeled.sum()
        P = prepare_points(X, self.metric)
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        if P.shape[0] < 2:
            F = np.zeros((P.shape[0], n_classes))
            F[np.flatnonzero(labeled), codes[labeled]] = 1.0
            self.n_iter_, self.scales_, self.degree_ = 0, np.ones(P.shape[0]), np.zeros(P.shape[0])
            self.knn_backend_ = "none"
        else:
            graph = knn_graph(
                P,
                self.n_neighbors,
                metric=self.metric,
                power=self.power,
                mutual=self.mutual,
                knn=self.knn,
                random_state=seed,
            )
            F, self.n_iter_ = self._solve(graph, codes, n_classes)
            self.scales_, self.degree_ = graph.scales, graph.degree
            self.knn_backend_ = graph.index.backend
            self._index = graph.index
        F = np.clip(F, 0.0, None)
        self.label_distributions_ = to_distribution(F, self.class_prior_)
        self.transduction_ = self.classes_[np.argmax(self.label_distributions_, axis=1)]
        self.confidence_ = entropy_confidence(self.label_distributions_)
        inv = np.zeros_like(self.degree_)
        inv[self.degree_ > 0] = 1.0 / np.sqrt(self.degree_[self.degree_ > 0])
        G = F * inv[:, None]
        if self.inductive == "sparse":
            top = np.argmax(G, axis=1)
            G = sp.csr_matrix(
                (G[np.arange(len(top)), top], (np.arange(len(top)), top)), shape=G.shape
            )
        self.induction_scores_ = G
        self.X_fit_ = P
        self._fit_seed = seed

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_index", None)  # rebuilt on demand; faiss indexes are not saved
        return state

    def _neighbor_index(self) -> Any:
        if getattr(self, "_index", None) is None:
            knn = "exact" if self.knn_backend_ in ("sklearn", "faiss-exact") else "approximate"
            self._index = build_index(self.X_fit_, self.metric, knn, random_state=self._fit_seed)
        return self._index

    def _predict_proba(self, X: np.ndarray) -> np.ndarray:
        P = prepare_points(X, self.metric)
        n_fit = self.X_fit_.shape[0]
        k = int(min(self.n_neighbors, n_fit))
        values, idx = self._neighbor_index().search(P, k)
        valid = idx >= 0
        idx = np.where(valid, idx, 0)
        own = local_scales(values) if self.metric == "euclidean" else None
        w = edge_weights(
            values, self.metric, self.power, own, self.scales_[idx] if own is not None else None
        )
        w = np.where(valid, w, 0.0)
        G = self.induction_scores_
        if sp.issparse(G):
            rows = np.repeat(np.arange(len(P)), k)
            Wq = sp.csr_matrix((w.ravel(), (rows, idx.ravel())), shape=(len(P), n_fit))
            scores = np.asarray((Wq @ G).todense())
        else:
            scores = np.einsum("ij,ijk->ik", w, G[idx])
        proba = to_distribution(scores, self.class_prior_)
        same = valid[:, 0] & np.all(P == self.X_fit_[idx[:, 0]], axis=1)
        proba[same] = self.label_distributions_[idx[same, 0]]
        return proba


class LabelSpreadingClassifier(BaseGraphClassifier):
    __doc__ = f"""Label spreading (Zhou et al.) on a sparse kNN graph, solved by conjugate gradients.

    Solves (I - alpha S) F = Y with S = D^(-1/2) W D^(-1/2), for all classes at once by
    block conjugate gradients (Iscen et al., CVPR 2019). Unlike scikit-learn's
    ``LabelSpreading``: the graph is sparse throughout (no dense ``n x n`` kernel) and can
    use approximate neighbours, affinities are self-tuning (no ``gamma``), every class
    weighs the same in the seeds (minorities are not swamped), a row cut off from every
    label gets the class prior rather than NaN, and new rows are scored without
    rebuilding the graph.

    Parameters
    ----------
    {_GRAPH_PARAMS_DOC}
    alpha : float, default=0.99
        How far labels spread (0: not at all; close to 1: far).
    tol : float, default=1e-3
        Relative residual at which conjugate gradients stop. Only the ranking of classes
        matters: on digits, letter, pendigits, optdigits and satimage (2% labeled, 2 seeds)
        1e-3 and 1e-4 gave the same accuracy within 0.02 points, in about 40 instead of
        about 52 iterations.
    max_iter : int, default=300
        Most conjugate-gradient iterations.
    random_state : int, RandomState or None, default=None
        Seeds approximate neighbour search.

    Attributes
    ----------
    label_distributions_ : ndarray of shape (n_samples, n_classes)
        Propagated class distribution of each training row.
    transduction_ : ndarray of shape (n_samples,)
        The label given to each training row.
    confidence_ : ndarray of shape (n_samples,)
        1 - entropy / log(n_classes) of each training row's distribution.
    n_iter_ : int
        Conjugate-gradient iterations.
    knn_backend_ : str
        Which neighbour search built the graph.
    classes_ : ndarray of shape (n_classes,)

    References
    ----------
    Zhou et al., "Learning with Local and Global Consistency", NeurIPS 2003.
    Iscen, Tolias, Avrithis, Chum, "Label Propagation for Deep Semi-supervised Learning",
    CVPR 2019. Stojnić, Kalantidis, Tolias, "Label Propagation for Zero-shot
    Classification with Vision-Language Models" (ZLaP), CVPR 2024.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.r_[np.linspace(0, 1, 20), np.linspace(5, 6, 20)][:, None]
    >>> y = np.full(40, -1); y[0], y[39] = 0, 1
    >>> clf = LabelSpreadingClassifier(n_neighbors=5).fit(X, y)
    >>> clf.transduction_[:20].tolist() == [0] * 20, clf.predict([[0.5], [5.5]]).tolist()
    (True, [0, 1])
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **BaseGraphClassifier._parameter_constraints,
        "alpha": [Interval(Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        n_neighbors: int = 10,
        *,
        alpha: float = 0.99,
        metric: str = "euclidean",
        power: float = 1.0,
        mutual: bool = False,
        knn: str = "auto",
        inductive: str = "dense",
        tol: float = 1e-3,
        max_iter: int = 300,
        random_state: Any = None,
    ):
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.metric = metric
        self.power = power
        self.mutual = mutual
        self.knn = knn
        self.inductive = inductive
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def _solve(self, graph: KnnGraph, codes: np.ndarray, n_classes: int) -> tuple[np.ndarray, int]:
        S = normalize_graph(graph.W)
        return spread_labels(S, codes, n_classes, self.alpha, self.tol, self.max_iter, graph.order)


class LabelPropagationClassifier(BaseGraphClassifier):
    __doc__ = f"""Hard-clamped label propagation (Zhu & Ghahramani) on a sparse kNN graph.

    Labeled rows keep their label; unlabeled rows take the harmonic solution
    (D_uu - W_uu) F_u = W_ul Y_l, solved by block conjugate gradients.

    Parameters
    ----------
    {_GRAPH_PARAMS_DOC}
    tol : float, default=1e-6
    max_iter : int, default=500
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    label_distributions_, transduction_, confidence_, n_iter_, knn_backend_, classes_
        As in :class:`LabelSpreadingClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.r_[np.linspace(0, 1, 20), np.linspace(5, 6, 20)][:, None]
    >>> y = np.full(40, -1); y[0], y[39] = 0, 1
    >>> LabelPropagationClassifier(n_neighbors=5).fit(X, y).transduction_[[0, 19, 20, 39]].tolist()
    [0, 0, 1, 1]
    """

    def __init__(
        self,
        n_neighbors: int = 10,
        *,
        metric: str = "euclidean",
        power: float = 1.0,
        mutual: bool = False,
        knn: str = "auto",
        inductive: str = "dense",
        tol: float = 1e-6,
        max_iter: int = 500,
        random_state: Any = None,
    ):
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.power = power
        self.mutual = mutual
        self.knn = knn
        self.inductive = inductive
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def _solve(self, graph: KnnGraph, codes: np.ndarray, n_classes: int) -> tuple[np.ndarray, int]:
        return propagate_labels(graph.W, codes, n_classes, self.tol, self.max_iter)


class GraphPseudoLabelClassifier(WrapsEstimatorMixin, BaseFewLabelsClassifier):
    """Label spreading supplies pseudo-labels; a model on the native features learns from them.

    The graph runs on a standardized numeric encoding of the table; its propagated labels
    become training labels for the unlabeled rows, weighted by their confidence
    (1 - entropy / log C, normalized by its maximum) and balanced across classes, as in
    Iscen et al. (CVPR 2019) with a tree model in place of the network. Labeled rows keep
    their labels with weight 1. The final model (LightGBM by default) sees the table as
    it is, native categoricals included.

    Parameters
    ----------
    estimator : classifier with ``sample_weight`` in ``fit``, default=None
        ``None`` means :func:`fewlabels.supervised.default_classifier`.
    n_neighbors : int, default=10
    alpha : float, default=0.99
    min_confidence : float, default=0.0
        Unlabeled rows whose propagated confidence is below this are left out.
    knn : {"auto", "exact", "approximate"}, default="auto"
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    estimator_ : classifier
        The fitted final model.
    spreader_ : LabelSpreadingClassifier
        The fitted graph model.
    transduction_ : ndarray of shape (n_samples,)
        Given labels on labeled rows, propagated labels elsewhere.
    pseudo_weights_ : ndarray of shape (n_samples,)
        The weight each row had in the final fit (0 = left out).
    classes_ : ndarray of shape (n_classes,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.r_[np.linspace(0, 1, 20), np.linspace(5, 6, 20)][:, None]
    >>> y = np.full(40, -1); y[0], y[39] = 0, 1
    >>> clf = GraphPseudoLabelClassifier(LogisticRegression(), n_neighbors=5).fit(X, y)
    >>> clf.predict([[0.2], [5.8]]).tolist()
    [0, 1]
    """

    _accepts_tables = True
    _allow_nan = True

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "min_confidence": [Interval(Real, 0, 1, closed="both")],
        "knn": [StrOptions({"auto", "exact", "approximate"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        n_neighbors: int = 10,
        alpha: float = 0.99,
        min_confidence: float = 0.0,
        knn: str = "auto",
        random_state: Any = None,
    ):
        self.estimator = estimator
        self.n_neighbors = n_neighbors
        self.alpha = alpha
        self.min_confidence = min_confidence
        self.knn = knn
        self.random_state = random_state

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        from ..data.encoder import NumericView
        from ..supervised import default_classifier

        codes = target.codes
        Z = NumericView().fit_transform(X)  # the graph's view of the encoded table
        self.spreader_ = LabelSpreadingClassifier(
            self.n_neighbors,
            alpha=self.alpha,
            knn=self.knn,
            random_state=random_state.randint(2**31 - 1),
        ).fit(Z, target)
        pseudo = np.argmax(self.spreader_.label_distributions_, axis=1)
        labeled = codes != UNLABELED
        conf = self.spreader_.confidence_.copy()
        conf[~labeled & (conf < self.min_confidence)] = 0.0
        top = conf[~labeled].max() if (~labeled).any() else 1.0
        weights = np.where(labeled, 1.0, conf / top if top > 0 else 0.0)
        fitted = np.where(labeled, codes, pseudo)
        n_classes = len(self.classes_)
        pseudo_counts = np.bincount(fitted[~labeled], minlength=n_classes).astype(float)
        balance = np.where(
            pseudo_counts > 0, (~labeled).sum() / (n_classes * np.maximum(pseudo_counts, 1)), 0.0
        )
        weights = np.where(labeled, weights, weights * balance[fitted])
        keep = np.flatnonzero(weights > 0)
        self.pseudo_weights_ = weights
        self.transduction_ = self.classes_[fitted]
        base = default_classifier(random_state) if self.estimator is None else clone(self.estimator)
        self.estimator_ = base.fit(
            _safe_indexing(X, keep), fitted[keep], sample_weight=weights[keep]
        )

    def _predict_proba(self, X: Any) -> np.ndarray:
        return predict_proba_chunked(self.estimator_, X, None, len(self.classes_))
