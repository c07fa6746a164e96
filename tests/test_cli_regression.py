"""fewlabels fit on a numeric target: the task inferred, the model, predictions and report."""

import json

import numpy as np
import pandas as pd
import pytest

from fewlabels.cli import main
from fewlabels.data import infer_task
from fewlabels.workflow import fit_table, predict_table


def _table(n=400, share=0.05, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-2, 2, size=(n, 3))
    y = np.sin(X[:, 0]) * 10 + X[:, 1] ** 2 * 3 + rng.normal(0, 0.5, n) + 50
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["colour"] = pd.Series(rng.choice(["red", "blue"], n)).astype("category")
    frame["price"] = np.round(y, 2)
    frame.loc[rng.rand(n) > share, "price"] = np.nan
    return frame, y


def test_the_task_comes_from_the_values_with_a_reason():
    assert infer_task([1.5, None, 2.25]) == (
        "regression",
        "the labeled values are numbers with fractions (e.g. 1.5): read as a quantity",
    )
    assert infer_task(list(range(31)))[0] == "regression"
    assert infer_task(list(range(30)))[0] == "classification"
    assert infer_task([True, False, None])[0] == "classification"
    assert infer_task(["1.5", "2"])[0] == "classification"  # text stays text


def test_fit_a_float_target_with_95_percent_blanks(tmp_path):
    frame, truth = _table()
    data = tmp_path / "prices.csv"
    frame.to_csv(data, index=False)
    before = data.read_bytes()
    out = tmp_path / "run"
    code = main(["fit", str(data), "--target", "price", "--out", str(out), "--json", "--quiet"])
    assert code == 0
    assert data.read_bytes() == before  # the input is never modified
    assert {p.name for p in out.iterdir()} >= {"model.skops", "predictions.csv", "report.html"}
    pred = pd.read_csv(out / "predictions.csv")
    assert "confidence" not in pred.columns and pred["predicted"].notna().all()
    # a model that learned something: far better than predicting the labeled mean
    labeled = frame["price"].notna()
    rmse = np.sqrt(np.mean((pred["predicted"] - truth)[~labeled] ** 2))
    baseline = np.sqrt(np.mean((frame["price"][labeled].mean() - truth)[~labeled] ** 2))
    assert rmse < 0.8 * baseline
    report = (out / "report.html").read_text()
    for text in ("RMSE", "MAE", "R²", "Predicted against actual", "numbers with fractions"):
        assert text in report
    # predict round-trips: the same numbers from the saved model
    again = predict_table(out / "model.skops", data)
    np.testing.assert_allclose(again["predicted"], pred["predicted"], rtol=1e-9)
    assert main(["predict", str(out / "model.skops"), str(data), "-o", str(tmp_path / "p.csv"),
                 "--proba", "--quiet"]) == 2  # fmt: skip


def test_json_summary_says_which_task_and_why(tmp_path, capsys):
    frame, _ = _table(300, 0.1)
    data = tmp_path / "t.csv"
    frame.to_csv(data, index=False)
    main(["fit", str(data), "-t", "price", "--no-evidence", "-m", "supervised-regressor",
          "--out", str(tmp_path / "o"), "--json", "--quiet"])  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert summary["task"] == "regression" and summary["classes"] == []
    assert summary["task_reason"] == "method supervised-regressor learns a regression task"


def test_task_option_and_its_errors(tmp_path, capsys):
    frame, _ = _table(300, 0.2)
    frame["count"] = (frame["price"] // 10).astype("Int64")  # few whole numbers: classes
    data = tmp_path / "t.csv"
    frame.drop(columns=["price"]).to_csv(data, index=False)
    result = fit_table(
        data, "count", evidence=False, task="regression", method="supervised-regressor"
    )
    assert result.task == "regression" and result.task_reason == "--task regression"
    result = fit_table(data, "count", evidence=False, method="supervised")
    assert result.task == "classification"
    text = tmp_path / "text.csv"
    frame.assign(count=np.where(frame["count"].isna(), None, "x")).to_csv(text, index=False)
    assert main(["fit", str(text), "-t", "count", "--task", "regression", "--quiet"]) == 2
    assert "must be numeric" in capsys.readouterr().err
    assert main(["fit", str(data), "-t", "count", "--task", "regression", "-m", "coreg",
                 "--positive-label", "1", "--quiet"]) == 2  # fmt: skip
    assert "--task applies to a --target column alone" in capsys.readouterr().err
    assert main(["fit", str(data), "-t", "count", "--task", "classification", "-m",
                 "supervised-regressor", "--quiet"]) == 2  # fmt: skip
    assert "learns a regression task" in capsys.readouterr().err


def test_a_constant_target_or_too_few_values_is_refused(tmp_path):
    from fewlabels.exceptions import InputError

    frame, _ = _table(100, 0.5)
    few = frame.assign(price=[1.5, 2.5] + [np.nan] * 98)
    with pytest.raises(InputError, match="at least 5"):
        fit_table(few, "price", evidence=False)
    same = frame.assign(price=np.where(frame["price"].notna(), 2.5, np.nan))
    with pytest.raises(InputError, match="same value"):
        fit_table(same, "price", evidence=False, task="regression")


@pytest.mark.parametrize("command", ["query", "check"])
def test_query_and_check_on_a_quantity_point_to_fit(tmp_path, capsys, command):
    frame, _ = _table(200, 0.3)
    data = tmp_path / "prices.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / ("q.csv" if command == "query" else "chk")
    assert main([command, str(data), "-t", "price", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot be used as class labels" in err
    assert "a number to predict is learned by 'fewlabels fit'" in err
    assert not out.exists()
