"""The methods a benchmark compares: fewlabels' registry plus the existing tools ("peers")."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["BenchMethod", "available_methods", "SUPERVISED_PEERS"]


@dataclass(frozen=True)
class BenchMethod:
    """A method as the harness runs it: a builder taking a seed, and what it is."""

    name: str
    build: Callable[[int], Any]
    family: str  # "fewlabels", "supervised", "sklearn", "sslearn", "autogluon"
    supervised: bool = False
    needs_numeric: bool = True  # peers get a standardized numeric matrix


def _pipe(est: Any) -> Any:
    from sklearn.pipeline import make_pipeline

    from ..data.encoder import TableEncoder

    return make_pipeline(TableEncoder(output="numeric", drop_useless=False), est)


def _sup(name: str) -> Callable[[int], Any]:
    def build(seed: int) -> Any:
        from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
        from sklearn.linear_model import LogisticRegression

        from ..supervised import SupervisedClassifier, default_classifier

        base = {
            "lightgbm": lambda: default_classifier(seed),
            "hgb": lambda: HistGradientBoostingClassifier(random_state=seed),
            "rf": lambda: RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1),
            "logreg": lambda: LogisticRegression(max_iter=1000),
        }[name]()
        return _pipe(SupervisedClassifier(base))

    return build


def _sk_self_training(base: str, criterion: str) -> Callable[[int], Any]:
    def build(seed: int) -> Any:
        from sklearn.semi_supervised import SelfTrainingClassifier

        inner = (
            _sup(base)(seed).steps[-1][1].estimator
        )  # the same base model as the supervised peer
        kwargs = {"threshold": 0.75} if criterion == "threshold" else {"k_best": 10}
        return _pipe(SelfTrainingClassifier(inner, criterion=criterion, **kwargs))

    return build


def _sk_label_spreading(seed: int) -> Any:
    from sklearn.semi_supervised import LabelSpreading

    return _pipe(LabelSpreading(kernel="knn", n_neighbors=7))


SUPERVISED_PEERS = ("sup-lightgbm", "sup-hgb", "sup-rf", "sup-logreg")


def available_methods() -> dict[str, BenchMethod]:
    """Every method the harness can run here: fewlabels' registry and the peers."""
    from ..methods import METHODS, make_model

    out: dict[str, BenchMethod] = {}
    for name, m in METHODS.items():
        out[name] = BenchMethod(
            name,
            lambda seed, n=name: make_model(n, seed),
            "fewlabels",
            not m.semi_supervised,
            False,
        )
    # auto tuned for balanced accuracy (a binary threshold chosen out of fold)
    out["auto-balanced"] = BenchMethod(
        "auto-balanced",
        lambda seed: make_model("auto", seed, metric="balanced_accuracy"),
        "fewlabels",
        False,
        False,
    )
    for name in ("lightgbm", "hgb", "rf", "logreg"):
        out[f"sup-{name}"] = BenchMethod(f"sup-{name}", _sup(name), "supervised", True)
        for criterion in ("threshold", "k_best"):
            key = f"sklearn-self-training-{criterion.replace('_', '')}-{name}"
            out[key] = BenchMethod(key, _sk_self_training(name, criterion), "sklearn")
    out["sklearn-label-spreading"] = BenchMethod(
        "sklearn-label-spreading", _sk_label_spreading, "sklearn"
    )
    if importlib.util.find_spec("sslearn") is not None:  # optional peers
        out.update(_sslearn_methods())
    out.update(_autogluon_methods())
    return out


#: Seconds each AutoGluon fit gets unless $FEWLABELS_AUTOGLUON_TIME_LIMIT says otherwise.
AUTOGLUON_TIME_LIMIT = 20.0


def _autogluon_methods() -> dict[str, BenchMethod]:
    """AutoGluon, plain and with its pseudo-labeling, where its own venv is installed.

    It runs in a subprocess under ``.venv-autogluon`` (``make peers-autogluon``) or
    $FEWLABELS_AUTOGLUON_PYTHON; without that interpreter the methods are not listed.
    """
    from .autogluon import AutoGluonPeer, autogluon_python

    if autogluon_python() is None:
        return {}

    def build(pseudo_label: bool) -> Callable[[int], Any]:
        def make(seed: int) -> Any:
            limit = os.environ.get("FEWLABELS_AUTOGLUON_TIME_LIMIT")
            return AutoGluonPeer(
                time_limit=float(limit) if limit else AUTOGLUON_TIME_LIMIT,
                pseudo_label=pseudo_label,
                random_state=seed,
            )

        return make

    return {
        "autogluon": BenchMethod("autogluon", build(False), "autogluon", True, False),
        "autogluon-pseudolabel": BenchMethod(
            "autogluon-pseudolabel", build(True), "autogluon", False, False
        ),
    }


def _sslearn_methods() -> dict[str, BenchMethod]:
    """sslearn's classifiers with their defaults (a seed where they take one).

    CoTraining needs a second view; it gets a random feature split (``force_second_view``
    off). SelfTraining is listed so that its failure on scikit-learn >= 1.8 is recorded.
    """
    import inspect

    import sslearn.wrapper as wrapper

    def build(cls: Any, **kwargs: Any) -> Callable[[int], Any]:
        def make(seed: int) -> Any:
            from sklearn.tree import DecisionTreeClassifier

            args = dict(kwargs)
            params = inspect.signature(cls).parameters
            if "random_state" in params:
                args["random_state"] = seed
            if cls.__name__ == "SelfTraining":
                args["base_estimator"] = DecisionTreeClassifier(random_state=seed)
            return _pipe(cls(**args))

        return make

    out = {}
    for cls_name in (
        "SelfTraining",
        "Setred",
        "CoTraining",
        "CoTrainingByCommittee",
        "DemocraticCoLearning",
        "Rasco",
        "RelRasco",
        "CoForest",
        "TriTraining",
        "DeTriTraining",
    ):
        cls = getattr(wrapper, cls_name, None)
        if cls is None:
            continue
        key = f"sslearn-{cls_name.lower()}"
        extra = {"force_second_view": False} if cls_name == "CoTraining" else {}
        out[key] = BenchMethod(key, build(cls, **extra), "sslearn")
    return out
