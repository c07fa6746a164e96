"""Tables of the core suite (issue 13) for benchmarks/RESULTS.md, from a results file.

    python benchmarks/core_md.py benchmarks/results/core/results.csv [more.csv ...] \
        [--extra benchmarks/results/core-balanced/results.csv]

Several files are merged (the AutoGluon rows come from a run of their own). ``--extra``
rows (methods run on some tables only) appear in the imbalance table alone. Only the part
between the ``<!-- tables:core:start -->`` markers is rewritten.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from fewlabels.bench import available_methods, load_results

HERE = Path(__file__).parent
START, END = "<!-- tables:core:start -->", "<!-- tables:core:end -->"
SUPERVISED = ("sup-lightgbm", "sup-hgb", "sup-rf", "sup-logreg")
CELL = ["dataset", "protocol", "budget", "seed"]


def _f(v: float, d: int = 3) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{d}f}"


def _p(a: np.ndarray) -> float:
    a = a[~np.isnan(a)]
    if len(a) < 2 or np.allclose(a, 0):
        return float("nan")
    return float(wilcoxon(a).pvalue)


def tables(df: pd.DataFrame, extra: pd.DataFrame | None = None) -> str:
    methods = available_methods()
    fam = {m: methods[m].origin if m in methods else "?" for m in df["method"].unique()}
    ok = df[df["status"] == "ok"].copy()
    # only cells every method finished, so that ranks compare like with like
    n_methods = ok["method"].nunique()
    complete = ok.groupby(CELL)["method"].transform("nunique") == n_methods
    full = ok[complete].copy()
    full["rank"] = full.groupby(CELL)["accuracy"].rank(ascending=False, method="average")
    cells = full.groupby(CELL).ngroups
    lines = [
        f"Rows: {len(df):,} ({len(ok):,} ok, {len(df) - len(ok):,} errors); "
        f"{df['dataset'].nunique()} datasets, {df['protocol'].nunique()} protocols, "
        f"{df['budget'].nunique()} budgets, {df['seed'].nunique()} seed(s), "
        f"{df['method'].nunique()} methods. Ranks use the {cells} cells every method finished.",
        "",
        "### Mean rank by protocol and budget (1 = most accurate in a cell)",
        "",
    ]
    groups = sorted(full.groupby(["protocol", "budget"]).groups)
    head = " | ".join(f"{p} {b:.0%}" for p, b in groups)
    lines += [
        f"| method | family | {head} | all |",
        "| --- | --- | " + "--- | " * len(groups) + "--- |",
    ]
    rank = full.groupby(["method", "protocol", "budget"])["rank"].mean()
    overall = full.groupby("method")["rank"].mean().sort_values()
    for m in overall.index:
        vals = []
        for g in groups:
            best = rank.xs(g, level=("protocol", "budget")).min()
            v = rank.get((m, *g), np.nan)
            vals.append(f"**{v:.2f}**" if np.isclose(v, best) else _f(v, 2))
        lines.append(f"| `{m}` | {fam[m]} | " + " | ".join(vals) + f" | {overall[m]:.2f} |")
    lines += [
        "",
        "### Mean accuracy, balanced accuracy and fit time",
        "",
        "Means over the cells every method finished; fit time is the median over those cells "
        "(one process, both cores, nothing else running).",
        "",
        "| method | accuracy | balanced accuracy | median fit | max fit |",
        "| --- | --- | --- | --- | --- |",
    ]
    agg = full.groupby("method").agg(
        acc=("accuracy", "mean"),
        bal=("balanced_accuracy", "mean"),
        fit=("fit_seconds", "median"),
        fmax=("fit_seconds", "max"),
    )
    for m in agg.sort_values("acc", ascending=False).index:
        r = agg.loc[m]
        lines.append(f"| `{m}` | {r.acc:.4f} | {r.bal:.4f} | {r.fit:.2f} s | {r.fmax:.1f} s |")
    if "auto" in set(full["method"]):
        lines += _against(full, fam)
        lines += _imbalanced(full, extra)
        lines += _losses(full)
    return "\n".join(lines)


def _against(full: pd.DataFrame, fam: dict) -> list[str]:
    per_ds = full.groupby(["dataset", "protocol", "budget", "method"])["accuracy"].mean().unstack()
    lines = [
        "",
        "### `auto` against each method: mean accuracy difference (points) and Wilcoxon p",
        "",
        "Per (protocol, budget): the differences over datasets (mean over seeds), then the "
        "two-sided Wilcoxon signed-rank p-value. Positive means `auto` is more accurate; "
        "W/L counts datasets where it is ahead / behind by more than 0.5 point.",
        "",
    ]
    groups = sorted({(p, b) for _, p, b in per_ds.index})
    lines += [
        "| against | " + " | ".join(f"{p} {b:.0%}" for p, b in groups) + " |",
        "| --- | " + "--- | " * len(groups),
    ]
    best_sup = per_ds[[c for c in SUPERVISED if c in per_ds.columns]].max(axis=1)
    others = [c for c in per_ds.columns if c != "auto"]
    for name in ["best supervised peer (per dataset)", *others]:
        cells = []
        for p, b in groups:
            block = per_ds.xs((p, b), level=("protocol", "budget"))
            ref = (
                best_sup.xs((p, b), level=("protocol", "budget"))
                if name.startswith("best")
                else block[name]
            )
            d = (block["auto"] - ref).to_numpy()
            w, l_ = int((d > 0.005).sum()), int((d < -0.005).sum())
            cells.append(f"{100 * np.nanmean(d):+.1f} ({w}/{l_}, p {_f(_p(d), 2)})")
        label = name if name.startswith("best") else f"`{name}`"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _imbalanced(full: pd.DataFrame, extra: pd.DataFrame | None) -> list[str]:
    from fewlabels.datasets import load

    lines = [
        "",
        "### Binary tables with a minority class under 35%: balanced accuracy",
        "",
        "`auto` against the best supervised peer of each table (mean over the table's cells); "
        "'one class' counts cells whose balanced accuracy is exactly 0.5 (every test row "
        "predicted as one class).",
        "",
        "| dataset | minority share | auto | auto-balanced | best supervised peer | auto one class "
        "| peers one class |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    ex = extra[extra["status"] == "ok"] if extra is not None else pd.DataFrame(columns=full.columns)
    for ds in sorted(full["dataset"].unique()):
        y = pd.Series(load(ds).y).value_counts(normalize=True)
        if len(y) != 2 or y.min() >= 0.35:
            continue
        block = full[full["dataset"] == ds]
        bal = block.groupby("method")["balanced_accuracy"].mean()
        sup = [m for m in SUPERVISED if m in bal.index]
        best = max(sup, key=lambda m: bal[m])
        one = (
            block.assign(one=np.isclose(block["balanced_accuracy"], 0.5))
            .groupby("method")["one"]
            .sum()
        )
        extra_ds = ex[(ex["dataset"] == ds) & (ex["method"] == "auto-balanced")]
        balanced = _f(float(extra_ds["balanced_accuracy"].mean())) if len(extra_ds) else "–"
        lines.append(
            f"| {ds} | {y.min():.0%} | {bal['auto']:.3f} | {balanced} | {bal[best]:.3f} (`{best}`) "
            f"| {int(one.get('auto', 0))} | {int(sum(one.get(m, 0) for m in sup))} |"
        )
    return lines


def _losses(full: pd.DataFrame) -> list[str]:
    per = full.groupby(["dataset", "method"])["accuracy"].mean().unstack()
    best = per.drop(columns=["auto"]).max(axis=1)
    who = per.drop(columns=["auto"]).idxmax(axis=1)
    d = (per["auto"] - best).sort_values()
    lines = [
        "",
        "### Where `auto` is not the most accurate (mean over a dataset's cells)",
        "",
        "| dataset | auto | best other | by |",
        "| --- | --- | --- | --- |",
    ]
    for ds, v in d.items():
        if v < 0:
            lines.append(
                f"| {ds} | {per.loc[ds, 'auto']:.3f} | {best[ds]:.3f} (`{who[ds]}`) | {100 * v:+.1f} |"
            )
    return lines


def main() -> None:
    args = sys.argv[1:]
    extra = None
    if "--extra" in args:
        i = args.index("--extra")
        extra = load_results(args[i + 1])
        args = args[:i] + args[i + 2 :]
    paths = [Path(p) for p in args] or [HERE / "results" / "core" / "results.csv"]
    df = pd.concat([load_results(p) for p in paths], ignore_index=True)
    df = df.drop_duplicates(subset=[*CELL, "method"], keep="last")
    parts = [f"#### With AutoGluon: the cells it ran\n\n{tables(df, extra)}"]
    core = load_results(paths[0])
    if (
        core["protocol"].nunique()
        > df[df["method"].str.startswith("autogluon")]["protocol"].nunique()
    ):
        parts.append(f"#### Without AutoGluon: every cell, both protocols\n\n{tables(core, extra)}")
    target = HERE / "RESULTS.md"
    text = target.read_text()
    if START not in text:
        text = text.replace("<!-- tables:start -->", f"{START}\n{END}\n\n<!-- tables:start -->", 1)
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = "\n\n".join(parts)
    target.write_text(f"{head}{START}\n{body}\n{END}{tail}")


if __name__ == "__main__":
    main()
