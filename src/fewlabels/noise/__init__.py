"""Imperfect labels: label errors, positives only (PU), label proportions (LLP).

- :mod:`fewlabels.noise.errors` finds label errors (confident learning);
(learning from positives only and from label proportions comes next: issue 16.)
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

__all__: list[str] = [
    "LabelCleaningClassifier",
    "NoiseEstimate",
    "confident_joint",
    "confident_thresholds",
    "estimate_noise",
    "find_label_issues",
    "label_issues_frame",
    "label_quality_scores",
    "out_of_fold_proba",
]
