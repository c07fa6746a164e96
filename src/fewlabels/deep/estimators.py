"""scikit-learn estimators over the deep training loop.

Every estimator takes ``fit(X, y)`` with unlabeled rows marked as everywhere in fewlabels,
accepts tables with categorical columns and missing values, and is reproducible from
``random_state`` (no global seeding). The fitted networks are kept as NumPy weights plus a
small spec, so models save and load with :func:`fewlabels.save_model` and torch is only
imported to fit or predict. Training runs in float32; prediction in float64, so a row's
output does not depend on which other rows share its batch.
"""

from __future__ import annotations

import inspect
import logging
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import BaseFewLabelsClassifier, validate_X
from ..data.labels import UNLABELED, Target
from ..selftrain.confidence import ConfidenceMeasure
from ._torch import import_torch
from .inputs import TabularInputs

__all__ = [
    "BaseDeepClassifier",
    "DeepSupervisedClassifier",
    "PseudoLabelClassifier",
    "MixupPseudoLabelClassifier",
    "FixMatchClassifier",
    "FlexMatchClassifier",
    "FreeMatchClassifier",
    "MeanTeacherClassifier",
    "MetaPseudoLabelClassifier",
    "DiverseEnsembleClassifier",
    "HeadsTSimilarity",
    "PretrainedClassifier",
    "SCARFClassifier",
    "VIMEClassifier",
    "TJEPAClassifier",
    "PretrainedEmbedding",
    "EmbeddingFeaturesClassifier",
]

logger = logging.getLogger(__name__)

_COMMON_CONSTRAINTS: dict = {
    "hidden_layer_sizes": [tuple, list],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "patience": [Interval(Integral, 1, None, closed="left")],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "random_state": ["random_state"],
    "verbose": ["boolean"],
}

_COMMON_DOC = """    hidden_layer_sizes : tuple of int, default=(256, 256)
        Widths of the MLP backbone's hidden layers (categorical columns are embedded first).
    dropout : float, default=0.1
    max_epochs : int, default=100
        An epoch is one pass over the larger of the labeled and unlabeled pools (5 to 200
        steps).
    batch_size : int, default=128
        Labeled rows per step; unlabeled rows are three times as many.
    learning_rate : float, default=1e-3
        AdamW's learning rate.
    weight_decay : float, default=1e-5
    patience : int, default=10
        Epochs without improvement of the validation loss before stopping; the best epoch's
        weights are kept.
    validation_fraction : float, default=0.2
        Labeled rows held out (stratified) for early stopping. When that leaves fewer held-out
        rows than classes, nothing is held out and all ``max_epochs`` run.
    random_state : int, RandomState or None, default=None
        Seeds a ``torch.Generator`` for every random draw; torch's global seed is not used.
    verbose : bool, default=False
        Log each epoch's record (``logging``, level INFO)."""

_FITTED_DOC = """    classes_ : ndarray of shape (n_classes,)
    history_ : list of dict
        One record per epoch: the objective's losses, validation loss and accuracy, seconds.
    n_epochs_ : int
    best_epoch_ : int or None
        The epoch whose weights were kept (None without validation)."""


def _to_numpy_state(module: Any) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def _load_state(module: Any, state: dict[str, np.ndarray]) -> None:
    torch = import_torch()
    module.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})


def _build_backbone(spec: dict[str, Any]) -> Any:
    from .nets import MLPBackbone, TokenBackbone

    if spec["backbone"] == "tokens":
        return TokenBackbone(
            spec["n_numeric"], spec["cardinalities"], spec["token_dim"], spec["token_depth"]
        )
    return MLPBackbone(spec["n_numeric"], spec["cardinalities"], spec["hidden"], spec["dropout"])


