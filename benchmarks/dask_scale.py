"""Scale-out on Dask: self-training and anchor-graph label spreading on partitioned Parquet.

Data: a synthetic 20-column binary table (8 informative columns drawn from 4 Gaussian
clusters per class, 4 linear mixtures of them, 8 noise columns; float32), generated and
written partition by partition (250,000 rows a file: no process ever holds the table),
0.05% of the rows labeled (chosen by row hash). Accuracy is measured on 50,000 held-out
rows drawn from the same generator with another seed.

Each cell is its own process: it starts a LocalCluster (``--workers`` workers, 1 thread,
4 GB memory limit each), fits through Dask, and samples the RSS of the client and of every
worker process every 0.25 s (psutil). ``single-*`` cells read the table into one process
and fit the in-memory estimators of fewlabels (the reference at 1M rows).

    python benchmarks/dask_scale.py --sizes 1000000 --workers 2
    python benchmarks/dask_scale.py --sizes 1000000 --workers 1 --methods dask-selftrain dask-anchor
    python benchmarks/dask_scale.py --sizes 3000000 --workers 2 --methods dask-selftrain dask-anchor
    python benchmarks/dask_scale.py --sizes 10000000 --workers 2 --methods cli-auto

``cli-*`` cells run the command a user runs, in a subprocess whose process tree (the CLI,
the cluster's nannies and workers) is sampled: ``fewlabels fit '<data>/*.parquet' --target y
--engine dask --workers W --memory-limit 4GB --method M --out <tmp>`` (``cli-auto``: the
default method, which means self-training under the engine); the fit time is the command's
wall time, including the predictions written for every row, the report and the manifest;
accuracy is that of the saved ``model.skops`` on the held-out rows.

Appends to results/dask_scale.jsonl; ``--markdown`` rewrites results/dask_scale.md from it.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
CACHE = HERE / "_cache" / "dask_scale"
RESULTS = HERE / "results"
PART_ROWS = 250_000
LABELED_SHARE = 0.0005
N_TEST = 50_000
SEED = 0
METHODS = (
    "dask-selftrain", "dask-anchor", "single-selftrain", "single-spreading", "supervised",
    "cli-auto", "cli-label-spreading",
)  # fmt: skip
ST_PARAMS = dict(threshold=0.9, max_pseudo=20_000, max_iter=3, random_state=0)
ANCHOR_PARAMS = dict(n_anchors=500, n_nearest=3, alpha=0.9, random_state=0)


def _centres():
    rng = np.random.default_rng(12345)
    return rng.normal(0, 1.2, (2, 4, 8)), rng.normal(0, 1, (8, 4))


def generate(n: int, seed: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of the generator (features float32, classes), fixed by ``seed``."""
    centres, mix = _centres()
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    c = rng.integers(0, 4, n)
    inf = centres[y, c] + rng.normal(0, 1, (n, 8))
    red = inf @ mix + rng.normal(0, 0.3, (n, 4))
    noise = rng.normal(0, 1, (n, 8))
    return np.hstack([inf, red, noise]).astype(np.float32), y


def make_data(n_rows: int) -> Path:
    import pandas as pd

    from fewlabels.scale import row_uniform

    path = CACHE / f"synth_{n_rows}"
    if (path / "_done").exists():
        return path
    path.mkdir(parents=True, exist_ok=True)
    for i, a in enumerate(range(0, n_rows, PART_ROWS)):
        n = min(PART_ROWS, n_rows - a)
        X, y = generate(n, seed=1000 + i)
        target = np.where(row_uniform(np.arange(a, a + n), SEED, 99) < LABELED_SHARE, y, np.nan)
        frame = pd.DataFrame(X, columns=[f"f{j:02d}" for j in range(20)])
        frame["y"] = target
        frame.to_parquet(path / f"part-{i:04d}.parquet", index=False)
    (path / "_done").write_text("ok")
    return path


