"""``fewlabels label``: a local web page to label a table's rows, one at a time."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer

from .app import (
    DataFile,
    Debug,
    MissingValues,
    Quiet,
    Seed,
    TargetColumn,
    UnlabeledValue,
    _guard,
    _setup_logging,
    app,
    out_console,
)
from .query import StrategyName

__all__ = ["label"]


@app.command()
@_guard
def label(
    data: DataFile,
    target: TargetColumn,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            "-l",
            help="The file every answer is appended to (row, label, time; a blank label: "
            "skipped). Default: <data stem>.labels.csv beside the data. Reopening resumes.",
        ),
    ] = None,
    strategy: Annotated[
        StrategyName,
        typer.Option(
            "--strategy",
            "-s",
            help="How the next rows are picked (TypiClust while fewer than two classes have "
            "labels).",
        ),
    ] = "cluster-margin",
    method: Annotated[
        str,
        typer.Option(
            "--method",
            "-m",
            help="The model retrained in the background after each batch (see 'fewlabels "
            "methods'); the default refits in well under a second.",
        ),
    ] = "supervised-logreg",
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.1, help="Seconds for auto's cross-validation."),
    ] = None,
    batch: Annotated[
        int, typer.Option("--batch", "-b", min=1, help="Answers between two retrains.")
    ] = 10,
    classes: Annotated[
        list[str] | None,
        typer.Option(
            "--class",
            "-c",
            help="A class to offer even before any row has it (repeat for several).",
        ),
    ] = None,
    no_new_classes: Annotated[
        bool,
        typer.Option(
            "--no-new-classes",
            help="Refuse a class name typed into the page that is not a known class.",
        ),
    ] = False,
    no_forecast: Annotated[
        bool,
        typer.Option("--no-forecast", help="Do not run the label-budget planner on retrains."),
    ] = False,
    port: Annotated[
        int,
        typer.Option("--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: a free one)."),
    ] = 0,
    unlabeled_value: UnlabeledValue = None,
    missing_values: MissingValues = None,
    seed: Seed = 0,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Label rows in your browser: a local page (127.0.0.1 only) shows the next row to label,
    the model's guess and the progress; every answer is saved at once."""
    from ..exceptions import MissingDependencyError

    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "starlette", "label", "fewlabels label") from None
    from ..active.labeling import bind_socket, make_app, open_session, serve

    _setup_logging(quiet, False)
    sock = bind_socket(port)  # a port in use fails before any work
    try:
        if not quiet:
            out_console.print("reading the table and fitting the first model…")
        session = open_session(
            data,
            target,
            labels,
            unlabeled_value=unlabeled_value,
            missing_values=missing_values,
            strategy=strategy,
            method=method,
            batch_size=batch,
            classes=classes,
            allow_new_classes=not no_new_classes,
            time_limit=time_limit,
            forecast=not no_forecast,
            random_state=seed,
        )
        token = secrets.token_urlsafe(16)
        host, bound = sock.getsockname()[:2]
        url = f"http://{host}:{bound}/?token={token}"
        st = session.state()
        if not quiet:
            out_console.print(
                f"labels so far: {st['labeled']:,} of {st['rows']:,} rows; answers go to "
                f"{session.labels_file.path}",
                highlight=False,
                soft_wrap=True,
            )
        # the address goes to stdout even with --quiet: it is what the command is for
        out_console.print(f"open {url}", highlight=False, soft_wrap=True)
        if not quiet:
            out_console.print("stop with Ctrl+C", highlight=False)
        sys.stdout.flush()
        serve(make_app(session, token), sock)
    finally:
        sock.close()
