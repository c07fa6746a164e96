"""Novel class discovery: algorithms, metrics, estimating k, tuning, CLI."""

import json

import numpy as np
import pandas as pd
import pytest

from fewlabels.discovery import (
    NovelClassDiscovery,
    balanced_cluster_accuracy,
    check_estimate_on_known,
    cluster_accuracy,
    discovery_scores,
    estimate_n_novel,
    hidden_class_search,
    hungarian_match,
    ncd_kmeans,
)
from fewlabels.exceptions import InputError
from test_cli import cli


def _blobs(n_classes=6, n_known=3, per_class=100, spread=6.0, seed=0, gcd_share=0.0):
    """Gaussian blobs; the first ``n_known`` classes are labeled (but ``gcd_share`` of their
    rows are left unlabeled), the rest are novel."""
    rng = np.random.default_rng(seed)
    d = max(5, n_classes)
    centers = spread * np.eye(n_classes, d)  # every pair of classes equally far apart
    y = np.repeat(np.arange(n_classes), per_class)
    X = centers[y] + rng.normal(0, 1, (len(y), d))
    target = np.array([f"c{v}" if v < n_known else None for v in y], dtype=object)
    hide = (y < n_known) & (rng.random(len(y)) < gcd_share)
    target[hide] = None
    return X, y, target


def test_hungarian_metrics_by_hand():
    truth = ["a", "a", "a", "b", "b", "c"]
    pred = [1, 1, 0, 0, 0, 2]  # 1 -> a, 0 -> b, 2 -> c: 5 of 6 right
    assert hungarian_match(truth, pred) == {"1": "a", "0": "b", "2": "c"}
    assert cluster_accuracy(truth, pred) == pytest.approx(5 / 6)
    assert balanced_cluster_accuracy(truth, pred) == pytest.approx((2 / 3 + 1 + 1) / 3)
    assert cluster_accuracy([0, 0, 1, 1], [5, 5, 7, 7]) == 1.0  # names do not matter
    # more clusters than classes: an unmatched cluster counts as wrong
    assert cluster_accuracy([0, 0, 0, 0], [1, 1, 2, 3]) == 0.5
    s = discovery_scores(["a", "a", "n", "n"], ["a", "a", "novel-0", "novel-0"], [0, 0, 1, 1])
    assert s["novel"]["acc"] == 1.0 and s["known"]["acc"] == 1.0 and s["all"]["ari"] == 1.0


@pytest.mark.parametrize("method", ["kmeans", "spectral", "gcd-kmeans", "gcd-gmm"])
def test_blobs_are_recovered(method):
    X, y, target = _blobs()
    model = NovelClassDiscovery(method, n_novel=3, random_state=0).fit(X, target)
    unl = model.unlabeled_
    assert cluster_accuracy(y[unl], model.labels_[unl]) >= 0.95
    assert all(str(v).startswith("novel-") for v in model.labels_[unl])
    assert (model.labels_[~unl] == target[~unl]).all()  # labeled rows keep their class
    assert ((model.confidence_ >= 0) & (model.confidence_ <= 1)).all()


def test_pbn_recovers_blobs():
    pytest.importorskip("torch")
    X, y, target = _blobs()
    model = NovelClassDiscovery("pbn", n_novel=3, pbn_epochs=150, random_state=0).fit(X, target)
    unl = model.unlabeled_
    assert cluster_accuracy(y[unl], model.labels_[unl]) >= 0.95
    assert model.representation_.shape[0] == len(X)


