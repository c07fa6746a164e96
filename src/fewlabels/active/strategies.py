"""Query strategies: which unlabeled rows to label next.

A strategy is a stateless object in the style of scikit-activeml: its parameters are
fixed at construction, and every call to
``query(X, y, model=None, batch_size=1, candidates=None, random_state=None)`` returns the
positions (0-based row indices of ``X``) of the rows to label, best first.
:meth:`QueryStrategy.select` returns the same picks with their utilities and a sentence
per row saying why it was picked (what ``fewlabels query`` writes).

- ``y`` is the partial target (unlabeled rows as :mod:`fewlabels.data.labels` says) or a
  parsed :class:`~fewlabels.data.Target`; only its unlabeled rows are ever picked.
- ``model`` is a *fitted* classifier with ``predict_proba`` (a fewlabels estimator or
  pipeline, or any scikit-learn classifier); strategies that only look at the rows
  (random, CoreSet, TypiClust, ProbCover) need none, which is what a cold start with zero
  labels needs.
- ``candidates`` restricts the pool; above ``max_candidates`` unlabeled rows, a random
  sample of that size is scored instead of the whole pool, and :class:`Selection` says so.
- Distance-based strategies work on a numeric view of the rows: a table through
  :class:`~fewlabels.data.TableEncoder` (``"numeric"``: standardized numbers, one-hot
  categories), an array standardized per column.

The strategies are not scikit-learn estimators: they learn nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.utils import _safe_indexing, check_random_state

from ..data.labels import Target, to_python, unlabeled_mask
from ..exceptions import InputError
from . import utilities as U

__all__ = [
    "STRATEGIES",
    "ClusterMargin",
    "CoreSet",
    "DensityWeightedUncertainty",
    "ExpectedErrorReduction",
    "ProbCover",
    "QueryByCommittee",
    "QueryStrategy",
    "RandomSampling",
    "Selection",
    "TypiClust",
    "UncertaintySampling",
    "committee_proba",
    "get_strategy",
    "numeric_view",
]

logger = logging.getLogger(__name__)

_CHUNK = 100_000


@dataclass(frozen=True)
class Selection:
    """What a strategy picked, and why.

    Attributes
    ----------
    indices : ndarray of int, shape (n_picked,)
        Rows of ``X`` to label, best first.
    scores : ndarray of float, shape (n_picked,)
        Each pick's utility when it was picked (higher: more worth labeling; for a greedy
        batch strategy, given the picks before it).
    reasons : list of str
        One sentence per pick.
    strategy : str
    n_pool : int
        Unlabeled rows the strategy could pick from.
    n_candidates : int
        Rows it scored (``n_pool`` unless subsampled).
    proba : ndarray of shape (n_picked, n_classes), or None
        The model's probabilities for the picked rows (None without a model).
    classes : ndarray or None
        The model's classes, the columns of ``proba``.
    """

    indices: np.ndarray
    scores: np.ndarray
    reasons: list[str]
    strategy: str
    n_pool: int
    n_candidates: int
    proba: np.ndarray | None = None
    classes: np.ndarray | None = None

    @property
    def subsampled(self) -> bool:
        return self.n_candidates < self.n_pool

    def note(self) -> str:
        """One sentence on what was scored (for a report or a log)."""
        if self.subsampled:
            return (
                f"{self.strategy} scored a random sample of {self.n_candidates:,} of the "
                f"{self.n_pool:,} unlabeled rows (max_candidates); pass max_candidates=None "
                "to score them all"
            )
        return f"{self.strategy} scored all {self.n_pool:,} unlabeled rows"


def numeric_view(X: Any, rows: np.ndarray) -> np.ndarray:
    """A standardized numeric matrix of ``X[rows]`` for distances.

    A table goes through :class:`~fewlabels.data.TableEncoder` (``output="numeric"``,
    fitted on these rows: numbers imputed and standardized, categories one-hot, dates
    expanded); an array is standardized per column (constant columns left at 0).

    Examples
    --------
    >>> import numpy as np
    >>> numeric_view(np.array([[1.0, 5.0], [3.0, 5.0]]), np.arange(2)).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """
    from ..data.encoder import _is_table

    part = _safe_indexing(X, rows)
    if _is_table(part):
        from ..data.encoder import TableEncoder
        from ..data.io import as_pandas

        frame = as_pandas(part)
        with np.errstate(all="ignore"):
            Z = TableEncoder(output="numeric", drop_useless=False).fit_transform(frame)
        return np.asarray(Z, dtype=float)
    Z = np.asarray(part, dtype=float)
    if Z.ndim != 2:
        raise InputError(f"X must be 2-D (rows, features); got shape {Z.shape}")
    mean = np.nanmean(Z, axis=0) if len(Z) else np.zeros(Z.shape[1])
    Z = np.where(np.isnan(Z), mean, Z)
    std = Z.std(axis=0)
    return (Z - mean) / np.where(std > 0, std, 1.0)


def _labeled(y: Any, n_rows: int) -> np.ndarray:
    if isinstance(y, Target):
        lab = np.asarray(y.labeled, dtype=bool)
    elif y is None:
        lab = np.zeros(n_rows, dtype=bool)
    else:
        lab = ~unlabeled_mask(y)
    if len(lab) != n_rows:
        raise InputError(f"X has {n_rows} rows but y has {len(lab)}; give one label per row")
    return lab


def _proba(model: Any, X: Any, rows: np.ndarray) -> np.ndarray:
    out = [
        np.asarray(model.predict_proba(_safe_indexing(X, rows[s : s + _CHUNK])), dtype=float)
        for s in range(0, len(rows), _CHUNK)
    ]
    if not out:
        k = len(getattr(model, "classes_", [0, 1]))
        return np.zeros((0, k))
    return np.vstack(out)


def _uncertainty(method: str, P: np.ndarray) -> np.ndarray:
    """Each row's uncertainty by ``method`` (a name of :data:`utilities.UNCERTAINTIES`)."""
    if method not in U.UNCERTAINTIES:
        raise InputError(
            f"unknown uncertainty {method!r}; choose one of: {', '.join(U.UNCERTAINTIES)}"
        )
    return U.UNCERTAINTIES[method](P)


