"""PU learning: Elkan-Noto's c and best-bin estimation by hand, a known c recovered, the
prior's interval covering the truth, the three methods, the target encodings, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from fewlabels.evidence import Evidence
from fewlabels.exceptions import InputError
from fewlabels.noise import (
    PUClassifier,
    best_bin_prior,
    bootstrap_prior_interval,
    elkan_noto_c,
    estimate_prior,
    lee_liu_score,
    nnpu_gradient,
    positive_class_scores,
    positive_unlabeled_target,
    prior_from_c,
)


def _scar(seed, n=600, prior=0.5, c=0.3, sep=6.0):
    """SCAR data: positives shifted by ``sep`` on two of three features, each positive
    labeled with probability ``c``. Returns X, the true classes, the labeled mask."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < prior
    X = rng.normal(size=(n, 3))
    X[y, :2] += sep
    labeled = y & (rng.random(n) < c)
    return X, y, labeled


def _target(labeled, positive=1):
    return np.where(labeled, positive, None).astype(object)


# ----------------------------------------------------------------------------- by hand
def test_elkan_noto_c_by_hand():
    # labeled rows 0, 1 score 0.6 and 0.4; unlabeled rows 2..5 score 0.5, 0.3, 0.2, 0.0
    labeled = [1, 1, 0, 0, 0, 0]
    scores = [0.6, 0.4, 0.5, 0.3, 0.2, 0.0]
    assert elkan_noto_c(labeled, scores, "e1") == pytest.approx(0.5)  # (0.6 + 0.4) / 2
    assert elkan_noto_c(labeled, scores, "e2") == pytest.approx(1.0 / 2.0)  # 1.0 / 2.0
    assert elkan_noto_c(labeled, scores, "e3") == pytest.approx(0.6)  # the largest
    # prior = labeled share / c = (2 / 6) / 0.5
    assert prior_from_c(labeled, 0.5) == pytest.approx(2 / 3)
    assert estimate_prior(labeled, scores, "e1") == pytest.approx((2 / 3, 0.5))


def test_best_bin_prior_by_hand():
    # 10 labeled positives at 0.9; unlabeled: 5 at 0.9, 15 at 0.2. Above t = 0.9: all the
    # positives (q_p = 1) and 5 of 20 unlabeled (q_u = 0.25); lower thresholds add only
    # unlabeled rows. alpha = 0.25, prior = (10 + 0.25 * 20) / 30 = 0.5.
    labeled = [1] * 10 + [0] * 20
    scores = [0.9] * 15 + [0.2] * 15
    assert best_bin_prior(labeled, scores) == pytest.approx(0.5)
    assert estimate_prior(labeled, scores, "bbe") == pytest.approx((0.5, 10 / 15))


def test_pu_metrics_by_hand():
    # labeled rows 0, 1; predicted positive: rows 0, 2, 3 -> recall 1/2, P(pred) 3/5
    assert lee_liu_score([1, 1, 0, 0, 0], [1, 0, 1, 1, 0]) == pytest.approx(0.25 / 0.6)
    assert lee_liu_score([1, 0], [0, 0]) == 0.0
    # true 0, 1, 2 positive; predicted 0, 3: tp 1, precision 1/2, recall 1/3, F1 0.4
    assert positive_class_scores([1, 1, 1, 0], [1, 0, 0, 1]) == pytest.approx((0.5, 1 / 3, 0.4))


def test_nnpu_gradient_by_hand():
    # raw 0: sigma 0.5; n = 4, n_p = 2, prior 0.5 -> w_p = 0.5 * 4 / 2 = 1, w_u = 2.
    # Negative part ln2 - 0.5 ln2 > 0: labeled -w_p * (0.5 + 0.5) = -1; unlabeled 2 * 0.5 = 1
    g, h = nnpu_gradient([0.0, 0.0, 0.0, 0.0], [1, 1, 0, 0], 0.5)
    np.testing.assert_allclose(g, [-1, -1, 1, 1])
    np.testing.assert_allclose(h, [0.25, 0.25, 0.5, 0.5])
    # unlabeled rows scored very negative, labeled very positive -> the negative part
    # R_u(-1) - pi R_p(-1) ~ 0 - 0.5 * 10 < 0: nnPU ascends it (signs flip)
    g, _ = nnpu_gradient([10.0, 10.0, -10.0, -10.0], [1, 1, 0, 0], 0.5)
    assert g[0] > 0 and g[2] < 0


# ----------------------------------------------------------------------------- known c
@pytest.mark.parametrize("prior_method", ["e1", "bbe"])
def test_elkan_noto_recovers_a_known_c(global_random_seed, prior_method):
    """SCAR labeling of 30% of the positives on separable classes: c within 0.08 (the
    largest error over seeds 0-29 is 0.068; the estimate's floor, the labeled share, is
    about 0.15 below the truth)."""
    X, y, labeled = _scar(global_random_seed, c=0.3)
    true_c = labeled.sum() / y.sum()
    clf = PUClassifier(method="elkan-noto", prior_method=prior_method, random_state=0)
    clf.fit(X, _target(labeled))
    assert abs(clf.c_ - true_c) < 0.08
    assert clf.c_ == pytest.approx(labeled.mean() / clf.prior_)
    # the prior is the labeled share over c: a c off by 0.06 moves it by about
    # prior * 0.06 / c = 0.1
    assert abs(clf.prior_ - y.mean()) < 0.1


