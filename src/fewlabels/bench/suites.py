"""Named benchmark suites: what ``fewlabels bench --suite NAME`` runs."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SUITES", "Suite"]


@dataclass(frozen=True)
class Suite:
    """Datasets, methods and protocol of a named benchmark."""

    datasets: tuple[str, ...]
    methods: tuple[str, ...]
    max_rows: int | None
    seeds: int
    budgets: tuple[float, ...] = (0.01, 0.05, 0.10)
    protocols: tuple[str, ...] = ("random", "biased")


#: Every tabular dataset of the offline catalogue (the text one aside).
TABULAR = (
    "letter", "pendigits", "optdigits", "satimage", "segment", "vowel", "movement_libras",
    "vehicle", "led7digit", "spambase", "phoneme", "mushroom", "splice", "contraceptive",
    "german", "australian", "ring", "twonorm", "banana", "mnist", "digits", "breast_cancer",
    "wine", "iris",
)  # fmt: skip

#: auto against every supervised peer, scikit-learn's semi-supervised tools around LightGBM
#: and logistic regression, the two best sslearn methods of the earlier run, and AutoGluon
#: with and without its pseudo-labeling (where ``make peers-autogluon`` installed it).
CORE_METHODS = (
    "auto",
    "sup-lightgbm", "sup-hgb", "sup-rf", "sup-logreg",
    "sklearn-self-training-threshold-lightgbm", "sklearn-self-training-kbest-lightgbm",
    "sklearn-self-training-threshold-logreg", "sklearn-self-training-kbest-logreg",
    "sklearn-label-spreading",
    "sslearn-relrasco", "sslearn-rasco",
    "autogluon", "autogluon-pseudolabel",
)  # fmt: skip

SUITES: dict[str, Suite] = {
    "core": Suite(TABULAR, CORE_METHODS, max_rows=2000, seeds=3),
    "full": Suite(TABULAR, ("all",), max_rows=None, seeds=5),
}
