"""AutoRegressor: a greedy ensemble of supervised regressors, or a semi-supervised one only
where cross-validation shows it beats that ensemble on RMSE."""

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

__all__ = ["AutoRegressor", "RegressorBlend", "regression_catalogue"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

#: The member refitted when no fold can be made (fewer than 4 labeled rows).
NO_CV_MEMBER = "supervised-ridge"
#: The name of the weighted average of the supervised members (the baseline when at
#: least two of them finished and more than one gets weight).
SUPERVISED_ENSEMBLE = "supervised ensemble"
#: The equal prior counts of the supervised members in greedy ensemble selection are
#: ceil(_PRIOR_STRENGTH / labeled rows): with few labels the weights stay near the plain
#: average (as AutoClassifier's prior does).
_PRIOR_STRENGTH = 50.0
#: Greedy rounds on top of the prior.
_ROUNDS = 25
#: Below this many labeled rows a semi-supervised member never replaces the supervised
#: baseline: 5-fold test sets of two or three rows cannot tell its gain from noise (on
#: the regression suite's 1% cells, with 10 to 14 labels, the members the one-standard-
#: error rule chose there were worse on the test rows in most of the cells where they
#: were chosen).
MIN_LABELED_FOR_SSL = 20


class RegressorBlend:
    """A weighted average of fitted regressors, each reading its own view of the table.

    Parameters
    ----------
    models : list of fitted regressors
    views : list of {"native", "numeric"}
    weights : list of float
        Non-negative, summing to one.
    """

    def __init__(self, models: list[Any], views: list[str], weights: list[float]):
        self.models = models
        self.views = views
        self.weights = weights

    def predict_views(self, views: dict[str, Any]) -> np.ndarray:
        """The blend's predictions, given the table in each view."""
        out = np.zeros(0)
        for model, view, w in zip(self.models, self.views, self.weights, strict=True):
            p = w * np.asarray(model.predict(views[view]), dtype=float).ravel()
            out = p if out.size == 0 else out + p
        return out


def _neg_rmse(y: np.ndarray, P: np.ndarray) -> float:
    return -float(np.sqrt(np.mean((np.asarray(P, float).reshape(len(y)) - y) ** 2)))


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


def _classifier_features(seed: int, n_jobs: int | None) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    from .features import ClassifierFeaturesRegressor

    forest = RandomForestClassifier(n_estimators=50, n_jobs=n_jobs or 1, random_state=seed)
    return ClassifierFeaturesRegressor(S=16, classifier=forest, cv="oob", random_state=seed)


def regression_catalogue() -> dict[str, Member]:
    """Every member :class:`AutoRegressor` knows, by name, supervised first (the cheap
    ones lead, so that a tight time limit still compares them; forest self-training, the
    slowest, comes last). Each name but ``classifier-features-16`` is also that of the
    registered method (``fewlabels methods``) with the same settings; that one is
    ``classifier-features-regressor`` with 16 thresholds and forests of 50 trees, about
    four times cheaper (the paper's gains level off beyond 16 thresholds)."""
    members = [
        Member("supervised-ridge", "supervised", "numeric", _supervised("ridge"),
               "ridge regression, penalty by leave-one-out"),
        Member("supervised-regressor", "supervised", "native", _supervised("lightgbm"),
               "LightGBM, small-data settings"),
        Member("supervised-rf-regressor", "supervised", "numeric", _supervised("random-forest"),
               "random forest, 100 trees"),
        Member("classifier-features-16", "supervised", "numeric", _classifier_features,
               "ridge on the features and a conditional CDF from 16 threshold forests"),
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
    2. The baseline is a greedy ensemble of the supervised members (Caruana et al., 2004:
       rounds that each add the member that most lowers the out-of-fold RMSE of the
       running average, from equal prior counts that keep few labels near the plain
       average); each fold's score comes from weights selected on the other folds' rows.
       With one supervised member, or all weight on one, the baseline is that member. The
       candidate is the semi-supervised member of lowest mean RMSE.
    3. The safe rule. Per fold, the gain is the baseline's RMSE minus the candidate's.
       The candidate is chosen only when the mean gain is positive and exceeds one
       standard error of the paired fold gains (the rule of
       :class:`~fewlabels.auto.AutoClassifier`), and at least
       :data:`MIN_LABELED_FOR_SSL` rows are labeled; otherwise the baseline is. The
       evidence's 95% interval of the gain is reported either way.
    4. The chosen member (or each member of the chosen ensemble) is refitted on the
       labeled rows and the unlabeled pool.

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
        The chosen member, or ``"supervised ensemble"``.
    baseline_method_ : str
        The supervised baseline: ``"supervised ensemble"`` or one supervised member.
    weights_ : dict of str to float
        The baseline's member weights (one member with weight 1 when it is a member).
    model_ : regressor or RegressorBlend
        The chosen member, refitted, or the refitted ensemble.
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
        by_name = {m.name: m for m in members}
        report(f"auto-regressor: refitting {self.best_method_} on all rows", 0, 1)
        if self.best_method_ == SUPERVISED_ENSEMBLE:
            parts = [(by_name[n], w) for n, w in self.weights_.items() if w > 0]
            self.model_ = RegressorBlend(
                [m.make(seed, self.n_jobs).fit(views[m.view], fit_target) for m, _ in parts],  # type: ignore[misc]
                [m.view for m, _ in parts],
                [w for _, w in parts],
            )
            self.model_view_ = "blend"
        else:
            chosen = by_name[self.best_method_]
            self.model_ = chosen.make(seed, self.n_jobs).fit(views[chosen.view], fit_target)  # type: ignore[misc]
            self.model_view_ = chosen.view
        report(f"auto-regressor: refitting {self.best_method_} on all rows", 1, 1)
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
        base = self._supervised_baseline(by_kind[True], results, scores, y, folds, splits, repeats)
        chosen = cand = base
        if not by_kind[False]:
            reason_text = "no semi-supervised member finished its cross-validation"
        else:
            cand = min(by_kind[False], key=lambda m: mean(m.name)).name
            gain = np.asarray(scores[base]["rmse"]) - np.asarray(scores[cand]["rmse"])
            diff, se = paired_difference(list(gain), [0.0] * len(gain))
            self.gain_ = (diff, diff - 1.96 * se, diff + 1.96 * se)
            if len(y) < MIN_LABELED_FOR_SSL:
                reason_text = (
                    f"with {len(y)} labeled rows (fewer than {MIN_LABELED_FOR_SSL}) the folds "
                    f"cannot tell a semi-supervised gain from noise (the best, {cand}: "
                    f"{diff:+.4g} vs one standard error {se:.4g}); label more rows to compare"
                )
            elif np.isfinite(se) and diff > 0 and diff > se:
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

    def _supervised_baseline(
        self,
        sup: list[Member],
        results: dict[str, dict[str, Any]],
        scores: dict[str, dict[str, list[float]]],
        y: np.ndarray,
        folds: list[np.ndarray],
        splits: int,
        repeats: int,
    ) -> str:
        """The baseline's name: the greedy ensemble of the supervised members (added to
        ``results`` and ``scores`` as :data:`SUPERVISED_ENSEMBLE`), or the one member it
        puts all weight on; sets ``weights_``."""
        from ..auto.ensemble import ensemble_selection

        names = [m.name for m in sup]
        best = min(names, key=lambda n: float(np.nanmean(scores[n]["rmse"])))
        self.weights_ = {best: 1.0}
        if len(names) < 2:
            return best
        n = len(y)
        oof = {}
        for name in names:
            M = np.full((repeats, n), np.nan)
            for f, (test, pred) in enumerate(zip(folds, results[name]["pred"], strict=True)):
                M[f // splits, test] = pred
            oof[name] = M
        init = np.full(len(names), float(np.ceil(_PRIOR_STRENGTH / n)))

        def select(keep: np.ndarray) -> np.ndarray:
            return ensemble_selection(
                [oof[name][:, keep].reshape(-1, 1) for name in names],
                np.tile(y[keep], repeats),
                _neg_rmse,
                n_rounds=_ROUNDS,
                init=init,
                tie_break=None,
            )

        fold_pred = []
        for f, test in enumerate(folds):
            keep = np.ones(n, dtype=bool)
            keep[test] = False  # weights chosen without this fold's rows
            w = select(keep)
            fold_pred.append(
                sum(wi * results[name]["pred"][f] for wi, name in zip(w, names, strict=True))
            )
        weights = {name: float(w) for name, w in zip(names, select(np.ones(n, bool)), strict=True)}
        if max(weights.values()) > 1 - 1e-9:
            self.weights_ = {max(weights, key=weights.__getitem__): 1.0}
            return next(iter(self.weights_))
        self.weights_ = {name: w for name, w in weights.items() if w > 0}
        s: dict[str, list[float]] = {"rmse": [], "mae": [], "r2": []}
        for test, pred in zip(folds, fold_pred, strict=True):
            for key, value in zip(
                ("rmse", "mae", "r2"), regression_scores(y[test], pred), strict=True
            ):
                s[key].append(value)
        scores[SUPERVISED_ENSEMBLE] = s
        results[SUPERVISED_ENSEMBLE] = {
            "status": "ok",
            "seconds": sum(results[name]["seconds"] for name in names),
            "pred": fold_pred,
        }
        return SUPERVISED_ENSEMBLE

    def _predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        if isinstance(self.model_, RegressorBlend):
            views = {"native": X}
            if "numeric" in self.model_.views:
                views["numeric"] = self.numeric_encoder_.transform(X)
            return self.model_.predict_views(views)
        V = self.numeric_encoder_.transform(X) if self.model_view_ == "numeric" else X
        return np.asarray(self.model_.predict(V), dtype=float).ravel()
