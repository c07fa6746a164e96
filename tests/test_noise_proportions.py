"""Label proportions: the E-step, the proportion loss and its gradient by hand, bag folds,
EM-LLP and the LightGBM proportion loss recovering row labels from bags of 8, bag columns,
bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.utils.estimator_checks import parametrize_with_checks

from fewlabels.data.labels import proportions_target
from fewlabels.evidence import Evidence
from fewlabels.exceptions import InputError
from fewlabels.noise import (
    ProportionsClassifier,
    bag_cross_validate,
    bag_folds,
    bag_majority_labels,
    match_bag_proportions,
    proportion_loss,
    proportion_loss_gradient,
)


def _bagged(seed, n=400, bag_size=8, n_classes=2):
    """Separable rows (the class is a band of the first feature), cut into random bags;
    returns X, the true classes, the bag of each row, and each bag's shares."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    cuts = np.linspace(-1, 1, n_classes + 1)[1:-1] if n_classes > 2 else [0.0]
    truth = np.digitize(X[:, 0], cuts)
    bags = rng.permutation(np.arange(n) // bag_size)
    shares = {
        int(b): {k: float(np.mean(truth[bags == b] == k)) for k in range(n_classes)}
        for b in np.unique(bags)
    }
    return X, truth, bags, shares


# ----------------------------------------------------------------------------- by hand
def test_match_bag_proportions_by_hand():
    # One bag of two rows with shares 0.5 / 0.5 and probabilities of class 1 of 0.8 and
    # 0.6: the scaled labels are [a, b*f] / norm with the column sums 1 and 1. By
    # symmetry the solution is q1 = 1 - q0 for class 1: row 0 gets q = 0.8 r / (0.2 + 0.8 r)
    # with r chosen so that q(0.8) + q(0.6) = 1, i.e. r = 1 / sqrt(0.8 * 0.6 / (0.2 * 0.4))
    r = 1 / np.sqrt((0.8 * 0.6) / (0.2 * 0.4))
    q0 = 0.8 * r / (0.2 + 0.8 * r)
    q1 = 0.6 * r / (0.4 + 0.6 * r)
    soft = match_bag_proportions([[0.2, 0.8], [0.4, 0.6]], [0, 0], [[0.5, 0.5]])
    np.testing.assert_allclose(soft[:, 1], [q0, q1], atol=1e-6)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0)
    # bags of one keep their proportions; a class with share 0 gets 0; no bag: zeros
    soft = match_bag_proportions(
        [[0.9, 0.1], [0.5, 0.5], [0.3, 0.7]], [0, 1, -1], [[0.0, 1.0], [0.25, 0.75]]
    )
    np.testing.assert_allclose(soft, [[0.0, 1.0], [0.25, 0.75], [0.0, 0.0]], atol=1e-9)


def test_proportion_loss_by_hand():
    # bag 0: rows [0.9, 0.1], [0.1, 0.9] -> mean [0.5, 0.5]; shares [0.5, 0.5]: ln 2
    assert proportion_loss([[0.9, 0.1], [0.1, 0.9]], [0, 0], [[0.5, 0.5]]) == pytest.approx(
        np.log(2)
    )
    # bags of one with one-hot shares: the ordinary log-loss
    rng = np.random.default_rng(0)
    P = rng.dirichlet([1, 1, 1], 20)
    y = rng.integers(0, 3, 20)
    loss = proportion_loss(P, np.arange(20), np.eye(3)[y])
    assert loss == pytest.approx(log_loss(y, P, labels=[0, 1, 2]))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gradient_matches_finite_differences(global_random_seed, n_classes):
    rng = np.random.default_rng(global_random_seed)
    n = 12
    bags = np.r_[np.zeros(5, int), np.ones(4, int), np.full(3, 2)]
    P = rng.dirichlet(np.ones(n_classes), 3)
    raw = rng.normal(size=n) if n_classes == 2 else rng.normal(size=(n, n_classes))

    def total(r):
        if r.ndim == 1:
            p = 1 / (1 + np.exp(-r))
            Q = np.c_[1 - p, p]
        else:
            Q = np.exp(r) / np.exp(r).sum(axis=1, keepdims=True)
        return proportion_loss(Q, bags, P) * n  # the gradient is of the summed loss

    grad, hess = proportion_loss_gradient(raw, bags, P)
    numeric = np.zeros_like(raw)
    eps = 1e-6
    for idx in np.ndindex(raw.shape):
        up, down = raw.copy(), raw.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (total(up) - total(down)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, atol=1e-5)
    assert (hess > 0).all()


