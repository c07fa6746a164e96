"""The target contract: one parsed Target reaches a family's ``_fit``, for every task."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from fewlabels.base import BaseFewLabelsClassifier, BaseFewLabelsRegressor
from fewlabels.data import (
    UNLABELED,
    Target,
    TargetWarning,
    parse_target,
    proportions_target,
    unlabeled_mask,
)
from fewlabels.exceptions import InputError


class _Recorder:
    """Keeps the target its ``_fit`` received."""

    def _fit(self, X, target, random_state):
        self.seen_ = target


class TinyRegressor(BaseFewLabelsRegressor):
    """Least squares on the labeled rows: the smallest family with a regression target."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def _fit(self, X, target, random_state):
        self.seen_ = target
        rows = np.flatnonzero(target.labeled)
        self.model_ = LinearRegression().fit(X[rows], target.values[rows])

    def _predict(self, X):
        return self.model_.predict(X)


class TinyPU(_Recorder, BaseFewLabelsClassifier):
    """Learns from positives only: it accepts a one-class target."""

    _target_tasks = frozenset({"positive-unlabeled"})


class TinySoft(_Recorder, BaseFewLabelsClassifier):
    """Takes soft labels (one probability per class and row)."""

    _target_tasks = frozenset({"binary", "multiclass", "soft"})


class TinyProportions(_Recorder, BaseFewLabelsClassifier):
    _target_tasks = frozenset({"proportions"})


class TinyHard(_Recorder, BaseFewLabelsClassifier):
    """An ordinary classifier family (the default tasks)."""


X = np.arange(12, dtype=float).reshape(6, 2)


def test_regression_target_reaches_fit():
    y = [0.5, np.nan, 2.25, None, 3.0, -1.0]  # a continuous -1 is a value
    reg = TinyRegressor().fit(X, y)
    t = reg.seen_
    assert t.task == "regression"
    assert t.labeled.tolist() == [True, False, True, False, True, True]
    np.testing.assert_array_equal(t.values[t.labeled], [0.5, 2.25, 3.0, -1.0])
    assert reg.n_labeled_ == 4
    assert reg.predict(X).shape == (6,)


def test_positive_only_target_reaches_fit():
    est = TinyPU().fit(X, ["pos", None, "pos", None, None, "pos"])
    assert est.seen_.task == "positive-unlabeled"
    assert est.classes_.tolist() == ["pos"]
    assert est.seen_.codes.tolist() == [0, UNLABELED, 0, UNLABELED, UNLABELED, 0]


def test_soft_label_target_reaches_fit():
    P = np.array([[0.8, 0.2], [np.nan, np.nan], [0.1, 0.9], [0.5, 0.5], [np.nan] * 2, [1, 0]])
    est = TinySoft().fit(X, pd.DataFrame(P, columns=["no", "yes"]))
    t = est.seen_
    assert t.task == "binary" and est.classes_.tolist() == ["no", "yes"]
    assert t.labeled.tolist() == [True, False, True, True, False, True]
    np.testing.assert_allclose(t.soft[1], [0, 0])
    np.testing.assert_allclose(t.soft[2], [0.1, 0.9])
    assert t.codes.tolist() == [0, UNLABELED, 1, 0, UNLABELED, 0]  # argmax, first on ties


def test_proportions_target_reaches_fit():
    target = proportions_target(
        ["a", "a", "b", "b", None, "a"], {"a": {"x": 2 / 3, "y": 1 / 3}, "b": {"y": 1.0}}
    )
    est = TinyProportions().fit(X, target)
    assert est.seen_ is target  # a parsed Target is taken as is
    assert est.seen_.bags.tolist() == [0, 0, 1, 1, UNLABELED, 0]
    np.testing.assert_allclose(est.seen_.proportions, [[2 / 3, 1 / 3], [0, 1]])


