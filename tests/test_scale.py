"""fewlabels.scale: the Dask paths against the in-memory ones, seeds against partitionings,
and failures that leave nothing half-written."""

from __future__ import annotations

import os
import sys

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from fewlabels.data.labels import parse_target  # noqa: E402
from fewlabels.data.text import extra_installed as text_extra_installed  # noqa: E402
from fewlabels.exceptions import InputError  # noqa: E402
from fewlabels.scale import (  # noqa: E402
    AnchorSpreadingClassifier,
    ScaledSelfTrainingClassifier,
    ScaleError,
    fit_anchor_spreading_dask,
    fit_self_training_dask,
    predict_dask,
    row_uniform,
    score_active_dask,
    score_label_errors_dask,
    start_engine,
    write_predictions,
)
from fewlabels.scale.engine import DaskPartitions  # noqa: E402


def _lgbm():
    from lightgbm import LGBMClassifier

    return LGBMClassifier(
        n_estimators=25, num_leaves=7, min_child_samples=2, n_jobs=1, verbose=-1, random_state=0
    )


def _table(n: int = 2400, n_labeled: int = 40, seed: int = 0):
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n, 6, n_informative=4, n_redundant=0, class_sep=1.2, random_state=seed
    )
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    target = np.full(n, np.nan)
    rng = np.random.default_rng(seed)
    for c in (0, 1):
        rows = rng.choice(np.flatnonzero(y == c), n_labeled // 2, replace=False)
        target[rows] = c
    df["y"] = target
    return df, y


@pytest.fixture(scope="module")
def client():
    with start_engine(n_workers=2, processes=False) as c:
        yield c


@pytest.fixture(scope="module")
def table():
    return _table()


def _params():
    return dict(threshold=0.8, max_pseudo=400, max_iter=3, random_state=0)


def test_row_uniform_depends_on_identity_only():
    u = row_uniform(np.arange(1000), seed=3, salt=1)
    assert np.array_equal(u[500:], row_uniform(np.arange(500, 1000), seed=3, salt=1))
    assert not np.array_equal(u, row_uniform(np.arange(1000), seed=4, salt=1))
    assert 0.45 < u.mean() < 0.55 and u.min() >= 0 and u.max() < 1


def test_same_seed_same_model_whatever_the_partitioning(client, table):
    df, _ = table
    X = df.drop(columns="y")
    for selection in ("confident", "random"):
        params = {**_params(), "selection": selection}
        models = [
            fit_self_training_dask(dd.from_pandas(df, npartitions=n), "y", _lgbm(), **params)
            for n in (1, 3, 7)
        ]
        first = models[0]
        assert first.n_iter_ == 3 and len(first.pseudo_ids_) == 400
        for m in models[1:]:
            assert np.array_equal(m.pseudo_ids_, first.pseudo_ids_)
            assert np.array_equal(m.predict_proba(X), first.predict_proba(X))
    # the random draw reads the seed (the most confident rows do not)
    other = fit_self_training_dask(
        dd.from_pandas(df, npartitions=3), "y", _lgbm(), **{**params, "random_state": 1}
    )
    assert not np.array_equal(other.pseudo_ids_, first.pseudo_ids_)


def test_dask_fit_equals_in_memory_fit_and_beats_labeled_only(client, table):
    df, y_true = table
    X = df.drop(columns="y")
    on_dask = fit_self_training_dask(dd.from_pandas(df, npartitions=4), "y", _lgbm(), **_params())
    in_memory = ScaledSelfTrainingClassifier(_lgbm(), chunk_size=700, **_params()).fit(X, df["y"])
    assert np.array_equal(on_dask.pseudo_ids_, in_memory.pseudo_ids_)
    assert np.array_equal(on_dask.predict(X), in_memory.predict(X))
    labeled = df["y"].notna().to_numpy()
    baseline = _lgbm().fit(X[labeled], df["y"][labeled].astype(int)).predict(X)
    assert (on_dask.predict(X) == y_true).mean() >= (baseline == y_true).mean() - 0.01
    # predictions by partition are the in-memory ones
    pred = predict_dask(on_dask, dd.from_pandas(df, npartitions=5)).compute()
    assert np.array_equal(pred["prediction"].to_numpy(), on_dask.predict(X))
    assert np.allclose(pred[["proba_0", "proba_1"]].to_numpy(), on_dask.predict_proba(X))


def test_anchor_spreading_dask_equals_memory_and_learns(client, table):
    df, y_true = table
    X = df.drop(columns="y")
    params = dict(n_anchors=300, n_nearest=3, alpha=0.9, sample_size=1500, random_state=0)
    on_dask = fit_anchor_spreading_dask(dd.from_pandas(df, npartitions=3), "y", **params)
    in_memory = AnchorSpreadingClassifier(chunk_size=1000, **params).fit(X, df["y"])
    assert np.allclose(on_dask.predict_proba(X), in_memory.predict_proba(X), atol=1e-9)
    assert np.allclose(on_dask.anchor_mass_.sum(), len(df))  # Z's rows sum to one
    labeled = df["y"].notna().to_numpy()
    baseline = _lgbm().fit(X[labeled], df["y"][labeled].astype(int)).predict(X)  # 0.71
    assert (on_dask.predict(X) == y_true).mean() > (baseline == y_true).mean() + 0.05  # 0.82


def test_anchor_spreading_matches_dense_label_spreading_on_the_anchor_graph():
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(3, 1, (60, 2))]
    y = np.full(120, -1)
    y[[0, 1, 60, 61]] = [0, 0, 1, 1]
    clf = AnchorSpreadingClassifier(n_anchors=12, n_nearest=3, alpha=0.9, random_state=0).fit(X, y)
    from fewlabels.graph._graph import seed_matrix
    from fewlabels.scale.graph import anchor_weights

    Z = anchor_weights(
        np.asarray(clf.scaler_.transform(pd.DataFrame(X, columns=["x0", "x1"])), np.float32),
        clf.anchors_,
        3,
        clf.bandwidth_,
    ).toarray()
    W = Z @ np.diag(1 / Z.sum(0)) @ Z.T
    F = np.linalg.solve(np.eye(120) - 0.9 * W, seed_matrix(y, 2))  # dense label spreading
    assert np.allclose(F - seed_matrix(y, 2), Z @ clf.anchor_scores_, atol=1e-8)


