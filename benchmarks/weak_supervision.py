"""Weak supervision (issue 15): fewlabels' label models and end model against snorkel 0.10.

(a) ``synthetic``: LF sets with known accuracies (binary independent, binary with four
    copies of a weak LF, four classes). Label accuracy on the covered rows and coverage of
    majority vote, weighted majority vote (fitted with 100 true labels), Dawid-Skene, matrix
    completion, and snorkel's ``LabelModel`` (its tutorial's fit: 500 epochs, seed 123).
(b) ``real``: the LF sets committed in ``benchmarks/lfs/`` (fine_foods keywords; rules for
    breast_cancer, spambase, mushroom). Each table is split 70/30 (stratified, per seed);
    the train part keeps 50, 100 or 200 true labels. Reported per cell: each label model's
    accuracy on the covered train rows, the coverage, and the test accuracy of the end model
    trained by ``WeakSupervisionClassifier`` (label model "auto" and "majority"; weak labels
    plus the true labels) against the same end model on the true labels alone
    ("supervised"). The end model is logistic regression on standardised features by
    default (``--end-model lgbm``: fewlabels' LightGBM). fine_foods' features: TF-IDF of the
    review reduced to 100 dimensions (truncated SVD), fitted on all rows without labels.
(c) ``speed``: label-model fit on 1,000,000 rows x 20 LFs (binary, coverages 0.3-0.8),
    each model timed once in memory and once on a Dask DataFrame of 8 partitions (one
    thread; ``fit_label_model_dask`` counts the vote patterns, then fits on them), and
    snorkel's ``LabelModel.fit`` (500 epochs) once.

Runs on one thread (OMP_NUM_THREADS=1; torch.set_num_threads(1) for snorkel). Quick check:

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/weak_supervision.py --quick --part synthetic
    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/weak_supervision.py --quick --part real
    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/weak_supervision.py --quick --part speed

Full run (5 seeds, 5-fold selection, 2 repeats; tens of minutes):

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/weak_supervision.py --part all

Writes results/weak_<part>[_quick].json and prints tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).parent
OURS = ("majority", "weighted", "dawid-skene", "matrix-completion")
REAL = ("fine_foods", "trump_tweets", "breast_cancer", "spambase", "mushroom")
#: The text sets and their text column (features: TF-IDF reduced by truncated SVD).
TEXT = {"fine_foods": "review", "trump_tweets": "text"}
#: auto's time limit in the "auto" rows (with and without the LFs' votes).
AUTO_TIME_LIMIT = 30.0


# --------------------------------------------------------------------------- snorkel
def snorkel_available() -> bool:
    return importlib.util.find_spec("snorkel") is not None


def snorkel_label_model(L: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """snorkel's LabelModel as its tutorial fits it; returns (soft labels, fit seconds)."""
    import torch
    from snorkel.labeling.model import LabelModel

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = LabelModel(cardinality=k, verbose=False)
        t = time.perf_counter()
        lm.fit(L_train=L, n_epochs=500, log_freq=100, seed=123, progress_bar=False)
        seconds = time.perf_counter() - t
        return lm.predict_proba(L), seconds


# --------------------------------------------------------------------------- helpers
def synthetic(n, accuracies, coverages, seed, k=2, balance=None, copies=0):
    rng = np.random.default_rng(seed)
    y = rng.choice(k, n, p=balance)
    L = np.full((n, len(accuracies)), -1, dtype=np.int16)
    for j, (a, c) in enumerate(zip(accuracies, coverages, strict=True)):
        on = rng.random(n) < c
        wrong = (y + rng.integers(1, k, n)) % k
        L[on, j] = np.where(rng.random(n) < a, y, wrong)[on]
    if copies:
        L = np.c_[L, np.repeat(L[:, -1:], copies, axis=1)]
    return L, y


def covered_accuracy(P: np.ndarray, L: np.ndarray, y: np.ndarray, balance: np.ndarray) -> float:
    covered = (L >= 0).any(axis=1)
    pred = np.argmax(P + 1e-9 * balance[None, :], axis=1)
    return float(np.mean(pred[covered] == y[covered])) if covered.any() else float("nan")


