"""auto's prior ensemble at 1% labels: forests plus logistic regression (the default) against
forests only, on the same cells.

    python benchmarks/auto_prior.py biased,random > results/auto_prior_1pct.jsonl

One JSON line per (dataset, protocol), budget 1%, seed 0, tables capped at 2,000 rows: test
accuracy and the kept weights of ``AutoClassifier`` with ``fewlabels.auto.classifier.PRIOR``
as shipped ("base") and without logistic regression ("trees"); no time limit and no deep
members, so machine load cannot change which members ran. An experiment: the prior is a
module constant, swapped here for the second fit.
"""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np
from sklearn.utils import _safe_indexing

import fewlabels.auto.classifier as auto_classifier
from fewlabels.auto import AutoClassifier, catalogue
from fewlabels.bench.runner import _table, cell_splits
from fewlabels.bench.suites import TABULAR

VARIANTS = {
    "base": ("random-forest", "extra-trees", "logreg"),
    "trees": ("random-forest", "extra-trees"),
}


def main(argv: list[str]) -> None:
    warnings.filterwarnings("ignore")
    members = [n for n, m in catalogue().items() if not m.summary.startswith("[deep]")]
    for protocol in argv[0].split(","):
        for name in TABULAR:
            X, y = _table(name, None, 2000)
            sp = cell_splits(y, X, protocol, 0.01, 0, 0.3, 2)
            t = np.full(len(y), -1)
            t[sp.labeled] = y[sp.labeled]
            Xtr, Xte = _safe_indexing(X, sp.train), _safe_indexing(X, sp.test)
            row: dict = {"dataset": name, "protocol": protocol}
            for key, prior in VARIANTS.items():
                auto_classifier.PRIOR = prior
                auto = AutoClassifier(members, time_limit=None, random_state=0)
                pred = auto.fit(Xtr, t[sp.train]).predict(Xte)
                row[key] = round(float(np.mean(pred == y[sp.test])), 4)
                row[key + "_w"] = {a: round(b, 2) for a, b in auto.weights_.items()}
            sys.stdout.write(json.dumps(row) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
