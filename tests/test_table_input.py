"""The estimators take what ``fit_table`` takes (issue 20, item 3): a raw table with
datetime, text, category, boolean and missing values, typed and encoded once by the same
TableEncoder the CLI uses, and the same encoding again at predict time."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from fewlabels.auto import AutoClassifier
from fewlabels.data.encoder import TableEncoder
from fewlabels.graph import LabelSpreadingClassifier
from fewlabels.selftrain import SelfTrainingClassifier
from fewlabels.supervised import SupervisedClassifier
from fewlabels.workflow import fit_table


def _frame(n=120, seed=0):
    """Every column kind ``fit_table`` reads; the class follows ``num`` and ``plan``."""
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 2, n)
    df = pd.DataFrame(
        {
            "num": cls * 2.0 + rng.normal(0, 0.5, n),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "plan": np.array(["basic", "pro"])[(cls + (rng.random(n) < 0.1)) % 2],
            "tier": pd.Categorical(np.array(["x", "y", "z"])[rng.integers(0, 3, n)]),
            "flag": rng.random(n) < 0.5,
            "gappy": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        }
    )
    y = np.array(["no", "yes"], dtype=object)[cls]
    y[rng.random(n) < 0.6] = None
    y[:2], y[2:4] = "no", "yes"  # both classes labeled whatever the draw
    cls[:2], cls[2:4] = 0, 1
    df.loc[:1, "num"], df.loc[2:3, "num"] = 0.0, 2.0
    return df, y, cls


COLUMNS = ["when", "plan", "tier", "flag", "gappy", None]
ESTIMATORS = {
    "supervised": lambda: SupervisedClassifier(random_state=0),
    "supervised-logreg": lambda: SupervisedClassifier(LogisticRegression(), random_state=0),
    "self-training": lambda: SelfTrainingClassifier(max_iter=2, random_state=0),
    "label-spreading": lambda: LabelSpreadingClassifier(random_state=0),
    "auto": lambda: AutoClassifier(
        members=["logreg", "label-spreading"], n_splits=2, n_repeats=1, time_limit=2, random_state=0
    ),
}


CASES = [
    *((name, column) for name in ESTIMATORS if name != "auto" for column in COLUMNS),
    ("auto", None),  # the slowest: every column kind at once
]


@pytest.mark.parametrize(("name", "column"), CASES)
def test_raw_table_fits_and_predicts(name, column):
    """One column of each kind beside a number (None: all of them together)."""
    df, y, cls = _frame()
    X = df[["num", column]] if column else df
    model = ESTIMATORS[name]().fit(X, y)
    pred = model.predict(X)
    assert set(pred) <= {"no", "yes"} and len(pred) == len(X)
    assert np.mean(pred == np.array(["no", "yes"])[cls]) > 0.8
    assert model.predict_proba(X.iloc[:5]).shape == (5, 2)
    assert model.n_features_in_ == X.shape[1]
    assert list(model.feature_names_in_) == list(X.columns)
    # numbers with gaps go as they are to a model that takes missing values
    plain = column == "gappy" and name in ("supervised", "self-training", "auto")
    assert isinstance(model.table_encoder_, TableEncoder) != plain


@pytest.mark.parametrize("name", ["supervised", "self-training", "label-spreading"])
def test_text_at_predict_where_the_model_saw_a_category(name):
    df, y, _ = _frame()
    model = ESTIMATORS[name]().fit(df[["num", "tier"]], y)
    as_text = df[["num", "tier"]].astype({"tier": str})
    np.testing.assert_allclose(
        model.predict_proba(as_text), model.predict_proba(df[["num", "tier"]])
    )
    # and the other way round: fitted on text, given a category
    model = ESTIMATORS[name]().fit(as_text, y)
    np.testing.assert_allclose(
        model.predict_proba(df[["num", "tier"]]), model.predict_proba(as_text)
    )


def test_same_predictions_as_the_cli_path():
    """``fit_table`` and ``SupervisedClassifier().fit(df, y)`` type and encode alike."""
    df, y, _ = _frame()
    table = df.assign(label=y)
    via_cli = fit_table(table, "label", "supervised", evidence=False, random_state=0)
    direct = SupervisedClassifier(random_state=0).fit(df, y)
    np.testing.assert_allclose(
        direct.predict_proba(df), via_cli.model.predict_proba(table.drop(columns="label"))
    )
    assert direct.table_encoder_.schema_ == via_cli.model.named_steps["encode"].schema_


def test_numeric_input_is_not_encoded():
    df, y, _ = _frame()
    X = df[["num", "gappy"]]
    for model in (SupervisedClassifier(random_state=0), SelfTrainingClassifier(max_iter=2)):
        model.fit(X.to_numpy(), y)
        assert model.table_encoder_ is None
        model.fit(X, y)  # an all-number table as well
        assert model.table_encoder_ is None
    # an estimator that takes no missing values gets them imputed, as fit_table does
    assert LabelSpreadingClassifier().fit(X, y).table_encoder_ is not None
    with pytest.raises(ValueError, match="NaN"):
        LabelSpreadingClassifier().fit(X.to_numpy(), y)  # arrays: unchanged


def test_encoded_table_is_not_encoded_again():
    df, y, _ = _frame()
    native = TableEncoder().fit_transform(df)
    model = SupervisedClassifier(random_state=0).fit(native, y)
    assert model.table_encoder_ is None
    assert model.predict(native.iloc[:3]).shape == (3,)
