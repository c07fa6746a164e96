"""``fewlabels fit`` on positives only (--positive-label) and on label proportions
(--bags --proportions), end to end: the three outputs, ``fewlabels predict`` on the saved
models, the listing of the methods, and every bad input as one line with exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fewlabels.cli.app import main
from fewlabels.exceptions import InputError
from fewlabels.methods import TASK_DEFAULTS, fewlabels_methods
from fewlabels.workflow import read_proportions

N = 240


def _features(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Two features; the positives (40%) sit 2.5 to the right on the first one."""
    rng = np.random.default_rng(seed)
    truth = rng.random(N) < 0.4
    frame = pd.DataFrame(
        {"x1": np.where(truth, 2.5, 0.0) + rng.normal(0, 1, N), "x2": rng.normal(0, 1, N)}
    )
    return frame, truth


def _pu_csv(path, others: str | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Half of the positives labeled "yes"; every other row blank, or ``others``."""
    frame, truth = _features()
    labeled = truth & (np.random.default_rng(1).random(N) < 0.5)
    frame["answer"] = np.where(labeled, "yes", others)
    frame.to_csv(path, index=False)
    return frame, truth


def _llp_csvs(tmp, bag_size: int = 8) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Rows cut into random bags of ``bag_size`` (column "region"), and a proportions file
    with each bag's share of "yes" and "no"."""
    frame, truth = _features(2)
    bags = np.random.default_rng(3).permutation(np.arange(N) // bag_size)
    frame["region"] = [f"r{b}" for b in bags]
    shares = pd.DataFrame(
        [
            {"region": f"r{b}", "no": 1 - truth[bags == b].mean(), "yes": truth[bags == b].mean()}
            for b in np.unique(bags)
        ]
    )
    frame.to_csv(tmp / "llp.csv", index=False)
    shares.to_csv(tmp / "shares.csv", index=False)
    return frame, truth, shares


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip()


def _one_line_exit_2(capsys, *args) -> str:
    code, _, err = _run(capsys, *args)
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("error: "), err
    return err


def _outputs(out) -> list[str]:
    return sorted(p.name for p in out.iterdir())


# ----------------------------------------------------------------------------- PU
def test_pu_fit_writes_the_outputs_and_predict_reads_the_model(tmp_path, capsys):
    data = tmp_path / "pu.csv"
    frame, truth = _pu_csv(data, None)
    out = tmp_path / "run"
    code, stdout, err = _run(
        capsys, "fit", data, "--target", "answer", "--positive-label", "yes", "-o", out, "--json"
    )
    assert code == 0, err
    assert _outputs(out) == ["model.skops", "predictions.csv", "report.html", "run.json"]
    summary = json.loads(stdout)
    assert summary["method"] == TASK_DEFAULTS["positive-unlabeled"] == "pu"
    assert summary["task"] == "positive-unlabeled"
    assert summary["classes"] == ["not yes", "yes"]
    assert summary["n_labeled"] == int((frame["answer"] == "yes").sum())
    assert "class prior" in summary["evidence"]["verdict"]

    preds = pd.read_csv(out / "predictions.csv")
    assert {"predicted", "confidence", "was_labeled", "proba_not yes", "proba_yes"} <= set(
        preds.columns
    )
    np.testing.assert_allclose(preds[["proba_not yes", "proba_yes"]].sum(axis=1), 1.0)
    assert (preds["was_labeled"] == (frame["answer"] == "yes")).all()
    # it learned: most true positives predicted "yes", most negatives "not yes"
    found = (preds["predicted"] == "yes").to_numpy()
    assert found[truth].mean() > 0.7 and (~found[~truth]).mean() > 0.7

    report = (out / "report.html").read_text()
    assert "class prior" in report and "no row labeled negative" in report
    assert "Confusion matrix" not in report  # it needs negative labels

    again = tmp_path / "again.csv"
    code, _, err = _run(capsys, "predict", out / "model.skops", data, "-o", again, "--proba", "-q")
    assert code == 0, err
    scored = pd.read_csv(again)
    np.testing.assert_array_equal(scored["predicted"], preds["predicted"])
    np.testing.assert_allclose(scored["proba_yes"], preds["proba_yes"])


def test_pu_other_values_are_unlabeled_too(tmp_path, capsys):
    """A column whose other rows say "no" gives the predictions of the blank one: "no" is
    not read as a negative label (the encoding confusion PU users report)."""
    runs = {}
    for others in (None, "no"):
        data = tmp_path / f"pu_{others}.csv"
        _pu_csv(data, others)
        out = tmp_path / f"run_{others}"
        code, _, err = _run(
            capsys, "fit", data, "-t", "answer", "--positive-label", "yes", "-o", out, "-q"
        )
        assert code == 0, err
        runs[others] = pd.read_csv(out / "predictions.csv")
    blank, said_no = runs[None], runs["no"]
    cols = ["predicted", "confidence", "was_labeled", "proba_not yes", "proba_yes"]
    pd.testing.assert_frame_equal(blank[cols], said_no[cols])
    assert said_no["was_labeled"].sum() == (said_no["answer"] == "yes").sum()


def test_pu_positive_label_not_in_the_column(tmp_path, capsys):
    data = tmp_path / "pu.csv"
    _pu_csv(data, "no")
    out = tmp_path / "run"
    err = _one_line_exit_2(
        capsys, "fit", data, "-t", "answer", "--positive-label", "maybe", "-o", out
    )
    assert "'maybe'" in err and "'yes'" in err and "--positive-label" in err
    assert not out.exists()


# ----------------------------------------------------------------------------- LLP
def test_llp_fit_writes_the_outputs_and_predict_reads_the_model(tmp_path, capsys):
    frame, truth, _ = _llp_csvs(tmp_path)
    out = tmp_path / "run"
    args = ["--bags", "region", "--proportions", tmp_path / "shares.csv", "-o", out]
    code, stdout, err = _run(capsys, "fit", tmp_path / "llp.csv", *args, "--json")
    assert code == 0, err
    assert _outputs(out) == ["model.skops", "predictions.csv", "report.html", "run.json"]
    summary = json.loads(stdout)
    assert (summary["method"], summary["task"], summary["bags"]) == ("llp", "proportions", "region")
    assert summary["classes"] == ["no", "yes"] and summary["n_labeled"] == 0
    assert summary["target"] is None

    preds = pd.read_csv(out / "predictions.csv")
    assert {"predicted", "confidence", "was_labeled", "proba_no", "proba_yes"} <= set(preds.columns)
    assert not preds["was_labeled"].any()  # no row has a label of its own
    assert (preds["predicted"].to_numpy() == np.where(truth, "yes", "no")).mean() > 0.8

    report = (out / "report.html").read_text()
    assert "Bags: the given class shares" in report and "r0" in report
    assert "not any row&#x27;s label" in report and "Label these next" not in report

    again = tmp_path / "again.csv"
    new_rows = frame.drop(columns="region")  # the bag column is no feature
    new_rows.to_csv(tmp_path / "new.csv", index=False)
    code, _, err = _run(capsys, "predict", out / "model.skops", tmp_path / "new.csv", "-o", again)
    assert code == 0, err
    np.testing.assert_array_equal(pd.read_csv(again)["predicted"], preds["predicted"])


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("sum", "do not sum to 1"),
        ("percent", "look like percentages"),
        ("one bag", "single bag"),
        ("missing bag", "without proportions (r3)"),
    ],
)
def test_llp_bad_proportions_are_one_line(tmp_path, capsys, case, message):
    frame, _, shares = _llp_csvs(tmp_path)
    if case == "sum":
        shares.loc[2, "yes"] += 0.2
    elif case == "percent":
        shares[["no", "yes"]] *= 100
    elif case == "one bag":
        frame["region"] = "r0"
        frame.to_csv(tmp_path / "llp.csv", index=False)
    else:
        shares = shares[shares["region"] != "r3"]
    shares.to_csv(tmp_path / "shares.csv", index=False)
    out = tmp_path / "run"
    err = _one_line_exit_2(
        capsys,
        "fit",
        tmp_path / "llp.csv",
        "--bags",
        "region",
        "--proportions",
        tmp_path / "shares.csv",
        "-o",
        out,
    )
    assert message in err
    assert not out.exists()