class MemorySampler:
    """Peak RSS of this process and of each of its child processes (the workers)."""

    def __init__(self, every: float = 0.25):
        import psutil

        self.me = psutil.Process()
        self.every = every
        self.peaks: dict[int, float] = {}
        self.client_peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.client_peak = max(self.client_peak, self.me.memory_info().rss / 2**30)
            for child in self.me.children(recursive=True):
                try:
                    rss = child.memory_info().rss / 2**30
                except Exception:
                    continue
                self.peaks[child.pid] = max(self.peaks.get(child.pid, 0.0), rss)
            time.sleep(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_cell(method: str, n_rows: int, workers: int) -> dict:
    import pandas as pd

    data = make_data(n_rows)
    X_te, y_te = generate(N_TEST, seed=777)
    X_te = pd.DataFrame(X_te, columns=[f"f{j:02d}" for j in range(20)])
    out: dict = {"n_rows": n_rows, "workers": workers if method[:3] in ("das", "cli") else 0}
    if method.startswith("cli-"):
        import shutil
        import subprocess
        import tempfile

        from fewlabels.persist import load_model

        tmp = Path(tempfile.mkdtemp(prefix="fewlabels-10m-", dir=CACHE))
        cmd = ["fit", str(data / "*.parquet"), "--target", "y", "--engine", "dask",
               "--workers", str(workers), "--memory-limit", "4GB",
               "--method", method[4:], "--out", str(tmp / "run")]  # fmt: skip
        out["fewlabels_command"] = "fewlabels " + " ".join(cmd)
        with MemorySampler() as mem:
            t0 = time.perf_counter()
            done = subprocess.run(
                [str(Path(sys.executable).parent / "fewlabels"), *cmd],
                capture_output=True,
                text=True,
            )
            out["fit_s"] = round(time.perf_counter() - t0, 1)
        if done.returncode != 0:
            raise RuntimeError((done.stderr.strip().splitlines() or ["no output"])[-1])
        out["stderr_tail"] = done.stderr.strip().splitlines()[-3:]
        out["client_peak_gb"] = round(mem.client_peak, 2)
        out["process_peaks_gb"] = sorted(round(v, 2) for v in mem.peaks.values())
        run = tmp / "run"
        out["outputs"] = sorted(p.name for p in run.iterdir())
        out["prediction_files"] = len(list((run / "predictions").glob("*.parquet")))
        out["predictions_gb"] = round(
            sum(p.stat().st_size for p in (run / "predictions").glob("*")) / 2**30, 2
        )
        model = load_model(run / "model.skops").model
        shutil.rmtree(tmp, ignore_errors=True)
    elif method.startswith("dask"):
        from fewlabels.scale import (
            fit_anchor_spreading_dask,
            fit_self_training_dask,
            read_partitioned,
            start_engine,
        )

        with MemorySampler() as mem:
            with start_engine(n_workers=workers, memory_limit="4GB"):
                t0 = time.perf_counter()
                ddf = read_partitioned(str(data / "*.parquet"))
                if method == "dask-selftrain":
                    model = fit_self_training_dask(ddf, "y", **ST_PARAMS)
                    out["history"] = model.history_
                else:
                    model = fit_anchor_spreading_dask(ddf, "y", **ANCHOR_PARAMS)
                out["fit_s"] = round(time.perf_counter() - t0, 1)
                out["n_partitions"] = int(ddf.npartitions)
        out["client_peak_gb"] = round(mem.client_peak, 2)
        out["process_peaks_gb"] = sorted(round(v, 2) for v in mem.peaks.values())
    else:
        with MemorySampler() as mem:
            frame = pd.read_parquet(data)
            X, y = frame.drop(columns="y"), frame["y"]
            t0 = time.perf_counter()
            if method == "single-selftrain":
                from fewlabels.selftrain import SelfTrainingClassifier

                model = SelfTrainingClassifier(random_state=0).fit(X, y)
            elif method == "single-spreading":
                from fewlabels.graph import LabelSpreadingClassifier

                model = LabelSpreadingClassifier(random_state=0).fit(
                    X.to_numpy(), y.fillna(-1).astype(int).to_numpy()
                )
                X_te = X_te.to_numpy()
            else:
                from fewlabels.supervised import default_classifier

                lab = y.notna().to_numpy()
                model = default_classifier(0).fit(X[lab], y[lab].astype(int))
            out["fit_s"] = round(time.perf_counter() - t0, 1)
        out["client_peak_gb"] = round(mem.client_peak, 2)
    t0 = time.perf_counter()
    pred = np.asarray(model.predict(X_te)).astype(int)
    out["predict_50k_s"] = round(time.perf_counter() - t0, 2)
    out["accuracy"] = round(float((pred == y_te).mean()), 4)
    return out


def write_markdown() -> None:
    rows = [
        json.loads(line)
        for line in (RESULTS / "dask_scale.jsonl").read_text().splitlines()
        if line.strip()
    ]
    lines = [
        "# Scale-out on Dask (benchmarks/dask_scale.py)",
        "",
        "Synthetic 20-column binary table, 0.05% labeled, 250,000-row Parquet files; accuracy on",
        "50,000 held-out rows. Workers: 1 thread, 4 GB limit each. Peak RSS sampled every 0.25 s;",
        "'other processes' are the cluster's children (nanny and worker of each worker).",
        f"Self-training: {ST_PARAMS}; anchor spreading: {ANCHOR_PARAMS}.",
        "",
        "| method | rows | workers | fit s | accuracy | client peak GB | other processes' peaks GB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        if "error" in r:
            lines.append(
                f"| {r['method']} | {r['n_rows']:,} | {r.get('workers', '')} | error: {r['error']} | | | |"
            )
            continue
        lines.append(
            f"| {r['method']} | {r['n_rows']:,} | {r['workers']} | {r['fit_s']} | {r['accuracy']} | "
            f"{r['client_peak_gb']} | {', '.join(map(str, r.get('process_peaks_gb', [])))} |"
        )
    (RESULTS / "dask_scale.md").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cell", nargs=3, metavar=("METHOD", "ROWS", "WORKERS"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if args.cell:
        method, rows, workers = args.cell
        print(json.dumps(run_cell(method, int(rows), int(workers))))
        return
    if args.markdown:
        write_markdown()
        return
    import subprocess

    RESULTS.mkdir(exist_ok=True)
    for n in args.sizes:
        make_data(n)
        for method in args.methods:
            cmd = [sys.executable, __file__, "--cell", method, str(n), str(args.workers)]
            try:
                done = subprocess.run(
                    cmd, capture_output=True, text=True, timeout=args.timeout, check=True
                )
                row = {"method": method, **json.loads(done.stdout.strip().splitlines()[-1])}
            except subprocess.TimeoutExpired:
                row = {
                    "method": method,
                    "n_rows": n,
                    "error": f"timeout after {args.timeout:.0f} s",
                }
            except subprocess.CalledProcessError as exc:
                lines = exc.stderr.strip().splitlines() or ["no output"]
                row = {"method": method, "n_rows": n, "error": lines[-1][:200]}
            row["command"] = " ".join(
                [
                    "python benchmarks/dask_scale.py",
                    "--sizes",
                    str(n),
                    "--workers",
                    str(args.workers),
                ]
            )
            print(json.dumps({k: v for k, v in row.items() if k != "history"}), flush=True)
            with open(RESULTS / "dask_scale.jsonl", "a") as fh:
                fh.write(json.dumps(row) + "\n")
    write_markdown()


if __name__ == "__main__":
    main()
