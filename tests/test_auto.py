"""AutoClassifier: the ensemble, the teacher, the safety rule, the time limit, the metrics."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold

from conftest import make_table
from fewlabels.auto import AutoClassifier, Member, catalogue, ensemble_selection
from fewlabels.auto._cv import CVPlan, cross_validate_members
from fewlabels.auto.metrics import METRICS, score
from fewlabels.data import TableEncoder
from fewlabels.exceptions import InputError
from fewlabels.methods import make_model


def _moons(n=300, per_class=5, seed=0):
    """Two interleaved arcs: the cluster structure carries the labels (graphs win)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    y_true = rng.integers(0, 2, n)
    X = np.c_[np.cos(t) + y_true * 1.0, np.sin(t) * (1 - 2 * y_true) + 0.5 * y_true]
    X = X + rng.normal(0, 0.06, (n, 2))
    y = np.full(n, -1)
    for c in (0, 1):
        y[rng.choice(np.flatnonzero(y_true == c), per_class, replace=False)] = c
    return X, y, y_true


def _linear(n=300, seed=0, labeled=0.2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y_true = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, np.where(rng.random(n) < labeled, y_true, -1), y_true


def test_keeps_the_supervised_ensemble_when_unlabeled_rows_do_not_help():
    X, y, y_true = _linear()
    auto = AutoClassifier(["logreg", "label-spreading"], random_state=0).fit(X, y)
    assert auto.best_method_ == "supervised ensemble", auto.selection_reason_
    assert auto.weights_ == {"logreg": 1.0}
    assert auto.evidence_.is_baseline and auto.evidence_.kept_baseline
    assert np.mean(auto.predict(X) == y_true) > 0.85


def test_picks_the_semi_supervised_ensemble_when_it_clearly_helps():
    X, y, y_true = _moons()
    auto = AutoClassifier(["logreg", "label-spreading"], random_state=0).fit(X, y)
    assert auto.best_method_ == "semi-supervised ensemble", auto.selection_reason_
    assert auto.weights_.get("label-spreading", 0) > 0.5
    mean, lo, hi = auto.gain_
    assert mean >= 0.1 and lo <= mean <= hi
    assert len(auto.cv_results_["fold_accuracy"][0]) == 2 * 5  # 5 folds, 2 repeats
    # the graph's labels reach the rows the logistic regression gets wrong
    supervised = AutoClassifier(["logreg"], random_state=0).fit(X, y)
    assert np.mean(auto.predict(X) == y_true) > np.mean(supervised.predict(X) == y_true) + 0.1


def test_the_teachers_pseudo_labels_are_balanced_weighted_and_mostly_right():
    X, y_part, y_true = _moons(n=400, per_class=10, seed=1)
    lab, pool = np.flatnonzero(y_part >= 0), np.flatnonzero(y_part < 0)
    work = np.r_[lab, pool]
    views = {"native": X[work], "numeric": TableEncoder(output="numeric").fit_transform(X[work])}
    y = y_part[lab]
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
    members = [catalogue()[n] for n in ("random-forest", "logreg", "random-forest+pl")]
    run = cross_validate_members(members, views, y, folds, CVPlan(2, 1, 0))
    for (tr, _), (rows, codes, weights) in zip(folds, run.teacher, strict=True):
        assert len(rows) == 4 * len(tr)  # 4 per labeled training row
        assert np.all(rows >= len(y))  # pool rows only: never a labeled or held-out row
        assert abs(np.mean(codes) - 0.5) < 0.05  # in the labeled proportions (balanced here)
        assert np.all((weights > 0) & (weights <= 1)) and weights.sum() <= len(tr) + 1e-9
        assert np.mean(codes == y_true[work[rows]]) > 0.85


def test_cross_validation_never_reads_held_out_labels():
    """Scrambling one fold's held-out labels leaves that fold's out-of-fold probabilities
    (every kind of member) and its pseudo-labels identical."""
    X, y_part, _ = _moons(n=200, per_class=20, seed=2)
    lab = np.flatnonzero(y_part >= 0)
    pool = np.flatnonzero(y_part < 0)
    y = y_part[lab]
    work = np.r_[lab, pool]
    views = {"native": X[work], "numeric": TableEncoder(output="numeric").fit_transform(X[work])}
    folds = list(StratifiedKFold(4, shuffle=True, random_state=0).split(np.zeros(len(y)), y))[:1]
    scrambled = y.copy()
    te = folds[0][1]
    scrambled[te] = 1 - y[te]  # every held-out label now wrong
    members = [catalogue()[n] for n in ("logreg", "lightgbm", "label-spreading", "logreg+pl")]
    plan = CVPlan(n_classes=2, repeats=1, seed=0)
    a = cross_validate_members(members, views, y, folds, plan)
    b = cross_validate_members(members, views, scrambled, folds, plan)
    for m in members:
        assert a.results[m.name]["status"] == "ok", a.results[m.name]["status"]
        np.testing.assert_array_equal(
            a.results[m.name]["oof"][0, te], b.results[m.name]["oof"][0, te]
        )
    for part_a, part_b in zip(a.teacher[0], b.teacher[0], strict=True):
        np.testing.assert_array_equal(part_a, part_b)
    assert len(a.teacher[0][0]) > 0


def test_a_tiny_time_limit_runs_the_first_member_reports_the_rest_and_refits():
    X, y, y_true = _linear(n=400)
    auto = AutoClassifier(time_limit=0.01, random_state=0).fit(X, y)
    res = auto.cv_results_
    assert res["status"][0] == "ok"  # the first member always runs
    skipped = [s for s in res["status"][1:] if s.startswith("skipped")]
    assert len(skipped) >= len(res["status"]) - 3, res["status"]
    assert set(auto.weights_) <= {
        n for n, s in zip(res["method"], res["status"], strict=True) if s == "ok"
    }
    assert set(auto.members_) == set(auto.weights_)  # the refit happened
    assert np.mean(auto.predict(X) == y_true) > 0.8


def test_the_time_limit_is_honoured_with_the_default_portfolio():
    X, y, _ = _linear(n=1000, labeled=0.1)
    auto = AutoClassifier(time_limit=2.0, random_state=0).fit(X, y)
    assert auto.cv_seconds_ < 2.0 * 1.1 + 0.5


def test_class_weighted_members_join_only_under_imbalance():
    X, y, _ = _linear()
    names = AutoClassifier(random_state=0)._portfolio(np.array([50, 50]))
    assert "random-forest-balanced" not in [m.name for m in names]
    names = AutoClassifier(random_state=0)._portfolio(np.array([80, 20]))
    assert "random-forest-balanced" in [m.name for m in names]


def test_balanced_accuracy_tunes_the_threshold_and_finds_the_minority():
    rng = np.random.default_rng(0)
    n = 600
    X = rng.normal(size=(n, 4))
    y_true = (X[:, 0] + 0.8 * rng.normal(size=n) > 1.1).astype(int)  # about 20% positives
    y = np.where(rng.random(n) < 0.2, y_true, -1)
    auto = AutoClassifier(["logreg", "random-forest"], metric="balanced_accuracy", random_state=0)
    auto.fit(X, y)
    assert auto.threshold_ is not None and auto.threshold_ < 0.5
    pred = auto.predict(X)
    assert balanced_accuracy_score(y_true, pred) > 0.7
    assert 0.1 < pred.mean() < 0.5


def test_tables_with_categoricals_and_a_pipeline():
    df, truth = make_table(n=300, labeled_fraction=0.15, seed=3)
    model = make_model("auto", 0, time_limit=30)
    model.fit(df.drop(columns=["label"]), df["label"])
    pred = model.predict(df.drop(columns=["label"]))
    assert np.mean(pred == truth.to_numpy()) > 0.8
    ev = model.named_steps["model"].evidence_.to_dict()
    assert ev["portfolio"]["method"][:3] == ["logreg", "lightgbm", "random-forest"]


def test_bad_members_and_parameters_are_named():
    X, y, _ = _linear()
    with pytest.raises(ValueError, match="unknown member 'svm'"):
        AutoClassifier(["svm"]).fit(X, y)
    with pytest.raises(ValueError, match="at least one supervised member"):
        AutoClassifier(["label-spreading"]).fit(X, y)
    with pytest.raises(InputError, match="'metric' parameter of AutoClassifier"):
        make_model("auto", 0, metric="r2")
    with pytest.raises(InputError, match="takes no --time-limit"):
        make_model("supervised", 0, time_limit=5)


def test_a_user_member():
    from sklearn.naive_bayes import GaussianNB

    nb = Member("naive-bayes", "supervised", "numeric", lambda seed, n_jobs: GaussianNB())
    X, y, y_true = _linear()
    auto = AutoClassifier([nb, "logreg"], random_state=0).fit(X, y)
    assert auto.cv_results_["method"] == ["naive-bayes", "logreg"]
    assert all(s == "ok" for s in auto.cv_results_["status"])


def test_a_failing_member_is_reported_not_fatal():
    class Broken:
        def fit(self, X, y):
            raise RuntimeError("no luck")

    bad = Member("broken", "supervised", "numeric", lambda seed, n_jobs: Broken())
    X, y, _ = _linear()
    auto = AutoClassifier(["logreg", bad], random_state=0).fit(X, y)
    assert auto.cv_results_["status"][1] == "failed: RuntimeError: no luck"
    assert auto.weights_ == {"logreg": 1.0}


def test_few_labels_fall_back_to_averaging_without_cv():
    X, _, y_true = _linear(n=50)
    y = np.full(50, -1)
    y[np.flatnonzero(y_true == 0)[:1]] = 0
    y[np.flatnonzero(y_true == 1)[:2]] = 1
    auto = AutoClassifier(["logreg", "lightgbm"], random_state=0).fit(X, y)
    assert "no cross-validation" in auto.selection_reason_
    assert auto.weights_ == {"logreg": 1.0}  # the prior members present (logreg)
    assert not auto.evidence_.available


def test_majority_rate_warning():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y_true = (rng.random(300) < 0.25).astype(int)  # noise: features say nothing
    y = np.where(rng.random(300) < 0.3, y_true, -1)
    auto = AutoClassifier(["logreg", "random-forest"], random_state=0).fit(X, y)
    assert any("majority class" in w for w in auto.evidence_.warnings)
    X2, y2, _ = _linear()
    assert AutoClassifier(["logreg"], random_state=0).fit(X2, y2).evidence_.warnings == []


# --------------------------------------------------------------------------- pure functions
def test_ensemble_selection_prefers_the_better_member_and_mixes_complementary_ones():
    y = np.array([0, 0, 1, 1])
    a = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])  # right on class 0 only
    b = np.array([[0.4, 0.6], [0.4, 0.6], [0.1, 0.9], [0.1, 0.9]])  # right on class 1 only
    w = ensemble_selection([a, b], y, METRICS["accuracy"])
    assert 0 < w[0] < 1 and np.isclose(w.sum(), 1)
    assert np.mean(np.argmax(w[0] * a + w[1] * b, axis=1) == y) == 1.0


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 4),
    st.integers(8, 40),
    st.integers(0, 10_000),
)
def test_metrics_equal_scikit_learn(k, n, seed):
    rng = np.random.default_rng(seed)
    y = np.r_[np.arange(k), rng.integers(0, k, n - k)]  # every class present
    P = rng.dirichlet(np.ones(k), n)
    pred = np.argmax(P, axis=1)
    assert np.isclose(score("log_loss", y, P), log_loss(y, P, labels=range(k)))
    assert np.isclose(score("accuracy", y, P), accuracy_score(y, pred))
    assert np.isclose(score("balanced_accuracy", y, P), balanced_accuracy_score(y, pred))
    assert np.isclose(score("f1_macro", y, P), f1_score(y, pred, average="macro"))
    expected = roc_auc_score(y, P[:, 1]) if k == 2 else roc_auc_score(y, P, multi_class="ovr")
    assert np.isclose(score("roc_auc", y, P), expected)