def test_read_proportions_matches_bag_names_as_text(tmp_path):
    # a bag column with blanks is read as floats (3.0); the proportions file has ints (3)
    pd.DataFrame({"bag": [3, 4], "a": [0.25, 1.0], "b": [0.75, 0.0]}).to_csv(
        tmp_path / "p.csv", index=False
    )
    table = read_proportions(tmp_path / "p.csv", "bag")
    assert table.index.tolist() == ["3", "4"] and table.columns.tolist() == ["a", "b"]
    indexed = pd.DataFrame({"a": [0.25, 1.0], "b": [0.75, 0.0]}, index=[3.0, 4.0])
    pd.testing.assert_frame_equal(read_proportions(indexed), table, check_names=False)
    with pytest.raises(InputError, match=r"list bag\(s\) '3' more than once"):
        read_proportions(pd.DataFrame({"bag": [3, 3], "a": [1.0, 1.0], "b": [0.0, 0.0]}), "bag")
    with pytest.raises(InputError, match="at least two class columns"):
        read_proportions(pd.DataFrame({"bag": [1], "a": [1.0]}), "bag")
    with pytest.raises(InputError, match="hold text where a share"):
        read_proportions(pd.DataFrame({"bag": [1], "a": ["half"], "b": [0.5]}), "bag")


