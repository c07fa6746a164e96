"""The pool loop shared by self-training, co-training and tri-training.

Every round of :class:`PoolLoop` runs four steps over the *pool* of unlabeled rows:

1. **score**: the :class:`PoolLearner` (the family's models) scores the pool;
2. **select**: a :class:`SelectionRule` proposes rows and the labels the models predict
   for them (:class:`PolicyRule` applies a :class:`~fewlabels.selftrain.SelectionPolicy`
   to each model's view of the pool);
3. **update**: a :data:`LabelSource` gives the labels of the proposed rows (the
   predictions, :func:`pseudo_labels`; an oracle for active learning) and the loop writes
   them into the :class:`LabelState`;
4. **refit**: the learner refits the models whose labels changed.

A *track* is one label vector that models learn from: self-training and co-training have
one (co-training's two views share their labeled set), tri-training three (each model has
its own pseudo-labels).

The loop reads two declarations of the rule (which forwards those of its policy) and
nothing else about it:

- ``replaces``: each round re-selects from every initially unlabeled row, and a track's new
  selection replaces its previous pseudo-labels instead of adding to them (so models must
  be refitted, not continued: :attr:`LabelState.incremental` is False);
- ``restarts`` (curriculum learning): as ``replaces``, and the loop stops when a round
  selects exactly what the previous round selected, instead of when a round selects
  nothing.

A policy declaring ``needs_prior`` gets :attr:`PolicyState.prior_proba`, the initial
models' probabilities on the pool (:meth:`PoolLearner.prior`).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

import numpy as np

from ..data.labels import UNLABELED
from .policies import PolicyState, SelectionPolicy

__all__ = [
    "LabelSource",
    "LabelState",
    "LoopResult",
    "PolicyRule",
    "PoolLearner",
    "PoolLoop",
    "RoundRecord",
    "Scores",
    "SelectionRule",
    "Update",
    "pseudo_labels",
]

logger = logging.getLogger(__name__)

S = TypeVar("S")  # what a learner's score step hands to its rule


@dataclass(frozen=True)
class Scores:
    """One model's view of the pool: ``confidence`` (n,), class-wise ``votes`` (n, K) and
    the predicted class codes ``pred`` (n,)."""

    confidence: np.ndarray
    votes: np.ndarray
    pred: np.ndarray


@dataclass(frozen=True)
class Update:
    """Rows one round gives one track: row indices (into the training set), their labels
    (class codes), the confidence they were accepted with, and the thresholds of the
    selection (one entry per model that selected; None for a policy without thresholds)."""

    track: int
    rows: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray
    thresholds: tuple[np.ndarray | None, ...] = ()

    def same_as(self, other: Update) -> bool:
        return (
            self.track == other.track
            and np.array_equal(self.rows, other.rows)
            and np.array_equal(self.labels, other.labels)
        )


#: The update step's label source: ``source(rows, predicted) -> labels``.
LabelSource = Callable[[np.ndarray, np.ndarray], np.ndarray]


def pseudo_labels(rows: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """The label source of self-training: the models' own predictions."""
    return predicted


