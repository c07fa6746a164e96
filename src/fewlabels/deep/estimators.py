"""scikit-learn estimators over the deep training loop.

Every estimator takes ``fit(X, y)`` with unlabeled rows marked as everywhere in fewlabels,
accepts tables with categorical columns and missing values, and is reproducible from
``random_state`` (no global seeding). The fitted networks are kept as NumPy weights plus a
small spec, so models save and load with :func:`fewlabels.save_model` and torch is only
imported to fit or predict. Training runs in float32; prediction in float64, so a row's
output does not depend on which other rows share its batch.

Each classifier is a plain class: its ``__init__`` stores its parameters, its
``_parameter_constraints`` add its own to :class:`BaseDeepClassifier`'s (checked once, in
``fit``), and its ``_objective`` names what it optimises (:mod:`fewlabels.deep.objectives`).
:class:`TrainingRun` is the part of fitting that other modules reuse for their own
objectives (novel class discovery).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import BaseFewLabelsClassifier, validate_X
from ..data.labels import UNLABELED, Target
from ..selftrain.confidence import ConfidenceMeasure
from ._torch import import_torch
from .inputs import TabularInputs

if TYPE_CHECKING:
    from torch import Tensor, nn

    from ..selftrain import SelfTrainingClassifier
    from .loop import Context, Objective, TrainConfig
    from .nets import Backbone, Classifier

__all__ = [
    "TrainingRun",
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
    "tsim_self_training",
]

logger = logging.getLogger(__name__)

_Seed = int | np.random.RandomState | None
_T = TypeVar("_T")

# ---------------------------------------------------------------- shared documentation


class _Substitution:
    """Fill the ``{name}`` fields of a docstring with shared text (``str.format``).

    The docstring is dedented first (:func:`inspect.cleandoc`), so a field stands where its
    text starts and the shared text is written at column 0 (descriptions indented by 4).
    Literal braces in a docstring are doubled, as for ``str.format``.
    """

    def __init__(self, **parts: str) -> None:
        self.parts = parts

    def __call__(self, obj: _T) -> _T:
        obj.__doc__ = inspect.cleandoc(obj.__doc__ or "").format(**self.parts)
        return obj


_shared_docs = _Substitution(
    deep_params="""hidden_layer_sizes : tuple of int, default=(256, 256)
    Widths of the MLP backbone's hidden layers (categorical columns are embedded first).
dropout : float, default=0.1
    Dropout rate after each hidden layer.
max_epochs : int, default=100
    An epoch is one pass over the larger of the labeled and unlabeled pools (5 to 200
    steps).
batch_size : int, default=128
    Labeled rows per step; unlabeled rows are three times as many.
learning_rate : float, default=1e-3
    AdamW's learning rate.
weight_decay : float, default=1e-5
    AdamW's weight decay.
patience : int, default=10
    Epochs without improvement of the validation loss before stopping; the best epoch's
    weights are kept.
validation_fraction : float, default=0.2
    Labeled rows held out (stratified) for early stopping. When that leaves fewer held-out
    rows than classes, nothing is held out and all ``max_epochs`` run.
random_state : int, RandomState instance or None, default=None
    Seeds a ``torch.Generator`` for every random draw; torch's global seed is not used.
verbose : bool, default=False
    Log each epoch's record (``logging``, level INFO).""",
    deep_attributes="""classes_ : ndarray of shape (n_classes,)
    The class labels.
n_labeled_ : int
    Labeled rows in the training target.
n_features_in_ : int
    Number of columns seen in ``fit``.
feature_names_in_ : ndarray of shape (n_features_in_,)
    Column names seen in ``fit``, when they are all strings.
history_ : list of dict
    One record per epoch: the objective's losses, validation loss and accuracy, seconds.
n_epochs_ : int
    Epochs run.
best_epoch_ : int or None
    The epoch whose weights were kept (None without validation).
inputs_ : TabularInputs
    How a table becomes the network's numeric and categorical inputs.
network_spec_ : dict
    The architecture, to rebuild the network from its weights.
network_state_ : dict of str to dict of ndarray
    The fitted weights (NumPy arrays), by network.""",
    consistency_params="""unlabeled_weight : float, default=1.0
    Weight of the strong views' pseudo-label loss.
weak_noise : float, default=0.05
    Standard deviation of the weak view's Gaussian noise (standardized units).
strong_noise : float, default=0.1
    Standard deviation of the strong view's Gaussian noise, after the corruption.
corruption_rate : float, default=0.3
    Share of a row's features the strong view replaces by draws from their empirical
    marginals (SCARF-style).""",
    pretext_options='{"scarf", "vime", "tjepa"}',
    pretexts="""SCARF (contrastive, corrupted views), VIME (mask and value estimation) or
    T-JEPA (feature tokens, latent prediction with an EMA target encoder; a small
    transformer backbone instead of the MLP).""",
    pretrain_params="""pretrain_epochs : int, default=30
    Most pre-training epochs (early-stopped on the pretext loss of 10% held-out rows).""",
    pretrain_attributes="""pretrain_history_ : list of dict
    One record per pre-training epoch.""",
)

