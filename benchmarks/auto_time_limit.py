"""Does `auto` honour its time limit? Cross-validation seconds against the limit.

    python benchmarks/auto_time_limit.py   ->  results/auto_time_limit.json

For each table (capped at 2,000 rows, 10% of the train part labeled) and each limit, one fit:
the seconds the cross-validation took (what the limit bounds, ``cv_seconds_``), the whole fit
(cross-validation plus the final refit), and how many members ran.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from sklearn.utils import _safe_indexing

from fewlabels.bench.runner import _table, cell_splits
from fewlabels.methods import make_model

OUT = Path(__file__).parent / "results" / "auto_time_limit.json"


def main() -> None:
    rows = []
    for name in ("letter", "mnist", "splice", "german"):
        X, y = _table(name, None, 2000)
        split = cell_splits(y, X, "random", 0.10, 0, 0.3, 2)
        target = np.full(len(y), -1)
        target[split.labeled] = y[split.labeled]
        X_train = _safe_indexing(X, split.train)
        for limit in (2.0, 5.0, 10.0, 20.0):
            model = make_model("auto", 0, time_limit=limit)
            start = time.perf_counter()
            model.fit(X_train, target[split.train])
            total = time.perf_counter() - start
            auto = model.named_steps["model"]
            status = auto.cv_results_["status"]
            row = {
                "dataset": name,
                "time_limit": limit,
                "cv_seconds": round(auto.cv_seconds_, 2),
                "fit_seconds": round(total, 2),
                "over_limit": round(auto.cv_seconds_ / limit - 1, 3),
                "members_ran": sum(s == "ok" for s in status),
                "members": len(status),
            }
            print(row, flush=True)
            rows.append(row)
    OUT.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
