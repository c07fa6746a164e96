"""Summaries of a results file: mean accuracy, mean rank, W/T/L against the best supervised peer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .peers import available_methods

__all__ = [
    "TIE_MARGIN",
    "block_ranks",
    "critical_difference",
    "load_results",
    "same_label_budgets",
    "summarize",
]

#: Differences in mean accuracy smaller than this count as ties in W/T/L.
TIE_MARGIN = 0.005


def load_results(path: str | Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    df["budget"] = df["budget"].astype(float)
    return df


def _is_supervised(method: str, methods: dict) -> bool:
    m = methods.get(method)
    return bool(m and m.supervised)


def block_ranks(results: pd.DataFrame) -> pd.DataFrame:
    """The one definition of rank: within each (dataset, protocol, budget) block, methods
    ranked by their accuracy averaged over seeds (1 = best, ties share the average rank).

    Blocks where some method has no successful run are left out, so that every method is
    ranked on the same blocks (the critical-difference test needs that). When no block is
    complete, each block ranks the methods it has.

    Examples
    --------
    >>> r = pd.DataFrame({"dataset": ["a"] * 4, "protocol": "random", "budget": 0.1,
    ...                   "seed": [0, 0, 1, 1], "method": ["x", "y"] * 2,
    ...                   "status": "ok", "accuracy": [0.9, 0.8, 0.7, 0.75]})
    >>> block_ranks(r).to_dict("records")
    [{'x': 1.0, 'y': 2.0}]
    """
    ok = results[results["status"] == "ok"]
    block = (
        ok.groupby(["dataset", "protocol", "budget", "method"])["accuracy"].mean().unstack("method")
    )
    complete = block.dropna(axis=0)
    if len(complete):
        block = complete
    return block.rank(axis=1, ascending=False, method="average")


def same_label_budgets(results: pd.DataFrame) -> list[dict[str, Any]]:
    """Budgets that resolve to the same number of labeled rows on a dataset and protocol
    (a floor such as one label per class makes a small budget equal a larger one).

    Returns one ``{"dataset", "protocol", "budgets", "n_labeled"}`` per group of equal
    budgets; ``n_labeled`` is the median over seeds and methods.
    """
    if "n_labeled" not in results.columns:
        return []
    med = results.groupby(["dataset", "protocol", "budget"])["n_labeled"].median().reset_index()
    out = []
    for (dataset, protocol, n), g in med.groupby(["dataset", "protocol", "n_labeled"]):
        if len(g) > 1:
            out.append(
                {
                    "dataset": dataset,
                    "protocol": protocol,
                    "budgets": sorted(float(b) for b in g["budget"]),
                    "n_labeled": int(n),
                }
            )
    return out


def summarize(results: pd.DataFrame) -> dict[str, Any]:
    """Tables for the report and RESULTS.md.

    - ``mean_accuracy``: method x budget, averaged over datasets, protocols and seeds;
    - ``mean_rank``: each method's rank of :func:`block_ranks` (1 = best mean accuracy
      within a dataset, protocol and budget), averaged: the ranks the critical-difference
      diagram shows;
    - ``wtl``: for each method, budget and protocol, wins / ties / losses over datasets
      against the best supervised method of that dataset (by mean accuracy over seeds;
      a tie is a difference under ``TIE_MARGIN``), with the Wilcoxon signed-rank p-value
      of the per-dataset differences.
    """
    from scipy.stats import wilcoxon

    methods = available_methods()
    ok = results[results["status"] == "ok"].copy()
    errors = results[results["status"] != "ok"].groupby("method").size().to_dict()
    mean_acc = ok.pivot_table(index="method", columns="budget", values="accuracy", aggfunc="mean")
    mean_rank = block_ranks(results).mean().sort_values()
    per_ds = (
        ok.groupby(["dataset", "protocol", "budget", "method"])["accuracy"].mean().reset_index()
    )
    wtl_rows = []
    for (protocol, budget), block in per_ds.groupby(["protocol", "budget"]):
        table = block.pivot(index="dataset", columns="method", values="accuracy")
        sup_cols = [c for c in table.columns if _is_supervised(c, methods)]
        if not sup_cols:
            continue
        best_sup = table[sup_cols].max(axis=1)
        for method in table.columns:
            if _is_supervised(method, methods):
                continue
            d = (table[method] - best_sup).dropna()
            if d.empty:
                continue
            p = float("nan")
            if len(d) >= 2 and np.any(np.abs(d) > 0):
                p = float(wilcoxon(d, zero_method="zsplit").pvalue)
            wtl_rows.append(
                {
                    "method": method,
                    "protocol": protocol,
                    "budget": budget,
                    "wins": int((d > TIE_MARGIN).sum()),
                    "ties": int((d.abs() <= TIE_MARGIN).sum()),
                    "losses": int((d < -TIE_MARGIN).sum()),
                    "mean_diff": float(d.mean()),
                    "wilcoxon_p": p,
                }
            )
    return {
        "mean_accuracy": mean_acc,
        "mean_rank": mean_rank,
        "wtl": pd.DataFrame(wtl_rows),
        "errors": errors,
        "n_cells": int(len(results)),
        "same_label_budgets": same_label_budgets(results),
    }


def critical_difference(results: pd.DataFrame, alpha: float = 0.05) -> tuple[pd.Series, float, int]:
    """Average ranks over (dataset, protocol, budget) blocks and the Nemenyi critical difference."""
    from scipy.stats import studentized_range

    block = block_ranks(results)
    ranks = block.mean().sort_values()
    k, n = block.shape[1], block.shape[0]
    if block.isna().any().any():  # no complete block: no test
        return ranks, float("nan"), n
    if k < 2 or n < 2:
        return ranks, float("nan"), n
    q = studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return ranks, float(q * np.sqrt(k * (k + 1) / (6.0 * n))), n
