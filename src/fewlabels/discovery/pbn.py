"""PBN, projection-based novel class discovery (Troisemaine et al., DAMI 2024), on the deep loop.

An encoder learns a latent space from two signals at once: cross-entropy on the known
classes (labeled rows) and reconstruction of every row, known or novel:
L = w * CE + (1 - w) * reconstruction. Novel classes are then found by clustering the
unlabeled rows in that space. Needs the ``deep`` extra.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..deep import TrainingRun, import_torch

__all__ = ["pbn_embedding"]


def _objective(n_known: int, latent_dim: int, w: float) -> Any:
    import torch
    import torch.nn.functional as F
    from torch import nn

    from ..deep.loop import Batch, Context, Objective, scalar
    from ..deep.nets import MLPBackbone, init_parameters, set_generator

    class Encoder(nn.Module):
        def __init__(self, ctx: Context):
            super().__init__()
            width = ctx.n_numeric + sum(min(16, c) for c in ctx.cardinalities)
            hidden = (max(16, 3 * width // 4), max(8, width // 2))
            self.body = MLPBackbone(ctx.n_numeric, ctx.cardinalities, hidden, ctx.config.dropout)
            self.latent = nn.Linear(self.body.out_dim, latent_dim)
            self.hidden = hidden

        def forward(self, num: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
            return self.latent(self.body(num, cat))

    class Classify(nn.Module):
        def __init__(self, encoder: Encoder):
            super().__init__()
            self.encoder = encoder
            self.head = nn.Linear(latent_dim, n_known)

        def forward(self, num: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
            return self.head(self.encoder(num, cat))

    class PBN(Objective):
        def build(self, ctx: Context) -> None:
            self.ctx = ctx
            enc = Encoder(ctx)
            h1, h2 = enc.hidden
            self.classify = Classify(enc)
            self.decoder = nn.Sequential(
                nn.Linear(latent_dim, h2), nn.ReLU(), nn.Linear(h2, h1), nn.ReLU()
            )
            self.num_out = nn.Linear(h1, max(1, ctx.n_numeric))
            self.cat_out = nn.ModuleList(nn.Linear(h1, c) for c in ctx.cardinalities)
            self.parts = nn.ModuleList([self.classify, self.decoder, self.num_out, self.cat_out])
            init_parameters(self.parts, ctx.generator)
            set_generator(self.parts, ctx.generator)
            self.optimizer = ctx.optimizer(self.parts.parameters())

        def modules(self):
            return {"parts": self.parts}

        def predictor(self) -> nn.Module:
            return self.classify

        def loss(self, b: Batch):
            num = torch.cat([b.num_l, b.num_u])
            cat = torch.cat([b.cat_l, b.cat_u])
            z = self.classify.encoder(num, cat)
            ce = F.cross_entropy(self.classify.head(z[: len(b.y_l)]), b.y_l)
            h = self.decoder(z)
            recon = (
                F.mse_loss(self.num_out(h)[:, : num.shape[1]], num) if num.shape[1] else z.sum() * 0
            )
            for j, head in enumerate(self.cat_out):
                recon = recon + F.cross_entropy(head(h), cat[:, j]) / len(self.cat_out)
            return w * ce + (1 - w) * recon, {"ce": scalar(ce), "reconstruction": scalar(recon)}

    return PBN()


def pbn_embedding(
    X: Any,
    codes: np.ndarray,
    n_known: int,
    *,
    latent_dim: int | None = None,
    w: float = 0.5,
    max_epochs: int = 100,
    learning_rate: float = 1e-3,
    dropout: float = 0.1,
    random_state: int = 0,
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Train PBN on every row of ``X`` (``codes``: known class or -1) and return every
    row's latent vector (float64) and the training history."""
    torch = import_torch("PBN (novel class discovery)")
    from ..deep.loop import predict_logits

    run = TrainingRun(
        max_epochs=max_epochs,
        batch_size=256,
        learning_rate=learning_rate,
        weight_decay=1e-5,
        patience=10,
        hidden_layer_sizes=(64,),  # unused: PBN sizes its encoder from the input width
        dropout=dropout,
        validation_fraction=0.1,
        name="PBN (novel class discovery)",
    )
    ctx, _ = run.context(X, codes, n_known, np.random.RandomState(random_state))
    width = ctx.n_numeric + len(ctx.cardinalities)
    latent = latent_dim or int(min(width, max(5, min(32, width // 2))))
    objective = _objective(n_known, latent, w)
    history = run.train(objective, ctx)
    encoder = objective.classify.encoder.double()
    with torch.no_grad():
        Z = predict_logits(encoder, ctx.data.num.double(), ctx.data.cat)
    return Z.numpy(), history