def test_standardize_false_keeps_the_columns_units():
    X, y, target = _blobs()
    X = X * np.array([1.0, 10.0, 1.0, 1.0, 1.0, 1.0])  # one column in other units
    raw = NovelClassDiscovery("kmeans", n_novel=3, standardize=False, random_state=0)
    raw.fit(X, target)
    std = NovelClassDiscovery("kmeans", n_novel=3, random_state=0).fit(X, target)
    # the clustered space is the table itself (up to centring), or its standardized version
    spread = raw.representation_.std(axis=0)
    assert spread[1] == pytest.approx(X[:, 1].std()) and spread[0] == pytest.approx(X[:, 0].std())
    np.testing.assert_allclose(std.representation_.std(axis=0), 1.0)
    # predict encodes new rows the same way: the fitted rows land in their own clusters
    unl = raw.unlabeled_
    np.testing.assert_array_equal(raw.predict(X[unl], novel_only=True), raw.labels_[unl])


def test_tabularncd_recovers_blobs():
    pytest.importorskip("torch")
    X, y, target = _blobs()
    model = NovelClassDiscovery("tabularncd", n_novel=3, random_state=0).fit(X, target)
    unl = model.unlabeled_
    assert cluster_accuracy(y[unl], model.labels_[unl]) >= 0.95
    assert all(str(v).startswith("novel-") for v in model.labels_[unl])
    assert ((model.confidence_ >= 0) & (model.confidence_ <= 1)).all()
    phases = {r["phase"] for r in model.details_["tabularncd_history"]}
    assert phases == {"vime", "joint"}
    with pytest.raises(InputError, match="labels_"):
        model.predict(X[:3])


@pytest.mark.parametrize("method", ["gcd-kmeans", "gcd-gmm"])
def test_gcd_places_known_rows_in_their_class(method):
    X, y, target = _blobs(gcd_share=0.3)
    model = NovelClassDiscovery(method, n_novel=3, random_state=0).fit(X, target)
    unl = model.unlabeled_
    known_unl = unl & (y < 3)
    assert (model.labels_[known_unl] == np.array([f"c{v}" for v in y[known_unl]])).mean() >= 0.95
    s = discovery_scores(y[unl], model.labels_[unl], y[unl] >= 3)
    assert s["novel"]["acc"] >= 0.95 and s["all"]["acc"] >= 0.95


def test_number_of_novel_classes_is_estimated_on_blobs():
    X, y, target = _blobs(n_classes=7, n_known=3)
    k, scores = estimate_n_novel(X[y >= 3], 2, 10)
    assert k == 4 and set(scores) == set(range(2, 11))
    model = NovelClassDiscovery(n_novel="auto", random_state=0).fit(X, target)
    assert model.n_novel_ == 4 and model.silhouette_[4] == max(model.silhouette_.values())
    gcd = NovelClassDiscovery("gcd-kmeans", n_novel="auto", random_state=0).fit(
        *_blobs(n_classes=7, n_known=3, gcd_share=0.3)[::2]
    )
    assert gcd.n_novel_ == 4


def test_estimate_checked_on_hidden_known_classes():
    X, y, _ = _blobs(n_classes=6, n_known=6)
    checks = check_estimate_on_known(X, y.astype(str), n_splits=2)
    assert len(checks) == 2
    assert all(c["estimated"] == c["true"] and c["true"] >= 2 for c in checks)


def test_tuning_scores_candidates_on_hidden_classes():
    X, y, target = _blobs(n_classes=6, n_known=4)
    best, records = hidden_class_search(
        X, target, [{"method": "kmeans"}, {"method": "gcd-kmeans"}], n_novel=2, n_splits=2
    )
    assert len(records) == 2 and all(len(r["scores"]) == 2 for r in records)
    assert [r["params"] for r in records] == [{"method": "kmeans"}, {"method": "gcd-kmeans"}]
    assert all(np.isclose(r["mean"], np.mean(r["scores"])) for r in records)
    assert best == max(records, key=lambda r: r["mean"])["params"]  # the best mean wins
    assert max(r["mean"] for r in records) > 0.9


def test_ncd_kmeans_keeps_known_centroids():
    X, y, _ = _blobs()
    lab = y < 3
    res = ncd_kmeans(X[~lab], X[lab], y[lab], 3, 3, random_state=0)
    known_means = np.array([X[lab][y[lab] == c].mean(0) for c in range(3)])
    np.testing.assert_allclose(res.centroids[:3], known_means)
    assert set(res.labels) == {3, 4, 5}


