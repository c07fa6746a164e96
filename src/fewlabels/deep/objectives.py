"""What each deep semi-supervised method optimises: one small class per method.

Every class here plugs into :func:`fewlabels.deep.loop.train`; none has a loop of its own.
Sources (``methods.md``, section 5): Lee 2013 (pseudo-label); Arazo et al. 2020 (soft
pseudo-labels, mixup, a minimum of labeled rows per batch, R_A and R_H); FixMatch,
FlexMatch and FreeMatch as in USB; Tarvainen & Valpola 2017 (Mean Teacher); Pham et al.
2021 (Meta Pseudo Labels); Odonnat et al. 2024 (diverse heads, T-similarity).
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from .loop import Batch, Context, Objective, predict_logits
from .loop import scalar as _f
from .nets import Views

__all__ = [
    "Supervised",
    "PseudoLabel",
    "MixupPseudoLabel",
    "Consistency",
    "FlexMatch",
    "FreeMatch",
    "MeanTeacher",
    "MetaPseudoLabels",
    "DiverseHeads",
    "mpl_teacher_signal",
    "t_similarity",
]


def _ramp(progress: float, length: float) -> float:
    """Sigmoid ramp-up exp(-5 (1 - t)^2) over the first ``length`` of training (Laine & Aila)."""
    if length <= 0:
        return 1.0
    t = min(1.0, progress / length)
    return math.exp(-5.0 * (1.0 - t) ** 2)


def _views(ctx: Context, weak_noise: float, strong_noise: float, rate: float) -> Views:
    d = ctx.data
    return Views(d.num, d.cat, ctx.generator, weak_noise, strong_noise, rate)


class Supervised(Objective):
    """Cross-entropy on the labeled rows only (the deep baseline).

    ``backbone_state`` starts the backbone from pre-trained weights (fine-tuning).
    """

    uses_unlabeled = False

    def __init__(self, backbone_state: dict | None = None):
        self.backbone_state = backbone_state

    def build(self, ctx: Context) -> None:
        super().build(ctx)
        if self.backbone_state is not None:
            self.model.backbone.load_state_dict(self.backbone_state)

    def loss(self, b: Batch):
        return F.cross_entropy(self.model(b.num_l, b.cat_l), b.y_l), {}


class PseudoLabel(Objective):
    """Lee (2013): hard pseudo-labels (the current argmax) on unlabeled rows, weight ramped up.

    ``threshold`` > 0 keeps only pseudo-labels at least that confident (0 is Lee's original).
    """

    def __init__(self, unlabeled_weight: float = 1.0, threshold: float = 0.0, rampup: float = 0.3):
        self.unlabeled_weight, self.threshold, self.rampup = unlabeled_weight, threshold, rampup

    def loss(self, b: Batch):
        logits = self.model(torch.cat([b.num_l, b.num_u]), torch.cat([b.cat_l, b.cat_u]))
        logits_l, logits_u = logits[: len(b.y_l)], logits[len(b.y_l) :]
        sup = F.cross_entropy(logits_l, b.y_l)
        conf, pseudo = F.softmax(logits_u.detach(), dim=1).max(dim=1)
        mask = (conf >= self.threshold).float()
        unsup = (F.cross_entropy(logits_u, pseudo, reduction="none") * mask).mean()
        w = self.unlabeled_weight * _ramp(self.ctx.progress, self.rampup)
        return sup + w * unsup, {"sup": _f(sup), "unsup": _f(unsup), "mask": _f(mask.mean())}


class MixupPseudoLabel(Objective):
    """Arazo et al. (2020): soft pseudo-labels from the previous epoch, mixup, regularisers.

    Warm-up epochs train on the labeled rows only; afterwards every unlabeled row carries the
    network's softmax from the end of the previous epoch (a forward pass without dropout),
    and labeled plus unlabeled rows are trained together with mixup on the embedded input.
    At least ``min_labeled_batch`` (16) labeled rows are in every batch.
    ``prior_weight`` (lambda_A) and ``entropy_weight`` (lambda_H) weigh R_A and R_H.
    """

    min_labeled_batch = 16

    def __init__(
        self,
        warmup_epochs: int = 10,
        mixup_alpha: float = 1.0,
        prior_weight: float = 0.8,
        entropy_weight: float = 0.4,
    ):
        self.warmup_epochs, self.mixup_alpha = warmup_epochs, mixup_alpha
        self.prior_weight, self.entropy_weight = prior_weight, entropy_weight

    def build(self, ctx: Context) -> None:
        super().build(ctx)
        self.soft: torch.Tensor | None = None

    def _refresh(self) -> None:
        d = self.ctx.data
        rows = d.unlabeled
        self.soft = F.softmax(predict_logits(self.model, d.num[rows], d.cat[rows]), dim=1)

    def on_epoch_end(self) -> None:
        if self.ctx.epoch + 1 >= self.warmup_epochs:
            self._refresh()

    def loss(self, b: Batch):
        C = self.ctx.data.n_classes
        target = F.one_hot(b.y_l, C).float()
        num, cat = b.num_l, b.cat_l
        if self.soft is not None and len(b.pos_u):
            target = torch.cat([target, self.soft[b.pos_u]])
            num, cat = torch.cat([num, b.num_u]), torch.cat([cat, b.cat_u])
        flat = self.model.embed(num, cat)
        lam = float(self.ctx.rng.beta(self.mixup_alpha, self.mixup_alpha))
        perm = torch.randperm(len(flat), generator=self.ctx.generator)
        mixed = lam * flat + (1 - lam) * flat[perm]
        mixed_target = lam * target + (1 - lam) * target[perm]
        logits = self.model.from_flat(mixed)
        logp = F.log_softmax(logits, dim=1)
        ce = -(mixed_target * logp).sum(dim=1).mean()
        if self.soft is None:
            return ce, {"ce": _f(ce)}
        p = logp.exp()
        mean_p = p.mean(dim=0)
        r_a = -(torch.log(mean_p + 1e-8)).sum() / C  # uniform prior p_c = 1/C
        r_h = -(p * logp).sum(dim=1).mean()
        loss = ce + self.prior_weight * r_a + self.entropy_weight * r_h
        return loss, {"ce": _f(ce), "r_a": _f(r_a), "r_h": _f(r_h)}


class Consistency(Objective):
    """FixMatch for tables, and the base of the FlexMatch and FreeMatch objectives.

    The pseudo-label of an unlabeled row is the argmax on its weak view (small Gaussian
    noise); the loss trains the strong view (SCARF-style corruption from the empirical
    marginals, plus noise) towards it where :meth:`mask` accepts it. Here the mask is
    FixMatch's: max probability >= ``threshold`` (0.95). :class:`FlexMatch` and
    :class:`FreeMatch` override :meth:`mask` (and :meth:`penalties`, FreeMatch's fairness).
    """

    def __init__(
        self,
        threshold: float = 0.95,
        unlabeled_weight: float = 1.0,
        weak_noise: float = 0.05,
        strong_noise: float = 0.1,
        corruption_rate: float = 0.3,
    ):
        self.threshold, self.unlabeled_weight = threshold, unlabeled_weight
        self.noise = (weak_noise, strong_noise, corruption_rate)

    def build(self, ctx: Context) -> None:
        super().build(ctx)
        self.views = _views(ctx, *self.noise)

    def mask(
        self, probs: torch.Tensor, conf: torch.Tensor, pseudo: torch.Tensor, pos: torch.Tensor
    ) -> torch.Tensor:
        """Which pseudo-labels of the batch count (bool, one per unlabeled row).

        ``probs``: weak-view probabilities; ``conf``, ``pseudo``: their max and argmax;
        ``pos``: the rows' positions in ``ctx.data.unlabeled``.
        """
        return conf >= self.threshold

    def penalties(
        self, mask: torch.Tensor, logits_s: torch.Tensor
    ) -> list[tuple[str, float, torch.Tensor]]:
        """Extra loss terms on the strong views, as ``(name, weight, term)`` (none here)."""
        return []

    def loss(self, b: Batch):
        v = self.views
        num_lw, cat_lw = v.weak(b.num_l, b.cat_l)
        num_uw, cat_uw = v.weak(b.num_u, b.cat_u)
        num_us, cat_us = v.strong(b.num_u, b.cat_u)
        n_l, n_u = len(b.y_l), len(b.pos_u)
        logits = self.model(
            torch.cat([num_lw, num_uw, num_us]), torch.cat([cat_lw, cat_uw, cat_us])
        )
        logits_l, logits_uw, logits_us = logits[:n_l], logits[n_l : n_l + n_u], logits[n_l + n_u :]
        sup = F.cross_entropy(logits_l, b.y_l)
        probs = F.softmax(logits_uw.detach(), dim=1)
        conf, pseudo = probs.max(dim=1)
        mask = self.mask(probs, conf, pseudo, b.pos_u)
        unsup = (F.cross_entropy(logits_us, pseudo, reduction="none") * mask.float()).mean()
        loss = sup + self.unlabeled_weight * unsup
        logs = {"sup": _f(sup), "unsup": _f(unsup), "mask": _f(mask.float().mean())}
        for name, weight, term in self.penalties(mask, logits_us):
            loss = loss + weight * term
            logs[name] = _f(term)
        return loss, logs


class FlexMatch(Consistency):
    """FlexMatch's mask (as in USB): class-wise thresholds threshold * beta_c / (2 - beta_c)
    from each class's learning status (rows whose last confident prediction was that class,
    with warm-up)."""

    def build(self, ctx: Context) -> None:
        super().build(ctx)
        self.selected = torch.full((len(ctx.data.unlabeled),), -1, dtype=torch.long)

    def mask(
        self, probs: torch.Tensor, conf: torch.Tensor, pseudo: torch.Tensor, pos: torch.Tensor
    ) -> torch.Tensor:
        C = probs.shape[1]
        counts = torch.bincount(self.selected + 1, minlength=C + 1).float()
        sigma = counts[1:]
        beta = sigma / counts.max().clamp(min=1.0)  # warm-up: unused rows count in the max
        tau = self.threshold * beta / (2.0 - beta)
        mask = conf >= tau[pseudo]
        over = conf >= self.threshold
        self.selected[pos[over]] = pseudo[over]
        return mask


class FreeMatch(Consistency):
    """FreeMatch's mask (as in USB): a self-adaptive global threshold (EMA of the mean
    confidence, momentum ``ema``) scaled per class by the EMA class distribution, plus the
    self-adaptive fairness term (weight ``fairness_weight``). ``threshold`` is unused."""

    def __init__(
        self,
        ema: float = 0.999,
        fairness_weight: float = 0.01,
        threshold: float = 0.95,
        unlabeled_weight: float = 1.0,
        weak_noise: float = 0.05,
        strong_noise: float = 0.1,
        corruption_rate: float = 0.3,
    ):
        super().__init__(threshold, unlabeled_weight, weak_noise, strong_noise, corruption_rate)
        self.ema, self.fairness_weight = ema, fairness_weight

    def build(self, ctx: Context) -> None:
        super().build(ctx)
        C = ctx.data.n_classes
        self.p_model = torch.full((C,), 1.0 / C)
        self.label_hist = torch.full((C,), 1.0 / C)
        self.time_p = torch.tensor(1.0 / C)

    def mask(
        self, probs: torch.Tensor, conf: torch.Tensor, pseudo: torch.Tensor, pos: torch.Tensor
    ) -> torch.Tensor:
        m = self.ema
        self.time_p = self.time_p * m + (1 - m) * conf.mean()
        self.p_model = self.p_model * m + (1 - m) * probs.mean(dim=0)
        hist = torch.bincount(pseudo, minlength=probs.shape[1]).float() / max(1, len(pseudo))
        self.label_hist = self.label_hist * m + (1 - m) * hist
        scale = self.p_model / self.p_model.max()
        return conf >= self.time_p * scale[pseudo]

    def penalties(
        self, mask: torch.Tensor, logits_s: torch.Tensor
    ) -> list[tuple[str, float, torch.Tensor]]:
        if not self.fairness_weight:
            return []
        return [("fairness", self.fairness_weight, self._fairness(mask, logits_s))]

    def _fairness(self, mask: torch.Tensor, logits_s: torch.Tensor) -> torch.Tensor:
        """FreeMatch's self-adaptive fairness term (USB's ``entropy_loss``)."""
        if not mask.any():
            return logits_s.sum() * 0.0
        prob_s = F.softmax(logits_s[mask], dim=1)
        C = prob_s.shape[1]
        hist_s = torch.bincount(prob_s.argmax(1), minlength=C).float()
        hist_s = hist_s / hist_s.sum()
        mod_model = self.p_model * torch.nan_to_num(1 / self.label_hist, posinf=0.0)
        mod_model = mod_model / mod_model.sum()
        mean_s = prob_s.mean(dim=0) * torch.nan_to_num(1 / hist_s, posinf=0.0).detach()
        mean_s = mean_s / mean_s.sum()
        return (mod_model * torch.log(mean_s + 1e-12)).sum()


@torch.no_grad()
def _ema_update(target: nn.Module, source: nn.Module, decay: float) -> None:
    for t, s in zip(target.parameters(), source.parameters(), strict=True):
        t.mul_(decay).add_(s.detach(), alpha=1 - decay)


class MeanTeacher(Objective):
    """Tarvainen & Valpola (2017): a teacher that is the EMA of the student's weights.

    Consistency is the squared difference of the two softmaxes on independently noised
    views of every row, weighted up to ``consistency_weight`` by a sigmoid ramp over
    ``rampup`` of training; the teacher predicts.
    """

    def __init__(
        self,
        consistency_weight: float = 10.0,
        ema: float = 0.99,
        rampup: float = 0.3,
        noise: float = 0.1,
    ):
        self.consistency_weight, self.ema, self.rampup, self.noise = (
            consistency_weight,
            ema,
            rampup,
            noise,
        )

    def build(self, ctx: Context) -> None:
        super().build(ctx)
        self.teacher = copy.deepcopy(self.model)
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.views = _views(ctx, self.noise, 0.0, 0.0)

    def modules(self):
        return {"model": self.model, "teacher": self.teacher}

    def predictor(self):
        return self.teacher

    def loss(self, b: Batch):
        num, cat = torch.cat([b.num_l, b.num_u]), torch.cat([b.cat_l, b.cat_u])
        s_logits = self.model(*self.views.weak(num, cat))
        with torch.no_grad():
            t_prob = F.softmax(self.teacher(*self.views.weak(num, cat)), dim=1)
        sup = F.cross_entropy(s_logits[: len(b.y_l)], b.y_l)
        cons = ((F.softmax(s_logits, dim=1) - t_prob) ** 2).sum(dim=1).mean()
        w = self.consistency_weight * _ramp(self.ctx.progress, self.rampup)
        return sup + w * cons, {"sup": _f(sup), "consistency": _f(cons)}

    def after_step(self) -> None:
        decay = min(self.ema, 1.0 - 1.0 / (self.ctx.step + 2))
        _ema_update(self.teacher, self.model, decay)


def mpl_teacher_signal(student_loss_before: float, student_loss_after: float) -> float:
    """The scalar h of Meta Pseudo Labels' first-order teacher update.

    The teacher should minimise the student's labeled loss after the student's step on the
    teacher's pseudo-label y_u. With S' = S - eta grad CE(y_u, S), a first-order expansion gives
    CE_l(S') - CE_l(S) = -eta grad CE_l . grad CE_u, and the score-function gradient of the
    teacher is (CE_l(S') - b) grad log P_T(y_u); with the baseline b = CE_l(S) the teacher
    descends h * grad CE(y_u, T) with ``h = before - after``. A pseudo-label that lowered
    the student's labeled loss (h > 0) is made more likely; one that raised it, less likely.
    (The opposite sign, ``after - before``, circulates in ports of the official code and
    teaches the teacher to prefer harmful labels; ``tests/test_deep.py`` pins this sign.)
    """
    return student_loss_before - student_loss_after


class MetaPseudoLabels(Objective):
    """Pham et al. (2021): the teacher learns from how its pseudo-labels change the student.

    Per step: the teacher labels the strong view of an unlabeled batch; the student takes
    one step on those hard labels; the teacher is updated by its supervised loss, a UDA
    consistency term (weak-view soft targets, ``uda_threshold``, ``uda_temperature``) and
    ``h * CE(teacher, pseudo-label)`` with ``h`` from :func:`mpl_teacher_signal`, centred by
    a moving average (rate 0.01). The student starts after ``student_wait`` of training (the
    official code waits 3,000 steps); early stopping watches it from then. The student
    predicts, after ``finetune_steps`` on the labeled rows.
    """

    def __init__(
        self,
        uda_weight: float = 1.0,
        uda_threshold: float = 0.6,
        uda_temperature: float = 0.7,
        finetune_steps: int = 50,
        student_wait: float = 0.1,
        weak_noise: float = 0.05,
        strong_noise: float = 0.1,
        corruption_rate: float = 0.3,
    ):
        self.uda_weight, self.uda_threshold, self.uda_temperature = (
            uda_weight,
            uda_threshold,
            uda_temperature,
        )
        self.finetune_steps, self.student_wait = finetune_steps, student_wait
        self.noise = (weak_noise, strong_noise, corruption_rate)

    def build(self, ctx: Context) -> None:
        self.ctx = ctx
        self.teacher = ctx.classifier()
        self.model = ctx.classifier()  # the student
        self.t_opt = ctx.optimizer(self.teacher.parameters())
        self.optimizer = ctx.optimizer(self.model.parameters())
        self.views = _views(ctx, *self.noise)
        self.baseline = 0.0

    def modules(self):
        return {"model": self.model, "teacher": self.teacher}

    def train_step(self, b: Batch) -> dict[str, float]:
        v = self.views
        n_l, n_u = len(b.y_l), len(b.pos_u)
        num_uw, cat_uw = v.weak(b.num_u, b.cat_u)
        num_us, cat_us = v.strong(b.num_u, b.cat_u)
        t_logits = self.teacher(
            torch.cat([b.num_l, num_uw, num_us]), torch.cat([b.cat_l, cat_uw, cat_us])
        )
        t_l, t_uw, t_us = t_logits[:n_l], t_logits[n_l : n_l + n_u], t_logits[n_l + n_u :]
        t_sup = F.cross_entropy(t_l, b.y_l)
        soft = F.softmax(t_uw.detach() / self.uda_temperature, dim=1)
        uda_mask = (soft.max(dim=1).values >= self.uda_threshold).float()
        t_uda = (-(soft * F.log_softmax(t_us, dim=1)).sum(dim=1) * uda_mask).mean()
        pseudo = t_us.detach().argmax(dim=1)
        t_loss = t_sup + self.uda_weight * t_uda
        h, s_loss = 0.0, 0.0
        if self.ctx.progress >= self.student_wait:  # the student waits for a trained teacher
            h, s_loss = self.student_step(b, num_us, cat_us, pseudo)
            t_loss = t_loss + self.teacher_term(t_us, pseudo, h)
        self.t_opt.zero_grad(set_to_none=True)
        t_loss.backward()
        self.t_opt.step()
        return {"loss": _f(t_loss.detach()), "student": s_loss, "h": h, "t_sup": _f(t_sup)}

    def student_step(self, b: Batch, num_u, cat_u, pseudo) -> tuple[float, float]:
        """One student step on the teacher's labels; returns (h, the student's loss on them)."""
        with torch.no_grad():
            before = float(F.cross_entropy(self.model(b.num_l, b.cat_l), b.y_l))
        s_loss = F.cross_entropy(self.model(num_u, cat_u), pseudo)
        self.optimizer.zero_grad(set_to_none=True)
        s_loss.backward()
        self.optimizer.step()
        with torch.no_grad():
            after = float(F.cross_entropy(self.model(b.num_l, b.cat_l), b.y_l))
        return mpl_teacher_signal(before, after), float(s_loss.detach())

    def monitoring(self) -> bool:
        return self.ctx.progress >= self.student_wait

    def teacher_term(self, t_logits: torch.Tensor, pseudo: torch.Tensor, h: float) -> torch.Tensor:
        """The teacher's meta term: (h - moving baseline) * CE(teacher, its pseudo-labels)."""
        self.baseline = 0.99 * self.baseline + 0.01 * h
        return (h - self.baseline) * F.cross_entropy(t_logits, pseudo)

    def finish(self) -> None:
        d = self.ctx.data
        if not self.finetune_steps or not len(d.labeled):
            return
        opt = self.ctx.optimizer(self.model.parameters(), lr=self.ctx.config.learning_rate / 10)
        self.model.train()
        g = self.ctx.generator
        bs = min(self.ctx.config.batch_size, len(d.labeled))
        for _ in range(self.finetune_steps):
            rows = d.labeled[torch.randint(len(d.labeled), (bs,), generator=g)]
            loss = F.cross_entropy(self.model(d.num[rows], d.cat[rows]), d.y[rows])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        self.model.eval()


def t_similarity(probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """T-similarity of M heads' probabilities (shape (M, n, C)).

    Returns ``(s, s_c)``: s_T(x) = 1/(M(M-1)) sum_{m != k} p_m(x) . p_k(x) and its class-wise
    terms (Odonnat et al. 2024, Definition 3.1), computed as (|sum p|^2 - sum |p|^2).
    """
    M = probs.shape[0]
    total = probs.sum(dim=0)
    classwise = (total**2 - (probs**2).sum(dim=0)) / (M * (M - 1))
    return classwise.sum(dim=1), classwise


class DiverseHeads(Objective):
    """The T-similarity network (tsim code): a backbone with a prediction head trained by
    cross-entropy, and ``n_heads`` linear heads on the *detached* representation trained by
    cross-entropy plus ``gamma`` times the mean T-similarity on unlabeled rows (diversity)."""

    def __init__(self, n_heads: int = 5, gamma: float = 1.0):
        self.n_heads, self.gamma = n_heads, gamma

    def build(self, ctx: Context) -> None:
        super().build(ctx)
        from .nets import init_parameters

        width = self.model.backbone.out_dim
        self.heads = nn.ModuleList(
            nn.Linear(width, ctx.data.n_classes) for _ in range(self.n_heads)
        )
        init_parameters(self.heads, ctx.generator)
        self.optimizer = ctx.optimizer(
            list(self.model.parameters()) + list(self.heads.parameters())
        )

    def modules(self):
        return {"model": self.model, "heads": self.heads}

    def loss(self, b: Batch):
        f = self.model.features(torch.cat([b.num_l, b.num_u]), torch.cat([b.cat_l, b.cat_u]))
        f_l, f_u = f[: len(b.y_l)], f[len(b.y_l) :].detach()
        sup = F.cross_entropy(self.model.head(f_l), b.y_l)
        heads_sup = (
            sum((F.cross_entropy(h(f_l.detach()), b.y_l) for h in self.heads), f_l.new_zeros(()))
            / self.n_heads
        )
        loss = sup + heads_sup
        logs = {"sup": _f(sup), "heads": _f(heads_sup)}
        if len(f_u):
            probs = torch.stack([F.softmax(h(f_u), dim=1) for h in self.heads])
            s, _ = t_similarity(probs)
            loss = loss + self.gamma * s.mean()
            logs["t_similarity"] = _f(s.mean())
        return loss, logs
