"""Semi-supervised regression: a numeric target with blanks.

The supervised baseline, COREG, self-training with ensemble spread, value propagation on
a kNN graph, and :class:`AutoRegressor`, which keeps a semi-supervised model only where
cross-validation shows it beats the best supervised regressor.
"""

from .auto import AutoRegressor, regression_catalogue
from .estimators import (
    COREGRegressor,
    LabelPropagationRegressor,
    SelfTrainingRegressor,
    SupervisedRegressor,
    default_regressor,
    make_regressor,
)
from .evidence import RegressionEvidence, compare_regressors
from .features import ClassifierFeatures, ClassifierFeaturesRegressor
from .gbnn import GBNNClassifier, GBNNRegressor

__all__ = [
    "AutoRegressor",
    "COREGRegressor",
    "ClassifierFeatures",
    "ClassifierFeaturesRegressor",
    "GBNNClassifier",
    "GBNNRegressor",
    "LabelPropagationRegressor",
    "RegressionEvidence",
    "SelfTrainingRegressor",
    "SupervisedRegressor",
    "compare_regressors",
    "default_regressor",
    "make_regressor",
    "regression_catalogue",
]
