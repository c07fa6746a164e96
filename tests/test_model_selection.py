"""Model selection for partly labeled targets (issue 20, item 4)."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV, cross_val_score

from fewlabels.exceptions import UnlabeledScoreError
from fewlabels.graph import LabelSpreadingClassifier
from fewlabels.model_selection import (
    LabeledStratifiedKFold,
    cross_validate,
    get_scorer,
)
from fewlabels.selftrain import SelfTrainingClassifier


def _data(seed=0, n=150):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    X = rng.normal(0, 1, (n, 2)) + 2.5 * np.eye(3, 2)[truth] * 1.5
    y = truth.copy()
    y[rng.random(n) < 0.7] = -1
    return X, y, truth


def _model():
    return SelfTrainingClassifier(LogisticRegression(), max_iter=2)


def test_folds_hold_out_labeled_rows_only(global_random_seed):
    X, y, _ = _data(global_random_seed)
    cv = LabeledStratifiedKFold(4, shuffle=True, random_state=global_random_seed)
    unlabeled = np.flatnonzero(y == -1)
    tests = []
    for train, test in cv.split(X, y):
        assert (y[test] != -1).all()  # scored rows are labeled
        assert np.isin(unlabeled, train).all()  # every unlabeled row trains in every fold
        assert not np.intersect1d(train, test).size
        tests.append(test)
    held = np.sort(np.concatenate(tests))
    np.testing.assert_array_equal(held, np.flatnonzero(y != -1))  # each labeled row once
    # stratified: each fold holds a quarter (rounded) of each class
    for test in tests:
        counts = np.bincount(y[test], minlength=3)
        assert (np.abs(counts - np.bincount(y[y != -1]) / 4) <= 1).all()


def test_cross_val_score_matches_the_masked_score_by_hand():
    X, y, _ = _data()
    cv = LabeledStratifiedKFold(3, shuffle=True, random_state=0)
    for name, fn, proba in (
        ("accuracy", accuracy_score, False),
        ("balanced_accuracy", balanced_accuracy_score, False),
        ("neg_log_loss", lambda t, p: -log_loss(t, p, labels=[0, 1, 2]), True),
    ):
        got = cross_val_score(_model(), X, y, cv=cv, scoring=get_scorer(name))
        by_hand = []
        for train, test in cv.split(X, y):
            model = _model().fit(X[train], y[train])
            out = model.predict_proba(X[test]) if proba else model.predict(X[test])
            by_hand.append(fn(y[test], out))
        np.testing.assert_allclose(got, by_hand, rtol=1e-9)
    # the scorer leaves unlabeled rows out whatever the folds
    model = _model().fit(X, y)
    lab = y != -1
    assert get_scorer("accuracy")(model, X, y) == accuracy_score(y[lab], model.predict(X[lab]))


def test_plain_cross_val_score_raises_instead_of_scoring_the_marker():
    """Default folds and scoring would score predictions against -1 (about 0.1 on HEAD)."""
    X, y, _ = _data()
    with pytest.raises(UnlabeledScoreError, match="fewlabels.model_selection"):
        cross_val_score(SelfTrainingClassifier(LogisticRegression()), X, y)
    with pytest.raises(UnlabeledScoreError, match="fewlabels.model_selection"):
        GridSearchCV(_model(), {"max_iter": [1, 2]}).fit(X, y)
    with pytest.raises(UnlabeledScoreError, match="unlabeled row"):
        _model().fit(X, y).score(X, y)
    lab = y != -1  # a fully labeled y is scored as before
    assert _model().fit(X, y).score(X[lab], y[lab]) > 0.8


def test_nan_target_works_with_the_fewlabels_splitter():
    X, y, truth = _data()
    y_nan = np.where(y == -1, np.nan, y.astype(float))
    y_obj = np.where(y == -1, None, np.array(["a", "b", "c"])[truth]).astype(object)
    cv = LabeledStratifiedKFold(3, shuffle=True, random_state=0)
    minus_one = cross_val_score(_model(), X, y, cv=cv, scoring=get_scorer("accuracy"))
    for target in (y_nan, y_obj):
        got = cross_val_score(_model(), X, target, cv=cv, scoring=get_scorer("accuracy"))
        np.testing.assert_allclose(got, minus_one)


def test_cross_validate_and_grid_search_recipe():
    X, y, _ = _data()
    res = cross_validate(
        LabelSpreadingClassifier(), X, y, cv=3, random_state=0, scoring=["accuracy", "roc_auc"]
    )
    assert res["test_accuracy"].shape == (3,) and (res["test_roc_auc"] > 0.5).all()
    search = GridSearchCV(
        LabelSpreadingClassifier(),
        {"n_neighbors": [5, 10]},
        cv=LabeledStratifiedKFold(3, shuffle=True, random_state=0),
        scoring=get_scorer("accuracy"),
    ).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["n_neighbors"] in (5, 10)
