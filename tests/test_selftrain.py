"""Self-training: policies on hand cases, confidence measures, the loop, and leak-free CV."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from fewlabels.evidence import cross_validate_methods, labeled_folds
from fewlabels.methods import make_model
from fewlabels.selftrain import (
    MSLA,
    ClassBalancedTopK,
    CommitteeAgreement,
    ConfidenceContext,
    CoTrainingClassifier,
    Curriculum,
    PolicyRule,
    PolicyState,
    PoolLearner,
    PoolLoop,
    Scores,
    Selection,
    SelectionPolicy,
    SelfTrainingClassifier,
    Threshold,
    TriTrainingClassifier,
    TSimilarity,
    msla_thresholds,
    t_similarity,
)


def _blobs(n=200, seed=0, n_labeled=4, spread=1.0):
    rng = np.random.default_rng(seed)
    y_true = np.repeat([0, 1], n // 2)
    X = rng.normal(0, spread, (n, 2)) + 3 * y_true[:, None]
    y = np.full(n, -1)
    for c in (0, 1):
        y[np.flatnonzero(y_true == c)[: n_labeled // 2]] = c
    return X, y, y_true


# --------------------------------------------------------------------------- policies
def test_threshold_hand_case():
    conf = np.array([0.95, 0.79, 0.8, 0.2])
    assert Threshold(0.8).select(conf, None, None, None).tolist() == [True, False, True, False]


def test_topk_keeps_labeled_proportions():
    conf = np.array([0.99, 0.98, 0.97, 0.96, 0.5, 0.4, 0.3])
    pred = np.array([0, 0, 0, 0, 1, 1, 1])
    state = PolicyState(1, 2, labeled_counts=np.array([1, 1]))
    chosen = ClassBalancedTopK(k=4).select(conf, None, pred, state)
    # 2 per class even though class 0 holds the 4 most confident rows
    assert np.flatnonzero(chosen).tolist() == [0, 1, 4, 5]
    state = PolicyState(1, 2, labeled_counts=np.array([3, 1]))
    assert ClassBalancedTopK(k=4).select(conf, None, pred, state).sum() == 4


def test_curriculum_quantiles_and_restart():
    conf = np.linspace(0, 1, 11)
    c = Curriculum(step=0.2)
    assert c.restart
    taken = [
        int(c.select(conf, None, None, PolicyState(t, 2, np.ones(2))).sum())
        for t in (1, 2, 3, 4, 5)
    ]
    assert taken == [3, 5, 7, 9, 11]


def _msla_reference(votes, prob, pred, n_grid=50):
    """The bound written out with plain loops, following the formulas of Feofanov et al."""
    u, K = votes.shape
    thetas = np.zeros(K)
    for k in range(K):
        v = votes[:, k]
        grid = [v.min() + n * (v.max() - v.min()) / n_grid for n in range(n_grid)]
        values = []
        for n, th in enumerate(grid):
            joint = np.zeros(K)
            for i in range(K):
                if i == k:
                    continue
                ui = votes[:, i].sum()
                ubs = []
                for m in range(n_grid):
                    g = th + (1 - th) * (m + 1) / n_grid
                    I_ik = sum(prob[x, i] for x in range(u) if th <= v[x] < g) / ui
                    Kik = sum(prob[x, i] * v[x] for x in range(u) if pred[x] == k) / ui
                    Mg = sum(prob[x, i] * v[x] for x in range(u) if v[x] < g) / ui
                    Mt = sum(prob[x, i] * v[x] for x in range(u) if v[x] < th) / ui
                    A = Kik + Mt - Mg
                    ubs.append(I_ik + max(A, 0) / g)
                    if m > 3 and ubs[-1] > ubs[-2] >= ubs[-3]:
                        break
                joint[i] = min(ubs)
            risk = sum(prob[:, i].sum() * joint[i] for i in range(K)) / u
            share = max(np.mean((v >= th) & (pred == k)), 1e-15)
            values.append(risk / share)
            if n > 3 and values[-1] > values[-2] >= values[-3]:
                break
        thetas[k] = grid[int(np.argmin(values))]
    return thetas


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_msla_matches_the_written_out_bound(seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (60, 3))
    votes = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    prob = np.roll(votes, 1, axis=0) * 0.5 + votes * 0.5
    pred = votes.argmax(axis=1)
    np.testing.assert_allclose(
        msla_thresholds(votes, prob, pred, n_grid=12), _msla_reference(votes, prob, pred, n_grid=12)
    )


def test_msla_step_selects_by_class_thresholds():
    votes = np.array(
        [[0.99, 0.01], [0.97, 0.03], [0.55, 0.45], [0.02, 0.98], [0.45, 0.55], [0.01, 0.99]]
    )
    pred = votes.argmax(axis=1)
    policy = MSLA(n_grid=20)
    # the initial model agrees with the votes: the bound is low everywhere, every row goes in
    state = PolicyState(1, 2, np.array([1, 1]), votes)
    chosen = policy.select(votes.max(axis=1), votes, pred, state)
    selection = policy._select(votes.max(axis=1), votes, pred, state)
    np.testing.assert_allclose(selection.thresholds, [0.157, 0.157])
    assert chosen.all() and selection.mask.all()
    # the initial model says the two coin flips belong to the other class: they are kept out
    prior = votes.copy()
    prior[2], prior[4] = [0.05, 0.95], [0.95, 0.05]
    state = PolicyState(1, 2, np.array([1, 1]), prior)
    chosen = policy.select(votes.max(axis=1), votes, pred, state)
    selection = policy._select(votes.max(axis=1), votes, pred, state)
    np.testing.assert_allclose(selection.thresholds, [0.598, 0.598])
    assert chosen.tolist() == selection.mask.tolist() == [True, True, False, True, False, True]


# --------------------------------------------------------------------------- confidence
def test_t_similarity_bounds_and_extremes():
    rng = np.random.default_rng(0)
    H = rng.dirichlet(np.ones(4), size=(5, 30))
    s = t_similarity(H)
    assert ((s >= 0) & (s <= 1)).all()
    np.testing.assert_allclose(t_similarity(H, classwise=True).sum(axis=1), s)
    one_hot = np.broadcast_to(np.eye(4)[[0]], (5, 1, 4))
    assert t_similarity(one_hot)[0] == pytest.approx(1.0)


def test_diversity_term_lowers_agreement_off_the_labeled_data():
    X, y, _ = _blobs(300, n_labeled=6)
    lab = y != -1
    far = np.random.default_rng(1).normal(0, 1, (200, 2)) * 6  # where the labels say little
    means = {}
    for gamma in (0.0, 2.0):
        ctx = ConfidenceContext(X[lab], y[lab], far, 2, None, np.random.RandomState(0))
        m = TSimilarity(gamma=gamma, n_steps=300).fit(ctx)
        means[gamma] = m.score(None, far)[0].mean()
    assert means[2.0] < means[0.0] - 0.05


def test_t_similarity_uses_the_mlp_embedding():
    from sklearn.neural_network import MLPClassifier

    X, y, _ = _blobs(300, n_labeled=20)
    lab = y != -1
    mlp = MLPClassifier(hidden_layer_sizes=(16, 7), max_iter=300, random_state=0).fit(
        X[lab], y[lab]
    )
    ctx = ConfidenceContext(
        X[lab], y[lab], X[~lab], 2, None, np.random.RandomState(0), fitted_model=mlp
    )
    m = TSimilarity(n_steps=20).fit(ctx)
    assert m.W_.shape == (
        5,
        7,
        2,
    )  # heads on the last hidden layer (7 units), not the 2 raw features
    without = TSimilarity(n_steps=20).fit(
        ConfidenceContext(X[lab], y[lab], X[~lab], 2, None, np.random.RandomState(0))
    )
    assert without.W_.shape == (5, 2, 2)


def test_committee_agreement_is_a_share():
    X, y, _ = _blobs()
    lab = y != -1
    ctx = ConfidenceContext(
        X[lab], y[lab], X[~lab], 2, LogisticRegression(), np.random.RandomState(0)
    )
    conf, votes = (
        CommitteeAgreement(n_members=5).fit(ctx).score(np.tile([0.6, 0.4], (len(X), 1)), X)
    )
    assert set(np.unique(votes * 5)) <= set(range(6))
    np.testing.assert_allclose(votes.sum(axis=1), 1.0)


# --------------------------------------------------------------------------- the loop
def test_self_training_helps_on_clusters():
    X, y, y_true = _blobs(400, n_labeled=2, spread=1.2)
    sup = LogisticRegression().fit(X[y != -1], y[y != -1])
    st = SelfTrainingClassifier(LogisticRegression(), policy="topk", max_iter=15).fit(X, y)
    assert (st.predict(X) == y_true).mean() >= (sup.predict(X) == y_true).mean()
    assert st.n_iter_ == len(st.history_) > 0
    assert (st.labeled_iter_[y != -1] == 0).all()


def test_termination_conditions():
    X, y, _ = _blobs()
    assert (
        SelfTrainingClassifier(LogisticRegression(), policy=Threshold(1.0))
        .fit(X, y)
        .termination_condition_
        == "no_change"
    )
    assert (
        SelfTrainingClassifier(LogisticRegression(), policy=Threshold(0.0))
        .fit(X, y)
        .termination_condition_
        == "all_labeled"
    )
    assert (
        SelfTrainingClassifier(LogisticRegression(), policy=ClassBalancedTopK(2), max_iter=3)
        .fit(X, y)
        .termination_condition_
        == "max_iter"
    )
    cur = SelfTrainingClassifier(LogisticRegression(), policy="curriculum", max_iter=20).fit(X, y)
    assert cur.termination_condition_ == "no_change" and cur.n_iter_ == 5


def test_history_records_pseudo_label_accuracy():
    X, y, y_true = _blobs()
    st = SelfTrainingClassifier(LogisticRegression(), policy="topk", max_iter=3).fit(
        X, y, eval_labels=y_true
    )
    h = st.history_[0]
    assert h["n_added"] == sum(h["added_per_class"].values()) > 0
    assert 0.9 <= h["pseudo_label_accuracy"] <= 1.0


def test_deterministic_under_a_seed():
    X, y, _ = _blobs()
    a = SelfTrainingClassifier(policy="msla", random_state=3).fit(X, y)
    b = SelfTrainingClassifier(policy="msla", random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.history_ == b.history_


def test_lightgbm_warm_start_continues_the_booster():
    X, y, _ = _blobs(400, n_labeled=10)
    st = SelfTrainingClassifier(
        policy=ClassBalancedTopK(40), max_iter=3, warm_start_estimators=7, random_state=0
    ).fit(X, y)
    assert st.n_iter_ == 3
    assert st.estimator_.n_trees == 200 + 3 * 7
    assert len(st.estimator_.stages) == 4
    cold = SelfTrainingClassifier(
        policy=ClassBalancedTopK(40), max_iter=3, warm_start=False, random_state=0
    ).fit(X, y)
    assert cold.estimator_.booster_.current_iteration() == 200


def test_boosting_chain_equals_continued_booster():
    """Stages fitted from init_score add up to what continuing the booster gives."""
    from lightgbm import LGBMClassifier

    from fewlabels.selftrain import BoostingChain

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    params = {"verbose": -1, "deterministic": True, "force_row_wise": True}
    for n_classes in (2, 3):
        y = (X[:, 0] > 0).astype(int) + ((X[:, 1] > 1).astype(int) if n_classes == 3 else 0)
        rows = np.arange(300)
        chain = BoostingChain.start(LGBMClassifier(n_estimators=20, **params), X, rows, y)
        trained = chain.add_stage(10, rows[50:], y[50:], chain.raw_score(X[50:]))
        # the training rows' scores read back from the booster are the predicted raw scores
        # (softmax scores up to a constant per row)
        expected = chain.raw_score(X[50:])
        if n_classes > 2:
            trained = trained - trained.mean(axis=1, keepdims=True)
            expected = expected - expected.mean(axis=1, keepdims=True)
        np.testing.assert_allclose(trained, expected, atol=1e-7)
        chain.stages[1:] = []
        chain.add_stage(10, rows, y, chain.raw_score(X))
        continued = LGBMClassifier(n_estimators=10, **params)
        continued.fit(X, y, init_model=chain.stages[0].booster_)
        np.testing.assert_allclose(
            chain.predict_proba(X), continued.predict_proba(X), rtol=1e-6, atol=1e-9
        )
        assert chain.n_trees == 30


def test_boosting_chain_keeps_class_weight_in_later_stages():
    """class_weight (sample weights in LightGBM's wrapper) applies to every stage."""
    from lightgbm import LGBMClassifier
    from sklearn.utils.class_weight import compute_sample_weight

    from fewlabels.selftrain import BoostingChain

    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] > 0.8).astype(int)  # imbalanced
    rows = np.arange(300)
    params = {"n_estimators": 10, "verbose": -1, "deterministic": True, "force_row_wise": True}
    weighted = BoostingChain.start(LGBMClassifier(class_weight="balanced", **params), X, rows, y)
    plain = BoostingChain.start(LGBMClassifier(**params), X, rows, y)
    plain.stages[0] = weighted.stages[0]
    raw = weighted.raw_score(X)
    weighted.add_stage(5, rows, y, raw)
    plain.add_stage(5, rows, y, raw, sample_weight=compute_sample_weight("balanced", y))
    np.testing.assert_allclose(weighted.raw_score(X), plain.raw_score(X))
    unweighted = BoostingChain.start(LGBMClassifier(**params), X, rows, y)
    unweighted.stages[0] = weighted.stages[0]
    unweighted.add_stage(5, rows, y, raw)
    assert not np.allclose(unweighted.raw_score(X), weighted.raw_score(X))


