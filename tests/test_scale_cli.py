"""The CLI on a partitioned Parquet dataset: ``fit | predict | query | check --engine dask``
on an in-process cluster (``$FEWLABELS_DASK_PROCESSES=0``: worker threads, no process
spawned), and the same folder read in one process without the engine."""

from __future__ import annotations

import hashlib
import json
import socket
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")

from fewlabels.cli.app import main  # noqa: E402
from fewlabels.data.io import read_table  # noqa: E402
from fewlabels.persist import load_model  # noqa: E402

N, FILES = 800, 4


@pytest.fixture(autouse=True)
def _threads(monkeypatch):
    monkeypatch.setenv("FEWLABELS_DASK_PROCESSES", "0")


def _frame(n: int = N, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Five numbers, a text column and an ID; a label "yes"/"no" on about 8% of rows."""
    from sklearn.datasets import make_classification

    X, y = make_classification(n, 5, n_informative=3, n_redundant=0, class_sep=1.5,
                               random_state=seed)  # fmt: skip
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    df["color"] = np.where(X[:, 0] > 0, "red", "blue")
    df["id"] = np.arange(n)
    truth = np.where(y == 1, "yes", "no")
    label = pd.Series(truth, dtype=object)
    label[np.random.default_rng(seed).random(n) > 0.08] = None
    df["label"] = label
    return df, truth


def _write(df: pd.DataFrame, folder, files: int = FILES):
    folder.mkdir()
    step = -(-len(df) // files)
    for i, a in enumerate(range(0, len(df), step)):
        df.iloc[a : a + step].to_parquet(folder / f"part-{i}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    df, truth = _frame()
    return _write(df, tmp_path_factory.mktemp("scale_cli") / "data"), df, truth


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip()


def _one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for f in fragments:
        assert f in lines[0], lines[0]


@pytest.fixture(scope="module")
def fitted(dataset, tmp_path_factory):
    """``fit --engine dask`` (auto) once for the module: (out folder, --json summary)."""
    folder, _, _ = dataset
    out = tmp_path_factory.mktemp("fit") / "run"
    code = main(["fit", str(folder), "-t", "label", "--engine", "dask", "--workers", "1",
                 "--out", str(out), "--json"])  # fmt: skip
    assert code == 0
    return out


def test_fit_engine_writes_model_predictions_report_and_manifest(dataset, fitted, capsys):
    folder, df, _ = dataset
    out = fitted
    assert sorted(p.name for p in out.iterdir()) == [
        "model.skops",
        "predictions",
        "report.html",
        "run.json",
    ]
    parts = sorted(p.name for p in (out / "predictions").iterdir())
    assert parts == [f"part.{i:06d}.parquet" for i in range(FILES)]  # one per input file
    listed = json.loads((out / "run.json").read_text())["files"]
    assert sorted(listed) == ["model.skops", *(f"predictions/{p}" for p in parts), "report.html"]
    first = out / "predictions" / parts[0]
    assert (
        listed[f"predictions/{parts[0]}"]["sha256"]
        == hashlib.sha256(first.read_bytes()).hexdigest()
    )
    pred = pd.read_parquet(out / "predictions")
    assert list(pred.columns) == [*df.columns, "prediction", "proba_no", "proba_yes"]
    assert pred["id"].tolist() == list(range(N))  # in the table's order
    assert np.allclose(pred[["proba_no", "proba_yes"]].sum(axis=1), 1.0)
    loaded = load_model(out / "model.skops")
    # self-training lost to the supervised baseline on the sample's held-out labels
    assert loaded.metadata["engine"] == "dask" and loaded.metadata["method"] == "supervised"
    P = loaded.model.predict_proba(df)  # the whole table, target and ID included
    assert np.allclose(pred[["proba_no", "proba_yes"]].to_numpy(), P)
    report = (out / "report.html").read_text()
    assert "This report was built from all 800 rows of the table" in report
    assert "auto under --engine dask fitted the supervised baseline" in report
    assert "Cross-validated in memory on the sample" in report


def test_fit_summary_says_what_auto_means(dataset, tmp_path, capsys):
    folder, df, _ = dataset
    code, out, err = _run(capsys, "fit", folder, "-t", "label", "--engine", "dask", "--workers",
                          "1", "-m", "label-spreading", "--out", tmp_path / "r", "--json",
                          "--no-evidence")  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["method"] == "label-spreading" and summary["method_reason"] is None
    assert summary["engine"]["name"] == "dask" and summary["engine"]["workers"] == 1
    assert summary["n_rows"] == N and summary["n_labeled"] == int(df["label"].notna().sum())
    assert summary["n_partitions"] == FILES and summary["evidence"] is None


def test_report_from_a_bounded_sample_says_how_big(dataset, tmp_path, monkeypatch, capsys):
    import fewlabels.scale.workflow as sw

    monkeypatch.setattr(sw, "SAMPLE_ROWS", 300)
    folder, df, _ = dataset
    n_lab = int(df["label"].notna().sum())
    code, out, err = _run(capsys, "fit", folder, "-t", "label", "--engine", "dask", "--workers",
                          "1", "-m", "label-spreading", "--out", tmp_path / "r", "--json",
                          "--no-evidence")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["report_sample"] == {
        "rows": 300,
        "labeled": n_lab,
        "unlabeled": 300 - n_lab,
    }
    report = (tmp_path / "r" / "report.html").read_text()
    assert (
        f"a sample of 300 of the table&#x27;s 800 rows: all {n_lab} labeled rows and "
        f"{300 - n_lab} of the {N - n_lab} unlabeled rows"
    ) in report


def test_predict_engine_round_trips_with_the_saved_model(dataset, fitted, tmp_path, capsys):
    folder, df, _ = dataset
    model = fitted / "model.skops"
    out = tmp_path / "pred"
    code, stdout, err = _run(capsys, "predict", model, folder, "--engine", "dask", "--workers",
                             "1", "-o", out, "--proba", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(stdout)["rows"] == N
    on_dask = pd.read_parquet(out)
    in_memory = load_model(model).model
    P = in_memory.predict_proba(df)
    assert np.allclose(on_dask[["proba_no", "proba_yes"]].to_numpy(), P)
    assert on_dask["prediction"].tolist() == in_memory.predict(df).tolist()
    assert on_dask["prediction"].equals(pd.read_parquet(fitted / "predictions")["prediction"])
    # again into the same folder: replaced; a folder holding anything else is refused
    code, _, err = _run(capsys, "predict", model, folder, "--engine", "dask", "--workers", "1",
                        "-o", out, "-q")  # fmt: skip
    assert code == 0, err
    assert "proba_no" not in pd.read_parquet(out).columns
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("keep me")
    code, _, err = _run(capsys, "predict", model, folder, "--engine", "dask",
                        "-o", tmp_path / "other")  # fmt: skip
    _one_line_error(code, err, "holds other files")
    code, _, err = _run(capsys, "predict", model, folder, "--engine", "dask", "-o", "p.csv")
    _one_line_error(code, err, "a folder of Parquet files")
    # the model the engine fitted also predicts in one process, from the same folder
    code, _, err = _run(capsys, "predict", model, folder, "-o", tmp_path / "p.csv", "-q")
    assert code == 0, err
    single = pd.read_csv(tmp_path / "p.csv")
    assert single["predicted"].tolist() == on_dask["prediction"].tolist()


def test_parquet_folder_and_glob_without_engine_read_in_one_process(tmp_path, capsys):
    df, _ = _frame(240, seed=1)
    folder = _write(df, tmp_path / "many", files=12)  # part-2 before part-10
    by_folder = read_table(folder)
    by_glob = read_table(str(folder / "*.parquet"))
    assert by_folder["id"].tolist() == list(range(240)) and by_glob.equals(by_folder)
    from fewlabels.scale import read_partitioned

    assert read_partitioned(folder).compute()["id"].tolist() == list(range(240))  # as Dask
    out = tmp_path / "run"
    code, _, err = _run(capsys, "fit", folder / "*.parquet", "-t", "label", "-m",
                        "supervised", "--no-evidence", "--out", out, "-q")  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "model.skops",
        "predictions.parquet",  # like the input (its suffix)
        "report.html",
        "run.json",
    ]
    pred = pd.read_parquet(out / "predictions.parquet")
    assert pred["id"].tolist() == list(range(240))
    assert pred["was_labeled"].sum() == df["label"].notna().sum()
    code, _, err = _run(capsys, "fit", folder, "-t", "label", "-m", "supervised",
                        "--no-evidence", "--out", tmp_path / "run2", "-q")  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "run2" / "predictions.parquet").is_file()  # a folder of Parquet too
    code, _, err = _run(capsys, "fit", tmp_path / "nothing-*.parquet", "-t", "label")
    _one_line_error(code, err, "no file matches")
    (tmp_path / "empty").mkdir()
    code, _, err = _run(capsys, "fit", tmp_path / "empty", "-t", "label")
    _one_line_error(code, err, "is a folder with no Parquet file")
    code, _, err = _run(capsys, "fit", folder / "part-0.parquet", folder / "part-1.parquet",
                        "-t", "label")  # fmt: skip
    _one_line_error(code, err, "quote a glob")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["-m", "co-training"], ["'co-training' has no Dask path", "self-training, label-spreading or supervised"]),
        (["-m", "no-such-method"], ["unknown method 'no-such-method'"]),
        (["--positive-label", "yes"], ["--positive-label has no Dask path"]),
        (["--time-limit", "5"], ["--time-limit has no Dask path"]),
        (["--format", "csv"], ["--format csv has no Dask path"]),
    ],
)  # fmt: skip
def test_what_has_no_dask_path_exits_2_in_one_line(dataset, tmp_path, capsys, args, fragments):
    folder, _, _ = dataset
    out = tmp_path / "r"
    code, _, err = _run(capsys, "fit", folder, "-t", "label", "--engine", "dask", *args,
                        "--out", out)  # fmt: skip
    _one_line_error(code, err, *fragments)
    assert not out.exists()


def test_engine_options_without_engine_and_a_bad_scheduler(dataset, tmp_path, capsys):
    folder, _, _ = dataset
    code, _, err = _run(capsys, "fit", folder, "-t", "label", "--workers", "2")
    _one_line_error(code, err, "add --engine dask")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "r"
    for command in (["fit", folder, "-t", "label", "--out", out], ["query", folder, "-t", "label"]):
        code, _, err = _run(capsys, *command, "--scheduler", f"tcp://127.0.0.1:{port}")
        _one_line_error(code, err, f"cannot reach the Dask scheduler at 'tcp://127.0.0.1:{port}'")
    assert not out.exists()
    code, _, err = _run(capsys, "fit", folder, "-t", "label", "--scheduler", "nowhere")
    _one_line_error(code, err, "not a scheduler address", "tcp://HOST:PORT")
    code, _, err = _run(capsys, "fit", folder, "-t", "label", "--scheduler", "tcp://h:1",
                        "--workers", "2")  # fmt: skip
    _one_line_error(code, err, "drop them")


def test_a_quantity_target_is_refused_unless_read_as_classes(tmp_path, capsys):
    df, _ = _frame(200, seed=3)
    df["label"] = np.where(df["label"].notna(), df["f0"].round(2), np.nan)
    folder = _write(df, tmp_path / "data")
    code, _, err = _run(capsys, "fit", folder, "-t", "label", "--engine", "dask", "--workers",
                        "1", "--out", tmp_path / "r")  # fmt: skip
    _one_line_error(code, err, "--engine dask learns class labels", "--task classification")
    assert not (tmp_path / "r").exists()


def test_without_the_dask_extra_one_line_names_it(dataset, tmp_path, monkeypatch, capsys):
    folder, _, _ = dataset
    monkeypatch.setitem(sys.modules, "dask", None)  # import dask fails
    code, _, err = _run(capsys, "fit", folder, "-t", "label", "--engine", "dask",
                        "--out", tmp_path / "r")  # fmt: skip
    _one_line_error(code, err, "pip install 'fewlabels[dask]'")
    assert not (tmp_path / "r").exists()


def test_query_engine_picks_the_least_sure_rows_of_the_whole_table(dataset, tmp_path, capsys):
    from fewlabels.active.utilities import margin
    from fewlabels.scale import fit_anchor_spreading_dask, start_engine

    folder, df, _ = dataset
    out = tmp_path / "to_label.csv"
    code, stdout, err = _run(capsys, "query", folder, "-t", "label", "--engine", "dask",
                             "--workers", "1", "-m", "label-spreading", "-n", "7", "-o", out,
                             "--json")  # fmt: skip
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["strategy"] == "margin" and summary["queried"] == 7
    got = pd.read_csv(out)
    assert list(got.columns) == ["row", "guess", "confidence", "reason", *df.columns]
    assert got["label"].isna().all() and df["label"].iloc[got["row"]].isna().all()
    assert got["id"].tolist() == got["row"].tolist()  # the row is the table's row
    with start_engine(n_workers=1, processes=False):  # the library's model, on its own
        model = fit_anchor_spreading_dask(str(folder), "label", random_state=0)
    frame = read_table(folder)  # the folder read in one process: the same row positions
    u = margin(model.predict_proba(frame.drop(columns="label")))
    u[df["label"].notna().to_numpy()] = -np.inf
    assert got["row"].tolist() == np.lexsort((np.arange(N), -u))[:7].tolist()
    assert got["reason"].str.startswith("margin: ").all()
    code, _, err = _run(capsys, "query", folder, "-t", "label", "--engine", "dask",
                        "-s", "cluster-margin")  # fmt: skip
    _one_line_error(code, err, "'cluster-margin' has no Dask path", "margin, least-confident")


def test_check_engine_writes_what_check_writes_and_agrees_with_it(tmp_path, capsys):
    df, truth = _frame(seed=2)
    labeled = np.flatnonzero(df["label"].notna().to_numpy())
    flip = labeled[:6]  # six wrong labels
    df.loc[flip, "label"] = np.where(truth[flip] == "yes", "no", "yes")
    folder = _write(df, tmp_path / "data")
    code, _, err = _run(capsys, "check", folder, "-t", "label", "--engine", "dask",
                        "--workers", "1", "-o", tmp_path / "dask", "-q")  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "dask").iterdir()) == [
        "label_issues.csv",
        "report.html",
        "run.json",
    ]
    code, _, err = _run(capsys, "check", folder, "-t", "label", "-o", tmp_path / "one", "-q")
    assert code == 0, err
    on_dask = pd.read_csv(tmp_path / "dask" / "label_issues.csv")
    single = pd.read_csv(tmp_path / "one" / "label_issues.csv")
    assert len(on_dask) >= 3 and set(on_dask["row"]) & set(flip)
    pd.testing.assert_frame_equal(on_dask, single)  # the table is smaller than the sample
    assert (
        "Rows are numbered by their position in the whole table"
        in (tmp_path / "dask" / "report.html").read_text()
    )


class _Boom(ClassifierMixin, BaseEstimator):
    """A fitted model that fails on the last partition (rows all of id >= 600), not on
    the whole table at once (the report's sample)."""

    def __init__(self, model=None):
        self.model = model

    def fit(self, X, y):  # pragma: no cover - fitted by construction
        return self

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        return self.model.classes_

    @property
    def feature_names_in_(self):
        return self.model.feature_names_in_

    @property
    def n_labeled_(self):
        return self.model.n_labeled_

    def predict_proba(self, X):
        if (X["id"] >= 600).all():
            raise RuntimeError("boom\nsecond line")
        return self.model.predict_proba(X)


def test_a_failing_partition_leaves_nothing_and_says_one_line(
    dataset, tmp_path, monkeypatch, capsys
):
    import fewlabels.scale.workflow as sw

    spread = sw.DASK_METHODS["label-spreading"]
    boom = sw.DaskMethod(
        "label-spreading", lambda *a, **k: _Boom(spread.fit(*a, **k)), "boom", spread.twin
    )
    monkeypatch.setitem(sw.DASK_METHODS, "label-spreading", boom)
    folder, _, _ = dataset
    out = tmp_path / "r"
    code, _, err = _run(capsys, "fit", folder, "-t", "label", "--engine", "dask", "--workers",
                        "1", "-m", "label-spreading", "--out", out, "--no-evidence")  # fmt: skip
    _one_line_error(code, err, "prediction failed on partition 3", "RuntimeError: boom second")
    assert list(tmp_path.iterdir()) == []  # no output, no staging folder, no lock


def test_every_dask_method_is_a_registered_method():
    from fewlabels.methods import METHODS
    from fewlabels.scale.workflow import DASK_ALIASES, DASK_METHODS, DASK_STRATEGIES

    assert set(DASK_METHODS) <= set(METHODS)
    assert {m for m, _ in DASK_ALIASES.values()} <= set(DASK_METHODS)
    from fewlabels.active.strategies import STRATEGIES
    from fewlabels.active.utilities import UNCERTAINTIES

    assert set(DASK_STRATEGIES) <= set(STRATEGIES)
    assert set(DASK_STRATEGIES.values()) <= set(UNCERTAINTIES)


WEAK_LFS = """
from fewlabels.weak import ABSTAIN, labeling_function, threshold_lf

lfs = [threshold_lf("f0", 0.8, "yes"), threshold_lf("f0", -0.8, "no", above=False)]

@labeling_function()
def red_and_high(x):
    return "yes" if x.color == "red" and x.f1 > 0.5 else ABSTAIN

lfs.append(red_and_high)
"""


def test_weak_engine_labels_every_row_and_agrees_with_weak(tmp_path, capsys):
    df, _ = _frame(seed=3)
    folder = _write(df, tmp_path / "data")
    (tmp_path / "lfs.py").write_text(WEAK_LFS)
    common = ["-t", "label", "--lfs", tmp_path / "lfs.py", "--cv", "2", "--repeats", "1"]
    code, out, err = _run(capsys, "weak", folder, *common, "--engine", "dask", "--workers", "1",
                          "-o", tmp_path / "dask", "--json")  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["engine"]["workers"] == 1 and summary["table_rows"] == N
    assert sorted(p.name for p in (tmp_path / "dask").iterdir()) == [
        "labels", "lf_summary.csv", "model.skops", "report.html", "run.json",
    ]  # fmt: skip
    on_dask = read_table(tmp_path / "dask" / "labels").sort_values("row", ignore_index=True)
    assert len(list((tmp_path / "dask" / "labels").glob("*.parquet"))) == FILES
    code, _, err = _run(capsys, "weak", folder, *common, "-o", tmp_path / "one", "-q")
    assert code == 0, err
    single = pd.read_csv(tmp_path / "one" / "labels.csv")
    assert on_dask["row"].tolist() == list(range(N))
    # the table is smaller than the sample: the same models, so the same labels
    for col in ("weak_label", "predicted", "lf_red_and_high"):
        assert on_dask[col].astype(object).where(on_dask[col].notna(), None).tolist() == (
            single[col].astype(object).where(single[col].notna(), None).tolist()
        ), col
    np.testing.assert_allclose(on_dask["confidence"], single["confidence"])
    np.testing.assert_allclose(
        on_dask["weak_confidence"].fillna(-1), single["weak_confidence"].fillna(-1), atol=1e-9
    )
    assert on_dask["was_labeled"].tolist() == single["was_labeled"].tolist()
    assert on_dask["weak_label"].notna().mean() > 0.4  # the LFs vote: not a trivial match
    assert "read on Dask" in (tmp_path / "dask" / "report.html").read_text()


def test_weak_engine_with_a_failing_lf_writes_nothing(tmp_path, capsys):
    df, _ = _frame(seed=4)
    folder = _write(df, tmp_path / "data")
    (tmp_path / "lfs.py").write_text(
        "from fewlabels.weak import labeling_function\n"
        "@labeling_function()\n"
        "def lf_bad(x):\n"
        "    return 1 / 0 if x.id >= 700 else -1\n"
    )
    out = tmp_path / "o"
    code, _, err = _run(capsys, "weak", folder, "-t", "label", "--lfs", tmp_path / "lfs.py",
                        "--engine", "dask", "--workers", "1", "-o", out)  # fmt: skip
    _one_line_error(code, err, "lf_bad", "ZeroDivisionError")
    assert not out.exists()


@pytest.mark.parametrize("label_model", ["dawid-skene", "matrix-completion"])
def test_weak_engine_refits_the_label_model_on_every_rows_votes(tmp_path, label_model):
    from fewlabels.scale.workflow import weak_table_dask
    from fewlabels.weak import apply_lfs, fit_label_model
    from fewlabels.weak.workflow import load_lfs

    df, truth = _frame(n=1400, seed=5)
    rare = np.flatnonzero(truth == "yes")[::4]  # a quarter of the "yes" rows: unbalanced
    df = df.iloc[np.sort(np.r_[np.flatnonzero(truth == "no"), rare])].reset_index(drop=True)
    df["id"] = np.arange(len(df))
    folder = _write(df, tmp_path / "data")
    (tmp_path / "lfs.py").write_text(WEAK_LFS)
    summary = weak_table_dask(folder, "label", tmp_path / "lfs.py", tmp_path / "o",
                              label_model=label_model, cv=2, repeats=1,
                              sample_rows=300)  # fmt: skip
    assert summary["sample"]["rows"] < summary["table_rows"] == len(df)  # a real sample
    if summary["label_model"] != label_model:  # it lost to majority vote: no refit to test
        pytest.skip(f"{label_model} lost to majority vote on this table")
    labels = read_table(tmp_path / "o" / "labels").sort_values("row", ignore_index=True)
    L = apply_lfs(load_lfs(tmp_path / "lfs.py"), df.drop(columns="label"), classes=["no", "yes"])
    codes = df["label"].map({"no": 0, "yes": 1}).fillna(-1).astype(int).to_numpy()
    P = fit_label_model(label_model, L, 2, codes).predict_proba(L)  # every row's votes
    covered = (L >= 0).any(axis=1)
    np.testing.assert_allclose(labels["weak_confidence"][covered], P.max(axis=1)[covered])
    assert (
        f"refitted on the votes of all {len(df):,} rows"
        in (tmp_path / "o" / "report.html").read_text()
    )


def test_auto_under_the_engine_keeps_self_training_where_it_wins(
    dataset, tmp_path, monkeypatch, capsys
):
    """The module's fit fell back to the baseline (self-training lost on the sample); where
    the check says it wins, auto keeps self-training and says why."""
    import fewlabels.scale.workflow as sw

    seen = []

    def wins(ev):
        seen.append(ev)
        return True, "it beat the supervised baseline by +0.100 accuracy (SE 0.010)"

    monkeypatch.setattr(sw, "_beats_baseline", wins)
    folder, _, _ = dataset
    code, out, err = _run(capsys, "fit", folder, "-t", "label", "--engine", "dask", "--workers",
                          "1", "--out", tmp_path / "r", "--json")  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert summary["method"] == "self-training" and len(seen) == 1
    assert summary["method_reason"].endswith(
        "on the sample it beat the supervised baseline by +0.100 accuracy (SE 0.010)"
    )
    ev = summary["evidence"]
    assert ev["method"] == "self-training" and len(ev["method_scores"]) >= 5
    assert load_model(tmp_path / "r" / "model.skops").metadata["method"] == "self-training"