class _DeepMixin:
    """What the deep classifiers and the embedding share: config, data, the training run."""

    _backbone_kind = "mlp"

    def _config(self) -> Any:
        from .loop import TrainConfig

        return TrainConfig(
            max_epochs=getattr(self, "_epochs_now", None) or self.max_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            patience=self.patience,
            hidden=tuple(self.hidden_layer_sizes),
            dropout=self.dropout,
            backbone=self._backbone_kind,
        )

    def _spec(self, inputs: TabularInputs, n_classes: int) -> dict[str, Any]:
        cfg = self._config()
        return {
            "backbone": cfg.backbone,
            "n_numeric": inputs.n_numeric,
            "cardinalities": list(inputs.cardinalities),
            "hidden": list(cfg.hidden),
            "dropout": cfg.dropout,
            "token_dim": cfg.token_dim,
            "token_depth": cfg.token_depth,
            "n_classes": n_classes,
        }

    def _context(self, X: Any, codes: np.ndarray, n_classes: int, rs: Any, val_rows=None):
        """Tensors of every row and the training context (rows split as the method needs)."""
        torch = import_torch(type(self).__name__)
        from .loop import Context, TrainData, split_validation

        self.inputs_ = TabularInputs().fit(X)
        num, cat = self.inputs_.transform(X)
        seed = int(check_random_state(rs).randint(np.iinfo(np.int32).max))
        generator = torch.Generator().manual_seed(seed)
        rng = np.random.default_rng(seed)
        if val_rows is None:
            train_rows, val_rows = split_validation(codes, self.validation_fraction, rng, n_classes)
            unlabeled = np.flatnonzero(codes == UNLABELED)
            if unlabeled.size == 0:  # fully labeled: consistency terms use the labeled rows
                unlabeled = train_rows
        else:  # pre-training: every row is "unlabeled", val_rows held out
            train_rows = np.empty(0, dtype=np.int64)
            unlabeled = np.setdiff1d(np.arange(len(codes)), val_rows)
        as_long = lambda a: torch.from_numpy(np.asarray(a, dtype=np.int64))  # noqa: E731
        data = TrainData(
            torch.from_numpy(num),
            torch.from_numpy(cat),
            as_long(np.where(codes >= 0, codes, -1)),
            as_long(train_rows),
            as_long(val_rows),
            as_long(unlabeled),
            n_classes,
        )
        return Context(
            data,
            self._config(),
            generator,
            rng,
            self.inputs_.n_numeric,
            list(self.inputs_.cardinalities),
        )

    def _run(self, objective: Any, ctx: Any) -> list[dict[str, Any]]:
        from .loop import train

        callbacks = []
        if getattr(self, "verbose", False):
            name = type(self).__name__
            callbacks.append(lambda rec: logger.info("%s epoch %s: %s", name, rec["epoch"], rec))
        return train(objective, ctx, callbacks=callbacks)

    def _tensors(self, X: Any) -> tuple[Any, Any]:
        torch = import_torch(type(self).__name__)
        num, cat = self.inputs_.transform(X)
        return torch.from_numpy(num), torch.from_numpy(cat)


class BaseDeepClassifier(_DeepMixin, BaseFewLabelsClassifier):
    """Base of the deep classifiers: subclasses give the objective (:meth:`_objective`)."""

    _accepts_tables = True
    _allow_nan = True
    #: self-training passes unlabeled rows to a base that says so
    learns_from_unlabeled = True

    _parameter_constraints: dict = dict(_COMMON_CONSTRAINTS)

    def _objective(self) -> Any:
        raise NotImplementedError

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        codes = target.codes
        self._train(X, codes, random_state, self._objective())

    def _train(
        self, X: Any, codes: np.ndarray, random_state: np.random.RandomState, objective: Any
    ) -> None:
        """Train ``objective`` on the rows and keep what predicting needs."""
        ctx = self._context(X, codes, len(self.classes_), random_state)
        self.history_ = self._run(objective, ctx)
        self.n_epochs_ = len(self.history_)
        self.best_epoch_ = self.history_[-1].get("best_epoch")
        self.network_spec_ = self._spec(self.inputs_, len(self.classes_))
        self.network_state_ = {k: _to_numpy_state(m) for k, m in self._exported(objective).items()}

    def _exported(self, objective: Any) -> dict[str, Any]:
        return {"predictor": objective.predictor()}

    def _network(self) -> Any:
        """The fitted network, rebuilt from its weights (cheap; nothing cached on ``self``)."""
        from .nets import Classifier

        net = Classifier(_build_backbone(self.network_spec_), self.network_spec_["n_classes"])
        _load_state(net, self.network_state_["predictor"])
        return net.eval()

    def _logits(self, X: Any) -> Any:
        from .loop import predict_logits

        num, cat = self._tensors(X)
        return predict_logits(self._network().double(), num.double(), cat)

    def _predict_proba(self, X: Any) -> np.ndarray:
        torch = import_torch()
        return torch.softmax(self._logits(X), dim=1).double().numpy()


