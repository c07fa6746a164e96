import numpy as np
import pandas as pd
import pytest

from fewlabels.data import infer_schema
from fewlabels.exceptions import InputError


def test_kinds():
    n = 30
    df = pd.DataFrame(
        {
            "num": np.arange(n) * 0.5,
            "boolean": [True, False] * (n // 2),
            "yes_no": ["yes", "no"] * (n // 2),
            "cat": pd.Categorical(["a", "b", "c"] * (n // 3)),
            "text_cat": ["x", "y", "z"] * (n // 3),
            "when": pd.date_range("2024-01-01", periods=n),
            "when_str": [f"2024-02-{d % 28 + 1:02d}" for d in range(n)],
        }
    )
    kinds = {c.name: c.kind for c in infer_schema(df).columns}
    assert kinds == {
        "num": "numeric",
        "boolean": "boolean",
        "yes_no": "boolean",
        "cat": "categorical",
        "text_cat": "categorical",
        "when": "datetime",
        "when_str": "datetime",
    }


def test_dropped_columns_with_reasons():
    n = 40
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "id": np.arange(n),
            "code": [f"C{i:04d}" for i in range(n)],
            "const": 3,
            "review": [
                f"this product number {i} was {'good' if i % 2 else 'bad'} overall"
                for i in range(n)
            ],
            "x": rng.normal(size=n),
        }
    )
    s = infer_schema(df)
    assert s.names() == ["x"]
    assert s.dropped["id"].startswith("ID-like")
    assert s.dropped["code"].startswith("ID-like")
    assert s.dropped["const"].startswith("constant")
    assert s.dropped["review"].startswith("free text")
    assert s.text_columns == ["review"]


def test_unique_floats_are_not_ids():
    df = pd.DataFrame({"x": np.random.default_rng(0).normal(size=50)})
    assert infer_schema(df).names() == ["x"]


@pytest.mark.parametrize(
    ("column", "match"),
    [
        ([np.nan, np.nan, np.nan], "empty in every row"),
        ([1.0, np.inf, 2.0], "infinite"),
        ([1.0, -np.inf, 2.0], "infinite"),
        (["1", "2", "3", "x"], "mixes numbers and text"),
        (np.array([1, "a", 2], dtype=object), "mixes numbers and text"),
    ],
)
def test_unusable_columns(column, match):
    df = pd.DataFrame({"bad": column, "ok": [1.0, 2.0, 3.0, 4.0][: len(column)]})
    with pytest.raises(InputError, match=match):
        infer_schema(df)


def test_no_feature_left():
    with pytest.raises(InputError, match="no usable feature column"):
        infer_schema(pd.DataFrame({"c": [1, 1, 1, 1]}))
