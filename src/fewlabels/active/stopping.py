"""When to stop labeling.

Each criterion reads the loop's history (a sequence of
:class:`~fewlabels.active.loop.LoopStep`) and answers two questions: would it stop now
(:meth:`StoppingCriterion.check`, what the loop asks after each step), and at which step
would it have stopped (:meth:`StoppingCriterion.stopping_point`, what a simulation
reports). The decisions themselves are pure functions on numbers and arrays:

- :func:`stabilizing_predictions` (Bloodgood & Vijay-Shanker, 2009): Cohen's kappa between
  consecutive models' predictions on a fixed stop set stays above a threshold;
- :func:`first_at_or_below` for the overall and the maximum uncertainty (Zhu, Wang & Hovy,
  2008), and :func:`first_at_or_above` for a target accuracy and a label budget;
- :func:`stopping_cost`: the cost of stopping at each step, labels plus errors, to compare
  the criteria with the cost-based optimum (Pullar-Strecker et al., 2023).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "Budget",
    "MaxUncertainty",
    "OverallUncertainty",
    "StabilizingPredictions",
    "StoppingCriterion",
    "TargetAccuracy",
    "agreement_kappa",
    "first_at_or_above",
    "first_at_or_below",
    "stabilizing_predictions",
    "stopping_cost",
    "stopping_points",
]


def agreement_kappa(a: Any, b: Any) -> float:
    """Cohen's kappa between two label vectors: 1 for identical predictions (also when
    both give a single class), 0 for chance agreement.

    Examples
    --------
    >>> agreement_kappa([0, 1, 1, 0], [0, 1, 1, 0])
    1.0
    >>> round(agreement_kappa([0, 1, 1, 0], [0, 1, 0, 1]), 3)
    0.0
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"predictions differ in shape: {a.shape} and {b.shape}")
    if len(a) == 0:
        return 1.0
    observed = float(np.mean(a == b))
    values = np.union1d(a, b)
    pa = np.array([np.mean(a == v) for v in values])
    pb = np.array([np.mean(b == v) for v in values])
    expected = float(pa @ pb)
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def stabilizing_predictions(
    predictions: Sequence[Any], threshold: float = 0.99, window: int = 3
) -> tuple[int | None, np.ndarray]:
    """Stabilizing predictions (Bloodgood & Vijay-Shanker, 2009).

    Parameters
    ----------
    predictions : sequence of arrays
        Each model's predictions on the same stop set, in the order the models were
        fitted (None for a step without a model).
    threshold : float, default=0.99
        The kappa agreement that counts as stable (the paper's 0.99).
    window : int, default=3
        How many consecutive comparisons must reach it (the paper's 3).

    Returns
    -------
    stop : int or None
        The index of the first model after which the last ``window`` kappas all reached
        ``threshold``; None if that never happens.
    kappas : ndarray of float, shape (len(predictions),)
        ``kappas[t]`` compares model ``t`` with model ``t - 1`` (NaN for t = 0 and around
        a missing model).

    Examples
    --------
    >>> p = [[0, 0, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1]]
    >>> stop, kappas = stabilizing_predictions(p, threshold=0.99, window=2)
    >>> stop, kappas.round(2).tolist()
    (3, [nan, 0.5, 1.0, 1.0, 1.0])
    """
    kappas = np.full(len(predictions), np.nan)
    for t in range(1, len(predictions)):
        if predictions[t] is not None and predictions[t - 1] is not None:
            kappas[t] = agreement_kappa(predictions[t - 1], predictions[t])
    run = 0
    for t, k in enumerate(kappas):
        run = run + 1 if (np.isfinite(k) and k >= threshold) else 0
        if run >= window:
            return t, kappas
    return None, kappas


def first_at_or_below(values: Sequence[float], threshold: float) -> int | None:
    """The first index whose value is at most ``threshold`` (NaN never is).

    Examples
    --------
    >>> first_at_or_below([0.5, 0.3, float("nan"), 0.1], 0.2)
    3
    """
    v = np.asarray(values, dtype=float)
    hit = np.flatnonzero(np.isfinite(v) & (v <= threshold))
    return int(hit[0]) if len(hit) else None


def first_at_or_above(values: Sequence[float], threshold: float) -> int | None:
    """The first index whose value is at least ``threshold`` (NaN never is).

    Examples
    --------
    >>> first_at_or_above([10, 20, 30], 20)
    1
    """
    v = np.asarray(values, dtype=float)
    hit = np.flatnonzero(np.isfinite(v) & (v >= threshold))
    return int(hit[0]) if len(hit) else None


def stopping_cost(
    n_labeled: Any, accuracy: Any, n_rows: int, label_cost: float = 1.0, error_cost: float = 1.0
) -> np.ndarray:
    """The cost of stopping at each step: every label bought, plus every error the model
    then makes on the rows it predicts (``n_rows - n_labeled``), as in Pullar-Strecker et
    al. (2023). Only the ratio ``error_cost / label_cost`` matters for where the optimum is.

    Examples
    --------
    >>> stopping_cost([10, 20], [0.75, 0.9], n_rows=110, error_cost=2.0).tolist()
    [60.0, 38.0]
    """
    n = np.asarray(n_labeled, dtype=float)
    acc = np.asarray(accuracy, dtype=float)
    return label_cost * n + error_cost * (1.0 - acc) * np.maximum(n_rows - n, 0.0)


