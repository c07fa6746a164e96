"""Deep semi-supervised and self-supervised learning for tables, on the CPU.

Needs the ``deep`` extra (``pip install 'fewlabels[deep]'``, torch 2.13.0). The estimators
import without torch; fitting one without it raises an error naming the extra.

Layout: :mod:`~fewlabels.deep.inputs` (tables to tensors), :mod:`~fewlabels.deep.nets`
(backbones, heads, tabular views), :mod:`~fewlabels.deep.loop` (the one training loop),
:mod:`~fewlabels.deep.objectives` (one class per semi-supervised method),
:mod:`~fewlabels.deep.pretrain` (SCARF, VIME, T-JEPA) and
:mod:`~fewlabels.deep.estimators` (the scikit-learn estimators).

:class:`TrainingRun` (settings, tensors and the training run of a table) and
:func:`import_torch` are for code that trains its own objectives on the same loop (novel
class discovery does).
"""

from __future__ import annotations

from ._torch import have_torch, import_torch
from .estimators import (
    BaseDeepClassifier,
    DeepSupervisedClassifier,
    DiverseEnsembleClassifier,
    EmbeddingFeaturesClassifier,
    FixMatchClassifier,
    FlexMatchClassifier,
    FreeMatchClassifier,
    HeadsTSimilarity,
    MeanTeacherClassifier,
    MetaPseudoLabelClassifier,
    MixupPseudoLabelClassifier,
    PretrainedClassifier,
    PretrainedEmbedding,
    PseudoLabelClassifier,
    SCARFClassifier,
    TJEPAClassifier,
    TrainingRun,
    VIMEClassifier,
    tsim_self_training,
)
from .inputs import TabularInputs

__all__ = [
    "BaseDeepClassifier",
    "DeepSupervisedClassifier",
    "DiverseEnsembleClassifier",
    "EmbeddingFeaturesClassifier",
    "FixMatchClassifier",
    "FlexMatchClassifier",
    "FreeMatchClassifier",
    "HeadsTSimilarity",
    "MeanTeacherClassifier",
    "MetaPseudoLabelClassifier",
    "MixupPseudoLabelClassifier",
    "PretrainedClassifier",
    "PretrainedEmbedding",
    "PseudoLabelClassifier",
    "SCARFClassifier",
    "TJEPAClassifier",
    "TabularInputs",
    "TrainingRun",
    "VIMEClassifier",
    "have_torch",
    "import_torch",
    "tsim_self_training",
]