def test_prior_interval_covers_the_truth(global_random_seed):
    """Scores that are exactly c * P(positive | x) (two Gaussians): over 20 samples, the
    95% interval covers each sample's share of positives in at least 17 (with a true
    coverage of 0.95, fewer than 17 happens about 1.6% of the time)."""
    rng = np.random.default_rng(global_random_seed)
    covered = 0
    for _ in range(20):
        n, prior, c = 1000, 0.4, 0.3
        y = rng.random(n) < prior
        x = rng.normal(size=n) + 3.0 * y
        odds = prior / (1 - prior) * np.exp(3.0 * x - 4.5)  # density ratio N(3, 1) / N(0, 1)
        scores = c * odds / (1 + odds)
        labeled = y & (rng.random(n) < c)
        low, high = bootstrap_prior_interval(labeled, scores, "bbe", 200, 0.95, rng.integers(1e9))
        covered += low <= y.mean() <= high
    assert covered >= 17


def test_interval_and_attributes_of_the_classifier():
    X, y, labeled = _scar(0, c=0.4)
    clf = PUClassifier(random_state=0).fit(X, _target(labeled))
    low, high = clf.prior_interval_
    assert low <= clf.prior_ <= high and low <= y.mean() <= high
    assert clf.label_frequency_ == pytest.approx(labeled.mean())
    assert clf.oof_scores_.shape == (len(y),)
    assert isinstance(clf.evidence_, Evidence)
    assert "class prior" in clf.evidence_.verdict()
    assert set(clf.pu_metrics_) >= {"prior", "prior_low", "prior_high", "c", "lee_liu"}


# ----------------------------------------------------------------------------- methods
@pytest.mark.parametrize("method", ["elkan-noto", "bagging", "nnpu"])
def test_methods_find_the_hidden_positives(global_random_seed, method):
    """F1 of the positive class on new rows of the same distribution."""
    X, y, labeled = _scar(global_random_seed, c=0.3, sep=4.0)
    X_new, y_new, _ = _scar(global_random_seed + 1, c=0.3, sep=4.0)
    clf = PUClassifier(method=method, random_state=0).fit(X, _target(labeled))
    _, _, f1 = positive_class_scores(y_new, clf.predict(X_new) == 1)
    assert f1 > 0.85
    # treating the unlabeled rows as negatives finds only about the labeled share
    naive = LogisticRegression().fit(X, labeled).predict(X_new)
    assert f1 > positive_class_scores(y_new, naive)[2] + 0.2


def test_a_known_prior_is_used():
    X, _, labeled = _scar(1)
    clf = PUClassifier(method="elkan-noto", prior=0.5, random_state=0).fit(X, _target(labeled))
    assert clf.prior_ == 0.5 and clf.prior_interval_ == (0.5, 0.5)
    assert "class prior 0.500 (given)" in clf.evidence_.verdict()
    assert clf.oof_scores_ is None
    assert clf.c_ == pytest.approx(labeled.mean() / 0.5)


def test_any_base_model_for_elkan_noto_and_bagging():
    X, y, labeled = _scar(2, sep=4.0)
    for method in ("elkan-noto", "bagging"):
        clf = PUClassifier(method=method, estimator=LogisticRegression(), cv=3, random_state=0)
        clf.fit(X, _target(labeled))
        assert positive_class_scores(y, clf.predict(X) == 1)[2] > 0.85


# ----------------------------------------------------------------------------- targets
def test_every_encoding_of_the_same_labels_gives_the_same_model():
    """Positives as 1 and unlabeled as missing, -1, 0 (the greater of two classes is the
    positive one), or anything with positive_label: one model."""
    X, _, labeled = _scar(3)
    encodings = [
        (np.where(labeled, 1.0, np.nan), None),
        (np.where(labeled, 1, -1), None),
        (np.where(labeled, 1, 0), None),
        (np.where(labeled, 1, 0), 1),
        (np.where(labeled, "1", "unknown").astype(object), "1"),
    ]
    probas = []
    for y, positive in encodings:
        clf = PUClassifier(method="elkan-noto", positive_label=positive, random_state=0)
        probas.append(clf.fit(X, y).predict_proba(X)[:, 1])
        assert clf.n_labeled_ == labeled.sum()
    for p in probas[1:]:
        np.testing.assert_allclose(p, probas[0])


