"""AutoGluon as a benchmark peer, run in its own virtualenv.

AutoGluon pins ``pandas<3`` while fewlabels uses pandas 3, so it cannot share fewlabels'
environment: ``make peers-autogluon`` puts it in ``.venv-autogluon`` and
:class:`AutoGluonPeer` drives it through a subprocess (``_autogluon_worker.py``), handing
the data over as parquet files in a temporary folder that also keeps the fitted predictor.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import weakref
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ..exceptions import FewLabelsError, InputError

__all__ = ["AutoGluonPeer", "AutoGluonUnavailableError", "autogluon_python"]

logger = logging.getLogger(__name__)

#: Environment variable naming AutoGluon's interpreter (overrides the default venv).
PYTHON_ENV = "FEWLABELS_AUTOGLUON_PYTHON"
_WORKER = Path(__file__).with_name("_autogluon_worker.py")
_LABEL = "__fewlabels_target__"
_NUM_CPUS = 2
_PSEUDO_MAX_ITER = 3


class AutoGluonUnavailableError(FewLabelsError, ImportError):
    """AutoGluon's interpreter (its own virtualenv) is not there."""


def _default_venv_python() -> Path:
    """``.venv-autogluon``'s python in the source checkout this package runs from, else in cwd."""
    here = Path(__file__).resolve()
    repo = here.parents[3] if len(here.parents) > 3 else None  # src/fewlabels/bench/ -> repo
    root = repo if repo is not None and (repo / "pyproject.toml").is_file() else Path.cwd()
    sub = ("Scripts", "python.exe") if os.name == "nt" else ("bin", "python")
    return root.joinpath(".venv-autogluon", *sub)


def autogluon_python(python: str | os.PathLike[str] | None = None) -> Path | None:
    """AutoGluon's interpreter: ``python``, else $FEWLABELS_AUTOGLUON_PYTHON, else the
    ``.venv-autogluon`` one; None when that file does not exist."""
    chosen = python or os.environ.get(PYTHON_ENV) or _default_venv_python()
    path = Path(chosen).expanduser()
    return path if path.is_file() else None


def _require_python(python: str | os.PathLike[str] | None) -> Path:
    path = autogluon_python(python)
    if path is None:
        where = python or os.environ.get(PYTHON_ENV) or _default_venv_python()
        raise AutoGluonUnavailableError(
            f"AutoGluon's interpreter {str(where)!r} does not exist; create its virtualenv with "
            f"`make peers-autogluon` (or point {PYTHON_ENV} at a python that has autogluon.tabular)"
        )
    return path


