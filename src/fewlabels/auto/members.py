"""The members :class:`~fewlabels.auto.AutoClassifier` cross-validates, as data.

A :class:`Member` says how to build its model, which view of the table it reads and how it
learns:

- ``"supervised"``: fitted on the labeled rows only;
- ``"pseudo-label"``: the same model, fitted on the labeled rows plus the rows the
  supervised teacher pseudo-labeled (weighted by the teacher's confidence);
- ``"graph"``: label spreading on a kNN graph of labeled and unlabeled rows, built once and
  solved per fold;
- ``"semi-supervised"``: any fewlabels estimator that takes unlabeled rows itself
  (``fit(X, codes)`` with -1 for unlabeled), fitted on the labeled rows and the pool;
- ``"weak"``: the same model as a supervised member, fitted on the labeled rows plus the
  pool rows some labeling function votes on, soft-labeled by a label model (weak
  supervision). These join only when labeling functions are given
  (``AutoClassifier.fit(X, y, label_matrix=L)``).

The catalogue is ordered cheap and strong first, so that a tight time limit still
cross-validates the members that matter most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

__all__ = ["KINDS", "Member", "default_members", "catalogue"]

KINDS = ("supervised", "pseudo-label", "graph", "semi-supervised", "weak")

#: Below this share of labeled rows the smallest class counts as a minority, and the
#: class-weighted members join the portfolio.
MINORITY_SHARE = 0.35


def _always(counts: np.ndarray) -> bool:
    return True


def _imbalanced(counts: np.ndarray) -> bool:
    return bool(counts.min() / counts.sum() < MINORITY_SHARE * 2 / len(counts))


@dataclass(frozen=True)
class Member:
    """One model of the portfolio.

    Parameters
    ----------
    name : str
    kind : {"supervised", "pseudo-label", "graph", "semi-supervised", "weak"}
    view : {"native", "numeric"}
        ``"native"``: the encoded table with pandas categoricals (LightGBM);
        ``"numeric"``: standardized numbers with one-hot categories.
    make : callable(seed, n_jobs) -> estimator, or None for ``"graph"``
    summary : str
    applies : callable(labeled class counts) -> bool
        Whether the member joins for this target (class weights only under imbalance).
    min_seconds : float
        Skipped unless at least this much of the time limit is left (slow members).
    """

    name: str
    kind: str
    view: str
    make: Callable[[int, int | None], Any] | None
    summary: str = ""
    applies: Callable[[np.ndarray], bool] = _always
    min_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"member kind must be one of {KINDS}; got {self.kind!r}")
        if self.view not in ("native", "numeric"):
            raise ValueError(f"member view must be 'native' or 'numeric'; got {self.view!r}")

    @property
    def semi_supervised(self) -> bool:
        return self.kind != "supervised"


def _logreg(C: float, balanced: bool = False) -> Callable[[int, int | None], Any]:
    def make(seed: int, n_jobs: int | None) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=C, max_iter=2000, class_weight="balanced" if balanced else None)

    return make


def _lightgbm(seed: int, n_jobs: int | None) -> Any:
    from ..supervised import default_classifier

    model = default_classifier(seed)
    return model.set_params(n_jobs=n_jobs or 1)


def _make_forest(seed: int, n_jobs: int | None, *, kind: str, balanced: bool) -> Any:
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier

    cls = RandomForestClassifier if kind == "rf" else ExtraTreesClassifier
    return cls(
        n_estimators=100,
        class_weight="balanced_subsample" if balanced else None,
        random_state=seed,
        n_jobs=n_jobs,
    )


def _forest(kind: str, balanced: bool = False) -> Callable[[int, int | None], Any]:
    return partial(_make_forest, kind=kind, balanced=balanced)


def _knn(seed: int, n_jobs: int | None) -> Any:
    from sklearn.neighbors import KNeighborsClassifier

    from ._knn import SmallKNN

    return SmallKNN(KNeighborsClassifier(n_neighbors=7, weights="distance"))


def _deep_mlp(seed: int, n_jobs: int | None) -> Any:
    from ..deep import DeepSupervisedClassifier

    return DeepSupervisedClassifier(random_state=seed)


def _deep_mixup(seed: int, n_jobs: int | None) -> Any:
    from ..deep import MixupPseudoLabelClassifier

    return MixupPseudoLabelClassifier(random_state=seed)


def catalogue() -> dict[str, Member]:
    """Every member :class:`AutoClassifier` knows by name, in default order."""
    from ..deep._torch import have_torch

    members = [
        Member("logreg", "supervised", "numeric", _logreg(1.0), "logistic regression, C=1"),
        Member("lightgbm", "supervised", "native", _lightgbm, "LightGBM, small-data settings"),
        Member("random-forest", "supervised", "numeric", _forest("rf"), "random forest, 100 trees"),
        Member("extra-trees", "supervised", "numeric", _forest("et"), "extra trees, 100 trees"),
        Member(
            "logreg-strong", "supervised", "numeric", _logreg(0.1), "logistic regression, C=0.1"
        ),
        Member("knn", "supervised", "numeric", _knn, "7 nearest neighbours, distance-weighted"),
        Member(
            "random-forest-balanced",
            "supervised",
            "numeric",
            _forest("rf", balanced=True),
            "random forest with balanced class weights",
            _imbalanced,
        ),
        Member(
            "logreg-balanced",
            "supervised",
            "numeric",
            _logreg(1.0, balanced=True),
            "logistic regression with balanced class weights",
            _imbalanced,
        ),
        Member("label-spreading", "graph", "numeric", None, "label spreading on a kNN graph"),
        Member(
            "random-forest+pl",
            "pseudo-label",
            "numeric",
            _forest("rf"),
            "random forest on labels plus the teacher's pseudo-labels",
        ),
        Member(
            "extra-trees+pl",
            "pseudo-label",
            "numeric",
            _forest("et"),
            "extra trees on labels plus the teacher's pseudo-labels",
        ),
        Member(
            "lightgbm+pl",
            "pseudo-label",
            "native",
            _lightgbm,
            "LightGBM on labels plus the teacher's pseudo-labels",
        ),
        Member(
            "logreg+pl",
            "pseudo-label",
            "numeric",
            _logreg(1.0),
            "logistic regression on labels plus the teacher's pseudo-labels",
        ),
        Member(
            "logreg+weak",
            "weak",
            "numeric",
            _logreg(1.0),
            "logistic regression on labels plus the labeling functions' soft labels",
        ),
        Member(
            "random-forest+weak",
            "weak",
            "numeric",
            _forest("rf"),
            "random forest on labels plus the labeling functions' soft labels",
        ),
        Member(
            "lightgbm+weak",
            "weak",
            "native",
            _lightgbm,
            "LightGBM on labels plus the labeling functions' soft labels",
        ),
        Member(
            "extra-trees+weak",
            "weak",
            "numeric",
            _forest("et"),
            "extra trees on labels plus the labeling functions' soft labels",
        ),
    ]
    if have_torch():
        members.append(
            Member(
                "mlp",
                "supervised",
                "native",
                _deep_mlp,
                "[deep] MLP with categorical embeddings, on the labels",
                min_seconds=60.0,
            )
        )
        members.append(
            Member(
                "mixup-pseudo-label",
                "semi-supervised",
                "native",
                _deep_mixup,
                "[deep] MLP with soft pseudo-labels and mixup",
                min_seconds=120.0,
            )
        )
    return {m.name: m for m in members}


def default_members() -> tuple[Member, ...]:
    """The default portfolio: the whole :func:`catalogue` (the deep member with torch only;
    the ``"weak"`` members where labeling functions are given)."""
    return tuple(catalogue().values())
