"""How much did the unlabeled rows help a regression? Cross-validated evidence on RMSE.

The regression twin of :mod:`fewlabels.evidence`: each fold hides the values of some
labeled rows (they stay in the table as unlabeled rows, which is what a semi-supervised
method sees at fit time), fits the method and the supervised baseline on what is left,
and scores both on the hidden rows. The paired fold differences in RMSE give the gain
with an interval; MAE and R² come with their own intervals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.model_selection import RepeatedKFold
from sklearn.utils import _safe_indexing

from ..data.labels import Target, parse_target
from ..evidence import _finite, paired_gain
from ._core import regression_scores

__all__ = [
    "RegressionEvidence",
    "compare_regressors",
    "fold_predictions",
    "interval",
    "regression_folds",
]

logger = logging.getLogger(__name__)


def interval(scores: Any) -> tuple[float, float, float]:
    """Mean of per-fold scores and a 95% interval (normal approximation over the folds;
    NaN scores left out, NaN bounds below two folds).

    >>> interval([1.0, 2.0, 3.0])[0]
    2.0
    """
    s = np.asarray(scores, dtype=float)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return float("nan"), float("nan"), float("nan")
    half = 1.96 * s.std(ddof=1) / np.sqrt(s.size) if s.size > 1 else float("nan")
    return float(s.mean()), float(s.mean() - half), float(s.mean() + half)


def _g(x: float) -> str:
    return f"{x:.4g}"


@dataclass
class RegressionEvidence:
    """Fold scores of a regression method and of the supervised baseline.

    ``gain`` is the baseline's RMSE minus the method's, per fold: positive when the
    method is better. The folds share training rows, so the intervals are somewhat too
    narrow; read them as a guide, not a test.
    """

    method: str
    baseline: str
    n_splits: int
    n_repeats: int
    method_rmse: list[float] = field(default_factory=list)
    baseline_rmse: list[float] = field(default_factory=list)
    method_mae: list[float] = field(default_factory=list)
    baseline_mae: list[float] = field(default_factory=list)
    method_r2: list[float] = field(default_factory=list)
    baseline_r2: list[float] = field(default_factory=list)
    skipped_reason: str | None = None
    #: a selection's members and their mean cross-validated RMSE (members that finished)
    portfolio: dict[str, float] | None = None
    #: each member's status: "ok", or why it did not run (time limit)
    member_status: dict[str, str] | None = None
    selection_reason: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: a selection compared semi-supervised members with the baseline and kept the baseline
    kept_baseline: bool = False
    #: a selection's best semi-supervised member and its fold RMSE (chosen or not), so a
    #: kept baseline still shows what it was compared with
    candidate: str | None = None
    candidate_rmse: list[float] = field(default_factory=list)
    #: the out-of-fold predictions of the method, one per labeled row (its first repeat):
    #: ``oof_rows`` index the table. Kept for the report; left out of :meth:`to_dict`.
    oof_rows: Any = field(default=None, repr=False, compare=False)
    oof_pred: Any = field(default=None, repr=False, compare=False)
    oof_true: Any = field(default=None, repr=False, compare=False)
    #: whether ``method`` learns from unlabeled rows (see :class:`fewlabels.evidence.Evidence`)
    semi_supervised: bool = True

    @property
    def available(self) -> bool:
        return self.skipped_reason is None and bool(self.method_rmse)

    @property
    def is_baseline(self) -> bool:
        """The method is the supervised baseline (or a selection kept the baseline)."""
        return self.method == self.baseline or self.kept_baseline

    def gain(self) -> tuple[float, float, float]:
        """Mean RMSE reduction over the baseline (baseline minus method) and a 95%
        interval, over the paired folds."""
        if not self.available:
            return (float("nan"),) * 3
        return paired_gain(self.baseline_rmse, self.method_rmse)

    def candidate_gain(self) -> tuple[float, float, float]:
        """The candidate's RMSE reduction over the baseline with a 95% interval (NaN
        without a candidate)."""
        if not self.candidate_rmse or len(self.candidate_rmse) != len(self.baseline_rmse):
            return (float("nan"),) * 3
        return paired_gain(self.baseline_rmse, self.candidate_rmse)

    def rmse_interval(self, of: str = "method") -> tuple[float, float, float]:
        """Mean fold RMSE of ``of`` ("method" or "baseline") with a 95% interval."""
        return interval(getattr(self, f"{of}_rmse"))

    def mae_interval(self, of: str = "method") -> tuple[float, float, float]:
        """Mean fold MAE of ``of`` ("method" or "baseline") with a 95% interval."""
        return interval(getattr(self, f"{of}_mae"))

    def r2_interval(self, of: str = "method") -> tuple[float, float, float]:
        """Mean fold R² of ``of`` ("method" or "baseline") with a 95% interval."""
        return interval(getattr(self, f"{of}_r2"))

    def verdict(self) -> str:
        """One sentence: what was chosen or compared, and whether the unlabeled rows helped."""
        if not self.available:
            return f"no evidence: {self.skipped_reason}"
        rmse = self.rmse_interval("baseline" if self.is_baseline else "method")[0]
        if self.is_baseline:
            if self.selection_reason:
                return (
                    f"kept {self.baseline}, the best supervised regressor (RMSE {_g(rmse)}): "
                    f"{self.selection_reason}"
                )
            return f"this is the supervised baseline (RMSE {_g(rmse)})"
        mean, lo, hi = self.gain()
        chose = f"chose {self.method} ({self.selection_reason}); " if self.selection_reason else ""
        span = f"95% interval {_g(lo)} to {_g(hi)}"
        if lo > 0:
            what = (
                "the unlabeled rows helped"
                if self.semi_supervised
                else "ahead of the baseline (a supervised regressor: no unlabeled rows used)"
            )
            return (
                f"{chose}{what}: RMSE {_g(rmse)}, {_g(mean)} lower than the {self.baseline} "
                f"({span})"
            )
        if hi < 0:
            return (
                f"{chose}WORSE than the supervised {self.baseline}: RMSE {_g(rmse)}, "
                f"{_g(-mean)} higher ({span}); prefer --method {self.baseline}"
            )
        return (
            f"{chose}no clear difference in RMSE from the {self.baseline}: {_g(rmse)}, "
            f"a reduction of {_g(mean)} ({span})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values only (no arrays; NaN as None), for JSON."""
        d = asdict(self)
        for k in ("oof_rows", "oof_pred", "oof_true"):
            d.pop(k, None)
        if self.available:
            d["gain"], d["gain_low"], d["gain_high"] = self.gain()
            d["candidate_gain"], d["candidate_gain_low"], d["candidate_gain_high"] = (
                self.candidate_gain()
            )
            for of in ("method", "baseline"):
                for metric in ("rmse", "mae", "r2"):
                    mean, lo, hi = getattr(self, f"{metric}_interval")(of)
                    d[f"{of}_mean_{metric}"] = mean
                    d[f"{of}_{metric}_interval"] = [lo, hi]
        d["n_oof"] = 0 if self.oof_rows is None else int(len(self.oof_rows))
        d["verdict"] = self.verdict()
        d["is_baseline"] = self.is_baseline
        d["available"] = self.available
        return _finite(_plain(d))