def _make_init(params: dict[str, Any]) -> Any:
    """An ``__init__`` that only stores ``params`` and the common parameters.

    scikit-learn reads an estimator's parameters from its ``__init__`` signature; the
    generated function carries the full keyword-only signature (``__signature__``), so
    ``get_params``, ``set_params`` and ``clone`` work as for a hand-written one.
    """
    defaults = {**params, **_COMMON_DEFAULTS}

    def __init__(self, **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(defaults))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected parameter(s) {unknown}")
        for k, v in defaults.items():
            setattr(self, k, kwargs.get(k, v))

    __init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [
            inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v)
            for k, v in defaults.items()
        ]
    )
    return __init__


_COMMON_DEFAULTS: dict[str, Any] = {
    "hidden_layer_sizes": (256, 256),
    "dropout": 0.1,
    "max_epochs": 100,
    "batch_size": 128,
    "learning_rate": 1e-3,
    "weight_decay": 1e-5,
    "patience": 10,
    "validation_fraction": 0.2,
    "random_state": None,
    "verbose": False,
}

BaseDeepClassifier.__init__ = _make_init({})  # type: ignore[method-assign]


def _deep_class(name: str, doc: str, params: dict[str, Any], make_objective: Any) -> type:
    """A deep classifier with the common parameters plus ``params``; ``make_objective(self)``."""
    cls = type(
        name,
        (BaseDeepClassifier,),
        {
            "__init__": _make_init(params),
            "__doc__": doc.replace("{common}", _COMMON_DOC).replace("{fitted}", _FITTED_DOC),
            "__module__": __name__,
            "_objective": make_objective,
            "_parameter_constraints": {
                **_COMMON_CONSTRAINTS,
                **{k: "no_validation" for k in params},
            },
        },
    )
    cls.__init__.__qualname__ = f"{name}.__init__"
    return cls


def _objective(factory: str, **fixed: Any) -> Any:
    """``make_objective(self)``: the objective class ``factory`` with the estimator's params."""

    def make(self: Any) -> Any:
        from . import objectives

        cls = getattr(objectives, factory)
        names = inspect.signature(cls.__init__).parameters
        kwargs = {k: getattr(self, k) for k in names if k != "self" and hasattr(self, k)}
        return cls(**{**kwargs, **fixed})

    return make


DeepSupervisedClassifier = _deep_class(
    "DeepSupervisedClassifier",
    """An MLP trained on the labeled rows only: the deep baseline of the others.

    Parameters
    ----------
{common}

    Attributes
    ----------
{fitted}
    """,
    {},
    _objective("Supervised"),
)
DeepSupervisedClassifier.learns_from_unlabeled = False

PseudoLabelClassifier = _deep_class(
    "PseudoLabelClassifier",
    """Pseudo-Label (Lee, 2013): the network's own argmax as the target of unlabeled rows.

    Parameters
    ----------
    unlabeled_weight : float, default=1.0
        Weight of the pseudo-label loss, reached by a sigmoid ramp over the first 30% of
        training.
    threshold : float, default=0.0
        Keep only pseudo-labels at least this confident (0: all, as in the paper).
{common}

    Attributes
    ----------
{fitted}
    """,
    {"unlabeled_weight": 1.0, "threshold": 0.0},
    _objective("PseudoLabel"),
)

MixupPseudoLabelClassifier = _deep_class(
    "MixupPseudoLabelClassifier",
    """Soft pseudo-labels with mixup (Arazo et al., 2020).

    After ``warmup_epochs`` on labeled rows, every unlabeled row carries the network's softmax
    from the previous epoch; batches hold at least 16 labeled rows; inputs (after the
    categorical embeddings) and targets are mixed with Beta(``mixup_alpha``) weights; R_A
    (``prior_weight``) keeps the mean prediction near uniform, R_H (``entropy_weight``)
    sharpens predictions.

    Parameters
    ----------
    warmup_epochs : int, default=10
    mixup_alpha : float, default=1.0
    prior_weight : float, default=0.8
    entropy_weight : float, default=0.4
{common}

    Attributes
    ----------
{fitted}
    """,
    {"warmup_epochs": 10, "mixup_alpha": 1.0, "prior_weight": 0.8, "entropy_weight": 0.4},
    _objective("MixupPseudoLabel"),
)

