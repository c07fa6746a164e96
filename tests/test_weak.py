"""Weak supervision: LF analysis and majority vote by hand, Dawid-Skene and matrix
completion recovering known LF accuracies, the appliers (pandas = Dask, pandas 3 strings),
generated LFs, the classifier's safety rails, and ``fewlabels weak``."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from fewlabels.cli import main
from fewlabels.exceptions import InputError
from fewlabels.weak import (
    ABSTAIN,
    LABEL_MODELS,
    DaskLFApplier,
    LFApplyError,
    PandasLFApplier,
    WeakSupervisionClassifier,
    apply_lfs,
    category_lf,
    conflict_matrix,
    fit_dawid_skene,
    fit_label_model,
    fit_label_model_dask,
    fit_majority_vote,
    fit_matrix_completion,
    fit_weighted_majority_vote,
    generate_stump_lfs,
    keyword_lf,
    label_coverage,
    labeling_function,
    lf_conflicts,
    lf_coverages,
    lf_empirical_accuracies,
    lf_overlaps,
    lf_polarities,
    range_lf,
    regex_lf,
    threshold_lf,
    vote_patterns,
    with_labels,
)
from fewlabels.weak.label_models import fit_matrix_completion_from_statistics, overlap_statistics

# Six rows, three LFs (a, b, c), two classes; -1 = abstain.
#   row   a   b   c   votes        majority vote   y
#    0    0   0  -1   a,b agree    0               0
#    1    1   0  -1   a,b disagree tie (0.5/0.5)   1
#    2   -1  -1  -1   none         uncovered       0
#    3    1  -1   1   a,c agree    1               1
#    4   -1   0   1   b,c disagree tie             1
#    5    0  -1  -1   a alone      0               unlabeled
# Coverage: a votes on rows 0,1,3,5 (4/6), b on 0,1,4 (3/6), c on 3,4 (2/6); 5 of 6 rows.
# Overlaps (another LF votes too): a 0,1,3 (3/6); b 0,1,4 (3/6); c 3,4 (2/6).
# Conflicts (another LF votes otherwise): a row 1 (1/6); b rows 1,4 (2/6); c row 4 (1/6).
# Accuracy on the labeled rows: a 0,1,3 all right (1.0); b right on 0 only (1/3); c 1.0.
L6 = np.array([[0, 0, -1], [1, 0, -1], [-1, -1, -1], [1, -1, 1], [-1, 0, 1], [0, -1, -1]])
Y6 = np.array([0, 1, 0, 1, 1, -1])


def test_analysis_by_hand():
    np.testing.assert_allclose(lf_coverages(L6), [4 / 6, 3 / 6, 2 / 6])
    assert label_coverage(L6) == pytest.approx(5 / 6)
    np.testing.assert_allclose(lf_overlaps(L6), [3 / 6, 3 / 6, 2 / 6])
    np.testing.assert_allclose(lf_conflicts(L6), [1 / 6, 2 / 6, 1 / 6])
    assert lf_polarities(L6) == [[0, 1], [0], [1]]
    np.testing.assert_allclose(lf_empirical_accuracies(L6, Y6), [1.0, 1 / 3, 1.0])
    C = conflict_matrix(L6)  # a-b disagree on row 1, b-c on row 4, a-c never
    np.testing.assert_allclose(C, [[0, 1 / 6, 0], [1 / 6, 0, 1 / 6], [0, 1 / 6, 0]])


def test_majority_vote_by_hand():
    lm = fit_majority_vote(L6, 2)
    P = lm.predict_proba(L6)
    np.testing.assert_allclose(P[[0, 1, 3, 4, 5]], [[1, 0], [0.5, 0.5], [0, 1], [0.5, 0.5], [1, 0]])
    # class balance: mean soft label on the covered rows (+1e-3, renormalised)
    balance = np.array([1 + 0.5 + 0 + 0.5 + 1, 0 + 0.5 + 1 + 0.5 + 0]) / 5 + 1e-3
    np.testing.assert_allclose(lm.class_balance, balance / balance.sum())
    np.testing.assert_allclose(P[2], lm.class_balance)  # uncovered: the class balance
    pred = lm.predict(L6)
    assert pred[2] == ABSTAIN and pred[[0, 3, 5]].tolist() == [0, 1, 0]
    # ties go to the more frequent class (here class 0: 3 of 5 covered rows lean to it)
    assert pred[[1, 4]].tolist() == [0, 0]


def _synthetic(n, accuracies, coverages, seed, n_classes=2, balance=None, correlated=0):
    """Independent LFs of known accuracies; ``correlated`` extra copies of LF 0."""
    rng = np.random.default_rng(seed)
    y = rng.choice(n_classes, n, p=balance)
    L = np.full((n, len(accuracies)), ABSTAIN)
    for j, (a, c) in enumerate(zip(accuracies, coverages, strict=True)):
        on = rng.random(n) < c
        wrong = (y + rng.integers(1, n_classes, n)) % n_classes
        L[on, j] = np.where(rng.random(n) < a, y, wrong)[on]
    if correlated:
        L = np.c_[L, np.repeat(L[:, :1], correlated, axis=1)]
    return L, y


def _empirical(L, y):
    return np.array([np.mean(L[L[:, j] >= 0, j] == y[L[:, j] >= 0]) for j in range(L.shape[1])])


# Tolerances. 4,000 rows, 5 independent LFs voting on 70% of rows, classes 65/35: each LF
# votes ~2,800 times. The models never see y and are compared with each LF's empirical
# accuracy on its own votes, so only the estimation error counts: from 5 LFs of accuracy
# 0.6-0.9 it is about 0.01-0.02 (one standard error of an accuracy over 2,800 votes is
# 0.008). Measured over seeds 0-19: Dawid-Skene's largest error 0.032 (median 0.013), its
# class balance off by at most 0.047; matrix completion with the class balance given, at
# most 0.03. The tolerances (0.04 and 0.06) sit just above those; a model that ignored the
# votes would be off by 0.1-0.3.
def test_dawid_skene_recovers_known_accuracies(global_random_seed):
    L, y = _synthetic(
        4000, [0.9, 0.8, 0.7, 0.65, 0.6], [0.7] * 5, global_random_seed, balance=[0.65, 0.35]
    )
    lm = fit_dawid_skene(L, 2)
    np.testing.assert_allclose(lm.lf_accuracies, _empirical(L, y), atol=0.04)
    assert lm.class_balance[0] == pytest.approx(0.65, abs=0.06)


def test_matrix_completion_recovers_known_accuracies(global_random_seed):
    L, y = _synthetic(
        4000, [0.9, 0.8, 0.7, 0.65, 0.6], [0.7] * 5, global_random_seed, balance=[0.65, 0.35]
    )
    lm = fit_matrix_completion(L, 2, class_balance=[0.65, 0.35])
    np.testing.assert_allclose(lm.lf_accuracies, _empirical(L, y), atol=0.04)


def test_dawid_skene_recovers_confusions_three_classes(global_random_seed):
    L, y = _synthetic(3000, [0.85, 0.75, 0.7, 0.6], [0.8] * 4, global_random_seed, n_classes=3)
    lm = fit_dawid_skene(L, 3)
    np.testing.assert_allclose(lm.lf_accuracies, _empirical(L, y), atol=0.03)
    mv = fit_majority_vote(L, 3)
    covered = (L >= 0).any(axis=1)
    acc = lambda m: np.mean(m.predict(L)[covered] == y[covered])  # noqa: E731
    assert acc(lm) >= acc(mv)


def test_matrix_completion_statistics_add_over_parts():
    L, _ = _synthetic(2000, [0.9, 0.8, 0.7], [0.6] * 3, 0)
    S1, n1 = overlap_statistics(L[:700], 2)
    S2, n2 = overlap_statistics(L[700:], 2)
    whole = fit_matrix_completion(L, 2)
    parts = fit_matrix_completion_from_statistics(S1 + S2, n1 + n2, 2)
    np.testing.assert_allclose(parts.cond, whole.cond, atol=1e-8)


def test_weighted_vote_uses_labeled_accuracy():
    # LF 0 always right on the labels, LF 1 always wrong: where they disagree, LF 0 wins
    y = np.array([0, 1, 0, 1, -1])
    L = np.array([[0, 1], [1, 0], [0, 1], [1, 0], [1, 0]])
    lm = fit_weighted_majority_vote(L, 2, y=y)
    assert lm.lf_accuracies[0] > 0.8 > 0.3 > lm.lf_accuracies[1]
    assert lm.predict(L).tolist() == [0, 1, 0, 1, 1]


def test_unipolar_lfs_inform_dawid_skene():
    # each LF votes only one class (as rules do): abstaining is evidence too
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 3000)
    L = np.full((3000, 4), -1)
    for j, k in enumerate([0, 0, 1, 1]):
        L[(y == k) & (rng.random(3000) < 0.6), j] = k
        L[(y != k) & (rng.random(3000) < 0.1), j] = k
    covered = (L >= 0).any(axis=1)
    pred = fit_dawid_skene(L, 2).predict(L)
    assert np.mean(pred[covered] == y[covered]) > 0.8


# --------------------------------------------------------------------------- LFs, appliers
@labeling_function()
def lf_refund(x):
    return 1 if x.text == x.text and "refund" in x.text.lower() else ABSTAIN


@labeling_function(name="lf_cheap")
def lf_cheap(x):
    return 0 if x["price"] < 5 else ABSTAIN


def _frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    words = np.array(["refund please", "great taste", "Refund now!", "meh", None], dtype=object)
    df = pd.DataFrame(
        {
            "text": pd.array(words[rng.integers(0, 5, n)], dtype="str"),  # pandas 3 strings
            "price": np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 10, n)),
            "country": pd.Categorical(rng.choice(["NZ", "FR", "US"], n)),
        }
    )
    return df


def _lfs():
    return [
        lf_refund,
        lf_cheap,
        keyword_lf("text", ["great"], 0),
        regex_lf("text", r"now!$", 1),
        threshold_lf("price", 8, 1),
        range_lf("price", 2, 4, 0),
        category_lf("country", ["NZ"], 1),
    ]


def test_builders_and_rowwise_agree_on_pandas3_strings():
    df = _frame()
    assert str(df["text"].dtype) == "str"
    L = apply_lfs(_lfs(), df)
    text = df["text"].to_numpy(dtype=object, na_value=None)
    refund = np.array([t is not None and "refund" in t.lower() for t in text])
    np.testing.assert_array_equal(L[:, 0], np.where(refund, 1, -1))
    np.testing.assert_array_equal(L[:, 2], np.where([t == "great taste" for t in text], 0, -1))
    np.testing.assert_array_equal(L[:, 4], np.where(df["price"] > 8, 1, -1))
    np.testing.assert_array_equal(L[:, 6], np.where(df["country"] == "NZ", 1, -1))
    # a builder called row by row votes as it does on the whole column
    rows = [dict(r) for _, r in df.iterrows()]
    for j in (2, 3, 4, 5, 6):
        lf = _lfs()[j]
        raw = [lf(r) for r in rows]
        np.testing.assert_array_equal(np.array(raw, dtype=np.int64), L[:, j])


def test_votes_by_class_name_and_joined_frame():
    df = pd.DataFrame({"text": ["refund", "yum"]})
    lfs = [keyword_lf("text", ["refund"], "complaint"), keyword_lf("text", ["yum"], "praise")]
    L = apply_lfs(lfs, df, classes=["complaint", "praise"])
    assert L.tolist() == [[0, -1], [-1, 1]]
    joined = with_labels(df, L, lfs)
    assert list(joined.columns) == ["text", "lf_keyword_text_refund", "lf_keyword_text_yum"]
    with pytest.raises(LFApplyError, match="'keyword_text_refund' returned 'complaint' on row 0"):
        apply_lfs(lfs, df, classes=["a", "b"])


def test_lf_that_raises_names_the_lf_and_row():
    @labeling_function()
    def lf_broken(x):
        if x.price > 9.5:
            raise ValueError("too dear")
        return ABSTAIN

    df = pd.DataFrame({"price": [1.0, 9.9, 3.0]}, index=[10, 11, 12])
    with pytest.raises(
        LFApplyError,
        match=r"'lf_broken' raised ValueError: too dear on row 1 "
        r"\(index 11\)",
    ):
        apply_lfs([lf_broken], df)
    applier = PandasLFApplier([lf_broken])
    L = applier.apply(df, fault_tolerant=True)
    assert L.ravel().tolist() == [-1, -1, -1] and applier.faults_ == {"lf_broken": 1}


def test_duplicate_names_are_refused():
    with pytest.raises(InputError, match="share the name"):
        apply_lfs(
            [threshold_lf("a", 1, 0, name="x"), threshold_lf("a", 2, 1, name="x")],
            pd.DataFrame({"a": [1, 2]}),
        )


@pytest.mark.skipif(
    importlib.util.find_spec("dask") is None,
    reason="dask is not installed (pip install 'dask[dataframe]')",
)
def test_dask_applier_equals_pandas_applier():
    import dask.dataframe as dd

    df = _frame(300, seed=1)
    ddf = dd.from_pandas(df, npartitions=4)  # dask turns the str column into string[pyarrow]
    L_pandas = PandasLFApplier(_lfs()).apply(df)
    L_dask = DaskLFApplier(_lfs()).apply(ddf)
    assert L_dask.dtype == L_pandas.dtype
    np.testing.assert_array_equal(L_dask, L_pandas)
    assert (L_pandas >= 0).any(axis=0).all()  # every LF voted somewhere: not a trivial match


def _three_class_votes(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    L = np.full((n, 5), -1, dtype=np.int16)
    accuracies, coverages = [0.9, 0.8, 0.7, 0.6, 0.85], [0.5, 0.4, 0.3, 0.6, 0.3]
    for j, (a, c) in enumerate(zip(accuracies, coverages, strict=True)):
        on = rng.random(n) < c
        wrong = (y + rng.integers(1, 3, n)) % 3
        L[on, j] = np.where(rng.random(n) < a, y, wrong)[on]
    return L, np.where(rng.random(n) < 0.03, y, -1)


@pytest.mark.parametrize("name", list(LABEL_MODELS))
def test_a_label_model_on_the_vote_patterns_is_the_one_on_every_row(name):
    L, y = _three_class_votes()
    patterns, labels, counts = vote_patterns(L, 3, y)
    assert len(patterns) < len(L) / 5 and counts.sum() == len(L)  # a real compression
    full = fit_label_model(name, L, 3, y)
    packed = fit_label_model(name, patterns, 3, labels, weights=counts)
    np.testing.assert_allclose(packed.predict_proba(L), full.predict_proba(L), atol=1e-9)
    np.testing.assert_allclose(packed.lf_accuracies, full.lf_accuracies, atol=1e-9)
    unweighted = fit_label_model(name, patterns, 3, labels)  # the counts matter
    assert not np.allclose(unweighted.class_balance, full.class_balance, atol=1e-3)


@pytest.mark.skipif(
    importlib.util.find_spec("dask") is None,
    reason="dask is not installed (pip install 'dask[dataframe]')",
)
@pytest.mark.parametrize("name", list(LABEL_MODELS))
def test_dask_label_model_fit_equals_the_in_memory_fit(name):
    import dask.dataframe as dd

    L, y = _three_class_votes(seed=1)
    frame = pd.DataFrame(L, columns=[f"lf_{j}" for j in range(L.shape[1])]).assign(y=y)
    lm = fit_label_model_dask(name, dd.from_pandas(frame, npartitions=5), 3, label_column="y")
    full = fit_label_model(name, L, 3, y)
    np.testing.assert_allclose(lm.predict_proba(L), full.predict_proba(L), atol=1e-9)
    assert lm.name == name


def test_weights_must_fit_the_rows():
    with pytest.raises(ValueError, match="weights must be 2 non-negative numbers"):
        fit_label_model("majority", [[0], [1]], 2, weights=[1.0])


@pytest.mark.skipif(importlib.util.find_spec("snorkel") is None, reason="snorkel not installed")
def test_snorkel_lfs_are_accepted():
    from snorkel.labeling import labeling_function as snorkel_lf

    @snorkel_lf()
    def lf_s(x):
        return 1 if x.price > 5 else -1

    df = pd.DataFrame({"price": [1.0, 7.0]})
    assert apply_lfs([lf_s], df).ravel().tolist() == [-1, 1]


def test_generated_stumps_find_the_informative_feature(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    y = np.repeat([0, 1], 60)
    X = np.c_[rng.normal(0, 1, 120), y * 3 + rng.normal(0, 1, 120), rng.normal(0, 1, 120)]
    lfs = generate_stump_lfs(X, y, random_state=global_random_seed)
    assert lfs and {lf.column for lf in lfs} == {1}
    assert {lf.label for lf in lfs} == {0, 1}
    assert generate_stump_lfs(X, np.r_[0, 1, np.full(118, -1)]) == []  # too few labels


# --------------------------------------------------------------------------- the classifier
def _problem(seed, n=300, n_labels=20):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 2, n)
    X = np.c_[
        truth * 2.0 + rng.normal(0, 1, n), truth * 1.5 + rng.normal(0, 1, n), rng.normal(0, 1, n)
    ]
    y = np.full(n, -1)
    lab = np.r_[
        rng.choice(np.flatnonzero(truth == 0), n_labels // 2, replace=False),
        rng.choice(np.flatnonzero(truth == 1), n_labels // 2, replace=False),
    ]
    y[lab] = truth[lab]
    return X, y, truth


def test_classifier_with_lfs_reports_majority_vote(global_random_seed):
    X, y, truth = _problem(global_random_seed)
    lfs = [threshold_lf(0, 1.0, 1), threshold_lf(0, 1.0, 0, above=False), threshold_lf(1, 0.75, 1)]
    clf = WeakSupervisionClassifier(
        lfs, end_model=LogisticRegression(), cv=3, n_repeats=1, random_state=global_random_seed
    ).fit(X, y)
    assert set(clf.label_model_scores_) == {
        "majority",
        "weighted",
        "dawid-skene",
        "matrix-completion",
    }
    ev = clf.evidence_.to_dict()
    mv = clf.label_model_scores_["majority"]["accuracy"]
    assert f"majority vote {mv:.3f}" in ev["selection_reason"]
    assert len(ev["method_scores"]) == len(ev["baseline_scores"]) == 3
    assert clf.coverage_ == 1.0 and clf.lf_names_ == [lf.name for lf in lfs]
    assert np.mean(clf.predict(X) == truth) > 0.8
    np.testing.assert_allclose(clf.soft_labels_.sum(axis=1), 1.0)


def test_label_model_that_loses_falls_back_to_majority_vote():
    # four good LFs and three copies of a bad one: the copies agree perfectly with each
    # other, so Dawid-Skene's independence assumption takes them for near-perfect LFs and
    # follows them; majority vote (four good against three copies) is right more often
    X, y, truth = _problem(0, n=400, n_labels=40)
    rng = np.random.default_rng(1)
    good = [np.where(rng.random(400) < 0.85, truth, 1 - truth) for _ in range(4)]
    bad = np.where(rng.random(400) < 0.55, truth, 1 - truth)
    L = np.c_[good[0], good[1], good[2], good[3], bad, bad, bad]
    clf = WeakSupervisionClassifier(
        label_model="dawid-skene", end_model=LogisticRegression(), cv=4, n_repeats=1, random_state=0
    )
    clf.fit(X, y, label_matrix=L)
    s = clf.label_model_scores_
    assert s["dawid-skene"]["accuracy"] < s["majority"]["accuracy"] - 0.1  # 0.625 vs 0.850
    assert clf.label_model_name_ == "majority"
    assert "lost to majority vote" in clf.fallback_
    assert any("lost to majority vote" in w for w in clf.evidence_.warnings)


def test_weak_labels_that_hurt_fall_back_to_supervised():
    # LFs that are wrong on most rows: the end model on the true labels alone wins
    X, y, truth = _problem(3, n=300, n_labels=40)
    L = np.c_[1 - truth, 1 - truth]
    clf = WeakSupervisionClassifier(
        label_model="majority",
        end_model=LogisticRegression(),
        self_training=False,
        cv=4,
        n_repeats=1,
        random_state=0,
    )
    clf.fit(X, y, label_matrix=L)
    assert not clf.weak_kept_ and clf.evidence_.kept_baseline
    assert "fell back to the end model on the true labels" in clf.fallback_
    assert np.mean(clf.predict(X) == truth) > 0.8


def test_generated_lfs_by_default_and_table_input(global_random_seed):
    X, y, truth = _problem(global_random_seed, n_labels=40)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["note"] = pd.array(np.where(truth == 1, "yes", "no"), dtype="str")
    clf = WeakSupervisionClassifier(
        end_model=LogisticRegression(), cv=2, n_repeats=1, random_state=0
    ).fit(frame, y)
    assert clf.lfs_ and all(lf.name.startswith("stump_") for lf in clf.lfs_)
    assert clf.predict(frame).shape == (300,)


def test_keyword_lfs_on_a_string_column():
    X, y, truth = _problem(5, n_labels=20)
    frame = pd.DataFrame(
        {"x": X[:, 0], "text": pd.array(np.where(truth == 1, "good", "bad"), dtype="str")}
    )
    frame.loc[::7, "text"] = None
    lfs = [keyword_lf("text", ["good"], 1), keyword_lf("text", ["bad"], 0)]
    clf = WeakSupervisionClassifier(
        lfs, end_model=LogisticRegression(), cv=2, n_repeats=1, random_state=0
    ).fit(frame, y)
    assert clf.coverage_ == pytest.approx(1 - len(frame.index[::7]) / len(frame))
    assert clf.label_model_scores_["majority"]["accuracy"] == 1.0


def test_bad_label_matrix_is_an_input_error():
    X, y, _ = _problem(0)
    with pytest.raises(InputError, match="votes must be class codes"):
        WeakSupervisionClassifier(cv=2).fit(X, y, label_matrix=np.full((300, 2), 5))


# --------------------------------------------------------------------------- the CLI
LF_FILE = """
from fewlabels.weak import ABSTAIN, keyword_lf, labeling_function