def test_cv_results_are_complete_and_json_ready():
    import json

    X, y, _ = _moons()
    auto = AutoClassifier(["logreg", "knn", "label-spreading", "logreg+pl"], random_state=0).fit(
        pd.DataFrame(X, columns=["a", "b"]), y
    )
    res = auto.cv_results_
    n = len(res["method"])
    for key in ("kind", "status", "mean_score", "mean_accuracy", "weight_supervised", "seconds"):
        assert len(res[key]) == n, key
    assert np.isclose(sum(res["weight_supervised"]), 1) and np.isclose(
        sum(res["weight_semi_supervised"]), 1
    )
    json.dumps(auto.evidence_.to_dict())


def test_an_auto_model_file_round_trips(tmp_path):
    from fewlabels.persist import load_model, save_model

    df, _ = make_table(n=200, labeled_fraction=0.2, seed=6)
    X = df.drop(columns=["label"])
    model = make_model("auto", 0, time_limit=30).fit(X, df["label"])
    save_model(model, tmp_path / "m.skops", {"method": "auto"})
    loaded = load_model(tmp_path / "m.skops").model
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))


def test_one_label_per_class_and_a_one_label_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3)) + np.repeat(np.arange(4), 20)[:, None] * 3
    y = np.full(80, -1)
    y[[0, 20, 40, 60]] = [0, 1, 2, 3]  # one label per class: no fold can be made
    auto = AutoClassifier(["logreg", "random-forest"], random_state=0).fit(X, y)
    assert "no cross-validation" in auto.selection_reason_
    X2, y2, _ = _linear(n=200)
    y2[y2 == 1] = -1
    y2[np.flatnonzero(y2 == -1)[0]] = 1  # binary, the second class has one label
    auto = AutoClassifier(["logreg", "random-forest"], random_state=0).fit(X2, y2)
    assert auto.cv_results_["status"] == ["ok", "ok"]  # a one-class fold predicts its prior