_CONSISTENCY_PARAMS = {
    "threshold": 0.95,
    "unlabeled_weight": 1.0,
    "weak_noise": 0.05,
    "strong_noise": 0.1,
    "corruption_rate": 0.3,
}
_CONSISTENCY_DOC = """    threshold : float, default=0.95
        Confidence a weak-view prediction needs to become a pseudo-label{what}.
    unlabeled_weight : float, default=1.0
    weak_noise : float, default=0.05
        Standard deviation of the weak view's Gaussian noise (standardized units).
    strong_noise : float, default=0.1
    corruption_rate : float, default=0.3
        Share of a row's features the strong view replaces by draws from their empirical
        marginals (SCARF-style)."""

FixMatchClassifier = _deep_class(
    "FixMatchClassifier",
    f"""FixMatch for tables: the strong view of an unlabeled row learns the weak view's label.

    Weak view: small Gaussian noise. Strong view: random feature corruption from the
    empirical marginals plus noise. Pseudo-labels are kept where the weak view's confidence
    reaches ``threshold``.

    Parameters
    ----------
{_CONSISTENCY_DOC.format(what="")}
{{common}}

    Attributes
    ----------
{{fitted}}
    """,
    _CONSISTENCY_PARAMS,
    _objective("Consistency", mode="fixmatch"),
)

FlexMatchClassifier = _deep_class(
    "FlexMatchClassifier",
    f"""FlexMatch for tables: FixMatch with class-wise thresholds from each class's learning
    status (threshold * beta_c / (2 - beta_c), with warm-up), as in USB.

    Parameters
    ----------
{_CONSISTENCY_DOC.format(what=" (the top of the class-wise thresholds)")}
{{common}}

    Attributes
    ----------
{{fitted}}
    """,
    _CONSISTENCY_PARAMS,
    _objective("Consistency", mode="flexmatch"),
)

FreeMatchClassifier = _deep_class(
    "FreeMatchClassifier",
    f"""FreeMatch for tables: a self-adaptive threshold (EMA of the mean confidence, scaled per
    class by the EMA class distribution) and the self-adaptive fairness term, as in USB.

    Parameters
    ----------
    ema : float, default=0.999
        Momentum of the threshold and class-distribution averages.
    fairness_weight : float, default=0.01
{_CONSISTENCY_DOC.format(what=" (unused: the threshold adapts)")}
{{common}}

    Attributes
    ----------
{{fitted}}
    """,
    {"ema": 0.999, "fairness_weight": 0.01, **_CONSISTENCY_PARAMS},
    _objective("Consistency", mode="freematch"),
)

MeanTeacherClassifier = _deep_class(
    "MeanTeacherClassifier",
    """Mean Teacher (Tarvainen & Valpola, 2017): the student is pulled towards an EMA teacher.

    Parameters
    ----------
    consistency_weight : float, default=10.0
        Weight of the squared softmax difference, reached by a sigmoid ramp over 30% of
        training.
    ema : float, default=0.99
        The teacher's weight average momentum.
    noise : float, default=0.1
        Gaussian input noise of each of the two views.
{common}

    Attributes
    ----------
{fitted}
    """,
    {"consistency_weight": 10.0, "ema": 0.99, "noise": 0.1},
    _objective("MeanTeacher"),
)

MetaPseudoLabelClassifier = _deep_class(
    "MetaPseudoLabelClassifier",
    """Meta Pseudo Labels (Pham et al., 2021): the teacher learns from the student's progress.

    The teacher's pseudo-labels train the student one step at a time; the teacher is
    rewarded when the step lowered the student's labeled loss (see
    :func:`fewlabels.deep.objectives.mpl_teacher_signal` for the sign), and also learns
    from labels and UDA consistency. The student predicts after ``finetune_steps`` on the
    labeled rows.

    Parameters
    ----------
    uda_weight : float, default=1.0
    uda_threshold : float, default=0.6
    uda_temperature : float, default=0.7
    finetune_steps : int, default=50
    student_wait : float, default=0.1
        Share of the planned steps the teacher trains alone before the student starts.
{common}

    Attributes
    ----------
{fitted}
    """,
    {
        "uda_weight": 1.0,
        "uda_threshold": 0.6,
        "uda_temperature": 0.7,
        "finetune_steps": 50,
        "student_wait": 0.1,
    },
    _objective("MetaPseudoLabels"),
)


