"""The semi-supervised active-learning loop: query a batch, get its labels, refit on every
row so that the model pseudo-labels the rest, repeat.

:class:`ActiveLearningLoop` holds only its settings. :meth:`~ActiveLearningLoop.iter_run`
is a generator of :class:`LoopStep` records (river's ``iter_progressive_val_score``
style); :meth:`~ActiveLearningLoop.run` collects them into a :class:`LoopResult`. The loop
never copies the table: it keeps a reference to ``X`` and one label per row, and hands
the estimator a :class:`~fewlabels.data.Target` built from those labels after each batch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils import _safe_indexing, check_random_state

from ..data.labels import Target, encode_target
from ..exceptions import InputError
from . import utilities as U
from .strategies import QueryStrategy, get_strategy

__all__ = ["ActiveLearningLoop", "LoopResult", "LoopStep", "simulated_oracle"]

logger = logging.getLogger(__name__)

Oracle = Callable[[np.ndarray], Any]

#: The time limit ``auto`` gets in every step of the loop (its own default, 20 s, would
#: make a 20-batch loop take more than 7 minutes of cross-validation).
AUTO_STEP_SECONDS = 5.0


def simulated_oracle(y_true: Any) -> Oracle:
    """An oracle that answers with the hidden labels ``y_true`` (for simulations).

    Examples
    --------
    >>> oracle = simulated_oracle(["a", "b", "c"])
    >>> oracle(np.array([2, 0])).tolist()
    ['c', 'a']
    """
    truth = np.asarray(y_true, dtype=object)

    def oracle(rows: np.ndarray) -> np.ndarray:
        return truth[np.asarray(rows, dtype=np.int64)]

    return oracle


@dataclass
class LoopStep:
    """One step of the loop: the model fitted on the labels so far, then the batch it
    queried (empty on the last step).

    Attributes
    ----------
    step : int
        0 for the model fitted on the starting labels.
    n_labeled : int
        Labels the model of this step was fitted on.
    fitted : bool
        False while fewer than two classes have labels (no model; the cold-start strategy
        picks).
    accuracy : float or None
        Accuracy on the evaluation rows, when the loop was given them.
    estimated_accuracy : float or None
        The model's own estimate without hidden labels (``auto``'s cross-validated
        accuracy), when it has one.
    stop_predictions : ndarray or None
        The model's predicted class codes on the stop set (stabilizing predictions).
    overall_uncertainty : float
        Mean least-confidence uncertainty on the stop set's unlabeled rows (NaN without a
        model).
    max_uncertainty : float
        The largest uncertainty among the rows queried at this step (NaN if none).
    queried : ndarray of int
        Rows queried at this step.
    answers : ndarray
        The oracle's labels for them (missing: the row was skipped).
    reasons : list of str
    note : str
        What the strategy scored (see :meth:`~fewlabels.active.Selection.note`).
    fit_seconds, query_seconds : float
    """

    step: int
    n_labeled: int
    fitted: bool
    accuracy: float | None = None
    estimated_accuracy: float | None = None
    stop_predictions: np.ndarray | None = None
    overall_uncertainty: float = float("nan")
    max_uncertainty: float = float("nan")
    queried: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    answers: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    reasons: list[str] = field(default_factory=list)
    note: str = ""
    fit_seconds: float = 0.0
    query_seconds: float = 0.0
    #: the step's fitted model (:meth:`ActiveLearningLoop.run` keeps only the last one)
    model: Any = field(default=None, repr=False)


@dataclass
class LoopResult:
    """What :meth:`ActiveLearningLoop.run` returns.

    Attributes
    ----------
    steps : list of LoopStep
    labels : ndarray of object, shape (n_rows,)
        Every row's label at the end (None: unlabeled).
    model : estimator or None
        The last fitted model (it predicts, and pseudo-labeled, every row).
    """

    steps: list[LoopStep]
    labels: np.ndarray
    model: Any = None

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """``(n_labeled, accuracy)`` over the steps with an evaluation accuracy."""
        pts = [(s.n_labeled, s.accuracy) for s in self.steps if s.accuracy is not None]
        if not pts:
            return np.zeros(0), np.zeros(0)
        n, acc = zip(*pts, strict=True)
        return np.asarray(n, dtype=float), np.asarray(acc, dtype=float)

    def area_under_curve(self) -> float:
        """The mean accuracy over the label range (the trapezoidal area under the learning
        curve divided by its width; the accuracy itself for a single point)."""
        n, acc = self.curve()
        if len(n) == 0:
            return float("nan")
        if len(n) == 1 or n[-1] == n[0]:
            return float(acc.mean())
        return float(np.trapezoid(acc, n) / (n[-1] - n[0]))  # numpy >= 2 (pyproject)


class ActiveLearningLoop:
    """Active learning with a semi-supervised model: every refit sees every row.

    Each step fits a fresh clone of ``model`` on the table with the labels so far (with
    ``semi_supervised=True`` on every row, so a semi-supervised estimator pseudo-labels
    the unlabeled ones as it does in ``fit``; with False, or for a classifier that is not
    a fewlabels estimator, on the labeled rows only), asks
    ``strategy`` for the next ``batch_size`` rows, and asks ``oracle`` for their labels.
    While fewer than two classes have labels there is no model, and ``cold_start`` picks
    (TypiClust by default: it needs neither).

    Parameters
    ----------
    strategy : str or QueryStrategy, default="margin"
        See :data:`fewlabels.active.STRATEGIES`.
    model : estimator, method name or None, default=None
        Any fewlabels estimator or pipeline (cloned each step), or the name of a method
        (:func:`fewlabels.make_model`). None: ``auto`` with a time limit of
        :data:`AUTO_STEP_SECONDS` per step.
    batch_size : int, default=10
    semi_supervised : bool, default=True
        Refit on labeled and unlabeled rows (True) or on the labeled rows only.
    cold_start : str or QueryStrategy, default="typiclust"
    stop_set_size : int, default=1000
        Rows (drawn once, at random) on which consecutive models' predictions are compared
        and uncertainty is measured.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> truth = np.repeat(["no", "yes"], 100)
    >>> X = rng.normal(0, 1, (200, 2)) + 3 * (truth == "yes")[:, None]
    >>> y = np.full(200, None, dtype=object)
    >>> loop = ActiveLearningLoop("margin", LogisticRegression(), batch_size=5)
    >>> result = loop.run(X, y, simulated_oracle(truth), n_steps=3, X_eval=X, y_eval=truth,
    ...                   random_state=0)
    >>> [s.n_labeled for s in result.steps]
    [0, 5, 10, 15]
    >>> result.steps[-1].accuracy > 0.9
    True
    """

    def __init__(
        self,
        strategy: str | QueryStrategy = "margin",
        model: Any = None,
        *,
        batch_size: int = 10,
        semi_supervised: bool = True,
        cold_start: str | QueryStrategy = "typiclust",
        stop_set_size: int = 1000,
    ):
        self.strategy = strategy
        self.model = model
        self.batch_size = batch_size
        self.semi_supervised = semi_supervised
        self.cold_start = cold_start
        self.stop_set_size = stop_set_size

    def _make_model(self, seed: int) -> Any:
        if self.model is None:
            from ..methods import make_model

            return make_model("auto", seed, time_limit=AUTO_STEP_SECONDS)
        if isinstance(self.model, str):
            from ..methods import make_model

            return make_model(self.model, seed)
        return clone(self.model)

    def run(
        self,
        X: Any,
        y: Any,
        oracle: Oracle,
        *,
        n_steps: int | None = None,
        budget: int | None = None,
        stop: Any = None,
        X_eval: Any = None,
        y_eval: Any = None,
        unlabeled_value: Any = None,
        random_state: Any = None,
    ) -> LoopResult:
        """Run the loop to the end; see :meth:`iter_run` for the parameters.

        Returns
        -------
        LoopResult
        """
        steps: list[LoopStep] = []
        labels = np.zeros(0, dtype=object)
        for record, current in self._iterate(
            X, y, oracle, n_steps, budget, stop, X_eval, y_eval, unlabeled_value, random_state
        ):
            steps.append(record)
            labels = current
        model = steps[-1].model if steps else None
        for s in steps:
            s.model = None  # one fitted model per step would hold a lot of memory
        return LoopResult(steps, labels, model)

    def iter_run(
        self,
        X: Any,
        y: Any,
        oracle: Oracle,
        *,
        n_steps: int | None = None,
        budget: int | None = None,
        stop: Any = None,
        X_eval: Any = None,
        y_eval: Any = None,
        unlabeled_value: Any = None,
        random_state: Any = None,
    ) -> Iterator[LoopStep]:
        """Yield a :class:`LoopStep` after every fit, until a limit is reached.

        Parameters
        ----------
        X : table or array of shape (n_rows, n_features)
            Never copied or modified.
        y : array-like of shape (n_rows,), Target, or None
            The starting labels (unlabeled rows as :mod:`fewlabels.data.labels` says);
            None or all-unlabeled for a cold start.
        oracle : callable(rows) -> labels
            Gives the labels of the rows asked for (a missing value: the row is skipped
            and never asked again). :func:`simulated_oracle` answers from hidden labels.
        n_steps : int, optional
            Batches to query.
        budget : int, optional
            Stop once this many rows are labeled. One of ``n_steps`` and ``budget`` is
            required (or a pool that runs out).
        stop : StoppingCriterion, optional
            Also stop when it fires (see :mod:`fewlabels.active.stopping`).
        X_eval, y_eval : optional
            Rows with known labels to score each step's model on (a simulation's test
            part).
        unlabeled_value : scalar, optional
        random_state : int, RandomState or None
        """
        for record, _ in self._iterate(
            X, y, oracle, n_steps, budget, stop, X_eval, y_eval, unlabeled_value, random_state
        ):
            yield record

    def _iterate(
        self,
        X: Any,
        y: Any,
        oracle: Oracle,
        n_steps: int | None,
        budget: int | None,
        stop: Any,
        X_eval: Any,
        y_eval: Any,
        unlabeled_value: Any,
        random_state: Any,
    ) -> Iterator[tuple[LoopStep, np.ndarray]]:
        """:meth:`iter_run`'s records, each with the labels so far (one array, updated in
        place)."""
        if n_steps is None and budget is None:
            raise InputError("give n_steps or budget: the loop needs to know when to end")
        if isinstance(self.batch_size, bool) or int(self.batch_size) < 1:
            raise InputError(f"batch_size must be a positive integer; got {self.batch_size!r}")
        rs = check_random_state(random_state)
        seed = int(rs.randint(2**31 - 1))
        n_rows = int(X.shape[0]) if hasattr(X, "shape") else len(X)
        labels = self._initial_labels(y, n_rows, unlabeled_value)
        skipped = np.zeros(n_rows, dtype=bool)
        strategy = get_strategy(self.strategy)
        cold = get_strategy(self.cold_start)
        if cold.needs_model:
            raise InputError(
                f"the cold-start strategy {cold.label()!r} needs a model; use typiclust, "
                "probcover, coreset or random"
            )
        stop_rows = np.sort(rs.permutation(n_rows)[: int(self.stop_set_size)])
        eval_truth = None if y_eval is None else np.asarray(y_eval, dtype=object)
        history: list[LoopStep] = []
        step = 0
        while True:
            target = encode_target(pd.Series(labels, dtype=object))
            t0 = time.perf_counter()
            model = self._fit(X, target, seed + step) if len(target.classes) >= 2 else None
            record = LoopStep(
                step=step,
                n_labeled=target.n_labeled,
                fitted=model is not None,
                fit_seconds=time.perf_counter() - t0,
                model=model,
            )
            if model is not None:
                self._measure(record, model, X, target, stop_rows, X_eval, eval_truth)
            history.append(record)
            done = (
                (n_steps is not None and step >= n_steps)
                or (budget is not None and target.n_labeled >= budget)
                or (stop is not None and stop.check(history))
            )
            pool = ~target.labeled & ~skipped
            if done or not pool.any():
                yield record, labels
                return
            size = int(self.batch_size)
            if budget is not None:
                size = min(size, budget - target.n_labeled)
            chooser = strategy if model is not None or not strategy.needs_model else cold
            t0 = time.perf_counter()
            sel = chooser.select(X, target, model, size, pool, rs)
            record.query_seconds = time.perf_counter() - t0
            record.queried, record.reasons, record.note = sel.indices, sel.reasons, sel.note()
            if sel.proba is not None and len(sel.proba):
                record.max_uncertainty = float(U.least_confident(sel.proba).max())
            answers = np.asarray(oracle(sel.indices), dtype=object)
            if answers.shape != sel.indices.shape:
                raise InputError(
                    f"the oracle answered {answers.shape[0] if answers.ndim else 0} labels for "
                    f"{len(sel.indices)} rows; answer one label per row asked"
                )
            record.answers = answers
            missing = pd.isna(pd.Series(answers, dtype=object)).to_numpy()
            labels[sel.indices[~missing]] = answers[~missing]
            skipped[sel.indices[missing]] = True
            yield record, labels
            step += 1

    @staticmethod
    def _initial_labels(y: Any, n_rows: int, unlabeled_value: Any) -> np.ndarray:
        if y is None:
            return np.full(n_rows, None, dtype=object)
        if isinstance(y, Target):
            labels = y.labels()
        else:
            from ..data.labels import unlabeled_mask

            mask = unlabeled_mask(y, unlabeled_value)
            if mask.all():
                return np.full(len(mask), None, dtype=object)
            labels = encode_target(y, unlabeled_value).labels()
        if len(labels) != n_rows:
            raise InputError(f"X has {n_rows} rows but y has {len(labels)}; give one label per row")
        return labels

    def _fit(self, X: Any, target: Target, seed: int) -> Any:
        model = self._make_model(seed)
        if self.semi_supervised and _takes_unlabeled(model):
            return model.fit(X, target)
        lab = np.flatnonzero(target.labeled)
        return model.fit(_safe_indexing(X, lab), target.labels()[lab].tolist())

    @staticmethod
    def _measure(
        record: LoopStep,
        model: Any,
        X: Any,
        target: Target,
        stop_rows: np.ndarray,
        X_eval: Any,
        eval_truth: np.ndarray | None,
    ) -> None:
        classes = np.asarray(model.classes_)
        if len(stop_rows):
            P = np.asarray(model.predict_proba(_safe_indexing(X, stop_rows)))
            # class values, not codes: a class's first label shifts the codes between steps
            record.stop_predictions = classes[P.argmax(axis=1)].astype(str)
            unl = ~target.labeled[stop_rows]
            if unl.any():
                record.overall_uncertainty = float(U.least_confident(P[unl]).mean())
        if X_eval is not None and eval_truth is not None:
            pred = classes[np.asarray(model.predict_proba(X_eval)).argmax(axis=1)]
            record.accuracy = float(np.mean(pred.astype(object) == eval_truth))
        record.estimated_accuracy = _own_estimate(model)


def _takes_unlabeled(model: Any) -> bool:
    """Whether ``model`` (or a pipeline's last step) is a fewlabels estimator, which
    learns from unlabeled rows; any other classifier is fitted on the labeled rows."""
    from ..base import BaseFewLabelsEstimator

    last = model.steps[-1][1] if hasattr(model, "steps") else model
    return isinstance(last, BaseFewLabelsEstimator)


def _own_estimate(model: Any) -> float | None:
    """The model's cross-validated accuracy, when it keeps one (``auto``'s evidence)."""
    inner = model.steps[-1][1] if hasattr(model, "steps") else model
    ev = getattr(inner, "evidence_", None)
    chose_baseline = getattr(inner, "best_method_", None) == getattr(
        inner, "reference_method_", object()
    )
    attr = "baseline_scores" if chose_baseline else "method_scores"
    scores: Sequence[float] = getattr(ev, attr, None) or []
    return float(np.mean(scores)) if len(scores) else None