def label_rows(L, y, k, y_fit) -> list[dict[str, Any]]:
    """Every label model's accuracy on the covered rows of ``L``."""
    from fewlabels.weak import fit_label_model

    rows = []
    balance = np.bincount(y, minlength=k) / len(y)
    for name in OURS:
        t = time.perf_counter()
        lm = fit_label_model(name, L, k, y_fit)
        sec = time.perf_counter() - t
        rows.append(
            {
                "model": name,
                "tool": "fewlabels",
                "seconds": sec,
                "accuracy": covered_accuracy(lm.predict_proba(L), L, y, lm.class_balance),
            }
        )
    if snorkel_available():
        P, sec = snorkel_label_model(L, k)
        rows.append(
            {
                "model": "snorkel LabelModel",
                "tool": "snorkel",
                "seconds": sec,
                "accuracy": covered_accuracy(P, L, y, balance),
            }
        )
    cov = float((L >= 0).any(axis=1).mean())
    for r in rows:
        r["coverage"] = cov
    return rows


# --------------------------------------------------------------------------- (a)
def part_synthetic(quick: bool, seeds: int) -> list[dict[str, Any]]:
    n = 5_000 if quick else 20_000
    out = []
    for seed in range(seeds):
        rng = np.random.default_rng(100 + seed)
        sets = {
            "independent": dict(
                accuracies=rng.uniform(0.55, 0.9, 10),
                coverages=rng.uniform(0.2, 0.7, 10),
                balance=[0.6, 0.4],
            ),
            "correlated (4 copies of a 0.6 LF)": dict(
                accuracies=[*rng.uniform(0.6, 0.9, 6), 0.6],
                coverages=[*rng.uniform(0.2, 0.7, 6), 0.6],
                balance=[0.6, 0.4],
                copies=4,
            ),
            "four classes": dict(
                accuracies=rng.uniform(0.45, 0.85, 8), coverages=rng.uniform(0.3, 0.7, 8), k=4
            ),
        }
        for name, spec in sets.items():
            k = spec.get("k", 2)
            L, y = synthetic(n, seed=seed, **spec)
            y_fit = np.full(n, -1)
            few = np.random.default_rng(seed).choice(n, 100, replace=False)
            y_fit[few] = y[few]
            for r in label_rows(L, y, k, y_fit):
                out.append({"set": name, "seed": seed, "rows": n, "lfs": L.shape[1], **r})
            out.append(
                {"set": name, "seed": seed, "rows": n, "lfs": L.shape[1],
                 **_chosen_label_model(L, y, k, y_fit, seed, quick)}
            )  # fmt: skip
    return out


def _chosen_label_model(L, y, k, y_fit, seed, quick) -> dict[str, Any]:
    """The label model ``WeakSupervisionClassifier(label_model="auto")`` chooses on the true
    labels of ``y_fit`` (its held-out folds; the end model here is a constant feature, only
    the choice is read), scored like the others on the covered rows."""
    from sklearn.linear_model import LogisticRegression

    from fewlabels.weak import WeakSupervisionClassifier

    t = time.perf_counter()
    clf = WeakSupervisionClassifier(
        end_model=LogisticRegression(), self_training=False, cv=3 if quick else 5,
        n_repeats=1 if quick else 2, random_state=seed,
    ).fit(np.zeros((len(L), 1)), y_fit, label_matrix=L)  # fmt: skip
    lm = clf.label_model_
    return {
        "model": "chosen (auto)",
        "chosen": clf.label_model_name_,
        "tool": "fewlabels",
        "seconds": time.perf_counter() - t,
        "accuracy": covered_accuracy(lm.predict_proba(L), L, y, lm.class_balance),
        "coverage": float((L >= 0).any(axis=1).mean()),
    }


# --------------------------------------------------------------------------- (b)
def _load_lfs(name: str) -> list[Any]:
    from fewlabels.weak.workflow import load_lfs

    return load_lfs(HERE / "lfs" / f"{name}.py")


def _load(name: str):
    """``(X, y)`` of an LF set's table. ``trump_tweets`` is ``benchmarks/text.py``'s tweet set
    (its pool and test tweets together; the split here is this script's own)."""
    if name == "trump_tweets":
        import pandas as pd

        sys.path.insert(0, str(HERE))
        from text import load as load_text

        pool_x, pool_y, test_x, test_y = load_text(name)
        X = pd.DataFrame({"text": pd.concat([pool_x, test_x], ignore_index=True)})
        return X, pd.Series(np.r_[pool_y, test_y])
    from fewlabels.datasets import load

    X, y, _ = load(name)
    return X, y


def _features(name: str, X) -> np.ndarray:
    from sklearn.preprocessing import StandardScaler

    if name in TEXT:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        T = TfidfVectorizer(min_df=3, sublinear_tf=True).fit_transform(X[TEXT[name]].fillna(""))
        F = TruncatedSVD(100, random_state=0).fit_transform(T)
    else:
        from fewlabels.data import TableEncoder

        F = np.asarray(TableEncoder(output="numeric").fit_transform(X), dtype=float)
    return StandardScaler().fit_transform(F)


