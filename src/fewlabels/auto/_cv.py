"""Cross-validation of the portfolio: out-of-fold probabilities and the teacher's
pseudo-labels, as functions on arrays (the estimator wraps them)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.utils import _safe_indexing

from ..base import predict_proba_chunked
from ..data.labels import UNLABELED
from ..selftrain.policies import ClassBalancedTopK, PolicyState, Threshold
from .members import Member

__all__ = [
    "CVPlan",
    "CVRun",
    "Deadline",
    "cross_validate_members",
    "fit_with_pseudo_labels",
    "fit_with_weak_labels",
    "select_pseudo_labels",
]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

#: Pseudo-labels per fold: this many per labeled training row (at least ``_MIN_PSEUDO``).
_PSEUDO_PER_LABEL = 4
_MIN_PSEUDO = 40
#: Teacher confidence a pseudo-label needs under ``pseudo_labels="threshold"``.
_THRESHOLD = 0.8
#: The order members are cross-validated in: supervised members are the teacher; the weak
#: members come next, since labeling functions are given only when the user wrote them.
_PHASE = {"supervised": 0, "weak": 1, "graph": 2, "pseudo-label": 3, "semi-supervised": 4}


def _silent(stage: str, done: int, total: int) -> None:
    return None


class Deadline:
    """Seconds left of a time limit (``None``: no limit)."""

    def __init__(self, limit: float | None):
        self.start = time.perf_counter()
        self.limit = limit

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return np.inf if self.limit is None else self.limit - self.elapsed()


@dataclass(frozen=True)
class CVPlan:
    """What every fold shares."""

    n_classes: int
    repeats: int
    seed: int
    n_jobs: int | None = None
    pseudo_labels: str = "balanced"


@dataclass
class CVRun:
    """Per member ``{"status", "seconds", "oof"}`` (``oof``: (repeats, n_labeled, n_classes)),
    each fold's pseudo-labels ``(rows, codes, weights)``, and the members whose average
    was the teacher (the refit uses the same ones)."""

    results: dict[str, dict[str, Any]]
    teacher: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    teacher_names: list[str] = field(default_factory=list)


def fit_with_pseudo_labels(
    member: Member,
    V: Any,
    rows: np.ndarray,
    y: np.ndarray,
    pseudo: tuple[np.ndarray, np.ndarray, np.ndarray],
    seed: int,
    n_jobs: int | None,
) -> Any:
    """``member``'s model fitted on ``V[rows]`` labeled ``y`` (weight 1) plus the pseudo-labeled
    rows ``(positions, codes, weights)``: the one recipe of the ``+pl`` members, in every fold
    and in the refit (and of the ``+weak`` members, whose extra rows carry soft labels)."""
    if member.make is None:
        raise ValueError(f"member {member.name!r} builds no model to fit on pseudo-labels")
    pl_rows, pl, w = pseudo
    return member.make(seed, n_jobs).fit(
        _safe_indexing(V, np.concatenate([rows, pl_rows])),
        np.concatenate([y, pl]),
        sample_weight=np.concatenate([np.ones(len(rows)), w]),
    )


def fit_with_weak_labels(
    member: Member,
    V: Any,
    rows: np.ndarray,
    y: np.ndarray,
    votes: np.ndarray,
    pool: np.ndarray,
    n_classes: int,
    seed: int,
    n_jobs: int | None,
) -> tuple[Any, str]:
    """``member``'s model fitted on ``V[rows]`` labeled ``y`` (weight 1) plus the ``pool``
    rows some labeling function votes on, each once per class its soft label gives, weighted
    by that probability: the one recipe of the ``+weak`` members, in every fold and in the
    refit. The label model is the one of
    :data:`~fewlabels.weak.UNSUPERVISED_LABEL_MODELS` most accurate on ``rows`` (majority
    vote unless another beats it); ``votes`` holds every row's votes (class codes, -1
    abstain). Returns the model and the label model's name."""
    from ..weak.label_models import best_label_model, soft_label_rows
    from ..weak.lfs import ABSTAIN

    codes = np.full(votes.shape[0], UNLABELED)
    codes[rows] = y
    fit_rows = np.concatenate([rows, pool])
    lm, _ = best_label_model(votes[fit_rows], n_classes, codes[fit_rows])
    covered = pool[(votes[pool] != ABSTAIN).any(axis=1)]
    soft = soft_label_rows(lm.predict_proba(votes[covered]), covered)
    return fit_with_pseudo_labels(member, V, rows, y, soft, seed, n_jobs), lm.name