class DiverseEnsembleClassifier(BaseDeepClassifier):
    """The T-similarity network (Odonnat et al., 2024): prediction head plus diverse heads.

        The backbone and its prediction head learn from labels; ``n_heads`` linear heads on the
        detached representation learn from labels and from disagreeing on unlabeled rows
        (``gamma`` times their mean T-similarity). :meth:`t_similarity` rates rows by how much
        the diverse heads still agree: the confidence the paper uses for self-training under
        sample-selection bias (see :func:`tsim_self_training`).

        Parameters
        ----------
        n_heads : int, default=5
        gamma : float, default=1.0
    {common}

        Attributes
        ----------
    {fitted}
    """

    _objective = _objective("DiverseHeads")

    def _exported(self, objective: Any) -> dict[str, Any]:
        return {"predictor": objective.predictor(), "heads": objective.heads}

    def t_similarity(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(s, s_c)``: each row's T-similarity and its class-wise terms (n, n_classes)."""
        torch = import_torch()
        from torch import nn

        from .objectives import t_similarity

        check_is_fitted(self, "network_state_")
        X = self._validate_X(X, reset=False)
        net = self._network().double()
        width, n_classes = net.backbone.out_dim, self.network_spec_["n_classes"]
        heads = nn.ModuleList(nn.Linear(width, n_classes) for _ in range(self.n_heads))
        _load_state(heads, self.network_state_["heads"])
        heads.double()
        num, cat = self._tensors(X)
        with torch.no_grad():
            f = net.features(num.double(), cat)
            probs = torch.stack([torch.softmax(h(f), dim=1) for h in heads])
            s, s_c = t_similarity(probs)
        return s.double().numpy(), s_c.double().numpy()


DiverseEnsembleClassifier.__init__ = _make_init({"n_heads": 5, "gamma": 1.0})  # type: ignore[method-assign]
DiverseEnsembleClassifier._parameter_constraints = {
    **_COMMON_CONSTRAINTS,
    "n_heads": [Interval(Integral, 2, None, closed="left")],
    "gamma": [Interval(Real, 0, None, closed="left")],
}
DiverseEnsembleClassifier.__doc__ = DiverseEnsembleClassifier.__doc__.replace(
    "{common}", _COMMON_DOC
).replace("{fitted}", _FITTED_DOC)


class HeadsTSimilarity(ConfidenceMeasure):
    """Confidence from a fitted :class:`DiverseEnsembleClassifier`'s diverse heads.

    For :class:`fewlabels.SelfTrainingClassifier`: each round reads the round's fitted
    model; the confidence is the T-similarity and the class-wise votes (for MSLA) its
    class-wise terms, as in the T-similarity paper.
    """

    needs_fit = True

    def fit(self, context: Any) -> HeadsTSimilarity:
        model = context.fitted_model
        self.model_ = model.steps[-1][1] if hasattr(model, "steps") else model
        if not hasattr(self.model_, "t_similarity"):
            raise TypeError("HeadsTSimilarity needs a DiverseEnsembleClassifier as the base model")
        return self

    def score(self, proba: np.ndarray, X: Any) -> tuple[np.ndarray, np.ndarray]:
        s, s_c = self.model_.t_similarity(X)
        full = np.zeros((len(s), proba.shape[1]))
        full[:, np.asarray(self.model_.classes_, dtype=int)] = s_c
        return s, full


def tsim_self_training(
    policy: Any = "msla", max_iter: int = 5, random_state: Any = None, **net: Any
):
    """Deep self-training with T-similarity confidence (Odonnat et al., 2024), ready to fit.

    A :class:`fewlabels.SelfTrainingClassifier` around a :class:`DiverseEnsembleClassifier`
    (trained each round on the labeled, pseudo-labeled and still unlabeled rows) whose
    diverse heads give the confidence; ``policy`` as in self-training (the paper compares
    ``"threshold"`` at 0.8, ``"curriculum"`` and ``"msla"``).
    """
    from ..selftrain import SelfTrainingClassifier

    return SelfTrainingClassifier(
        DiverseEnsembleClassifier(random_state=random_state, **net),
        confidence=HeadsTSimilarity(),
        policy=policy,
        max_iter=max_iter,
        warm_start=False,
        random_state=random_state,
    )


# ---------------------------------------------------------------- self-supervised pre-training


def _pretrain(owner: Any, X: Any, random_state: Any, epochs: int, fraction: float) -> tuple:
    """Pre-train ``owner.pretext``'s encoder on every row of ``X`` (labels unused).

    ``fraction`` of the rows are held out to early-stop on the pretext loss. Returns the
    encoder module and the history.
    """
    from .pretrain import PRETEXTS

    n = X.shape[0]
    rng = np.random.default_rng(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    n_val = int(fraction * n) if n >= 20 else 0
    val = np.sort(rng.choice(n, n_val, replace=False)) if n_val else np.empty(0, dtype=np.int64)
    owner._epochs_now = epochs
    try:
        ctx = owner._context(X, np.full(n, UNLABELED), 1, random_state, val_rows=val)
        objective = PRETEXTS[owner.pretext]()
        history = owner._run(objective, ctx)
    finally:
        owner._epochs_now = None
    return objective.encoder, history


_PRETEXT_CONSTRAINTS = {
    "pretext": [StrOptions({"scarf", "vime", "tjepa"})],
    "pretrain_epochs": [Interval(Integral, 1, None, closed="left")],
}


class PretrainedClassifier(BaseDeepClassifier):
    """Self-supervised pre-training on every row, then fine-tuning on the labeled rows.

        Parameters
        ----------
        pretext : {"scarf", "vime", "tjepa"}, default="scarf"
            SCARF (contrastive, corrupted views), VIME (mask and value estimation) or T-JEPA
            (feature tokens, latent prediction with an EMA target encoder; a small transformer
            backbone instead of the MLP).
        pretrain_epochs : int, default=30
            Most pre-training epochs (early-stopped on the pretext loss of 10% held-out rows).
    {common}

        Attributes
        ----------
    {fitted}
        pretrain_history_ : list of dict
    """

    learns_from_unlabeled = True

    @property
    def _backbone_kind(self) -> str:  # type: ignore[override]
        return "tokens" if self.pretext == "tjepa" else "mlp"

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        codes = target.codes
        from .objectives import Supervised

        seed = random_state.randint(np.iinfo(np.int32).max)
        encoder, self.pretrain_history_ = _pretrain(self, X, seed, self.pretrain_epochs, 0.1)
        objective = Supervised(backbone_state=encoder.state_dict())  # fine-tuning
        self._train(X, codes, np.random.RandomState(seed), objective)


PretrainedClassifier.__init__ = _make_init({"pretext": "scarf", "pretrain_epochs": 30})  # type: ignore[method-assign]
PretrainedClassifier._parameter_constraints = {**_COMMON_CONSTRAINTS, **_PRETEXT_CONSTRAINTS}
PretrainedClassifier.__doc__ = PretrainedClassifier.__doc__.replace(
    "{common}", _COMMON_DOC
).replace("{fitted}", _FITTED_DOC)


def _pretrained_variant(name: str, pretext: str, summary: str) -> type:
    cls = type(
        name,
        (PretrainedClassifier,),
        {
            "__module__": __name__,
            "__doc__": (
                f"""{summary}

    :class:`PretrainedClassifier` with ``pretext="{pretext}"``; see it for the parameters.
    """
            ),
        },
    )
    cls.__init__ = _make_init({"pretext": pretext, "pretrain_epochs": 30})
    cls._parameter_constraints = {**_COMMON_CONSTRAINTS, **_PRETEXT_CONSTRAINTS}
    return cls


SCARFClassifier = _pretrained_variant(
    "SCARFClassifier", "scarf", "SCARF pre-training (Bahri et al., 2022), then fine-tuning."
)
VIMEClassifier = _pretrained_variant(
    "VIMEClassifier",
    "vime",
    "VIME self-supervised pre-training (Yoon et al., 2020), then fine-tuning.",
)
TJEPAClassifier = _pretrained_variant(
    "TJEPAClassifier", "tjepa", "T-JEPA pre-training (Thimonier et al., 2025), then fine-tuning."
)


class PretrainedEmbedding(_DeepMixin, TransformerMixin, BaseEstimator):
    """A self-supervised encoder as a transformer: ``fit`` pre-trains, ``transform`` embeds.

    Parameters
    ----------
    pretext : {"scarf", "vime", "tjepa"}, default="scarf"
    max_epochs : int, default=30
    hidden_layer_sizes : tuple of int, default=(256, 64)
        The last width is the embedding's (for T-JEPA: 32, the token width).
    dropout, batch_size, learning_rate, weight_decay, patience : as the deep classifiers
    validation_fraction : float, default=0.1
        Rows held out to early-stop on the pretext loss.
    random_state : int, RandomState or None, default=None
    verbose : bool, default=False

    Attributes
    ----------
    n_features_out_ : int
    history_ : list of dict
    """

    _parameter_constraints: dict = {
        **_COMMON_CONSTRAINTS,
        "pretext": _PRETEXT_CONSTRAINTS["pretext"],
    }

    def __init__(
        self,
        pretext: str = "scarf",
        *,
        max_epochs: int = 30,
        hidden_layer_sizes: tuple = (256, 64),
        dropout: float = 0.0,
        batch_size: int = 256,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 5,
        validation_fraction: float = 0.1,
        random_state: Any = None,
        verbose: bool = False,
    ):
        self.pretext = pretext
        self.max_epochs = max_epochs
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    @property
    def _backbone_kind(self) -> str:  # type: ignore[override]
        return "tokens" if self.pretext == "tjepa" else "mlp"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags

    def fit(self, X: Any, y: Any = None) -> PretrainedEmbedding:
        self._validate_params()
        X = validate_X(self, X, reset=True, accepts_tables=True, allow_nan=True)
        encoder, self.history_ = _pretrain(
            self, X, self.random_state, self.max_epochs, self.validation_fraction
        )
        self.network_spec_ = self._spec(self.inputs_, 1)
        self.network_state_ = {"encoder": _to_numpy_state(encoder)}
        self.n_features_out_ = int(encoder.out_dim)
        return self

    def transform(self, X: Any) -> np.ndarray:
        from .loop import predict_logits

        check_is_fitted(self, "network_state_")
        X = validate_X(self, X, reset=False, accepts_tables=True, allow_nan=True)
        net = _build_backbone(self.network_spec_)
        _load_state(net, self.network_state_["encoder"])
        num, cat = self._tensors(X)
        return predict_logits(net.eval().double(), num.double(), cat).numpy()

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        return np.array([f"{self.pretext}_{i}" for i in range(self.n_features_out_)], dtype=object)


class EmbeddingFeaturesClassifier(BaseFewLabelsClassifier):
    """Any classifier on the table plus a self-supervised embedding learned from every row.

    The embedding (:class:`PretrainedEmbedding`) is pre-trained on labeled and unlabeled
    rows alike; the classifier (LightGBM with small-data settings by default) is fitted on
    the labeled rows with the embedding's columns added next to the original ones, whose
    native categoricals stay untouched.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, default=None
    pretext : {"scarf", "vime", "tjepa"}, default="scarf"
    max_epochs : int, default=30
        Pre-training epochs at most.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    embedding_ : PretrainedEmbedding
    estimator_ : the fitted classifier
    classes_ : ndarray
    """

    _accepts_tables = True
    _allow_nan = True
    learns_from_unlabeled = True

    _parameter_constraints: dict = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "pretext": _PRETEXT_CONSTRAINTS["pretext"],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        pretext: str = "scarf",
        max_epochs: int = 30,
        random_state: Any = None,
    ):
        self.estimator = estimator
        self.pretext = pretext
        self.max_epochs = max_epochs
        self.random_state = random_state

    def _augment(self, X: Any) -> Any:
        import pandas as pd

        Z = self.embedding_.transform(X)
        names = self.embedding_.get_feature_names_out()
        if isinstance(X, pd.DataFrame):
            return pd.concat([X.reset_index(drop=True), pd.DataFrame(Z, columns=names)], axis=1)
        return np.hstack([np.asarray(X, dtype=float), Z])

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        codes = target.codes
        from sklearn.utils import _safe_indexing

        from ..supervised import default_classifier

        seed = int(random_state.randint(np.iinfo(np.int32).max))
        self.embedding_ = PretrainedEmbedding(
            self.pretext, max_epochs=self.max_epochs, random_state=seed
        ).fit(X)
        rows = np.flatnonzero(codes != UNLABELED)
        base = default_classifier(seed) if self.estimator is None else clone(self.estimator)
        self.estimator_ = base.fit(_safe_indexing(self._augment(X), rows), codes[rows])

    def _predict_proba(self, X: Any) -> np.ndarray:
        from ..base import predict_proba_chunked

        return predict_proba_chunked(self.estimator_, self._augment(X), None, len(self.classes_))
