"""The one registry of methods the CLI, the report and the benchmark can name.

A :class:`Method` is data: what it is (family, tool, task), how to build its estimator
and which encoding it wants; :meth:`Method.make` (and :func:`make_model`, by name) turns
it into a ready pipeline ``TableEncoder -> estimator``. The benchmark's peers (scikit-learn,
sslearn, AutoGluon) are Methods of the same registry, registered by
:mod:`fewlabels.bench.peers`; later capabilities register themselves with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .exceptions import InputError

__all__ = [
    "METHODS",
    "TASK_DEFAULTS",
    "TASK_OPTIONS",
    "Method",
    "fewlabels_methods",
    "get_method",
    "make_model",
    "register",
]


@dataclass(frozen=True)
class Method:
    """A named way to learn from a partially labeled table, as data.

    Parameters
    ----------
    name, summary : str
    encoding : {"native", "numeric", "ordinal"} or None
        The view of the table the estimator reads (:class:`~fewlabels.data.TableEncoder`'s
        ``output``); None hands it the raw table (a peer that encodes on its own).
    build : callable(random_state, **params)
        Returns the unfitted estimator.
    semi_supervised : bool
        False for methods that learn from the labeled rows only (the baselines).
    extra : str
        The optional extra it needs ("deep"), if any.
    params : tuple of str
        The keyword arguments ``build`` accepts from the CLI and
        :func:`~fewlabels.workflow.fit_table` (``time_limit``, ``metric``).
    own_evidence : bool
        The estimator cross-validates itself against the supervised baseline and exposes
        the result as ``evidence_`` (and accepts a ``progress`` fit parameter); the
        workflow then reads that instead of computing its own.
    family : str
        What kind of method: "supervised", "self-training", "co-training", "graph",
        "deep", "auto", "pu", "llp" or "peer".
    tool : str
        Who made it: "fewlabels", or an existing tool the benchmark compares with
        ("sklearn", "sslearn", "autogluon").
    task : str
        The task it learns: "classification" (a target of class labels),
        "positive-unlabeled" (labeled positives, every other row unlabeled) or
        "proportions" (bags of rows with each bag's class shares); see
        :data:`TASK_DEFAULTS`.
    drop_useless : bool
        Whether the encoder sets aside ID-like, constant and free-text columns.
    listed : bool
        Shown by ``fewlabels methods`` (False for a benchmark-only variant).
    installed : callable() -> bool, optional
        Whether it can run here (a peer whose package or venv may be missing); None means
        always.
    """

    name: str
    summary: str
    encoding: str | None
    build: Callable[..., Any]
    semi_supervised: bool = True
    extra: str = ""
    params: tuple[str, ...] = ()
    own_evidence: bool = False
    family: str = ""
    tool: str = "fewlabels"
    task: str = "classification"
    drop_useless: bool = True
    listed: bool = True
    installed: Callable[[], bool] | None = None

    @property
    def supervised(self) -> bool:
        return not self.semi_supervised

    @property
    def origin(self) -> str:
        """How the benchmark groups it: "fewlabels", "supervised" (a supervised peer) or
        the peer's tool."""
        if self.tool == "fewlabels":
            return "fewlabels"
        return "supervised" if self.supervised else self.tool

    def make(self, random_state: Any = None, max_categories: int = 100, **params: Any) -> Any:
        """The estimator behind its encoder: a pipeline ``TableEncoder -> estimator``
        (the bare estimator when ``encoding`` is None). ``params`` must be listed in
        :attr:`params`; None values are left out."""
        from sklearn.pipeline import Pipeline

        from .data.encoder import TableEncoder

        given = {k: v for k, v in params.items() if v is not None}
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            flags = ", ".join("--" + k.replace("_", "-") for k in unknown)
            takes = ", ".join(m.name for m in METHODS.values() if set(unknown) <= set(m.params))
            raise InputError(
                f"method {self.name!r} takes no {flags}; it applies to: {takes or 'no method'}"
            )
        estimator = self.build(random_state, **given)
        if given:  # a bad value is the user's: say so now, in one line, before any work
            from sklearn.utils._param_validation import InvalidParameterError

            try:
                estimator._validate_params()
            except InvalidParameterError as exc:
                raise InputError(f"method {self.name!r}: {exc}") from None
        if self.encoding is None:
            return estimator
        encoder = TableEncoder(
            output=self.encoding, max_categories=max_categories, drop_useless=self.drop_useless
        )
        return Pipeline([("encode", encoder), ("model", estimator)])


METHODS: dict[str, Method] = {}

#: The method ``--method auto`` (the default) stands for, per task.
TASK_DEFAULTS: dict[str, str] = {
    "classification": "auto",
    "positive-unlabeled": "pu",
    "proportions": "llp",
}

#: The options of ``fewlabels fit`` that pose each task (for the one-line errors).
TASK_OPTIONS: dict[str, str] = {
    "classification": "--target COL alone",
    "positive-unlabeled": "--target COL --positive-label VALUE",
    "proportions": "--bags COL --proportions FILE",
}


def register(method: Method) -> Method:
    """Add ``method`` to the registry (a name may be registered once)."""
    if method.name in METHODS:
        raise ValueError(f"a method named {method.name!r} is already registered")
    METHODS[method.name] = method
    return method


def get_method(name: str, task: str | None = None) -> Method:
    """The registered method called ``name`` (an ``InputError`` lists the choices).

    With ``task``, a method that learns another task is refused in one line (a command
    built on class labels cannot run a positives-only or proportions method).
    """
    try:
        spec = METHODS[name]
    except KeyError:
        raise InputError(
            f"unknown method {name!r}; choose one of: {', '.join(sorted(METHODS))}"
        ) from None
    if task is not None and spec.task != task:
        raise InputError(
            f"method {name!r} learns a {spec.task} task, not {task}; choose a {task} method "
            "(see 'fewlabels methods')"
        )
    return spec


def make_model(
    name: str, random_state: Any = None, max_categories: int = 100, **params: Any
) -> Any:
    """A pipeline that encodes a raw table and fits the method called ``name``
    (:meth:`Method.make`).

    ``params`` go to the method's estimator; each must be one the method lists in
    :attr:`Method.params` (``None`` values are left out).
    """
    return get_method(name).make(random_state, max_categories, **params)


def fewlabels_methods() -> dict[str, Method]:
    """The registered methods fewlabels itself provides (what ``fit --method`` lists)."""
    return {n: m for n, m in METHODS.items() if m.tool == "fewlabels" and m.listed}


def _supervised(random_state: Any) -> Any:
    from .supervised import SupervisedClassifier

    return SupervisedClassifier(random_state=random_state)


def _logreg(random_state: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    from .supervised import SupervisedClassifier

    return SupervisedClassifier(LogisticRegression(max_iter=1000), random_state=random_state)


def _self_training(**kwargs: Any) -> Callable[[Any], Any]:
    def build(random_state: Any) -> Any:
        from .selftrain import SelfTrainingClassifier

        return SelfTrainingClassifier(random_state=random_state, **kwargs)

    return build


def _co_training(random_state: Any) -> Any:
    from .selftrain import CoTrainingClassifier

    return CoTrainingClassifier(random_state=random_state)


def _tri_training(random_state: Any) -> Any:
    from .selftrain import TriTrainingClassifier

    return TriTrainingClassifier(random_state=random_state)


def _auto(random_state: Any, **params: Any) -> Any:
    from .auto import AutoClassifier

    return AutoClassifier(random_state=random_state, **params)


def _label_spreading(random_state: Any) -> Any:
    from .graph import LabelSpreadingClassifier

    return LabelSpreadingClassifier(random_state=random_state)


def _label_propagation(random_state: Any) -> Any:
    from .graph import LabelPropagationClassifier

    return LabelPropagationClassifier(random_state=random_state)


def _graph_pseudo_label(random_state: Any) -> Any:
    from .graph import GraphPseudoLabelClassifier

    return GraphPseudoLabelClassifier(random_state=random_state)


# name, what it does, encoding, builder, semi-supervised
_BUILTIN = [
    (
        "supervised",
        "LightGBM on the labeled rows only (the baseline)",
        "native",
        _supervised,
        False,
    ),
    (
        "supervised-logreg",
        "logistic regression on the labeled rows only",
        "numeric",
        _logreg,
        False,
    ),
    (
        "self-training",
        "LightGBM self-training, probability >= 0.8",
        "native",
        _self_training(),
        True,
    ),
    (
        "self-training-msla",
        "LightGBM self-training, MSLA class-wise thresholds",
        "native",
        _self_training(policy="msla"),
        True,
    ),
    (
        "self-training-topk",
        "LightGBM self-training, class-balanced top 10% a round",
        "native",
        _self_training(policy="topk"),
        True,
    ),
    (
        "self-training-curriculum",
        "LightGBM curriculum self-training (restarting quantile steps)",
        "native",
        _self_training(policy="curriculum"),
        True,
    ),
    (
        "self-training-tsim",
        "LightGBM self-training, T-similarity confidence >= 0.8",
        "native",
        _self_training(confidence="tsimilarity"),
        True,
    ),
    (
        "co-training",
        "two LightGBM models on random feature views teach each other",
        "native",
        _co_training,
        True,
    ),
    (
        "tri-training",
        "three LightGBM models label rows where the other two agree",
        "native",
        _tri_training,
        True,
    ),
    (
        "label-spreading",
        "label spreading on a sparse kNN graph of the standardized table",
        "numeric",
        _label_spreading,
        True,
    ),
    (
        "label-propagation",
        "hard-clamped label propagation on a sparse kNN graph",
        "numeric",
        _label_propagation,
        True,
    ),
    (
        "graph-pseudo-label",
        "label spreading's confident labels train LightGBM on the native table",
        "native",
        _graph_pseudo_label,
        True,
    ),
]
register(
    Method(
        "auto",
        "an ensemble of forests, boosting, linear and kNN models, taught by pseudo-labels and "
        "a graph only where cross-validation shows the unlabeled rows help",
        "native",
        _auto,
        True,
        params=("time_limit", "metric"),
        own_evidence=True,
        family="auto",
    )
)


def _family(name: str) -> str:
    for prefix, family in (
        ("supervised", "supervised"),
        ("self-training", "self-training"),
        ("co-training", "co-training"),
        ("tri-training", "co-training"),
    ):
        if name.startswith(prefix):
            return family
    return "graph"


for _name, _summary, _encoding, _build, _semi in _BUILTIN:
    register(
        Method(_name, _summary, _encoding, _build, semi_supervised=_semi, family=_family(_name))
    )


def _deep(name: str, **kwargs: Any) -> Callable[[Any], Any]:
    def build(random_state: Any) -> Any:
        from . import deep

        return getattr(deep, name)(random_state=random_state, **kwargs)

    return build


def _deep_tsim(random_state: Any) -> Any:
    from .deep import tsim_self_training

    return tsim_self_training(policy="msla", random_state=random_state)


# deep methods (the ``deep`` extra): an MLP with categorical embeddings unless said otherwise
_DEEP = [
    (
        "deep-supervised",
        "MLP on the labeled rows only (the deep baseline)",
        _deep("DeepSupervisedClassifier"),
        False,
    ),
    (
        "pseudo-label",
        "MLP, its own argmax as unlabeled targets (Lee 2013)",
        _deep("PseudoLabelClassifier"),
        True,
    ),
    (
        "mixup-pseudo-label",
        "MLP, soft pseudo-labels with mixup (Arazo et al. 2020)",
        _deep("MixupPseudoLabelClassifier"),
        True,
    ),
    (
        "fixmatch",
        "MLP, corrupted view learns the noisy view's confident label",
        _deep("FixMatchClassifier"),
        True,
    ),
    (
        "flexmatch",
        "FixMatch with class-wise learning-status thresholds",
        _deep("FlexMatchClassifier"),
        True,
    ),
    (
        "freematch",
        "FixMatch with self-adaptive thresholds and fairness",
        _deep("FreeMatchClassifier"),
        True,
    ),
    (
        "mean-teacher",
        "MLP pulled towards its weight-averaged teacher",
        _deep("MeanTeacherClassifier"),
        True,
    ),
    (
        "meta-pseudo-labels",
        "a teacher MLP learns from its student's progress",
        _deep("MetaPseudoLabelClassifier"),
        True,
    ),
    (
        "tsim-self-training",
        "deep self-training, T-similarity of diverse heads, MSLA",
        _deep_tsim,
        True,
    ),
    (
        "scarf",
        "SCARF contrastive pre-training on all rows, then fine-tuning",
        _deep("SCARFClassifier"),
        True,
    ),
    (
        "vime",
        "VIME pre-training (mask and value estimation), then fine-tuning",
        _deep("VIMEClassifier"),
        True,
    ),
    (
        "tjepa",
        "T-JEPA pre-training (feature tokens, latent prediction), then fine-tuning",
        _deep("TJEPAClassifier"),
        True,
    ),
    (
        "scarf-lightgbm",
        "LightGBM on the table plus a SCARF embedding learned from all rows",
        _deep("EmbeddingFeaturesClassifier"),
        True,
    ),
]
for _name, _summary, _build, _semi in _DEEP:
    register(
        Method(
            _name, _summary, "native", _build, semi_supervised=_semi, extra="deep", family="deep"
        )
    )


def _pu(method: str) -> Callable[..., Any]:
    def build(random_state: Any, **params: Any) -> Any:
        from .noise import PUClassifier

        return PUClassifier(method=method, random_state=random_state, **params)

    return build


def _llp(method: str) -> Callable[..., Any]:
    def build(random_state: Any) -> Any:
        from .noise import ProportionsClassifier

        return ProportionsClassifier(method=method, random_state=random_state)

    return build


# learning from positives and unlabeled rows (fit --positive-label) and from label
# proportions (fit --bags --proportions): each reads its own target and reports its own
# evidence (no row is labeled negative, or no row is labeled at all)
for _name, _summary, _method in (
    ("pu", "PU learning: bagging PU on LightGBM, the class prior estimated with an interval",
     "bagging"),
    ("pu-elkan-noto", "PU learning: Elkan-Noto's labeled-vs-unlabeled LightGBM rescaled by c",
     "elkan-noto"),
    ("pu-nnpu", "PU learning: LightGBM trees boosted on the non-negative PU risk", "nnpu"),
):  # fmt: skip
    register(
        Method(
            _name,
            _summary,
            "native",
            _pu(_method),
            params=("positive_label",),
            own_evidence=True,
            family="pu",
            task="positive-unlabeled",
        )
    )
for _name, _summary, _method in (
    ("llp", "label proportions: LightGBM trees boosted on the bag-level proportion loss",
     "lightgbm-proportion-loss"),
    ("llp-em", "label proportions: EM-LLP, soft labels matched to each bag's shares", "em"),
):  # fmt: skip
    register(
        Method(
            _name,
            _summary,
            "native",
            _llp(_method),
            own_evidence=True,
            family="llp",
            task="proportions",
        )
    )


# regression (issue 17): a numeric target with blanks (fit --target COL on numbers, or
# --task regression); auto-regressor reports its own cross-validated evidence
def _regressor(name: str, **kwargs: Any) -> Callable[..., Any]:
    def build(random_state: Any, **params: Any) -> Any:
        from . import regression

        return getattr(regression, name)(random_state=random_state, **kwargs, **params)

    return build


TASK_DEFAULTS["regression"] = "auto-regressor"
TASK_OPTIONS["regression"] = "--target COL with a numeric target (or --task regression)"
for _name, _summary, _encoding, _build, _kind in (
    ("auto-regressor", "the best of ridge, LightGBM and forest regressors, or a semi-supervised "
     "one only where cross-validation shows it lowers the RMSE", "native",
     _regressor("AutoRegressor"), "auto"),
    ("supervised-regressor", "LightGBM regression on the labeled rows only (the baseline)",
     "native", _regressor("SupervisedRegressor"), "supervised"),
    ("supervised-rf-regressor", "random forest regression on the labeled rows only", "numeric",
     _regressor("SupervisedRegressor", estimator="random-forest"), "supervised"),
    ("supervised-ridge", "ridge regression on the labeled rows only, penalty by leave-one-out",
     "numeric", _regressor("SupervisedRegressor", estimator="ridge"), "supervised"),
    ("coreg", "COREG: two kNN regressors label rows for each other", "numeric",
     _regressor("COREGRegressor"), "co-training"),
    ("selftrain-regressor", "random forest self-training, lowest per-tree spread first",
     "numeric", _regressor("SelfTrainingRegressor"), "self-training"),
    ("label-propagation-regressor", "harmonic propagation of values on a sparse kNN graph",
     "numeric", _regressor("LabelPropagationRegressor"), "graph"),
    ("label-spreading-regressor", "label spreading of values on a sparse kNN graph", "numeric",
     _regressor("LabelPropagationRegressor", method="spreading"), "graph"),
    ("classifier-features-regressor", "ridge on the features plus a conditional CDF from 32 "
     "threshold forests (Troisemaine & Lemaire), out-of-bag on the labeled rows", "numeric",
     _regressor("ClassifierFeaturesRegressor", cv="oob"), "supervised"),
):  # fmt: skip
    register(
        Method(
            _name,
            _summary,
            _encoding,
            _build,
            semi_supervised=_kind != "supervised",
            params=("time_limit",) if _kind == "auto" else (),
            own_evidence=_kind == "auto",
            family=_kind,
            task="regression",
        )
    )
