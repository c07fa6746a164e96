"""Nearest-neighbour search for graph building: exact, or approximate with faiss.

``auto`` uses exact search up to ``EXACT_MAX_ROWS`` rows and faiss' inverted-file index
above (measured on this project's 2-core machine at 100k x 16: sklearn's exact search 20.7 s,
faiss exact 10.9 s, faiss HNSW 3.3-9.3 s, faiss IVF 0.8-1.5 s, pynndescent 36 s per fresh
process because of numba compilation; see benchmarks/graph_speed.py). The IVF index has
2 sqrt(n) cells and probes 6: against sqrt(n) cells the search took 1.2 s instead of 2.1 s
at the same recall of the exact 11 neighbours (0.9985 against 0.9989); probing 6 cells
instead of 8 took 0.58 s instead of 0.71 s at recall 0.9970 instead of 0.9983 (100k rows of
the benchmark's letter table). Searching whole cells at once (each cell's rows against the
rows of its nearest cells, by brute force) was tried: 0.54 s at recall 0.980, 0.93 s at 0.991.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["EXACT_MAX_ROWS", "NeighborIndex", "build_index", "have_faiss"]

logger = logging.getLogger(__name__)

#: Above this many rows, ``knn="auto"`` switches to approximate search.
EXACT_MAX_ROWS = 20_000


def have_faiss() -> bool:
    return importlib.util.find_spec("faiss") is not None


@dataclass
class NeighborIndex:
    """A searchable set of rows; ``search`` returns (squared distances or similarities, indices)."""

    backend: str
    metric: str
    index: Any

    def locality_order(self, X: np.ndarray) -> np.ndarray | None:
        """A node order that keeps neighbours close in memory (rows sorted by search cell)."""
        if self.backend != "faiss-ivf":
            return None
        _, cell = self.index.quantizer.search(np.ascontiguousarray(X, dtype=np.float32), 1)
        return np.argsort(cell.ravel(), kind="stable")

    def search(self, Q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        Q = np.ascontiguousarray(Q, dtype=np.float32)
        if self.backend == "sklearn":
            dist, idx = self.index.kneighbors(Q, n_neighbors=k)
            return (dist**2 if self.metric == "euclidean" else 1.0 - dist), idx
        d, i = self.index.search(Q, k)
        return d, i.astype(np.int64)


def build_index(
    X: np.ndarray, metric: str, knn: str, n_probe: int = 6, random_state: int = 0
) -> NeighborIndex:
    """Index the rows of ``X`` (float32, L2-normalized already when ``metric="cosine"``).

    ``knn``: ``"exact"``, ``"approximate"`` or ``"auto"``. Distances are squared Euclidean;
    for ``cosine`` the search returns inner products (similarities).
    """
    n, d = X.shape
    X = np.ascontiguousarray(X, dtype=np.float32)
    approximate = knn == "approximate" or (knn == "auto" and n > EXACT_MAX_ROWS)
    if not have_faiss():
        if approximate:
            logger.warning(
                "approximate neighbour search needs faiss (pip install 'fewlabels[scale]'); "
                "using exact search on %d rows, which is slower",
                n,
            )
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(metric="euclidean" if metric == "euclidean" else "cosine").fit(X)
        return NeighborIndex("sklearn", metric, nn)
    import faiss

    faiss_metric = faiss.METRIC_L2 if metric == "euclidean" else faiss.METRIC_INNER_PRODUCT
    if not approximate:
        index = faiss.IndexFlatL2(d) if metric == "euclidean" else faiss.IndexFlatIP(d)
        index.add(X)
        return NeighborIndex("faiss-exact", metric, index)
    n_list = max(1, int(2 * np.sqrt(n)))
    quantizer = faiss.IndexFlatL2(d) if metric == "euclidean" else faiss.IndexFlatIP(d)
    ivf = faiss.IndexIVFFlat(quantizer, d, n_list, faiss_metric)
    rng = np.random.default_rng(random_state)
    sample = X[rng.choice(n, min(n, 40 * n_list), replace=False)]
    ivf.cp.seed = int(random_state)
    ivf.train(sample)
    ivf.add(X)
    ivf.nprobe = min(n_probe, n_list)
    return NeighborIndex("faiss-ivf", metric, ivf)
