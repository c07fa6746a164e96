"""Label errors: the confident joint by hand, agreement with cleanlab, recovery of flipped
labels, bad input, out-of-fold probabilities, the cleaning classifier and ``fewlabels check``."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from fewlabels.base import BaseFewLabelsClassifier
from fewlabels.cli import main
from fewlabels.exceptions import InputError
from fewlabels.noise import (
    LabelCleaningClassifier,
    confident_joint,
    confident_thresholds,
    estimate_noise,
    find_label_issues,
    label_quality_scores,
    out_of_fold_proba,
)
from fewlabels.noise.errors import FILTERS, SCORES

# Six rows, three classes.
#   row  given  p0   p1   p2
#    0     0    0.8  0.1  0.1
#    1     0    0.4  0.5  0.1
#    2     1    0.1  0.7  0.2
#    3     1    0.3  0.3  0.4
#    4     2    0.6  0.1  0.3
#    5     2    0.1  0.2  0.7
# Thresholds (mean self-confidence per class): t0 = (0.8 + 0.4) / 2 = 0.6,
# t1 = (0.7 + 0.3) / 2 = 0.5, t2 = (0.3 + 0.7) / 2 = 0.5.
# Row 0: only p0 = 0.8 >= 0.6 -> true 0.  Row 1: p0 0.4 < 0.6, p1 0.5 >= 0.5 -> true 1.
# Row 2: p1 0.7 -> 1.  Row 3: 0.3 < 0.6, 0.3 < 0.5, 0.4 < 0.5 -> no class: not counted.
# Row 4: p0 0.6 >= 0.6 -> true 0.  Row 5: p2 0.7 -> 2.
# Raw joint (given x true): given 0 -> {0, 1}; given 1 -> {1} (row 3 uncounted);
# given 2 -> {0, 2}:  [[1, 1, 0], [0, 1, 0], [1, 0, 1]].
# Calibrated: each row scaled to its label count (2 each): row 1 [0, 1, 0] -> [0, 2, 0];
# total 6 = n, so  [[1, 1, 0], [0, 2, 0], [1, 0, 1]].
# Off-diagonal: given 0 / true 1 (one row: the largest p1 - p0 among rows 0, 1 is row 1)
# and given 2 / true 0 (the largest p0 - p2 among rows 4, 5 is row 4). Pruning by class:
# class 0 loses 2 - 1 = 1 row (smallest p0: row 1), class 2 loses 1 (smallest p2: row 4).
# Row 3's most probable class (2) is not its label, but no class is confident: not flagged.
P6 = np.array(
    [
        [0.8, 0.1, 0.1],
        [0.4, 0.5, 0.1],
        [0.1, 0.7, 0.2],
        [0.3, 0.3, 0.4],
        [0.6, 0.1, 0.3],
        [0.1, 0.2, 0.7],
    ]
)
Y6 = np.array([0, 0, 1, 1, 2, 2])


def test_confident_joint_by_hand():
    np.testing.assert_allclose(confident_thresholds(Y6, P6), [0.6, 0.5, 0.5])
    assert confident_joint(Y6, P6, calibrate=False).tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]
    assert confident_joint(Y6, P6).tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]


def test_noise_estimate_by_hand():
    est = estimate_noise(Y6, P6)
    assert est.n_issues == 2
    np.testing.assert_allclose(est.joint, np.array([[1, 1, 0], [0, 2, 0], [1, 0, 1]]) / 6)
    np.testing.assert_allclose(est.noise_rates, [0.5, 0.0, 0.5])
    # P(given | true): true class 0 holds rows given 0 and 2, one each
    np.testing.assert_allclose(est.noise_matrix[:, 0], [0.5, 0.0, 0.5])
    np.testing.assert_allclose(est.inverse_noise_matrix.sum(axis=1), 1.0)
    assert est.issue_share == pytest.approx(2 / 6)


@pytest.mark.parametrize("filter_by", FILTERS)
def test_issues_by_hand(filter_by):
    assert np.flatnonzero(find_label_issues(Y6, P6, filter_by)).tolist() == [1, 4]


def test_ranking_by_hand():
    # normalized margin: row 4 (0.3 - 0.6 + 1) / 2 = 0.35; row 1 (0.4 - 0.5 + 1) / 2 = 0.45
    assert find_label_issues(Y6, P6, rank_by="normalized_margin").tolist() == [4, 1]
    np.testing.assert_allclose(
        label_quality_scores(Y6, P6, "normalized_margin")[[1, 4]], [0.45, 0.35]
    )
    assert find_label_issues(Y6, P6, rank_by="self_confidence").tolist() == [4, 1]  # 0.3 < 0.4


def _random_case(seed: int, n: int = 2000, k: int = 4, flip: float = 0.1, signal=None):
    """Noisy labels and probabilities of a model that knows the truth (``signal``: its
    logit margin; random when None)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), truth] += rng.uniform(0.5, 3.0) if signal is None else signal
    P = np.exp(logits)
    P /= P.sum(axis=1, keepdims=True)
    y = truth.copy()
    flipped = rng.random(n) < flip
    y[flipped] = (truth[flipped] + rng.integers(1, k, flipped.sum())) % k
    return y, P, flipped


