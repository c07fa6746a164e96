"""Classifier-built features (Troisemaine & Lemaire) and GBNN (issue 17, part 2): what each
adds, measured on problems where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_moons
from sklearn.linear_model import LinearRegression, LogisticRegression

from fewlabels.exceptions import InputError
from fewlabels.regression import (
    ClassifierFeatures,
    ClassifierFeaturesRegressor,
    GBNNClassifier,
    GBNNRegressor,
)
from fewlabels.regression.features import equal_frequency_thresholds, threshold_targets
from fewlabels.selftrain import SelfTrainingClassifier


def _rmse(a, b) -> float:
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


@pytest.fixture
def square():
    """y = x^2 + noise: no linear model of x can fit it; a CDF of y given x can."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (600, 2))
    y = X[:, 0] ** 2 + rng.normal(0, 0.2, 600)
    return X[:400], y[:400], X[400:], y[400:]


@pytest.mark.parametrize("S", [1, 3, 7, 15])
def test_thresholds_cut_the_target_into_groups_of_equal_size(S):
    y = np.random.default_rng(1).normal(size=1000)
    t = equal_frequency_thresholds(y, S)
    assert len(t) == S
    sizes = np.bincount(np.searchsorted(t, y), minlength=S + 1)
    assert np.abs(sizes - len(y) / (S + 1)).max() <= 2, sizes
    assert (threshold_targets(y, t).sum(axis=0) == np.cumsum(sizes)[:-1]).all()


def test_the_features_let_a_linear_model_fit_a_curve(square):
    Xtr, ytr, Xte, yte = square
    plain = _rmse(LinearRegression().fit(Xtr, ytr).predict(Xte), yte)
    reg = ClassifierFeaturesRegressor(LinearRegression(), S=16, cv="oob", random_state=0)
    with_cdf = _rmse(reg.fit(Xtr, ytr).predict(Xte), yte)
    assert plain > 1.0  # the target's spread: x^2 has no linear part
    assert with_cdf < 0.45 * plain, (plain, with_cdf)
    assert reg.features_.thresholds_.shape == (16,)


def test_out_of_bag_features_are_as_sharp_on_training_rows_as_on_new_rows(square):
    """In-sample forest votes (the paper's) are sharper on the training rows than anything
    the regressor meets at predict time; out-of-bag votes are not."""
    Xtr, ytr, Xte, yte = square
    cf = ClassifierFeatures(S=8, cv="oob", random_state=0)
    oob = cf.fit_transform(Xtr, ytr)[:, 2:]
    inside = cf.transform(Xtr)[:, 2:]
    test = cf.transform(Xte)[:, 2:]
    t = cf.thresholds_

    def brier(P, y):
        return float(np.mean((P - threshold_targets(y, t)) ** 2))

    b_in, b_oob, b_test = brier(inside, ytr), brier(oob, ytr), brier(test, yte)
    assert b_in < 0.5 * b_test, (b_in, b_test)
    assert abs(b_oob - b_test) < 0.3 * b_test, (b_oob, b_test)
    assert (np.diff(oob, axis=1) >= 0).all()  # a CDF: non-decreasing in the threshold


def test_out_of_fold_features_with_any_classifier(square):
    Xtr, ytr, _, _ = square
    cf = ClassifierFeatures(S=4, classifier=LogisticRegression(), cv=3, random_state=0)
    Z = cf.fit_transform(Xtr, ytr)
    assert Z.shape == (400, 6)
    assert not np.allclose(Z[:, 2:], cf.transform(Xtr)[:, 2:])  # held out, not in-sample
    with pytest.raises(InputError, match="cv='oob' needs a supervised bagging classifier"):
        ClassifierFeatures(S=4, classifier=LogisticRegression(), cv="oob").fit(Xtr, ytr)


def test_semi_supervised_threshold_classifiers_see_the_unlabeled_rows(square):
    Xtr, ytr, _, _ = square
    y = ytr.copy()
    y[40:] = np.nan  # 40 labels
    cf = ClassifierFeatures(
        S=4, classifier=LogisticRegression(), semi_supervised=True, cv=2, random_state=0
    ).fit(Xtr, y)
    assert len(cf.estimators_) == 4
    for model in cf.estimators_:
        assert isinstance(model, SelfTrainingClassifier)
        assert model.n_labeled_ == 40 and len(model.labeled_iter_) == 400
    assert equal_frequency_thresholds(y[:40], 4).tolist() == cf.thresholds_.tolist()


def test_too_few_distinct_labels_say_so():
    X = np.arange(20.0).reshape(-1, 1)
    with pytest.raises(InputError, match="a single target value"):
        ClassifierFeatures(S=4).fit(X, np.full(20, 3.0))
    y = np.full(20, np.nan)
    y[0] = 1.0
    with pytest.raises(InputError, match="at least two rows with different targets"):
        ClassifierFeatures(S=4).fit(X, y)


def test_gbnn_regressor_fits_a_curve_and_improves_stage_by_stage():
    rng = np.random.RandomState(0)
    X = rng.uniform(-3, 3, (400, 1))
    y = np.sin(X[:, 0]) + rng.normal(0, 0.1, 400)
    y_unl = y.copy()
    y_unl[300:] = np.nan  # unlabeled rows are ignored
    model = GBNNRegressor(n_estimators=30, random_state=0).fit(X, y_unl)
    errors = [_rmse(p, y[300:]) for p in model.staged_predict(X[300:])]
    assert len(errors) == 30
    assert errors[-1] < 0.2 * np.std(y) and errors[-1] < 0.6 * errors[0], errors
    np.testing.assert_allclose(model.predict(X[300:]), list(model.staged_predict(X[300:]))[-1])


@pytest.mark.parametrize("n_classes", [2, 3])
def test_gbnn_classifier_learns_a_non_linear_boundary(n_classes):
    if n_classes == 2:
        X, y = make_moons(400, noise=0.2, random_state=0)
    else:
        rng = np.random.RandomState(0)
        X = rng.normal(size=(450, 2))
        y = (np.hypot(X[:, 0], X[:, 1]) > np.array([[0.8], [1.5]])).sum(axis=0)  # rings
    model = GBNNClassifier(n_estimators=40, random_state=0).fit(X[:300], y[:300])
    linear = LogisticRegression().fit(X[:300], y[:300]).score(X[300:], y[300:])
    acc = model.score(X[300:], y[300:])
    assert acc > 0.85 and acc > linear + 0.03, (acc, linear)
    P = model.predict_proba(X[300:])
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
