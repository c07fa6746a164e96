"""Scale-out on Dask: fit on a partitioned table whose unlabeled pool never sits in one
process, and predict, query and check partition by partition (the ``dask`` extra).

- :func:`start_engine`: a ``distributed.Client`` on a local cluster sized to the machine,
  or on a running cluster given its scheduler address (the only difference between a
  laptop and dask-jobqueue or Kubernetes);
- :func:`fit_self_training_dask`: self-training, pseudo-labels chosen by a threshold and a
  distributed top-k per class, each round trained on the labeled rows plus a bounded
  class-balanced sample (:class:`ScaledSelfTrainingClassifier` in memory);
- :func:`fit_anchor_spreading_dask`: label spreading on an anchor graph, solved from sums
  over partitions (:class:`AnchorSpreadingClassifier` in memory);
- :func:`predict_dask` / :func:`write_predictions`: predictions by partition, written to
  Parquet atomically;
- :func:`score_active_dask`, :func:`score_label_errors_dask`: uncertainty and label
  quality by partition, with one top-k reduction.

Every fit returns an ordinary in-memory model; the same seed gives the same model whatever
the partitioning. Importing this package does not import Dask.
"""

from .engine import (
    PartitionError,
    ScaleError,
    read_partitioned,
    row_uniform,
    start_engine,
)
from .graph import AnchorSpreadingClassifier, fit_anchor_spreading_dask
from .predict import predict_dask, score_active_dask, score_label_errors_dask, write_predictions
from .selftrain import ScaledSelfTrainingClassifier, fit_self_training_dask

__all__ = [
    "AnchorSpreadingClassifier",
    "PartitionError",
    "ScaleError",
    "ScaledSelfTrainingClassifier",
    "fit_anchor_spreading_dask",
    "fit_self_training_dask",
    "predict_dask",
    "read_partitioned",
    "row_uniform",
    "score_active_dask",
    "score_label_errors_dask",
    "start_engine",
    "write_predictions",
]
