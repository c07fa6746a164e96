"""The methods a benchmark compares: fewlabels' own and the existing tools ("peers").

Peers are :class:`~fewlabels.methods.Method` s of the one registry, like fewlabels'
methods; :func:`register_peers` adds those installed here (scikit-learn's, sslearn's where
it is installed, AutoGluon's where its venv exists), and :func:`available_methods` lists
every method the harness can run.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any

from ..methods import METHODS, Method, register

__all__ = ["SUPERVISED_PEERS", "available_methods", "register_peers"]


def _peer(name: str, summary: str, build: Callable[..., Any], tool: str, **kw: Any) -> Method:
    """A peer reads the standardized numeric matrix, nothing set aside (as a user of the
    tool would prepare it), unless it says otherwise."""
    kw.setdefault("encoding", "numeric")
    return Method(name, summary, build=build, tool=tool, family="peer", drop_useless=False, **kw)


def _sup(name: str) -> Callable[..., Any]:
    def build(seed: Any) -> Any:
        from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
        from sklearn.linear_model import LogisticRegression

        from ..supervised import SupervisedClassifier, default_classifier

        base = {
            "lightgbm": lambda: default_classifier(seed),
            "hgb": lambda: HistGradientBoostingClassifier(random_state=seed),
            "rf": lambda: RandomForestClassifier(n_estimators=200, random_state=seed, n_jobs=1),
            "logreg": lambda: LogisticRegression(max_iter=1000),
        }[name]()
        return SupervisedClassifier(base)

    return build


def _sk_self_training(base: str, criterion: str) -> Callable[..., Any]:
    def build(seed: Any) -> Any:
        from sklearn.semi_supervised import SelfTrainingClassifier

        inner = _sup(base)(seed).estimator  # the same base model as the supervised peer
        kwargs = {"threshold": 0.75} if criterion == "threshold" else {"k_best": 10}
        return SelfTrainingClassifier(inner, criterion=criterion, **kwargs)

    return build


def _sk_label_spreading(seed: Any) -> Any:
    from sklearn.semi_supervised import LabelSpreading

    return LabelSpreading(kernel="knn", n_neighbors=7)


SUPERVISED_PEERS = ("sup-lightgbm", "sup-hgb", "sup-rf", "sup-logreg")
_SUP_SUMMARY = {
    "lightgbm": "LightGBM",
    "hgb": "HistGradientBoosting",
    "rf": "a random forest of 200 trees",
    "logreg": "logistic regression",
}


def _auto_balanced(seed: Any) -> Any:
    from ..auto import AutoClassifier

    return AutoClassifier(random_state=seed, metric="balanced_accuracy")


def _auto_calibrated(seed: Any) -> Any:
    from ..auto import AutoClassifier

    return AutoClassifier(random_state=seed, calibrate=True)


def _builtin_peers() -> list[Method]:
    peers = [
        # auto tuned for balanced accuracy (a binary threshold chosen out of fold)
        Method(
            "auto-balanced",
            "auto with --metric balanced_accuracy",
            "native",
            _auto_balanced,
            family="auto",
            listed=False,
        ),
        # auto with its members temperature-scaled out of fold before they are averaged
        Method(
            "auto-calibrated",
            "auto with calibrate=True",
            "native",
            _auto_calibrated,
            family="auto",
            listed=False,
        ),
    ]
    for name in ("lightgbm", "hgb", "rf", "logreg"):
        peers.append(
            _peer(
                f"sup-{name}",
                f"scikit-learn: {_SUP_SUMMARY[name]} on the labeled rows",
                _sup(name),
                "sklearn",
                semi_supervised=False,
            )
        )
        for criterion in ("threshold", "k_best"):
            key = f"sklearn-self-training-{criterion.replace('_', '')}-{name}"
            peers.append(
                _peer(
                    key,
                    f"scikit-learn SelfTrainingClassifier ({criterion}) around {name}",
                    _sk_self_training(name, criterion),
                    "sklearn",
                )
            )
    peers.append(
        _peer(
            "sklearn-label-spreading",
            "scikit-learn LabelSpreading, kNN kernel",
            _sk_label_spreading,
            "sklearn",
        )
    )
    return peers


def register_peers() -> None:
    """Register the peers (once; later calls add nothing). sslearn's are registered where
    it is installed; AutoGluon's always, with ``installed`` telling whether its venv is
    there now."""
    peers = _builtin_peers()
    if importlib.util.find_spec("sslearn") is not None:  # optional peers
        peers += _sslearn_methods()
    peers += _autogluon_methods()
    for m in peers:
        if m.name not in METHODS:
            register(m)


def available_methods() -> dict[str, Method]:
    """Every method the harness can run here: fewlabels' classification methods and the
    installed peers (a positive-unlabeled or proportions method needs a target of its own
    task, which the suite's datasets are not)."""
    register_peers()
    return {
        n: m
        for n, m in METHODS.items()
        if m.task == "classification" and (m.installed is None or m.installed())
    }


#: Seconds each AutoGluon fit gets unless $FEWLABELS_AUTOGLUON_TIME_LIMIT says otherwise.
AUTOGLUON_TIME_LIMIT = 20.0


def _autogluon_methods() -> list[Method]:
    """AutoGluon, plain and with its pseudo-labeling, where its own venv is installed.

    It runs in a subprocess under ``.venv-autogluon`` (``make peers-autogluon``) or
    $FEWLABELS_AUTOGLUON_PYTHON; without that interpreter the methods are not listed.
    """
    from .autogluon import AutoGluonPeer

    def build(pseudo_label: bool) -> Callable[..., Any]:
        def make(seed: Any) -> Any:
            limit = os.environ.get("FEWLABELS_AUTOGLUON_TIME_LIMIT")
            return AutoGluonPeer(
                time_limit=float(limit) if limit else AUTOGLUON_TIME_LIMIT,
                pseudo_label=pseudo_label,
                random_state=seed,
            )

        return make

    summary = "AutoGluon TabularPredictor, medium_quality"
    return [
        Method("autogluon", summary, None, build(False), semi_supervised=False, **_AG),
        Method("autogluon-pseudolabel", summary + ", fit_pseudolabel", None, build(True), **_AG),
    ]


def _autogluon_installed() -> bool:
    from .autogluon import autogluon_python

    return autogluon_python() is not None


_AG: dict[str, Any] = {"tool": "autogluon", "family": "peer", "installed": _autogluon_installed}


def _sslearn_methods() -> list[Method]:
    """sslearn's classifiers with their defaults (a seed where they take one).

    CoTraining needs a second view; it gets a random feature split (``force_second_view``
    off). SelfTraining is listed so that its failure on scikit-learn >= 1.8 is recorded.
    """
    import inspect

    import sslearn.wrapper as wrapper

    def build(cls: Any, **kwargs: Any) -> Callable[..., Any]:
        def make(seed: Any) -> Any:
            from sklearn.tree import DecisionTreeClassifier

            args = dict(kwargs)
            params = inspect.signature(cls).parameters
            if "random_state" in params:
                args["random_state"] = seed
            if cls.__name__ == "SelfTraining":
                args["base_estimator"] = DecisionTreeClassifier(random_state=seed)
            return cls(**args)

        return make

    out = []
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
        out.append(_peer(key, f"sslearn {cls_name}", build(cls, **extra), "sslearn"))
    return out