# --------------------------------------------------------------------------- auto
def test_cross_validation_never_reads_held_out_labels():
    """Scrambling one fold's held-out labels changes nothing that fold fits or predicts."""
    X, y, _ = _blobs(160, n_labeled=40)
    folds, *_ = labeled_folds(y, 4, 1, 0)
    factories = {
        name: (lambda name=name: make_model(name, 0))
        for name in ("supervised-logreg", "self-training-topk", "label-spreading")
    }
    scrambled = y.copy()
    held = folds[0]
    scrambled[held] = np.random.default_rng(0).permutation(
        1 - y[held]
    )  # every held-out label now wrong
    a = cross_validate_methods(factories, X, y, folds[:1])
    b = cross_validate_methods(factories, X, scrambled, folds[:1])
    for name in factories:
        np.testing.assert_array_equal(a.predictions[name][0], b.predictions[name][0])
        assert a.accuracy[name][0] != b.accuracy[name][0]  # only the scoring saw the change


# --------------------------------------------------------------------------- the pool loop
@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (Threshold(1.5), "The 'threshold' parameter of Threshold must be a float in the range"),
        (ClassBalancedTopK(k=-1), "The 'k' parameter of ClassBalancedTopK"),
        (Curriculum(step=0.0), "The 'step' parameter of Curriculum"),
        (MSLA(n_grid=2), "The 'n_grid' parameter of MSLA"),
    ],
)
def test_select_validates_parameters(policy, message):
    conf = np.array([0.9, 0.2])
    state = PolicyState(1, 2, np.array([1, 1]))
    with pytest.raises(ValueError, match=message):
        policy.select(conf, np.c_[conf, 1 - conf], np.array([0, 1]), state)
    X, y, _ = _blobs()
    with pytest.raises(ValueError, match=message):
        SelfTrainingClassifier(LogisticRegression(), policy=policy).fit(X, y)
    with pytest.raises(ValueError, match=message):
        CoTrainingClassifier(LogisticRegression(), policy=policy).fit(X, y)


