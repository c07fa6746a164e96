"""Progress for the CLI: a bar with an estimate of the time left on a terminal, and a
one-line heartbeat on stderr every 30 seconds when stderr is not a terminal (a pipe, a log).

Both are fed by ``(stage, done, total)`` calls. The heartbeat's interval comes from
``$FEWLABELS_HEARTBEAT`` (seconds; 0 turns it off), else :data:`HEARTBEAT_SECONDS`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import ProgressColumn, Task
from rich.text import Text

__all__ = ["HEARTBEAT_ENV", "HEARTBEAT_SECONDS", "progress_display", "remaining_seconds"]

HEARTBEAT_SECONDS = 30.0
HEARTBEAT_ENV = "FEWLABELS_HEARTBEAT"

Update = Callable[[str, int, int], None]


def remaining_seconds(elapsed: float, done: float, total: float | None) -> float | None:
    """The time left if the rest goes at the pace so far; None before the first step.

    Examples
    --------
    >>> remaining_seconds(10.0, 1, 4)
    30.0
    >>> remaining_seconds(10.0, 0, 4) is None
    True
    """
    if not total or done <= 0 or elapsed <= 0:
        return None
    return max(0.0, elapsed * (total - done) / done)


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class RemainingColumn(ProgressColumn):
    """Time left at the pace so far (rich's own estimate needs several updates within
    30 s, which a stage of few long steps never gives); the elapsed time once finished."""

    def render(self, task: Task) -> Text:
        if task.finished:
            return Text(_clock(task.finished_time or task.elapsed or 0), style="progress.elapsed")
        left = remaining_seconds(task.elapsed or 0.0, task.completed, task.total)
        if left is None:
            return Text("-:--:-- left", style="progress.remaining")
        return Text(f"{_clock(left)} left", style="progress.remaining")


def heartbeat_interval() -> float:
    raw = os.environ.get(HEARTBEAT_ENV)
    if raw is None:
        return HEARTBEAT_SECONDS
    try:
        return max(0.0, float(raw))
    except ValueError:
        return HEARTBEAT_SECONDS


@contextmanager
def _bar(console: Console) -> Iterator[Update]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    tasks: dict[str, Any] = {}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        RemainingColumn(),
        console=console,
        transient=True,
    ) as bar:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                for other in tasks.values():
                    t = bar.tasks[other]
                    bar.update(other, completed=t.total)
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


@contextmanager
def _heartbeat(console: Console, interval: float) -> Iterator[Update]:
    state: dict[str, Any] = {"stage": "starting", "done": 0, "total": 0}
    start = time.monotonic()
    state["since"] = start
    lock = threading.Lock()
    stop = threading.Event()

    def update(stage: str, done: int, total: int) -> None:
        with lock:
            if stage != state["stage"]:
                state["since"] = time.monotonic()
            state.update(stage=stage, done=done, total=total)

    def beat() -> None:
        while not stop.wait(interval):
            with lock:
                now = time.monotonic()
                stage, done, total = state["stage"], state["done"], state["total"]
                left = remaining_seconds(now - state["since"], done, total)
            line = f"fewlabels: {stage}"
            if total:
                line += f" {done}/{total}"
            line += f", {_clock(now - start)} elapsed"
            if left is not None:
                line += f", about {_clock(left)} left in this step"
            console.print(line, markup=False, highlight=False, soft_wrap=True)

    thread = threading.Thread(target=beat, name="fewlabels-heartbeat", daemon=True)
    thread.start()
    try:
        yield update
    finally:
        stop.set()
        thread.join(timeout=1.0)


@contextmanager
def progress_display(console: Console, enabled: bool) -> Iterator[Update | None]:
    """A bar on a terminal, a heartbeat elsewhere, nothing when not ``enabled`` (--quiet)."""
    if not enabled:
        yield None
        return
    if console.is_terminal:
        with _bar(console) as update:
            yield update
        return
    interval = heartbeat_interval()
    if interval <= 0:
        yield None
        return
    with _heartbeat(console, interval) as update:
        yield update
