"""What ``fit`` and ``predict`` give a user: probabilities per class, the ID column, class
labels in their own type and spelling, and a report to act on (issue 20, items 1 and 2)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from fewlabels.workflow import fit_table, predict_table


def _table(n: int = 80, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cls = np.arange(n) % 2
    df = pd.DataFrame(
        {
            "customer_id": [f"C{1000 + i}" for i in range(n)],
            "x1": cls * 3.0 + rng.normal(0, 0.5, n),
            "x2": rng.normal(0, 1, n),
        }
    )
    labeled = np.zeros(n, dtype=bool)
    labeled[:24] = True
    return df, cls, labeled


# a target's classes as the user wrote them, its dtype, and the classes fewlabels reports.
# Whole-number floats (what a CSV column of integers with blanks is read as) are the
# integers they spell; a float target with fractions is continuous, not class labels.
LABEL_KINDS = {
    "int": (np.array([0, 7]), "Int64", [0, 7]),
    "float": (np.array([0.0, 7.0]), "float64", [0, 7]),
    "bool": (np.array([False, True]), "boolean", [False, True]),
    "string": (np.array(["No", "yes "]), "string", ["No", "yes "]),
    "categorical": (np.array(["lo", "Hi"]), "category", ["Hi", "lo"]),
}


@pytest.mark.parametrize("kind", list(LABEL_KINDS))
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_class_labels_keep_their_type_and_spelling(kind, fmt, tmp_path):
    values, dtype, expect = LABEL_KINDS[kind]
    df, cls, labeled = _table()
    target = pd.Series(values[cls], dtype=object)
    target[~labeled] = None
    df["y"] = target.astype(dtype)
    data = tmp_path / f"t.{fmt}"
    if fmt == "csv":
        df.to_csv(data, index=False)
    else:
        df.to_parquet(data)
    res = fit_table(data, "y", "supervised-logreg", tmp_path / "o", evidence=False)
    assert res.classes == expect
    assert all(type(c) is type(e) for c, e in zip(res.classes, expect, strict=True))
    pred = res.predictions["predicted"]
    assert set(pred.tolist()) <= set(expect)
    assert all(type(v) is type(expect[0]) for v in pred.tolist()[:5])
    # one probability column per class, named by the class as written
    names = [f"proba_{c}" for c in expect]
    assert [c for c in res.predictions.columns if c.startswith("proba_")] == names
    P = res.predictions[names].to_numpy()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_allclose(P.max(axis=1), res.predictions["confidence"], atol=1e-9)
    # the model round trip keeps the labels and their probabilities
    again = predict_table(res.paths["model"], data, proba=True)
    assert again["predicted"].tolist() == pred.tolist()
    np.testing.assert_allclose(again[names].to_numpy(), P, atol=1e-9)
    # the report counts and agrees with the labels as written
    html = (tmp_path / "o" / "report.html").read_text()
    for v in expect:
        assert f"<td>{v}</td>" in html.replace("&#x27;", "'")
    agree = re.search(r"agrees with the given label for ([\d.]+)%", html)
    assert agree is not None and float(agree.group(1)) > 90


def test_demo_like_numeric_labels_read_from_csv_are_whole_numbers(tmp_path):
    """The demo's defect: 0 … 9 with blanks is read back as floats, so the report counted
    0.0 … 9.0 and said the model agrees with 0.0% of the given labels."""
    rng = np.random.default_rng(1)
    n = 90
    cls = np.arange(n) % 3
    df = pd.DataFrame({"a": cls + rng.normal(0, 0.2, n), "b": rng.normal(0, 1, n)})
    df["digit"] = pd.array(np.where(np.arange(n) < 30, cls, -99)).astype("Int64")
    df.loc[df["digit"] == -99, "digit"] = pd.NA
    data = tmp_path / "d.csv"
    df.to_csv(data, index=False)
    fit_table(data, "digit", "supervised-logreg", tmp_path / "o", evidence=False)
    html = (tmp_path / "o" / "report.html").read_text()
    assert "<td>0.0</td>" not in html and "<td>2</td>" in html
    agree = re.search(r"agrees with the given label for ([\d.]+)%", html)
    assert agree is not None and float(agree.group(1)) == 100.0


def test_predictions_carry_the_id_and_next_labels_are_unlabeled_ids(tmp_path):
    df, cls, labeled = _table(n=400)
    df["y"] = pd.Series(np.where(labeled, np.array(["a", "b"])[cls], None), dtype=object)
    res = fit_table(df, "y", "supervised-logreg", tmp_path / "o")
    assert res.id_column == "customer_id"
    assert res.summary()["id_column"] == "customer_id"
    assert res.predictions["customer_id"].tolist() == df["customer_id"].tolist()
    html = (tmp_path / "o" / "report.html").read_text()
    assert "Label these next" in html
    block = html.split("Label these next", 1)[1]
    shown = re.findall(r"<td>(C\d+)</td>", block)
    assert len(shown) == 10
    labeled_ids = set(df.loc[labeled, "customer_id"])
    assert not set(shown) & labeled_ids  # only rows that still need a label
    # fewlabels.active's margin sampling: for two classes, the ten least confident unlabeled
    # rows, each with its runner-up class
    assert len(set(shown)) == 10
    unl = res.predictions[~labeled].set_index("customer_id")
    cutoff = unl["confidence"].sort_values(kind="stable").iloc[9]
    assert (unl.loc[shown, "confidence"] <= cutoff + 1e-12).all()
    assert "runner-up" in block and len(re.findall(r"<td>[ab] \(0\.\d\d\)</td>", block)) == 10


def test_predict_proba_flag_adds_the_class_columns(tmp_path):
    from fewlabels.cli.app import main

    df, cls, labeled = _table()
    df["y"] = pd.Series(np.where(labeled, np.array(["a", "b"])[cls], None), dtype=object)
    data = tmp_path / "t.csv"
    df.to_csv(data, index=False)
    out = tmp_path / "o"
    assert main(["fit", str(data), "-t", "y", "-m", "supervised-logreg", "-o", str(out), "-q"]) == 0
    plain, probs = tmp_path / "p.csv", tmp_path / "q.csv"
    assert main(["predict", str(out / "model.skops"), str(data), "-o", str(plain), "-q"]) == 0
    assert (
        main(["predict", str(out / "model.skops"), str(data), "-o", str(probs), "--proba", "-q"])
        == 0
    )
    assert not any(c.startswith("proba_") for c in pd.read_csv(plain).columns)
    got = pd.read_csv(probs)
    assert {"proba_a", "proba_b", "customer_id"} <= set(got.columns)
    np.testing.assert_allclose(got[["proba_a", "proba_b"]].sum(axis=1), 1.0, atol=1e-6)