class _OverTime(Exception):
    """A member's projected time passes the limit (caught inside the loop)."""


def _graph(V: np.ndarray, seed: int):
    from ..graph._graph import knn_graph, normalize_graph

    g = knn_graph(np.asarray(V, dtype=np.float32), 10, random_state=seed)
    return normalize_graph(g.W), g.order


def cross_validate_members(
    members: Sequence[Member],
    views: dict[str, Any],
    y: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    plan: CVPlan,
    clock: Deadline | None = None,
    report: Progress | None = None,
) -> CVRun:
    """Out-of-fold probabilities of every member on the same folds of the labeled rows.

    ``views`` hold the labeled rows first (``y`` are their codes) and the unlabeled pool
    after them. ``folds`` are ``(train, test)`` positions among the labeled rows, repeat
    by repeat. Nothing but the scoring reads a held-out label: in each fold the held-out
    rows join the pool as unlabeled rows. Members run in ``_PHASE`` order (supervised
    first, since they are the teacher); past the ``clock``'s limit the rest are skipped,
    and a member that fails is recorded, never fatal.
    """
    clock = clock or Deadline(None)
    report = report or _silent
    repeats, seed, k = plan.repeats, plan.seed, plan.n_classes
    results: dict[str, dict[str, Any]] = {
        m.name: {"status": "not run", "seconds": 0.0, "oof": None} for m in members
    }
    n_lab = len(y)
    pool_pos = np.arange(n_lab, views["native"].shape[0])
    # slow members (a time floor) last, then by phase: the supervised members teach
    order = sorted(
        range(len(members)), key=lambda i: (members[i].min_seconds > 0, _PHASE[members[i].kind])
    )
    pool_proba: dict[str, list[np.ndarray]] = {}
    teacher: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
    teacher_names: list[str] = []
    graph = None
    total = len(members) * len(folds)
    done = 0
    for rank, i in enumerate(order):
        m = members[i]
        res = results[m.name]
        if m.kind == "pseudo-label" and teacher is None:
            if not pool_proba:
                res["status"] = "skipped: no supervised member to teach it"
                done += len(folds)
                continue
            teacher, teacher_names = _teachers(pool_proba, y, folds, pool_pos, plan)
        if rank > 0 and clock.left() <= max(m.min_seconds, 0.0):
            res["status"] = (
                "skipped: the time limit was reached"
                if clock.left() <= 0
                else (f"skipped: needs at least {m.min_seconds:.0f} s of the time limit")
            )
            done += len(folds)
            continue
        if m.kind == "graph" and graph is None:
            graph = _graph(views["numeric"], seed)
        stage = f"auto: cross-validating {m.name} ({rank + 1} of {len(members)} members)"
        started = time.perf_counter()
        oof = np.zeros((repeats, n_lab, k))
        pool_p = []
        try:
            for f, (tr, te) in enumerate(folds):
                report(stage, done, total)
                P_te, P_pool = _fold(m, views, y, tr, te, pool_pos, plan, graph, teacher, f)
                oof[f // (len(folds) // repeats), te] = P_te
                if P_pool is not None:
                    pool_p.append(P_pool)
                done += 1
                spent = time.perf_counter() - started
                projected = spent / (f + 1) * (len(folds) - f - 1)
                if rank > 0 and projected > clock.left():
                    raise _OverTime(spent + projected)
        except _OverTime as exc:
            res["status"] = f"skipped: would pass the time limit (~{exc.args[0]:.0f} s)"
            done = (rank + 1) * len(folds)
            continue
        except Exception as exc:  # a member that fails is reported, never fatal
            res["status"] = f"failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
            logger.warning("auto: member %s failed: %s", m.name, res["status"])
            done = (rank + 1) * len(folds)
            continue
        res.update(status="ok", oof=oof, seconds=time.perf_counter() - started)
        if m.kind == "supervised":
            pool_proba[m.name] = pool_p
    report("auto: cross-validating", total, total)
    return CVRun(results, teacher or [], teacher_names)


def _teachers(pool_proba, y, folds, pool_pos, plan):
    """Each fold's pseudo-labels: (positions, codes, weights) from the average of the
    supervised members fitted on that fold's training labels."""
    names = list(pool_proba)
    out = []
    for f, (tr, _) in enumerate(folds):
        # the pool only: the held-out rows stand for new rows, which the refitted model
        # predicts without having pseudo-labeled them
        P = np.mean([pool_proba[n][f] for n in names], axis=0)
        counts = np.bincount(y[tr], minlength=P.shape[1])
        out.append(select_pseudo_labels(P, pool_pos, counts, len(tr), plan.pseudo_labels))
    return out, names


def select_pseudo_labels(
    P: np.ndarray, cand: np.ndarray, counts: np.ndarray, n_train: int, policy: str = "balanced"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The teacher's pseudo-labels among the candidate rows: ``(rows, codes, weights)``.

    ``P`` holds the teacher's probabilities on ``cand``. ``"balanced"`` takes the most
    confident rows class by class in the labeled proportions ``counts`` (4 per labeled
    row, at least 40); ``"threshold"`` every row with confidence >= 0.8. The weights are
    the teacher's confidence, scaled so that the pseudo-labels together weigh no more
    than the ``n_train`` labels.
    """
    conf, pred = P.max(axis=1), np.argmax(P, axis=1)
    if policy == "threshold":
        mask = Threshold(_THRESHOLD).select(conf, None, pred, None)
    else:
        n_take = min(len(cand), max(_PSEUDO_PER_LABEL * n_train, _MIN_PSEUDO))
        state = PolicyState(1, P.shape[1], counts)
        mask = ClassBalancedTopK(k=n_take).select(conf, None, pred, state)
    w = conf[mask]
    if w.sum() > n_train:  # the pseudo-labels together weigh no more than the labels
        w = w * (n_train / w.sum())
    return cand[mask], pred[mask], w


def _fold(m, views, y, tr, te, pool_pos, plan, graph, teacher, f):
    V = views[m.view]
    k, seed = plan.n_classes, plan.seed
    if len(np.unique(y[tr])) < 2:  # a class with one label left one class to train on
        prior = np.bincount(y[tr], minlength=k) / len(tr)
        flat = np.tile(prior, (len(te), 1))
        return flat, (np.tile(prior, (len(pool_pos), 1)) if m.kind == "supervised" else None)
    if m.kind == "graph":
        from ..graph._graph import spread_labels, to_distribution

        S, order = graph
        seeds = np.full(V.shape[0], UNLABELED)
        seeds[tr] = y[tr]
        F, _ = spread_labels(S, seeds, k, 0.99, 1e-3, 300, order)
        prior = np.bincount(y[tr], minlength=k) / len(tr)
        return to_distribution(F[te], prior), None
    if m.kind == "semi-supervised":
        codes = np.full(V.shape[0], UNLABELED)
        codes[tr] = y[tr]
        model = m.make(seed, plan.n_jobs).fit(V, codes)
        return predict_proba_chunked(model, V, te, k), None
    if m.kind == "pseudo-label":
        model = fit_with_pseudo_labels(m, V, tr, y[tr], teacher[f], seed, plan.n_jobs)
        return predict_proba_chunked(model, V, te, k), None
    if m.kind == "weak":  # the held-out rows stand for new rows: no weak label of theirs
        model, _ = fit_with_weak_labels(
            m, V, tr, y[tr], views["votes"], pool_pos, k, seed, plan.n_jobs
        )
        return predict_proba_chunked(model, V, te, k), None
    model = m.make(seed, plan.n_jobs).fit(_safe_indexing(V, tr), y[tr])
    # an empty pool (every row labeled) gives an empty matrix: nothing to teach
    return predict_proba_chunked(model, V, te, k), predict_proba_chunked(model, V, pool_pos, k)
