"""scikit-learn's common checks on every public estimator, and behaviour tests."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from fewlabels.data import TableEncoder
from fewlabels.graph import LabelPropagationClassifier, LabelSpreadingClassifier
from fewlabels.inventory import all_estimators
from fewlabels.methods import fewlabels_methods, make_model
from fewlabels.regression import LabelPropagationRegressor
from fewlabels.scale import ScaledSelfTrainingClassifier
from fewlabels.selftrain import CoTrainingClassifier, SelfTrainingClassifier, TriTrainingClassifier
from fewlabels.supervised import SupervisedClassifier

# In an integer target, -1 marks an unlabeled row (scikit-learn's own semi-supervised
# convention). check_classifiers_classes trains on the labels {-1, 1}, so for fewlabels the
# -1 rows are unlabeled and only one class is left: a deliberate difference, not a bug.
MINUS_ONE_IS_UNLABELED = {
    "check_classifiers_classes": "-1 marks unlabeled rows in an integer target, so labels {-1, 1} hold one class",
}

# Cheap settings for the checks, by parameter name: a discovered class gets those of its
# parameters that are listed here (river's _unit_test_params, by name instead of by class).
FAST_PARAMS = {
    "max_iter": 3,
    "max_epochs": 3,
    "pretrain_epochs": 2,
    "hidden_layer_sizes": (32,),
    "n_repeats": 1,
    "members": ["logreg", "label-spreading", "logreg+pl"],
    "cv": 2,  # LabelCleaningClassifier: 2 folds of out-of-fold probabilities, not 5
}
# Cheap settings that differ by class where a parameter name is shared (a regressor's
# members are not a classifier's); applied after FAST_PARAMS.
CLASS_PARAMS = {
    "AutoRegressor": {"members": ["supervised-ridge", "coreg", "label-propagation-regressor"]},
    # 4 thresholds and 2 folds instead of 32 and 5; 20 boosting rounds instead of 200
    "ClassifierFeatures": {"S": 4},
    "ClassifierFeaturesRegressor": {"S": 4},
    "GBNNRegressor": {"n_estimators": 20},
    "GBNNClassifier": {"n_estimators": 20},
}
# check_classifiers_train asks for a training accuracy above 0.83 on scikit-learn's small
# problem: deep classes get the epochs to reach it there (and 3 epochs everywhere else).
TRAIN_EPOCHS = 40
# Public estimators that are not checked, each with its reason (keep this short).
NOT_CHECKED = {
    "AutoGluonPeer": "a benchmark peer that runs AutoGluon in its own venv, in a subprocess "
    "(tests/test_bench_autogluon.py covers it when that venv exists)",
}
# Variants worth checking besides each class's defaults.
VARIANTS = [
    TableEncoder(output="numeric"),
    TableEncoder(output="ordinal"),
    SupervisedClassifier(LogisticRegression()),
    LabelSpreadingClassifier(inductive="sparse", metric="cosine"),
    SelfTrainingClassifier(LogisticRegression(), policy="topk", max_iter=3),
    SelfTrainingClassifier(policy="msla", max_iter=2),
    SelfTrainingClassifier(LogisticRegression(), confidence="tsimilarity", max_iter=2),
    CoTrainingClassifier(LogisticRegression(), max_iter=3),
    TriTrainingClassifier(LogisticRegression(), max_iter=3),
]


def _checked_estimators():
    """Every discovered public estimator with cheap settings, then the variants."""
    out = []
    for name, cls in all_estimators():
        if name in NOT_CHECKED or not (hasattr(cls, "predict") or hasattr(cls, "transform")):
            continue
        params = cls().get_params(deep=False)
        fast = {k: v for k, v in FAST_PARAMS.items() if k in params}
        out.append(cls(**{**fast, **CLASS_PARAMS.get(name, {})}))
    return out + VARIANTS


ESTIMATORS = _checked_estimators()


def test_every_public_estimator_is_checked():
    """Discovery finds the families, torch's included when it is installed."""
    checked = {type(e).__name__ for e in ESTIMATORS}
    names = {name for name, _ in all_estimators()}
    assert {"SupervisedClassifier", "SelfTrainingClassifier", "LabelSpreadingClassifier"} <= checked
    assert set(NOT_CHECKED) <= names, "NOT_CHECKED names a class that no longer exists"
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    assert {"FixMatchClassifier", "VIMEClassifier", "NovelClassDiscovery"} <= checked


NOTHING_TO_DO = {
    # scikit-learn lists the same for its own SelfTrainingClassifier ("n_iter_ can be 0")
    "check_non_transformer_estimators_n_iter": (
        "n_iter_ counts pseudo-labeling rounds (or solver steps): 0 when every row is labeled"
    ),
}
ITERATIVE = (
    LabelPropagationClassifier,
    LabelPropagationRegressor,
    SelfTrainingClassifier,
    ScaledSelfTrainingClassifier,
    CoTrainingClassifier,
    TriTrainingClassifier,
)


