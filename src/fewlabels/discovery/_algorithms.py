"""Class-discovery algorithms as pure functions on float arrays.

- :func:`ncd_kmeans`: k-means whose known-class centroids stay fixed at the known classes'
  means; the novel centroids start by k-means++ away from every existing centroid and are
  the only ones updated (Troisemaine et al., DAMI 2024, Alg. 2). ``mode="gcd"``: the
  semi-supervised k-means of generalized category discovery (labeled rows keep their class,
  every centroid moves, unlabeled rows may join a known class).
- :func:`gcd_gmm`: a Gaussian mixture (diagonal covariances) started from that k-means, whose
  labeled rows keep their class (responsibility fixed to one).
- :func:`ncd_spectral`: spectral clustering with the kernel width from the longest edge of the
  minimum spanning tree and (s_min, embedding size) chosen by how well the known classes are
  recovered (DAMI 2024, Alg. 3).
- :func:`estimate_n_clusters`: the number of clusters by the mean silhouette over k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "KMeansResult",
    "ncd_kmeans",
    "gcd_gmm",
    "ncd_spectral",
    "estimate_n_clusters",
    "assignment_confidence",
    "mst_sigma",
]


def _sq_dist(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    d = (X**2).sum(1)[:, None] - 2.0 * X @ C.T + (C**2).sum(1)[None, :]
    return np.maximum(d, 0.0)


def _kmeanspp_extend(
    X: np.ndarray, existing: np.ndarray, k: int, rng: np.random.Generator
) -> np.ndarray:
    """``k`` new centroids drawn from the rows of X, each with probability proportional to
    its squared distance to the nearest centroid so far (existing ones included)."""
    new = []
    nearest = _sq_dist(X, existing).min(1) if len(existing) else np.full(len(X), np.inf)
    for _ in range(k):
        if not np.isfinite(nearest).all():
            i = int(rng.integers(len(X)))
        else:
            total = nearest.sum()
            i = (
                int(rng.integers(len(X)))
                if total <= 0
                else int(rng.choice(len(X), p=nearest / total))
            )
        new.append(X[i])
        nearest = np.minimum(nearest, _sq_dist(X, X[i][None, :])[:, 0])
    return np.array(new).reshape(k, X.shape[1])


@dataclass
class KMeansResult:
    centroids: np.ndarray  # (n_known + n_novel, d): known first
    labels: np.ndarray  # cluster index of every unlabeled row
    inertia: float
    n_iter: int


def ncd_kmeans(
    X_unlabeled: np.ndarray,
    X_labeled: np.ndarray,
    y_labeled: np.ndarray,
    n_known: int,
    n_novel: int,
    *,
    mode: str = "ncd",
    n_init: int = 10,
    max_iter: int = 300,
    tol: float = 1e-4,
    random_state: int = 0,
) -> KMeansResult:
    """NCD (or GCD) k-means; ``y_labeled`` holds codes 0..n_known-1.

    ``mode="ncd"``: unlabeled rows are all novel: they are assigned among the novel
    centroids, which alone move. ``mode="gcd"``: unlabeled rows are assigned among all
    centroids and every centroid moves (labeled rows stay with their class).
    The best of ``n_init`` starts (lowest inertia on the unlabeled rows) is returned.
    """
    if mode not in ("ncd", "gcd"):
        raise ValueError(f"mode must be 'ncd' or 'gcd', got {mode!r}")
    rng = np.random.default_rng(random_state)
    known = np.array([X_labeled[y_labeled == c].mean(0) for c in range(n_known)])
    lab_sum = np.array([X_labeled[y_labeled == c].sum(0) for c in range(n_known)])
    lab_n = np.bincount(y_labeled, minlength=n_known).astype(float)
    best: KMeansResult | None = None
    for _ in range(n_init):
        novel = _kmeanspp_extend(X_unlabeled, known, n_novel, rng)
        C = np.vstack([known, novel])
        n_iter = 0
        for step in range(1, max_iter + 1):
            n_iter = step
            if mode == "ncd":
                d = _sq_dist(X_unlabeled, C[n_known:])
                labels = n_known + d.argmin(1)
            else:
                d = _sq_dist(X_unlabeled, C)
                labels = d.argmin(1)
            new = C.copy()
            for j in range(n_known if mode == "ncd" else 0, len(C)):
                members = X_unlabeled[labels == j]
                if j < n_known:  # gcd: the labeled rows of class j stay in it
                    new[j] = (lab_sum[j] + members.sum(0)) / (lab_n[j] + len(members))
                elif len(members):
                    new[j] = members.mean(0)
            shift = float(((new - C) ** 2).sum())
            C = new
            if shift <= tol * max(1e-12, float((C**2).sum()) / len(C)):
                break
        d = _sq_dist(X_unlabeled, C[n_known:] if mode == "ncd" else C)
        labels = d.argmin(1) + (n_known if mode == "ncd" else 0)
        inertia = float(d.min(1).sum())
        if best is None or inertia < best.inertia:
            best = KMeansResult(C, labels, inertia, n_iter)
    assert best is not None
    return best


def assignment_confidence(X: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(nearest centroid, confidence) with confidence = (d2 - d1) / (d2 + d1) in [0, 1],
    d1 and d2 the distances to the nearest and second nearest centroid."""
    d = np.sqrt(_sq_dist(X, centroids))
    order = np.argsort(d, axis=1)
    d1 = d[np.arange(len(d)), order[:, 0]]
    if centroids.shape[0] < 2:
        return order[:, 0], np.ones(len(d))
    d2 = d[np.arange(len(d)), order[:, 1]]
    return order[:, 0], np.where(d1 + d2 > 0, (d2 - d1) / np.maximum(d1 + d2, 1e-12), 0.0)


