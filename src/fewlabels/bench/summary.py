"""Summaries of a results file: mean accuracy, mean rank, W/T/L against the best supervised peer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .peers import available_methods

__all__ = ["TIE_MARGIN", "load_results", "summarize", "critical_difference"]

#: Differences in mean accuracy smaller than this count as ties in W/T/L.
TIE_MARGIN = 0.005


def load_results(path: str | Path) -> pd.DataFrame:
    df = pd.read_csv(path)
    df["budget"] = df["budget"].astype(float)
    return df


def _is_supervised(method: str, methods: dict) -> bool:
    m = methods.get(method)
    return bool(m and m.supervised)


def summarize(results: pd.DataFrame) -> dict[str, Any]:
    """Tables for the report and RESULTS.md.

    - ``mean_accuracy``: method x budget, averaged over datasets, protocols and seeds;
    - ``mean_rank``: each method's rank (1 = best accuracy) within every
      (dataset, protocol, budget, seed) cell, averaged;
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
    ok["rank"] = ok.groupby(["dataset", "protocol", "budget", "seed"])["accuracy"].rank(
        ascending=False, method="average"
    )
    mean_rank = ok.groupby("method")["rank"].mean().sort_values()
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
    }


def critical_difference(results: pd.DataFrame, alpha: float = 0.05) -> tuple[pd.Series, float, int]:
    """Average ranks over (dataset, protocol, budget) blocks and the Nemenyi critical difference."""
    from scipy.stats import studentized_range

    ok = results[results["status"] == "ok"]
    block = (
        ok.groupby(["dataset", "protocol", "budget", "method"])["accuracy"]
        .mean()
        .unstack("method")
        .dropna(axis=0)
    )
    ranks = block.rank(axis=1, ascending=False).mean().sort_values()
    k, n = block.shape[1], block.shape[0]
    if k < 2 or n < 2:
        return ranks, float("nan"), n
    q = studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2)
    return ranks, float(q * np.sqrt(k * (k + 1) / (6.0 * n))), n
