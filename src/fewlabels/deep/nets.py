"""Network parts: the MLP backbone with categorical embeddings, heads, and tabular views.

Every random draw (initial weights, dropout masks, corruption, noise) takes a
``torch.Generator``, so a fit is reproducible from ``random_state`` alone: nothing here
seeds or reads torch's global generator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "Backbone",
    "Dropout",
    "TabularEmbedding",
    "MLPBackbone",
    "Classifier",
    "FeatureTokenizer",
    "TokenEncoder",
    "init_parameters",
    "set_generator",
    "gaussian_noise",
    "corrupt",
    "Views",
]


class Dropout(nn.Module):
    """Dropout whose masks come from the module's ``generator`` (set by the training loop)."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.rand(x.shape, generator=self.generator) >= self.p
        return x * keep / (1.0 - self.p)


def set_generator(module: nn.Module, generator: torch.Generator | None) -> None:
    for m in module.modules():
        if isinstance(m, Dropout):
            m.generator = generator


def init_parameters(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default initialisation, drawn from ``generator`` instead of the global one."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.in_features)
                m.weight.uniform_(-bound, bound, generator=generator)
                if m.bias is not None:
                    m.bias.uniform_(-bound, bound, generator=generator)
            elif isinstance(m, nn.Embedding):
                m.weight.normal_(0.0, 1.0, generator=generator)
            elif isinstance(m, nn.MultiheadAttention) and m.in_proj_weight is not None:
                d_out, d_in = m.in_proj_weight.shape
                bound = math.sqrt(6.0 / (d_in + d_out))  # Xavier, as torch does
                m.in_proj_weight.uniform_(-bound, bound, generator=generator)
                if m.in_proj_bias is not None:
                    m.in_proj_bias.zero_()


def embedding_dim(cardinality: int) -> int:
    return int(min(16, max(2, round(1.6 * cardinality**0.56))))


class Backbone(nn.Module):
    """A network from ``(numeric, categorical codes)`` to one representation of width
    ``out_dim`` per row (what a :class:`Classifier` puts its head on)."""

    out_dim: int


class TabularEmbedding(nn.Module):
    """(numeric, categorical codes) -> one flat vector: numbers as they are, categories embedded."""

    def __init__(self, n_numeric: int, cardinalities: Sequence[int]):
        super().__init__()
        embeddings = [nn.Embedding(c, embedding_dim(c)) for c in cardinalities]
        self.embeddings = nn.ModuleList(embeddings)
        self.out_dim = n_numeric + sum(e.embedding_dim for e in embeddings)

    def forward(self, num: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        if not len(self.embeddings):
            return num
        parts = [num] + [emb(cat[:, j]) for j, emb in enumerate(self.embeddings)]
        return torch.cat(parts, dim=1)


class MLPBackbone(Backbone):
    """Embedding, then ``Linear -> ReLU -> Dropout`` blocks; ``forward`` gives the representation.

    ``body`` takes the flat embedded input, so objectives can mix or corrupt there (mixup).
    """

    def __init__(
        self,
        n_numeric: int,
        cardinalities: Sequence[int],
        hidden: Sequence[int] = (256, 256),
        dropout: float = 0.1,
    ):
        super().__init__()
        self.embed = TabularEmbedding(n_numeric, cardinalities)
        layers: list[nn.Module] = []
        width = self.embed.out_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), Dropout(dropout)]
            width = h
        self.layers = nn.Sequential(*layers)
        self.out_dim = width

    def body(self, flat: torch.Tensor) -> torch.Tensor:
        return self.layers(flat)

    def forward(self, num: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        return self.layers(self.embed(num, cat))


class Classifier(nn.Module):
    """A backbone and a linear head: ``forward`` gives logits, ``features`` the representation."""

    def __init__(self, backbone: Backbone, n_classes: int):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.out_dim, n_classes)

    def _mlp(self) -> MLPBackbone:
        if not isinstance(self.backbone, MLPBackbone):
            raise TypeError("mixing embedded inputs needs the MLP backbone")
        return self.backbone

    def features(self, num: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        return self.backbone(num, cat)

    def forward(self, num: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(num, cat))

    def embed(self, num: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        """The flat embedded input of the MLP backbone (see :meth:`from_flat`)."""
        return self._mlp().embed(num, cat)

    def from_flat(self, flat: torch.Tensor) -> torch.Tensor:
        """Logits from an already embedded input (for mixup in the embedding space)."""
        return self.head(self._mlp().body(flat))


class FeatureTokenizer(nn.Module):
    """Each feature becomes a token: value x weight + bias for numbers, an embedding for
    categories, plus a learned feature-index embedding (T-JEPA's tokenisation)."""

    def __init__(self, n_numeric: int, cardinalities: Sequence[int], dim: int):
        super().__init__()
        self.n_numeric = n_numeric
        self.num_weight = nn.Parameter(torch.zeros(n_numeric, dim))
        self.num_bias = nn.Parameter(torch.zeros(n_numeric, dim))
        self.cat_embeddings = nn.ModuleList(nn.Embedding(c, dim) for c in cardinalities)
        self.n_tokens = n_numeric + len(cardinalities)
        self.position = nn.Parameter(torch.zeros(self.n_tokens, dim))
        self.dim = dim

    def reset(self, generator: torch.Generator) -> None:
        with torch.no_grad():
            for p in (self.num_weight, self.num_bias, self.position):
                p.normal_(0.0, 0.02, generator=generator)

    def forward(self, num: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        tokens = num.unsqueeze(-1) * self.num_weight + self.num_bias
        if len(self.cat_embeddings):
            cats = torch.stack([e(cat[:, j]) for j, e in enumerate(self.cat_embeddings)], dim=1)
            tokens = torch.cat([tokens, cats], dim=1)
        return tokens + self.position


class TokenEncoder(nn.Module):
    """A small transformer over feature tokens, with learned regularisation tokens.

    ``forward(tokens, keep)`` encodes only the kept feature tokens (``keep``: bool mask of
    shape (n_tokens,)) and returns one latent per kept token; ``pooled`` averages all tokens.
    """

    def __init__(self, dim: int = 32, depth: int = 2, heads: int = 4, n_register: int = 2):
        super().__init__()
        layer = nn.TransformerEncoderLayer(
            dim, heads, dim_feedforward=2 * dim, dropout=0.0, batch_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.register = nn.Parameter(torch.zeros(n_register, dim))
        self.n_register = n_register
        self.out_dim = dim

    def reset(self, generator: torch.Generator) -> None:
        with torch.no_grad():
            self.register.normal_(0.0, 0.02, generator=generator)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        reg = self.register.unsqueeze(0).expand(tokens.shape[0], -1, -1)
        out = self.blocks(torch.cat([reg, tokens], dim=1))
        return out[:, self.n_register :]


class TokenBackbone(Backbone):
    """Tokenizer + encoder, pooled to one vector per row (the T-JEPA representation)."""

    def __init__(self, n_numeric: int, cardinalities: Sequence[int], dim: int = 32, depth: int = 2):
        super().__init__()
        self.tokenizer = FeatureTokenizer(n_numeric, cardinalities, dim)
        self.encoder = TokenEncoder(dim, depth)
        self.out_dim = dim

    def reset(self, generator: torch.Generator) -> None:
        init_parameters(self, generator)
        self.tokenizer.reset(generator)
        self.encoder.reset(generator)

    def forward(self, num: torch.Tensor, cat: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.tokenizer(num, cat)).mean(dim=1)


# ------------------------------------------------------------------ tabular views


def gaussian_noise(num: torch.Tensor, std: float, generator: torch.Generator) -> torch.Tensor:
    if std <= 0 or num.shape[1] == 0:
        return num
    return num + std * torch.randn(num.shape, generator=generator)


def corrupt(
    num: torch.Tensor,
    cat: torch.Tensor,
    rate: float,
    pool_num: torch.Tensor,
    pool_cat: torch.Tensor,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """SCARF / VIME corruption: each cell, with probability ``rate``, takes the value of the
    same feature in a random row of the pool (a draw from that feature's empirical marginal).

    Returns ``(num, cat, mask)`` with ``mask`` (n, n_num + n_cat) the corrupted cells.
    """
    n, p = num.shape
    q = cat.shape[1]
    mask = torch.rand((n, p + q), generator=generator) < rate
    rows = torch.randint(pool_num.shape[0], (n, p + q), generator=generator)
    if p:
        donor = pool_num[rows[:, :p], torch.arange(p)]
        num = torch.where(mask[:, :p], donor, num)
    if q:
        donor = pool_cat[rows[:, p:], torch.arange(q)]
        cat = torch.where(mask[:, p:], donor, cat)
    return num, cat, mask


class Views:
    """The weak and strong views of consistency methods.

    weak: Gaussian noise of ``weak_noise`` (standardized units) on numbers;
    strong: corruption at ``corruption_rate`` from the empirical marginals, plus
    ``strong_noise``.
    """

    def __init__(
        self,
        pool_num: torch.Tensor,
        pool_cat: torch.Tensor,
        generator: torch.Generator,
        weak_noise: float = 0.05,
        strong_noise: float = 0.1,
        corruption_rate: float = 0.3,
    ):
        self.pool_num, self.pool_cat, self.g = pool_num, pool_cat, generator
        self.weak_noise, self.strong_noise, self.rate = weak_noise, strong_noise, corruption_rate

    def weak(self, num: torch.Tensor, cat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return gaussian_noise(num, self.weak_noise, self.g), cat

    def strong(self, num: torch.Tensor, cat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        num, cat, _ = corrupt(num, cat, self.rate, self.pool_num, self.pool_cat, self.g)
        return gaussian_noise(num, self.strong_noise, self.g), cat