# ----------------------------------------------------------------------------- options
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "missing option --target"),
        (["-t", "answer", "-m", "pu"], "needs --target COL --positive-label VALUE"),
        (["-t", "answer", "--positive-label", "yes", "-m", "supervised"], "--method pu or"),
        (["-t", "answer", "--positive-label", "yes", "-m", "llp"], "--bags COL --proportions"),
        (["--bags", "region"], "--bags needs --proportions FILE"),
        (["-t", "answer", "--bags", "region", "--proportions", "{tmp}/s.csv"], "no --target"),
        (["-t", "answer", "--positive-label", "yes", "--time-limit", "5"], "takes no --time-limit"),
    ],
)
def test_options_that_clash_are_one_line(tmp_path, capsys, extra, message):
    data = tmp_path / "pu.csv"
    _pu_csv(data, None)
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    err = _one_line_exit_2(capsys, "fit", data, *args, "-o", tmp_path / "run")
    assert message in err
    assert _outputs(tmp_path) == ["pu.csv"]


def test_methods_lists_pu_and_llp_with_their_task(capsys):
    code, stdout, err = _run(capsys, "methods", "--json")
    assert code == 0, err
    tasks = {m["name"]: m["task"] for m in json.loads(stdout)["methods"]}
    assert {n: tasks[n] for n in ("pu", "pu-elkan-noto", "pu-nnpu", "llp", "llp-em")} == {
        "pu": "positive-unlabeled",
        "pu-elkan-noto": "positive-unlabeled",
        "pu-nnpu": "positive-unlabeled",
        "llp": "proportions",
        "llp-em": "proportions",
    }
    assert tasks["supervised"] == tasks["auto"] == "classification"
    # every task's default is a registered method of that task
    assert all(fewlabels_methods()[m].task == t for t, m in TASK_DEFAULTS.items())
    code, stdout, _ = _run(capsys, "methods")
    rows = [[c.strip() for c in ln.split("│")[1:-1]] for ln in stdout.splitlines()]
    assert ["llp-em", "proportions"] in [r[:2] for r in rows]
    assert ["pu", "positive-unlabeled"] in [r[:2] for r in rows]


@pytest.mark.parametrize("command", ["check", "query", "plan"])
def test_class_label_commands_refuse_pu_and_llp_methods(command, tmp_path, capsys):
    from fewlabels.cli import main

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=60), "y": (["a", "b"] * 15) + [None] * 30})
    data = tmp_path / "t.csv"
    df.to_csv(data, index=False)
    args = [command, str(data), "-t", "y", "-m", "pu"]
    if command != "plan":
        args += ["-o", str(tmp_path / ("o.csv" if command == "query" else "o"))]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "learns a positive-unlabeled task" in err and len(err.strip().splitlines()) == 1
