"""Greedy ensemble selection against stacking, on the same out-of-fold probabilities.

    python benchmarks/ensemble_vs_stacking.py   ->  results/ensemble_vs_stacking.json

For each table (capped at 2,000 rows; random labeling, 5% and 10% of the train part; seed 0)
auto's supervised members are cross-validated once (`cross_validate_members`). Each fold
is then scored three ways, always with a combiner chosen on the other folds' rows only:
greedy selection from auto's prior (what auto does), greedy selection from nothing
(Caruana's plain method), and stacking (a multinomial logistic regression on the
concatenated member probabilities, C=1). Scores are the fold means of accuracy and log loss.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.utils import _safe_indexing

from fewlabels.auto import catalogue
from fewlabels.auto._cv import CVPlan, cross_validate_members
from fewlabels.auto.classifier import _PRIOR_STRENGTH, PRIOR
from fewlabels.auto.ensemble import blend, ensemble_selection
from fewlabels.auto.metrics import METRICS
from fewlabels.bench.runner import _table, cell_splits
from fewlabels.data import TableEncoder

OUT = Path(__file__).parent / "results" / "ensemble_vs_stacking.json"
DATASETS = ("letter", "optdigits", "satimage", "segment", "vowel", "splice", "german", "phoneme")
SUPERVISED = ("logreg", "lightgbm", "random-forest", "extra-trees", "logreg-strong", "knn")


def main() -> None:
    ll, acc = METRICS["log_loss"], METRICS["accuracy"]
    rows = []
    for name in DATASETS:
        X, y_all = _table(name, None, 2000)
        for budget in (0.05, 0.10):
            split = cell_splits(y_all, X, "random", budget, 0, 0.3, 2)
            native = TableEncoder().fit_transform(_safe_indexing(X, split.labeled))
            numeric = TableEncoder(output="numeric", drop_useless=False).fit_transform(native)
            y = y_all[split.labeled]
            k = len(np.unique(y_all))
            members = [catalogue()[n] for n in SUPERVISED]
            n_splits = int(min(5, np.bincount(y).min()))
            cv = RepeatedStratifiedKFold(n_splits=n_splits, n_repeats=2, random_state=0)
            folds = list(cv.split(np.zeros(len(y)), y))
            run = cross_validate_members(
                members, {"native": native, "numeric": numeric}, y, folds, CVPlan(k, 2, 0)
            )
            oof = [run.results[m.name]["oof"] for m in members]
            strength = float(np.ceil(_PRIOR_STRENGTH / (len(y) / k)))
            prior = np.array([strength if m.name in PRIOR else 0.0 for m in members])
            scores: dict[str, list[tuple[float, float]]] = {"prior": [], "plain": [], "stack": []}
            for f, (_, te) in enumerate(folds):
                r = f // n_splits
                keep = np.ones(len(y), dtype=bool)
                keep[te] = False
                sel = [o[:, keep].reshape(-1, k) for o in oof]
                y_sel = np.tile(y[keep], 2)
                test = [o[r, te] for o in oof]
                for label, init in (("prior", prior), ("plain", None)):
                    w = ensemble_selection(sel, y_sel, ll, init=init)
                    P = blend(test, w)
                    scores[label].append((acc(y[te], P), -ll(y[te], P)))
                meta = LogisticRegression(C=1.0, max_iter=2000).fit(np.hstack(sel), y_sel)
                P = np.zeros((len(te), k))
                P[:, meta.classes_] = meta.predict_proba(np.hstack(test))
                scores["stack"].append((acc(y[te], P), -ll(y[te], P)))
            row = {"dataset": name, "budget": budget, "n_labeled": len(y)}
            for label, vals in scores.items():
                a = np.array(vals)
                row[f"{label}_accuracy"] = round(float(a[:, 0].mean()), 4)
                row[f"{label}_log_loss"] = round(float(a[:, 1].mean()), 4)
            print(row, flush=True)
            rows.append(row)
    mean = {
        key: round(float(np.mean([r[key] for r in rows])), 4)
        for key in rows[0]
        if key.endswith(("accuracy", "log_loss"))
    }
    print("mean", mean)
    OUT.write_text(json.dumps({"rows": rows, "mean": mean}, indent=1))


if __name__ == "__main__":
    main()
