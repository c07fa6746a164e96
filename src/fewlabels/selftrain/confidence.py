"""Confidence measures for pseudo-labeling.

Pure functions on probability matrices, and measure objects that the self-training loop
calls with one hook: ``fit(context)`` (optional) then ``score(proba, X) -> (confidence, votes)``.
``votes`` is the (n, n_classes) matrix a policy such as MSLA thresholds class by class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import Interval, validate_params

__all__ = [
    "CommitteeAgreement",
    "ConfidenceContext",
    "ConfidenceMeasure",
    "Entropy",
    "Margin",
    "MaxProbability",
    "TSimilarity",
    "entropy_confidence",
    "margin",
    "max_probability",
    "t_similarity",
]


def max_probability(P: np.ndarray) -> np.ndarray:
    """The probability of the predicted class.

    >>> max_probability(np.array([[0.7, 0.3], [0.5, 0.5]])).tolist()
    [0.7, 0.5]
    """
    return np.asarray(P).max(axis=1)


def margin(P: np.ndarray) -> np.ndarray:
    """Top probability minus the runner-up.

    >>> margin(np.array([[0.7, 0.2, 0.1], [0.4, 0.4, 0.2]])).round(3).tolist()
    [0.5, 0.0]
    """
    P = np.asarray(P)
    if P.shape[1] < 2:
        return np.ones(P.shape[0])
    top2 = np.partition(P, -2, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def entropy_confidence(P: np.ndarray) -> np.ndarray:
    """1 - H(p) / log(n_classes): 1 for a certain row, 0 for a uniform one.

    >>> entropy_confidence(np.array([[1.0, 0.0], [0.5, 0.5]])).round(6).tolist()
    [1.0, 0.0]
    """
    P = np.asarray(P)
    C = P.shape[1]
    if C < 2:
        return np.ones(P.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        H = -np.where(P > 0, P * np.log(P), 0.0).sum(axis=1)
    return 1.0 - H / np.log(C)


@validate_params(
    {"head_probas": ["array-like"], "classwise": ["boolean"]}, prefer_skip_nested_validation=True
)
def t_similarity(head_probas: Any, classwise: bool = False) -> np.ndarray:
    """T-similarity of an ensemble of M heads (Odonnat, Feofanov, Redko, AISTATS 2024).

    s_T(x) = 1/(M(M-1)) sum over pairs m != k of p_m(x) . p_k(x), in [0, 1]: high when the
    heads agree (and are sure). The class-wise variant returns, per class c,
    1/(M(M-1)) sum_{m != k} p_m^c(x) p_k^c(x).

    Parameters
    ----------
    head_probas : array of shape (M, n, n_classes)
    classwise : bool, default=False

    Returns
    -------
    ndarray of shape (n,) or (n, n_classes)

    Examples
    --------
    >>> same = np.array([[[1.0, 0.0]], [[1.0, 0.0]]])
    >>> split = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    >>> t_similarity(same).tolist(), t_similarity(split).tolist()
    ([1.0], [0.0])
    """
    H = np.asarray(head_probas, dtype=float)
    M = H.shape[0]
    if M < 2:
        raise ValueError("T-similarity needs at least 2 heads")
    S = H.sum(axis=0)  # (n, C)
    pair = S**2 - (H**2).sum(axis=0)  # sum over m != k of p_m^c p_k^c, per class
    pair /= M * (M - 1)
    return pair if classwise else pair.sum(axis=1)


@dataclass
class ConfidenceContext:
    """What a confidence measure may learn from at one round of self-training."""

    X_labeled: Any
    y_labeled: np.ndarray
    X_unlabeled: Any
    n_classes: int
    estimator: Any
    random_state: np.random.RandomState
    sample_weight: np.ndarray | None = None
    fitted_model: Any = (
        None  # the current round's fitted model, for measures that use its embedding
    )


class ConfidenceMeasure(BaseEstimator):
    """Base class: ``fit`` (optional) learns from the current round, ``score`` rates rows."""

    #: Whether the measure must be refitted at every round.
    needs_fit: bool = False

    def fit(self, context: ConfidenceContext) -> ConfidenceMeasure:
        return self

    def score(self, proba: np.ndarray, X: Any) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


class MaxProbability(ConfidenceMeasure):
    """The base model's probability of its predicted class (scikit-learn's criterion)."""

    def score(self, proba: np.ndarray, X: Any) -> tuple[np.ndarray, np.ndarray]:
        return max_probability(proba), proba


class Margin(ConfidenceMeasure):
    """Top probability minus the runner-up."""

    def score(self, proba: np.ndarray, X: Any) -> tuple[np.ndarray, np.ndarray]:
        return margin(proba), proba


class Entropy(ConfidenceMeasure):
    """1 - normalized entropy of the base model's probabilities."""

    def score(self, proba: np.ndarray, X: Any) -> tuple[np.ndarray, np.ndarray]:
        return entropy_confidence(proba), proba


