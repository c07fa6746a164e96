"""Were the labeled rows drawn at random? A two-sample test of labeled against unlabeled rows.

Few labels are rarely a random sample: someone labeled the easy cases, the recent ones, or
the ones a rule flagged. Then scores measured on the labeled rows may not carry over to
the rest, and a model that extrapolates (a linear one) is riskier than one that stays near
its data (a forest). :func:`selection_bias_test` compares the two sets of rows with the
maximum mean discrepancy (MMD, Gretton et al., JMLR 2012) under a Gaussian kernel whose
width is the median pairwise distance, and a permutation p-value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["BIAS_ALPHA", "SelectionBias", "mmd_permutation_test", "selection_bias_test"]

#: The p-value below which the labeled rows are called a biased sample.
BIAS_ALPHA = 0.01


@dataclass(frozen=True)
class SelectionBias:
    """The outcome of :func:`selection_bias_test`."""

    statistic: float
    p_value: float
    n_labeled: int
    n_unlabeled: int
    alpha: float = BIAS_ALPHA

    @property
    def biased(self) -> bool:
        return self.p_value < self.alpha

    def sentence(self) -> str:
        """One sentence for a report."""
        if self.biased:
            return (
                f"the labeled rows differ from the unlabeled ones (MMD two-sample test, p = "
                f"{self.p_value:.3f}): they are not a random sample of the table, so scores "
                "measured on them may not carry over to the other rows; label some rows "
                "drawn at random to check"
            )
        return (
            f"the labeled rows look like a random sample of the table (MMD two-sample test, "
            f"p = {self.p_value:.2f})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "p_value": self.p_value,
            "n_labeled": self.n_labeled,
            "n_unlabeled": self.n_unlabeled,
            "biased": self.biased,
        }


def mmd_permutation_test(
    A: np.ndarray, B: np.ndarray, n_permutations: int = 300, random_state: Any = None
) -> tuple[float, float]:
    """The biased MMD² of rows ``A`` against rows ``B`` and its permutation p-value.

    The Gaussian kernel's width is the median squared distance between the rows. The
    p-value counts the permutations (of which rows are called ``A``) whose statistic is at
    least the observed one, plus one, over ``n_permutations + 1``.

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> _, p_same = mmd_permutation_test(rng.normal(size=(20, 3)), rng.normal(size=(200, 3)), random_state=0)
    >>> _, p_shift = mmd_permutation_test(rng.normal(1, 1, (20, 3)), rng.normal(size=(200, 3)), random_state=0)
    >>> p_same > 0.05, p_shift < 0.01
    (True, True)
    """
    rng = check_random_state(random_state)
    Z = np.vstack([A, B]).astype(float)
    n, n1 = len(Z), len(A)
    sq = (Z**2).sum(axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * Z @ Z.T, 0.0)
    positive = d2[d2 > 0]
    width = float(np.median(positive)) if positive.size else 1.0
    K = np.exp(-d2 / width)
    masks = np.zeros((n, n_permutations + 1))
    masks[:n1, 0] = 1.0
    for j in range(1, n_permutations + 1):
        masks[rng.choice(n, n1, replace=False), j] = 1.0
    KM = K @ masks  # per mask: each row's kernel sum over the "A" rows
    total = K.sum()
    aa = np.einsum("ij,ij->j", masks, KM)
    ab = KM.sum(axis=0) - aa
    bb = total - aa - 2 * ab
    n2 = n - n1
    stats = aa / n1**2 + bb / n2**2 - 2 * ab / (n1 * n2)
    p = (1 + np.sum(stats[1:] >= stats[0] - 1e-12)) / (1 + n_permutations)
    return float(stats[0]), float(p)


def selection_bias_test(
    Z: np.ndarray,
    labeled: np.ndarray,
    max_unlabeled: int = 500,
    n_permutations: int = 300,
    alpha: float = BIAS_ALPHA,
    random_state: Any = None,
) -> SelectionBias | None:
    """Test whether the labeled rows of a numeric table are a random sample of its rows.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        A numeric view of the table (standardized numbers, one-hot categories; no NaN).
    labeled : ndarray of bool, shape (n_samples,)
    max_unlabeled : int, default=500
        Unlabeled rows sampled for the test (all when fewer).
    n_permutations : int, default=300
    alpha : float, default=0.01
    random_state : int, RandomState or None

    Returns
    -------
    SelectionBias or None
        None when there are fewer than 3 labeled or 3 unlabeled rows.

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> Z = rng.normal(size=(600, 4))
    >>> picked = np.zeros(600, dtype=bool); picked[np.argsort(-np.abs(Z[:, 0]))[:20]] = True
    >>> selection_bias_test(Z, picked, random_state=0).biased
    True
    >>> selection_bias_test(Z, rng.permutation(picked), random_state=0).biased
    False
    """
    rng = check_random_state(random_state)
    labeled = np.asarray(labeled, dtype=bool)
    lab, unl = np.flatnonzero(labeled), np.flatnonzero(~labeled)
    if len(lab) < 3 or len(unl) < 3:
        return None
    if len(unl) > max_unlabeled:
        unl = rng.choice(unl, max_unlabeled, replace=False)
    Z = np.nan_to_num(np.asarray(Z, dtype=float))
    stat, p = mmd_permutation_test(Z[lab], Z[unl], n_permutations, rng)
    return SelectionBias(stat, p, len(lab), len(unl), alpha)
