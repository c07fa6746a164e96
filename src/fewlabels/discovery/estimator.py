"""``NovelClassDiscovery``: find the classes nobody labeled, in the unlabeled rows."""

from __future__ import annotations

import logging
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..data.labels import UNLABELED, encode_target
from ..exceptions import InputError
from . import _algorithms as A

__all__ = ["NovelClassDiscovery", "NOVEL_PREFIX", "METHODS", "WEAK_SILHOUETTE"]

logger = logging.getLogger(__name__)

#: Novel clusters are named ``novel-0``, ``novel-1``, ... in ``labels_``.
NOVEL_PREFIX = "novel-"

METHODS = ("kmeans", "spectral", "pbn", "tabularncd", "gcd-kmeans", "gcd-gmm")
_DEEP_METHODS = ("pbn", "tabularncd")
#: Below this mean silhouette the clusters are weak: said in words in ``warnings_``.
WEAK_SILHOUETTE = 0.25
#: Runs of the estimate of the number of novel classes (other seeds, other held-out rows)
#: whose range is ``n_novel_range_``.
_ESTIMATE_RUNS = 3
#: Splits of the known classes, some hidden, on which the estimate is checked.
_CHECK_SPLITS = 2


class NovelClassDiscovery(BaseEstimator):
    """Discover novel classes among the unlabeled rows, using the labeled known classes.

    Parameters
    ----------
    method : {"kmeans", "spectral", "pbn", "tabularncd", "gcd-kmeans", "gcd-gmm"}, \
default="gcd-kmeans"
        Generalized category discovery (the default: each unlabeled row may belong to a
        known class or to a novel one, and the method decides which):
        ``"gcd-kmeans"`` (semi-supervised k-means, labeled rows keep their class) and
        ``"gcd-gmm"`` (a Gaussian mixture started from it).

        Novel class discovery (every unlabeled row is taken to be novel; use it only when
        that is known to hold):

        - ``"kmeans"``: NCD k-means, known centroids fixed at the known classes' means,
          novel centroids learned on the unlabeled rows;
        - ``"spectral"``: NCD spectral clustering, kernel width from the minimum spanning
          tree, parameters chosen on the known classes (at most 5,000 rows);
        - ``"pbn"``: PBN's latent space (classification of the known classes plus
          reconstruction of every row; the ``deep`` extra), then NCD k-means in it;
        - ``"tabularncd"``: TabularNCD (the ``deep`` extra): a VIME-pretrained encoder, then
          a classification head (known classes + "unlabeled") and a clustering head trained
          with top-k cosine pairwise pseudo-labels and consistency against SMOTE-NC-style
          augmentations; unlabeled rows go to the clustering head's argmax. ``"auto"``
          counts novel classes in the pretrained latent space.
    n_novel : "auto" or int, default="auto"
        The number of novel classes; ``"auto"`` estimates it. NCD methods pick the k with
        the best mean silhouette among the unlabeled rows (in PBN's latent space for
        ``"pbn"``), from 2 to ``k_max``. GCD methods hold out 30% of each known class's
        labels and, for 1 to ``k_max`` novel clusters, score how many of those rows GCD
        k-means puts back in their class; among the counts within one standard error of
        the best, the clustering with the best silhouette wins
        (:func:`fewlabels.discovery.estimate_n_novel_gcd`). Either estimate is repeated
        with other seeds (``n_novel_range_``) and checked on known classes hidden as if
        novel (``n_novel_check_``).
    k_max : int, default=20
    pbn_epochs : int, default=200
        Most PBN training epochs (the paper trains 200).
    tabularncd_epochs : int, default=30
        TabularNCD's pre-training and joint-training epochs (the paper trains 30 of each).
    standardize : bool, default=True
        Scale every numeric column to unit variance before clustering. Set it to False when
        the columns share one unit (pixel intensities, counts of the same thing): scaling
        then inflates near-constant columns (on optdigits, NCD k-means finds the novel
        digits with 66% accuracy standardized and 90% without). PBN and TabularNCD
        standardize inside their networks either way.
    tabularncd_params : dict or None, default=None
        Other TabularNCD settings (``topk``, ``w_classif``, ``w_cluster``, ``lr_classif``,
        ``lr_cluster``, ``k_neighbors``, ``dropout``, ``batch_size``; see
        :data:`fewlabels.discovery.tabularncd.TABULARNCD_DEFAULTS`).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    known_classes_ : ndarray
    n_novel_ : int
    labels_ : ndarray of object, shape (n_samples,)
        Every row's class: the given label, or for unlabeled rows a known class (GCD) or
        ``"novel-<i>"``.
    confidence_ : ndarray of shape (n_samples,)
        1 for labeled rows; for the others, how much nearer the row is to its cluster than to
        the next one ((d2 - d1) / (d2 + d1)), or the mixture's responsibility.
    unlabeled_ : ndarray of bool
    centroids_ : ndarray
        Known classes first, then the novel clusters (in the space the clustering used).
    representation_ : ndarray of shape (n_samples, n_dims)
        The space that was clustered (standardized features, or PBN's latent space).
    silhouette_ : dict or None
        Mean silhouette per k when ``n_novel="auto"`` (per number of novel clusters for
        GCD methods, whose held-out scores are in ``details_["probe_accuracy"]``).
    n_novel_range_ : tuple of int or None
        The smallest and largest estimate over repeated runs of the estimate (other seeds;
        for GCD, other held-out rows), when ``n_novel="auto"``.
    n_novel_check_ : list of dict
        The estimate checked on the known classes: in each split some known classes are
        hidden (their rows are the only unlabeled rows) and ``{"true", "estimated"}``
        compares their number with the estimate. Empty when ``n_novel`` was given or
        there are too few known classes to hide some.
    cluster_silhouette_ : float or None
        Mean silhouette of the result (every row in its class or cluster, in the
        clustered space; on at most 2,000 rows).
    warnings_ : list of str
        What the result's reader must know, in words (weak cluster structure, an
        estimate that missed on hidden known classes).
    details_ : dict
        Method specifics (chosen spectral parameters, PBN's history, ...).
    """

    _parameter_constraints: dict = {
        "method": [StrOptions(set(METHODS))],
        "n_novel": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "k_max": [Interval(Integral, 2, None, closed="left")],
        "pbn_epochs": [Interval(Integral, 1, None, closed="left")],
        "tabularncd_epochs": [Interval(Integral, 1, None, closed="left")],
        "tabularncd_params": [dict, None],
        "standardize": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        method: str = "gcd-kmeans",
        *,
        n_novel: Any = "auto",
        k_max: int = 20,
        pbn_epochs: int = 200,
        tabularncd_epochs: int = 30,
        tabularncd_params: dict | None = None,
        standardize: bool = True,
        random_state: Any = None,
    ):
        self.method = method
        self.n_novel = n_novel
        self.k_max = k_max
        self.pbn_epochs = pbn_epochs
        self.tabularncd_epochs = tabularncd_epochs
        self.tabularncd_params = tabularncd_params
        self.standardize = standardize
        self.random_state = random_state

    # ------------------------------------------------------------------ checks
    @staticmethod
    def _check_target(y: Any, n_rows: int) -> Any:
        target = encode_target(y)
        if len(target.codes) != n_rows:
            raise InputError(
                f"X has {n_rows} rows but y has {len(target.codes)}; give one label per row"
            )
        n_unlabeled = int((target.codes == UNLABELED).sum())
        if n_unlabeled == 0:
            raise InputError(
                "no row is unlabeled, so there is nothing to discover; leave the target blank "
                "on the rows whose class is unknown"
            )
        if len(target.classes) < 2:
            shown = "no class" if not len(target.classes) else f"one class ({target.classes[0]!r})"
            raise InputError(
                f"the labeled rows hold {shown}; discovery learns what separates classes from "
                "at least two known classes, so label rows of another class"
            )
        return target

    def fit(self, X: Any, y: Any) -> NovelClassDiscovery:
        """Learn the known classes from the labeled rows and cluster the unlabeled ones."""
        from ..data.encoder import TableEncoder

        self._validate_params()
        encoder = TableEncoder(output="numeric")
        encoder.fit(X)
        self.encoder_ = encoder
        Xn = self._features(X)
        target = self._check_target(y, Xn.shape[0])
        codes = target.codes
        self.known_classes_ = target.classes
        n_known = len(target.classes)
        unl = codes == UNLABELED
        n_u = int(unl.sum())
        if isinstance(self.n_novel, (int, np.integer)) and self.n_novel > n_u:
            raise InputError(
                f"n_novel={self.n_novel} novel classes asked for, but only {n_u} row(s) are "
                "unlabeled; ask for at most that many (or use n_novel='auto')"
            )
        if n_u < 2 and self.n_novel == "auto":
            raise InputError(
                "estimating the number of novel classes needs at least 3 unlabeled rows; "
                "give n_novel"
            )
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self._seed = seed
        self.details_: dict[str, Any] = {}
        Z = Xn
        if self.method == "pbn":
            from .pbn import pbn_embedding

            Z, history = pbn_embedding(
                X, codes, n_known, max_epochs=self.pbn_epochs, random_state=seed
            )
            self.details_["pbn_history"] = history
        gcd = self.method.startswith("gcd")
        self.silhouette_ = None
        deep_result = None
        if self.method == "tabularncd":
            from .tabularncd import tabularncd

            deep_result = tabularncd(
                X,
                codes,
                n_known,
                None if self.n_novel == "auto" else int(self.n_novel),
                estimate=lambda Zu: A.estimate_n_clusters(
                    Zu, 2, min(self.k_max, n_u - 1), random_state=seed
                ),
                random_state=seed,
                **{
                    "epochs": self.tabularncd_epochs,
                    "pretrain_epochs": self.tabularncd_epochs,
                    **(self.tabularncd_params or {}),
                },
            )
            Z = deep_result["representation"]
            self.details_["tabularncd_history"] = deep_result["history"]
            self.silhouette_ = deep_result["silhouette"]
            n_novel = deep_result["n_novel"]
        self.representation_ = Z
        self.n_novel_range_: tuple[int, int] | None = None
        self.n_novel_check_: list[dict[str, int]] = []
        if deep_result is None and self.n_novel == "auto":
            n_novel, self.silhouette_ = self._estimate(Z, codes, n_known, seed)
            runs = [n_novel]
            runs += [
                self._estimate(Z, codes, n_known, seed + r)[0] for r in range(1, _ESTIMATE_RUNS)
            ]
            self.n_novel_range_ = (int(min(runs)), int(max(runs)))
            self.n_novel_check_ = self._check_on_hidden(Z, codes, seed)
            logger.info(
                "estimated %d novel class(es) (runs: %d to %d)", n_novel, *self.n_novel_range_
            )
        elif deep_result is None:
            n_novel = int(self.n_novel)
        self.n_novel_ = n_novel
        Zl, yl, Zu = Z[~unl], codes[~unl], Z[unl]
        conf_u = np.ones(n_u)
        if deep_result is not None:
            assign = n_known + deep_result["assign"]
            conf_u = deep_result["confidence"]
            self.centroids_ = self._centroids(Zl, yl, Zu, assign - n_known, n_known, n_novel)
        elif self.method in ("kmeans", "pbn", "gcd-kmeans"):
            res = A.ncd_kmeans(
                Zu, Zl, yl, n_known, n_novel, mode="gcd" if gcd else "ncd", random_state=seed
            )
            self.centroids_ = res.centroids
            cand = res.centroids if gcd else res.centroids[n_known:]
            nearest, conf_u = A.assignment_confidence(Zu, cand)
            assign = nearest + (0 if gcd else n_known)
        elif self.method == "gcd-gmm":
            means, var, R = A.gcd_gmm(Zu, Zl, yl, n_known, n_novel, random_state=seed)
            self.centroids_, self.variances_ = means, var
            assign, conf_u = R.argmax(1), R.max(1)
        else:  # spectral
            if len(Z) > 5000:
                raise InputError(
                    f"spectral discovery builds a dense {len(Z)} x {len(Z)} kernel; it takes at "
                    "most 5,000 rows: use method='kmeans' or 'pbn', or subsample"
                )
            labels, info = A.ncd_spectral(Zu, Zl, yl, n_known, n_novel, random_state=seed)
            self.details_["spectral"] = info
            assign = n_known + labels
            self.centroids_ = self._centroids(Zl, yl, Zu, labels, n_known, n_novel)
            _, conf_u = A.assignment_confidence(Zu, self.centroids_[n_known:])
        names = np.array(
            [*map(str, self.known_classes_), *(f"{NOVEL_PREFIX}{j}" for j in range(n_novel))],
            dtype=object,
        )
        labels_all = np.empty(len(codes), dtype=object)
        labels_all[~unl] = np.asarray(self.known_classes_, dtype=object)[yl]
        labels_all[unl] = names[assign]
        self.cluster_names_ = names
        self.labels_ = labels_all
        self.confidence_ = np.ones(len(codes))
        self.confidence_[unl] = conf_u
        self.unlabeled_ = unl
        assigned = codes.copy()
        assigned[unl] = assign
        self.cluster_silhouette_ = _silhouette(Z, assigned, seed)
        self.warnings_ = self._warnings()
        for w in self.warnings_:  # the CLI and the report show them
            logger.info("%s", w)
        return self

    # ------------------------------------------------------------------ estimate
    def _estimate(
        self, Z: np.ndarray, codes: np.ndarray, n_known: int, seed: int
    ) -> tuple[int, dict[int, float]]:
        """(number of novel classes, silhouette per candidate) for ``n_novel="auto"``."""
        unl = codes == UNLABELED
        n_u = int(unl.sum())
        if self.method.startswith("gcd"):
            k, probe, sil = A.estimate_n_novel_gcd(
                Z, codes, n_known, min(self.k_max, max(1, n_u - 1)), n_init=10, random_state=seed
            )
            self.details_.setdefault("probe_accuracy", probe)
            return int(k), sil
        Zu = Z[unl]
        if seed != self._seed:  # a repeat: another seed on 80% of the unlabeled rows
            rng = np.random.default_rng(seed)
            Zu = Zu[rng.choice(n_u, max(3, int(0.8 * n_u)), replace=False)]
        k, sil = A.estimate_n_clusters(Zu, 2, min(self.k_max, len(Zu) - 1), random_state=seed)
        return int(k), sil

    def _check_on_hidden(self, Z: np.ndarray, codes: np.ndarray, seed: int) -> list[dict[str, int]]:
        """The estimate on known classes hidden as if novel (the only unlabeled rows)."""
        from .tuning import hidden_class_splits

        min_hidden = 1 if self.method.startswith("gcd") else 2
        n_known = len(np.unique(codes[codes != UNLABELED]))
        if n_known < 2 + min_hidden:
            return []
        rows = np.flatnonzero(codes != UNLABELED)
        out = []
        splits = hidden_class_splits(codes, _CHECK_SPLITS, 0.5, seed, min_hidden=min_hidden)
        for s, hidden in enumerate(splits):
            sub = codes[rows]
            visible = np.setdiff1d(np.unique(sub), hidden)
            remap = np.full(sub.max() + 1, UNLABELED)
            remap[visible] = np.arange(len(visible))
            k, _ = self._estimate(Z[rows], remap[sub], len(visible), seed + 100 + s)
            out.append({"true": int(len(hidden)), "estimated": int(k)})
        return out

    def _warnings(self) -> list[str]:
        out = []
        sil = self.cluster_silhouette_
        if sil is not None and sil < WEAK_SILHOUETTE:
            out.append(
                f"the cluster structure is weak (mean silhouette {sil:.2f}, below "
                f"{WEAK_SILHOUETTE}): the clusters overlap, so the number of novel classes and "
                "the rows' assignments are uncertain; check the typical rows of each cluster "
                "before naming it"
            )
        missed = [c for c in self.n_novel_check_ if c["estimated"] != c["true"]]
        if missed:
            shown = ", ".join(f"{c['estimated']} for {c['true']}" for c in self.n_novel_check_)
            out.append(
                f"on known classes hidden as if novel, the estimate of the number of novel "
                f"classes found {shown}; treat n_novel={self.n_novel_} as a rough guide and "
                "give --n-novel if you know it"
            )
        return out

    def _features(self, X: Any) -> np.ndarray:
        """The encoded table; numeric columns back in their own units unless standardizing."""
        Z = np.asarray(self.encoder_.transform(X), dtype=float)
        if not self.standardize:
            names = self.encoder_.get_feature_names_out()
            Z = Z * np.array([self.encoder_.scale_.get(str(n), 1.0) for n in names])
        return Z

    @staticmethod
    def _centroids(Zl, yl, Zu, labels, n_known: int, n_novel: int) -> np.ndarray:
        """Class and cluster means (a cluster that got no row sits at the unlabeled mean)."""
        known = np.array([Zl[yl == c].mean(0) for c in range(n_known)])
        novel = np.array(
            [Zu[labels == j].mean(0) if (labels == j).any() else Zu.mean(0) for j in range(n_novel)]
        )
        return np.vstack([known, novel])

    def predict(self, X: Any, novel_only: bool = False) -> np.ndarray:
        """Assign new rows to the nearest known class or novel cluster (centroid methods).

        ``novel_only=True`` assigns among the novel clusters only (for rows known to be
        novel, as when scoring discovery). For ``"pbn"``, ``"tabularncd"`` and ``"spectral"``,
        whose space or
        clustering belongs to the fitted rows, this raises; use ``labels_``.
        """
        check_is_fitted(self, "labels_")
        if self.method in (*_DEEP_METHODS, "spectral"):
            raise InputError(
                f"method={self.method!r} discovers clusters of the fitted rows only; read "
                "labels_ (refit with the new rows to place them)"
            )
        Z = self._features(X)
        n_known = len(self.known_classes_)
        if novel_only:
            nearest, _ = A.assignment_confidence(Z, self.centroids_[n_known:])
            return self.cluster_names_[n_known + nearest]
        nearest, _ = A.assignment_confidence(Z, self.centroids_)  # a new row may be known
        return self.cluster_names_[nearest]


def _silhouette(Z: np.ndarray, labels: np.ndarray, seed: int, max_rows: int = 2000) -> float | None:
    """Mean silhouette of ``labels`` in ``Z`` (on at most ``max_rows`` rows)."""
    from sklearn.metrics import silhouette_score

    rows = np.arange(len(Z))
    if len(Z) > max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(len(Z), max_rows, replace=False))
    n_labels = len(np.unique(labels[rows]))
    if n_labels < 2 or n_labels >= len(rows):
        return None
    return float(silhouette_score(Z[rows], labels[rows]))