@dataclass
class LabelState:
    """The labels every track learns from, written by the loop only.

    Attributes
    ----------
    codes : ndarray of shape (n_samples,)
        The given class codes, :data:`~fewlabels.data.UNLABELED` elsewhere; never written.
    labels : ndarray of shape (n_tracks, n_samples)
        The current labels of each track: given, accepted, or UNLABELED.
    labeled_iter : ndarray of shape (n_tracks, n_samples)
        The round each current label was written in: 0 for given labels, -1 for none.
    confidence : ndarray of shape (n_tracks, n_samples)
        The confidence each current label was accepted with (1 for given labels).
    incremental : bool
        True when labels are only ever added, so a model may be continued from the
        previous round's instead of refitted.
    """

    codes: np.ndarray
    labels: np.ndarray
    labeled_iter: np.ndarray
    confidence: np.ndarray
    incremental: bool = True

    @classmethod
    def start(cls, codes: np.ndarray, n_tracks: int = 1, incremental: bool = True) -> LabelState:
        codes = np.asarray(codes)
        return cls(
            codes=codes,
            labels=np.tile(codes, (n_tracks, 1)),
            labeled_iter=np.tile(np.where(codes != UNLABELED, 0, -1), (n_tracks, 1)),
            confidence=np.ones((n_tracks, len(codes))),
            incremental=incremental,
        )

    @property
    def given(self) -> np.ndarray:
        """Mask of the rows with a given label."""
        return self.codes != UNLABELED

    def labeled_rows(self, track: int = 0) -> np.ndarray:
        return np.flatnonzero(self.labels[track] != UNLABELED)

    def unlabeled_rows(self) -> np.ndarray:
        """The rows no track has a label for."""
        return np.flatnonzero((self.labels == UNLABELED).all(axis=0))

    def reset(self, track: int) -> None:
        """Drop the track's accepted labels: back to the given ones."""
        self.labels[track] = self.codes
        self.labeled_iter[track] = np.where(self.given, 0, -1)
        self.confidence[track] = 1.0

    def write(self, update: Update, iteration: int) -> None:
        self.labels[update.track, update.rows] = update.labels
        self.labeled_iter[update.track, update.rows] = iteration
        self.confidence[update.track, update.rows] = update.confidence


class PoolLearner(ABC, Generic[S]):
    """The models' side of the loop: the family's score and refit steps."""

    @abstractmethod
    def start(self, state: LabelState) -> None:
        """Fit the initial models on ``state`` (the given labels)."""

    def prior(self, rows: np.ndarray) -> np.ndarray | None:
        """The initial models' class probabilities on ``rows``, for policies that declare
        ``needs_prior``; None when the learner has none to offer."""
        return None

    @abstractmethod
    def score(self, pool: np.ndarray, state: LabelState) -> S:
        """Score the rows ``pool`` (what the rule's select step reads)."""

    @abstractmethod
    def refit(self, state: LabelState, updates: Sequence[Update]) -> None:
        """Refit after the loop wrote ``updates`` into ``state``."""


class SelectionRule(ABC, Generic[S]):
    """The select step: which rows of the pool each track gets this round.

    ``policy`` (or None) is the selection policy whose declarations the rule forwards;
    ``reselects`` says that the rule itself re-selects every round (tri-training).
    """

    policy: SelectionPolicy | None = None
    reselects: bool = False

    @property
    def restarts(self) -> bool:
        return self.policy is not None and self.policy.restarts

    @property
    def replaces(self) -> bool:
        return self.reselects or self.restarts

    @property
    def needs_prior(self) -> bool:
        return self.policy is not None and self.policy.needs_prior

    @abstractmethod
    def select(self, scores: S, pool: np.ndarray, state: PolicyState) -> list[Update]:
        """The round's proposals, the labels being the models' predictions."""


class PolicyRule(SelectionRule[Sequence[Scores]]):
    """Apply a policy to each model's view of the pool; where several models accept a row,
    the most confident one labels it. One update per round, for track 0 (possibly empty).

    >>> from fewlabels.selftrain import ClassBalancedTopK
    >>> scores = [Scores(np.array([0.6, 0.9, 0.7, 0.8]), np.zeros((4, 2)), np.array([0, 1, 0, 1]))]
    >>> state = PolicyState(1, 2, np.array([1, 0]))
    >>> u, = PolicyRule(ClassBalancedTopK(k=1)).select(scores, np.array([10, 11, 12, 13]), state)
    >>> u.rows.tolist(), u.labels.tolist()
    ([12], [0])
    """

    def __init__(self, policy: SelectionPolicy):
        policy._validate_params()
        self.policy = policy

    def select(
        self, scores: Sequence[Scores], pool: np.ndarray, state: PolicyState
    ) -> list[Update]:
        assert self.policy is not None
        taken = np.zeros(pool.size, dtype=bool)
        best_conf = np.zeros(pool.size)
        best_label = np.zeros(pool.size, dtype=np.int64)
        thresholds = []
        for s in scores:
            chosen = self.policy._select(s.confidence, s.votes, s.pred, state)
            better = np.asarray(chosen.mask, dtype=bool) & (~taken | (s.confidence > best_conf))
            best_conf[better], best_label[better] = s.confidence[better], s.pred[better]
            taken |= better
            thresholds.append(chosen.thresholds)
        return [Update(0, pool[taken], best_label[taken], best_conf[taken], tuple(thresholds))]


