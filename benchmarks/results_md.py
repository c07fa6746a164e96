"""Regenerate the tables of benchmarks/RESULTS.md from a `fewlabels bench` results file.

    python benchmarks/results_md.py benchmarks/results/suite/results.csv
    python benchmarks/results_md.py benchmarks/results/suite-deep/results.csv deep

Only the part between the `<!-- tables -->` markers is rewritten; the reading around it is
written by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from fewlabels.bench import available_methods, load_results, summarize
from fewlabels.bench.summary import critical_difference

HERE = Path(__file__).parent
START, END = "<!-- tables:start -->", "<!-- tables:end -->"


def _fmt(v: float, digits: int = 3) -> str:
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def tables(path: Path) -> str:
    df = load_results(path)
    s = summarize(df)
    methods = available_methods()
    fam = {m: methods[m].origin if m in methods else "?" for m in df["method"].unique()}
    ok = df[df["status"] == "ok"]
    budgets = sorted(ok["budget"].unique())
    lines = [
        f"Cells: {len(df):,} rows ({len(ok):,} ok, {len(df) - len(ok):,} errors) over "
        f"{df['dataset'].nunique()} datasets, {df['protocol'].nunique()} protocols, "
        f"{len(budgets)} budgets, {df['seed'].nunique()} seeds, {df['method'].nunique()} methods.",
        "",
        "### Mean rank and mean accuracy",
        "",
        "Rank 1 is the best accuracy within a (dataset, protocol, budget, seed) cell, averaged"
        " over the cells a method finished; accuracy is averaged over datasets, protocols and"
        " seeds. Median fit: seconds per fit on this machine (both cores).",
        "",
        "| method | family | mean rank | "
        + " | ".join(f"acc. {b:.0%}" for b in budgets)
        + " | median fit |",
        "| --- | --- | --- | " + " | ".join("---" for _ in budgets) + " | --- |",
    ]
    fit = ok.groupby("method")["fit_seconds"].median()
    for m, r in s["mean_rank"].items():
        accs = [_fmt(s["mean_accuracy"].loc[m].get(b, np.nan)) for b in budgets]
        lines.append(f"| `{m}` | {fam[m]} | {r:.2f} | " + " | ".join(accs) + f" | {fit[m]:.2f} s |")
    ranks, cd, n_blocks = critical_difference(df)
    lines += [
        "",
        f"Nemenyi critical difference at 0.05 over {n_blocks} (dataset, protocol, budget)"
        f" blocks: {cd:.2f} ranks (block ranks in the HTML report's diagram).",
        "",
        "### Wins / ties / losses against the best supervised baseline, per budget",
        "",
        "For each dataset, the method's mean accuracy over seeds against the best of the"
        " supervised peers (LightGBM, HistGradientBoosting, random forest, logistic"
        " regression, and fewlabels' own supervised models) on that dataset; a tie is within"
        " 0.5 point; p is the Wilcoxon signed-rank p-value of the per-dataset differences.",
        "",
    ]
    wtl = s["wtl"]
    for protocol in sorted(wtl["protocol"].unique()):
        block = wtl[wtl["protocol"] == protocol]
        lines += [
            f"**{protocol} labeling**",
            "",
            "| method | family | "
            + " | ".join(f"{b:.0%}: W/T/L (mean diff, p)" for b in budgets)
            + " |",
            "| --- | --- | " + " | ".join("---" for _ in budgets) + " |",
        ]
        order = s["mean_rank"].index
        for m in [m for m in order if m in set(block["method"])]:
            cells = []
            for b in budgets:
                r = block[(block["method"] == m) & (block["budget"] == b)]
                if r.empty:
                    cells.append("–")
                    continue
                r = r.iloc[0]
                cells.append(
                    f"{r.wins}/{r.ties}/{r.losses} ({r.mean_diff * 100:+.1f}, "
                    f"{_fmt(r.wilcoxon_p, 2)})"
                )
            lines.append(f"| `{m}` | {fam[m]} | " + " | ".join(cells) + " |")
        lines.append("")
    if s["errors"]:
        lines += ["### Error rows", "", "| method | cells | first message |", "| --- | --- | --- |"]
        err = df[df["status"] != "ok"]
        for m, n in sorted(s["errors"].items()):
            msg = str(err[err["method"] == m]["error"].iloc[0])[:120].replace("|", "/")
            lines.append(f"| `{m}` | {n} | {msg} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    """``results_md.py CSV [NAME]``: rewrite the tables between the NAME markers."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else HERE / "results" / "suite" / "results.csv")
    name = sys.argv[2] if len(sys.argv) > 2 else ""
    start = START.replace("tables", f"tables{':' + name if name else ''}")
    end = END.replace("tables", f"tables{':' + name if name else ''}")
    target = HERE / "RESULTS.md"
    text = target.read_text()
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    target.write_text(f"{head}{start}\n{tables(path)}\n{end}{tail}")


if __name__ == "__main__":
    main()
