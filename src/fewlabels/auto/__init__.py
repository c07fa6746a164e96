"""``auto``: an ensemble of strong supervised members, with the unlabeled rows as a teacher's
pseudo-labels and a graph, kept only where cross-validation shows they help."""

from .classifier import AutoClassifier
from .ensemble import blend, ensemble_selection
from .members import Member, catalogue, default_members
from .metrics import METRICS

__all__ = [
    "AutoClassifier",
    "METRICS",
    "Member",
    "blend",
    "catalogue",
    "default_members",
    "ensemble_selection",
]
