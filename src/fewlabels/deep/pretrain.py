"""Self-supervised pre-training objectives: SCARF, VIME and T-JEPA.

Each trains an ``encoder`` (the backbone a classifier later fine-tunes, or whose output
feeds another model as features) on every row, labels unused. They run in the same loop as
the semi-supervised methods; validation is the pretext loss on held-out rows.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from .loop import Batch, Context, Objective
from .loop import scalar as _f
from .nets import Backbone, TokenEncoder, corrupt, init_parameters

__all__ = ["Pretext", "SCARF", "VIME", "TJEPA", "PRETEXTS"]


class Pretext(Objective):
    """Base of the pre-training objectives: no labels; validation = pretext loss."""

    uses_labels = False
    backbone_kind = "mlp"
    #: the pretext heads, set by :meth:`_build_heads`
    heads: nn.Module

    def build(self, ctx: Context) -> None:
        self.ctx = ctx
        self.encoder = self.make_encoder(ctx)
        self._build_heads(ctx)
        init_parameters(self.heads, ctx.generator)
        self.optimizer = ctx.optimizer(
            list(self.encoder.parameters()) + list(self.heads.parameters())
        )

    def make_encoder(self, ctx: Context) -> Backbone:
        """The network being pre-trained (the configured backbone unless overridden)."""
        return ctx.backbone()

    def _build_heads(self, ctx: Context) -> None:
        raise NotImplementedError

    def modules(self):
        return {"encoder": self.encoder, "heads": self.heads}

    def predictor(self):
        return self.encoder

    def pretext_loss(self, num: torch.Tensor, cat: torch.Tensor):
        raise NotImplementedError

    def loss(self, b: Batch):
        loss, logs = self.pretext_loss(b.num_u, b.cat_u)
        return loss, logs

    def validation(self) -> dict[str, float]:
        d = self.ctx.data
        rows = d.validation
        if rows.numel() == 0:
            return {}
        for m in self.modules().values():
            m.eval()
        with torch.no_grad():
            loss, _ = self.pretext_loss(d.num[rows], d.cat[rows])
        for m in self.modules().values():
            m.train()
        return {"val_loss": _f(loss)}


class SCARF(Pretext):
    """Bahri et al. (ICLR 2022): InfoNCE between a row and its corrupted view (each feature
    replaced with probability ``corruption_rate`` by a draw from its empirical marginal)."""

    def __init__(self, corruption_rate: float = 0.6, temperature: float = 1.0, proj_dim: int = 128):
        self.corruption_rate, self.temperature, self.proj_dim = (
            corruption_rate,
            temperature,
            proj_dim,
        )

    def _build_heads(self, ctx: Context) -> None:
        w = self.encoder.out_dim
        self.heads = nn.Sequential(nn.Linear(w, w), nn.ReLU(), nn.Linear(w, self.proj_dim))

    def pretext_loss(self, num, cat):
        d = self.ctx.data
        c_num, c_cat, _ = corrupt(num, cat, self.corruption_rate, d.num, d.cat, self.ctx.generator)
        z = F.normalize(self.heads(self.encoder(torch.cat([num, c_num]), torch.cat([cat, c_cat]))))
        a, b = z[: len(num)], z[len(num) :]
        logits = a @ b.T / self.temperature
        target = torch.arange(len(num))
        loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
        return loss, {"info_nce": _f(loss)}


class VIME(Pretext):
    """Yoon et al. (NeurIPS 2020): from a corrupted row (mask probability ``mask_rate``),
    estimate which cells were replaced (BCE) and recover the original values (squared error
    on numbers, cross-entropy on categories), weighted by ``alpha``."""

    def __init__(self, mask_rate: float = 0.3, alpha: float = 2.0):
        self.mask_rate, self.alpha = mask_rate, alpha

    def _build_heads(self, ctx: Context) -> None:
        w = self.encoder.out_dim
        n_num, cards = ctx.n_numeric, ctx.cardinalities
        self.heads = nn.ModuleDict(
            {
                "mask": nn.Linear(w, n_num + len(cards)),
                "numeric": nn.Linear(w, max(1, n_num)),
                "categorical": nn.ModuleList(nn.Linear(w, c) for c in cards),
            }
        )

    def pretext_loss(self, num, cat):
        d = self.ctx.data
        c_num, c_cat, mask = corrupt(num, cat, self.mask_rate, d.num, d.cat, self.ctx.generator)
        h = self.encoder(c_num, c_cat)
        mask_loss = F.binary_cross_entropy_with_logits(self.heads["mask"](h), mask.float())
        recon = h.new_zeros(())
        if num.shape[1]:
            recon = recon + F.mse_loss(self.heads["numeric"](h)[:, : num.shape[1]], num)
        for j, head in enumerate(self.heads["categorical"]):
            recon = recon + F.cross_entropy(head(h), cat[:, j]) / max(1, cat.shape[1])
        loss = mask_loss + self.alpha * recon
        return loss, {"mask": _f(mask_loss), "reconstruction": _f(recon)}


class TJEPA(Pretext):
    """Thimonier et al. (ICLR 2025), T-JEPA: augmentation-free joint-embedding prediction.

    Features are tokens; a context encoder sees a random ``context_share`` of them, a target
    encoder (an EMA of the context encoder, momentum ``ema`` rising to 1) encodes the whole
    row, and a predictor maps the context latents plus position queries to the latents of
    ``n_targets`` disjoint target subsets (``target_share`` each); the loss is their squared
    distance to the layer-normed target latents. Regularisation tokens sit in both encoders.
    """

    backbone_kind = "tokens"

    def __init__(
        self,
        context_share: tuple[float, float] = (0.2, 0.4),
        target_share: tuple[float, float] = (0.2, 0.4),
        n_targets: int = 4,
        ema: tuple[float, float] = (0.996, 1.0),
    ):
        self.context_share, self.target_share = context_share, target_share
        self.n_targets, self.ema = n_targets, ema

    def _build_heads(self, ctx: Context) -> None:
        dim = self.encoder.out_dim
        self.target = copy.deepcopy(self.encoder)
        for p in self.target.parameters():
            p.requires_grad_(False)
        self.latent_predictor = TokenEncoder(dim, depth=1)
        # the learned mask token added to a target position's embedding is this layer's bias
        self.heads = nn.ModuleDict(
            {"predictor": self.latent_predictor, "mask_token": nn.Linear(1, dim)}
        )

    def build(self, ctx: Context) -> None:
        super().build(ctx)
        self.latent_predictor.reset(ctx.generator)

    def modules(self):
        return {"encoder": self.encoder, "heads": self.heads, "target": self.target}

    def _share(self, bounds: tuple[float, float], n: int) -> int:
        lo, hi = bounds
        u = float(torch.rand((), generator=self.ctx.generator))
        return max(1, min(n - 1, round((lo + (hi - lo) * u) * n)))

    def pretext_loss(self, num, cat):
        tok = self.encoder.tokenizer(num, cat)
        n_tok = tok.shape[1]
        if n_tok < 2:
            return tok.sum() * 0.0, {}
        perm = torch.randperm(n_tok, generator=self.ctx.generator)
        n_ctx = self._share(self.context_share, n_tok)
        ctx_idx = perm[:n_ctx]
        rest = perm[n_ctx:]
        z_ctx = self.encoder.encoder(tok[:, ctx_idx])
        with torch.no_grad():
            full = self.target.encoder(self.target.tokenizer(num, cat))
            full = F.layer_norm(full, full.shape[-1:])
        position = self.encoder.tokenizer.position
        losses = []
        for _ in range(self.n_targets):
            k = min(len(rest), self._share(self.target_share, n_tok))
            pick = rest[torch.randperm(len(rest), generator=self.ctx.generator)[:k]]
            queries = position[pick].unsqueeze(0).expand(len(num), -1, -1)
            queries = queries + self.heads["mask_token"].bias
            out = self.heads["predictor"](torch.cat([z_ctx, queries], dim=1))[:, n_ctx:]
            losses.append(F.mse_loss(out, full[:, pick]))
        loss = torch.stack(losses).mean()
        return loss, {"latent_mse": _f(loss)}

    def after_step(self) -> None:
        lo, hi = self.ema
        m = lo + (hi - lo) * self.ctx.progress
        with torch.no_grad():
            for t, s in zip(self.target.parameters(), self.encoder.parameters(), strict=True):
                t.mul_(m).add_(s.detach(), alpha=1 - m)


PRETEXTS = {"scarf": SCARF, "vime": VIME, "tjepa": TJEPA}
