"""Self-training: confidence measures, selection policies, and the estimators around them."""

from ._boosting import BoostingChain
from .classifier import CONFIDENCES, POLICIES, SelfTrainingClassifier
from .confidence import (
    CommitteeAgreement,
    ConfidenceContext,
    ConfidenceMeasure,
    Entropy,
    Margin,
    MaxProbability,
    TSimilarity,
    entropy_confidence,
    margin,
    max_probability,
    t_similarity,
)
from .multiview import CoTrainingClassifier, TriTrainingClassifier
from .policies import (
    MSLA,
    ClassBalancedTopK,
    Curriculum,
    PolicyState,
    SelectionPolicy,
    Threshold,
    msla_thresholds,
)

__all__ = [
    "BoostingChain",
    "CONFIDENCES",
    "MSLA",
    "POLICIES",
    "ClassBalancedTopK",
    "CoTrainingClassifier",
    "TriTrainingClassifier",
    "CommitteeAgreement",
    "ConfidenceContext",
    "ConfidenceMeasure",
    "Curriculum",
    "Entropy",
    "Margin",
    "MaxProbability",
    "PolicyState",
    "SelectionPolicy",
    "SelfTrainingClassifier",
    "TSimilarity",
    "Threshold",
    "entropy_confidence",
    "margin",
    "max_probability",
    "msla_thresholds",
    "t_similarity",
]