def _end_model(kind: str, seed: int):
    if kind == "lgbm":
        from fewlabels.supervised import default_classifier

        return default_classifier(seed)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=2000)


def part_real(
    quick: bool, seeds: int, end_model: str, datasets: list[str], auto_seeds: int = 0
) -> list[dict[str, Any]]:
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    from fewlabels import AutoClassifier
    from fewlabels.weak import WeakSupervisionClassifier, apply_lfs, soft_label_rows

    out = []
    budgets = (50, 100, 200)
    for name in datasets:
        X, y_raw = _load(name)
        classes = np.unique(y_raw.to_numpy())
        y = np.searchsorted(classes, y_raw.to_numpy())
        k = len(classes)
        L = apply_lfs(_load_lfs(name), X, classes=list(classes))
        F = _features(name, X)
        for seed in range(seeds):
            tr, te = train_test_split(
                np.arange(len(y)), test_size=0.3, stratify=y, random_state=seed
            )
            tr, te = np.sort(tr), np.sort(te)
            for b in budgets:
                few = train_test_split(tr, train_size=b, stratify=y[tr], random_state=seed)[0]
                y_tr = np.full(len(tr), -1)
                pos = np.searchsorted(tr, few)
                y_tr[pos] = y[few]
                Ltr = L[tr]
                base = {
                    "dataset": name,
                    "seed": seed,
                    "labels": b,
                    "train_rows": len(tr),
                    "lfs": L.shape[1],
                    "end_model": end_model,
                }
                for r in label_rows(Ltr, y[tr], k, y_tr):
                    out.append({**base, "kind": "label model", **r})
                end = _end_model(end_model, seed)
                for lm in ("auto", "majority"):
                    t = time.perf_counter()
                    clf = WeakSupervisionClassifier(
                        label_model=lm,
                        end_model=end,
                        cv=3 if quick else 5,
                        n_repeats=1 if quick else 2,
                        random_state=seed,
                    ).fit(F[tr], y_tr, label_matrix=Ltr)
                    acc = float(np.mean(clf.predict(F[te]) == y[te]))
                    if lm == "auto":
                        chosen_lm = clf.label_model_
                    covered = clf.covered_
                    label_acc = float(
                        np.mean(clf.label_model_.predict(Ltr)[covered] == y[tr][covered])
                    )
                    out.append(
                        {
                            **base,
                            "kind": "end model",
                            "model": f"weak ({lm})",
                            "tool": "fewlabels",
                            "test_accuracy": acc,
                            "chosen_label_model": clf.label_model_name_,
                            "label_accuracy": label_acc,
                            "weak_kept": bool(clf.weak_kept_),
                            "fallback": clf.fallback_,
                            "coverage": clf.coverage_,
                            "seconds": time.perf_counter() - t,
                        }
                    )
                # the same recipe (true labels plus the covered rows' soft labels, no
                # self-training) with fewlabels' chosen label model and with snorkel's
                unl = np.flatnonzero(y_tr == -1)
                cov_unl = unl[(Ltr[unl] != -1).any(axis=1)]
                soft = {"fewlabels": chosen_lm.predict_proba(Ltr[cov_unl])}
                if snorkel_available():
                    soft["snorkel"] = snorkel_label_model(Ltr, k)[0][cov_unl]
                for tool, Q in soft.items():
                    r, c, w = soft_label_rows(Q, cov_unl)
                    rows_ = np.r_[pos, r]
                    model = clone(end).fit(
                        F[tr][rows_], np.r_[y[few], c], sample_weight=np.r_[np.ones(b), w]
                    )
                    out.append(
                        {
                            **base,
                            "kind": "end model",
                            "model": f"soft labels ({tool})",
                            "tool": tool,
                            "test_accuracy": float(np.mean(model.predict(F[te]) == y[te])),
                        }
                    )
                if seed < auto_seeds:
                    for with_lfs in (False, True):
                        t = time.perf_counter()
                        auto = AutoClassifier(
                            time_limit=AUTO_TIME_LIMIT, random_state=seed, n_jobs=1
                        ).fit(F[tr], y_tr, label_matrix=Ltr if with_lfs else None)
                        out.append(
                            {
                                **base,
                                "kind": "end model",
                                "model": "auto + LFs" if with_lfs else "auto",
                                "tool": "fewlabels",
                                "test_accuracy": float(np.mean(auto.predict(F[te]) == y[te])),
                                "chosen": auto.best_method_,
                                "weights": auto.weights_,
                                "weak_label_model": auto.weak_label_model_,
                                "seconds": time.perf_counter() - t,
                            }
                        )
                sup = clone(end).fit(F[few], y[few])
                out.append(
                    {
                        **base,
                        "kind": "end model",
                        "model": "supervised",
                        "tool": "fewlabels",
                        "test_accuracy": float(np.mean(sup.predict(F[te]) == y[te])),
                    }
                )
                print(f"  {name} seed {seed} labels {b}: done", file=sys.stderr, flush=True)
    return out


