"""Active learning: which rows to label next, when to stop, and how many labels you need.

- :mod:`fewlabels.active.strategies`: stateless query strategies (uncertainty, committee,
  density, CoreSet, cluster-margin, TypiClust, ProbCover, expected error reduction);
- :mod:`fewlabels.active.utilities`: their core math, as pure numpy functions;
- :mod:`fewlabels.active.loop`: the semi-supervised active-learning loop (the model
  pseudo-labels the rest after every batch);
- :mod:`fewlabels.active.stopping`: when to stop (stabilizing predictions, uncertainty,
  target accuracy, budget);
- :mod:`fewlabels.active.planner`: the label-budget planner (a learning curve fitted to the
  current labels, extrapolated).
"""

from __future__ import annotations

from .loop import ActiveLearningLoop, LoopResult, LoopStep, simulated_oracle
from .planner import (
    Forecast,
    LabelPlan,
    LearningCurve,
    PowerLaw,
    fit_power_law,
    learning_curve,
    plan_labels,
)
from .stopping import (
    Budget,
    MaxUncertainty,
    OverallUncertainty,
    StabilizingPredictions,
    StoppingCriterion,
    TargetAccuracy,
    stabilizing_predictions,
    stopping_cost,
    stopping_points,
)
from .strategies import (
    STRATEGIES,
    ClusterMargin,
    CoreSet,
    DensityWeightedUncertainty,
    ExpectedErrorReduction,
    ProbCover,
    QueryByCommittee,
    QueryStrategy,
    RandomSampling,
    Selection,
    TypiClust,
    UncertaintySampling,
    committee_proba,
    get_strategy,
)

__all__: list[str] = [
    "STRATEGIES",
    "ActiveLearningLoop",
    "Budget",
    "Forecast",
    "LabelPlan",
    "LearningCurve",
    "LoopResult",
    "LoopStep",
    "MaxUncertainty",
    "OverallUncertainty",
    "PowerLaw",
    "StabilizingPredictions",
    "StoppingCriterion",
    "TargetAccuracy",
    "fit_power_law",
    "learning_curve",
    "plan_labels",
    "simulated_oracle",
    "stabilizing_predictions",
    "stopping_cost",
    "stopping_points",
    "ClusterMargin",
    "CoreSet",
    "DensityWeightedUncertainty",
    "ExpectedErrorReduction",
    "ProbCover",
    "QueryByCommittee",
    "QueryStrategy",
    "RandomSampling",
    "Selection",
    "TypiClust",
    "UncertaintySampling",
    "committee_proba",
    "get_strategy",
]
