"""The benchmark harness: protocols, resumability, error rows, and the CLI smoke run."""

import json

import numpy as np
import pandas as pd
import pytest

from fewlabels.bench import BenchConfig, run_benchmark, summarize
from fewlabels.bench.runner import cell_splits
from fewlabels.methods import Method
from test_cli import cli


@pytest.mark.parametrize("protocol", ["random", "biased"])
@pytest.mark.parametrize("budget", [0.01, 0.05, 0.10])
def test_protocol_never_mixes_test_rows_and_budgets_are_exact(protocol, budget):
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [400, 250, 150])
    X = pd.DataFrame(rng.normal(size=(800, 4)) + y[:, None])
    for seed in range(3):
        s = cell_splits(y, X, protocol, budget, seed, 0.3, 2)
        test = set(s.test)
        assert not test & set(s.labeled) and not test & set(s.unlabeled)
        assert len(test) + len(s.labeled) + len(s.unlabeled) == 800
        train_counts = np.bincount(y[s.train], minlength=3)
        expected = np.maximum(np.round(train_counts * budget).astype(int), 2)
        assert np.bincount(y[s.labeled], minlength=3).tolist() == expected.tolist()
        again = cell_splits(y, X, protocol, budget, seed, 0.3, 2)
        assert np.array_equal(again.labeled, s.labeled) and np.array_equal(again.test, s.test)


def test_run_is_resumable_and_records_errors(tmp_path, monkeypatch):
    from fewlabels.bench import peers

    real = peers.available_methods

    def with_a_broken_method():
        methods = real()

        def broken(seed):
            raise RuntimeError("this method always fails")

        methods["broken"] = Method("broken", "always fails", None, broken)
        return methods

    monkeypatch.setattr(peers, "available_methods", with_a_broken_method)
    config = BenchConfig(
        datasets=["iris", "wine"],
        methods=["sup-logreg", "label-spreading", "broken"],
        protocols=["random"],
        budgets=[0.1],
        seeds=[0],
    )
    path = run_benchmark(config, tmp_path / "results.csv")
    first = pd.read_csv(path)
    assert len(first) == 2 * 3
    broken = first[first["method"] == "broken"]
    assert (broken["status"] == "error").all() and broken["error"].str.contains(
        "always fails"
    ).all()
    ok = first[first["status"] == "ok"]
    assert ok["accuracy"].between(0, 1).all() and (ok["fit_seconds"] > 0).all()
    # the rows describe the split they were scored on: 70/30 of the table, >= 2 labels a class
    sizes = {"iris": (150, 3), "wine": (178, 3)}
    for _, row in ok.iterrows():
        n, k = sizes[row["dataset"]]
        assert row["n_train"] + row["n_test"] == n and row["n_test"] == round(0.3 * n)
        assert 2 * k <= row["n_labeled"] <= row["n_train"]
    run_benchmark(config, path)  # resumes: nothing new to do
    assert len(pd.read_csv(path)) == len(first)
    s = summarize(first)
    assert set(s["mean_rank"].index) == {"sup-logreg", "label-spreading"}
    assert s["errors"] == {"broken": 2}


def test_cli_smoke_run(tmp_path):
    """What CI runs: 2 small datasets, 1 seed, 2 methods."""
    out = tmp_path / "bench"
    r = cli(
        "bench",
        "-d",
        "iris",
        "-d",
        "wine",
        "-m",
        "sup-logreg",
        "-m",
        "label-spreading",
        "--seeds",
        "1",
        "--budget",
        "0.1",
        "--protocol",
        "random",
        "--out",
        out,
        "--json",
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["cells"] == 4 and not summary["errors"]
    assert (out / "report.html").read_text().count("data:image/png;base64,") >= 2
    assert len(pd.read_csv(out / "results.csv")) == 4


def test_parallel_workers_give_the_same_rows(tmp_path):
    config = BenchConfig(
        datasets=["iris", "wine"],
        methods=["sup-logreg", "label-spreading"],
        protocols=["random", "biased"],
        budgets=[0.1],
        seeds=[0],
    )
    serial = pd.read_csv(run_benchmark(config, tmp_path / "serial.csv"))
    parallel = pd.read_csv(run_benchmark(config, tmp_path / "parallel.csv", n_jobs=2))
    key = ["dataset", "protocol", "budget", "seed", "method"]
    a = serial.sort_values(key).reset_index(drop=True)
    b = parallel.sort_values(key).reset_index(drop=True)
    assert len(b) == 2 * 2 * 2
    pd.testing.assert_frame_equal(
        a[key + ["accuracy", "macro_f1"]], b[key + ["accuracy", "macro_f1"]]
    )


def test_every_peer_and_method_is_available():
    from fewlabels.bench import available_methods
    from fewlabels.methods import METHODS, fewlabels_methods

    names = set(available_methods())
    classification = {n for n, m in fewlabels_methods().items() if m.task == "classification"}
    assert classification <= names
    # a PU or LLP method would fail on every cell of the suite's class-label datasets
    assert all(METHODS[n].task == "classification" for n in names)
    assert not {"pu", "pu-nnpu", "llp", "llp-em"} & names
    # the peers are Methods of the same registry, which also knows those not installed here
    assert names <= set(METHODS) and {"sup-rf", "autogluon"} <= set(METHODS)
    assert METHODS["sup-rf"].tool == "sklearn" and METHODS["sup-rf"].family == "peer"
    for base in ("lightgbm", "hgb", "rf", "logreg"):
        assert f"sup-{base}" in names
        assert f"sklearn-self-training-threshold-{base}" in names
        assert f"sklearn-self-training-kbest-{base}" in names
    assert "sklearn-label-spreading" in names


def test_a_partial_last_row_is_dropped_on_resume(tmp_path):
    from fewlabels.bench.runner import RESULT_FIELDS, _done_cells

    path = tmp_path / "results.csv"
    whole = ",".join(["iris", "random", "0.1", "0", "sup-logreg"] + [""] * (len(RESULT_FIELDS) - 5))
    path.write_text(",".join(RESULT_FIELDS) + "\n" + whole + "\n" + "iris,random,0.1,0,aut")
    done = _done_cells(path)
    assert path.read_text().endswith(whole + "\n")  # the killed run's half row is gone
    assert len(done) == 1
