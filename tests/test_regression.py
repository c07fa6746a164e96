"""Semi-supervised regression (issue 17): the estimators, AutoRegressor's safe rule and its
evidence. scikit-learn's common checks run on every regressor in tests/test_estimators.py."""

import json
import time

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, make_friedman1

from fewlabels.auto import Member
from fewlabels.exceptions import InputError
from fewlabels.methods import METHODS, TASK_DEFAULTS, TASK_OPTIONS, make_model
from fewlabels.regression import (
    AutoRegressor,
    COREGRegressor,
    LabelPropagationRegressor,
    SelfTrainingRegressor,
    SupervisedRegressor,
    compare_regressors,
)
from fewlabels.regression._core import coreg_deltas, propagate_values, regression_scores
from fewlabels.regression.auto import SUPERVISED_ENSEMBLE, RegressorBlend

REGRESSION_METHODS = sorted(
    n for n, m in METHODS.items() if m.task == "regression" and n != "auto-regressor"
)


def _rmse(pred, truth, rows):
    return float(np.sqrt(np.mean((np.asarray(pred) - truth)[rows] ** 2)))


def _few_labels(y_true, share, seed=0):
    labeled = np.random.default_rng(seed).random(len(y_true)) < share
    return np.where(labeled, y_true, np.nan), labeled


@pytest.fixture(scope="module")
def friedman():
    X, y_true = make_friedman1(400, noise=0.5, random_state=0)
    return X, y_true, *_few_labels(y_true, 0.1)


@pytest.fixture(scope="module")
def diabetes():
    X, y_true = load_diabetes(return_X_y=True)
    return X, y_true, *_few_labels(y_true, 0.1)


def _spiral(n=400, every=25):
    """A 1-D manifold: the target is the position along a spiral, whose turns lie close to
    each other in the plane. Only the unlabeled rows show the path between labels."""
    t = np.linspace(0.5, 4 * np.pi, n)
    X = np.c_[t * np.cos(t), t * np.sin(t)]
    y = np.full(n, np.nan)
    y[::every] = t[::every]
    return X, y, t


# ---------------------------------------------------------------------------- core
def test_harmonic_solution_matches_the_dense_solve():
    rng = np.random.default_rng(0)
    A = rng.random((30, 30)) * (rng.random((30, 30)) < 0.3)
    W = sp.csr_matrix(A + A.T)
    labeled = np.zeros(30, dtype=bool)
    labeled[:6] = True
    values = np.where(labeled, rng.normal(size=30), np.nan)
    f, _ = propagate_values(W, values, labeled, tol=1e-10)
    D = W.toarray()
    L = np.diag(D.sum(axis=1)) - D
    u = ~labeled
    exact = np.linalg.solve(L[np.ix_(u, u)], D[np.ix_(u, labeled)] @ values[labeled])
    np.testing.assert_allclose(f[u], exact, atol=1e-6)
    np.testing.assert_array_equal(f[labeled], values[labeled])


def test_coreg_confidence_prefers_a_row_that_fixes_its_neighbours():
    # training rows 0 and 1 sit on the line y = x; a pool row between them predicted by
    # them lowers their error, a far pool row changes nothing
    X = np.array([[0.0], [1.0], [5.0], [6.0]])
    y = np.array([0.0, 1.0, 5.0, 6.0])
    delta, y_hat = coreg_deltas(X, y, np.array([[0.5], [100.0]]), 2, 2)
    np.testing.assert_allclose(y_hat, [0.5, 5.5])
    assert delta[0] > 0 and delta[1] == 0


def test_regression_scores_by_hand():
    rmse, mae, r2 = regression_scores(np.array([0.0, 2.0]), np.array([1.0, 1.0]))
    assert (rmse, mae, r2) == (1.0, 1.0, 0.0)
    assert np.isnan(regression_scores(np.ones(3), np.zeros(3))[2])


# ---------------------------------------------------------------------------- estimators
def test_supervised_regressor_ignores_unlabeled_rows(friedman):
    from sklearn.linear_model import Ridge

    X, _, y, labeled = friedman
    a = SupervisedRegressor(Ridge()).fit(X, y)
    b = Ridge().fit(X[labeled], y[labeled])
    np.testing.assert_allclose(a.predict(X), b.predict(X))
    assert a.n_labeled_ == labeled.sum()