class CommitteeAgreement(ConfidenceMeasure):
    """Agreement of a bagged committee: the share of members voting for the predicted class.

    Each round, ``n_members`` clones of the base model are fitted on bootstrap resamples of
    the currently labeled rows (stratified, so every class stays present).

    Parameters
    ----------
    n_members : int, default=7
    """

    needs_fit = True
    _parameter_constraints: dict = {"n_members": [Interval(Integral, 2, None, closed="left")]}

    def __init__(self, n_members: int = 7):
        self.n_members = n_members

    def fit(self, context: ConfidenceContext) -> CommitteeAgreement:
        from sklearn.utils import _safe_indexing

        rng = context.random_state
        y = context.y_labeled
        self.members_ = []
        for _ in range(self.n_members):
            idx = np.concatenate(
                [
                    rng.choice(np.flatnonzero(y == c), (y == c).sum(), replace=True)
                    for c in np.unique(y)
                ]
            )
            member = clone(context.estimator)
            if "random_state" in member.get_params():
                member.set_params(random_state=int(rng.randint(2**31 - 1)))
            self.members_.append(member.fit(_safe_indexing(context.X_labeled, idx), y[idx]))
        self.n_classes_ = context.n_classes
        return self

    def score(self, proba: np.ndarray, X: Any) -> tuple[np.ndarray, np.ndarray]:
        votes = np.zeros((proba.shape[0], self.n_classes_))
        for m in self.members_:
            pred = m.classes_[np.argmax(m.predict_proba(X), axis=1)]
            votes[np.arange(len(pred)), pred] += 1.0
        votes /= len(self.members_)
        return votes[np.arange(len(votes)), np.argmax(proba, axis=1)], votes


def model_embedding(model: Any) -> Any:
    """A function X -> the model's own representation of X, or None if it has none.

    For a fitted scikit-learn ``MLPClassifier`` (also inside a pipeline's last step), it is
    the last hidden layer's activations, the representation the T-similarity paper puts
    its heads on.
    """
    from sklearn.neural_network import MLPClassifier

    inner = model.steps[-1][1] if hasattr(model, "steps") else model
    if not isinstance(inner, MLPClassifier) or not hasattr(inner, "coefs_"):
        return None
    layers = list(zip(inner.coefs_[:-1], inner.intercepts_[:-1], strict=True))
    activations: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "relu": lambda a: np.maximum(a, 0),
        "tanh": np.tanh,
        "logistic": lambda a: 1 / (1 + np.exp(-a)),
        "identity": lambda a: a,
    }
    act = activations[inner.activation]
    prefix: Any = model[:-1] if hasattr(model, "steps") else None

    def embed(X: Any) -> np.ndarray:
        a = np.asarray(prefix.transform(X) if prefix is not None else X, dtype=float)
        for W, b in layers:
            a = act(a @ W + b)
        return a

    return embed


def _softmax(Z: np.ndarray) -> np.ndarray:
    Z = Z - Z.max(axis=-1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=-1, keepdims=True)