@pytest.mark.parametrize("filter_by", FILTERS)
def test_same_mask_as_cleanlab(filter_by, global_random_seed):
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    cleanlab_count = pytest.importorskip("cleanlab.count")
    for i, (n, k) in enumerate([(2000, 4), (500, 2), (300, 7)]):
        y, P, _ = _random_case(global_random_seed * 10 + i, n, k)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = cleanlab_filter.find_label_issues(y, P, filter_by=filter_by, n_jobs=1)
            ranked = cleanlab_filter.find_label_issues(
                y, P, filter_by=filter_by, n_jobs=1, return_indices_ranked_by="normalized_margin"
            )
            joint = cleanlab_count.compute_confident_joint(y, P)
        assert (find_label_issues(y, P, filter_by) == theirs).all()
        assert find_label_issues(y, P, filter_by, rank_by="normalized_margin").tolist() == (
            ranked.tolist()
        )
        assert (confident_joint(y, P) == joint).all()


def test_same_as_cleanlab_with_a_class_nobody_has(global_random_seed):
    cleanlab_filter = pytest.importorskip("cleanlab.filter")
    y, P, _ = _random_case(global_random_seed, 600, 4)
    y[y == 3] = 0  # column 3 exists, no row is labeled 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in FILTERS:
            theirs = cleanlab_filter.find_label_issues(y, P, filter_by=f, n_jobs=1)
            assert (find_label_issues(y, P, f) == theirs).all(), f


@pytest.mark.parametrize("method", SCORES)
def test_scores_match_cleanlab(method, global_random_seed):
    rank = pytest.importorskip("cleanlab.rank")
    y, P, _ = _random_case(global_random_seed, 300, 3)
    ours = label_quality_scores(y, P, method)
    np.testing.assert_allclose(ours, rank.get_label_quality_scores(y, P, method=method))
    assert ours.min() >= 0 and ours.max() <= 1


def test_flagged_rows_are_mostly_flipped(global_random_seed):
    y, P, flipped = _random_case(global_random_seed, 3000, 5, flip=0.1, signal=3.0)
    mask = find_label_issues(y, P, "both")
    assert (mask & flipped).sum() / mask.sum() > 0.7  # precision
    assert (mask & flipped).sum() / flipped.sum() > 0.4  # recall


@pytest.mark.parametrize(
    ("labels", "P", "message"),
    [
        ([0, 1], [[0.5, 0.4], [0.2, 0.8]], "sum to 1"),
        ([0, 2], [[0.5, 0.5], [0.2, 0.8]], "lie in 0 .. 1"),
        ([0, -1], [[0.5, 0.5], [0.2, 0.8]], "lie in 0 .. 1"),
        ([1, 1], [[0.5, 0.5], [0.2, 0.8]], "at least two classes"),
        (["a", "b"], [[0.5, 0.5], [0.2, 0.8]], "class indices"),
        ([0, 1, 1], [[0.5, 0.5], [0.2, 0.8]], "one label per row"),
        ([0, 1], [0.5, 0.5], "2-D"),
        ([0, 1], [[1.5, -0.5], [0.2, 0.8]], "between 0 and 1"),
        ([0, 1], [[np.nan, 1.0], [0.2, 0.8]], "finite"),
    ],
)
def test_bad_input_is_one_clear_error(labels, P, message):
    with pytest.raises(InputError, match=message):
        find_label_issues(labels, np.asarray(P, dtype=float))


def test_bad_options():
    with pytest.raises(InputError, match="filter_by"):
        find_label_issues(Y6, P6, "prune_by_magic")
    with pytest.raises(InputError, match="rank_by"):
        find_label_issues(Y6, P6, rank_by="loudness")


# ------------------------------------------------------------------ out-of-fold / estimator
class _Spy(BaseFewLabelsClassifier):
    """Records what each fit saw; predicts the labeled class means' nearest."""

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {}
    seen: ClassVar[list[tuple[int, int, list[int]]]] = []

    def _fit(self, X, target, random_state):
        type(self).seen.append((X.shape[0], target.n_labeled, target.codes.tolist()))
        lab = target.labeled
        self.means_ = np.array(
            [X[lab & (target.codes == k)].mean(axis=0) for k in range(target.n_classes)]
        )

    def _predict_proba(self, X):
        d = -((X[:, None, :] - self.means_[None]) ** 2).sum(axis=2)
        e = np.exp(d - d.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def _blobs(seed=0, n_per=30, flips=()):
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(0, 0.5, (n_per, 2)), rng.normal(3, 0.5, (n_per, 2))]
    y = np.repeat([0, 1], n_per)
    y[list(flips)] = 1 - y[list(flips)]
    return X, y