def test_positive_label_makes_every_other_row_unlabeled():
    X, _, labeled = _scar(4)
    rng = np.random.default_rng(0)
    y = np.where(labeled, "fraud", rng.choice(np.array(["ok", None], dtype=object), len(X)))
    clf = PUClassifier(positive_label="fraud", random_state=0).fit(X, y)
    assert clf.classes_.tolist() == ["ok", "fraud"]  # the one other value names negatives
    assert clf.n_labeled_ == labeled.sum()
    assert set(clf.predict(X)) <= {"ok", "fraud"}
    y3 = np.where(labeled, "fraud", rng.choice(np.array(["ok", "maybe"], dtype=object), len(X)))
    clf = PUClassifier(positive_label="fraud", random_state=0).fit(X, y3)
    assert clf.classes_.tolist() == ["not fraud", "fraud"]
    clf = PUClassifier(positive_label="fraud", negative_label="legit", random_state=0).fit(X, y3)
    assert clf.classes_.tolist() == ["legit", "fraud"]


def test_the_target_reader_for_a_workflow():
    """What fit_table would call once: the labeled mask, both class names."""
    y = pd.Series([2.0, np.nan, 7.0, 2.0, 5.0])
    target, positive, negative = positive_unlabeled_target(y, "2")
    assert target.task == "positive-unlabeled" and target.labeled.tolist() == [1, 0, 0, 1, 0]
    assert (positive, negative) == (2, 0)  # two other values: 0 names the negatives
    target, positive, negative = positive_unlabeled_target([1, None, 1])
    assert target.labeled.tolist() == [True, False, True] and (positive, negative) == (1, 0)


def test_a_csv_column_with_a_text_positive_label():
    """The CLI passes text: '1' finds the integer class 1 of a column of 1.0 and blanks."""
    X, _, labeled = _scar(5)
    y = pd.Series(np.where(labeled, 1.0, np.nan))
    clf = PUClassifier(positive_label="1", random_state=0).fit(X, y)
    assert clf.classes_.tolist() == [0, 1]


def test_tables_with_categories():
    X, y, labeled = _scar(6, sep=4.0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["kind"] = pd.Categorical(np.where(y, "p", "q"))
    clf = PUClassifier(random_state=0).fit(frame, _target(labeled))
    assert positive_class_scores(y, clf.predict(frame) == 1)[2] > 0.9


# ----------------------------------------------------------------------------- errors
def test_no_positive():
    X, _, _ = _scar(7)
    with pytest.raises(InputError, match="no row holds the positive label 'yes'"):
        PUClassifier(positive_label="yes").fit(X, np.full(len(X), "no", dtype=object))
    with pytest.raises(InputError, match="no row has a label"):
        PUClassifier().fit(X, np.full(len(X), np.nan))
    with pytest.raises(InputError, match="no row is a labeled positive"):
        elkan_noto_c(np.zeros(4, bool), np.zeros(4))


def test_all_positive():
    X, _, _ = _scar(8)
    with pytest.raises(InputError, match="every row is labeled 1: PU learning needs unlabeled"):
        PUClassifier().fit(X, np.ones(len(X), int))
    with pytest.raises(InputError, match="every row is a labeled positive"):
        best_bin_prior(np.ones(4, bool), np.full(4, 0.5))


def test_other_bad_input():
    X, _, labeled = _scar(9)
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        PUClassifier().fit(X, np.arange(len(X)) % 3)
    with pytest.raises(InputError, match="below the share of labeled positives"):
        PUClassifier(method="elkan-noto", prior=0.01).fit(X, _target(labeled))
    with pytest.raises(InputError, match="method='nnpu' boosts LightGBM"):
        PUClassifier(method="nnpu", estimator=LogisticRegression()).fit(X, _target(labeled))
    with pytest.raises(InputError, match="at least 2 labeled positives"):
        PUClassifier().fit(X, _target(np.arange(len(X)) == 0))
    with pytest.raises(InputError, match=r"scores must be probabilities in \[0, 1\]"):
        estimate_prior([1, 0], [0.5, 1.5])
    with pytest.raises(InputError, match="method must be one of"):
        estimate_prior([1, 0], [0.5, 0.5], method="tice")


# ----------------------------------------------------------------------------- checks
# The common checks run on the default (bagging) through tests/test_estimators.py; these
# are the other two methods. -1 marks unlabeled rows in an integer target, as everywhere.
@parametrize_with_checks(
    [PUClassifier(method="elkan-noto", cv=2), PUClassifier(method="nnpu", cv=2)],
    expected_failed_checks=lambda est: {
        "check_classifiers_classes": "-1 marks unlabeled rows in an integer target"
    },
)
def test_sklearn_compatible_methods(estimator, check):
    check(estimator)


def test_positive_label_holds_when_the_target_is_parsed_upstream():
    from fewlabels.data.labels import encode_target
    from fewlabels.noise import PUClassifier

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (100, 2)), rng.normal(3, 1, (100, 2))]
    y = np.array(["b"] * 100 + ["a"] * 30 + [None] * 70, dtype=object)  # "a" < "b"
    raw = PUClassifier(positive_label="a", random_state=0).fit(X, y)
    parsed = PUClassifier(positive_label="a", random_state=0).fit(X, encode_target(y))
    assert raw.classes_.tolist() == parsed.classes_.tolist() == ["b", "a"]
    np.testing.assert_array_equal(raw.predict(X), parsed.predict(X))