class TSimilarity(ConfidenceMeasure):
    """T-similarity of diverse linear heads (Odonnat et al., AISTATS 2024), in NumPy.

    M linear softmax heads are trained on a representation of the table (the base model's
    own embedding where it has one, the last hidden layer of an ``MLPClassifier``;
    otherwise a standardized numeric encoding) with the paper's objective: the mean cross-entropy of the heads on the labeled rows
    plus ``gamma`` times the mean T-similarity on unlabeled rows (minimizing agreement
    on unlabeled data makes the heads diverse there). The confidence of a row is its
    T-similarity; the votes (for class-wise policies such as MSLA) are the class-wise
    T-similarities. Unlike softmax confidence, it stays low where the labeled rows say
    little, which is what protects self-training under sample-selection bias.

    Parameters
    ----------
    n_heads : int, default=5
    gamma : float, default=1.0
        Strength of the diversity term.
    n_steps : int, default=300
        Adam steps (full batch on labeled rows, ``batch_size`` unlabeled rows a step).
    learning_rate : float, default=0.01
    batch_size : int, default=512
    alpha : float, default=1e-3
        L2 penalty on the head weights.
    """

    needs_fit = True
    _parameter_constraints: dict = {
        "n_heads": [Interval(Integral, 2, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_heads: int = 5,
        gamma: float = 1.0,
        n_steps: int = 300,
        learning_rate: float = 0.01,
        batch_size: int = 512,
        alpha: float = 1e-3,
    ):
        self.n_heads = n_heads
        self.gamma = gamma
        self.n_steps = n_steps
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.alpha = alpha

    def _encode(self, X: Any) -> np.ndarray:
        Z = np.asarray(self.encoder_(X), dtype=float)
        return (Z - self.center_) / self.scale_

    def fit(self, context: ConfidenceContext) -> TSimilarity:
        from ..data.encoder import NumericView

        embed = model_embedding(context.fitted_model) if context.fitted_model is not None else None
        if embed is None:
            embed = NumericView().fit(context.X_labeled).transform
        self.encoder_ = embed
        raw = np.asarray(embed(context.X_labeled), dtype=float)
        self.center_ = raw.mean(axis=0)
        std = raw.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        Zl = self._encode(context.X_labeled)
        Zu = self._encode(context.X_unlabeled) if context.X_unlabeled is not None else Zl[:0]
        self.W_, self.b_ = fit_diverse_heads(
            Zl,
            context.y_labeled,
            Zu,
            context.n_classes,
            self.n_heads,
            self.gamma,
            self.n_steps,
            self.learning_rate,
            self.batch_size,
            self.alpha,
            context.random_state,
        )
        return self

    def head_probas(self, X: Any) -> np.ndarray:
        Z = self._encode(X)
        return _softmax(np.einsum("nd,mdc->mnc", Z, self.W_) + self.b_[:, None, :])

    def score(self, proba: np.ndarray, X: Any) -> tuple[np.ndarray, np.ndarray]:
        H = self.head_probas(X)
        return t_similarity(H), t_similarity(H, classwise=True)


def fit_diverse_heads(
    Zl: np.ndarray,
    yl: np.ndarray,
    Zu: np.ndarray,
    n_classes: int,
    n_heads: int,
    gamma: float,
    n_steps: int,
    learning_rate: float,
    batch_size: int,
    alpha: float,
    rng: np.random.RandomState,
) -> tuple[np.ndarray, np.ndarray]:
    """Train M linear softmax heads: mean CE on labeled rows + gamma * mean T-sim on unlabeled.

    Returns weights (M, d, C) and biases (M, C). Plain NumPy with Adam.
    """
    M, d, C = n_heads, Zl.shape[1], n_classes
    W = rng.normal(0, 1.0 / np.sqrt(max(d, 1)), (M, d, C))
    b = np.zeros((M, C))
    Y = np.eye(C)[yl]
    params = [W, b]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    nl = max(len(Zl), 1)
    for t in range(1, n_steps + 1):
        Pl = _softmax(np.einsum("nd,mdc->mnc", Zl, W) + b[:, None, :])  # (M, nl, C)
        G = (Pl - Y[None]) / (M * nl)  # d(mean CE)/d logits
        gW = np.einsum("nd,mnc->mdc", Zl, G)
        gb = G.sum(axis=1)
        if gamma > 0 and len(Zu):
            Zb = Zu[rng.randint(0, len(Zu), min(batch_size, len(Zu)))]
            Pu = _softmax(np.einsum("nd,mdc->mnc", Zb, W) + b[:, None, :])
            S = Pu.sum(axis=0)
            # d s_T / d p_m = 2 (S - p_m) / (M (M-1)); through the softmax Jacobian
            g = 2.0 * (S[None] - Pu) / (M * (M - 1))
            Gu = Pu * (g - (Pu * g).sum(axis=-1, keepdims=True))
            Gu *= gamma / len(Zb)
            gW += np.einsum("nd,mnc->mdc", Zb, Gu)
            gb += Gu.sum(axis=1)
        gW += alpha * W
        for p, g_, a, v in zip(params, (gW, gb), m1, m2, strict=True):
            a *= b1
            a += (1 - b1) * g_
            v *= b2
            v += (1 - b2) * g_**2
            p -= learning_rate * (a / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return W, b
