"""PU learning against pulearn 0.2.0, the prior's interval coverage, and LLP against bag
size (issue 16).

(a) PU. SCAR synthetic data (``--pu-rows`` rows, 5 features, prior 0.4, positives shifted
    by 3 on two features; a fresh test set of the same size) and suite datasets made PU
    (70/30 stratified split; the minority class is positive; each training positive is
    labeled with probability ``c``, the label frequency, 0.1-0.5; everything else is
    unlabeled). fewlabels' ``PUClassifier`` (elkan-noto, bagging, nnpu; the prior by
    best-bin estimation) against pulearn's ``ElkanotoPuClassifier`` (hold_out_ratio 0.1)
    and ``BaggingPuClassifier`` (10 estimators), which get the same LightGBM base models
    fewlabels builds by default for the same sizes (the labeled-vs-unlabeled one for
    Elkan-Noto, the bagging one for bagging). Reported: F1 of the positive class on the test rows (true labels)
    and the error of the estimated prior against the training rows' share of positives
    (pulearn's Elkan-Noto: labeled share / c; its bagging estimates no prior).
(b) Coverage. ``--coverage-runs`` SCAR samples per label frequency: how often the 95%
    bootstrap interval of ``PUClassifier.prior_interval_`` holds the population prior
    (0.4), on the synthetic data of (a) and on a harder variant (shift 1.5).
(c) LLP. Suite datasets split 70/30; the training rows are cut into random bags of
    ``--bag-sizes`` rows and only each bag's class shares are kept. ``ProportionsClassifier``
    (the LightGBM proportion loss, and EM-LLP) against the bag-majority baseline (the same
    LightGBM fitted on each row's bag-majority class) and against LightGBM fitted on the
    true labels. Test accuracy and fit seconds.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/pu_llp.py          # full
    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/pu_llp.py --quick  # ~5 min

Writes results/pu[_quick].json and results/llp[_quick].json and prints tables.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).parent


def _write(path: Path, obj: Any) -> None:
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(obj, indent=1) + "\n")
    os.replace(tmp, path)


def _scar(n: int, prior: float, c: float, shift: float, seed: int):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < prior
    X = rng.normal(size=(n, 5))
    X[y, :2] += shift
    s = y & (rng.random(n) < c)
    return X, y, s


def _suite(name: str, seed: int):
    """Numeric X, the positive mask (minority class), split 70/30 stratified."""
    from sklearn.model_selection import train_test_split

    from fewlabels.data import TableEncoder
    from fewlabels.datasets import load

    X, y, _ = load(name)
    X = TableEncoder(output="numeric").fit_transform(X)
    X = np.asarray(X, dtype=float)
    values, counts = np.unique(np.asarray(y).astype(str), return_counts=True)
    positive = np.asarray(y).astype(str) == values[np.argmin(counts)]
    return train_test_split(X, positive, test_size=0.3, stratify=positive, random_state=seed)


# ----------------------------------------------------------------------------- (a) PU
def pu_cell(X, y, s, Xt, yt, seed: int) -> list[dict[str, Any]]:
    from pulearn import BaggingPuClassifier, ElkanotoPuClassifier

    from fewlabels.noise import PUClassifier, positive_class_scores
    from fewlabels.noise.proportions import llp_default_lightgbm

    true_prior = float(y.mean())
    target = np.where(s, 1, None).astype(object)
    rows = []
    for method in ("elkan-noto", "bagging", "nnpu"):
        t = time.perf_counter()
        clf = PUClassifier(method=method, random_state=seed).fit(X, target)
        sec = time.perf_counter() - t
        f1 = positive_class_scores(yt, clf.predict(Xt) == 1)[2]
        lo, hi = clf.prior_interval_
        rows.append(
            {
                "tool": "fewlabels",
                "method": method,
                "f1": f1,
                "prior": clf.prior_,
                "prior_error": abs(clf.prior_ - true_prior),
                "covered": bool(lo <= true_prior <= hi),
                "seconds": sec,
            }
        )
    # the base models PUClassifier builds by default for these sizes
    leaf = int(np.clip(len(s) // 8, 5, 50))
    g_model = llp_default_lightgbm(seed).set_params(learning_rate=0.05, min_child_samples=leaf)
    bag_model = llp_default_lightgbm(seed).set_params(
        min_child_samples=int(np.clip(2 * s.sum() // 20, 2, 20))
    )

    def elkanoto():
        en = ElkanotoPuClassifier(g_model, hold_out_ratio=0.1, random_state=seed).fit(X, s * 1)
        return en.predict(Xt) == 1, min(float(s.mean()) / en.c, 1.0)

    def bagging():
        bag = BaggingPuClassifier(bag_model, n_estimators=10, random_state=seed)
        return bag.fit(X, s * 1).predict(Xt) == 1, None

    for method, fn in (("elkan-noto", elkanoto), ("bagging", bagging)):
        row: dict[str, Any] = {"tool": "pulearn", "method": method}
        t = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pred, prior = fn()
        except ValueError as exc:  # pulearn refuses (e.g. no positive in its hold-out)
            row.update(f1=None, prior=None, prior_error=None, error=str(exc).split(".")[0])
        else:
            row.update(
                f1=positive_class_scores(yt, pred)[2],
                prior=prior,
                prior_error=None if prior is None else abs(prior - true_prior),
            )
        row["seconds"] = time.perf_counter() - t
        rows.append(row)
    return rows


def run_pu(args) -> list[dict[str, Any]]:
    cells = []
    for seed in range(args.seeds):
        for c in args.frequencies:
            X, y, s = _scar(args.pu_rows, 0.4, c, 3.0, seed)
            Xt, yt, _ = _scar(args.pu_rows, 0.4, c, 3.0, 1000 + seed)
            for r in pu_cell(X, y, s, Xt, yt, seed):
                cells.append({"data": "scar-synthetic", "c": c, "seed": seed, **r})
            for name in args.pu_datasets:
                Xtr, Xte, ytr, yte = _suite(name, seed)
                rng = np.random.default_rng(seed)
                s = ytr & (rng.random(len(ytr)) < c)
                if s.sum() < 4:
                    continue
                for r in pu_cell(Xtr, ytr, s, Xte, yte, seed):
                    cells.append({"data": name, "c": c, "seed": seed, **r})
            print(f"  PU seed {seed} c {c}: done", flush=True)
    return cells


def pu_table(cells: list[dict[str, Any]]) -> str:
    keys = sorted({(c["data"], c["c"]) for c in cells})
    methods = [
        ("fewlabels", "elkan-noto"),
        ("fewlabels", "bagging"),
        ("fewlabels", "nnpu"),
        ("pulearn", "elkan-noto"),
        ("pulearn", "bagging"),
    ]
    head = "| data | c | " + " | ".join(f"{t} {m} F1 (prior err)" for t, m in methods) + " |"
    lines = [head, "|" + " --- |" * (2 + len(methods))]
    for data, c in keys:
        parts = []
        for t, m in methods:
            sel = [
                x for x in cells if (x["data"], x["c"], x["tool"], x["method"]) == (data, c, t, m)
            ]
            f1s = [x["f1"] for x in sel if x["f1"] is not None]
            errs = [x["prior_error"] for x in sel if x["prior_error"] is not None]
            failed = len(sel) - len(f1s)
            f1 = f"{np.mean(f1s):.3f}" if f1s else "failed"
            f1 += f" ({failed} failed)" if failed and f1s else ""
            parts.append(f"{f1} ({np.mean(errs):.3f})" if errs else f"{f1} (-)")
        lines.append(f"| {data} | {c} | " + " | ".join(parts) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- (b) coverage
def run_coverage(args) -> list[dict[str, Any]]:
    from fewlabels.noise import PUClassifier

    out = []
    settings = [(3.0, c) for c in args.frequencies] + [(1.5, 0.3)]
    for shift, c in settings:
        hits, errs, widths = [], [], []
        for run in range(args.coverage_runs):
            X, _, s = _scar(args.pu_rows, 0.4, c, shift, 5000 + run)
            clf = PUClassifier(method="elkan-noto", random_state=run)
            clf.fit(X, np.where(s, 1, None).astype(object))
            lo, hi = clf.prior_interval_
            hits.append(lo <= 0.4 <= hi)
            errs.append(clf.prior_ - 0.4)
            widths.append(hi - lo)
        out.append(
            {
                "shift": shift,
                "c": c,
                "runs": args.coverage_runs,
                "coverage": float(np.mean(hits)),
                "bias": float(np.mean(errs)),
                "mean_abs_error": float(np.mean(np.abs(errs))),
                "mean_width": float(np.mean(widths)),
            }
        )
        r = out[-1]
        print(
            f"  coverage shift {shift} c {c}: {r['coverage']:.2f} over {r['runs']} runs "
            f"(bias {r['bias']:+.3f}, width {r['mean_width']:.3f})",
            flush=True,
        )
    return out


# ----------------------------------------------------------------------------- (c) LLP
def run_llp(args) -> list[dict[str, Any]]:
    from sklearn.model_selection import train_test_split

    from fewlabels.data import TableEncoder
    from fewlabels.data.labels import proportions_target
    from fewlabels.datasets import load
    from fewlabels.noise import ProportionsClassifier, bag_majority_labels
    from fewlabels.noise.proportions import llp_default_lightgbm

    cells = []
    for name in args.llp_datasets:
        X, y, _ = load(name)
        X = np.asarray(TableEncoder(output="numeric").fit_transform(X), dtype=float)
        classes, codes = np.unique(np.asarray(y).astype(str), return_inverse=True)
        for seed in range(args.seeds):
            Xtr, Xte, ytr, yte = train_test_split(
                X, codes, test_size=0.3, stratify=codes, random_state=seed
            )
            t = time.perf_counter()
            sup = llp_default_lightgbm(seed).fit(Xtr, ytr)
            sup_sec = time.perf_counter() - t
            sup_acc = float((sup.predict(Xte) == yte).mean())
            rng = np.random.default_rng(seed)
            for size in args.bag_sizes:
                bags = rng.permutation(np.arange(len(ytr)) // size)
                shares = {
                    int(b): {k: float(np.mean(ytr[bags == b] == k)) for k in range(len(classes))}
                    for b in np.unique(bags)
                }
                target = proportions_target(bags, shares)
                cell = {
                    "data": name,
                    "seed": seed,
                    "bag_size": size,
                    "n_train": len(ytr),
                    "n_classes": len(classes),
                    "supervised_true_labels": sup_acc,
                    "supervised_seconds": sup_sec,
                }
                majority = bag_majority_labels(target.bags, target.proportions)
                maj_model = llp_default_lightgbm(seed).fit(Xtr, majority)
                cell["bag_majority"] = float((maj_model.predict(Xte) == yte).mean())
                for method in ("lightgbm-proportion-loss", "em"):
                    t = time.perf_counter()
                    clf = ProportionsClassifier(method=method, cv=None, random_state=seed)
                    clf.fit(Xtr, target)
                    cell[f"{method}_seconds"] = time.perf_counter() - t
                    cell[method] = float((clf.predict(Xte).astype(int) == yte).mean())
                cells.append(cell)
                print(
                    f"  LLP {name} seed {seed} bags of {size}: proportion loss "
                    f"{cell['lightgbm-proportion-loss']:.3f} ({cell['lightgbm-proportion-loss_seconds']:.1f}s), "
                    f"EM {cell['em']:.3f} ({cell['em_seconds']:.1f}s), bag majority "
                    f"{cell['bag_majority']:.3f}, true labels {sup_acc:.3f}",
                    flush=True,
                )
    return cells


def llp_table(cells: list[dict[str, Any]]) -> str:
    lines = [
        "| data | bag size | proportion loss | EM-LLP | bag majority | true labels | "
        "seconds (loss / EM) |",
        "|" + " --- |" * 7,
    ]
    for data, size in sorted({(c["data"], c["bag_size"]) for c in cells}):
        sel = [c for c in cells if (c["data"], c["bag_size"]) == (data, size)]
        m = {
            k: np.mean([c[k] for c in sel])
            for k in (
                "lightgbm-proportion-loss",
                "em",
                "bag_majority",
                "supervised_true_labels",
                "lightgbm-proportion-loss_seconds",
                "em_seconds",
            )
        }
        lines.append(
            f"| {data} | {size} | {m['lightgbm-proportion-loss']:.3f} | {m['em']:.3f} | "
            f"{m['bag_majority']:.3f} | {m['supervised_true_labels']:.3f} | "
            f"{m['lightgbm-proportion-loss_seconds']:.2f} / {m['em_seconds']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one seed, fewer cells (~5 min)")
    ap.add_argument("--pu-rows", type=int, default=2000)
    ap.add_argument("--frequencies", nargs="*", type=float, default=[0.1, 0.2, 0.3, 0.4, 0.5])
    ap.add_argument("--pu-datasets", nargs="*", default=["breast_cancer", "spambase"])
    ap.add_argument("--coverage-runs", type=int, default=20)
    ap.add_argument("--llp-datasets", nargs="*", default=["spambase", "phoneme", "segment"])
    ap.add_argument("--bag-sizes", nargs="*", type=int, default=[8, 16, 32, 64, 128, 256])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--parts", nargs="*", default=["pu", "coverage", "llp"])
    args = ap.parse_args(argv)
    suffix = ""
    if args.quick:
        suffix = "_quick"
        args.seeds = 1
        args.frequencies = [0.1, 0.3, 0.5]
        args.llp_datasets = ["spambase", "segment"]
        args.bag_sizes = [8, 32, 128, 256]
    import pulearn

    command = "OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/pu_llp.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    machine = {"python": platform.python_version(), "cpu": platform.machine()}
    started = time.perf_counter()
    if "pu" in args.parts or "coverage" in args.parts:
        pu = run_pu(args) if "pu" in args.parts else []
        coverage = run_coverage(args) if "coverage" in args.parts else []
        if pu:
            print(pu_table(pu))
        result = {
            "command": command,
            "machine": machine,
            "pulearn": pulearn.__version__,
            "pu": pu,
            "coverage": coverage,
            "seconds": time.perf_counter() - started,
        }
        _write(HERE / "results" / f"pu{suffix}.json", result)
    if "llp" in args.parts:
        t = time.perf_counter()
        llp = run_llp(args)
        print(llp_table(llp))
        _write(
            HERE / "results" / f"llp{suffix}.json",
            {
                "command": command,
                "machine": machine,
                "llp": llp,
                "seconds": time.perf_counter() - t,
            },
        )
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