class StoppingCriterion:
    """The base of every stopping criterion: :meth:`stopping_point` on a history, and
    :meth:`check` for "stop after the last step?"."""

    name = ""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({params})"

    def stopping_point(self, history: Sequence[Any]) -> int | None:
        """The index of the step after which this criterion would have stopped, or None."""
        raise NotImplementedError

    def check(self, history: Sequence[Any]) -> bool:
        """Whether to stop after the last step of ``history``."""
        return self.stopping_point(history) is not None


class StabilizingPredictions(StoppingCriterion):
    """Stop once consecutive models agree on the stop set: kappa at least ``threshold``
    over ``window`` consecutive comparisons (see :func:`stabilizing_predictions`).

    Examples
    --------
    >>> from types import SimpleNamespace as Step
    >>> h = [Step(stop_predictions=np.array(p)) for p in ([0, 1], [1, 1], [1, 0], [1, 0], [1, 0])]
    >>> StabilizingPredictions(window=2).stopping_point(h)
    4
    """

    name = "stabilizing predictions"

    def __init__(self, threshold: float = 0.99, window: int = 3):
        self.threshold = threshold
        self.window = window

    def stopping_point(self, history: Sequence[Any]) -> int | None:
        stop, _ = stabilizing_predictions(
            [s.stop_predictions for s in history], self.threshold, self.window
        )
        return stop


class OverallUncertainty(StoppingCriterion):
    """Stop once the mean uncertainty on the stop set's unlabeled rows is at most
    ``threshold`` (Zhu, Wang & Hovy, 2008)."""

    name = "overall uncertainty"

    def __init__(self, threshold: float = 0.1):
        self.threshold = threshold

    def stopping_point(self, history: Sequence[Any]) -> int | None:
        return first_at_or_below([s.overall_uncertainty for s in history], self.threshold)


class MaxUncertainty(StoppingCriterion):
    """Stop once even the most uncertain row of a queried batch is at most ``threshold``
    uncertain (Zhu, Wang & Hovy, 2008): nothing left the model is unsure of. A batch's
    uncertainty is known once it is queried, so in a live loop it stops one step later
    than :meth:`stopping_point` says."""

    name = "max uncertainty"

    def __init__(self, threshold: float = 0.3):
        self.threshold = threshold

    def stopping_point(self, history: Sequence[Any]) -> int | None:
        return first_at_or_below([s.max_uncertainty for s in history], self.threshold)


class TargetAccuracy(StoppingCriterion):
    """Stop once the estimated accuracy reaches ``target``.

    The estimate is each step's ``estimated_accuracy`` (the model's own cross-validated
    accuracy, without hidden labels), or, for a simulation, its ``accuracy`` on the
    evaluation rows when ``use_evaluation`` is True. :func:`fewlabels.active.planner.plan_labels`
    says how many labels the target should take.
    """

    name = "target accuracy"

    def __init__(self, target: float = 0.9, use_evaluation: bool = False):
        self.target = target
        self.use_evaluation = use_evaluation

    def stopping_point(self, history: Sequence[Any]) -> int | None:
        attr = "accuracy" if self.use_evaluation else "estimated_accuracy"
        values = [np.nan if getattr(s, attr) is None else getattr(s, attr) for s in history]
        return first_at_or_above(values, self.target)


class Budget(StoppingCriterion):
    """Stop once ``max_labels`` rows are labeled.

    Examples
    --------
    >>> from fewlabels.active import PowerLaw
    >>> from types import SimpleNamespace
    >>> plan = SimpleNamespace(labels_needed=lambda acc: (PowerLaw(0.9, 0.4, 0.5).labels_for(acc),))
    >>> Budget.for_accuracy(plan, 0.7).max_labels  # the planner's labels for 0.7
    4
    """

    name = "budget"

    def __init__(self, max_labels: int = 100):
        self.max_labels = max_labels

    @classmethod
    def for_accuracy(cls, plan: Any, accuracy: float) -> Budget:
        """The budget the label-budget planner forecasts for ``accuracy``
        (:meth:`~fewlabels.active.LabelPlan.labels_needed`, rounded up).

        Raises
        ------
        InputError
            When the fitted curve never reaches ``accuracy``.
        """
        from ..exceptions import InputError

        needed = float(plan.labels_needed(accuracy)[0])
        if not np.isfinite(needed):
            raise InputError(
                f"the planner's curve never reaches accuracy {accuracy:.3f}; aim lower or "
                "label more rows before planning"
            )
        return cls(int(np.ceil(needed - 1e-9)))

    def stopping_point(self, history: Sequence[Any]) -> int | None:
        return first_at_or_above([s.n_labeled for s in history], self.max_labels)


def stopping_points(
    history: Sequence[Any], criteria: Sequence[StoppingCriterion]
) -> dict[str, dict[str, Any]]:
    """For each criterion: the step it would have stopped after, and the labels then.

    Returns
    -------
    dict
        ``{criterion name: {"step": int or None, "n_labeled": int or None}}``.
    """
    out: dict[str, dict[str, Any]] = {}
    for c in criteria:
        t = c.stopping_point(history)
        out[c.name] = {"step": t, "n_labeled": None if t is None else int(history[t].n_labeled)}
    return out