@pytest.mark.parametrize(
    "values",
    [
        [0, 1, -1, -1, 1, 0, -1, -1, 1, 0, -1, -1],  # -1 marks unlabeled
        ["a", "b", None, None, "a", "b", None, None, "a", "b", None, None],
        [-2, -1, 0, None, -2, -1, 0, None, -2, -1, 0, None],  # -1 is a class beside -2
    ],
)
def test_unlabeled_rule_is_the_one_of_parse_target(client, values):
    df = pd.DataFrame({"x": np.arange(12.0), "y": pd.Series(values)})
    with pytest.warns(UserWarning, match="-1 is read as a class") if -2 in values else _nothing():
        parts = DaskPartitions(dd.from_pandas(df, npartitions=4), "y")
        expected = parse_target(df["y"]).labeled
    got = parts.map(lambda X, y, ids, pool: pool, what="t")
    assert np.array_equal(~np.concatenate(got), expected)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_active_and_label_error_scores_match_the_pure_functions(client, table):
    from fewlabels.active.utilities import margin
    from fewlabels.noise.errors import label_quality_scores

    df, y_true = table
    X = df.drop(columns="y")
    model = ScaledSelfTrainingClassifier(_lgbm(), max_iter=1, random_state=0).fit(X, df["y"])
    P = model.predict_proba(X)
    top = score_active_dask(model, dd.from_pandas(df, npartitions=6), "y", k=15)
    u = margin(P)
    u[df["y"].notna().to_numpy()] = -np.inf
    assert top["row_id"].tolist() == np.lexsort((np.arange(len(u)), -u))[:15].tolist()
    noisy = df.assign(y=y_true)
    worst, conf = score_label_errors_dask(model, dd.from_pandas(noisy, npartitions=6), "y", k=10)
    s = label_quality_scores(y_true, P)
    assert worst["row_id"].tolist() == np.lexsort((np.arange(len(s)), s))[:10].tolist()
    assert conf[1] == pytest.approx(P[y_true == 1, 1].mean())


def test_bad_input_is_one_line(client, table):
    df, _ = table
    with pytest.raises(InputError, match="no column 'label'"):
        fit_self_training_dask(dd.from_pandas(df, npartitions=2), "label")
    blank = df.assign(y=np.nan)
    with pytest.raises(InputError, match="no row of the 2400 rows has a label"):
        fit_self_training_dask(dd.from_pandas(blank, npartitions=2), "y")