def test_gradient_of_bags_of_one_is_the_logistic_one():
    g, h = proportion_loss_gradient([0.0, 2.0], [0, 1], [[0.0, 1.0], [1.0, 0.0]])
    p = 1 / (1 + np.exp(-np.array([0.0, 2.0])))
    np.testing.assert_allclose(g, p - [1, 0])
    np.testing.assert_allclose(h, p * (1 - p))


def test_bag_majority_and_folds():
    assert bag_majority_labels([1, 0, 0, -1], [[0.2, 0.8], [0.6, 0.4]]).tolist() == [0, 1, 1, -1]
    bags = np.repeat(np.arange(10), 3)
    bags[-1] = -1
    folds = bag_folds(bags, 4, random_state=0)
    test_rows = np.concatenate(folds)
    assert sorted(test_rows.tolist()) == list(range(29))  # every row in a bag, once
    for f in folds:  # whole bags: a bag is in one fold only
        others = np.setdiff1d(np.arange(30), f)
        assert not set(bags[f]) & set(bags[others][bags[others] >= 0])


# ----------------------------------------------------------------------------- learning
@pytest.mark.parametrize("method", ["em", "lightgbm-proportion-loss"])
def test_recovers_row_labels_from_bags_of_8(global_random_seed, method):
    X, truth, bags, shares = _bagged(global_random_seed)
    clf = ProportionsClassifier(bags=bags, proportions=shares, method=method, random_state=0)
    clf.fit(X)
    assert (clf.predict(X) == truth).mean() > 0.85  # 0.89 to 0.99 over seeds 0-29
    assert clf.n_bags_ == 50 and clf.n_labeled_ == 400
    # the bag-majority baseline is far worse on bags this mixed
    majority = bag_majority_labels(*_codes(bags, shares))
    assert (clf.predict(X) == truth).mean() > (majority == truth).mean() + 0.1


def _codes(bags, shares):
    t = proportions_target(bags, shares)
    return t.bags, t.proportions


@pytest.mark.parametrize("method", ["em", "lightgbm-proportion-loss"])
def test_three_classes(method):
    X, truth, bags, shares = _bagged(1, n=480, n_classes=3)
    clf = ProportionsClassifier(bags=bags, proportions=shares, method=method, random_state=0)
    assert (clf.fit(X).predict(X) == truth).mean() > 0.85
    assert clf.classes_.tolist() == [0, 1, 2]


def test_em_takes_any_classifier_with_weights():
    X, truth, bags, shares = _bagged(2)
    clf = ProportionsClassifier(bags, shares, method="em", estimator=LogisticRegression())
    assert (clf.fit(X).predict(X) == truth).mean() > 0.9
    assert clf.soft_labels_.shape == (400, 2)
    np.testing.assert_allclose(clf.soft_labels_.sum(axis=1), 1.0)


def test_a_bag_column_and_a_target():
    X, truth, bags, shares = _bagged(3)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["region"] = [f"r{b}" for b in bags]
    named = {f"r{b}": {"no": s[0], "yes": s[1]} for b, s in shares.items()}
    clf = ProportionsClassifier(bags="region", proportions=named, random_state=0).fit(frame)
    assert clf.n_features_in_ == 3 and clf.classes_.tolist() == ["no", "yes"]
    assert isinstance(clf.evidence_, Evidence) and "held-out bag" in clf.evidence_.verdict()
    with_col = clf.predict(frame)
    np.testing.assert_array_equal(with_col, clf.predict(frame.drop(columns="region")))
    assert (with_col == np.where(truth == 1, "yes", "no")).mean() > 0.9
    # the same bags as a parsed target give the same model
    target = proportions_target(frame["region"], named)
    again = ProportionsClassifier(random_state=0).fit(frame.drop(columns="region"), target)
    bare = frame.drop(columns="region")
    np.testing.assert_allclose(again.predict_proba(bare), clf.predict_proba(bare))


def test_bag_cross_validate_holds_bags_out():
    X, truth, bags, shares = _bagged(4)
    target = proportions_target(bags, shares)
    scores = bag_cross_validate(ProportionsClassifier(random_state=0), X, target, 3, 0, truth)
    assert len(scores["bag_error"]) == 3 and len(scores["accuracy"]) == 3
    assert min(scores["accuracy"]) > 0.85
    assert max(scores["bag_error"]) < 0.15


