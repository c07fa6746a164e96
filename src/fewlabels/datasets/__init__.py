"""Offline benchmark datasets and semi-supervised split protocols."""

from ._registry import DATASETS, Dataset, DatasetInfo, list_datasets, load
from .splits import SSLSplit, enlarge, make_ssl_split, selection_bias_weights

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetInfo",
    "SSLSplit",
    "enlarge",
    "list_datasets",
    "load",
    "make_ssl_split",
    "selection_bias_weights",
]