def gcd_gmm(
    X_unlabeled: np.ndarray,
    X_labeled: np.ndarray,
    y_labeled: np.ndarray,
    n_known: int,
    n_novel: int,
    *,
    max_iter: int = 100,
    tol: float = 1e-5,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A diagonal Gaussian mixture whose labeled rows keep their class.

    Started from :func:`ncd_kmeans` in ``"gcd"`` mode. Returns ``(means, variances,
    responsibilities of the unlabeled rows)``; components 0..n_known-1 are the known classes.
    """
    start = ncd_kmeans(
        X_unlabeled, X_labeled, y_labeled, n_known, n_novel, mode="gcd", random_state=random_state
    )
    K = n_known + n_novel
    X = np.vstack([X_labeled, X_unlabeled])
    n_l = len(X_labeled)
    R = np.zeros((len(X), K))
    R[np.arange(n_l), y_labeled] = 1.0
    R[n_l + np.arange(len(X_unlabeled)), start.labels] = 1.0
    prev = -np.inf
    floor = 1e-6 * X.var(0).mean() + 1e-12
    for _ in range(max_iter):
        Nk = R.sum(0) + 1e-10
        means = (R.T @ X) / Nk[:, None]
        var = (R.T @ X**2) / Nk[:, None] - means**2
        var = np.maximum(var, floor)
        weights = Nk / Nk.sum()
        Xu = X[n_l:]
        logp = (
            -0.5 * (((Xu[:, None, :] - means[None]) ** 2) / var[None]).sum(2)
            - 0.5 * np.log(2 * np.pi * var).sum(1)[None]
            + np.log(weights)[None]
        )
        m = logp.max(1, keepdims=True)
        ll = float((m[:, 0] + np.log(np.exp(logp - m).sum(1))).sum())
        R[n_l:] = np.exp(logp - m)
        R[n_l:] /= R[n_l:].sum(1, keepdims=True)
        if ll - prev < tol * abs(ll):
            break
        prev = ll
    return means, var, R[n_l:]


def _sq_distances(X: np.ndarray) -> np.ndarray:
    from scipy.spatial.distance import pdist, squareform

    return squareform(pdist(X, "sqeuclidean"))


def mst_longest_edge(D2: np.ndarray) -> float:
    """The longest edge of the minimum spanning tree, from squared pairwise distances."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    return float(minimum_spanning_tree(np.sqrt(D2)).max())


def mst_sigma(X: np.ndarray, s_min: float, d_max: float | None = None) -> float:
    """Kernel width such that the longest edge of the minimum spanning tree gets affinity
    ``s_min``: exp(-d_max^2 / (2 sigma^2)) = s_min (DAMI 2024, Eq. 1). ``d_max`` (that edge's
    length) may be given when it is already known, as it does not depend on ``s_min``."""
    if d_max is None:
        d_max = mst_longest_edge(_sq_distances(X))
    return d_max / np.sqrt(-2.0 * np.log(s_min)) if d_max > 0 else 1.0


def _spectral_embedding(D2: np.ndarray, sigma: float, n_vectors: int) -> np.ndarray:
    """The leading non-trivial eigenvectors of D^-1/2 A D^-1/2, A the Gaussian kernel of ``D2``."""
    A = np.exp(-D2 / (2.0 * sigma**2))
    np.fill_diagonal(A, 0.0)
    d = A.sum(1)
    inv = np.where(d > 0, 1.0 / np.sqrt(np.maximum(d, 1e-300)), 0.0)
    S = inv[:, None] * A * inv[None, :]
    vals, vecs = np.linalg.eigh(S)  # largest of S = smallest of L_sym = I - S
    order = np.argsort(vals)[::-1]
    return vecs[:, order[1 : n_vectors + 1]]  # skip the first (constant) direction


def _kmeans_labels(Z: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(k, n_init=10, random_state=seed).fit_predict(Z)


def ncd_spectral(
    X_unlabeled: np.ndarray,
    X_labeled: np.ndarray,
    y_labeled: np.ndarray,
    n_known: int,
    n_novel: int,
    *,
    s_min_grid: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 0.9),
    u_grid: tuple[int, ...] | None = None,
    random_state: int = 0,
) -> tuple[np.ndarray, dict]:
    """NCD spectral clustering of the unlabeled rows into ``n_novel`` clusters.

    Each (s_min, u) is scored by embedding labeled and unlabeled rows together, clustering
    them into ``n_known + n_novel`` clusters and measuring the clustering accuracy on the
    labeled rows; the best pair then clusters the unlabeled rows alone. Returns
    ``(labels of the unlabeled rows in 0..n_novel-1, {"s_min", "u", "scores"})``.
    """
    from .metrics import cluster_accuracy

    X_all = np.vstack([X_labeled, X_unlabeled])
    n_l = len(X_labeled)
    K = n_known + n_novel
    u_grid = u_grid or tuple(sorted({n_novel, K, 2 * K}))
    scores = {}
    D2 = _sq_distances(X_all)  # distances and the MST do not depend on s_min: computed once
    d_max = mst_longest_edge(D2)
    for s_min in s_min_grid:
        E = _spectral_embedding(D2, mst_sigma(X_all, s_min, d_max), max(u_grid))
        for u in u_grid:
            labels = _kmeans_labels(E[:, :u], K, random_state)
            scores[(s_min, u)] = cluster_accuracy(y_labeled, labels[:n_l])
    s_min, u = max(scores, key=lambda k: (scores[k], -k[1]))
    D2 = _sq_distances(X_unlabeled)
    E = _spectral_embedding(D2, mst_sigma(X_unlabeled, s_min, mst_longest_edge(D2)), max(1, u))
    labels = (
        _kmeans_labels(E, n_novel, random_state) if n_novel > 1 else np.zeros(len(X_unlabeled), int)
    )
    return labels, {
        "s_min": s_min,
        "u": u,
        "scores": {f"{a}/{b}": v for (a, b), v in scores.items()},
    }


def estimate_n_clusters(
    Z: np.ndarray,
    k_min: int = 2,
    k_max: int = 30,
    n_runs: int = 1,
    random_state: int = 0,
    max_rows: int = 5000,
) -> tuple[int, dict[int, float]]:
    """The k in [k_min, k_max] with the highest mean silhouette of k-means.

    Each of the ``n_runs`` k-means fits already keeps the best of 10 starts; more runs
    average the silhouette over different seeds (3 runs took 280-310 s on letter's and
    MNIST's 3,800-row unlabeled parts for k up to 20; one run does a third of the fits).
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(random_state)
    if len(Z) > max_rows:
        Z = Z[rng.choice(len(Z), max_rows, replace=False)]
    k_max = min(k_max, len(Z) - 1)
    scores: dict[int, float] = {}
    for k in range(k_min, k_max + 1):
        vals = []
        for r in range(n_runs):
            labels = KMeans(k, n_init=10, random_state=random_state + r).fit_predict(Z)
            if len(np.unique(labels)) < 2:
                continue
            vals.append(silhouette_score(Z, labels))
        scores[k] = float(np.mean(vals)) if vals else -1.0
    best = max(scores, key=lambda k: scores[k]) if scores else k_min
    return int(best), scores


def estimate_n_novel_gcd(
    Z: np.ndarray,
    codes: np.ndarray,
    n_known: int,
    k_max: int = 20,
    *,
    probe_share: float = 0.3,
    n_init: int = 3,
    random_state: int = 0,
    max_rows: int = 3000,
) -> tuple[int, dict[int, float], dict[int, float]]:
    """The number of novel clusters for GCD k-means, chosen with held-out labeled rows.

    A share ``probe_share`` of each known class's labeled rows (at least one row of each
    class stays labeled) loses its label and joins the unlabeled rows; GCD k-means runs
    with ``n_known + j`` clusters for j = 1 .. ``k_max``. Each j gets the share of those
    probe rows that land in their own known class (too many novel clusters steal known
    rows; too few leave novel rows in the known clusters and pull them off) and the mean
    silhouette of the clustering (labeled rows in their class). Among the j whose probe
    score is within one binomial standard error of the best, the one with the best
    silhouette is returned, with both scores per j. ``codes`` holds class codes for labeled
    rows and -1 for unlabeled ones. Above ``max_rows`` rows, a random ``max_rows`` of them
    (the same share of each known class and of the unlabeled rows, at least 2 rows a
    class) are used.
    """
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(random_state)
    if len(Z) > max_rows:
        share = max_rows / len(Z)
        keep = []
        for c in [*range(n_known), -1]:
            rows = np.flatnonzero(codes == c)
            n = min(len(rows), max(2, int(round(share * len(rows)))))
            keep.append(rng.choice(rows, n, replace=False))
        kept = np.sort(np.concatenate(keep))
        Z, codes = Z[kept], codes[kept]
    lab = np.flatnonzero(codes >= 0)
    probe_parts = []
    for c in range(n_known):
        rows = lab[codes[lab] == c]
        n_probe = min(len(rows) - 1, int(round(probe_share * len(rows))))
        if n_probe > 0:
            probe_parts.append(rng.choice(rows, n_probe, replace=False))
    probe = np.sort(np.concatenate(probe_parts)) if probe_parts else np.array([], dtype=int)
    train_lab = np.setdiff1d(lab, probe)
    rest = np.setdiff1d(np.arange(len(Z)), train_lab)  # unlabeled + probe rows
    where = np.searchsorted(rest, probe)
    n_unlabeled = int((codes < 0).sum())
    probe_score: dict[int, float] = {}
    silhouette: dict[int, float] = {}
    for j in range(1, max(1, min(k_max, n_unlabeled - 1)) + 1):
        res = ncd_kmeans(
            Z[rest],
            Z[train_lab],
            codes[train_lab],
            n_known,
            j,
            mode="gcd",
            n_init=n_init,
            random_state=random_state,
        )
        probe_score[j] = float(np.mean(res.labels[where] == codes[probe])) if len(probe) else 1.0
        labels = codes.copy()
        labels[rest] = res.labels
        silhouette[j] = float(silhouette_score(Z, labels)) if len(np.unique(labels)) > 1 else -1.0
    best = max(probe_score.values())
    se = float(np.sqrt(best * (1 - best) / max(len(probe), 1)))
    near = [j for j, v in probe_score.items() if v >= best - se]
    return max(near, key=lambda j: silhouette[j]), probe_score, silhouette
