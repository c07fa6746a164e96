import numpy as np
import pandas as pd
import pytest

from fewlabels.data import OTHER_CATEGORY, TableEncoder
from fewlabels.exceptions import InputError


@pytest.fixture
def X(table):
    df, _ = table
    return df.drop(columns="label")


def test_native_keeps_categoricals(X):
    Xt = TableEncoder().fit_transform(X)
    assert isinstance(Xt["color"].dtype, pd.CategoricalDtype)
    assert list(Xt["color"].cat.categories) == ["blue", "green", "red"]
    assert {"when__year", "when__month", "when__day", "when__weekday"} <= set(Xt.columns)
    assert Xt["flag"].dtype == float
    assert Xt["x2"].isna().sum() == X["x2"].isna().sum()  # missing values kept for the model


def test_round_trip_is_stable(X):
    enc = TableEncoder().fit(X)
    pd.testing.assert_frame_equal(enc.transform(X), enc.transform(X.copy()))
    again = TableEncoder().fit(X).transform(X)
    pd.testing.assert_frame_equal(enc.transform(X), again)


def test_input_not_modified(X):
    before = X.copy()
    TableEncoder(output="numeric").fit(X).transform(X)
    pd.testing.assert_frame_equal(X, before)


def test_unseen_category_becomes_missing(X):
    enc = TableEncoder().fit(X)
    new = X.head(2).copy()
    new["color"] = ["purple", "red"]
    out = enc.transform(new)
    assert pd.isna(out["color"].iloc[0]) and out["color"].iloc[1] == "red"
    num = TableEncoder(output="numeric").fit(X)
    row = num.transform(new)[0]
    names = num.get_feature_names_out().tolist()
    assert all(row[names.index(f"color={c}")] == 0 for c in ["blue", "green", "red"])


def test_max_categories_merges_rare():
    X = pd.DataFrame({"c": list("aaaabbbccd") * 3, "x": np.arange(30.0)})
    enc = TableEncoder(max_categories=3).fit(X)
    assert enc.categories_["c"] == ["a", "b", OTHER_CATEGORY]
    out = enc.transform(pd.DataFrame({"c": ["d", "zzz", "a"], "x": [1.0, 2.0, 3.0]}))
    assert out["c"].tolist() == [OTHER_CATEGORY, OTHER_CATEGORY, "a"]


def test_numeric_output_is_dense_standardized(X):
    enc = TableEncoder(output="numeric").fit(X)
    Z = enc.transform(X)
    assert not np.isnan(Z).any()
    names = enc.get_feature_names_out().tolist()
    assert "x2__missing" in names and "color=red" in names
    x1 = Z[:, names.index("x1")]
    assert abs(x1.mean()) < 1e-9 and abs(x1.std() - 1) < 1e-9


def test_ordinal_output(X):
    Z = TableEncoder(output="ordinal").fit_transform(X)
    assert Z.dtype == float and Z.shape[0] == len(X)


def test_missing_column_is_named(X):
    enc = TableEncoder().fit(X)
    with pytest.raises(InputError, match="lacks column.*'color'"):
        enc.transform(X.drop(columns="color"))


def test_extra_and_reordered_columns_are_fine(X):
    enc = TableEncoder().fit(X)
    shuffled = X[X.columns[::-1]].assign(extra=1)
    pd.testing.assert_frame_equal(enc.transform(shuffled), enc.transform(X))


def test_incompatible_dtype(X):
    enc = TableEncoder().fit(X)
    bad = X.head(3).copy()
    bad["x1"] = ["1.0", "oops", "2"]
    with pytest.raises(InputError, match="'x1' was numeric .* 'oops'"):
        enc.transform(bad)
    bad = X.head(3).copy()
    bad["when"] = ["2024-01-01", "not a date", None]
    with pytest.raises(InputError, match="holds dates"):
        enc.transform(bad)


def test_polars_input(X):
    import polars as pl

    enc = TableEncoder().fit(pl.from_pandas(X))
    out = enc.transform(X)
    assert isinstance(out["color"].dtype, pd.CategoricalDtype)


def test_lightgbm_uses_native_categoricals():
    from lightgbm import LGBMClassifier

    rng = np.random.default_rng(0)
    cat = rng.choice(list("abcdefgh"), 400)
    y = np.isin(cat, ["b", "e", "h"]).astype(int)
    X = pd.DataFrame({"cat": cat, "noise": rng.normal(size=400)})
    Xt = TableEncoder().fit_transform(X)
    model = LGBMClassifier(n_estimators=20, min_data_per_group=5, verbose=-1).fit(Xt, y)
    dump = model.booster_.dump_model()
    assert dump["pandas_categorical"] == [sorted(set(cat))]  # the column went in as categories

    def decisions(node):
        if "split_feature" not in node:
            return []
        here = (
            [node["decision_type"]] if dump["feature_names"][node["split_feature"]] == "cat" else []
        )
        return here + decisions(node["left_child"]) + decisions(node["right_child"])

    splits = [d for tree in dump["tree_info"] for d in decisions(tree["tree_structure"])]
    assert splits and set(splits) == {"=="}  # categorical splits, not thresholds on codes
    assert model.score(Xt, y) > 0.99


def test_safe_names_are_kept(X):
    enc = TableEncoder().fit(X)
    native = enc.transform(X)
    assert list(native.columns) == enc.get_feature_names_out().tolist()
    assert enc.feature_names_map_ == {c: c for c in native.columns}
    assert enc.feature_names_in_.tolist() == list(X.columns)


def test_unsafe_names_are_mapped():
    X = pd.DataFrame({"price[$]": [1.0, 2.0, 3.0], "plan:a": ["x", "y", "x"]})
    enc = TableEncoder().fit(X)
    assert list(enc.transform(X).columns) == ["price_$_", "plan_a"]
    assert enc.get_feature_names_out().tolist() == ["price[$]", "plan:a"]
    assert enc.original_name("plan_a") == "plan:a"
    assert [c.name for c in enc.schema.columns] == ["price[$]", "plan:a"]
    num = TableEncoder(output="numeric").fit(X)
    assert num.get_feature_names_out().tolist() == ["price[$]", "plan:a=x", "plan:a=y"]
