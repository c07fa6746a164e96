"""Active learning: strategies on hand-built probabilities and point sets, stopping rules on
constructed sequences, the planner against a known power law, the SSL-aware loop, and
``fewlabels query`` / ``fewlabels plan``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from conftest import make_table
from fewlabels.active import (
    STRATEGIES,
    ActiveLearningLoop,
    Budget,
    ClusterMargin,
    CoreSet,
    DensityWeightedUncertainty,
    ExpectedErrorReduction,
    MaxUncertainty,
    OverallUncertainty,
    PowerLaw,
    ProbCover,
    QueryByCommittee,
    RandomSampling,
    StabilizingPredictions,
    TargetAccuracy,
    TypiClust,
    UncertaintySampling,
    committee_proba,
    fit_power_law,
    get_strategy,
    learning_curve,
    plan_labels,
    simulated_oracle,
    stabilizing_predictions,
    stopping_cost,
    stopping_points,
)
from fewlabels.active.planner import power_law
from fewlabels.active.utilities import (
    ball_coverage_greedy,
    entropy,
    kcenter_greedy,
    least_confident,
    margin,
    vote_entropy,
)
from fewlabels.base import BaseFewLabelsClassifier
from fewlabels.cli import main
from fewlabels.exceptions import InputError
from fewlabels.methods import make_model

# Six rows, three classes. Margin = 1 - (p_first - p_second):
#   row 0: 0.90 0.05 0.05 -> 1 - 0.85 = 0.15
#   row 1: 0.40 0.38 0.22 -> 1 - 0.02 = 0.98   (the closest to a boundary)
#   row 2: 0.50 0.30 0.20 -> 1 - 0.20 = 0.80
#   row 3: 0.34 0.33 0.33 -> 1 - 0.01 = 0.99   (but labeled: never picked)
#   row 4: 0.10 0.45 0.45 -> 1 - 0.00 = 1.00   (a tie: the most uncertain)
#   row 5: 0.60 0.35 0.05 -> 1 - 0.25 = 0.75
# Least confident (1 - max) * 3/2: row 3 0.99, row 1 0.90, row 2 0.75, row 4 0.825.
P6 = np.array(
    [
        [0.90, 0.05, 0.05],
        [0.40, 0.38, 0.22],
        [0.50, 0.30, 0.20],
        [0.34, 0.33, 0.33],
        [0.10, 0.45, 0.45],
        [0.60, 0.35, 0.05],
    ]
)


class FixedModel:
    """A 'fitted model' whose probabilities for row i (feature 0 holds i) are P[i]."""

    def __init__(self, P, classes=("a", "b", "c")):
        self.P = np.asarray(P)
        self.classes_ = np.asarray(classes)

    def predict_proba(self, X):
        return self.P[np.asarray(X)[:, 0].astype(int)]


def _ids(n):
    return np.arange(n, dtype=float)[:, None]


def test_uncertainty_measures_by_hand():
    np.testing.assert_allclose(margin(P6), [0.15, 0.98, 0.80, 0.99, 1.00, 0.75])
    np.testing.assert_allclose(
        least_confident(P6), np.array([0.10, 0.60, 0.50, 0.66, 0.55, 0.40]) * 1.5
    )
    assert entropy([[1 / 3] * 3])[0] == pytest.approx(1.0)
    assert entropy([[1.0, 0.0, 0.0]])[0] == 0.0


def test_margin_picks_the_rows_closest_to_the_boundary():
    y = np.array(["a", None, None, "b", None, None], dtype=object)  # row 3 is labeled
    strategy = UncertaintySampling("margin")
    assert strategy.query(_ids(6), y, FixedModel(P6), batch_size=3).tolist() == [4, 1, 2]
    sel = strategy.select(_ids(6), y, FixedModel(P6), batch_size=2)
    np.testing.assert_allclose(sel.scores, [1.0, 0.98])
    assert "'b' (0.45) and 'c' (0.45)" in sel.reasons[0]
    assert sel.n_pool == 4 and not sel.subsampled
    lc = UncertaintySampling("least_confident").select(_ids(6), y, FixedModel(P6), batch_size=2)
    assert lc.indices.tolist() == [1, 4]  # 0.90 then 0.825
    assert lc.strategy == "least-confident" and "only probability 0.40" in lc.reasons[0]


def test_candidates_and_subsampling_are_respected_and_reported():
    y = np.array(["a", None, None, "b", None, None], dtype=object)
    picks = UncertaintySampling().query(_ids(6), y, FixedModel(P6), 2, candidates=[0, 2, 3, 5])
    assert picks.tolist() == [2, 5]  # row 3 is labeled, rows 1 and 4 are not candidates
    rng = np.random.default_rng(0)
    P = rng.dirichlet([1, 1, 1], 300)
    sel = UncertaintySampling(max_candidates=50).select(
        _ids(300), np.full(300, None, dtype=object), FixedModel(P), 5, random_state=0
    )
    assert sel.subsampled and sel.n_candidates == 50 and sel.n_pool == 300
    assert "50 of the 300" in sel.note()
    full = UncertaintySampling(max_candidates=None).select(
        _ids(300), np.full(300, None, dtype=object), FixedModel(P), 5
    )
    assert not full.subsampled and full.indices[0] == np.argmax(margin(P))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: UncertaintySampling().query(_ids(3), [0, -1, -1], None), "needs a fitted model"),
        (lambda: RandomSampling().query(_ids(3), [0, -1, -1], batch_size=0), "at least 1"),
        (lambda: RandomSampling().query(_ids(3), [0, -1, -1], candidates=[7]), "0..2"),
        (lambda: RandomSampling().query(_ids(3), [0, -1]), "give one label per row"),
        (
            lambda: UncertaintySampling("confused").query(
                _ids(6), [-1] * 6, FixedModel(P6), batch_size=1
            ),
            "unknown uncertainty",
        ),
        (lambda: RandomSampling(max_candidates=0).query(_ids(3), [0, -1, -1]), "max_candidates"),
    ],
)
def test_bad_queries_are_one_clear_error(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_kcenter_greedy_gives_the_known_centres():
    # Two far clusters and a point in between; one labeled centre at the origin.
    pts = np.array([[0, 0], [0.5, 0], [10, 0], [10, 0.5], [5, 0], [0, 1]], dtype=float)
    picked, radius = kcenter_greedy(pts, 3, centres=[[0.0, 0.0]])
    # farthest from (0,0): (10, 0.5) at 10.012; then from {(0,0), (10,.5)}: (5, 0) at 5;
    # then (0, 1) at 1 (the others are at 0.5 or closer).
    assert picked.tolist() == [3, 4, 5]
    np.testing.assert_allclose(radius, [np.hypot(10, 0.5), 5.0, 1.0])
    picked, radius = kcenter_greedy(pts, 2)  # no centres: the most central point first
    assert picked[0] == 4 and np.isinf(radius[0])


def test_coreset_never_picks_labeled_rows_and_spreads_out():
    X = np.array([[0.0], [0.1], [0.2], [5.0], [9.9], [10.0]])
    y = np.array([0, -1, -1, -1, -1, 1])  # both ends labeled
    # the farthest from 0 and 10 is 5.0 (5 away); then 0.2 (0.2 from 0; 9.9 is 0.1 from 10)
    assert CoreSet().query(X, y, batch_size=2).tolist() == [3, 2]


def test_ball_coverage_by_hand():
    A = np.zeros((5, 5), dtype=bool)
    A[0, [0, 1]] = A[1, [0, 1, 2]] = A[2, [1, 2]] = A[3, [3, 4]] = A[4, [3, 4]] = True
    picked, gain = ball_coverage_greedy(A, 2)
    assert picked.tolist() == [1, 3] and gain.tolist() == [3, 2]
    covered = np.array([False, False, False, True, True])
    picked, gain = ball_coverage_greedy(A, 1, covered)
    assert picked.tolist() == [1] and gain.tolist() == [3]


def _blobs(seed, sizes=(40, 30, 20), spread=0.2):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [6, 0], [0, 6]], dtype=float)
    X = np.vstack([rng.normal(c, spread, (n, 2)) for c, n in zip(centres, sizes, strict=False)])
    blob = np.repeat(np.arange(len(sizes)), sizes)
    return X, blob


@pytest.mark.parametrize("strategy", [TypiClust(), ProbCover(), CoreSet()])
def test_cold_start_takes_one_row_per_blob_without_labels(strategy, global_random_seed):
    X, blob = _blobs(global_random_seed)
    picks = strategy.query(X, None, batch_size=3, random_state=global_random_seed)
    assert sorted(blob[picks].tolist()) == [0, 1, 2]


def test_typiclust_skips_the_blob_that_has_a_label(global_random_seed):
    X, blob = _blobs(global_random_seed)
    y = np.full(len(X), None, dtype=object)
    y[0] = "x"  # blob 0 (the largest) is covered
    picks = TypiClust().query(X, y, batch_size=2, random_state=global_random_seed)
    assert sorted(blob[picks].tolist()) == [1, 2]


def test_vote_entropy_and_forest_committee():
    votes = np.array([[[0.9, 0.1]] * 3, [[0.2, 0.8]] * 3])  # 2 members x 3 rows
    votes[1, 2] = [0.9, 0.1]
    np.testing.assert_allclose(vote_entropy(votes), [1.0, 1.0, 0.0])
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-2, 0.5, (30, 1)), rng.normal(2, 0.5, (30, 1)), [[0.0], [-4.0]]]
    y = np.r_[["a"] * 30, ["b"] * 30, [None, None]].astype(object)
    rf = RandomForestClassifier(50, random_state=0).fit(X[:60], y[:60])
    M = committee_proba(rf, X)
    assert M.shape == (50, 62, 2)
    np.testing.assert_allclose(M.mean(axis=0), rf.predict_proba(X))
    assert QueryByCommittee().query(X, y, rf, batch_size=1).tolist() == [60]  # the boundary


def test_committee_comes_free_from_fewlabels_lightgbm():
    df, truth = make_table(n=120, labeled_fraction=0.5, seed=1)
    model = make_model("supervised", 0).fit(df.drop(columns="label"), df["label"])
    M = committee_proba(model, df.drop(columns="label"))
    assert M.shape[0] == 4 and M.shape[1:] == (120, 3)  # staged at 1/4 .. 4/4
    np.testing.assert_allclose(M[-1], model.predict_proba(df.drop(columns="label")), atol=1e-6)


def test_cluster_margin_is_diverse_where_top_k_is_redundant():
    # 20 near-duplicates sit right at the boundary (margin 1.0) and a second group far
    # away is almost as uncertain (0.96): top-2 margin takes two duplicates, the
    # cluster-margin batch one row of each group.
    rng = np.random.default_rng(0)
    Z = np.r_[rng.normal(0, 0.01, (20, 2)), rng.normal(10, 0.01, (20, 2)), [[5.0, 5.0]]]
    P = np.r_[[[0.5, 0.5]] * 20, [[0.52, 0.48]] * 20, [[0.99, 0.01]]]
    X = np.c_[np.arange(41.0), Z]  # column 0: the row id FixedModel reads
    y = np.full(41, None, dtype=object)
    model = FixedModel(P, classes=("a", "b"))
    top = UncertaintySampling().query(X, y, model, batch_size=2)
    assert (top < 20).all()
    batch = ClusterMargin(margin_factor=20).query(X[:, 1:], y, _Shift(model, X), 2, None, 0)
    assert sorted(int(i >= 20) for i in batch) == [0, 1]


class _Shift:
    """FixedModel on X without its id column (the strategy sees only the features)."""

    def __init__(self, model, X):
        self.model, self.lookup = model, {tuple(r[1:]): int(r[0]) for r in X}
        self.classes_ = model.classes_

    def predict_proba(self, Z):
        return self.model.P[[self.lookup[tuple(r)] for r in np.asarray(Z)]]


def test_density_weighting_prefers_a_crowd_to_an_outlier():
    rng = np.random.default_rng(0)
    Z = np.r_[rng.normal(0, 0.1, (30, 1)), [[8.0]]]
    X = np.c_[np.arange(31.0), Z]
    P = np.r_[[[0.9, 0.1]] * 29, [[0.55, 0.45]], [[0.5, 0.5]]]  # the outlier is most uncertain
    model = _Shift(FixedModel(P, classes=(0, 1)), X)
    y = np.full(31, -1)
    assert UncertaintySampling().query(X[:, 1:], y, model).tolist() == [30]
    assert DensityWeightedUncertainty().query(X[:, 1:], y, model).tolist() == [29]


def test_expected_error_reduction_prefers_the_ambiguous_row():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(-2, 0.3, (10, 1)), rng.normal(2, 0.3, (10, 1)), [[0.0], [-2.0], [2.1]]]
    X = np.r_[X, rng.uniform(-3, 3, (60, 1))]
    y = np.r_[[0] * 3, [-1] * 7, [1] * 3, [-1] * 7, [-1] * 63]
    model = LogisticRegression().fit(X[y >= 0], y[y >= 0])
    sel = ExpectedErrorReduction(max_candidates=None).select(
        X, y, model, 3, candidates=[20, 21, 22], random_state=0
    )
    assert sel.indices[0] == 20  # labeling the boundary row cuts the expected error most
    assert (np.diff(sel.scores) <= 0).all()


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_takes_a_table_with_categoricals_and_string_labels(name):
    df, _ = make_table(n=150, labeled_fraction=0.2, seed=7)
    X = df.drop(columns="label")
    X["color"] = X["color"].astype("category")
    model = make_model("supervised-logreg", 0).fit(X, df["label"])
    sel = get_strategy(name).select(X, df["label"], model, batch_size=4, random_state=0)
    assert len(sel.indices) == len(set(sel.indices.tolist())) == 4
    assert df["label"].isna().to_numpy()[sel.indices].all()
    assert len(sel.reasons) == 4 and all(sel.reasons)
    assert sel.proba.shape == (4, 3) and set(sel.classes) == {"alpha", "beta", "gamma"}


# ---------------------------------------------------------------- stopping


def test_stabilizing_predictions_stops_where_agreement_crosses_the_threshold():
    base = np.array([0] * 50 + [1] * 50)
    preds = [base.copy() for _ in range(8)]
    # models 1..4 each flip 20, 10, 3, 1 rows of the previous model; 5..7 change nothing
    flips = {1: 20, 2: 10, 3: 3, 4: 1}
    for t in range(1, 8):
        preds[t] = preds[t - 1].copy()
        n = flips.get(t, 0)
        preds[t][t * 5 : t * 5 + n] = 1 - preds[t][t * 5 : t * 5 + n]
    stop, kappas = stabilizing_predictions(preds, threshold=0.95, window=2)
    # kappa of 1 flip in 100 is ~0.98 >= 0.95; 3 flips ~0.94 < 0.95
    assert kappas[3] < 0.95 <= kappas[4]
    assert stop == 5  # kappas 4 and 5 are the first two in a row above the threshold
    assert stabilizing_predictions(preds, threshold=0.99, window=3)[0] == 7
    assert stabilizing_predictions(preds, threshold=0.99, window=4)[0] is None


def _history(**columns):
    from types import SimpleNamespace

    n = len(next(iter(columns.values())))
    return [SimpleNamespace(**{k: v[i] for k, v in columns.items()}) for i in range(n)]


def test_each_criterion_says_when_it_would_have_stopped():
    h = _history(
        n_labeled=[10, 20, 30, 40, 50],
        overall_uncertainty=[0.5, 0.3, 0.12, 0.08, 0.05],
        max_uncertainty=[0.9, 0.8, 0.5, 0.25, 0.2],
        estimated_accuracy=[None, 0.7, 0.82, 0.91, 0.93],
        accuracy=[0.6, 0.75, 0.85, 0.9, 0.95],
        stop_predictions=[np.array([0, 1, 1, 0])] * 5,
    )
    criteria = [
        OverallUncertainty(0.1),
        MaxUncertainty(0.3),
        TargetAccuracy(0.9),
        TargetAccuracy(0.95, use_evaluation=True),
        Budget(30),
        StabilizingPredictions(window=3),
    ]
    points = [c.stopping_point(h) for c in criteria]
    assert points == [3, 3, 3, 4, 2, 3]
    assert Budget(30).check(h[:3]) and not Budget(30).check(h[:2])
    named = stopping_points(h, [Budget(30), OverallUncertainty(0.01)])
    assert named == {
        "budget": {"step": 2, "n_labeled": 30},
        "overall uncertainty": {"step": None, "n_labeled": None},
    }


def test_stopping_cost_has_its_optimum_where_labels_stop_paying():
    n = np.array([10, 20, 40, 80])
    acc = np.array([0.70, 0.85, 0.90, 0.91])
    cost = stopping_cost(n, acc, n_rows=1010, error_cost=1.0)
    np.testing.assert_allclose(cost, [10 + 300, 20 + 148.5, 40 + 97, 80 + 83.7])
    assert int(np.argmin(cost)) == 2
    assert int(np.argmin(stopping_cost(n, acc, 1010, error_cost=0.1))) == 1


# ---------------------------------------------------------------- planner


def test_power_law_fit_recovers_a_b_c(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    n = np.array([10, 20, 40, 80, 160, 320, 640, 1280])
    exact = fit_power_law(n, power_law(n, 0.92, 0.9, 0.55))
    np.testing.assert_allclose([exact.a, exact.b, exact.c], [0.92, 0.9, 0.55], rtol=1e-4)
    acc = power_law(n, 0.92, 0.9, 0.55) + rng.normal(0, 0.002, len(n))
    law = fit_power_law(n, acc)
    assert law.a == pytest.approx(0.92, abs=0.01)
    assert law.b == pytest.approx(0.9, rel=0.2)
    assert law.c == pytest.approx(0.55, abs=0.1)
    assert law(2560) == pytest.approx(power_law(2560, 0.92, 0.9, 0.55), abs=0.01)
    assert PowerLaw(0.9, 0.4, 0.5).labels_for(0.95) == np.inf


def test_plan_forecasts_rise_with_labels_and_cover_the_truth(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    n = 3000
    truth = rng.integers(0, 2, n)
    X = rng.normal(0, 1, (n, 10)) + 0.6 * truth[:, None]
    y = np.where(np.arange(n) < 80, truth, -1)
    plan = plan_labels(LogisticRegression(), X, y, random_state=global_random_seed)
    accs = [plan.now.accuracy] + [f.accuracy for f in plan.forecasts]
    assert all(b >= a - 1e-9 for a, b in zip(accs, accs[1:], strict=False))
    assert [f.n_labels for f in plan.forecasts] == [160, 400, 800]
    # what 160 random labels really give, on the held-back rows
    test = np.arange(1000, n)
    achieved = []
    for s in range(5):
        rows = np.random.default_rng(s).choice(np.arange(80, 1000), 160, replace=False)
        m = LogisticRegression().fit(X[rows], truth[rows])
        achieved.append(m.score(X[test], truth[test]))
    two = plan.forecasts[0]
    # 80 held-out labels measure accuracy to about +-0.05 (one standard error): the
    # interval, not the point, is what can be promised
    assert two.low <= np.mean(achieved) <= two.high
    assert two.high - two.low < 0.3
    # labels_needed inverts the fitted law: check it against the closed form n = (b / (a - t))^(1/c)
    law = plan.law
    target = (plan.now.accuracy + law.a) / 2
    need, lo, hi = plan.labels_needed(target)
    assert need == pytest.approx((law.b / (law.a - target)) ** (1 / law.c), rel=1e-6)
    assert lo <= need <= hi
    assert Budget.for_accuracy(plan, target).max_labels == int(np.ceil(need))
    with pytest.raises(InputError, match="never reaches"):
        Budget.for_accuracy(plan, 1.0)


def test_planner_refuses_too_few_labels():
    y = np.r_[[0, 0, 1], [-1] * 20]
    with pytest.raises(InputError, match="at least 2 labels of every class"):
        plan_labels(LogisticRegression(), np.zeros((23, 1)), y)
    y = np.r_[[0, 1] * 4, [-1] * 20]
    with pytest.raises(InputError, match="fewer than 3 curve points"):
        plan_labels(LogisticRegression(), np.zeros((28, 1)), y)


# ---------------------------------------------------------------- loop


class Spy(BaseFewLabelsClassifier):
    """Logistic regression on the labeled rows; records what each fit received."""

    _accepts_tables = True
    _allow_nan = True
    calls: list = []  # noqa: RUF012  (shared on purpose: clones record into it)

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y, **kw):
        Spy.calls.append((X, y))
        return super().fit(X, y, **kw)

    def _fit(self, X, target, random_state):
        from fewlabels.data.encoder import NumericView

        self.enc_ = NumericView().fit(X)
        lab = target.labeled
        self.lr_ = LogisticRegression().fit(self.enc_.transform(X)[lab], target.codes[lab])

    def _predict_proba(self, X):
        P = np.zeros((len(X), len(self.classes_)))
        P[:, self.lr_.classes_] = self.lr_.predict_proba(self.enc_.transform(X))
        return P


@pytest.mark.parametrize("semi_supervised", [True, False])
def test_loop_on_a_table_with_categoricals_and_string_labels(semi_supervised):
    df, truth = make_table(n=240, labeled_fraction=0.0, seed=3)  # 3 labels per class
    X = df.drop(columns="label")
    X["color"] = X["color"].astype("category")
    before = X.copy()
    Spy.calls = []
    loop = ActiveLearningLoop("margin", Spy(), batch_size=6, semi_supervised=semi_supervised)
    result = loop.run(
        X, df["label"], simulated_oracle(truth), n_steps=3, X_eval=X, y_eval=truth, random_state=0
    )
    assert [s.n_labeled for s in result.steps] == [9, 15, 21, 27]
    queried = np.concatenate([s.queried for s in result.steps])
    assert len(set(queried.tolist())) == 18 and df["label"].isna().to_numpy()[queried].all()
    assert (result.labels[queried] == truth.to_numpy()[queried]).all()
    pd.testing.assert_frame_equal(X, before)  # the input is untouched
    assert df["label"].notna().sum() == 9  # and so is the target
    assert len(Spy.calls) == 4
    for (seen, y), n_lab in zip(Spy.calls, [9, 15, 21, 27], strict=True):
        if semi_supervised:  # every row, the same object, unlabeled rows marked
            assert seen is X and y.n_labeled == n_lab and len(y) == 240
        else:
            assert len(seen) == n_lab
    assert result.steps[-1].accuracy > 0.8
    assert result.model is not None and result.steps[0].model is None
    assert 0.0 <= result.area_under_curve() <= 1.0


def test_loop_cold_start_and_a_skipping_oracle():
    X, blob = _blobs(0)
    truth = np.array(["p", "q", "r"], dtype=object)[blob]
    asked = []

    def oracle(rows):
        asked.extend(rows.tolist())
        answers = truth[rows].copy()
        answers[0] = None  # the labeler skips the first row of every batch
        return answers

    loop = ActiveLearningLoop("margin", LogisticRegression(), batch_size=3)
    result = loop.run(X, None, oracle, n_steps=3, random_state=0)
    first = result.steps[0]
    assert not first.fitted and "typical" in first.reasons[0]  # cold start: TypiClust
    assert result.steps[-1].fitted
    assert len(asked) == len(set(asked)) == 9  # a skipped row is never asked again
    assert sum(r is not None for r in result.labels) == 6


def test_loop_stops_on_a_budget_and_needs_an_end():
    X, blob = _blobs(1)
    loop = ActiveLearningLoop("random", LogisticRegression(), batch_size=4)
    result = loop.run(X, None, simulated_oracle(blob), budget=10, random_state=0)
    assert [s.n_labeled for s in result.steps] == [0, 4, 8, 10]
    with pytest.raises(InputError, match="n_steps or budget"):
        loop.run(X, None, simulated_oracle(blob))


# ---------------------------------------------------------------- CLI


def _csv(tmp_path, n=200, labeled=0.15, seed=0):
    df, truth = make_table(n=n, labeled_fraction=labeled, seed=seed)
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path, df, truth


def test_query_writes_rows_guesses_and_reasons(tmp_path, capsys):
    path, df, _ = _csv(tmp_path)
    out = tmp_path / "to_label.csv"
    args = ["query", str(path), "-t", "label", "--n", "8", "--out", str(out)]
    code = main([*args, "-m", "supervised-logreg", "--json"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    table = pd.read_csv(out)
    assert table.columns.tolist()[:4] == ["row", "guess", "confidence", "reason"]
    assert len(table) == 8 and summary["picked"] == table["row"].tolist()
    assert df["label"].isna().to_numpy()[table["row"]].all()  # only unlabeled rows
    assert set(table["guess"]) <= {"alpha", "beta", "gamma"}
    assert table["reason"].str.len().min() > 10
    assert table["label"].isna().all()  # the target is left to fill in
    np.testing.assert_allclose(table["x1"], df["x1"].to_numpy()[table["row"]])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "to_label.csv"]


def test_query_cold_start_with_no_labels(tmp_path, capsys):
    df, _ = make_table(n=120, seed=2)
    df["label"] = None
    path = tmp_path / "blank.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "first.csv"
    assert main(["query", str(path), "-t", "label", "-n", "5", "-o", str(out), "-q"]) == 0
    table = pd.read_csv(out)
    assert len(table) == 5 and table["guess"].isna().all()
    assert table["reason"].str.contains("typical").all()


def test_query_is_atomic_when_writing_fails(tmp_path, capsys, monkeypatch):
    path, _, _ = _csv(tmp_path)
    out = tmp_path / "to_label.csv"
    out.write_text("previous\n")

    def broken(self, target, *a, **k):
        with open(target, "w") as fh:
            fh.write("half a fi")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    code = main(["query", str(path), "-t", "label", "-o", str(out), "-m", "supervised-logreg"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "No space left" in err and len(err.splitlines()) == 1
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "to_label.csv"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-t", "nope"], "not found"),
        (["-t", "label", "-s", "magic"], "is not one of"),
        (["-t", "label", "-o", "{tmp}/rows.xlsx"], "output format"),
        (["-t", "label", "-o", "{tmp}/data.csv"], "overwrite the input"),
        (["-t", "label", "-m", "nothing"], "unknown method"),
        (["-t", "x1"], "class labels"),
        (["-t", "full"], "nothing to query"),
    ],
)
def test_query_bad_input_is_one_line_exit_2(tmp_path, capsys, extra, message):
    path, df, _ = _csv(tmp_path, n=60)
    df["full"] = "yes"
    df.to_csv(path, index=False)
    before = path.read_bytes()
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out.csv")]
    code = main(["query", str(path), *args, "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert message in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]
    assert path.read_bytes() == before


def test_plan_prints_forecasts(tmp_path, capsys):
    path, _, _ = _csv(tmp_path, n=300, labeled=0.3, seed=4)
    fast = ["-m", "supervised-logreg", "--cv", "3", "--repeats", "1", "-s", "none"]
    code = main(["plan", str(path), "-t", "label", *fast, "--json"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    assert "active" not in summary
    n = summary["labeled_rows"]
    forecasts = summary["random"]["forecasts"]
    assert [f["n_labels"] for f in forecasts] == [n, 2 * n, 5 * n, 10 * n]
    for f in forecasts:
        assert 0 <= f["low"] <= f["accuracy"] <= f["high"] <= 1
    code = main(["plan", str(path), "-t", "label", *fast])
    assert code == 0 and "random labeling" in capsys.readouterr().out


def test_active_learning_curve_grows_subsamples_with_the_strategy():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 400)
    X = rng.normal(0, 1, (400, 3)) + 1.5 * truth[:, None]
    y = np.where(np.arange(400) < 90, truth, -1)
    curve = learning_curve(
        LogisticRegression(), X, y, cv=3, n_repeats=1, strategy="margin", random_state=0
    )
    assert curve.strategy == "margin" and len(curve.correct) == 3
    held = np.concatenate(curve.held_out)
    assert sorted(held.tolist()) == list(range(90))  # each labeled row held out once
    assert curve.accuracy().shape == curve.sizes.shape


def test_plan_bad_input_is_one_line_exit_2(tmp_path, capsys):
    path, _, _ = _csv(tmp_path, n=40, labeled=0.05)
    code = main(["plan", str(path), "-t", "label", "-m", "supervised-logreg"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "planner" in err


def test_kcenter_greedy_never_picks_a_row_twice_among_duplicates():
    from fewlabels.active.utilities import kcenter_greedy

    X = np.array([[0.0], [0.0], [1.0], [1.0], [1.0]])
    picked, _ = kcenter_greedy(X, 4, centres=[[0.0]])
    assert len(set(picked.tolist())) == 4
    picked, _ = kcenter_greedy(X, 5)
    assert sorted(picked.tolist()) == [0, 1, 2, 3, 4]


def test_select_reuses_given_probabilities_instead_of_asking_the_model():
    from fewlabels.active import ClusterMargin, UncertaintySampling

    class Refuses:  # a fitted model that must not be asked again
        classes_ = np.array(["a", "b"])

        def predict_proba(self, X):
            raise AssertionError("predict_proba called although proba was given")

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = np.full(200, None, dtype=object)
    y[:4] = ["a", "b", "a", "b"]
    p = np.clip(X[:, 0] * 0.3 + 0.5, 0.01, 0.99)
    P = np.c_[1 - p, p]
    sel = UncertaintySampling("margin").select(X, y, Refuses(), batch_size=3, proba=P)
    margins = np.abs(P[4:, 1] - P[4:, 0])
    assert sorted(sel.indices.tolist()) == sorted((4 + np.argsort(margins)[:3]).tolist())
    sel = ClusterMargin().select(X, y, Refuses(), batch_size=3, proba=P, random_state=0)
    assert len(set(sel.indices.tolist())) == 3 and set(sel.indices) <= set(range(4, 200))
    assert sel.classes.tolist() == ["a", "b"]
    with pytest.raises(InputError, match="one row per row"):
        ClusterMargin().select(X, y, Refuses(), batch_size=3, proba=P[:10])