def test_supervised_when_every_row_is_its_own_bag():
    X, truth, _, _ = _bagged(5)
    y = truth.astype(float)
    y[::4] = np.nan  # unlabeled rows are in no bag
    clf = ProportionsClassifier(random_state=0).fit(X, y)
    assert clf.n_bags_ == 300 and clf.n_labeled_ == 300
    assert (clf.predict(X) == truth).mean() > 0.9


# ----------------------------------------------------------------------------- errors
def test_proportions_that_do_not_sum_to_one():
    X, _, bags, shares = _bagged(6)
    shares[0] = {0: 0.5, 1: 0.7}
    with pytest.raises(InputError, match="class shares must be non-negative and sum to 1"):
        ProportionsClassifier(bags=bags, proportions=shares).fit(X)
    with pytest.raises(InputError, match="sum to 1"):
        match_bag_proportions([[0.5, 0.5]], [0], [[0.5, 0.6]])


def test_a_bag_column_with_one_bag():
    X, _, _, _ = _bagged(7)
    with pytest.raises(InputError, match="the bag column holds a single bag"):
        ProportionsClassifier(bags=np.zeros(len(X)), proportions={0.0: {0: 0.5, 1: 0.5}}).fit(X)


def test_a_bag_missing_from_proportions():
    X, _, bags, shares = _bagged(8)
    del shares[3]
    with pytest.raises(InputError, match=r"rows name bags without proportions \(3\)"):
        ProportionsClassifier(bags=bags, proportions=shares).fit(X)


def test_other_bad_input():
    X, truth, bags, shares = _bagged(9)
    with pytest.raises(InputError, match="bags without proportions"):
        ProportionsClassifier(bags=bags).fit(X)
    with pytest.raises(InputError, match="proportions without bags"):
        ProportionsClassifier(proportions=shares).fit(X, truth)
    with pytest.raises(InputError, match="got both y and bags"):
        ProportionsClassifier(bags=bags, proportions=shares).fit(X, truth)
    with pytest.raises(InputError, match="X has no column 'region'"):
        ProportionsClassifier(bags="region", proportions=shares).fit(X)
    with pytest.raises(InputError, match="boosts LightGBM trees"):
        ProportionsClassifier(bags, shares, estimator=LogisticRegression()).fit(X)
    with pytest.raises(InputError, match="cannot make 5 folds of whole bags from 2"):
        bag_folds([0, 0, 1, 1], 5)
    with pytest.raises(InputError, match="bag_cross_validate takes a proportions target"):
        bag_cross_validate(ProportionsClassifier(), X, truth)


# ----------------------------------------------------------------------------- checks
# tests/test_estimators.py checks the default (the proportion loss); this is EM-LLP. Both
# run on ordinary class targets (bags=None: every labeled row a bag of one).
@parametrize_with_checks(
    [ProportionsClassifier(method="em", max_iter=3)],
    expected_failed_checks=lambda est: {
        "check_classifiers_classes": "-1 marks unlabeled rows in an integer target"
    },
)
def test_sklearn_compatible_em(estimator, check):
    check(estimator)


def test_evidence_holds_whole_bags_out_against_the_overall_shares():
    X, truth, bags, shares = _bagged(0)
    clf = ProportionsClassifier(bags=bags, proportions=shares, random_state=0).fit(X)
    held, base = clf.cv_results_["bag_error"], clf.cv_results_["baseline_bag_error"]
    assert len(held) == 5 and np.mean(held) < 0.6 * np.mean(base)  # the features help
    assert "held-out bag" in clf.evidence_.skipped_reason
    assert "closer to the truth" in clf.evidence_.skipped_reason
    # the held-out check leaves the fitted model as it was
    plain = ProportionsClassifier(bags=bags, proportions=shares, cv=None, random_state=0).fit(X)
    assert plain.cv_results_ is None
    np.testing.assert_allclose(plain.predict_proba(X), clf.predict_proba(X))
    # noise features: the held-out bags are no closer than the overall shares
    noise = np.random.RandomState(1).normal(size=X.shape)
    blind = ProportionsClassifier(bags=bags, proportions=shares, random_state=0).fit(noise)
    assert np.mean(blind.cv_results_["bag_error"]) > 0.8 * np.mean(
        blind.cv_results_["baseline_bag_error"]
    )
