"""Do self-training and active learning compound on text embeddings? (issue 17, part 5)

The seed "Self-Training for Sample-Efficient Active Learning for Text Classification with
Pre-Trained Language Models" (Schröder et al., EMNLP 2023) reports that they do. Here, on the
two text sets of ``benchmarks/text.py`` (the same pools, test sets and cached MiniLM
embeddings), :class:`fewlabels.active.ActiveLearningLoop` runs four arms from the same 20
random starting labels, 20 labels a batch, up to 200 labels:

* ``random``: random batches, logistic regression on the labeled rows;
* ``active``: margin-uncertainty batches, the same model;
* ``random+st``: random batches, self-training around the same logistic regression on
  every pool row (the loop's ``semi_supervised=True``);
* ``active+st``: margin batches and self-training.

Test accuracy after each batch, 3 seeds. The claim holds here when ``active+st`` is ahead of
both ``active`` and ``random+st`` on average over the budgets.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/text_active.py run
    .venv/bin/python benchmarks/text_active.py table
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("FEWLABELS_CACHE", str(HERE / "_cache"))
OUT = HERE / "results" / "text_active.jsonl"
COMMAND = "OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/text_active.py run"
ARMS = {"random": ("random", False), "active": ("margin", False),
        "random+st": ("random", True), "active+st": ("margin", True)}  # fmt: skip
START, BATCH, STEPS, SEEDS = 20, 20, 9, (0, 1, 2)


def run() -> None:
    from sklearn.linear_model import LogisticRegression
    from text import DATASETS, labeled_rows, load

    from fewlabels import SelfTrainingClassifier
    from fewlabels.active import ActiveLearningLoop, simulated_oracle
    from fewlabels.data.text import default_embedder

    done = set()
    if OUT.exists():
        done = {
            (r["dataset"], r["arm"], r["seed"])
            for r in map(json.loads, OUT.read_text().splitlines())
        }
    for name in DATASETS:
        pool_text, pool_y, test_text, test_y = load(name)
        emb = default_embedder()
        X, X_test = emb.embed(pool_text, column="text"), emb.embed(test_text, column="text")
        for seed in SEEDS:
            start = labeled_rows(pool_y, START, seed)
            for arm, (strategy, ssl) in ARMS.items():
                if (name, arm, seed) in done:
                    continue
                y = np.full(len(pool_y), None, dtype=object)
                y[start] = pool_y[start]
                model = SelfTrainingClassifier(LogisticRegression(max_iter=1000), random_state=seed)
                loop = ActiveLearningLoop(strategy, model, batch_size=BATCH, semi_supervised=ssl)
                t0 = time.perf_counter()
                result = loop.run(X, y, simulated_oracle(pool_y), n_steps=STEPS,
                                  X_eval=X_test, y_eval=test_y, random_state=seed)  # fmt: skip
                row = {
                    "dataset": name,
                    "arm": arm,
                    "seed": seed,
                    "labels": [s.n_labeled for s in result.steps],
                    "accuracy": [s.accuracy for s in result.steps],
                    "seconds": round(time.perf_counter() - t0, 1),
                }
                print(json.dumps(row), flush=True)
                with OUT.open("a") as f:
                    f.write(json.dumps(row) + "\n")


def table() -> None:
    rows = [json.loads(x) for x in OUT.read_text().splitlines()]
    long = pd.DataFrame(
        [
            {"dataset": r["dataset"], "arm": r["arm"], "seed": r["seed"], "labels": n, "acc": a}
            for r in rows
            for n, a in zip(r["labels"], r["accuracy"], strict=True)
        ]
    )
    out = [
        "# Active learning and self-training on text embeddings",
        "",
        f"Produced by `{COMMAND}`, then `... text_active.py table`; protocol in the script's "
        f"docstring. Test accuracy, mean over {len(SEEDS)} seeds, by labels used.",
        "",
    ]
    verdict = {}
    for name, sub in long.groupby("dataset"):
        piv = sub.pivot_table(index="arm", columns="labels", values="acc").reindex(list(ARMS))
        cols = [c for c in piv.columns if c > START]
        out += [
            f"## {name}",
            "",
            "| arm | " + " | ".join(map(str, piv.columns)) + " | mean after start |",
        ]
        out.append("|---|" + "---|" * (len(piv.columns) + 1))
        for arm, r in piv.iterrows():
            out.append(
                f"| {arm} | " + " | ".join(f"{v:.3f}" for v in r) + f" | {r[cols].mean():.3f} |"
            )
        m = piv[cols].mean(axis=1)
        both = m["active+st"] - max(m["active"], m["random+st"])
        verdict[name] = round(float(both), 4)
        out += [
            "",
            f"active+st minus the better of active and random+st: {both:+.3f} "
            f"(active - random {m['active'] - m['random']:+.3f}, random+st - random "
            f"{m['random+st'] - m['random']:+.3f}).",
            "",
        ]
    (OUT.with_suffix(".md")).write_text("\n".join(out) + "\n")
    (OUT.with_suffix(".json")).write_text(
        json.dumps({"command": COMMAND, "compound": verdict}, indent=2) + "\n"
    )
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    {"run": run, "table": table}[sys.argv[1] if len(sys.argv) > 1 else "run"]()