@pytest.mark.parametrize("data", ["friedman", "diabetes"])
@pytest.mark.parametrize("name", REGRESSION_METHODS)
def test_each_regressor_is_close_to_supervised(name, data, request):
    """At 10% labels no method is absurd: within 1.5 times the supervised LightGBM's RMSE
    on the unlabeled rows, and better than predicting the labeled mean. (The kNN-based
    methods are the worst on Friedman #1, whose 5 noise features blur the distances:
    COREG and propagation at about 1.37 x LightGBM.)"""
    X, y_true, y, labeled = request.getfixturevalue(data)
    base = _rmse(make_model("supervised-regressor", 0).fit(X, y).predict(X), y_true, ~labeled)
    rmse = _rmse(make_model(name, 0).fit(X, y).predict(X), y_true, ~labeled)
    mean = _rmse(np.full(len(y), np.nanmean(y)), y_true, ~labeled)
    assert np.isfinite(rmse)
    assert rmse < 1.5 * base, (rmse, base)
    assert rmse < mean, (rmse, mean)


def test_propagation_uses_the_unlabeled_rows():
    """On the spiral, a supervised model sees 16 points and cuts across the turns; value
    propagation follows the path the unlabeled rows trace. Broken propagation fails."""
    X, y, t = _spiral()
    unl = np.isnan(y)
    sup = min(
        _rmse(make_model(n, 0).fit(X, y).predict(X), t, unl)
        for n in ("supervised-regressor", "supervised-rf-regressor", "supervised-ridge")
    )
    for model in (LabelPropagationRegressor(n_neighbors=5), COREGRegressor(random_state=0)):
        model.fit(X, y)
        rmse = _rmse(model.transduction_ if hasattr(model, "transduction_") else
                     model.predict(X), t, unl)  # fmt: skip
        if isinstance(model, LabelPropagationRegressor):
            assert rmse < 0.25 * sup, (rmse, sup)
            # new rows: points on the spiral between the training rows
            s = np.linspace(1.0, 4 * np.pi - 0.5, 50)
            new = np.c_[s * np.cos(s), s * np.sin(s)]
            assert _rmse(model.predict(new), s, slice(None)) < 0.25 * sup
        assert np.isfinite(rmse)


def test_spreading_smooths_and_harmonic_clamps():
    X, y, t = _spiral()
    lab = ~np.isnan(y)
    h = LabelPropagationRegressor(n_neighbors=5).fit(X, y)
    np.testing.assert_array_equal(h.transduction_[lab], y[lab])
    s = LabelPropagationRegressor(n_neighbors=5, method="spreading").fit(X, y)
    assert not np.allclose(s.transduction_[lab], y[lab])
    assert _rmse(s.transduction_, t, ~lab) < 1.5


def test_coreg_adds_rows_for_each_other(friedman):
    X, _, y, labeled = friedman
    reg = COREGRegressor(max_iter=20, random_state=0).fit(X, y)
    n = labeled.sum()
    assert 0 < reg.n_pseudo_labels_ <= 40
    assert len(reg.y1_) + len(reg.y2_) == 2 * n + reg.n_pseudo_labels_
    assert 1 <= reg.n_iter_ <= 20
    np.testing.assert_array_equal(reg.y1_[:n], y[labeled])


@pytest.mark.parametrize("confidence", ["variance", "committee"])
def test_self_training_pseudo_labels_unlabeled_rows_only(friedman, confidence):
    X, _, y, labeled = friedman
    reg = SelfTrainingRegressor(
        None if confidence == "variance" else "ridge", confidence=confidence, random_state=0
    ).fit(X, y)
    rows = reg.pseudo_rows_
    assert len(rows) > 0 and not labeled[rows].any() and len(set(rows)) == len(rows)
    assert len(rows) <= reg.n_iter_ * labeled.sum()
    assert np.isfinite(reg.pseudo_values_).all()


def test_self_training_stops_when_nothing_qualifies(friedman):
    X, _, y, _ = friedman
    reg = SelfTrainingRegressor(threshold=1e-6, random_state=0).fit(X, y)
    assert len(reg.pseudo_rows_) == 0 and reg.n_iter_ == 1


def test_variance_needs_an_ensemble(friedman):
    X, _, y, _ = friedman
    with pytest.raises(InputError, match="confidence='committee'"):
        SelfTrainingRegressor("ridge", confidence="variance").fit(X, y)