lf_good = keyword_lf("text", ["good"], "pos")

@labeling_function()
def lf_x(x):
    return "pos" if x.x > 1.0 else ABSTAIN
"""


def _weak_csv(tmp_path):
    X, y, truth = _problem(2, n=150, n_labels=30)
    df = pd.DataFrame(
        {"x": X[:, 0], "z": X[:, 1], "text": np.where(truth == 1, "good stuff", "bad stuff")}
    )
    df["label"] = np.where(y >= 0, np.where(y == 1, "pos", "neg"), None)
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path


def test_cli_weak_writes_labels_model_and_report(tmp_path, capsys):
    data = _weak_csv(tmp_path)
    (tmp_path / "lfs.py").write_text(LF_FILE)
    out = tmp_path / "o"
    code = main(
        [
            "weak",
            str(data),
            "-t",
            "label",
            "--lfs",
            str(tmp_path / "lfs.py"),
            "--out",
            str(out),
            "--cv",
            "2",
            "--repeats",
            "1",
            "-q",
        ]
    )
    assert code == 0, capsys.readouterr().err
    labels = pd.read_csv(out / "labels.csv")
    assert len(labels) == 150 and {"weak_label", "predicted", "lf_lf_x"} <= set(labels.columns)
    assert set(labels["weak_label"].dropna()) <= {"pos"}
    html = (out / "report.html").read_text()
    assert "majority vote" in html and "Conflicts" in html
    assert (out / "model.skops").exists() and (out / "lf_summary.csv").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import nonexistent_module_xyz\n", "failed to import at line 1: ModuleNotFoundError"),
        ("x = 1\n", "defines no labeling function"),
        (
            "from fewlabels.weak import labeling_function\n"
            "@labeling_function()\n"
            "def lf_bad(x):\n"
            "    return 1 / 0 if x.x > 1 else -1\n",
            "labeling function 'lf_bad' raised ZeroDivisionError: division by zero on row",
        ),
    ],
)
def test_cli_weak_bad_lfs_are_one_line_and_write_nothing(tmp_path, capsys, body, message):
    data = _weak_csv(tmp_path)
    (tmp_path / "lfs.py").write_text(body)
    code = main(
        [
            "weak",
            str(data),
            "-t",
            "label",
            "--lfs",
            str(tmp_path / "lfs.py"),
            "--out",
            str(tmp_path / "o"),
            "-q",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_choose_falls_back_by_hand():
    scores = {
        "majority": {"accuracy": 0.80},
        "dawid-skene": {"accuracy": 0.75},
        "weighted": {"accuracy": 0.85},
        "matrix-completion": {"accuracy": float("nan")},  # no covered held-out row
    }
    names = ["majority", "weighted", "dawid-skene", "matrix-completion"]
    chosen, why = WeakSupervisionClassifier(label_model="dawid-skene")._choose(names, scores)
    assert chosen == "majority" and "0.750 against 0.800" in why
    assert WeakSupervisionClassifier(label_model="weighted")._choose(names, scores) == (
        "weighted",
        None,
    )
    assert WeakSupervisionClassifier()._choose(names, scores) == ("weighted", None)
    scores["weighted"]["accuracy"] = 0.80  # a tie: majority vote stays
    assert WeakSupervisionClassifier()._choose(names, scores) == ("majority", None)

    # with fold scores: a mean that is higher but within one SE leaves majority vote
    scores["majority"]["fold_accuracy"] = [0.80, 0.70, 0.90, 0.80]
    scores["weighted"]["fold_accuracy"] = [0.90, 0.80, 0.95, 0.90]  # +0.0875, SE 0.0125
    scores["weighted"]["accuracy"] = 0.8875
    assert WeakSupervisionClassifier()._choose(names, scores) == ("weighted", None)
    scores["weighted"]["fold_accuracy"] = [0.95, 0.60, 0.90, 0.85]  # +0.025, SE 0.052
    scores["weighted"]["accuracy"] = 0.825
    assert WeakSupervisionClassifier()._choose(names, scores) == ("majority", None)


def test_progress_and_pipeline_with_generated_lfs():
    from sklearn.pipeline import Pipeline

    from fewlabels.data import TableEncoder

    X, y, truth = _problem(4, n_labels=40)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    calls = []
    model = Pipeline(
        [
            ("encode", TableEncoder(output="numeric")),
            (
                "model",
                WeakSupervisionClassifier(
                    end_model=LogisticRegression(), cv=3, n_repeats=1, random_state=0
                ),
            ),
        ]
    )
    model.fit(frame, y, model__progress=lambda stage, done, total: calls.append((done, total)))
    assert calls[-1] == (3, 3)
    ev = model.named_steps["model"].evidence_
    assert ev.available and len(ev.oof_rows) == 40 and ev.oof_proba.shape == (40, 2)


def test_dawid_skene_class_balance_with_lfs_that_never_abstain(global_random_seed):
    # the crowd setting: every LF votes on every row; the balance must still be recovered
    from fewlabels.weak.label_models import fit_dawid_skene

    rng = np.random.default_rng(global_random_seed)
    n = 20_000
    truth = (rng.random(n) < 0.3).astype(int)  # balance 0.7 / 0.3
    L = np.column_stack(
        [np.where(rng.random(n) < acc, truth, 1 - truth) for acc in (0.8, 0.75, 0.7, 0.7, 0.65)]
    )
    model = fit_dawid_skene(L, 2)
    # before the fix the balance came out near 0.5 here; seeds 0-9 give 0.290-0.313
    assert model.class_balance[1] == pytest.approx(0.3, abs=0.03)
    assert np.mean(model.predict_proba(L).argmax(axis=1) == truth) > 0.86
