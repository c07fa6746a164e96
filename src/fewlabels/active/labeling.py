"""The labeling page behind ``fewlabels label``: a local web app that asks for one row at a
time, keeps every answer on disk, and retrains the model in the background.

- :class:`LabelsFile`: the answers, one CSV line each (``row``, ``label``, ``time``),
  appended, flushed and fsynced per answer, so a crash loses at most the answer being
  typed. A sidecar ``<labels file>.json`` holds the table's fingerprint
  (:func:`table_fingerprint`: its row count and a hash of its column names), so a labels
  file is never applied to another table. A blank label means the row was skipped.
- :class:`LabelingSession`: the table, its labels (the table's own plus the answers), the
  queue of rows to ask (picked by a :mod:`fewlabels.active` strategy; TypiClust while fewer
  than two classes have labels), and the latest model and its statistics. After every
  ``batch_size`` answers a background thread refits the model, picks the next rows, and
  measures the cross-validated accuracy, the stopping signal and the planner's forecast.
- :func:`make_app`: the Starlette app (every request carries the session token; every
  value shown is HTML-escaped); :func:`bind_socket` and :func:`serve` run it with uvicorn
  on 127.0.0.1 only. Starlette and uvicorn (the ``label`` extra) are imported only here,
  inside the functions that need them.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import logging
import math
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..data.labels import to_python
from ..exceptions import InputError

__all__ = [
    "LABELS_COLUMNS",
    "LabelingSession",
    "LabelsFile",
    "bind_socket",
    "default_labels_path",
    "make_app",
    "open_session",
    "render_page",
    "serve",
    "table_fingerprint",
    "wilson_interval",
]

logger = logging.getLogger(__name__)

#: The columns of a labels file.
LABELS_COLUMNS = ("row", "label", "time")
_FORMAT = "fewlabels-labels"


def table_fingerprint(frame: pd.DataFrame) -> dict[str, Any]:
    """What identifies a table for its labels file: its row count and the SHA-256 of its
    column names (in order).

    Examples
    --------
    >>> import pandas as pd
    >>> fp = table_fingerprint(pd.DataFrame({"a": [1, 2], "y": [None, "x"]}))
    >>> fp["rows"], fp["columns_sha256"][:12]
    (2, 'f29e244397a8')
    """
    names = json.dumps([str(c) for c in frame.columns], ensure_ascii=False)
    return {
        "rows": int(len(frame)),
        "columns_sha256": hashlib.sha256(names.encode("utf-8")).hexdigest(),
    }


def default_labels_path(data: str | os.PathLike[str]) -> Path:
    """``<data stem>.labels.csv`` beside the data file.

    Examples
    --------
    >>> default_labels_path("runs/customers.csv").as_posix()
    'runs/customers.labels.csv'
    """
    p = Path(data)
    return p.with_name(f"{p.stem}.labels.csv")


def wilson_interval(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default).

    Examples
    --------
    >>> [round(v, 3) for v in wilson_interval(8, 10)]
    [0.49, 0.943]
    """
    if n <= 0:
        return (0.0, 1.0)
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class LabelsFile:
    """The answers of a labeling session, on disk.

    Parameters
    ----------
    path : path
        The CSV of answers (columns :data:`LABELS_COLUMNS`); its fingerprint sidecar is
        ``path + ".json"``.
    fingerprint : dict
        :func:`table_fingerprint` of the table, plus ``target`` (the label column).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> f = LabelsFile(folder / "t.labels.csv", {"rows": 3, "columns_sha256": "ab", "target": "y"})
    >>> f.open()
    {}
    >>> f.append(2, "cat"); f.append(0, None)
    >>> LabelsFile(folder / "t.labels.csv", f.fingerprint).open()
    {2: 'cat', 0: None}
    """

    def __init__(self, path: str | os.PathLike[str], fingerprint: dict[str, Any]):
        self.path = Path(path)
        self.fingerprint = fingerprint

    @property
    def sidecar(self) -> Path:
        return self.path.with_name(self.path.name + ".json")

    def _check_sidecar(self) -> None:
        from ..data.io import write_text

        if not self.sidecar.exists():
            if self.path.exists() and self.path.stat().st_size > 0:
                raise InputError(
                    f"labels file {self.path} has no fingerprint file {self.sidecar.name} beside "
                    "it, so it cannot be matched to this table; pass --labels with a new file name"
                )
            meta = {"format": _FORMAT, "version": 1, "created": _now(), **self.fingerprint}
            write_text(self.sidecar, json.dumps(meta, indent=2) + "\n")
            return
        try:
            meta = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise InputError(
                f"{self.sidecar} is not a fewlabels labels fingerprint; remove it or pass --labels "
                "with a new file name"
            ) from None
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            raise InputError(
                f"{self.sidecar} is not a fewlabels labels fingerprint; pass --labels with a "
                "new file name"
            )
        want = self.fingerprint
        if (meta.get("rows"), meta.get("columns_sha256")) != (
            want["rows"],
            want["columns_sha256"],
        ):
            raise InputError(
                f"labels file {self.path} was written for another table ({meta.get('rows')} "
                f"rows, columns {str(meta.get('columns_sha256'))[:12]}; this one has "
                f"{want['rows']} rows, columns {want['columns_sha256'][:12]}); open the table it "
                "was written for, or pass --labels with a new file name"
            )
        if meta.get("target") != want.get("target"):
            raise InputError(
                f"labels file {self.path} holds labels of column {meta.get('target')!r}, not "
                f"{want.get('target')!r}; pass --target {meta.get('target')} or --labels with "
                "a new file name"
            )

    def open(self) -> dict[int, str | None]:
        """Check the fingerprint (writing it for a new file) and read the answers.

        Returns
        -------
        dict
            ``{row: label}`` in file order, the last answer of a row winning; None for a
            skipped row. A last line cut short by a crash is dropped (and cut off the file,
            so that the next answer starts a line of its own).
        """
        self._check_sidecar()
        if not self.path.exists() or self.path.stat().st_size == 0:
            with open(self.path, "w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerow(LABELS_COLUMNS)
                fh.flush()
                os.fsync(fh.fileno())
            return {}
        raw = self.path.read_bytes()
        if not raw.endswith(b"\n"):  # the answer being written when it crashed
            keep = raw.rfind(b"\n") + 1
            logger.warning("%s: dropping a last line cut short (%r)", self.path, raw[keep:][:80])
            with open(self.path, "r+b") as fh:
                fh.truncate(keep)
                fh.flush()
                os.fsync(fh.fileno())
            raw = raw[:keep]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"labels file {self.path} is not UTF-8 text") from None
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows or tuple(rows[0]) != LABELS_COLUMNS:
            raise InputError(
                f"labels file {self.path} does not start with the header "
                f"{','.join(LABELS_COLUMNS)}; pass --labels with a new file name"
            )
        answers: dict[int, str | None] = {}
        n_rows = int(self.fingerprint["rows"])
        for line, rec in enumerate(rows[1:], start=2):
            if not rec:
                continue
            try:
                row = int(rec[0])
                if len(rec) != 3 or not 0 <= row < n_rows:
                    raise ValueError
            except ValueError:
                raise InputError(
                    f"labels file {self.path}, line {line}: expected row (0 to {n_rows - 1}), "
                    f"label, time; got {rec!r}"
                ) from None
            answers.pop(row, None)
            answers[row] = rec[1] if rec[1] != "" else None
        return answers

    def append(self, row: int, label: str | None) -> None:
        """Append one answer (None: skipped), flushed and fsynced before returning."""
        buf = io.StringIO(newline="")
        csv.writer(buf).writerow([int(row), "" if label is None else label, _now()])
        data = buf.getvalue().encode("utf-8")
        with open(self.path, "ab") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


