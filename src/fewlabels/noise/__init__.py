"""Imperfect labels: label errors, positives only (PU), label proportions (LLP).

- :mod:`fewlabels.noise.errors` finds label errors (confident learning);
- :mod:`fewlabels.noise.pu` learns from positives only (PU);
  :mod:`fewlabels.noise.proportions` from label proportions (LLP).
"""

from __future__ import annotations

from .cleaning import LabelCleaningClassifier, label_issues_frame, out_of_fold_proba
from .errors import (
    NoiseEstimate,
    confident_joint,
    confident_thresholds,
    estimate_noise,
    find_label_issues,
    label_quality_scores,
)
from .proportions import (
    ProportionsClassifier,
    bag_cross_validate,
    bag_folds,
    bag_majority_labels,
    match_bag_proportions,
    proportion_loss,
    proportion_loss_gradient,
)
from .pu import (
    PUClassifier,
    best_bin_prior,
    bootstrap_prior_interval,
    elkan_noto_c,
    estimate_prior,
    lee_liu_score,
    nnpu_gradient,
    positive_class_scores,
    positive_unlabeled_target,
    prior_from_c,
)

__all__: list[str] = [
    "LabelCleaningClassifier",
    "NoiseEstimate",
    "PUClassifier",
    "ProportionsClassifier",
    "bag_cross_validate",
    "bag_folds",
    "bag_majority_labels",
    "best_bin_prior",
    "bootstrap_prior_interval",
    "confident_joint",
    "confident_thresholds",
    "elkan_noto_c",
    "estimate_noise",
    "estimate_prior",
    "find_label_issues",
    "label_issues_frame",
    "label_quality_scores",
    "lee_liu_score",
    "match_bag_proportions",
    "nnpu_gradient",
    "out_of_fold_proba",
    "positive_class_scores",
    "positive_unlabeled_target",
    "prior_from_c",
    "proportion_loss",
    "proportion_loss_gradient",
]