# NovelClassDiscovery finds classes among the *unlabeled* rows; these checks fit it on a fully
# labeled y, where it refuses (one line: "no row is unlabeled, so there is nothing to
# discover"), as the discover command does. The checks that pass an unlabeled row run.
NOTHING_TO_DISCOVER = {
    "check_dict_unchanged": "a fully labeled y: nothing to discover",
    "check_dont_overwrite_parameters": "a fully labeled y: nothing to discover",
    "check_dtype_object": "a fully labeled y: nothing to discover",
    "check_estimators_dtypes": "a fully labeled y: nothing to discover",
    "check_estimators_fit_returns_self": "a fully labeled y: nothing to discover",
    "check_estimators_nan_inf": "a fully labeled y: nothing to discover",
    "check_estimators_overwrite_params": "a fully labeled y: nothing to discover",
    "check_estimators_pickle": "a fully labeled y: nothing to discover",
    "check_f_contiguous_array_estimator": "a fully labeled y: nothing to discover",
    "check_fit2d_1feature": "a fully labeled y: nothing to discover",
    "check_fit2d_1sample": "a fully labeled y: nothing to discover",
    "check_fit2d_predict1d": "a fully labeled y: nothing to discover",
    "check_fit_check_is_fitted": "a fully labeled y: nothing to discover",
    "check_fit_idempotent": "a fully labeled y: nothing to discover",
    "check_fit_score_takes_y": "a fully labeled y: nothing to discover",
    "check_methods_sample_order_invariance": "a fully labeled y: nothing to discover",
    "check_methods_subset_invariance": "a fully labeled y: nothing to discover",
    "check_n_features_in": "a fully labeled y: nothing to discover",
    "check_n_features_in_after_fitting": "a fully labeled y: nothing to discover",
    "check_pipeline_consistency": "a fully labeled y: nothing to discover",
    "check_positive_only_tag_during_fit": "a fully labeled y: nothing to discover",
    "check_readonly_memmap_input": "a fully labeled y: nothing to discover",
}


def _expected_failures(estimator):
    expected = {}
    # scikit-learn's check skips the {-1, 1} labels for classes *named* SelfTrainingClassifier
    if hasattr(estimator, "predict") and type(estimator).__name__ != "SelfTrainingClassifier":
        expected.update(MINUS_ONE_IS_UNLABELED)
    if isinstance(estimator, ITERATIVE):
        expected.update(NOTHING_TO_DO)
    if type(estimator).__name__ == "NovelClassDiscovery":
        expected.update(NOTHING_TO_DISCOVER)
    return expected


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible(estimator, check):
    name = getattr(check, "func", check).__name__
    if name == "check_classifiers_train" and "max_epochs" in estimator.get_params():
        estimator.set_params(max_epochs=TRAIN_EPOCHS)
    check(estimator)


def _semi_supervised_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(0, 0.5, (100, 2)), rng.normal(3, 0.5, (100, 2))]
    truth = np.repeat([0, 1], 100)
    y = np.full(200, -1)
    y[[0, 1, 100, 101]] = truth[[0, 1, 100, 101]]
    return X, y, truth


def test_supervised_ignores_unlabeled_rows(global_random_seed):
    X, y, _ = _semi_supervised_problem(global_random_seed)
    a = SupervisedClassifier(LogisticRegression()).fit(X, y)
    labeled = y != -1
    b = LogisticRegression().fit(X[labeled], y[labeled])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X))
    assert a.n_labeled_ == 4


def test_supervised_passes_tables_through():
    from lightgbm import LGBMClassifier

    class Spy(LGBMClassifier):
        def fit(self, X, y, **kw):
            Spy.seen = X
            return super().fit(X, y, **kw)

    X = pd.DataFrame({"c": pd.Categorical(list("ab") * 20), "x": np.arange(40.0)})
    y = pd.Series(["u", "v"] * 20, dtype=object)
    y[::3] = None
    SupervisedClassifier(Spy(n_estimators=5, verbose=-1)).fit(X, y)
    assert isinstance(Spy.seen, pd.DataFrame) and isinstance(
        Spy.seen["c"].dtype, pd.CategoricalDtype
    )


def test_label_spreading_uses_unlabeled_rows(global_random_seed):
    X, y, truth = _semi_supervised_problem(global_random_seed)
    clf = LabelSpreadingClassifier(n_neighbors=7).fit(X, y)
    assert (clf.transduction_ == truth).mean() == 1.0
    assert np.isfinite(clf.label_distributions_).all()
    np.testing.assert_allclose(clf.label_distributions_.sum(axis=1), 1.0)


def test_string_classes_and_nan_target():
    X, y, _ = _semi_supervised_problem()
    y_str = np.where(y == -1, None, np.where(y == 0, "no", "yes")).astype(object)
    for est in (LabelSpreadingClassifier(), SupervisedClassifier(random_state=0)):
        est.fit(X, y_str)
        assert est.classes_.tolist() == ["no", "yes"]
        assert set(est.predict(X)) <= {"no", "yes"}


# auto is tested in test_auto.py; the PU and LLP methods (another task) in test_cli_pu_llp.py
FAST_METHODS = sorted(
    n for n, m in fewlabels_methods().items() if n != "auto" and m.task == "classification"
)


@pytest.mark.parametrize("name", FAST_METHODS)
def test_methods_are_deterministic(name, table):
    df, _ = table
    X, y = df.drop(columns="label"), df["label"]
    a = make_model(name, random_state=0).fit(X, y).predict_proba(X)
    b = make_model(name, random_state=0).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


@pytest.fixture(scope="module")
def supervised_accuracy():
    from conftest import make_table

    df, truth = make_table()
    model = make_model("supervised", random_state=0).fit(df.drop(columns="label"), df["label"])
    return float((model.predict(df.drop(columns="label")) == truth.to_numpy()).mean())


#: How far below the supervised baseline a method may fall on the shared table (300 rows,
#: 30% labeled; the baseline scores 0.97). The worst today is co-training at -4.7 points;
#: a method 15 points worse than supervised, as the old 0.8 floor allowed, fails.
LEARN_MARGIN = 0.06


@pytest.mark.parametrize("name", FAST_METHODS)
def test_methods_learn(name, table, supervised_accuracy):
    df, truth = table
    X, y = df.drop(columns="label"), df["label"]
    model = make_model(name, random_state=0).fit(X, y)
    accuracy = (model.predict(X) == truth.to_numpy()).mean()
    assert accuracy >= supervised_accuracy - LEARN_MARGIN, (accuracy, supervised_accuracy)
