"""Active learning (issue 14): query speed, simulated learning curves, stopping, planner.

(a) Speed. A 200,000-row pool (``make_classification``, 20 features, 2 classes) and a
    logistic regression fitted on 100 labeled rows. Timed (best of ``--repeats``, each
    including the model's ``predict_proba`` on the rows scored): a margin batch of 100
    (fewlabels with its default candidate sample of 50,000 and on the whole pool;
    scikit-activeml's ``UncertaintySampling("margin_sampling")``, whole pool, if
    installed); a diversity batch of 100 (fewlabels ``ClusterMargin`` and ``CoreSet``
    with their default samples; scikit-activeml's ``CoreSet`` inside
    ``SubSamplingWrapper(max_candidates=10_000, exclude_non_subsample=True)``).
    Then one loop step (refit + query, ``auto`` with the loop's 5 s time limit,
    cluster-margin batch of 20) on ``pendigits`` (10,992 rows, 100 labels).
(b) Simulation on suite datasets (``--datasets``): a 30% stratified test part; the rest
    is the pool, with 2 labels per class to start. Every strategy runs ``--steps``
    batches of ``--batch`` rows against an oracle holding the hidden labels. The model
    is the same everywhere (``--model``): by default "auto-lite", fewlabels' auto with its
    cheap members only (logistic regression, kNN, label spreading, logistic regression
    on pseudo-labels; 2 s time limit, one CV repeat), or "selftrain-logreg"
    (``SelfTrainingClassifier(LogisticRegression)`` on the numeric view); it is
    refitted after each batch on every row (SSL-aware) or, for the "plain" runs, on the
    labeled rows only. scikit-activeml's strategies pick with their own
    ``SklearnClassifier(LogisticRegression)`` on the labeled rows (on the same numeric
    view), but the curve is measured with the same model. Reported per dataset: the
    area under each test-accuracy learning curve (mean accuracy over the label range),
    the best fewlabels and best scikit-activeml strategy, SSL-aware against plain at
    equal labels, the stopping points of the criteria with their cost (one unit per
    label plus ``--error-cost`` per wrong prediction on the pool, Pullar-Strecker et al.
    2023) against the cost-optimal step.
(c) Planner: from 40 random labels of the pool, ``plan_labels`` forecasts the accuracy
    at 2x and 4x; achieved = the test accuracy of the model fitted on 80 and 160 random
    labels (nested, mean of 3 draws). The absolute errors and their mean are reported.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/active_learning.py
    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/active_learning.py --quick

``--quick``: 3 datasets, 1 seed, 6 batches of 10, no EER, one repeat of the timings.
The full run: 8 datasets, 3 seeds, 20 batches of 10. Writes results/active_learning.json
(``_quick`` with ``--quick``; ``_selftrain-logreg`` for that model) and prints markdown
tables.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).parent
FULL_DATASETS = (
    "breast_cancer",
    "vehicle",
    "segment",
    "australian",
    "german",
    "satimage",
    "phoneme",
    "optdigits",
)
QUICK_DATASETS = ("breast_cancer", "vehicle", "segment")
FEWLABELS_STRATEGIES = (
    "random",
    "margin",
    "entropy",
    "committee",
    "density",
    "coreset",
    "cluster-margin",
    "typiclust",
    "probcover",
    "eer",
)
SK_STRATEGIES = (
    "sk-random",
    "sk-margin",
    "sk-entropy",
    "sk-coreset",
    "sk-typiclust",
    "sk-probcover",
)


def _best(fn, repeats: int) -> tuple[Any, float]:
    best, out = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def _has_skactiveml() -> bool:
    try:
        import skactiveml  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- (a) speed


def speed(repeats: int, seed: int) -> dict[str, Any]:
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from fewlabels.active import ClusterMargin, CoreSet, UncertaintySampling

    X, y_true = make_classification(200_100, 20, n_informative=10, random_state=seed)
    X = X.astype(np.float64)
    y = np.full(len(X), -1)
    y[:100] = y_true[:100]
    model = LogisticRegression(max_iter=1000).fit(X[:100], y[:100])
    out: dict[str, Any] = {"pool": int((y < 0).sum()), "features": X.shape[1], "batch": 100}
    cells = {
        "fewlabels margin (default: 50,000 candidates)": lambda: UncertaintySampling().query(
            X, y, model, 100, random_state=0
        ),
        "fewlabels margin (whole pool)": lambda: UncertaintySampling(max_candidates=None).query(
            X, y, model, 100, random_state=0
        ),
        "fewlabels cluster-margin (default: 50,000 candidates)": lambda: ClusterMargin().query(
            X, y, model, 100, random_state=0
        ),
        "fewlabels coreset (default: 20,000 candidates)": lambda: CoreSet().query(
            X, y, None, 100, random_state=0
        ),
        "fewlabels coreset (10,000 candidates)": lambda: CoreSet(max_candidates=10_000).query(
            X, y, None, 100, random_state=0
        ),
    }
    if _has_skactiveml():
        from skactiveml.classifier import SklearnClassifier
        from skactiveml.pool import CoreSet as SkCoreSet
        from skactiveml.pool import SubSamplingWrapper
        from skactiveml.pool import UncertaintySampling as SkUS

        y_sk = np.where(y >= 0, y, np.nan).astype(float)
        clf = SklearnClassifier(LogisticRegression(max_iter=1000), classes=[0, 1], random_state=0)
        clf.fit(X, y_sk)
        us = SkUS(method="margin_sampling", random_state=0)
        cs = SubSamplingWrapper(
            SkCoreSet(random_state=0),
            max_candidates=10_000,
            exclude_non_subsample=True,
            random_state=0,
        )
        cells["scikit-activeml margin (whole pool)"] = lambda: us.query(
            X, y_sk, clf, fit_clf=False, batch_size=100
        )
        cells["scikit-activeml CoreSet (SubSamplingWrapper 10,000, exclude_non_subsample)"] = (
            lambda: cs.query(X, y_sk, batch_size=100)
        )
    else:
        out["note"] = "scikit-activeml is not installed: its cells were skipped"
    out["seconds"] = {}
    for name, fn in cells.items():
        picks, seconds = _best(fn, repeats)
        out["seconds"][name] = round(seconds, 4)
        assert len(np.unique(picks)) == 100 and (y[np.asarray(picks)] < 0).all(), name
        print(f"  {name}: {seconds:.3f} s", flush=True)
    return out


def loop_step(seed: int) -> dict[str, Any]:
    """One step (refit + query) of the default loop (auto) on a 10,992-row table."""
    from fewlabels.active import ActiveLearningLoop, simulated_oracle
    from fewlabels.active.loop import AUTO_STEP_SECONDS
    from fewlabels.datasets import load

    X, y, _ = load("pendigits")
    truth = y.to_numpy()
    rng = np.random.default_rng(seed)
    start = np.full(len(truth), None, dtype=object)
    for c in np.unique(truth):
        rows = rng.choice(np.flatnonzero(truth == c), 10, replace=False)
        start[rows] = truth[rows]
    loop = ActiveLearningLoop("cluster-margin", None, batch_size=20)
    t = time.perf_counter()
    result = loop.run(X, start, simulated_oracle(truth), n_steps=1, random_state=seed)
    total = time.perf_counter() - t
    first = result.steps[0]
    out = {
        "dataset": "pendigits",
        "rows": len(X),
        "labels": 100,
        "auto_time_limit": AUTO_STEP_SECONDS,
        "fit_seconds": round(first.fit_seconds, 2),
        "query_seconds": round(first.query_seconds, 3),
        "step_seconds": round(first.fit_seconds + first.query_seconds, 2),
        "run_seconds_two_fits": round(total, 2),
        "note": first.note,
    }
    print(f"  loop step on pendigits: {out}", flush=True)
    return out


# ---------------------------------------------------------------- (b) simulation


#: The members of the "auto-lite" model: auto's cheap ones (a linear model, kNN, label
#: spreading, and the linear model taught by the supervised members' pseudo-labels).
LITE_MEMBERS = ["logreg", "knn", "label-spreading", "logreg+pl"]
MODEL = "auto-lite"


def _model(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from fewlabels.data import TableEncoder

    if MODEL == "auto-lite":
        from fewlabels.auto import AutoClassifier

        est: Any = AutoClassifier(
            members=LITE_MEMBERS, time_limit=2.0, n_repeats=1, random_state=seed
        )
        return Pipeline([("encode", TableEncoder()), ("model", est)])
    from fewlabels.selftrain import SelfTrainingClassifier

    est = SelfTrainingClassifier(LogisticRegression(max_iter=1000), random_state=seed)
    return Pipeline([("encode", TableEncoder(output="numeric")), ("model", est)])


def _sk_strategy(name: str, Z: np.ndarray, n_classes: int) -> Any:
    """A scikit-activeml strategy behind fewlabels' query interface (for the loop)."""
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import CoreSet, ProbCover, RandomSampling, TypiClust
    from skactiveml.pool import UncertaintySampling as US
    from sklearn.linear_model import LogisticRegression

    from fewlabels.active import QueryStrategy

    qs = {
        "sk-random": lambda: RandomSampling(random_state=0),
        "sk-margin": lambda: US(method="margin_sampling", random_state=0),
        "sk-entropy": lambda: US(method="entropy", random_state=0),
        "sk-coreset": lambda: CoreSet(random_state=0),
        "sk-typiclust": lambda: TypiClust(random_state=0),
        "sk-probcover": lambda: ProbCover(random_state=0),
    }[name]()
    uses_clf = name in ("sk-margin", "sk-entropy")

    class Sk(QueryStrategy):
        needs_model = False

        def _select(self, ctx, batch_size, rs):
            y_sk = np.full(len(Z), np.nan)
            y_sk[ctx.labeled] = ctx.y.codes[ctx.labeled]
            if uses_clf:
                if len(np.unique(y_sk[ctx.labeled])) < 2:  # skactiveml's clf needs 2 classes
                    pos = rs.permutation(len(ctx.rows))[:batch_size]
                    return pos, np.zeros(len(pos)), ["random (no model yet)"] * len(pos)
                clf = SklearnClassifier(
                    LogisticRegression(max_iter=1000), classes=np.arange(n_classes), random_state=0
                )
                idx = qs.query(Z, y_sk, clf, candidates=ctx.rows, batch_size=batch_size)
            else:
                idx = qs.query(Z, y_sk, candidates=ctx.rows, batch_size=batch_size)
            pos = np.searchsorted(ctx.rows, np.asarray(idx, dtype=np.int64))
            return pos, np.zeros(len(pos)), [name] * len(pos)

    s = Sk(max_candidates=None)
    Sk.name = name
    return s


