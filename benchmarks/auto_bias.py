"""Does a two-sample test tell biased labels from random ones, and does the forests-only
prior it switches to pay? On the 48 cells at 1% labels of ``benchmarks/auto_prior.py``.

    python benchmarks/auto_bias.py > results/auto_bias_1pct.jsonl

One JSON line per (dataset, protocol), budget 1%, seed 0, tables capped at 2,000 rows, the
same cells as ``auto_prior.py``: the p-value of
:func:`fewlabels.data.sampling.selection_bias_test` on ``AutoClassifier``'s numeric view
of the labeled rows and its unlabeled pool, computed as ``AutoClassifier`` computes it.
The last line is the summary: with ``results/auto_prior_1pct.jsonl`` (test accuracy of
``AutoClassifier`` with the shipped prior, "base", and the forests-only prior, "trees"),
the mean accuracy of each protocol when the prior follows the test.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import _safe_indexing

from fewlabels.auto import AutoClassifier
from fewlabels.bench.runner import _table, cell_splits
from fewlabels.bench.suites import TABULAR

PRIOR_RESULTS = Path(__file__).parent / "results" / "auto_prior_1pct.jsonl"


def main() -> None:
    warnings.filterwarnings("ignore")
    prior = {(d["dataset"], d["protocol"]): d for d in map(json.loads, PRIOR_RESULTS.open())}
    rows = []
    for protocol in ("biased", "random"):
        for name in TABULAR:
            X, y = _table(name, None, 2000)
            sp = cell_splits(y, X, protocol, 0.01, 0, 0.3, 2)
            t = np.full(len(y), -1)
            t[sp.labeled] = y[sp.labeled]
            # the members are never fitted: only the test runs, on auto's own view and pool
            auto = AutoClassifier(["random-forest"], time_limit=None, random_state=0)
            auto.fit(_safe_indexing(X, sp.train), t[sp.train])
            bias = auto.selection_bias_
            cell = prior[(name, protocol)]
            row = {
                "dataset": name,
                "protocol": protocol,
                "p_value": round(bias.p_value, 4),
                "biased": bias.biased,
                "base": cell["base"],
                "trees": cell["trees"],
                "selected": cell["trees"] if bias.biased else cell["base"],
            }
            rows.append(row)
            sys.stdout.write(json.dumps(row) + "\n")
            sys.stdout.flush()
    summary = {}
    for protocol in ("biased", "random"):
        cells = [r for r in rows if r["protocol"] == protocol]
        summary[protocol] = {
            k: round(float(np.mean([r[k] for r in cells])), 4)
            for k in ("base", "trees", "selected")
        } | {"detected": sum(r["biased"] for r in cells), "cells": len(cells)}
    sys.stdout.write(json.dumps({"summary": summary}) + "\n")


if __name__ == "__main__":
    main()
