"""The one training loop of fewlabels' deep methods.

A method is an :class:`Objective`: it builds its networks, says how one batch turns into a
loss (or, for two-network methods, how one step updates them), and which network predicts.
The loop owns everything else: epochs of batches drawn from the labeled and unlabeled
rows, validation on a held-out part of the labeled rows, early stopping that restores the
best weights, callbacks, progress, and one history record per epoch. Randomness comes
only from the ``torch.Generator`` in the context, derived from ``random_state``.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .nets import (
    Backbone,
    Classifier,
    MLPBackbone,
    TokenBackbone,
    init_parameters,
    set_generator,
)

__all__ = [
    "TrainConfig",
    "TrainData",
    "Context",
    "Batch",
    "Objective",
    "train",
    "split_validation",
]

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """How long and how to train (shared by every method)."""

    max_epochs: int = 100
    batch_size: int = 128
    unlabeled_ratio: int = 3  # unlabeled rows per labeled row in a batch (FixMatch's mu)
    learning_rate: float = 1e-3
    weight_decay: float = 1e-5
    patience: int = 10
    min_steps_per_epoch: int = 5
    max_steps_per_epoch: int = 200
    hidden: Sequence[int] = (256, 256)
    dropout: float = 0.1
    backbone: str = "mlp"  # or "tokens" (feature-token transformer, T-JEPA)
    token_dim: int = 32
    token_depth: int = 2


@dataclass
class TrainData:
    """All rows as tensors, and which of them play which part."""

    num: torch.Tensor
    cat: torch.Tensor
    y: torch.Tensor  # class codes; -1 where unlabeled (or held out)
    labeled: torch.Tensor  # training rows with a label
    validation: torch.Tensor  # labeled rows held out for early stopping (may be empty)
    unlabeled: torch.Tensor  # rows without a label
    n_classes: int


@dataclass
class Context:
    data: TrainData
    config: TrainConfig
    generator: torch.Generator
    rng: np.random.Generator
    n_numeric: int
    cardinalities: list[int]
    epoch: int = 0
    step: int = 0
    total_steps: int = 1

    def backbone(self) -> Backbone:
        cfg = self.config
        net: Backbone
        if cfg.backbone == "tokens":
            net = TokenBackbone(self.n_numeric, self.cardinalities, cfg.token_dim, cfg.token_depth)
            net.reset(self.generator)
        else:
            net = MLPBackbone(self.n_numeric, self.cardinalities, cfg.hidden, cfg.dropout)
            init_parameters(net, self.generator)
        set_generator(net, self.generator)
        return net

    def classifier(self, backbone: Backbone | None = None) -> Classifier:
        net = Classifier(backbone if backbone is not None else self.backbone(), self.data.n_classes)
        init_parameters(net.head, self.generator)
        set_generator(net, self.generator)
        return net

    def optimizer(self, params: Any, lr: float | None = None) -> torch.optim.Optimizer:
        return torch.optim.AdamW(
            params, lr=lr or self.config.learning_rate, weight_decay=self.config.weight_decay
        )

    @property
    def progress(self) -> float:
        """Fraction of the planned steps done (for ramps)."""
        return min(1.0, self.step / max(1, self.total_steps))


@dataclass
class Batch:
    num_l: torch.Tensor
    cat_l: torch.Tensor
    y_l: torch.Tensor
    num_u: torch.Tensor
    cat_u: torch.Tensor
    pos_u: torch.Tensor  # positions of the unlabeled rows within data.unlabeled


class Objective:
    """One method's part of training. Subclasses set ``uses_unlabeled``, build networks in
    :meth:`build`, and implement :meth:`loss` (or override :meth:`train_step`)."""

    uses_unlabeled: bool = True
    uses_labels: bool = True
    min_labeled_batch: int = 1

    def build(self, ctx: Context) -> None:
        self.ctx = ctx
        self.model = ctx.classifier()
        self.optimizer = ctx.optimizer(self.model.parameters())

    def modules(self) -> dict[str, nn.Module]:
        """Every network whose weights make up the state (checkpointed and restored)."""
        return {"model": self.model}

    def predictor(self) -> nn.Module:
        """The network that predicts (validation and the fitted estimator)."""
        return self.model

    def loss(self, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        raise NotImplementedError

    def train_step(self, batch: Batch) -> dict[str, float]:
        self.optimizer.zero_grad(set_to_none=True)
        loss, logs = self.loss(batch)
        loss.backward()
        self.optimizer.step()
        self.after_step()
        return {"loss": float(loss.detach()), **logs}

    def after_step(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass

    def finish(self) -> None:
        """Called once after the best weights are restored."""

    def monitoring(self) -> bool:
        """Whether early stopping watches this epoch (False while a method warms up)."""
        return True

    def validation(self) -> dict[str, float]:
        """Loss (lower is better) and accuracy of the predictor on the held-out labeled rows."""
        data = self.ctx.data
        rows = data.validation
        if rows.numel() == 0:
            return {}
        net = self.predictor()
        with torch.no_grad():
            logits = predict_logits(net, data.num[rows], data.cat[rows])
        y = data.y[rows]
        return {
            "val_loss": float(F.cross_entropy(logits, y)),
            "val_accuracy": float((logits.argmax(1) == y).float().mean()),
        }


def scalar(t: torch.Tensor) -> float:
    """A loss value for the logs (detached first)."""
    return float(t.detach())


def predict_logits(net: nn.Module, num: torch.Tensor, cat: torch.Tensor, chunk: int = 8192):
    was = net.training
    net.eval()
    try:
        with torch.no_grad():
            out = [net(num[i : i + chunk], cat[i : i + chunk]) for i in range(0, len(num), chunk)]
    finally:
        net.train(was)
    return torch.cat(out) if out else torch.empty(0)


def split_validation(
    codes: np.ndarray, fraction: float, rng: np.random.Generator, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified hold-out of the labeled rows for early stopping.

    Each class keeps at least one training row; no validation when that leaves fewer held-out
    rows than classes (then training runs its epochs without early stopping).
    """
    labeled = np.flatnonzero(codes >= 0)
    if fraction <= 0:
        return labeled, labeled[:0]
    val: list[int] = []
    for c in range(n_classes):
        rows = labeled[codes[labeled] == c]
        k = int(math.floor(fraction * len(rows)))
        k = min(k, len(rows) - 1)
        if k > 0:
            val.extend(rng.choice(rows, k, replace=False).tolist())
    if len(val) < n_classes:
        return labeled, labeled[:0]
    val_arr = np.sort(np.array(val))
    return np.setdiff1d(labeled, val_arr), val_arr


