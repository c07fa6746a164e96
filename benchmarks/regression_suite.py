"""The regression suite (issue 17): every regression method against the supervised ones, and
whether ``auto-regressor`` is ever significantly worse than the best supervised regressor.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/regression_suite.py
    .venv/bin/python benchmarks/regression_suite.py --summary \
        benchmarks/results/regression_suite.jsonl > benchmarks/results/regression_suite.md

The run appends to ``benchmarks/results/regression_suite.jsonl`` and skips the cells that
file already holds, so an interrupted run resumes.

The ten regression datasets of :mod:`fewlabels.datasets` (``kind="regression"``), each
capped at 2,000 rows (a seeded sample), 30% held out for testing, and 1%, 5% and 10% of the
training rows labeled (at least 10), drawn at random; seeds 0, 1, 2. Each method is the
registry's pipeline (``fewlabels.methods.make_model``) on the raw table, unlabeled training
rows given as NaN. One JSON line per (dataset, budget, seed, method): test RMSE, MAE, R²
and fit seconds. ``auto-regressor`` runs with its default time limit.

Significance: per (dataset, budget), the best supervised regressor is the one with the
lowest mean test RMSE over the seeds (chosen after the fact, which favours it); auto is
*significantly worse* when its RMSE is higher on every seed and a one-sided paired t-test
over the seeds gives p < 0.05.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

DATASETS = (
    "diabetes", "concrete", "ames", "diamonds", "wage", "computers", "housing", "auto_mpg",
    "cps1985", "carseats",
)  # fmt: skip
BUDGETS = (0.01, 0.05, 0.10)
SEEDS = (0, 1, 2)
SUPERVISED = ("supervised-regressor", "supervised-rf-regressor", "supervised-ridge")
METHODS = (
    *SUPERVISED,
    "coreg",
    "selftrain-regressor",
    "label-propagation-regressor",
    "classifier-features-regressor",
    "auto-regressor",
)
MAX_ROWS, TEST, MIN_LABELED = 2000, 0.3, 10
OUT = Path(__file__).resolve().parent / "results" / "regression_suite.jsonl"


def _cells():
    from fewlabels.datasets import load

    for name in DATASETS:
        X, y, _ = load(name)
        if len(X) > MAX_ROWS:
            keep = np.random.RandomState(0).choice(len(X), MAX_ROWS, replace=False)
            X, y = X.iloc[keep].reset_index(drop=True), y.iloc[keep].reset_index(drop=True)
        for seed in SEEDS:
            rng = np.random.RandomState(seed)
            order = rng.permutation(len(X))
            n_test = int(round(TEST * len(X)))
            test, train = order[:n_test], order[n_test:]
            for budget in BUDGETS:
                n_lab = max(MIN_LABELED, int(round(budget * len(train))))
                labeled = np.random.RandomState(seed + 1000).choice(len(train), n_lab, False)
                target = pd.Series(np.nan, index=range(len(train)))
                target.iloc[labeled] = y.iloc[train].to_numpy()[labeled]
                yield (
                    name,
                    budget,
                    seed,
                    X.iloc[train].reset_index(drop=True),
                    target,
                    (
                        X.iloc[test].reset_index(drop=True),
                        y.iloc[test].to_numpy(dtype=float),
                    ),
                )


def run() -> None:
    from fewlabels.methods import METHODS as REGISTRY
    from fewlabels.methods import make_model

    warnings.filterwarnings("ignore")
    methods = [m for m in METHODS if m in REGISTRY]
    done = set()
    if OUT.exists():
        for line in OUT.read_text().splitlines():
            r = json.loads(line)
            done.add((r["dataset"], r["budget"], r["seed"], r["method"]))
    for name, budget, seed, Xtr, ytr, (Xte, yte) in _cells():
        for method in methods:
            if (name, budget, seed, method) in done:
                continue
            row = {"dataset": name, "budget": budget, "seed": seed, "method": method,
                   "n_train": len(Xtr), "n_labeled": int(ytr.notna().sum())}  # fmt: skip
            t = time.perf_counter()
            try:
                model = make_model(method, seed).fit(Xtr, ytr)
                pred = np.asarray(model.predict(Xte), dtype=float)
                row["fit_seconds"] = round(time.perf_counter() - t, 3)
                err = pred - yte
                row["rmse"] = float(np.sqrt(np.mean(err**2)))
                row["mae"] = float(np.mean(np.abs(err)))
                row["r2"] = float(1 - np.sum(err**2) / np.sum((yte - yte.mean()) ** 2))
                last = model.steps[-1][1]
                if hasattr(last, "best_method_"):
                    row["chose"] = str(last.best_method_)
            except Exception as exc:  # a failed cell is a result too
                row["error"] = f"{type(exc).__name__}: {exc}"[:300]
            with OUT.open("a") as f:
                f.write(json.dumps(row) + "\n")
            sys.stdout.write(json.dumps(row) + "\n")
            sys.stdout.flush()


def summary(path: str) -> None:
    from scipy.stats import ttest_rel

    rows = pd.DataFrame([json.loads(line) for line in open(path)])
    ok = rows[rows.get("error").isna()] if "error" in rows else rows
    out = ["# Regression suite: test RMSE relative to the best supervised regressor", ""]
    out.append(
        "Per budget: each method's test RMSE over the best supervised regressor's on the same "
        "cell (the best chosen per dataset and budget after the fact), geometric mean over "
        "datasets and seeds (below 1: better), and the tables where it is lower on average."
    )
    out.append("")
    methods = [m for m in METHODS if m in set(ok.method)]
    worse_cells = []
    lines = ["| method | " + " | ".join(f"{b:.0%}" for b in BUDGETS) + " |",
             "|---|" + "---|" * len(BUDGETS)]  # fmt: skip
    ratios: dict[str, list[str]] = {m: [] for m in methods}
    for budget in BUDGETS:
        part = ok[ok.budget == budget]
        piv = part.pivot_table(index=["dataset", "seed"], columns="method", values="rmse")
        best_sup = piv[[m for m in SUPERVISED if m in piv]].groupby(level=0).mean().idxmin(axis=1)
        ref = pd.Series([piv.loc[(d, s), best_sup[d]] for d, s in piv.index], index=piv.index)
        for m in methods:
            if m not in piv:
                ratios[m].append("–")
                continue
            r = piv[m] / ref
            wins = int((r.groupby(level=0).mean() < 1).sum())
            ratios[m].append(f"{np.exp(np.log(r).mean()):.3f} ({wins}/{r.index.levels[0].size})")
        if "auto-regressor" in piv:
            for d in piv.index.levels[0]:
                a, b = piv.loc[d, "auto-regressor"], piv.loc[d, best_sup[d]]
                if len(a) >= 2 and (a > b).all():
                    p = ttest_rel(a, b, alternative="greater").pvalue
                    if p < 0.05:
                        worse_cells.append(f"{d} at {budget:.0%} (p {p:.3f}, vs {best_sup[d]})")
    lines += [f"| `{m}` | " + " | ".join(ratios[m]) + " |" for m in methods]
    out += lines
    out.append("")
    out.append(
        "`auto-regressor` significantly worse than the best supervised regressor (higher RMSE "
        "on every seed and one-sided paired t-test p < 0.05): "
        + (", ".join(worse_cells) if worse_cells else "in no (dataset, budget) cell")
        + f" of {len(DATASETS) * len(BUDGETS)}."
    )
    secs = ok.groupby("method").fit_seconds.median()
    out.append("")
    out.append("Median fit seconds: " + ", ".join(f"`{m}` {secs[m]:.2f}" for m in methods))
    if "error" in rows and rows.error.notna().any():
        bad = rows[rows.error.notna()]
        out.append("")
        out.append(f"Failed cells: {len(bad)} ({', '.join(sorted(set(bad.method)))})")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--summary":
        summary(sys.argv[2])
    else:
        run()