@dataclass(frozen=True)
class RoundRecord:
    """What one round did: the pool size, the updates written and, per track, the number
    of labeled rows afterwards."""

    iteration: int
    n_pool: int
    updates: tuple[Update, ...]
    n_labeled: tuple[int, ...]

    @property
    def n_added(self) -> int:
        return sum(u.rows.size for u in self.updates)


@dataclass
class LoopResult:
    state: LabelState
    history: list[RoundRecord] = field(default_factory=list)
    termination: str = "max_iter"  # or "no_change", "all_labeled"

    @property
    def n_iter(self) -> int:
        return len(self.history)


@dataclass
class PoolLoop(Generic[S]):
    """Score, select, update, refit, for at most ``max_iter`` rounds.

    Stops with ``"all_labeled"`` when the pool is empty, ``"no_change"`` when a round
    selects nothing (or, for a restarting rule, what the previous round selected), and
    ``"max_iter"`` otherwise.

    Parameters
    ----------
    learner : PoolLearner
    rule : SelectionRule
    n_classes : int
    max_iter : int
    n_tracks : int, default=1
    source : LabelSource, default=pseudo_labels
    """

    learner: PoolLearner[S]
    rule: SelectionRule[S]
    n_classes: int
    max_iter: int
    n_tracks: int = 1
    source: LabelSource = pseudo_labels

    def run(self, codes: np.ndarray) -> LoopResult:
        rule, learner = self.rule, self.learner
        state = LabelState.start(codes, self.n_tracks, incremental=not rule.replaces)
        given = state.given
        counts = np.bincount(state.codes[given], minlength=self.n_classes)
        learner.start(state)
        pool_all = np.flatnonzero(~given)
        prior = learner.prior(pool_all) if rule.needs_prior and pool_all.size else None
        position = np.full(len(state.codes), -1)
        position[pool_all] = np.arange(pool_all.size)
        result = LoopResult(state)
        previous: list[Update] | None = None
        for it in range(1, self.max_iter + 1):
            pool = pool_all if rule.replaces else state.unlabeled_rows()
            if pool.size == 0:
                result.termination = "all_labeled"
                break
            scores = learner.score(pool, state)
            round_prior = None if prior is None else prior[position[pool]]
            context = PolicyState(it, self.n_classes, counts, round_prior)
            updates = [
                replace(u, labels=self.source(u.rows, u.labels))
                for u in rule.select(scores, pool, context)
            ]
            if rule.restarts:
                if previous is not None and _same(previous, updates):
                    result.termination = "no_change"
                    break
                previous = updates
            elif not any(u.rows.size for u in updates):
                result.termination = "no_change"
                break
            for u in updates:
                if rule.replaces:
                    state.reset(u.track)
                state.write(u, it)
            record = RoundRecord(
                it,
                int(pool.size),
                tuple(updates),
                tuple(int((lab != UNLABELED).sum()) for lab in state.labels),
            )
            result.history.append(record)
            logger.info("pool loop round %d: %d rows accepted", it, record.n_added)
            learner.refit(state, updates)
        return result


def _same(a: Sequence[Update], b: Sequence[Update]) -> bool:
    return len(a) == len(b) and all(u.same_as(v) for u, v in zip(a, b, strict=True))
