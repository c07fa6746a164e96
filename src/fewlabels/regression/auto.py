"""AutoRegressor: the best supervised regressor, or a semi-supervised one only where
cross-validation shows it beats it on RMSE."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..auto._cv import Deadline
from ..auto.members import Member
from ..base import BaseFewLabelsRegressor
from ..data.labels import Target, parse_target
from ..evidence import paired_difference
from ._core import regression_scores
from .evidence import RegressionEvidence, regression_folds

__all__ = ["AutoRegressor", "regression_catalogue"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

#: The member refitted when no fold can be made (fewer than 4 labeled rows).
NO_CV_MEMBER = "supervised-ridge"


def _supervised(name: str) -> Callable[[int, int | None], Any]:
    def make(seed: int, n_jobs: int | None) -> Any:
        from .estimators import SupervisedRegressor, make_regressor

        return SupervisedRegressor(make_regressor(name, seed, n_jobs))

    return make


def _coreg(seed: int, n_jobs: int | None) -> Any:
    from .estimators import COREGRegressor

    return COREGRegressor(random_state=seed)


def _graph(method: str) -> Callable[[int, int | None], Any]:
    def make(seed: int, n_jobs: int | None) -> Any:
        from .estimators import LabelPropagationRegressor

        return LabelPropagationRegressor(method=method, random_state=seed)

    return make


def _self_training(base: str | None, confidence: str) -> Callable[[int, int | None], Any]:
    def make(seed: int, n_jobs: int | None) -> Any:
        from .estimators import SelfTrainingRegressor

        return SelfTrainingRegressor(base, confidence=confidence, random_state=seed)

    return make


def regression_catalogue() -> dict[str, Member]:
    """Every member :class:`AutoRegressor` knows, by name, supervised first (the cheap
    ones lead, so that a tight time limit still compares them; forest self-training, the
    slowest, comes last). Each name is also that of
    the registered method (``fewlabels methods``) with the same settings."""
    members = [
        Member("supervised-ridge", "supervised", "numeric", _supervised("ridge"),
               "ridge regression, penalty by leave-one-out"),
        Member("supervised-regressor", "supervised", "native", _supervised("lightgbm"),
               "LightGBM, small-data settings"),
        Member("supervised-rf-regressor", "supervised", "numeric", _supervised("random-forest"),
               "random forest, 100 trees"),
        Member("coreg", "semi-supervised", "numeric", _coreg,
               "COREG: two kNN regressors teach each other"),
        Member("label-propagation-regressor", "semi-supervised", "numeric",
               _graph("harmonic"), "harmonic propagation of values on a kNN graph"),
        Member("label-spreading-regressor", "semi-supervised", "numeric",
               _graph("spreading"), "label spreading of values on a kNN graph"),
        Member("selftrain-ridge-committee", "semi-supervised", "numeric",
               _self_training("ridge", "committee"),
               "ridge self-training, a bootstrap committee's spread as confidence"),
        Member("selftrain-regressor", "semi-supervised", "numeric",
               _self_training(None, "variance"),
               "random forest self-training, per-tree spread as confidence"),
    ]  # fmt: skip
    return {m.name: m for m in members}


class AutoRegressor(BaseFewLabelsRegressor):
    """The best of supervised and semi-supervised regressors, chosen by cross-validation,
    never a semi-supervised one that cross-validation finds worse than supervised.

    1. Every member (ridge, LightGBM and a random forest on the labeled rows; COREG,
       propagation and spreading of values on a kNN graph, self-training of a forest
       and of ridge) is cross-validated on the same repeated k-fold of the labeled rows.
       In each fold the held-out rows lose their values before anything is fitted: they
       stay in the table as unlabeled rows, and every unlabeled row stays unlabeled.
    2. The baseline is the supervised member of lowest mean RMSE; the candidate is the
       semi-supervised member of lowest mean RMSE.
    3. The safe rule. Per fold, the gain is the baseline's RMSE minus the candidate's.
       The candidate is chosen only when the mean gain is positive and exceeds one
       standard error of the paired fold gains (the rule of
       :class:`~fewlabels.auto.AutoClassifier`); otherwise the baseline is. The
       evidence's 95% interval of the gain is reported either way.
    4. The chosen member is refitted on the labeled rows and the unlabeled pool.

    Parameters
    ----------
    members : sequence of str or Member, default=None
        Names from :func:`regression_catalogue` or :class:`~fewlabels.auto.Member`
        objects (``make(seed, n_jobs)`` returning a regressor that takes ``fit(X, y)``
        with unlabeled rows missing); ``None``: the whole catalogue. At least one must be
        supervised.
    cv : int, default=5
        Folds over the labeled rows (at most half their number).
    n_repeats : int, default=None
        Repeats of the k-fold; ``None``: 2 below 200 labeled rows, else 1.
    time_limit : float, default=20
        Seconds for the cross-validation (the refit comes on top). Members run in
        catalogue order while time remains; one whose projected time would pass the
        limit is stopped and left out, and the evidence warns. The first member always
        runs. ``None``: no limit.
    max_pool : int, default=2000
        Unlabeled rows drawn for the semi-supervised members (all when fewer).
    n_jobs : int, default=None
        Threads for the forests and LightGBM (``None``: one).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    best_method_ : str
        The chosen member.
    baseline_method_ : str
        The best supervised member (the chosen one when it is supervised).
    model_ : regressor
        The chosen member, refitted.
    cv_results_ : dict of lists
        Per member: ``method``, ``kind``, ``view``, ``status``, ``seconds``, ``mean_rmse``,
        ``mean_mae``, ``mean_r2`` and ``fold_rmse``.
    gain_ : tuple of float
        The candidate's RMSE reduction over the baseline, with a 95% interval (NaN when no
        semi-supervised member finished).
    selection_reason_ : str
    evidence_ : RegressionEvidence
        What the workflow and the report show (``oof_rows`` index the table).
    pool_size_ : int
        Unlabeled rows used (at most ``max_pool``).
    numeric_encoder_ : NumericView
        The numeric view (one-hot categories, standardized numbers).
    cv_seconds_ : float

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = np.where(np.arange(200) < 40, X[:, 0] - X[:, 1], np.nan)
    >>> auto = AutoRegressor(members=["supervised-ridge", "coreg"], random_state=0).fit(X, y)
    >>> auto.best_method_
    'supervised-ridge'
    """

    _accepts_tables = True
    _allow_nan = True

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "members": [None, list, tuple],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "n_repeats": [None, Interval(Integral, 1, None, closed="left")],
        "time_limit": [None, Interval(Real, 0, None, closed="neither")],
        "max_pool": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        members: Sequence[str | Member] | None = None,
        *,
        cv: int = 5,
        n_repeats: int | None = None,
        time_limit: float | None = 20.0,
        max_pool: int = 2000,
        n_jobs: int | None = None,
        random_state: Any = None,
    ):
        self.members = members
        self.cv = cv
        self.n_repeats = n_repeats
        self.time_limit = time_limit
        self.max_pool = max_pool
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _portfolio(self) -> list[Member]:
        known = regression_catalogue()
        chosen: list[Member] = []
        for m in known.values() if self.members is None else self.members:
            if isinstance(m, str):
                if m not in known:
                    raise ValueError(
                        f"unknown member {m!r}; choose from: {', '.join(known)}, or give a Member"
                    )
                m = known[m]
            elif not isinstance(m, Member):
                raise TypeError(f"members must be names or Member objects; got {type(m).__name__}")
            chosen.append(m)
        if not any(m.kind == "supervised" for m in chosen):
            raise ValueError("the portfolio needs at least one supervised member (the baseline)")
        # supervised members first: the baseline must exist before the clock runs out
        return sorted(chosen, key=lambda m: m.kind != "supervised")

    def _fit(
        self, X: Any, target: Target, random_state: np.random.RandomState, **fit_params: Any
    ) -> None:
        """``fit_params`` may hold ``progress``: a callable(stage, done, total)."""
        from ..data.encoder import NumericView

        progress: Progress | None = fit_params.pop("progress", None)
        if fit_params:
            raise TypeError(f"unexpected fit parameter(s): {', '.join(fit_params)}")
        report = progress or (lambda stage, done, total: None)
        clock = Deadline(self.time_limit)
        assert target.values is not None
        members = self._portfolio()
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        lab = np.flatnonzero(target.labeled)
        unl = np.flatnonzero(~target.labeled)
        pool = unl
        if len(unl) > self.max_pool:
            pool = np.sort(random_state.choice(unl, self.max_pool, replace=False))
        work = np.concatenate([lab, pool])
        self.pool_size_ = len(pool)
        self.numeric_encoder_ = NumericView().fit(X)
        native = _safe_indexing(X, work)
        views = {"native": native, "numeric": self.numeric_encoder_.transform(native)}
        values = np.full(len(work), np.nan)
        values[: len(lab)] = target.values[lab]
        fit_target = parse_target(values, {"regression"})
        y = target.values[lab]
        repeats = self.n_repeats or (2 if len(lab) < 200 else 1)
        folds, splits, repeats, reason = regression_folds(
            np.arange(len(lab)), self.cv, repeats, seed
        )
        results = self._cross_validate(members, views, fit_target, folds, seed, clock, report)
        self.cv_seconds_ = clock.elapsed()
        self._choose(members, results, y, folds, splits, repeats, reason)
        if self.evidence_.oof_rows is not None:
            self.evidence_.oof_rows = lab[self.evidence_.oof_rows]  # rows of the table
        chosen = {m.name: m for m in members}[self.best_method_]
        report(f"auto-regressor: refitting {chosen.name} on all rows", 0, 1)
        self.model_ = chosen.make(seed, self.n_jobs).fit(views[chosen.view], fit_target)  # type: ignore[misc]
        self.model_view_ = chosen.view
        report(f"auto-regressor: refitting {chosen.name} on all rows", 1, 1)
        logger.info("auto-regressor chose %s: %s", self.best_method_, self.selection_reason_)

    def _cross_validate(
        self,
        members: list[Member],
        views: dict[str, Any],
        target: Target,
        folds: list[np.ndarray],
        seed: int,
        clock: Deadline,
        report: Progress,
    ) -> dict[str, dict[str, Any]]:
        """Per member: ``status``, ``seconds`` and ``pred`` (one array per fold)."""
        results: dict[str, dict[str, Any]] = {}
        total = len(folds) * len(members)
        done = 0
        for i, m in enumerate(members):
            out: dict[str, Any] = {"status": "ok", "seconds": 0.0, "pred": []}
            results[m.name] = out
            if not folds:
                out["status"] = "not run (no folds)"
                continue
            if i > 0 and clock.left() <= max(m.min_seconds, 0.0):
                out["status"] = "skipped: time limit"
                done += len(folds)
                continue
            start = clock.elapsed()
            V = views[m.view]
            for f, test in enumerate(folds):
                model = m.make(seed, self.n_jobs).fit(V, target.without(test))  # type: ignore[misc]
                out["pred"].append(np.asarray(model.predict(_safe_indexing(V, test)), float))
                done += 1
                report("auto-regressor: cross-validating the members", done, total)
                spent = clock.elapsed() - start
                remaining = spent / (f + 1) * (len(folds) - f - 1)
                if i > 0 and remaining > clock.left():
                    out["status"] = "stopped: time limit"
                    done += len(folds) - f - 1
                    break
            out["seconds"] = clock.elapsed() - start
            if out["status"] != "ok":
                out["pred"] = []
        return results

    def _choose(self, members, results, y, folds, splits, repeats, reason) -> None:
        scores: dict[str, dict[str, list[float]]] = {}
        for m in members:
            r = results[m.name]
            if r["status"] != "ok":
                continue
            s: dict[str, list[float]] = {"rmse": [], "mae": [], "r2": []}
            for test, pred in zip(folds, r["pred"], strict=True):
                rmse, mae, r2 = regression_scores(y[test], pred)
                for key, value in (("rmse", rmse), ("mae", mae), ("r2", r2)):
                    s[key].append(value)
            scores[m.name] = s
        by_kind = {
            k: [m for m in members if m.name in scores and (m.kind == "supervised") == k]
            for k in (True, False)
        }

        def mean(name: str, metric: str = "rmse") -> float:
            v = np.asarray(scores[name][metric], float)
            return float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")

        self.cv_results_ = {
            "method": [m.name for m in members],
            "kind": [m.kind for m in members],
            "view": [m.view for m in members],
            "status": [results[m.name]["status"] for m in members],
            "seconds": [round(results[m.name]["seconds"], 3) for m in members],
            "mean_rmse": [mean(m.name) if m.name in scores else np.nan for m in members],
            "mean_mae": [mean(m.name, "mae") if m.name in scores else np.nan for m in members],
            "mean_r2": [mean(m.name, "r2") if m.name in scores else np.nan for m in members],
            "fold_rmse": [scores.get(m.name, {}).get("rmse", []) for m in members],
        }
        status = {m.name: results[m.name]["status"] for m in members}
        warnings = [
            f"member {n} was left out of the comparison ({s}); raise time_limit to compare it"
            for n, s in status.items()
            if "time limit" in s
        ]
        self.gain_ = (float("nan"),) * 3
        if not by_kind[True]:  # no fold could be made: the fallback, without evidence
            names = [m.name for m in members]
            sup = [m.name for m in members if m.kind == "supervised"]
            fallback = NO_CV_MEMBER if NO_CV_MEMBER in names else sup[0]
            self.best_method_ = self.baseline_method_ = fallback
            self.selection_reason_ = f"no cross-validation ({reason}); refitted {fallback}"
            ev = RegressionEvidence(fallback, fallback, splits, repeats, member_status=status)
            ev.skipped_reason = self.selection_reason_
            ev.warnings = warnings
            self.evidence_ = ev
            return
        base = min(by_kind[True], key=lambda m: mean(m.name)).name
        chosen = cand = base
        if not by_kind[False]:
            reason_text = "no semi-supervised member finished its cross-validation"
        else:
            cand = min(by_kind[False], key=lambda m: mean(m.name)).name
            gain = np.asarray(scores[base]["rmse"]) - np.asarray(scores[cand]["rmse"])
            diff, se = paired_difference(list(gain), [0.0] * len(gain))
            self.gain_ = (diff, diff - 1.96 * se, diff + 1.96 * se)
            if np.isfinite(se) and diff > 0 and diff > se:
                chosen = cand
                reason_text = (
                    f"its RMSE was {diff:.4g} lower than the best supervised {base}'s per fold, "
                    f"more than one standard error ({se:.4g})"
                )
            else:
                reason_text = (
                    f"the best semi-supervised member, {cand}, did not beat it by more than "
                    f"one standard error of the paired fold RMSE ({diff:+.4g} vs {se:.4g})"
                )
        self.best_method_, self.baseline_method_ = chosen, base
        self.selection_reason_ = reason_text
        ev = RegressionEvidence(
            chosen,
            base,
            splits,
            repeats,
            method_rmse=list(scores[chosen]["rmse"]),
            baseline_rmse=list(scores[base]["rmse"]),
            method_mae=list(scores[chosen]["mae"]),
            baseline_mae=list(scores[base]["mae"]),
            method_r2=list(scores[chosen]["r2"]),
            baseline_r2=list(scores[base]["r2"]),
            portfolio={n: mean(n) for n in scores if np.isfinite(mean(n))},
            member_status=status,
            selection_reason=reason_text,
            kept_baseline=chosen == base and bool(by_kind[False]),
            candidate=cand if by_kind[False] else None,
            candidate_rmse=list(scores[cand]["rmse"]) if by_kind[False] else [],
        )
        r2 = ev.r2_interval()[0]
        if np.isfinite(r2) and r2 <= 0:
            warnings.append(
                f"the cross-validated R² is {r2:.3f}: no better than predicting the mean of "
                "the labeled values; the features may not predict this target, or more "
                "labels are needed"
            )
        ev.warnings = warnings
        # the first repeat: every labeled row held out once (positions among labeled rows)
        ev.oof_rows = np.concatenate(folds[:splits])
        ev.oof_pred = np.concatenate(results[chosen]["pred"][:splits])
        ev.oof_true = y[ev.oof_rows]
        self.evidence_ = ev

    def _predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        V = self.numeric_encoder_.transform(X) if self.model_view_ == "numeric" else X
        return np.asarray(self.model_.predict(V), dtype=float).ravel()