class _Boom:
    """A fitted model that fails on the rows whose f0 is above a cut (one partition)."""

    def __init__(self, model, cut, kill=False):
        self.model, self.cut, self.kill = model, cut, kill
        self.classes_ = model.classes_
        self.feature_names_in_ = model.feature_names_in_

    def predict_proba(self, X):
        if (X["f0"] > self.cut).any():
            if self.kill:
                os._exit(1)
            raise RuntimeError("boom\nsecond line")
        return self.model.predict_proba(X)


def _failing_write(model, df, tmp_path, kill):
    ordered = df.sort_values("f0").reset_index(drop=True)
    boom = _Boom(model, cut=ordered["f0"].iloc[-50], kill=kill)
    out = tmp_path / "pred"
    with pytest.raises(ScaleError, match="failed|died") as info:
        write_predictions(boom, dd.from_pandas(ordered, npartitions=4), out)
    assert "\n" not in str(info.value)
    assert not out.exists() and list(tmp_path.iterdir()) == []
    return str(info.value)


def test_failed_partition_leaves_nothing_and_says_one_line(client, table, tmp_path):
    df, _ = table
    X = df.drop(columns="y")
    model = ScaledSelfTrainingClassifier(_lgbm(), max_iter=0, random_state=0).fit(X, df["y"])
    message = _failing_write(model, df, tmp_path, kill=False)
    assert "prediction failed on partition 3" in message and "RuntimeError: boom second" in message
    out = write_predictions(model, dd.from_pandas(df, npartitions=3), tmp_path / "ok", keep=["y"])
    back = pd.read_parquet(out)
    assert len(back) == len(df) and set(back.columns) == {"y", "prediction", "proba_0", "proba_1"}
    with pytest.raises(InputError, match="exists"):
        write_predictions(model, dd.from_pandas(df, npartitions=3), out)


def test_two_process_cluster_parquet_and_killed_worker(tmp_path):
    """Integration: Parquet files on disk, two worker processes, a worker killed mid-write."""
    import cloudpickle
    import dask

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    df, _ = _table(1600, 30, seed=2)
    data = tmp_path / "data"
    data.mkdir()
    for i, a in enumerate(range(0, len(df), 400)):
        df.iloc[a : a + 400].to_parquet(data / f"part-{i}.parquet")
    X = df.drop(columns="y")
    in_memory = ScaledSelfTrainingClassifier(_lgbm(), **_params()).fit(X, df["y"])
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with start_engine(n_workers=2, processes=True) as c:
            assert len(c.scheduler_info()["workers"]) == 2
            model = fit_self_training_dask(str(data / "*.parquet"), "y", _lgbm(), **_params())
            assert np.array_equal(model.predict(X), in_memory.predict(X))
            out_dir = tmp_path / "out"
            out_dir.mkdir()
            message = _failing_write(model, df, out_dir, kill=True)
            assert "a Dask worker died while writing predictions" in message


@pytest.mark.skipif(not text_extra_installed(), reason="the text extra is not installed")
def test_dask_and_in_memory_encode_a_raw_table_alike(client):
    """A text and a category column: both paths fit one encoder on the labels and the same
    sample (not the in-memory path on every row first), so they give the same model."""
    df, _ = _table(n=400, n_labeled=30, seed=3)
    rng = np.random.default_rng(3)
    words = ["red apple", "green pear", "sweet plum", "sour lemon", "ripe fig", "dry date"]
    df["note"] = [f"a {words[k]} from stall {i}" for i, k in enumerate(rng.integers(0, 6, 400))]
    df["shop"] = pd.Categorical(rng.choice(list("abcd"), len(df)))
    X = df.drop(columns="y")
    ddf = dd.from_pandas(df, npartitions=3)
    st = dict(_params(), sample_size=150)
    on_dask = fit_self_training_dask(ddf, "y", _lgbm(), **st)
    in_memory = ScaledSelfTrainingClassifier(_lgbm(), chunk_size=150, **st).fit(X, df["y"])
    assert in_memory.table_encoder_.schema_["text_columns"] == ["note"]  # read as free text
    assert on_dask.table_encoder_ is not None and in_memory.table_encoder_ is not None
    assert np.allclose(on_dask.predict_proba(X), in_memory.predict_proba(X), atol=1e-9)
    an = dict(n_anchors=50, sample_size=150, random_state=0)
    on_dask = fit_anchor_spreading_dask(ddf, "y", **an)
    in_memory = AnchorSpreadingClassifier(chunk_size=150, **an).fit(X, df["y"])
    assert np.allclose(on_dask.predict_proba(X), in_memory.predict_proba(X), atol=1e-9)