def test_predict_assigns_new_rows():
    X, y, target = _blobs()
    model = NovelClassDiscovery(n_novel=3, random_state=0).fit(X, target)
    pred = model.predict(X)
    assert cluster_accuracy(y, pred) >= 0.95


@pytest.mark.parametrize(
    ("y_kind", "n_novel", "message"),
    [
        ("all_labeled", 2, "nothing to discover"),
        ("one_class", 2, "at least two known classes"),
        ("ok", 10_000, "only 300 row"),
    ],
)
def test_bad_input_gets_one_clear_error(y_kind, n_novel, message):
    X, y, target = _blobs()
    if y_kind == "all_labeled":
        target = y.astype(str)
    elif y_kind == "one_class":
        target = np.where(y == 0, "c0", None).astype(object)
    with pytest.raises(InputError, match=message):
        NovelClassDiscovery(n_novel=n_novel).fit(X, target)


def test_cli_discover_writes_rows_report_and_summary(tmp_path):
    X, y, target = _blobs(n_classes=5, n_known=3, per_class=60)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    df["kind"] = target
    df["shop"] = np.where(y % 2 == 0, "north", "south")
    data = tmp_path / "rows.csv"
    df.to_csv(data, index=False)
    before = data.read_bytes()
    out = tmp_path / "out"
    r = cli("discover", str(data), "--target", "kind", "--out", str(out), "--json")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["n_novel"] == 2 and summary["novel_estimated"]
    found = pd.read_csv(out / "discoveries.csv")
    assert len(found) == 120 and {"discovered", "confidence", "is_novel"} <= set(found.columns)
    assert cluster_accuracy(y[y >= 3], found["discovered"]) >= 0.95
    html = (out / "report.html").read_text()
    assert "Typical rows of each novel cluster" in html and "data:image/png;base64" in html
    assert data.read_bytes() == before  # the input is untouched
    r = cli("discover", str(data), "-t", "kind", "--n-novel", "3", "-o", str(tmp_path / "o3"))
    assert r.returncode == 0
    r = cli("discover", str(data), "-t", "kind", "--keep-units", "-o", str(tmp_path / "raw"))
    assert r.returncode == 0, r.stderr
    found = pd.read_csv(tmp_path / "raw" / "discoveries.csv")
    assert cluster_accuracy(y[y >= 3], found["discovered"]) >= 0.95


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--n-novel", "1000"], "only 120 row(s) are unlabeled"),
        (["--n-novel", "many"], "--n-novel must be 'auto' or a whole number"),
        (["--method", "dbscan"], "unknown discovery method"),
    ],
)
def test_cli_bad_input(tmp_path, args, message):
    X, y, target = _blobs(n_classes=5, n_known=3, per_class=60)
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    df["kind"] = target
    data = tmp_path / "rows.csv"
    df.to_csv(data, index=False)
    r = cli("discover", str(data), "-t", "kind", "-o", str(tmp_path / "o"), *args)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "discoveries.csv").exists()


def test_cli_single_known_class_and_no_unlabeled(tmp_path):
    df = pd.DataFrame({"x": np.arange(20.0), "kind": ["a"] * 10 + [None] * 10})
    one = tmp_path / "one.csv"
    df.to_csv(one, index=False)
    r = cli("discover", str(one), "-t", "kind", "-o", str(tmp_path / "o"))
    assert r.returncode == 2 and "only one class" in r.stderr
    df["kind"] = ["a", "b"] * 10
    full = tmp_path / "full.csv"
    df.to_csv(full, index=False)
    r = cli("discover", str(full), "-t", "kind", "-o", str(tmp_path / "o"))
    assert r.returncode == 2 and "nothing to discover" in r.stderr