def test_out_of_fold_keeps_unlabeled_rows_in_every_fold():
    X, y = _blobs()
    y = y.copy()
    y[40:] = -1  # 20 unlabeled rows
    _Spy.seen = []
    rows, proba = out_of_fold_proba(_Spy(), X, y, cv=4, random_state=0)
    assert rows.tolist() == list(range(40))
    assert len(_Spy.seen) == 4
    for n_rows, n_labeled, codes in _Spy.seen:
        assert n_rows == 60  # every row, the unlabeled ones too
        assert n_labeled == 30  # 40 labels minus a held-out quarter
        assert all(c == -1 for c in codes[40:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == y[:40]).mean() > 0.9


def test_out_of_fold_needs_two_labels_per_class():
    X, y = _blobs()
    y = y.copy()
    y[31:] = -1  # class 1 has one label
    with pytest.raises(InputError, match="fewer than 2"):
        out_of_fold_proba(LogisticRegression(), X, y)


def test_cleaning_drops_flipped_labels_and_keeps_the_rows_unlabeled():
    X, y = _blobs(flips=[2, 40])
    _Spy.seen = []
    clf = LabelCleaningClassifier(_Spy(), cv=3, random_state=0).fit(X, y)
    assert sorted(clf.label_issues_["row"]) == [2, 40]
    assert clf.label_issues_.columns.tolist()[:4] == [
        "row",
        "given_label",
        "suggested_label",
        "score",
    ]
    assert clf.label_issues_.set_index("row").loc[2, "suggested_label"] == 0
    assert np.flatnonzero(clf.issue_mask_).tolist() == [2, 40]
    n_rows, n_labeled, codes = _Spy.seen[-1]  # the refit
    assert (n_rows, n_labeled) == (60, 58) and codes[2] == -1 and codes[40] == -1
    assert (clf.predict(X[[2, 40]]) == [0, 1]).all()


def test_cleaning_relabels():
    X, y = _blobs(flips=[2, 40])
    _Spy.seen = []
    LabelCleaningClassifier(_Spy(), action="relabel", cv=3, random_state=0).fit(X, y)
    _, n_labeled, codes = _Spy.seen[-1]
    assert n_labeled == 60 and codes[2] == 0 and codes[40] == 1


def test_cleaning_recovers_flips_and_helps_the_refit(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    n = 600
    truth = rng.integers(0, 3, n)
    X = rng.normal(0, 1, (n, 2)) + np.array([[0, 0], [4, 0], [0, 4]])[truth]
    y = truth.copy()
    flipped = rng.random(n) < 0.15
    y[flipped] = (truth[flipped] + 1) % 3  # class-conditional flips
    clf = LabelCleaningClassifier(LogisticRegression(), random_state=0).fit(X[:400], y[:400])
    found = clf.issue_mask_
    assert (found & flipped[:400]).sum() / found.sum() > 0.8
    assert (found & flipped[:400]).sum() / flipped[:400].sum() > 0.5
    noisy = LogisticRegression().fit(X[:400], y[:400])
    assert (clf.predict(X[400:]) == truth[400:]).mean() >= (
        noisy.predict(X[400:]) == truth[400:]
    ).mean()
    assert clf.noise_rates_.max() > 0.05


def test_cleaning_with_a_single_label_class_skips_cleaning():
    X, y = _blobs()
    y = y.copy()
    y[31:] = -1
    y[30] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = LabelCleaningClassifier(LogisticRegression(), random_state=0).fit(X, y)
    assert "fewer than 2" in clf.skipped_reason_ and clf.label_issues_.empty


# ------------------------------------------------------------------ CLI
def _noisy_csv(tmp_path, n=240, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    df = pd.DataFrame(
        {
            "a": truth * 3.0 + rng.normal(0, 0.5, n),
            "b": rng.normal(0, 1, n),
            "kind": np.array(["x", "y"])[rng.integers(0, 2, n)],
        }
    )
    label = np.array(["cat", "dog", "emu"], dtype=object)[truth]
    flipped = rng.choice(n, 10, replace=False)
    label[flipped] = np.array(["cat", "dog", "emu"])[(truth[flipped] + 1) % 3]
    label[rng.random(n) < 0.2] = None  # some rows unlabeled
    df["label"] = label
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return path, set(flipped[pd.notna(label[flipped])].tolist())


def test_check_round_trip(tmp_path, capsys):
    data, flipped = _noisy_csv(tmp_path)
    out = tmp_path / "check"
    code = main(
        [
            "check",
            str(data),
            "--target",
            "label",
            "--out",
            str(out),
            "-m",
            "supervised-logreg",
            "-q",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["label_issues.csv", "report.html", "run.json"]
    issues = pd.read_csv(out / "label_issues.csv")
    assert issues.columns.tolist()[:4] == ["row", "given_label", "suggested_label", "score"]
    assert (np.diff(issues["score"]) >= 0).all()  # most likely error first
    found = set(issues["row"])
    assert len(found & flipped) >= 0.7 * len(flipped)
    assert len(found & flipped) >= 0.7 * len(found)
    html = (out / "report.html").read_text()
    assert "Noise matrix" in html and "Most likely errors" in html
    assert f'<td class="num">{issues["row"].iloc[0]}</td>' in html  # the top error, as a row


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("nope", "not found"),
        ("blank", "no row has a label"),
        ("one", "only one class"),
        ("lonely", "fewer than 2"),
    ],
)
def test_check_bad_input_is_one_line_exit_2(tmp_path, capsys, column, message):
    df = pd.DataFrame({"a": np.arange(12.0), "blank": [None] * 12, "one": ["x"] * 12})
    df["lonely"] = ["x"] * 11 + ["y"]
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    code = main(["check", str(path), "--target", column, "--out", str(tmp_path / "o"), "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_check_unknown_filter(tmp_path, capsys):
    data, _ = _noisy_csv(tmp_path)
    code = main(
        ["check", str(data), "-t", "label", "--filter-by", "magic", "-o", str(tmp_path / "o")]
    )
    assert code == 2 and "filter-by" in capsys.readouterr().err


def test_fit_report_warns_when_labels_look_noisy(global_random_seed):
    from types import SimpleNamespace

    from fewlabels.data.labels import parse_target
    from fewlabels.noise.cleaning import noisy_labels_warning

    y, P, _ = _random_case(global_random_seed, 500, 3, flip=0.08, signal=4.0)
    ev = SimpleNamespace(oof_rows=np.arange(500), oof_proba=P)
    (warning,) = noisy_labels_warning(ev, parse_target(y))
    assert "look noisy" in warning and "fewlabels check" in warning
    clean, P_clean, _ = _random_case(global_random_seed, 500, 3, flip=0.0, signal=4.0)
    ev_clean = SimpleNamespace(oof_rows=np.arange(500), oof_proba=P_clean)
    assert noisy_labels_warning(ev_clean, parse_target(clean)) == []
    assert noisy_labels_warning(SimpleNamespace(), parse_target(clean)) == []  # no OOF kept


def test_no_noisy_label_warning_from_a_model_at_the_majority_rate(global_random_seed):
    # a churn-like table where the features barely predict the target: the out-of-fold
    # model is confident and often wrong, but no better than always saying "stay"
    from types import SimpleNamespace

    from fewlabels.data.labels import parse_target
    from fewlabels.noise.cleaning import noisy_labels_warning
    from fewlabels.noise.errors import find_label_issues

    rng = np.random.default_rng(global_random_seed)
    y = np.where(rng.random(300) < 0.72, "stay", "churn")
    p_stay = 0.5 + 0.5 * rng.beta(0.5, 0.5, 300)  # "stay" for every row, often confidently
    P = np.c_[1 - p_stay, p_stay]  # columns: churn, stay (sorted classes)
    codes = parse_target(y).codes
    confident_misses = find_label_issues(codes, P, "prune_by_noise_rate") & (P.max(axis=1) >= 0.8)
    assert confident_misses.sum() >= 0.05 * len(y)  # what the warning would have counted
    assert np.mean(P.argmax(axis=1) == codes) == np.mean(y == "stay")  # the majority rate
    ev = SimpleNamespace(oof_rows=np.arange(300), oof_proba=P)
    assert noisy_labels_warning(ev, parse_target(y)) == []


def test_check_says_when_its_model_is_no_better_than_the_majority(tmp_path):
    # features that do not predict the target: the flags are not evidence of wrong labels
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["label"] = pd.Series(np.where(rng.random(n) < 0.7, "stay", "churn")).where(
        np.arange(n) < 150
    )
    from fewlabels.noise.workflow import check_table

    summary = check_table(df, "label", tmp_path / "o", method="supervised-logreg", random_state=0)
    (warning,) = summary["warnings"]
    assert "no better than always predicting the majority class" in warning
    assert "no better than always" in (tmp_path / "o" / "report.html").read_text()
    # a table whose features do predict the target: no such warning
    df["a"] = np.where(df["label"] == "stay", 3.0, -3.0) + rng.normal(0, 0.5, n)
    assert check_table(df, "label", None, method="supervised-logreg")["warnings"] == []
