"""AutoClassifier: an ensemble of strong supervised models, taught by the unlabeled rows
only where cross-validation says they help."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import BaseFewLabelsClassifier, predict_proba_chunked
from ..data.labels import UNLABELED, Target
from ..evidence import Evidence, majority_warning, paired_difference, paired_gain
from ..exceptions import InputError
from ._cv import (
    CVPlan,
    Deadline,
    cross_validate_members,
    fit_with_pseudo_labels,
    fit_with_weak_labels,
    select_pseudo_labels,
)
from .ensemble import blend, ensemble_selection, fit_temperature, temper
from .members import MINORITY_SHARE, Member, catalogue, default_members
from .metrics import METRICS, accuracy, balanced_accuracy, score

__all__ = ["AutoClassifier"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

_SUPERVISED, _SEMI = "supervised ensemble", "semi-supervised ensemble"
#: The prior ensemble greedy selection starts from: the members that did best with few
#: labels in benchmarks/RESULTS.md (forests and a linear model, averaged).
PRIOR = ("random-forest", "extra-trees", "logreg")
#: Prior counts per member: this over the mean labeled rows per class (at least 1), so
#: that with 2 labels a class the prior outweighs 25 greedy rounds three to one.
_PRIOR_STRENGTH = 50.0


class AutoClassifier(BaseFewLabelsClassifier):
    """An ensemble of supervised and semi-supervised members, chosen by cross-validation.

    1. Every member of the portfolio (random forest, extra trees, LightGBM, logistic
       regressions, kNN, label spreading, and the members taught by pseudo-labels) is
       cross-validated on the same repeated stratified folds of the labeled rows. In each
       fold the held-out rows lose their labels before anything is fitted.
    2. The teacher: in each fold, the average of the supervised members (fitted on that
       fold's training labels only) pseudo-labels the unlabeled rows, class-balanced;
       the ``+pl`` members are refitted on labels plus pseudo-labels, weighted by the
       teacher's confidence.
    3. Greedy ensemble selection (Caruana et al., 2004) on the out-of-fold probabilities
       builds two ensembles: one of the supervised members and one of all members. Both
       start from a prior ensemble (random forest, extra trees and logistic regression,
       averaged) whose weight shrinks as labels grow, so that a handful of held-out
       labels cannot swing the choice. Each fold's ensemble score uses weights selected
       on the other folds' rows only. With ``calibrate``, each member's probabilities are
       first temperature-scaled to the confidence its own out-of-fold rows support (an
       average is otherwise dominated by its most confident member), the temperature
       again chosen on the other folds' rows only.
       With labeling functions (``fit(X, y, label_matrix=L)``), the ``+weak`` members
       join: each learns the labels plus the pool rows some labeling function votes on,
       soft-labeled by the label model most accurate on that fold's training labels
       (majority vote unless Dawid-Skene or matrix completion beats it).
    4. The semi-supervised ensemble (pseudo-labels, graph and weak labels alike) is kept
       only if it beats the supervised one by more than one standard error of the paired
       fold differences in ``metric``, and is not less accurate; otherwise the supervised
       ensemble is returned. The chosen ensemble is refitted on all rows.

    Parameters
    ----------
    members : sequence of str or Member, default=None
        Names from :func:`fewlabels.auto.catalogue` or :class:`Member` objects; ``None``
        means :func:`fewlabels.auto.default_members`. At least one must be supervised.
    metric : {"auto", "log_loss", "accuracy", "balanced_accuracy", "f1_macro", "roc_auc"}, default="auto"
        What ensemble selection and the safety comparison optimise. ``"auto"``: balanced
        accuracy for a binary target whose labeled minority class is under 35% (a model
        that finds no churner is worthless, however accurate), log loss otherwise; neither
        rewards predicting the majority class. With ``"balanced_accuracy"`` or
        ``"f1_macro"`` on a binary target, the decision threshold is tuned out of fold.
    time_limit : float, default=20
        Seconds for the cross-validation (the final refit comes on top). Members run in
        order while time remains; one whose projected time would pass the limit is
        skipped. The first member always runs. ``None``: no limit.
    n_splits : int, default=5
        Folds, lowered to the size of the smallest class.
    n_repeats : int, default=None
        ``None``: 2 below 200 labeled rows, else 1.
    pseudo_labels : {"balanced", "threshold"}, default="balanced"
        How the teacher picks rows: the most confident in the labeled class proportions
        (4 per labeled row, at least 40), or every row with confidence >= 0.8.
    max_pool : int, default=2000
        Unlabeled rows sampled for pseudo-labels and the graph (all when fewer).
    calibrate : bool, default=False
        Temperature-scale each member's probabilities on its out-of-fold rows before the
        members are averaged (see step 3); ``temperatures_`` holds the result. Off by
        default until the core suite has been rerun with it: on the 48 cells at 1% labels
        (``benchmarks/auto_calibration.py``) it gained 1.0 point under biased and 0.7
        under random labeling on average, but lost on 8 and 6 of the 24 tables.
    n_jobs : int, default=None
        Threads for the forests and LightGBM (``None``: one).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    best_method_ : {"supervised ensemble", "semi-supervised ensemble"}
    metric_ : str
        The metric used (``metric``, with ``"auto"`` resolved).
    reference_method_ : str
        ``"supervised ensemble"``.
    weights_ : dict of str to float
        The chosen ensemble's member weights (members with weight 0 left out).
    members_ : dict of str to estimator
        The members of the chosen ensemble, refitted on all rows.
    member_views_ : dict of str to str
        The view (``"native"`` or ``"numeric"``) each fitted member reads.
    temperatures_ : dict of str to float
        The temperature applied to each member of ``members_`` (1: unchanged).
    numeric_encoder_ : NumericView
        Gives the numeric view (one-hot categories, standardized numbers).
    selection_bias_ : SelectionBias or None
        The two-sample test of the labeled rows against the unlabeled pool
        (:func:`fewlabels.data.sampling.selection_bias_test`); None with fewer than 3 of
        either. When it finds the labeled rows biased, the evidence warns (the fit report
        shows it). A forests-only prior on such tables was measured and not adopted
        (``benchmarks/auto_bias.py``, ``benchmarks/results/core-bias``).
    n_pseudo_labels_ : int
        Pseudo-labeled rows the refitted ``+pl`` members learned from.
    pool_size_ : int
        Unlabeled rows used (at most ``max_pool``).
    cv_results_ : dict of lists
        Per member: ``method``, ``kind``, ``semi_supervised``, ``status``, ``mean_score``,
        ``std_score`` (in ``metric``; log loss as a loss), ``mean_accuracy``,
        ``std_accuracy``, ``mean_balanced_accuracy``, ``fold_accuracy``, ``seconds``,
        ``weight_supervised`` and ``weight_semi_supervised``.
    ensemble_scores_ : dict
        Fold scores (in ``metric`` and accuracy) of the two ensembles and of predicting the
        training folds' majority class.
    weak_label_model_ : str or None
        The label model the refitted ``+weak`` members learned from (None: none chosen).
    teacher_ : list of str
        The supervised members whose average pseudo-labeled the pool (in every fold and
        in the refit).
    gain_ : tuple of float
        Accuracy gain of the semi-supervised over the supervised ensemble: mean and a 95%
        interval over the folds.
    selection_reason_ : str
    evidence_ : Evidence
        What the workflow and the report show.
    threshold_ : float or None
        The tuned decision threshold on the second class (binary targets only).
    cv_seconds_ : float
        Time spent cross-validating (what ``time_limit`` bounds).
    classes_ : ndarray

    References
    ----------
    Caruana, Niculescu-Mizil, Crew and Ksikes, "Ensemble selection from libraries of
    models", ICML 2004.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y_true = np.repeat([0, 1], 100)
    >>> X = rng.normal(0, 1, (200, 3)) + 2.5 * y_true[:, None]
    >>> y = np.where(rng.random(200) < 0.15, y_true, -1)
    >>> auto = AutoClassifier(members=["logreg", "label-spreading"], random_state=0).fit(X, y)
    >>> auto.best_method_ in ("supervised ensemble", "semi-supervised ensemble")
    True
    >>> float(np.mean(auto.predict(X) == y_true)) > 0.9
    True
    """

    _accepts_tables = True
    _allow_nan = True

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "members": [None, list, tuple],
        "metric": [StrOptions({"auto", *METRICS})],
        "time_limit": [None, Interval(Real, 0, None, closed="neither")],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "n_repeats": [None, Interval(Integral, 1, None, closed="left")],
        "pseudo_labels": [StrOptions({"balanced", "threshold"})],
        "max_pool": [Interval(Integral, 1, None, closed="left")],
        "calibrate": ["boolean"],
        "n_jobs": [None, Integral],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        members: Sequence[str | Member] | None = None,
        *,
        metric: str = "auto",
        time_limit: float | None = 20.0,
        n_splits: int = 5,
        n_repeats: int | None = None,
        pseudo_labels: str = "balanced",
        max_pool: int = 2000,
        calibrate: bool = False,
        n_jobs: int | None = None,
        random_state: Any = None,
    ):
        self.members = members
        self.metric = metric
        self.time_limit = time_limit
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.pseudo_labels = pseudo_labels
        self.max_pool = max_pool
        self.calibrate = calibrate
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(
        self, X: Any, y: Any, label_matrix: Any = None, progress: Progress | None = None
    ) -> AutoClassifier:
        """Cross-validate the portfolio, choose the ensemble, refit it on all rows.

        Parameters
        ----------
        X : table or array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), or Target
            Unlabeled rows hold a missing value (or -1 in an integer target).
        label_matrix : array of shape (n_samples, n_lfs), optional
            Labeling functions' votes on every row (class codes in the order of the sorted
            classes, -1 abstain; :func:`fewlabels.weak.apply_lfs` gives them). The
            ``+weak`` members join the portfolio.
        progress : callable(stage, done, total), optional

        Returns
        -------
        self
        """
        params: dict[str, Any] = {"label_matrix": label_matrix}
        if progress is not None:
            params["progress"] = progress
        return super().fit(X, y, **params)  # type: ignore[return-value]

    # ------------------------------------------------------------------ set-up
    def _portfolio(self, counts: np.ndarray, votes: bool = False) -> list[Member]:
        known = catalogue()
        chosen: list[Member] = []
        for m in default_members() if self.members is None else self.members:
            if isinstance(m, str):
                if m not in known:
                    raise ValueError(
                        f"unknown member {m!r}; choose from: {', '.join(known)}, or give a Member"
                    )
                m = known[m]
            elif not isinstance(m, Member):
                raise TypeError(f"members must be names or Member objects; got {type(m).__name__}")
            if m.kind == "weak" and not votes:
                if self.members is not None:
                    raise InputError(
                        f"member {m.name!r} learns from labeling functions: pass their votes "
                        "to fit (label_matrix=fewlabels.weak.apply_lfs(lfs, X)), at least one "
                        "LF's"
                    )
                continue
            if m.applies(counts):
                chosen.append(m)
        if not any(m.kind == "supervised" for m in chosen):
            raise ValueError("the portfolio needs at least one supervised member (the reference)")
        return chosen

    def _views(self, X: Any, rows: np.ndarray) -> dict[str, Any]:
        native = _safe_indexing(X, rows)
        return {"native": native, "numeric": self.numeric_encoder_.transform(native)}

    # ------------------------------------------------------------------ fit
    def _fit(
        self,
        X: Any,
        target: Target,
        random_state: np.random.RandomState,
        **fit_params: Any,
    ) -> None:
        """``fit_params`` may hold ``progress``: a callable(stage, done, total)."""
        from ..data.encoder import NumericView

        codes = target.codes
        progress: Progress | None = fit_params.pop("progress", None)
        votes = self._votes(fit_params.pop("label_matrix", None), len(codes))
        if fit_params:
            raise TypeError(f"unexpected fit parameter(s): {', '.join(fit_params)}")
        clock = Deadline(self.time_limit)
        report = progress or (lambda stage, done, total: None)
        k = len(self.classes_)
        lab = np.flatnonzero(codes != UNLABELED)
        unl = np.flatnonzero(codes == UNLABELED)
        y = codes[lab]
        counts = np.bincount(y, minlength=k)
        self.metric_ = self.metric
        if self.metric == "auto":
            rare = k == 2 and counts.min() < MINORITY_SHARE * counts.sum()
            self.metric_ = "balanced_accuracy" if rare else "log_loss"
        members = self._portfolio(counts, votes is not None and votes.shape[1] > 0)
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        pool = unl
        if len(unl) > self.max_pool:
            pool = np.sort(random_state.choice(unl, self.max_pool, replace=False))
        work = np.concatenate([lab, pool])
        # the one numeric view of the (already typed) table, fitted on every row
        self.numeric_encoder_ = NumericView().fit(X)
        views = self._views(X, work)
        if votes is not None:
            views["votes"] = votes[work]
        self.pool_size_ = len(pool)
        self.selection_bias_ = self._bias_test(views["numeric"], len(lab), seed)

        # a class with a single label is held out in one fold (its OOF rows are scored as
        # they are); CV needs at least two rows in some class and four in all
        splits = int(min(self.n_splits, max(counts.min(), 2))) if len(y) >= 4 else 1
        if counts.max() < 2:
            splits = 1
        repeats = self.n_repeats or (2 if len(lab) < 200 else 1)
        plan = CVPlan(k, repeats, seed, self.n_jobs, self.pseudo_labels)
        results = {m.name: {"status": "not run", "seconds": 0.0, "oof": None} for m in members}
        folds: list[tuple[np.ndarray, np.ndarray]] = []
        if splits >= 2:
            cv = RepeatedStratifiedKFold(n_splits=splits, n_repeats=repeats, random_state=seed)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "The least populated class", UserWarning)
                folds = list(cv.split(np.zeros(len(y)), y))
            run = cross_validate_members(members, views, y, folds, plan, clock, report)
            results, self.teacher_ = run.results, run.teacher_names
        else:
            self.teacher_ = [m.name for m in members if m.kind == "supervised"]
        self.cv_seconds_ = clock.elapsed()
        self._choose(members, y, folds, splits, repeats, results)
        if getattr(self.evidence_, "oof_rows", None) is not None:
            self.evidence_.oof_rows = lab[self.evidence_.oof_rows]  # rows of the table
        report("auto: refitting the chosen ensemble on all rows", 0, 1)
        self._refit(members, views, y, seed)
        report("auto: refitting the chosen ensemble on all rows", 1, 1)
        logger.info("auto chose the %s: %s", self.best_method_, self.selection_reason_)

    def _votes(self, label_matrix: Any, n_rows: int) -> np.ndarray | None:
        """The labeling functions' votes, checked: one row per row of ``X``, codes of
        ``classes_`` or -1."""
        if label_matrix is None:
            return None
        from ..weak.analysis import check_label_matrix

        L = check_label_matrix(label_matrix, len(self.classes_))
        if L.shape[0] != n_rows:
            raise InputError(
                f"label_matrix has {L.shape[0]} rows but X has {n_rows}; give one row of "
                "votes per row of X"
            )
        return L

    @staticmethod
    def _bias_test(Z: Any, n_lab: int, seed: int) -> Any:
        """The two-sample test of the labeled rows (the first ``n_lab`` rows of ``Z``)
        against the pool."""
        from ..data.sampling import selection_bias_test

        labeled = np.zeros(Z.shape[0], dtype=bool)
        labeled[:n_lab] = True
        dense = Z.toarray() if hasattr(Z, "toarray") else np.asarray(Z)
        return selection_bias_test(dense, labeled, random_state=seed)

    # ------------------------------------------------------------------ the choice
    def _choose(self, members, y, folds, splits, repeats, results):
        ok = [m for m in members if results[m.name]["status"] == "ok"]
        sup = [m for m in ok if m.kind == "supervised"]
        self.threshold_ = None
        table = {
            "method": [m.name for m in members],
            "kind": [m.kind for m in members],
            "semi_supervised": [m.semi_supervised for m in members],
            "status": [results[m.name]["status"] for m in members],
            "seconds": [round(results[m.name]["seconds"], 3) for m in members],
        }
        self.reference_method_ = _SUPERVISED
        if not sup:
            reason = (
                "fewer than 4 labeled rows, so none can be held out"
                if splits < 2
                else "no supervised member finished its cross-validation"
            )
            supervised = [m for m in members if m.kind == "supervised"]
            prior = [m for m in supervised if m.name in PRIOR]
            self._no_cv(table, prior or supervised, reason)
            return
        score_fn = METRICS[self.metric_]
        stacked_y = np.tile(y, repeats)

        def stack(m, keep=slice(None)):  # the repeats' OOF rows one under the other
            oof = results[m.name]["oof"][:, keep]
            return oof.reshape(-1, oof.shape[-1])

        def temperatures(keep=slice(None)):  # each member's, on the rows ``keep``
            if not self.calibrate:
                return {m.name: 1.0 for m in ok}
            target = np.tile(y[keep], repeats)
            return {m.name: fit_temperature(stack(m, keep), target) for m in ok}

        per_class = len(y) / len(self.classes_)
        strength = float(np.ceil(_PRIOR_STRENGTH / per_class))

        def init(group):
            return np.array([strength if m.name in PRIOR else 0.0 for m in group])

        # fold scores of each member, in the metric and in accuracy
        n_splits = len(folds) // repeats
        per = {m.name: [] for m in ok}
        per_acc = {m.name: [] for m in ok}
        per_bal = {m.name: [] for m in ok}
        for f, (_, te) in enumerate(folds):
            for m in ok:
                P = results[m.name]["oof"][f // n_splits, te]
                per[m.name].append(score(self.metric_, y[te], P))
                per_acc[m.name].append(accuracy(y[te], P))
                per_bal[m.name].append(balanced_accuracy(y[te], P))
        # each fold's ensembles use weights selected on the other folds' rows only
        fold_scores = {_SUPERVISED: [], _SEMI: []}
        fold_acc = {_SUPERVISED: [], _SEMI: []}
        fold_bal = {_SUPERVISED: [], _SEMI: []}
        fold_proba: dict[str, list[np.ndarray]] = {_SUPERVISED: [], _SEMI: []}
        majority = []
        for f, (tr, te) in enumerate(folds):
            keep = np.ones(len(y), dtype=bool)
            keep[te] = False
            t_fold = temperatures(keep)
            for label, group in ((_SUPERVISED, sup), (_SEMI, ok)):
                w = ensemble_selection(
                    [temper(stack(m, keep), t_fold[m.name]) for m in group],
                    np.tile(y[keep], repeats),
                    score_fn,
                    init=init(group),
                )
                P = blend(
                    [
                        temper(results[m.name]["oof"][f // n_splits, te], t_fold[m.name])
                        for m in group
                    ],
                    w,
                )
                fold_scores[label].append(score_fn(y[te], P))
                fold_acc[label].append(accuracy(y[te], P))
                fold_bal[label].append(balanced_accuracy(y[te], P))
                if f < n_splits:  # the first repeat's out-of-fold rows, for the report
                    fold_proba[label].append(P)
            majority.append(float(np.mean(y[te] == np.argmax(np.bincount(y[tr])))))
        t_all = temperatures()

        def tempered(m):
            return temper(stack(m), t_all[m.name])

        w_sup = ensemble_selection([tempered(m) for m in sup], stacked_y, score_fn, init=init(sup))
        w_all = ensemble_selection([tempered(m) for m in ok], stacked_y, score_fn, init=init(ok))
        weights_sup = {m.name: float(w) for m, w in zip(sup, w_sup, strict=True)}
        weights_all = {m.name: float(w) for m, w in zip(ok, w_all, strict=True)}
        # at least two folds here (CV ran), so the standard error is defined
        diff, se = paired_difference(fold_scores[_SEMI], fold_scores[_SUPERVISED])
        semi_weight = sum(weights_all[m.name] for m in ok if m.semi_supervised)
        shown = self.metric_.replace("_", " ")
        unit = "minus log loss" if self.metric_ == "log_loss" else shown
        acc_gain = float(np.mean(fold_acc[_SEMI]) - np.mean(fold_acc[_SUPERVISED]))
        if semi_weight == 0:
            chosen = _SUPERVISED
            reason = "ensemble selection gave the semi-supervised members no weight"
        elif not np.isfinite(diff):  # a NaN fold score
            chosen = _SUPERVISED
            reason = f"some folds have no {shown} score (a class missing), so nothing was shown"
        elif diff <= se:
            chosen = _SUPERVISED
            reason = (
                f"the semi-supervised ensemble did not beat the supervised one by more than one "
                f"standard error ({diff:+.4f} vs {se:.4f} in {unit})"
            )
        elif acc_gain < 0:
            chosen = _SUPERVISED
            reason = (
                f"the semi-supervised ensemble was better in {unit} ({diff:+.4f}) but less "
                f"accurate ({acc_gain:+.3f}), so the supervised one was kept"
            )
        else:
            chosen = _SEMI
            reason = (
                f"the semi-supervised ensemble beat the supervised one by {diff:+.4f} in "
                f"{unit} per fold (one standard error: {se:.4f}), accuracy {acc_gain:+.3f}"
            )
        weights = weights_all if chosen == _SEMI else weights_sup
        self.best_method_, self.selection_reason_ = chosen, reason
        self.weights_ = {n: w for n, w in weights.items() if w > 0}
        self.temperatures_ = {n: t_all[n] for n in self.weights_}
        self.gain_ = paired_gain(fold_acc[_SEMI], fold_acc[_SUPERVISED])
        self.ensemble_scores_ = {
            "metric": self.metric_,
            "supervised": fold_scores[_SUPERVISED],
            "semi_supervised": fold_scores[_SEMI],
            "supervised_accuracy": fold_acc[_SUPERVISED],
            "semi_supervised_accuracy": fold_acc[_SEMI],
            "supervised_balanced_accuracy": fold_bal[_SUPERVISED],
            "semi_supervised_balanced_accuracy": fold_bal[_SEMI],
            "majority_accuracy": majority,
        }
        if len(self.classes_) == 2 and self.metric_ in ("balanced_accuracy", "f1_macro"):
            group = ok if chosen == _SEMI else sup
            P = blend(
                [tempered(m) for m in group], np.array([weights.get(m.name, 0.0) for m in group])
            )
            self.threshold_ = _tune_threshold(stacked_y, P[:, 1], score_fn)
        table.update(
            mean_score=[_mean(per.get(m.name)) for m in members],
            std_score=[_std(per.get(m.name)) for m in members],
            mean_accuracy=[_mean(per_acc.get(m.name)) for m in members],
            std_accuracy=[_std(per_acc.get(m.name)) for m in members],
            mean_balanced_accuracy=[_mean(per_bal.get(m.name)) for m in members],
            fold_accuracy=[per_acc.get(m.name, []) for m in members],
            weight_supervised=[weights_sup.get(m.name, 0.0) for m in members],
            weight_semi_supervised=[weights_all.get(m.name, 0.0) for m in members],
        )
        self.cv_results_ = table
        table["metric"] = self.metric_
        ev = Evidence(
            _SEMI,
            _SUPERVISED,
            n_splits,
            repeats,
            method_scores=list(fold_acc[_SEMI]),
            baseline_scores=list(fold_acc[_SUPERVISED]),
            method_balanced=list(fold_bal[_SEMI]),
            baseline_balanced=list(fold_bal[_SUPERVISED]),
            portfolio=table,
            selection_reason=reason,
            kept_baseline=chosen == _SUPERVISED,
        )
        ev.warnings = majority_warning(fold_acc[chosen], majority)
        if self.selection_bias_ is not None and self.selection_bias_.biased:
            ev.warnings.append(self.selection_bias_.sentence())
        ev.majority_scores = list(majority)
        # positions among the labeled rows; _fit maps them to the table's rows
        ev.oof_rows = np.concatenate([te for _, te in folds[:n_splits]])
        ev.oof_proba = np.concatenate(fold_proba[chosen])
        self.evidence_ = ev

    def _no_cv(self, table, supervised, reason):
        self.best_method_ = _SUPERVISED
        self.selection_reason_ = (
            f"no cross-validation ({reason}); averaged {', '.join(m.name for m in supervised)}"
        )
        self.weights_ = {m.name: 1.0 / len(supervised) for m in supervised}
        self.temperatures_ = {m.name: 1.0 for m in supervised}
        self.gain_ = (float("nan"),) * 3
        self.ensemble_scores_ = {}
        self.cv_results_ = table
        ev = Evidence(_SUPERVISED, _SUPERVISED, 0, 0, portfolio=None)
        ev.skipped_reason = self.selection_reason_
        self.evidence_ = ev

    # ------------------------------------------------------------------ refit and predict
    def _refit(self, members, views, y, seed):
        by_name = {m.name: m for m in members}
        n_lab, k = len(y), len(self.classes_)
        lab_pos = np.arange(n_lab)
        pool_pos = np.arange(n_lab, views["native"].shape[0])
        chosen = [by_name[n] for n in self.weights_]
        self.weak_label_model_ = None
        fitted = {}
        sup_models = {}
        needs_teacher = any(m.kind == "pseudo-label" for m in chosen)
        teachers = [by_name[n] for n in self.teacher_] if needs_teacher else []
        needed = {t.name for t in teachers} | {c.name for c in chosen if c.kind == "supervised"}
        for m in members:
            if m.name in needed:
                V = views[m.view]
                sup_models[m.name] = m.make(seed, self.n_jobs).fit(_safe_indexing(V, lab_pos), y)
        if teachers and len(pool_pos):
            P = np.mean(
                [
                    predict_proba_chunked(sup_models[t.name], views[t.view], pool_pos, k)
                    for t in teachers
                ],
                axis=0,
            )
            counts = np.bincount(y, minlength=k)
            rows, pl, w = select_pseudo_labels(P, pool_pos, counts, n_lab, self.pseudo_labels)
        else:
            rows, pl, w = pool_pos[:0], y[:0], np.zeros(0)
        for m in chosen:
            V = views[m.view]
            if m.kind == "supervised":
                fitted[m.name] = sup_models[m.name]
            elif m.kind == "pseudo-label":
                fitted[m.name] = fit_with_pseudo_labels(
                    m, V, lab_pos, y, (rows, pl, w), seed, self.n_jobs
                )
            elif m.kind == "weak":
                fitted[m.name], self.weak_label_model_ = fit_with_weak_labels(
                    m, V, lab_pos, y, views["votes"], pool_pos, k, seed, self.n_jobs
                )
            else:
                codes = np.full(V.shape[0], UNLABELED)
                codes[lab_pos] = y
                if m.kind == "graph":
                    from ..graph import LabelSpreadingClassifier

                    model = LabelSpreadingClassifier(random_state=seed)
                else:
                    model = m.make(seed, self.n_jobs)
                fitted[m.name] = model.fit(V, codes)
        self.members_ = fitted
        self.member_views_ = {n: by_name[n].view for n in fitted}
        self.n_pseudo_labels_ = len(rows)

    def _predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "members_")
        views = {"native": X}
        if "numeric" in self.member_views_.values():
            views["numeric"] = self.numeric_encoder_.transform(X)
        k = len(self.classes_)
        probas = [
            temper(
                predict_proba_chunked(model, views[self.member_views_[n]], None, k),
                self.temperatures_.get(n, 1.0),
            )
            for n, model in self.members_.items()
        ]
        return blend(probas, np.array([self.weights_[n] for n in self.members_]))

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Class indices for rows of ``predict_proba``: the tuned threshold's side for a
        binary target, else the most probable class."""
        check_is_fitted(self, "members_")
        if self.threshold_ is not None:
            return (proba[:, 1] >= self.threshold_).astype(int)
        return np.argmax(proba, axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class, or the tuned threshold's side for a binary target."""
        idx = self.decide(self.predict_proba(X))  # raises NotFittedError before fit
        return self.classes_[idx]


def _tune_threshold(y: np.ndarray, p1: np.ndarray, score_fn) -> float:
    """The threshold on P(second class) that maximises ``score_fn`` out of fold."""
    best_t, best = 0.5, -np.inf
    for t in np.unique(np.r_[0.5, np.quantile(p1, np.linspace(0.02, 0.98, 49))]):
        pred = (p1 >= t).astype(int)
        value = score_fn(y, np.eye(2)[pred])
        if value > best + 1e-12 or (
            abs(value - best) <= 1e-12 and abs(t - 0.5) < abs(best_t - 0.5)
        ):
            best_t, best = float(t), value
    return best_t


def _mean(v: list[float] | None) -> float:
    return float(np.mean(v)) if v else float("nan")


def _std(v: list[float] | None) -> float:
    return float(np.std(v)) if v else float("nan")
