"""Self-training at scale (issue 18, item 2): each round trained on a bounded sample of the
pseudo-labeled rows (what ``fit_self_training_dask`` does) against each round trained with
``lightgbm.dask`` on every confident row of the pool.

The table is ``benchmarks/dask_scale.py``'s synthetic 20-column binary table (0.05% labeled,
250,000-row Parquet files), accuracy on its 50,000 held-out rows. Every cell runs on a
LocalCluster of 2 workers (1 thread, 4 GB each) and reports the fit time, the accuracy and
the peak RSS of every process:

- ``sample-20k-random`` / ``sample-200k-random``: ``fit_self_training_dask`` with
  ``max_pseudo`` 20,000 (the default) or 200,000, class-balanced, drawn at random among the
  confident rows (``selection="random"``, the default until this benchmark), 3 rounds,
  threshold 0.9; ``sample-20k-confident``: the 20,000 most confident rows instead
  (``selection="confident"``, the default since);
- ``lgbm-dask-all``: the same rounds (start from LightGBM on the labels, score the pool,
  keep every row whose predicted class has probability >= 0.9), but each round's model is a
  ``lightgbm.dask.DaskLGBMClassifier`` with the same parameters
  (:func:`fewlabels.supervised.default_classifier`), trained on the labeled rows plus every
  confident row, where the rows lie (no sample, no class balancing).

    OMP_NUM_THREADS=1 python benchmarks/dask_lightgbm.py --sizes 1000000 3000000

Appends to results/dask_lightgbm.jsonl and rewrites results/dask_lightgbm.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from dask_scale import N_TEST, MemorySampler, generate, make_data  # noqa: E402

RESULTS = HERE / "results"
THRESHOLD, ROUNDS = 0.9, 3
CELLS = ("sample-20k-random", "sample-200k-random", "sample-20k-confident", "lgbm-dask-all")
FEATURES = [f"f{j:02d}" for j in range(20)]


def _confident(part, model, threshold):
    """The unlabeled rows of a partition whose predicted class has probability >= threshold,
    with that class as their label."""
    pool = part[part["y"].isna()]
    if not len(pool):
        return pool[FEATURES].assign(label=np.zeros(0, dtype=np.int64))
    P = model.predict_proba(pool[FEATURES])
    keep = P.max(axis=1) >= threshold
    return pool.loc[keep, FEATURES].assign(label=P.argmax(axis=1)[keep].astype(np.int64))


def lgbm_dask_rounds(ddf, client, seed=0):
    import dask.dataframe as dd
    import pandas as pd
    from lightgbm import DaskLGBMClassifier

    from fewlabels.supervised import default_classifier

    lab = ddf[~ddf["y"].isna()].compute()
    X_lab, y_lab = lab[FEATURES], lab["y"].astype(np.int64)
    model = default_classifier(seed).set_params(n_jobs=1).fit(X_lab, y_lab)
    params = default_classifier(seed).get_params()
    params["n_jobs"] = 1
    meta = pd.DataFrame({c: pd.Series([], dtype=np.float32) for c in FEATURES}).assign(
        label=pd.Series([], dtype=np.int64)
    )
    history = []
    labeled = dd.from_pandas(X_lab.assign(label=y_lab.to_numpy()), npartitions=1)
    for it in range(1, ROUNDS + 1):
        pseudo = ddf.map_partitions(_confident, model, THRESHOLD, meta=meta)
        train = dd.concat([labeled, pseudo]).persist()
        n_train = int(train.shape[0].compute())
        dist = DaskLGBMClassifier(client=client, **params)
        dist.fit(train[FEATURES], train["label"])
        model = dist.to_local()
        history.append({"iteration": it, "n_train": n_train})
        del train
    return model, history


def run_cell(cell: str, n_rows: int) -> dict:
    import pandas as pd

    from fewlabels.scale import fit_self_training_dask, read_partitioned, start_engine

    data = make_data(n_rows)
    X_te, y_te = generate(N_TEST, seed=777)
    X_te = pd.DataFrame(X_te, columns=FEATURES)
    out: dict = {"cell": cell, "n_rows": n_rows, "workers": 2}
    with MemorySampler() as mem:
        with start_engine(n_workers=2, memory_limit="4GB") as client:
            t0 = time.perf_counter()
            ddf = read_partitioned(str(data / "*.parquet"))
            if cell.startswith("sample-"):
                _, size, selection = cell.split("-")
                model = fit_self_training_dask(
                    ddf, "y", threshold=THRESHOLD, max_pseudo=int(size[:-1]) * 1000,
                    max_iter=ROUNDS, selection=selection, random_state=0,
                )  # fmt: skip
                out["history"] = [
                    {"iteration": h["iteration"], "n_train": h["n_added"]} for h in model.history_
                ]
            else:
                model, out["history"] = lgbm_dask_rounds(ddf, client)
            out["fit_s"] = round(time.perf_counter() - t0, 1)
    out["client_peak_gb"] = round(mem.client_peak, 2)
    out["process_peaks_gb"] = sorted(round(v, 2) for v in mem.peaks.values())
    pred = np.asarray(model.predict(X_te)).astype(int)
    out["accuracy"] = round(float((pred == y_te).mean()), 4)
    return out


def write_markdown() -> None:
    rows = [json.loads(x) for x in (RESULTS / "dask_lightgbm.jsonl").read_text().splitlines() if x]
    lines = [
        "# Self-training rounds on a sample against lightgbm.dask (benchmarks/dask_lightgbm.py)",
        "",
        "dask_scale.py's synthetic table (0.05% labeled); 2 workers, 1 thread and 4 GB each;",
        f"{ROUNDS} rounds, threshold {THRESHOLD}; accuracy on 50,000 held-out rows.",
        "",
        "| cell | rows | fit s | accuracy | rows trained on (last round) | client GB | "
        "other processes' peaks GB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['cell']} | {r['n_rows']:,} | error: {r['error']} | | | | |")
            continue
        last = r["history"][-1]["n_train"] if r["history"] else 0
        lines.append(
            f"| {r['cell']} | {r['n_rows']:,} | {r['fit_s']} | {r['accuracy']} | {last:,} | "
            f"{r['client_peak_gb']} | {', '.join(map(str, r['process_peaks_gb']))} |"
        )
    (RESULTS / "dask_lightgbm.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--cells", nargs="+", choices=CELLS, default=list(CELLS))
    args = ap.parse_args()
    RESULTS.mkdir(exist_ok=True)
    for n in args.sizes:
        for cell in args.cells:
            print(f"== {cell} at {n:,} rows", file=sys.stderr, flush=True)
            try:
                row = run_cell(cell, n)
            except Exception as exc:  # a failed cell is recorded, the others still run
                row = {"cell": cell, "n_rows": n, "error": f"{type(exc).__name__}: {exc}"[:300]}
            row["command"] = "python benchmarks/dask_lightgbm.py " + " ".join(sys.argv[1:])
            print(json.dumps(row), file=sys.stderr, flush=True)
            with open(RESULTS / "dask_lightgbm.jsonl", "a") as fh:
                fh.write(json.dumps(row) + "\n")
    write_markdown()


if __name__ == "__main__":
    main()