def simulate(
    dataset: str,
    seed: int,
    strategies: tuple[str, ...],
    sk: bool,
    steps: int,
    batch: int,
    error_cost: float,
) -> dict[str, Any]:
    from sklearn.model_selection import train_test_split

    from fewlabels.active import (
        ActiveLearningLoop,
        Budget,
        MaxUncertainty,
        OverallUncertainty,
        StabilizingPredictions,
        TargetAccuracy,
        simulated_oracle,
        stopping_cost,
        stopping_points,
    )
    from fewlabels.data import TableEncoder
    from fewlabels.datasets import load

    X, y, _ = load(dataset)
    truth_all = y.to_numpy().astype(object)
    tr, te = train_test_split(
        np.arange(len(X)), test_size=0.3, stratify=truth_all, random_state=seed
    )
    Xtr, Xte = X.iloc[tr].reset_index(drop=True), X.iloc[te].reset_index(drop=True)
    truth, test_truth = truth_all[tr], truth_all[te]
    classes = np.unique(truth.astype(str))
    rng = np.random.default_rng(seed)
    start = np.full(len(tr), None, dtype=object)
    for c in classes:
        rows = rng.choice(np.flatnonzero(truth.astype(str) == c), 2, replace=False)
        start[rows] = truth[rows]
    oracle = simulated_oracle(truth)
    runs: dict[str, Any] = {}
    Z = None
    names = list(strategies)
    if sk:
        Z = TableEncoder(output="numeric").fit_transform(Xtr)
        names += list(SK_STRATEGIES)
    plan = [(s, True) for s in names] + [("random", False), ("margin", False)]
    criteria = [
        StabilizingPredictions(),
        OverallUncertainty(0.1),
        MaxUncertainty(0.3),
        TargetAccuracy(0.9, use_evaluation=False),
        Budget(len(classes) * 2 + steps * batch // 2),
    ]
    for name, ssl in plan:
        strategy: Any = name
        if name.startswith("sk-"):
            strategy = _sk_strategy(name, Z, len(classes))
        loop = ActiveLearningLoop(strategy, _model(seed), batch_size=batch, semi_supervised=ssl)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = loop.run(
                Xtr, start, oracle, n_steps=steps, X_eval=Xte, y_eval=test_truth, random_state=seed
            )
        n, acc = res.curve()
        cost = stopping_cost(n, acc, len(tr), 1.0, error_cost)
        stops = stopping_points(res.steps, criteria)
        for v in stops.values():
            v["cost"] = None if v["step"] is None else round(float(cost[v["step"]]), 1)
        key = name if ssl else f"{name} (plain)"
        runs[key] = {
            "n_labeled": n.astype(int).tolist(),
            "accuracy": acc.round(4).tolist(),
            "auc": round(res.area_under_curve(), 4),
            "seconds": round(time.perf_counter() - t, 2),
            "stopping": stops,
            "optimal": {"step": int(np.argmin(cost)), "cost": round(float(cost.min()), 1)},
            "subsampled": any("random sample" in s.note for s in res.steps),
        }
        print(
            f"    {dataset} {key}: AUC {runs[key]['auc']:.4f} ({runs[key]['seconds']} s)",
            flush=True,
        )
    return {"dataset": dataset, "seed": seed, "pool": len(tr), "test": len(te), "runs": runs}


# ---------------------------------------------------------------- (c) planner


def planner(dataset: str, seed: int, start: int, repeats: int) -> dict[str, Any]:
    from sklearn.model_selection import train_test_split

    from fewlabels.active import plan_labels
    from fewlabels.datasets import load

    X, y, _ = load(dataset)
    truth_all = y.to_numpy().astype(object)
    tr, te = train_test_split(
        np.arange(len(X)), test_size=0.3, stratify=truth_all, random_state=seed
    )
    Xtr, Xte = X.iloc[tr].reset_index(drop=True), X.iloc[te].reset_index(drop=True)
    truth, test_truth = truth_all[tr], truth_all[te]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(tr))
    labels = truth.astype(str)
    # 2 of every class, then random rows up to ``start``
    first = [int(r) for c in np.unique(labels) for r in order[labels[order] == c][:2]]
    first += [int(r) for r in order if r not in set(first)][: start - len(first)]
    y0 = np.full(len(tr), None, dtype=object)
    y0[first] = truth[first]
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = plan_labels(
            _model(seed), Xtr, y0, multipliers=(2, 4), n_repeats=repeats, random_state=seed
        )
    seconds = time.perf_counter() - t
    rest = [r for r in order if r not in set(first)]
    out: dict[str, Any] = {"dataset": dataset, "seed": seed, "labels": len(first)}
    for f in plan.forecasts:
        achieved = []
        for draw in range(3):
            extra = np.random.default_rng(seed * 10 + draw).permutation(rest)
            rows = np.r_[first, extra[: f.n_labels - len(first)]].astype(int)
            y1 = np.full(len(tr), None, dtype=object)
            y1[rows] = truth[rows]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from fewlabels.data import encode_target

                m = _model(seed).fit(Xtr, encode_target(y1))
            pred = m.predict(Xte)
            achieved.append(float(np.mean(pred.astype(object) == test_truth)))
        out[f"{int(f.multiplier)}x"] = {
            "labels": f.n_labels,
            "predicted": round(f.accuracy, 4),
            "interval": [round(f.low, 4), round(f.high, 4)],
            "achieved": round(float(np.mean(achieved)), 4),
            "abs_error": round(abs(f.accuracy - float(np.mean(achieved))), 4),
            "covered": bool(f.low <= np.mean(achieved) <= f.high),
        }
    out["seconds"] = round(seconds, 2)
    print(f"    planner {dataset}: {out}", flush=True)
    return out


