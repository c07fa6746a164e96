"""auto with and without member calibration (temperature scaling), on the same cells.

    python benchmarks/auto_calibration.py 0.01 biased,random > results/auto_calibration_1pct.jsonl

One JSON line per (dataset, protocol, budget), seed 0, tables capped at 2,000 rows: test
accuracy and balanced accuracy of ``AutoClassifier(calibrate=False)`` ("raw") and
``calibrate=True`` ("cal"), both without a time limit and without the deep members (which
the 20 s default skips anyway), so machine load cannot change which members ran.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils import _safe_indexing

from fewlabels.auto import AutoClassifier, catalogue
from fewlabels.bench.runner import _table, cell_splits
from fewlabels.bench.suites import TABULAR


def main(argv: list[str]) -> None:
    warnings.filterwarnings("ignore")
    members = [n for n, m in catalogue().items() if not m.summary.startswith("[deep]")]
    budgets = [float(b) for b in argv[0].split(",")]
    protocols = argv[1].split(",")
    names = argv[2:] or TABULAR
    for budget in budgets:
        for protocol in protocols:
            for name in names:
                X, y = _table(name, None, 2000)
                sp = cell_splits(y, X, protocol, budget, 0, 0.3, 2)
                t = np.full(len(y), -1)
                t[sp.labeled] = y[sp.labeled]
                Xtr, Xte = _safe_indexing(X, sp.train), _safe_indexing(X, sp.test)
                row: dict = {"dataset": name, "protocol": protocol, "budget": budget}
                for on in (False, True):
                    start = time.perf_counter()
                    auto = AutoClassifier(members, calibrate=on, time_limit=None, random_state=0)
                    pred = auto.fit(Xtr, t[sp.train]).predict(Xte)
                    key = "cal" if on else "raw"
                    row[key] = round(float(np.mean(pred == y[sp.test])), 4)
                    row[key + "_bal"] = round(float(balanced_accuracy_score(y[sp.test], pred)), 4)
                    row[key + "_s"] = round(time.perf_counter() - start, 1)
                    row[key + "_m"] = auto.best_method_[:4]
                    if on:
                        row["temps"] = {k: round(v, 2) for k, v in auto.temperatures_.items()}
                sys.stdout.write(json.dumps(row) + "\n")
                sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
