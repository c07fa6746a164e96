"""The two-sample test of labeled against unlabeled rows, and auto's use of it."""

import numpy as np
import pytest

from fewlabels.auto import AutoClassifier
from fewlabels.data.sampling import mmd_permutation_test, selection_bias_test


def _table(n=800, d=5, seed=0):
    rng = np.random.RandomState(seed)
    Z = rng.normal(size=(n, d))
    y = (Z[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return Z, y


def test_random_samples_pass_and_biased_ones_fail():
    Z, _ = _table()
    rng = np.random.RandomState(1)
    p_random = []
    for _ in range(20):
        picked = np.zeros(len(Z), dtype=bool)
        picked[rng.choice(len(Z), 20, replace=False)] = True
        p_random.append(selection_bias_test(Z, picked, random_state=0).p_value)
    # under the null the p-value is about uniform: few below 0.01, many above 0.2
    assert sum(p < 0.01 for p in p_random) <= 2
    assert np.median(p_random) > 0.2
    extreme = np.zeros(len(Z), dtype=bool)
    extreme[np.argsort(-np.abs(Z[:, 0]))[:20]] = True  # the rows far out on one axis
    result = selection_bias_test(Z, extreme, random_state=0)
    assert result.biased and result.p_value < 0.01
    assert "not a random sample" in result.sentence()


def test_statistic_is_the_mmd_and_too_few_rows_give_none():
    rng = np.random.RandomState(0)
    A, B = rng.normal(size=(6, 2)), rng.normal(size=(9, 2))
    stat, p = mmd_permutation_test(A, B, n_permutations=50, random_state=0)
    Z = np.vstack([A, B])
    d2 = ((Z[:, None] - Z[None]) ** 2).sum(-1)
    K = np.exp(-d2 / np.median(d2[d2 > 0]))
    expected = K[:6, :6].mean() + K[6:, 6:].mean() - 2 * K[:6, 6:].mean()
    assert stat == pytest.approx(expected)
    assert 0 < p <= 1
    assert selection_bias_test(Z, np.arange(15) < 2) is None


def test_auto_warns_only_under_selection_bias():
    Z, y = _table(600)
    rng = np.random.RandomState(0)
    biased = np.full(len(y), -1)
    far = np.argsort(-np.abs(Z[:, 0]))[:60]  # labeled: far out on a feature
    pick = np.concatenate([rng.choice(far[y[far] == c], 6, replace=False) for c in (0, 1)])
    biased[pick] = y[pick]
    auto = AutoClassifier(["random-forest", "logreg"], time_limit=None, random_state=0)
    auto.fit(Z, biased)
    assert auto.selection_bias_.biased
    assert any("not a random sample" in w for w in auto.evidence_.warnings)
    at_random = np.full(len(y), -1)
    pick = np.concatenate([rng.choice(np.flatnonzero(y == c), 6, replace=False) for c in (0, 1)])
    at_random[pick] = y[pick]
    auto.fit(Z, at_random)
    assert not auto.selection_bias_.biased
    assert not any("not a random sample" in w for w in auto.evidence_.warnings)
