"""Graph-based semi-supervised learning: label spreading on sparse kNN graphs."""

from ._graph import knn_graph, normalize_graph, spread_labels, spread_labels_closed_form
from .spreading import LabelSpreadingClassifier

__all__ = [
    "LabelSpreadingClassifier",
    "knn_graph",
    "normalize_graph",
    "spread_labels",
    "spread_labels_closed_form",
]