@pytest.mark.parametrize("blank", [np.nan, None, pd.NA])
def test_unlabeled_rows_are_missing_values(friedman, blank):
    X, _, y, labeled = friedman
    marked = pd.Series([v if ok else blank for v, ok in zip(y, labeled, strict=True)],
                       dtype=object)  # fmt: skip
    for est in (COREGRegressor(max_iter=5, random_state=0), LabelPropagationRegressor()):
        np.testing.assert_allclose(
            est.fit(X, marked).predict(X), est.fit(X, y).predict(X), err_msg=repr(blank)
        )
        assert est.n_labeled_ == labeled.sum()


def test_a_text_target_is_refused(friedman):
    X, *_ = friedman
    with pytest.raises(InputError, match="numeric"):
        COREGRegressor().fit(X, ["a"] * len(X))


@pytest.fixture(scope="module")
def mixed_table():
    rng = np.random.default_rng(1)
    n = 240
    color = rng.choice(["red", "green", "blue"], n)
    x = rng.normal(size=n)
    value = 2 * x + np.select([color == "red", color == "green"], [3.0, -3.0], 0.0)
    X = pd.DataFrame({"x": x, "color": pd.Categorical(color), "note": rng.choice(["p", "q"], n)})
    X.loc[::17, "x"] = np.nan
    y = pd.Series(np.where(rng.random(n) < 0.25, value, np.nan))
    return X, y, value


@pytest.mark.parametrize(
    "est",
    [
        SupervisedRegressor(random_state=0),
        SupervisedRegressor("ridge"),
        COREGRegressor(max_iter=10, random_state=0),
        SelfTrainingRegressor(random_state=0),
        LabelPropagationRegressor(),
    ],
    ids=lambda e: repr(e),
)
def test_tables_with_categoricals_and_missing_values(mixed_table, est):
    X, y, value = mixed_table
    pred = est.fit(X, y).predict(X)
    unl = y.isna().to_numpy()
    assert np.isfinite(pred).all()
    # the colour's offset of +-3 is learned: far better than ignoring it (RMSE about 2.4)
    assert _rmse(pred, value, unl) < 1.8


@pytest.mark.parametrize("name", [*REGRESSION_METHODS, "auto-regressor"])
def test_registered_pipelines_take_a_raw_table(mixed_table, name):
    X, y, value = mixed_table
    params = {"time_limit": 3.0} if name == "auto-regressor" else {}
    model = make_model(name, 0, **params).fit(X, y)
    pred = model.predict(X)
    assert pred.shape == (len(X),) and np.isfinite(pred).all()
    assert METHODS[name].task == "regression"


def test_registry_entries():
    assert TASK_DEFAULTS["regression"] == "auto-regressor"
    assert "--task regression" in TASK_OPTIONS["regression"]
    auto = METHODS["auto-regressor"]
    assert auto.own_evidence and auto.family == "auto" and auto.params == ("time_limit",)
    assert {n for n, m in METHODS.items() if m.task == "regression" and m.supervised} == {
        "supervised-regressor", "supervised-rf-regressor", "supervised-ridge",
        "classifier-features-regressor",  # its threshold classifiers see labeled rows only
    }  # fmt: skip


