"""Any column name works: the encoder's native output uses backend-safe internal names,
and everything a user sees (feature names, schema, predictions) keeps the originals."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fewlabels.data import NumericView, TableEncoder
from fewlabels.data.encoder import internal_names, safe_name
from fewlabels.exceptions import InputError

#: What every backend accepts in a feature name (LightGBM refuses ``[ ] { } : , "`` and
#: whitespace is rewritten by it; XGBoost refuses ``[ ] <``).
SAFE = re.compile(r"[\w\-.$%+]+")
NASTY = [
    "price[$]",
    "a:b",
    "a_b",
    'x"y',
    "{z}",
    "a,b",
    "<b>html</b>",
    "<i>h</i>",
    "two words",
    "tab\there",
    "",
    " ",
    "x" * 300,
    "y" * 299 + ":",
    "Größe (€)",
    "价格",
    "a_b__2",
]

special = st.sampled_from(list('[]:"{},<>/ \t\n') + ["<b>html</b>", "__"])
name_part = st.one_of(st.text(max_size=12), special)
names = st.one_of(
    st.sampled_from(NASTY),
    st.lists(name_part, min_size=0, max_size=6).map("".join),
    st.text(min_size=290, max_size=300),
)


def _assert_safe_and_unique(cols) -> None:
    cols = [str(c) for c in cols]
    assert len(set(cols)) == len(cols)
    assert all(SAFE.fullmatch(c) for c in cols), cols


@st.composite
def named_tables(draw):
    cols = draw(st.lists(names, min_size=1, max_size=8, unique=True))
    n = 12
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    data = {}
    for i, name in enumerate(cols):
        kind = i % 4
        if kind == 0:
            data[name] = rng.normal(size=n).round(1)
        elif kind == 1:
            data[name] = rng.permutation(["red", "green", "blue"] * (n // 3))
        elif kind == 2:
            data[name] = np.tile([True, False], n // 2)
        else:
            data[name] = pd.date_range("2024-01-01", periods=n, freq="37h")
    frame = pd.DataFrame(data)
    parts = {f"{c}__{p}" for c in cols[3::4] for p in ("year", "month", "day", "weekday", "hour")}
    assume(not parts & set(cols))  # a name that is a date part's name is refused (below)
    return frame


@settings(max_examples=60, deadline=None)
@given(named_tables())
def test_any_names_round_trip(frame):
    originals = [str(c) for c in frame.columns]
    enc = TableEncoder(drop_useless=False).fit(frame)
    native = enc.transform(frame)
    _assert_safe_and_unique(native.columns)
    # the map gives back the user-facing names, which are the originals' scheme
    shown = [enc.original_name(c) for c in native.columns]
    assert shown == list(enc.feature_names_map_.values()) == enc.get_feature_names_out().tolist()
    expected = []
    for name in originals:
        if pd.api.types.is_datetime64_any_dtype(frame[name].dtype):
            expected.extend(f"{name}__{p}" for p in enc.date_parts_[name])
        else:
            expected.append(name)
    assert shown == expected
    # a name that was safe already is kept as is
    assert all(i == o for i, o in zip(native.columns, shown, strict=True) if safe_name(o) == o)
    # schema and fitted names stay the user's
    assert enc.feature_names_in_.tolist() == originals
    assert [c["name"] for c in enc.schema_["columns"]] == originals
    # the data did not move: each native column holds its original's values
    kinds = {c["name"]: c["kind"] for c in enc.schema_["columns"]}
    for internal, name in zip(native.columns, shown, strict=True):
        if kinds.get(name) in ("numeric", "boolean", "categorical"):
            got = native[internal].astype(object).tolist()
            want = frame[name].astype(object).tolist()
            want = [float(v) if isinstance(v, (bool, np.bool_)) else v for v in want]
            assert got == want
    # the numeric and ordinal outputs are in original terms too
    num = TableEncoder(output="numeric", drop_useless=False).fit(frame)
    out_names = num.get_feature_names_out().tolist()
    assert num.transform(frame).shape[1] == len(out_names)
    for name in originals:
        if kinds[name] == "categorical":
            assert {f"{name}={c}" for c in ("blue", "green", "red")} <= set(out_names)
    ordinal = TableEncoder(output="ordinal", drop_useless=False).fit(frame)
    assert ordinal.get_feature_names_out().tolist() == shown
    # the numeric view of the internal-named frame is the encoder's numeric output
    np.testing.assert_allclose(NumericView().fit_transform(native), num.transform(frame))
    # a table given again, reordered, encodes the same
    again = enc.transform(frame[frame.columns[::-1]])
    pd.testing.assert_frame_equal(again, native)


def test_internal_names_scheme():
    assert internal_names(["a:b", "a_b", "price[$]", "ok"]) == ["a_b__2", "a_b", "price_$_", "ok"]
    assert internal_names(["a b", "a_b", "a_b__2", "a:b"]) == ["a_b__3", "a_b", "a_b__2", "a_b__4"]
    assert internal_names(["", " "]) == ["_", "___2"]
    long = internal_names(["x" * 300, "x" * 301])
    assert long == ["x" * 120, "x" * 120 + "__2"]
    assert safe_name("Größe (€)") == "Größe____"
    assert safe_name('<b>x"y</b>') == "_b_x_y__b_"


def test_collisions_after_sanitizing_keep_their_own_data():
    frame = pd.DataFrame({"a:b": [1.0, 2.0, 3.0], "a_b": [10.0, 20.0, 30.0], "a b": [7.0, 8, 9]})
    enc = TableEncoder().fit(frame)
    native = enc.transform(frame)
    assert enc.feature_names_map_ == {"a_b__2": "a:b", "a_b": "a_b", "a_b__3": "a b"}
    for internal, name in enc.feature_names_map_.items():
        assert native[internal].tolist() == frame[name].tolist()


def test_one_hot_and_date_parts_keep_original_names():
    frame = pd.DataFrame(
        {
            "price[$]": [1.0, None, 3.0, 4.0],
            "plan:type": ["a", "b", "a", "c"],
            "<i>when</i>": pd.to_datetime(["2024-01-01", "2024-02-03", "2024-03-05", "2024-04-07"]),
        }
    )
    enc = TableEncoder(output="numeric").fit(frame)
    names = enc.get_feature_names_out().tolist()
    assert names[:2] == ["price[$]", "price[$]__missing"]
    assert {"plan:type=a", "plan:type=b", "plan:type=c", "<i>when</i>__year"} <= set(names)
    native = TableEncoder().fit(frame)
    assert list(native.transform(frame).columns)[:3] == [
        "price_$_",
        "plan_type",
        "_i_when__i___year",
    ]
    assert native.original_name("_i_when__i___year") == "<i>when</i>__year"
    with pytest.raises(KeyError, match="not an output column"):
        native.original_name("price[$]")


def test_a_name_that_is_a_date_part_is_refused():
    frame = pd.DataFrame(
        {"d": pd.to_datetime(["2024-01-01", "2025-02-03", "2026-03-05"]), "d__year": [1.0, 2, 3]}
    )
    with pytest.raises(InputError, match="'d__year' clash with the parts of a date column"):
        TableEncoder().fit(frame)


def test_lightgbm_fits_on_the_native_output():
    from lightgbm import LGBMClassifier

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({n: rng.normal(size=60) for n in ["price[$]", "a:b", 'x"y', "{z}"]})
    frame["<i>h</i>"] = rng.choice(["u", "v"], 60)
    y = (frame["price[$]"] > 0).astype(int)
    enc = TableEncoder().fit(frame)
    model = LGBMClassifier(n_estimators=5, verbose=-1).fit(enc.transform(frame), y)
    shown = [enc.original_name(n) for n in model.booster_.feature_name()]
    assert shown == list(frame.columns)


@pytest.fixture(scope="module")
def nasty_table():
    from conftest import make_table

    df, _ = make_table(n=120)
    renamed = {"x1": "price[$]", "x2": "a:b", "color": 'x"y', "flag": "{z}", "when": "<i>h</i>"}
    df = df.rename(columns=renamed)
    df["a_b"] = np.arange(len(df)) % 7 * 1.0  # collides with a:b once sanitized
    return df


@pytest.mark.parametrize("method", ["supervised", "self-training", "label-spreading"])
def test_fit_table_with_special_names(nasty_table, method):
    from fewlabels.workflow import fit_table

    result = fit_table(nasty_table, "label", method, evidence=False)
    pred = result.predictions
    assert list(pred.columns[: nasty_table.shape[1]]) == list(nasty_table.columns)
    assert {"predicted", "confidence"} <= set(pred.columns)
    assert pred["predicted"].notna().all()
    assert [c["name"] for c in result.schema["columns"]] == [
        c for c in nasty_table.columns if c != "label"
    ]
