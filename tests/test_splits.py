import numpy as np
import pandas as pd
import pytest

from fewlabels.datasets import make_ssl_split, selection_bias_weights
from fewlabels.exceptions import InputError


@pytest.fixture
def y():
    return np.repeat(["a", "b", "c"], [200, 100, 50])


def _check_partition(s, n):
    parts = np.concatenate([s.labeled, s.unlabeled, s.test])
    assert len(parts) == n and len(np.unique(parts)) == n  # disjoint and complete


def test_fraction_is_per_class_and_stratified(y):
    s = make_ssl_split(y, labeled=0.1, test_size=0.3, random_state=0)
    _check_partition(s, len(y))
    assert pd.Series(y[s.test]).value_counts().to_dict() == {"a": 60, "b": 30, "c": 15}
    assert pd.Series(y[s.labeled]).value_counts().to_dict() == {"a": 14, "b": 7, "c": 4}


def test_total_count_is_exact_with_min_per_class(y):
    for total in (3, 10, 37, 100):
        s = make_ssl_split(y, labeled=total, test_size=0.3, random_state=1)
        assert len(s.labeled) == total
        assert set(y[s.labeled]) == {"a", "b", "c"}


def test_per_class_counts(y):
    s = make_ssl_split(y, labeled={"a": 5, "b": 2, "c": 1}, test_size=0.0, random_state=0)
    assert pd.Series(y[s.labeled]).value_counts().to_dict() == {"a": 5, "b": 2, "c": 1}
    assert len(s.test) == 0


def test_tiny_fraction_still_labels_every_class(y):
    s = make_ssl_split(y, labeled=0.001, min_per_class=2, random_state=0)
    assert pd.Series(y[s.labeled]).value_counts().to_dict() == {"a": 2, "b": 2, "c": 2}


def test_seeds_reproduce_and_differ(y):
    a = make_ssl_split(y, labeled=0.1, random_state=3)
    b = make_ssl_split(y, labeled=0.1, random_state=3)
    c = make_ssl_split(y, labeled=0.1, random_state=4)
    assert np.array_equal(a.labeled, b.labeled) and np.array_equal(a.test, b.test)
    assert not np.array_equal(a.labeled, c.labeled)


def test_masked_target(y):
    s = make_ssl_split(y, labeled=0.1, random_state=0)
    masked = s.masked_target(y)
    assert len(masked) == len(s.train)
    assert sum(v is not None for v in masked) == len(s.labeled)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"labeled": 2}, "cannot give 1 per class"),
        ({"labeled": 1.5}, "labeled must be"),
        ({"labeled": {"a": 1}}, "lack classes"),
        ({"labeled": {"a": 1, "b": 1, "c": 999}}, "ask for fewer labels"),
        ({"labeled": 0.1, "bias": 1.0}, "needs the features"),
    ],
)
def test_bad_requests(y, kwargs, match):
    with pytest.raises(InputError, match=match):
        make_ssl_split(y, random_state=0, **kwargs)


def test_selection_bias_is_measurable():
    """Biased labeling picks rows far out on each class's first principal component."""
    rng = np.random.default_rng(0)
    n = 600
    y = np.repeat([0, 1], n // 2)
    z = rng.normal(size=n)  # within each class the features move together: PC1 is (1, 1)
    X = pd.DataFrame(
        {"a": z + 0.1 * rng.normal(size=n) + 5 * y, "b": z + 0.1 * rng.normal(size=n) + 5 * y}
    )
    centred = X - X.groupby(y).transform("mean")
    proj = np.abs(centred["a"] + centred["b"]).to_numpy()

    def gap(bias):
        s = make_ssl_split(y, labeled=40, X=X, bias=bias, random_state=0)
        assert np.bincount(y[s.labeled]).tolist() == [20, 20]  # class proportions kept
        return proj[s.labeled].mean() / proj[s.unlabeled].mean()

    assert 0.8 < gap(None) < 1.25  # uniform: labeled rows are typical
    assert gap(2.0) > 1.4  # biased: labeled rows sit far out on PC1
    assert gap(4.0) > gap(1.0) > gap(None)


def test_bias_weights_follow_the_formula():
    Z = np.array([[-2.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    w = selection_bias_weights(Z, 1.0)
    proj = np.abs(Z[:, 0] - Z[:, 0].mean())
    expected = np.exp(proj) / np.exp(proj).sum()
    np.testing.assert_allclose(w, expected)
