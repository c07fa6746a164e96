"""``fewlabels check``: find the labels of a table that look wrong (confident learning)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

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

__all__ = ["check"]


@app.command()
@_guard
def check(
    data: DataFile,
    target: TargetColumn,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for label_issues.csv and report.html."),
    ] = Path("fewlabels-check"),
    method: Annotated[
        str,
        typer.Option(
            "--method",
            "-m",
            help="The method whose out-of-fold probabilities judge the labels (see "
            "'fewlabels methods'; a semi-supervised one also learns from the unlabeled rows).",
        ),
    ] = "supervised",
    filter_by: Annotated[
        Literal["prune_by_noise_rate", "prune_by_class", "both", "confident_learning"],
        typer.Option(
            "--filter-by",
            help="Which confident-learning filter flags a label.",
        ),
    ] = "prune_by_noise_rate",
    cv: Annotated[int, typer.Option("--cv", min=2, help="Folds over the labeled rows.")] = 5,
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
    """Find labels that look wrong: a ranked label_issues.csv and a report with the noise
    per class. With --engine dask, the labeled rows of a Parquet folder (and a sample of
    its unlabeled rows) are collected on Dask and judged in memory."""
    from ..noise.workflow import check_table

    _setup_logging(quiet, as_json)
    cluster = _cluster(engine, scheduler, workers, memory_limit, debug)
    if cluster is not None:
        from ..scale.workflow import check_table_dask

        _refuse_under_engine(**{"--missing-values": missing_values})
        run_check: Callable[..., dict[str, Any]] = check_table_dask
        where: dict[str, Any] = {"cluster": cluster}
    else:
        run_check, where = check_table, {"missing_values": missing_values}
    with _progress(not (quiet or as_json)) as progress:
        summary = run_check(
            data,
            target,
            out,
            method=method,
            filter_by=filter_by,
            cv=cv,
            unlabeled_value=unlabeled_value,
            random_state=seed,
            progress=progress,
            **where,
        )
    _emit(summary, as_json)
    if not (quiet or as_json):
        t = summary_table(summary)
        t.add_row("label issues", f"{summary['issues']:,} ({summary['issue_share']:.1%})")
        t.add_row("estimated noise", f"{summary['estimated_noise_share']:.1%}")
        t.add_row("out-of-fold accuracy", f"{summary['oof_accuracy']:.3f}")
        if "sample" in summary:
            s = summary["sample"]
            t.add_row(
                "judged in memory",
                f"{s['labeled']:,} labeled and {s['unlabeled']:,} unlabeled rows (Dask)",
            )
        for k, v in summary["paths"].items():
            t.add_row(k, v)
        out_console.print(t)