def _classes(model: Any, k: int) -> np.ndarray:
    classes = getattr(model, "classes_", None)
    return np.asarray(classes) if classes is not None else np.arange(k)


@dataclass
class _Context:
    """The validated input of one query."""

    X: Any
    n_rows: int
    labeled: np.ndarray
    pool: np.ndarray  # eligible unlabeled rows
    rows: np.ndarray  # the candidates scored (a subsample of pool, maybe)
    model: Any
    y: Any
    _proba: np.ndarray | None = None

    def proba(self) -> np.ndarray:
        if self._proba is None:
            self._proba = _proba(self.model, self.X, self.rows)
        return self._proba

    def classes(self) -> np.ndarray:
        return _classes(self.model, self.proba().shape[1])


class QueryStrategy:
    """The base of every query strategy: the public methods validate, ``_select`` picks.

    Parameters
    ----------
    max_candidates : int, "auto" or None, default="auto"
        Score at most this many unlabeled rows, drawn at random when the pool is larger
        (``"auto"``: the strategy's :attr:`default_max_candidates`; None: the whole pool).
    """

    #: The name ``fewlabels query --strategy`` uses.
    name: ClassVar[str] = ""
    #: Whether the strategy needs a fitted model.
    needs_model: ClassVar[bool] = True
    #: The pool size above which candidates are subsampled by default.
    default_max_candidates: ClassVar[int | None] = None

    def __init__(self, *, max_candidates: int | str | None = "auto") -> None:
        self.max_candidates = max_candidates

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    def label(self) -> str:
        """The strategy's name in reports (its :data:`STRATEGIES` key)."""
        return self.name

    def _limit(self) -> int | None:
        m = self.max_candidates
        if m == "auto":
            return self.default_max_candidates
        if m is None:
            return None
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise InputError(
                f"max_candidates must be a positive integer, 'auto' or None; got {m!r}"
            )
        return int(m)

    def query(
        self,
        X: Any,
        y: Any,
        model: Any = None,
        batch_size: int = 1,
        candidates: Any = None,
        random_state: Any = None,
    ) -> np.ndarray:
        """The rows to label next, best first.

        Parameters
        ----------
        X : table or array of shape (n_rows, n_features)
            Every row, labeled and unlabeled (never modified).
        y : array-like of shape (n_rows,), Target, or None
            The partial target; None means no row is labeled.
        model : fitted classifier, optional
            Its ``predict_proba`` scores the candidates (required when
            :attr:`needs_model`).
        batch_size : int, default=1
        candidates : array-like of int or bool mask, optional
            Rows that may be picked (unlabeled ones only are kept); default: every
            unlabeled row.
        random_state : int, RandomState or None
            For the candidate sample, ties and any randomness of the strategy.

        Returns
        -------
        ndarray of int, shape (min(batch_size, pool),)
            Row positions in ``X``.
        """
        return self.select(X, y, model, batch_size, candidates, random_state).indices

    def select(
        self,
        X: Any,
        y: Any,
        model: Any = None,
        batch_size: int = 1,
        candidates: Any = None,
        random_state: Any = None,
        proba: Any = None,
    ) -> Selection:
        """As :meth:`query`, with each pick's utility and reason (a :class:`Selection`).

        ``proba``, of shape (n_rows, n_classes), gives ``model``'s probabilities for every
        row of ``X`` when they are already computed (a report has them), so the model is
        not asked again; ``model`` still names the classes."""
        rs = check_random_state(random_state)
        n_rows = int(X.shape[0]) if hasattr(X, "shape") else len(X)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise InputError(f"batch_size must be a positive integer; got {batch_size!r}")
        if batch_size < 1:
            raise InputError(f"batch_size must be at least 1; got {batch_size}")
        labeled = _labeled(y, n_rows)
        pool = np.flatnonzero(~labeled)
        if candidates is not None:
            cand = np.asarray(candidates)
            if cand.dtype == bool:
                if cand.shape != (n_rows,):
                    raise InputError(
                        f"a candidates mask needs one entry per row ({n_rows}); got {cand.shape}"
                    )
                cand = np.flatnonzero(cand)
            cand = cand.astype(np.int64, copy=False)
            if len(cand) and (cand.min() < 0 or cand.max() >= n_rows):
                raise InputError(f"candidates must be row positions in 0..{n_rows - 1}")
            pool = np.intersect1d(pool, cand)
        if self.needs_model and model is None:
            raise InputError(
                f"{type(self).__name__} needs a fitted model; with no model (or no labels yet) "
                "use TypiClust, ProbCover, CoreSet or RandomSampling"
            )
        rows = pool
        limit = self._limit()
        if limit is not None and len(pool) > limit:
            rows = np.sort(rs.choice(pool, limit, replace=False))
            logger.info(
                "%s: scoring a random sample of %d of %d unlabeled rows",
                type(self).__name__,
                limit,
                len(pool),
            )
        ctx = _Context(X, n_rows, labeled, pool, rows, model, y)
        if proba is not None:
            given = np.asarray(proba, dtype=float)
            if given.ndim != 2 or given.shape[0] != n_rows:
                raise InputError(
                    f"proba needs one row per row of X ({n_rows}); got shape {given.shape}"
                )
            ctx._proba = given[rows]
        if len(rows) == 0:
            return Selection(
                np.zeros(0, np.int64), np.zeros(0), [], self.label(), len(pool), 0, None, None
            )
        pos, scores, reasons = self._select(ctx, int(batch_size), rs)
        picked = rows[pos]
        proba = classes = None
        if model is not None:
            if ctx._proba is not None:
                proba = ctx._proba[pos]
            else:
                proba = _proba(model, X, picked)
            classes = _classes(model, proba.shape[1])
        return Selection(
            picked.astype(np.int64),
            np.asarray(scores, dtype=float),
            list(reasons),
            self.label(),
            len(pool),
            len(rows),
            proba,
            classes,
        )

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Positions into ``ctx.rows``, their utilities and reasons."""
        raise NotImplementedError


class RandomSampling(QueryStrategy):
    """Rows drawn uniformly at random from the pool: the baseline every strategy must beat.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1, -1, -1, -1])
    >>> sorted(RandomSampling().query(np.zeros((5, 1)), y, batch_size=2, random_state=0).tolist())
    [3, 4]
    """

    name = "random"
    needs_model = False

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        pos = rs.permutation(len(ctx.rows))[:batch_size]
        return pos, np.zeros(len(pos)), ["drawn at random"] * len(pos)


def _uncertainty_reason(method: str, p: np.ndarray, classes: np.ndarray, u: float) -> str:
    order = np.argsort(-p, kind="stable")
    a, b = to_python(classes[order[0]]), to_python(classes[order[1]])
    if method == "margin":
        return (
            f"margin: the model is torn between {a!r} ({p[order[0]]:.2f}) and {b!r} "
            f"({p[order[1]]:.2f})"
        )
    if method == "least_confident":
        return f"least confident: its best guess {a!r} has only probability {p[order[0]]:.2f}"
    return f"entropy {u:.2f} of 1: the model spreads its probability (best guess {a!r})"


class UncertaintySampling(QueryStrategy):
    """The rows the model is least sure of (Lewis & Gale, 1994).

    Parameters
    ----------
    method : {"margin", "least_confident", "entropy"}, default="margin"
        See :func:`~fewlabels.active.utilities.margin` and its siblings.
    max_candidates : int, "auto" or None, default="auto" (50,000)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.array([[-3.0], [-0.1], [0.05], [2.0], [-2.0], [3.0]])
    >>> y = np.array([0, -1, -1, -1, 0, 1])
    >>> model = LogisticRegression().fit(X[[0, 4, 5]], [0, 0, 1])
    >>> int(UncertaintySampling().query(X, y, model)[0])  # the row nearest the boundary
    2
    """

    name = "margin"
    default_max_candidates = 50_000

    def __init__(self, method: str = "margin", *, max_candidates: int | str | None = "auto"):
        super().__init__(max_candidates=max_candidates)
        self.method = method

    def label(self) -> str:
        return str(self.method).replace("_", "-")

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        P = ctx.proba()
        u = _uncertainty(self.method, P)
        pos = U.top_k(u, batch_size, rs)
        classes = ctx.classes()
        reasons = [_uncertainty_reason(self.method, P[i], classes, u[i]) for i in pos]
        return pos, u[pos], reasons


# ---------------------------------------------------------------- committee


def _align(P: np.ndarray, member_classes: Any, classes: np.ndarray, codes: bool) -> np.ndarray:
    """A member's probabilities placed in the columns of ``classes`` (by class code when
    the member was fitted on codes, else by value)."""
    out = np.zeros((P.shape[0], len(classes)))
    if codes:
        cols = [int(c) for c in np.asarray(member_classes)]
    else:
        lookup = {to_python(c): j for j, c in enumerate(classes)}
        cols = [lookup[to_python(c)] for c in np.asarray(member_classes)]
    out[:, cols] = P
    return out


_Members = tuple[list[np.ndarray], np.ndarray, bool]


def _members(model: Any, X: Any, codes: bool = False) -> _Members | None:
    """``(probabilities, classes, fitted_on_codes)`` of the committee members found inside
    ``model``, on ``X`` (in the model's input space); None when it holds none."""
    if hasattr(model, "steps"):  # a pipeline: transform, then look inside the last step
        for _, step in model.steps[:-1]:
            X = step.transform(X)
        return _members(model.steps[-1][1], X, codes)
    encoder = getattr(model, "table_encoder_", None)
    if encoder is not None:
        X = encoder.transform(X)
    if hasattr(model, "members_") and hasattr(model, "member_views_"):  # AutoClassifier
        from ..base import predict_proba_chunked

        views = {"native": X}
        if "numeric" in model.member_views_.values():
            views["numeric"] = model.numeric_encoder_.transform(X)
        k = len(model.classes_)
        probas = [
            predict_proba_chunked(m, views[model.member_views_[n]], None, k)
            for n, m in model.members_.items()
        ]
        if len(probas) >= 2:
            return probas, np.arange(k), True
        ((name, only),) = model.members_.items()
        return _members(only, views[model.member_views_[name]], True)
    trees = getattr(model, "estimators_", None)
    if isinstance(trees, list) and len(trees) >= 2 and hasattr(trees[0], "predict_proba"):
        Xa = np.asarray(X, dtype=np.float32)
        return [t.predict_proba(Xa) for t in trees], np.asarray(model.classes_), codes
    booster = getattr(model, "booster_", None)
    if booster is not None:  # LightGBM: the staged model at quarters of its iterations
        n_iter = int(booster.current_iteration())
        if n_iter >= 4:
            stops = sorted({max(1, round(n_iter * q)) for q in (0.25, 0.5, 0.75, 1.0)})
            probas = [model.predict_proba(X, num_iteration=s) for s in stops]
            return probas, np.asarray(model.classes_), codes
    if hasattr(model, "staged_predict_proba"):  # scikit-learn boosting
        staged = list(model.staged_predict_proba(X))
        if len(staged) >= 4:
            idx = sorted({max(0, round(len(staged) * q) - 1) for q in (0.25, 0.5, 0.75, 1.0)})
            return [staged[i] for i in idx], np.asarray(model.classes_), codes
    inner = getattr(model, "estimator_", None)
    if inner is not None and inner is not model:  # a fewlabels wrapper: fitted on codes
        return _members(inner, X, True)
    return None


def committee_proba(model: Any, X: Any) -> np.ndarray | None:
    """Each committee member's probabilities on ``X``, free from the model's structure.

    A committee is found inside forests (each tree), LightGBM and scikit-learn boosting
    (the staged model at a quarter, half, three quarters and all of its iterations),
    :class:`~fewlabels.auto.AutoClassifier` (its ensemble members) and any fewlabels
    estimator or pipeline that wraps one of these.

    Returns
    -------
    ndarray of shape (n_members, n_rows, n_classes), or None
        Columns in the order of ``model.classes_``; None when no committee is inside.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> rf = RandomForestClassifier(n_estimators=7, random_state=0).fit(X, ["a", "a", "b", "b"])
    >>> committee_proba(rf, X).shape
    (7, 4, 2)
    """
    found = _members(model, X)
    if found is None:
        return None
    probas, member_classes, codes = found
    classes = np.asarray(model.classes_)
    return np.stack([_align(np.asarray(P, float), member_classes, classes, codes) for P in probas])


class QueryByCommittee(QueryStrategy):
    """The rows a committee disagrees on most (Seung, Opper & Sompolinsky, 1992).

    The committee comes free from the model (see :func:`committee_proba`); a model with
    none inside gets a bagged committee: ``n_members`` clones fitted on bootstrap samples
    of the labeled rows (``y`` must then hold the labels).

    Parameters
    ----------
    method : {"vote_entropy", "kl_divergence"}, default="vote_entropy"
    n_members : int, default=5
        Size of the bagged committee, when one is needed.
    max_candidates : int, "auto" or None, default="auto" (20,000)
    """

    name = "committee"
    default_max_candidates = 20_000
    _METHODS: ClassVar[dict[str, Any]] = {
        "vote_entropy": U.vote_entropy,
        "kl_divergence": U.kl_disagreement,
    }

    def __init__(
        self,
        method: str = "vote_entropy",
        *,
        n_members: int = 5,
        max_candidates: int | str | None = "auto",
    ):
        super().__init__(max_candidates=max_candidates)
        self.method = method
        self.n_members = n_members

    def _bagged(self, ctx: _Context, rs: np.random.RandomState) -> np.ndarray:
        from sklearn.base import clone

        if ctx.y is None:
            raise InputError("QueryByCommittee needs the labels (y) to bag a committee")
        labels = ctx.y.labels() if isinstance(ctx.y, Target) else np.asarray(ctx.y, dtype=object)
        lab = np.flatnonzero(ctx.labeled)
        given = labels[lab].astype(str)
        classes = _classes(ctx.model, ctx.proba().shape[1])
        out = []
        for _ in range(self.n_members):
            boot = np.concatenate(  # stratified: every member sees every class
                [rs.choice(lab[given == c], (given == c).sum()) for c in np.unique(given)]
            )
            member = clone(ctx.model).fit(_safe_indexing(ctx.X, boot), labels[boot])
            out.append(_align(_proba(member, ctx.X, ctx.rows), member.classes_, classes, False))
        return np.stack(out)

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        if self.method not in self._METHODS:
            raise InputError(
                f"unknown committee measure {self.method!r}; choose one of: "
                f"{', '.join(self._METHODS)}"
            )
        M = committee_proba(ctx.model, _safe_indexing(ctx.X, ctx.rows))
        if M is None:
            M = self._bagged(ctx, rs)
        u = self._METHODS[self.method](M)
        pos = U.top_k(u, batch_size, rs)
        classes = ctx.classes()
        reasons = []
        for i in pos:
            votes = np.bincount(M[:, i, :].argmax(axis=1), minlength=M.shape[2])
            top = np.argsort(-votes)[:2]
            reasons.append(
                f"committee disagreement: its {M.shape[0]} members vote "
                f"{votes[top[0]]} for {to_python(classes[top[0]])!r} and {votes[top[1]]} for "
                f"{to_python(classes[top[1]])!r}"
            )
        return pos, u[pos], reasons


class DensityWeightedUncertainty(QueryStrategy):
    """Uncertainty times density: uncertain rows in crowded regions, not outliers
    (Settles & Craven, 2008, "information density").

    Density is the inverse mean distance to the ``n_neighbors`` nearest candidates (see
    :func:`~fewlabels.active.utilities.typicality`), scaled to (0, 1]; the utility is
    ``uncertainty * density ** beta``.

    Parameters
    ----------
    method : {"margin", "least_confident", "entropy"}, default="margin"
    beta : float, default=1.0
    n_neighbors : int, default=10
    max_candidates : int, "auto" or None, default="auto" (10,000)
    """

    name = "density"
    default_max_candidates = 10_000

    def __init__(
        self,
        method: str = "margin",
        *,
        beta: float = 1.0,
        n_neighbors: int = 10,
        max_candidates: int | str | None = "auto",
    ):
        super().__init__(max_candidates=max_candidates)
        self.method = method
        self.beta = beta
        self.n_neighbors = n_neighbors

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        P = ctx.proba()
        unc = _uncertainty(self.method, P)
        dens = U.typicality(numeric_view(ctx.X, ctx.rows), self.n_neighbors)
        dens = dens / dens.max()
        u = unc * dens**self.beta
        pos = U.top_k(u, batch_size, rs)
        rank = np.empty(len(dens), dtype=np.int64)
        rank[np.argsort(-dens)] = np.arange(1, len(dens) + 1)
        reasons = [
            f"uncertain ({self.method} {unc[i]:.2f}) in a dense region (density {dens[i]:.2f}, "
            f"rank {rank[i]:,} of {len(dens):,})"
            for i in pos
        ]
        return pos, u[pos], reasons


class CoreSet(QueryStrategy):
    """Greedy k-centre on the rows (Sener & Savarese, 2018): each pick is the candidate
    farthest from every labeled row and earlier pick, so the batch covers the pool.

    Needs no model, so it also serves a cold start.

    Parameters
    ----------
    max_candidates : int, "auto" or None, default="auto" (20,000)

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [5.0], [10.0]])
    >>> CoreSet().query(X, [0, -1, -1, -1], batch_size=2).tolist()  # 10 first, then 5
    [3, 2]
    """

    name = "coreset"
    needs_model = False
    default_max_candidates = 20_000

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        lab = np.flatnonzero(ctx.labeled)
        Z = numeric_view(ctx.X, np.concatenate([ctx.rows, lab]))
        pos, radius = U.kcenter_greedy(Z[: len(ctx.rows)], batch_size, Z[len(ctx.rows) :])
        what = "every labeled row and earlier pick" if len(lab) else "the earlier picks"
        reasons = [
            f"farthest from {what} (distance {r:.2f})"
            if np.isfinite(r)
            else "the most central row (first pick without labels)"
            for r in radius
        ]
        return pos, radius, reasons


def _kmeans(Z: np.ndarray, k: int, rs: np.random.RandomState) -> np.ndarray:
    from sklearn.cluster import KMeans, MiniBatchKMeans

    k = max(1, min(k, len(Z)))
    seed = int(rs.randint(2**31 - 1))
    if len(Z) > 20_000:
        km: Any = MiniBatchKMeans(k, random_state=seed, n_init=1, batch_size=4096)
    else:
        km = KMeans(k, random_state=seed, n_init=1)
    return np.asarray(km.fit_predict(Z))


class ClusterMargin(QueryStrategy):
    """A diverse batch of uncertain rows (after Citovsky et al., 2021, "Batch active
    learning at scale"): the ``margin_factor * batch_size`` rows of smallest margin are
    clustered (k-means, one cluster per batch row), and each cluster gives its most
    uncertain row. Top-k margin alone picks near-duplicates; this does not.

    Parameters
    ----------
    margin_factor : int, default=10
    max_candidates : int, "auto" or None, default="auto" (50,000)
    """

    name = "cluster-margin"
    default_max_candidates = 50_000

    def __init__(self, *, margin_factor: int = 10, max_candidates: int | str | None = "auto"):
        super().__init__(max_candidates=max_candidates)
        self.margin_factor = margin_factor

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        P = ctx.proba()
        u = U.margin(P)
        short = U.top_k(u, max(batch_size, int(self.margin_factor) * batch_size), rs)
        if len(short) <= batch_size:
            pos = short
            labels = np.arange(len(pos))
        else:
            Z = numeric_view(ctx.X, ctx.rows[short])
            labels = _kmeans(Z, batch_size, rs)
            pos_list = []
            for c in np.unique(labels):
                members = short[labels == c]
                pos_list.append(members[np.argmax(u[members])])
            pos = np.asarray(pos_list, dtype=np.int64)
            if len(pos) < batch_size:  # k-means left clusters empty: fill by margin
                rest = np.setdiff1d(short, pos)
                rest = rest[np.argsort(-u[rest], kind="stable")][: batch_size - len(pos)]
                pos = np.concatenate([pos, rest])
            pos = pos[np.argsort(-u[pos], kind="stable")]
        classes = ctx.classes()
        reasons = [
            _uncertainty_reason("margin", P[i], classes, u[i])
            + f"; the most uncertain of its cluster among the {len(short):,} least sure rows"
            for i in pos
        ]
        return pos, u[pos], reasons


class TypiClust(QueryStrategy):
    """Cold start: the most typical row of each of the largest clusters that hold no
    labeled row yet (Hacohen, Dekel & Weinshall, 2022). Needs no model and no label.

    The candidates and the labeled rows are clustered into ``n_labeled + batch_size``
    clusters (k-means, at most ``max_clusters``); clusters without a labeled row are
    taken largest first, and each gives the row with the highest
    :func:`~fewlabels.active.utilities.typicality` within it.

    Parameters
    ----------
    n_neighbors : int, default=20
    max_clusters : int, default=500
    max_candidates : int, "auto" or None, default="auto" (10,000)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 0.1, (30, 2)), rng.normal(5, 0.1, (10, 2))])
    >>> picks = TypiClust().query(X, None, batch_size=2, random_state=0)
    >>> sorted(int(p >= 30) for p in picks)  # one row from each blob
    [0, 1]
    """

    name = "typiclust"
    needs_model = False
    default_max_candidates = 10_000

    def __init__(
        self,
        *,
        n_neighbors: int = 20,
        max_clusters: int = 500,
        max_candidates: int | str | None = "auto",
    ):
        super().__init__(max_candidates=max_candidates)
        self.n_neighbors = n_neighbors
        self.max_clusters = max_clusters

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        lab = np.flatnonzero(ctx.labeled)
        n = len(ctx.rows)
        Z = numeric_view(ctx.X, np.concatenate([ctx.rows, lab]))
        k = min(len(lab) + batch_size, int(self.max_clusters), len(Z))
        clusters = _kmeans(Z, k, rs)
        sizes = np.bincount(clusters[:n], minlength=k)
        covered = np.zeros(k, dtype=bool)
        covered[clusters[n:]] = True
        pos: list[int] = []
        scores: list[float] = []
        reasons: list[str] = []
        taken = np.zeros(n, dtype=bool)
        while len(pos) < min(batch_size, n):
            free = np.flatnonzero(~covered & (sizes > 0))
            if len(free) == 0:  # every cluster has a label: the largest again
                free = np.flatnonzero(sizes > 0)
                if len(free) == 0:
                    break
                covered[:] = False
                continue
            c = free[np.argmax(sizes[free])]
            members = np.flatnonzero((clusters[:n] == c) & ~taken)
            typ = U.typicality(Z[members], self.n_neighbors)
            best = members[int(np.argmax(typ))]
            pos.append(int(best))
            scores.append(float(typ.max()))
            reasons.append(
                f"the most typical row of a cluster of {int(sizes[c]):,} rows with no label yet"
            )
            taken[best] = True
            covered[c] = True
            sizes[c] -= 1
        return np.asarray(pos, dtype=np.int64), np.asarray(scores), reasons


class ProbCover(QueryStrategy):
    """Cold start by coverage (Yehuda et al., 2022): pick the rows whose balls of radius
    ``delta`` cover the most rows no labeled row covers yet
    (:func:`~fewlabels.active.utilities.ball_coverage_greedy`).

    Parameters
    ----------
    delta : float or None, default=None
        The ball radius on the numeric view. None: the largest of a grid of radii (the
        5th to 50th percentile of nearest-neighbour distances scaled up) whose balls are
        still ``purity`` pure with respect to a k-means clustering, as the paper chooses
        it.
    purity : float, default=0.95
    max_candidates : int, "auto" or None, default="auto" (5,000)
    """

    name = "probcover"
    needs_model = False
    default_max_candidates = 5_000

    def __init__(
        self,
        *,
        delta: float | None = None,
        purity: float = 0.95,
        max_candidates: int | str | None = "auto",
    ):
        super().__init__(max_candidates=max_candidates)
        self.delta = delta
        self.purity = purity

    def _delta(self, Z: np.ndarray, rs: np.random.RandomState, k: int) -> float:
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=min(11, len(Z))).fit(Z)
        dist, _ = nn.kneighbors(Z)
        base = np.median(dist[:, -1])
        clusters = _kmeans(Z, k, rs)
        best = float(np.quantile(dist[:, 1], 0.5)) if len(Z) > 1 else 1.0
        for factor in (0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
            radius = base * factor
            graph = nn.radius_neighbors_graph(Z, radius)
            rows, cols = graph.nonzero()
            impure = np.zeros(len(Z), dtype=bool)
            impure[rows[clusters[rows] != clusters[cols]]] = True
            if 1.0 - impure.mean() >= self.purity:
                best = radius
            else:
                break
        return float(best)

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        from sklearn.neighbors import NearestNeighbors

        lab = np.flatnonzero(ctx.labeled)
        n = len(ctx.rows)
        Z = numeric_view(ctx.X, np.concatenate([ctx.rows, lab]))
        k = max(2, min(len(lab) + batch_size, 100, len(Z)))
        delta = float(self.delta) if self.delta is not None else self._delta(Z[:n], rs, k)
        nn = NearestNeighbors(radius=delta).fit(Z[:n])
        A = nn.radius_neighbors_graph(Z[:n], delta, mode="connectivity")
        covered = np.zeros(n, dtype=bool)
        if len(lab):
            L = nn.radius_neighbors_graph(Z[n:], delta, mode="connectivity")
            covered[np.unique(L.indices)] = True
        pos, gain = U.ball_coverage_greedy(A, batch_size, covered)
        reasons = [
            f"its ball (radius {delta:.2f}) covers {int(g):,} rows no labeled row covers yet"
            for g in gain
        ]
        return pos, gain.astype(float), reasons


class ExpectedErrorReduction(QueryStrategy):
    """Expected error reduction by Monte Carlo (Roy & McCallum, 2001).

    For each candidate (a random sample of ``max_candidates`` rows) and each class ``j``,
    a cheap surrogate (``estimator``, logistic regression on the numeric view by default)
    is refitted on the labeled rows plus the candidate labeled ``j``; its expected 0/1
    error ``sum(1 - max p)`` on a sample of ``n_eval`` unlabeled rows is weighted by the
    model's probability of ``j``. The candidates whose labels are expected to cut the
    error most come first.

    Parameters
    ----------
    n_eval : int, default=300
    estimator : classifier, optional
        The surrogate (cloned); default ``LogisticRegression(max_iter=200)``.
    max_candidates : int, "auto" or None, default="auto" (100)
    """

    name = "eer"
    default_max_candidates = 100

    def __init__(
        self, *, n_eval: int = 300, estimator: Any = None, max_candidates: int | str | None = "auto"
    ):
        super().__init__(max_candidates=max_candidates)
        self.n_eval = n_eval
        self.estimator = estimator

    def _select(
        self, ctx: _Context, batch_size: int, rs: np.random.RandomState
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        from sklearn.base import clone
        from sklearn.linear_model import LogisticRegression

        if ctx.y is None:
            raise InputError("ExpectedErrorReduction needs the labels (y)")
        labels = ctx.y.labels() if isinstance(ctx.y, Target) else np.asarray(ctx.y, dtype=object)
        lab = np.flatnonzero(ctx.labeled)
        P = ctx.proba()
        classes = ctx.classes()
        evals = (
            ctx.pool
            if len(ctx.pool) <= self.n_eval
            else rs.choice(ctx.pool, self.n_eval, replace=False)
        )
        Z = numeric_view(ctx.X, np.concatenate([ctx.rows, lab, evals]))
        Zc, Zl, Ze = (
            Z[: len(ctx.rows)],
            Z[len(ctx.rows) : len(ctx.rows) + len(lab)],
            Z[len(ctx.rows) + len(lab) :],
        )
        lookup = {to_python(c): j for j, c in enumerate(classes)}
        yl = np.array([lookup.get(to_python(v), -1) for v in labels[lab]])
        keep = yl >= 0
        Zl, yl = Zl[keep], yl[keep]
        base = self.estimator if self.estimator is not None else LogisticRegression(max_iter=200)

        def risk(Xf: np.ndarray, yf: np.ndarray) -> float:
            if len(np.unique(yf)) < 2:
                return float(len(Ze))
            m = clone(base).fit(Xf, yf)
            return float((1.0 - m.predict_proba(Ze).max(axis=1)).sum())

        now = risk(Zl, yl)
        expected = np.zeros(len(Zc))
        for i in range(len(Zc)):
            total = 0.0
            for j in np.flatnonzero(P[i] > 1e-3):
                total += P[i, j] * risk(np.vstack([Zl, Zc[i]]), np.append(yl, j))
            expected[i] = total / max(P[i][P[i] > 1e-3].sum(), 1e-12)
        u = now - expected
        pos = U.top_k(u, batch_size, rs)
        reasons = [
            f"expected error on {len(Ze):,} unlabeled rows drops by {u[i]:.2f} rows "
            f"({u[i] / max(len(Ze), 1):.2%}) once it is labeled"
            for i in pos
        ]
        return pos, u[pos], reasons


#: Strategies by the name ``fewlabels query --strategy`` accepts.
STRATEGIES: dict[str, Any] = {
    "random": RandomSampling,
    "margin": lambda: UncertaintySampling("margin"),
    "least-confident": lambda: UncertaintySampling("least_confident"),
    "entropy": lambda: UncertaintySampling("entropy"),
    "committee": QueryByCommittee,
    "density": DensityWeightedUncertainty,
    "coreset": CoreSet,
    "cluster-margin": ClusterMargin,
    "typiclust": TypiClust,
    "probcover": ProbCover,
    "eer": ExpectedErrorReduction,
}


def get_strategy(name: str | QueryStrategy) -> QueryStrategy:
    """A strategy by name (see :data:`STRATEGIES`); a strategy object is returned as is.

    Examples
    --------
    >>> get_strategy("entropy")
    UncertaintySampling(max_candidates='auto', method='entropy')
    """
    if isinstance(name, QueryStrategy):
        return name
    try:
        return STRATEGIES[name]()
    except KeyError:
        raise InputError(
            f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}"
        ) from None
