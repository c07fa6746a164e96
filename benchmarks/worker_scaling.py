"""Do two single-threaded worker processes run twice as fast as one? (bench --jobs)

Times the same LightGBM fit (700 rows, 10 features, 5 classes, 200 trees,
OMP_NUM_THREADS=1) in the parent process alone, then in two spawned workers at once, then in
one worker alone; and a pure-Python loop alone and in two workers at once.

    python benchmarks/worker_scaling.py

Writes results/worker_scaling.json.
"""

from __future__ import annotations

import json
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path


def lightgbm_fit(_: int) -> float:
    import lightgbm as lgb
    from sklearn.datasets import make_classification

    X, y = make_classification(700, 10, n_informative=5, n_classes=5, random_state=0)
    start = time.perf_counter()
    lgb.LGBMClassifier(n_estimators=200, num_leaves=15, min_child_samples=2, verbose=-1).fit(X, y)
    return round(time.perf_counter() - start, 3)


def python_loop(_: int) -> float:
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return round(time.perf_counter() - start, 3)


def main() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    ctx = get_context("spawn")
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} vCPUs"}
    for name, fn in (("lightgbm_fit", lightgbm_fit), ("python_loop", python_loop)):
        out[name] = {"alone_in_process": fn(0)}
        with ProcessPoolExecutor(2, mp_context=ctx) as pool:
            out[name]["two_workers_at_once"] = list(pool.map(fn, range(2)))
        with ProcessPoolExecutor(2, mp_context=ctx) as pool:
            out[name]["one_worker_alone"] = list(pool.map(fn, range(1)))
    out["command"] = "python benchmarks/worker_scaling.py"
    path = Path(__file__).parent / "results" / "worker_scaling.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