# ---------------------------------------------------------------- the training run


def _to_numpy_state(module: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def _load_state(module: nn.Module, state: dict[str, np.ndarray]) -> None:
    torch = import_torch()
    module.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})


def _build_backbone(spec: dict[str, Any]) -> Backbone:
    from .nets import MLPBackbone, TokenBackbone

    if spec["backbone"] == "tokens":
        return TokenBackbone(
            spec["n_numeric"], spec["cardinalities"], spec["token_dim"], spec["token_depth"]
        )
    return MLPBackbone(spec["n_numeric"], spec["cardinalities"], spec["hidden"], spec["dropout"])


def _network_spec(config: TrainConfig, inputs: TabularInputs, n_classes: int) -> dict[str, Any]:
    """What rebuilding the fitted network needs (see :func:`_build_backbone`)."""
    return {
        "backbone": config.backbone,
        "n_numeric": inputs.n_numeric,
        "cardinalities": list(inputs.cardinalities),
        "hidden": list(config.hidden),
        "dropout": config.dropout,
        "token_dim": config.token_dim,
        "token_depth": config.token_depth,
        "n_classes": n_classes,
    }


def _tensors(inputs: TabularInputs, X: Any, purpose: str) -> tuple[Tensor, Tensor]:
    torch = import_torch(purpose)
    num, cat = inputs.transform(X)
    return torch.from_numpy(num), torch.from_numpy(cat)


@dataclass
class TrainingRun:
    """One run of the deep training loop on a table: its settings, its data, the training.

    The deep estimators build one from their parameters in ``fit``; other parts of
    fewlabels (novel class discovery) train their own objectives with it. Nothing is
    validated here: the estimators validate their parameters.

    Parameters
    ----------
    max_epochs : int, default=100
        Most epochs (see :class:`fewlabels.deep.loop.TrainConfig`).
    batch_size : int, default=128
        Labeled rows per step.
    learning_rate : float, default=1e-3
        AdamW's learning rate.
    weight_decay : float, default=1e-5
        AdamW's weight decay.
    patience : int, default=10
        Epochs without improvement of the validation loss before stopping.
    hidden_layer_sizes : sequence of int, default=(256, 256)
        Widths of the MLP backbone's hidden layers.
    dropout : float, default=0.1
        Dropout rate after each hidden layer.
    validation_fraction : float, default=0.2
        Labeled rows :meth:`context` holds out (stratified) for early stopping.
    backbone : {"mlp", "tokens"}, default="mlp"
        The MLP, or the feature-token transformer of T-JEPA.
    verbose : bool, default=False
        Log each epoch's record (``logging``, level INFO).
    name : str, default="fewlabels' deep methods"
        Who trains: named in the log and in the error raised without torch.

    Examples
    --------
    >>> run = TrainingRun(max_epochs=20, name="my method")  # doctest: +SKIP
    >>> ctx, inputs = run.context(X, codes, n_classes=3, random_state=0)  # doctest: +SKIP
    >>> history = run.train(objective, ctx)  # doctest: +SKIP
    """

    max_epochs: int = 100
    batch_size: int = 128
    learning_rate: float = 1e-3
    weight_decay: float = 1e-5
    patience: int = 10
    hidden_layer_sizes: Sequence[int] = (256, 256)
    dropout: float = 0.1
    validation_fraction: float = 0.2
    backbone: str = "mlp"
    verbose: bool = False
    name: str = "fewlabels' deep methods"

    def config(self) -> TrainConfig:
        """A fresh :class:`~fewlabels.deep.loop.TrainConfig` of these settings."""
        from .loop import TrainConfig

        return TrainConfig(
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            patience=self.patience,
            hidden=tuple(self.hidden_layer_sizes),
            dropout=self.dropout,
            backbone=self.backbone,
        )

    def context(
        self,
        X: Any,
        codes: np.ndarray,
        n_classes: int,
        random_state: _Seed,
        val_rows: np.ndarray | None = None,
    ) -> tuple[Context, TabularInputs]:
        """Tensors of every row of ``X`` and the training context, with the fitted inputs.

        ``codes`` holds each row's class code, -1 for unlabeled rows. Without ``val_rows``,
        ``validation_fraction`` of the labeled rows are held out and the unlabeled rows are
        the unlabeled pool (the training rows when there are none). With ``val_rows``
        (pre-training), every other row is in the unlabeled pool and none is labeled.
        One seed drawn from ``random_state`` gives the ``torch.Generator`` and the NumPy
        generator of the run.
        """
        torch = import_torch(self.name)
        from .loop import Context, TrainData, split_validation

        inputs = TabularInputs().fit(X)
        num, cat = inputs.transform(X)
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
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

        def as_long(a: np.ndarray) -> Tensor:
            return torch.from_numpy(np.asarray(a, dtype=np.int64))

        data = TrainData(
            torch.from_numpy(num),
            torch.from_numpy(cat),
            as_long(np.where(codes >= 0, codes, -1)),
            as_long(train_rows),
            as_long(val_rows),
            as_long(unlabeled),
            n_classes,
        )
        ctx = Context(
            data, self.config(), generator, rng, inputs.n_numeric, list(inputs.cardinalities)
        )
        return ctx, inputs

    def train(self, objective: Objective, ctx: Context) -> list[dict[str, Any]]:
        """Train ``objective`` in ``ctx`` (:func:`fewlabels.deep.loop.train`); the history."""
        from .loop import train

        callbacks: list[Callable[[dict[str, Any]], bool | None]] = []
        if self.verbose:
            name = self.name
            callbacks.append(lambda rec: logger.info("%s epoch %s: %s", name, rec["epoch"], rec))
        return train(objective, ctx, callbacks=callbacks)