# --------------------------------------------------------------------------- (c)
def part_speed() -> list[dict[str, Any]]:
    from fewlabels.weak import fit_label_model

    rng = np.random.default_rng(7)
    L, y = synthetic(1_000_000, rng.uniform(0.55, 0.9, 20), rng.uniform(0.3, 0.8, 20), seed=7)
    out = []
    for name in OURS:
        t = time.perf_counter()
        lm = fit_label_model(name, L, 2)
        sec = time.perf_counter() - t
        out.append(
            {
                "model": name,
                "tool": "fewlabels",
                "seconds": sec,
                "n_iter": lm.n_iter,
                "accuracy": covered_accuracy(lm.predict_proba(L), L, y, lm.class_balance),
            }
        )
        print(f"  {name}: {sec:.2f} s", file=sys.stderr, flush=True)
    if importlib.util.find_spec("dask") is not None:
        import dask
        import dask.dataframe as dd
        import pandas as pd

        from fewlabels.weak import fit_label_model_dask

        frame = pd.DataFrame(L, columns=[f"lf_{j}" for j in range(L.shape[1])])
        ddf = dd.from_pandas(frame, npartitions=8)
        for name in OURS:
            t = time.perf_counter()
            with dask.config.set(scheduler="threads", num_workers=1):
                lm = fit_label_model_dask(name, ddf, 2)
            sec = time.perf_counter() - t
            out.append(
                {
                    "model": f"{name} (Dask, 8 partitions)",
                    "tool": "fewlabels",
                    "seconds": sec,
                    "n_iter": lm.n_iter,
                    "accuracy": covered_accuracy(lm.predict_proba(L), L, y, lm.class_balance),
                }
            )
            print(f"  {name} on Dask: {sec:.2f} s", file=sys.stderr, flush=True)
    if snorkel_available():
        P, sec = snorkel_label_model(L, 2)
        out.append(
            {
                "model": "snorkel LabelModel (500 epochs)",
                "tool": "snorkel",
                "seconds": sec,
                "accuracy": covered_accuracy(P, L, y, np.array([0.5, 0.5])),
            }
        )
        print(f"  snorkel: {sec:.2f} s", file=sys.stderr, flush=True)
    for r in out:
        r.update(rows=1_000_000, lfs=20, timed_once=True)
    return out


# --------------------------------------------------------------------------- tables
def _print_label_table(rows, key):
    import pandas as pd

    df = pd.DataFrame([r for r in rows if r.get("kind", "label model") == "label model"])
    if df.empty:
        return
    t = df.pivot_table(index=key, columns="model", values="accuracy", aggfunc="mean")
    print(t.round(3).to_string())


def _print_end_table(rows):
    import pandas as pd

    df = pd.DataFrame([r for r in rows if r.get("kind") == "end model"])
    if df.empty:
        return
    t = df.pivot_table(
        index=["dataset", "labels"], columns="model", values="test_accuracy", aggfunc="mean"
    )
    print(t.round(3).to_string())
    auto = df[df["model"] == "weak (auto)"]
    cols = ["dataset", "labels", "seed", "chosen_label_model", "label_accuracy", "weak_kept"]
    print(auto[cols].round(3).to_string(index=False))