# ---------------------------------------------------------------------------- auto
def test_auto_keeps_supervised_when_the_unlabeled_rows_do_not_help():
    """A linear target: ridge beats every kNN-based semi-supervised member, so the safe
    rule must return ridge, and say it kept the baseline."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y_true = X @ np.array([3.0, -2.0, 1.0, 0.5, 0.0, 0.0])
    y, labeled = _few_labels(y_true, 0.15)
    auto = AutoRegressor(
        members=["supervised-ridge", "coreg", "label-propagation-regressor"], random_state=0
    ).fit(X, y)
    ev = auto.evidence_
    assert auto.best_method_ == "supervised-ridge" == auto.baseline_method_
    assert ev.is_baseline and ev.kept_baseline and ev.gain()[0] == 0
    assert ev.candidate in ("coreg", "label-propagation-regressor")
    assert ev.candidate_gain()[2] < 0 and ev.candidate_gain() == auto.gain_  # clearly worse
    assert ev.verdict().startswith("kept supervised-ridge, the best supervised regressor")
    ridge = SupervisedRegressor("ridge").fit(X, y)
    np.testing.assert_allclose(auto.predict(X), ridge.predict(X))


def test_auto_keeps_supervised_when_unlabeled_rows_come_from_elsewhere():
    """Unlabeled rows from a shifted, noisy distribution mislead the graph: the semi-
    supervised members are worse on held-out labeled rows, and auto keeps supervised."""
    rng = np.random.default_rng(3)
    X_lab = rng.normal(size=(60, 3))
    X_unl = rng.normal(4.0, 3.0, size=(400, 3))
    X = np.r_[X_lab, X_unl]
    y = np.r_[X_lab[:, 0] ** 2 + X_lab[:, 1], np.full(400, np.nan)]
    auto = AutoRegressor(
        members=["supervised-rf-regressor", "label-spreading-regressor", "coreg"],
        random_state=0,
    ).fit(X, y)
    assert auto.best_method_ == "supervised-rf-regressor"
    assert auto.evidence_.kept_baseline


def test_auto_chooses_propagation_where_it_clearly_helps():
    X, y, t = _spiral(every=20)  # 20 labels: enough to compare
    auto = AutoRegressor(
        members=["supervised-ridge", "supervised-rf-regressor", "label-propagation-regressor"],
        random_state=0,
    ).fit(X, y)
    ev = auto.evidence_
    assert auto.best_method_ == "label-propagation-regressor"
    assert auto.baseline_method_ in (
        "supervised-ridge",
        "supervised-rf-regressor",
        SUPERVISED_ENSEMBLE,
    )
    mean, lo, _ = ev.gain()
    assert mean > 0 and lo > 0 and not ev.is_baseline and ev.candidate == ev.method
    assert "helped" in ev.verdict()


def test_auto_evidence_is_consistent(diabetes):
    X, y_true, y, labeled = diabetes
    auto = AutoRegressor(
        members=["supervised-ridge", "supervised-regressor", "coreg"], random_state=0
    ).fit(X, y)
    ev = auto.evidence_
    n_lab = int(labeled.sum())
    assert len(ev.oof_rows) == len(ev.oof_pred) == len(ev.oof_true) == n_lab
    assert sorted(ev.oof_rows) == list(np.flatnonzero(labeled))  # each labeled row once
    np.testing.assert_array_equal(ev.oof_true, y_true[ev.oof_rows])
    folds = ev.n_splits * ev.n_repeats
    assert len(ev.method_rmse) == len(ev.baseline_mae) == len(ev.method_r2) == folds
    members = {"supervised-ridge", "supervised-regressor", "coreg"}
    assert members <= set(ev.portfolio) <= members | {SUPERVISED_ENSEMBLE}
    if ev.baseline != SUPERVISED_ENSEMBLE:
        assert ev.portfolio[ev.baseline] == min(
            ev.portfolio[n] for n in ("supervised-ridge", "supervised-regressor")
        )
    assert ev.rmse_interval()[1] <= np.mean(ev.method_rmse) <= ev.rmse_interval()[2]
    # the out-of-fold RMSE is that of the first repeat's folds, pooled
    first = np.sqrt(np.mean((ev.oof_pred - ev.oof_true) ** 2))
    assert 0.5 * np.mean(ev.method_rmse[: ev.n_splits]) < first < 2 * np.max(ev.method_rmse)
    d = ev.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["n_oof"] == n_lab and "oof_pred" not in d and d["verdict"] == ev.verdict()
    assert d["method_rmse_interval"][0] <= d["method_mean_rmse"]


def test_the_baseline_is_an_ensemble_of_complementary_supervised_members(tmp_path):
    """y = a linear part + a step: ridge gets the first, a forest the second; their
    greedy blend beats each out of fold, is refitted as a blend, and survives saving."""
    from fewlabels.persist import load_model, save_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    y_true = 2.0 * X[:, 0] + 2.0 * (X[:, 1] > 0) + rng.normal(0, 0.3, 500)
    y, _ = _few_labels(y_true, 0.3)
    auto = AutoRegressor(
        members=["supervised-ridge", "supervised-rf-regressor"], random_state=0
    ).fit(X, y)
    ev = auto.evidence_
    assert auto.best_method_ == auto.baseline_method_ == SUPERVISED_ENSEMBLE
    assert set(auto.weights_) == {"supervised-ridge", "supervised-rf-regressor"}
    assert abs(sum(auto.weights_.values()) - 1) < 1e-9 and min(auto.weights_.values()) > 0
    assert ev.portfolio[SUPERVISED_ENSEMBLE] < min(
        ev.portfolio["supervised-ridge"], ev.portfolio["supervised-rf-regressor"]
    )
    assert isinstance(auto.model_, RegressorBlend)
    ridge = SupervisedRegressor("ridge").fit(auto.numeric_encoder_.transform(X), y)
    assert _rmse(auto.predict(X), y_true, slice(None)) < _rmse(
        ridge.predict(auto.numeric_encoder_.transform(X)), y_true, slice(None)
    )
    save_model(auto, tmp_path / "m.skops")
    np.testing.assert_allclose(load_model(tmp_path / "m.skops").model.predict(X), auto.predict(X))


def test_too_few_labels_to_tell_a_gain_from_noise_keep_the_baseline():
    X, y, t = _spiral(every=34)  # 12 labels
    auto = AutoRegressor(
        members=["supervised-ridge", "supervised-rf-regressor", "label-propagation-regressor"],
        random_state=0,
    ).fit(X, y)
    assert auto.best_method_ == auto.baseline_method_
    assert auto.evidence_.kept_baseline and auto.evidence_.candidate is not None
    assert "fewer than 20" in auto.selection_reason_ and "label more rows" in auto.selection_reason_


class _Spy(SupervisedRegressor):
    """Records which rows each fit saw labeled."""

    seen: list = []

    def _fit(self, X, target, random_state):
        _Spy.seen.append(target.labeled.copy())
        super()._fit(X, target, random_state)


def test_held_out_rows_are_unlabeled_in_every_fold():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    y = np.where(np.arange(120) < 30, X[:, 0], np.nan)
    _Spy.seen = []
    spy = Member("spy", "supervised", "numeric", lambda seed, n_jobs: _Spy("ridge"))
    auto = AutoRegressor(members=[spy], cv=3, n_repeats=2, random_state=0).fit(X, y)
    folds = _Spy.seen[:-1]  # the last fit is the refit on every label
    assert len(folds) == 6
    assert all(f.sum() == 20 and not f[30:].any() for f in folds)  # the pool stays unlabeled
    held = [np.flatnonzero(~f[:30]) for f in folds]
    assert sorted(np.concatenate(held[:3])) == list(range(30))  # each row held out once
    assert _Spy.seen[-1][:30].all() and auto.best_method_ == "spy"


def test_time_limit_is_honoured():
    X, y_true = make_friedman1(600, random_state=0)
    y, _ = _few_labels(y_true, 0.1)
    start = time.perf_counter()
    auto = AutoRegressor(time_limit=0.05, random_state=0).fit(X, y)
    seconds = time.perf_counter() - start
    status = auto.evidence_.member_status
    assert status["supervised-ridge"] == "ok"  # the first member always runs
    skipped = [n for n, s in status.items() if "time limit" in s]
    assert len(skipped) >= 5
    assert any("raise time_limit" in w for w in auto.evidence_.warnings)
    assert set(auto.evidence_.portfolio) == {n for n, s in status.items() if s == "ok"}
    assert seconds < 5, seconds


def test_too_few_labels_for_folds():
    X = np.arange(20.0).reshape(-1, 1)
    y = np.full(20, np.nan)
    y[[0, 10, 19]] = [0.0, 10.0, 19.0]
    auto = AutoRegressor(random_state=0).fit(X, y)
    assert auto.best_method_ == "supervised-ridge"
    assert not auto.evidence_.available and "no evidence" in auto.evidence_.verdict()
    json.dumps(auto.evidence_.to_dict(), allow_nan=False)


def test_progress_is_reported():
    X, y_true = make_friedman1(150, random_state=0)
    y, _ = _few_labels(y_true, 0.3)
    calls = []
    AutoRegressor(members=["supervised-ridge", "coreg"], random_state=0).fit(
        X, y, progress=lambda stage, done, total: calls.append((stage, done, total))
    )
    cv = [c for c in calls if "cross-validating" in c[0]]
    assert cv[-1][1] == cv[-1][2] and any("refitting" in c[0] for c in calls)


def test_compare_regressors_for_the_workflow(diabetes):
    X, _, y, labeled = diabetes
    ev = compare_regressors(
        lambda: make_model("coreg", 0), lambda: make_model("supervised-regressor", 0), X, y,
        method_name="coreg", baseline_name="supervised-regressor",
    )  # fmt: skip
    assert ev.available and not ev.is_baseline
    assert len(ev.oof_rows) == labeled.sum() and len(ev.method_rmse) == ev.n_splits * 3
    mean, lo, hi = ev.gain()
    assert lo <= mean <= hi
    np.testing.assert_allclose(mean, np.mean(ev.baseline_rmse) - np.mean(ev.method_rmse))
    json.dumps(ev.to_dict(), allow_nan=False)