def _pretrain(
    run: TrainingRun, pretext: str, X: Any, random_state: _Seed, epochs: int, fraction: float
) -> tuple[Backbone, list[dict[str, Any]], TabularInputs]:
    """Pre-train the ``pretext`` encoder on every row of ``X`` (labels unused).

    ``fraction`` of the rows are held out to early-stop on the pretext loss; at most
    ``epochs`` epochs. Returns the encoder module, the history and the fitted inputs.
    """
    from .pretrain import PRETEXTS

    n = X.shape[0]
    rng = np.random.default_rng(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    n_val = int(fraction * n) if n >= 20 else 0
    val = np.sort(rng.choice(n, n_val, replace=False)) if n_val else np.empty(0, dtype=np.int64)
    run = replace(run, max_epochs=epochs)
    ctx, inputs = run.context(X, np.full(n, UNLABELED), 1, random_state, val_rows=val)
    objective = PRETEXTS[pretext]()
    history = run.train(objective, ctx)
    return objective.encoder, history, inputs


_PRETEXT_OPTIONS = StrOptions({"scarf", "vime", "tjepa"})

# ---------------------------------------------------------------- the classifiers


@_shared_docs
class BaseDeepClassifier(BaseFewLabelsClassifier):
    """Base of the deep classifiers: a subclass gives its objective (:meth:`_objective`).

    Not a method by itself. A subclass adds its parameters to ``__init__`` and to
    ``_parameter_constraints`` (validated in ``fit``) and returns its
    :class:`~fewlabels.deep.loop.Objective` from ``_objective``.

    Parameters
    ----------
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    _accepts_tables = True
    _allow_nan = True
    #: self-training passes unlabeled rows to a base that says so
    learns_from_unlabeled: ClassVar[bool] = True

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
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

    def __init__(
        self,
        *,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def _objective(self) -> Objective:
        """What this method optimises, built from its parameters."""
        raise NotImplementedError

    def _backbone_kind(self) -> str:
        return "mlp"

    def _training_run(self) -> TrainingRun:
        return TrainingRun(
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            patience=self.patience,
            hidden_layer_sizes=self.hidden_layer_sizes,
            dropout=self.dropout,
            validation_fraction=self.validation_fraction,
            backbone=self._backbone_kind(),
            verbose=self.verbose,
            name=type(self).__name__,
        )

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        self._train(X, target.codes, random_state, self._objective())

    def _train(
        self,
        X: Any,
        codes: np.ndarray,
        random_state: np.random.RandomState,
        objective: Objective,
    ) -> None:
        """Train ``objective`` on the rows and keep what predicting needs."""
        run = self._training_run()
        ctx, self.inputs_ = run.context(X, codes, len(self.classes_), random_state)
        self.history_ = run.train(objective, ctx)
        self.n_epochs_ = len(self.history_)
        self.best_epoch_ = self.history_[-1].get("best_epoch")
        self.network_spec_ = _network_spec(run.config(), self.inputs_, len(self.classes_))
        self.network_state_ = {k: _to_numpy_state(m) for k, m in self._exported(objective).items()}

    def _exported(self, objective: Objective) -> dict[str, nn.Module]:
        return {"predictor": objective.predictor()}

    def _network(self) -> Classifier:
        """The fitted network, rebuilt from its weights (cheap; nothing cached on ``self``)."""
        from .nets import Classifier

        net = Classifier(_build_backbone(self.network_spec_), self.network_spec_["n_classes"])
        _load_state(net, self.network_state_["predictor"])
        return net.eval()

    def _tensors(self, X: Any) -> tuple[Tensor, Tensor]:
        return _tensors(self.inputs_, X, type(self).__name__)

    def _logits(self, X: Any) -> Tensor:
        from .loop import predict_logits

        num, cat = self._tensors(X)
        return predict_logits(self._network().double(), num.double(), cat)

    def _predict_proba(self, X: Any) -> np.ndarray:
        torch = import_torch()
        return torch.softmax(self._logits(X), dim=1).double().numpy()


@_shared_docs
class DeepSupervisedClassifier(BaseDeepClassifier):
    """An MLP trained on the labeled rows only: the deep baseline of the others.

    Parameters
    ----------
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    learns_from_unlabeled = False

    def _objective(self) -> Objective:
        from .objectives import Supervised

        return Supervised()


@_shared_docs
class PseudoLabelClassifier(BaseDeepClassifier):
    """Pseudo-Label (Lee, 2013): the network's own argmax as the target of unlabeled rows.

    Parameters
    ----------
    unlabeled_weight : float, default=1.0
        Weight of the pseudo-label loss, reached by a sigmoid ramp over the first 30% of
        training.
    threshold : float, default=0.0
        Keep only pseudo-labels at least this confident (0: all, as in the paper).
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **BaseDeepClassifier._parameter_constraints,
        "unlabeled_weight": [Interval(Real, 0, None, closed="left")],
        "threshold": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        *,
        unlabeled_weight: float = 1.0,
        threshold: float = 0.0,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.unlabeled_weight = unlabeled_weight
        self.threshold = threshold
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def _objective(self) -> Objective:
        from .objectives import PseudoLabel

        return PseudoLabel(unlabeled_weight=self.unlabeled_weight, threshold=self.threshold)


@_shared_docs
class MixupPseudoLabelClassifier(BaseDeepClassifier):
    """Soft pseudo-labels with mixup (Arazo et al., 2020).

    After ``warmup_epochs`` on labeled rows, every unlabeled row carries the network's softmax
    from the previous epoch; batches hold at least 16 labeled rows; inputs (after the
    categorical embeddings) and targets are mixed with Beta(``mixup_alpha``) weights; R_A
    (``prior_weight``) keeps the mean prediction near uniform, R_H (``entropy_weight``)
    sharpens predictions.

    Parameters
    ----------
    warmup_epochs : int, default=10
        Epochs on the labeled rows alone before the soft pseudo-labels join.
    mixup_alpha : float, default=1.0
        Both parameters of the Beta distribution of the mixing weights.
    prior_weight : float, default=0.8
        Weight of R_A, the distance of the mean prediction to the uniform prior.
    entropy_weight : float, default=0.4
        Weight of R_H, the mean entropy of the predictions.
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **BaseDeepClassifier._parameter_constraints,
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "mixup_alpha": [Interval(Real, 0, None, closed="neither")],
        "prior_weight": [Interval(Real, 0, None, closed="left")],
        "entropy_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        warmup_epochs: int = 10,
        mixup_alpha: float = 1.0,
        prior_weight: float = 0.8,
        entropy_weight: float = 0.4,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.warmup_epochs = warmup_epochs
        self.mixup_alpha = mixup_alpha
        self.prior_weight = prior_weight
        self.entropy_weight = entropy_weight
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def _objective(self) -> Objective:
        from .objectives import MixupPseudoLabel

        return MixupPseudoLabel(
            warmup_epochs=self.warmup_epochs,
            mixup_alpha=self.mixup_alpha,
            prior_weight=self.prior_weight,
            entropy_weight=self.entropy_weight,
        )


class _ConsistencyClassifier(BaseDeepClassifier):
    """What FixMatch, FlexMatch and FreeMatch share: the parameters of the views, the
    pseudo-label weight and the threshold.

    A subclass overrides ``_objective`` only: which objective of
    :mod:`fewlabels.deep.objectives` decides which pseudo-labels count
    (:class:`~fewlabels.deep.objectives.Consistency` and its subclasses).
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **BaseDeepClassifier._parameter_constraints,
        "threshold": [Interval(Real, 0, 1, closed="both")],
        "unlabeled_weight": [Interval(Real, 0, None, closed="left")],
        "weak_noise": [Interval(Real, 0, None, closed="left")],
        "strong_noise": [Interval(Real, 0, None, closed="left")],
        "corruption_rate": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        *,
        threshold: float = 0.95,
        unlabeled_weight: float = 1.0,
        weak_noise: float = 0.05,
        strong_noise: float = 0.1,
        corruption_rate: float = 0.3,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.threshold = threshold
        self.unlabeled_weight = unlabeled_weight
        self.weak_noise = weak_noise
        self.strong_noise = strong_noise
        self.corruption_rate = corruption_rate
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose


@_shared_docs
class FixMatchClassifier(_ConsistencyClassifier):
    """FixMatch for tables: the strong view of an unlabeled row learns the weak view's label.

    Weak view: small Gaussian noise. Strong view: random feature corruption from the
    empirical marginals plus noise. Pseudo-labels are kept where the weak view's confidence
    reaches ``threshold``.

    Parameters
    ----------
    threshold : float, default=0.95
        Confidence a weak-view prediction needs to become a pseudo-label.
    {consistency_params}
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    def _objective(self) -> Objective:
        from .objectives import Consistency

        return Consistency(
            threshold=self.threshold,
            unlabeled_weight=self.unlabeled_weight,
            weak_noise=self.weak_noise,
            strong_noise=self.strong_noise,
            corruption_rate=self.corruption_rate,
        )


@_shared_docs
class FlexMatchClassifier(_ConsistencyClassifier):
    """FlexMatch for tables: FixMatch with class-wise thresholds from each class's learning
    status (threshold * beta_c / (2 - beta_c), with warm-up), as in USB.

    Parameters
    ----------
    threshold : float, default=0.95
        Confidence a weak-view prediction needs to become a pseudo-label (the top of the
        class-wise thresholds).
    {consistency_params}
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    def _objective(self) -> Objective:
        from .objectives import FlexMatch

        return FlexMatch(
            threshold=self.threshold,
            unlabeled_weight=self.unlabeled_weight,
            weak_noise=self.weak_noise,
            strong_noise=self.strong_noise,
            corruption_rate=self.corruption_rate,
        )


@_shared_docs
class FreeMatchClassifier(_ConsistencyClassifier):
    """FreeMatch for tables: a self-adaptive threshold (EMA of the mean confidence, scaled per
    class by the EMA class distribution) and the self-adaptive fairness term, as in USB.

    Parameters
    ----------
    ema : float, default=0.999
        Momentum of the threshold and class-distribution averages.
    fairness_weight : float, default=0.01
        Weight of the self-adaptive fairness term (0: none).
    threshold : float, default=0.95
        Unused: the threshold adapts.
    {consistency_params}
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **_ConsistencyClassifier._parameter_constraints,
        "ema": [Interval(Real, 0, 1, closed="both")],
        "fairness_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        ema: float = 0.999,
        fairness_weight: float = 0.01,
        threshold: float = 0.95,
        unlabeled_weight: float = 1.0,
        weak_noise: float = 0.05,
        strong_noise: float = 0.1,
        corruption_rate: float = 0.3,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.ema = ema
        self.fairness_weight = fairness_weight
        self.threshold = threshold
        self.unlabeled_weight = unlabeled_weight
        self.weak_noise = weak_noise
        self.strong_noise = strong_noise
        self.corruption_rate = corruption_rate
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def _objective(self) -> Objective:
        from .objectives import FreeMatch

        return FreeMatch(
            ema=self.ema,
            fairness_weight=self.fairness_weight,
            threshold=self.threshold,
            unlabeled_weight=self.unlabeled_weight,
            weak_noise=self.weak_noise,
            strong_noise=self.strong_noise,
            corruption_rate=self.corruption_rate,
        )


@_shared_docs
class MeanTeacherClassifier(BaseDeepClassifier):
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
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **BaseDeepClassifier._parameter_constraints,
        "consistency_weight": [Interval(Real, 0, None, closed="left")],
        "ema": [Interval(Real, 0, 1, closed="both")],
        "noise": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        consistency_weight: float = 10.0,
        ema: float = 0.99,
        noise: float = 0.1,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.consistency_weight = consistency_weight
        self.ema = ema
        self.noise = noise
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def _objective(self) -> Objective:
        from .objectives import MeanTeacher

        return MeanTeacher(
            consistency_weight=self.consistency_weight, ema=self.ema, noise=self.noise
        )


@_shared_docs
class MetaPseudoLabelClassifier(BaseDeepClassifier):
    """Meta Pseudo Labels (Pham et al., 2021): the teacher learns from the student's progress.

    The teacher's pseudo-labels train the student one step at a time; the teacher is
    rewarded when the step lowered the student's labeled loss (see
    :func:`fewlabels.deep.objectives.mpl_teacher_signal` for the sign), and also learns
    from labels and UDA consistency. The student predicts after ``finetune_steps`` on the
    labeled rows.

    Parameters
    ----------
    uda_weight : float, default=1.0
        Weight of the teacher's UDA consistency term.
    uda_threshold : float, default=0.6
        Confidence a weak-view soft target needs to count in the UDA term.
    uda_temperature : float, default=0.7
        Temperature that sharpens the UDA soft targets.
    finetune_steps : int, default=50
        Steps of the student on the labeled rows after training (0: none).
    student_wait : float, default=0.1
        Share of the planned steps the teacher trains alone before the student starts.
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **BaseDeepClassifier._parameter_constraints,
        "uda_weight": [Interval(Real, 0, None, closed="left")],
        "uda_threshold": [Interval(Real, 0, 1, closed="both")],
        "uda_temperature": [Interval(Real, 0, None, closed="neither")],
        "finetune_steps": [Interval(Integral, 0, None, closed="left")],
        "student_wait": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        *,
        uda_weight: float = 1.0,
        uda_threshold: float = 0.6,
        uda_temperature: float = 0.7,
        finetune_steps: int = 50,
        student_wait: float = 0.1,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.uda_weight = uda_weight
        self.uda_threshold = uda_threshold
        self.uda_temperature = uda_temperature
        self.finetune_steps = finetune_steps
        self.student_wait = student_wait
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def _objective(self) -> Objective:
        from .objectives import MetaPseudoLabels

        return MetaPseudoLabels(
            uda_weight=self.uda_weight,
            uda_threshold=self.uda_threshold,
            uda_temperature=self.uda_temperature,
            finetune_steps=self.finetune_steps,
            student_wait=self.student_wait,
        )


@_shared_docs
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
        Number of diverse heads (at least 2).
    gamma : float, default=1.0
        Weight of the diversity term (the heads' mean T-similarity on unlabeled rows).
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **BaseDeepClassifier._parameter_constraints,
        "n_heads": [Interval(Integral, 2, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        n_heads: int = 5,
        gamma: float = 1.0,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.n_heads = n_heads
        self.gamma = gamma
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def _objective(self) -> Objective:
        from .objectives import DiverseHeads

        return DiverseHeads(n_heads=self.n_heads, gamma=self.gamma)

    def _exported(self, objective: Objective) -> dict[str, nn.Module]:
        from .objectives import DiverseHeads

        assert isinstance(objective, DiverseHeads)
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


class HeadsTSimilarity(ConfidenceMeasure):
    """Confidence from a fitted :class:`DiverseEnsembleClassifier`'s diverse heads.

    For :class:`fewlabels.SelfTrainingClassifier`: each round reads the round's fitted
    model; the confidence is the T-similarity and the class-wise votes (for MSLA) its
    class-wise terms, as in the T-similarity paper.

    Attributes
    ----------
    model_ : DiverseEnsembleClassifier
        The round's fitted model (the last step of a pipeline).
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
    policy: Any = "msla", max_iter: int = 5, random_state: _Seed = None, **net: Any
) -> SelfTrainingClassifier:
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