@pytest.mark.parametrize(
    ("est", "y", "match"),
    [
        (TinyHard(), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], "Unknown label type"),
        (TinyHard(), ["a", None, "a", None, None, None], "only one class"),
        (TinyHard(), np.ones((6, 2)) / 2, "soft labels"),
        (TinyPU(), ["a", "b", None, None, None, None], "positive-unlabeled"),
        (TinyRegressor(), ["a", "b", None, None, "a", "b"], "numeric"),
        (TinySoft(), np.array([[0.7, 0.7]] * 6), "summing to 1"),
        (TinyHard(), [None] * 6, "no row has a label"),
    ],
)
def test_a_family_says_what_its_task_needs(est, y, match):
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


def test_task_error_names_what_the_family_takes():
    with pytest.raises(InputError, match="TinyPU cannot learn a binary target.*takes positive"):
        TinyPU().fit(X, ["a", "b", None, None, None, None])


def test_minus_one_is_a_class_when_the_target_has_other_negatives():
    with pytest.warns(TargetWarning, match="-1 is read as a class"):
        t = parse_target([-2, -1, 0, None, -1, 0])
    assert t.classes.tolist() == [-2, -1, 0]
    assert t.labeled.tolist() == [True, True, True, False, True, True]


def test_minus_one_is_unlabeled_by_convention_and_a_value_with_an_explicit_marker():
    assert unlabeled_mask([0, -1, 1]).tolist() == [False, True, False]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: -1 is the only negative value
        assert parse_target([0, -1, 1]).n_labeled == 2
    t = parse_target([0, -1, 1, 99], unlabeled_value=99)
    assert t.classes.tolist() == [-1, 0, 1] and t.labeled.tolist() == [True, True, True, False]


def test_target_without_rows_is_a_fold():
    t = parse_target(["a", "b", "a", None, "b"])
    fold = t.without(np.array([0, 1]))
    assert fold.labeled.tolist() == [False, False, True, False, True]
    assert fold.codes.tolist() == [UNLABELED, UNLABELED, 0, UNLABELED, 1]
    assert fold.classes.tolist() == ["a", "b"] and t.n_labeled == 4  # the original is intact
    assert isinstance(fold, Target) and len(fold) == 5


def test_sample_weight_is_checked():
    t = parse_target(["a", "b", None], sample_weight=[1.0, 2.0, 0.5])
    np.testing.assert_allclose(t.weights, [1, 2, 0.5])
    with pytest.raises(InputError, match="sample_weight"):
        parse_target(["a", "b", None], sample_weight=[1.0, -2.0, 0.5])


def test_rows_must_match():
    with pytest.raises(ValueError, match="X has 6 rows but y has 3"):
        TinyHard().fit(X, ["a", "b", None])


@parametrize_with_checks([TinyRegressor()])
def test_regressor_base_passes_common_checks(estimator, check):
    check(estimator)


labels = st.one_of(st.none(), st.integers(-3, 3), st.sampled_from([float("nan")]))


@given(st.lists(labels, min_size=1, max_size=40))
def test_parse_integer_targets(values):
    """Invariants: the mask and the codes agree; labeled rows round-trip to their labels;
    -1 is unlabeled unless another negative value is present."""
    present = [v for v in values if v is not None and v == v]
    negatives = {v for v in present if v < 0}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TargetWarning)
            t = parse_target(values, {"binary", "multiclass", "positive-unlabeled"})
    except InputError:
        kept = [v for v in present if not (v == -1 and len(negatives) <= 1)]
        assert not kept  # only when nothing is labeled
        return
    minus_one_unlabeled = len(negatives) <= 1
    expect = [v is not None and v == v and not (v == -1 and minus_one_unlabeled) for v in values]
    assert t.labeled.tolist() == expect
    assert ((t.codes != UNLABELED) == t.labeled).all()
    assert t.labels()[t.labeled].tolist() == [
        v for v, keep in zip(values, expect, strict=True) if keep
    ]
    assert t.task == (
        "positive-unlabeled" if t.n_classes == 1 else "binary" if t.n_classes == 2 else "multiclass"
    )


@given(
    st.lists(
        st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=40
    ).filter(lambda v: any(x is not None for x in v))
)
def test_parse_regression_targets(values):
    t = parse_target(values, {"regression"})
    assert t.task == "regression"
    assert t.labeled.tolist() == [v is not None for v in values]
    np.testing.assert_array_equal(t.values[t.labeled], [v for v in values if v is not None])
