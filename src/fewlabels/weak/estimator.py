"""``WeakSupervisionClassifier``: labeling functions, a label model, the few true labels,
and an end model, checked by cross-validation on the true labels."""

from __future__ import annotations

import logging
from dataclasses import replace
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import has_fit_parameter

from ..base import BaseFewLabelsClassifier, BaseFewLabelsEstimator
from ..data.labels import CLASSIFICATION, UNLABELED, Target, parse_target
from ..evidence import Evidence, labeled_folds, majority_warning
from ..exceptions import InputError
from .analysis import check_label_matrix, lf_summary
from .apply import _as_frame, apply_lfs
from .label_models import (
    LABEL_MODELS,
    LabelModel,
    fit_label_model,
    fit_majority_vote,
    soft_label_rows,
)
from .lfs import ABSTAIN, as_labeling_functions, generate_stump_lfs

__all__ = ["WeakSupervisionClassifier"]

logger = logging.getLogger(__name__)

_MV = "majority"


class WeakSupervisionClassifier(BaseFewLabelsClassifier):
    """Learn from labeling functions (LFs) and a few true labels.

    The LFs vote on every row (the label matrix ``L``); a label model turns the votes into
    soft labels; an end model is trained on the true labels together with the soft labels of
    the unlabeled rows some LF covers (each such row once per class, weighted by its
    probability), then, with ``self_training``, once more with the confident predictions on
    the rows no LF covers. The end model generalises beyond the LFs and predicts any row.

    Everything is chosen by cross-validation on the true labels, never on the LF outputs
    alone: in each fold the held-out labels are hidden, the label models are fitted and
    scored on the held-out rows the LFs cover, and the end model with weak labels is scored
    against the end model on the true labels only (the supervised baseline). Majority vote
    is always scored beside the chosen label model: when the chosen model loses to it, the
    classifier falls back to majority vote; when the weak labels lose to the true labels
    alone, it falls back to the supervised baseline. ``evidence_`` records both.

    Parameters
    ----------
    lfs : list of labeling functions, optional
        :class:`~fewlabels.weak.LabelingFunction` objects, snorkel LFs or named functions,
        applied to ``X`` as given (by column name). None: LFs are generated from the true
        labels (:func:`~fewlabels.weak.generate_stump_lfs`), in every fold from that fold's
        labels only. A ``label_matrix`` passed to :meth:`fit` takes precedence.
    label_model : {"auto", "majority", "weighted", "dawid-skene", "matrix-completion"}
        "auto" takes the one most accurate on the held-out labels, if it beats majority
        vote by more than one standard error of the paired fold accuracies; else majority
        vote (on few labels a fold-to-fold wobble should not replace the reference).
    end_model : classifier with ``predict_proba``, optional
        Cloned. A scikit-learn classifier whose ``fit`` takes ``sample_weight`` learns the
        soft labels as weights; one without gets the most probable class. A fewlabels
        estimator gets the confident weak labels as labels and the other rows as unlabeled
        rows (and no self-training: it learns from unlabeled rows itself). None: LightGBM
        with small-data settings (:func:`~fewlabels.supervised.default_classifier`).
    self_training : bool, default=True
        Pseudo-label the rows no LF covers where the end model is confident, and refit.
    threshold : float, default=0.9
        The confidence a pseudo-label (and, for a fewlabels end model, a weak label) needs.
    weak_weight : float, default=1.0
        Weight of a weakly labeled row relative to a true label.
    min_lf_accuracy : float, default=0.7
        Held-out accuracy a generated LF needs to be kept.
    max_generated_lfs : int, default=20
    cv : int, default=5
        Folds over the labeled rows (lowered to the smallest class's count).
    n_repeats : int, optional
        Repeats of the folds; by default 3 below 100 labeled rows, 2 below 1,000, else 1.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_labeled_ : int
    lfs_ : list of LabelingFunction
        The LFs of the final fit (the given ones, or those generated from all labels); empty
        when a ``label_matrix`` was given.
    lf_names_ : list of str
    label_model_ : LabelModel
        The label model of the final fit (after any fallback).
    label_model_name_ : str
    majority_vote_ : LabelModel
        Majority vote on the same label matrix, always fitted for comparison.
    label_model_scores_ : dict
        Per label model scored: its held-out accuracy per fold on the covered rows
        (``fold_accuracy``), their mean (``accuracy``) and the held-out coverage.
    fallback_ : str or None
        Why the classifier fell back (to majority vote, or to the supervised baseline).
    weak_kept_ : bool
        The end model learned from the weak labels (False: the supervised baseline won).
    soft_labels_ : ndarray of shape (n_samples, n_classes)
        The label model's soft labels of the training rows (the class balance where no LF
        votes).
    covered_ : ndarray of bool, shape (n_samples,)
        Training rows at least one LF voted on.
    coverage_ : float
    n_pseudo_labeled_ : int
        Uncovered rows the self-training step added.
    lf_table_ : dict of str to list
        The LF analysis of the final fit: coverage, overlaps, conflicts, polarity, accuracy
        on the labeled rows, and the accuracy the label model learned.
    end_model_ : estimator
    evidence_ : Evidence
        Fold accuracies of the end model with weak labels against the supervised baseline;
        its ``selection_reason`` names the label model's held-out accuracy beside majority
        vote's, and a fallback is among its ``warnings``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from fewlabels.weak import threshold_lf
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 1, (100, 2)), rng.normal(3, 1, (100, 2))]
    >>> y = np.full(200, -1)
    >>> y[[0, 1, 2, 3, 100, 101, 102, 103]] = [0, 0, 0, 0, 1, 1, 1, 1]
    >>> lfs = [threshold_lf(0, 1.5, 1), threshold_lf(0, 1.5, 0, above=False),
    ...        threshold_lf(1, 1.5, 1)]
    >>> clf = WeakSupervisionClassifier(lfs, end_model=LogisticRegression(), cv=2,
    ...                                 random_state=0).fit(X, y)
    >>> clf.coverage_, clf.predict([[-1.0, -1.0], [4.0, 4.0]]).tolist()
    (1.0, [0, 1])
    """

    _accepts_tables = False
    _allow_nan = False

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "lfs": [None, list, tuple, callable],
        "label_model": [StrOptions({"auto", *LABEL_MODELS})],
        "end_model": [None, HasMethods(["fit", "predict_proba"])],
        "self_training": ["boolean"],
        "threshold": [Interval(Real, 0, 1, closed="both")],
        "weak_weight": [Interval(Real, 0, None, closed="left")],
        "min_lf_accuracy": [Interval(Real, 0, 1, closed="both")],
        "max_generated_lfs": [Interval(Integral, 0, None, closed="left")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "n_repeats": [None, Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        lfs: Any = None,
        label_model: str = "auto",
        end_model: Any = None,
        self_training: bool = True,
        threshold: float = 0.9,
        weak_weight: float = 1.0,
        min_lf_accuracy: float = 0.7,
        max_generated_lfs: int = 20,
        cv: int = 5,
        n_repeats: int | None = None,
        random_state: Any = None,
    ):
        self.lfs = lfs
        self.label_model = label_model
        self.end_model = end_model
        self.self_training = self_training
        self.threshold = threshold
        self.weak_weight = weak_weight
        self.min_lf_accuracy = min_lf_accuracy
        self.max_generated_lfs = max_generated_lfs
        self.cv = cv
        self.n_repeats = n_repeats
        self.random_state = random_state

    def fit(
        self, X: Any, y: Any, label_matrix: Any = None, progress: Any = None
    ) -> WeakSupervisionClassifier:
        """Apply the LFs, choose the label model, train the end model.

        Parameters
        ----------
        X : table or array-like of shape (n_samples, n_features)
            The LFs read it as given (by column name); the end model reads it encoded.
        y : array-like of shape (n_samples,), or Target
            Unlabeled rows hold a missing value (or -1 in an integer target).
        label_matrix : array of shape (n_samples, n_lfs), optional
            Votes computed beforehand (class codes in the order of the sorted classes, -1
            abstain), used instead of ``lfs``.
        progress : callable(stage, done, total), optional
            Called as the folds are fitted (as :class:`~fewlabels.AutoClassifier` does).

        Returns
        -------
        self
        """
        if label_matrix is None and self.lfs is not None and y is not None:
            n = X.shape[0] if hasattr(X, "shape") else len(X)
            target = parse_target(y, CLASSIFICATION, n_rows=n, who=type(self).__name__)
            label_matrix = apply_lfs(self.lfs, _as_frame(X), classes=list(target.classes))
            y = target
        return super().fit(  # type: ignore[return-value]
            X, y, label_matrix=label_matrix, progress=progress
        )

    # ------------------------------------------------------------------ label matrices
    def _label_matrix(
        self, X: Any, codes: np.ndarray, fixed: np.ndarray | None, seed: int
    ) -> tuple[np.ndarray, list[Any]]:
        if fixed is not None:
            return fixed, []
        lfs = generate_stump_lfs(
            X,
            codes,
            min_accuracy=self.min_lf_accuracy,
            max_lfs=self.max_generated_lfs,
            random_state=seed,
        )
        if not lfs:
            return np.full((X.shape[0], 0), ABSTAIN, dtype=np.int16), []
        return apply_lfs(lfs, pd.DataFrame(np.asarray(X))), lfs

    # ------------------------------------------------------------------ the end model
    def _make_end(self, seed: int) -> Any:
        from ..supervised import default_classifier

        return default_classifier(seed) if self.end_model is None else clone(self.end_model)

    def _fit_supervised(self, X: Any, codes: np.ndarray, seed: int) -> Any:
        lab = np.flatnonzero(codes != UNLABELED)
        if isinstance(self.end_model, BaseFewLabelsEstimator):
            from ..supervised import SupervisedClassifier

            return SupervisedClassifier(random_state=seed).fit(X, np.where(codes >= 0, codes, -1))
        return self._make_end(seed).fit(_safe_indexing(X, lab), codes[lab])

    def _fit_weak(
        self, X: Any, target: Target, L: np.ndarray, lm: LabelModel, seed: int
    ) -> tuple[Any, int]:
        """The end model on the true labels plus the soft labels; returns it and how many
        uncovered rows self-training added."""
        codes = target.codes
        K = target.n_classes
        lab = codes != UNLABELED
        covered = (L != ABSTAIN).any(axis=1) if L.shape[1] else np.zeros(len(codes), bool)
        weak = np.flatnonzero(~lab & covered)
        Q = lm.predict_proba(L[weak]) if len(weak) else np.zeros((0, K))
        if isinstance(self.end_model, BaseFewLabelsEstimator):
            sure = Q.max(axis=1) >= self.threshold if len(weak) else np.zeros(0, bool)
            new = codes.copy()
            new[weak[sure]] = Q[sure].argmax(axis=1)
            relabeled = replace(target, codes=new, labeled=new != UNLABELED)
            return clone(self.end_model).fit(X, relabeled), 0
        rows = [np.flatnonzero(lab)]
        ys = [codes[lab]]
        ws = [np.ones(int(lab.sum()))]
        est = self._make_end(seed)
        soft = has_fit_parameter(est, "sample_weight")
        if len(weak):
            if soft:
                r, k, w = soft_label_rows(Q, weak, self.weak_weight)
                rows.append(r)
                ys.append(k)
                ws.append(w)
            else:
                rows.append(weak)
                ys.append(Q.argmax(axis=1))
                ws.append(np.ones(len(weak)))
        model = self._fit_rows(est, X, rows, ys, ws, soft)
        added = 0
        rest = np.flatnonzero(~lab & ~covered)
        if self.self_training and len(rest):
            P = self._proba(model, _safe_indexing(X, rest), K)
            sure = P.max(axis=1) >= self.threshold
            added = int(sure.sum())
            if added:
                rows.append(rest[sure])
                ys.append(P[sure].argmax(axis=1))
                ws.append(self.weak_weight * P[sure].max(axis=1))
                model = self._fit_rows(self._make_end(seed), X, rows, ys, ws, soft)
        return model, added

    @staticmethod
    def _fit_rows(
        est: Any,
        X: Any,
        rows: list[np.ndarray],
        ys: list[np.ndarray],
        ws: list[np.ndarray],
        soft: bool,
    ) -> Any:
        idx = np.concatenate(rows)
        yy = np.concatenate(ys).astype(np.int64)
        if soft:
            return est.fit(_safe_indexing(X, idx), yy, sample_weight=np.concatenate(ws))
        return est.fit(_safe_indexing(X, idx), yy)

    @staticmethod
    def _proba(model: Any, X: Any, n_classes: int) -> np.ndarray:
        P = np.asarray(model.predict_proba(X), dtype=float)
        own = np.asarray(model.classes_)
        if len(own) == n_classes and np.array_equal(own, np.arange(n_classes)):
            return P
        out = np.zeros((len(P), n_classes))
        if isinstance(model, BaseFewLabelsEstimator) or (
            hasattr(model, "steps") and isinstance(model.steps[-1][1], BaseFewLabelsEstimator)
        ):
            return P  # a fewlabels model's columns are the target's classes already
        out[:, own.astype(int)] = P
        return out

    # ------------------------------------------------------------------ fit
    def _fit(
        self,
        X: Any,
        target: Target,
        random_state: np.random.RandomState,
        label_matrix: Any = None,
        progress: Any = None,
    ) -> None:
        seed = int(random_state.randint(np.iinfo(np.int32).max))
        report = progress or (lambda stage, done, total: None)
        K = target.n_classes
        fixed = None
        if label_matrix is not None:
            fixed = check_label_matrix(label_matrix, K).astype(np.int16)
            if fixed.shape[0] != X.shape[0]:
                raise InputError(
                    f"label_matrix has {fixed.shape[0]} rows but X has {X.shape[0]}; give one "
                    "row of votes per row of X"
                )
        names = (
            ["majority", *[n for n in LABEL_MODELS if n != _MV]]
            if self.label_model == "auto"
            else list(dict.fromkeys([_MV, self.label_model]))
        )
        folds, splits, repeats, reason = labeled_folds(target, self.cv, self.n_repeats, seed)
        if target.n_labeled == len(target):  # weak labels would replace no missing label
            folds, reason = [], "every row is labeled, so no row needs a weak label"
        scores: dict[str, dict[str, Any]] = {
            n: {"fold_accuracy": [], "coverage": []} for n in names
        }
        fold_L: list[np.ndarray] = []
        for test in folds:  # pass 1: the label models on the held-out labels
            fold = target.without(test)
            Lf, _ = self._label_matrix(X, fold.codes, fixed, seed)
            fold_L.append(Lf)
            Lt = Lf[test]
            cov = (Lt != ABSTAIN).any(axis=1) if Lt.shape[1] else np.zeros(len(test), bool)
            truth = target.codes[test]
            for n in names:
                sc = scores[n]
                sc["coverage"].append(float(cov.mean()))
                if not cov.any():
                    sc["fold_accuracy"].append(float("nan"))
                    continue
                lm = fit_label_model(n, Lf, K, fold.codes)
                pred = lm.predict(Lt[cov])
                sc["fold_accuracy"].append(float(np.mean(pred == truth[cov])))
        for sc in scores.values():
            accs = [a for a in sc["fold_accuracy"] if a == a]
            sc["accuracy"] = float(np.mean(accs)) if accs else float("nan")
            sc["mean_coverage"] = float(np.mean(sc["coverage"])) if sc["coverage"] else 0.0
        chosen, self.fallback_ = self._choose(names, scores)
        self.label_model_scores_ = scores
        self.label_model_name_ = chosen

        weak_acc: list[float] = []
        sup_acc: list[float] = []
        weak_bal: list[float] = []
        sup_bal: list[float] = []
        majority: list[float] = []
        oof_weak: list[np.ndarray] = []
        oof_sup: list[np.ndarray] = []
        for f, test in enumerate(folds):  # pass 2: the end model against the supervised one
            fold = target.without(test)
            Lf = fold_L[f]
            lm = fit_label_model(chosen, Lf, K, fold.codes)
            weak_model, _ = self._fit_weak(X, fold, Lf, lm, seed)
            sup_model = self._fit_supervised(X, fold.codes, seed)
            Xt = _safe_indexing(X, test)
            truth = target.codes[test]
            Pw, Ps = self._proba(weak_model, Xt, K), self._proba(sup_model, Xt, K)
            weak_acc.append(float(accuracy_score(truth, Pw.argmax(axis=1))))
            sup_acc.append(float(accuracy_score(truth, Ps.argmax(axis=1))))
            weak_bal.append(float(balanced_accuracy_score(truth, Pw.argmax(axis=1))))
            sup_bal.append(float(balanced_accuracy_score(truth, Ps.argmax(axis=1))))
            train = fold.codes[fold.labeled]
            majority.append(float(np.mean(truth == np.bincount(train, minlength=K).argmax())))
            if f < splits:
                oof_weak.append(Pw)
                oof_sup.append(Ps)
            report("cross-validating weak labels against the true labels alone", f + 1, len(folds))

        self.weak_kept_ = bool(weak_acc) and float(np.mean(weak_acc)) >= float(np.mean(sup_acc))
        if reason is not None and target.n_labeled < len(target):
            self.weak_kept_ = True  # no fold to judge by (a class with one label): trust the LFs
        method = f"weak supervision ({chosen})"
        ev = Evidence(method, "supervised", splits, repeats)
        if reason is not None:
            ev.skipped_reason = reason
        else:
            ev.method_scores, ev.baseline_scores = weak_acc, sup_acc
            ev.method_balanced, ev.baseline_balanced = weak_bal, sup_bal
            ev.majority_scores = majority
            ev.kept_baseline = not self.weak_kept_
            ev.warnings = majority_warning(weak_acc if self.weak_kept_ else sup_acc, majority)
            ev.oof_rows = np.concatenate(folds[:splits])
            ev.oof_proba = np.concatenate(oof_weak if self.weak_kept_ else oof_sup)
            gain = float(np.mean(weak_acc) - np.mean(sup_acc))
            if self.weak_kept_:
                ev.selection_reason = (
                    f"with the weak labels the end model scored {gain:+.1%} against the true "
                    "labels alone"
                )
            else:
                ev.selection_reason = (
                    f"the weak labels made the end model worse ({gain:+.1%} accuracy): "
                    "fell back to the end model on the true labels only"
                )
                self.fallback_ = "; ".join(x for x in (self.fallback_, ev.selection_reason) if x)
        mv, lm_acc = scores[_MV]["accuracy"], scores[chosen]["accuracy"]
        versus = (
            f"label model {chosen}: {lm_acc:.3f} held-out label accuracy on the covered "
            f"rows, majority vote {mv:.3f}"
        )
        ev.selection_reason = f"{versus}; {ev.selection_reason}" if ev.selection_reason else versus
        if self.fallback_:  # a label model that lost, or weak labels that hurt
            ev.warnings.append(self.fallback_)

        # the final fit, on every label
        L, lfs = self._label_matrix(X, target.codes, fixed, seed)
        self.lfs_ = lfs
        if fixed is None:
            self.lf_names_ = [lf.name for lf in lfs]
        elif self.lfs is not None:
            self.lf_names_ = [lf.name for lf in as_labeling_functions(self.lfs)]
        else:
            self.lf_names_ = [f"lf_{j}" for j in range(L.shape[1])]
        if len(self.lf_names_) != L.shape[1]:
            self.lf_names_ = [f"lf_{j}" for j in range(L.shape[1])]
        self.label_model_ = fit_label_model(chosen, L, K, target.codes)
        self.majority_vote_ = fit_majority_vote(L, K)
        self.covered_ = (L != ABSTAIN).any(axis=1) if L.shape[1] else np.zeros(len(L), bool)
        self.coverage_ = float(self.covered_.mean())
        self.soft_labels_ = self.label_model_.predict_proba(L)
        table = lf_summary(
            L,
            target.codes,
            self.lf_names_,
            self.label_model_.lf_accuracies,
            classes=list(target.classes),
        )
        self.lf_table_ = {"lf": list(table.index), **{c: table[c].tolist() for c in table}}
        if self.weak_kept_:
            self.end_model_, self.n_pseudo_labeled_ = self._fit_weak(
                X, target, L, self.label_model_, seed
            )
        else:
            self.end_model_, self.n_pseudo_labeled_ = self._fit_supervised(X, target.codes, seed), 0
        self.evidence_ = ev
        logger.info(
            "weak supervision: %s; label model %s (held-out accuracy %.3f, majority "
            "vote %.3f), coverage %.1f%%",
            ev.verdict(),
            chosen,
            scores[chosen]["accuracy"],
            scores[_MV]["accuracy"],
            100 * self.coverage_,
        )

    def _choose(
        self, names: list[str], scores: dict[str, dict[str, Any]]
    ) -> tuple[str, str | None]:
        """The label model to use, and why it differs from the one asked for (or None)."""
        mv = scores[_MV]["accuracy"]

        def acc(n: str) -> float:
            a = scores[n]["accuracy"]
            return a if a == a else -1.0

        if self.label_model == "auto":
            best = max(names, key=lambda n: (acc(n), n == _MV))
            if best != _MV and not _clearly_better(scores[best], scores[_MV]):
                return _MV, None  # majority vote is the reference: a model must beat it
            return best, None
        asked = self.label_model
        if asked != _MV and acc(asked) < acc(_MV):
            return _MV, (
                f"the {asked} label model lost to majority vote on the held-out labels "
                f"({acc(asked):.3f} against {mv:.3f}): fell back to majority vote"
            )
        return asked, None

    def _predict_proba(self, X: Any) -> np.ndarray:
        return self._proba(self.end_model_, X, len(self.classes_))


def _clearly_better(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether label model ``a`` beat ``b`` by more than one standard error of their paired
    held-out fold accuracies (folds where either has no covered row left out). Without
    fold scores (hand-made scores), a higher mean accuracy is enough."""
    from ..evidence import paired_difference

    fa, fb = a.get("fold_accuracy"), b.get("fold_accuracy")
    if not fa or not fb:
        return bool(a["accuracy"] > b["accuracy"])
    pairs = [(x, z) for x, z in zip(fa, fb, strict=True) if x == x and z == z]
    if len(pairs) < 2:
        return bool(a["accuracy"] > b["accuracy"])
    diff, se = paired_difference([x for x, _ in pairs], [z for _, z in pairs])
    return bool(np.isfinite(diff) and diff > se)