def test_select_validates_inputs():
    conf, pred = np.array([0.9, 0.5, 0.7]), np.array([0, 1, 0])
    state = PolicyState(1, 2, np.array([1, 1]))
    with pytest.raises(ValueError, match="confidence must be 1-D"):
        Threshold().select(conf[:, None])
    with pytest.raises(ValueError, match="ClassBalancedTopK.select needs pred and state"):
        ClassBalancedTopK().select(conf)
    with pytest.raises(ValueError, match="Curriculum.select needs state"):
        Curriculum().select(conf, None, pred)
    with pytest.raises(ValueError, match=r"votes must have shape \(3, n_classes\)"):
        MSLA().select(conf, np.ones((2, 2)), pred)
    with pytest.raises(ValueError, match="pred must be 3 integer class codes"):
        ClassBalancedTopK().select(conf, None, pred[:2], state)
    with pytest.raises(ValueError, match=r"pred must hold codes in \[0, 2\)"):
        ClassBalancedTopK().select(conf, None, np.array([0, 2, 1]), state)
    with pytest.raises(ValueError, match="one count per class"):
        ClassBalancedTopK().select(conf, None, pred, PolicyState(1, 3, np.array([1, 1])))
    # k=0 (an empty candidate set in the auto plan) accepts nothing rather than raising
    assert not ClassBalancedTopK(k=0).select(conf, None, pred, state).any()


