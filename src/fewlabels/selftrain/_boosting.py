"""Continued boosting across self-training rounds without rebinning or re-predicting."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing

__all__ = ["BoostingChain"]

_ROUNDS_ALIASES = (
    "num_iterations",
    "num_iteration",
    "n_iter",
    "num_tree",
    "num_trees",
    "num_round",
    "num_rounds",
    "nrounds",
    "num_boost_round",
    "n_estimators",
    "max_iter",
)


def _raw_from_output(params: dict[str, Any]) -> Any:
    """The inverse of LightGBM's output transform for its classification objectives, or None."""
    objective = str(params.get("objective", ""))
    if objective == "binary":
        sigmoid = float(params.get("sigmoid", 1.0))

        def logit(p: np.ndarray) -> np.ndarray:
            p = np.clip(p, np.finfo(float).tiny, np.nextafter(1.0, 0.0))
            return (np.log(p) - np.log1p(-p)) / sigmoid

        return logit
    if objective in ("multiclass", "softmax"):
        return lambda p: np.log(np.maximum(p, np.finfo(float).tiny))
    return None


class BoostingChain:
    """LightGBM stages whose raw scores add up: one model fitted in several rounds.

    Stage 0 is an ordinary ``LGBMClassifier`` fit on the labeled rows. Each later stage fits
    ``n_estimators`` new trees on the current training rows starting from their current raw
    scores (``init_score``), which is what continuing the booster does. Two costs of a
    naive continuation are avoided: the table is binned once for all rows (later stages
    train on subsets of that binned dataset), and the caller keeps every row's raw score
    up to date by predicting only the new trees.

    Attributes
    ----------
    stages : list
        The first ``LGBMClassifier``, then ``lightgbm.Booster`` objects.
    classes_ : ndarray
        Class codes (0 .. n_classes - 1).
    """

    def __init__(self, stages: list[Any], classes: np.ndarray, params: dict[str, Any]):
        self.stages = stages
        self.classes_ = classes
        self.params = params
        self.class_weight: Any = None
        self._binned: Any = None

    @classmethod
    def start(cls, base: Any, X: Any, rows: np.ndarray, y: np.ndarray) -> BoostingChain:
        """Fit stage 0 on ``X[rows]`` and bin all of ``X`` for the later stages."""
        import lightgbm as lgb

        first = clone(base).fit(_safe_indexing(X, rows), y)
        params = {k: v for k, v in first.booster_.params.items() if k not in _ROUNDS_ALIASES}
        chain = cls([first], np.asarray(first.classes_), params)
        # the scikit-learn wrapper turns class_weight into sample weights, which are not
        # booster parameters: later stages apply it themselves
        chain.class_weight = getattr(first, "class_weight", None)
        chain._binned = lgb.Dataset(
            X, label=np.zeros(X.shape[0]), params=params, free_raw_data=False
        ).construct()
        return chain

    def add_stage(
        self,
        n_estimators: int,
        rows: np.ndarray,
        y: np.ndarray,
        init_raw: np.ndarray,
        sample_weight: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Fit ``n_estimators`` trees on ``rows`` on top of ``init_raw``.

        Returns the raw scores of ``rows`` after the new trees, read from the booster's own
        training scores instead of predicting those rows again (``None`` when the objective's
        output cannot be turned back into raw scores; the caller then predicts). For the
        softmax objective the scores are shifted by a constant per row, which no probability
        or later stage can see.
        """
        import lightgbm as lgb

        subset = self._binned.subset(np.asarray(rows, dtype=np.int32)).construct()
        subset.set_label(y)
        subset.set_init_score(init_raw.ravel(order="F") if init_raw.ndim == 2 else init_raw)
        if self.class_weight is not None:
            from sklearn.utils.class_weight import compute_sample_weight

            by_class = compute_sample_weight(self.class_weight, y)
            sample_weight = by_class if sample_weight is None else sample_weight * by_class
        if sample_weight is not None:
            subset.set_weight(sample_weight)
        invert = _raw_from_output(self.params)
        trained: list[np.ndarray] = []

        def keep_training_scores(env: Any) -> None:
            if invert is not None and env.iteration == env.end_iteration - 1:

                def record(out: Any, _: Any) -> tuple[str, float, bool]:
                    trained.append(invert(out))
                    return ("", 0.0, False)

                env.model.eval_train(record)

        booster = lgb.train(
            {**self.params, "metric": "None"},
            subset,
            num_boost_round=n_estimators,
            callbacks=[keep_training_scores],
        )
        self.stages.append(booster)
        return trained[0] if trained else None

    def release(self) -> None:
        """Drop the binned training table (it is not part of the model)."""
        self._binned = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_binned"] = None
        return state

    def raw_score(self, X: Any, stages: slice = slice(None)) -> np.ndarray:
        total = np.asarray(0.0)  # broadcasts like the 0 of an empty sum
        for s in self.stages[stages]:
            total = total + np.asarray(s.predict(X, raw_score=True), dtype=float)
        return total

    @staticmethod
    def proba_from_raw(raw: np.ndarray) -> np.ndarray:
        if raw.ndim == 1:  # binary: the raw score is the log-odds of class 1
            p1 = 1.0 / (1.0 + np.exp(-raw))
            return np.column_stack([1.0 - p1, p1])
        z = raw - raw.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.proba_from_raw(self.raw_score(X))

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    @property
    def n_trees(self) -> int:
        first, *rest = self.stages
        return int(first.booster_.current_iteration() + sum(b.current_iteration() for b in rest))

    def raw_rows(
        self, X: Any, rows: np.ndarray, stages: slice = slice(None), chunk_size: int = 100_000
    ) -> np.ndarray:
        rows = np.asarray(rows)
        contiguous = (
            rows.size > 0
            and rows[-1] - rows[0] + 1 == rows.size
            and (rows.size == 1 or bool(np.all(np.diff(rows) == 1)))
        )
        parts = [
            self.raw_score(
                _safe_indexing(
                    X,
                    slice(rows[i], rows[min(i + chunk_size, rows.size) - 1] + 1)
                    if contiguous
                    else rows[i : i + chunk_size],
                ),
                stages,
            )
            for i in range(0, len(rows), chunk_size)
        ]
        return np.concatenate(parts) if parts else np.zeros(0)
