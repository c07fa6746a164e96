"""Novel class discovery: unlabeled rows from classes nobody has labeled yet.

:class:`NovelClassDiscovery` (NCD k-means, NCD spectral clustering, PBN; GCD k-means and
mixture), the metrics (:func:`cluster_accuracy` with Hungarian matching, balanced accuracy,
NMI, ARI on novel / known / all rows), tuning on hidden known classes
(:func:`hidden_class_search`) and the estimate of the number of novel classes
(:func:`estimate_n_novel`, :func:`estimate_n_novel_gcd`, :func:`check_estimate_on_known`).
"""

from __future__ import annotations

from ._algorithms import estimate_n_clusters as estimate_n_novel
from ._algorithms import estimate_n_novel_gcd, gcd_gmm, ncd_kmeans, ncd_spectral
from .estimator import NOVEL_PREFIX, NovelClassDiscovery
from .metrics import balanced_cluster_accuracy, cluster_accuracy, discovery_scores, hungarian_match
from .tuning import check_estimate_on_known, hidden_class_search

__all__ = [
    "NOVEL_PREFIX",
    "NovelClassDiscovery",
    "balanced_cluster_accuracy",
    "check_estimate_on_known",
    "cluster_accuracy",
    "discovery_scores",
    "estimate_n_novel",
    "estimate_n_novel_gcd",
    "gcd_gmm",
    "hidden_class_search",
    "hungarian_match",
    "ncd_kmeans",
    "ncd_spectral",
]
