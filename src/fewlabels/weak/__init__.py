"""Weak supervision: labeling functions, label models without torch, and honest evidence.

- :mod:`fewlabels.weak.lfs`: the ``@labeling_function`` decorator (snorkel's contract,
  ABSTAIN = -1), builders for keywords, regular expressions, thresholds, ranges and
  categories, and LFs generated from a few true labels;
- :mod:`fewlabels.weak.apply`: pandas and Dask appliers giving the label matrix ``L``;
- :mod:`fewlabels.weak.analysis`: coverage, overlaps, conflicts, polarity, accuracy;
- :mod:`fewlabels.weak.label_models`: majority vote, weighted majority vote, Dawid-Skene
  EM and snorkel's matrix-completion model, in numpy and scipy;
- :mod:`fewlabels.weak.estimator`: :class:`WeakSupervisionClassifier`, an end model
  trained on the soft labels and the true labels, checked against majority vote and the
  supervised baseline by cross-validation on the true labels.
"""

from __future__ import annotations

from .analysis import (
    conflict_matrix,
    label_coverage,
    lf_conflicts,
    lf_coverages,
    lf_empirical_accuracies,
    lf_overlaps,
    lf_polarities,
    lf_summary,
)
from .apply import DaskLFApplier, LFApplyError, PandasLFApplier, apply_lfs, with_labels
from .estimator import WeakSupervisionClassifier
from .label_models import (
    LABEL_MODELS,
    UNSUPERVISED_LABEL_MODELS,
    LabelModel,
    best_label_model,
    fit_dawid_skene,
    fit_label_model,
    fit_label_model_dask,
    fit_majority_vote,
    fit_matrix_completion,
    fit_weighted_majority_vote,
    soft_label_rows,
    vote_patterns,
)
from .lfs import (
    ABSTAIN,
    LabelingFunction,
    category_lf,
    generate_stump_lfs,
    keyword_lf,
    labeling_function,
    range_lf,
    regex_lf,
    threshold_lf,
)

__all__ = [
    "ABSTAIN",
    "LABEL_MODELS",
    "DaskLFApplier",
    "LFApplyError",
    "LabelModel",
    "LabelingFunction",
    "PandasLFApplier",
    "UNSUPERVISED_LABEL_MODELS",
    "WeakSupervisionClassifier",
    "apply_lfs",
    "best_label_model",
    "category_lf",
    "conflict_matrix",
    "fit_dawid_skene",
    "fit_label_model",
    "fit_label_model_dask",
    "fit_majority_vote",
    "fit_matrix_completion",
    "fit_weighted_majority_vote",
    "generate_stump_lfs",
    "keyword_lf",
    "label_coverage",
    "labeling_function",
    "lf_conflicts",
    "lf_coverages",
    "lf_empirical_accuracies",
    "lf_overlaps",
    "lf_polarities",
    "lf_summary",
    "range_lf",
    "regex_lf",
    "soft_label_rows",
    "threshold_lf",
    "vote_patterns",
    "with_labels",
]