@_shared_docs
class PretrainedClassifier(BaseDeepClassifier):
    """Self-supervised pre-training on every row, then fine-tuning on the labeled rows.

    Parameters
    ----------
    pretext : {pretext_options}, default="scarf"
        {pretexts}
    {pretrain_params}
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    {pretrain_attributes}
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **BaseDeepClassifier._parameter_constraints,
        "pretext": [_PRETEXT_OPTIONS],
        "pretrain_epochs": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        pretext: str = "scarf",
        pretrain_epochs: int = 30,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.pretext = pretext
        self.pretrain_epochs = pretrain_epochs
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose

    def _backbone_kind(self) -> str:
        return "tokens" if self.pretext == "tjepa" else "mlp"

    def _fit(self, X: Any, target: Target, random_state: np.random.RandomState) -> None:
        from .objectives import Supervised

        seed = random_state.randint(np.iinfo(np.int32).max)
        encoder, self.pretrain_history_, _ = _pretrain(
            self._training_run(), self.pretext, X, seed, self.pretrain_epochs, 0.1
        )
        objective = Supervised(backbone_state=encoder.state_dict())  # fine-tuning
        self._train(X, target.codes, np.random.RandomState(seed), objective)


@_shared_docs
class SCARFClassifier(PretrainedClassifier):
    """SCARF pre-training (Bahri et al., 2022), then fine-tuning.

    :class:`PretrainedClassifier` with ``pretext="scarf"``.

    Parameters
    ----------
    pretext : {pretext_options}, default="scarf"
        {pretexts}
    {pretrain_params}
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    {pretrain_attributes}
    """

    def __init__(
        self,
        *,
        pretext: str = "scarf",
        pretrain_epochs: int = 30,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.pretext = pretext
        self.pretrain_epochs = pretrain_epochs
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose


@_shared_docs
class VIMEClassifier(PretrainedClassifier):
    """VIME self-supervised pre-training (Yoon et al., 2020), then fine-tuning.

    :class:`PretrainedClassifier` with ``pretext="vime"``.

    Parameters
    ----------
    pretext : {pretext_options}, default="vime"
        {pretexts}
    {pretrain_params}
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    {pretrain_attributes}
    """

    def __init__(
        self,
        *,
        pretext: str = "vime",
        pretrain_epochs: int = 30,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.pretext = pretext
        self.pretrain_epochs = pretrain_epochs
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose


@_shared_docs
class TJEPAClassifier(PretrainedClassifier):
    """T-JEPA pre-training (Thimonier et al., 2025), then fine-tuning.

    :class:`PretrainedClassifier` with ``pretext="tjepa"``.

    Parameters
    ----------
    pretext : {pretext_options}, default="tjepa"
        {pretexts}
    {pretrain_params}
    {deep_params}

    Attributes
    ----------
    {deep_attributes}
    {pretrain_attributes}
    """

    def __init__(
        self,
        *,
        pretext: str = "tjepa",
        pretrain_epochs: int = 30,
        hidden_layer_sizes: Sequence[int] = (256, 256),
        dropout: float = 0.1,
        max_epochs: int = 100,
        batch_size: int = 128,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 10,
        validation_fraction: float = 0.2,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
        self.pretext = pretext
        self.pretrain_epochs = pretrain_epochs
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose


@_shared_docs
class PretrainedEmbedding(TransformerMixin, BaseEstimator):
    """A self-supervised encoder as a transformer: ``fit`` pre-trains, ``transform`` embeds.

    Parameters
    ----------
    pretext : {pretext_options}, default="scarf"
        {pretexts}
    max_epochs : int, default=30
        Most pre-training epochs.
    hidden_layer_sizes : tuple of int, default=(256, 64)
        Widths of the MLP encoder's hidden layers; the last is the embedding's (for T-JEPA
        the embedding has 32 columns, the token width).
    dropout : float, default=0.0
        Dropout rate after each hidden layer.
    batch_size : int, default=256
        Rows per step.
    learning_rate : float, default=1e-3
        AdamW's learning rate.
    weight_decay : float, default=1e-5
        AdamW's weight decay.
    patience : int, default=5
        Epochs without improvement of the held-out pretext loss before stopping.
    validation_fraction : float, default=0.1
        Rows held out to early-stop on the pretext loss.
    random_state : int, RandomState instance or None, default=None
        Seeds a ``torch.Generator`` for every random draw; torch's global seed is not used.
    verbose : bool, default=False
        Log each epoch's record (``logging``, level INFO).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``, when they are all strings.
    n_features_out_ : int
        Width of the embedding.
    history_ : list of dict
        One record per pre-training epoch.
    inputs_ : TabularInputs
        How a table becomes the encoder's numeric and categorical inputs.
    network_spec_ : dict
        The architecture, to rebuild the encoder from its weights.
    network_state_ : dict of str to dict of ndarray
        The encoder's fitted weights (NumPy arrays).
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **BaseDeepClassifier._parameter_constraints,
        "pretext": [_PRETEXT_OPTIONS],
    }

    def __init__(
        self,
        pretext: str = "scarf",
        *,
        max_epochs: int = 30,
        hidden_layer_sizes: Sequence[int] = (256, 64),
        dropout: float = 0.0,
        batch_size: int = 256,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        patience: int = 5,
        validation_fraction: float = 0.1,
        random_state: _Seed = None,
        verbose: bool = False,
    ) -> None:
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

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags

    def _training_run(self) -> TrainingRun:
        return TrainingRun(
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            patience=self.patience,
            hidden_layer_sizes=self.hidden_layer_sizes,
            dropout=self.dropout,
            validation_fraction=self.validation_fraction,
            backbone="tokens" if self.pretext == "tjepa" else "mlp",
            verbose=self.verbose,
            name=type(self).__name__,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> PretrainedEmbedding:
        """Pre-train the encoder on every row of ``X`` (``y`` is ignored).

        Parameters
        ----------
        X : table or array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self
        """
        X = validate_X(self, X, reset=True, accepts_tables=True, allow_nan=True)
        run = self._training_run()
        encoder, self.history_, self.inputs_ = _pretrain(
            run, self.pretext, X, self.random_state, self.max_epochs, self.validation_fraction
        )
        self.network_spec_ = _network_spec(run.config(), self.inputs_, 1)
        self.network_state_ = {"encoder": _to_numpy_state(encoder)}
        self.n_features_out_ = int(encoder.out_dim)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Every row's embedding, shape (n_samples, n_features_out_)."""
        from .loop import predict_logits

        check_is_fitted(self, "network_state_")
        X = validate_X(self, X, reset=False, accepts_tables=True, allow_nan=True)
        net = _build_backbone(self.network_spec_)
        _load_state(net, self.network_state_["encoder"])
        num, cat = _tensors(self.inputs_, X, type(self).__name__)
        return predict_logits(net.eval().double(), num.double(), cat).numpy()

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``"<pretext>_<i>"`` for each embedding column."""
        check_is_fitted(self, "n_features_out_")
        return np.array([f"{self.pretext}_{i}" for i in range(self.n_features_out_)], dtype=object)


@_shared_docs
class EmbeddingFeaturesClassifier(BaseFewLabelsClassifier):
    """Any classifier on the table plus a self-supervised embedding learned from every row.

    The embedding (:class:`PretrainedEmbedding`) is pre-trained on labeled and unlabeled
    rows alike; the classifier (LightGBM with small-data settings by default) is fitted on
    the labeled rows with the embedding's columns added next to the original ones, whose
    native categoricals stay untouched.

    Parameters
    ----------
    estimator : classifier with ``fit`` and ``predict_proba``, default=None
        The classifier (None: :func:`fewlabels.supervised.default_classifier`).
    pretext : {pretext_options}, default="scarf"
        {pretexts}
    max_epochs : int, default=30
        Pre-training epochs at most.
    random_state : int, RandomState instance or None, default=None
        Seeds the embedding and the default classifier.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_labeled_ : int
        Labeled rows in the training target.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``, when they are all strings.
    embedding_ : PretrainedEmbedding
        The fitted embedding.
    estimator_ : classifier
        The fitted classifier (on the columns and the embedding).
    """

    _accepts_tables = True
    _allow_nan = True
    learns_from_unlabeled: ClassVar[bool] = True

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "estimator": [None, HasMethods(["fit", "predict_proba"])],
        "pretext": [_PRETEXT_OPTIONS],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any = None,
        *,
        pretext: str = "scarf",
        max_epochs: int = 30,
        random_state: _Seed = None,
    ) -> None:
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
        from sklearn.utils import _safe_indexing

        from ..supervised import default_classifier

        codes = target.codes
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