def write_markdown() -> Path:
    """results/weak_real.md from results/weak_real.json (and the auto rows of
    results/weak_real_auto.json, when present)."""
    import pandas as pd

    res = HERE / "results"
    rows = json.loads((res / "weak_real.json").read_text())["rows"]
    auto_file = res / "weak_real_auto.json"
    auto_rows = json.loads(auto_file.read_text())["rows"] if auto_file.exists() else []
    df = pd.DataFrame(rows + [r for r in auto_rows if r["model"] in ("auto", "auto + LFs")])
    lm = df[df["kind"] == "label model"]
    end = df[df["kind"] == "end model"]
    chosen = end[end["model"] == "weak (auto)"]
    out = ["# Weak supervision on real LF sets (benchmarks/weak_supervision.py)", ""]
    out += [
        "Label accuracy on the covered training rows (mean over seeds and budgets); *chosen*",
        "is the label model `WeakSupervisionClassifier(label_model='auto')` chose on the",
        "true labels, scored the same way.",
        "",
    ]
    t = lm.pivot_table(index="dataset", columns="model", values="accuracy", aggfunc="mean")
    t["chosen"] = chosen.groupby("dataset")["label_accuracy"].mean()
    t["coverage"] = lm.groupby("dataset")["coverage"].mean()
    out += [_md_table(t.round(3))]
    seeds = sorted(end["seed"].unique())
    out += [
        "",
        f"End model test accuracy (mean of seeds {seeds[0]}-{seeds[-1]}): logistic regression on "
        "the true labels only (supervised), `WeakSupervisionClassifier` (weak, with the label "
        "model chosen or majority vote), and the same end model on the true labels plus the "
        "covered rows' soft labels of fewlabels' chosen label model or of snorkel's.",
        "",
    ]
    cols = ["supervised", "weak (auto)", "weak (majority)", "soft labels (fewlabels)",
            "soft labels (snorkel)"]  # fmt: skip
    t = end.pivot_table(
        index=["dataset", "labels"], columns="model", values="test_accuracy", aggfunc="mean"
    )
    out += [_md_table(t[[c for c in cols if c in t.columns]].round(3))]
    if auto_rows:
        a_seeds = sorted({r["seed"] for r in auto_rows})
        sub = end[end["seed"].isin(a_seeds)]
        t = sub.pivot_table(
            index=["dataset", "labels"], columns="model", values="test_accuracy", aggfunc="mean"
        )
        out += [
            "",
            f"`auto` with and without the LFs' votes (`label_matrix`; seeds {a_seeds[0]}-"
            f"{a_seeds[-1]}, time limit {AUTO_TIME_LIMIT:.0f} s, the same features), beside the "
            "supervised and weak end models on the same seeds:",
            "",
            _md_table(t[["supervised", "weak (auto)", "auto", "auto + LFs"]].round(3)),
        ]
    dest = res / "weak_real.md"
    dest.write_text("\n".join(out) + "\n")
    return dest


def _md_table(t) -> str:
    index = list(t.index.names)
    head = [*index, *map(str, t.columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for key, row in t.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        lines.append("| " + " | ".join([*map(str, key), *(f"{v:.3f}" for v in row)]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 seed, 3 folds, fewer rows")
    ap.add_argument("--part", choices=["synthetic", "real", "speed", "all"], default="all")
    ap.add_argument("--seeds", type=int, default=None, help="default 1 with --quick, else 5")
    ap.add_argument("--end-model", choices=["logreg", "lgbm"], default="logreg")
    ap.add_argument("--datasets", nargs="*", default=list(REAL))
    ap.add_argument(
        "--markdown", action="store_true", help="only rewrite results/weak_real.md from the JSON"
    )
    ap.add_argument(
        "--auto-seeds",
        type=int,
        default=0,
        help="also fit auto with and without the LFs' votes on the first N seeds",
    )
    args = ap.parse_args(argv)
    if args.markdown:
        print(f"wrote {write_markdown()}", file=sys.stderr)
        return 0
    seeds = args.seeds or (1 if args.quick else 5)
    parts = ["synthetic", "real", "speed"] if args.part == "all" else [args.part]
    env = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "numpy": np.__version__,
        "snorkel": _version("snorkel"),
        "torch": _version("torch"),
        "note": "run under nice -n 19 with OMP_NUM_THREADS=1 on a shared 2-core machine "
        "while another benchmark ran; timings are one run each",
    }
    for part in parts:
        print(f"== {part}", file=sys.stderr, flush=True)
        if part == "synthetic":
            rows = part_synthetic(args.quick, seeds)
            _print_label_table(rows, "set")
        elif part == "real":
            rows = part_real(args.quick, seeds, args.end_model, args.datasets, args.auto_seeds)
            _print_label_table(rows, ["dataset", "labels"])
            _print_end_table(rows)
        else:
            rows = part_speed()
            for r in rows:
                print(
                    f"{r['model']:<34} {r['seconds']:7.2f} s  covered accuracy {r['accuracy']:.4f}"
                )
        name = f"weak_{part}{'_quick' if args.quick else ''}.json"
        dest = HERE / "results" / name
        payload = {
            "command": " ".join(["benchmarks/weak_supervision.py", *(argv or sys.argv[1:])]),
            "environment": env,
            "seeds": seeds,
            "rows": rows,
        }
        tmp = dest.with_suffix(".json.part")
        tmp.write_text(json.dumps(payload, indent=1, default=_jsonable))
        tmp.replace(dest)
        print(f"wrote {dest}", file=sys.stderr)
    return 0


def _version(pkg: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(pkg)
    except Exception:
        return None


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


if __name__ == "__main__":
    sys.exit(main())