def test_the_default_metric_finds_the_minority_of_an_imbalanced_binary_target():
    rng = np.random.default_rng(1)
    n = 600
    X = rng.normal(size=(n, 4))
    y_true = (X[:, 0] + 1.2 * rng.normal(size=n) > 1.3).astype(int)  # ~20% positives, noisy
    y = np.where(rng.random(n) < 0.2, y_true, -1)
    auto = AutoClassifier(["logreg", "random-forest"], random_state=0).fit(X, y)
    assert auto.metric_ == "balanced_accuracy" and auto.threshold_ is not None
    assert balanced_accuracy_score(y_true, auto.predict(X)) > 0.6
    X2, y2, _ = _linear()
    assert AutoClassifier(["logreg"], random_state=0).fit(X2, y2).metric_ == "log_loss"


def test_a_fully_labeled_table_is_cross_validated():
    X, _, y_true = _linear(n=150)
    auto = AutoClassifier(["logreg", "random-forest", "logreg+pl"], random_state=0).fit(X, y_true)
    assert auto.cv_results_["status"][:2] == ["ok", "ok"], auto.cv_results_["status"]
    assert "no cross-validation" not in auto.selection_reason_


def test_calibrate_tempers_members_within_bounds():
    rng = np.random.default_rng(0)
    y_true = np.repeat([0, 1, 2], 40)
    X = rng.normal(0, 1, (120, 4)) + 1.5 * y_true[:, None]
    y = np.where(rng.random(120) < 0.3, y_true, -1)
    members = ["logreg", "random-forest", "label-spreading"]
    raw = AutoClassifier(members, calibrate=False, random_state=0).fit(X, y)
    cal = AutoClassifier(members, calibrate=True, random_state=0).fit(X, y)
    assert set(raw.temperatures_.values()) == {1.0}
    assert set(cal.temperatures_) == set(cal.weights_)
    assert all(0.25 <= t <= 4.0 for t in cal.temperatures_.values())
    assert any(abs(t - 1.0) > 0.05 for t in cal.temperatures_.values())
    P = cal.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
