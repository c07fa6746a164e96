"""TabularNCD (Troisemaine et al., ICKG 2022) on the deep loop.

1. VIME pre-training of an encoder on every row (mask estimation + reconstruction).
2. Joint training, two optimizers alternated every mini-batch:

   - a classification head over the known classes plus one class for "unlabeled", with
     cross-entropy and a consistency term against a SMOTE-NC-style augmented view;
   - a clustering head over the novel classes, trained on the unlabeled rows of the batch
     with pairwise pseudo-labels: a pair is "same class" when one row is among the other's
     top-k cosine neighbours in the latent space; p_ij is the inner product of the two rows'
     cluster distributions, fitted by binary cross-entropy, plus the same consistency term.

   The augmented view of a row moves it a uniform fraction of the way to one of its
   ``k_neighbors`` nearest rows (cosine, input space) among the batch and a queue of the
   last 2,000 rows of the same set (labeled or unlabeled); a categorical value is the mode
   over those neighbours.
3. Every unlabeled row goes to the argmax of the clustering head.

Needs the ``deep`` extra.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..deep import TrainingRun, import_torch

__all__ = ["tabularncd", "TABULARNCD_DEFAULTS"]

#: Defaults near the middle of the paper's tuned values (ICKG'22 Table VI).
TABULARNCD_DEFAULTS: dict[str, Any] = {
    # share of the unlabeled batch that counts as a row's positives; "auto" = a quarter of
    # one novel class's share (1 / (4 n_novel)); the paper tuned 2-19% per dataset
    "topk": "auto",
    "w_classif": 0.8,
    "w_cluster": 0.8,
    "lr_classif": 5e-3,
    "lr_cluster": 5e-3,
    "k_neighbors": 10,
    "dropout": 0.05,
    "pretrain_epochs": 30,
    "epochs": 30,
    "batch_size": 256,  # labeled rows per step; as many unlabeled rows
}

_QUEUE = 2000


def _objective(n_known: int, n_novel: int, encoder: Any, p: dict[str, Any]) -> Any:
    import torch
    import torch.nn.functional as F
    from torch import nn

    from ..deep.loop import Batch, Context, Objective, scalar
    from ..deep.nets import init_parameters, set_generator

    class Queue:
        """The last ``_QUEUE`` rows of one set (numeric and categorical parts)."""

        def __init__(self) -> None:
            self.num: torch.Tensor | None = None
            self.cat: torch.Tensor | None = None

        def with_batch(self, num: torch.Tensor, cat: torch.Tensor):
            if self.num is None or self.cat is None:
                return num, cat
            return torch.cat([num, self.num]), torch.cat([cat, self.cat])

        def push(self, num: torch.Tensor, cat: torch.Tensor) -> None:
            num, cat = self.with_batch(num.detach(), cat)
            self.num, self.cat = num[:_QUEUE], cat[:_QUEUE]

    class TabularNCD(Objective):
        min_labeled_batch = 2

        def build(self, ctx: Context) -> None:
            self.ctx = ctx
            self.encoder = encoder
            width = encoder.out_dim
            self.classif = nn.Linear(width, n_known + 1)
            self.cluster = nn.Linear(width, n_novel)
            heads = nn.ModuleList([self.classif, self.cluster])
            init_parameters(heads, ctx.generator)
            set_generator(self.encoder, ctx.generator)
            enc = list(self.encoder.parameters())
            self.opt_classif = ctx.optimizer(enc + list(self.classif.parameters()), p["lr_classif"])
            self.opt_cluster = ctx.optimizer(enc + list(self.cluster.parameters()), p["lr_cluster"])
            self.queues = {"l": Queue(), "u": Queue()}

        def modules(self):
            return {"encoder": self.encoder, "classif": self.classif, "cluster": self.cluster}

        def validation(self) -> dict[str, float]:
            return {}

        def augment(self, num: torch.Tensor, cat: torch.Tensor, which: str):
            """SMOTE-NC-style view: toward one of the k nearest rows (cosine, input space)."""
            pool_num, pool_cat = self.queues[which].with_batch(num, cat)
            k = int(min(p["k_neighbors"], len(pool_num) - 1))
            if k < 1:
                return num, cat
            a = F.normalize(num, dim=1) if num.shape[1] else num
            b = F.normalize(pool_num, dim=1) if num.shape[1] else pool_num
            sim = a @ b.T if num.shape[1] else torch.zeros(len(num), len(pool_num))
            sim[torch.arange(len(num)), torch.arange(len(num))] = -2.0  # not itself
            nn_idx = sim.topk(k, dim=1).indices
            g = self.ctx.generator
            pick = nn_idx[torch.arange(len(num)), torch.randint(k, (len(num),), generator=g)]
            u = torch.rand(len(num), 1, generator=g)
            new_num = num + u * (pool_num[pick] - num)
            new_cat = cat
            if cat.shape[1]:
                new_cat = torch.mode(pool_cat[nn_idx], dim=1).values
            self.queues[which].push(num, cat)
            return new_num, new_cat

        def train_step(self, b: Batch) -> dict[str, float]:
            aug_l = self.augment(b.num_l, b.cat_l, "l")
            aug_u = self.augment(b.num_u, b.cat_u, "u")
            num = torch.cat([b.num_l, b.num_u])
            cat = torch.cat([b.cat_l, b.cat_u])
            num_bar = torch.cat([aug_l[0], aug_u[0]])
            cat_bar = torch.cat([aug_l[1], aug_u[1]])
            # 1. classification head: known classes + "unlabeled"
            target = torch.cat([b.y_l, torch.full((len(b.num_u),), n_known, dtype=torch.long)])
            logits = self.classif(self.encoder(num, cat))
            logits_bar = self.classif(self.encoder(num_bar, cat_bar))
            ce = F.cross_entropy(logits, target)
            cons_l = F.mse_loss(logits, logits_bar)
            loss_l = p["w_classif"] * ce + (1 - p["w_classif"]) * cons_l
            self.opt_classif.zero_grad(set_to_none=True)
            loss_l.backward()
            self.opt_classif.step()
            # 2. clustering head on the unlabeled rows, with pairwise pseudo-labels
            z = self.encoder(b.num_u, b.cat_u)
            out = self.cluster(z)
            out_bar = self.cluster(self.encoder(aug_u[0], aug_u[1]))
            q = out.softmax(1)
            n_u = len(z)
            if n_u < 2:
                return {"loss": float(loss_l.detach()), "ce": scalar(ce)}
            with torch.no_grad():
                zn = F.normalize(z, dim=1)
                sim = zn @ zn.T
                sim.fill_diagonal_(-2.0)
                k = max(1, int(round(p["topk"] * n_u)))
                top = sim.topk(min(k, n_u - 1), dim=1).indices
                same = torch.zeros(n_u, n_u)
                same[torch.arange(n_u)[:, None], top] = 1.0
                same = torch.maximum(same, same.T)
                iu = torch.triu_indices(n_u, n_u, offset=1)
            pij = (q @ q.T)[iu[0], iu[1]].clamp(1e-7, 1 - 1e-7)
            bce = F.binary_cross_entropy(pij, same[iu[0], iu[1]])
            cons_u = F.mse_loss(out, out_bar)
            loss_u = p["w_cluster"] * bce + (1 - p["w_cluster"]) * cons_u
            self.opt_cluster.zero_grad(set_to_none=True)
            loss_u.backward()
            self.opt_cluster.step()
            return {
                "loss": float(loss_l.detach() + loss_u.detach()),
                "ce": scalar(ce),
                "pairwise_bce": scalar(bce),
            }

    return TabularNCD()


def _vime_with_linear_latent() -> Any:
    """VIME whose encoder is the paper's: ``Linear-Dropout-ReLU`` then a linear latent layer
    (a ReLU output would make every cosine similarity of the pseudo-labels non-negative)."""
    from torch import nn

    from ..deep.nets import Backbone, init_parameters
    from ..deep.pretrain import VIME

    class LinearLatent(Backbone):
        def __init__(self, body: Backbone):
            super().__init__()
            self.body = body
            self.out = nn.Linear(body.out_dim, body.out_dim)
            self.out_dim = body.out_dim

        def forward(self, num: Any, cat: Any) -> Any:
            return self.out(self.body(num, cat))

    class NCDVIME(VIME):
        def make_encoder(self, ctx: Any) -> Backbone:
            encoder = LinearLatent(ctx.backbone())
            init_parameters(encoder.out, ctx.generator)
            return encoder

    return NCDVIME()


def _run(epochs: int, batch_size: int, dropout: float) -> TrainingRun:
    """Training settings of a TabularNCD phase."""
    return TrainingRun(
        max_epochs=epochs,
        batch_size=batch_size,
        learning_rate=1e-3,
        weight_decay=1e-5,
        patience=epochs,
        hidden_layer_sizes=(),  # the encoder's widths are set once the input is known
        dropout=dropout,
        validation_fraction=0.0,
        name="TabularNCD (novel class discovery)",
    )


def tabularncd(
    X: Any,
    codes: np.ndarray,
    n_known: int,
    n_novel: int | None,
    *,
    estimate: Any = None,
    random_state: int = 0,
    **params: Any,
) -> dict[str, Any]:
    """Run TabularNCD on every row of ``X`` (``codes``: known class or -1 for unlabeled).

    With ``n_novel=None``, ``estimate(Z_unlabeled) -> (k, silhouette)`` picks the number of
    novel classes in the VIME-pretrained latent space before joint training.

    Returns a dict: ``assign`` (novel cluster of each unlabeled row), ``confidence`` (its
    clustering-head probability), ``representation`` (every row's final latent vector),
    ``n_novel``, ``silhouette``, ``history`` (pre-training and joint training records).
    """
    torch = import_torch("TabularNCD (novel class discovery)")
    from ..deep.loop import predict_logits

    unknown = sorted(set(params) - set(TABULARNCD_DEFAULTS))
    if unknown:
        raise TypeError(f"tabularncd got unexpected parameter(s) {unknown}")
    p = {**TABULARNCD_DEFAULTS, **params}
    unl = codes < 0
    # 1. VIME pre-training on every row (labels unused)
    pre = _run(p["pretrain_epochs"], p["batch_size"], p["dropout"])
    ctx, _ = pre.context(
        X, np.full(len(codes), -1), 1, np.random.RandomState(random_state), np.empty(0, int)
    )
    # the encoder keeps the input width, as in the paper: a hidden layer, then a linear layer
    # of the same width (see _vime_with_linear_latent)
    ctx.config.hidden = (max(8, ctx.n_numeric + sum(min(16, c) for c in ctx.cardinalities)),)
    vime = _vime_with_linear_latent()
    history = [{"phase": "vime", **r} for r in pre.train(vime, ctx)]
    encoder = copy.deepcopy(vime.encoder)

    def latent(enc: Any, data: Any) -> np.ndarray:
        enc.eval()
        with torch.no_grad():
            return predict_logits(enc, data.num, data.cat).double().numpy()

    silhouette = None
    if n_novel is None:
        Z0 = latent(encoder, ctx.data)
        n_novel, silhouette = estimate(Z0[unl])

    # 2. joint training: known classes + "unlabeled", and pairwise clustering of novel rows
    run = _run(p["epochs"], p["batch_size"], p["dropout"])
    jctx, _ = run.context(X, codes, n_known, np.random.RandomState(random_state))
    jctx.config.unlabeled_ratio = 1
    if p["topk"] == "auto":
        p["topk"] = 0.25 / int(n_novel)
    objective = _objective(n_known, int(n_novel), encoder, p)
    history += [{"phase": "joint", **r} for r in run.train(objective, jctx)]

    Z = latent(objective.encoder, jctx.data)
    with torch.no_grad():
        q = objective.cluster(torch.from_numpy(Z).float()).softmax(1).double().numpy()
    return {
        "assign": q[unl].argmax(1),
        "confidence": q[unl].max(1),
        "representation": Z,
        "n_novel": int(n_novel),
        "silhouette": silhouette,
        "history": history,
    }