def test_private_select_returns_thresholds_and_keeps_none():
    conf = np.linspace(0, 1, 11)
    state = PolicyState(1, 2, np.array([1, 1]))
    for policy, thresholds in [
        (Threshold(0.8), [0.8]),
        (Curriculum(step=0.2), [0.8]),
        (ClassBalancedTopK(k=2), None),
    ]:
        before = dict(vars(policy))
        sel = policy._select(conf, None, (conf > 0.5).astype(int), state)
        assert isinstance(sel, Selection) and sel.mask.dtype == bool
        if thresholds is None:
            assert sel.thresholds is None
        else:
            np.testing.assert_allclose(sel.thresholds, thresholds)
        np.testing.assert_array_equal(
            policy.select(conf, None, (conf > 0.5).astype(int), state), sel.mask
        )
        assert vars(policy) == before  # nothing kept by side effect
    assert Curriculum.restarts and Curriculum().restart and not Threshold.restarts
    assert MSLA.needs_prior and not ClassBalancedTopK.needs_prior


class _FixedLearner(PoolLearner):
    """Scores that never change: class 0 with confidence ``conf`` on every row; counts refits."""

    def __init__(self, conf):
        self.conf = np.asarray(conf, dtype=float)
        self.refits = 0
        self.started = False

    def start(self, state):
        self.started = True

    def score(self, pool, state):
        c = self.conf[pool]
        return [Scores(c, np.c_[c, 1 - c], np.zeros(pool.size, dtype=int))]

    def refit(self, state, updates):
        self.refits += 1


