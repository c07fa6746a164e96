"""AutoClassifier: pick, by cross-validation on the labeled rows, the method that helps."""

from __future__ import annotations

import logging
from collections.abc import Callable
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval

from .base import BaseFewLabelsClassifier, predict_proba_chunked
from .evidence import cross_validate_methods, labeled_folds, paired_gain

__all__ = ["AutoClassifier", "DEFAULT_PORTFOLIO", "DEEP_MEMBER", "default_portfolio"]

logger = logging.getLogger(__name__)

#: Methods cross-validated by default: supervised bases, self-training variants, a graph method.
DEFAULT_PORTFOLIO = (
    "supervised",
    "supervised-logreg",
    "self-training-msla",
    "self-training-topk",
    "label-spreading",
    "graph-pseudo-label",
)

#: Joins the default portfolio when torch is installed (the ``deep`` extra): the deep
#: method that did best on letter in benchmarks/deep_speed.py (Arazo et al.'s soft
#: pseudo-labels with mixup: 0.796 against LightGBM's 0.769 with 5% of the labels).
DEEP_MEMBER = "mixup-pseudo-label"


def default_portfolio() -> tuple[str, ...]:
    """:data:`DEFAULT_PORTFOLIO`, plus :data:`DEEP_MEMBER` when torch is installed."""
    from .deep._torch import have_torch

    return DEFAULT_PORTFOLIO + ((DEEP_MEMBER,) if have_torch() else ())


class AutoClassifier(BaseFewLabelsClassifier):
    """Cross-validate a portfolio of methods and keep the supervised model unless one clearly helps.

    The labeled rows are split into stratified folds (repeated when labels are few). In
    each fold the held-out rows lose their labels before anything is fitted, so every
    semi-supervised member pseudo-labels from that fold's training labels only; they are
    scored on the held-out rows. The best supervised member is the reference. A
    semi-supervised member is chosen only if its mean accuracy beats the reference by
    more than one standard error of the paired fold differences (a one-standard-error
    rule that favours the supervised model); so ``AutoClassifier`` never returns a
    semi-supervised model that cross-validation finds worse than supervised. The choice
    is then refitted on all rows.

    Parameters
    ----------
    portfolio : tuple of str, default=None
        Method names from :data:`fewlabels.methods.METHODS`; ``None`` means
        :data:`DEFAULT_PORTFOLIO`, plus soft pseudo-labels with mixup (:data:`DEEP_MEMBER`) when torch is
        installed.
    n_splits : int, default=5
    n_repeats : int, default=None
        ``None``: 3 below 100 labeled rows, 2 below 1,000, else 1.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    best_method_ : str
    estimator_ : estimator
        The chosen method refitted on every row.
    cv_results_ : dict
        ``method``, ``semi_supervised``, ``mean_accuracy``, ``std_accuracy``,
        ``mean_balanced_accuracy`` and ``fold_accuracy`` (one list per method), in
        portfolio order.
    reference_method_ : str
        The best supervised member.
    gain_ : tuple of float
        Mean accuracy gain of ``best_method_`` over the reference, with a 95% interval.
    selection_reason_ : str
    classes_ : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y_true = np.repeat([0, 1], 100)
    >>> X = rng.normal(0, 1, (200, 3)) + 2.5 * y_true[:, None]
    >>> y = np.where(rng.random(200) < 0.15, y_true, -1)
    >>> auto = AutoClassifier(portfolio=("supervised-logreg", "label-spreading"), random_state=0).fit(X, y)
    >>> auto.best_method_ in ("supervised-logreg", "label-spreading")
    True
    """

    _accepts_tables = True
    _allow_nan = True

    _parameter_constraints: dict = {
        "portfolio": [None, tuple, list],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "n_repeats": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        portfolio: Any = None,
        *,
        n_splits: int = 5,
        n_repeats: int | None = None,
        random_state: Any = None,
    ):
        self.portfolio = portfolio
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.random_state = random_state

    def _fit(
        self,
        X: Any,
        codes: np.ndarray,
        random_state: np.random.RandomState,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        from .methods import get_method, make_model

        names = tuple(self.portfolio or default_portfolio())
        methods = {n: get_method(n) for n in names}
        supervised = [n for n in names if not methods[n].semi_supervised]
        if not supervised:
            raise ValueError("the portfolio needs at least one supervised method as the reference")
        seed = int(random_state.randint(2**31 - 1))
        folds, _, _, reason = labeled_folds(codes, self.n_splits, self.n_repeats, seed)
        factories = {n: (lambda n=n: make_model(n, seed)) for n in names}
        if reason is not None:
            self.best_method_ = self.reference_method_ = supervised[0]
            self.cv_results_ = {
                "method": list(names),
                "semi_supervised": [methods[n].semi_supervised for n in names],
            }
            self.gain_ = (float("nan"),) * 3
            self.selection_reason_ = f"no cross-validation ({reason}); kept the supervised model"
        else:
            cv = cross_validate_methods(factories, X, codes, folds, progress)
            mean = {n: float(np.mean(cv.accuracy[n])) for n in names}
            reference = max(supervised, key=lambda n: mean[n])
            best, gain = reference, (0.0, 0.0, 0.0)
            reason_text = (
                f"no semi-supervised method beat {reference} by more than one standard error"
            )
            semi = [n for n in names if methods[n].semi_supervised]
            # only the best semi-supervised member is tested: one comparison, no fishing
            candidate = max(semi, key=lambda n: mean[n]) if semi else None
            if candidate is not None:
                d = np.asarray(cv.accuracy[candidate]) - np.asarray(cv.accuracy[reference])
                se = d.std(ddof=1) / np.sqrt(len(d))
                if d.mean() > se:
                    best, gain = (
                        candidate,
                        paired_gain(cv.accuracy[candidate], cv.accuracy[reference]),
                    )
                    reason_text = f"{candidate} beat {reference} by {d.mean():+.3f} accuracy (one standard error: {se:.3f})"
            self.best_method_, self.reference_method_, self.gain_ = best, reference, gain
            self.selection_reason_ = reason_text
            self.cv_results_ = {
                "method": list(names),
                "semi_supervised": [methods[n].semi_supervised for n in names],
                "mean_accuracy": [mean[n] for n in names],
                "std_accuracy": [float(np.std(cv.accuracy[n])) for n in names],
                "mean_balanced_accuracy": [float(np.mean(cv.balanced_accuracy[n])) for n in names],
                "fold_accuracy": [cv.accuracy[n] for n in names],
            }
        logger.info("auto chose %s: %s", self.best_method_, self.selection_reason_)
        self.estimator_ = factories[self.best_method_]().fit(X, codes)

    def _predict_proba(self, X: Any) -> np.ndarray:
        return predict_proba_chunked(self.estimator_, X, None, len(self.classes_))