# ---------------------------------------------------------------- report


def _tables(results: dict[str, Any]) -> str:
    lines = []
    sp = results.get("speed")
    if sp:
        lines += [
            f"Speed: batch of {sp['batch']} on a {sp['pool']:,}-row pool ({sp['features']} features)",
            "",
            "| query | seconds |",
            "| --- | --- |",
        ]
        lines += [f"| {k} | {v:.3f} |" for k, v in sp["seconds"].items()]
        lines.append("")
    if results.get("loop_step"):
        s = results["loop_step"]
        lines += [
            f"One loop step on {s['dataset']} ({s['rows']:,} rows, {s['labels']} labels, auto "
            f"with {s['auto_time_limit']} s): fit {s['fit_seconds']} s + query "
            f"{s['query_seconds']} s = {s['step_seconds']} s",
            "",
        ]
    sims = results.get("simulation", [])
    if sims:
        names = list(sims[0]["runs"])
        lines += ["Area under the learning curve (mean test accuracy over the label range)", ""]
        lines += ["| dataset | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        for s in sims:
            row = [f"{s['runs'][n]['auc']:.3f}" for n in names]
            lines.append(f"| {s['dataset']} (seed {s['seed']}) | " + " | ".join(row) + " |")
        lines.append("")
        lines += [
            "| dataset | best fewlabels | best scikit-activeml | SSL-aware margin vs plain | "
            "SSL-aware random vs plain |",
            "| --- | --- | --- | --- | --- |",
        ]
        for s in sims:
            r = s["runs"]
            ours = max(
                (n for n in r if not n.startswith("sk-") and "plain" not in n),
                key=lambda n: r[n]["auc"],
            )
            theirs = [n for n in r if n.startswith("sk-")]
            best_sk = max(theirs, key=lambda n: r[n]["auc"]) if theirs else None
            sk_cell = f"{best_sk} {r[best_sk]['auc']:.3f}" if best_sk else "n/a"
            lines.append(
                f"| {s['dataset']} | {ours} {r[ours]['auc']:.3f} | {sk_cell} | "
                f"{r['margin']['auc'] - r['margin (plain)']['auc']:+.3f} | "
                f"{r['random']['auc'] - r['random (plain)']['auc']:+.3f} |"
            )
        lines.append("")
        lines += ["Stopping points (margin, SSL-aware): labels at the stop / cost; optimum", ""]
        crit = list(sims[0]["runs"]["margin"]["stopping"])
        lines += [
            "| dataset | " + " | ".join(crit) + " | cost-optimal |",
            "|---" * (len(crit) + 2) + "|",
        ]
        for s in sims:
            m = s["runs"]["margin"]
            cells = []
            for c in crit:
                v = m["stopping"][c]
                cells.append("never" if v["step"] is None else f"{v['n_labeled']} / {v['cost']}")
            opt = m["optimal"]
            lines.append(
                f"| {s['dataset']} | "
                + " | ".join(cells)
                + f" | {m['n_labeled'][opt['step']]} / {opt['cost']} |"
            )
        lines.append("")
    plans = results.get("planner", [])
    if plans:
        lines += [
            "| dataset | labels | 2x predicted (interval) | 2x achieved | 4x predicted (interval) | 4x achieved |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        errs = []
        for p in plans:
            cells = []
            for k in ("2x", "4x"):
                f = p[k]
                errs.append(f["abs_error"])
                cells += [
                    f"{f['predicted']:.3f} ({f['interval'][0]:.3f}-{f['interval'][1]:.3f})",
                    f"{f['achieved']:.3f}",
                ]
            lines.append(f"| {p['dataset']} | {p['labels']} | " + " | ".join(cells) + " |")
        lines += [
            "",
            f"Planner mean absolute error: {np.mean(errs):.3f} over {len(errs)} forecasts",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--datasets", nargs="*")
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--error-cost", type=float, default=1.0)
    ap.add_argument("--repeats", type=int)
    ap.add_argument(
        "--model",
        default="auto-lite",
        choices=["auto-lite", "selftrain-logreg"],
        help="the model of every loop: auto with cheap members (2 s), or self-training "
        "around a logistic regression",
    )
    ap.add_argument(
        "--skip", nargs="*", default=[], choices=["speed", "loop", "simulation", "planner"]
    )
    args = ap.parse_args(argv)
    global MODEL
    MODEL = args.model
    quick = args.quick
    datasets = args.datasets or (QUICK_DATASETS if quick else FULL_DATASETS)
    seeds = args.seeds or (1 if quick else 3)
    steps = args.steps or (6 if quick else 20)
    repeats = args.repeats or (1 if quick else 3)
    strategies = tuple(s for s in FEWLABELS_STRATEGIES if not (quick and s == "eer"))
    sk = _has_skactiveml()
    results: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "quick": quick,
        "python": platform.python_version(),
        "skactiveml": sk,
        "model": MODEL,
    }
    t0 = time.process_time()
    if "speed" not in args.skip:
        print("(a) speed", flush=True)
        results["speed"] = speed(repeats, 0)
    if "loop" not in args.skip:
        results["loop_step"] = loop_step(0)
    if "simulation" not in args.skip:
        print("(b) simulation", flush=True)
        results["simulation"] = [
            simulate(d, s, strategies, sk, steps, args.batch, args.error_cost)
            for d in datasets
            for s in range(seeds)
        ]
    if "planner" not in args.skip:
        print("(c) planner", flush=True)
        results["planner"] = [
            planner(d, s, 40, 1 if quick else 3) for d in datasets for s in range(seeds)
        ]
    results["cpu_seconds"] = round(time.process_time() - t0, 1)
    suffix = "" if MODEL == "auto-lite" else f"_{MODEL}"
    out = HERE / "results" / f"active_learning{'_quick' if quick else ''}{suffix}.json"
    out.parent.mkdir(exist_ok=True)
    tmp = out.with_suffix(".json.part")
    tmp.write_text(json.dumps(results, indent=1, default=str))
    tmp.replace(out)
    print(_tables(results))
    print(f"\nwrote {out} (CPU {results['cpu_seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