class _Cycler:
    """Endless shuffled passes over ``n`` positions (reshuffled each pass, from the generator)."""

    def __init__(self, n: int, generator: torch.Generator):
        self.n, self.g = n, generator
        self.order = torch.randperm(n, generator=generator)
        self.at = 0

    def take(self, k: int) -> torch.Tensor:
        parts = []
        need = k
        while need > 0 and self.n:
            if self.at >= self.n:
                self.order = torch.randperm(self.n, generator=self.g)
                self.at = 0
            part = self.order[self.at : self.at + need]
            self.at += len(part)
            need -= len(part)
            parts.append(part)
        return torch.cat(parts) if parts else torch.empty(0, dtype=torch.long)


def train(
    objective: Objective,
    ctx: Context,
    *,
    callbacks: Sequence[Callable[[dict[str, Any]], bool | None]] = (),
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Train ``objective`` and return the history (one record per epoch).

    Early stopping watches ``val_loss`` (the objective's :meth:`Objective.validation`) with
    ``config.patience`` epochs of patience and restores the best epoch's weights. A callback
    gets each epoch's record and stops training by returning True.
    """
    cfg, data, g = ctx.config, ctx.data, ctx.generator
    objective.build(ctx)
    n_l, n_u = len(data.labeled), len(data.unlabeled)
    b_l = max(objective.min_labeled_batch, min(cfg.batch_size, n_l)) if objective.uses_labels else 0
    b_u = cfg.batch_size * cfg.unlabeled_ratio if objective.uses_unlabeled else 0
    b_u = min(b_u, n_u)
    steps = max(
        cfg.min_steps_per_epoch,
        math.ceil(n_l / max(1, b_l)) if b_l else 0,
        math.ceil(n_u / max(1, b_u)) if b_u else 0,
    )
    steps = min(steps, cfg.max_steps_per_epoch)
    ctx.total_steps = steps * cfg.max_epochs
    labeled = _Cycler(n_l, g)
    unlabeled = _Cycler(n_u, g)
    history: list[dict[str, Any]] = []
    best: tuple[float, int, dict[str, Any]] | None = None
    waited = 0
    for epoch in range(cfg.max_epochs):
        ctx.epoch = epoch
        for m in objective.modules().values():
            m.train()
        start = time.perf_counter()
        sums: dict[str, float] = {}
        for _ in range(steps):
            rows_l = data.labeled[labeled.take(b_l)]
            pos_u = unlabeled.take(b_u)
            rows_u = data.unlabeled[pos_u]
            batch = Batch(
                data.num[rows_l],
                data.cat[rows_l],
                data.y[rows_l],
                data.num[rows_u],
                data.cat[rows_u],
                pos_u,
            )
            logs = objective.train_step(batch)
            ctx.step += 1
            for k, v in logs.items():
                sums[k] = sums.get(k, 0.0) + v
        objective.on_epoch_end()
        record: dict[str, Any] = {"epoch": epoch + 1, **{k: v / steps for k, v in sums.items()}}
        record.update(objective.validation())
        record["seconds"] = round(time.perf_counter() - start, 4)
        history.append(record)
        logger.debug("epoch %d: %s", epoch + 1, record)
        if progress is not None:
            progress(epoch + 1, cfg.max_epochs)
        stop = any(bool(cb(record)) for cb in callbacks)
        if "val_loss" in record and objective.monitoring():
            if best is None or record["val_loss"] < best[0] - 1e-6:
                best = (record["val_loss"], epoch + 1, _snapshot(objective))
                waited = 0
            else:
                waited += 1
                stop = stop or waited >= cfg.patience
        if stop:
            break
    if best is not None:
        _restore(objective, best[2])
        history[-1]["best_epoch"] = best[1]
    for m in objective.modules().values():
        m.eval()
    objective.finish()
    return history


def _snapshot(objective: Objective) -> dict[str, Any]:
    return {k: copy.deepcopy(m.state_dict()) for k, m in objective.modules().items()}


def _restore(objective: Objective, state: dict[str, Any]) -> None:
    for k, m in objective.modules().items():
        m.load_state_dict(state[k])
