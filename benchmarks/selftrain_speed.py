"""Self-training speed: fewlabels vs scikit-learn's SelfTrainingClassifier, same base, same rule.

Both wrap the same LightGBM model (fewlabels' small-data settings, 200 trees) and stop by
the same rule: accept predictions with probability >= 0.8, at most 10 rounds. fewlabels
continues boosting from the previous round's model (50 new trees a round) and scores the
pool in chunks; scikit-learn refits from scratch every round.

Data: the real `spambase` table (4,597 x 57, binary) split 70/30; the train part is enlarged
to the target number of unlabeled rows by resampling with 5% noise
(`fewlabels.datasets.enlarge`); 500 train rows are labeled. Each cell is its own process.

    python benchmarks/selftrain_speed.py                       # 10k, 100k, 1M unlabeled rows
    python benchmarks/selftrain_speed.py --sizes 10000 100000
    python benchmarks/selftrain_speed.py --sizes 100000 --seeds 3 --out selftrain_speed_seeds.json

Writes results/selftrain_speed.json and prints the time ratio per size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cells import run_cell_process  # noqa: E402

HERE = Path(__file__).parent
CACHE = HERE / "_cache"
N_LABELED = 500


def make_data(n_unlabeled: int, seed: int = 0) -> Path:
    path = CACHE / f"spambase_{n_unlabeled}_{seed}.npz"
    if path.exists():
        return path
    from sklearn.model_selection import train_test_split

    from fewlabels.datasets import enlarge, load

    X, y, _ = load("spambase")
    X, y = X.to_numpy(dtype=float), y.astype(int).to_numpy()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    Xb, yb = enlarge(X_tr, y_tr, n_unlabeled + N_LABELED, random_state=seed)
    target = np.full(len(yb), -1)
    rng = np.random.default_rng(seed)
    for c in (0, 1):
        rows = np.flatnonzero(yb == c)
        take = rng.choice(rows, N_LABELED // 2, replace=False)
        target[take] = c
    CACHE.mkdir(exist_ok=True)
    np.savez(path, X=Xb, y=target, y_true=yb, X_test=X_te.astype(np.float32), y_test=y_te)
    return path


def run_cell(method: str, data: Path) -> dict:
    from fewlabels.supervised import default_classifier

    d = np.load(data)
    X, y, X_te, y_te = d["X"], d["y"], d["X_test"], d["y_test"]
    base = default_classifier(0)
    if method == "fewlabels":
        from fewlabels.selftrain import SelfTrainingClassifier, Threshold

        model = SelfTrainingClassifier(base, policy=Threshold(0.8), max_iter=10, random_state=0)
    else:
        from sklearn.semi_supervised import SelfTrainingClassifier

        model = SelfTrainingClassifier(base, criterion="threshold", threshold=0.8, max_iter=10)
    start = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - start
    unl = y == -1
    return {
        "fit_s": round(fit_s, 2),
        "test_acc": round(float((model.predict(X_te) == y_te).mean()), 4),
        "n_iter": int(model.n_iter_),
        "n_pseudo_labeled": int((model.labeled_iter_ > 0).sum()),
        "pseudo_label_acc": round(
            float(
                (
                    model.transduction_[unl & (model.labeled_iter_ > 0)]
                    == d["y_true"][unl & (model.labeled_iter_ > 0)]
                ).mean()
            ),
            4,
        ),
        "termination": str(model.termination_condition_),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument(
        "--seeds", type=int, default=1, help="data seeds (enlargement and labeled rows) per size"
    )
    parser.add_argument("--out", default="selftrain_speed.json", help="file name in results/")
    parser.add_argument("--cell", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cell:
        print(json.dumps(run_cell(args.cell[0], Path(args.cell[1]))))
        return
    rows = []
    for n in args.sizes:
        for seed in range(args.seeds):
            data = make_data(n, seed)
            for method in ("fewlabels", "sklearn"):
                labels = {"unlabeled_rows": n, **({"seed": seed} if args.seeds > 1 else {})}
                rows.append(run_cell_process(__file__, method, data, args.timeout, labels))
    ratios = {}
    for n in args.sizes:
        per_seed = []
        for seed in range(args.seeds):
            cells = {
                r["method"]: r
                for r in rows
                if r["unlabeled_rows"] == n and r.get("seed", 0) == seed
            }
            if all("fit_s" in cells.get(m, {}) for m in ("fewlabels", "sklearn")):
                per_seed.append(cells["fewlabels"]["fit_s"] / cells["sklearn"]["fit_s"])
        if per_seed:
            ratios[n] = round(float(np.mean(per_seed)), 3)
            print(f"{n:>9,} unlabeled rows: fewlabels takes {ratios[n]:.2f} of scikit-learn's time")
    result = {
        "command": "python benchmarks/selftrain_speed.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "rows": rows,
        "time_ratio_fewlabels_over_sklearn": ratios,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