# --------------------------------------------------------------------------- the session


@dataclass
class _Ask:
    """One row in the queue: its position, the model's guess and confidence, why."""

    row: int
    guess: Any = None
    confidence: float | None = None
    reason: str = ""


@dataclass
class _Stats:
    """What the page shows about the latest retrain."""

    n_labels: int = 0
    accuracy: float | None = None
    interval: tuple[float, float] | None = None
    cv_rows: int = 0
    forecast: list[dict[str, Any]] = field(default_factory=list)
    forecast_note: str = ""
    kappas: list[float] = field(default_factory=list)
    stable_at: int | None = None
    seconds: float = 0.0
    error: str = ""


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


class LabelingSession:
    """A labeling session on one table: what to ask next, and every answer kept.

    Parameters
    ----------
    frame : DataFrame
        The table (never modified).
    target : str
        Its label column; blank cells are unlabeled rows (:mod:`fewlabels.data.labels`).
    labels_file : LabelsFile
    strategy : str, default="cluster-margin"
        See :data:`fewlabels.active.STRATEGIES`; TypiClust picks while fewer than two
        classes have labels.
    method : str, default="supervised-logreg"
        The model retrained after each batch (:func:`fewlabels.make_model`).
    batch_size : int, default=10
        Answers between two retrains; each query picks twice as many rows, so the page
        keeps asking while the model retrains.
    classes : sequence of str, optional
        Classes to offer beyond those of the labeled rows (a cold start has none).
    allow_new_classes : bool, default=True
        Whether a class name typed into the page may be a new class.
    time_limit : float, optional
        For ``auto``.
    forecast : bool, default=True
        Run the label-budget planner after each retrain (about 15 logistic-regression fits).
    unlabeled_value : optional
    random_state : int, default=0
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        target: str,
        labels_file: LabelsFile,
        *,
        strategy: str = "cluster-margin",
        method: str = "supervised-logreg",
        batch_size: int = 10,
        classes: list[str] | None = None,
        allow_new_classes: bool = True,
        time_limit: float | None = None,
        forecast: bool = True,
        unlabeled_value: Any = None,
        random_state: int = 0,
    ):
        from ..methods import get_method
        from ..workflow import split_target
        from .strategies import get_strategy

        if isinstance(batch_size, bool) or int(batch_size) < 1:
            raise InputError(f"--batch must be at least 1; got {batch_size}")
        self.frame = frame
        self.target = target
        self.labels_file = labels_file
        self.strategy = get_strategy(strategy)
        self.method = method
        self.spec = get_method(method, task="classification")
        self.batch_size = int(batch_size)
        self.allow_new_classes = allow_new_classes
        self.time_limit = time_limit
        self.forecast = forecast
        self.random_state = random_state
        answers = labels_file.open()  # a labels file of another table fails first
        self.X, y = split_target(frame, target, unlabeled_value)
        self.n_rows = len(frame)
        self.labels = y.labels()  # object array, None on unlabeled rows
        self.table_labeled = y.labeled.copy()
        self.classes: list[Any] = [to_python(c) for c in y.classes]
        for name in classes or []:
            self._class_for(name, allow_new=True)
        self.skipped: set[int] = set()
        self.answered: set[int] = set()
        self.n_since_fit = 0
        self.model: Any = None
        self.queue: list[_Ask] = []
        self.stats = _Stats()
        self.history: list[np.ndarray] = []  # stop-set predictions, one per retrain
        rs = np.random.RandomState(random_state)
        self.stop_rows = np.sort(rs.choice(self.n_rows, min(self.n_rows, 1000), replace=False))
        self.lock = threading.RLock()
        self.training = False
        self._thread: threading.Thread | None = None
        for row, text in answers.items():
            if text is None:
                self.skipped.add(row)
                continue
            self.labels[row] = self._class_for(text, allow_new=True)
            self.answered.add(row)
            self.skipped.discard(row)
        self.stats.n_labels = self.n_labeled

    # ---------------------------------------------------------------- labels and classes

    @property
    def n_labeled(self) -> int:
        return int(sum(v is not None for v in self.labels))

    def _class_for(self, text: str, allow_new: bool) -> Any:
        """The class a typed name stands for (registered when new)."""
        name = str(text).strip()
        if not name:
            raise InputError("type a class name, or press s to skip the row")
        for c in self.classes:
            if str(c) == name:
                return c
        if not allow_new:
            shown = ", ".join(map(str, self.classes)) or "(none yet)"
            raise InputError(
                f"unknown class {name!r}: new classes are off (--no-new-classes); choose one of: "
                f"{shown}"
            )
        value: Any = name
        if self.classes and all(_is_number(c) for c in self.classes):
            try:
                value = int(name)
            except ValueError:
                try:
                    value = float(name)
                except ValueError:
                    raise InputError(
                        f"the classes of {self.target!r} are numbers; type a number, not {name!r}"
                    ) from None
        elif self.classes and isinstance(value, str) and not isinstance(self.classes[0], str):
            raise InputError(
                f"the classes of {self.target!r} are {type(self.classes[0]).__name__} values; "
                f"{name!r} is not one"
            )
        self.classes.append(value)
        return value

    def _target(self) -> Any:
        from ..data.labels import encode_target

        return encode_target(pd.Series(self.labels, dtype=object))

    def _done(self, row: int) -> bool:
        return self.labels[row] is not None or row in self.skipped

    # ------------------------------------------------------------------------ querying

    def _fit(self, target: Any) -> Any:
        from ..methods import make_model

        if len(target.classes) < 2:
            return None
        kwargs: dict[str, Any] = {}
        if "time_limit" in self.spec.params and self.time_limit is not None:
            kwargs["time_limit"] = self.time_limit
        model = make_model(self.method, self.random_state, **kwargs)
        return model.fit(self.X, target)

    def _query(self, model: Any, target: Any) -> list[_Ask]:
        from .strategies import TypiClust

        chooser = self.strategy if model is not None else TypiClust()
        if model is None and not self.strategy.needs_model:
            chooser = self.strategy
        free = np.array([r for r in range(self.n_rows) if not self._done(r)], dtype=np.int64)
        if len(free) == 0:
            return []
        sel = chooser.select(
            self.X, target, model, 2 * self.batch_size, free, self.random_state + len(self.history)
        )
        asks = []
        for i, row in enumerate(sel.indices):
            guess = conf = None
            if sel.proba is not None and sel.classes is not None:
                guess = to_python(sel.classes[int(np.argmax(sel.proba[i]))])
                conf = float(np.max(sel.proba[i]))
            asks.append(_Ask(int(row), guess, conf, sel.reasons[i]))
        return asks

    def start(self) -> None:
        """Fit the first model and pick the first rows (what opening the page needs)."""
        self._retrain(background=False)

    def current(self) -> _Ask | None:
        """The row to ask now (None when every row is labeled or skipped)."""
        with self.lock:
            while self.queue and self._done(self.queue[0].row):
                self.queue.pop(0)
            if self.queue:
                return self.queue[0]
            target, model = self._target(), self.model
        # the queue ran dry while the model retrains: pick with the model there is
        asks = self._query(model, target)
        with self.lock:
            if not self.queue:
                self.queue = asks
            while self.queue and self._done(self.queue[0].row):
                self.queue.pop(0)
            return self.queue[0] if self.queue else None

    def answer(self, row: int, label: str | None) -> bool:
        """Record an answer (None: skip), on disk first. Returns False for a row already
        answered or labeled (a second click), which changes nothing.

        Raises
        ------
        InputError
            For a row outside the table, an empty name, or an unknown class when new
            classes are off.
        """
        if not 0 <= int(row) < self.n_rows:
            raise InputError(f"row {row} is not a row of the table (0 to {self.n_rows - 1})")
        with self.lock:
            if self._done(int(row)):
                return False
            value = None
            if label is not None:
                value = self._class_for(label, self.allow_new_classes)
            self.labels_file.append(int(row), None if value is None else str(value))
            if value is None:
                self.skipped.add(int(row))
                return True
            self.labels[int(row)] = value
            self.answered.add(int(row))
            self.n_since_fit += 1
            due = self.n_since_fit >= self.batch_size
        if due:
            self._retrain(background=True)
        return True

    # ---------------------------------------------------------------------- retraining

    def _retrain(self, background: bool) -> None:
        with self.lock:
            if self.training:
                return
            self.training = True
            self.n_since_fit = 0
            target = self._target()
        if not background:
            self._train(target)
            return
        self._thread = threading.Thread(target=self._train, args=(target,), daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the background retrain to end (for tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _train(self, target: Any) -> None:
        t0 = time.perf_counter()
        try:
            model = self._fit(target)
            asks = self._query(model, target)
            with self.lock:
                self.model = model
                self.queue = asks
            stats = self._measure(model, target)
            stats.seconds = time.perf_counter() - t0
            with self.lock:
                self.stats = stats
        except Exception as exc:  # the page says so; labeling goes on
            logger.exception("retraining failed")
            with self.lock:
                self.stats.error = f"the last retrain failed: {type(exc).__name__}: {exc}"
        finally:
            with self.lock:
                self.training = False

    def _measure(self, model: Any, target: Any) -> _Stats:
        from sklearn.utils import _safe_indexing

        from .stopping import agreement_kappa, stabilizing_predictions

        stats = _Stats(n_labels=int(target.n_labeled))
        if model is None:
            return stats
        self._cv_accuracy(target, stats)
        P = np.asarray(model.predict_proba(_safe_indexing(self.X, self.stop_rows)))
        pred = np.asarray(model.classes_, dtype=object)[P.argmax(axis=1)]
        self.history.append(pred)
        stats.kappas = [
            agreement_kappa(a, b) for a, b in zip(self.history, self.history[1:], strict=False)
        ]
        stop, _ = stabilizing_predictions(self.history)
        stats.stable_at = stop
        if self.forecast:
            self._forecast(target, stats)
        return stats

    def _cv_accuracy(self, target: Any, stats: _Stats) -> None:
        """Out-of-fold accuracy on the labeled rows (stratified, up to 5 folds), with a
        Wilson interval over the rows; ``auto`` reports its own cross-validation."""
        from sklearn.model_selection import StratifiedKFold
        from sklearn.utils import _safe_indexing

        from ..methods import make_model
        from .loop import _own_estimate

        if self.spec.own_evidence and self.model is not None:
            est = _own_estimate(self.model)
            if est is not None:
                stats.accuracy = est
                stats.cv_rows = int(target.n_labeled)
                return
        lab = np.flatnonzero(target.labeled)
        counts = np.bincount(target.codes[lab], minlength=len(target.classes))
        k = int(min(5, counts.min()))
        if k < 2:
            return
        correct = 0
        truth = target.labels()
        folds = StratifiedKFold(k, shuffle=True, random_state=self.random_state)
        for _, held in folds.split(lab, target.codes[lab]):
            fold_target = target.without(lab[held])
            if len(np.unique(fold_target.codes[fold_target.labeled])) < 2:
                continue
            m = make_model(self.method, self.random_state).fit(self.X, fold_target)
            pred = np.asarray(m.predict(_safe_indexing(self.X, lab[held])), dtype=object)
            correct += int(np.sum(pred == truth[lab[held]]))
        stats.accuracy = correct / len(lab)
        stats.interval = wilson_interval(correct, len(lab))
        stats.cv_rows = len(lab)

    def _forecast(self, target: Any, stats: _Stats) -> None:
        from ..methods import make_model
        from .planner import plan_labels

        try:
            plan = plan_labels(
                make_model("supervised-logreg", self.random_state),
                self.X,
                target,
                multipliers=(2, 5),
                cv=3,
                n_repeats=1,
                n_sizes=5,
                n_bootstrap=100,
                random_state=self.random_state,
            )
        except InputError as exc:
            stats.forecast_note = str(exc)
            return
        stats.forecast = [vars(f) for f in plan.forecasts]

    # ------------------------------------------------------------------------ the state

    def state(self) -> dict[str, Any]:
        """A JSON-ready summary (what the page's progress panel shows)."""
        with self.lock:
            s = self.stats
            return {
                "rows": self.n_rows,
                "labeled": self.n_labeled,
                "answered": len(self.answered),
                "skipped": len(self.skipped),
                "classes": [str(c) for c in self.classes],
                "training": self.training,
                "model_labels": s.n_labels,
                "accuracy": s.accuracy,
                "interval": list(s.interval) if s.interval else None,
                "forecast": s.forecast,
                "forecast_note": s.forecast_note,
                "kappa": s.kappas[-1] if s.kappas else None,
                "stable": s.stable_at is not None,
                "error": s.error,
            }


def open_session(
    data: str | os.PathLike[str],
    target: str,
    labels: str | os.PathLike[str] | None = None,
    *,
    unlabeled_value: Any = None,
    missing_values: list[str] | None = None,
    **params: Any,
) -> LabelingSession:
    """Read ``data``, open (or create) its labels file and start a session: the first
    model is fitted and the first rows picked before this returns.

    ``labels`` defaults to :func:`default_labels_path`; ``params`` go to
    :class:`LabelingSession`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np, pandas as pd
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> x = np.arange(40.0)
    >>> y = np.where(x < 6, np.where(x % 2 == 0, "low", "high"), None)
    >>> pd.DataFrame({"x": x % 2 + x / 100, "y": y}).to_csv(folder / "t.csv", index=False)
    >>> session = open_session(folder / "t.csv", "y", batch_size=5, forecast=False)
    >>> ask = session.current()  # the row to show, with the model's guess
    >>> session.answer(ask.row, "low")
    True
    >>> session.state()["labeled"], session.labels_file.path.name
    (7, 't.labels.csv')
    >>> open_session(folder / "t.csv", "y", forecast=False).answered == {ask.row}  # resumes
    True
    """
    from ..data.io import read_table
    from ..workflow import check_not_input

    path = Path(labels) if labels is not None else default_labels_path(data)
    if path.is_dir():
        raise InputError(f"--labels {path} is a folder; give a file name such as answers.csv")
    check_not_input([path, path.with_name(path.name + ".json")], data)
    frame = read_table(data, missing_values=missing_values)
    if target not in frame.columns:
        cols = ", ".join(repr(str(c)) for c in list(frame.columns)[:12])
        raise InputError(
            f"target column {target!r} not found; the columns are: {cols} (use --target)"
        )
    fingerprint = {**table_fingerprint(frame), "target": str(target)}
    session = LabelingSession(
        frame, target, LabelsFile(path, fingerprint), unlabeled_value=unlabeled_value, **params
    )
    session.start()
    return session


# ------------------------------------------------------------------------------ the page

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d232b}
main{max-width:980px;margin:0 auto;padding:18px}
h1{font-size:20px;margin:0 0 12px}
.cols{display:flex;gap:18px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:14px;flex:1 1 420px;min-width:0}
table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eceef1;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{font-weight:600;width:40%;color:#4a5360}
.missing{color:#98a1ad;font-style:italic}
button{font:inherit;padding:6px 12px;margin:3px;border:1px solid #9aa5b4;border-radius:4px;background:#fff;cursor:pointer}
button.guess{border-color:#2f6fde;box-shadow:0 0 0 2px #cfdcf8}
kbd{font:12px monospace;background:#eceef1;border-radius:3px;padding:0 4px;margin-right:4px}
.msg{background:#fdecea;border:1px solid #f5b7b1;padding:8px;border-radius:4px;margin-bottom:12px}
.muted{color:#6b7480}
input[type=text]{font:inherit;padding:5px;width:14em}
"""

_JS = """
document.addEventListener('keydown', function (e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  var t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
  var b = null;
  if (e.key >= '1' && e.key <= '9') b = document.querySelector('button[data-key="' + e.key + '"]');
  else if (e.key === 's' || e.key === 'S') b = document.getElementById('skip');
  else if (e.key === 'n') { var i = document.getElementById('new'); if (i) { e.preventDefault(); i.focus(); } return; }
  if (b) { e.preventDefault(); b.click(); }
});
var nf = document.getElementById('new'); if (nf && nf.dataset.focus) nf.focus();
"""


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return '<span class="missing">(missing)</span>'
    return html.escape(str(to_python(v)))


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def render_page(session: LabelingSession, token: str, nonce: str, message: str = "") -> str:
    """The page: the row to label, the buttons, and the progress panel (all escaped)."""
    e = html.escape
    ask = session.current()
    st = session.state()
    tok = e(token)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>fewlabels label: {e(session.target)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>Label <code>{e(session.target)}</code></h1>",
    ]
    if message:
        parts.append(f"<div class='msg' id='message' role='alert'>{e(message)}</div>")
    parts.append("<div class='cols'><section class='card' id='ask'>")
    if ask is None:
        parts.append("<p id='done'>Every row is labeled or skipped: nothing is left to ask.</p>")
    else:
        row = session.frame.iloc[ask.row]
        parts.append(f"<p>Row <strong id='row'>{ask.row}</strong> of the table (0-based)</p>")
        if ask.guess is not None and ask.confidence is not None:
            parts.append(
                f"<p>The model's guess: <strong id='guess'>{e(str(ask.guess))}</strong> "
                f"(confidence {_pct(ask.confidence)})</p>"
            )
        else:
            parts.append("<p class='muted' id='guess'>No model yet (a cold start).</p>")
        if ask.reason:
            parts.append(f"<p class='muted' id='reason'>Why this row: {e(ask.reason)}</p>")
        parts.append(
            "<form method='post' action='/answer' id='form'>"
            f"<input type='hidden' name='token' value='{tok}'>"
            f"<input type='hidden' name='row' value='{ask.row}'><div id='classes'>"
        )
        for i, c in enumerate(session.classes):
            key = str(i + 1) if i < 9 else ""
            cls = " class='guess'" if ask.guess is not None and str(ask.guess) == str(c) else ""
            kbd = f"<kbd>{key}</kbd>" if key else ""
            parts.append(
                f"<button type='submit' name='label' value='{e(str(c))}' data-key='{key}'{cls}>"
                f"{kbd}{e(str(c))}</button>"
            )
        focus = " data-focus='1'" if message else ""
        hint = "a class name" if session.allow_new_classes else "one of the classes above"
        # the typed name has a form of its own: Enter in its box submits it, not a class
        parts.append(
            "<button type='submit' name='action' value='skip' id='skip'><kbd>s</kbd>Skip</button>"
            "</div></form><form method='post' action='/answer' id='typed-form'>"
            f"<input type='hidden' name='token' value='{tok}'>"
            f"<input type='hidden' name='row' value='{ask.row}'>"
            "<input type='hidden' name='action' value='typed'>"
            f"<p><label>Or type {hint}: <input type='text' name='typed' id='new' "
            f"autocomplete='off'{focus}></label> "
            "<button type='submit' id='add'>Save</button></p></form><table id='values'>"
        )
        for col in session.X.columns:
            parts.append(f"<tr><th>{e(str(col))}</th><td>{_cell(row[col])}</td></tr>")
        parts.append("</table>")
    parts.append("</section><section class='card' id='progress'><h2>Progress</h2><table>")
    parts.append(
        f"<tr><th>labels so far</th><td id='labeled'>{st['labeled']:,} of {st['rows']:,} rows</td></tr>"
        f"<tr><th>answered here</th><td id='answered'>{st['answered']:,} "
        f"({st['skipped']:,} skipped)</td></tr>"
    )
    if st["accuracy"] is not None:
        iv = st["interval"]
        shown = _pct(st["accuracy"]) + (
            f" (95% interval {_pct(iv[0])} to {_pct(iv[1])})" if iv else ""
        )
        parts.append(
            f"<tr><th>CV accuracy of the last retrain ({st['model_labels']:,} labels)</th>"
            f"<td id='accuracy'>{e(shown)}</td></tr>"
        )
    else:
        parts.append(
            "<tr><th>CV accuracy</th><td id='accuracy' class='muted'>needs at least 2 labels "
            "of 2 classes</td></tr>"
        )
    for f in st["forecast"]:
        parts.append(
            f"<tr><th>forecast at {f['n_labels']:,} labels</th><td class='forecast'>"
            f"{_pct(f['accuracy'])} ({_pct(f['low'])} to {_pct(f['high'])})</td></tr>"
        )
    if not st["forecast"] and st["forecast_note"]:
        parts.append(f"<tr><th>forecast</th><td class='muted'>{e(st['forecast_note'])}</td></tr>")
    if st["kappa"] is not None:
        signal = "stable: consider stopping" if st["stable"] else "still changing"
        parts.append(
            f"<tr><th>agreement with the previous model</th><td id='stopping'>kappa "
            f"{st['kappa']:.3f}, {signal}</td></tr>"
        )
    state = (
        "retraining…" if st["training"] else f"retrains after every {session.batch_size} answers"
    )
    parts.append(f"<tr><th>model</th><td id='training'>{e(session.method)}: {state}</td></tr>")
    if st["error"]:
        parts.append(f"<tr><th>problem</th><td>{e(st['error'])}</td></tr>")
    parts.append(
        "</table><p class='muted'>Keys: <kbd>1</kbd>…<kbd>9</kbd> a class, <kbd>s</kbd> skip, "
        "<kbd>n</kbd> type a class. Every answer is saved at once to "
        f"<code>{e(str(session.labels_file.path))}</code>.</p></section></div></main>"
        f"<script nonce='{e(nonce)}'>{_JS}</script></body></html>"
    )
    return "".join(parts)


def make_app(session: LabelingSession, token: str) -> Any:
    """The Starlette app: ``GET /`` the page, ``POST /answer`` an answer, ``GET /state``
    the progress as JSON. Every request must carry ``token`` (as ``?token=`` or a form
    field), or gets 403."""
    from urllib.parse import parse_qs, quote

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
    from starlette.routing import Route

    def allowed(given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), token.encode())

    def denied() -> PlainTextResponse:
        return PlainTextResponse(
            "403: this page needs the session token; open the address `fewlabels label` printed",
            status_code=403,
        )

    def headers(nonce: str) -> dict[str, str]:
        return {
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": (
                f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            ),
        }

    def page(message: str = "", status: int = 200) -> HTMLResponse:
        nonce = secrets.token_urlsafe(12)
        body = render_page(session, token, nonce, message)
        return HTMLResponse(body, status_code=status, headers=headers(nonce))

    async def index(request: Request) -> Any:
        if not allowed(request.query_params.get("token")):
            return denied()
        return await run_in_threadpool(page)

    async def answer(request: Request) -> Any:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8")).items()}
        if not allowed(form.get("token") or request.query_params.get("token")):
            return denied()
        try:
            row = int(form.get("row", ""))
        except ValueError:
            return await run_in_threadpool(page, "the answer names no row; answer again", 400)
        action = form.get("action")
        label: str | None
        if action == "skip":
            label = None
        elif action == "typed":
            label = form.get("typed", "")
        else:
            label = form.get("label", "")
        try:
            await run_in_threadpool(session.answer, row, label)
        except InputError as exc:
            return await run_in_threadpool(page, str(exc), 400)
        return RedirectResponse(f"/?token={quote(token)}", status_code=303)

    async def state(request: Request) -> Any:
        if not allowed(request.query_params.get("token")):
            return denied()
        return JSONResponse(session.state(), headers={"Cache-Control": "no-store"})

    async def fallback(request: Request) -> Any:
        if not allowed(request.query_params.get("token")):
            return denied()
        return PlainTextResponse("404: no such page", status_code=404)

    return Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/answer", answer, methods=["POST"]),
            Route("/state", state, methods=["GET"]),
            Route("/{path:path}", fallback, methods=["GET", "POST"]),
        ]
    )


# ----------------------------------------------------------------------------- serving

HOST = "127.0.0.1"


def bind_socket(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port=0``: a free port the system picks).

    Raises
    ------
    InputError
        When the port is in use or cannot be bound.

    Examples
    --------
    >>> sock = bind_socket(0)
    >>> host, port = sock.getsockname()
    >>> host, port > 0
    ('127.0.0.1', True)
    >>> sock.close()
    """
    if not 0 <= int(port) <= 65535:
        raise InputError(f"--port must be 0 to 65535; got {port}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, int(port)))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        import errno

        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {port} on {HOST} is in use; pick another with --port, or leave --port "
                "out for a free one"
            ) from None
        raise InputError(
            f"cannot listen on {HOST}:{port} ({exc.strerror}); pick another --port"
        ) from None
    return sock


def serve(app: Any, sock: socket.socket) -> None:
    """Run ``app`` with uvicorn on ``sock`` until interrupted."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - the CLI checks first
        from ..exceptions import MissingDependencyError

        raise MissingDependencyError("uvicorn", "label", "the labeling page") from None
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