def _plain(value: Any) -> Any:
    """NumPy scalars as Python values, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def regression_folds(
    labeled: np.ndarray,
    n_splits: int = 5,
    n_repeats: int | None = None,
    random_state: int | None = 0,
) -> tuple[list[np.ndarray], int, int, str | None]:
    """Repeated k-fold over the labeled positions ``labeled`` (indices).

    Returns ``(test_rows_per_fold, n_splits, n_repeats, reason)``: ``reason`` says why no
    fold can be made (fewer than 4 labeled rows), else None. ``n_repeats`` defaults to 3
    below 100 labeled rows, 2 below 1,000, else 1.
    """
    labeled = np.asarray(labeled)
    n = len(labeled)
    if n_repeats is None:
        n_repeats = 3 if n < 100 else 2 if n < 1000 else 1
    splits = int(min(n_splits, n // 2))
    if n < 4 or splits < 2:
        return [], max(splits, 0), n_repeats, "fewer than 4 labeled rows, so none can be held out"
    cv = RepeatedKFold(n_splits=splits, n_repeats=n_repeats, random_state=random_state)
    return [labeled[test] for _, test in cv.split(labeled)], splits, n_repeats, None


def fold_predictions(
    make: Callable[[], Any], X: Any, target: Target, test: np.ndarray
) -> np.ndarray:
    """Fit ``make()`` on ``X`` with the rows ``test`` unlabeled and predict them."""
    model = make().fit(X, target.without(test))
    return np.asarray(model.predict(_safe_indexing(X, test)), dtype=float).ravel()


def compare_regressors(
    make_method: Callable[[], Any],
    make_baseline: Callable[[], Any],
    X: Any,
    y: Any,
    *,
    method_name: str = "method",
    baseline_name: str = "supervised-regressor",
    n_splits: int = 5,
    n_repeats: int | None = None,
    random_state: int | None = 0,
    progress: Callable[[int, int], None] | None = None,
) -> RegressionEvidence:
    """Cross-validate a regression method against the supervised baseline.

    Parameters
    ----------
    make_method, make_baseline : callable
        Each returns a fresh unfitted regressor (or pipeline) taking ``fit(X, y)`` with
        unlabeled rows missing.
    X : table or array-like
    y : array-like or Target
        The numeric target, unlabeled rows missing.
    n_splits : int, default=5
        Folds over the labeled rows (at most half their number).
    n_repeats : int, optional
        By default 3 below 100 labeled rows, 2 below 1,000, else 1.
    random_state : int, default=0
    progress : callable(done, total), optional
        Called after every fitted model.

    Returns
    -------
    RegressionEvidence

    Examples
    --------
    >>> import numpy as np
    >>> from fewlabels.regression import SupervisedRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 2))
    >>> y = np.where(np.arange(120) < 40, X[:, 0] * 2.0, np.nan)
    >>> ev = compare_regressors(lambda: SupervisedRegressor("ridge"),
    ...                         lambda: SupervisedRegressor("random-forest", random_state=0),
    ...                         X, y, method_name="ridge", baseline_name="forest")
    >>> ev.gain()[0] > 0  # ridge fits a linear target better than a forest
    True
    """
    target = parse_target(y, {"regression"})
    assert target.values is not None
    lab = np.flatnonzero(target.labeled)
    folds, splits, repeats, reason = regression_folds(lab, n_splits, n_repeats, random_state)
    ev = RegressionEvidence(method_name, baseline_name, splits, repeats)
    if reason is not None:
        ev.skipped_reason = reason
        return ev
    same = method_name == baseline_name
    total = len(folds) * (1 if same else 2)
    done = 0
    oof: list[np.ndarray] = []
    for f, test in enumerate(folds):
        truth = target.values[test]
        base = fold_predictions(make_baseline, X, target, test)
        done += 1
        if progress is not None:
            progress(done, total)
        pred = base
        if not same:
            pred = fold_predictions(make_method, X, target, test)
            done += 1
            if progress is not None:
                progress(done, total)
        for who, p in (("baseline", base), ("method", pred)):
            rmse, mae, r2 = regression_scores(truth, p)
            getattr(ev, f"{who}_rmse").append(rmse)
            getattr(ev, f"{who}_mae").append(mae)
            getattr(ev, f"{who}_r2").append(r2)
        if f < splits:
            oof.append(pred)
    ev.oof_rows = np.concatenate(folds[:splits])
    ev.oof_pred = np.concatenate(oof)
    ev.oof_true = target.values[ev.oof_rows]
    logger.info("evidence for %s: %s", method_name, ev.verdict())
    return ev
