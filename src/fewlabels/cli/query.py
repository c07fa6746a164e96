"""``fewlabels query`` (which rows to label next) and ``fewlabels plan`` (how many labels
you need)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from .app import (
    AsJson,
    DataFile,
    Debug,
    EngineName,
    MemoryLimit,
    MissingValues,
    Quiet,
    SchedulerAddress,
    Seed,
    TargetColumn,
    UnlabeledValue,
    Workers,
    _cluster,
    _emit,
    _guard,
    _progress,
    _refuse_under_engine,
    _setup_logging,
    app,
    out_console,
    summary_table,
)

__all__ = ["StrategyName", "plan", "query"]

#: the names of fewlabels.active.STRATEGIES (a test checks that they agree)
StrategyName = Literal[
    "cluster-margin",
    "margin",
    "least-confident",
    "entropy",
    "committee",
    "density",
    "coreset",
    "typiclust",
    "probcover",
    "eer",
    "random",
]


@app.command()
@_guard
def query(
    data: DataFile,
    target: TargetColumn,
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="How many rows to pick.")] = 20,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="The file of rows to label (.csv, .parquet or .arrow): row, the model's "
            "guess and confidence, the reason, then the row itself.",
        ),
    ] = Path("to_label.csv"),
    strategy: Annotated[
        StrategyName | None,
        typer.Option(
            "--strategy",
            "-s",
            help="How to pick (default cluster-margin: uncertain and diverse; typiclust and "
            "probcover need no labels; eer is the slowest). With --engine dask: margin "
            "(default), least-confident or entropy.",
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            "-m",
            help="The model that scores the rows (see 'fewlabels methods'); it is fitted on "
            "the labeled and the unlabeled rows.",
        ),
    ] = "auto",
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.1, help="Seconds for auto's cross-validation."),
    ] = None,
    unlabeled_value: UnlabeledValue = None,
    missing_values: MissingValues = None,
    seed: Seed = 0,
    engine: EngineName = None,
    scheduler: SchedulerAddress = None,
    workers: Workers = None,
    memory_limit: MemoryLimit = None,
    quiet: Quiet = False,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Pick the rows to label next: the model's guess and the reason for each, best first.
    With no labels yet (or one class), TypiClust picks typical rows of unlabeled clusters.
    With --engine dask, every unlabeled row of a Parquet folder is scored on Dask."""
    from ..active.workflow import query_table

    _setup_logging(quiet, as_json)
    cluster = _cluster(engine, scheduler, workers, memory_limit, debug)
    if cluster is not None:
        from ..scale.workflow import query_table_dask

        _refuse_under_engine(**{"--time-limit": time_limit, "--missing-values": missing_values})
        with _progress(not (quiet or as_json)) as progress:
            summary = query_table_dask(
                data,
                target,
                n,
                out,
                strategy=strategy,
                method=method,
                unlabeled_value=unlabeled_value,
                random_state=seed,
                cluster=cluster,
                progress=progress,
            )
        _emit(summary, as_json)
        if not (quiet or as_json):
            t = summary_table(summary)
            t.add_row("method", summary["method"])
            if summary["method_reason"]:
                t.add_row("why", summary["method_reason"])
            t.add_row("strategy", summary["strategy"])
            t.add_row("scored", summary["note"])
            t.add_row("rows to label", f"{summary['queried']:,} written to {summary['output']}")
            out_console.print(t)
        return
    with _progress(not (quiet or as_json)) as progress:
        summary = query_table(
            data,
            target,
            n,
            out,
            strategy=strategy or "cluster-margin",
            method=method,
            time_limit=time_limit,
            unlabeled_value=unlabeled_value,
            missing_values=missing_values,
            random_state=seed,
            progress=progress,
        )
    _emit(summary, as_json)
    if not (quiet or as_json):
        t = summary_table(summary)
        t.add_row(
            "strategy", summary["strategy"] + (" (cold start)" if summary["cold_start"] else "")
        )
        t.add_row("scored", summary["note"])
        t.add_row("rows to label", f"{summary['queried']:,} written to {summary['output']}")
        out_console.print(t)


@app.command()
@_guard
def plan(
    data: DataFile,
    target: TargetColumn,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            "-m",
            help="The model whose learning curve is measured (see 'fewlabels methods'); the "
            "curve takes 6 x cv x repeats fits per labeling (90 by default), so the default is "
            "a fast one.",
        ),
    ] = "supervised-logreg",
    strategy: Annotated[
        Literal[StrategyName, "none"],
        typer.Option(
            "--strategy",
            "-s",
            help="The strategy of the active-labeling forecast ('none': random only).",
        ),
    ] = "margin",
    cv: Annotated[int, typer.Option("--cv", min=2, help="Folds over the labeled rows.")] = 5,
    repeats: Annotated[
        int, typer.Option("--repeats", min=1, help="Cross-validations pooled (more: smoother).")
    ] = 3,
    unlabeled_value: UnlabeledValue = None,
    missing_values: MissingValues = None,
    seed: Seed = 0,
    quiet: Quiet = False,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """How many labels do you need? The accuracy forecast at 2x, 5x and 10x the labels, from
    a learning curve of the labels there are (random and active labeling)."""
    from ..active.workflow import plan_table

    _setup_logging(quiet, as_json)
    with _progress(not (quiet or as_json)) as progress:
        summary = plan_table(
            data,
            target,
            method=method,
            strategy=None if strategy == "none" else strategy,
            cv=cv,
            n_repeats=repeats,
            unlabeled_value=unlabeled_value,
            missing_values=missing_values,
            random_state=seed,
            progress=progress,
        )
    _emit(summary, as_json)
    if not (quiet or as_json):
        t = Table(title=f"{method}: accuracy with more labels (95% interval)")
        t.add_column("labels", justify="right")
        keys = [k for k in ("random", "active") if k in summary]
        for k in keys:
            t.add_column(f"{summary[k]['strategy']} labeling", justify="right")
        rows = [f["n_labels"] for f in summary["random"]["forecasts"]]
        for i, n_labels in enumerate(rows):
            cells = []
            for k in keys:
                f = summary[k]["forecasts"][i]
                cells.append(f"{f['accuracy']:.3f} ({f['low']:.3f} to {f['high']:.3f})")
            label = f"{n_labels:,}" + (" (now)" if i == 0 else "")
            t.add_row(label, *cells)
        out_console.print(t)