def _frame(X: Any, columns: list[str] | None = None) -> Any:
    """X as a DataFrame with string column names and a fresh index, ready for parquet."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        df = X.reset_index(drop=True)
        df.columns = [str(c) for c in df.columns]
    else:
        arr = np.asarray(X)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        names = columns if columns is not None and len(columns) == arr.shape[1] else None
        df = pd.DataFrame(arr, columns=names or [f"x{i}" for i in range(arr.shape[1])])
    if len(set(df.columns)) != df.shape[1]:
        raise InputError("AutoGluonPeer needs distinct column names")
    return df


def _to_parquet(df: Any, path: Path) -> None:
    """Write ``df``; object columns that pyarrow cannot type (mixed values) go as text."""
    try:
        df.to_parquet(path, index=False)
    except (TypeError, ValueError):  # pyarrow's ArrowTypeError, ArrowInvalid
        df = df.copy()
        for col in df.select_dtypes(include="object").columns:
            df[col] = df[col].map(lambda v: v if v is None or v != v else str(v)).astype("string")
        df.to_parquet(path, index=False)


class AutoGluonPeer(ClassifierMixin, BaseEstimator):
    """AutoGluon's TabularPredictor, as a scikit-learn classifier for the benchmark.

    ``fit(X, y)`` takes class codes with -1 (or NaN) for the unlabeled rows: the labeled rows
    train AutoGluon (``presets``, ``time_limit`` seconds, 2 CPUs); with ``pseudo_label`` the
    unlabeled rows then go to ``fit_pseudolabel`` (up to 3 rounds, ``time_limit / 3`` seconds
    each, which AutoGluon does not hold to strictly). AutoGluon runs under ``python``, else
    $FEWLABELS_AUTOGLUON_PYTHON, else ``.venv-autogluon/bin/python`` (``make
    peers-autogluon``). ``random_state`` seeds AutoGluon's train/validation split (and bagged
    models); its single models keep their fixed seed 0, AutoGluon having no overall seed.
    The fitted predictor lives in a temporary folder, removed when the estimator is
    refitted or garbage collected, so a fitted AutoGluonPeer is not meant to be pickled.
    """

    def __init__(
        self,
        time_limit: float = 20.0,
        pseudo_label: bool = False,
        presets: str = "medium_quality",
        python: str | None = None,
        random_state: int | None = None,
    ) -> None:
        self.time_limit = time_limit
        self.pseudo_label = pseudo_label
        self.presets = presets
        self.python = python
        self.random_state = random_state

    # -- the subprocess ---------------------------------------------------------------
    def _run_worker(self, python: Path, request: dict, folder: Path) -> dict:
        req_path = folder / f"{request['action']}-request.json"
        req_path.write_text(json.dumps(request))
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        cmd = [str(python), "-I", str(_WORKER), str(req_path)]
        logger.debug("running %s", " ".join(cmd))
        # AutoGluon overruns its time limit (pseudo-labeling rounds most); a hung worker
        # must not hang the benchmark
        timeout = 3 * float(self.time_limit) + 120
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, env=env, check=False, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"AutoGluon {request['action']} did not finish in {timeout:.0f} s"
            ) from None
        if proc.stdout.strip():
            logger.debug("AutoGluon worker stdout:\n%s", proc.stdout)
        out_path = Path(str(req_path) + ".out")
        if proc.returncode != 0 or not out_path.is_file():
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            last = lines[-1].strip() if lines else f"exit code {proc.returncode}, no message"
            logger.debug("AutoGluon worker stderr:\n%s", proc.stderr)
            raise RuntimeError(f"AutoGluon {request['action']} failed: {last}")
        if proc.stderr.strip():
            logger.debug("AutoGluon worker stderr:\n%s", proc.stderr)
        return json.loads(out_path.read_text())

    def _drop_folder(self) -> None:
        cleanup = getattr(self, "_cleanup", None)
        if cleanup is not None:
            cleanup()  # removes the folder now and detaches the finalizer
            self._cleanup: weakref.finalize | None = None

    # -- scikit-learn API ---------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> AutoGluonPeer:
        python = _require_python(self.python)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise InputError("y must be one class code per row of X")
        if y.dtype.kind == "f":
            labeled = ~np.isnan(y) & (y != -1)
        elif y.dtype.kind in "iub":
            labeled = y != -1
        else:
            raise InputError("AutoGluonPeer takes integer class codes, -1 for unlabeled rows")
        classes = np.unique(y[labeled].astype(np.int64))
        if len(classes) < 2:
            raise InputError("AutoGluonPeer needs labeled rows of at least two classes")
        df = _frame(X)
        if _LABEL in df.columns:
            raise InputError(f"X may not have a column named {_LABEL!r}")
        self._drop_folder()
        folder = Path(tempfile.mkdtemp(prefix="fewlabels-autogluon-"))
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(folder), ignore_errors=True)
        self._folder = folder
        train = df.loc[labeled].copy()
        train[_LABEL] = y[labeled].astype(np.int64)
        _to_parquet(train, folder / "train.parquet")
        unlabeled = None
        if self.pseudo_label and (~labeled).any():
            unlabeled = folder / "unlabeled.parquet"
            _to_parquet(df.loc[~labeled], unlabeled)
        request = {
            "action": "fit",
            "train": str(folder / "train.parquet"),
            "unlabeled": None if unlabeled is None else str(unlabeled),
            "label": _LABEL,
            "problem_type": "binary" if len(classes) == 2 else "multiclass",
            "predictor_dir": str(folder / "predictor"),
            "time_limit": float(self.time_limit),
            "presets": self.presets,
            "seed": None if self.random_state is None else int(self.random_state),
            "num_cpus": _NUM_CPUS,
            "pseudo_max_iter": _PSEUDO_MAX_ITER,
        }
        try:
            info = self._run_worker(python, request, folder)
        except BaseException:
            self._drop_folder()
            raise
        for name in ("train.parquet", "unlabeled.parquet"):
            (folder / name).unlink(missing_ok=True)
        logger.info(
            "AutoGluon fit in %.1fs (pseudo-labeling %.1fs), best model %s",
            info.get("fit_seconds", float("nan")),
            info.get("pseudolabel_seconds", 0.0),
            info.get("best_model"),
        )
        self.classes_ = classes
        self.n_features_in_ = df.shape[1]
        self.feature_names_in_ = np.asarray(df.columns, dtype=object)
        self.fit_info_ = info
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "classes_")
        python = _require_python(self.python)
        folder = getattr(self, "_folder", None)
        if folder is None or not (folder / "predictor").is_dir():
            raise RuntimeError("the fitted AutoGluon predictor is gone; fit again")
        df = _frame(X, columns=list(self.feature_names_in_))
        work = Path(tempfile.mkdtemp(prefix="predict-", dir=folder))
        try:
            _to_parquet(df, work / "data.parquet")
            request = {
                "action": "predict",
                "predictor_dir": str(folder / "predictor"),
                "data": str(work / "data.parquet"),
                "out": str(work / "proba.npy"),
            }
            info = self._run_worker(python, request, work)
            raw = np.load(work / "proba.npy")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        # AutoGluon may drop a class it had too few rows of: such a class gets probability 0
        proba = np.zeros((len(df), len(self.classes_)))
        index = {int(c): i for i, c in enumerate(self.classes_)}
        for j, c in enumerate(info["columns"]):
            proba[:, index[int(c)]] = raw[:, j]
        total = proba.sum(axis=1, keepdims=True)
        return np.divide(proba, total, out=np.full_like(proba, 1 / proba.shape[1]), where=total > 0)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
