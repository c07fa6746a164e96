"""Graph-based semi-supervised learning at scale: sparse kNN graphs, label spreading and
propagation by conjugate gradients, inductive prediction for new rows."""

from ..selftrain.confidence import entropy_confidence
from ._graph import (
    KnnGraph,
    block_cg,
    knn_graph,
    normalize_graph,
    propagate_labels,
    spread_labels,
    spread_labels_closed_form,
)
from ._knn import EXACT_MAX_ROWS, build_index
from .estimators import (
    BaseGraphClassifier,
    GraphPseudoLabelClassifier,
    LabelPropagationClassifier,
    LabelSpreadingClassifier,
)

__all__ = [
    "entropy_confidence",
    "EXACT_MAX_ROWS",
    "BaseGraphClassifier",
    "GraphPseudoLabelClassifier",
    "KnnGraph",
    "LabelPropagationClassifier",
    "LabelSpreadingClassifier",
    "block_cg",
    "build_index",
    "knn_graph",
    "normalize_graph",
    "propagate_labels",
    "spread_labels",
    "spread_labels_closed_form",
]