def test_pool_loop_hand_case():
    codes = np.array([0, 1, -1, -1, -1, -1])
    conf = [1, 1, 0.6, 0.9, 0.7, 0.8]
    learner = _FixedLearner(conf)
    loop = PoolLoop(learner, PolicyRule(ClassBalancedTopK(k=1)), n_classes=2, max_iter=10)
    result = loop.run(codes)
    # k-best with k=1: the most confident row first (0.9), then 0.8, 0.7, 0.6
    assert [r.updates[0].rows.tolist() for r in result.history] == [[3], [5], [4], [2]]
    assert result.state.labeled_iter[0].tolist() == [0, 0, 4, 1, 3, 2]
    assert result.state.labels[0].tolist() == [0, 1, 0, 0, 0, 0]
    assert result.termination == "all_labeled" and result.n_iter == 4
    assert learner.started and learner.refits == 4
    assert [r.n_pool for r in result.history] == [4, 3, 2, 1]
    # a restarting policy: the whole pool every round, each selection replacing the last
    learner = _FixedLearner(conf)
    loop = PoolLoop(learner, PolicyRule(Curriculum(step=0.25)), n_classes=2, max_iter=10)
    result = loop.run(codes)
    assert [r.updates[0].rows.tolist() for r in result.history] == [
        [3],
        [3, 5],
        [3, 4, 5],
        [2, 3, 4, 5],
    ]
    assert [r.n_pool for r in result.history] == [4, 4, 4, 4]
    assert result.state.labeled_iter[0].tolist() == [0, 0, 4, 4, 4, 4]
    assert result.termination == "no_change" and learner.refits == 4  # round 5 repeated round 4


def test_policy_rule_most_confident_view_wins():
    pool = np.array([7, 8, 9])
    views = [
        Scores(np.array([0.9, 0.6, 0.2]), np.zeros((3, 2)), np.array([0, 0, 0])),
        Scores(np.array([0.8, 0.7, 0.95]), np.zeros((3, 2)), np.array([1, 1, 1])),
    ]
    (u,) = PolicyRule(Threshold(0.5)).select(views, pool, PolicyState(1, 2, np.ones(2)))
    assert u.rows.tolist() == [7, 8, 9] and u.labels.tolist() == [0, 1, 1]
    np.testing.assert_allclose(u.confidence, [0.9, 0.7, 0.95])
    assert [t.tolist() for t in u.thresholds] == [[0.5], [0.5]]


