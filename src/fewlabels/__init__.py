"""fewlabels: learning from few labels on tables.

The package imports in a few milliseconds: submodules (and scikit-learn, LightGBM, torch)
load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

_LAZY = {
    "TableEncoder": "fewlabels.data",
    "read_table": "fewlabels.data",
    "unlabeled_mask": "fewlabels.data",
    "UNLABELED": "fewlabels.data",
    "Target": "fewlabels.data",
    "parse_target": "fewlabels.data",
    "SupervisedClassifier": "fewlabels.supervised",
    "SelfTrainingClassifier": "fewlabels.selftrain",
    "CoTrainingClassifier": "fewlabels.selftrain",
    "TriTrainingClassifier": "fewlabels.selftrain",
    "AutoClassifier": "fewlabels.auto",
    "LabelSpreadingClassifier": "fewlabels.graph",
    "LabelPropagationClassifier": "fewlabels.graph",
    "GraphPseudoLabelClassifier": "fewlabels.graph",
    "save_model": "fewlabels.persist",
    "load_model": "fewlabels.persist",
    "make_model": "fewlabels.methods",
    "METHODS": "fewlabels.methods",
    "compare_with_supervised": "fewlabels.evidence",
    "InputError": "fewlabels.exceptions",
    "FewLabelsError": "fewlabels.exceptions",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'fewlabels' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
