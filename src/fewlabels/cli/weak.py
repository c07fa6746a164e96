"""``fewlabels weak``: label a table with labeling functions and a few true labels."""

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

__all__ = ["weak"]


@app.command()
@_guard
def weak(
    data: DataFile,
    target: TargetColumn,
    lfs: Annotated[
        Path,
        typer.Option(
            "--lfs",
            help="Python file defining labeling functions (@labeling_function() from "
            "fewlabels.weak, snorkel's LFs, or a list named lfs).",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder for labels.csv (labels/ under --engine dask), lf_summary.csv, "
            "model.skops and report.html.",
        ),
    ] = Path("fewlabels-weak"),
    label_model: Annotated[
        Literal["auto", "majority", "weighted", "dawid-skene", "matrix-completion"],
        typer.Option(
            "--label-model",
            help="The label model (auto: the best on the true labels, majority vote if "
            "it is not beaten).",
        ),
    ] = "auto",
    cv: Annotated[int, typer.Option("--cv", min=2, help="Folds over the labeled rows.")] = 5,
    repeats: Annotated[
        int | None,
        typer.Option(
            "--repeats",
            min=1,
            help="Repeats of the folds (default: 3 below 100 labeled rows, 2 below 1,000, else 1).",
        ),
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
    """Turn labeling functions into labels: the weak labels, an end model trained on them and
    the true labels, and a report against majority vote and the supervised baseline. With
    --engine dask, the LFs vote on every row of a Parquet folder partition by partition,
    the models are chosen on the labeled rows and a sample, and labels/ is a Parquet folder."""
    from ..exceptions import InputError
    from ..weak.label_models import LABEL_MODELS
    from ..weak.workflow import weak_table

    if label_model not in {"auto", *LABEL_MODELS}:
        raise InputError(
            f"unknown --label-model {label_model!r}; choose one of: auto, {', '.join(LABEL_MODELS)}"
        )
    _setup_logging(quiet, as_json)
    cluster = _cluster(engine, scheduler, workers, memory_limit, debug)
    if cluster is not None:
        from ..scale.workflow import weak_table_dask

        _refuse_under_engine(**{"--missing-values": missing_values})
        run_weak: Callable[..., dict[str, Any]] = weak_table_dask
        where: dict[str, Any] = {"cluster": cluster}
    else:
        run_weak, where = weak_table, {"missing_values": missing_values}
    with _progress(not (quiet or as_json)) as progress:
        summary = run_weak(
            data,
            target,
            lfs,
            out,
            label_model=label_model,
            cv=cv,
            repeats=repeats,
            unlabeled_value=unlabeled_value,
            random_state=seed,
            progress=progress,
            **where,
        )
    _emit(summary, as_json)
    if not (quiet or as_json):
        t = summary_table(summary)
        t.add_row("LF coverage", f"{summary['coverage']:.1%} ({summary['lfs']} LFs)")
        acc = summary["label_model_accuracy"]
        mv = summary["majority_vote_accuracy"]
        t.add_row(
            "label model",
            f"{summary['label_model']}: {acc:.3f} held-out accuracy (majority vote {mv:.3f})"
            if acc is not None and mv is not None
            else summary["label_model"],
        )
        t.add_row("evidence", summary["verdict"])
        for k, v in summary["paths"].items():
            t.add_row(k, v)
        out_console.print(t)