class _Take(SelectionPolicy):
    """From round ``start`` on, the ``n`` most confident rows (all when None); a stand-in for
    a policy the loop has never heard of."""

    def __init__(self, start=1, n=None):
        self.start = start
        self.n = n

    def _select(self, confidence, votes, pred, state):
        mask = np.zeros(confidence.size, dtype=bool)
        if state.iteration >= self.start:
            order = np.argsort(-confidence, kind="stable")
            mask[order if self.n is None else order[: self.n]] = True
        return Selection(mask)


class _RestartingTake(_Take):
    restarts = True


def _fits(policy, X, y):
    return [
        SelfTrainingClassifier(LogisticRegression(), policy=policy, max_iter=3).fit(X, y),
        CoTrainingClassifier(LogisticRegression(), policy=policy, max_iter=3, random_state=0).fit(
            X, y
        ),
        TriTrainingClassifier(LogisticRegression(), policy=policy, max_iter=3, random_state=0).fit(
            X, y
        ),
    ]


def test_declared_restarts_reach_every_loop():
    X, y, _ = _blobs(200, n_labeled=6)
    # one row a round (per view): kept and added to without restarts, replaced with them
    st, co = _fits(_Take(n=1), X, y)[:2]
    assert (st.labeled_iter_ > 0).sum() == 3 and 4 <= (co.labeled_iter_ > 0).sum() <= 6
    assert [h["n_pool"] for h in co.history_] == [(y == -1).sum() - k for k in (0, 2, 4)]
    st, co = _fits(_RestartingTake(n=1), X, y)[:2]
    assert (st.labeled_iter_ > 0).sum() == 1 and 1 <= (co.labeled_iter_ > 0).sum() <= 2
    for est in (st, co):
        assert set(est.labeled_iter_[y == -1]) <= {-1, est.n_iter_}
    assert all(h["n_pool"] == (y == -1).sum() for h in co.history_)
    # nothing in round 1: the end without restarts; a restarting schedule goes on
    for est in _fits(_Take(start=2), X, y):
        assert est.termination_condition_ == "no_change" and est.n_iter_ == 0
    late = _fits(_RestartingTake(start=2), X, y)
    for est in late:
        assert est.n_iter_ >= 2
    st, co, tri = late
    assert st.history_[0]["n_added"] == 0 and st.history_[1]["n_added"] == (y == -1).sum()
    assert co.history_[0]["n_added"] == [0] and co.history_[1]["n_added"] == [(y == -1).sum()]
    assert tri.history_[0]["n_added"] == [0, 0, 0] and sum(tri.history_[1]["n_added"]) > 0


def test_curriculum_co_training_restarts():
    X, y, _ = _blobs(200, n_labeled=6)
    n_pool = (y == -1).sum()
    co = CoTrainingClassifier(LogisticRegression(), policy="curriculum", random_state=0).fit(X, y)
    added = [h["n_added"][0] for h in co.history_]
    assert all(h["n_pool"] == n_pool for h in co.history_)  # the whole pool every round
    assert added[0] < n_pool / 2 and added == sorted(added)  # growing quantile steps
    # the previous rounds' pseudo-labels were dropped: every one comes from the last round
    assert set(co.labeled_iter_[y == -1]) <= {-1, co.n_iter_}
    assert [h["n_labeled_total"][0] for h in co.history_] == [a + 6 for a in added]
    tri = TriTrainingClassifier(LogisticRegression(), policy="curriculum", random_state=0)
    assert tri.fit(X, y).termination_condition_ in {"no_change", "max_iter"}


def test_loops_have_no_policy_branches():
    import inspect

    from fewlabels.selftrain import classifier, loop, multiview

    for module in (loop, classifier, multiview):
        source = inspect.getsource(module)
        assert "isinstance(policy" not in source and ".restart " not in source
        assert "MSLA)" not in source and "Curriculum)" not in source
